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
import { RELEASE_CONFIG_KEY, STABLE_RELEASE_CONFIG_KEY, type Release } from '../promotion/release-types';
import type { ModelEndpointOutputs, RenderedEndpoint } from './rendered';
import type { RawRelease, StackReleases } from './release-serving';
import { resolveModelEndpoint, type ModelEndpointSpec, type ResolvedModelEndpoint } from './resolve';

/** What each cloud's renderer returns. */
interface RenderedByCloud {
  readonly aws: RenderedEndpoint<ModelEndpointAwsChildren>;
  readonly gcp: RenderedEndpoint<ModelEndpointGcpChildren>;
  readonly docker: RenderedEndpoint<ModelEndpointDockerChildren>;
}

/** The component's outputs, declared once: they set its fields and are registered. */
export const MODEL_ENDPOINT_OUTPUTS = declareOutputs<ModelEndpointOutputs>({
  endpointName: true,
  endpointId: true,
  url: true,
  releaseStatus: true,
});

/** Pulumi type token. Public API: changing it replaces every user's endpoint unless an alias comes with it. */
export const MODEL_ENDPOINT_TYPE = 'mlops:index:ModelEndpoint';

/**
 * A container model endpoint that rolls out safely: SageMaker on aws (blue/green canary or linear with
 * automatic rollback on alarms), Cloud Run on gcp (revision traffic split), and a weighted gateway over
 * containers on docker. Arguments are validated, all problems at once, before any child is created.
 *
 * Without `version` it serves a release: `release`, else the stack config's `mlops:release` (and, during a gcp or
 * docker canary, `mlops:stableRelease` beside it), from the stores of its `pipeline`. With no release anywhere it
 * awaits one: it creates no child, `serving` is false and `releaseStatus` says how to release.
 */
export class ModelEndpoint extends pulumi.ComponentResource {
  /** Physical name of the endpoint (SageMaker endpoint, Cloud Run service, gateway container), awaiting or not. */
  declare readonly endpointName: pulumi.Output<string>;
  /**
   * Cloud id: the endpoint ARN on aws, the service id on gcp, the gateway container id on docker; undefined while
   * the endpoint awaits a release.
   */
  declare readonly endpointId: pulumi.Output<string | undefined>;
  /** URL requests are POSTed to; undefined while the endpoint awaits a release. */
  declare readonly url: pulumi.Output<string | undefined>;
  /**
   * What the endpoint serves: `serving v3`, `serving v3 promoted from staging`, or `awaiting release: no
   * mlops:release in stack prod; promote one with ...`.
   */
  declare readonly releaseStatus: pulumi.Output<string>;
  /** False while the endpoint awaits a release (no child exists). */
  readonly serving: boolean;
  /** The release served (schema 1; a schema 0 one upgraded); undefined with `version` or while awaiting. */
  readonly release?: Release;
  /** The served release's drift baseline, absolute (`MonitoringStack`'s default `drift.baselineUri`). */
  readonly releaseBaselineUri?: pulumi.Input<string>;
  /** The resolved arguments, with every default applied (`serving` tells a serving spec from an awaiting one). */
  readonly spec: ModelEndpointSpec;
  /** Primary children when the target is aws. */
  readonly aws?: ModelEndpointAwsChildren;
  /** Primary children when the target is gcp. */
  readonly gcp?: ModelEndpointGcpChildren;
  /** Primary children when the target is docker. */
  readonly docker?: ModelEndpointDockerChildren;

  constructor(name: string, args: ModelEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate first: a construct with bad arguments registers nothing, not even itself.
    const spec = resolveModelEndpoint(
      name,
      args,
      platformFromConfig(args?.platform),
      pulumiResolveContext(),
      pulumiStackReleases(),
    );
    super(MODEL_ENDPOINT_TYPE, name, {}, opts);
    this.spec = spec;
    this.serving = spec.serving;
    const releaseStatus = pulumi.output(spec.releaseStatus);
    if (!spec.serving) {
      // Awaiting a release: no child at all, so nothing (rollback alarms included) waits on a MonitoringStack.
      const awaiting: ModelEndpointOutputs = {
        endpointName: pulumi.output(spec.endpointName),
        endpointId: pulumi.output<string | undefined>(undefined),
        url: pulumi.output<string | undefined>(undefined),
        releaseStatus,
      };
      this.registerOutputs(assignOutputs(this, MODEL_ENDPOINT_OUTPUTS, awaiting));
      return;
    }
    this.release = spec.release;
    this.releaseBaselineUri = spec.releaseBaselineUri;
    for (const warning of spec.releaseWarnings) void pulumi.log.warn(warning, this);
    /* eslint-disable @typescript-eslint/no-require-imports */
    const result = renderOnCloud<ResolvedModelEndpoint, RenderedByCloud>(spec, this, {
      aws: () => (require('./pulumi-aws') as typeof import('./pulumi-aws')).renderAws,
      gcp: () => (require('./pulumi-gcp') as typeof import('./pulumi-gcp')).renderGcp,
      docker: () => (require('./pulumi-docker') as typeof import('./pulumi-docker')).renderDocker,
    });
    /* eslint-enable @typescript-eslint/no-require-imports */
    ({ aws: this.aws, gcp: this.gcp, docker: this.docker } = childrenByCloud(result));
    const { endpointName, endpointId, url } = result.rendered;
    const outputs: ModelEndpointOutputs = { endpointName, endpointId, url, releaseStatus };
    this.registerOutputs(assignOutputs(this, MODEL_ENDPOINT_OUTPUTS, outputs));
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

/**
 * The stack's `mlops:release` and `mlops:stableRelease` (plain config; a structured value arrives as JSON), the
 * stack's name, and a URI join that waits for deploy-time bases.
 */
function pulumiStackReleases(): StackReleases {
  const config = new pulumi.Config('mlops');
  const stack = pulumi.getStack();
  const read = (key: string): RawRelease | undefined => {
    const text = config.get(key.slice('mlops:'.length));
    if (text === undefined) return undefined;
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // A plain string: parseRelease says it is not an object.
    }
    return { value, source: `${key} of stack ${stack}` };
  };
  return {
    release: read(RELEASE_CONFIG_KEY),
    stableRelease: read(STABLE_RELEASE_CONFIG_KEY),
    stack,
    // A base known now stays a string: a URL known at synth time is granted by name (gcp: once per directory).
    joinUri: (base, path) =>
      typeof base === 'string' ? `${base}${path}` : pulumi.interpolate`${base}${path}`,
  };
}
