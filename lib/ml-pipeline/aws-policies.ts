/**
 * The IAM documents of an MlPipeline as plain data: the trust and permissions of the pipeline, training and
 * scheduler roles. Both the Pulumi AWS renderer and the CDK construct attach exactly these, so the two
 * engines grant the same rights. `test/iam` proves them by simulation: every call a run makes is allowed,
 * and calls outside the pipeline's buckets, prefixes, repositories, roles and key services are denied.
 */
import {
  ecrRepositoryArn,
  kmsGrantForAwsResourceStatement,
  kmsUseStatement,
  kmsViaService,
  policyDocument,
  serviceTrustPolicy,
  type AwsEnvironment,
  type PolicyDocument,
  type PolicyStatement,
} from '../blocks/aws-iam';
import {
  SAGEMAKER_METRIC_NAMESPACE,
  ecrPullStatements,
  publishMetricsStatement,
  regionalArn,
  sagemakerTrustPolicy,
  vpcAttachStatement,
  writeLogsStatement,
} from '../blocks/sagemaker-iam';
import { isKnown } from '../core/validation';
import {
  ARTIFACT_PREFIX,
  SAGEMAKER_SERVICE,
  SCHEDULER_SERVICE,
  modelPackageGroupArn,
  modelPackagesArn,
  pipelineArn,
  type PipelineAwsRefs,
} from './aws-blueprint';
import type { ResolvedMlPipeline } from './resolve';

const arn = regionalArn;

/**
 * SageMaker Pipelines names the jobs of a run `pipelines-<execution id>-<step>-<suffix>`, and a training
 * job writes its model under `<S3OutputPath>/<job name>/`.
 */
export const PIPELINE_JOB_PREFIX = 'pipelines-';

/** The ARNs of a bucket and of the objects under a prefix in it. */
export function bucketArns(
  env: AwsEnvironment,
  bucketName: string,
  prefix = '',
): { bucket: string; objects: string } {
  return {
    bucket: `arn:${env.partition}:s3:::${bucketName}`,
    objects: `arn:${env.partition}:s3:::${bucketName}/${prefix}*`,
  };
}

/** The services that use the pipeline key on a role's behalf: S3 (objects) and SageMaker (jobs). */
function keyServices(env: AwsEnvironment): string[] {
  return [kmsViaService('s3', env.region), kmsViaService('sagemaker', env.region)];
}

/** Trust of the pipeline role: SageMaker, for executions of this pipeline only. */
export function pipelineTrustPolicy(spec: ResolvedMlPipeline, env: AwsEnvironment): PolicyDocument {
  const pipeline = `pipeline/${spec.pipelineName.toLowerCase()}`;
  // SageMaker's documented source is an execution (`pipeline/<name>/*`); the pipeline itself is listed too.
  return sagemakerTrustPolicy(env, [pipeline, `${pipeline}/*`]);
}

/** Trust of the training role: SageMaker, for the training and processing jobs pipelines start only. */
export function trainingTrustPolicy(env: AwsEnvironment): PolicyDocument {
  return sagemakerTrustPolicy(env, [
    `training-job/${PIPELINE_JOB_PREFIX}*`,
    `processing-job/${PIPELINE_JOB_PREFIX}*`,
  ]);
}

/** The roles the pipeline's jobs run as: the training role, and the champion lookup's with `mustBeatApproved`. */
export function jobRoleArns(spec: ResolvedMlPipeline, refs: PipelineAwsRefs): string | string[] {
  return spec.qualityGate.mustBeatApproved
    ? [refs.trainingRoleArn, refs.championRoleArn]
    : refs.trainingRoleArn;
}

/**
 * The pipeline role (SageMaker runs the pipeline as it): start and watch its own jobs, register versions in
 * its own group, hand the job roles to SageMaker, read the property files the gate evaluates, and let
 * SageMaker encrypt the jobs' volumes with the key.
 */
