import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { PROD, STAGING, promotionProject, snapshot } from './promotion-fixture';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'lib', 'cli', 'main.js');
const mlops = (dir: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });

const PROMOTE = ['promote', '--from', 'staging', '--to', 'prod', '--alarms-evidence', 'alarms.json'];

describe('mlops promote (child processes)', () => {
  test('a failing gate prints every gate, exits 1 and leaves every file byte-identical', () => {
    const dir = promotionProject();
    const before = snapshot(dir);
    const result = mlops(dir, PROMOTE);
    expect(result.status).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split(':')[0])).toEqual([
      'PASS schema',
      'PASS metrics.auc',
      'PASS not-worse-than-target.auc',
      'FAIL approval',
      lines[4].startsWith('PASS soak') ? 'PASS soak' : lines[4],
      'PASS no-open-alarms',
      'not promoted',
    ]);
    expect(lines[3]).toBe('FAIL approval: promoting to prod needs an approval: give --approved-by <who>');
    expect(lines[6]).toBe('not promoted: gate approval failed; nothing was written');
    expect(snapshot(dir)).toEqual(before);
  });

  test('an injected failure between write and rename leaves the files byte-identical and no temporary file', () => {
    const dir = promotionProject();
    const before = snapshot(dir);
    const result = mlops(dir, [...PROMOTE, '--approved-by', 'alice'], { MLOPS_FAIL_BEFORE_RENAME: '1' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `mlops: MLOPS_FAIL_BEFORE_RENAME=1: failing between write and rename of ${path.join(dir, 'Pulumi.prod.yaml')} (test hook; nothing was changed)\n`,
    );
    // The .mlops folder may exist (empty): no file in it, the stack files as they were, no lock.
    expect(snapshot(dir)).toEqual(before);
  });

  test('promotes, then a second run writes nothing (bytes and mtime unchanged)', () => {
    const dir = promotionProject();
    const first = mlops(dir, [...PROMOTE, '--approved-by', 'alice', '--json']);
    expect([first.status, first.stderr]).toEqual([0, '']);
    const report = JSON.parse(first.stdout);
    expect(report).toMatchObject({
      from: 'staging',
      to: 'prod',
      ok: true,
      alreadyPromoted: false,
      dryRun: false,
    });
    expect(report.written).toEqual([
      path.join(dir, 'Pulumi.prod.yaml'),
      path.join(dir, '.mlops', 'promotion-staging-to-prod.json'),
    ]);
    const prod = readFileSync(path.join(dir, 'Pulumi.prod.yaml'), 'utf8');
    expect(prod.startsWith(PROD.replace('# end of file\n', ''))).toBe(true);
    expect(prod).toMatch(/\n  mlops:release:\n    schemaVersion: 1\n    version: v3\n/);
    expect(prod.endsWith('"\n# end of file\n')).toBe(true);
    expect(readFileSync(path.join(dir, 'Pulumi.staging.yaml'), 'utf8')).toBe(STAGING);
    const before = snapshot(dir);
    const second = mlops(dir, [...PROMOTE, '--approved-by', 'alice']);
    expect(second.status).toBe(0);
    expect(second.stdout.trimEnd().split('\n').pop()).toBe(
      'already promoted: stack prod serves release v3 from staging; nothing was written',
    );
    expect(snapshot(dir)).toEqual(before);
  });

  test('--dry-run prints the plan and the diff and writes nothing', () => {
    const dir = promotionProject();
    const before = snapshot(dir);
    const result = mlops(dir, [...PROMOTE, '--approved-by', 'alice', '--dry-run']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('\nCopy plan: staging (docker) -> prod (docker)\n');
    expect(result.stdout).toContain('\ndry run: Pulumi.prod.yaml would change:\n');
    expect(result.stdout).toContain('\n+   mlops:release:\n');
    expect(result.stdout.trimEnd().split('\n').pop()).toBe(
      'dry run: would write the plan to .mlops/promotion-staging-to-prod.json; nothing was written',
    );
    expect(snapshot(dir)).toEqual(before);
  });

  test('a held lock refuses a second promotion; a stale one is broken with a warning', () => {
    const dir = promotionProject();
    const lock = path.join(dir, 'Pulumi.prod.yaml.lock');
    // Held by this (live) test process.
    writeFileSync(
      lock,
      JSON.stringify({
        pid: process.pid,
        host: hostname(),
        at: new Date().toISOString(),
        command: 'mlops promote --from dev --to prod',
        token: 't',
      }),
    );
    const before = snapshot(dir);
    const held = mlops(dir, [...PROMOTE, '--approved-by', 'alice']);
    expect(held.status).toBe(1);
    expect(held.stdout).toBe('');
    expect(held.stderr).toMatch(
      new RegExp(
        `^mlops: ${path.join(dir, 'Pulumi.prod.yaml').replace(/[.]/g, '\\.')} is locked by mlops promote --from dev --to prod \\(pid ${process.pid} on `,
      ),
    );
    expect(snapshot(dir)).toEqual(before);
    // A lock left by a process that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    writeFileSync(
      lock,
      JSON.stringify({
        pid: Number(dead.stdout),
        host: hostname(),
        at: new Date().toISOString(),
        command: 'mlops promote',
        token: 't',
      }),
    );
    const stale = mlops(dir, [...PROMOTE, '--approved-by', 'alice']);
    expect(stale.status).toBe(0);
    expect(stale.stderr).toMatch(
      new RegExp(
        `^mlops: warning: broke the stale lock .*Pulumi\\.prod\\.yaml\\.lock of mlops promote \\(pid ${dead.stdout} .*: process ${dead.stdout} is no longer running\\n$`,
      ),
    );
    expect(existsSync(lock)).toBe(false);
  });

  test('two promotions to one target started together: exactly one writes', async () => {
    const dir = promotionProject();
    const start = () =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI, ...PROMOTE, '--approved-by', 'alice'], { cwd: dir });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    const both = await Promise.all([start(), start()]);
    const wrote = both.filter(
      (r) => r.code === 0 && r.stdout.includes('\npromoted release v3 from staging to prod; wrote:\n'),
    );
    expect(wrote).toHaveLength(1);
    const other = both.find((r) => r !== wrote[0])!;
    // The other one either found the lock held or ran after and found the release there.
    expect(
      (other.code === 1 && /is locked by mlops promote --from staging --to prod/.test(other.stderr)) ||
        (other.code === 0 && other.stdout.includes('already promoted: stack prod serves release v3')),
    ).toBe(true);
    expect(Object.keys(snapshot(dir)).sort()).toEqual(
      [
        '.mlops/promotion-staging-to-prod.json',
        'Pulumi.prod.yaml',
        'Pulumi.staging.yaml',
        'Pulumi.yaml',
        'alarms.json',
        'promotion.yaml',
      ].sort(),
    );
  });

  test('bad input exits 1 with a one-line reason and nothing on stdout', () => {
    const dir = promotionProject();
    const cases: [string[], string][] = [
      [
        ['promote', '--from', 'staging'],
        `mlops: --to is required. usage: mlops promote --from STACK --to STACK`,
      ],
      [
        ['promote', '--from', 'prod', '--to', 'prod'],
        'mlops: cannot promote stack prod to itself: --from and --to must differ',
      ],
      [
        ['promote', '--from', 'prod', '--to', 'staging'],
        `mlops: stack prod serves no release: ${path.join(dir, 'Pulumi.prod.yaml')} has no mlops:release.`,
      ],
      [
        ['promote', '--from', 'staging', '--to', 'qa'],
        `mlops: unknown stack "qa": no Pulumi.qa.yaml in ${dir} (stacks: prod, staging)`,
      ],
      [['promote', '--from', 'a', '--to', 'b', '--stack', 'x'], "mlops: Unknown option '--stack'."],
    ];
    const before = snapshot(dir);
    for (const [args, start] of cases) {
      const result = mlops(dir, args);
      expect([
        result.status,
        result.stdout,
        result.stderr.startsWith(start),
        result.stderr.split('\n').length,
      ]).toEqual([1, '', true, 2]);
    }
    expect(snapshot(dir)).toEqual(before);
  });
});
