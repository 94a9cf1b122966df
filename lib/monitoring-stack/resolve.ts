/**
 * Validates the arguments of a MonitoringStack and applies the stage defaults: one small function per arg group
 * (the name, the watched endpoint, the pipeline, thresholds, drift, notifications, docker), every problem collected
 * and thrown together as one `ValidationError` before the construct registers anything.
 */
import type * as pulumi from '@pulumi/pulumi';
import { defaultPhysicalName, type HostPortRequest, type ResolveContext } from '../core/deployment';
import { closestName } from '../core/did-you-mean';
import { NAME_RULES, nameProblem, type NameRule } from '../core/naming';
import { standardTags, type Platform, type PlatformArgs } from '../core/platform';
import { resolveInputs, type ConstructFacts, type ResolveInputs } from '../core/resolve-inputs';
import { readShape } from '../core/shape';
import { SIZE_FACTS, isAcceleratedInstance } from '../core/sizes';
import type { Cloud } from '../core/stage';
import { checkInteger, isKnown, knownString, type ProblemList } from '../core/validation';
import { capturePrefix, rollbackAlarms } from '../model-endpoint/aws-blueprint';
import { MODEL_MONITOR_ANALYZER_ACCOUNTS } from '../blocks/sagemaker-model-monitor';
import { dockerWatchTargets } from '../model-endpoint/docker-facts';
import type { ResolvedModelEndpoint } from '../model-endpoint/resolve';
import type { ResolvedMlPipeline } from '../ml-pipeline/resolve';
import type { DriftStatistic, MonitoringStackArgs } from './args';
import {
  CLOUDWATCH_LOOKBACK,
  DEFAULT_DRIFT_STATISTIC,
  DRIFT_THRESHOLD_DEFAULTS,
  DRIFT_THRESHOLD_MAX,
  GCP_ABSENCE_MINUTES,
  MONITORING_DEFAULTS,
  MONITORING_STAGE_DEFAULTS,
  type MonitoringStageDefaults,
} from './defaults';
import type {
  ResolvedDrift,
  ResolvedMonitoringDocker,
  ResolvedMonitoringStack,
  ResolvedNotifications,
  ResolvedThresholds,
  ResolvedWatchedEndpoint,
} from './resolved';
import { MONITORING_STACK_SHAPE, WATCHED_ENDPOINT_SHAPE, WATCHED_PIPELINE_SHAPE } from './shape';
import { webhookCredential } from './webhook';

export const CONSTRUCT = 'MonitoringStack';

type Inputs = ResolveInputs<MonitoringStackArgs, MonitoringStageDefaults>;
type Pipeline = NonNullable<ResolvedMonitoringStack['pipeline']>;

const MONITORING_FACTS: ConstructFacts<MonitoringStackArgs, MonitoringStageDefaults> = {
  type: CONSTRUCT,
  shape: MONITORING_STACK_SHAPE,
  stageDefaults: MONITORING_STAGE_DEFAULTS,
  minimalArgs: '{ endpoint, notifications }',
};

/**
 * The longest suffix a renderer adds to `namePrefix` (`-drift-retrain`, `-data-quality`): a SageMaker job definition
 * or monitoring schedule name is at most 63 characters, so the prefix is at most 49.
 */
const NAME_PREFIX_RULES: Record<Cloud, NameRule> = {
  aws: {
    ...NAME_RULES.sagemaker,
    maxLength: 49,
    description:
      'use at most 49 letters, digits and hyphens, starting and ending with a letter or digit (the monitor adds `-data-quality`)',
  },
  gcp: NAME_RULES.cloudRunService,
  docker: {
    ...NAME_RULES.docker,
    maxLength: 100,
    description: `${NAME_RULES.docker.description}, at most 100`,
  },
};

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const NOTIFICATION_CHANNEL = /^projects\/[^/]+\/notificationChannels\/[^/]+$/;
const PUBSUB_TOPIC = /^projects\/[^/]+\/topics\/[^/]+$/;
const SMARTHOST = /^[A-Za-z0-9.-]+:\d{1,5}$/;
const BASELINE_SCHEMES: Record<Cloud, { prefixes: readonly string[]; example: string }> = {
  aws: { prefixes: ['s3://'], example: '`s3://<artifact bucket>/baseline/<execution id>/`' },
  gcp: { prefixes: ['gs://'], example: '`gs://<artifact bucket>/runs/<run id>/baseline/`' },
  docker: {
    prefixes: ['docker-volume://'],
    example: '`docker-volume://<artifact volume>/runs/<run id>/baseline/`',
  },
};

/**
 * Validates the arguments of a MonitoringStack and applies the stage defaults. `platformArgs` undefined reads the
 * stack config (`mlops:*`); `context` says which stack it deploys in and which host ports the program holds.
 */
