import type * as pulumi from '@pulumi/pulumi';
import { defaultPhysicalName, acceptArguments, type ResolveContext } from '../core/deployment';
import { checkVersionLabel, NAME_RULES, nameProblem, type NameRule } from '../core/naming';
import { standardTags, type Platform, type PlatformArgs } from '../core/platform';
import { sagemakerInstanceTypeProblem } from '../core/sagemaker-instance-types';
import { checkSageMakerMap, SAGEMAKER_LIMITS } from '../core/sagemaker-limits';
import { SIZE_FACTS, isAcceleratedInstance, type ComputeSize, type SizeFacts } from '../core/sizes';
import { resolveInputs, type ConstructFacts, type ResolveInputs } from '../core/resolve-inputs';
import { checkInteger, knownString, ProblemList } from '../core/validation';
import type { Release } from '../promotion/release-types';
import type { ModelEndpointArgs, RolloutStrategy } from './args';
import { ENDPOINT_DEFAULTS, ENDPOINT_STAGE_DEFAULTS, type EndpointStageDefaults } from './defaults';
import { defaultBakeMinutes, resolveCloudDeploy, type ResolvedCloudDeploy } from './gcp-cloud-deploy-facts';
import { resolveReleaseMode, type ReleaseMode } from './release-serving-mode';
import type { StackReleases } from './release-serving';
import { MODEL_ENDPOINT_SHAPE } from './shape';

export const CONSTRUCT = 'ModelEndpoint';

/** One model container the endpoint serves. */
export interface ServedModel {
  /** `primary`, or the challenger's name. */
  readonly variant: string;
  readonly image?: pulumi.Input<string>;
  readonly modelDataUrl?: pulumi.Input<string>;
  /** Share of traffic in percent. */
  readonly trafficPercent: number;
}

export interface ResolvedRollout {
  readonly strategy: RolloutStrategy;
  readonly canaryPercent: number;
  readonly linearStepPercent: number;
  readonly bakeMinutes: number;
  readonly autoRollback: boolean;
  readonly maxLatencyP99Ms: number;
  readonly max5xxPerMinute: number;
}

/**
 * Everything a renderer needs, with every default applied, for an endpoint that serves (`serving: true`). Plain
 * data: renderers decide nothing.
 */
export interface ResolvedModelEndpoint {
  readonly constructName: string;
  readonly platform: Platform;
  readonly tags: Readonly<Record<string, string>>;
  readonly endpointName: string;
  /** True: this endpoint serves `version` (an awaiting endpoint is an `AwaitingModelEndpoint`). */
  readonly serving: true;
  /** `serving <version>`, with ` promoted from <stack>` for a promoted release: the `releaseStatus` output. */
  readonly releaseStatus: string;
  /** The release served (schema 1; a schema 0 one upgraded); undefined when the program gave `version`. */
  readonly release?: Release;
  /** The served release's drift baseline, absolute; undefined without a release or when it has none. */
  readonly releaseBaselineUri?: pulumi.Input<string>;
  /** What release mode ignored on purpose (`mlops:stableRelease` on aws), for the program's log. */
  readonly releaseWarnings: readonly string[];
  readonly version: string;
  /** The primary model first, then the challengers. */
  readonly models: readonly ServedModel[];
  readonly size: ComputeSize;
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly targetConcurrency: number;
  readonly rollout: ResolvedRollout;
  /** The serving release during a gcp or docker rollout, with the percent of traffic it keeps. */
  readonly stableRelease?: {
    readonly version: string;
    readonly image?: pulumi.Input<string>;
    readonly modelDataUrl?: pulumi.Input<string>;
    readonly trafficPercent: number;
  };
  readonly serverless: boolean;
  readonly capturePercent: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly port: number;
  readonly invokers: readonly string[];
  /** Read access to artifacts kept elsewhere; undefined when none was asked for. */
  readonly modelAccess?: {
    readonly bucketName: pulumi.Input<string>;
    readonly prefix: string;
    readonly kmsKeyId?: pulumi.Input<string>;
  };
  readonly aws: {
    readonly modelPackageArn?: pulumi.Input<string>;
    /** The ECR repository of the primary model's image (`aws.imageRepositoryArn`), when given. */
    readonly imageRepositoryArn?: pulumi.Input<string>;
    readonly instanceType: string;
    readonly serverlessMemoryMb?: number;
    readonly serverlessMaxConcurrency: number;
    readonly networkIsolation: boolean;
  };
  readonly gcp: {
    readonly cpu: string;
    readonly memory: string;
    readonly gpuType?: string;
    readonly deletionProtection: boolean;
    readonly ingress: 'all' | 'internal';
    /** Who rolls releases out: Pulumi (`pulumi up` per step) or Google Cloud Deploy. */
    readonly rollout: 'pulumi' | 'cloud-deploy';
    /** The Cloud Deploy pipeline, target and automation; undefined when Pulumi rolls out. */
    readonly cloudDeploy?: ResolvedCloudDeploy;
  };
  readonly docker: {
    readonly hostPort: number;
    readonly healthCheck: readonly string[];
    readonly cpus: number;
    readonly memoryMb: number;
    readonly gpus: number;
  };
}

