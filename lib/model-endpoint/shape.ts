/**
 * The shape of `ModelEndpointArgs`, written once: the known keys of every args interface (the compiler
 * checks that each lists every key of its interface and no other) and the type each value must have.
 * `resolveModelEndpoint` checks it first, so a wrong shape is a `ValidationError`, never a TypeError.
 */
import type { PlatformArgs } from '../core/platform';
import { anything, bool, input, list, map, num, object, oneOf, required, str } from '../core/shape';
import { COMPUTE_SIZES } from '../core/sizes';
import type { Release } from '../promotion/release-types';
import type {
  ChallengerArgs,
  ModelAccessArgs,
  ModelEndpointArgs,
  ModelEndpointAwsArgs,
  ModelEndpointDockerArgs,
  ModelEndpointGcpArgs,
  ReleaseStoreSource,
  RolloutArgs,
  StableReleaseArgs,
} from './args';

export const ROLLOUT_STRATEGIES = ['canary', 'linear', 'all-at-once'] as const;

/** Who rolls a release out on gcp (`gcp.rollout`). */
export const GCP_ROLLOUT_MODES = ['pulumi', 'cloud-deploy'] as const;

export const MODEL_ACCESS_SHAPE = object<ModelAccessArgs>({
  bucketName: required(input()),
  prefix: str('`models/`'),
  kmsKeyId: input(),
});

export const ROLLOUT_SHAPE = object<RolloutArgs>({
  strategy: oneOf(ROLLOUT_STRATEGIES),
  canaryPercent: num(),
  linearStepPercent: num(),
  bakeMinutes: num(),
  autoRollback: bool(),
  maxLatencyP99Ms: num(),
  max5xxPerMinute: num(),
});

export const STABLE_RELEASE_SHAPE = object<StableReleaseArgs>({
  version: required(str('`"v2"`')),
  image: input(),
  modelDataUrl: input(),
});

export const CHALLENGER_SHAPE = object<ChallengerArgs>(
  {
    name: required(str('`"candidate"`')),
    image: required(input()),
    modelDataUrl: input(),
    trafficPercent: required(num('`10`')),
  },
  '`{ name, image, trafficPercent }`',
);

export const ENDPOINT_AWS_SHAPE = object<ModelEndpointAwsArgs>({
  modelPackageArn: input(),
  imageRepositoryArn: input(),
  instanceType: str('`ml.m5.xlarge`'),
  serverlessMaxConcurrency: num(),
  networkIsolation: bool(),
});

export const ENDPOINT_GCP_SHAPE = object<ModelEndpointGcpArgs>({
  cpu: str('`"2"`'),
  memory: str('`"4Gi"`'),
  deletionProtection: bool(),
  ingress: oneOf(['all', 'internal'] as const),
  rollout: oneOf(GCP_ROLLOUT_MODES),
  releasers: list(input(), '`["serviceAccount:ci@project.iam.gserviceaccount.com"]`'),
});

export const ENDPOINT_DOCKER_SHAPE = object<ModelEndpointDockerArgs>({
  hostPort: num('`8081`'),
  healthCheck: list(str(), '`["CMD-SHELL", "curl -fsS http://localhost:8080/ping || exit 1"]`'),
});

export const MODEL_ENDPOINT_SHAPE = object<ModelEndpointArgs>({
  // Checked by resolvePlatform, which also reads the stack config.
  platform: anything<PlatformArgs>(),
  endpointName: str(),
  version: str('`"v3"`'),
  // Checked by parseRelease (construct `Release`), as a release read from the stack config is.
  release: anything<Release>(),
  // Checked by the resolver: anything with a `releaseStore()` method.
  pipeline: anything<ReleaseStoreSource>(),
  image: input('`repo@sha256:...`'),
  modelDataUrl: input(),
  modelAccess: MODEL_ACCESS_SHAPE,
  size: oneOf(COMPUTE_SIZES),
  minInstances: num(),
  maxInstances: num(),
  targetConcurrency: num(),
  rollout: ROLLOUT_SHAPE,
  stableRelease: STABLE_RELEASE_SHAPE,
  challengers: list(CHALLENGER_SHAPE, '`[{ name: "candidate", image, trafficPercent: 10 }]`'),
  serverless: bool(),
  capturePercent: num(),
  environment: map(input(), '`{ LOG_LEVEL: "info" }`'),
  port: num(),
  invokers: list(input(), '`["churn-api"]`'),
  aws: ENDPOINT_AWS_SHAPE,
  gcp: ENDPOINT_GCP_SHAPE,
  docker: ENDPOINT_DOCKER_SHAPE,
});
