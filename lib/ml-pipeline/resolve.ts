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
import { NAME_RULES, nameProblem, type NameRule } from '../core/naming';
import { resolvePlatform, standardTags, type Platform, type PlatformArgs } from '../core/platform';
import { COMPUTE_SIZES, SIZE_FACTS, type ComputeSize } from '../core/sizes';
import { checkInteger, checkOneOf, isKnown, ProblemList } from '../core/validation';
import type { MlPipelineArgs, QualityComparison } from './args';
import { PIPELINE_DEFAULTS, PIPELINE_STAGE_DEFAULTS } from './defaults';
import {
  awsScheduleExpression,
  ofeliaSchedule,
  parseSchedule,
  scheduleIntervalMinutes,
  unixCron,
  type ParsedSchedule,
} from './schedule';

export const CONSTRUCT = 'MlPipeline';

export const QUALITY_COMPARISONS: readonly QualityComparison[] = [
  'greater-than',
  'greater-than-or-equal',
  'less-than',
  'less-than-or-equal',
];

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

/**
 * Validates the arguments of an MlPipeline and applies the stage defaults. Every problem is collected and
 * thrown together as one `ValidationError`, before the construct registers anything.
 */
export function resolveMlPipeline(
  name: string,
  args: MlPipelineArgs,
  platformArgs: PlatformArgs | undefined,
): ResolvedMlPipeline {
  const problems = new ProblemList(CONSTRUCT, name);
  if (!args || typeof args !== 'object') {
    problems.add('args', 'no arguments were given', 'pass at least `{ training, evaluation, qualityGate }`');
    problems.throwIfAny();
  }
  const platform = resolvePlatform(platformArgs, problems);
  const { cloud, stage } = platform;
  const stageDefaults = PIPELINE_STAGE_DEFAULTS[stage];

  const pipelineName = args.pipelineName ?? `${name}-${stage}`;
  const pipelineNameProblem = nameProblem(pipelineName, PIPELINE_NAME_RULES[cloud]);
  if (pipelineNameProblem)
    problems.add(
      'pipelineName',
      `${args.pipelineName ? '' : 'the default name '}${pipelineNameProblem} for a pipeline on ${cloud}`,
      args.pipelineName
        ? PIPELINE_NAME_RULES[cloud].description
        : `rename the construct, or set \`pipelineName\` (${PIPELINE_NAME_RULES[cloud].description})`,
    );

  // Training.
  const training = args.training ?? ({} as MlPipelineArgs['training']);
  if (!args.training) problems.add('training', 'is required', 'give at least `training: { image }`');
  else if (!training.image && !training.build)
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
  let build: ResolvedMlPipeline['training']['build'];
  if (training.build && !training.image) {
    const context = path.resolve(training.build.context ?? '.');
    const dockerfile = path.resolve(context, training.build.dockerfile ?? 'Dockerfile');
    const problem = buildContextProblem(context, dockerfile);
    if (problem)
      problems.add(
        'training.build',
        problem,
        'point `context` at the folder holding the Dockerfile (relative to where pulumi runs)',
      );
    else {
      const buildArgs = training.build.buildArgs ?? {};
      const tag = contextTag(context, dockerfile, { target: training.build.target, buildArgs });
      build = {
        contextPath: training.build.context,
        dockerfilePath: training.build.dockerfile ?? 'Dockerfile',
        tag,
        target: training.build.target,
        buildArgs,
      };
    }
  }
  const trainingSize = training.size ?? stageDefaults.trainingSize;
  const trainingSizeOk = checkOneOf(problems, 'training.size', trainingSize, COMPUTE_SIZES);
  const trainingFacts = SIZE_FACTS[trainingSizeOk ? trainingSize : 'cpu-small'];
  checkInteger(problems, 'training.instanceCount', training.instanceCount, 1, 20);
  const instanceCount = training.instanceCount ?? PIPELINE_DEFAULTS.instanceCount;
  if (cloud !== 'aws' && instanceCount > 1)
    problems.add(
      'training.instanceCount',
      `${cloud} runs training in a single container, not ${instanceCount}`,
      'use 1, or train on aws for distributed training',
    );
  if (cloud === 'gcp' && trainingSizeOk && !trainingFacts.gcp)
    problems.add(
      'training.size',
      `${trainingSize} has no Cloud Run job equivalent (at most one GPU per instance)`,
      'use `gpu-small`, or train on aws',
    );
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
  checkEnvironment(problems, 'training.environment', training.environment);
  for (const key of Object.keys(training.hyperparameters ?? {})) {
    if (typeof training.hyperparameters![key] !== 'string')
      problems.add(
        `training.hyperparameters.${key}`,
        'is not a string',
        'give every hyperparameter as a string',
      );
    if (key.length > 256)
      problems.add(
        `training.hyperparameters.${key}`,
        `the name is ${key.length} characters, more than 256`,
        'shorten the hyperparameter name',
      );
  }

  // Data.
  const dataPrefix = args.data?.prefix ?? PIPELINE_DEFAULTS.dataPrefix;
  if (!PREFIX.test(dataPrefix))
    problems.add(
      'data.prefix',
      `"${dataPrefix}" is not a key prefix`,
      'use path segments ending in `/`, such as `training/`',
    );
  const existingBucketName = cloud === 'docker' ? undefined : args.data?.bucketName;
  if (existingBucketName !== undefined && isKnown(existingBucketName)) {
    const problem =
      cloud === 'aws' ? s3BucketNameProblem(existingBucketName) : gcsBucketNameProblem(existingBucketName);
    if (problem)
      problems.add('data.bucketName', problem, cloud === 'aws' ? S3_BUCKET_NAME_RULE : GCS_BUCKET_NAME_RULE);
  }

  // Buckets the construct names must be names the cloud accepts.
  const gcpBuckets = gcpBucketNames(pipelineName, platform.project);
  if (cloud === 'gcp' && !pipelineNameProblem) {
    const problem = gcsBucketNameProblem(gcpBuckets.artifactBucketName);
    if (problem)
      problems.add(
        'pipelineName',
        `${problem} (the artifact bucket is named after the pipeline)`,
        GCS_BUCKET_NAME_RULE,
      );
  }
  if (cloud === 'aws') {
    // S3 buckets are auto-named `<construct name>-<role>-<7 characters>`; the longest role is `access-logs`.
    const problem = s3BucketNameProblem(`${name}-access-logs-0000000`);
    if (problem)
      problems.add(
        'name',
        `${problem} (buckets are auto-named after the construct)`,
        `give the construct a name that S3 accepts in bucket names: ${S3_BUCKET_NAME_RULE}, at most 43 characters`,
      );
  }

  // Evaluation.
  const evaluation = args.evaluation ?? ({} as MlPipelineArgs['evaluation']);
  if (!args.evaluation) problems.add('evaluation', 'is required', 'give at least `evaluation: { command }`');
  else if (!Array.isArray(evaluation.command) || evaluation.command.length === 0)
    problems.add('evaluation.command', 'is required', 'give the command that writes the metrics file');
  const metricsFile = evaluation.metricsFile ?? PIPELINE_DEFAULTS.metricsFile;
  if (!FILE_NAME.test(metricsFile))
    problems.add(
      'evaluation.metricsFile',
      `"${metricsFile}" is not a JSON file name`,
      'use a plain file name ending in `.json`',
    );
  const evaluationSize = evaluation.size ?? PIPELINE_DEFAULTS.evaluationSize;
  const evaluationSizeOk = checkOneOf(problems, 'evaluation.size', evaluationSize, COMPUTE_SIZES);
  const evaluationFacts = SIZE_FACTS[evaluationSizeOk ? evaluationSize : 'cpu-small'];
  if (cloud === 'gcp' && evaluationSizeOk && !evaluationFacts.gcp)
    problems.add(
      'evaluation.size',
      `${evaluationSize} has no Cloud Run job equivalent`,
      'use a CPU size or `gpu-small`',
    );

  // Quality gate.
  const gate = args.qualityGate ?? {};
  if (!args.qualityGate)
    problems.add(
      'qualityGate',
      'is required',
      'give `qualityGate: { metric, threshold }`: a model is registered only when it passes',
    );
  if (gate.threshold !== undefined && gate.metric === undefined)
    problems.add(
      'qualityGate.threshold',
      'is given without a metric',
      'name the metric it applies to in `qualityGate.metric`',
    );
  else if (args.qualityGate && gate.metric === undefined)
    problems.add(
      'qualityGate.metric',
      'is required',
      'name the metric the evaluation writes, such as `accuracy`',
    );
  if (gate.metric !== undefined && !METRIC.test(gate.metric))
    problems.add(
      'qualityGate.metric',
      `"${gate.metric}" is not a metric key`,
      'use letters, digits, `_` and `-` (no dots: they separate the JSON path)',
    );
  if (
    gate.threshold !== undefined &&
    (typeof gate.threshold !== 'number' || !Number.isFinite(gate.threshold))
  )
    problems.add('qualityGate.threshold', `${gate.threshold} is not a number`, 'give a finite number');
  checkOneOf(problems, 'qualityGate.comparison', gate.comparison, QUALITY_COMPARISONS);
  const mustBeatApproved = gate.mustBeatApproved ?? false;
  if (gate.metric !== undefined && gate.threshold === undefined && !mustBeatApproved)
    problems.add(
      'qualityGate',
      'has a metric but no bar: neither `threshold` nor `mustBeatApproved`',
      'give a threshold, or set `mustBeatApproved: true`',
    );

  // Registry.
  const modelGroupName = args.registry?.modelGroupName ?? pipelineName;
  if (args.registry?.modelGroupName !== undefined) {
    const problem = nameProblem(modelGroupName, MODEL_GROUP_RULES[cloud]);
    if (problem)
      problems.add(
        'registry.modelGroupName',
        `${problem} for a ${cloud} model group`,
        MODEL_GROUP_RULES[cloud].description,
      );
  }

  // Schedule and retention.
  const scheduleText = args.schedule ?? stageDefaults.schedule;
  let schedule: ParsedSchedule | undefined;
  if (scheduleText !== 'none') {
    const parsed = parseSchedule(scheduleText);
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
  const awsScheduleExpr = schedule ? awsScheduleExpression(schedule) : undefined;
  const cron = schedule ? unixCron(schedule) : undefined;
  if (schedule) {
    const intervalMinutes = scheduleIntervalMinutes(schedule);
    if (retentionDays * 1440 < intervalMinutes)
      problems.add(
        'retentionDays',
        `${retentionDays} days is shorter than the schedule's interval (up to ${Math.ceil(intervalMinutes / 1440)} days): the previous run's artifacts would expire before the next run`,
        `keep artifacts at least ${Math.ceil(intervalMinutes / 1440)} days, or retrain more often`,
      );
    if (cloud === 'aws' && !awsScheduleExpr)
      problems.add(
        'schedule',
        `"${scheduleText}" sets both day of month and day of week, which EventBridge Scheduler cannot combine`,
        'set one of them to `*`',
      );
    if (cloud === 'gcp' && !cron)
      problems.add(
        'schedule',
        `Cloud Scheduler has no rate, and "${scheduleText}" is not an even division of an hour, a day or a week`,
        'use a cron expression instead',
      );
  }

  // Per-cloud settings.
  const trainingInstanceType = args.aws?.trainingInstanceType ?? trainingFacts.aws.trainingInstance;
  const evaluationInstanceType = args.aws?.evaluationInstanceType ?? evaluationFacts.aws.trainingInstance;
  for (const [path, value] of [
    ['aws.trainingInstanceType', args.aws?.trainingInstanceType],
    ['aws.evaluationInstanceType', args.aws?.evaluationInstanceType],
  ] as const)
    if (value !== undefined && !/^ml\.[a-z0-9-]+\.[a-z0-9]+$/.test(value))
      problems.add(path, `"${value}" is not a SageMaker instance type`, 'use a type such as `ml.m5.xlarge`');
  checkInteger(problems, 'aws.volumeSizeGb', args.aws?.volumeSizeGb, 1, 16384);
  if (args.gcp?.cpu !== undefined && !/^\d+$/.test(args.gcp.cpu))
    problems.add('gcp.cpu', `"${args.gcp.cpu}" is not a CPU count`, 'use a count such as `"4"`');
  if (args.gcp?.memory !== undefined && !/^\d+(Mi|Gi)$/.test(args.gcp.memory))
    problems.add('gcp.memory', `"${args.gcp.memory}" is not a memory limit`, 'use a size such as `"16Gi"`');
  checkInteger(problems, 'docker.registryPort', args.docker?.registryPort, 1, 65535);

  problems.throwIfAny();

  return {
    constructName: name,
    platform,
    tags: standardTags(platform, CONSTRUCT),
    pipelineName,
    repositoryName: pipelineName.toLowerCase(),
    training: {
      image: training.image,
      build,
      command: training.command,
      hyperparameters: training.hyperparameters ?? {},
      environment: training.environment ?? {},
      size: trainingSize,
      instanceCount,
      spot,
      maxRuntimeSeconds: maxRuntimeMinutes * 60,
      maxWaitSeconds: spot ? maxWaitMinutes * 60 : undefined,
    },
    data: { existingBucketName, prefix: dataPrefix },
    evaluation: {
      image: evaluation.image ?? training.image,

      command: evaluation.command,
      metricsFile,
      size: evaluationSize,
    },
    qualityGate: {
      metric: gate.metric!,
      comparison: gate.comparison ?? PIPELINE_DEFAULTS.comparison,
      threshold: gate.threshold,
      mustBeatApproved,
    },
    registry: {
      modelGroupName,
      requireApproval: args.registry?.requireApproval ?? stageDefaults.requireApproval,
      servingImage: args.registry?.servingImage ?? training.image,
    },
    schedule,
    retentionDays,
    aws: {
      trainingInstanceType,
      evaluationInstanceType,
      volumeSizeGb: args.aws?.volumeSizeGb ?? PIPELINE_DEFAULTS.volumeSizeGb,
      networkIsolation: args.aws?.networkIsolation ?? true,
      scheduleExpression: awsScheduleExpr,
    },
    gcp: {
      training: {
        cpu: args.gcp?.cpu ?? trainingFacts.gcp?.cpu ?? '4',
        memory: args.gcp?.memory ?? trainingFacts.gcp?.memory ?? '16Gi',
        gpuType: trainingFacts.gcp?.gpuType,
      },
      evaluation: { cpu: evaluationFacts.gcp?.cpu ?? '2', memory: evaluationFacts.gcp?.memory ?? '8Gi' },
      cron,
      ...gcpBuckets,
    },
    docker: {
      registryPort: args.docker?.registryPort ?? PIPELINE_DEFAULTS.dockerRegistryPort,
      schedule: schedule ? ofeliaSchedule(schedule) : undefined,
      cpus: trainingFacts.docker.cpus,
      memoryMb: trainingFacts.docker.memoryMb,
      gpus: trainingFacts.gpus,
    },
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
