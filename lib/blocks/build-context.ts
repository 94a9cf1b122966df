/**
 * Image builds from a Dockerfile in the user's repository. The tag is a digest of the build context, so
 * registries with immutable tags accept every new build, and an unchanged context is not pushed again.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** Folders that never belong to an image's build context. */
const SKIPPED = new Set(['.git', 'node_modules', '.venv', '__pycache__']);

/** `ctx-<12 hex>`: a digest of every file under the context (path and content), the Dockerfile and the options. */
export function contextTag(
  context: string,
  dockerfile: string,
  options: Record<string, unknown> = {},
): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (SKIPPED.has(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile())
        hash.update(path.relative(context, full)).update('\0').update(readFileSync(full)).update('\0');
    }
  };
  walk(context);
  hash.update(readFileSync(dockerfile)).update(JSON.stringify(options));
  return `ctx-${hash.digest('hex').slice(0, 12)}`;
}

/** What is wrong with a build context, or undefined when it can be built. */
export function buildContextProblem(context: string, dockerfile: string): string | undefined {
  if (!existsSync(context) || !statSync(context).isDirectory())
    return `the build context ${context} is not a folder`;
  if (!existsSync(dockerfile)) return `there is no Dockerfile at ${dockerfile}`;
  return undefined;
}
