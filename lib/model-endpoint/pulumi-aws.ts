/** Renders a resolved ModelEndpoint to AWS SageMaker through Pulumi, from the shared AWS blueprint. */
import * as pulumi from '@pulumi/pulumi';
import * as appautoscaling from '@pulumi/aws/appautoscaling';
import * as cloudwatch from '@pulumi/aws/cloudwatch';
import { getCallerIdentityOutput } from '@pulumi/aws/getCallerIdentity';
import * as iam from '@pulumi/aws/iam';
import type * as kms from '@pulumi/aws/kms';
import type * as s3 from '@pulumi/aws/s3';
import * as sagemaker from '@pulumi/aws/sagemaker';
import { awsPartition, customerKey, loggedBuckets, type AwsChildContext } from '../blocks/pulumi-aws';
import { deferredAlarmActions } from './alarm-actions';
import * as blueprint from './aws-blueprint';
import type { RenderedEndpoint } from './rendered';
import type { ResolvedModelEndpoint } from './resolve';

/** The AWS children of a ModelEndpoint, for escape hatches. */
export interface ModelEndpointAwsChildren {
  readonly endpoint: sagemaker.Endpoint;
  readonly endpointConfiguration: sagemaker.EndpointConfiguration;
  /** One model per variant: the primary first, then the challengers. */
  readonly models: sagemaker.Model[];
  readonly executionRole: iam.Role;
  readonly rollbackAlarms: cloudwatch.MetricAlarm[];
  /** The key the construct created; undefined when the platform brought one. */
  readonly key?: kms.Key;
  /** The request-capture bucket; undefined when capture is off. */
  readonly captureBucket?: s3.Bucket;
  readonly scalingTarget?: appautoscaling.Target;
  readonly scalingPolicy?: appautoscaling.Policy;
}

