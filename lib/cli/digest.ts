/**
 * `mlops digest <dir|file.tar.gz> [--expect sha256:...]`: prints the tree digest of a model (the checksum a
 * release's `model.artifact.sha256` holds) and, with `--expect`, verifies it. Copy plans run it after every fetch
 * and upload of a model. The CLI wiring lives in main.ts; this module computes and words the result.
 */
import { DigestError, digestOf, TREE_DIGEST_PATTERN } from '../promotion/artifact-digest';
import { CliError } from './errors';

/** Usage line of the digest command, for main.ts and help.ts. */
export const DIGEST_USAGE = 'mlops digest <dir|file.tar.gz|file.tgz> [--expect sha256:<64 hex>]';

/** Help text of the digest command, for help.ts. */
export const DIGEST_HELP = `  digest   Print the tree digest of a model: sha256 over the sorted lines "<file sha256>  <relative path>"
           of every regular file in the directory (or in the .tar.gz/.tgz, extracted with the system tar
           into a temporary folder that is removed afterwards). The same files give the same digest packed
           or unpacked, so a release's model.artifact.sha256 survives repacking between clouds. Symbolic
           links and special files are refused.
           --expect sha256:<hex>  Verify instead: exit 1 with a one-line reason when the digest differs.`;

export interface DigestCommandResult {
  /** The computed tree digest, `sha256:<64 hex>`. */
  readonly digest: string;
  /** False only when `expect` was given and differs from `digest`. */
  readonly ok: boolean;
}

/**
 * Computes the digest of `path`; with `expect`, `ok` says whether it matches. Bad input (no such path, a symlink
 * in the tree, an archive tar cannot read, an `expect` not of the form `sha256:<64 lowercase hex>`) throws a
 * `CliError` with a one-line reason.
 */
export async function runDigestCommand(args: {
  path: string;
  expect?: string;
}): Promise<DigestCommandResult> {
  if (!args.path) throw new CliError(`no path given. usage: ${DIGEST_USAGE}`);
  if (args.expect !== undefined && !TREE_DIGEST_PATTERN.test(args.expect))
    throw new CliError(
      `--expect ${JSON.stringify(args.expect)} is not a tree digest; give sha256: and 64 lowercase hex digits, ` +
        `as \`mlops digest <dir>\` prints it`,
    );
  let digest: string;
  try {
    digest = await digestOf(args.path);
  } catch (err) {
    if (err instanceof DigestError) throw new CliError(err.message);
    throw err;
  }
  return { digest, ok: args.expect === undefined || args.expect === digest };
}

/**
 * The line to print for a result: the digest alone (so `$(mlops digest dir)` captures it), `<digest>  OK` when it
 * matched `expect`, and on a mismatch the reason for stderr.
 */
export function formatDigestResult(
  args: { path: string; expect?: string },
  result: DigestCommandResult,
): string {
  if (args.expect === undefined) return result.digest;
  if (result.ok) return `${result.digest}  OK`;
  return (
    `digest mismatch for ${args.path}: expected ${args.expect}, got ${result.digest}; ` +
    `the files differ from the release's model (a partial or wrong copy): fetch them again`
  );
}