export function pipelineRolePolicy(spec: ResolvedMlPipeline, refs: PipelineAwsRefs): PolicyDocument {
  // The property files the pipeline reads (Std:JsonGet): the evaluation report, and the lookup's result.
  const reports = [
    ARTIFACT_PREFIX.evaluations,
    ...(spec.qualityGate.mustBeatApproved ? [ARTIFACT_PREFIX.champions] : []),
  ].map((prefix) => bucketArns(refs, refs.artifactBucketName, `${prefix}/`).objects);
  return policyDocument([
    {
      Sid: 'RunPipelineJobs',
      Effect: 'Allow',
      Action: [
        'sagemaker:CreateTrainingJob',
        'sagemaker:DescribeTrainingJob',
        'sagemaker:StopTrainingJob',
        'sagemaker:CreateProcessingJob',
        'sagemaker:DescribeProcessingJob',
        'sagemaker:StopProcessingJob',
        'sagemaker:AddTags',
      ],
      Resource: [
        arn(refs, 'sagemaker', `training-job/${PIPELINE_JOB_PREFIX}*`),
        arn(refs, 'sagemaker', `processing-job/${PIPELINE_JOB_PREFIX}*`),
      ],
    },
    {
      Sid: 'RegisterModelVersions',
      Effect: 'Allow',
      Action: ['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackage', 'sagemaker:AddTags'],
      Resource: [
        modelPackageGroupArn(refs, spec.registry.modelGroupName),
        modelPackagesArn(refs, spec.registry.modelGroupName),
      ],
    },
    {
      Sid: 'PassJobRoles',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: jobRoleArns(spec, refs),
      Condition: { StringEquals: { 'iam:PassedToService': SAGEMAKER_SERVICE } },
    },
    { Sid: 'ReadPropertyFiles', Effect: 'Allow', Action: 's3:GetObject', Resource: reports },
    // Reads the reports (S3 decrypts them) and names the key in job requests; it never encrypts anything.
    kmsUseStatement('UsePipelineKey', refs.keyArn, ['read', 'describe'], keyServices(refs)),
    kmsGrantForAwsResourceStatement('GrantJobVolumeEncryption', refs.keyArn),
  ]);
}

/** Where in the artifact bucket the training role's jobs write: their own prefixes, nothing else. */
export function trainingWritePrefixes(spec: ResolvedMlPipeline): string[] {
  return [
    // The Train step's model, under `models/<job name>/`: never a prefix another writer uses.
    `${ARTIFACT_PREFIX.models}/${PIPELINE_JOB_PREFIX}*`,
    `${ARTIFACT_PREFIX.checkpoints}/*`,
    `${ARTIFACT_PREFIX.evaluations}/*`,
    // The baselining step's Model Monitor files and the evaluation's monitor dataset
    // (`baseline/<execution id>/`): no other role writes them. Without `aws.driftBaseline` nothing is there.
    ...(spec.aws.driftBaseline ? [`${ARTIFACT_PREFIX.baseline}/*`] : []),
  ];
}

/**
 * Where in the artifact bucket the training role's jobs read: trained models (the candidate, and the
 * approved champion the evaluation scores beside it), spot checkpoints, and with `mustBeatApproved` the
 * lookup's output (the evaluation's champion input when nothing is approved yet).
 */
export function trainingReadPrefixes(spec: ResolvedMlPipeline): string[] {
  return [
    `${ARTIFACT_PREFIX.models}/*`,
    `${ARTIFACT_PREFIX.checkpoints}/*`,
    // The monitor dataset the evaluation writes under `baseline/<execution id>/dataset/`, which the baselining
    // step reads (only with `aws.driftBaseline`).
    ...(spec.aws.driftBaseline ? [`${ARTIFACT_PREFIX.baseline}/*`] : []),
    ...(spec.qualityGate.mustBeatApproved ? [`${ARTIFACT_PREFIX.champions}/*`] : []),
  ];
}

/** The repository of an image whose URI is a deploy-time token (such as a CDK image asset's), when known. */
export type TokenImageRepository = (image: string) => string | undefined;

/**
 * The ECR repositories images are pulled from: read from each image URI, or given for a token URI. An image
 * known only at deploy time whose repository nobody named may live in any repository of the account.
 */
export function imageRepositories(
  env: AwsEnvironment,
  images: readonly string[],
  tokenRepository: TokenImageRepository = () => undefined,
): string[] {
  const repositories = images.map((image) =>
    isKnown(image)
      ? ecrRepositoryArn(env.partition, image)
      : (tokenRepository(image) ?? arn(env, 'ecr', 'repository/*')),
  );
  if (repositories.includes(arn(env, 'ecr', 'repository/*'))) return [arn(env, 'ecr', 'repository/*')];
  return [...new Set(repositories.filter((r): r is string => r !== undefined))].sort();
}

/**
 * The training role (training, evaluation and baselining jobs run as it): read the data prefix, read models
 * and checkpoints, write only its own artifact prefixes, pull its images, use the key through S3 and
 * SageMaker, let SageMaker encrypt its volumes, and write its own logs and metrics. The baselining job runs
 * Model Monitor's analyzer, which SageMaker pulls from AWS's own account: no ECR grant names it.
 */
