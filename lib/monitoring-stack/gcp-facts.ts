/**
 * GCP facts of a MonitoringStack as plain data: the Cloud Monitoring alert conditions on the Cloud Run service, the
 * dashboard, the capture table in BigQuery, and the scheduled drift job's environment. Every function here takes
 * known strings (the service name, the job name) and returns what the renderer hands to the provider, so the tests
 * can assert exact filters.
 *
 * Sources: Cloud Run publishes `run.googleapis.com/request_latencies` (a distribution in milliseconds),
 * `request_count` (labelled `response_code_class`: `2xx`, `4xx`, `5xx`, ...), and the distributions
 * `container/cpu/utilizations`, `container/memory/utilizations` and, with a GPU, `container/gpu/utilizations`
 * (fractions of the instance's allocation) on the monitored resource `cloud_run_revision`. The Monitoring API takes only
 * `COMPARISON_GT` and `COMPARISON_LT` in threshold conditions and whole minutes as durations; a metric-absence
 * duration is at least 120 s and at most 23.5 hours.
 */
import { createHash } from 'node:crypto';
import type { ResolvedDrift, ResolvedMonitoringStack, ResolvedThresholds } from './resolved';

/** Metric types the alert policies and the dashboard read. */
export const RUN_METRIC = {
  latency: 'run.googleapis.com/request_latencies',
  requests: 'run.googleapis.com/request_count',
  cpu: 'run.googleapis.com/container/cpu/utilizations',
  memory: 'run.googleapis.com/container/memory/utilizations',
  gpu: 'run.googleapis.com/container/gpu/utilizations',
  instances: 'run.googleapis.com/container/instance_count',
} as const;

/** The filter of one Cloud Run service's series of a metric. */
export function serviceFilter(metric: string, serviceName: string, extra = ''): string {
  return (
    `metric.type = "${metric}" AND resource.type = "cloud_run_revision" AND ` +
    `resource.labels.service_name = "${serviceName}"${extra ? ` AND ${extra}` : ''}`
  );
}

/** The alert conditions MonitoringStack creates, one policy each. */
export type AlertKey =
  'latency' | 'server-errors' | 'client-errors' | 'no-traffic' | 'cpu' | 'memory' | 'gpu' | 'drift';

export interface AlertDefinition {
  readonly key: AlertKey;
  readonly displayName: string;
  /** CRITICAL, ERROR or WARNING (shown on the incident). */
  readonly severity: 'CRITICAL' | 'ERROR' | 'WARNING';
  /** What the policy watches and what to do, for the notification's documentation block. */
  readonly documentation: string;
  /** One `conditions[]` entry of `monitoring.AlertPolicy`. */
  readonly condition: Record<string, unknown>;
  /** The policy's `alertStrategy`, when it needs one (a log-match condition does). */
  readonly alertStrategy?: Record<string, unknown>;
}

const seconds = (n: number) => `${n}s`;

/**
 * How long after sampling a Cloud Run metric point may stay invisible to Cloud Monitoring: "Sampled every 60 seconds.
 * After sampling, data is not visible for up to 180 seconds" (request_count, request_latencies:
 * https://cloud.google.com/monitoring/api/metrics_gcp_p_z#gcp-run).
 */
export const CLOUD_RUN_METRIC_DELAY_SECONDS = 180;

/**
 * The longest time from a revision starting to fail until a latency or error-ratio policy has an open incident:
 * the metric delay, one alignment period for the first point, then the condition's `duration`. A rollout analysis
 * shorter than this can pass a failing canary.
 */
export function incidentDelaySeconds(
  t: Pick<ResolvedThresholds, 'periodSeconds' | 'datapointsToAlarm'>,
): number {
  return CLOUD_RUN_METRIC_DELAY_SECONDS + t.periodSeconds + t.periodSeconds * t.datapointsToAlarm;
}