/**
 * An endpoint with no release to serve (no `version`, no `release`, nothing in the stack's `mlops:release`): it
 * creates nothing. Its settings are resolved and checked all the same, so the first release deploys them.
 */
export type AwaitingModelEndpoint = Omit<
  ResolvedModelEndpoint,
  | 'serving'
  | 'release'
  | 'releaseBaselineUri'
  | 'releaseWarnings'
  | 'version'
  | 'models'
  | 'stableRelease'
  | 'modelAccess'
> & {
  /** False: nothing is served, no child is created. */
  readonly serving: false;
  /** `awaiting release: no mlops:release in stack <stack>; ...`: the `releaseStatus` output. */
  readonly releaseStatus: string;
};

/** What `resolveModelEndpoint` returns: a serving endpoint, or one awaiting its first release. */
export type ModelEndpointSpec = ResolvedModelEndpoint | AwaitingModelEndpoint;

const ENDPOINT_NAME_RULES: Record<Platform['cloud'], NameRule> = {
  aws: NAME_RULES.sagemaker,
  gcp: NAME_RULES.cloudRunService,
  docker: NAME_RULES.docker,
};
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const AWS_ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const GCP_MEMBER = /^(user|serviceAccount|group|domain|principal|principalSet):.+$/;
const MODEL_PACKAGE_ARN =
  /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[a-zA-Z0-9-]{1,63}\/\d+$/;
const ECR_REPOSITORY_ARN = /^arn:aws[a-z-]*:ecr:[a-z0-9-]+:\d{12}:repository\/[a-z0-9][a-z0-9._/-]*$/;

/** What every group check below reads: the shape-checked arguments, the platform and its stage defaults. */
export type Inputs = ResolveInputs<ModelEndpointArgs, EndpointStageDefaults>;

const ENDPOINT_FACTS: ConstructFacts<ModelEndpointArgs, EndpointStageDefaults> = {
  type: CONSTRUCT,
  shape: MODEL_ENDPOINT_SHAPE,
  stageDefaults: ENDPOINT_STAGE_DEFAULTS,
  minimalArgs: '{ version, image }',
};

/**
 * Validates the arguments of a ModelEndpoint and applies the stage defaults. Shapes are checked first
 * (wrong types, `null`, `NaN`, unknown keys), then each arg group's values. Every problem is collected and
 * thrown together as one `ValidationError`, before the construct registers anything. `context` says which
 * stack the endpoint deploys in and which host ports the program already binds.
 *
 * Without `version` the endpoint serves a release: `args.release`, else the stack's `mlops:release` in
 * `stackReleases` (Pulumi reads the stack config, CDK its context), mapped to endpoint arguments by
 * `release-serving.ts`; with neither it awaits a release (`serving: false`). A release that is not valid throws
 * the `ValidationError` of construct `Release` that `parseRelease` gives.
 */
