/** The `mlops` command's usage line and help text. */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export const USAGE =
  'usage: mlops synth --stack NAME [--json] [--cwd DIR] [--mocks FILE] [--show-secrets] | mlops --help | mlops --version';

export const HELP = `mlops: offline tools for Pulumi programs built with mlops-constructs. Needs no cloud account and no Pulumi CLI.

Usage:
  mlops synth --stack NAME [--json] [--cwd DIR] [--mocks FILE] [--show-secrets]
  mlops --help
  mlops --version

Commands:
  synth    Run the Pulumi program of a project for one stack under Pulumi's mocks, and print every
           resource it registers (as a tree under its parents) and the stack outputs (the program's
           exports). The project is read as the Pulumi CLI reads it: Pulumi.yaml (or .yml, .json), its
           \`main\` (else package.json \`exports\`/\`main\`, else index.js/index.ts), its \`config\` values and
           defaults, and the stack file Pulumi.<NAME>.yaml in \`stackConfigDir\`. TypeScript is transpiled
           with the project's own \`typescript\` package; it is not type-checked.

Options:
  -s, --stack NAME   The stack to run (required for synth).
      --json         Print one JSON object {stack, outputs, resources} instead of the tree.
      --cwd DIR      The project folder. Default: the current folder.
      --mocks FILE   A module exporting \`calls\` (provider function token -> (inputs) => outputs) and/or
                     \`resources\` ((type, name, inputs) => outputs) for your own provider calls and resources,
                     as recordProgram takes them. Default: none (an unknown provider call fails, naming it).
      --show-secrets Print secret outputs. Default: they print as "[secret]".
  -h, --help         Print this help.
  -v, --version      Print the version of mlops-constructs.

Exit status: 0 when the program ran; 1 when the input is bad or the program failed, with a one-line
reason on stderr and nothing on stdout.`;

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
