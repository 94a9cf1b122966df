import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { formatShow, setRelease, showRelease } from '../../lib/cli/release';
import { SHA_MODEL, promotionProject, snapshot } from './promotion-fixture';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'lib', 'cli', 'main.js');
const mlops = (dir: string, ...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8' });

const DEV = `# dev: docker on a laptop.
config:
  mlops:cloud: docker  # local
  mlops:stage: dev
`;

const RELEASE = `schemaVersion: 1
version: v1
model:
  artifact:
    uri: docker-volume://churn-models/churn-training-dev/run-1/
    sha256: ${SHA_MODEL}
metrics:
  auc: 0.82
`;

describe('mlops release', () => {
  test('show says a stack awaits its first release; set writes it; show prints it; set again writes nothing', () => {
    const dir = promotionProject({ 'Pulumi.dev.yaml': DEV, 'release.yaml': RELEASE });
    const awaiting = mlops(dir, 'release', 'show', '--stack', 'dev');
    expect([awaiting.status, awaiting.stdout, awaiting.stderr]).toEqual([
      0,
      'stack dev: awaiting release: no mlops:release in stack dev; promote one with `npx mlops promote --from <source stack> --to dev` or set the first with `npx mlops release set --stack dev --file release.yaml`\n',
      '',
    ]);
    const set = mlops(
      dir,
      'release',
      'set',
      '--stack',
      'dev',
      '--file',
      'release.yaml',
      '--approved-by',
      'bob',
    );
    expect([set.status, set.stdout, set.stderr]).toEqual([
      0,
      'stack dev: release v1 set in Pulumi.dev.yaml\n',
      '',
    ]);
    const text = readFileSync(path.join(dir, 'Pulumi.dev.yaml'), 'utf8');
    expect(text.startsWith(`${DEV}  mlops:release:\n    schemaVersion: 1\n    version: v1\n`)).toBe(true);
    const written = parse(text).config['mlops:release'];
    expect(written).toEqual({
      schemaVersion: 1,
      version: 'v1',
      model: {
        artifact: { uri: 'docker-volume://churn-models/churn-training-dev/run-1/', sha256: SHA_MODEL },
      },
      metrics: { auc: 0.82 },
      approval: { by: 'bob', at: written.releasedAt },
      releasedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    const shown = mlops(dir, 'release', 'show', '--stack', 'dev', '--json');
    expect(JSON.parse(shown.stdout)).toEqual({ stack: 'dev', release: written, status: 'serving v1' });
    const before = snapshot(dir);
    const again = mlops(
      dir,
      'release',
      'set',
      '--stack',
      'dev',
      '--file',
      'release.yaml',
      '--approved-by',
      'bob',
    );
    expect(again.stdout).toBe('stack dev: already serves release v1; nothing was written\n');
    expect(snapshot(dir)).toEqual(before);
  });

  test('set refuses a release that is not schema 1 or whose artifact has no sha256, writing nothing', () => {
    const dir = promotionProject({
      'Pulumi.dev.yaml': DEV,
      'old.yaml': 'version: v1\nmodelPath: runs/1/model/\n',
      'nosha.json': JSON.stringify({
        schemaVersion: 1,
        version: 'v1',
        model: { artifact: { uri: 'docker-volume://m/v1/' } },
      }),
    });
    const before = snapshot(dir);
    const old = mlops(dir, 'release', 'set', '--stack', 'dev', '--file', 'old.yaml');
    expect([old.status, old.stdout]).toEqual([1, '']);
    expect(old.stderr).toBe(
      'mlops: release file ' +
        path.join(dir, 'old.yaml') +
        ' is not a valid release: schemaVersion: is missing: a release without schemaVersion is schema 0, which release set does not write (fix: start the file with `schemaVersion: 1` and give the release in the schema 1 shape (model.registry or model.artifact with sha256, image by digest))\n',
    );
    const nosha = mlops(dir, 'release', 'set', '--stack', 'dev', '--file', 'nosha.json');
    expect([nosha.status, nosha.stdout]).toEqual([1, '']);
    expect(nosha.stderr).toContain('model.artifact.sha256');
    expect(snapshot(dir)).toEqual(before);
  });

  test('finish removes mlops:stableRelease and nothing else; without one it writes nothing', () => {
    const withStable = `${DEV}  mlops:release:\n    schemaVersion: 1\n    version: v2\n    model:\n      artifact:\n        uri: docker-volume://m/v2/\n        sha256: ${SHA_MODEL}\n  # The release still serving beside v2.\n  mlops:stableRelease:\n    schemaVersion: 1\n    version: v1\n    model:\n      artifact:\n        uri: docker-volume://m/v1/\n        sha256: ${SHA_MODEL}\n  churn:invokers: [api]   # kept\n`;
    const dir = promotionProject({ 'Pulumi.dev.yaml': withStable });
    const shown = mlops(dir, 'release', 'show', '--stack', 'dev');
    expect(shown.stdout.split('\n')[0]).toBe('stack dev: serving v2 (canary beside stable release v1)');
    const finish = mlops(dir, 'release', 'finish', '--stack', 'dev');
    expect([finish.status, finish.stdout, finish.stderr]).toEqual([
      0,
      'stack dev: removed mlops:stableRelease from Pulumi.dev.yaml; the next deploy serves only mlops:release\n',
      '',
    ]);
    expect(readFileSync(path.join(dir, 'Pulumi.dev.yaml'), 'utf8')).toBe(
      withStable.replace(/  mlops:stableRelease:\n(    .*\n)+/, ''),
    );
    const before = snapshot(dir);
    const again = mlops(dir, 'release', 'finish', '--stack', 'dev');
    expect(again.stdout).toBe('stack dev: no mlops:stableRelease; nothing to finish, nothing was written\n');
    expect(snapshot(dir)).toEqual(before);
  });

  test('an unknown subcommand and a missing --stack are refused with the usage', () => {
    const dir = promotionProject();
    const unknown = mlops(dir, 'release', 'delete', '--stack', 'dev');
    expect(unknown.stderr).toMatch(/^mlops: unknown command "release delete"\. usage: mlops release show/);
    const missing = mlops(dir, 'release', 'show');
    expect(missing.stderr).toMatch(/^mlops: --stack is required\. usage: mlops release show/);
  });
});

describe('mlops digest', () => {
  test('prints the tree digest of a folder and verifies it with --expect', () => {
    const dir = promotionProject({ 'model/weights.bin': 'abc', 'model/config.json': '{}' });
    const digest = mlops(dir, 'digest', 'model');
    expect(digest.status).toBe(0);
    expect(digest.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const value = digest.stdout.trim();
    expect(mlops(dir, 'digest', 'model', '--expect', value).stdout).toBe(`${value}  OK\n`);
    writeFileSync(path.join(dir, 'model', 'weights.bin'), 'abd');
    const bad = mlops(dir, 'digest', 'model', '--expect', value);
    expect([bad.status, bad.stdout]).toEqual([1, '']);
    expect(bad.stderr).toMatch(
      new RegExp(`^mlops: digest mismatch for model: expected ${value}, got sha256:`),
    );
  });
});

describe('setRelease (in process)', () => {
  test('replaces a release that is not valid, keeping the lines around it', async () => {
    const broken = `${DEV}  mlops:release:\n    version: 3   # not a label\n  churn:invokers: [api]\n`;
    const dir = promotionProject({ 'Pulumi.dev.yaml': broken });
    writeFileSync(path.join(dir, 'release.yaml'), RELEASE);
    const result = await setRelease(dir, 'dev', path.join(dir, 'release.yaml'), {
      now: new Date('2026-12-02T10:00:00.123Z'),
    });
    expect(result.written).toBe(true);
    expect(readFileSync(path.join(dir, 'Pulumi.dev.yaml'), 'utf8')).toBe(
      `${DEV}  mlops:release:\n    schemaVersion: 1\n    version: v1\n    model:\n      artifact:\n        uri: docker-volume://churn-models/churn-training-dev/run-1/\n        sha256: ${SHA_MODEL}\n    metrics:\n      auc: 0.82\n    releasedAt: "2026-12-02T10:00:00Z"\n  churn:invokers: [api]\n`,
    );
  });

  test('refuses another model under the label the stack already serves, writing nothing', async () => {
    const dir = promotionProject({ 'Pulumi.dev.yaml': DEV });
    const file = path.join(dir, 'release.yaml');
    writeFileSync(file, RELEASE);
    await setRelease(dir, 'dev', file, { now: new Date('2026-12-02T10:00:00Z') });
    writeFileSync(file, RELEASE.replace(SHA_MODEL, `sha256:${'4'.repeat(64)}`));
    const before = snapshot(dir);
    await expect(setRelease(dir, 'dev', file, { now: new Date('2026-12-02T11:00:00Z') })).rejects.toThrow(
      'stack dev already serves version v1 with a different image, model, metrics or baseline; a version label names one release (it names the Cloud Run revision and the docker containers), so give this release a new version label, such as v1-1',
    );
    expect(snapshot(dir)).toEqual(before);
  });

  test('show prints a schema 0 release as read and says what promotion needs, instead of failing', () => {
    const legacy = `${DEV}  mlops:release:\n    version: v2\n    modelPath: churn-training-dev/run-2/\n`;
    const dir = promotionProject({ 'Pulumi.dev.yaml': legacy });
    expect(formatShow(showRelease(dir, 'dev'))).toBe(
      [
        'stack dev: serving v2',
        'version: v2',
        'model:',
        '  artifact:',
        '    uri: churn-training-dev/run-2/',
        '(read as schema 0; it still deploys, but promotion needs schema 1: model.artifact.uri "churn-training-dev/run-2/" is a relative path: only schema 0 releases may give one; model.artifact.sha256 is required)',
      ].join('\n'),
    );
  });
});
