/**
 * The AWS facts of a ModelEndpoint as plain data: IAM statements, rollback alarms, deployment config,
 * variants, capture and autoscaling. Both the Pulumi AWS renderer and the CDK construct build from these
 * functions, so the two engines cannot drift apart. Values are strings: plain in Pulumi (inside an apply),
 * CloudFormation tokens in CDK.
 */
import {
  ecrRepositoryArn,
  kmsUseStatement,
  kmsViaService,
  policyDocument,
  s3ObjectArn,
  type AwsEnvironment,
  type KeyUse,
  type PolicyDocument,
  type PolicyStatement,
} from '../blocks/aws-iam';
import {
  SAGEMAKER_METRIC_NAMESPACE,
  SAGEMAKER_SERVICE,
  ecrPullStatements,
  publishMetricsStatement,
  regionalArn,
  sagemakerTrustPolicy,
  vpcAttachStatement,
  writeLogsStatement,
} from '../blocks/sagemaker-iam';
import { hasLocalNvme } from '../core/sizes';
import {
  PRIMARY_VARIANT,
  SAGEMAKER_INVOCATION_NAMESPACE,
  awsEndpointMetrics,
  modelLatencyUnits,
  type CloudWatchMetricFacts,
} from './metrics';
import type { ResolvedModelEndpoint, ServedModel } from './resolve';

export { SAGEMAKER_SERVICE, PRIMARY_VARIANT };

/** Where the endpoint's resources are: the deploy-time facts the blueprint needs. */
export interface EndpointAwsRefs extends AwsEnvironment {
  readonly keyArn: string;
  /** Bucket request capture goes to; absent when capture is off. */
  readonly captureBucketName?: string;
  /** The image of each served model (the order of `spec.models`); undefined where not known at synth time. */
  readonly images: readonly (string | undefined)[];
  /** The repository of the primary model's image (`aws.imageRepositoryArn`), when given. */
  readonly primaryImageRepositoryArn?: string;
  /** The model artifact URLs, as far as they are known. */
  readonly modelDataUrls: readonly string[];
  /** Artifacts kept elsewhere (`modelAccess`): their bucket, prefix and key. */
  readonly modelAccess?: { readonly bucketName: string; readonly prefix: string; readonly keyArn?: string };
}

export interface RollbackAlarm {
  /** Short, fixed id: it names the alarm's child resource. */
  readonly id: '5xx' | 'latency-p99';
  readonly name: string;
  readonly description: string;
  readonly namespace: typeof SAGEMAKER_INVOCATION_NAMESPACE;
  readonly metricName: string;
  /** Either a plain statistic or a percentile such as `p99`. */
  readonly statistic?: 'Sum' | 'Average' | 'Maximum';
  readonly extendedStatistic?: string;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparisonOperator: 'GreaterThanThreshold';
  readonly treatMissingData: 'notBreaching';
}

/**
 * CloudWatch dimensions of a rollback alarm: the primary variant's (`metrics.ts`), narrowed to the new fleet through
 * the new configuration's name.
 */
export function rollbackAlarmDimensions(
  endpointName: string,
  endpointConfigName: string,
): Record<string, string> {
  return {
    ...awsEndpointMetrics(endpointName).serverErrors.dimensions,
    EndpointConfigName: endpointConfigName,
  };
}

/** A metric's statistic as an alarm takes it: a percentile such as `p99` is an extended statistic. */
function alarmStatistic(
  facts: CloudWatchMetricFacts,
): Pick<RollbackAlarm, 'statistic' | 'extendedStatistic'> {
  return /^p\d/.test(facts.statistic)
    ? { extendedStatistic: facts.statistic }
    : { statistic: facts.statistic as 'Sum' | 'Average' | 'Maximum' };
}

/**
 * The alarms SageMaker watches during a rollout. They watch only the new fleet (the `EndpointConfigName`
 * dimension), so errors of the old fleet cannot stop a good release. Names are fixed: the endpoint names them.
 */
