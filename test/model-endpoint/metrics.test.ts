/** The endpoint metric facts every cloud's handles, alarms and dashboards read. */
import { ModelEndpoint } from '../../lib';
import {
  awsEndpointMetrics,
  dockerEndpointMetrics,
  endpointMetric,
  gcpEndpointMetrics,
  modelLatencyUnits,
} from '../../lib/model-endpoint/metrics';
import { rollbackAlarmDimensions, rollbackAlarms } from '../../lib/model-endpoint/aws-blueprint';
import { resolveModelEndpoint } from '../../lib/model-endpoint/resolve';
import { recordProgram } from '../../lib/testing';
import { AWS_PROD, DOCKER_DEV, GCP_STAGING, endpointArgs } from '../helpers';
import { watched } from '../support/watch';

describe('aws: CloudWatch metrics of a SageMaker endpoint variant', () => {
  const m = awsEndpointMetrics('churn-prod');

  test('latency is ModelLatency p99 in microseconds, per minute, on the primary variant', () => {
    expect(m.latency).toEqual({
      namespace: 'AWS/SageMaker',
      metricName: 'ModelLatency',
      dimensions: { EndpointName: 'churn-prod', VariantName: 'primary' },
      statistic: 'p99',
      periodSeconds: 60,
      unit: 'Microseconds',
      description: 'p99 time the model container took to answer, in microseconds (1 ms = 1000).',
    });
  });

  test('invocations and errors are counts summed per period in AWS/SageMaker', () => {
    expect(
      [m.invocations, m.serverErrors, m.clientErrors].map((f) => [
        f.namespace,
        f.metricName,
        f.statistic,
        f.unit,
      ]),
    ).toEqual([
      ['AWS/SageMaker', 'Invocations', 'Sum', 'None'],
      ['AWS/SageMaker', 'Invocation5XXErrors', 'Sum', 'None'],
      ['AWS/SageMaker', 'Invocation4XXErrors', 'Sum', 'None'],
    ]);
  });

  test('utilization lives in /aws/sagemaker/Endpoints, averaged, in percent summed over cores and GPUs', () => {
    expect(
      [m.cpuUtilization, m.memoryUtilization, m.gpuUtilization].map((f) => [
        f.namespace,
        f.metricName,
        f.statistic,
        f.unit,
      ]),
    ).toEqual([
      ['/aws/sagemaker/Endpoints', 'CPUUtilization', 'Average', 'Percent'],
      ['/aws/sagemaker/Endpoints', 'MemoryUtilization', 'Average', 'Percent'],
      ['/aws/sagemaker/Endpoints', 'GPUUtilization', 'Average', 'Percent'],
    ]);
    expect(m.cpuUtilization.description).toContain('0 to 100 per vCPU (0-400 on 4 vCPUs)');
  });

  test('a challenger variant and a 5-minute period', () => {
    const b = awsEndpointMetrics('churn-prod', { variantName: 'b', periodSeconds: 300 }).serverErrors;
    expect([b.dimensions, b.periodSeconds]).toEqual([{ EndpointName: 'churn-prod', VariantName: 'b' }, 300]);
  });

  test('a latency limit in ms becomes ModelLatency microseconds', () => {
    expect([modelLatencyUnits(1), modelLatencyUnits(250), modelLatencyUnits(1000)]).toEqual([
      1000, 250_000, 1_000_000,
    ]);
  });

  test("the endpoint's rollback alarms read these facts, on the new configuration's fleet only", () => {
    const args = endpointArgs(AWS_PROD);
    const spec = resolveModelEndpoint('churn', args, args.platform);
    const alarms = rollbackAlarms(spec);
    expect(
      alarms.map((a) => [a.id, a.namespace, a.metricName, a.statistic, a.extendedStatistic, a.threshold]),
    ).toEqual([
      ['5xx', 'AWS/SageMaker', 'Invocation5XXErrors', 'Sum', undefined, spec.rollout.max5xxPerMinute],
      ['latency-p99', 'AWS/SageMaker', 'ModelLatency', undefined, 'p99', spec.rollout.maxLatencyP99Ms * 1000],
    ]);
    expect(alarms.map((a) => Object.keys(a).filter((k) => k.endsWith('tatistic')))).toEqual([
      ['statistic'],
      ['extendedStatistic'],
    ]);
    expect(rollbackAlarmDimensions('churn-prod', 'churn-prod-config-1')).toEqual({
      EndpointName: 'churn-prod',
      VariantName: 'primary',
      EndpointConfigName: 'churn-prod-config-1',
    });
  });
});