export function resolveMonitoringStack(
  name: string,
  rawArgs: MonitoringStackArgs,
  platformArgs: PlatformArgs | undefined,
  context: ResolveContext = {},
): ResolvedMonitoringStack {
  const inputs: Inputs = resolveInputs(MONITORING_FACTS, name, rawArgs, platformArgs, context);
  const { platform, problems } = inputs;

  const namePrefix = resolveNamePrefix(inputs, context);
  const endpoint = resolveWatchedEndpoint(inputs);
  const pipeline = resolveWatchedPipeline(inputs);
  const thresholds = resolveThresholds(inputs);
  const drift = resolveDrift(inputs, endpoint, pipeline);
  const notifications = resolveNotifications(inputs);
  const docker = resolveDockerSettings(inputs, notifications);
  acceptHostPorts(problems, context, platform, name, docker);

  return {
    constructName: name,
    platform,
    tags: standardTags(platform, CONSTRUCT),
    namePrefix,
    endpoint: endpoint!,
    pipeline,
    thresholds,
    drift,
    notifications,
    dashboard: inputs.args.dashboard ?? MONITORING_DEFAULTS.dashboard,
    docker,
  };
}

/** `<construct name>-<stage>` (or `-<stack>`), the default physical name rule of every construct. */
function resolveNamePrefix({ name, platform, problems }: Inputs, context: ResolveContext): string {
  const namePrefix = defaultPhysicalName(name, platform.stage, context.stack);
  const rule = NAME_PREFIX_RULES[platform.cloud];
  const problem = nameProblem(namePrefix, rule);
  if (problem)
    problems.add(
      '(construct name)',
      `the prefix of its physical names on ${platform.cloud}, ${problem}`,
      `rename the construct (the prefix is \`<name>-<stage or stack>\`): ${rule.description}`,
    );
  return namePrefix;
}

// ---------------------------------------------------------------------------------------------------------------
// The watched endpoint

/** The parts of a ModelEndpoint (Pulumi or CDK) the monitor reads. */
interface ModelEndpointLike {
  readonly spec: ResolvedModelEndpoint;
  readonly endpointName: pulumi.Input<string>;
  // Pulumi ModelEndpoint
  readonly aws?: { captureBucket?: { bucket: pulumi.Output<string> }; key?: { arn: pulumi.Output<string> } };
  readonly gcp?: { captureTopic?: { id: pulumi.Output<string> } };
  // CDK ModelEndpoint
  readonly captureBucket?: { bucketName: string };
  readonly key?: { keyArn: string };
}

/** A ModelEndpoint of this library, Pulumi or CDK: both expose their resolved `spec`. */
export function isModelEndpoint(value: unknown): value is ModelEndpointLike {
  const spec = (value as { spec?: Partial<ResolvedModelEndpoint> } | null)?.spec;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof spec === 'object' &&
    spec !== null &&
    typeof spec.constructName === 'string' &&
    typeof spec.endpointName === 'string' &&
    Array.isArray(spec.models) &&
    typeof spec.platform?.cloud === 'string' &&
    typeof spec.aws === 'object' &&
    typeof spec.gcp === 'object' &&
    typeof spec.docker === 'object' &&
    'endpointName' in value
  );
}

function resolveWatchedEndpoint(inputs: Inputs): ResolvedWatchedEndpoint | undefined {
  const given = inputs.raw.endpoint;
  // A missing endpoint was reported by the shape check.
  if (given === undefined || given === null) return undefined;
  return isModelEndpoint(given) ? fromModelEndpoint(inputs, given) : fromDescription(inputs, given);
}

function fromModelEndpoint(
  { platform, problems }: Inputs,
  endpoint: ModelEndpointLike,
): ResolvedWatchedEndpoint {
  const spec = endpoint.spec;
  const what = `ModelEndpoint "${spec.constructName}"`;
  checkSameCloud(problems, 'endpoint', what, spec.platform.cloud, platform);
  if (
    spec.platform.cloud === platform.cloud &&
    platform.cloud !== 'docker' &&
    spec.platform.region &&
    platform.region &&
    spec.platform.region !== platform.region
  )
    problems.add(
      'endpoint',
      `${what} is in ${spec.platform.region}, but this stack deploys to ${platform.region} (metrics and alarms are regional)`,
      `deploy the MonitoringStack with the endpoint's region (platform.region: ${spec.platform.region})`,
    );
  const cloud = spec.platform.cloud;
  return {
    endpointName: endpoint.endpointName,
    isModelEndpoint: true,
    construct: endpoint,
    alarmActionsOwner: cloud === 'aws' ? endpoint : undefined,
    rollbackAlarmNames: cloud === 'aws' ? rollbackAlarms(spec).map((alarm) => alarm.name) : [],
    ...instanceFacts(spec),
    capturePercent: spec.capturePercent,
    capture: cloud === 'aws' && spec.capturePercent > 0 ? awsCapture(endpoint) : undefined,
    captureTopic: cloud === 'gcp' ? endpoint.gcp?.captureTopic?.id : undefined,
    docker: cloud === 'docker' ? dockerWatchTargets(spec) : undefined,
  };
}

