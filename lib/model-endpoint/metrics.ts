/**
 * The metrics a model endpoint publishes, per cloud, as plain data: what `ModelEndpoint.metricLatency()` and its
 * siblings return, what `MonitoringStack` alarms on and draws, and what the CDK construct wraps as
 * `cloudwatch.Metric`. Written once here so the alarms, the dashboards and the user's own alarms read the same
 * facts.
 *
 * Sources: SageMaker's CloudWatch metrics reference (invocation metrics in `AWS/SageMaker`, instance metrics in
 * `/aws/sagemaker/Endpoints`; `ModelLatency` in microseconds; `CPUUtilization` and `GPUUtilization` summed over
 * cores and GPUs, so 0-400 on a 4-vCPU instance, as AWS's knowledge center article "sagemaker-cpu-gpu-utilization-100"
 * explains), Cloud Run's Cloud Monitoring metrics (`run.googleapis.com/...` on `cloud_run_revision`), and the
 * serving template's Prometheus metrics (design decision 4).
 */

/** The handle names: one per thing worth watching on every cloud. */
export type EndpointMetricName =
  | 'latency'
  | 'invocations'
  | 'serverErrors'
  | 'clientErrors'
  | 'cpuUtilization'
  | 'memoryUtilization'
  | 'gpuUtilization';

/** The variant name the primary model serves under; a blue/green update must keep variant names stable. */
export const PRIMARY_VARIANT = 'primary';

/** A latency in milliseconds in the unit SageMaker publishes `ModelLatency` in (microseconds). */
export function modelLatencyUnits(ms: number): number {
  return ms * 1000;
}

/** SageMaker's namespace of invocation metrics (reserved for AWS). */
export const SAGEMAKER_INVOCATION_NAMESPACE = 'AWS/SageMaker';
/** SageMaker's namespace of endpoint instance metrics (CPU, memory, GPU, disk). */
export const SAGEMAKER_INSTANCE_NAMESPACE = '/aws/sagemaker/Endpoints';

/** A CloudWatch metric with the statistic and period it is meant to be read with. */
export interface CloudWatchMetricFacts {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** `Sum`, `Average`, `Maximum`, or a percentile such as `p99`. */
  readonly statistic: string;
  readonly periodSeconds: number;
  /** The unit the metric is published in: `Microseconds`, `Percent` or `None` (a count). */
  readonly unit: 'Microseconds' | 'Percent' | 'None';
  /** What one value means, with its range. */
  readonly description: string;
}

/** Which series of an endpoint: a variant (the primary by default). */
export interface AwsMetricOptions {
  /** Production variant. Default `primary` (the variant the served version runs in). */
  readonly variantName?: string;
  /** Period in seconds, 60 or a multiple of 60 (SageMaker publishes every minute). Default 60. */
  readonly periodSeconds?: number;
}

/** The CloudWatch metrics of one SageMaker endpoint variant. */
export function awsEndpointMetrics(
  endpointName: string,
  options: AwsMetricOptions = {},
): Readonly<Record<EndpointMetricName, CloudWatchMetricFacts>> {
  const dimensions = { EndpointName: endpointName, VariantName: options.variantName ?? PRIMARY_VARIANT };
  const periodSeconds = options.periodSeconds ?? 60;
  const invocation = { namespace: SAGEMAKER_INVOCATION_NAMESPACE, dimensions, periodSeconds };
  const instance = { namespace: SAGEMAKER_INSTANCE_NAMESPACE, dimensions, periodSeconds };
  return {
    latency: {
      ...invocation,
      metricName: 'ModelLatency',
      statistic: 'p99',
      unit: 'Microseconds',
      description: 'p99 time the model container took to answer, in microseconds (1 ms = 1000).',
    },
    invocations: {
      ...invocation,
      metricName: 'Invocations',
      statistic: 'Sum',
      unit: 'None',
      description: 'Requests sent to the variant in the period (a count).',
    },
    serverErrors: {
      ...invocation,
      metricName: 'Invocation5XXErrors',
      statistic: 'Sum',
      unit: 'None',
      description: 'Requests the model answered with a 5xx status in the period (a count).',
    },
    clientErrors: {
      ...invocation,
      metricName: 'Invocation4XXErrors',
      statistic: 'Sum',
      unit: 'None',
      description: 'Requests the model answered with a 4xx status in the period (a count).',
    },
    cpuUtilization: {
      ...instance,
      metricName: 'CPUUtilization',
      statistic: 'Average',
      unit: 'Percent',
      description: 'CPU use summed over the vCPUs of an instance: 0 to 100 per vCPU (0-400 on 4 vCPUs).',
    },
    memoryUtilization: {
      ...instance,
      metricName: 'MemoryUtilization',
      statistic: 'Average',
      unit: 'Percent',
      description: 'Memory the containers of an instance use, 0 to 100.',
    },
    gpuUtilization: {
      ...instance,
      metricName: 'GPUUtilization',
      statistic: 'Average',
      unit: 'Percent',
      description: 'GPU use summed over the GPUs of an instance: 0 to 100 per GPU (0-400 on 4 GPUs).',
    },
  };
}

