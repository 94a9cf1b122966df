/**
 * The CDK MlPipeline: the same arguments as the Pulumi construct (plain values instead of Pulumi inputs),
 * built from the same AWS blueprint as the Pulumi AWS renderer: pipeline definition, IAM documents,
 * schedule settings and retention. `node.defaultChild` is the SageMaker pipeline.
 */
import type * as pulumi from '@pulumi/pulumi';
import { Aws, Duration, Resource, Stack, TimeZone } from 'aws-cdk-lib';
import * as path from 'node:path';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import type { AwsEnvironment } from '../blocks/aws-iam';
import { cdkAccessLogBucket, cdkCustomerKey, cdkSecureBucket, removalPolicy } from '../blocks/cdk-aws';
import { acknowledgeInlinePolicy } from '../blocks/cdk-compliance';
import { attachBlueprintPolicy, blueprintRole } from '../blocks/cdk-iam';
import { cdkAnalyzerImage } from '../blocks/cdk-model-monitor';
import { cdkPlatformArgs } from '../core/platform-context';
import { isKnown } from '../core/validation';
import type { ReleaseStore } from '../promotion/release-store';
import type { MlPipelineArgs } from './args';
import * as blueprint from './aws-blueprint';
import * as policies from './aws-policies';
import { pipelineImages, resolveMlPipeline, type ResolvedMlPipeline } from './resolve';

/** MlPipeline arguments for CDK: the Pulumi arguments with every input a plain value (tokens allowed). */
export type MlPipelineProps = pulumi.Unwrap<MlPipelineArgs>;

export class MlPipeline extends Construct {
  /** Name of the training data bucket. */
  readonly dataBucketName: string;
  /** URI of the training data (`s3://bucket/prefix/`). */
  readonly dataBucketUri: string;
  readonly artifactBucketName: string;
  readonly artifactBucketUri: string;
  /** ECR repository URI to push training and serving images to. */
  readonly containerRegistryUrl: string;
  /** The model package group name. */
  readonly modelRegistry: string;
  readonly pipelineName: string;
  /** Pipeline ARN. */
  readonly pipelineId: string;
  /** What monitoring fires to retrain: the pipeline ARN (an EventBridge or Scheduler target). */
  readonly retrainTrigger: string;
  /**
   * The prefix (`s3://<artifact bucket>/baseline/`) under which every run's `DataQualityBaseline` step keeps
   * SageMaker Model Monitor's baseline of the run's data, in `<execution id>/` (`statistics.json`,
   * `constraints.json`). A registered version records its own as `DriftCheckBaselines.ModelDataQuality`:
   * monitor against the served version's folder (`aws sagemaker describe-model-package`).
   */
  readonly baselineUri: string;
  readonly spec: ResolvedMlPipeline;
  readonly pipeline: sagemaker.CfnPipeline;
  readonly modelPackageGroup: sagemaker.CfnModelPackageGroup;
  readonly repository: ecr.Repository;
  /** Undefined when `data.bucketName` brought an existing bucket. */
  readonly dataBucket?: s3.Bucket;
  readonly artifactBucket: s3.Bucket;
  readonly pipelineRole: iam.Role;
  readonly trainingRole: iam.Role;
  /** The role the champion lookup runs as; undefined without `qualityGate.mustBeatApproved`. */
  readonly championRole?: iam.Role;
  readonly key: kms.IKey;
  /** Undefined when retraining is on demand only. */
  readonly schedule?: scheduler.Schedule;
  private readonly env: AwsEnvironment;

