/**
 * The tree digest of a model (release-design decision 3): `sha256:` + the hex sha256 of the sorted lines
 * `<file sha256 hex>  <relative posix path>\n`, one per regular file under the model directory. The same files give
 * the same digest whether they lie in a directory or are packed in a `model.tar.gz`, so repacking a model for
 * another cloud keeps its release's checksum. Symlinks and other special files are refused: a copy would not
 * carry them the same way (cloud stores have no links), so a digest over them would promise what no copy keeps.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The digest form a release writes: `sha256:` and 64 lowercase hex digits. */
export const TREE_DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** Thrown when a model tree cannot be digested (a symlink, a special file, no such path, a bad archive). */
export class DigestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DigestError';
  }
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every regular file under `dir`, as posix paths relative to it; refuses anything else but directories. */
async function listFiles(root: string, rel: string, out: string[]): Promise<void> {
  const entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
  for (const entry of entries) {
    const relPath = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isSymbolicLink())
      throw new DigestError(
        `${relPath} in ${root} is a symbolic link; a model tree holds only regular files and directories ` +
          `(replace the link with the file it points to)`,
      );
    if (entry.isDirectory()) await listFiles(root, relPath, out);
    else if (entry.isFile()) out.push(relPath);
    else
      throw new DigestError(
        `${relPath} in ${root} is not a regular file (a socket, pipe or device); a model tree holds only ` +
          `regular files and directories`,
      );
  }
}

/**
 * The tree digest of a directory: `sha256:<hex>` over the sorted lines `<sha256 hex of the file>  <path>\n` of
 * every regular file below it (paths relative, `/`-separated; lines sorted by byte order). Empty directories do
 * not count. Rejects with a `DigestError` on a symlink or special file, or when `dir` is not a directory.
 */
export async function treeDigest(dir: string): Promise<string> {
  const stat = await fs.lstat(dir).catch(() => undefined);
  if (!stat) throw new DigestError(`${dir} does not exist`);
  if (!stat.isDirectory()) throw new DigestError(`${dir} is not a directory`);
  const files: string[] = [];
  await listFiles(dir, '', files);
  const lines: string[] = [];
  for (const rel of files) lines.push(`${await fileSha256(path.join(dir, ...rel.split('/')))}  ${rel}\n`);
  // Byte order of the UTF-8 lines, so every implementation sorts alike (not locale order).
  lines.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  const total = createHash('sha256');
  for (const line of lines) total.update(line, 'utf8');
  return `sha256:${total.digest('hex')}`;
}

/** True for the archive names `digestOf` unpacks. */
export function isTarGz(file: string): boolean {
  return file.endsWith('.tar.gz') || file.endsWith('.tgz');
}

/**
 * The tree digest of a model directory or of a `.tar.gz`/`.tgz` holding one (the archive's root is the model's
 * root, as SageMaker unpacks `model.tar.gz` into `/opt/ml/model`). An archive is extracted with the system `tar`
 * into a fresh temporary directory, which is removed afterwards whatever happens.
 */
export async function digestOf(target: string): Promise<string> {
  const stat = await fs.stat(target).catch(() => undefined);
  if (!stat) throw new DigestError(`${target} does not exist`);
  if (stat.isDirectory()) return treeDigest(target);
  if (!isTarGz(target))
    throw new DigestError(`${target} is neither a directory nor a .tar.gz/.tgz archive of a model directory`);
  const temp = await fs.mkdtemp(path.join(os.tmpdir(), 'mlops-digest-'));
  try {
    try {
      // --no-same-owner/--no-same-permissions: extract as the caller, whatever the archive recorded.
      await run('tar', [
        '-xzf',
        path.resolve(target),
        '-C',
        temp,
        '--no-same-owner',
        '--no-same-permissions',
      ]);
    } catch (err) {
      const detail = ((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n')[0];
      throw new DigestError(`cannot extract ${target} with tar: ${detail}`);
    }
    try {
      return await treeDigest(temp);
    } catch (err) {
      // Name the archive, not the temporary folder that is gone when the caller reads the message.
      if (err instanceof DigestError) throw new DigestError(err.message.split(temp).join(target));
      throw err;
    }
  } finally {
    await fs.rm(temp, { recursive: true, force: true });
  }
}
