/** The `mlops` command's usage line and help text. */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DIGEST_HELP, DIGEST_USAGE } from './digest';

export const SYNTH_USAGE =
  'usage: mlops synth --stack NAME [--json] [--cwd DIR] [--mocks FILE] [--show-secrets]';

export const PROMOTE_USAGE =
  'mlops promote --from STACK --to STACK [--policy FILE] [--dry-run] [--approved-by WHO] [--alarms-evidence FILE] [--alertmanager-url URL] [--plan-out FILE] [--cwd DIR] [--json]';

export const RELEASE_USAGE =
  'mlops release show --stack STACK [--json] [--cwd DIR] | mlops release set --stack STACK --file release.(json|yaml) [--approved-by WHO] [--cwd DIR] | mlops release finish --stack STACK [--cwd DIR]';

export const USAGE =
  'usage: mlops synth|promote|release show|release set|release finish|digest ... (mlops --help says more) | mlops --help | mlops --version';

export const HELP = `mlops: offline tools for Pulumi programs built with mlops-constructs: synthesize a stack, and promote
releases between stacks. Needs no cloud account and no Pulumi CLI (promote reads open alarms and registry
approval through the cloud's API when credentials exist).

Usage:
  mlops synth --stack NAME [--json] [--cwd DIR] [--mocks FILE] [--show-secrets]
  mlops promote --from STACK --to STACK [--policy FILE] [--dry-run] [--approved-by WHO]
                [--alarms-evidence FILE] [--alertmanager-url URL] [--plan-out FILE] [--cwd DIR] [--json]
  mlops release show --stack STACK [--json] [--cwd DIR]
  mlops release set --stack STACK --file release.(json|yaml) [--approved-by WHO] [--cwd DIR]
  mlops release finish --stack STACK [--cwd DIR]
  ${DIGEST_USAGE}
  mlops --help
  mlops --version

Commands:
  synth    Run the Pulumi program of a project for one stack under Pulumi's mocks, and print every
           resource it registers (as a tree under its parents) and the stack outputs (the program's
           exports). The project is read as the Pulumi CLI reads it: Pulumi.yaml (or .yml, .json), its
           \`main\` (else package.json \`exports\`/\`main\`, else index.js/index.ts), its \`config\` values and
           defaults, and the stack file Pulumi.<NAME>.yaml in \`stackConfigDir\`. TypeScript is transpiled
           with the project's own \`typescript\` package; it is not type-checked. A ModelEndpoint that waits
           for a release is named on a line "notice: ..." (in --json: "notices").
  promote  Copy the release a stack serves (mlops:release in Pulumi.<from>.yaml) into another stack, when
           every gate passes. Gates come from the promotion policy (promotion.ts, .yaml, .yml or .json in
           the project folder, or --policy FILE); the schema and registry-approval gates always run. Each
           gate prints as "PASS|FAIL <gate>: <reason>". Any failed gate: exit 1 and nothing is written.
           Otherwise the target's stack file gets the release (served from the target's own registry and
           bucket, mlops:releaseStore, when they differ from the source's) and the copy plan is written to
           .mlops/promotion-<from>-to-<to>.json: run its steps (crane, aws, gcloud, mlops digest) before
           \`pulumi up\` of the target. Both files are written atomically (temporary file, then rename),
           the stack file keeps its comments and layout, and the target's stack file is locked
           (Pulumi.<to>.yaml.lock) while it is read, checked and written. Promoting a release the target
           already serves writes nothing ("already promoted").
  release  show: print a stack's release (an older release upgraded to the current schema), or that the
           stack awaits one. set: write the release in a file (schema 1; artifacts with their sha256) into
           a stack: the first release, after the first training run; releasedAt is now. finish: remove
           mlops:stableRelease when a gcp or docker canary is done.
${DIGEST_HELP}

Options:
  -s, --stack NAME   The stack (required for synth and release).
      --json         Print one JSON object instead of text (synth: {stack, outputs, resources, notices}).
      --cwd DIR      The project folder. Default: the current folder.
      --mocks FILE   synth: a module exporting \`calls\` (provider function token -> (inputs) => outputs)
                     and/or \`resources\` ((type, name, inputs) => outputs) for your own provider calls and
                     resources, as recordProgram takes them. Default: none (an unknown provider call fails,
                     naming it).
      --show-secrets synth: print secret outputs. Default: they print as "[secret]".
      --from, --to   promote: the source and the target stack (required; they must differ).
      --policy FILE  promote: the promotion policy. Default: promotion.ts|.yaml|.yml|.json, first found.
      --dry-run      promote: print the gates, the plan and the stack file's diff; write nothing.
      --approved-by WHO  promote, release set: who approves (the requireApproval gate; written as the
                     release's approval with the time). Default: promote keeps the source's approval.
      --alarms-evidence FILE  promote: the source stage's open alarms as a file (our {"openAlarms": [...]},
                     \`aws cloudwatch describe-alarms\` output, Alertmanager's /api/v2/alerts, or Cloud
                     Monitoring's alerts list). Its age is our format's "checkedAt" (ISO 8601 UTC), else
                     the file's modification time. Default: read through the cloud's API when credentials exist.
      --alertmanager-url URL  promote from docker: the Alertmanager to ask. Default http://127.0.0.1:9093.
      --plan-out FILE  promote: where the copy plan goes. Default .mlops/promotion-<from>-to-<to>.json.
      --file FILE    release set: the release, as .json, .yaml or .yml.
  -h, --help         Print this help.
  -v, --version      Print the version of mlops-constructs.

Exit status: 0 when the command did what it says (a promotion already done included); 1 when a gate
failed, the input is bad or the program failed, with the reason on stderr (a failed gate: on stdout with
the other gates). Bad input prints nothing on stdout. The environment variable MLOPS_FAIL_BEFORE_RENAME=1
is a test-only hook: every atomic write then fails between writing its temporary file and the rename.`;

/** The version of the installed mlops-constructs, from its package.json. */
export function version(): string {
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'mlops-constructs' && pkg.version) return pkg.version;
  }
  throw new Error('cannot find the package.json of mlops-constructs');
}