/**
 * What one serving instance of a ModelEndpoint has. On aws the size table knows it only when `aws.instanceType` is
 * the size's own (undefined otherwise, and for serverless, which has no instances); gcp gives whole CPUs and at most
 * one GPU; docker its own limits.
 */
function instanceFacts(spec: ResolvedModelEndpoint): { gpu: boolean; vcpus?: number; gpus?: number } {
  const size = SIZE_FACTS[spec.size];
  switch (spec.platform.cloud) {
    case 'aws': {
      const gpu = !spec.serverless && isAcceleratedInstance(spec.aws.instanceType);
      const known = !spec.serverless && spec.aws.instanceType === size.aws.servingInstance;
      return known ? { gpu, vcpus: size.vcpus, gpus: size.gpus } : { gpu, vcpus: undefined, gpus: undefined };
    }
    case 'gcp': {
      const vcpus = Number(spec.gcp.cpu);
      const gpu = spec.gcp.gpuType !== undefined;
      return { gpu, vcpus: Number.isInteger(vcpus) ? vcpus : undefined, gpus: gpu ? 1 : 0 };
    }
    case 'docker':
      return { gpu: spec.docker.gpus > 0, vcpus: spec.docker.cpus, gpus: spec.docker.gpus };
  }
}

/** Where an aws ModelEndpoint's data capture writes, and its key: Pulumi children hold Outputs, CDK ones tokens. */
function awsCapture(endpoint: ModelEndpointLike): ResolvedWatchedEndpoint['capture'] {
  const prefix = capturePrefix(endpoint.spec);
  if (endpoint.aws?.captureBucket) {
    const kmsKeyArn = endpoint.aws.key?.arn ?? endpoint.spec.platform.kmsKeyId;
    if (kmsKeyArn === undefined) return undefined;
    return { s3Uri: endpoint.aws.captureBucket.bucket.apply((b) => `s3://${b}/${prefix}`), kmsKeyArn };
  }
  if (endpoint.captureBucket && endpoint.key)
    return { s3Uri: `s3://${endpoint.captureBucket.bucketName}/${prefix}`, kmsKeyArn: endpoint.key.keyArn };
  return undefined;
}

function fromDescription(
  { platform, problems }: Inputs,
  given: unknown,
): ResolvedWatchedEndpoint | undefined {
  const described = readShape(problems, 'endpoint', given, WATCHED_ENDPOINT_SHAPE);
  if (!described) return undefined;
  const cloud = described.cloud ?? platform.cloud;
  checkSameCloud(problems, 'endpoint.cloud', 'the endpoint', cloud, platform);
  const name = knownString(described.endpointName);
  if (name !== undefined) {
    const rule = ENDPOINT_NAME_RULES[platform.cloud];
    const problem = nameProblem(name, rule);
    if (problem)
      problems.add(
        'endpoint.endpointName',
        `${problem} for an endpoint on ${platform.cloud}`,
        rule.description,
      );
  }
  checkInteger(problems, 'endpoint.vcpus', described.vcpus, 1, 1024);
  checkInteger(problems, 'endpoint.gpus', described.gpus, 0, 64);
  checkInteger(problems, 'endpoint.capturePercent', described.capturePercent, 0, 100);
  const capture = described.capture ?? {};
  checkKnownPattern(
    problems,
    'endpoint.capture.s3Uri',
    capture.s3Uri,
    /^s3:\/\/[^/]+/,
    'an S3 URL such as `s3://bucket/capture/`',
  );
  checkKnownPattern(
    problems,
    'endpoint.capture.topic',
    capture.topic,
    PUBSUB_TOPIC,
    'a topic id such as `projects/p/topics/t`',
  );
  if (
    platform.cloud === 'aws' &&
    (capture.s3Uri === undefined) !== (capture.kmsKeyArn === undefined) &&
    capture.s3Uri !== undefined
  )
    problems.add(
      'endpoint.capture.kmsKeyArn',
      'is required with `capture.s3Uri` (the monitor decrypts the captured requests with it)',
      'give the KMS key ARN that encrypts the capture',
    );
  if (platform.cloud === 'docker' && !described.dockerTargets)
    problems.add(
      'endpoint.dockerTargets',
      'is required on docker for an endpoint that is not a ModelEndpoint (Prometheus must find its containers)',
      'give `{ network, servingAlias, gatewayStatusUrl }`, or watch a ModelEndpoint',
    );
  const gpus = described.gpus ?? 0;
  const targets = described.dockerTargets;
  return {
    endpointName: described.endpointName!,
    isModelEndpoint: false,
    rollbackAlarmNames: [],
    gpu: gpus > 0,
    capturePercent: described.capturePercent ?? 0,
    vcpus: described.vcpus,
    gpus,
    capture:
      capture.s3Uri !== undefined && capture.kmsKeyArn !== undefined
        ? { s3Uri: capture.s3Uri, kmsKeyArn: capture.kmsKeyArn }
        : undefined,
    captureTopic: capture.topic,
    docker: targets && {
      network: targets.network,
      servingAlias: targets.servingAlias,
      servingPort: targets.servingPort ?? MONITORING_DEFAULTS.dockerServingPort,
      gatewayStatusUrl: targets.gatewayStatusUrl,
      captureVolume: targets.captureVolume,
    },
  };
}