export function resolveModelEndpoint(
  name: string,
  rawArgs: ModelEndpointArgs & { readonly version: string },
  platformArgs: PlatformArgs | undefined,
  context?: ResolveContext,
  stackReleases?: StackReleases,
): ResolvedModelEndpoint;
export function resolveModelEndpoint(
  name: string,
  rawArgs: ModelEndpointArgs,
  platformArgs: PlatformArgs | undefined,
  context?: ResolveContext,
  stackReleases?: StackReleases,
): ModelEndpointSpec;
export function resolveModelEndpoint(
  name: string,
  rawArgs: ModelEndpointArgs,
  platformArgs: PlatformArgs | undefined,
  context: ResolveContext = {},
  stackReleases: StackReleases = {},
): ModelEndpointSpec {
  const given: Inputs = resolveInputs(ENDPOINT_FACTS, name, rawArgs, platformArgs, context);
  const { platform, problems } = given;

  const endpointName = resolveEndpointName(given, context);
  const mode: ReleaseMode = resolveReleaseMode(given, stackReleases);
  // In release mode the release's arguments stand where the program's would.
  const inputs = mode.inputs;
  const { args } = inputs;
  if (mode.kind === 'version') checkVersionLabel(problems, 'version', args.version);
  const serving = mode.kind !== 'awaiting';
  // A release's missing image is reported at `release.image` by the release mapping.
  const source = serving ? resolveSource(inputs, mode.kind === 'version') : {};
  const compute = resolveCompute(inputs);
  const scaling = resolveScaling(inputs);
  const rollout = resolveRollout(inputs);
  const models = resolveModels(inputs);
  const stableRelease = serving ? resolveStableRelease(inputs, rollout) : undefined;
  checkServerless(inputs, compute, scaling);
  const container = resolveContainer(inputs);
  const invokers = resolveInvokers(inputs);
  const modelAccess = serving ? resolveModelAccess(inputs) : undefined;
  const aws = resolveAwsSettings(inputs, source, compute, scaling.serverless);
  const gcp = resolveGcpSettings(inputs, compute, rollout, endpointName);
  const docker = resolveDockerSettings(inputs, compute.facts, container.port);
  acceptArguments(problems, context, platform, {
    port: docker.hostPort,
    path: 'docker.hostPort',
    owner: `${CONSTRUCT} "${name}"`,
  });

  const settings = {
    constructName: name,
    platform,
    tags: standardTags(platform, CONSTRUCT),
    endpointName,
    size: compute.size,
    ...scaling,
    rollout,
    ...container,
    invokers,
    aws,
    gcp,
    docker,
  };
  if (mode.kind === 'awaiting') return { ...settings, serving: false, releaseStatus: mode.status };
  return {
    ...settings,
    serving: true,
    releaseStatus: mode.status,
    release: mode.release,
    releaseBaselineUri: mode.baselineUri,
    releaseWarnings: mode.warnings,
    version: args.version!,
    models,
    stableRelease,
    modelAccess,
  };
}

function resolveEndpointName({ name, args, platform, problems }: Inputs, context: ResolveContext): string {
  const endpointName = args.endpointName ?? defaultPhysicalName(name, platform.stage, context.stack);
  const rule = ENDPOINT_NAME_RULES[platform.cloud];
  const problem = nameProblem(endpointName, rule);
  if (problem)
    problems.add(
      'endpointName',
      `${args.endpointName ? '' : 'the default name '}${problem} for an endpoint on ${platform.cloud}`,
      args.endpointName
        ? rule.description
        : `rename the construct, or set \`endpointName\` (${rule.description})`,
    );
  return endpointName;
}