export function trainingRolePolicy(
  spec: ResolvedMlPipeline,
  refs: PipelineAwsRefs,
  tokenRepository?: TokenImageRepository,
): PolicyDocument {
  const data = bucketArns(refs, refs.dataBucketName, spec.data.prefix);
  const artifacts = bucketArns(refs, refs.artifactBucketName);
  const objects = (prefixes: string[]) => prefixes.map((p) => `${artifacts.bucket}/${p}`);
  const statements: PolicyStatement[] = [
    {
      Sid: 'ListTrainingData',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: data.bucket,
      Condition: { StringLike: { 's3:prefix': `${spec.data.prefix}*` } },
    },
    { Sid: 'ReadTrainingData', Effect: 'Allow', Action: 's3:GetObject', Resource: data.objects },
    {
      Sid: 'ListArtifacts',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: artifacts.bucket,
      Condition: { StringLike: { 's3:prefix': trainingReadPrefixes(spec) } },
    },
    {
      Sid: 'ReadArtifacts',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: objects(trainingReadPrefixes(spec)),
    },
    {
      Sid: 'WriteOwnArtifacts',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
      Resource: objects(trainingWritePrefixes(spec)),
    },
    kmsUseStatement(
      'UsePipelineKey',
      refs.keyArn,
      ['read', 'write', 'describe', 'encrypt'],
      keyServices(refs),
    ),
    kmsGrantForAwsResourceStatement('GrantJobVolumeEncryption', refs.keyArn),
    ...ecrPullStatements(
      'PullImages',
      imageRepositories(refs, [refs.trainingImage, refs.evaluationImage], tokenRepository),
    ),
    writeLogsStatement('WriteJobLogs', refs, [
      '/aws/sagemaker/TrainingJobs',
      '/aws/sagemaker/ProcessingJobs',
    ]),
    publishMetricsStatement('PublishJobMetrics', [
      SAGEMAKER_METRIC_NAMESPACE.trainingJobs,
      SAGEMAKER_METRIC_NAMESPACE.processingJobs,
    ]),
  ];
  if ((spec.platform.network.subnetIds?.length ?? 0) > 0) statements.push(vpcAttachStatement());
  return policyDocument(statements);
}

/** Trust of the champion lookup role: SageMaker, for the processing jobs pipelines start only. */
export function championTrustPolicy(env: AwsEnvironment): PolicyDocument {
  return sagemakerTrustPolicy(env, [`processing-job/${PIPELINE_JOB_PREFIX}*`]);
}

/**
 * The champion lookup role (`mustBeatApproved`): the one job with network access asks the registry for the
 * newest approved version and writes what it found under its own prefix. It reads no data and no model and
 * cannot write `models/`, so a job with network access can never replace a released artifact.
 */
export function championRolePolicy(
  spec: ResolvedMlPipeline,
  refs: PipelineAwsRefs,
  tokenRepository?: TokenImageRepository,
): PolicyDocument {
  const artifacts = bucketArns(refs, refs.artifactBucketName, `${ARTIFACT_PREFIX.champions}/`);
  const statements: PolicyStatement[] = [
    // ListModelPackages has no resource-level permissions: it lists versions, it reads no model.
    { Sid: 'FindApprovedModel', Effect: 'Allow', Action: 'sagemaker:ListModelPackages', Resource: '*' },
    {
      Sid: 'ReadApprovedModel',
      Effect: 'Allow',
      Action: 'sagemaker:DescribeModelPackage',
      Resource: [
        modelPackageGroupArn(refs, spec.registry.modelGroupName),
        modelPackagesArn(refs, spec.registry.modelGroupName),
      ],
    },
    {
      Sid: 'WriteLookup',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
      Resource: artifacts.objects,
    },
    kmsUseStatement(
      'UsePipelineKey',
      refs.keyArn,
      ['read', 'write', 'describe', 'encrypt'],
      keyServices(refs),
    ),
    kmsGrantForAwsResourceStatement('GrantJobVolumeEncryption', refs.keyArn),
    // The lookup runs in the evaluation image.
    ...ecrPullStatements('PullImages', imageRepositories(refs, [refs.evaluationImage], tokenRepository)),
    writeLogsStatement('WriteJobLogs', refs, ['/aws/sagemaker/ProcessingJobs']),
    publishMetricsStatement('PublishJobMetrics', [SAGEMAKER_METRIC_NAMESPACE.processingJobs]),
  ];
  if ((spec.platform.network.subnetIds?.length ?? 0) > 0) statements.push(vpcAttachStatement());
  return policyDocument(statements);
}

/** The schedule group the retraining schedule belongs to (none is named, so SageMaker's default). */
export const SCHEDULE_GROUP = 'default';

/**
 * Trust of the scheduler role: EventBridge Scheduler, for schedules of this account's schedule group only
 * (Scheduler's documented `aws:SourceArn` is the schedule group, never a schedule).
 */
export function schedulerTrustPolicy(env: AwsEnvironment): PolicyDocument {
  return serviceTrustPolicy(SCHEDULER_SERVICE, {
    account: env.account,
    arns: [arn(env, 'scheduler', `schedule-group/${SCHEDULE_GROUP}`)],
  });
}

/** The scheduler role starts this pipeline and nothing else. */
export function schedulerRolePolicy(spec: ResolvedMlPipeline, env: AwsEnvironment): PolicyDocument {
  return policyDocument([
    {
      Sid: 'StartRetraining',
      Effect: 'Allow',
      Action: 'sagemaker:StartPipelineExecution',
      Resource: pipelineArn(env, spec.pipelineName),
    },
  ]);
}
