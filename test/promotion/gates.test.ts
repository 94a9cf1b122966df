import { UNCHECKED_APPROVAL_AT_DEPLOY } from '../../lib/promotion/cloud/aws';
import { evaluateGates, type GateInput, type GateResult } from '../../lib/promotion/gates';
import type { GateSet } from '../../lib/promotion/policy';
import type { Release } from '../../lib/promotion/release-types';

const DIGEST = `sha256:${'f'.repeat(64)}`;
const NOW = new Date('2026-12-02T12:00:00Z');

const source: Release = {
  schemaVersion: 1,
  version: 'v4',
  model: { artifact: { uri: 'gs://churn-staging/models/v4/', sha256: DIGEST } },
  image: `europe-west4-docker.pkg.dev/p/releases/serving@${DIGEST}`,
  metrics: { auc: 0.91, latencyMs: 120 },
  releasedAt: '2026-12-02T10:30:00Z',
};
const served: Release = { ...source, version: 'v3', metrics: { auc: 0.9, latencyMs: 100 } };

function run(gates: GateSet, extra: Partial<GateInput> = {}): GateResult[] {
  return evaluateGates({
    gates,
    source: { stack: 'staging', release: source, cloud: 'gcp' },
    target: { stack: 'prod', release: served },
    now: NOW,
    ...extra,
  });
}

const one = (gates: GateSet, extra: Partial<GateInput> = {}): GateResult => {
  const results = run(gates, extra);
  expect(results).toHaveLength(1);
  return results[0];
};