/** Where the primary model comes from: an image (and artifact), or a registry version on aws. */
function resolveSource({ args, raw, platform, problems }: Inputs, checkImage: boolean): ModelSource {
  const modelPackageArn = platform.cloud === 'aws' ? args.aws?.modelPackageArn : undefined;
  const imageRepositoryArn = platform.cloud === 'aws' ? args.aws?.imageRepositoryArn : undefined;
  if (modelPackageArn !== undefined) {
    if (!args.modelAccess)
      problems.add(
        'modelAccess',
        "is required with aws.modelPackageArn: the endpoint's role must read the package's artifacts and decrypt them",
        "give `modelAccess: { bucketName, prefix, kmsKeyId }` of the bucket the versions live in (an MlPipeline's `artifactBucketName`, `models/` and its key)",
      );
    if (args.image !== undefined || args.modelDataUrl !== undefined)
      problems.add(
        'aws.modelPackageArn',
        'a model package carries its own image and artifact, so `image` and `modelDataUrl` must not be given too',
        'give either `aws.modelPackageArn` or `image` (+ `modelDataUrl`)',
      );
    if (imageRepositoryArn === undefined)
      problems.add(
        'aws.imageRepositoryArn',
        "is required with aws.modelPackageArn: the endpoint's role may pull only from the package's image repository",
        "give the ECR repository ARN of the package's image (an MlPipeline's registry)",
      );
    const arn = knownString(modelPackageArn);
    if (arn !== undefined && !MODEL_PACKAGE_ARN.test(arn))
      problems.add(
        'aws.modelPackageArn',
        `"${arn}" is not a versioned model package ARN`,
        'give `arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>`, such as `MlPipeline.registeredModelArn(3)`',
      );
  } else if (checkImage && !args.image && (args.image !== undefined || raw.image === undefined)) {
    problems.add('image', 'is required', 'give the serving image, preferably by digest (`repo@sha256:...`)');
  }
  const repository = knownString(imageRepositoryArn);
  if (repository !== undefined && !ECR_REPOSITORY_ARN.test(repository))
    problems.add(
      'aws.imageRepositoryArn',
      `"${repository}" is not an ECR repository ARN`,
      'give `arn:aws:ecr:<region>:<account>:repository/<name>`',
    );
  return { modelPackageArn, imageRepositoryArn };
}

interface ModelSource {
  readonly modelPackageArn?: pulumi.Input<string>;
  readonly imageRepositoryArn?: pulumi.Input<string>;
}

interface Compute {
  readonly size: ComputeSize;
  readonly facts: SizeFacts;
  readonly instanceType: string;
  readonly gpu: boolean;
}

function resolveCompute({ args, platform, stageDefaults, problems }: Inputs): Compute {
  const size = args.size ?? stageDefaults.size;
  const facts = SIZE_FACTS[size];
  const instanceType = args.aws?.instanceType ?? facts.aws.servingInstance;
  if (platform.cloud === 'aws' && args.aws?.instanceType !== undefined) {
    const problem = sagemakerInstanceTypeProblem('serving', args.aws.instanceType);
    if (problem) problems.add('aws.instanceType', problem.message, problem.fix);
  }
  if (platform.cloud === 'gcp' && !facts.gcp)
    problems.add(
      'size',
      `${size} has no Cloud Run equivalent (Cloud Run runs at most one GPU per instance)`,
      'use `gpu-small`, or deploy this endpoint on aws',
    );
  const gpu = platform.cloud === 'aws' ? isAcceleratedInstance(instanceType) : facts.gpus > 0;
  return { size, facts, instanceType, gpu };
}

interface Scaling {
  readonly serverless: boolean;
  readonly capturePercent: number;
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly targetConcurrency: number;
}

