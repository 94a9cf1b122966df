/**
 * Reads a Pulumi project file the way the Pulumi CLI does: `Pulumi.json`, `Pulumi.yaml` or `Pulumi.yml`
 * (tried in that order), its `main`, `stackConfigDir` (or the deprecated string form of `config`) and its
 * project-level `config` declarations.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { CliError } from './errors';

/** A project-level config key declared in the project file. */
export interface ProjectConfigKey {
  /** Declared type: `string`, `integer`, `boolean` or `array<...>`; undefined when untyped. */
  readonly type?: string;
  /** The value a stack gets when its stack file does not set the key (`default`, `value` or a bare value). */
  readonly value?: unknown;
  /** True when the key is typed and has no value: every stack must set it. */
  readonly required: boolean;
}

export interface PulumiProject {
  readonly name: string;
  /** The project folder (where the project file is). */
  readonly dir: string;
  /** The project file's path. */
  readonly file: string;
  /** `main` from the project file, resolved against the project folder; undefined when not set. */
  readonly main?: string;
  /** Folder of the stack files: `stackConfigDir` resolved against the project folder, else the project folder. */
  readonly stackConfigDir: string;
  /** Project-level config, keyed `namespace:key` (keys without a namespace belong to the project). */
  readonly config: Readonly<Record<string, ProjectConfigKey>>;
}

const PROJECT_FILES = ['Pulumi.json', 'Pulumi.yaml', 'Pulumi.yml'];
const TYPES = ['string', 'integer', 'boolean', 'array'];

export function readProject(dir: string): PulumiProject {
  const file = PROJECT_FILES.map((f) => path.join(dir, f)).find((f) => existsSync(f));
  if (!file)
    throw new CliError(`no Pulumi.yaml in ${dir}: run mlops from the project's root folder or pass --cwd`);
  const fail = (message: string): never => {
    throw new CliError(`project file error: ${file}: ${message}`);
  };
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    fail((err as Error).message.split('\n')[0]);
  }
  if (!isRecord(doc)) return fail('expected the project to be a mapping of attributes');
  if (typeof doc.name !== 'string' || doc.name === '') fail("project is missing a 'name' attribute");
  const name = doc.name as string;
  if (doc.main !== undefined && doc.main !== null && typeof doc.main !== 'string')
    fail('`main` must be a path relative to the project file');
  let stackConfigDir = doc.stackConfigDir;
  let declared = doc.config;
  if (typeof declared === 'string') {
    // The deprecated form: `config` names the folder of the stack files.
    if (stackConfigDir !== undefined) fail('Should not use both config and stackConfigDir');
    stackConfigDir = declared;
    declared = undefined;
  }
  if (stackConfigDir !== undefined && typeof stackConfigDir !== 'string')
    fail('`stackConfigDir` must be a path relative to the project file');
  if (declared !== undefined && declared !== null && !isRecord(declared))
    fail('`config` must map config keys to values or declarations');
  const config: Record<string, ProjectConfigKey> = {};
  for (const [key, decl] of Object.entries((declared as Record<string, unknown> | undefined) ?? {})) {
    const fullKey = key.includes(':') ? key : `${name}:${key}`;
    config[fullKey] = readDeclaration(key, fullKey.split(':')[0] === name, decl, fail);
  }
  return {
    name,
    dir,
    file,
    main: typeof doc.main === 'string' ? path.resolve(dir, doc.main) : undefined,
    stackConfigDir: path.resolve(dir, (stackConfigDir as string | undefined) ?? '.'),
    config,
  };
}

function readDeclaration(
  key: string,
  ownedByProject: boolean,
  decl: unknown,
  fail: (message: string) => never,
): ProjectConfigKey {
  if (!isRecord(decl)) return { value: decl, required: false };
  if ('value' in decl && 'default' in decl)
    fail(`project config '${key}' cannot have both a 'default' and 'value' attribute`);
  if (!ownedByProject && 'type' in decl)
    fail(`Configuration key '${key}' is not namespaced by the project and should not define a type`);
  if (!ownedByProject && 'default' in decl)
    fail(
      `Configuration key '${key}' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?`,
    );
  if ('value' in decl) return { value: decl.value, required: false };
  if (!('type' in decl) && !('default' in decl))
    fail(
      `project config '${key}' is an object: declare it with \`type\`/\`default\`, or give it as \`value:\``,
    );
  const type = decl.type === undefined ? undefined : typeName(key, decl, fail);
  if (type !== undefined && 'default' in decl && !matchesType(decl.default, type))
    fail(`The default value specified for configuration key '${key}' is not of the expected type '${type}'`);
  return { type, value: decl.default, required: type !== undefined && !('default' in decl) };
}

/** `string`, `integer`, `boolean`, or `array<item type>` for nested declarations. */
function typeName(key: string, decl: Record<string, unknown>, fail: (message: string) => never): string {
  if (typeof decl.type !== 'string' || !TYPES.includes(decl.type))
    fail(`config key '${key}' has type ${JSON.stringify(decl.type)}: use one of ${TYPES.join(', ')}`);
  if (decl.type !== 'array') return decl.type as string;
  if (!isRecord(decl.items))
    fail(
      `The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`,
    );
  return `array<${typeName(key, decl.items as Record<string, unknown>, fail)}>`;
}

/** Whether a value (from YAML, or a string as `pulumi config set` stores it) has a declared type. */
export function matchesType(value: unknown, type: string): boolean {
  // A scalar in a stack file is a string to Pulumi (`x: 42` reads as "42"), so any scalar is a string.
  if (type === 'string') return ['string', 'number', 'boolean'].includes(typeof value);
  if (type === 'integer')
    return (
      (typeof value === 'number' && Number.isInteger(value)) ||
      (typeof value === 'string' && /^-?\d+$/.test(value))
    );
  if (type === 'boolean') return typeof value === 'boolean' || value === 'true' || value === 'false';
  const item = /^array<(.+)>$/.exec(type)?.[1];
  return item !== undefined && Array.isArray(value) && value.every((v) => matchesType(v, item));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