export function rollbackAlarms(spec: ResolvedModelEndpoint): RollbackAlarm[] {
  if (!spec.rollout.autoRollback) return [];
  // The metric facts (namespace, name, statistic) are the endpoint's own metric handles'.
  const m = awsEndpointMetrics(spec.endpointName);
  const common = {
    namespace: SAGEMAKER_INVOCATION_NAMESPACE as typeof SAGEMAKER_INVOCATION_NAMESPACE,
    periodSeconds: 60,
    evaluationPeriods: 2,
    datapointsToAlarm: 2,
    comparisonOperator: 'GreaterThanThreshold' as const,
    treatMissingData: 'notBreaching' as const,
  };
  return [
    {
      ...common,
      id: '5xx',
      name: `${spec.endpointName}-rollback-5xx`,
      description: `Rolls back ${spec.endpointName} when the new fleet returns more than ${spec.rollout.max5xxPerMinute} 5xx errors a minute.`,
      metricName: m.serverErrors.metricName,
      ...alarmStatistic(m.serverErrors),
      threshold: spec.rollout.max5xxPerMinute,
    },
    {
      ...common,
      id: 'latency-p99',
      name: `${spec.endpointName}-rollback-latency-p99`,
      description: `Rolls back ${spec.endpointName} when the new fleet's p99 model latency exceeds ${spec.rollout.maxLatencyP99Ms} ms.`,
      metricName: m.latency.metricName,
      ...alarmStatistic(m.latency),
      threshold: modelLatencyUnits(spec.rollout.maxLatencyP99Ms),
    },
  ];
}

/** The endpoint's deployment config (camelCase: the same shape Pulumi and CDK's L1 take). */
export function deploymentConfig(spec: ResolvedModelEndpoint, alarmNames: readonly string[]) {
  const { rollout } = spec;
  const waitIntervalInSeconds = rollout.bakeMinutes * 60;
  const trafficRoutingConfiguration =
    rollout.strategy === 'canary'
      ? {
          type: 'CANARY',
          canarySize: { type: 'CAPACITY_PERCENT', value: rollout.canaryPercent },
          waitIntervalInSeconds,
        }
      : rollout.strategy === 'linear'
        ? {
            type: 'LINEAR',
            linearStepSize: { type: 'CAPACITY_PERCENT', value: rollout.linearStepPercent },
            waitIntervalInSeconds,
          }
        : { type: 'ALL_AT_ONCE', waitIntervalInSeconds };
  const totalBake = rolloutSeconds(spec);
  return {
    blueGreenUpdatePolicy: {
      trafficRoutingConfiguration,
      terminationWaitInSeconds: waitIntervalInSeconds,
      // SageMaker gives up and rolls back when the rollout takes longer than this; 600 s is its minimum.
      maximumExecutionTimeoutInSeconds: Math.max(600, totalBake + 1800),
    },
    autoRollbackConfiguration:
      alarmNames.length > 0 ? { alarms: alarmNames.map((alarmName) => ({ alarmName })) } : undefined,
  };
}

function rolloutSeconds(spec: ResolvedModelEndpoint): number {
  const { rollout } = spec;
  const steps =
    rollout.strategy === 'canary'
      ? 1
      : rollout.strategy === 'linear'
        ? Math.ceil(100 / rollout.linearStepPercent) - 1
        : 0;
  return (steps + 2) * rollout.bakeMinutes * 60;
}

export interface VariantPlan {
  readonly variantName: string;
  readonly modelIndex: number;
  readonly initialVariantWeight: number;
  readonly instanceType?: string;
  readonly initialInstanceCount?: number;
  readonly serverlessConfig?: { readonly memorySizeInMb: number; readonly maxConcurrency: number };
}

/**
 * The container of one served model: the primary serves the registry version when one is given (it carries
 * its image and artifact); challengers always serve their own image.
 */