const ENDPOINT_NAME_RULES: Record<Cloud, NameRule> = {
  aws: NAME_RULES.sagemaker,
  gcp: {
    ...NAME_RULES.cloudRunService,
    maxLength: 63,
    description: 'use at most 63 lowercase letters, digits and hyphens, starting with a letter',
  },
  docker: NAME_RULES.docker,
};

function checkSameCloud(
  problems: ProblemList,
  path: string,
  what: string,
  cloud: Cloud,
  platform: Platform,
): void {
  if (cloud !== platform.cloud)
    problems.add(
      path,
      `${what} runs on ${cloud}, but this MonitoringStack deploys to ${platform.cloud}`,
      `watch it from a MonitoringStack on ${cloud} (platform.cloud: ${cloud}), in the endpoint's stack`,
    );
}

// ---------------------------------------------------------------------------------------------------------------
// The pipeline

interface MlPipelineLike {
  readonly spec: ResolvedMlPipeline;
  readonly retrainTrigger: pulumi.Input<string>;
  readonly baselineUri: pulumi.Input<string>;
  // Pulumi MlPipeline
  readonly aws?: { key?: { arn: pulumi.Output<string> } };
  // CDK MlPipeline
  readonly key?: { keyArn: string };
}

function isMlPipeline(value: unknown): value is MlPipelineLike {
  const spec = (value as { spec?: Partial<ResolvedMlPipeline> } | null)?.spec;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof spec === 'object' &&
    spec !== null &&
    typeof spec.constructName === 'string' &&
    typeof spec.platform?.cloud === 'string' &&
    'retrainTrigger' in value &&
    'baselineUri' in value
  );
}

