/**
 * ModelEndpoint release mode under Pulumi mocks: a schema 1 and a schema 0 release served on each cloud from the
 * stack config's `mlops:release` (and `mlops:stableRelease`), and an endpoint awaiting a release.
 */
import { createHash } from 'node:crypto';
import { MlPipeline, ModelEndpoint, type ModelEndpointArgs } from '../../lib';
import type { PlatformArgs } from '../../lib/core/platform';
import { recordProgram, type Recording } from '../../lib/testing';
import { pipelineArgs } from '../ml-pipeline/fixtures';
import { AWS_PROD, DOCKER_DEV, GCP_STAGING } from '../helpers';

const SHA = 'sha256:' + 'd'.repeat(64);
const ECR_SERVING = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn-prod@sha256:${'e'.repeat(64)}`;
const GAR_SERVING = `europe-west4-docker.pkg.dev/churn-staging-4821/releases/serving@sha256:${'f'.repeat(64)}`;
const LOCAL_SERVING = `localhost:5000/churn-serving@sha256:${'a'.repeat(64)}`;

/** Records a pipeline and an endpoint serving the stack config's release; returns the recording and outputs. */
async function serve(
  platform: PlatformArgs,
  stack: string,
  config: Record<string, unknown>,
  extra: Partial<ModelEndpointArgs> = {},
): Promise<{ rec: Recording; endpoint: ModelEndpoint }> {
  let endpoint: ModelEndpoint | undefined;
  const rec = await recordProgram(
    () => {
      const pipeline = new MlPipeline('churn-training', pipelineArgs(platform));
      endpoint = new ModelEndpoint('churn', { platform, pipeline, ...extra });
      return {
        releaseStatus: endpoint.releaseStatus,
        url: endpoint.url,
        endpointId: endpoint.endpointId,
        endpointName: endpoint.endpointName,
        baseline: endpoint.releaseBaselineUri,
        models: pipeline.releaseStore().artifactBucketName,
      };
    },
    { stack, config },
  );
  return { rec, endpoint: endpoint! };
}

/** The id a gcp model folder's read grant is named and titled after: 8 hex digits of sha256 of its `gs://` URL. */
const folderId = (url: string) => createHash('sha256').update(url).digest('hex').slice(0, 8);

const policyOf = (rec: Recording, name: string) =>
  JSON.parse(rec.one('aws:iam/rolePolicy:RolePolicy', name).inputs.policy as string) as {
    Statement: { Sid: string; Resource: unknown }[];
  };

describe('aws', () => {
  const noRollback = { rollout: { autoRollback: false } };

  test("schema 0: a registry version of the pipeline's group, its models/ and key, the baseline beside the bucket", async () => {
    const { rec, endpoint } = await serve(
      AWS_PROD,
      'prod',
      {
        'mlops:release': { version: 'v3', modelPackageVersion: 3, baselinePath: 'baseline/q7m2k9x4d1ve/' },
      },
      noRollback,
    );
    expect(rec.outputs).toMatchObject({
      releaseStatus: 'serving v3',
      endpointName: 'churn-prod',
      url: 'https://runtime.sagemaker.eu-west-1.amazonaws.com/endpoints/churn-prod/invocations',
      baseline: 's3://churn-training-artifacts-ddb1de1/baseline/q7m2k9x4d1ve/',
    });
    expect(rec.one('aws:sagemaker/model:Model').inputs.primaryContainer).toEqual({
      modelPackageName: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-training-prod/3',
      environment: { MLOPS_MODEL_VERSION: 'v3' },
    });
    const statements = policyOf(rec, 'churn-execution-policy').Statement;
    expect(statements.find((s) => s.Sid === 'ReadModelArtifacts')?.Resource).toEqual([
      'arn:aws:s3:::churn-training-artifacts-ddb1de1/models/*',
    ]);
    expect(statements.find((s) => s.Sid === 'DecryptModelArtifacts')?.Resource).toEqual(
      'arn:aws:kms:eu-west-1:123456789012:key/5f51995f-8d73-34fb-ae40-62903db51caf',
    );
    expect(endpoint.serving).toBe(true);
    expect(endpoint.release).toEqual({
      schemaVersion: 1,
      version: 'v3',
      model: { registry: { version: 3 } },
      baseline: 'baseline/q7m2k9x4d1ve/',
    });
  });

  test('schema 1: a promoted model.tar.gz with its image; the stable release is ignored with a warning', async () => {
    const { rec, endpoint } = await serve(
      AWS_PROD,
      'prod',
      {
        'mlops:release': {
          schemaVersion: 1,
          version: 'v4',
          model: { artifact: { uri: 's3://churn-prod-releases/models/v4/model.tar.gz', sha256: SHA } },
          image: ECR_SERVING,
          baseline: 's3://churn-prod-releases/baselines/v4/',
          promotedFrom: { stack: 'staging', cloud: 'gcp', at: '2026-12-02T06:00:00Z' },
        },
        'mlops:stableRelease': { version: 'v3', modelPackageVersion: 3 },
      },
      noRollback,
    );
    expect(rec.outputs).toMatchObject({
      releaseStatus: 'serving v4 promoted from staging',
      baseline: 's3://churn-prod-releases/baselines/v4/',
    });
    expect(rec.one('aws:sagemaker/model:Model').inputs.primaryContainer).toEqual({
      image: ECR_SERVING,
      modelDataUrl: 's3://churn-prod-releases/models/v4/model.tar.gz',
      environment: { MLOPS_MODEL_VERSION: 'v4' },
    });
    const statements = policyOf(rec, 'churn-execution-policy').Statement;
    expect(statements.find((s) => s.Sid === 'ReadModelArtifacts')?.Resource).toEqual([
      'arn:aws:s3:::churn-prod-releases/models/v4/*',
      'arn:aws:s3:::churn-prod-releases/models/v4/model.tar.gz',
    ]);
    expect(endpoint.spec.serving && endpoint.spec.releaseWarnings).toEqual([
      'mlops:stableRelease (v3) is not used on aws: SageMaker keeps the serving fleet itself during its blue/green update; remove it',
    ]);
  });
});

