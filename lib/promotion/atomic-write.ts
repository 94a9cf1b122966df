/**
 * Atomic file replacement: the new content goes to a temporary file in the same folder (so the rename stays on
 * one file system), is flushed to disk, and then renamed over the file. A reader sees the old bytes or the new
 * ones, never a mix; a failure before the rename leaves the file untouched and removes the temporary file.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import * as path from 'node:path';

/**
 * Test-only hook, documented as such: with `MLOPS_FAIL_BEFORE_RENAME=1` in the environment every atomic write
 * throws after the temporary file is written and flushed and before the rename, as a crash there would.
 */
export const FAIL_BEFORE_RENAME_ENV = 'MLOPS_FAIL_BEFORE_RENAME';

/** The temporary files `writeFileAtomic` creates for `file` start with this (tests check none is left). */
export function tempPrefix(file: string): string {
  return `.${path.basename(file)}.mlops-tmp-`;
}

/**
 * Replaces `file` with `data` atomically. The file keeps its permission bits (a new file gets `0o644`, less the
 * umask); its folder is created when missing, and removed again (with the parents this call created) when the write
 * fails, so a failed write leaves no trace.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  const created = mkdirSync(dir, { recursive: true });
  try {
    replace(file, dir, data);
  } catch (err) {
    if (created !== undefined) removeCreated(dir, created);
    throw err;
  }
  syncDir(dir);
}

/** Removes the empty folders from `dir` up to `top`, the first one `mkdirSync` created; a non-empty one stays. */
function removeCreated(dir: string, top: string): void {
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      rmdirSync(d);
    } catch {
      return; // not empty (someone else wrote there meanwhile), or gone
    }
    if (d === top || path.dirname(d) === d) return;
  }
}

function replace(file: string, dir: string, data: string | Uint8Array): void {
  let mode = 0o644;
  try {
    mode = statSync(file).mode & 0o7777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const temp = path.join(dir, `${tempPrefix(file)}${process.pid}-${randomBytes(4).toString('hex')}`);
  const fd = openSync(temp, 'wx', mode);
  try {
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // openSync's mode is reduced by the umask: give the original file's mode back exactly.
    chmodSync(temp, mode);
    if (process.env[FAIL_BEFORE_RENAME_ENV] === '1')
      throw new Error(
        `${FAIL_BEFORE_RENAME_ENV}=1: failing between write and rename of ${file} (test hook; nothing was changed)`,
      );
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/** Flushes the folder entry of the rename, where the platform allows opening a folder (not on Windows). */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Not supported here: the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