function resolveWatchedPipeline({ raw, platform, problems }: Inputs): Pipeline | undefined {
  const given = raw.pipeline;
  if (given === undefined || given === null) return undefined;
  if (isMlPipeline(given)) {
    const spec = given.spec;
    checkSameCloud(problems, 'pipeline', `MlPipeline "${spec.constructName}"`, spec.platform.cloud, platform);
    const key = given.aws ? (given.aws.key?.arn ?? spec.platform.kmsKeyId) : given.key?.keyArn;
    return {
      retrainTrigger: given.retrainTrigger,
      baselineUri: given.baselineUri,
      kmsKeyArn: platform.cloud === 'aws' ? key : undefined,
    };
  }
  const described = readShape(problems, 'pipeline', given, WATCHED_PIPELINE_SHAPE);
  if (!described) return undefined;
  checkBaselineScheme(problems, 'pipeline.baselineUri', described.baselineUri, platform.cloud);
  return {
    retrainTrigger: described.retrainTrigger!,
    baselineUri: described.baselineUri!,
    kmsKeyArn: platform.cloud === 'aws' ? described.kmsKeyArn : undefined,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Thresholds

function resolveThresholds({ args, platform, stageDefaults, problems }: Inputs): ResolvedThresholds {
  const t = args.thresholds ?? {};
  const path = (key: string) => `thresholds.${key}`;
  checkInteger(problems, path('latencyP99Ms'), t.latencyP99Ms, 1, 600000);
  checkRange(problems, path('serverErrorPercent'), t.serverErrorPercent, 0, 100);
  checkRange(problems, path('clientErrorPercent'), t.clientErrorPercent, 0, 100);
  checkRange(problems, path('cpuPercent'), t.cpuPercent, 1, 100);
  checkRange(problems, path('memoryPercent'), t.memoryPercent, 1, 100);
  checkRange(problems, path('gpuPercent'), t.gpuPercent, 1, 100);
  checkNoTraffic(problems, path('noTrafficMinutes'), t.noTrafficMinutes, platform.cloud);

  const periodSeconds = t.periodSeconds ?? MONITORING_DEFAULTS.periodSeconds;
  const evaluationPeriods = t.evaluationPeriods ?? MONITORING_DEFAULTS.evaluationPeriods;
  const datapointsToAlarm =
    t.datapointsToAlarm ?? Math.min(MONITORING_DEFAULTS.datapointsToAlarm, evaluationPeriods);
  const periodOk = checkPeriod(problems, path('periodSeconds'), t.periodSeconds);
  checkInteger(problems, path('evaluationPeriods'), t.evaluationPeriods, 1, 60);
  const evaluationOk =
    Number.isInteger(evaluationPeriods) && evaluationPeriods >= 1 && evaluationPeriods <= 60;
  if (evaluationOk)
    checkInteger(
      problems,
      path('datapointsToAlarm'),
      t.datapointsToAlarm,
      1,
      Math.max(1, evaluationPeriods),
      'at most `evaluationPeriods`',
    );
  if (platform.cloud === 'aws' && periodOk && evaluationOk) {
    const short = periodSeconds < CLOUDWATCH_LOOKBACK.shortPeriodBelowSeconds;
    const limit = short ? CLOUDWATCH_LOOKBACK.shortPeriodsSeconds : CLOUDWATCH_LOOKBACK.longPeriodsSeconds;
    if (periodSeconds * evaluationPeriods > limit)
      problems.add(
        path('evaluationPeriods'),
        `${evaluationPeriods} periods of ${periodSeconds} s look back ${periodSeconds * evaluationPeriods} s, more than the ${limit} s CloudWatch allows for periods ${short ? 'under' : 'of'} an hour${short ? '' : ' or more'}`,
        `use at most ${Math.floor(limit / periodSeconds)} periods, or a shorter period`,
      );
  }
  return {
    latencyP99Ms: t.latencyP99Ms ?? stageDefaults.latencyP99Ms,
    serverErrorPercent: t.serverErrorPercent ?? stageDefaults.serverErrorPercent,
    clientErrorPercent: t.clientErrorPercent ?? stageDefaults.clientErrorPercent,
    noTrafficMinutes: t.noTrafficMinutes ?? stageDefaults.noTrafficMinutes,
    cpuPercent: t.cpuPercent ?? MONITORING_DEFAULTS.cpuPercent,
    memoryPercent: t.memoryPercent ?? MONITORING_DEFAULTS.memoryPercent,
    gpuPercent: t.gpuPercent ?? MONITORING_DEFAULTS.gpuPercent,
    periodSeconds,
    evaluationPeriods,
    datapointsToAlarm,
  };
}

/** A period every cloud takes: whole minutes (one-minute metrics, Cloud Monitoring durations), up to a day. */
function checkPeriod(problems: ProblemList, path: string, value: number | undefined): boolean {
  if (value === undefined || !isKnown(value)) return true;
  if (Number.isInteger(value) && value >= 60 && value <= 86400 && value % 60 === 0) return true;
  problems.add(
    path,
    `${value} is not a multiple of 60 from 60 to 86400 (the endpoints publish one-minute metrics, and Cloud Monitoring takes only whole minutes)`,
    'use 60, 300 or another multiple of 60 up to 86400',
  );
  return false;
}

function checkNoTraffic(problems: ProblemList, path: string, value: number | undefined, cloud: Cloud): void {
  if (value === undefined || !isKnown(value) || value === 0) return;
  if (cloud === 'gcp')
    checkInteger(
      problems,
      path,
      value,
      GCP_ABSENCE_MINUTES.min,
      GCP_ABSENCE_MINUTES.max,
      "Cloud Monitoring's metric-absence window is 120 s to 23.5 h; 0 turns the alarm off",
    );
  else
    checkInteger(
      problems,
      path,
      value,
      1,
      1440,
      cloud === 'aws'
        ? 'one-minute periods, and CloudWatch looks back at most a day; 0 turns the alarm off'
        : '0 turns the alarm off',
    );
}

function checkRange(
  problems: ProblemList,
  path: string,
  value: number | undefined,
  min: number,
  max: number,
): void {
  if (value === undefined || !isKnown(value)) return;
  if (value < min || value > max)
    problems.add(path, `${value} is not from ${min} to ${max}`, `use a number from ${min} to ${max}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Drift

function resolveDrift(
  inputs: Inputs,
  endpoint: ResolvedWatchedEndpoint | undefined,
  pipeline: Pipeline | undefined,
): ResolvedDrift | undefined {
  const { args, platform, stageDefaults, problems } = inputs;
  const d = args.drift ?? {};
  const cloud = platform.cloud;
  const statistic: DriftStatistic = d.statistic ?? DEFAULT_DRIFT_STATISTIC[cloud];
  checkStatistic(problems, d.statistic, cloud);
  const threshold = d.threshold ?? DRIFT_THRESHOLD_DEFAULTS[statistic];
  checkDriftThreshold(problems, 'drift.threshold', d.threshold, statistic);
  const features = d.features ?? [];
  checkFeatures(problems, features);
  const featureThresholds = d.featureThresholds ?? {};
  for (const [feature, value] of Object.entries(featureThresholds)) {
    checkDriftThreshold(problems, `drift.featureThresholds.${feature}`, value, statistic);
    if (features.length > 0 && !features.includes(feature)) {
      const near = closestName(feature, features);
      problems.add(
        `drift.featureThresholds.${feature}`,
        `names a feature that is not in drift.features (${features.join(', ')})`,
        near ? `did you mean \`${near}\`?` : 'add it to drift.features, or remove its threshold',
      );
    }
  }
  if (d.retrain && !pipeline)
    problems.add(
      'drift.retrain',
      'is true, but no pipeline is given to retrain',
      'pass the MlPipeline that trains the served model as `pipeline`, or set drift.retrain false',
    );
  if (d.retrain && d.enabled === false)
    problems.add(
      'drift.retrain',
      'is true, but the drift check is off (drift.enabled false)',
      'set drift.enabled true, or drift.retrain false',
    );

  const capturePercent = endpoint?.capturePercent ?? 0;
  const enabled = d.enabled ?? ((capturePercent > 0 && d.baselineUri !== undefined) || d.retrain === true);
  if (!enabled || !endpoint) return undefined;

  const cause = d.enabled === true ? 'drift.enabled' : 'drift.retrain';
  if (capturePercent === 0)
    problems.add(
      cause,
      'asks for a drift check, but the endpoint captures no requests to check',
      endpoint.isModelEndpoint
        ? 'set `capturePercent` on the ModelEndpoint (such as 10), or turn the drift check off'
        : 'set `endpoint.capturePercent` and where the capture lands (`endpoint.capture`), or turn the drift check off',
    );
  else checkCaptureLocation(problems, endpoint, cloud);
  if (d.baselineUri === undefined) missingBaseline(problems, cloud, pipeline !== undefined);
  else checkBaselineScheme(problems, 'drift.baselineUri', d.baselineUri, cloud);
  if (cloud === 'aws' && platform.region && MODEL_MONITOR_ANALYZER_ACCOUNTS[platform.region] === undefined)
    problems.add(
      'drift.enabled',
      `asks for a drift check, but SageMaker Model Monitor's analyzer is not published in ${platform.region}`,
      `turn the drift check off there, or deploy to a region Model Monitor serves (${Object.keys(MODEL_MONITOR_ANALYZER_ACCOUNTS).sort().slice(0, 4).join(', ')}, ...)`,
    );
  if (cloud === 'aws' && features.length === 0)
    problems.add(
      'drift.features',
      'is required on aws when the drift check runs: Model Monitor publishes one drift metric per feature, and the alarms name them',
      'list the features to watch, by their column names in the training data, such as `["tenure", "monthly_charges"]`',
    );
  if (cloud === 'gcp' && d.image === undefined)
    problems.add(
      'drift.image',
      'is required on gcp when the drift check runs: it is the job that compares the captured requests with the baseline',
      'build `templates/drift` and give the image, such as `repo/drift@sha256:...`',
    );
  return {
    schedule: d.schedule ?? stageDefaults.driftSchedule,
    statistic,
    threshold,
    featureThresholds,
    features,
    retrain: d.retrain ?? false,
    baselineUri: d.baselineUri ?? '',
    image: cloud === 'gcp' ? d.image : undefined,
  };
}