describe('gcp', () => {
  const SERVICE = 'gcp:cloudrunv2/service:Service';
  const grants = (rec: Recording) =>
    rec
      .ofType('gcp:storage/bucketIAMMember:BucketIAMMember')
      .filter((r) => r.inputs.role === 'roles/storage.objectViewer')
      .map((r) => [
        r.name,
        r.inputs.bucket,
        (r.inputs.condition as { expression?: string } | undefined)?.expression,
      ]);

  test('schema 1: a promoted gs:// model directory, read by the runtime account; its image and baseline', async () => {
    const { rec } = await serve(GCP_STAGING, 'staging', {
      'mlops:release': {
        schemaVersion: 1,
        version: 'v5',
        model: { artifact: { uri: 'gs://churn-staging-releases/models/v5/', sha256: SHA } },
        image: GAR_SERVING,
        baseline: 'gs://churn-staging-releases/baselines/v5/',
        promotedFrom: { stack: 'dev', cloud: 'docker', at: '2026-12-02T06:00:00Z' },
      },
    });
    expect(rec.outputs).toMatchObject({
      releaseStatus: 'serving v5 promoted from dev',
      baseline: 'gs://churn-staging-releases/baselines/v5/',
    });
    const service = rec.one(SERVICE).inputs as Record<string, any>;
    expect(service.template.revision).toBe('churn-staging-v5');
    expect(service.template.containers[0].image).toBe(GAR_SERVING);
    expect(service.template.containers[0].envs).toContainEqual({
      name: 'MODEL_DATA_URL',
      value: 'gs://churn-staging-releases/models/v5/',
    });
    const read = grants(rec).filter(([name]) => String(name).startsWith('churn-read-model'));
    expect(read.map(([name, bucket]) => [name, bucket])).toEqual([
      ['churn-read-model-ec656e9d', 'churn-staging-releases'],
    ]);
    expect(read[0][2]).toContain('"projects/_/buckets/churn-staging-releases/objects/models/v5/"');
  });

  test('schema 0 with a stable release: relative runs resolved in the pipeline bucket, 90/10 split, both read, baseline beside the model', async () => {
    const { rec } = await serve(GCP_STAGING, 'staging', {
      'mlops:release': { version: 'v3', image: GAR_SERVING, modelPath: 'runs/run-3/model/' },
      'mlops:stableRelease': { version: 'v2', image: GAR_SERVING, modelPath: '/runs/run-2/model' },
    });
    const bucket = rec.outputs.models as string;
    expect(rec.outputs).toMatchObject({
      releaseStatus: 'serving v3',
      baseline: `gs://${bucket}/runs/run-3/baseline/`,
    });
    const service = rec.one(SERVICE).inputs as Record<string, any>;
    expect(service.template.containers[0].envs).toContainEqual({
      name: 'MODEL_DATA_URL',
      value: `gs://${bucket}/runs/run-3/model/`,
    });
    expect(service.traffics).toEqual([
      {
        type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION',
        revision: 'churn-staging-v2',
        percent: 90,
        tag: 'stable',
      },
      {
        type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION',
        revision: 'churn-staging-v3',
        percent: 10,
        tag: 'canary',
      },
    ]);
    const read = grants(rec).filter(([name]) => String(name).startsWith('churn-read-model'));
    expect(read.map(([name, b]) => [name, b])).toEqual([
      [`churn-read-model-${folderId(`gs://${bucket}/runs/run-3/model/`)}`, bucket],
      [`churn-read-model-${folderId(`gs://${bucket}/runs/run-2/model/`)}`, bucket],
    ]);
    expect(read[0][2]).toContain(`"projects/_/buckets/${bucket}/objects/runs/run-3/model/"`);
    expect(read[1][2]).toContain(`"projects/_/buckets/${bucket}/objects/runs/run-2/model/"`);
  });
});

describe('docker', () => {
  const CONTAINER = 'docker:index/container:Container';
  const IMAGE = 'docker:index/remoteImage:RemoteImage';

  test('schema 0 with a stable release: both runs of the models volume, mounted read-only; the endpoint image serves both', async () => {
    const { rec } = await serve(
      DOCKER_DEV,
      'dev',
      {
        'mlops:release': { version: 'v2', modelPath: 'churn-training-dev/run-2/' },
        'mlops:stableRelease': { version: 'v1', modelPath: 'churn-training-dev/run-1' },
      },
      { image: LOCAL_SERVING, rollout: { strategy: 'canary', canaryPercent: 20 } },
    );
    const volume = rec.outputs.models as string;
    expect(rec.outputs).toMatchObject({
      releaseStatus: 'serving v2',
      baseline: `docker-volume://${volume}/churn-training-dev/run-2/baseline/`,
    });
    const env = (name: string) => rec.one(CONTAINER, name).inputs as Record<string, any>;
    const pulled = (role: string) => rec.one(IMAGE, `churn-${role}-image`).inputs.name;
    expect([pulled('canary'), pulled('stable')]).toEqual([LOCAL_SERVING, LOCAL_SERVING]);
    expect(env('churn-canary').envs).toContain('MODEL_DATA_URL=/mnt/model-access/churn-training-dev/run-2/');
    expect(env('churn-stable').envs).toContain('MODEL_DATA_URL=/mnt/model-access/churn-training-dev/run-1/');
    for (const name of ['churn-canary', 'churn-stable'])
      expect(env(name).volumes).toContainEqual({
        volumeName: volume,
        containerPath: '/mnt/model-access',
        readOnly: true,
      });
  });

  test("schema 1: a docker-volume:// directory and the release's own image", async () => {
    const { rec } = await serve(DOCKER_DEV, 'dev', {
      'mlops:release': {
        schemaVersion: 1,
        version: 'v6',
        model: { artifact: { uri: 'docker-volume://churn-releases/models/v6/', sha256: SHA } },
        image: LOCAL_SERVING,
        baseline: 'docker-volume://churn-releases/baselines/v6/',
      },
    });
    expect(rec.outputs).toMatchObject({
      releaseStatus: 'serving v6',
      baseline: 'docker-volume://churn-releases/baselines/v6/',
    });
    const primary = rec.one(CONTAINER, 'churn-primary').inputs as Record<string, any>;
    expect(rec.one(IMAGE, 'churn-primary-image').inputs.name).toBe(LOCAL_SERVING);
    expect(primary.envs).toContain('MODEL_DATA_URL=/mnt/model-access/models/v6/');
    expect(primary.volumes).toContainEqual({
      volumeName: 'churn-releases',
      containerPath: '/mnt/model-access',
      readOnly: true,
    });
  });
});

describe('awaiting a release', () => {
  const cases: [string, PlatformArgs, string, string][] = [
    ['aws', AWS_PROD, 'prod', 'churn-prod'],
    ['gcp', GCP_STAGING, 'staging', 'churn-staging'],
    ['docker', DOCKER_DEV, 'dev', 'churn-dev'],
  ];
  test.each(cases)(
    '%s: no mlops:release registers nothing but the component and says so',
    async (_cloud, platform, stack, name) => {
      let endpoint: ModelEndpoint | undefined;
      const rec = await recordProgram(
        () => {
          endpoint = new ModelEndpoint('churn', { platform, capturePercent: 10 });
          return {
            releaseStatus: endpoint.releaseStatus,
            endpointName: endpoint.endpointName,
            url: endpoint.url,
          };
        },
        { stack },
      );
      expect(rec.resources.map((r) => r.type)).toEqual(['mlops:index:ModelEndpoint']);
      const status = `awaiting release: no mlops:release in stack ${stack}; promote one with \`npx mlops promote --from <source stack> --to ${stack}\` or set the first with \`npx mlops release set --stack ${stack} --file release.yaml\``;
      expect(rec.outputs).toEqual({ releaseStatus: status, endpointName: name, url: undefined });
      expect(rec.registeredOutputs.get(rec.resources[0].urn)).toEqual({
        endpointName: name,
        endpointId: undefined,
        url: undefined,
        releaseStatus: status,
      });
      expect([endpoint!.serving, endpoint!.release, endpoint!.releaseBaselineUri]).toEqual([
        false,
        undefined,
        undefined,
      ]);
    },
  );
});
