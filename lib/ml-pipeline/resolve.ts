import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type * as pulumi from '@pulumi/pulumi';
import { buildContextProblem, contextTag } from '../blocks/build-context';
import type { ImageBuild } from '../blocks/pulumi-image-build';
import {
  GCS_BUCKET_NAME_RULE,
  S3_BUCKET_NAME_RULE,
  gcsBucketNameProblem,
  s3BucketNameProblem,
} from '../blocks/bucket-names';
import { defaultPhysicalName, acceptArguments, type ResolveContext } from '../core/deployment';
import { NAME_RULES, nameProblem, type NameRule } from '../core/naming';
import { standardTags, type Platform, type PlatformArgs } from '../core/platform';
import { sagemakerInstanceTypeProblem } from '../core/sagemaker-instance-types';
import { checkSageMakerEntrypoint, checkSageMakerMap, SAGEMAKER_LIMITS } from '../core/sagemaker-limits';
import { SIZE_FACTS, type ComputeSize, type SizeFacts } from '../core/sizes';
import { resolveInputs, type ConstructFacts, type ResolveInputs } from '../core/resolve-inputs';
import { checkInteger, knownString, ProblemList } from '../core/validation';
import type {
  EvaluationArgs,
  MlPipelineArgs,
  QualityComparison,
  QualityGateArgs,
  TrainingArgs,
} from './args';
import { PIPELINE_DEFAULTS, PIPELINE_STAGE_DEFAULTS, type PipelineStageDefaults } from './defaults';
import { ML_PIPELINE_SHAPE, QUALITY_COMPARISONS } from './shape';
import {
  awsScheduleExpression,
  ofeliaSchedule,
  parseSchedule,
  scheduleIntervalMinutes,
  unixCron,
  type ParsedSchedule,
} from './schedule';

export const CONSTRUCT = 'MlPipeline';

export { QUALITY_COMPARISONS };

/** Everything a renderer needs, with every default applied. Plain data: renderers decide nothing. */
export interface ResolvedMlPipeline {
  readonly constructName: string;
  readonly platform: Platform;
  readonly tags: Readonly<Record<string, string>>;
  readonly pipelineName: string;
  /** Container registry name: the pipeline name, lowercased. */
  readonly repositoryName: string;
  readonly training: {
    /** Undefined when the image is built: see `build` and `pipelineImages`. */
    readonly image?: pulumi.Input<string>;
    /** The build of the training image, with its content tag. */
    readonly build?: ImageBuild;
    readonly command?: readonly string[];
    readonly hyperparameters: Readonly<Record<string, string>>;
    readonly environment: Readonly<Record<string, string>>;
    readonly size: ComputeSize;
    readonly instanceCount: number;
    readonly spot: boolean;
    readonly maxRuntimeSeconds: number;
    /** Set only with spot. */
    readonly maxWaitSeconds?: number;
  };
  readonly data: {
    /** The user's bucket; undefined when the construct makes one. */
    readonly existingBucketName?: string;
    readonly prefix: string;
  };
  readonly evaluation: {
    /** Undefined: the training image. */
    readonly image?: pulumi.Input<string>;
    readonly command: readonly string[];
    readonly metricsFile: string;
    readonly size: ComputeSize;
  };
  readonly qualityGate: {
    readonly metric: string;
    readonly comparison: QualityComparison;
    readonly threshold?: number;
    readonly mustBeatApproved: boolean;
  };
  readonly registry: {
    readonly modelGroupName: string;
    readonly requireApproval: boolean;
    /** Undefined: the training image. */
    readonly servingImage?: pulumi.Input<string>;
  };
  /** Undefined when retraining is on demand only. */
  readonly schedule?: ParsedSchedule;
  readonly retentionDays: number;
  readonly aws: {
    readonly trainingInstanceType: string;
    readonly evaluationInstanceType: string;
    readonly volumeSizeGb: number;
    readonly networkIsolation: boolean;
    /** Whether every run computes and registers a Model Monitor data-quality baseline (QualityCheck step). */
    readonly driftBaseline: boolean;
    /** EventBridge Scheduler expression; undefined without a schedule. */
    readonly scheduleExpression?: string;
  };
  readonly gcp: {
    readonly training: { readonly cpu: string; readonly memory: string; readonly gpuType?: string };
    readonly evaluation: { readonly cpu: string; readonly memory: string };
    /** Cloud Scheduler cron; undefined without a schedule. */
    readonly cron?: string;
    /** Bucket names: global, so suffixed with a hash of the project. */
    readonly dataBucketName: string;
    readonly artifactBucketName: string;
  };
  readonly docker: {
    readonly registryPort: number;
    /** Ofelia schedule; undefined without a schedule. */
    readonly schedule?: string;
    readonly cpus: number;
    readonly memoryMb: number;
    readonly gpus: number;
  };
}