function checkStatistic(problems: ProblemList, statistic: DriftStatistic | undefined, cloud: Cloud): void {
  if (statistic === undefined) return;
  if (cloud === 'aws' && statistic !== 'model-monitor')
    problems.add(
      'drift.statistic',
      `"${statistic}" is not available on aws: SageMaker Model Monitor checks drift there and publishes its own per-feature distance`,
      'use `model-monitor`, or leave `statistic` out',
    );
  if (cloud !== 'aws' && statistic === 'model-monitor')
    problems.add(
      'drift.statistic',
      `"model-monitor" is SageMaker Model Monitor's distance, which only aws has`,
      `use \`psi\` or \`ks\` on ${cloud}`,
    );
}

function checkDriftThreshold(
  problems: ProblemList,
  path: string,
  value: number | undefined,
  statistic: DriftStatistic,
): void {
  if (value === undefined || !isKnown(value)) return;
  const max = DRIFT_THRESHOLD_MAX[statistic];
  const ok = value > 0 && (max.inclusive ? value <= max.value : value < max.value);
  if (!ok)
    problems.add(
      path,
      `${value} is not above 0 and ${max.inclusive ? 'at most' : 'below'} ${max.value}, the range of \`${statistic}\``,
      `use a threshold such as ${DRIFT_THRESHOLD_DEFAULTS[statistic]}`,
    );
}

function checkFeatures(problems: ProblemList, features: readonly string[]): void {
  const seen = new Set<string>();
  features.forEach((feature, i) => {
    if (feature.trim() === '')
      problems.add(`drift.features[${i}]`, 'is empty', 'give the column name of a feature');
    else if (seen.has(feature))
      problems.add(`drift.features[${i}]`, `"${feature}" is listed twice`, 'list each feature once');
    seen.add(feature);
  });
}

