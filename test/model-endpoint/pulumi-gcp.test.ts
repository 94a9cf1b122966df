import { ModelEndpoint } from '../../lib';
import { recordProgram } from '../../lib/testing';
import { GCP_DEV, GCP_STAGING, endpointArgs } from '../helpers';

const IMAGE = 'europe-west4-docker.pkg.dev/churn-staging-4821/churn/serving@sha256:' + 'b'.repeat(64);
const SERVICE = 'gcp:cloudrunv2/service:Service';
const BUCKET_IAM = 'gcp:storage/bucketIAMMember:BucketIAMMember';
const args = (platform = GCP_STAGING, extra = {}) =>
  endpointArgs(platform, { image: IMAGE, modelDataUrl: 'gs://churn-artifacts/models/v3/', ...extra });

describe('ModelEndpoint on gcp', () => {
  test('staging: a CMEK Cloud Run service with a versioned revision, one warm instance and a dedicated identity', async () => {
    const rec = await recordProgram(
      () =>
        new ModelEndpoint(
          'churn',
          args(GCP_STAGING, { invokers: ['serviceAccount:api@churn-staging-4821.iam.gserviceaccount.com'] }),
        ),
    );
    const service = rec.one(SERVICE).inputs as Record<string, any>;
    expect(service).toMatchObject({
      name: 'churn-staging',
      location: 'europe-west4',
      project: 'churn-staging-4821',
      ingress: 'INGRESS_TRAFFIC_ALL',
      deletionProtection: false,
    });
    expect(service.template).toMatchObject({
      revision: 'churn-staging-v3',
      serviceAccount: 'churn-staging-run@churn-staging-4821.iam.gserviceaccount.com',
      encryptionKey:
        'projects/churn-staging-4821/locations/europe-west4/keyRings/churn-staging/cryptoKeys/churn-staging',
      scaling: { minInstanceCount: 1, maxInstanceCount: 4 },
      maxInstanceRequestConcurrency: 10,
    });
    expect(service.template.containers[0]).toMatchObject({
      image: IMAGE,
      ports: { containerPort: 8080 },
      // Staging captures 20% of requests: CPU stays allocated so captures are not starved between requests.
      resources: { limits: { cpu: '4', memory: '16Gi' }, cpuIdle: false, startupCpuBoost: true },
    });
    expect(service.template.containers[0].startupProbe.httpGet).toEqual({ path: '/ping', port: 8080 });
    expect(service.traffics).toEqual([{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }]);
    const agentGrant = rec.one('gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember', 'churn-run-agent-key');
    expect(agentGrant.inputs).toMatchObject({
      role: 'roles/cloudkms.cryptoKeyEncrypterDecrypter',
      member: 'serviceAccount:service-123456789@serverless-robot-prod.iam.gserviceaccount.com',
    });
    expect(rec.one(SERVICE).dependencies).toContain(agentGrant.urn);
    expect(rec.one('gcp:storage/bucketIAMMember:BucketIAMMember').inputs).toMatchObject({
      bucket: 'churn-artifacts',
      role: 'roles/storage.objectViewer',
    });
    expect(rec.one('gcp:cloudrunv2/serviceIamMember:ServiceIamMember').inputs).toMatchObject({
      role: 'roles/run.invoker',
      member: 'serviceAccount:api@churn-staging-4821.iam.gserviceaccount.com',
      name: 'churn-staging',
    });
    expect(rec.one('gcp:pubsub/topic:Topic').inputs).toMatchObject({
      name: 'churn-staging-capture',
      kmsKeyName: service.template.encryptionKey,
    });
    const env = Object.fromEntries(
      service.template.containers[0].envs.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    expect(env).toEqual({
      MODEL_DATA_URL: 'gs://churn-artifacts/models/v3/',
      MLOPS_MODEL_VERSION: 'v3',
      MLOPS_CAPTURE_TOPIC: 'projects/churn-staging-4821/topics/churn-staging-capture',
      MLOPS_CAPTURE_PERCENT: '20',
    });
    expect(rec.one('gcp:kms/keyRing:KeyRing').retainOnDelete).toBe(true);
  });

  test('a canary step splits traffic between the stable and the new revision', async () => {
    const rec = await recordProgram(
      () =>
        new ModelEndpoint(
          'churn',
          args(GCP_STAGING, {
            version: 'v4',
            rollout: { canaryPercent: 25 },
            stableRelease: { version: 'v3' },
          }),
        ),
    );
    const service = rec.one(SERVICE).inputs as Record<string, any>;
    expect(service.template.revision).toBe('churn-staging-v4');
    expect(service.traffics).toEqual([
      {
        type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION',
        revision: 'churn-staging-v3',
        percent: 75,
        tag: 'stable',
      },
      {
        type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION',
        revision: 'churn-staging-v4',
        percent: 25,
        tag: 'canary',
      },
    ]);
  });

  test('during a canary the runtime account reads both models: the stable one too, with the same prefix condition', async () => {
    const rec = await recordProgram(
      () =>
        new ModelEndpoint(
          'churn',
          args(GCP_STAGING, {
            version: 'v4',
            modelDataUrl: 'gs://churn-artifacts/runs/exec-4/model/',
            rollout: { canaryPercent: 25 },
            stableRelease: { version: 'v3', modelDataUrl: 'gs://churn-artifacts/runs/exec-3/model' },
          }),
        ),
    );
    const grants = rec.ofType(BUCKET_IAM);
    expect(
      grants.map((g) => [g.name, g.inputs.bucket, (g.inputs.condition as { expression: string }).expression]),
    ).toEqual([
      [
        'churn-read-model-29a79c5b',
        'churn-artifacts',
        'resource.name.startsWith("projects/_/buckets/churn-artifacts/objects/runs/exec-4/model/") || ' +
          'api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("runs/exec-4/model/")',
      ],
      [
        'churn-read-model-75a2e8bc',
        'churn-artifacts',
        'resource.name.startsWith("projects/_/buckets/churn-artifacts/objects/runs/exec-3/model/") || ' +
          'api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("runs/exec-3/model/")',
      ],
    ]);
    // The service (its new revision) starts once both grants are in place.
    const service = rec.one(SERVICE);
    for (const g of grants) expect(service.dependencies).toContain(g.urn);
  });

  test('a stable release serving the same model as the new one shares its grant (one resource per binding)', async () => {
    const rec = await recordProgram(
      () =>
        new ModelEndpoint(
          'churn',
          args(GCP_STAGING, {
            version: 'v4',
            rollout: { canaryPercent: 25 },
            stableRelease: { version: 'v3', modelDataUrl: 'gs://churn-artifacts/models/v3/' },
          }),
        ),
    );
    expect(rec.ofType(BUCKET_IAM).map((g) => g.name)).toEqual(['churn-read-model-5357b3f2']);
  });

  test('dev scales to zero, captures nothing and allows deletion; prod protects the service', async () => {
    const dev = await recordProgram(() => new ModelEndpoint('churn', args(GCP_DEV)));
    expect((dev.one(SERVICE).inputs as Record<string, any>).template.scaling).toEqual({
      minInstanceCount: 0,
      maxInstanceCount: 2,
    });
    expect(dev.ofType('gcp:pubsub/topic:Topic')).toEqual([]);
    // Nothing to capture: idle instances stop paying for CPU.
    expect((dev.one(SERVICE).inputs as Record<string, any>).template.containers[0].resources.cpuIdle).toBe(
      true,
    );
    const prod = await recordProgram(
      () => new ModelEndpoint('churn', args({ ...GCP_STAGING, stage: 'prod' })),
    );
    expect(prod.one(SERVICE).inputs).toMatchObject({
      deletionProtection: true,
      template: { scaling: { minInstanceCount: 2, maxInstanceCount: 10 } },
    });
  });

  test('a GPU size asks for one L4 and keeps CPU allocated', async () => {
    const rec = await recordProgram(
      () => new ModelEndpoint('churn', args(GCP_STAGING, { size: 'gpu-small' })),
    );
    const template = (rec.one(SERVICE).inputs as Record<string, any>).template;
    expect(template.nodeSelector).toEqual({ accelerator: 'nvidia-l4' });
    expect(template.containers[0].resources).toEqual({
      limits: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '1' },
      cpuIdle: false,
      startupCpuBoost: true,
    });
  });

  test('a gcp stack never loads the AWS provider', async () => {
    await recordProgram(() => new ModelEndpoint('churn', args()));
    expect(Object.keys(require.cache).some((p) => p.includes('@pulumi/aws'))).toBe(false);
  });
});
