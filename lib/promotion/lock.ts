/**
 * A lock file beside the file a command is about to change: `<file>.lock`, created with O_EXCL, holding who took
 * it (pid, host, time, command). A second command that wants the same file fails fast and names the holder. A
 * lock is stale, and is broken with a warning, when its process is dead on this host or it is older than
 * `STALE_LOCK_MINUTES` (a promotion takes seconds; only a killed one leaves its lock behind).
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

export const STALE_LOCK_MINUTES = 10;

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
    if (held === undefined) {
      // Released between our attempts: try again, a few times.
      if (attempt < 5) continue;
      throw new CliError(`${file}: ${lock} keeps changing; another command is changing the file; run again`);
    }
    const stale = staleness(held, now());
    if (!stale)
      throw new CliError(
        `${file} is locked by ${describe(held.owner)}: another command is changing it. Wait for it to finish; if that process is gone, delete ${lock}`,
      );
    if (attempt > 0)
      throw new CliError(`${file}: another command broke the stale lock ${lock} at the same time; run again`);
    breakLock(lock, held.text);
    warn(`broke the stale lock ${lock} of ${describe(held.owner)}: ${stale}`);
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

/** Why a held lock is stale, or undefined when it is live. */
function staleness(held: HeldLock, now: number): string | undefined {
  const taken = held.owner ? Date.parse(held.owner.at) : NaN;
  const since = Number.isNaN(taken) ? held.mtimeMs : taken;
  const minutes = (now - since) / 60_000;
  if (held.owner && held.owner.host === hostname() && !alive(held.owner.pid))
    return `process ${held.owner.pid} is no longer running`;
  if (minutes > STALE_LOCK_MINUTES)
    return `it is ${Math.floor(minutes)} minutes old (a lock older than ${STALE_LOCK_MINUTES} minutes is stale)`;
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
 * Removes a stale lock, and only the one judged stale: it is renamed away first (one command wins the rename),
 * and put back when what was renamed turns out to be a fresh lock another command took meanwhile.
 */
function breakLock(lock: string, judged: string): void {
  const aside = `${lock}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(lock, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    if (readFileSync(aside, 'utf8') !== judged) {
      try {
        linkSync(aside, lock);
      } catch {
        // Someone took the lock again meanwhile; our next attempt sees theirs.
      }
    }
  } finally {
    rmSync(aside, { force: true });
  }
}

function describe(owner: LockOwner | undefined): string {
  if (!owner) return 'an unknown command (the lock file is unreadable)';
  return `${owner.command ?? 'mlops'} (pid ${owner.pid} on ${owner.host}, since ${owner.at})`;
}
