/** Reads a Pulumi project's `Pulumi.yaml` and `Pulumi.<stack>.yaml` the way the Pulumi CLI does. */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

export interface PulumiProject {
  readonly name: string;
  /** Absolute path of the program's entry file. */
  readonly main: string;
  readonly dir: string;
}

/** A problem the user can fix; the CLI prints its message as a one-line reason. */
export class CliError extends Error {}

export function readProject(dir: string): PulumiProject {
  const file = path.join(dir, 'Pulumi.yaml');
  if (!existsSync(file))
    throw new CliError(`no Pulumi.yaml in ${dir}: run mlops from the project's root folder or pass --cwd`);
  const doc = parse(readFileSync(file, 'utf8')) as { name?: string; main?: string } | null;
  if (!doc?.name) throw new CliError(`${file} has no project name`);
  let main = path.resolve(dir, doc.main ?? '.');
  if (existsSync(main) && statSync(main).isDirectory()) {
    const entry = ['index.ts', 'index.js'].map((f) => path.join(main, f)).find((f) => existsSync(f));
    if (!entry) throw new CliError(`${main} has no index.ts or index.js`);
    main = entry;
  }
  if (!existsSync(main)) throw new CliError(`the program ${main} named by Pulumi.yaml does not exist`);
  return { name: doc.name, main, dir };
}

/** The stacks that have a `Pulumi.<stack>.yaml`. */
export function listStacks(dir: string): string[] {
  return readdirSync(dir)
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/**
 * The stack's config keyed `namespace:key`; keys without a namespace belong to the project, as in Pulumi.
 * Secure values cannot be decrypted offline and are refused.
 */
export function readStackConfig(project: PulumiProject, stack: string): Record<string, unknown> {
  const file = ['yaml', 'yml']
    .map((ext) => path.join(project.dir, `Pulumi.${stack}.${ext}`))
    .find((f) => existsSync(f));
  if (!file) {
    const known = listStacks(project.dir);
    throw new CliError(
      `unknown stack "${stack}": no Pulumi.${stack}.yaml in ${project.dir} (stacks: ${known.join(', ') || 'none'})`,
    );
  }
  const doc = (parse(readFileSync(file, 'utf8')) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    if (value && typeof value === 'object' && 'secure' in value) {
      throw new CliError(
        `${path.basename(file)}: ${key} is a secret, which cannot be decrypted offline; give a plain test value in a separate stack file`,
      );
    }
    config[key.includes(':') ? key : `${project.name}:${key}`] = value;
  }
  return config;
}
