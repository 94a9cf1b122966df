/**
 * The AWS facts of a MonitoringStack as plain data: CloudWatch alarms, the dashboard body, the topic's key
 * policy, the Model Monitor data-quality job and schedule with its role, the drift alarms, and the EventBridge
 * rule that starts the SageMaker pipeline on drift. The Pulumi AWS renderer and the CDK construct both build from
 * these functions. Values are strings: plain in Pulumi (inside an apply), CloudFormation tokens in CDK.
 *
 * Sources: SageMaker's CloudWatch metrics reference (see `../model-endpoint/metrics.ts`); Model Monitor's
 * "CloudWatch Metrics" and "CloudWatch Metrics for Bring Your Own Containers" pages (drift metrics
 * `feature_baseline_drift_<feature>`, dimensions `Endpoint` and `MonitoringSchedule`; the namespace is the one
 * AWS's bias and model-quality pages use for their own metrics, `aws/sagemaker/Endpoints/<kind>-metrics`);
 * EventBridge's CloudWatch events reference (`aws.cloudwatch`, `CloudWatch Alarm State Change`) and its
 * cross-service confused-deputy page (`aws:SourceArn` of a rule target's role is the rule ARN); SNS's key
 * management page (a service publishing to an encrypted topic needs `kms:Decrypt` and `kms:GenerateDataKey*`).
 *
 * AWS's pages contradict each other on the drift metrics' namespace: the built-in container page
 * (model-monitor-interpreting-cloudwatch.html) says `/aws/sagemaker/Endpoints/data-metric` with `EndpointName` and
 * `ScheduleName` dimensions, the bring-your-own-container page (model-monitor-byoc-cloudwatch.html) says
 * `/aws/sagemaker/Endpoint/data-metrics` with `Endpoint` and `MonitoringSchedule`, and the bias page and AWS's
 * public samples use `aws/sagemaker/Endpoints/<kind>-metrics` with `Endpoint` and `MonitoringSchedule`. The alarms
 * read the last (`DATA_QUALITY_NAMESPACE`, the one the samples alarm on); the monitoring role may publish into all
 * of them (`DATA_METRICS_NAMESPACE_PATTERNS`), so a wrong guess shows as an alarm on an empty series (the missing
 * metrics can be found under the other namespace) rather than as metrics refused by IAM. Unverified in a live account.
 */
import {
  kmsGrantForAwsResourceStatement,
  kmsUseStatement,
  kmsViaService,
  policyDocument,
  serviceTrustPolicy,
  type AwsEnvironment,
  type PolicyDocument,
  type PolicyStatement,
} from '../blocks/aws-iam';
import { keyPolicy } from '../blocks/aws-storage';
import {
  SAGEMAKER_METRIC_NAMESPACE,
  SAGEMAKER_SERVICE,
  regionalArn,
  sagemakerTrustPolicy,
  vpcAttachStatement,
  writeLogsStatement,
} from '../blocks/sagemaker-iam';
import { modelMonitorAnalyzerImage } from '../blocks/sagemaker-model-monitor';
import { awsEndpointMetrics, modelLatencyUnits, type CloudWatchMetricFacts } from '../model-endpoint/metrics';
import type { ResolvedMonitoringStack } from './resolved';

/** Where Model Monitor's data-quality container publishes its per-feature metrics for real-time endpoints. */
export const DATA_QUALITY_NAMESPACE = 'aws/sagemaker/Endpoints/data-metrics';
/**
 * What the monitoring role may publish into (IAM `StringLike` on `cloudwatch:namespace`): the namespace the alarms
 * read, and the two spellings of AWS's Model Monitor pages (`/aws/sagemaker/Endpoints/data-metric`,
 * `/aws/sagemaker/Endpoint/data-metrics`); see the header.
 */