function checkCaptureLocation(problems: ProblemList, endpoint: ResolvedWatchedEndpoint, cloud: Cloud): void {
  const [missing, path, fix] =
    cloud === 'aws'
      ? [
          !endpoint.capture,
          'endpoint.capture.s3Uri',
          "give `capture.s3Uri` and `capture.kmsKeyArn` of the endpoint's data capture",
        ]
      : cloud === 'gcp'
        ? [
            endpoint.captureTopic === undefined,
            'endpoint.capture.topic',
            'give `capture.topic`, the Pub/Sub topic the endpoint publishes captured requests to',
          ]
        : [
            !endpoint.docker?.captureVolume,
            'endpoint.dockerTargets.captureVolume',
            'give `dockerTargets.captureVolume`, the volume captured requests are written to',
          ];
  if (missing)
    problems.add(
      endpoint.isModelEndpoint ? 'endpoint' : path,
      'does not say where captured requests land, so the drift check has nothing to read',
      endpoint.isModelEndpoint ? 'set `capturePercent` on the ModelEndpoint' : fix,
    );
}

/** The rule: a missing baseline is an error that says how to produce one. */
function missingBaseline(problems: ProblemList, cloud: Cloud, hasPipeline: boolean): void {
  const where =
    cloud === 'aws'
      ? "on aws its `DataQualityBaseline` step writes Model Monitor's statistics.json and constraints.json under `<pipeline baselineUri><execution id>/`, and `aws sagemaker describe-model-package --model-package-name <served model package ARN> --query DriftCheckBaselines.ModelDataQuality` names the served version's"
      : `on ${cloud} every run writes drift_baseline.json under \`<pipeline baselineUri><run id>/baseline/\`; use the served run's`;
  problems.add(
    'drift.baselineUri',
    hasPipeline
      ? "is required when the drift check runs: the check compares with the served model version's baseline, and the pipeline's baselineUri is only the prefix of every run's"
      : 'is required when the drift check runs, and there is no baseline to compare with (no pipeline, no drift.baselineUri)',
    hasPipeline
      ? `set drift.baselineUri to the served version's baseline folder: ${where}`
      : `train the model with an MlPipeline, which writes a baseline on every run (${where}), pass it as \`pipeline\` and set drift.baselineUri to the served version's folder; or set drift.enabled false`,
  );
}