describe('evaluateGates', () => {
  it('checks nothing when nothing is configured', () => {
    expect(run({})).toEqual([]);
    expect(run({ requireApproval: false, noOpenAlarms: false })).toEqual([]);
  });

  it('runs the configured gates in the documented order', () => {
    const results = run(
      {
        noOpenAlarms: true,
        minSoakMinutes: 60,
        requireApproval: true,
        notWorseThanTarget: { auc: 'higher' },
        metrics: { auc: { min: 0.8 }, latencyMs: { max: 200 } },
      },
      {
        approvedBy: 'alice@example.com',
        alarms: { source: 'alarms.json', checkedAt: NOW, openAlarms: [] },
        source: { stack: 'staging', release: { ...source, model: { registry: { version: 4 } } } },
      },
    );
    expect(results.map((r) => r.gate)).toEqual([
      'metrics.auc',
      'metrics.latencyMs',
      'not-worse-than-target.auc',
      'approval',
      'soak',
      'no-open-alarms',
      'registry-approval',
    ]);
  });

  describe('metrics', () => {
    it.each<[GateSet['metrics'], GateResult]>([
      [{ auc: { min: 0.8 } }, { gate: 'metrics.auc', verdict: 'pass', reason: 'auc 0.91 >= 0.8' }],
      [{ auc: { min: 0.91 } }, { gate: 'metrics.auc', verdict: 'pass', reason: 'auc 0.91 >= 0.91' }],
      [{ auc: { min: 0.95 } }, { gate: 'metrics.auc', verdict: 'fail', reason: 'auc 0.91 < 0.95 (min)' }],
      [
        { latencyMs: { max: 200 } },
        { gate: 'metrics.latencyMs', verdict: 'pass', reason: 'latencyMs 120 <= 200' },
      ],
      [
        { latencyMs: { max: 100 } },
        { gate: 'metrics.latencyMs', verdict: 'fail', reason: 'latencyMs 120 > 100 (max)' },
      ],
      [
        { auc: { min: 0.8, max: 0.99 } },
        { gate: 'metrics.auc', verdict: 'pass', reason: 'auc 0.91 >= 0.8 and <= 0.99' },
      ],
      [
        { f1: { min: 0.5 } },
        {
          gate: 'metrics.f1',
          verdict: 'fail',
          reason:
            "release v4 in staging has no metric f1: record it in the release's metrics (the evaluation's f1) before promoting",
        },
      ],
      [
        { toString: { min: 0 } },
        {
          gate: 'metrics.toString',
          verdict: 'fail',
          reason:
            "release v4 in staging has no metric toString: record it in the release's metrics (the evaluation's toString) before promoting",
        },
      ],
    ])('%j', (metrics, expected) => {
      expect(one({ metrics })).toEqual(expected);
    });

    it('fails a missing metric when the release has no metrics at all', () => {
      const { metrics, ...bare } = source;
      void metrics;
      expect(
        one({ metrics: { auc: { min: 0.8 } } }, { source: { stack: 'staging', release: bare } }).verdict,
      ).toBe('fail');
    });
  });

  describe('not worse than target', () => {
    it.each<[Record<string, 'higher' | 'lower'>, Release['metrics'], GateResult]>([
      [
        { auc: 'higher' },
        { auc: 0.9 },
        { gate: 'not-worse-than-target.auc', verdict: 'pass', reason: "auc 0.91 >= prod's 0.9 (v3)" },
      ],
      [
        { auc: 'higher' },
        { auc: 0.91 },
        { gate: 'not-worse-than-target.auc', verdict: 'pass', reason: "auc 0.91 >= prod's 0.91 (v3)" },
      ],
      [
        { auc: 'higher' },
        { auc: 0.93 },
        {
          gate: 'not-worse-than-target.auc',
          verdict: 'fail',
          reason: "auc 0.91 < prod's 0.93 (v3): higher is better",
        },
      ],
      [
        { latencyMs: 'lower' },
        { latencyMs: 150 },
        {
          gate: 'not-worse-than-target.latencyMs',
          verdict: 'pass',
          reason: "latencyMs 120 <= prod's 150 (v3)",
        },
      ],
      [
        { latencyMs: 'lower' },
        { latencyMs: 100 },
        {
          gate: 'not-worse-than-target.latencyMs',
          verdict: 'fail',
          reason: "latencyMs 120 > prod's 100 (v3): lower is better",
        },
      ],
      [
        { auc: 'higher' },
        {},
        {
          gate: 'not-worse-than-target.auc',
          verdict: 'fail',
          reason:
            "release v3 in prod has no metric auc to compare with: add metrics.auc to prod's mlops:release, or drop auc from notWorseThanTarget",
        },
      ],
    ])('%j against %j', (notWorseThanTarget, targetMetrics, expected) => {
      expect(
        one(
          { notWorseThanTarget },
          { target: { stack: 'prod', release: { ...served, metrics: targetMetrics } } },
        ),
      ).toEqual(expected);
    });

    it('passes when the target serves nothing yet', () => {
      expect(one({ notWorseThanTarget: { auc: 'higher' } }, { target: { stack: 'prod' } })).toEqual({
        gate: 'not-worse-than-target.auc',
        verdict: 'pass',
        reason: 'prod serves no release yet: nothing to compare auc with',
      });
    });

    it('fails when the source release lacks the metric', () => {
      expect(one({ notWorseThanTarget: { f1: 'higher' } })).toEqual({
        gate: 'not-worse-than-target.f1',
        verdict: 'fail',
        reason:
          "release v4 in staging has no metric f1 to compare with prod's: record it in the release's metrics",
      });
    });
  });

  describe('approval', () => {
    it('passes with who approved', () => {
      expect(one({ requireApproval: true }, { approvedBy: 'github:octo/churn#12' })).toEqual({
        gate: 'approval',
        verdict: 'pass',
        reason: 'approved by github:octo/churn#12',
      });
    });
    it.each([undefined, '', '  '])('fails without --approved-by (%j)', (approvedBy) => {
      expect(one({ requireApproval: true }, { approvedBy })).toEqual({
        gate: 'approval',
        verdict: 'fail',
        reason: 'promoting to prod needs an approval: give --approved-by <who>',
      });
    });
  });

  describe('soak', () => {
    it('passes after the minimum time', () => {
      expect(one({ minSoakMinutes: 90 })).toEqual({
        gate: 'soak',
        verdict: 'pass',
        reason: 'v4 has served in staging for 90 min >= 90 (since 2026-12-02T10:30:00Z)',
      });
    });
    it('fails before it, saying when it may be promoted', () => {
      expect(one({ minSoakMinutes: 120 })).toEqual({
        gate: 'soak',
        verdict: 'fail',
        reason:
          'v4 has served in staging for 90 min < 120 (since 2026-12-02T10:30:00Z): promote after 2026-12-02T12:30:00Z',
      });
    });
    it('fails a release written in the future (a clock ahead)', () => {
      const release = { ...source, releasedAt: '2026-12-02T12:10:00Z' };
      expect(one({ minSoakMinutes: 0 }, { source: { stack: 'staging', release } })).toEqual({
        gate: 'soak',
        verdict: 'fail',
        reason:
          'v4 has served in staging for 0 min < 0 (since 2026-12-02T12:10:00Z): promote after 2026-12-02T12:10:00Z',
      });
    });
    it('fails without releasedAt', () => {
      const { releasedAt, ...release } = source;
      void releasedAt;
      expect(one({ minSoakMinutes: 30 }, { source: { stack: 'staging', release } })).toEqual({
        gate: 'soak',
        verdict: 'fail',
        reason:
          "release v4 in staging has no releasedAt, so its soak cannot be measured: promote or set it into staging with mlops (which writes releasedAt), or add releasedAt to staging's mlops:release",
      });
    });
  });

  describe('no open alarms', () => {
    const checkedAt = new Date('2026-12-02T11:55:00Z');
    const evidence = (openAlarms: { name: string; state: string }[]) => ({
      source: 'cloudwatch eu-west-1',
      checkedAt,
      openAlarms,
    });

    it('passes with no open alarm, saying where the evidence came from and its age', () => {
      expect(one({ noOpenAlarms: true }, { alarms: evidence([]) })).toEqual({
        gate: 'no-open-alarms',
        verdict: 'pass',
        reason: 'no open alarms in staging (from cloudwatch eu-west-1, 5 min old)',
      });
    });

    it('fails naming the open alarms', () => {
      expect(
        one(
          { noOpenAlarms: true },
          {
            alarms: evidence([
              { name: 'churn-staging-5xx', state: 'ALARM' },
              { name: 'churn-staging-latency-p99', state: 'ALARM' },
            ]),
          },
        ),
      ).toEqual({
        gate: 'no-open-alarms',
        verdict: 'fail',
        reason:
          '2 open alarms in staging: churn-staging-5xx (ALARM), churn-staging-latency-p99 (ALARM) (from cloudwatch eu-west-1)',
      });
    });

    it('counts only alarms named with the prefix', () => {
      const alarms = evidence([
        { name: 'other-team-cpu', state: 'ALARM' },
        { name: 'churn-staging-5xx', state: 'firing' },
      ]);
      expect(one({ noOpenAlarms: { alarmNamePrefix: 'churn-staging-' } }, { alarms })).toEqual({
        gate: 'no-open-alarms',
        verdict: 'fail',
        reason:
          '1 open alarm named churn-staging-* in staging: churn-staging-5xx (firing) (from cloudwatch eu-west-1)',
      });
      expect(one({ noOpenAlarms: { alarmNamePrefix: 'fraud-' } }, { alarms })).toEqual({
        gate: 'no-open-alarms',
        verdict: 'pass',
        reason: 'no open alarms named fraud-* in staging (from cloudwatch eu-west-1, 5 min old)',
      });
    });

    it('says the age of a native-format file is its modification time', () => {
      const old = {
        ...evidence([]),
        source: 'alarms.json',
        checkedAt: new Date('2026-12-02T10:59:00Z'),
        checkedAtIsFileTime: true,
      };
      expect(one({ noOpenAlarms: true }, { alarms: old }).reason).toBe(
        "the alarm evidence from alarms.json is 61 min old > 60: gather it again (or raise noOpenAlarms.maxEvidenceAgeMinutes); its age is the file's modification time, since aws, Alertmanager and Cloud Monitoring output carry no time of reading (save it right before promoting; a copied or checked-out file looks new), or our format's checkedAt",
      );
    });

    it('fails on evidence older than maxEvidenceAgeMinutes (default 60)', () => {
      const old = { ...evidence([]), checkedAt: new Date('2026-12-02T10:59:00Z') };
      expect(one({ noOpenAlarms: true }, { alarms: old })).toEqual({
        gate: 'no-open-alarms',
        verdict: 'fail',
        reason:
          'the alarm evidence from cloudwatch eu-west-1 is 61 min old > 60: gather it again (or raise noOpenAlarms.maxEvidenceAgeMinutes)',
      });
      expect(one({ noOpenAlarms: { maxEvidenceAgeMinutes: 90 } }, { alarms: old }).verdict).toBe('pass');
      expect(one({ noOpenAlarms: { maxEvidenceAgeMinutes: 4 } }, { alarms: evidence([]) }).reason).toBe(
        'the alarm evidence from cloudwatch eu-west-1 is 5 min old > 4: gather it again (or raise noOpenAlarms.maxEvidenceAgeMinutes)',
      );
    });

    it('fails when the alarms could not be read', () => {
      expect(
        one({ noOpenAlarms: true }, { alarms: { error: 'AccessDenied: cloudwatch:DescribeAlarms' } }),
      ).toEqual({
        gate: 'no-open-alarms',
        verdict: 'fail',
        reason: 'cannot read the open alarms of staging: AccessDenied: cloudwatch:DescribeAlarms',
      });
    });

    it.each<[GateInput['source']['cloud'], string]>([
      ['aws', 'AWS credentials (CloudWatch DescribeAlarms)'],
      ['gcp', 'Google Cloud application default credentials (Cloud Monitoring)'],
      ['docker', 'a reachable Alertmanager (--alertmanager-url)'],
      [undefined, "credentials for staging's cloud"],
    ])('fails without evidence, saying what to give on %s', (cloud, what) => {
      expect(one({ noOpenAlarms: true }, { source: { stack: 'staging', release: source, cloud } })).toEqual({
        gate: 'no-open-alarms',
        verdict: 'fail',
        reason: `no alarm evidence for staging: give --alarms-evidence <file> or ${what}`,
      });
    });
  });

  describe('registry approval', () => {
    const registryRelease: Release = {
      ...source,
      model: { registry: { group: 'churn-staging', version: 4 } },
    };
    const input = (registryApproval?: GateInput['registryApproval']): Partial<GateInput> => ({
      source: { stack: 'staging', release: registryRelease, cloud: 'aws' },
      registryApproval,
    });

    it('does not appear for a release without a registry version', () => {
      expect(run({}, { registryApproval: { checked: true, status: 'Rejected', reason: 'x' } })).toEqual([]);
    });

    it("passes an Approved version, with the reader's reason", () => {
      expect(
        one(
          {},
          input({
            checked: true,
            status: 'Approved',
            reason: 'model package group churn-staging version 4 is Approved',
          }),
        ),
      ).toEqual({
        gate: 'registry-approval',
        verdict: 'pass',
        reason: 'model package group churn-staging version 4 is Approved',
      });
    });

    it.each(['PendingManualApproval', 'Rejected'])('fails a %s version', (status) => {
      expect(
        one({}, input({ checked: true, status, reason: `version 4 is ${status}, not Approved` })),
      ).toEqual({
        gate: 'registry-approval',
        verdict: 'fail',
        reason: `version 4 is ${status}, not Approved`,
      });
    });

    it('fails a version the registry does not have (checked, no status)', () => {
      expect(one({}, input({ checked: true, reason: 'version 4 does not exist in eu-west-1' }))).toEqual({
        gate: 'registry-approval',
        verdict: 'fail',
        reason: 'version 4 does not exist in eu-west-1',
      });
    });

    it('passes unchecked, saying why', () => {
      expect(one({}, input({ checked: false, reason: 'not checked: no AWS credentials' }))).toEqual({
        gate: 'registry-approval',
        verdict: 'pass',
        reason: 'not checked: no AWS credentials',
      });
      expect(one({}, input({ checked: false, reason: 'no AWS credentials' })).reason).toBe(
        'not checked: no AWS credentials',
      );
    });

    it('passes without evidence, saying what happens at deploy', () => {
      expect(one({}, input())).toEqual({
        gate: 'registry-approval',
        verdict: 'pass',
        reason: `not checked: nothing read the approval of model package version 4 of churn-staging; ${UNCHECKED_APPROVAL_AT_DEPLOY}`,
      });
    });
  });
});
