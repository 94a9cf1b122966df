/** Renders a resolved MlPipeline to SageMaker Pipelines through Pulumi, from the shared AWS blueprint. */
import * as pulumi from '@pulumi/pulumi';
import * as ecr from '@pulumi/aws/ecr';
import { getAuthorizationTokenOutput } from '@pulumi/aws/ecr/getAuthorizationToken';
import { getCallerIdentityOutput } from '@pulumi/aws/getCallerIdentity';
import * as iam from '@pulumi/aws/iam';
import type * as kms from '@pulumi/aws/kms';
import type * as s3 from '@pulumi/aws/s3';
import * as sagemaker from '@pulumi/aws/sagemaker';
import * as scheduler from '@pulumi/aws/scheduler';
import { awsPartition, customerKey, loggedBuckets, type AwsChildContext } from '../blocks/pulumi-aws';
import * as blueprint from './aws-blueprint';
import * as policies from './aws-policies';
import type { RenderedPipeline } from './rendered';
import { pipelineImages, type ResolvedMlPipeline } from './resolve';

/** The AWS children of an MlPipeline, for escape hatches. */
export interface MlPipelineAwsChildren {
  readonly pipeline: sagemaker.Pipeline;
  readonly modelPackageGroup: sagemaker.ModelPackageGroup;
  readonly repository: ecr.Repository;
  /** The data bucket; undefined when `data.bucketName` brought an existing one. */
  readonly dataBucket?: s3.Bucket;
  readonly artifactBucket: s3.Bucket;
  readonly pipelineRole: iam.Role;
  readonly trainingRole: iam.Role;
  /** The role the champion lookup runs as; undefined without `qualityGate.mustBeatApproved`. */
  readonly championRole?: iam.Role;
  /** The key the construct created; undefined when the platform brought one. */
  readonly key?: kms.Key;
  /** Undefined when retraining is on demand only. */
  readonly schedule?: scheduler.Schedule;
  readonly schedulerRole?: iam.Role;
}