/** Why `incidentDelaySeconds` is what it is, for error messages. */
export function incidentDelayReason(
  t: Pick<ResolvedThresholds, 'periodSeconds' | 'datapointsToAlarm'>,
): string {
  return (
    `a Cloud Run metric delay of up to ${CLOUD_RUN_METRIC_DELAY_SECONDS} s after sampling + one ` +
    `${t.periodSeconds} s alignment period + a condition duration of ${t.datapointsToAlarm} × ${t.periodSeconds} s`
  );
}

/**
 * How long a breach must last before the policy opens an incident. Cloud Monitoring has no "M out of N" rule: a
 * condition must hold continuously for `duration`. `datapointsToAlarm` consecutive periods is the closest match.
 */
export function breachDuration(t: ResolvedThresholds): string {
  return seconds(t.periodSeconds * t.datapointsToAlarm);
}

/** The p99 of a distribution per revision, then the worst revision of the service (a slow canary shows). */
function p99PerRevision(t: ResolvedThresholds) {
  return [
    {
      alignmentPeriod: seconds(t.periodSeconds),
      perSeriesAligner: 'ALIGN_PERCENTILE_99',
      crossSeriesReducer: 'REDUCE_MAX',
      groupByFields: ['resource.label.service_name'],
    },
  ];
}

/** Requests per period, summed over the service's revisions and response codes (whether the service has traffic). */
function requestsPerPeriod(t: ResolvedThresholds) {
  return [
    {
      alignmentPeriod: seconds(t.periodSeconds),
      perSeriesAligner: 'ALIGN_DELTA',
      crossSeriesReducer: 'REDUCE_SUM',
      groupByFields: ['resource.label.service_name'],
    },
  ];
}

/**
 * Requests per period and revision, summed over response codes. An error ratio is taken per revision, so that a
 * canary taking 10 % of the traffic is judged on its own requests, not diluted tenfold by the stable revision's.
 */
function requestsPerRevision(t: ResolvedThresholds) {
  return [
    {
      alignmentPeriod: seconds(t.periodSeconds),
      perSeriesAligner: 'ALIGN_DELTA',
      crossSeriesReducer: 'REDUCE_SUM',
      groupByFields: ['resource.label.service_name', 'resource.label.revision_name'],
    },
  ];
}

/**
 * A threshold condition. Missing data counts as "not breaching": an incident closes once its series stops (a
 * service without traffic has no latency; a drift check that found none writes no count) instead of staying open
 * for the default week. Traffic stopping is the no-traffic policy's job.
 */
function thresholdCondition(displayName: string, body: Record<string, unknown>) {
  return {
    displayName,
    conditionThreshold: {
      comparison: 'COMPARISON_GT',
      trigger: { count: 1 },
      evaluationMissingData: 'EVALUATION_MISSING_DATA_INACTIVE',
      ...body,
    },
  };
}

/**
 * The share of a revision's requests answered with a status class, as a ratio condition (numerator over all the
 * revision's requests; both grouped alike, so the ratio is per revision and the condition fires on the worst one).
 */
function errorRatio(t: ResolvedThresholds, serviceName: string, codeClass: '4xx' | '5xx', percent: number) {
  return {
    filter: serviceFilter(
      RUN_METRIC.requests,
      serviceName,
      `metric.labels.response_code_class = "${codeClass}"`,
    ),
    aggregations: requestsPerRevision(t),
    denominatorFilter: serviceFilter(RUN_METRIC.requests, serviceName),
    denominatorAggregations: requestsPerRevision(t),
    thresholdValue: percent / 100,
    duration: breachDuration(t),
  };
}