export const DATA_METRICS_NAMESPACE_PATTERNS = [
  DATA_QUALITY_NAMESPACE,
  '/aws/sagemaker/Endpoint*/data-metric*',
];
/** The per-feature drift metric: the distance of the captured distribution from the baseline's. */
export function driftMetricName(feature: string): string {
  return `feature_baseline_drift_${feature}`;
}
export { SAGEMAKER_SERVICE };
export const CLOUDWATCH_SERVICE = 'cloudwatch.amazonaws.com';
export const EVENTS_SERVICE = 'events.amazonaws.com';

// ---------------------------------------------------------------------------------------------------- alarms

/** One metric read by an alarm or a metric-math alarm. */
export interface AlarmMetric {
  /** Id inside a metric-math alarm (lowercase first letter). */
  readonly id: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** `Sum`, `Average`, `Maximum`, or a percentile such as `p99`. */
  readonly statistic: string;
  readonly periodSeconds: number;
}

export type ComparisonOperator =
  | 'GreaterThanThreshold'
  | 'GreaterThanOrEqualToThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';

/** A CloudWatch alarm: on one metric (`metric`) or on a metric-math expression over `metrics`. */
export interface AlarmPlan {
  /** Short fixed id: names the child resource. */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** Short title of its dashboard graph. */
  readonly title: string;
  /** The single metric alarmed on; absent for a metric-math alarm. */
  readonly metric?: AlarmMetric;
  /** A metric-math alarm: the expression (its id is `expression.id`) over `metrics`. */
  readonly expression?: { readonly id: string; readonly expression: string; readonly label: string };
  /** The metrics the expression reads (not returned). */
  readonly metrics?: readonly AlarmMetric[];
  readonly threshold: number;
  readonly comparisonOperator: ComparisonOperator;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: 'notBreaching' | 'breaching' | 'missing' | 'ignore';
  /** What happens on its own when it fires, beyond telling people (for the docs and the description). */
  readonly kind: 'health' | 'drift';
}

function asAlarmMetric(id: string, facts: CloudWatchMetricFacts, periodSeconds: number): AlarmMetric {
  return {
    id,
    namespace: facts.namespace,
    metricName: facts.metricName,
    dimensions: facts.dimensions,
    statistic: facts.statistic,
    periodSeconds,
  };
}

/** The names of the stack's alarms, known at synth time (the endpoint's name is not needed). */
export function alarmName(spec: ResolvedMonitoringStack, id: string): string {
  return `${spec.namePrefix}-${id}`;
}

/**
 * A rate alarm: `100 * errors / invocations` at or above the percent (above it when the percent is 0: any error).
 * Periods without traffic give no data point and do not breach.
 */
function errorRateAlarm(
  spec: ResolvedMonitoringStack,
  id: 'server-errors' | 'client-errors',
  errors: CloudWatchMetricFacts,
  invocations: CloudWatchMetricFacts,
  percent: number,
  what: string,
): AlarmPlan {
  const t = spec.thresholds;
  return {
    id,
    name: alarmName(spec, id),
    title: `${what} rate (%)`,
    description: `${what} rate of ${spec.namePrefix} is ${percent === 0 ? 'above 0' : `at or above ${percent}`}% of requests in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods of ${t.periodSeconds} s.`,
    expression: {
      id: 'rate',
      expression: '100 * FILL(errors, 0) / invocations',
      label: `${what} rate (% of requests)`,
    },
    metrics: [
      asAlarmMetric('errors', errors, t.periodSeconds),
      asAlarmMetric('invocations', invocations, t.periodSeconds),
    ],
    threshold: percent,
    comparisonOperator: percent === 0 ? 'GreaterThanThreshold' : 'GreaterThanOrEqualToThreshold',
    evaluationPeriods: t.evaluationPeriods,
    datapointsToAlarm: t.datapointsToAlarm,
    treatMissingData: 'notBreaching',
    kind: 'health',
  };
}

/**
 * The health alarms on the endpoint's metrics: p99 latency, server and client error rates, no traffic for N
 * minutes, CPU, memory and GPU saturation. Thresholds come from the resolved spec; CPU and GPU thresholds are
 * multiplied by the instance's vCPUs and GPUs because CloudWatch sums utilization over them.
 */
