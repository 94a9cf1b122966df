import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
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
      `${file} is locked by mlops promote --from staging --to prod (pid ${process.pid} on ${hostname()}, since 2026-12-02T10:00:00.000Z): another command is changing it. Wait for it to finish; if no promotion or release command is running, delete ${file}.lock`,
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

  test('a lock of another host is never broken, however old; the message says to delete it', () => {
    const file = target();
    const lock = {
      pid: process.pid,
      host: 'build-7',
      at: '2026-12-02T10:00:00.000Z',
      command: 'mlops promote',
      token: 'x',
    };
    writeFileSync(`${file}.lock`, lockText(lock));
    expect(() => acquireLock(file, { now: () => Date.parse('2026-12-09T10:00:00Z') })).toThrow(
      `${file} is locked by mlops promote (pid ${process.pid} on build-7, since 2026-12-02T10:00:00.000Z): another command is changing it. Wait for it to finish; if no promotion or release command is running, delete ${file}.lock`,
    );
    expect(readFileSync(`${file}.lock`, 'utf8')).toBe(lockText(lock));
  });

  test('a live process of this host keeps its lock after hours (a slow promotion is not broken)', () => {
    const file = target();
    const lock = {
      pid: process.pid,
      host: hostname(),
      at: '2026-12-02T00:00:00.000Z',
      command: 'mlops promote',
      token: 'x',
    };
    writeFileSync(`${file}.lock`, lockText(lock));
    expect(() => acquireLock(file, { now: () => Date.parse('2026-12-02T10:00:00Z') })).toThrow(
      /is locked by mlops promote \(pid \d+ on .*, since 2026-12-02T00:00:00.000Z\)/,
    );
    expect(readFileSync(`${file}.lock`, 'utf8')).toBe(lockText(lock));
  });

  test('several processes breaking one stale lock at once: never two holders, every increment counted', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-lock-race-'));
    // The lock module and its one import, transpiled for plain node child processes.
    for (const rel of ['promotion/lock', 'cli/errors']) {
      const source = readFileSync(path.join(__dirname, '../../lib', `${rel}.ts`), 'utf8');
      const out = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
      writeFileSync(path.join(dir, `${rel}.js`), out);
    }
    const file = path.join(dir, 'Pulumi.prod.yaml');
    const counter = path.join(dir, 'counter');
    const holders = path.join(dir, 'holders');
    writeFileSync(counter, '0');
    writeFileSync(holders, '');
    const pid = deadPid();
    writeFileSync(
      `${file}.lock`,
      lockText({
        pid,
        host: hostname(),
        at: new Date().toISOString(),
        command: 'mlops promote',
        token: 'dead',
      }),
    );
    // Each child takes the lock ROUNDS times; while it holds it, it checks no one else is inside, then increments
    // the counter by a non-atomic read, pause, write. A second holder would lose an increment or see "inside".
    const ROUNDS = 8;
    const child = `
      const fs = require('node:fs');
      const { acquireLock } = require(${JSON.stringify(path.join(dir, 'promotion/lock.js'))});
      const inside = ${JSON.stringify(path.join(dir, 'inside'))};
      const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      let done = 0;
      while (done < ${ROUNDS}) {
        let release;
        try { release = acquireLock(${JSON.stringify(file)}, { warn: () => {} }); }
        catch (e) { if (e.constructor.name !== 'CliError') throw e; pause(1 + Math.random() * 3); continue; }
        try {
          fs.openSync(inside, 'wx');
          const n = Number(fs.readFileSync(${JSON.stringify(counter)}, 'utf8'));
          pause(2);
          fs.writeFileSync(${JSON.stringify(counter)}, String(n + 1));
          fs.appendFileSync(${JSON.stringify(holders)}, process.pid + '\\n');
          fs.rmSync(inside);
        } finally { release(); }
        done++;
      }
    `;
    const CHILDREN = 4;
    const results = Array.from({ length: CHILDREN }, () =>
      spawn(process.execPath, ['-e', child], { stdio: ['ignore', 'pipe', 'pipe'] }),
    ).map(
      (proc) =>
        new Promise<{ code: number | null; stderr: string }>((resolve) => {
          let stderr = '';
          proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          proc.on('close', (code) => resolve({ code, stderr }));
        }),
    );
    return Promise.all(results).then((ends) => {
      expect(ends).toEqual(Array.from({ length: CHILDREN }, () => ({ code: 0, stderr: '' })));
      expect(readFileSync(counter, 'utf8')).toBe(String(CHILDREN * ROUNDS));
      expect(readFileSync(holders, 'utf8').trim().split('\n')).toHaveLength(CHILDREN * ROUNDS);
      expect(readdirSync(dir).sort()).toEqual(['cli', 'counter', 'holders', 'promotion']);
    });
  }, 60_000);

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