export function modelContainer(spec: ResolvedModelEndpoint, model: ServedModel) {
  const environment = { ...spec.environment, MLOPS_MODEL_VERSION: spec.version };
  return model.variant === PRIMARY_VARIANT && spec.aws.modelPackageArn !== undefined
    ? { modelPackageName: spec.aws.modelPackageArn, environment }
    : { image: model.image, modelDataUrl: model.modelDataUrl, environment };
}

/** One production variant per served model, weighted by its traffic share. */
export function productionVariants(spec: ResolvedModelEndpoint): VariantPlan[] {
  return spec.models.map((model, modelIndex) => ({
    variantName: model.variant,
    modelIndex,
    initialVariantWeight: model.trafficPercent,
    ...(spec.serverless
      ? {
          serverlessConfig: {
            memorySizeInMb: spec.aws.serverlessMemoryMb ?? 2048,
            maxConcurrency: spec.aws.serverlessMaxConcurrency,
          },
        }
      : { instanceType: spec.aws.instanceType, initialInstanceCount: spec.minInstances }),
  }));
}

/**
 * Whether the endpoint configuration may name a KMS key for the instance storage volume: not on serverless,
 * and not on instances with local NVMe storage (SageMaker refuses it there; the hardware encrypts them).
 */
export function volumeKeyAllowed(spec: ResolvedModelEndpoint): boolean {
  return !spec.serverless && !hasLocalNvme(spec.aws.instanceType);
}

/** S3 prefix request capture is written under. */
export function capturePrefix(spec: ResolvedModelEndpoint): string {
  return `capture/${spec.endpointName}`;
}

/** Data capture settings, or undefined when capture is off. */
export function dataCapture(spec: ResolvedModelEndpoint, captureBucketName: string, keyArn: string) {
  if (spec.capturePercent === 0) return undefined;
  return {
    enableCapture: true,
    initialSamplingPercentage: spec.capturePercent,
    destinationS3Uri: `s3://${captureBucketName}/${capturePrefix(spec)}`,
    kmsKeyId: keyArn,
    captureOptions: [{ captureMode: 'Input' }, { captureMode: 'Output' }],
    captureContentTypeHeader: { jsonContentTypes: ['application/json'], csvContentTypes: ['text/csv'] },
  };
}

/** Target-tracking autoscaling of the primary variant; none for serverless. */
export function autoscaling(spec: ResolvedModelEndpoint) {
  if (spec.serverless) return undefined;
  return {
    serviceNamespace: 'sagemaker',
    resourceId: `endpoint/${spec.endpointName}/variant/${PRIMARY_VARIANT}`,
    scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
    minCapacity: spec.minInstances,
    maxCapacity: spec.maxInstances,
    predefinedMetricType: 'SageMakerVariantInvocationsPerInstance',
    // The metric counts invocations per instance per minute: a concurrency of N sustained for a minute.
    targetValue: spec.targetConcurrency * 60,
    scaleInCooldownSeconds: 300,
    scaleOutCooldownSeconds: 60,
  };
}

const arn = regionalArn;

/** ARN of the endpoint (SageMaker lowercases names in ARNs). */
export function endpointArn(env: AwsEnvironment, endpointName: string): string {
  return arn(env, 'sagemaker', `endpoint/${endpointName.toLowerCase()}`);
}

/**
 * Trust of the execution role: SageMaker, acting for this account's SageMaker resources in this region.
 * SageMaker documents the inference source as `arn:...:sagemaker:<region>:<account>:*` and warns against
 * naming one model or endpoint there.
 */
export function executionTrustPolicy(env: AwsEnvironment): PolicyDocument {
  return sagemakerTrustPolicy(env, ['*']);
}

/**
 * The repositories the served images are pulled from: read from each known ECR image, the named repository
 * for the primary (a registry version, or an image known only at deploy time), and every repository of the
 * account for a challenger image known only at deploy time. Images outside ECR need no grant.
 */