export function renderAws(
  spec: ResolvedMlPipeline,
  parent: pulumi.Resource,
): RenderedPipeline<MlPipelineAwsChildren> {
  const name = spec.constructName;
  const region = spec.platform.region;
  // A region without Model Monitor's analyzer is refused before any child resource exists (unless
  // `aws.driftBaseline` is false: then nothing runs the analyzer and this is undefined).
  const analyzerImage = blueprint.analyzerImage(spec);
  const ctx: AwsChildContext = { parent, platform: spec.platform, tags: { ...spec.tags } };
  const opts = { parent };
  const keep = { parent, retainOnDelete: spec.platform.retainOnDelete };
  const partition = awsPartition(region);
  const account = getCallerIdentityOutput({}, { parent }).accountId;
  const env = account.apply((acct) => ({ partition, region, account: acct }));

  const { keyArn, key } = customerKey(
    name,
    `Encrypts the ${spec.pipelineName} pipeline's data, artifacts, images and job volumes.`,
    ctx,
    account,
  );
  // Data and artifacts replicate to platform.replicaRegion when it is set; a bucket brought by the user does not.
  const storage = loggedBuckets(
    name,
    {
      keyArn,
      buckets: spec.data.existingBucketName ? ['artifacts'] : ['data', 'artifacts'],
      replicate: ['data', 'artifacts'],
      noncurrentVersionDays: blueprint.noncurrentVersionDays(spec),
    },
    ctx,
    account,
  );
  const data = storage.buckets.data;
  const dataBucketName = data ? data.bucketName : pulumi.output(spec.data.existingBucketName!);
  const artifacts = storage.buckets.artifacts;

  const repository = new ecr.Repository(
    `${name}-images`,
    {
      name: spec.repositoryName,
      imageTagMutability: blueprint.REPOSITORY_SETTINGS.imageTagMutability,
      imageScanningConfiguration: { scanOnPush: blueprint.REPOSITORY_SETTINGS.scanOnPush },
      encryptionConfigurations: [
        { encryptionType: blueprint.REPOSITORY_SETTINGS.encryptionType, kmsKey: keyArn },
      ],
      region,
      tags: ctx.tags,
    },
    keep,
  );
  new ecr.LifecyclePolicy(
    `${name}-images-lifecycle`,
    {
      repository: repository.name,
      policy: JSON.stringify(blueprint.repositoryLifecyclePolicy(spec)),
      region,
    },
    opts,
  );

  const modelPackageGroup = new sagemaker.ModelPackageGroup(
    `${name}-models`,
    {
      modelPackageGroupName: spec.registry.modelGroupName,
      modelPackageGroupDescription: `Models trained by the ${spec.pipelineName} pipeline that passed its quality gate.`,
      region,
      tags: ctx.tags,
    },
    keep,
  );

  const trainingRole = new iam.Role(
    `${name}-training-role`,
    {
      description: `Training and evaluation jobs of the ${spec.pipelineName} pipeline.`,
      assumeRolePolicy: env.apply((e) => JSON.stringify(policies.trainingTrustPolicy(e))),
      tags: ctx.tags,
    },
    opts,
  );
  const pipelineRole = new iam.Role(
    `${name}-pipeline-role`,
    {
      description: `Runs the ${spec.pipelineName} SageMaker pipeline.`,
      assumeRolePolicy: env.apply((e) => JSON.stringify(policies.pipelineTrustPolicy(spec, e))),
      tags: ctx.tags,
    },
    opts,
  );

  // The champion lookup (mustBeatApproved) runs as its own role: the one job with network access writes
  // nothing but its output.
  const championRole = spec.qualityGate.mustBeatApproved
    ? new iam.Role(
        `${name}-champion-role`,
        {
          description: `Finds the approved model the ${spec.pipelineName} pipeline's candidates must beat.`,
          assumeRolePolicy: env.apply((e) => JSON.stringify(policies.championTrustPolicy(e))),
          tags: ctx.tags,
        },
        opts,
      )
    : undefined;

  const images = pipelineImages(
    spec,
    spec.training.build && buildTrainingImage(spec, repository, parent, region),
  );
  const refs: pulumi.Output<blueprint.PipelineAwsRefs> = pulumi
    .all([
      account,
      keyArn,
      dataBucketName,
      artifacts.bucketName,
      trainingRole.arn,
      championRole?.arn ?? trainingRole.arn,
      images.training,
      images.evaluation,
      images.serving,
    ])
    .apply(
      ([
        acct,
        key,
        dataBucket,
        artifactBucket,
        trainingRoleArn,
        championRoleArn,
        trainingImage,
        evaluationImage,
        servingImage,
      ]) => ({
        partition,
        region,
        account: acct,
        keyArn: key,
        dataBucketName: dataBucket,
        artifactBucketName: artifactBucket,
        trainingRoleArn,
        // Without mustBeatApproved there is no lookup step and no champion role: nothing reads this.
        championRoleArn,
        trainingImage,
        evaluationImage,
        servingImage,
        analyzerImage,
      }),
    );

  const trainingPolicy = new iam.RolePolicy(
    `${name}-training-policy`,
    {
      role: trainingRole.name,
      policy: refs.apply((r) => JSON.stringify(policies.trainingRolePolicy(spec, r))),
    },
    opts,
  );
  const pipelinePolicy = new iam.RolePolicy(
    `${name}-pipeline-policy`,
    {
      role: pipelineRole.name,
      policy: refs.apply((r) => JSON.stringify(policies.pipelineRolePolicy(spec, r))),
    },
    opts,
  );

  const championPolicy =
    championRole &&
    new iam.RolePolicy(
      `${name}-champion-policy`,
      {
        role: championRole.name,
        policy: refs.apply((r) => JSON.stringify(policies.championRolePolicy(spec, r))),
      },
      opts,
    );

  const pipeline = new sagemaker.Pipeline(
    `${name}-pipeline`,
    {
      pipelineName: spec.pipelineName,
      pipelineDisplayName: spec.pipelineName,
      pipelineDescription: `Trains, evaluates and registers ${spec.registry.modelGroupName} when ${spec.qualityGate.metric} passes the quality gate.`,
      pipelineDefinition: refs.apply((r) => JSON.stringify(blueprint.pipelineDefinition(spec, r))),
      roleArn: pipelineRole.arn,
      region,
      tags: ctx.tags,
    },
    // A run may start as soon as the pipeline exists: its roles, group and buckets must be complete.
    {
      ...opts,
      dependsOn: [
        trainingPolicy,
        pipelinePolicy,
        ...(championPolicy ? [championPolicy] : []),
        modelPackageGroup,
        ...artifacts.ready,
        ...(data?.ready ?? []),
      ],
    },
  );

  let schedule: scheduler.Schedule | undefined;
  let schedulerRole: iam.Role | undefined;
  const settings = blueprint.scheduleSettings(spec);
  if (settings) {
    schedulerRole = new iam.Role(
      `${name}-scheduler-role`,
      {
        description: `Lets EventBridge Scheduler start the ${spec.pipelineName} pipeline.`,
        assumeRolePolicy: env.apply((e) => JSON.stringify(policies.schedulerTrustPolicy(e))),
        tags: ctx.tags,
      },
      opts,
    );
    const schedulerPolicy = new iam.RolePolicy(
      `${name}-scheduler-policy`,
      {
        role: schedulerRole.name,
        policy: env.apply((e) => JSON.stringify(policies.schedulerRolePolicy(spec, e))),
      },
      opts,
    );
    schedule = new scheduler.Schedule(
      `${name}-retrain`,
      {
        name: settings.name,
        description: settings.description,
        scheduleExpression: settings.scheduleExpression,
        scheduleExpressionTimezone: settings.scheduleExpressionTimezone,
        flexibleTimeWindow: settings.flexibleTimeWindow,
        state: settings.state,
        target: {
          arn: pipeline.arn,
          roleArn: schedulerRole.arn,
          retryPolicy: settings.retryPolicy,
          sagemakerPipelineParameters: {
            pipelineParameters: dataBucketName.apply((bucket) =>
              blueprint.schedulePipelineParameters(spec, bucket),
            ),
          },
        },
        region,
      },
      { ...opts, dependsOn: [schedulerPolicy] },
    );
  }

  return {
    dataBucketName,
    dataBucketUri: dataBucketName.apply((b) => `s3://${b}/${spec.data.prefix}`),
    artifactBucketName: artifacts.bucketName,
    artifactBucketUri: artifacts.bucketName.apply((b) => `s3://${b}/`),
    containerRegistryUrl: repository.repositoryUrl,
    modelRegistry: modelPackageGroup.modelPackageGroupName,
    pipelineName: pipeline.pipelineName,
    pipelineId: pipeline.arn,
    retrainTrigger: pipeline.arn,
    baselineUri: artifacts.bucketName.apply(blueprint.baselineUri),
    children: {
      pipeline,
      modelPackageGroup,
      repository,
      dataBucket: data?.bucket,
      artifactBucket: artifacts.bucket,
      pipelineRole,
      trainingRole,
      championRole,
      key,
      schedule,
      schedulerRole,
    },
  };
}

/** Builds the training image and pushes it to the pipeline's ECR repository; returns its digest. */
function buildTrainingImage(
  spec: ResolvedMlPipeline,
  repository: ecr.Repository,
  parent: pulumi.Resource,
  region: string,
) {
  // Loaded only for builds: most stacks pass an image and never need the Docker provider.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { buildAndPush } =
    require('../blocks/pulumi-image-build') as typeof import('../blocks/pulumi-image-build');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const auth = getAuthorizationTokenOutput({ registryId: repository.registryId, region }, { parent });
  return buildAndPush(
    `${spec.constructName}-training-build`,
    spec.training.build!,
    {
      repository: repository.repositoryUrl,
      server: auth.proxyEndpoint,
      username: auth.userName,
      password: auth.password,
    },
    { parent },
  );
}
