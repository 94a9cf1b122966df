import type * as pulumi from '@pulumi/pulumi';
import { NAME_RULES, nameProblem, type NameRule } from '../core/naming';
import { resolvePlatform, standardTags, type Platform, type PlatformArgs } from '../core/platform';
import { COMPUTE_SIZES, SIZE_FACTS, isAcceleratedInstance, type ComputeSize } from '../core/sizes';
import { checkInteger, checkOneOf, isKnown, knownString, ProblemList } from '../core/validation';
import type { ModelEndpointArgs, RolloutStrategy } from './args';
import { ENDPOINT_DEFAULTS, ENDPOINT_STAGE_DEFAULTS } from './defaults';

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

/** Everything a renderer needs, with every default applied. Plain data: renderers decide nothing. */
export interface ResolvedModelEndpoint {
  readonly constructName: string;
  readonly platform: Platform;
  readonly tags: Readonly<Record<string, string>>;
  readonly endpointName: string;
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
  };
  readonly docker: {
    readonly hostPort: number;
    readonly healthCheck: readonly string[];
    readonly cpus: number;
    readonly memoryMb: number;
    readonly gpus: number;
  };
}

const ENDPOINT_NAME_RULES: Record<Platform['cloud'], NameRule> = {
  aws: NAME_RULES.sagemaker,
  gcp: NAME_RULES.cloudRunService,
  docker: NAME_RULES.docker,
};
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const AWS_ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const GCP_MEMBER = /^(user|serviceAccount|group|domain|principal|principalSet):.+$/;

/**
 * Validates the arguments of a ModelEndpoint and applies the stage defaults. Every problem is collected and
 * thrown together as one `ValidationError`, before the construct registers anything.
 */
