/**
 * A lock file beside the file a command is about to change: `<file>.lock`, created with O_EXCL, holding who took
 * it (pid, host, time, command, token). A second command that wants the same file fails fast and names the holder.
 * A lock is stale only when it was taken on this host and its process is no longer running: a lock of another
 * host, or of a live process however old, is never broken (a slow promotion keeps its lock); the message says to
 * delete the file when no promotion is running.
 *
 * Breaking a stale lock: the breakers take a short break mutex (`<file>.lock.break`, O_EXCL), re-check that the
 * lock is still the one judged stale, rename it aside, re-read the moved file and compare its token with the one
 * judged stale. Only a verified lock is deleted; anything else is put back (when the path is free) and the
 * acquisition starts again. No fresh lock is ever renamed away from its holder while another command can create one.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { CliError } from '../cli/errors';

/** What a lock file holds. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** ISO 8601 UTC time the lock was taken. */
  readonly at: string;
  /** What took it, such as `mlops promote --from staging --to prod`. */
  readonly command: string;
  /** Unique per acquisition: release removes the lock only while it is still this one. */
  readonly token: string;
}

export interface LockOptions {
  /** What holds the lock, for the message another command prints. Default `mlops`. */
  readonly command?: string;
  /** Where warnings go (a stale lock broken). Default: stderr. */
  readonly warn?: (message: string) => void;
  /** The clock. Default `Date.now`. */
  readonly now?: () => number;
}

/** The lock file of `file`. */
export const lockFileOf = (file: string): string => `${file}.lock`;

/** Runs `fn` holding the lock of `file`; the lock is always released, also when `fn` throws. */
export async function withFileLock<T>(
  file: string,
  fn: () => Promise<T> | T,
  options: LockOptions = {},
): Promise<T> {
  const release = acquireLock(file, options);
  try {
    return await fn();
  } finally {
    release();
  }
}

/** How often acquisition retries after a lock changed under it before giving up. */
const MAX_ATTEMPTS = 50;

/** Takes the lock of `file` and returns the function that releases it. Throws a CliError when another holds it. */
export function acquireLock(file: string, options: LockOptions = {}): () => void {
  const lock = lockFileOf(file);
  const now = options.now ?? Date.now;
  const warn = options.warn ?? ((m: string) => process.stderr.write(`mlops: warning: ${m}\n`));
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    at: new Date(now()).toISOString(),
    command: options.command ?? 'mlops',
    token: randomBytes(8).toString('hex'),
  };
  const text = `${JSON.stringify(owner, null, 2)}\n`;
  for (let attempt = 0; ; attempt++) {
    if (tryCreate(lock, text)) break;
    const held = readLock(lock);
    if (attempt >= MAX_ATTEMPTS)
      throw new CliError(`${file}: ${lock} keeps changing; another command is changing the file; run again`);
    // Released, or being broken by another command, between our attempts: try again.
    if (held === undefined) continue;
    const stale = staleness(held);
    if (!stale)
      throw new CliError(
        `${file} is locked by ${describe(held.owner)}: another command is changing it. Wait for it to finish; if no promotion or release command is running, delete ${lock}`,
      );
    if (breakLock(lock, held.text)) warn(`broke the stale lock ${lock} of ${describe(held.owner)}: ${stale}`);
  }
  return () => {
    const held = readLock(lock);
    if (held?.owner?.token === owner.token) rmSync(lock, { force: true });
  };
}

function tryCreate(lock: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(lock, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

interface HeldLock {
  readonly text: string;
  /** Undefined when the file does not hold a lock owner (a command killed while writing it). */
  readonly owner?: LockOwner;
  readonly mtimeMs: number;
}

function readLock(lock: string): HeldLock | undefined {
  try {
    const mtimeMs = statSync(lock).mtimeMs;
    const text = readFileSync(lock, 'utf8');
    let owner: LockOwner | undefined;
    try {
      const parsed = JSON.parse(text) as Partial<LockOwner>;
      if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.at === 'string')
        owner = parsed as LockOwner;
    } catch {
      owner = undefined;
    }
    return { text, owner, mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Why a held lock is stale, or undefined when it is live: only a lock of this host whose process is gone is stale.
 * Its age does not matter (a promotion waiting on a slow cloud API keeps its lock); another host's lock, or one
 * whose owner cannot be read, is never broken here.
 */
function staleness(held: HeldLock): string | undefined {
  if (held.owner && held.owner.host === hostname() && !alive(held.owner.pid))
    return `process ${held.owner.pid} is no longer running`;
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the stale lock whose text is `judged`, and nothing else. Returns true when it removed it, false when the
 * caller should simply try again (someone else broke it, or is breaking it now). See the file comment.
 */
function breakLock(lock: string, judged: string): boolean {
  const mutex = `${lock}.break`;
  const mine = `${JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() })}\n`;
  if (!tryCreate(mutex, mine)) {
    const other = readLock(mutex);
    if (other?.owner && other.owner.host === hostname() && !alive(other.owner.pid))
      throw new CliError(
        `${mutex} was left by process ${other.owner.pid}, killed while breaking a stale lock; delete ${mutex} and ${lock} if no promotion or release command is running, then run again`,
      );
    pause(10); // another command is breaking it right now: a few milliseconds
    return false;
  }
  try {
    // Under the mutex, only this command removes stale locks, and no one can create a lock while it exists.
    const now = readLock(lock);
    if (now === undefined || now.text !== judged) return false;
    const aside = `${lock}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      renameSync(lock, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    const moved = readFileSync(aside, 'utf8');
    if (moved === judged && tokenOf(moved) === tokenOf(judged)) {
      rmSync(aside, { force: true });
      return true;
    }
    // Not the lock judged stale: give it back to its holder when the path is free (link fails if it is not).
    try {
      linkSync(aside, lock);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    rmSync(aside, { force: true });
    return false;
  } finally {
    rmSync(mutex, { force: true });
  }
}

function tokenOf(text: string): string | undefined {
  try {
    const token = (JSON.parse(text) as { token?: unknown }).token;
    return typeof token === 'string' ? token : undefined;
  } catch {
    return undefined;
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function pause(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function describe(owner: LockOwner | undefined): string {
  if (!owner) return 'an unknown command (the lock file is unreadable)';
  return `${owner.command ?? 'mlops'} (pid ${owner.pid} on ${owner.host}, since ${owner.at})`;
}