function checkBaselineScheme(
  problems: ProblemList,
  path: string,
  value: pulumi.Input<string> | undefined,
  cloud: Cloud,
): void {
  const uri = knownString(value);
  if (uri === undefined) return;
  const scheme = BASELINE_SCHEMES[cloud];
  if (!scheme.prefixes.some((prefix) => uri.startsWith(prefix)))
    problems.add(
      path,
      `"${uri}" is not a baseline location on ${cloud}`,
      `give a folder such as ${scheme.example}`,
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Notifications

function resolveNotifications({ args, platform, problems }: Inputs): ResolvedNotifications {
  const n = args.notifications ?? {};
  const cloud = platform.cloud;
  const emails = n.emails ?? [];
  emails.forEach((email, i) => {
    if (!EMAIL.test(email))
      problems.add(
        `notifications.emails[${i}]`,
        `"${email}" is not an email address`,
        'give an address such as `oncall@example.com`',
      );
  });
  checkWebhook(problems, n.webhookUrl);
  if (n.topicArn !== undefined && cloud !== 'aws')
    problems.add(
      'notifications.topicArn',
      `is an SNS topic, which only aws notifies (this stack deploys to ${cloud})`,
      cloud === 'gcp' ? 'use `channelIds`, `emails` or `webhookUrl`' : 'use `emails` or `webhookUrl`',
    );
  else
    checkKnownPattern(
      problems,
      'notifications.topicArn',
      n.topicArn,
      SNS_TOPIC_ARN,
      'an SNS topic ARN such as `arn:aws:sns:eu-west-1:123456789012:oncall`',
    );
  const channelIds = n.channelIds ?? [];
  if (channelIds.length > 0 && cloud !== 'gcp')
    problems.add(
      'notifications.channelIds',
      `are Cloud Monitoring channels, which only gcp notifies (this stack deploys to ${cloud})`,
      cloud === 'aws' ? 'use `topicArn`, `emails` or `webhookUrl`' : 'use `emails` or `webhookUrl`',
    );
  else
    channelIds.forEach((id, i) =>
      checkKnownPattern(
        problems,
        `notifications.channelIds[${i}]`,
        id,
        NOTIFICATION_CHANNEL,
        'a channel id such as `projects/p/notificationChannels/123`',
      ),
    );
  const anyone =
    emails.length > 0 ||
    n.webhookUrl !== undefined ||
    (cloud === 'aws' && n.topicArn !== undefined) ||
    (cloud === 'gcp' && channelIds.length > 0);
  if (!anyone && MONITORING_STAGE_DEFAULTS[platform.stage].notificationsRequired)
    problems.add(
      'notifications',
      `tells nobody, and alarms in ${platform.stage} must have an action (the endpoint's rollback alarms too)`,
      `give at least one of notifications.emails, webhookUrl${cloud === 'aws' ? ', topicArn' : cloud === 'gcp' ? ', channelIds' : ''}`,
    );
  return {
    emails,
    webhookUrl: n.webhookUrl,
    topicArn: cloud === 'aws' ? n.topicArn : undefined,
    channelIds: cloud === 'gcp' ? channelIds : [],
  };
}

/** An https URL; a plain string that carries a credential is refused (design decision 5). Outputs pass. */
function checkWebhook(problems: ProblemList, value: pulumi.Input<string> | undefined): void {
  const url = knownString(value);
  if (url === undefined) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    problems.add(
      'notifications.webhookUrl',
      'is not a URL',
      'give an https URL such as `https://alerts.example.com/hook`',
    );
    return;
  }
  if (parsed.protocol !== 'https:') {
    problems.add(
      'notifications.webhookUrl',
      `uses ${parsed.protocol.replace(/:$/, '')}, not https (alerts would travel in clear text)`,
      'give an https URL',
    );
    return;
  }
  const credential = webhookCredential(parsed);
  if (credential)
    problems.add(
      'notifications.webhookUrl',
      `carries a credential (${credential}) as a plain string, which would sit unencrypted in the program, the config and the state (host ${parsed.host})`,
      'pass it as a Pulumi secret, such as `config.requireSecret("alertWebhook")` after `pulumi config set --secret alertWebhook <url>`, or notify an existing topic or channel',
    );
}

function checkKnownPattern(
  problems: ProblemList,
  path: string,
  value: pulumi.Input<string> | undefined,
  pattern: RegExp,
  expected: string,
): void {
  const known = knownString(value);
  if (known !== undefined && !pattern.test(known))
    problems.add(path, `"${known}" is not ${expected.replace(/ such as.*$/, '')}`, `give ${expected}`);
}

// ---------------------------------------------------------------------------------------------------------------
// docker

function resolveDockerSettings(
  { args, platform, problems }: Inputs,
  notifications: ResolvedNotifications,
): ResolvedMonitoringDocker | undefined {
  if (platform.cloud !== 'docker') return undefined;
  const d = args.docker ?? {};
  const ports = {
    grafanaPort: d.grafanaPort ?? MONITORING_DEFAULTS.grafanaPort,
    prometheusPort: d.prometheusPort ?? MONITORING_DEFAULTS.prometheusPort,
    alertmanagerPort: d.alertmanagerPort ?? MONITORING_DEFAULTS.alertmanagerPort,
  };
  for (const key of Object.keys(ports) as (keyof typeof ports)[])
    checkInteger(problems, `docker.${key}`, d[key], 1, 65535);
  const smtp = d.smtp;
  if (notifications.emails.length > 0 && !smtp)
    problems.add(
      'docker.smtp',
      'is required on docker to send notifications.emails (Alertmanager sends mail through it)',
      'give `{ smarthost: "smtp.example.com:587", from: "alerts@example.com" }`, or leave the emails out',
    );
  if (smtp) {
    if (smtp.smarthost !== undefined && !SMARTHOST.test(smtp.smarthost))
      problems.add(
        'docker.smtp.smarthost',
        `"${smtp.smarthost}" is not host:port`,
        'give the mail server as `host:port`, such as `smtp.example.com:587`',
      );
    if (smtp.from !== undefined && !EMAIL.test(smtp.from))
      problems.add(
        'docker.smtp.from',
        `"${smtp.from}" is not an email address`,
        'give the sender address, such as `alerts@example.com`',
      );
    if (typeof smtp.password === 'string' && isKnown(smtp.password))
      problems.add(
        'docker.smtp.password',
        'is a plain string, which would sit unencrypted in the program, the config and the state',
        'pass it as a Pulumi secret, such as `config.requireSecret("smtpPassword")`',
      );
  }
  return {
    ...ports,
    smtp: smtp && {
      smarthost: smtp.smarthost!,
      from: smtp.from!,
      username: smtp.username,
      password: smtp.password,
      requireTls: smtp.requireTls ?? MONITORING_DEFAULTS.smtpRequireTls,
    },
  };
}

/** Throws every problem at once; then, on docker, claims the UIs' host ports against the program's other constructs. */
function acceptHostPorts(
  problems: ProblemList,
  context: ResolveContext,
  platform: Platform,
  name: string,
  docker: ResolvedMonitoringDocker | undefined,
): void {
  const owner = `${CONSTRUCT} "${name}"`;
  const requests: HostPortRequest[] =
    platform.cloud === 'docker' && docker
      ? (['grafanaPort', 'prometheusPort', 'alertmanagerPort'] as const).map((key) => ({
          port: docker[key],
          path: `docker.${key}`,
          owner: `${owner} (docker.${key})`,
        }))
      : [];
  context.hostPorts?.check(problems, requests);
  problems.throwIfAny();
  context.hostPorts?.claim(requests);
}