export function healthAlarms(spec: ResolvedMonitoringStack, endpointName: string): AlarmPlan[] {
  // An endpoint awaiting a release has no metrics: its alarms come with the first release.
  if (spec.endpoint.awaitingRelease) return [];
  const t = spec.thresholds;
  const m = awsEndpointMetrics(endpointName, { periodSeconds: t.periodSeconds });
  const common = {
    evaluationPeriods: t.evaluationPeriods,
    datapointsToAlarm: t.datapointsToAlarm,
    kind: 'health' as const,
  };
  const window = `in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods of ${t.periodSeconds} s`;
  const alarms: AlarmPlan[] = [
    {
      ...common,
      id: 'latency-p99',
      name: alarmName(spec, 'latency-p99'),
      title: 'p99 model latency (microseconds)',
      description: `p99 model latency of ${spec.namePrefix} is above ${t.latencyP99Ms} ms ${window}.`,
      metric: asAlarmMetric('latency', m.latency, t.periodSeconds),
      threshold: modelLatencyUnits(t.latencyP99Ms),
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
    },
    errorRateAlarm(
      spec,
      'server-errors',
      m.serverErrors,
      m.invocations,
      t.serverErrorPercent,
      'Server error (5xx)',
    ),
    errorRateAlarm(
      spec,
      'client-errors',
      m.clientErrors,
      m.invocations,
      t.clientErrorPercent,
      'Client error (4xx)',
    ),
  ];
  if (t.noTrafficMinutes > 0) {
    // One-minute periods: SageMaker publishes nothing in a minute without requests, so missing data breaches.
    alarms.push({
      id: 'no-traffic',
      name: alarmName(spec, 'no-traffic'),
      title: 'Invocations per minute',
      description: `${spec.namePrefix} received no request for ${t.noTrafficMinutes} minutes.`,
      metric: asAlarmMetric('invocations', m.invocations, 60),
      threshold: 1,
      comparisonOperator: 'LessThanThreshold',
      evaluationPeriods: t.noTrafficMinutes,
      datapointsToAlarm: t.noTrafficMinutes,
      treatMissingData: 'breaching',
      kind: 'health',
    });
  }
  const saturation = (
    id: 'cpu' | 'memory' | 'gpu',
    facts: CloudWatchMetricFacts,
    percent: number,
    units: number,
    what: string,
  ): AlarmPlan => ({
    ...common,
    id,
    name: alarmName(spec, id),
    title: units > 1 ? `${what} use (% summed over ${units})` : `${what} use (%)`,
    description: `${what} use of ${spec.namePrefix} is above ${percent}% ${window}.`,
    metric: asAlarmMetric(id, facts, t.periodSeconds),
    threshold: percent * units,
    comparisonOperator: 'GreaterThanThreshold',
    // No instance metrics while the endpoint is being created or has scaled to nothing: not a saturation.
    treatMissingData: 'notBreaching',
  });
  const { vcpus, gpus, gpu } = spec.endpoint;
  if (vcpus !== undefined) alarms.push(saturation('cpu', m.cpuUtilization, t.cpuPercent, vcpus, 'CPU'));
  if (vcpus !== undefined)
    alarms.push(saturation('memory', m.memoryUtilization, t.memoryPercent, 1, 'Memory'));
  if (gpu && gpus !== undefined && gpus > 0)
    alarms.push(saturation('gpu', m.gpuUtilization, t.gpuPercent, gpus, 'GPU'));
  return alarms;
}

/** The monitoring schedule's name (a dimension of the drift metrics). */
export function monitoringScheduleName(spec: ResolvedMonitoringStack): string {
  return `${spec.namePrefix}-data-quality`;
}

/** Seconds between two monitoring runs. */
export function scheduleSeconds(schedule: 'hourly' | 'daily'): number {
  return schedule === 'hourly' ? 3600 : 86400;
}