const PIPELINE_NAME_RULES: Record<Platform['cloud'], NameRule> = {
  aws: NAME_RULES.sagemaker,
  // Cloud Run job names (`<pipeline>-train`) and the Artifact Registry repository derive from it.
  gcp: NAME_RULES.cloudRunService,
  docker: NAME_RULES.docker,
};
const MODEL_GROUP_RULES: Record<Platform['cloud'], NameRule> = {
  aws: NAME_RULES.sagemaker,
  gcp: {
    pattern: /^[^\s].*$/,
    maxLength: 128,
    description: 'use at most 128 characters, not starting with a space',
  },
  docker: NAME_RULES.docker,
};
const METRIC = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FILE_NAME = /^[A-Za-z0-9_.-]+\.json$/;
const PREFIX = /^([A-Za-z0-9!_.*'()-]+\/)+$/;

/** What every group check below reads: the shape-checked arguments, the platform and its stage defaults. */
type Inputs = ResolveInputs<MlPipelineArgs, PipelineStageDefaults>;

const PIPELINE_FACTS: ConstructFacts<MlPipelineArgs, PipelineStageDefaults> = {
  type: CONSTRUCT,
  shape: ML_PIPELINE_SHAPE,
  stageDefaults: PIPELINE_STAGE_DEFAULTS,
  minimalArgs: '{ training, evaluation, qualityGate }',
};

type Resolved<K extends keyof ResolvedMlPipeline> = ResolvedMlPipeline[K];

/**
 * Validates the arguments of an MlPipeline and applies the stage defaults. Shapes are checked first (wrong
 * types, `null`, `NaN`, unknown keys), then each arg group's values. Every problem is collected and thrown
 * together as one `ValidationError`, before the construct registers anything. `context` says which stack
 * the pipeline deploys in and which host ports the program already binds.
 */
export function resolveMlPipeline(
  name: string,
  rawArgs: MlPipelineArgs,
  platformArgs: PlatformArgs | undefined,
  context: ResolveContext = {},
): ResolvedMlPipeline {
  const inputs: Inputs = resolveInputs(PIPELINE_FACTS, name, rawArgs, platformArgs, context);
  const { platform, problems } = inputs;

  const pipelineName = resolvePipelineName(inputs, context);
  const training = resolveTraining(inputs);
  const data = resolveData(inputs);
  const gcpBuckets = resolveBucketNames(inputs, pipelineName);
  const evaluation = resolveEvaluation(inputs, training);
  const qualityGate = resolveQualityGate(inputs);
  const registry = resolveRegistry(inputs, pipelineName, training.image);
  const { schedule, retentionDays, scheduleExpression, cron } = resolveSchedule(inputs);
  const aws = resolveAwsSettings(inputs, training.facts, evaluation.facts, scheduleExpression);
  const gcp = resolveGcpSettings(inputs, training.facts, evaluation.facts);
  const docker = resolveDockerSettings(inputs, training.facts, schedule);
  acceptArguments(problems, context, platform, {
    port: docker.registryPort,
    path: 'docker.registryPort',
    owner: `${CONSTRUCT} "${name}"`,
  });

  return {
    constructName: name,
    platform,
    tags: standardTags(platform, CONSTRUCT),
    pipelineName,
    repositoryName: pipelineName.toLowerCase(),
    training: training.spec,
    data,
    evaluation: evaluation.spec,
    qualityGate,
    registry,
    schedule,
    retentionDays,
    aws,
    gcp: { ...gcp, cron, ...gcpBuckets },
    docker,
  };
}

function resolvePipelineName({ name, args, platform, problems }: Inputs, context: ResolveContext): string {
  const pipelineName = args.pipelineName ?? defaultPhysicalName(name, platform.stage, context.stack);
  const rule = PIPELINE_NAME_RULES[platform.cloud];
  const problem = nameProblem(pipelineName, rule);
  if (problem)
    problems.add(
      'pipelineName',
      `${args.pipelineName ? '' : 'the default name '}${problem} for a pipeline on ${platform.cloud}`,
      args.pipelineName
        ? rule.description
        : `rename the construct, or set \`pipelineName\` (${rule.description})`,
    );
  return pipelineName;
}

interface Training {
  readonly spec: Resolved<'training'>;
  readonly image?: Resolved<'training'>['image'];
  readonly facts: SizeFacts;
}

function resolveTraining(inputs: Inputs): Training {
  const { args, platform, stageDefaults, problems } = inputs;
  const { cloud } = platform;
  const training = args.training ?? {};
  if (args.training && !training.image && !training.build)
    problems.add(
      'training.image',
      'is required',
      'give the training image, preferably by digest, or `training.build`',
    );
  else if (training.image && training.build)
    problems.add(
      'training.build',
      'cannot be given with training.image',
      'give either the image or the build',
    );
  const build = training.build && !training.image ? resolveBuild(training.build, problems) : undefined;

  const size = training.size ?? stageDefaults.trainingSize;
  const facts = SIZE_FACTS[size];
  checkInteger(problems, 'training.instanceCount', training.instanceCount, 1, 20);
  const instanceCount = training.instanceCount ?? PIPELINE_DEFAULTS.instanceCount;
  if (cloud !== 'aws' && instanceCount > 1)
    problems.add(
      'training.instanceCount',
      `${cloud} runs training in a single container, not ${instanceCount}`,
      'use 1, or train on aws for distributed training',
    );
  if (cloud === 'gcp' && !facts.gcp)
    problems.add(
      'training.size',
      `${size} has no Cloud Run job equivalent (at most one GPU per instance)`,
      'use `gpu-small`, or train on aws',
    );
  const { spot, maxRuntimeMinutes, maxWaitMinutes } = resolveRunTime(inputs);
  checkEnvironment(problems, 'training.environment', training.environment);
  if (cloud === 'aws') checkSageMakerSizes(training, problems);
  return {
    image: training.image,
    facts,
    spec: {
      image: training.image,
      build,
      command: training.command,
      hyperparameters: training.hyperparameters ?? {},
      environment: training.environment ?? {},
      size,
      instanceCount,
      spot,
      maxRuntimeSeconds: maxRuntimeMinutes * 60,
      maxWaitSeconds: spot ? maxWaitMinutes * 60 : undefined,
    },
  };
}

function resolveBuild(
  given: NonNullable<NonNullable<MlPipelineArgs['training']>['build']>,
  problems: ProblemList,
): Resolved<'training'>['build'] {
  if (given.context === undefined) return undefined;
  const context = path.resolve(given.context);
  const dockerfile = path.resolve(context, given.dockerfile ?? 'Dockerfile');
  const problem = buildContextProblem(context, dockerfile);
  if (problem) {
    problems.add(
      'training.build',
      problem,
      'point `context` at the folder holding the Dockerfile (relative to where pulumi runs)',
    );
    return undefined;
  }
  const buildArgs = given.buildArgs ?? {};
  return {
    contextPath: given.context,
    dockerfilePath: given.dockerfile ?? 'Dockerfile',
    tag: contextTag(context, dockerfile, { target: given.target, buildArgs }),
    target: given.target,
    buildArgs,
  };
}

/** Spot capacity and how long a run may take. */
function resolveRunTime({ args, platform, stageDefaults, problems }: Inputs) {
  const { cloud } = platform;
  const training = args.training ?? {};
  const spot = training.spot ?? (cloud === 'aws' && stageDefaults.spot);
  if (training.spot === true && cloud !== 'aws')
    problems.add(
      'training.spot',
      cloud === 'gcp'
        ? 'Cloud Run jobs have no spot capacity'
        : 'docker runs on your own machine, which has no spot capacity',
      'remove `training.spot`, or train on aws (SageMaker managed spot training)',
    );
  checkInteger(problems, 'training.maxRuntimeMinutes', training.maxRuntimeMinutes, 1, 40320);
  checkInteger(problems, 'training.maxWaitMinutes', training.maxWaitMinutes, 1, 40320);
  const maxRuntimeMinutes = training.maxRuntimeMinutes ?? PIPELINE_DEFAULTS.maxRuntimeMinutes;
  const maxWaitMinutes =
    training.maxWaitMinutes ?? Math.min(40320, maxRuntimeMinutes * PIPELINE_DEFAULTS.spotWaitFactor);
  if (training.maxWaitMinutes !== undefined && !spot)
    problems.add(
      'training.maxWaitMinutes',
      'applies only to spot training',
      'remove it, or set `training.spot: true`',
    );
  if (spot && maxWaitMinutes < maxRuntimeMinutes)
    problems.add(
      'training.maxWaitMinutes',
      `${maxWaitMinutes} is less than maxRuntimeMinutes (${maxRuntimeMinutes})`,
      'make it at least maxRuntimeMinutes: it includes the run time',
    );
  if (cloud === 'gcp' && maxRuntimeMinutes > 10080)
    problems.add(
      'training.maxRuntimeMinutes',
      `${maxRuntimeMinutes} minutes is longer than a Cloud Run job task may run (7 days)`,
      'use at most 10080 minutes, or train on aws',
    );
  return { spot, maxRuntimeMinutes, maxWaitMinutes };
}

/** What SageMaker's API refuses in a training job's command, environment and hyperparameters. */
function checkSageMakerSizes(training: Partial<TrainingArgs>, problems: ProblemList): void {
  if (training.command) checkSageMakerEntrypoint(problems, 'training.command', training.command);
  checkSageMakerMap(
    problems,
    'training.environment',
    training.environment ?? {},
    SAGEMAKER_LIMITS.trainingEnvironment,
  );
  checkSageMakerMap(
    problems,
    'training.hyperparameters',
    training.hyperparameters ?? {},
    SAGEMAKER_LIMITS.hyperparameters,
  );
}

function checkEnvironment(
  problems: ProblemList,
  path: string,
  env: Record<string, string> | undefined,
): void {
  for (const key of Object.keys(env ?? {})) {
    if (!ENV_NAME.test(key))
      problems.add(
        `${path}.${key}`,
        'is not a valid environment variable name',
        'use letters, digits and `_`, not starting with a digit',
      );
    if (key.startsWith('MLOPS_') || key.startsWith('SM_'))
      problems.add(
        `${path}.${key}`,
        'is reserved: the construct or SageMaker sets it',
        'rename the variable',
      );
  }
}

function resolveData({ args, platform, problems }: Inputs): Resolved<'data'> {
  const prefix = args.data?.prefix ?? PIPELINE_DEFAULTS.dataPrefix;
  if (!PREFIX.test(prefix))
    problems.add(
      'data.prefix',
      `"${prefix}" is not a key prefix`,
      'use path segments ending in `/`, such as `training/`',
    );
  const existingBucketName = platform.cloud === 'docker' ? undefined : args.data?.bucketName;
  const known = knownString(existingBucketName);
  if (known !== undefined) {
    const problem = platform.cloud === 'aws' ? s3BucketNameProblem(known) : gcsBucketNameProblem(known);
    if (problem)
      problems.add(
        'data.bucketName',
        problem,
        platform.cloud === 'aws' ? S3_BUCKET_NAME_RULE : GCS_BUCKET_NAME_RULE,
      );
  }
  return { existingBucketName, prefix };
}

/** Buckets the construct names must be names the cloud accepts. */
function resolveBucketNames({ name, platform, problems }: Inputs, pipelineName: string) {
  const buckets = gcpBucketNames(pipelineName, platform.project);
  if (platform.cloud === 'gcp' && !nameProblem(pipelineName, PIPELINE_NAME_RULES.gcp)) {
    const problem = gcsBucketNameProblem(buckets.artifactBucketName);
    if (problem)
      problems.add(
        'pipelineName',
        `${problem} (the artifact bucket is named after the pipeline)`,
        GCS_BUCKET_NAME_RULE,
      );
  }
  if (platform.cloud === 'aws') {
    // S3 buckets are auto-named `<construct name>-<role>-<7 characters>`; the longest role is `access-logs`,
    // or `replica-access-logs` when the buckets replicate to platform.replicaRegion.
    const longest = platform.replicaRegion ? 'replica-access-logs' : 'access-logs';
    const problem = s3BucketNameProblem(`${name}-${longest}-0000000`);
    if (problem)
      problems.add(
        'name',
        `${problem} (buckets are auto-named after the construct)`,
        `give the construct a name that S3 accepts in bucket names: ${S3_BUCKET_NAME_RULE}, at most ${63 - longest.length - 9} characters`,
      );
  }
  return buckets;
}

function resolveEvaluation(
  { args, platform, problems }: Inputs,
  training: Training,
): { spec: Resolved<'evaluation'>; facts: SizeFacts } {
  const evaluation: Partial<EvaluationArgs> = args.evaluation ?? {};
  if (evaluation.command !== undefined && evaluation.command.length === 0)
    problems.add('evaluation.command', 'is empty', 'give the command that writes the metrics file');
  else if (evaluation.command !== undefined && platform.cloud === 'aws')
    checkSageMakerEntrypoint(problems, 'evaluation.command', evaluation.command);
  const metricsFile = evaluation.metricsFile ?? PIPELINE_DEFAULTS.metricsFile;
  if (!FILE_NAME.test(metricsFile))
    problems.add(
      'evaluation.metricsFile',
      `"${metricsFile}" is not a JSON file name`,
      'use a plain file name ending in `.json`',
    );
  const size = evaluation.size ?? PIPELINE_DEFAULTS.evaluationSize;
  const facts = SIZE_FACTS[size];
  if (platform.cloud === 'gcp' && !facts.gcp)
    problems.add(
      'evaluation.size',
      `${size} has no Cloud Run job equivalent`,
      'use a CPU size or `gpu-small`',
    );
  return {
    facts,
    spec: { image: evaluation.image ?? training.image, command: evaluation.command ?? [], metricsFile, size },
  };
}

function resolveQualityGate({ args, raw, problems }: Inputs): Resolved<'qualityGate'> {
  const gate: Partial<QualityGateArgs> = args.qualityGate ?? {};
  if (gate.metric !== undefined && !METRIC.test(gate.metric))
    problems.add(
      'qualityGate.metric',
      `"${gate.metric}" is not a metric key`,
      'use letters, digits, `_` and `-` (no dots: they separate the JSON path)',
    );
  const mustBeatApproved = gate.mustBeatApproved ?? false;
  // A threshold or mustBeatApproved of the wrong shape is reported already: it was meant as the bar.
  const given = (raw.qualityGate ?? {}) as Record<string, unknown>;
  const barGiven = given.threshold !== undefined || given.mustBeatApproved !== undefined;
  if (gate.metric !== undefined && gate.threshold === undefined && !mustBeatApproved && !barGiven)
    problems.add(
      'qualityGate',
      'has a metric but no bar: neither `threshold` nor `mustBeatApproved`',
      'give a threshold, or set `mustBeatApproved: true`',
    );
  return {
    metric: gate.metric!,
    comparison: gate.comparison ?? PIPELINE_DEFAULTS.comparison,
    threshold: gate.threshold,
    mustBeatApproved,
  };
}

function resolveRegistry(
  { args, platform, stageDefaults, problems }: Inputs,
  pipelineName: string,
  trainingImage: Training['image'],
): Resolved<'registry'> {
  const registry = args.registry ?? {};
  const modelGroupName = registry.modelGroupName ?? pipelineName;
  if (registry.modelGroupName !== undefined) {
    const rule = MODEL_GROUP_RULES[platform.cloud];
    const problem = nameProblem(modelGroupName, rule);
    if (problem)
      problems.add(
        'registry.modelGroupName',
        `${problem} for a ${platform.cloud} model group`,
        rule.description,
      );
  }
  return {
    modelGroupName,
    requireApproval: registry.requireApproval ?? stageDefaults.requireApproval,
    servingImage: registry.servingImage ?? trainingImage,
  };
}

/** The retraining schedule in each scheduler's dialect, and a retention that outlives its interval. */
function resolveSchedule({ args, platform, stageDefaults, problems }: Inputs) {
  const text = args.schedule ?? stageDefaults.schedule;
  let schedule: ParsedSchedule | undefined;
  if (text !== 'none') {
    const parsed = parseSchedule(text);
    if ('problem' in parsed)
      problems.add(
        'schedule',
        parsed.problem,
        'use `rate(<n> minutes|hours|days)`, `cron(<minute> <hour> <day> <month> <weekday>)` or `none`',
      );
    else schedule = parsed;
  }
  const retentionDays = args.retentionDays ?? stageDefaults.retentionDays;
  checkInteger(problems, 'retentionDays', args.retentionDays, 1, 3650);
  if (!schedule) return { schedule, retentionDays, scheduleExpression: undefined, cron: undefined };
  const scheduleExpression = awsScheduleExpression(schedule);
  const cron = unixCron(schedule);
  const intervalMinutes = scheduleIntervalMinutes(schedule);
  if (retentionDays * 1440 < intervalMinutes)
    problems.add(
      'retentionDays',
      `${retentionDays} days is shorter than the schedule's interval (up to ${Math.ceil(intervalMinutes / 1440)} days): the previous run's artifacts would expire before the next run`,
      `keep artifacts at least ${Math.ceil(intervalMinutes / 1440)} days, or retrain more often`,
    );
  if (platform.cloud === 'aws' && !scheduleExpression)
    problems.add(
      'schedule',
      `"${text}" sets both day of month and day of week, which EventBridge Scheduler cannot combine`,
      'set one of them to `*`',
    );
  if (platform.cloud === 'gcp' && !cron)
    problems.add(
      'schedule',
      `Cloud Scheduler has no rate, and "${text}" is not an even division of an hour, a day or a week`,
      'use a cron expression instead',
    );
  return {
    schedule,
    retentionDays,
    scheduleExpression,
    cron,
  };
}

function resolveAwsSettings(
  { args, platform, problems }: Inputs,
  trainingFacts: SizeFacts,
  evaluationFacts: SizeFacts,
  scheduleExpression: string | undefined,
): Resolved<'aws'> {
  const aws = args.aws ?? {};
  if (platform.cloud === 'aws')
    for (const [path, use, value] of [
      ['aws.trainingInstanceType', 'training', aws.trainingInstanceType],
      ['aws.evaluationInstanceType', 'processing', aws.evaluationInstanceType],
    ] as const) {
      const problem = value === undefined ? undefined : sagemakerInstanceTypeProblem(use, value);
      if (problem) problems.add(path, problem.message, problem.fix);
    }
  checkInteger(problems, 'aws.volumeSizeGb', aws.volumeSizeGb, 1, 16384);
  return {
    trainingInstanceType: aws.trainingInstanceType ?? trainingFacts.aws.trainingInstance,
    evaluationInstanceType: aws.evaluationInstanceType ?? evaluationFacts.aws.trainingInstance,
    volumeSizeGb: aws.volumeSizeGb ?? PIPELINE_DEFAULTS.volumeSizeGb,
    networkIsolation: aws.networkIsolation ?? true,
    driftBaseline: aws.driftBaseline ?? true,
    scheduleExpression,
  };
}

function resolveGcpSettings(
  { args, problems }: Inputs,
  trainingFacts: SizeFacts,
  evaluationFacts: SizeFacts,
) {
  const gcp = args.gcp ?? {};
  if (gcp.cpu !== undefined && !/^\d+$/.test(gcp.cpu))
    problems.add('gcp.cpu', `"${gcp.cpu}" is not a CPU count`, 'use a count such as `"4"`');
  if (gcp.memory !== undefined && !/^\d+(Mi|Gi)$/.test(gcp.memory))
    problems.add('gcp.memory', `"${gcp.memory}" is not a memory limit`, 'use a size such as `"16Gi"`');
  return {
    training: {
      cpu: gcp.cpu ?? trainingFacts.gcp?.cpu ?? '4',
      memory: gcp.memory ?? trainingFacts.gcp?.memory ?? '16Gi',
      gpuType: trainingFacts.gcp?.gpuType,
    },
    evaluation: { cpu: evaluationFacts.gcp?.cpu ?? '2', memory: evaluationFacts.gcp?.memory ?? '8Gi' },
  };
}

function resolveDockerSettings(
  { args, problems }: Inputs,
  trainingFacts: SizeFacts,
  schedule: ParsedSchedule | undefined,
): Resolved<'docker'> {
  checkInteger(problems, 'docker.registryPort', args.docker?.registryPort, 1, 65535);
  return {
    registryPort: args.docker?.registryPort ?? PIPELINE_DEFAULTS.dockerRegistryPort,
    schedule: schedule ? ofeliaSchedule(schedule) : undefined,
    cpus: trainingFacts.docker.cpus,
    memoryMb: trainingFacts.docker.memoryMb,
    gpus: trainingFacts.gpus,
  };
}

/** GCS bucket names are global: the pipeline name plus a short hash of the project keeps them unique. */
function gcpBucketNames(pipelineName: string, project: string) {
  const suffix = createHash('sha256').update(project).digest('hex').slice(0, 6);
  return {
    dataBucketName: `${pipelineName}-data-${suffix}`,
    artifactBucketName: `${pipelineName}-artifacts-${suffix}`,
  };
}

/**
 * The images each step runs, once the training image is known: the one given, or the one built from
 * `training.build` (its pushed digest). Evaluation and serving default to it.
 */
export function pipelineImages(
  spec: ResolvedMlPipeline,
  built?: pulumi.Input<string>,
): { training: pulumi.Input<string>; evaluation: pulumi.Input<string>; serving: pulumi.Input<string> } {
  const training = spec.training.image ?? built;
  if (training === undefined)
    throw new Error(`MlPipeline "${spec.constructName}": the training image was neither given nor built`);
  return {
    training,
    evaluation: spec.evaluation.image ?? training,
    serving: spec.registry.servingImage ?? training,
  };
}
