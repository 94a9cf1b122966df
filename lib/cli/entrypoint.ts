/**
 * Finds the file a Pulumi Node.js program starts from, as the Node.js language host does: `main` from the
 * project file; without it, the `exports` or `main` of the nearest package.json above the project folder;
 * without those, the project folder itself. A folder is loaded as Node loads one (its package.json `main`,
 * else `index`), and extensions are tried in Node's order with TypeScript last (`.js` before `.ts`).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { CliError } from './errors';
import { isRecord, type PulumiProject } from './project';

const EXTENSIONS = ['.js', '.json', '.node', '.ts'];

export function programEntry(project: PulumiProject): string {
  let program = project.main ?? project.dir;
  const manifest = nearestPackageJson(project.dir);
  const pkg = manifest ? readJson(manifest) : {};
  if (pkg.type === 'module')
    throw new CliError(
      `${manifest} says "type": "module": mlops synth runs CommonJS programs only (TypeScript compiled or transpiled to CommonJS)`,
    );
  if (!project.main && manifest) {
    const declared = entryOf(pkg);
    if (declared && existsSync(path.join(path.dirname(manifest), declared)))
      program = path.join(path.dirname(manifest), declared);
  }
  const entry = resolveFile(program);
  if (!entry)
    throw new CliError(
      `no program at ${program}: set \`main\` in ${path.basename(project.file)} or in package.json, or add index.ts or index.js`,
    );
  return entry;
}

function entryOf(pkg: Record<string, unknown>): string | undefined {
  const exp = pkg.exports;
  if (typeof exp === 'string') return exp;
  if (isRecord(exp)) {
    const main = exp['.'];
    if (typeof main === 'string') return main;
    if (isRecord(main)) {
      const target = main.default ?? main.require ?? main.import;
      return typeof target === 'string' ? target : undefined;
    }
    return undefined;
  }
  return typeof pkg.main === 'string' ? pkg.main : undefined;
}

function resolveFile(target: string): string | undefined {
  if (isFile(target)) return target;
  const withExt = EXTENSIONS.map((ext) => target + ext).find(isFile);
  if (withExt) return withExt;
  if (!isDir(target)) return undefined;
  const manifest = path.join(target, 'package.json');
  const main = existsSync(manifest) ? readJson(manifest).main : undefined;
  if (typeof main === 'string') {
    const fromMain = resolveFile(path.join(target, main));
    if (fromMain) return fromMain;
  }
  return EXTENSIONS.map((ext) => path.join(target, `index${ext}`)).find(isFile);
}

function nearestPackageJson(dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    const candidate = path.join(d, 'package.json');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(d) === d) return undefined;
  }
}

function readJson(file: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return isRecord(value) ? value : {};
  } catch {
    throw new CliError(`${file} is not valid JSON`);
  }
}

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();
const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
