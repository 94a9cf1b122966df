/** Release mode never crashes: any release value, stable release or pipeline either resolves or is a ValidationError. */
import fc from 'fast-check';
import { ValidationError } from '../../lib/core/validation';
import { resolveModelEndpoint } from '../../lib/model-endpoint/resolve';

const scalar = fc.oneof(
  fc.integer({ min: -2, max: 5 }),
  fc.string({ maxLength: 40 }),
  fc.boolean(),
  fc.constant(null),
);
const uri = fc.constantFrom(
  's3://churn-artifacts/models/v1/model.tar.gz',
  'gs://churn-artifacts/models/v1/',
  'docker-volume://churn-models/run-1/',
  'runs/run-1/model/',
  'models/run-1/model.tar.gz',
  '',
  'ftp://x/y',
);
const release = fc.oneof(
  scalar,
  fc.record(
    {
      schemaVersion: fc.constantFrom(1, 2, undefined, '1'),
      version: fc.oneof(fc.constantFrom('v1', 'v2', 'V!'), scalar),
      model: fc.oneof(
        scalar,
        fc.record(
          {
            registry: fc.oneof(
              scalar,
              fc.record({ group: fc.constantFrom('churn-training-prod', 'other'), version: scalar }),
            ),
            artifact: fc.oneof(
              scalar,
              fc.record({ uri, sha256: fc.constantFrom('sha256:' + 'a'.repeat(64), 'x') }),
            ),
          },
          { requiredKeys: [] },
        ),
      ),
      image: fc.constantFrom(`repo/serving@sha256:${'b'.repeat(64)}`, 'repo:latest', undefined),
      baseline: fc.oneof(
        uri,
        fc.constantFrom('s3://churn-artifacts/baseline/', 'gs://churn-artifacts/baseline/'),
      ),
      modelPackageVersion: scalar,
      modelPath: uri,
      baselinePath: fc.constantFrom('baseline/run-1/', 'gs://x/'),
    },
    { requiredKeys: [] },
  ),
);
const pipeline = fc.constantFrom(
  undefined,
  null,
  {},
  { releaseStore: () => null },
  {
    releaseStore: () => ({
      cloud: 'gcp',
      artifactBucketName: 'churn-artifacts',
      artifactBaseUri: 'gs://churn-artifacts/',
    }),
  },
  {
    releaseStore: () => ({
      cloud: 'aws',
      modelPackageGroupName: 'churn-training-prod',
      modelPackageArn: (v: number) =>
        `arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-training-prod/${v}`,
      imageRepositoryArn: 'arn:aws:ecr:eu-west-1:123456789012:repository/churn-training-prod',
      artifactBucketName: 'churn-artifacts',
      artifactBaseUri: 's3://churn-artifacts/',
    }),
  },
  {
    releaseStore: () => ({
      cloud: 'docker',
      artifactBucketName: 'churn-models',
      artifactBaseUri: 'docker-volume://churn-models/',
    }),
  },
);

test('any release, stable release and pipeline resolve or fail with a ValidationError, never a crash', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('aws', 'gcp', 'docker'),
      release,
      fc.option(release, { nil: undefined }),
      pipeline,
      fc.boolean(),
      fc.constantFrom(undefined, `localhost:5000/serving@sha256:${'c'.repeat(64)}`),
      (cloud, value, stable, given, viaArgs, image) => {
        const platform = {
          cloud,
          stage: 'staging',
          region: cloud === 'gcp' ? 'europe-west4' : 'eu-west-1',
          project: 'churn-staging-4821',
        } as never;
        const args = {
          pipeline: given,
          image: cloud === 'docker' ? image : undefined,
          rollout: { strategy: 'canary', autoRollback: false },
          ...(viaArgs ? { release: value } : {}),
        } as never;
        try {
          const spec = resolveModelEndpoint(
            'churn',
            args,
            platform,
            {},
            {
              release: viaArgs ? undefined : { value, source: 'mlops:release of stack staging' },
              stableRelease:
                stable === undefined
                  ? undefined
                  : { value: stable, source: 'mlops:stableRelease of stack staging' },
              stack: 'staging',
            },
          );
          expect(typeof spec.releaseStatus).toBe('string');
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
        }
      },
    ),
    { numRuns: 400 },
  );
});