describe('gcp: Cloud Monitoring series of a Cloud Run service', () => {
  const m = gcpEndpointMetrics('churn-staging');

  test('latency is the p99 of request_latencies in milliseconds, for this service only', () => {
    expect(m.latency).toEqual({
      metricType: 'run.googleapis.com/request_latencies',
      filter:
        'resource.type = "cloud_run_revision" AND resource.labels.service_name = "churn-staging" AND metric.type = "run.googleapis.com/request_latencies"',
      aligner: 'ALIGN_PERCENTILE_99',
      reducer: 'REDUCE_MAX',
      periodSeconds: 60,
      unit: 'ms',
      description: 'p99 request latency of the service, in milliseconds.',
    });
  });

  test('errors are request_count by response code class', () => {
    expect(m.serverErrors.filter).toBe(
      'resource.type = "cloud_run_revision" AND resource.labels.service_name = "churn-staging" AND metric.type = "run.googleapis.com/request_count" AND metric.labels.response_code_class = "5xx"',
    );
    expect(m.clientErrors.filter.endsWith('metric.labels.response_code_class = "4xx"')).toBe(true);
    expect([m.invocations.aligner, m.invocations.reducer, m.invocations.unit]).toEqual([
      'ALIGN_DELTA',
      'REDUCE_SUM',
      'count',
    ]);
  });

  test('CPU and memory are utilization ratios 0-1', () => {
    expect([m.cpuUtilization.metricType, m.cpuUtilization.unit]).toEqual([
      'run.googleapis.com/container/cpu/utilizations',
      '1',
    ]);
    expect(m.memoryUtilization.metricType).toBe('run.googleapis.com/container/memory/utilizations');
  });
});

describe('docker: PromQL over the serving template metrics', () => {
  const m = dockerEndpointMetrics();

  test('p99 latency from the duration histogram, in seconds', () => {
    expect(m.latency.query).toBe(
      'histogram_quantile(0.99, sum by (le) (rate(mlops_http_request_duration_seconds_bucket{job="serving"}[60s])))',
    );
    expect(m.latency.unit).toBe('seconds');
  });

  test('error shares are 5xx and 4xx rates over all requests', () => {
    expect(m.serverErrors.query).toBe(
      'sum(rate(mlops_http_requests_total{job="serving",code=~"5.."}[60s])) / sum(rate(mlops_http_requests_total{job="serving"}[60s]))',
    );
    expect(m.clientErrors.query).toContain('code=~"4.."');
    expect(m.invocations).toMatchObject({
      query: 'sum(rate(mlops_http_requests_total{job="serving"}[60s]))',
      unit: 'requests/s',
    });
  });
});

describe('endpointMetric: one handle per cloud', () => {
  test('picks the cloud and the period', () => {
    expect(endpointMetric('aws', 'churn-prod', 'latency', { periodSeconds: 300 })).toEqual({
      cloud: 'aws',
      cloudwatch: awsEndpointMetrics('churn-prod', { periodSeconds: 300 }).latency,
    });
    expect(endpointMetric('gcp', 'churn-staging', 'serverErrors')).toEqual({
      cloud: 'gcp',
      cloudMonitoring: gcpEndpointMetrics('churn-staging').serverErrors,
    });
    expect(endpointMetric('docker', 'churn-dev', 'invocations', { periodSeconds: 120 })).toEqual({
      cloud: 'docker',
      prometheus: dockerEndpointMetrics(120).invocations,
    });
  });

  test('a cloud without the metric gives none', () => {
    expect(endpointMetric('gcp', 'churn-staging', 'gpuUtilization')).toBeUndefined();
    expect(endpointMetric('docker', 'churn-dev', 'cpuUtilization')).toBeUndefined();
    expect(endpointMetric('docker', 'churn-dev', 'memoryUtilization')).toBeUndefined();
  });

  test('a period CloudWatch and Cloud Monitoring cannot take is refused', () => {
    expect(() => endpointMetric('aws', 'churn-prod', 'latency', { periodSeconds: 90 })).toThrow(
      'metric period 90 s: use 60 or a multiple of 60',
    );
  });
});

describe('ModelEndpoint metric handles', () => {
  test('aws: CloudWatch facts of the endpoint it made, on its primary variant', async () => {
    let endpoint: ModelEndpoint | undefined;
    await recordProgram(() => {
      endpoint = watched(new ModelEndpoint('churn', endpointArgs(AWS_PROD)));
    });
    expect(endpoint!.metricLatency()).toEqual({
      cloud: 'aws',
      cloudwatch: awsEndpointMetrics('churn-prod').latency,
    });
    expect(endpoint!.metricServerErrors({ periodSeconds: 300 })).toEqual({
      cloud: 'aws',
      cloudwatch: {
        namespace: 'AWS/SageMaker',
        metricName: 'Invocation5XXErrors',
        dimensions: { EndpointName: 'churn-prod', VariantName: 'primary' },
        statistic: 'Sum',
        periodSeconds: 300,
        unit: 'None',
        description: 'Requests the model answered with a 5xx status in the period (a count).',
      },
    });
    expect(endpoint!.metricGpuUtilization()?.cloud).toBe('aws');
  });

  test('gcp: the Cloud Run service; docker: PromQL, no CPU or memory', async () => {
    let gcp: ModelEndpoint | undefined;
    let docker: ModelEndpoint | undefined;
    await recordProgram(() => {
      gcp = new ModelEndpoint('churn', endpointArgs(GCP_STAGING));
    });
    await recordProgram(() => {
      docker = new ModelEndpoint('churn', endpointArgs(DOCKER_DEV));
    });
    expect(gcp!.metricInvocations()).toEqual({
      cloud: 'gcp',
      cloudMonitoring: gcpEndpointMetrics(gcp!.spec.endpointName).invocations,
    });
    expect(gcp!.metricGpuUtilization()).toBeUndefined();
    expect(docker!.metricClientErrors()).toEqual({
      cloud: 'docker',
      prometheus: dockerEndpointMetrics().clientErrors,
    });
    expect(docker!.metricCpuUtilization()).toBeUndefined();
    expect(docker!.metricMemoryUtilization()).toBeUndefined();
  });
});
