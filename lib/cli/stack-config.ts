/**
 * A stack's config as the Pulumi CLI builds it: the stack file `Pulumi.<stack>.<ext>` (the project file's
 * extension, in `stackConfigDir`) over the project file's config values and defaults, with typed project keys
 * checked.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { CliError } from './errors';
import { isRecord, matchesType, readProject, type PulumiProject } from './project';

export { CliError } from './errors';
export { readProject, type PulumiProject } from './project';

/** The stacks that have a stack file beside the project (in `stackConfigDir`). */
export function listStacks(project: PulumiProject): string[] {
  if (!existsSync(project.stackConfigDir)) return [];
  const ext = path.extname(project.file);
  return readdirSync(project.stackConfigDir)
    .filter((f) => f.startsWith('Pulumi.') && f.endsWith(ext) && f !== path.basename(project.file))
    .map((f) => f.slice('Pulumi.'.length, -ext.length))
    .filter((s) => s.length > 0)
    .sort();
}

/** The path of a stack's file: `Pulumi.<stack>` with the project file's extension, in `stackConfigDir`. */
export function stackFile(project: PulumiProject, stack: string): string {
  return path.join(project.stackConfigDir, `Pulumi.${stack}${path.extname(project.file)}`);
}

/**
 * The stack's config keyed `namespace:key`: the stack file's values over the project file's values and
 * defaults. Keys without a namespace belong to the project, as in Pulumi. Secure values cannot be decrypted
 * offline and are refused.
 */
export function readStackConfig(project: PulumiProject, stack: string): Record<string, unknown> {
  const file = stackFile(project, stack);
  if (!existsSync(file)) {
    const other = ['.yaml', '.yml', '.json']
      .map((ext) => path.join(project.stackConfigDir, `Pulumi.${stack}${ext}`))
      .find((f) => f !== file && existsSync(f));
    const hint = other
      ? `; ${path.basename(other)} is ignored: Pulumi reads the stack file with the project file's extension`
      : '';
    throw new CliError(
      `unknown stack "${stack}": no ${path.basename(file)} in ${project.stackConfigDir} (stacks: ${listStacks(project).join(', ') || 'none'})${hint}`,
    );
  }
  const fail = (message: string): never => {
    throw new CliError(`stack file error: ${file}: ${message}`);
  };
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8')) ?? {};
  } catch (err) {
    fail((err as Error).message.split('\n')[0]);
  }
  if (!isRecord(doc)) fail('expected a mapping with a `config` key');
  const entries = (doc as Record<string, unknown>).config ?? {};
  if (!isRecord(entries)) fail('`config` must map keys (`namespace:key`) to values');
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entries as Record<string, unknown>)) {
    if (isRecord(value) && 'secure' in value)
      fail(
        `${key} is a secret, which cannot be decrypted offline; give a plain test value in a separate stack file`,
      );
    config[key.includes(':') ? key : `${project.name}:${key}`] = value;
  }
  return withProjectConfig(project, stack, config);
}

/** Applies the project file's values and defaults, and checks typed keys, with the Pulumi CLI's wording. */
function withProjectConfig(
  project: PulumiProject,
  stack: string,
  config: Record<string, unknown>,
): Record<string, unknown> {
  const missing: string[] = [];
  for (const [key, decl] of Object.entries(project.config)) {
    const short = key.startsWith(`${project.name}:`) ? key.slice(project.name.length + 1) : key;
    if (key in config) {
      if (decl.type !== undefined && !matchesType(config[key], decl.type))
        throw new CliError(
          `Stack '${stack}' with configuration key '${short}' must be of type '${decl.type}' (declared in ${path.basename(project.file)})`,
        );
    } else if (decl.required) missing.push(short);
    else if (decl.value !== undefined) config[key] = decl.value;
  }
  if (missing.length > 0) {
    const names = missing.map((m) => `'${m}'`);
    const list =
      names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
    throw new CliError(
      `Stack '${stack}' is missing configuration value${missing.length > 1 ? 's' : ''} ${list}: set ${missing.length > 1 ? 'them' : 'it'} in ${path.basename(stackFile(project, stack))}`,
    );
  }
  return config;
}

/** The project in `dir` and one stack's config: what `mlops synth` and the reference stacks' tests read. */
export function loadStack(
  dir: string,
  stack: string,
): { project: PulumiProject; config: Record<string, unknown> } {
  const project = readProject(dir);
  return { project, config: readStackConfig(project, stack) };
}