/** Cloud Run's resource type, whose `service_name` label names the service. */
export const CLOUD_RUN_RESOURCE_TYPE = 'cloud_run_revision';

/** A Cloud Monitoring time series of a Cloud Run service, with how it is aligned. */
export interface CloudMonitoringMetricFacts {
  /** `run.googleapis.com/...`. */
  readonly metricType: string;
  /** A Cloud Monitoring filter selecting this service's series (alert policies and dashboards take it as is). */
  readonly filter: string;
  /** The per-series aligner, such as `ALIGN_PERCENTILE_99`, `ALIGN_RATE` or `ALIGN_DELTA`. */
  readonly aligner: string;
  /** The cross-series reducer across revisions and instances. */
  readonly reducer: string;
  readonly periodSeconds: number;
  /** `ms`, `1` (a ratio 0-1) or `count`. */
  readonly unit: 'ms' | '1' | 'count';
  readonly description: string;
}

/** The Cloud Monitoring metrics of one Cloud Run service. */
export function gcpEndpointMetrics(
  serviceName: string,
  periodSeconds = 60,
): Readonly<Record<Exclude<EndpointMetricName, 'gpuUtilization'>, CloudMonitoringMetricFacts>> {
  const of = (metricType: string, extra = '') =>
    `resource.type = "${CLOUD_RUN_RESOURCE_TYPE}" AND resource.labels.service_name = "${serviceName}" AND metric.type = "${metricType}"${extra}`;
  const requests = 'run.googleapis.com/request_count';
  return {
    latency: {
      metricType: 'run.googleapis.com/request_latencies',
      filter: of('run.googleapis.com/request_latencies'),
      aligner: 'ALIGN_PERCENTILE_99',
      reducer: 'REDUCE_MAX',
      periodSeconds,
      unit: 'ms',
      description: 'p99 request latency of the service, in milliseconds.',
    },
    invocations: {
      metricType: requests,
      filter: of(requests),
      aligner: 'ALIGN_DELTA',
      reducer: 'REDUCE_SUM',
      periodSeconds,
      unit: 'count',
      description: 'Requests that reached the service in the period.',
    },
    serverErrors: {
      metricType: requests,
      filter: of(requests, ' AND metric.labels.response_code_class = "5xx"'),
      aligner: 'ALIGN_DELTA',
      reducer: 'REDUCE_SUM',
      periodSeconds,
      unit: 'count',
      description: 'Requests answered with a 5xx status in the period.',
    },
    clientErrors: {
      metricType: requests,
      filter: of(requests, ' AND metric.labels.response_code_class = "4xx"'),
      aligner: 'ALIGN_DELTA',
      reducer: 'REDUCE_SUM',
      periodSeconds,
      unit: 'count',
      description: 'Requests answered with a 4xx status in the period.',
    },
    cpuUtilization: {
      metricType: 'run.googleapis.com/container/cpu/utilizations',
      filter: of('run.googleapis.com/container/cpu/utilizations'),
      aligner: 'ALIGN_PERCENTILE_99',
      reducer: 'REDUCE_MAX',
      periodSeconds,
      unit: '1',
      description:
        'CPU use of the container instances as a ratio of their limit, 0 to 1 (p99 over instances).',
    },
    memoryUtilization: {
      metricType: 'run.googleapis.com/container/memory/utilizations',
      filter: of('run.googleapis.com/container/memory/utilizations'),
      aligner: 'ALIGN_PERCENTILE_99',
      reducer: 'REDUCE_MAX',
      periodSeconds,
      unit: '1',
      description:
        'Memory use of the container instances as a ratio of their limit, 0 to 1 (p99 over instances).',
    },
  };
}

