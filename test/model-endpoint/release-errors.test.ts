/** Every combination release mode cannot serve is refused, all at once, with the arg path and a fix. */
import type { PlatformArgs } from '../../lib/core/platform';
import { ValidationError } from '../../lib/core/validation';
import type { ModelEndpointArgs } from '../../lib/model-endpoint/args';
import type { StackReleases } from '../../lib/model-endpoint/release-serving';
import { resolveModelEndpoint } from '../../lib/model-endpoint/resolve';
import type { ReleaseStore } from '../../lib/promotion/release-store';
import { AWS_PROD, DOCKER_DEV, ECR_IMAGE, GCP_STAGING, thrown } from '../helpers';

const SHA = 'sha256:' + 'd'.repeat(64);
const AWS_STORE: ReleaseStore = {
  cloud: 'aws',
  modelPackageGroupName: 'churn-training-prod',
  modelPackageArn: (v) => `arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-training-prod/${v}`,
  imageRepositoryArn: 'arn:aws:ecr:eu-west-1:123456789012:repository/churn-training-prod',
  artifactBucketName: 'churn-artifacts',
  artifactBaseUri: 's3://churn-artifacts/',
  artifactKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
};
const GCP_STORE: ReleaseStore = {
  cloud: 'gcp',
  artifactBucketName: 'churn-artifacts',
  artifactBaseUri: 'gs://churn-artifacts/',
};
const store = (s: ReleaseStore) => ({ releaseStore: () => s });
const stack = (release: unknown, stableRelease?: unknown): StackReleases => ({
  release: { value: release, source: 'mlops:release of stack prod' },
  stableRelease:
    stableRelease === undefined
      ? undefined
      : { value: stableRelease, source: 'mlops:stableRelease of stack prod' },
  stack: 'prod',
});

/** The problems, as `path: message. Fix: fix`. */
function problems(
  platform: PlatformArgs,
  args: Partial<ModelEndpointArgs>,
  releases: StackReleases = {},
): string[] {
  const err = thrown(() => resolveModelEndpoint('churn', { platform, ...args }, platform, {}, releases));
  if (!(err instanceof ValidationError)) throw err;
  expect([err.construct, err.resourceName]).toEqual(['ModelEndpoint', 'churn']);
  return err.problems.map((p) => `${p.path}: ${p.message}. Fix: ${p.fix}`);
}

test('both version and release', () => {
  expect(
    problems(AWS_PROD, {
      version: 'v3',
      image: ECR_IMAGE,
      release: {
        schemaVersion: 1,
        version: 'v4',
        model: { registry: { group: 'churn-models', version: 4 } },
      },
    }),
  ).toEqual([
    'release: is given with `version`: the endpoint serves either the release or what `version`, `image` and `modelDataUrl` say. Fix: leave `version` (and `image`, `modelDataUrl`, `modelAccess`) out to serve the release, or remove `release`',
  ]);
});

test('arguments a release sets, given without version (aws): every one refused, awaiting or not', () => {
  const given: Partial<ModelEndpointArgs> = {
    image: ECR_IMAGE,
    modelDataUrl: 's3://b/m.tar.gz',
    modelAccess: { bucketName: 'b' },
    stableRelease: { version: 'v2' },
    aws: {
      modelPackageArn: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/g/1',
      imageRepositoryArn: 'x',
    },
  };
  const fix =
    'remove it: the release says what to serve (or give `version` to say it in the program instead)';
  const expected = [
    `modelDataUrl: is given without \`version\`: in release mode the release sets it. Fix: ${fix}`,
    `modelAccess: is given without \`version\`: in release mode the release sets it. Fix: ${fix}`,
    `aws.modelPackageArn: is given without \`version\`: in release mode the release sets it. Fix: ${fix}`,
    `aws.imageRepositoryArn: is given without \`version\`: in release mode the release sets it. Fix: ${fix}`,
    `image: is given without \`version\`: on aws the release's \`image\` is served. Fix: ${fix}`,
    "stableRelease: is given without `version`: in release mode the stable release is the stack's `mlops:stableRelease`. Fix: remove it, and set `mlops:stableRelease` to the release serving now (gcp and docker canaries)",
  ];
  expect(problems(AWS_PROD, given)).toEqual(expected);
  expect(problems(AWS_PROD, given, stack({ version: 'v3', modelPackageVersion: 3 }))).toEqual(
    expect.arrayContaining(expected),
  );
});

