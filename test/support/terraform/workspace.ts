/**
 * A Terraform working directory that validates configurations offline against the Terraform AWS provider
 * from a local filesystem mirror (no registry is reachable here). `terraform validate` runs the provider's
 * own schema and value checks: required and conflicting arguments, enums, ranges, formats.
 *
 * The mirror is found at run time: `$TERRAFORM_PROVIDER_MIRROR` when set, otherwise the folder above the
 * first `registry.terraform.io` directory within three levels of `/`. Nothing machine-specific is written
 * into the repository: the CLI configuration lives in the temporary directory.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { check, requireTool, run } from '../tools';
import type { TerraformSchema } from './schema';

/** The provider the mirror holds and the tests validate against. */
export const AWS_PROVIDER_VERSION = '5.100.0';

/** One diagnostic of `terraform validate -json`. */
export interface TerraformDiagnostic {
  readonly severity: 'error' | 'warning';
  readonly summary: string;
  readonly detail?: string;
  /** The file it is in. */
  readonly range?: { readonly filename: string };
  /** The block it is in, such as `resource.aws_sagemaker_endpoint.stack-prod__churn-endpoint`. */
  readonly snippet?: { readonly context?: string };
}

/** The Terraform filesystem mirror holding the AWS provider; throws with how to provide one. */
export function findProviderMirror(): string {
  const configured = process.env.TERRAFORM_PROVIDER_MIRROR;
  if (configured) return configured;
  const found = run('sh', ['-c', 'find / -maxdepth 3 -type d -name registry.terraform.io 2>/dev/null'], {
    timeoutMs: 60_000,
  });
  const registry = found.stdout.split('\n').find((line) => line.trim() !== '');
  if (!registry) {
    throw new Error(
      'no Terraform provider mirror found (no registry.terraform.io folder within 3 levels of /): ' +
        `put hashicorp/aws ${AWS_PROVIDER_VERSION} in a filesystem mirror ` +
        '(`terraform providers mirror <dir>` on a machine with registry access) and set TERRAFORM_PROVIDER_MIRROR=<dir>',
    );
  }
  return path.dirname(registry.trim());
}

export class TerraformWorkspace {
  private readonly env: NodeJS.ProcessEnv;

  private constructor(
    readonly dir: string,
    private readonly terraform: string,
    configFile: string,
    private readonly mirror: string,
  ) {
    this.env = {
      ...process.env,
      TF_CLI_CONFIG_FILE: configFile,
      TF_IN_AUTOMATION: '1',
      CHECKPOINT_DISABLE: '1',
    };
  }

  /** Creates a temporary directory and runs `terraform init` against the mirror; throws when Terraform is missing. */
  static init(): TerraformWorkspace {
    const terraform = requireTool(
      'terraform',
      `Install Terraform 1.x (https://developer.hashicorp.com/terraform/install) and the hashicorp/aws ${AWS_PROVIDER_VERSION} provider in a filesystem mirror.`,
    );
    const mirror = findProviderMirror();
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-terraform-'));
    const configFile = path.join(dir, 'cli.tfrc');
    writeFileSync(
      configFile,
      `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n}\n`,
    );
    const workspace = new TerraformWorkspace(path.join(dir, 'config'), terraform, configFile, mirror);
    mkdirSync(workspace.dir);
    workspace.write({ 'providers.tf.json': providerConfig(['us-east-1']) });
    check(
      run(terraform, ['init', '-input=false', '-no-color', '-backend=false'], {
        cwd: workspace.dir,
        env: workspace.env,
      }),
      `terraform init with the provider mirror ${mirror}`,
    );
    return workspace;
  }

  /**
   * The provider's resource schemas (`terraform providers schema -json`, about 10 s). Kept in the temporary
   * directory of the OS between runs, keyed by the provider binary's size and modification time.
   */
  schema(): TerraformSchema {
    const stamp = this.providerStamp();
    const cache = stamp && path.join(tmpdir(), `mlops-terraform-aws-${AWS_PROVIDER_VERSION}-${stamp}.json`);
    if (cache && existsSync(cache)) return JSON.parse(readFileSync(cache, 'utf8')) as TerraformSchema;
    const out = check(
      run(this.terraform, ['providers', 'schema', '-json'], { cwd: this.dir, env: this.env }),
      'terraform providers schema',
    ).stdout;
    const all = JSON.parse(out) as { provider_schemas: Record<string, TerraformSchema> };
    const aws = all.provider_schemas['registry.terraform.io/hashicorp/aws'];
    if (!aws)
      throw new Error('terraform providers schema: no hashicorp/aws provider in the working directory');
    if (cache) {
      const partial = `${cache}.${process.pid}`;
      writeFileSync(partial, JSON.stringify({ resource_schemas: aws.resource_schemas }));
      renameSync(partial, cache);
    }
    return aws;
  }

  /** Size and time of the unpacked provider binary; undefined for a packed (zip) mirror, which is not cached. */
  private providerStamp(): string | undefined {
    try {
      const folder = path.join(
        this.mirror,
        'registry.terraform.io',
        'hashicorp',
        'aws',
        AWS_PROVIDER_VERSION,
      );
      const platform = readdirSync(folder)[0];
      const binary = readdirSync(path.join(folder, platform)).find((f) =>
        f.startsWith('terraform-provider-aws'),
      );
      if (!binary) return undefined;
      const stat = statSync(path.join(folder, platform, binary));
      return `${stat.size}-${Math.floor(stat.mtimeMs)}`;
    } catch {
      return undefined;
    }
  }

  /**
   * Replaces the configuration with `files` (name → Terraform JSON) plus a provider block per region, and
   * returns every diagnostic of `terraform validate -json`.
   */
  validate(files: Record<string, unknown>, regions: string[]): TerraformDiagnostic[] {
    for (const file of readdirSync(this.dir)) {
      if (file.endsWith('.tf.json')) rmSync(path.join(this.dir, file));
    }
    this.write({ ...files, 'providers.tf.json': providerConfig(regions) });
    const result = run(this.terraform, ['validate', '-json', '-no-color'], { cwd: this.dir, env: this.env });
    let parsed: { diagnostics?: TerraformDiagnostic[] };
    try {
      parsed = JSON.parse(result.stdout) as { diagnostics?: TerraformDiagnostic[] };
    } catch {
      throw new Error(`terraform validate printed no JSON (exit ${result.status}):\n${result.stderr}`);
    }
    return parsed.diagnostics ?? [];
  }

  /** Deletes the temporary directory. */
  dispose(): void {
    rmSync(path.dirname(this.dir), { recursive: true, force: true });
  }

  private write(files: Record<string, unknown>): void {
    for (const [name, content] of Object.entries(files)) {
      writeFileSync(path.join(this.dir, name), `${JSON.stringify(content, null, 2)}\n`, { flag: 'w' });
    }
  }
}

/** Terraform's name for the provider alias of a region: `eu-west-1` → `eu_west_1`. */
export function regionAlias(region: string): string {
  return region.replace(/-/g, '_');
}

/** The `terraform` and `provider` blocks: the pinned AWS provider, one aliased configuration per region. */
function providerConfig(regions: string[]): unknown {
  return {
    terraform: {
      required_providers: { aws: { source: 'hashicorp/aws', version: AWS_PROVIDER_VERSION } },
    },
    provider: {
      aws: [...new Set(regions)].sort().map((region) => ({ alias: regionAlias(region), region })),
    },
  };
}