export function servingImageRepositories(spec: ResolvedModelEndpoint, refs: EndpointAwsRefs): string[] {
  return unique(
    spec.models.map((_model, index) => {
      const image = refs.images[index];
      if (image !== undefined) return ecrRepositoryArn(refs.partition, image);
      if (index === 0 && refs.primaryImageRepositoryArn) return refs.primaryImageRepositoryArn;
      return arn(refs, 'ecr', 'repository/*');
    }),
  );
}

/**
 * The execution role's permissions, least privilege: pull its images from their repositories, read its
 * artifacts, use its keys through S3 and SageMaker only, write capture under its prefix, write its own logs
 * and metrics, and read its own rollback alarms (deployment guardrails).
 */
export function executionRolePolicy(spec: ResolvedModelEndpoint, refs: EndpointAwsRefs): PolicyDocument {
  const statements: PolicyStatement[] = [];
  const repositories = servingImageRepositories(spec, refs);
  statements.push(...ecrPullStatements('PullServingImages', repositories));
  const artifacts = unique([
    ...refs.modelDataUrls.map((url) => s3ObjectArn(refs.partition, url)),
    refs.modelAccess &&
      `arn:${refs.partition}:s3:::${refs.modelAccess.bucketName}/${refs.modelAccess.prefix}*`,
  ]);
  if (artifacts.length > 0) {
    statements.push({
      Sid: 'ReadModelArtifacts',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: artifacts,
    });
  }
  const capturing = refs.captureBucketName !== undefined && spec.capturePercent > 0;
  const services = [kmsViaService('s3', refs.region), kmsViaService('sagemaker', refs.region)];
  // Capture objects need a data key; everything this role reads through S3 needs decryption.
  const endpointKeyUses: KeyUse[] = capturing ? ['read', 'write', 'describe'] : ['read', 'describe'];
  statements.push(kmsUseStatement('UseEndpointKey', refs.keyArn, endpointKeyUses, services));
  if (refs.modelAccess?.keyArn) {
    statements.push(
      kmsUseStatement('DecryptModelArtifacts', refs.modelAccess.keyArn, ['read', 'describe'], services),
    );
  }
  if (capturing) {
    statements.push({
      Sid: 'WriteRequestCapture',
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: `arn:${refs.partition}:s3:::${refs.captureBucketName}/${capturePrefix(spec)}/*`,
    });
  }
  statements.push(
    writeLogsStatement('WriteEndpointLogs', refs, [`/aws/sagemaker/Endpoints/${spec.endpointName}`]),
  );
  statements.push(publishMetricsStatement('PublishEndpointMetrics', [SAGEMAKER_METRIC_NAMESPACE.endpoints]));
  const alarms = rollbackAlarms(spec);
  if (alarms.length > 0) {
    statements.push({
      Sid: 'ReadRollbackAlarms',
      Effect: 'Allow',
      Action: 'cloudwatch:DescribeAlarms',
      Resource: alarms.map((a) => arn(refs, 'cloudwatch', `alarm:${a.name}`)),
    });
  }
  if ((spec.platform.network.subnetIds?.length ?? 0) > 0) statements.push(vpcAttachStatement());
  return policyDocument(statements);
}

/** The policy each invoker role receives: invoke this endpoint, nothing else. */
export function invokePolicy(spec: ResolvedModelEndpoint, env: AwsEnvironment): PolicyDocument {
  return policyDocument([
    {
      Sid: 'InvokeModelEndpoint',
      Effect: 'Allow',
      Action: 'sagemaker:InvokeEndpoint',
      Resource: endpointArn(env, spec.endpointName),
    },
  ]);
}

/** The HTTPS URL requests are posted to. */
export function invokeUrl(region: string, endpointName: string): string {
  return `https://runtime.sagemaker.${region}.amazonaws.com/endpoints/${endpointName}/invocations`;
}

function unique(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))].sort();
}