export function renderAws(
  spec: ResolvedModelEndpoint,
  parent: pulumi.Resource,
): RenderedEndpoint<ModelEndpointAwsChildren> {
  const name = spec.constructName;
  const region = spec.platform.region;
  const ctx: AwsChildContext = { parent, platform: spec.platform, tags: { ...spec.tags } };
  const opts = { parent };
  const partition = awsPartition(region);
  const account = getCallerIdentityOutput({}, { parent }).accountId;

  const { keyArn, key } = customerKey(
    name,
    `Encrypts the ${spec.endpointName} endpoint's volumes and request capture.`,
    ctx,
    account,
  );

  let capture: { bucket: s3.Bucket; ready: pulumi.Resource[] } | undefined;
  if (spec.capturePercent > 0) {
    const captured = loggedBuckets(name, { keyArn, buckets: ['capture'] }, ctx, account).buckets.capture;
    capture = { bucket: captured.bucket, ready: captured.ready };
  }

  const role = new iam.Role(
    `${name}-execution-role`,
    {
      description: `SageMaker execution role of the ${spec.endpointName} endpoint.`,
      assumeRolePolicy: account.apply((acct) =>
        JSON.stringify(blueprint.executionTrustPolicy({ partition, region, account: acct })),
      ),
      tags: ctx.tags,
    },
    opts,
  );
  // One entry per served model: undefined where the image comes from a registry version.
  const images = spec.models.map((m) => m.image);
  const modelDataUrls = spec.models
    .map((m) => m.modelDataUrl)
    .filter((u): u is pulumi.Input<string> => u !== undefined);
  const rolePolicy = new iam.RolePolicy(
    `${name}-execution-policy`,
    {
      role: role.name,
      policy: pulumi
        .all([
          account,
          keyArn,
          capture?.bucket.bucket,
          pulumi.all(images),
          pulumi.all(modelDataUrls),
          spec.modelAccess && pulumi.all([spec.modelAccess.bucketName, spec.modelAccess.kmsKeyId]),
          spec.aws.imageRepositoryArn,
        ])
        .apply(([acct, key, captureBucketName, imageList, urlList, access, repository]) =>
          JSON.stringify(
            blueprint.executionRolePolicy(spec, {
              partition,
              region,
              account: acct,
              keyArn: key,
              captureBucketName,
              images: imageList,
              primaryImageRepositoryArn: repository,
              modelDataUrls: urlList,
              modelAccess: access && {
                bucketName: access[0],
                prefix: spec.modelAccess!.prefix,
                keyArn: access[1],
              },
            }),
          ),
        ),
    },
    opts,
  );

  const vpcConfig = spec.platform.network.subnetIds?.length
    ? {
        subnets: spec.platform.network.subnetIds,
        securityGroupIds: spec.platform.network.securityGroupIds ?? [],
      }
    : undefined;
  const models = spec.models.map(
    (model) =>
      // No explicit name: every Model field forces replacement, and auto-naming lets the new one be made first.
      new sagemaker.Model(
        `${name}-${model.variant}-model`,
        {
          executionRoleArn: role.arn,
          primaryContainer: blueprint.modelContainer(spec, model),
          enableNetworkIsolation: spec.aws.networkIsolation,
          vpcConfig,
          region,
          tags: ctx.tags,
        },
        // The role must have its permissions before SageMaker validates the model with it.
        { ...opts, dependsOn: [rolePolicy] },
      ),
  );

  const config = new sagemaker.EndpointConfiguration(
    `${name}-config`,
    {
      productionVariants: blueprint.productionVariants(spec).map((variant) => ({
        variantName: variant.variantName,
        modelName: models[variant.modelIndex].name,
        initialVariantWeight: variant.initialVariantWeight,
        instanceType: variant.instanceType,
        initialInstanceCount: variant.initialInstanceCount,
        serverlessConfig: variant.serverlessConfig,
      })),
      kmsKeyArn: blueprint.volumeKeyAllowed(spec) ? keyArn : undefined,
      dataCaptureConfig: capture
        ? pulumi
            .all([capture.bucket.bucket, keyArn])
            .apply(([bucketName, key]) => blueprint.dataCapture(spec, bucketName, key))
        : undefined,
      region,
      tags: ctx.tags,
    },
    // A rolled-back update leaves the endpoint on the old configuration: never delete one, or the next
    // deploy fails with "Could not find endpoint configuration".
    { ...opts, retainOnDelete: true, dependsOn: capture?.ready ?? [] },
  );

  const rollbackAlarms = blueprint.rollbackAlarms(spec);
  // The watching MonitoringStack supplies the actions (its topics); see alarm-actions.ts.
  const alarmActions =
    rollbackAlarms.length > 0
      ? deferredAlarmActions(parent, 'ModelEndpoint', name, spec.platform.stage)
      : undefined;
  const alarms = rollbackAlarms.map(
    (alarm) =>
      new cloudwatch.MetricAlarm(
        `${name}-rollback-${alarm.id}`,
        {
          name: alarm.name,
          alarmDescription: alarm.description,
          namespace: alarm.namespace,
          metricName: alarm.metricName,
          statistic: alarm.statistic,
          extendedStatistic: alarm.extendedStatistic,
          period: alarm.periodSeconds,
          evaluationPeriods: alarm.evaluationPeriods,
          datapointsToAlarm: alarm.datapointsToAlarm,
          threshold: alarm.threshold,
          comparisonOperator: alarm.comparisonOperator,
          treatMissingData: alarm.treatMissingData,
          // No OK actions: the alarms watch each release's new configuration, so every release would
          // report "OK" twice.
          alarmActions,
          dimensions: config.name.apply((configName) =>
            blueprint.rollbackAlarmDimensions(spec.endpointName, configName),
          ),
          region,
          tags: ctx.tags,
        },
        opts,
      ),
  );

  const endpoint = new sagemaker.Endpoint(
    `${name}-endpoint`,
    {
      name: spec.endpointName,
      endpointConfigName: config.name,
      deploymentConfig: blueprint.deploymentConfig(
        spec,
        blueprint.rollbackAlarms(spec).map((a) => a.name),
      ),
      region,
      tags: ctx.tags,
    },
    // The alarms name the new configuration; they must watch it before traffic shifts.
    { ...opts, dependsOn: alarms },
  );

  const scaling = blueprint.autoscaling(spec);
  let scalingTarget: appautoscaling.Target | undefined;
  let scalingPolicy: appautoscaling.Policy | undefined;
  if (scaling) {
    scalingTarget = new appautoscaling.Target(
      `${name}-scaling-target`,
      {
        serviceNamespace: scaling.serviceNamespace,
        resourceId: scaling.resourceId,
        scalableDimension: scaling.scalableDimension,
        minCapacity: scaling.minCapacity,
        maxCapacity: scaling.maxCapacity,
        region,
        tags: ctx.tags,
      },
      { ...opts, dependsOn: [endpoint] },
    );
    scalingPolicy = new appautoscaling.Policy(
      `${name}-scaling-policy`,
      {
        policyType: 'TargetTrackingScaling',
        serviceNamespace: scalingTarget.serviceNamespace,
        resourceId: scalingTarget.resourceId,
        scalableDimension: scalingTarget.scalableDimension,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: { predefinedMetricType: scaling.predefinedMetricType },
          targetValue: scaling.targetValue,
          scaleInCooldown: scaling.scaleInCooldownSeconds,
          scaleOutCooldown: scaling.scaleOutCooldownSeconds,
        },
        region,
      },
      opts,
    );
  }

  spec.invokers.forEach((roleName) => {
    new iam.RolePolicy(
      `${name}-invoke-${roleName}`,
      {
        role: roleName,
        policy: pulumi
          .all([account, endpoint.name])
          .apply(([acct]) =>
            JSON.stringify(blueprint.invokePolicy(spec, { partition, region, account: acct })),
          ),
      },
      opts,
    );
  });

  return {
    endpointName: endpoint.name,
    endpointId: endpoint.arn,
    url: endpoint.name.apply((n) => blueprint.invokeUrl(region, n)),
    children: {
      endpoint,
      endpointConfiguration: config,
      models,
      executionRole: role,
      rollbackAlarms: alarms,
      key,
      captureBucket: capture?.bucket,
      scalingTarget,
      scalingPolicy,
    },
  };
}