/** Model Monitor's cron expression for the schedule (its examples: `cron(0 * ? * * *)` is hourly). */
export function scheduleExpression(schedule: 'hourly' | 'daily'): string {
  return schedule === 'hourly' ? 'cron(0 * ? * * *)' : 'cron(0 0 ? * * *)';
}

/**
 * One drift alarm per watched feature on the distance Model Monitor publishes after each run; one period per run.
 * Only with `statistic: 'model-monitor'` (the resolver refuses the others on aws).
 */
export function driftAlarms(spec: ResolvedMonitoringStack, endpointName: string): AlarmPlan[] {
  const drift = spec.drift;
  if (!drift) return [];
  const periodSeconds = scheduleSeconds(drift.schedule);
  const dimensions = { Endpoint: endpointName, MonitoringSchedule: monitoringScheduleName(spec) };
  return drift.features.map((feature) => {
    const threshold = drift.featureThresholds[feature] ?? drift.threshold;
    return {
      id: `drift-${feature}`,
      name: alarmName(spec, `drift-${feature}`),
      title: `Drift of ${feature}`,
      description: `Input feature ${feature} of ${spec.namePrefix} drifted from the served version's baseline (distance above ${threshold})${drift.retrain ? '; starts retraining' : ''}.`,
      metric: {
        id: 'drift',
        namespace: DATA_QUALITY_NAMESPACE,
        metricName: driftMetricName(feature),
        dimensions,
        // One data point per run; Maximum reads it whatever the statistic it was published with.
        statistic: 'Maximum',
        periodSeconds,
      },
      threshold,
      comparisonOperator: 'GreaterThanThreshold',
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // A run that did not happen (no captured requests) is not drift.
      treatMissingData: 'notBreaching',
      kind: 'drift',
    };
  });
}

/** Every alarm of the stack: the health alarms, then one drift alarm per watched feature. */
export function alarms(spec: ResolvedMonitoringStack, endpointName: string): AlarmPlan[] {
  return [...healthAlarms(spec, endpointName), ...driftAlarms(spec, endpointName)];
}

/** The alarm shape under the name the CDK construct uses. */
export type AlarmDefinition = AlarmPlan;

// ---------------------------------------------------------------------------------------------- topic and key

/** CloudWatch acting for this account's alarms in this region only (confused-deputy guard). */
function cloudWatchAlarmsCondition(env: AwsEnvironment): PolicyStatement['Condition'] {
  return {
    StringEquals: { 'aws:SourceAccount': env.account },
    ArnLike: { 'aws:SourceArn': regionalArn(env, 'cloudwatch', 'alarm:*') },
  };
}

/**
 * The policy of the topic's own key: the account administers it through IAM, grants only for AWS resources, and
 * CloudWatch may use it to publish alarm notifications, for this account's alarms in this region only. (Without
 * it, alarms publishing to an encrypted topic deliver nothing and report no error.)
 */
export function topicKeyPolicy(env: AwsEnvironment): PolicyDocument {
  const base = keyPolicy(env);
  return policyDocument([
    ...base.Statement,
    {
      Sid: 'CloudWatchAlarmsPublish',
      Effect: 'Allow',
      Principal: { Service: CLOUDWATCH_SERVICE },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
      Condition: cloudWatchAlarmsCondition(env),
    },
  ]);
}