/** The alert definitions for a Cloud Run service (not drift: see `driftAlert`). */
export function serviceAlerts(spec: ResolvedMonitoringStack, serviceName: string): AlertDefinition[] {
  // A service awaiting a release does not exist yet: its alert policies come with the first release.
  if (spec.endpoint.awaitingRelease) return [];
  const t = spec.thresholds;
  const prefix = spec.namePrefix;
  const saturation = (key: 'cpu' | 'memory' | 'gpu', label: string, percent: number): AlertDefinition => ({
    key,
    displayName: `${prefix}: ${label} above ${percent}%`,
    severity: 'WARNING',
    documentation:
      `The busiest 1% of ${serviceName}'s instances used more than ${percent}% of their ${label} for ` +
      `${breachDuration(t)}. Raise the instance size or maxInstances, or lower the concurrency per instance.`,
    condition: thresholdCondition(`${label} utilization (p99 of instances) above ${percent}%`, {
      filter: serviceFilter(RUN_METRIC[key], serviceName),
      aggregations: p99PerRevision(t),
      thresholdValue: percent / 100,
      duration: breachDuration(t),
    }),
  });
  const alerts: AlertDefinition[] = [
    {
      key: 'latency',
      displayName: `${prefix}: p99 latency above ${t.latencyP99Ms} ms`,
      severity: 'ERROR',
      documentation:
        `The 99th percentile of ${serviceName}'s request latency (Cloud Run, in milliseconds, worst revision) ` +
        `stayed above ${t.latencyP99Ms} ms for ${breachDuration(t)}.`,
      condition: thresholdCondition(`p99 request latency above ${t.latencyP99Ms} ms`, {
        filter: serviceFilter(RUN_METRIC.latency, serviceName),
        aggregations: p99PerRevision(t),
        thresholdValue: t.latencyP99Ms,
        duration: breachDuration(t),
      }),
    },
    {
      key: 'server-errors',
      displayName: `${prefix}: server errors above ${t.serverErrorPercent}% of requests`,
      severity: 'CRITICAL',
      documentation:
        `More than ${t.serverErrorPercent}% of the requests to one revision of ${serviceName} ended in a 5xx answer for ` +
        `${breachDuration(t)}. Look at the latest revision's logs; roll back if it started with a release.`,
      condition: thresholdCondition(
        `5xx responses above ${t.serverErrorPercent}% of a revision's requests`,
        errorRatio(t, serviceName, '5xx', t.serverErrorPercent),
      ),
    },
    {
      key: 'client-errors',
      displayName: `${prefix}: client errors above ${t.clientErrorPercent}% of requests`,
      severity: 'WARNING',
      documentation:
        `More than ${t.clientErrorPercent}% of the requests to one revision of ${serviceName} ended in a 4xx answer for ` +
        `${breachDuration(t)}: callers send requests the model refuses (a changed payload, a missing permission).`,
      condition: thresholdCondition(
        `4xx responses above ${t.clientErrorPercent}% of a revision's requests`,
        errorRatio(t, serviceName, '4xx', t.clientErrorPercent),
      ),
    },
  ];
  if (t.noTrafficMinutes > 0)
    alerts.push({
      key: 'no-traffic',
      displayName: `${prefix}: no requests for ${t.noTrafficMinutes} minutes`,
      severity: 'ERROR',
      documentation:
        `${serviceName} answered no request for ${t.noTrafficMinutes} minutes. Check the callers and the ` +
        `service's ingress. (The condition arms once the service has served at least one request.)`,
      condition: {
        displayName: `no requests for ${t.noTrafficMinutes} minutes`,
        conditionAbsent: {
          filter: serviceFilter(RUN_METRIC.requests, serviceName),
          aggregations: requestsPerPeriod(t),
          duration: seconds(t.noTrafficMinutes * 60),
          trigger: { count: 1 },
        },
      },
    });
  alerts.push(saturation('cpu', 'CPU', t.cpuPercent), saturation('memory', 'memory', t.memoryPercent));
  if (spec.endpoint.gpu) alerts.push(saturation('gpu', 'GPU', t.gpuPercent));
  return alerts;
}

/** The Cloud Monitoring metric type of a log-based metric. */
export function logMetricType(metricName: string): string {
  return `logging.googleapis.com/user/${metricName}`;
}

/** Marks the drift job's result line (templates/drift prints one JSON line per check; Cloud Run logs it as jsonPayload). */
export const DRIFT_EVENT = 'mlops.drift_check';

