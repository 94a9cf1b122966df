import { existsSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { promote } from '../../lib/promotion/promote';
import { lineDiff } from '../../lib/promotion/text-diff';
import { PROD, SHA_IMAGE, SHA_MODEL, STAGING, promotionProject, snapshot } from '../cli/promotion-fixture';

const NOW = new Date('2026-12-02T10:00:00Z');

/** A project whose alarm evidence was gathered a minute before NOW. */
function projectAt(files: Record<string, string | undefined> = {}): string {
  const dir = promotionProject(files);
  const evidence = path.join(dir, 'alarms.json');
  if (existsSync(evidence))
    utimesSync(evidence, new Date(NOW.getTime() - 60_000), new Date(NOW.getTime() - 60_000));
  return dir;
}

const run = (dir: string, extra: Partial<Parameters<typeof promote>[0]> = {}) =>
  promote({
    projectDir: dir,
    from: 'staging',
    to: 'prod',
    approvedBy: 'alice@example.com',
    alarmsEvidence: path.join(dir, 'alarms.json'),
    now: NOW,
    ...extra,
  });

const PROMOTED = `# prod: the stack customers use.
config:
  mlops:cloud: docker   # two spaces before this comment
  mlops:stage: prod

  # Where promotion copies releases to.
  mlops:releaseStore:
    images: 127.0.0.1:5000/prod
    models: docker-volume://prod-models/releases/
  churn:alertWebhook:
    secure: v1:c2VjcmV0   # a secret elsewhere is no obstacle
  churn:invokers: [churn-api]
  mlops:release:
    schemaVersion: 1
    version: v3
    model:
      artifact:
        uri: docker-volume://prod-models/releases/v3/model/
        sha256: ${SHA_MODEL}
    image: 127.0.0.1:5000/prod/serving@${SHA_IMAGE}
    metrics:
      auc: 0.91
    approval:
      by: alice@example.com
      at: "2026-12-02T10:00:00Z"
    promotedFrom:
      stack: staging
      cloud: docker
      image: 127.0.0.1:5000/staging/serving@${SHA_IMAGE}
      model:
        artifact:
          uri: docker-volume://staging-models/releases/v3/model/
          sha256: ${SHA_MODEL}
      at: "2026-12-02T10:00:00Z"
    releasedAt: "2026-12-02T10:00:00Z"
# end of file
`;

describe('promote', () => {
  test('every gate passes: the target gets the release from its own stores; comments and layout survive', async () => {
    const dir = projectAt();
    const result = await run(dir);
    expect(result.gates).toEqual([
      {
        gate: 'schema',
        verdict: 'pass',
        reason: 'mlops:release of stack staging is a valid release v3 with what a copy to prod needs',
      },
      { gate: 'metrics.auc', verdict: 'pass', reason: 'auc 0.91 >= 0.85' },
      {
        gate: 'not-worse-than-target.auc',
        verdict: 'pass',
        reason: 'prod serves no release yet: nothing to compare auc with',
      },
      { gate: 'approval', verdict: 'pass', reason: 'approved by alice@example.com' },
      {
        gate: 'soak',
        verdict: 'pass',
        reason: 'v3 has served in staging for 1560 min >= 60 (since 2026-12-01T08:00:00Z)',
      },
      expect.objectContaining({ gate: 'no-open-alarms', verdict: 'pass' }),
    ]);
    expect(result.exitCode).toBe(0);
    expect(readFileSync(path.join(dir, 'Pulumi.prod.yaml'), 'utf8')).toBe(PROMOTED);
    expect(readFileSync(path.join(dir, 'Pulumi.staging.yaml'), 'utf8')).toBe(STAGING);
    const planFile = path.join(dir, '.mlops', 'promotion-staging-to-prod.json');
    expect(result.written).toEqual([path.join(dir, 'Pulumi.prod.yaml'), planFile]);
    const plan = JSON.parse(readFileSync(planFile, 'utf8'));
    expect(plan).toEqual(JSON.parse(JSON.stringify(result.plan)));
    expect(plan.image).toBe(`127.0.0.1:5000/prod/serving@${SHA_IMAGE}`);
    expect(plan.steps.map((s: { id: string }) => s.id)).toContain('image-copy');
    expect(existsSync(path.join(dir, 'Pulumi.prod.yaml.lock'))).toBe(false);
  });

  test('promoting again writes nothing and says already promoted', async () => {
    const dir = projectAt();
    await run(dir);
    const before = snapshot(dir);
    const again = await run(dir, { now: new Date(NOW.getTime() + 30_000) });
    expect([again.exitCode, again.alreadyPromoted, again.written, again.diff]).toEqual([0, true, [], '']);
    expect(snapshot(dir)).toEqual(before);
  });

  test('a re-run with aged evidence, another approver and failing time gates is a no-op before the gates', async () => {
    const dir = projectAt();
    await run(dir);
    // An hour and a half later: evidence older than 60 minutes, an open alarm, a soak policy v3 no longer meets.
    writeFileSync(
      path.join(dir, 'alarms.json'),
      '{ "openAlarms": [{ "name": "churn-staging-5xx", "state": "ALARM" }] }',
    );
    utimesSync(path.join(dir, 'alarms.json'), NOW, NOW);
    writeFileSync(
      path.join(dir, 'promotion.yaml'),
      'default:\n  minSoakMinutes: 100000\n  noOpenAlarms: true\n',
    );
    const before = snapshot(dir);
    const again = await run(dir, {
      now: new Date(NOW.getTime() + 90 * 60_000),
      approvedBy: 'bob@example.com',
    });
    expect([again.exitCode, again.alreadyPromoted, again.written]).toEqual([0, true, []]);
    expect(again.gates.map((g) => `${g.gate} ${g.verdict}`)).toEqual(['schema pass']);
    expect(again.release?.approval).toEqual({ by: 'alice@example.com', at: '2026-12-02T10:00:00Z' });
    expect(snapshot(dir)).toEqual(before);
  });

  test('a different release under a label the target already serves is refused, files byte-identical', async () => {
    const dir = projectAt();
    await run(dir);
    // Staging now serves another model under the same label v3: Cloud Run would refuse the reused revision name.
    const staging = path.join(dir, 'Pulumi.staging.yaml');
    writeFileSync(staging, readFileSync(staging, 'utf8').replaceAll(SHA_MODEL, `sha256:${'3'.repeat(64)}`));
    const before = snapshot(dir);
    const again = await run(dir, { now: new Date(NOW.getTime() + 60_000) });
    expect([again.exitCode, again.alreadyPromoted, again.written]).toEqual([1, false, []]);
    expect(again.gates).toEqual([
      {
        gate: 'schema',
        verdict: 'fail',
        reason:
          'stack prod already serves version v3 with a different image, model, metrics or baseline; a version label names one release (it names the Cloud Run revision and the docker containers), so give this release a new version label, such as v3-1',
      },
    ]);
    expect(snapshot(dir)).toEqual(before);
  });

  test('a failed plan write leaves the stack file promoted; the re-run writes the plan and says already promoted', async () => {
    // `.mlops` is a file: the plan's folder cannot be created, so only the second write fails.
    const dir = projectAt({ '.mlops': 'in the way\n' });
    await expect(run(dir)).rejects.toThrow(/\.mlops/);
    expect(readFileSync(path.join(dir, 'Pulumi.prod.yaml'), 'utf8')).toBe(PROMOTED);
    const planFile = path.join(dir, '.mlops', 'promotion-staging-to-prod.json');
    rmSync(path.join(dir, '.mlops'));
    const again = await run(dir, { now: new Date(NOW.getTime() + 60_000) });
    expect([again.exitCode, again.alreadyPromoted, again.written]).toEqual([0, true, [planFile]]);
    expect(JSON.parse(readFileSync(planFile, 'utf8'))).toEqual(JSON.parse(JSON.stringify(again.plan)));
    expect(readFileSync(path.join(dir, 'Pulumi.prod.yaml'), 'utf8')).toBe(PROMOTED);
    // A third run finds the plan as it should be: nothing is written.
    const third = await run(dir, { now: new Date(NOW.getTime() + 120_000) });
    expect([third.alreadyPromoted, third.written]).toEqual([true, []]);
  });

  test('a different plan file beside an already promoted release is rewritten with the plan', async () => {
    const dir = projectAt();
    const first = await run(dir);
    const planFile = path.join(dir, '.mlops', 'promotion-staging-to-prod.json');
    writeFileSync(planFile, '{}\n');
    const again = await run(dir, { now: new Date(NOW.getTime() + 60_000) });
    expect([again.alreadyPromoted, again.written]).toEqual([true, [planFile]]);
    expect(readFileSync(planFile, 'utf8')).toBe(`${JSON.stringify(first.plan, null, 2)}\n`);
  });

  test('a target without mlops:releaseStore fails the schema gate with the fix, even on the same cloud', async () => {
    const prod = PROD.replace(
      /  # Where promotion copies releases to\.\n  mlops:releaseStore:\n.*\n.*\n/,
      '',
    );
    const dir = projectAt({ 'Pulumi.prod.yaml': prod });
    const before = snapshot(dir);
    const result = await run(dir);
    expect(result.exitCode).toBe(1);
    expect(result.gates).toEqual([
      {
        gate: 'schema',
        verdict: 'fail',
        reason:
          "stack prod has no mlops:releaseStore: a promotion target always deploys from its own registry and bucket (fix: `pulumi config set --path 'mlops:releaseStore.images' <its docker image repository> --stack prod` and `pulumi config set --path 'mlops:releaseStore.models' <its docker artifact prefix ending in /> --stack prod`; the same stores as stack staging mean nothing is copied)",
      },
    ]);
    expect(snapshot(dir)).toEqual(before);
  });

  test("a target whose mlops:releaseStore equals the source's gets the release with no copy steps", async () => {
    const store =
      'mlops:releaseStore:\n    images: 127.0.0.1:5000/staging\n    models: docker-volume://staging-models/releases/\n';
    const prod = PROD.replace(/mlops:releaseStore:\n.*\n.*\n/, store);
    const dir = projectAt({ 'Pulumi.prod.yaml': prod });
    const result = await run(dir);
    expect(result.exitCode).toBe(0);
    expect(result.plan?.steps).toEqual([]);
    expect(result.release?.image).toBe(`127.0.0.1:5000/staging/serving@${SHA_IMAGE}`);
  });

  test.each([
    ['metrics', { 'promotion.yaml': 'default:\n  metrics: { auc: { min: 0.95 } }\n' }, {}, 'metrics.auc'],
    ['approval', {}, { approvedBy: undefined }, 'approval'],
    ['soak', { 'promotion.yaml': 'default:\n  minSoakMinutes: 2000\n' }, {}, 'soak'],
    [
      'open alarms',
      { 'alarms.json': '{ "openAlarms": [{ "name": "churn-staging-5xx", "state": "ALARM" }] }' },
      {},
      'no-open-alarms',
    ],
    [
      'not worse than target',
      {
        'Pulumi.prod.yaml': `${PROD}  mlops:release:\n    schemaVersion: 1\n    version: v2\n    model:\n      artifact:\n        uri: docker-volume://prod-models/releases/v2/model/\n        sha256: ${SHA_MODEL}\n    metrics:\n      auc: 0.93\n`,
      },
      {},
      'not-worse-than-target.auc',
    ],
    [
      'schema',
      { 'Pulumi.staging.yaml': STAGING.replace(`serving@${SHA_IMAGE}`, 'serving:latest') },
      {},
      'schema',
    ],
  ])('a failing %s gate exits 1 and leaves every file byte-identical', async (_, files, extra, gate) => {
    const dir = projectAt(files);
    const before = snapshot(dir);
    const result = await run(dir, extra);
    expect(result.exitCode).toBe(1);
    expect(result.gates.filter((g) => g.verdict === 'fail').map((g) => g.gate)).toEqual([gate]);
    expect(result.written).toEqual([]);
    expect(snapshot(dir)).toEqual(before);
  });

  test('--dry-run prints the diff and writes nothing, and takes no lock', async () => {
    const dir = projectAt();
    const before = snapshot(dir);
    const result = await run(dir, { dryRun: true });
    expect(result.exitCode).toBe(0);
    expect(result.written).toEqual([]);
    expect(result.diff.split('\n').slice(0, 4)).toEqual([
      '      secure: v1:c2VjcmV0   # a secret elsewhere is no obstacle',
      '    churn:invokers: [churn-api]',
      '+   mlops:release:',
      '+     schemaVersion: 1',
    ]);
    expect(snapshot(dir)).toEqual(before);
  });

  test('bad input: the same stack, a source without a release, a held lock', async () => {
    const dir = projectAt();
    await expect(run(dir, { to: 'staging' })).rejects.toThrow(
      'cannot promote stack staging to itself: --from and --to must differ',
    );
    await expect(run(dir, { from: 'prod', to: 'staging' })).rejects.toThrow(
      `stack prod serves no release: ${path.join(dir, 'Pulumi.prod.yaml')} has no mlops:release. Promote one into it first, or set its first release with \`mlops release set --stack prod --file release.yaml\``,
    );
    writeFileSync(
      path.join(dir, 'Pulumi.prod.yaml.lock'),
      JSON.stringify({
        pid: process.pid,
        host: hostname(),
        at: new Date().toISOString(),
        command: 'mlops promote --from dev --to prod',
        token: 't',
      }),
    );
    const before = snapshot(dir);
    await expect(run(dir)).rejects.toThrow(
      /Pulumi\.prod\.yaml is locked by mlops promote --from dev --to prod \(pid/,
    );
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('lineDiff (the --dry-run diff)', () => {
  test('shows removed lines before added ones, with two lines of context and ... between far changes', () => {
    const before = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', ''].join('\n');
    const after = ['a', 'B', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', ''].join('\n');
    expect(lineDiff(before, after)).toBe(
      ['  a', '- b', '+ B', '  c', '  d', '  ...', '  h', '  i', '+ j', ''].join('\n'),
    );
    expect(lineDiff(before, before)).toBe('');
  });
});