function resolveScaling({ args, platform, stageDefaults, problems }: Inputs): Scaling {
  const { cloud } = platform;
  const serverless = args.serverless ?? stageDefaults.serverless;
  const capturePercent =
    args.capturePercent ?? (serverless && cloud === 'aws' ? 0 : stageDefaults.capturePercent);
  checkInteger(problems, 'capturePercent', args.capturePercent, 0, 100);
  const provisionedFloor = cloud === 'aws' && !serverless ? 1 : 0;
  const minInstances = args.minInstances ?? Math.max(stageDefaults.minInstances, provisionedFloor);
  const maxInstances = args.maxInstances ?? Math.max(stageDefaults.maxInstances, minInstances);
  checkInteger(problems, 'minInstances', args.minInstances, 0, 1000);
  checkInteger(problems, 'maxInstances', args.maxInstances, 1, 1000);
  if (minInstances > maxInstances)
    problems.add(
      'minInstances',
      `${minInstances} is more than maxInstances (${maxInstances})`,
      'make minInstances at most maxInstances',
    );
  if (provisionedFloor === 1 && args.minInstances === 0)
    problems.add(
      'minInstances',
      'a provisioned SageMaker endpoint cannot scale to zero instances',
      'use at least 1, or `serverless: true` to pay per request',
    );
  if (cloud === 'gcp' && serverless && args.minInstances !== undefined && args.minInstances > 0)
    problems.add(
      'minInstances',
      `serverless on gcp scales to zero, but minInstances is ${args.minInstances}`,
      'remove minInstances, or use `serverless: false`',
    );
  const targetConcurrency = args.targetConcurrency ?? ENDPOINT_DEFAULTS.targetConcurrency;
  checkInteger(problems, 'targetConcurrency', args.targetConcurrency, 1, 1000);
  return { serverless, capturePercent, minInstances, maxInstances, targetConcurrency };
}

function resolveRollout({ args, platform, stageDefaults, problems }: Inputs): ResolvedRollout {
  const r = args.rollout ?? {};
  checkInteger(
    problems,
    'rollout.canaryPercent',
    r.canaryPercent,
    1,
    50,
    'the canary must leave most traffic on the stable fleet',
  );
  checkInteger(problems, 'rollout.linearStepPercent', r.linearStepPercent, 10, 50);
  checkInteger(problems, 'rollout.bakeMinutes', r.bakeMinutes, 0, 60);
  checkInteger(problems, 'rollout.maxLatencyP99Ms', r.maxLatencyP99Ms, 1, 600000);
  checkInteger(problems, 'rollout.max5xxPerMinute', r.max5xxPerMinute, 0, 1000000);
  const rollout: ResolvedRollout = {
    strategy: r.strategy ?? stageDefaults.strategy,
    canaryPercent: r.canaryPercent ?? ENDPOINT_DEFAULTS.canaryPercent,
    linearStepPercent: r.linearStepPercent ?? ENDPOINT_DEFAULTS.linearStepPercent,
    bakeMinutes:
      r.bakeMinutes ??
      defaultBakeMinutes(
        args,
        platform,
        stageDefaults.bakeMinutes,
        r.autoRollback ?? stageDefaults.autoRollback,
      ),
    autoRollback: r.autoRollback ?? stageDefaults.autoRollback,
    maxLatencyP99Ms: r.maxLatencyP99Ms ?? ENDPOINT_DEFAULTS.maxLatencyP99Ms,
    max5xxPerMinute: r.max5xxPerMinute ?? ENDPOINT_DEFAULTS.max5xxPerMinute,
  };
  if (platform.cloud !== 'aws') return rollout;
  if (rollout.autoRollback && rollout.strategy !== 'all-at-once' && rollout.bakeMinutes < 3)
    problems.add(
      'rollout.bakeMinutes',
      `${rollout.bakeMinutes} minutes is too short for the rollback alarms, which need about 3 minutes of metrics to fire`,
      'bake at least 3 minutes per step, or set `rollout.autoRollback: false`',
    );
  const minutes = rolloutBakeMinutes(rollout);
  if (minutes > ENDPOINT_DEFAULTS.awsMaxRolloutMinutes)
    problems.add(
      'rollout.bakeMinutes',
      `a ${rollout.strategy} rollout baking ${rollout.bakeMinutes} minutes per step takes ${minutes} minutes, but the AWS provider stops waiting for an endpoint update after about 60 minutes`,
      `keep the whole rollout within ${ENDPOINT_DEFAULTS.awsMaxRolloutMinutes} minutes: fewer steps or shorter bakes`,
    );
  return rollout;
}

