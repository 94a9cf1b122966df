import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { acquireLock, withFileLock } from '../../lib/promotion/lock';

const target = () => path.join(mkdtempSync(path.join(tmpdir(), 'mlops-lock-')), 'Pulumi.prod.yaml');

/** The pid of a process that has exited (a dead holder). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

const lockText = (owner: object) => `${JSON.stringify(owner)}\n`;

describe('the lock of a stack file', () => {
  test('is a file beside it naming the holder, removed on release', () => {
    const file = target();
    const release = acquireLock(file, { command: 'mlops promote --from staging --to prod' });
    const held = JSON.parse(readFileSync(`${file}.lock`, 'utf8'));
    expect(held).toMatchObject({
      pid: process.pid,
      host: hostname(),
      command: 'mlops promote --from staging --to prod',
    });
    expect(Date.now() - Date.parse(held.at)).toBeLessThan(10_000);
    release();
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  test('a second taker fails fast and names who holds it', () => {
    const file = target();
    const release = acquireLock(file, {
      command: 'mlops promote --from staging --to prod',
      now: () => Date.parse('2026-12-02T10:00:00Z'),
    });
    const now = () => Date.parse('2026-12-02T10:05:00Z');
    expect(() => acquireLock(file, { now })).toThrow(
      `${file} is locked by mlops promote --from staging --to prod (pid ${process.pid} on ${hostname()}, since 2026-12-02T10:00:00.000Z): another command is changing it. Wait for it to finish; if that process is gone, delete ${file}.lock`,
    );
    release();
    acquireLock(file, { now })();
  });

  test('a lock whose process is dead on this host is broken with a warning', () => {
    const file = target();
    const pid = deadPid();
    const at = new Date().toISOString();
    writeFileSync(
      `${file}.lock`,
      lockText({ pid, host: hostname(), at, command: 'mlops promote', token: 'x' }),
    );
    const warnings: string[] = [];
    const release = acquireLock(file, { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([
      `broke the stale lock ${file}.lock of mlops promote (pid ${pid} on ${hostname()}, since ${at}): process ${pid} is no longer running`,
    ]);
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8')).pid).toBe(process.pid);
    release();
    expect(readdirSync(path.dirname(file))).toEqual([]);
  });

  test('a lock older than 10 minutes is broken even when its process lives (on another host)', () => {
    const file = target();
    const lock = {
      pid: process.pid,
      host: 'build-7',
      at: '2026-12-02T10:00:00.000Z',
      command: 'mlops promote',
      token: 'x',
    };
    writeFileSync(`${file}.lock`, lockText(lock));
    const warnings: string[] = [];
    // 9 minutes: still held.
    expect(() => acquireLock(file, { now: () => Date.parse('2026-12-02T10:09:00Z') })).toThrow(
      /is locked by mlops promote \(pid \d+ on build-7/,
    );
    acquireLock(file, { now: () => Date.parse('2026-12-02T10:11:00Z'), warn: (m) => warnings.push(m) })();
    expect(warnings).toEqual([
      `broke the stale lock ${file}.lock of mlops promote (pid ${process.pid} on build-7, since 2026-12-02T10:00:00.000Z): it is 11 minutes old (a lock older than 10 minutes is stale)`,
    ]);
  });

  test('withFileLock releases the lock when the work throws', async () => {
    const file = target();
    await expect(
      withFileLock(file, () => {
        expect(existsSync(`${file}.lock`)).toBe(true);
        throw new Error('gate check crashed');
      }),
    ).rejects.toThrow('gate check crashed');
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  test('release leaves a lock another command took after ours was broken', () => {
    const file = target();
    const release = acquireLock(file);
    const theirs = lockText({
      pid: 1,
      host: 'other',
      at: new Date().toISOString(),
      command: 'x',
      token: 'theirs',
    });
    writeFileSync(`${file}.lock`, theirs);
    release();
    expect(readFileSync(`${file}.lock`, 'utf8')).toBe(theirs);
  });
});
