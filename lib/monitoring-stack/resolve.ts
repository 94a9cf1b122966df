/**
 * Validates the arguments of a MonitoringStack and applies the stage defaults: one small function per arg group
 * (the name, the watched endpoint, the pipeline, thresholds, drift, notifications, docker), every problem collected
 * and thrown together as one `ValidationError` before the construct registers anything.
 */
import { defaultPhysicalName, type HostPortRequest, type ResolveContext } from '../core/deployment';
import { NAME_RULES, nameProblem, type NameRule } from '../core/naming';
import { standardTags, type Platform, type PlatformArgs } from '../core/platform';
import { resolveInputs, type ConstructFacts } from '../core/resolve-inputs';
import type { Cloud } from '../core/stage';
import { checkInteger, isKnown, type ProblemList } from '../core/validation';
import type { MonitoringStackArgs } from './args';
import {
  CLOUDWATCH_LOOKBACK,
  GCP_ABSENCE_MINUTES,
  MONITORING_DEFAULTS,
  MONITORING_STAGE_DEFAULTS,
  type MonitoringStageDefaults,
} from './defaults';
import type { ResolvedMonitoringDocker, ResolvedMonitoringStack, ResolvedThresholds } from './resolved';
import { checkRange, type Inputs } from './resolve-common';
import { resolveDrift } from './resolve-drift';
import { resolveDockerSettings, resolveNotifications } from './resolve-notifications';
import { resolveWatchedEndpoint, resolveWatchedPipeline } from './resolve-watched';
import { MONITORING_STACK_SHAPE } from './shape';

export const CONSTRUCT = 'MonitoringStack';

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
    // An endpoint awaiting a release has no metrics to show.
    dashboard: !endpoint?.awaitingRelease && (inputs.args.dashboard ?? MONITORING_DEFAULTS.dashboard),
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