/** A statement of the topic's policy: every request to it must use TLS (AwsSolutions-SNS3). */
export function topicTlsOnlyStatement(topicArn: string): PolicyStatement {
  return {
    Sid: 'TlsOnly',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 'sns:Publish',
    Resource: topicArn,
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

/**
 * A statement of the topic's policy: CloudWatch may publish to it, for this account's alarms in this region only.
 * A topic has one access policy and this one replaces SNS's default (which let the account's principals publish),
 * so without it every alarm's notification fails with "not authorized to perform: SNS:Publish" in the alarm's
 * history and nobody is told (AWS re:Post, "Why didn't I receive an SNS notification for my CloudWatch alarm
 * trigger?": https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger).
 */
export function topicCloudWatchPublishStatement(topicArn: string, env: AwsEnvironment): PolicyStatement {
  return {
    Sid: 'CloudWatchAlarmsPublish',
    Effect: 'Allow',
    Principal: { Service: CLOUDWATCH_SERVICE },
    Action: 'sns:Publish',
    Resource: topicArn,
    Condition: cloudWatchAlarmsCondition(env),
  };
}

/** The topic's policy document: TLS only, and CloudWatch alarms of this account and region may publish. */
export function topicPolicy(topicArn: string, env: AwsEnvironment): PolicyDocument {
  return policyDocument([topicTlsOnlyStatement(topicArn), topicCloudWatchPublishStatement(topicArn, env)]);
}

/**
 * Whether the stack creates its own topic: unless the user named only an existing topic. In dev with nobody to
 * tell, the topic has no subscription, so every alarm still has an action.
 */
export function ownsTopic(spec: ResolvedMonitoringStack): boolean {
  const n = spec.notifications;
  return n.emails.length > 0 || n.webhookUrl !== undefined || n.topicArn === undefined;
}

export function topicName(spec: ResolvedMonitoringStack): string {
  return `${spec.namePrefix}-alarms`;
}

/** The sender name of email notifications. */
export function topicDisplayName(spec: ResolvedMonitoringStack): string {
  return `${spec.namePrefix} alarms`.slice(0, 100);
}

/** Subscriptions of the created topic: one per email, one for the webhook. */
export function subscriptions(
  spec: ResolvedMonitoringStack,
): { id: string; protocol: 'email' | 'https'; index: number }[] {
  const out: { id: string; protocol: 'email' | 'https'; index: number }[] = spec.notifications.emails.map(
    (_e, index) => ({ id: `email-${index}`, protocol: 'email', index }),
  );
  if (spec.notifications.webhookUrl !== undefined) out.push({ id: 'webhook', protocol: 'https', index: 0 });
  return out;
}

// ---------------------------------------------------------------------------------------------- dashboard

export function dashboardName(spec: ResolvedMonitoringStack): string {
  return spec.namePrefix;
}

/** The console URL of a dashboard. */
export function dashboardUrl(region: string, name: string): string {
  const host = region.startsWith('cn-')
    ? `${region}.console.amazonaws.cn`
    : `${region}.console.aws.amazon.com`;
  return `https://${host}/cloudwatch/home?region=${region}#dashboards:name=${name}`;
}

type WidgetMetric = (string | Record<string, unknown>)[];

function widgetMetric(metric: AlarmMetric, options: Record<string, unknown> = {}): WidgetMetric {
  const dims = Object.entries(metric.dimensions).flat();
  return [
    metric.namespace,
    metric.metricName,
    ...dims,
    { stat: metric.statistic, id: metric.id, ...options },
  ];
}

/**
 * The dashboard body: one graph per alarm with its threshold drawn, and an invocations graph. Widgets are 12 wide,
 * two per row.
 */
export function dashboardBody(
  spec: ResolvedMonitoringStack,
  where: { readonly region: string; readonly endpointName: string },
): string {
  return JSON.stringify({ widgets: dashboardWidgets(spec, where) });
}

/** The dashboard's widgets (what `dashboardBody` serializes). */
export function dashboardWidgets(
  spec: ResolvedMonitoringStack,
  { region, endpointName }: { readonly region: string; readonly endpointName: string },
) {
  const planned = alarms(spec, endpointName);
  const m = awsEndpointMetrics(endpointName, { periodSeconds: spec.thresholds.periodSeconds });
  const graphs: {
    title: string;
    period: number;
    metrics: WidgetMetric[];
    threshold?: number;
    label?: string;
  }[] = [
    {
      title: 'Invocations and errors (per period)',
      period: spec.thresholds.periodSeconds,
      metrics: [m.invocations, m.serverErrors, m.clientErrors].map((f) =>
        widgetMetric(asAlarmMetric(f.metricName.toLowerCase(), f, spec.thresholds.periodSeconds)),
      ),
    },
  ];
  for (const alarm of planned) {
    const metrics: WidgetMetric[] = alarm.expression
      ? [
          [
            {
              expression: alarm.expression.expression,
              label: alarm.expression.label,
              id: alarm.expression.id,
            },
          ],
          ...(alarm.metrics ?? []).map((metric) => widgetMetric(metric, { visible: false })),
        ]
      : [widgetMetric(alarm.metric!)];
    graphs.push({
      title: alarm.title,
      period: alarm.metric?.periodSeconds ?? alarm.metrics![0].periodSeconds,
      metrics,
      threshold: alarm.threshold,
      label: alarm.name,
    });
  }
  return graphs.map((graph, index) => ({
    type: 'metric',
    x: (index % 2) * 12,
    y: Math.floor(index / 2) * 6,
    width: 12,
    height: 6,
    properties: {
      title: graph.title,
      region,
      view: 'timeSeries',
      period: graph.period,
      metrics: graph.metrics,
      ...(graph.threshold !== undefined
        ? { annotations: { horizontal: [{ value: graph.threshold, label: graph.label }] } }
        : {}),
    },
  }));
}

// ---------------------------------------------------------------------------------------------- data quality

/** Deploy-time facts of the monitor: where capture is, where reports go, which keys. */
export interface MonitorAwsRefs extends AwsEnvironment {
  readonly endpointName: string;
  /** `s3://bucket/prefix` of the endpoint's request capture. */
  readonly captureS3Uri: string;
  readonly captureKeyArn: string;
  /** Prefix of the baseline: `statistics.json` and `constraints.json` are under it. */
  readonly baselineUri: string;
  /** Key of the baseline's bucket, when it has one. */
  readonly baselineKeyArn?: string;
  readonly subnetIds?: readonly string[];
  readonly securityGroupIds?: readonly string[];
  /** The analyzer image, when the region is known only at deploy time (CDK: a mapping). Default: the region's. */
  readonly analyzerImage?: string;
}

function splitS3(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new Error(`not an s3:// URL: ${url}`);
  return { bucket: m[1], key: m[2] };
}

function withSlash(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/** Model Monitor's baseline files under the baseline prefix (the names its baselining job writes). */
export function baselineFiles(baselineUri: string): { statistics: string; constraints: string } {
  const base = withSlash(baselineUri);
  return { statistics: `${base}statistics.json`, constraints: `${base}constraints.json` };
}

/** Where the monitor writes its reports: next to the capture, under `monitoring/<endpoint>/`. */
export function reportsS3Uri(refs: Pick<MonitorAwsRefs, 'captureS3Uri' | 'endpointName'>): string {
  const { bucket } = splitS3(refs.captureS3Uri);
  return `s3://${bucket}/monitoring/${refs.endpointName}/data-quality`;
}

/** The analyzer's environment variable that makes it publish CloudWatch metrics (value `Enabled`). */
export const PUBLISH_METRICS_ENV = 'publish_cloudwatch_metrics';

/** Processing resources of a monitoring run: one instance, an encrypted 20 GB volume, at most an hour. */
export const MONITOR_RESOURCES = {
  instanceType: 'ml.m5.xlarge',
  instanceCount: 1,
  volumeSizeInGb: 20,
  maxRuntimeInSeconds: 3600,
} as const;

/**
 * The DataQualityJobDefinition's inputs (camelCase: the shape Pulumi and CDK's L1 both take): the analyzer image,
 * the endpoint's captured requests, the served version's baseline, encrypted output and volume.
 */
export function dataQualityJob(spec: ResolvedMonitoringStack, refs: MonitorAwsRefs) {
  const image = refs.analyzerImage ?? modelMonitorAnalyzerImage(refs.region);
  if (!image) throw new Error(`Model Monitor has no analyzer image in ${refs.region}`);
  const baseline = baselineFiles(refs.baselineUri);
  const subnets = refs.subnetIds ?? [];
  return {
    jobDefinitionName: `${spec.namePrefix}-data-quality`,
    dataQualityAppSpecification: {
      imageUri: image,
      // The container publishes its CloudWatch metrics (the drift alarms' data) only when asked:
      // https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-byoc-cloudwatch.html
      environment: { [PUBLISH_METRICS_ENV]: 'Enabled' },
    },
    dataQualityBaselineConfig: {
      constraintsResource: { s3Uri: baseline.constraints },
      statisticsResource: { s3Uri: baseline.statistics },
    },
    dataQualityJobInput: {
      endpointInput: {
        endpointName: refs.endpointName,
        localPath: '/opt/ml/processing/input/endpoint',
        s3InputMode: 'File',
        s3DataDistributionType: 'FullyReplicated',
      },
    },
    dataQualityJobOutputConfig: {
      kmsKeyId: refs.captureKeyArn,
      monitoringOutputs: {
        s3Output: {
          s3Uri: reportsS3Uri(refs),
          localPath: '/opt/ml/processing/output',
          s3UploadMode: 'EndOfJob',
        },
      },
    },
    jobResources: {
      clusterConfig: {
        instanceCount: MONITOR_RESOURCES.instanceCount,
        instanceType: MONITOR_RESOURCES.instanceType,
        volumeSizeInGb: MONITOR_RESOURCES.volumeSizeInGb,
        volumeKmsKeyId: refs.captureKeyArn,
      },
    },
    networkConfig: {
      enableInterContainerTrafficEncryption: true,
      vpcConfig:
        subnets.length > 0
          ? { subnets: [...subnets], securityGroupIds: [...(refs.securityGroupIds ?? [])] }
          : undefined,
    },
    stoppingCondition: { maxRuntimeInSeconds: MONITOR_RESOURCES.maxRuntimeInSeconds },
  };
}

/**
 * The window of captured traffic each run analyses, as offsets from the run's start (ISO 8601 durations; the window
 * may not exceed 24 hours): the whole period since the previous run, so a daily check reads the day's traffic.
 * CloudFormation's `ScheduleConfig` takes them (`DataAnalysisStartTime`/`DataAnalysisEndTime`); the Pulumi AWS
 * provider's `scheduleConfig` has only `scheduleExpression`, so there each run reads Model Monitor's default window.
 */
export function analysisWindow(schedule: 'hourly' | 'daily'): {
  dataAnalysisStartTime: string;
  dataAnalysisEndTime: string;
} {
  return { dataAnalysisStartTime: schedule === 'hourly' ? '-PT1H' : '-PT24H', dataAnalysisEndTime: '-PT0H' };
}

/** The MonitoringSchedule's config: the job definition above, on the drift schedule. */
export function monitoringScheduleConfig(spec: ResolvedMonitoringStack, jobDefinitionName: string) {
  return {
    monitoringJobDefinitionName: jobDefinitionName,
    monitoringType: 'DataQuality',
    scheduleConfig: { scheduleExpression: scheduleExpression(spec.drift?.schedule ?? 'daily') },
  };
}

/** Trust of the monitoring role: SageMaker, acting for this account's resources in this region. */
export function monitorTrustPolicy(env: AwsEnvironment): PolicyDocument {
  return sagemakerTrustPolicy(env, ['*']);
}

/**
 * The monitoring role, least privilege: read the endpoint's capture and the baseline, write reports under
 * `monitoring/<endpoint>/`, use the capture key (and the baseline's) through S3 and SageMaker only, write its
 * logs and its metrics.
 */
export function monitorRolePolicy(refs: MonitorAwsRefs): PolicyDocument {
  const capture = splitS3(refs.captureS3Uri);
  const reports = splitS3(reportsS3Uri(refs));
  const baseline = splitS3(refs.baselineUri);
  const files = baselineFiles(refs.baselineUri);
  const p = refs.partition;
  const obj = (bucket: string, key: string) => `arn:${p}:s3:::${bucket}/${key}`;
  const services = [kmsViaService('s3', refs.region), kmsViaService('sagemaker', refs.region)];
  // No ECR grant: SageMaker pulls the analyzer image itself (its repository trusts SageMaker, not this role).
  const statements: PolicyStatement[] = [];
  statements.push(
    {
      Sid: 'ReadCapture',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: obj(capture.bucket, `${withSlash(capture.key)}*`),
    },
    {
      Sid: 'ListCapture',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: `arn:${p}:s3:::${capture.bucket}`,
      Condition: {
        StringLike: { 's3:prefix': [`${withSlash(capture.key)}*`, `monitoring/${refs.endpointName}/*`] },
      },
    },
    {
      Sid: 'ReadBaseline',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: [
        obj(baseline.bucket, splitS3(files.constraints).key),
        obj(baseline.bucket, splitS3(files.statistics).key),
      ],
    },
    {
      Sid: 'WriteReports',
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: obj(reports.bucket, `monitoring/${refs.endpointName}/*`),
    },
    kmsUseStatement('UseCaptureKey', refs.captureKeyArn, ['read', 'write', 'describe', 'encrypt'], services),
    kmsGrantForAwsResourceStatement('EncryptMonitorVolume', refs.captureKeyArn),
  );
  if (refs.baselineKeyArn && refs.baselineKeyArn !== refs.captureKeyArn) {
    statements.push(kmsUseStatement('DecryptBaseline', refs.baselineKeyArn, ['read', 'describe'], services));
  }
  statements.push(writeLogsStatement('WriteMonitorLogs', refs, ['/aws/sagemaker/ProcessingJobs']), {
    Sid: 'PublishMonitorMetrics',
    Effect: 'Allow',
    Action: 'cloudwatch:PutMetricData',
    Resource: '*',
    // StringLike: the drift namespace is documented in several spellings (see the header).
    Condition: {
      StringLike: {
        'cloudwatch:namespace': [
          SAGEMAKER_METRIC_NAMESPACE.processingJobs,
          ...DATA_METRICS_NAMESPACE_PATTERNS,
        ],
      },
    },
  });
  if ((refs.subnetIds?.length ?? 0) > 0) statements.push(vpcAttachStatement());
  return policyDocument(statements);
}

// ---------------------------------------------------------------------------------------------- drift → retrain

export function driftRuleName(spec: ResolvedMonitoringStack): string {
  return `${spec.namePrefix}-drift-retrain`;
}

/** ARN of a rule on the default event bus. */
export function ruleArn(env: AwsEnvironment, name: string): string {
  return regionalArn(env, 'events', `rule/${name}`);
}

/** The rule's event pattern: one of the drift alarms entering ALARM. */
export function driftEventPattern(driftAlarmNames: readonly string[]) {
  return {
    source: ['aws.cloudwatch'],
    'detail-type': ['CloudWatch Alarm State Change'],
    detail: { alarmName: [...driftAlarmNames], state: { value: ['ALARM'] } },
  };
}

/** Trust of the rule's role: EventBridge, for this rule of this account only. */
export function retrainTrustPolicy(env: AwsEnvironment, ruleName: string): PolicyDocument {
  return serviceTrustPolicy(EVENTS_SERVICE, { account: env.account, arns: [ruleArn(env, ruleName)] });
}

/** The rule's role may do exactly one thing: start this pipeline. */
export function retrainRolePolicy(pipelineArn: string): PolicyDocument {
  return policyDocument([
    {
      Sid: 'StartRetraining',
      Effect: 'Allow',
      Action: 'sagemaker:StartPipelineExecution',
      Resource: pipelineArn,
    },
  ]);
}