/** How many minutes SageMaker spends baking a rollout: every traffic step waits, then the final bake. */
export function rolloutBakeMinutes(rollout: ResolvedRollout): number {
  const steps =
    rollout.strategy === 'canary'
      ? 1
      : rollout.strategy === 'linear'
        ? Math.ceil(100 / rollout.linearStepPercent) - 1
        : 0;
  return (steps + 1) * rollout.bakeMinutes;
}

/** The primary model and the A/B challengers, with each one's share of traffic. */
function resolveModels({ args, platform, problems }: Inputs): ServedModel[] {
  const challengers = args.challengers ?? [];
  if (challengers.length > 0 && platform.cloud === 'gcp')
    problems.add(
      'challengers',
      'Cloud Run serves one container template per service, so it cannot run A/B challengers',
      'deploy A/B tests on aws or docker, or run each model as its own ModelEndpoint',
    );
  const seen = new Set<string>();
  let total = 0;
  challengers.forEach((c, i) => {
    const path = `challengers[${i}]`;
    if (c.name !== undefined) {
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(c.name) || c.name.length > 20)
        problems.add(
          `${path}.name`,
          `"${c.name}" is not a valid variant name`,
          'use at most 20 lowercase letters, digits and hyphens',
        );
      if (c.name === 'primary' || seen.has(c.name))
        problems.add(
          `${path}.name`,
          `"${c.name}" is already used`,
          'give each challenger its own name, other than `primary`',
        );
      seen.add(c.name);
    }
    checkInteger(problems, `${path}.trafficPercent`, c.trafficPercent, 1, 99);
    total += c.trafficPercent ?? 0;
  });
  if (total >= 100)
    problems.add(
      'challengers',
      `the challengers take ${total}% of traffic together, leaving nothing for the primary model`,
      'keep their trafficPercent sum under 100',
    );
  const share = Math.min(total, 99);
  return [
    { variant: 'primary', image: args.image, modelDataUrl: args.modelDataUrl, trafficPercent: 100 - share },
    ...challengers.map((c) => ({
      variant: c.name,
      image: c.image,
      modelDataUrl: c.modelDataUrl,
      trafficPercent: c.trafficPercent,
    })),
  ];
}

/** The release serving now while the new one rolls out beside it (gcp and docker). */
function resolveStableRelease(
  { args, platform, problems }: Inputs,
  rollout: ResolvedRollout,
): ResolvedModelEndpoint['stableRelease'] {
  const stable = args.stableRelease;
  if (!stable || platform.cloud === 'aws') return undefined;
  checkVersionLabel(problems, 'stableRelease.version', stable.version);
  if (stable.version !== undefined && stable.version === args.version)
    problems.add(
      'stableRelease.version',
      `is the same as version (${args.version})`,
      'remove `stableRelease` once the rollout is complete',
    );
  if (platform.cloud === 'docker' && !stable.image)
    problems.add(
      'stableRelease.image',
      'is required on docker (the stable container runs beside the new one)',
      'give the image the stable release serves',
    );
  if (rollout.strategy === 'all-at-once')
    problems.add(
      'stableRelease',
      'an all-at-once rollout sends all traffic to the new release, so there is nothing to split',
      'use `rollout.strategy: canary` or `linear`, or remove `stableRelease`',
    );
  if ((args.challengers ?? []).length > 0)
    problems.add(
      'stableRelease',
      'a stepwise rollout and A/B challengers cannot run at the same time',
      'finish the rollout first, then add challengers',
    );
  const newShare = rollout.strategy === 'linear' ? rollout.linearStepPercent : rollout.canaryPercent;
  return { ...stable, version: stable.version!, trafficPercent: 100 - newShare };
}

