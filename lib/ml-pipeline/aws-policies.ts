/**
 * The IAM documents of an MlPipeline as plain data: the pipeline, training and scheduler roles. Both the
 * Pulumi AWS renderer and the CDK construct attach exactly these, so the two engines grant the same rights.
 */
import {
  ecrRepositoryArn,
  kmsUseStatement,
  policyDocument,
  type AwsEnvironment,
  type PolicyDocument,
  type PolicyStatement,
} from '../blocks/aws-iam';
import {
  ecrPullStatements,
  publishMetricsStatement,
  regionalArn,
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

/**
 * The pipeline role (SageMaker runs the pipeline as it): start and watch its own jobs, register versions in
 * its own group, hand the training role to SageMaker, and read the metrics file the gate evaluates.
 */
export function pipelineRolePolicy(spec: ResolvedMlPipeline, refs: PipelineAwsRefs): PolicyDocument {
  const artifacts = bucketArns(refs, refs.artifactBucketName, `${ARTIFACT_PREFIX.evaluations}/`);
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
      // Pipelines name their jobs `pipelines-<execution>-<step>-...`.
      Resource: [
        arn(refs, 'sagemaker', 'training-job/pipelines-*'),
        arn(refs, 'sagemaker', 'processing-job/pipelines-*'),
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
      Sid: 'PassTrainingRole',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: refs.trainingRoleArn,
      Condition: { StringEquals: { 'iam:PassedToService': SAGEMAKER_SERVICE } },
    },
    { Sid: 'ReadEvaluationReports', Effect: 'Allow', Action: 's3:GetObject', Resource: artifacts.objects },
    kmsUseStatement(refs.keyArn, 'UsePipelineKey'),
    {
      // SageMaker encrypts the jobs' storage volumes through grants made for the caller that creates them.
      Sid: 'GrantJobVolumeEncryption',
      Effect: 'Allow',
      Action: 'kms:CreateGrant',
      Resource: refs.keyArn,
      Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
    },
  ]);
}

/**
 * The training role (training and evaluation jobs run as it): read the data, read and write artifacts, pull
 * the images, use the key, write its own logs and metrics; with `mustBeatApproved`, read the model group.
 */
export function trainingRolePolicy(spec: ResolvedMlPipeline, refs: PipelineAwsRefs): PolicyDocument {
  const data = bucketArns(refs, refs.dataBucketName, spec.data.prefix);
  const artifacts = bucketArns(refs, refs.artifactBucketName);
  const images = [refs.trainingImage, refs.evaluationImage];
  const known = [...new Set(images.map((image) => ecrRepositoryArn(refs.partition, image)))]
    .filter((r): r is string => r !== undefined)
    .sort();
  // An image known only at deploy time (a CDK token) may live in any repository of this account.
  const repositories = images.some((image) => !isKnown(image)) ? [arn(refs, 'ecr', 'repository/*')] : known;
  const statements: PolicyStatement[] = [
    {
      Sid: 'ListTrainingData',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: data.bucket,
      Condition: { StringLike: { 's3:prefix': `${spec.data.prefix}*` } },
    },
    { Sid: 'ReadTrainingData', Effect: 'Allow', Action: 's3:GetObject', Resource: data.objects },
    { Sid: 'ListArtifacts', Effect: 'Allow', Action: 's3:ListBucket', Resource: artifacts.bucket },
    {
      Sid: 'ReadWriteArtifacts',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
      Resource: artifacts.objects,
    },
    kmsUseStatement(refs.keyArn, 'UsePipelineKey'),
  ];
  if (repositories.length > 0) statements.push(...ecrPullStatements('PullImages', repositories));
  statements.push(
    writeLogsStatement('WriteJobLogs', refs, [
      '/aws/sagemaker/TrainingJobs',
      '/aws/sagemaker/ProcessingJobs',
    ]),
  );
  statements.push(publishMetricsStatement('PublishJobMetrics'));
  if (spec.qualityGate.mustBeatApproved) {
    statements.push({
      Sid: 'ReadApprovedModel',
      Effect: 'Allow',
      Action: 'sagemaker:DescribeModelPackage',
      Resource: [
        modelPackageGroupArn(refs, spec.registry.modelGroupName),
        modelPackagesArn(refs, spec.registry.modelGroupName),
      ],
    });
    // ListModelPackages has no resource-level permissions: it only lists, it reads no model.
    statements.push({
      Sid: 'FindApprovedModel',
      Effect: 'Allow',
      Action: 'sagemaker:ListModelPackages',
      Resource: '*',
    });
  }
  if ((spec.platform.network.subnetIds?.length ?? 0) > 0) statements.push(vpcAttachStatement());
  return policyDocument(statements);
}

/** Trust of the scheduler role: EventBridge Scheduler, for schedules in this account only. */
export function schedulerTrustPolicy(account: string): PolicyDocument {
  return policyDocument([
    {
      Effect: 'Allow',
      Principal: { Service: SCHEDULER_SERVICE },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': account } },
    },
  ]);
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
