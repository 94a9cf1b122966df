/**
 * IAM statements every SageMaker execution role needs, whatever runs as it (endpoint containers, training
 * and processing jobs): pull images, write its own logs and metrics, and attach to a VPC. Written once for
 * the endpoint and pipeline blueprints.
 */
import {
  serviceTrustPolicy,
  type AwsEnvironment,
  type PolicyDocument,
  type PolicyStatement,
} from './aws-iam';

export const SAGEMAKER_SERVICE = 'sagemaker.amazonaws.com';

/** `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export function regionalArn(env: AwsEnvironment, service: string, resource: string): string {
  return `arn:${env.partition}:${service}:${env.region}:${env.account}:${resource}`;
}

/**
 * Trust of a SageMaker execution role: SageMaker may assume it only for the given SageMaker resources
 * (`aws:SourceArn`, such as `training-job/pipelines-*`) of this account and region.
 */
export function sagemakerTrustPolicy(env: AwsEnvironment, resources: string[]): PolicyDocument {
  return serviceTrustPolicy(SAGEMAKER_SERVICE, {
    account: env.account,
    arns: resources.map((resource) => regionalArn(env, 'sagemaker', resource)),
  });
}

/** Log in to ECR and pull from the given repositories; nothing when there are none (images outside ECR). */
export function ecrPullStatements(sid: string, repositories: string[]): PolicyStatement[] {
  if (repositories.length === 0) return [];
  return [
    // GetAuthorizationToken has no resource-level permissions.
    { Sid: 'EcrLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
    {
      Sid: sid,
      Effect: 'Allow',
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Resource: repositories,
    },
  ];
}

/** Write to the named SageMaker log groups (`/aws/sagemaker/...`) and their streams. */
export function writeLogsStatement(
  sid: string,
  env: AwsEnvironment,
  logGroupNames: string[],
): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
    Resource: logGroupNames.flatMap((name) => [
      regionalArn(env, 'logs', `log-group:${name}`),
      regionalArn(env, 'logs', `log-group:${name}:log-stream:*`),
    ]),
  };
}

/**
 * The CloudWatch namespaces SageMaker publishes a role's instance metrics to (`AWS/` namespaces are reserved
 * for AWS itself and refuse PutMetricData, so they are never granted).
 */
export const SAGEMAKER_METRIC_NAMESPACE = {
  trainingJobs: '/aws/sagemaker/TrainingJobs',
  processingJobs: '/aws/sagemaker/ProcessingJobs',
  endpoints: '/aws/sagemaker/Endpoints',
} as const;

/** Publish metrics in the given namespaces only (PutMetricData has no resource-level permissions). */
export function publishMetricsStatement(sid: string, namespaces: string[]): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: 'cloudwatch:PutMetricData',
    Resource: '*',
    Condition: { StringEquals: { 'cloudwatch:namespace': namespaces } },
  };
}

/** Create and remove the network interfaces SageMaker attaches in a VPC. */
export function vpcAttachStatement(): PolicyStatement {
  return {
    Sid: 'AttachToVpc',
    Effect: 'Allow',
    Action: [
      'ec2:CreateNetworkInterface',
      'ec2:CreateNetworkInterfacePermission',
      'ec2:DeleteNetworkInterface',
      'ec2:DeleteNetworkInterfacePermission',
      'ec2:DescribeDhcpOptions',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeSubnets',
      'ec2:DescribeVpcs',
    ],
    // EC2 network-interface and Describe actions take no resource-level restriction.
    Resource: '*',
  };
}