/** What SageMaker Serverless Inference cannot do. */
function checkServerless({ args, platform, problems }: Inputs, compute: Compute, scaling: Scaling): void {
  if (platform.cloud !== 'aws' || !scaling.serverless) return;
  const { size, instanceType, gpu, facts } = compute;
  if (gpu)
    problems.add(
      'serverless',
      `SageMaker Serverless Inference has no GPU (size ${size}, ${instanceType})`,
      'use a CPU size, or `serverless: false`',
    );
  if ((platform.network.subnetIds?.length ?? 0) > 0)
    problems.add(
      'serverless',
      'SageMaker Serverless Inference cannot run in a VPC',
      'remove `platform.network.subnetIds`, or use `serverless: false`',
    );
  if (scaling.capturePercent > 0)
    problems.add(
      'capturePercent',
      'SageMaker Serverless Inference has no data capture',
      'set `capturePercent: 0`, or `serverless: false`',
    );
  if ((args.challengers ?? []).length > 0)
    problems.add(
      'challengers',
      'a SageMaker serverless endpoint serves a single variant',
      'remove the challengers, or use `serverless: false`',
    );
  if (args.aws?.networkIsolation === true)
    problems.add(
      'aws.networkIsolation',
      'SageMaker Serverless Inference has no network isolation',
      'remove `aws.networkIsolation`, or use `serverless: false`',
    );
  if (!facts.aws.serverlessMemoryMb && !gpu)
    problems.add('size', `${size} has no serverless memory size`, 'use a CPU size');
}

/** The serving container's environment and port. */
function resolveContainer({ args, platform, problems }: Inputs): {
  environment: Readonly<Record<string, string>>;
  port: number;
} {
  const environment = args.environment ?? {};
  for (const key of Object.keys(environment)) {
    if (!ENV_NAME.test(key))
      problems.add(
        `environment.${key}`,
        'is not a valid environment variable name',
        'use letters, digits and `_`, not starting with a digit',
      );
    if (key.startsWith('MLOPS_') || key === 'MODEL_DATA_URL')
      problems.add(`environment.${key}`, 'is reserved: the construct sets it', 'rename the variable');
  }
  if (platform.cloud === 'aws')
    checkSageMakerMap(problems, 'environment', environment, SAGEMAKER_LIMITS.servingEnvironment);
  const port = args.port ?? ENDPOINT_DEFAULTS.port;
  checkInteger(problems, 'port', args.port, 1, 65535);
  if (platform.cloud === 'aws' && port !== 8080)
    problems.add(
      'port',
      `SageMaker sends requests to port 8080, not ${port}`,
      'make the container listen on 8080 and remove `port`',
    );
  return { environment, port };
}

function resolveInvokers({ args, platform, problems }: Inputs): string[] {
  const invokers = args.invokers ?? [];
  invokers.forEach((member, i) => checkInvoker(platform.cloud, member, `invokers[${i}]`, problems));
  return invokers;
}

function checkInvoker(cloud: Platform['cloud'], member: string, path: string, problems: ProblemList): void {
  const value = knownString(member);
  if (value === undefined) return;
  if (cloud === 'aws' && !AWS_ROLE_NAME.test(value))
    problems.add(
      path,
      `"${value}" is not an IAM role name`,
      'give the role name (not its ARN) of a role in this account',
    );
  if (cloud !== 'gcp') return;
  if (value === 'allUsers' || value === 'allAuthenticatedUsers')
    problems.add(
      path,
      `${value} would make the model callable by anyone`,
      'name the service accounts or groups that call it; put a gateway with authentication in front for public traffic',
    );
  else if (!GCP_MEMBER.test(value))
    problems.add(
      path,
      `"${value}" is not an IAM member`,
      'use a member such as `serviceAccount:caller@project.iam.gserviceaccount.com`',
    );
}