  constructor(scope: Construct, id: string, props: MlPipelineProps) {
    super(scope, id);
    // Other clouds, a region the stack does not deploy to and a replica region are refused first.
    const platformArgs = cdkPlatformArgs(this, 'MlPipeline', id, props?.platform);
    const spec = resolveMlPipeline(id, props, platformArgs);
    this.spec = spec;
    // A region without Model Monitor's analyzer is refused before any child resource exists (unless
    // `aws.driftBaseline` is false: then nothing runs the analyzer and this is undefined).
    const analyzerImage = pipelineAnalyzerImage(this, spec);
    const env: AwsEnvironment = { partition: Aws.PARTITION, region: Aws.REGION, account: Aws.ACCOUNT_ID };
    const retain = removalPolicy(spec.platform);

    this.key = cdkCustomerKey(
      this,
      'Key',
      `Encrypts the ${spec.pipelineName} pipeline's data, artifacts, images and job volumes.`,
      spec.platform,
    );
    const accessLogs = cdkAccessLogBucket(this, 'AccessLogs', spec.platform);
    const bucketOptions = {
      key: this.key,
      accessLogs,
      noncurrentVersionDays: blueprint.noncurrentVersionDays(spec),
    };
    this.dataBucket = spec.data.existingBucketName
      ? undefined
      : cdkSecureBucket(this, 'Data', bucketOptions, spec.platform);
    this.artifactBucket = cdkSecureBucket(this, 'Artifacts', bucketOptions, spec.platform);
    const dataBucketName = this.dataBucket?.bucketName ?? spec.data.existingBucketName!;

    this.repository = new ecr.Repository(this, 'Images', {
      repositoryName: spec.repositoryName,
      imageTagMutability: ecr.TagMutability[blueprint.REPOSITORY_SETTINGS.imageTagMutability],
      imageScanOnPush: blueprint.REPOSITORY_SETTINGS.scanOnPush,
      encryption: ecr.RepositoryEncryption.KMS,
      encryptionKey: this.key,
      removalPolicy: retain,
    });
    // The lifecycle rules are the blueprint's document, exactly as the Pulumi renderer deploys them.
    (this.repository.node.defaultChild as ecr.CfnRepository).lifecyclePolicy = {
      lifecyclePolicyText: JSON.stringify(blueprint.repositoryLifecyclePolicy(spec)),
    };

    this.modelPackageGroup = new sagemaker.CfnModelPackageGroup(this, 'Models', {
      modelPackageGroupName: spec.registry.modelGroupName,
      modelPackageGroupDescription: `Models trained by the ${spec.pipelineName} pipeline that passed its quality gate.`,
    });
    this.modelPackageGroup.applyRemovalPolicy(retain);

    this.trainingRole = blueprintRole(
      this,
      'TrainingRole',
      `Training and evaluation jobs of the ${spec.pipelineName} pipeline.`,
      blueprint.SAGEMAKER_SERVICE,
      policies.trainingTrustPolicy(env),
    );
    this.pipelineRole = blueprintRole(
      this,
      'PipelineRole',
      `Runs the ${spec.pipelineName} SageMaker pipeline.`,
      blueprint.SAGEMAKER_SERVICE,
      policies.pipelineTrustPolicy(spec, env),
    );

    // The champion lookup (mustBeatApproved) runs as its own role: the one job with network access writes
    // nothing but its output.
    this.championRole = spec.qualityGate.mustBeatApproved
      ? blueprintRole(
          this,
          'ChampionRole',
          `Finds the approved model the ${spec.pipelineName} pipeline's candidates must beat.`,
          blueprint.SAGEMAKER_SERVICE,
          policies.championTrustPolicy(env),
        )
      : undefined;

    // A Dockerfile build becomes a CDK image asset, which `cdk deploy` builds and pushes to the bootstrap
    // asset repository; the training role may pull from that repository.
    const build = spec.training.build;
    const built =
      build &&
      new ecrAssets.DockerImageAsset(this, 'TrainingImage', {
        directory: path.resolve(build.contextPath),
        file: build.dockerfilePath,
        platform: ecrAssets.Platform.LINUX_AMD64,
        target: build.target,
        buildArgs: { ...build.buildArgs },
      });
    const images = pipelineImages(spec, built?.imageUri);
    const builtRepository = (image: string) =>
      built && image === built.imageUri ? built.repository.repositoryArn : undefined;
    const deployed: blueprint.PipelineAwsRefs = {
      ...env,
      keyArn: this.key.keyArn,
      dataBucketName,
      artifactBucketName: this.artifactBucket.bucketName,
      trainingRoleArn: this.trainingRole.roleArn,
      // Without mustBeatApproved there is no lookup step and no champion role: nothing reads this.
      championRoleArn: (this.championRole ?? this.trainingRole).roleArn,
      trainingImage: images.training as string,
      evaluationImage: images.evaluation as string,
      servingImage: images.serving as string,
      analyzerImage,
    };
    const trainingPolicy = attachBlueprintPolicy(
      this,
      'TrainingPolicy',
      this.trainingRole,
      policies.trainingRolePolicy(spec, deployed, builtRepository),
    );
    const pipelinePolicy = attachBlueprintPolicy(
      this,
      'PipelinePolicy',
      this.pipelineRole,
      policies.pipelineRolePolicy(spec, deployed),
    );

    const championPolicy =
      this.championRole &&
      attachBlueprintPolicy(
        this,
        'ChampionPolicy',
        this.championRole,
        policies.championRolePolicy(spec, deployed, builtRepository),
      );

    const stack = Stack.of(this);
    this.pipeline = new sagemaker.CfnPipeline(this, 'Resource', {
      pipelineName: spec.pipelineName,
      pipelineDisplayName: spec.pipelineName,
      pipelineDescription: `Trains, evaluates and registers ${spec.registry.modelGroupName} when ${spec.qualityGate.metric} passes the quality gate.`,
      roleArn: this.pipelineRole.roleArn,
      // The definition is untyped in CloudFormation (PascalCase keys); toJsonString keeps its tokens.
      pipelineDefinition: {
        PipelineDefinitionBody: stack.toJsonString(blueprint.pipelineDefinition(spec, deployed)),
      },
    });
    // A run may start as soon as the pipeline exists: its roles, group and buckets must be complete.
    for (const dependency of [
      trainingPolicy,
      pipelinePolicy,
      ...(championPolicy ? [championPolicy] : []),
      this.modelPackageGroup,
      this.artifactBucket,
      ...(this.dataBucket ? [this.dataBucket] : []),
    ]) {
      this.pipeline.node.addDependency(dependency);
    }

    const settings = blueprint.scheduleSettings(spec);
    if (settings) {
      const schedulerRole = blueprintRole(
        this,
        'SchedulerRole',
        `Lets EventBridge Scheduler start the ${spec.pipelineName} pipeline.`,
        blueprint.SCHEDULER_SERVICE,
        policies.schedulerTrustPolicy(env),
      );
      // Its one statement lands in the role's default (inline) policy through the scheduler target's grant.
      acknowledgeInlinePolicy(schedulerRole);
      this.schedule = new scheduler.Schedule(this, 'Retrain', {
        scheduleName: settings.name,
        description: settings.description,
        schedule: scheduler.ScheduleExpression.expression(
          settings.scheduleExpression,
          TimeZone.of(settings.scheduleExpressionTimezone),
        ),
        timeWindow: scheduler.TimeWindow.off(),
        enabled: settings.state === 'ENABLED',
        target: new targets.SageMakerStartPipelineExecution(
          new BlueprintPipeline(this, 'StartTarget', spec, this.pipeline, env),
          {
            role: schedulerRole,
            pipelineParameterList: blueprint.schedulePipelineParameters(spec, dataBucketName),
            retryAttempts: settings.retryPolicy.maximumRetryAttempts,
            maxEventAge: Duration.seconds(settings.retryPolicy.maximumEventAgeInSeconds),
          },
        ),
      });
    }

    this.dataBucketName = dataBucketName;
    this.dataBucketUri = blueprint.dataUri(spec, dataBucketName);
    this.artifactBucketName = this.artifactBucket.bucketName;
    this.artifactBucketUri = `s3://${this.artifactBucket.bucketName}/`;
    this.containerRegistryUrl = this.repository.repositoryUri;
    this.modelRegistry = spec.registry.modelGroupName;
    this.pipelineName = spec.pipelineName;
    this.pipelineId = blueprint.pipelineArn(env, spec.pipelineName);
    this.retrainTrigger = this.pipelineId;
    this.baselineUri = blueprint.baselineUri(this.artifactBucket.bucketName);
    this.env = env;
  }

