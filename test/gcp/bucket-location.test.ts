/**
 * platform.bucketLocation on gcp: the pipeline's buckets live in the region, its predefined dual-region or its
 * continent's multi-region, each encrypted with a key in the bucket's own location (Cloud Storage takes no other).
 */
import { kmsLocationOfBucket } from '../../lib/blocks/gcp-kms-locations';
import type { PlatformArgs } from '../../lib/core/platform';
import { MlPipeline } from '../../lib/ml-pipeline/pulumi';
import { recordProgram } from '../../lib/testing';
import { GCP_STAGING } from '../helpers';
import { pipelineArgs } from '../ml-pipeline/fixtures';

const IMAGE = 'europe-west4-docker.pkg.dev/churn-staging-4821/releases/serving@sha256:' + 'c'.repeat(64);
const KEY_RING = 'gcp:kms/keyRing:KeyRing';
const KEY_GRANT = 'gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember';
const BUCKET = 'gcp:storage/bucket:Bucket';

const record = (bucketLocation: PlatformArgs['bucketLocation']) =>
  recordProgram(
    () =>
      new MlPipeline(
        'churn',
        pipelineArgs({ ...GCP_STAGING, bucketLocation }, { registry: { servingImage: IMAGE } }),
      ),
    { stack: 'staging' },
  );

test('Cloud KMS names its locations in lower case and the European multi-region `europe`; no dual-region is mapped', () => {
  expect(['EUROPE-WEST4', 'EU', 'US', 'ASIA', 'EUR4', 'NAM4', 'ASIA1'].map(kmsLocationOfBucket)).toEqual([
    'europe-west4',
    'europe',
    'us',
    'asia',
    undefined,
    undefined,
    undefined,
  ]);
});

test('region (the default): regional buckets under the pipeline key, and no second key', async () => {
  const rec = await record(undefined);
  expect(rec.ofType(KEY_RING).map((r) => [r.name, r.inputs.location])).toEqual([
    ['churn-keyring', 'europe-west4'],
  ]);
  const key =
    'projects/churn-staging-4821/locations/europe-west4/keyRings/churn-staging/cryptoKeys/churn-staging';
  for (const b of rec.ofType(BUCKET))
    expect([
      b.inputs.location,
      (b.inputs.encryption as { defaultKmsKeyName: string }).defaultKmsKeyName,
    ]).toEqual(['europe-west4', key]);
});

test.each([['multi-region', 'EU', 'europe']] as const)(
  '%s: buckets in %s under a key made in %s, granted to the storage agent only',
  async (choice, location, kms) => {
    const rec = await record(choice);
    const rings = rec.ofType(KEY_RING).map((r) => [r.name, r.inputs.name, r.inputs.location]);
    expect(rings.sort()).toEqual([
      ['churn-buckets-keyring', 'churn-staging-buckets', kms],
      ['churn-keyring', 'churn-staging', 'europe-west4'],
    ]);
    const bucketKey = `projects/churn-staging-4821/locations/${kms}/keyRings/churn-staging-buckets/cryptoKeys/churn-staging-buckets`;
    const buckets = rec.ofType(BUCKET);
    expect(buckets).toHaveLength(2);
    for (const b of buckets) {
      expect(b.inputs.location).toBe(location);
      expect((b.inputs.encryption as { defaultKmsKeyName: string }).defaultKmsKeyName).toBe(bucketKey);
    }
    const grants = Object.fromEntries(rec.ofType(KEY_GRANT).map((g) => [g.name, g.inputs.cryptoKeyId]));
    expect(grants['churn-storage-agent-key']).toBe(bucketKey);
    // Cloud Run, Artifact Registry, Workflows and Vertex AI stay regional, on the regional key.
    for (const other of ['run', 'artifact-registry', 'workflows', 'aiplatform'])
      expect(grants[`churn-${other}-agent-key`]).toMatch(/locations\/europe-west4\//);
    expect(rec.one('gcp:artifactregistry/repository:Repository').inputs.location).toBe('europe-west4');
  },
);

test('a region no dual-region contains is refused before anything is registered, with the fix', async () => {
  let error: Error | undefined;
  const rec = await recordProgram(() => {
    try {
      new MlPipeline(
        'churn',
        pipelineArgs(
          { ...GCP_STAGING, region: 'europe-west1', bucketLocation: 'dual-region' },
          { registry: { servingImage: IMAGE } },
        ),
      );
    } catch (err) {
      error = err as Error;
    }
  });
  expect(error?.name).toBe('ValidationError');
  expect(error?.message).toContain(
    'platform.bucketLocation: is dual-region, but no predefined dual-region contains europe-west1. Fix: use a region of one (asia-northeast1, asia-northeast2, europe-north1, europe-west4, us-central1, us-east1), or bucketLocation `multi-region` or `region`',
  );
  expect(rec.resources).toEqual([]);
});

test('dual-region is refused before anything is registered: Cloud KMS has no documented location for its key', async () => {
  let error: Error | undefined;
  const rec = await recordProgram(() => {
    try {
      new MlPipeline(
        'churn',
        pipelineArgs(
          { ...GCP_STAGING, bucketLocation: 'dual-region' },
          { registry: { servingImage: IMAGE } },
        ),
      );
    } catch (err) {
      error = err as Error;
    }
  });
  expect(error?.name).toBe('ValidationError');
  expect(error?.message).toContain(
    'platform.bucketLocation: is dual-region (EUR4), but no Cloud KMS location is documented for a key that encrypts a EUR4 bucket',
  );
  expect(rec.resources).toEqual([]);
});