function resolveModelAccess({ args, platform, problems }: Inputs): ResolvedModelEndpoint['modelAccess'] {
  const access = args.modelAccess;
  if (!access) return undefined;
  if (access.prefix !== undefined && (access.prefix.startsWith('/') || !access.prefix.endsWith('/')))
    problems.add(
      'modelAccess.prefix',
      `"${access.prefix}" is not a key prefix`,
      'use a prefix such as `models/` (no leading `/`, ending in `/`)',
    );
  const key = knownString(access.kmsKeyId);
  if (
    platform.cloud === 'aws' &&
    key !== undefined &&
    !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[a-z0-9-]+$/.test(key)
  )
    problems.add(
      'modelAccess.kmsKeyId',
      `"${key}" is not a KMS key ARN`,
      'give the key ARN, `arn:aws:kms:<region>:<account>:key/<key id>` (an alias cannot be granted)',
    );
  return { bucketName: access.bucketName!, prefix: access.prefix ?? '', kmsKeyId: access.kmsKeyId };
}

function resolveAwsSettings(
  { args, problems }: Inputs,
  source: ModelSource,
  compute: Compute,
  serverless: boolean,
): ResolvedModelEndpoint['aws'] {
  checkInteger(problems, 'aws.serverlessMaxConcurrency', args.aws?.serverlessMaxConcurrency, 1, 200);
  return {
    ...source,
    instanceType: compute.instanceType,
    serverlessMemoryMb: compute.facts.aws.serverlessMemoryMb,
    serverlessMaxConcurrency:
      args.aws?.serverlessMaxConcurrency ?? ENDPOINT_DEFAULTS.serverlessMaxConcurrency,
    // Serverless endpoints refuse network isolation.
    networkIsolation: serverless ? false : (args.aws?.networkIsolation ?? true),
  };
}

function resolveGcpSettings(
  inputs: Inputs,
  compute: Compute,
  rollout: ResolvedRollout,
  endpointName: string,
): ResolvedModelEndpoint['gcp'] {
  const { args, platform, stageDefaults, problems } = inputs;
  const { facts } = compute;
  const gcp = args.gcp ?? {};
  const cloudDeploy = resolveCloudDeploy({
    args,
    platform,
    problems,
    endpointName,
    gpu: compute.gpu,
    rollout,
  });
  if (gcp.cpu !== undefined && !/^(\d+|\d+m)$/.test(gcp.cpu))
    problems.add(
      'gcp.cpu',
      `"${gcp.cpu}" is not a CPU limit`,
      'use a count such as `"2"` or millicores such as `"1000m"`',
    );
  if (gcp.memory !== undefined && !/^\d+(Mi|Gi)$/.test(gcp.memory))
    problems.add(
      'gcp.memory',
      `"${gcp.memory}" is not a memory limit`,
      'use a size such as `"512Mi"` or `"4Gi"`',
    );
  return {
    cpu: gcp.cpu ?? facts.gcp?.cpu ?? '4',
    memory: gcp.memory ?? facts.gcp?.memory ?? '16Gi',
    gpuType: facts.gcp?.gpuType,
    deletionProtection: gcp.deletionProtection ?? stageDefaults.deletionProtection,
    ingress: gcp.ingress ?? 'all',
    rollout: cloudDeploy ? 'cloud-deploy' : 'pulumi',
    cloudDeploy,
  };
}

function resolveDockerSettings(
  { args, problems }: Inputs,
  facts: SizeFacts,
  port: number,
): ResolvedModelEndpoint['docker'] {
  checkInteger(problems, 'docker.hostPort', args.docker?.hostPort, 1, 65535);
  return {
    hostPort: args.docker?.hostPort ?? ENDPOINT_DEFAULTS.dockerHostPort,
    healthCheck: args.docker?.healthCheck ?? [
      'CMD-SHELL',
      `curl -fsS http://localhost:${port}/ping || exit 1`,
    ],
    cpus: facts.docker.cpus,
    memoryMb: facts.docker.memoryMb,
    gpus: facts.gpus,
  };
}