/** The serving template's Prometheus metric names (design decision 4). */
export const DOCKER_METRIC_NAMES = {
  requests: 'mlops_http_requests_total',
  duration: 'mlops_http_request_duration_seconds',
} as const;

/** A PromQL query over the serving containers' metrics. */
export interface PrometheusMetricFacts {
  readonly query: string;
  /** The range the rate or quantile is taken over, in seconds. */
  readonly windowSeconds: number;
  /** `seconds`, `requests/s` or `ratio` (0-1). */
  readonly unit: 'seconds' | 'requests/s' | 'ratio';
  readonly description: string;
}

/** The Prometheus scrape job of the serving containers (the MonitoringStack's Prometheus on docker). */
export const DOCKER_SERVING_JOB = 'serving';

/**
 * PromQL over the serving containers of the watched endpoint, as the docker MonitoringStack's Prometheus scrapes
 * them (job `serving`). Docker has no per-container CPU or memory exporter in this stack, so only the request
 * metrics exist there.
 */
export function dockerEndpointMetrics(
  windowSeconds = 60,
): Readonly<
  Record<
    Extract<EndpointMetricName, 'latency' | 'invocations' | 'serverErrors' | 'clientErrors'>,
    PrometheusMetricFacts
  >
> {
  const w = `${windowSeconds}s`;
  const sel = `job="${DOCKER_SERVING_JOB}"`;
  const { requests, duration } = DOCKER_METRIC_NAMES;
  const rateOf = (extra: string) => `sum(rate(${requests}{${sel}${extra}}[${w}]))`;
  return {
    latency: {
      query: `histogram_quantile(0.99, sum by (le) (rate(${duration}_bucket{${sel}}[${w}])))`,
      windowSeconds,
      unit: 'seconds',
      description: 'p99 request duration of the serving containers, in seconds.',
    },
    invocations: {
      query: rateOf(''),
      windowSeconds,
      unit: 'requests/s',
      description: 'Requests per second the serving containers answered.',
    },
    serverErrors: {
      query: `${rateOf(',code=~"5.."')} / ${rateOf('')}`,
      windowSeconds,
      unit: 'ratio',
      description: 'Share of requests answered with a 5xx status, 0 to 1.',
    },
    clientErrors: {
      query: `${rateOf(',code=~"4.."')} / ${rateOf('')}`,
      windowSeconds,
      unit: 'ratio',
      description: 'Share of requests answered with a 4xx status, 0 to 1.',
    },
  };
}

/** One metric of an endpoint on its cloud: what `ModelEndpoint.metricLatency()` and its siblings return. */
export type EndpointMetric =
  | { readonly cloud: 'aws'; readonly cloudwatch: CloudWatchMetricFacts }
  | { readonly cloud: 'gcp'; readonly cloudMonitoring: CloudMonitoringMetricFacts }
  | { readonly cloud: 'docker'; readonly prometheus: PrometheusMetricFacts };

/** How a metric handle is read. */
export interface MetricOptions {
  /**
   * Period (aws, gcp) or rate window (docker) in seconds: 60 or a multiple of 60 (aws and gcp publish every
   * minute). Default 60.
   */
  readonly periodSeconds?: number;
  /** aws: the production variant. Default `primary` (the served version's variant). */
  readonly variantName?: string;
}

/**
 * The `which` metric of an endpoint named `endpointName` on `cloud`; undefined where the cloud has no such metric
 * (GPU outside aws, CPU and memory on docker).
 */
export function endpointMetric(
  cloud: 'aws' | 'gcp' | 'docker',
  endpointName: string,
  which: EndpointMetricName,
  options: MetricOptions = {},
): EndpointMetric | undefined {
  const period = options.periodSeconds ?? 60;
  if (!Number.isInteger(period) || period <= 0 || period % 60 !== 0) {
    throw new Error(`metric period ${period} s: use 60 or a multiple of 60`);
  }
  switch (cloud) {
    case 'aws':
      return {
        cloud,
        cloudwatch: awsEndpointMetrics(endpointName, {
          variantName: options.variantName,
          periodSeconds: period,
        })[which],
      };
    case 'gcp': {
      if (which === 'gpuUtilization') return undefined;
      return { cloud, cloudMonitoring: gcpEndpointMetrics(endpointName, period)[which] };
    }
    case 'docker': {
      if (which === 'cpuUtilization' || which === 'memoryUtilization' || which === 'gpuUtilization')
        return undefined;
      return { cloud, prometheus: dockerEndpointMetrics(period)[which] };
    }
  }
}
