import * as pulumi from '@pulumi/pulumi';
import { assignOutputs, declareOutputs } from '../core/outputs';
import { platformFromConfig } from '../core/platform-config';
import { pulumiResolveContext } from '../core/pulumi-context';
import { childrenByCloud, renderOnCloud } from '../core/render-switch';
import type { ModelEndpointArgs } from './args';
import { endpointMetric, type EndpointMetric, type EndpointMetricName, type MetricOptions } from './metrics';
import type { ModelEndpointAwsChildren } from './pulumi-aws';
import type { ModelEndpointDockerChildren } from './pulumi-docker';
import type { ModelEndpointGcpChildren } from './pulumi-gcp';
import type { RenderedEndpoint } from './rendered';
import { resolveModelEndpoint, type ResolvedModelEndpoint } from './resolve';

/** What each cloud's renderer returns. */
interface RenderedByCloud {
  readonly aws: RenderedEndpoint<ModelEndpointAwsChildren>;
  readonly gcp: RenderedEndpoint<ModelEndpointGcpChildren>;
  readonly docker: RenderedEndpoint<ModelEndpointDockerChildren>;
}

/** The component's outputs, declared once: they set its fields and are registered. */
export const MODEL_ENDPOINT_OUTPUTS = declareOutputs<RenderedEndpoint<unknown>>({
  endpointName: true,
  endpointId: true,
  url: true,
});

/** Pulumi type token. Public API: changing it replaces every user's endpoint unless an alias comes with it. */
export const MODEL_ENDPOINT_TYPE = 'mlops:index:ModelEndpoint';

/**
 * A container model endpoint that rolls out safely: SageMaker on aws (blue/green canary or linear with
 * automatic rollback on alarms), Cloud Run on gcp (revision traffic split), and a weighted gateway over
 * containers on docker. Arguments are validated, all problems at once, before any child is created.
 */
export class ModelEndpoint extends pulumi.ComponentResource {
  /** Physical name of the endpoint (SageMaker endpoint, Cloud Run service, gateway container). */
  declare readonly endpointName: pulumi.Output<string>;
  /** Cloud id: the endpoint ARN on aws, the service id on gcp, the gateway container id on docker. */
  declare readonly endpointId: pulumi.Output<string>;
  /** URL requests are POSTed to. */
  declare readonly url: pulumi.Output<string>;
  /** The resolved arguments, with every default applied. */
  readonly spec: ResolvedModelEndpoint;
  /** Primary children when the target is aws. */
  readonly aws?: ModelEndpointAwsChildren;
  /** Primary children when the target is gcp. */
  readonly gcp?: ModelEndpointGcpChildren;
  /** Primary children when the target is docker. */
  readonly docker?: ModelEndpointDockerChildren;

  constructor(name: string, args: ModelEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate first: a construct with bad arguments registers nothing, not even itself.
    const spec = resolveModelEndpoint(name, args, platformFromConfig(args?.platform), pulumiResolveContext());
    super(MODEL_ENDPOINT_TYPE, name, {}, opts);
    this.spec = spec;
    /* eslint-disable @typescript-eslint/no-require-imports */
    const result = renderOnCloud<ResolvedModelEndpoint, RenderedByCloud>(spec, this, {
      aws: () => (require('./pulumi-aws') as typeof import('./pulumi-aws')).renderAws,
      gcp: () => (require('./pulumi-gcp') as typeof import('./pulumi-gcp')).renderGcp,
      docker: () => (require('./pulumi-docker') as typeof import('./pulumi-docker')).renderDocker,
    });
    /* eslint-enable @typescript-eslint/no-require-imports */
    ({ aws: this.aws, gcp: this.gcp, docker: this.docker } = childrenByCloud(result));
    this.registerOutputs(assignOutputs(this, MODEL_ENDPOINT_OUTPUTS, result.rendered));
  }

  /**
   * p99 latency. aws: `AWS/SageMaker` `ModelLatency`, statistic `p99`, unit Microseconds (1 ms = 1000); gcp:
   * `run.googleapis.com/request_latencies` aligned to the 99th percentile, in ms; docker: PromQL p99 of
   * `mlops_http_request_duration_seconds`, in seconds. Period (or rate window) 60 s unless given.
   */
  metricLatency(options?: MetricOptions): EndpointMetric {
    return this.metric('latency', options)!;
  }

  /** Requests. aws: `Invocations`, Sum per period (a count); gcp: `request_count` delta; docker: requests per second. */
  metricInvocations(options?: MetricOptions): EndpointMetric {
    return this.metric('invocations', options)!;
  }

  /**
   * Server errors. aws: `Invocation5XXErrors`, Sum per period; gcp: `request_count` with `response_code_class`
   * 5xx; docker: the share of 5xx answers, 0 to 1.
   */
  metricServerErrors(options?: MetricOptions): EndpointMetric {
    return this.metric('serverErrors', options)!;
  }

  /** Client errors: as `metricServerErrors`, for 4xx answers. */
  metricClientErrors(options?: MetricOptions): EndpointMetric {
    return this.metric('clientErrors', options)!;
  }

  /**
   * CPU use. aws: `/aws/sagemaker/Endpoints` `CPUUtilization`, Average, Percent summed over the instance's vCPUs
   * (0-400 on 4 vCPUs); gcp: `container/cpu/utilizations`, a 0-1 ratio; undefined on docker.
   */
  metricCpuUtilization(options?: MetricOptions): EndpointMetric | undefined {
    return this.metric('cpuUtilization', options);
  }

  /** Memory use. aws: `MemoryUtilization`, Average, Percent 0-100; gcp: `container/memory/utilizations`, 0-1; undefined on docker. */
  metricMemoryUtilization(options?: MetricOptions): EndpointMetric | undefined {
    return this.metric('memoryUtilization', options);
  }

  /** GPU use (aws only): `GPUUtilization`, Average, Percent summed over the instance's GPUs; undefined elsewhere. */
  metricGpuUtilization(options?: MetricOptions): EndpointMetric | undefined {
    return this.metric('gpuUtilization', options);
  }

  private metric(which: EndpointMetricName, options?: MetricOptions): EndpointMetric | undefined {
    return endpointMetric(this.spec.platform.cloud, this.spec.endpointName, which, options);
  }
}