  /**
   * Where this pipeline's releases live, for a `ModelEndpoint` serving a release (its `pipeline` prop): the model
   * package group, its version ARNs, the ECR repository, the artifact bucket (`s3://<bucket>/`) and its key.
   */
  releaseStore(): ReleaseStore {
    return {
      cloud: 'aws',
      modelPackageGroupName: this.spec.registry.modelGroupName,
      modelPackageArn: (version) => this.registeredModelArn(version),
      imageRepositoryArn: this.repository.repositoryArn,
      artifactBucketName: this.artifactBucket.bucketName,
      artifactBaseUri: this.artifactBucketUri,
      artifactKeyArn: this.key.keyArn,
    };
  }

  /** The ARN of a registered model version, to serve with `ModelEndpoint`'s `aws.modelPackageArn`. */
  registeredModelArn(version: number): string {
    if (!Number.isInteger(version) || version < 1) {
      throw new Error(
        `MlPipeline "${this.spec.constructName}": registeredModelArn(${version}) is not a version number. Fix: use the whole number SageMaker gave the version (1, 2, ...).`,
      );
    }
    return blueprint.modelPackageVersionArn(this.env, this.spec.registry.modelGroupName, version);
  }
}

/**
 * Model Monitor's analyzer image: the blueprint's (which refuses a region without one) for a region known at synth
 * time, else the stack's shared mapping. Undefined (and no mapping) when `aws.driftBaseline` is false.
 */
function pipelineAnalyzerImage(scope: Construct, spec: ResolvedMlPipeline): string | undefined {
  if (!spec.aws.driftBaseline) return undefined;
  // The resolved region is empty when it is the stack's and the stack names none (`Aws.REGION`).
  if (spec.platform.region && isKnown(spec.platform.region)) return blueprint.analyzerImage(spec);
  return cdkAnalyzerImage(scope, undefined);
}

/**
 * The scheduler target wants an `IPipeline`, which CDK offers only for pipelines it models as L2; this
 * adapter presents the L1 pipeline, and its grant is the blueprint's scheduler statement.
 */
class BlueprintPipeline extends Resource implements sagemaker.IPipeline {
  readonly pipelineArn: string;
  readonly pipelineName: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly spec: ResolvedMlPipeline,
    pipeline: sagemaker.CfnPipeline,
    private readonly awsEnv: AwsEnvironment,
  ) {
    super(scope, id);
    this.pipelineName = pipeline.ref;
    this.pipelineArn = blueprint.pipelineArn(awsEnv, spec.pipelineName);
  }

  get pipelineRef(): sagemaker.CfnPipeline['pipelineRef'] {
    return { pipelineName: this.pipelineName };
  }

  grantStartPipelineExecution(grantee: iam.IGrantable): iam.Grant {
    const [statement] = policies.schedulerRolePolicy(this.spec, this.awsEnv).Statement;
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [statement.Action].flat(),
      resourceArns: [statement.Resource].flat() as string[],
    });
  }
}
