/**
 * IAM statements every SageMaker execution role needs, whatever runs as it (endpoint containers, training
 * and processing jobs): pull images, write its own logs and metrics, and attach to a VPC. Written once for
 * the endpoint and pipeline blueprints.
 */
import type { AwsEnvironment, PolicyStatement } from './aws-iam';

/** `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export function regionalArn(env: AwsEnvironment, service: string, resource: string): string {
  return `arn:${env.partition}:${service}:${env.region}:${env.account}:${resource}`;
}

/** Log in to ECR and pull from the given repositories. */
export function ecrPullStatements(sid: string, repositories: string | string[]): PolicyStatement[] {
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

/** Publish metrics in SageMaker's namespaces only (PutMetricData has no resource-level permissions). */
export function publishMetricsStatement(sid: string): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: 'cloudwatch:PutMetricData',
    Resource: '*',
    Condition: { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/*', 'AWS/SageMaker'] } },
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