/** The log entries of a drift check that found drift: the job's one JSON result line with `drift_detected`. */
export function driftLogFilter(jobName: string): string {
  return (
    `resource.type = "cloud_run_job" AND resource.labels.job_name = "${jobName}" AND ` +
    `jsonPayload.event = "${DRIFT_EVENT}" AND jsonPayload.drift_detected = true`
  );
}

/**
 * Not more than one notification per this period (`alertStrategy.notificationRateLimit`, which a log-match
 * condition requires). Cloud Monitoring sends at most one notification every 5 minutes per log-based policy
 * (https://cloud.google.com/monitoring/alerts/log-based-incidents), and a drift check runs at most hourly, so
 * every drifting check is told.
 */
export const DRIFT_NOTIFICATION_PERIOD = '300s';

/** A log-match incident has no series that stops: it closes after this long (`alertStrategy.autoClose`). */
export const DRIFT_INCIDENT_AUTO_CLOSE = '1800s';

/**
 * Any drift found by a run: a log-match condition on the job's result line. It needs no metric descriptor, so the
 * policy can be created with the job (a policy on a just-created log-based metric is refused for minutes with
 * "Cannot find metric(s)": hashicorp/terraform-provider-google#11102).
 */
export function driftAlert(spec: ResolvedMonitoringStack, jobName: string): AlertDefinition {
  const drift = spec.drift!;
  return {
    key: 'drift',
    displayName: `${spec.namePrefix}: input drift (${drift.statistic} above ${drift.threshold})`,
    severity: 'WARNING',
    documentation:
      `The drift job ${jobName} found captured inputs whose ${drift.statistic} against the training baseline ` +
      `exceeds ${drift.threshold} on at least one feature. Its log line (jsonPayload.features, jsonPayload.drifted_features) names them.` +
      (drift.retrain
        ? ' It starts the training workflow unless one is running; jsonPayload.retrain says what it did.'
        : ''),
    condition: {
      displayName: `drift found by ${jobName}`,
      conditionMatchedLog: { filter: driftLogFilter(jobName) },
    },
    alertStrategy: {
      notificationRateLimit: { period: DRIFT_NOTIFICATION_PERIOD },
      autoClose: DRIFT_INCIDENT_AUTO_CLOSE,
    },
  };
}

/** Cloud Scheduler's cron line for a drift schedule (UTC): at minute 0 every hour, or 04:00 every day. */
export function driftCron(schedule: ResolvedDrift['schedule']): string {
  return schedule === 'hourly' ? '0 * * * *' : '0 4 * * *';
}

/** Hours of captures one check reads: the time since the previous check. */
export function driftWindowHours(schedule: ResolvedDrift['schedule']): number {
  return schedule === 'hourly' ? 1 : 24;
}

/** BigQuery dataset id (letters, digits, underscores) of the captured requests. */
export function captureDatasetId(spec: ResolvedMonitoringStack): string {
  return `${spec.namePrefix.replace(/[^A-Za-z0-9_]/g, '_')}_capture`;
}

export const CAPTURE_TABLE_ID = 'captured_requests';

/** Captures older than this are dropped with their day's partition. */
export const CAPTURE_RETENTION_DAYS = 90;

/**
 * The table a BigQuery subscription with `writeMetadata` and no topic or table schema writes: the message body in
 * `data` (the serving template publishes one JSON object per captured request), its attributes as JSON text, and
 * the subscription, message id and publish time in their own columns.
 */
export const CAPTURE_TABLE_SCHEMA = [
  { name: 'subscription_name', type: 'STRING', mode: 'NULLABLE', description: 'The Pub/Sub subscription.' },
  { name: 'message_id', type: 'STRING', mode: 'NULLABLE', description: 'The Pub/Sub message id.' },
  {
    name: 'publish_time',
    type: 'TIMESTAMP',
    mode: 'NULLABLE',
    description: 'When the request was captured.',
  },
  {
    name: 'data',
    type: 'STRING',
    mode: 'NULLABLE',
    description: 'The captured request and response: {"time","version","request","response"} as JSON.',
  },
  {
    name: 'attributes',
    type: 'STRING',
    mode: 'NULLABLE',
    description: 'Message attributes as JSON (version).',
  },
] as const;