export function resolveModelEndpoint(
  name: string,
  args: ModelEndpointArgs,
  platformArgs: PlatformArgs | undefined,
): ResolvedModelEndpoint {
  const problems = new ProblemList(CONSTRUCT, name);
  if (!args || typeof args !== 'object') {
    problems.add('args', 'no arguments were given', 'pass at least `{ version, image }`');
    problems.throwIfAny();
  }
  const platform = resolvePlatform(platformArgs, problems);
  const { cloud, stage } = platform;
  const stageDefaults = ENDPOINT_STAGE_DEFAULTS[stage];

  const endpointName = args.endpointName ?? `${name}-${stage}`;
  const endpointNameProblem = nameProblem(endpointName, ENDPOINT_NAME_RULES[cloud]);
  if (endpointNameProblem) {
    problems.add(
      'endpointName',
      `${args.endpointName ? '' : 'the default name '}${endpointNameProblem} for an endpoint on ${cloud}`,
      args.endpointName
        ? ENDPOINT_NAME_RULES[cloud].description
        : `rename the construct, or set \`endpointName\` (${ENDPOINT_NAME_RULES[cloud].description})`,
    );
  }
  checkVersion(problems, 'version', args.version);

  const modelPackageArn = args.aws?.modelPackageArn;
  if (cloud === 'aws' && modelPackageArn !== undefined) {
    if (!args.modelAccess) {
      problems.add(
        'modelAccess',
        "is required with aws.modelPackageArn: the endpoint's role must read the package's artifacts and decrypt them",
        "give `modelAccess: { bucketName, prefix, kmsKeyId }` of the bucket the versions live in (an MlPipeline's `artifactBucketName`, `models/` and its key)",
      );
    }
    if (args.image !== undefined || args.modelDataUrl !== undefined) {
      problems.add(
        'aws.modelPackageArn',
        'a model package carries its own image and artifact, so `image` and `modelDataUrl` must not be given too',
        'give either `aws.modelPackageArn` or `image` (+ `modelDataUrl`)',
      );
    }
  } else if (!args.image) {
    problems.add('image', 'is required', 'give the serving image, preferably by digest (`repo@sha256:...`)');
  }

  const size = args.size ?? stageDefaults.size;
  const sizeOk = checkOneOf(problems, 'size', size, COMPUTE_SIZES);
  const facts = SIZE_FACTS[sizeOk ? size : 'cpu-small'];
  const instanceType = args.aws?.instanceType ?? facts.aws.servingInstance;
  if (args.aws?.instanceType !== undefined && !/^ml\.[a-z0-9]+\.[a-z0-9]+$/.test(args.aws.instanceType)) {
    problems.add(
      'aws.instanceType',
      `"${args.aws.instanceType}" is not a SageMaker instance type`,
      'use a type such as `ml.m5.xlarge`',
    );
  }
  const gpu = cloud === 'aws' ? isAcceleratedInstance(instanceType) : facts.gpus > 0;
  if (cloud === 'gcp' && sizeOk && !facts.gcp) {
    problems.add(
      'size',
      `${size} has no Cloud Run equivalent (Cloud Run runs at most one GPU per instance)`,
      'use `gpu-small`, or deploy this endpoint on aws',
    );
  }

  const serverless = args.serverless ?? stageDefaults.serverless;
  const capturePercent =
    args.capturePercent ?? (serverless && cloud === 'aws' ? 0 : stageDefaults.capturePercent);
  checkInteger(problems, 'capturePercent', args.capturePercent, 0, 100);

  const provisionedFloor = cloud === 'aws' && !serverless ? 1 : 0;
  const minInstances = args.minInstances ?? Math.max(stageDefaults.minInstances, provisionedFloor);
  const maxInstances = args.maxInstances ?? Math.max(stageDefaults.maxInstances, minInstances);
  checkInteger(problems, 'minInstances', args.minInstances, 0, 1000);
  checkInteger(problems, 'maxInstances', args.maxInstances, 1, 1000);
  if (minInstances > maxInstances) {
    problems.add(
      'minInstances',
      `${minInstances} is more than maxInstances (${maxInstances})`,
      'make minInstances at most maxInstances',
    );
  }
  if (provisionedFloor === 1 && args.minInstances === 0) {
    problems.add(
      'minInstances',
      'a provisioned SageMaker endpoint cannot scale to zero instances',
      'use at least 1, or `serverless: true` to pay per request',
    );
  }
  const targetConcurrency = args.targetConcurrency ?? ENDPOINT_DEFAULTS.targetConcurrency;
  checkInteger(problems, 'targetConcurrency', args.targetConcurrency, 1, 1000);

  const rollout = resolveRollout(args, stageDefaults, problems);
  if (
    cloud === 'aws' &&
    rollout.autoRollback &&
    rollout.strategy !== 'all-at-once' &&
    rollout.bakeMinutes < 3
  ) {
    problems.add(
      'rollout.bakeMinutes',
      `${rollout.bakeMinutes} minutes is too short for the rollback alarms, which need about 3 minutes of metrics to fire`,
      'bake at least 3 minutes per step, or set `rollout.autoRollback: false`',
    );
  }
  if (cloud === 'aws') checkAwsRolloutTime(rollout, problems);

  const challengers = args.challengers ?? [];
  const challengerShare = checkChallengers(args, cloud, problems);
  const models: ServedModel[] = [
    {
      variant: 'primary',
      image: args.image,
      modelDataUrl: args.modelDataUrl,
      trafficPercent: 100 - challengerShare,
    },
    ...challengers.map((c) => ({
      variant: c.name,
      image: c.image,
      modelDataUrl: c.modelDataUrl,
      trafficPercent: c.trafficPercent,
    })),
  ];

  let stableRelease: ResolvedModelEndpoint['stableRelease'];
  if (args.stableRelease && cloud !== 'aws') {
    const stable = args.stableRelease;
    checkVersion(problems, 'stableRelease.version', stable.version);
    if (stable.version === args.version) {
      problems.add(
        'stableRelease.version',
        `is the same as version (${args.version})`,
        'remove `stableRelease` once the rollout is complete',
      );
    }
    if (cloud === 'docker' && !stable.image) {
      problems.add(
        'stableRelease.image',
        'is required on docker (the stable container runs beside the new one)',
        'give the image the stable release serves',
      );
    }
    if (rollout.strategy === 'all-at-once') {
      problems.add(
        'stableRelease',
        'an all-at-once rollout sends all traffic to the new release, so there is nothing to split',
        'use `rollout.strategy: canary` or `linear`, or remove `stableRelease`',
      );
    }
    if (challengers.length > 0) {
      problems.add(
        'stableRelease',
        'a stepwise rollout and A/B challengers cannot run at the same time',
        'finish the rollout first, then add challengers',
      );
    }
    const newShare = rollout.strategy === 'linear' ? rollout.linearStepPercent : rollout.canaryPercent;
    stableRelease = { ...stable, trafficPercent: 100 - newShare };
  }

  if (cloud === 'aws' && serverless) {
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
    if (capturePercent > 0)
      problems.add(
        'capturePercent',
        'SageMaker Serverless Inference has no data capture',
        'set `capturePercent: 0`, or `serverless: false`',
      );
    if (challengers.length > 0)
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
  if (cloud === 'gcp' && serverless && args.minInstances !== undefined && args.minInstances > 0) {
    problems.add(
      'minInstances',
      `serverless on gcp scales to zero, but minInstances is ${args.minInstances}`,
      'remove minInstances, or use `serverless: false`',
    );
  }

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

  const port = args.port ?? ENDPOINT_DEFAULTS.port;
  checkInteger(problems, 'port', args.port, 1, 65535);
  if (cloud === 'aws' && port !== 8080)
    problems.add(
      'port',
      `SageMaker sends requests to port 8080, not ${port}`,
      'make the container listen on 8080 and remove `port`',
    );

  const invokers = args.invokers ?? [];
  invokers.forEach((member, i) => checkInvoker(cloud, member, `invokers[${i}]`, problems));

  const access = args.modelAccess;
  if (access) {
    if (!access.bucketName)
      problems.add('modelAccess.bucketName', 'is required', 'name the bucket holding the model artifacts');
    if (access.prefix !== undefined && (access.prefix.startsWith('/') || !access.prefix.endsWith('/'))) {
      problems.add(
        'modelAccess.prefix',
        `"${access.prefix}" is not a key prefix`,
        'use a prefix such as `models/` (no leading `/`, ending in `/`)',
      );
    }
  }

  checkInteger(problems, 'aws.serverlessMaxConcurrency', args.aws?.serverlessMaxConcurrency, 1, 200);
  if (args.gcp?.cpu !== undefined && !/^(\d+|\d+m)$/.test(args.gcp.cpu))
    problems.add(
      'gcp.cpu',
      `"${args.gcp.cpu}" is not a CPU limit`,
      'use a count such as `"2"` or millicores such as `"1000m"`',
    );
  if (args.gcp?.memory !== undefined && !/^\d+(Mi|Gi)$/.test(args.gcp.memory))
    problems.add(
      'gcp.memory',
      `"${args.gcp.memory}" is not a memory limit`,
      'use a size such as `"512Mi"` or `"4Gi"`',
    );
  checkOneOf(problems, 'gcp.ingress', args.gcp?.ingress, ['all', 'internal'] as const);
  checkInteger(problems, 'docker.hostPort', args.docker?.hostPort, 1, 65535);

  problems.throwIfAny();

  return {
    constructName: name,
    platform,
    tags: standardTags(platform, CONSTRUCT),
    endpointName,
    version: args.version,
    models,
    size,
    minInstances,
    maxInstances,
    targetConcurrency,
    rollout,
    stableRelease,
    serverless,
    capturePercent,
    environment,
    port,
    invokers,
    modelAccess: access && {
      bucketName: access.bucketName,
      prefix: access.prefix ?? '',
      kmsKeyId: access.kmsKeyId,
    },
    aws: {
      modelPackageArn,
      instanceType,
      serverlessMemoryMb: facts.aws.serverlessMemoryMb,
      serverlessMaxConcurrency:
        args.aws?.serverlessMaxConcurrency ?? ENDPOINT_DEFAULTS.serverlessMaxConcurrency,
      // Serverless endpoints refuse network isolation.
      networkIsolation: serverless ? false : (args.aws?.networkIsolation ?? true),
    },
    gcp: {
      cpu: args.gcp?.cpu ?? facts.gcp?.cpu ?? '4',
      memory: args.gcp?.memory ?? facts.gcp?.memory ?? '16Gi',
      gpuType: facts.gcp?.gpuType,
      deletionProtection: args.gcp?.deletionProtection ?? stageDefaults.deletionProtection,
      ingress: args.gcp?.ingress ?? 'all',
    },
    docker: {
      hostPort: args.docker?.hostPort ?? ENDPOINT_DEFAULTS.dockerHostPort,
      healthCheck: args.docker?.healthCheck ?? [
        'CMD-SHELL',
        `curl -fsS http://localhost:${port}/ping || exit 1`,
      ],
      cpus: facts.docker.cpus,
      memoryMb: facts.docker.memoryMb,
      gpus: facts.gpus,
    },
  };
}

function checkVersion(problems: ProblemList, path: string, version: unknown): void {
  if (typeof version !== 'string' || version === '') {
    problems.add(path, 'is required', 'give a release label such as `v1`');
    return;
  }
  const problem = nameProblem(version, NAME_RULES.version);
  if (problem) problems.add(path, problem, NAME_RULES.version.description);
}

function resolveRollout(
  args: ModelEndpointArgs,
  stageDefaults: (typeof ENDPOINT_STAGE_DEFAULTS)[keyof typeof ENDPOINT_STAGE_DEFAULTS],
  problems: ProblemList,
): ResolvedRollout {
  const r = args.rollout ?? {};
  checkOneOf(problems, 'rollout.strategy', r.strategy, ['canary', 'linear', 'all-at-once'] as const);
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
  return {
    strategy: r.strategy ?? stageDefaults.strategy,
    canaryPercent: r.canaryPercent ?? ENDPOINT_DEFAULTS.canaryPercent,
    linearStepPercent: r.linearStepPercent ?? ENDPOINT_DEFAULTS.linearStepPercent,
    bakeMinutes: r.bakeMinutes ?? stageDefaults.bakeMinutes,
    autoRollback: r.autoRollback ?? stageDefaults.autoRollback,
    maxLatencyP99Ms: r.maxLatencyP99Ms ?? ENDPOINT_DEFAULTS.maxLatencyP99Ms,
    max5xxPerMinute: r.max5xxPerMinute ?? ENDPOINT_DEFAULTS.max5xxPerMinute,
  };
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

function checkAwsRolloutTime(rollout: ResolvedRollout, problems: ProblemList): void {
  const minutes = rolloutBakeMinutes(rollout);
  if (minutes > ENDPOINT_DEFAULTS.awsMaxRolloutMinutes) {
    problems.add(
      'rollout.bakeMinutes',
      `a ${rollout.strategy} rollout baking ${rollout.bakeMinutes} minutes per step takes ${minutes} minutes, but the AWS provider stops waiting for an endpoint update after about 60 minutes`,
      `keep the whole rollout within ${ENDPOINT_DEFAULTS.awsMaxRolloutMinutes} minutes: fewer steps or shorter bakes`,
    );
  }
}

/** Checks the challengers and returns the share of traffic they take together. */
function checkChallengers(args: ModelEndpointArgs, cloud: Platform['cloud'], problems: ProblemList): number {
  const challengers = args.challengers ?? [];
  if (challengers.length === 0) return 0;
  if (cloud === 'gcp') {
    problems.add(
      'challengers',
      'Cloud Run serves one container template per service, so it cannot run A/B challengers',
      'deploy A/B tests on aws or docker, or run each model as its own ModelEndpoint',
    );
  }
  const seen = new Set<string>();
  let total = 0;
  challengers.forEach((c, i) => {
    const path = `challengers[${i}]`;
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(c.name ?? '') || c.name.length > 20) {
      problems.add(
        `${path}.name`,
        `"${c.name}" is not a valid variant name`,
        'use at most 20 lowercase letters, digits and hyphens',
      );
    }
    if (c.name === 'primary' || seen.has(c.name))
      problems.add(
        `${path}.name`,
        `"${c.name}" is already used`,
        'give each challenger its own name, other than `primary`',
      );
    seen.add(c.name);
    if (!c.image) problems.add(`${path}.image`, 'is required', "give the challenger's serving image");
    checkInteger(problems, `${path}.trafficPercent`, c.trafficPercent, 1, 99);
    if (isKnown(c.trafficPercent)) total += c.trafficPercent ?? 0;
  });
  if (total >= 100)
    problems.add(
      'challengers',
      `the challengers take ${total}% of traffic together, leaving nothing for the primary model`,
      'keep their trafficPercent sum under 100',
    );
  return Math.min(total, 99);
}

function checkInvoker(cloud: Platform['cloud'], member: string, path: string, problems: ProblemList): void {
  const value = knownString(member);
  if (value === undefined) return;
  if (cloud === 'aws' && !AWS_ROLE_NAME.test(value)) {
    problems.add(
      path,
      `"${value}" is not an IAM role name`,
      'give the role name (not its ARN) of a role in this account',
    );
  }
  if (cloud === 'gcp') {
    if (value === 'allUsers' || value === 'allAuthenticatedUsers') {
      problems.add(
        path,
        `${value} would make the model callable by anyone`,
        'name the service accounts or groups that call it; put a gateway with authentication in front for public traffic',
      );
    } else if (!GCP_MEMBER.test(value)) {
      problems.add(
        path,
        `"${value}" is not an IAM member`,
        'use a member such as `serviceAccount:caller@project.iam.gserviceaccount.com`',
      );
    }
  }
}
