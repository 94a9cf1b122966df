/**
 * The reference stack files hold what promotion writes: dev serves nothing in git (the fresh path), staging serves a
 * release promoted from dev and prod one promoted from staging, each from its own stores, exactly as the copy plan of
 * that promotion names them.
 */
import * as path from 'node:path';
import { readProject, readStackConfig } from '../../lib/cli/stack-config';
import { planCopy, validateStoreConfig } from '../../lib/promotion/copy-plan';
import { parseRelease, releaseToConfigValue } from '../../lib/promotion/release-schema';
import type { Release, ReleaseCloud } from '../../lib/promotion/release-types';

const project = readProject(path.resolve(__dirname, '..', '..'));
const CLOUD: Record<string, ReleaseCloud> = { dev: 'docker', staging: 'gcp', prod: 'aws' };
const config = (stack: string) => readStackConfig(project, stack);
const store = (stack: string) =>
  validateStoreConfig(
    config(stack)['mlops:releaseStore'],
    `mlops:releaseStore of stack ${stack}`,
    CLOUD[stack],
  );
const release = (stack: string) =>
  parseRelease(config(stack)['mlops:release'], `mlops:release of stack ${stack}`);

test('every stack names its own stores: the pipeline registry and a releases/ prefix of its artifact store', () => {
  expect(Object.fromEntries(['dev', 'staging', 'prod'].map((s) => [s, store(s)]))).toEqual({
    dev: { images: 'localhost:5000/churn', models: 'docker-volume://churn-training-dev-models/releases/' },
    staging: {
      images: 'europe-west4-docker.pkg.dev/churn-staging-4821/churn-training-staging',
      models: 'gs://churn-training-staging-artifacts-b6489b/releases/',
    },
    prod: {
      images: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn-training-prod',
      models: 's3://churn-training-artifacts-ddb1de1/releases/',
    },
  });
});

test('dev keeps no release in git: a fresh checkout deploys everything but serving', () => {
  expect(config('dev')['mlops:release']).toBeUndefined();
  expect(config('dev')['mlops:stableRelease']).toBeUndefined();
});

test.each(['staging', 'prod'])('the %s release is schema 1 and reads back as written', (stack) => {
  const parsed = release(stack);
  expect(parsed.schemaVersion).toBe(1);
  expect(releaseToConfigValue(parsed)).toEqual(config(stack)['mlops:release']);
});

/**
 * The release as the source stack served it. staging's is in its stack file; dev's (not in git) is what promotedFrom
 * records, with the baseline the docker pipeline writes beside a run's model.
 */
function sourceRelease(from: string, promoted: Release): Release {
  if (from !== 'dev') return release(from);
  const { promotedFrom } = promoted;
  return {
    ...promoted,
    promotedFrom: undefined,
    releasedAt: undefined,
    approval: undefined,
    image: promotedFrom!.image,
    model: promotedFrom!.model!,
    baseline: `${promotedFrom!.model!.artifact!.uri}baseline/`,
  };
}

test.each([
  ['dev', 'staging'],
  ['staging', 'prod'],
])('%s -> %s: the target serves exactly what the copy plan of that promotion names', (from, to) => {
  const promoted = release(to);
  const source = sourceRelease(from, promoted);
  expect(promoted.promotedFrom).toEqual({
    stack: from,
    cloud: CLOUD[from],
    image: source.image,
    model: source.model,
    at: promoted.releasedAt,
  });
  const plan = planCopy({
    release: source,
    from: { stack: from, cloud: CLOUD[from], store: store(from) },
    to: { stack: to, cloud: CLOUD[to], store: store(to) },
  });
  expect(plan.steps.length).toBeGreaterThan(0);
  expect({ image: promoted.image, model: promoted.model, baseline: promoted.baseline }).toEqual({
    image: plan.image,
    model: plan.model,
    baseline: plan.baseline,
  });
  expect([promoted.version, promoted.metrics]).toEqual([source.version, source.metrics]);
});

test('prod was promoted after a day of soak in staging, with an approval', () => {
  const staging = release('staging');
  const prod = release('prod');
  const soakMinutes = (Date.parse(prod.releasedAt!) - Date.parse(staging.releasedAt!)) / 60_000;
  expect(soakMinutes).toBeGreaterThanOrEqual(1440);
  expect(prod.approval).toEqual({ by: 'alice@example.com', at: prod.releasedAt });
});