/**
 * Service account ids (6 to 30 characters): the name prefix plus the role; a prefix too long for that is cut and
 * given a short hash of the whole prefix, so two stacks whose names share a beginning do not share an account.
 */
export function serviceAccountIds(spec: ResolvedMonitoringStack) {
  const prefix = spec.namePrefix;
  const base =
    prefix.length <= 18
      ? prefix
      : `${prefix.slice(0, 13).replace(/-+$/, '')}-${createHash('sha1').update(prefix).digest('hex').slice(0, 4)}`;
  const id = (role: string) => `${base}-${role}`.padEnd(6, '0');
  return { drift: id('drift'), scheduler: id('drift-tick') };
}

export function driftJobName(spec: ResolvedMonitoringStack): string {
  return `${spec.namePrefix}-drift`;
}

export function driftMetricName(spec: ResolvedMonitoringStack): string {
  return `${spec.namePrefix}-drift-detected`;
}

export interface DriftJobRefs {
  /** `project.dataset.table` of the captured requests. */
  readonly captureTable: string;
  readonly baselineUri: string;
  /** The endpoint's name, for the result line. */
  readonly endpointName: string;
  /** The workflow id drift starts; undefined without retrain. */
  readonly retrainWorkflow?: string;
}

/**
 * The drift job's environment (the contract of templates/drift): where captures and the baseline are, the statistic,
 * the window one check reads, and what to start on drift.
 */
export function driftEnvironment(spec: ResolvedMonitoringStack, refs: DriftJobRefs): Record<string, string> {
  const drift = spec.drift!;
  return {
    MLOPS_DRIFT_ENDPOINT: refs.endpointName,
    MLOPS_DRIFT_BQ_TABLE: refs.captureTable,
    MLOPS_DRIFT_BQ_PROJECT: spec.platform.project,
    MLOPS_DRIFT_BQ_LOCATION: spec.platform.region,
    MLOPS_DRIFT_WINDOW_HOURS: String(driftWindowHours(drift.schedule)),
    MLOPS_DRIFT_BASELINE_URL: refs.baselineUri,
    MLOPS_DRIFT_STATISTIC: drift.statistic,
    MLOPS_DRIFT_THRESHOLD: String(drift.threshold),
    MLOPS_DRIFT_FEATURE_THRESHOLDS: JSON.stringify(drift.featureThresholds),
    ...(drift.features.length ? { MLOPS_DRIFT_FEATURES: drift.features.join(',') } : {}),
    MLOPS_DRIFT_RETRAIN: String(refs.retrainWorkflow !== undefined),
    ...(refs.retrainWorkflow ? { MLOPS_RETRAIN_WORKFLOW: refs.retrainWorkflow } : {}),
  };
}

/**
 * What the drift job needs to start the training workflow, and nothing more: create an execution, and list them
 * (it starts none while one is running). Workflows roles are granted on the project only and Workflows does not
 * evaluate IAM conditions on resource names, so no grant can name one workflow: a custom role with exactly these
 * two permissions, held by the drift job's own account, is the narrowest there is.
 */
export const RETRAIN_PERMISSIONS = ['workflows.executions.create', 'workflows.executions.list'] as const;

/** Custom role id (letters, digits, `_`, `.`; at most 64) of a stack's retrain permission. */
export function retrainRoleId(spec: ResolvedMonitoringStack): string {
  const suffix = '_driftRetrain';
  return `${spec.namePrefix.replace(/[^a-zA-Z0-9_.]/g, '_').slice(0, 64 - suffix.length)}${suffix}`;
}

/** The console address of a dashboard (its id is `projects/<number>/dashboards/<dashboard id>`). */
export function dashboardUrl(dashboardId: string, project: string): string {
  return `https://console.cloud.google.com/monitoring/dashboards/builder/${dashboardId.split('/').pop()}?project=${project}`;
}