test('aws: a registry version without a pipeline, a relative path without a pipeline, an artifact without image', () => {
  expect(problems(AWS_PROD, {}, stack({ version: 'v3', modelPackageVersion: 3 }))).toEqual([
    "release.model.registry: names registry version 3, which only a pipeline's model package group resolves. Fix: give the endpoint `pipeline` (the MlPipeline that registers the model), or serve an artifact: `model.artifact` (`s3://<bucket>/<key>.tar.gz`) with `image`",
  ]);
  expect(
    problems(
      AWS_PROD,
      {},
      stack({ version: 'v3', modelPath: 'models/run-1/model.tar.gz', baselinePath: 'baseline/x/' }),
    ),
  ).toEqual([
    'release.model.artifact.uri: "models/run-1/model.tar.gz" is a path relative to the pipeline\'s artifact store (a schema 0 release), but the endpoint has no `pipeline`. Fix: give the endpoint `pipeline` (the MlPipeline whose store holds it), or an absolute URI, the SageMaker `model.tar.gz`, `s3://<bucket>/<key>.tar.gz`',
    "release.image: is required on aws: a model artifact carries no serving image. Fix: give the release's `image` by digest, `<repository>@sha256:<64 hex digits>` (in the release file `npx mlops release set --file` reads)",
    'release.baseline: "baseline/x/" is a path relative to the pipeline\'s artifact store (a schema 0 release), but the endpoint has no `pipeline`. Fix: give the endpoint `pipeline`, or the absolute baseline directory (`s3://...`)',
  ]);
});

test("aws: a registry group that is not the pipeline's, a gs:// model, a directory where SageMaker wants a tar.gz", () => {
  const release = (model: object) => stack({ schemaVersion: 1, version: 'v4', image: ECR_IMAGE, model });
  expect(
    problems(
      AWS_PROD,
      { pipeline: store(AWS_STORE) },
      release({ registry: { group: 'other-models', version: 4 } }),
    ),
  ).toEqual([
    'release.model.registry.group: "other-models" is not the model package group of the endpoint\'s pipeline ("churn-training-prod"). Fix: serve a version of "churn-training-prod" (promotion copies a release into this stack\'s stores), or give the pipeline that registers into "other-models"',
  ]);
  expect(
    problems(AWS_PROD, {}, release({ artifact: { uri: 'gs://churn-staging/models/v4/', sha256: SHA } })),
  ).toEqual([
    'release.model.artifact.uri: "gs://churn-staging/models/v4/" is not served on aws, which serves the SageMaker `model.tar.gz`, `s3://<bucket>/<key>.tar.gz`. Fix: promote the release into this stack (`npx mlops promote` plans the copy and the repack), or give the SageMaker `model.tar.gz`, `s3://<bucket>/<key>.tar.gz`',
  ]);
  expect(
    problems(
      AWS_PROD,
      { pipeline: store(AWS_STORE) },
      stack({ version: 'v4', image: ECR_IMAGE, modelPath: 'runs/1/model/' }),
    ),
  ).toEqual([
    'release.model.artifact.uri: "runs/1/model/" is not a `.tar.gz`: SageMaker serves a packed model. Fix: give the path of the run\'s `model.tar.gz`, or the SageMaker `model.tar.gz`, `s3://<bucket>/<key>.tar.gz`',
  ]);
});

test('gcp: a registry version alone, no image, a baseline on another cloud, a pipeline of another cloud', () => {
  expect(
    problems(
      GCP_STAGING,
      { pipeline: store(AWS_STORE) },
      stack({
        schemaVersion: 1,
        version: 'v4',
        model: { registry: { group: 'churn-models', version: 4 } },
        baseline: 's3://churn-prod/baseline/',
      }),
    ),
  ).toEqual([
    "pipeline: is on aws, but the endpoint is on gcp. Fix: give the endpoint the pipeline of its own stack's cloud: a release is served from this stack's stores",
    "release.model.registry: names registry version 4, but gcp has no model registry to serve it from. Fix: serve the model's artifact: give `model.artifact`, the model directory, `gs://<bucket>/<dir>/` (`mlops promote` copies a registry version's artifact into this stack's store)",
    "release.image: is required on gcp: Cloud Run runs the image the release names. Fix: give the release's `image` by digest, `<repository>@sha256:<64 hex digits>` (in the release file `npx mlops release set --file` reads)",
    'release.baseline: "s3://churn-prod/baseline/" is not on gcp, where the drift check reads `gs://` URIs. Fix: promote the release into this stack, or give the baseline directory as `gs://...`',
  ]);
});

