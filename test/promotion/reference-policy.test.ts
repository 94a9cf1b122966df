/**
 * The reference promotion policy (promotion.ts at the project root) as the gates read it: staging needs AUC 0.8 and a
 * quiet dev; prod needs AUC 0.85, no worse than prod, an approval, 24 h in staging and a quiet staging. Checked at the
 * boundaries of each number, against the releases the stack files hold.
 */
import * as path from 'node:path';
import { readProject, readStackConfig } from '../../lib/cli/stack-config';
import { evaluateGates, gatesFor, parsePromotionPolicy } from '../../lib/promotion';
import { parseRelease } from '../../lib/promotion/release-schema';
import type { Release } from '../../lib/promotion/release-types';
import policy from '../../promotion';

const project = readProject(path.resolve(__dirname, '..', '..'));
const release = (stack: string) =>
  parseRelease(readStackConfig(project, stack)['mlops:release'], `mlops:release of stack ${stack}`);
const QUIET = { source: 'evidence.json', checkedAt: new Date('2026-12-02T07:00:00Z'), openAlarms: [] };
const NOW = new Date('2026-12-02T07:10:00Z');

test('the policy file is a valid policy with gates for staging and prod only', () => {
  expect(parsePromotionPolicy(policy, 'promotion.ts')).toEqual(policy);
  expect(Object.keys(policy.targets ?? {}).sort()).toEqual(['prod', 'staging']);
  expect(gatesFor(policy, 'dev')).toEqual({});
});

/** The verdicts of promoting `source` into `to`, everything else passing. */
function verdicts(to: string, source: Release, extra: { approvedBy?: string; target?: Release } = {}) {
  return Object.fromEntries(
    evaluateGates({
      gates: gatesFor(policy, to),
      source: { stack: to === 'prod' ? 'staging' : 'dev', release: source },
      target: { stack: to, release: extra.target },
      now: NOW,
      approvedBy: extra.approvedBy,
      alarms: QUIET,
    }).map((r) => [r.gate, r.verdict]),
  );
}

test('into staging: AUC 0.8 passes, 0.79 fails; nothing else is asked', () => {
  const dev = { ...release('staging'), promotedFrom: undefined, releasedAt: '2026-12-02T06:00:00Z' };
  expect(verdicts('staging', { ...dev, metrics: { auc: 0.8 } })).toEqual({
    'metrics.auc': 'pass',
    'no-open-alarms': 'pass',
  });
  expect(verdicts('staging', { ...dev, metrics: { auc: 0.79 } })['metrics.auc']).toBe('fail');
});

test('into prod: AUC 0.85 and no worse than prod, approved, after 1440 minutes in staging', () => {
  const prod = release('prod');
  const staging: Release = {
    ...release('staging'),
    metrics: { auc: 0.91 },
    releasedAt: new Date(NOW.getTime() - 1440 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  expect(verdicts('prod', staging, { approvedBy: 'alice@example.com', target: prod })).toEqual({
    'metrics.auc': 'pass',
    'not-worse-than-target.auc': 'pass',
    approval: 'pass',
    soak: 'pass',
    'no-open-alarms': 'pass',
  });
  const fails = (source: Release, extra = {}) =>
    Object.entries(verdicts('prod', source, { approvedBy: 'alice@example.com', target: prod, ...extra }))
      .filter(([, v]) => v === 'fail')
      .map(([g]) => g);
  // One minute short of a day.
  expect(fails({ ...staging, releasedAt: new Date(NOW.getTime() - 1439 * 60_000).toISOString() })).toEqual([
    'soak',
  ]);
  // Above the floor but below what prod serves (0.91).
  expect(fails({ ...staging, metrics: { auc: 0.9 } })).toEqual(['not-worse-than-target.auc']);
  // Below the floor, with nothing in prod to compare with.
  expect(fails({ ...staging, metrics: { auc: 0.849 } }, { target: undefined })).toEqual(['metrics.auc']);
  expect(fails(staging, { approvedBy: undefined })).toEqual(['approval']);
});
