/**
 * The shape of `MonitoringStackArgs`, written once: the known keys of every args interface (the compiler checks
 * that each lists every key of its interface and no other) and the type each value must have.
 * `resolveMonitoringStack` checks it first, so a wrong shape is a `ValidationError`, never a TypeError.
 *
 * `endpoint` and `pipeline` are read by the resolver itself: a `ModelEndpoint` or `MlPipeline` passed there is a
 * construct with many more keys than the interface, so only a hand-written description is checked against
 * `WATCHED_ENDPOINT_SHAPE` / `WATCHED_PIPELINE_SHAPE`.
 */
import type { PlatformArgs } from '../core/platform';
import { anything, bool, input, list, map, num, object, oneOf, required, str } from '../core/shape';
import { CLOUDS } from '../core/stage';
import type {
  DriftArgs,
  MonitoringDockerArgs,
  MonitoringStackArgs,
  MonitoringThresholdArgs,
  NotificationArgs,
  SmtpArgs,
  WatchedCapture,
  WatchedDockerTargets,
  WatchedEndpoint,
  WatchedPipeline,
} from './args';

export const DRIFT_STATISTICS = ['psi', 'ks', 'model-monitor'] as const;
export const DRIFT_SCHEDULES = ['hourly', 'daily'] as const;

export const WATCHED_CAPTURE_SHAPE = object<WatchedCapture>({
  s3Uri: input('`s3://bucket/capture/`'),
  kmsKeyArn: input(),
  topic: input('`projects/p/topics/t`'),
});

export const WATCHED_DOCKER_TARGETS_SHAPE = object<WatchedDockerTargets>({
  network: required(str()),
  servingAlias: required(str()),
  servingPort: num('`8080`'),
  gatewayStatusUrl: required(str()),
  captureVolume: str(),
});

export const WATCHED_ENDPOINT_SHAPE = object<WatchedEndpoint>(
  {
    endpointName: required(input('`"churn-prod"`')),
    cloud: oneOf(CLOUDS),
    vcpus: num('`4`'),
    gpus: num('`1`'),
    capturePercent: num('`10`'),
    capture: WATCHED_CAPTURE_SHAPE,
    dockerTargets: WATCHED_DOCKER_TARGETS_SHAPE,
  },
  'a `ModelEndpoint`, or `{ endpointName }`',
);

export const WATCHED_PIPELINE_SHAPE = object<WatchedPipeline>(
  {
    retrainTrigger: required(input()),
    baselineUri: required(input()),
    kmsKeyArn: input(),
  },
  'an `MlPipeline`, or `{ retrainTrigger, baselineUri }`',
);

export const THRESHOLDS_SHAPE = object<MonitoringThresholdArgs>({
  latencyP99Ms: num('`1000`'),
  serverErrorPercent: num('`1`'),
  clientErrorPercent: num('`10`'),
  noTrafficMinutes: num('`15`'),
  cpuPercent: num('`90`'),
  memoryPercent: num('`90`'),
  gpuPercent: num('`95`'),
  periodSeconds: num('`60`'),
  evaluationPeriods: num('`5`'),
  datapointsToAlarm: num('`3`'),
});

export const DRIFT_SHAPE = object<DriftArgs>({
  enabled: bool(),
  schedule: oneOf(DRIFT_SCHEDULES),
  statistic: oneOf(DRIFT_STATISTICS),
  threshold: num('`0.2`'),
  featureThresholds: map(num(), '`{ tenure: 0.3 }`'),
  features: list(str(), '`["tenure", "monthly_charges"]`'),
  retrain: bool(),
  baselineUri: input(),
  image: input('`repo/drift@sha256:...`'),
});

export const NOTIFICATIONS_SHAPE = object<NotificationArgs>({
  emails: list(str(), '`["oncall@example.com"]`'),
  webhookUrl: input('`config.requireSecret("alertWebhook")`'),
  topicArn: input(),
  channelIds: list(input(), '`["projects/p/notificationChannels/123"]`'),
});

export const SMTP_SHAPE = object<SmtpArgs>({
  smarthost: required(str('`"smtp.example.com:587"`')),
  from: required(str('`"alerts@example.com"`')),
  username: str(),
  password: input('`config.requireSecret("smtpPassword")`'),
  requireTls: bool(),
});

export const MONITORING_DOCKER_SHAPE = object<MonitoringDockerArgs>({
  grafanaPort: num('`3000`'),
  prometheusPort: num('`9090`'),
  alertmanagerPort: num('`9093`'),
  smtp: SMTP_SHAPE,
});

export const MONITORING_STACK_SHAPE = object<MonitoringStackArgs>({
  // Checked by resolvePlatform, which also reads the stack config.
  platform: anything<PlatformArgs>(),
  // A ModelEndpoint or a hand-written description: read by resolveWatchedEndpoint.
  endpoint: required(
    anything<WatchedEndpoint>(),
    'give the endpoint to watch: a `ModelEndpoint`, or `{ endpointName }`',
  ),
  // An MlPipeline or a hand-written description: read by resolveWatchedPipeline.
  pipeline: anything<WatchedPipeline>(),
  thresholds: THRESHOLDS_SHAPE,
  drift: DRIFT_SHAPE,
  notifications: NOTIFICATIONS_SHAPE,
  dashboard: bool(),
  docker: MONITORING_DOCKER_SHAPE,
});