test('docker: no image anywhere; a stable release in another volume; a pipeline without releaseStore', () => {
  const release = {
    schemaVersion: 1,
    version: 'v2',
    model: { artifact: { uri: 'docker-volume://models-a/run-2/', sha256: SHA } },
  };
  const stable = {
    schemaVersion: 1,
    version: 'v1',
    model: { artifact: { uri: 'docker-volume://models-b/run-1/', sha256: SHA } },
  };
  expect(
    problems(DOCKER_DEV, { pipeline: {} as never, rollout: { strategy: 'canary' } }, stack(release, stable)),
  ).toEqual([
    'pipeline: has no `releaseStore()` method. Fix: give the MlPipeline whose stores the releases live in',
    "release.image: is required: the release names no image and the endpoint has no `image` argument. Fix: give the endpoint's `image` (such as the image built from `templates/serving`), or the release's `image` by digest",
    "stableRelease.image: is required: the release names no image and the endpoint has no `image` argument. Fix: give the endpoint's `image` (such as the image built from `templates/serving`), or the release's `image` by digest",
    'stableRelease.model.artifact.uri: is in volume "models-b", but the release serves from volume "models-a": docker mounts one model volume in every serving container. Fix: keep both releases\' models in "models-a" (promotion copies each release into this stack\'s store)',
    'stableRelease.image: is required on docker (the stable container runs beside the new one). Fix: give the image the stable release serves',
  ]);
});

test('a release that is not valid is the Release ValidationError of where it came from', () => {
  const err = thrown(() =>
    resolveModelEndpoint(
      'churn',
      { platform: GCP_STAGING },
      GCP_STAGING,
      {},
      stack({ schemaVersion: 2, version: 'v1' }),
    ),
  ) as ValidationError;
  expect([err.construct, err.resourceName, err.problems.map((p) => p.path)]).toEqual([
    'Release',
    'mlops:release of stack prod',
    ['schemaVersion'],
  ]);
});

test('gcp stable release: same-bucket relative runs whose URL is known only at deploy time widen the read to both', () => {
  const spec = resolveModelEndpoint(
    'churn',
    {
      platform: GCP_STAGING,
      pipeline: store({ ...GCP_STORE, artifactBaseUri: { deployTime: true } as never }),
    },
    GCP_STAGING,
    {},
    {
      ...stack(
        { version: 'v3', image: 'i@x', modelPath: 'runs/a/model/' },
        { version: 'v2', image: 'i@x', modelPath: 'runs/b/model/' },
      ),
      // A deploy-time value (a Pulumi Output in a program), not a string known now.
      joinUri: (_base, path) => ({ deployTime: path }) as never,
    },
  );
  if (!spec.serving) throw new Error('serves');
  expect([spec.modelAccess, spec.stableRelease, spec.releaseBaselineUri]).toEqual([
    { bucketName: 'churn-artifacts', prefix: 'runs/', kmsKeyId: undefined },
    { version: 'v2', image: 'i@x', modelDataUrl: { deployTime: 'runs/b/model/' }, trafficPercent: 90 },
    { deployTime: 'runs/a/baseline/' },
  ]);
});

test("with version, a release in the stack is not served, and the program's log says so", () => {
  const spec = resolveModelEndpoint(
    'churn',
    { platform: AWS_PROD, version: 'v2', image: ECR_IMAGE, rollout: { autoRollback: false } },
    AWS_PROD,
    {},
    stack({ version: 'v3', modelPackageVersion: 3 }),
  );
  expect([spec.version, spec.releaseStatus, spec.release, spec.releaseWarnings]).toEqual([
    'v2',
    'serving v2',
    undefined,
    [
      'mlops:release of stack prod is not served: the program gives `version` (v2); leave `version`, `image` and `modelDataUrl` out to serve the release',
    ],
  ]);
});
