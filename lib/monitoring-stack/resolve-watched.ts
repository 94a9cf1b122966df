/**
 * What a MonitoringStack watches: a ModelEndpoint (Pulumi or CDK, recognised by its resolved `spec`) or an endpoint
 * described by hand, and the pipeline that trained it.
 */
import type * as pulumi from '@pulumi/pulumi';
import { NAME_RULES, nameProblem, type NameRule } from '../core/naming';
import { readShape } from '../core/shape';
import { SIZE_FACTS, isAcceleratedInstance } from '../core/sizes';
import type { Cloud } from '../core/stage';
import { checkInteger, knownString } from '../core/validation';
import { capturePrefix, rollbackAlarms } from '../model-endpoint/aws-blueprint';
import { dockerWatchTargets } from '../model-endpoint/docker-facts';
import type { ModelEndpointSpec } from '../model-endpoint/resolve';
import type { ResolvedMlPipeline } from '../ml-pipeline/resolve';
import { MONITORING_DEFAULTS } from './defaults';
import type { ResolvedWatchedEndpoint } from './resolved';
import {
  PUBSUB_TOPIC,
  checkBaselineScheme,
  checkKnownPattern,
  checkSameCloud,
  type Inputs,
  type Pipeline,
} from './resolve-common';
import { WATCHED_ENDPOINT_SHAPE, WATCHED_PIPELINE_SHAPE } from './shape';

/** The parts of a ModelEndpoint (Pulumi or CDK) the monitor reads. */
interface ModelEndpointLike {
  readonly spec: ModelEndpointSpec;
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
  const spec = (value as { spec?: Partial<ModelEndpointSpec> & { models?: unknown } } | null)?.spec;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof spec === 'object' &&
    spec !== null &&
    typeof spec.constructName === 'string' &&
    typeof spec.endpointName === 'string' &&
    (spec.serving === false || Array.isArray(spec.models)) &&
    typeof spec.platform?.cloud === 'string' &&
    typeof spec.aws === 'object' &&
    typeof spec.gcp === 'object' &&
    typeof spec.docker === 'object' &&
    'endpointName' in value
  );
}

export function resolveWatchedEndpoint(inputs: Inputs): ResolvedWatchedEndpoint | undefined {
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
  if (!spec.serving)
    // It created nothing: no rollback alarm to give actions to, no container to scrape, no capture to check.
    return {
      endpointName: endpoint.endpointName,
      isModelEndpoint: true,
      construct: endpoint,
      rollbackAlarmNames: [],
      ...instanceFacts(spec),
      capturePercent: spec.capturePercent,
      awaitingRelease: { endpoint: what, status: spec.releaseStatus },
    };
  return {
    endpointName: endpoint.endpointName,
    isModelEndpoint: true,
    construct: endpoint,
    servesRelease: spec.release !== undefined,
    releaseBaselineUri: spec.releaseBaselineUri,
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
function instanceFacts(spec: ModelEndpointSpec): { gpu: boolean; vcpus?: number; gpus?: number } {
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
  if (!endpoint.spec.serving) return undefined;
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

export function resolveWatchedPipeline({ raw, platform, problems }: Inputs): Pipeline | undefined {
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
      ...(platform.cloud === 'aws' && spec.aws?.driftBaseline === false
        ? { modelMonitorBaseline: false }
        : {}),
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