interface Chart {
  readonly title: string;
  readonly filter: string;
  readonly aggregation: Record<string, unknown>;
  readonly threshold?: number;
  readonly unit: string;
}

/** The dashboard: latency, traffic by status class, errors, saturation and (with drift) drift findings. */
export function dashboardDefinition(
  spec: ResolvedMonitoringStack,
  serviceName: string,
  driftMetricType?: string,
): Record<string, unknown> {
  const t = spec.thresholds;
  const period = seconds(t.periodSeconds);
  const byService = ['resource.label.service_name'];
  const p = (aligner: string) => ({
    alignmentPeriod: period,
    perSeriesAligner: aligner,
    crossSeriesReducer: 'REDUCE_MAX',
    groupByFields: byService,
  });
  const charts: Chart[] = [
    {
      title: 'Request latency p99 (ms)',
      filter: serviceFilter(RUN_METRIC.latency, serviceName),
      aggregation: p('ALIGN_PERCENTILE_99'),
      threshold: t.latencyP99Ms,
      unit: 'ms',
    },
    {
      title: 'Requests per second by status class',
      filter: serviceFilter(RUN_METRIC.requests, serviceName),
      aggregation: {
        alignmentPeriod: period,
        perSeriesAligner: 'ALIGN_RATE',
        crossSeriesReducer: 'REDUCE_SUM',
        groupByFields: ['metric.label.response_code_class'],
      },
      unit: '1/s',
    },
    {
      title: 'CPU utilization p99 of instances',
      filter: serviceFilter(RUN_METRIC.cpu, serviceName),
      aggregation: p('ALIGN_PERCENTILE_99'),
      threshold: t.cpuPercent / 100,
      unit: 'ratio',
    },
    {
      title: 'Memory utilization p99 of instances',
      filter: serviceFilter(RUN_METRIC.memory, serviceName),
      aggregation: p('ALIGN_PERCENTILE_99'),
      threshold: t.memoryPercent / 100,
      unit: 'ratio',
    },
    {
      title: 'Instances',
      filter: serviceFilter(RUN_METRIC.instances, serviceName),
      aggregation: {
        alignmentPeriod: period,
        perSeriesAligner: 'ALIGN_MAX',
        crossSeriesReducer: 'REDUCE_SUM',
        groupByFields: ['metric.label.state'],
      },
      unit: 'instances',
    },
  ];
  if (spec.endpoint.gpu)
    charts.push({
      title: 'GPU utilization p99 of instances',
      filter: serviceFilter(RUN_METRIC.gpu, serviceName),
      aggregation: p('ALIGN_PERCENTILE_99'),
      threshold: t.gpuPercent / 100,
      unit: 'ratio',
    });
  if (driftMetricType)
    charts.push({
      title: 'Drift checks that found drift',
      filter: `metric.type = "${driftMetricType}" AND resource.type = "cloud_run_job"`,
      aggregation: {
        alignmentPeriod: '3600s',
        perSeriesAligner: 'ALIGN_DELTA',
        crossSeriesReducer: 'REDUCE_SUM',
      },
      unit: 'checks',
    });
  return {
    displayName: `${spec.namePrefix} model endpoint`,
    mosaicLayout: {
      columns: 12,
      tiles: charts.map((chart, i) => ({
        xPos: (i % 2) * 6,
        yPos: Math.floor(i / 2) * 4,
        width: 6,
        height: 4,
        widget: {
          title: chart.title,
          xyChart: {
            dataSets: [
              {
                timeSeriesQuery: {
                  timeSeriesFilter: { filter: chart.filter, aggregation: chart.aggregation },
                },
                plotType: 'LINE',
              },
            ],
            ...(chart.threshold !== undefined ? { thresholds: [{ value: chart.threshold }] } : {}),
            yAxis: { label: chart.unit, scale: 'LINEAR' },
          },
        },
      })),
    },
  };
}
