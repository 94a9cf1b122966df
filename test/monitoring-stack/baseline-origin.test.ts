import { hasModelMonitorBaseline } from '../../lib/monitoring-stack/baseline-origin';
import type { Release } from '../../lib/promotion/release-types';

const release: Release = {
  schemaVersion: 1,
  version: 'v3',
  model: { registry: { group: 'churn-training-prod', version: 3 } },
  baseline: 's3://churn-artifacts/baseline/exec-1/',
};
const from = (cloud: 'aws' | 'gcp' | 'docker'): Release => ({
  ...release,
  promotedFrom: { stack: 'staging', cloud, at: '2026-12-01T10:00:00Z' },
});

test.each([
  ['set on aws, with a baseline', release, true],
  ['promoted from another aws stack', from('aws'), true],
  ['promoted from gcp (templates/drift baseline)', from('gcp'), false],
  ['promoted from docker', from('docker'), false],
  ['without a baseline', { ...release, baseline: undefined }, false],
  ['no release', undefined, false],
])('Model Monitor can read the baseline of a release %s: %s', (_, value, expected) => {
  expect(hasModelMonitorBaseline(value)).toBe(expected);
});
