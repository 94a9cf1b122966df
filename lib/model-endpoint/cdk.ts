/**
 * The CDK ModelEndpoint: the same arguments as the Pulumi construct (with plain values instead of Pulumi
 * inputs), built from the same AWS blueprint as the Pulumi AWS renderer. `node.defaultChild` is the endpoint.
 * Without `version` it serves a release: `release`, else CDK context `mlops:release` or the file
 * `mlops:releaseFile` names (cdk-release.ts); with none it awaits one and creates no serving resource.
 */
import type * as pulumi from '@pulumi/pulumi';
import { Annotations, Aws, CfnOutput, Duration, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import type { AwsEnvironment } from '../blocks/aws-iam';
import { acknowledgeWildcards } from '../blocks/cdk-nag';
import { cdkAccessLogBucket, cdkCustomerKey, cdkSecureBucket } from '../blocks/cdk-aws';
import { acknowledgeInlinePolicy } from '../blocks/cdk-compliance';
import { cdkPlatformArgs } from '../core/platform-context';
import { knownString } from '../core/validation';
import { RELEASE_CONFIG_KEY, type Release } from '../promotion/release-types';
import type { ModelEndpointArgs } from './args';
import * as blueprint from './aws-blueprint';
import { RELEASE_FILE_CONTEXT_KEY, releaseFromContext } from './cdk-release';
import { awsEndpointMetrics, type EndpointMetricName } from './metrics';
import { resolveModelEndpoint, type ModelEndpointSpec, type ResolvedModelEndpoint } from './resolve';

/** ModelEndpoint arguments for CDK: the Pulumi arguments with every input a plain value (tokens allowed). */
export type ModelEndpointProps = pulumi.Unwrap<ModelEndpointArgs>;

/**
 * Options of a metric handle: CloudWatch's metric options (period, statistic, label, ...), which override the
 * defaults each handle documents, and the variant to read.
 */
export interface EndpointMetricOptions extends cloudwatch.MetricOptions {
  /** Production variant whose series to read. Default `primary` (the variant the served version runs in). */
  readonly variantName?: string;
}

export class ModelEndpoint extends Construct {
  /** Physical name of the SageMaker endpoint (also while it awaits a release: the name it will have). */
  readonly endpointName: string;
  /** ARN of the endpoint; undefined while it awaits a release. */
  readonly endpointId?: string;
  /** URL requests are POSTed to; undefined while it awaits a release. */
  readonly url?: string;
  /** Whether it serves: false while no `version` and no release is given (it then creates no serving resource). */
  readonly serving: boolean;
  /**
   * `serving <version>` (with ` promoted from <stack>` for a promoted release), or `awaiting release: ...` with how
   * to give one. Also the stack output `ReleaseStatus` in release mode.
   */
  readonly releaseStatus: string;
  /** The release served (upgraded to schema 1); undefined with `version` or while awaiting one. */
  readonly release?: Release;
  /** The absolute URI of the served release's drift baseline, when it names one (a MonitoringStack's default). */
  readonly releaseBaselineUri?: string;
  /** The resolved arguments: `spec.serving` false while it awaits a release (no version, models or access). */
  readonly spec: ModelEndpointSpec;
  /** The SageMaker endpoint; undefined while it awaits a release (as every serving resource below). */
  readonly endpoint?: sagemaker.CfnEndpoint;
  readonly endpointConfig?: sagemaker.CfnEndpointConfig;
  /** One per served model; empty while it awaits a release. */
  readonly models: sagemaker.CfnModel[];
  readonly executionRole?: iam.Role;
  /** Empty while it awaits a release. */
  readonly rollbackAlarms: cloudwatch.Alarm[];
  readonly key?: kms.IKey;
  readonly captureBucket?: s3.Bucket;
  /** Autoscaling of the primary variant; undefined for serverless endpoints. */
  readonly scalingTarget?: autoscaling.CfnScalableTarget;
  readonly scalingPolicy?: autoscaling.CfnScalingPolicy;

  constructor(scope: Construct, id: string, props: ModelEndpointProps) {
    super(scope, id);
    // Other clouds, a region the stack does not deploy to and a replica region are refused first.
    const platformArgs = cdkPlatformArgs(this, 'ModelEndpoint', id, props?.platform);
    // Without `version` or `release` the release comes from the context (or the file it names).
    const fromContext =
      props?.version === undefined && props?.release === undefined
        ? releaseFromContext(this, 'ModelEndpoint', id)
        : {};
    const spec = resolveModelEndpoint(id, props, platformArgs, {}, fromContext);
    this.spec = spec;
    this.serving = spec.serving;
    this.releaseStatus = spec.releaseStatus;
    const env: AwsEnvironment = { partition: Aws.PARTITION, region: Aws.REGION, account: Aws.ACCOUNT_ID };

    if (!spec.serving) {
      this.awaitRelease(spec);
      this.models = [];
      this.rollbackAlarms = [];
      // The physical name the endpoint will have: callers and alarms can name it before it serves.
      this.endpointName = spec.endpointName;
      return;
    }
    this.release = spec.release;
    this.releaseBaselineUri = spec.releaseBaselineUri as string | undefined;
    for (const warning of spec.releaseWarnings) Annotations.of(this).addWarningV2('mlops:release', warning);
    const served = serve(this, spec, env);
    this.key = served.key;
    this.captureBucket = served.captureBucket;
    this.executionRole = served.executionRole;
    this.models = served.models;
    this.endpointConfig = served.endpointConfig;
    this.rollbackAlarms = served.rollbackAlarms;
    this.endpoint = served.endpoint;
    this.scalingTarget = served.scalingTarget;
    this.scalingPolicy = served.scalingPolicy;
    // A MonitoringStack watching this endpoint gives the rollback alarms its actions; in staging and prod an
    // alarm without one fails synth (cdk-nag and Control Tower would refuse it too).
    this.node.addValidation({ validate: () => this.silentRollbackAlarmProblems() });
    if (spec.release) new CfnOutput(this, 'ReleaseStatus', releaseStatusOutput(spec));

    this.endpointName = served.endpoint.attrEndpointName;
    this.endpointId = blueprint.endpointArn(env, spec.endpointName);
    this.url = blueprint.invokeUrl(Aws.REGION, spec.endpointName);
  }

  /** No release to serve: nothing but the status, as an output and a synth message. */
  private awaitRelease(spec: ModelEndpointSpec): void {
    new CfnOutput(this, 'ReleaseStatus', releaseStatusOutput(spec));
    Annotations.of(this).addInfo(
      `ModelEndpoint "${spec.constructName}" creates no serving resources: ${spec.releaseStatus}. Pass a release to serve with -c ${RELEASE_CONFIG_KEY}='<release JSON>' or -c ${RELEASE_FILE_CONTEXT_KEY}=<Pulumi stack file or release file>.`,
    );
  }

  /**
   * p99 model latency of a variant, in microseconds (`ModelLatency` in `AWS/SageMaker`; statistic p99, period
   * 60 s by default; 1 ms = 1000). Time the model container took to answer, without SageMaker's overhead.
   */
  metricLatency(options?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('latency', options);
  }

  /** Requests sent to a variant in the period, a count (`Invocations` in `AWS/SageMaker`; statistic Sum, period 60 s). */
  metricInvocations(options?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('invocations', options);
  }

  /** Requests answered with a 5xx status, a count (`Invocation5XXErrors`; statistic Sum, period 60 s). */
  metricServerErrors(options?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('serverErrors', options);
  }

  /** Requests answered with a 4xx status, a count (`Invocation4XXErrors`; statistic Sum, period 60 s). */
  metricClientErrors(options?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('clientErrors', options);
  }

  /**
   * CPU use of an instance in percent, summed over its vCPUs: 0 to 100 per vCPU, so 0-400 on 4 vCPUs
   * (`CPUUtilization` in `/aws/sagemaker/Endpoints`; statistic Average, period 60 s). None for serverless.
   */
  metricCpuUtilization(options?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('cpuUtilization', options);
  }

  /** Memory use of an instance's containers in percent, 0 to 100 (`MemoryUtilization`; statistic Average, period 60 s). */
  metricMemoryUtilization(options?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('memoryUtilization', options);
  }

  /** GPU use in percent summed over an instance's GPUs, 0 to 100 per GPU (`GPUUtilization`; statistic Average, period 60 s). */
  metricGpuUtilization(options?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('gpuUtilization', options);
  }

  /** One of the endpoint's metrics, from the facts the alarms and dashboards read; options override them. */
  private metric(name: EndpointMetricName, options: EndpointMetricOptions = {}): cloudwatch.Metric {
    const { variantName, ...overrides } = options;
    const facts = awsEndpointMetrics(this.spec.endpointName, { variantName })[name];
    return new cloudwatch.Metric({
      namespace: facts.namespace,
      metricName: facts.metricName,
      dimensionsMap: { ...facts.dimensions },
      statistic: facts.statistic,
      period: Duration.seconds(facts.periodSeconds),
      ...overrides,
    });
  }

  /**
   * The synth-time check of the rollback alarms: in staging and prod each must have an action (a
   * `MonitoringStack` watching this endpoint adds its topic). Dev allows silent alarms: SageMaker still rolls
   * back on them.
   */
  private silentRollbackAlarmProblems(): string[] {
    const { stage } = this.spec.platform;
    if (stage === 'dev') return [];
    const silent = this.rollbackAlarms.filter((alarm) => !hasAlarmActions(alarm));
    if (silent.length === 0) return [];
    const names = silent.map((alarm) => (alarm.node.defaultChild as cloudwatch.CfnAlarm).alarmName);
    return [
      `ModelEndpoint "${this.spec.constructName}": its rollback alarms (${names.join(', ')}) have no action, and alarms in ${stage} must tell someone. Fix: watch the endpoint with a MonitoringStack (new MonitoringStack(scope, id, { endpoint, notifications: { emails: [...] } }) adds its topic to them), or set rollout.autoRollback false.`,
    ];
  }
}

/** Whether an alarm has an ALARM-state action once synthesized. */
function hasAlarmActions(alarm: cloudwatch.Alarm): boolean {
  const actions: unknown = Stack.of(alarm).resolve(
    (alarm.node.defaultChild as cloudwatch.CfnAlarm).alarmActions,
  );
  return Array.isArray(actions) && actions.length > 0;
}

/** What an endpoint that serves creates. */
interface ServingResources {
  readonly key: kms.IKey;
  readonly captureBucket?: s3.Bucket;
  readonly executionRole: iam.Role;
  readonly models: sagemaker.CfnModel[];
  readonly endpointConfig: sagemaker.CfnEndpointConfig;
  readonly rollbackAlarms: cloudwatch.Alarm[];
  readonly endpoint: sagemaker.CfnEndpoint;
  readonly scalingTarget?: autoscaling.CfnScalableTarget;
  readonly scalingPolicy?: autoscaling.CfnScalingPolicy;
}

/** The `ReleaseStatus` stack output: what the endpoint serves, or that it waits for a release. */
function releaseStatusOutput(spec: ModelEndpointSpec): { value: string; description: string } {
  return {
    value: spec.releaseStatus,
    description: `What the ${spec.endpointName} endpoint serves (${RELEASE_CONFIG_KEY}).`,
  };
}

/** The serving resources of an endpoint serving `spec` (a version or a release), children of `scope`. */
function serve(scope: ModelEndpoint, spec: ResolvedModelEndpoint, env: AwsEnvironment): ServingResources {
  const key = cdkCustomerKey(
    scope,
    'Key',
    `Encrypts the ${spec.endpointName} endpoint's volumes and request capture.`,
    spec.platform,
  );
  let captureBucket: s3.Bucket | undefined;
  if (spec.capturePercent > 0) {
    const accessLogs = cdkAccessLogBucket(scope, 'AccessLogs', spec.platform);
    captureBucket = cdkSecureBucket(scope, 'Capture', { key: key, accessLogs }, spec.platform);
  }

  const executionRole = new iam.Role(scope, 'ExecutionRole', {
    assumedBy: new iam.ServicePrincipal(blueprint.SAGEMAKER_SERVICE),
    description: `SageMaker execution role of the ${spec.endpointName} endpoint.`,
  });
  // The blueprint's trust policy, with its confused-deputy conditions.
  (executionRole.node.defaultChild as iam.CfnRole).assumeRolePolicyDocument =
    blueprint.executionTrustPolicy(env);
  const access = spec.modelAccess;
  const document = blueprint.executionRolePolicy(spec, {
    ...env,
    keyArn: key.keyArn,
    captureBucketName: captureBucket?.bucketName,
    // One entry per served model: undefined for a registry version or an image known only at deploy time.
    images: spec.models.map((m) => knownString(m.image)),
    primaryImageRepositoryArn: spec.aws.imageRepositoryArn as string | undefined,
    modelDataUrls: spec.models
      .map((m) => knownString(m.modelDataUrl))
      .filter((u): u is string => u !== undefined),
    modelAccess: access && {
      bucketName: access.bucketName as string,
      prefix: access.prefix,
      keyArn: access.kmsKeyId as string | undefined,
    },
  });
  const policy = new iam.Policy(scope, 'ExecutionPolicy', {
    roles: [executionRole],
    document: iam.PolicyDocument.fromJson(document),
  });
  acknowledgeWildcards(policy, document);
  acknowledgeInlinePolicy(policy);

  const subnets = spec.platform.network.subnetIds ?? [];
  const models = spec.models.map((model) => {
    const cfnModel = new sagemaker.CfnModel(scope, `Model-${model.variant}`, {
      executionRoleArn: executionRole.roleArn,
      // Plain values in CDK: the props are the unwrapped Pulumi arguments.
      primaryContainer: blueprint.modelContainer(
        spec,
        model,
      ) as sagemaker.CfnModel.ContainerDefinitionProperty,
      enableNetworkIsolation: spec.aws.networkIsolation,
      vpcConfig:
        subnets.length > 0
          ? { subnets, securityGroupIds: spec.platform.network.securityGroupIds ?? [] }
          : undefined,
    });
    // The role must have its permissions before SageMaker validates the model with it.
    cfnModel.node.addDependency(policy);
    if (subnets.length === 0) {
      Validations.of(cfnModel).acknowledge({
        id: 'AwsSolutions-SM1',
        reason: spec.aws.networkIsolation
          ? 'Network isolation is on: the container has no network access at all, which is stricter than a VPC.'
          : 'No VPC was configured for this platform; set platform.network.subnetIds to run the model in one.',
      });
    }
    return cfnModel;
  });

  const capture = captureBucket
    ? blueprint.dataCapture(spec, captureBucket.bucketName, key.keyArn)
    : undefined;
  const endpointConfig = new sagemaker.CfnEndpointConfig(scope, 'Config', {
    productionVariants: blueprint.productionVariants(spec).map((variant) => ({
      variantName: variant.variantName,
      modelName: models[variant.modelIndex].attrModelName,
      initialVariantWeight: variant.initialVariantWeight,
      instanceType: variant.instanceType,
      initialInstanceCount: variant.initialInstanceCount,
      serverlessConfig: variant.serverlessConfig,
    })),
    kmsKeyId: blueprint.volumeKeyAllowed(spec) ? key.keyArn : undefined,
    dataCaptureConfig: capture,
  });
  // A rolled-back update leaves the endpoint on the old configuration: never delete one.
  endpointConfig.applyRemovalPolicy(RemovalPolicy.RETAIN);
  if (captureBucket) endpointConfig.node.addDependency(captureBucket);
  if (!blueprint.volumeKeyAllowed(spec)) {
    Validations.of(endpointConfig).acknowledge({
      id: 'AwsSolutions-SM2',
      reason: spec.serverless
        ? 'Serverless endpoints take no storage volume key; SageMaker encrypts their storage itself.'
        : 'This instance type has local NVMe storage, which the hardware encrypts; SageMaker refuses a KMS key for it.',
    });
  }

  const rollbackAlarms = blueprint.rollbackAlarms(spec).map(
    (alarm) =>
      new cloudwatch.Alarm(scope, `RollbackAlarm-${alarm.id}`, {
        alarmName: alarm.name,
        alarmDescription: alarm.description,
        metric: new cloudwatch.Metric({
          namespace: alarm.namespace,
          metricName: alarm.metricName,
          statistic: alarm.extendedStatistic ?? alarm.statistic,
          period: Duration.seconds(alarm.periodSeconds),
          dimensionsMap: blueprint.rollbackAlarmDimensions(
            spec.endpointName,
            endpointConfig.attrEndpointConfigName,
          ),
        }),
        threshold: alarm.threshold,
        evaluationPeriods: alarm.evaluationPeriods,
        datapointsToAlarm: alarm.datapointsToAlarm,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
  );

  const scaling = blueprint.autoscaling(spec);
  const endpoint = new sagemaker.CfnEndpoint(scope, 'Resource', {
    endpointName: spec.endpointName,
    endpointConfigName: endpointConfig.attrEndpointConfigName,
    deploymentConfig: blueprint.deploymentConfig(
      spec,
      rollbackAlarms.map((a) => a.alarmName),
    ),
    // Autoscaling owns the instance count: keep it across updates; weights still follow the config.
    retainAllVariantProperties: scaling !== undefined,
    excludeRetainedVariantProperties: scaling ? [{ variantPropertyType: 'DesiredWeight' }] : undefined,
  });
  rollbackAlarms.forEach((alarm) => endpoint.node.addDependency(alarm));

  let scalingTarget: autoscaling.CfnScalableTarget | undefined;
  let scalingPolicy: autoscaling.CfnScalingPolicy | undefined;
  if (scaling) {
    // L1 resources with no RoleARN: Application Auto Scaling then uses its service-linked role for
    // SageMaker, as the Pulumi renderer does. (The L2 ScalableTarget would create a role with no policy that
    // nothing uses.) The construct paths are the L2's, so logical ids stay the same.
    const targetScope = new Construct(scope, 'ScalingTarget');
    scalingTarget = new autoscaling.CfnScalableTarget(targetScope, 'Resource', {
      serviceNamespace: scaling.serviceNamespace,
      resourceId: scaling.resourceId,
      scalableDimension: scaling.scalableDimension,
      minCapacity: scaling.minCapacity,
      maxCapacity: scaling.maxCapacity,
    });
    scalingTarget.node.addDependency(endpoint);
    const policyScope = new Construct(targetScope, 'InvocationsPerInstance');
    scalingPolicy = new autoscaling.CfnScalingPolicy(policyScope, 'Resource', {
      policyName: Names.uniqueId(policyScope),
      policyType: 'TargetTrackingScaling',
      scalingTargetId: scalingTarget.ref,
      targetTrackingScalingPolicyConfiguration: {
        predefinedMetricSpecification: { predefinedMetricType: scaling.predefinedMetricType },
        targetValue: scaling.targetValue,
        scaleInCooldown: scaling.scaleInCooldownSeconds,
        scaleOutCooldown: scaling.scaleOutCooldownSeconds,
      },
    });
  }

  spec.invokers.forEach((roleName) => {
    const invoke = new iam.Policy(scope, `Invoke-${roleName}`, {
      roles: [iam.Role.fromRoleName(scope, `Invoker-${roleName}`, roleName)],
      document: iam.PolicyDocument.fromJson(blueprint.invokePolicy(spec, env)),
    });
    acknowledgeInlinePolicy(invoke);
  });

  return {
    key,
    captureBucket,
    executionRole,
    models,
    endpointConfig,
    rollbackAlarms,
    endpoint,
    scalingTarget,
    scalingPolicy,
  };
}
