/**
 * Finds and reads the promotion policy: `--policy <file>`, or the first of `promotion.ts`, `promotion.yaml`,
 * `promotion.yml`, `promotion.json` in the project directory. A `.ts`/`.js` module exports the policy as
 * `default` or `promotionPolicy` (TypeScript is transpiled as `mlops synth` does); a YAML or JSON file holds it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { CliError } from '../cli/errors';
import { registerTypeScript } from '../cli/typescript-loader';
import { parsePromotionPolicy, type PromotionPolicy } from './policy';

/** The files looked for in the project directory, in order, when no `--policy` is given. */
export const POLICY_FILE_NAMES = [
  'promotion.ts',
  'promotion.yaml',
  'promotion.yml',
  'promotion.json',
] as const;

const MODULE_EXTENSIONS = ['.ts', '.js', '.cjs'];
const DATA_EXTENSIONS = ['.yaml', '.yml', '.json'];

/**
 * The policy of a project. `file` (relative to `projectDir`) names it; without it the default names are looked
 * for, and a project with none has the empty policy (no gates but the built-in ones). Returns the file read.
 */
export function loadPromotionPolicy(
  projectDir: string,
  file?: string,
): { policy: PromotionPolicy; file?: string } {
  const found = file === undefined ? findPolicyFile(projectDir) : path.resolve(projectDir, file);
  if (found === undefined) return { policy: {} };
  if (!fs.existsSync(found))
    throw new CliError(
      `policy file ${found} does not exist: give the path of a promotion.ts, .yaml or .json file`,
    );
  const extension = path.extname(found).toLowerCase();
  let value: unknown;
  if (MODULE_EXTENSIONS.includes(extension)) value = loadModule(projectDir, found);
  else if (DATA_EXTENSIONS.includes(extension)) value = loadData(found, extension);
  else
    throw new CliError(
      `policy file ${found}: a policy is a .ts or .js module, or a .yaml, .yml or .json file, not ${extension || 'a file without extension'}`,
    );
  return { policy: parsePromotionPolicy(value, path.relative(projectDir, found) || found), file: found };
}

function findPolicyFile(projectDir: string): string | undefined {
  for (const name of POLICY_FILE_NAMES) {
    const candidate = path.resolve(projectDir, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

function loadData(file: string, extension: string): unknown {
  const text = fs.readFileSync(file, 'utf8');
  try {
    // A YAML file of comments only is the empty policy.
    return extension === '.json' ? (JSON.parse(text) as unknown) : ((parse(text) as unknown) ?? {});
  } catch (err) {
    const what = extension === '.json' ? 'JSON' : 'YAML';
    throw new CliError(`policy file ${file} is not valid ${what}: ${firstLine(err)}`);
  }
}

function loadModule(projectDir: string, file: string): unknown {
  if (file.endsWith('.ts')) registerTypeScript(projectDir);
  let exported: Record<string, unknown> | undefined;
  try {
    // A policy edited since the last load (a test, a watch) is read again.
    delete require.cache[require.resolve(file)];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = require(file) as Record<string, unknown> | undefined;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`policy file ${file}: cannot load it: ${firstLine(err)}`);
  }
  const policy = exported?.default ?? exported?.promotionPolicy;
  if (policy === undefined)
    throw new CliError(
      `policy file ${file} exports neither \`default\` nor \`promotionPolicy\`: write \`export default definePromotionPolicy({ ... })\``,
    );
  return policy;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
