/**
 * Least privilege of ModelEndpoint, proven by IAM policy simulation on what each engine deploys for the
 * reference prod stack (a release promoted into the pipeline's bucket, repository and key): every
 * call serving makes is allowed, and calls outside its repository, its release's artifacts, capture prefix, key services,
 * namespace, alarms and endpoint are denied.
 */
import * as path from 'node:path';
import { readProject, readStackConfig } from '../../lib/cli/stack-config';
import { cdkReference, pulumiReference, type ReferenceStack } from './support/reference';
import { ACCOUNT, REGION, pullCalls, verdicts, via, type Assume, type Call } from './support/simulate';

let stacks: ReferenceStack[];
beforeAll(async () => {
  stacks = [await pulumiReference(), cdkReference()];
});

const ENGINES = ['pulumi', 'cdk'] as const;
const stackOf = (engine: (typeof ENGINES)[number]) => stacks.find((s) => s.engine === engine)!;
const sm = (resource: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${resource}`;
const logs = (resource: string) => `arn:aws:logs:${REGION}:${ACCOUNT}:${resource}`;
const obj = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;
/**
 * The model the endpoint serves: prod's `mlops:release` names it (`s3://<bucket>/releases/v3/model.tar.gz`, where
 * promotion copied it into the pipeline's artifact bucket).
 */
const RELEASED = /^s3:\/\/([^/]+)\/(.+)$/.exec(
  (readStackConfig(readProject(path.resolve(__dirname, '..', '..')), 'prod')['mlops:release'] as any).model
    .artifact.uri,
)!;
const MODEL = obj(RELEASED[1], RELEASED[2]);

function servingRequests(stack: ReferenceStack): (Call | Assume)[] {
  const name = stack.endpointName;
  const role = 'execution';
  const capture = `capture/${name}/primary/2026/12/02/01/40-12-345-0f1e2d3c.jsonl`;
  return [
    {
      why: 'SageMaker assumes the role for the endpoint',
      role,
      service: 'sagemaker.amazonaws.com',
      sourceArn: sm(`endpoint/${name}`),
      sourceAccount: ACCOUNT,
    },
    {
      why: 'SageMaker assumes the role to check the model',
      role,
      service: 'sagemaker.amazonaws.com',
      sourceArn: sm('model/churn-primary-model-4f2a1b9'),
      sourceAccount: ACCOUNT,
    },
    ...pullCalls(role, stack.servedRepositoryArn, 'pulls the served image'),
    {
      why: 'reads the model artifact',
      role,
      action: 's3:GetObject',
      resource: MODEL,
    },
    {
      why: 'decrypts the model artifact',
      role,
      action: 'kms:Decrypt',
      resource: stack.keys.pipeline,
      context: via('s3'),
    },
    {
      why: 'SageMaker describes the artifact key',
      role,
      action: 'kms:DescribeKey',
      resource: stack.keys.pipeline,
      context: via('sagemaker'),
    },
    {
      why: 'writes captured requests',
      role,
      action: 's3:PutObject',
      resource: obj(stack.buckets.capture, capture),
    },
    {
      why: 'a data key for the capture',
      role,
      action: 'kms:GenerateDataKey',
      resource: stack.keys.endpoint,
      context: via('s3'),
    },
    {
      why: 'decrypts capture upload parts',
      role,
      action: 'kms:Decrypt',
      resource: stack.keys.endpoint,
      context: via('s3'),
    },
    {
      why: 'creates its log group',
      role,
      action: 'logs:CreateLogGroup',
      resource: logs(`log-group:/aws/sagemaker/Endpoints/${name}`),
    },
    ...['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) => ({
      why: `${action} for the primary variant`,
      role,
      action,
      resource: logs(`log-group:/aws/sagemaker/Endpoints/${name}:log-stream:primary/i-0a1b2c3d4e5f`),
    })),
    {
      why: 'publishes instance metrics',
      role,
      action: 'cloudwatch:PutMetricData',
      resource: '*',
      context: { 'cloudwatch:namespace': '/aws/sagemaker/Endpoints' },
    },
    ...['5xx', 'latency-p99'].map((alarm) => ({
      why: `reads rollback alarm ${alarm}`,
      role,
      action: 'cloudwatch:DescribeAlarms',
      resource: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}-rollback-${alarm}`,
    })),
    {
      why: 'the invoker calls the endpoint',
      role: 'invoker',
      action: 'sagemaker:InvokeEndpoint',
      resource: sm(`endpoint/${name}`),
    },
  ];
}

function deniedRequests(stack: ReferenceStack): (Call | Assume)[] {
  const name = stack.endpointName;
  const role = 'execution';
  return [
    ...pullCalls(
      role,
      `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/payments-model`,
      'pulls another repository',
    ).filter((c) => c.resource !== '*'),
    {
      why: 'reads an evaluation report',
      role,
      action: 's3:GetObject',
      resource: obj(stack.buckets.artifacts, 'evaluations/x/evaluation.json'),
    },
    {
      why: 'reads the training data',
      role,
      action: 's3:GetObject',
      resource: obj(stack.buckets.data, 'training/part-0000.csv'),
    },
    {
      why: 'reads another release’s model in the same bucket',
      role,
      action: 's3:GetObject',
      resource: obj(RELEASED[1], 'releases/v2/model.tar.gz'),
    },
    {
      why: 'reads another bucket',
      role,
      action: 's3:GetObject',
      resource: obj('payments-models', 'model.tar.gz'),
    },
    {
      why: 'overwrites the model it serves',
      role,
      action: 's3:PutObject',
      resource: MODEL,
    },
    {
      // The pipeline's artifact bucket refuses plain HTTP in its own policy. (Under CDK that bucket has another
      // name than the one in Pulumi.prod.yaml's release, which the Pulumi mocks give it.)
      why: 'reads the model without TLS',
      role,
      action: 's3:GetObject',
      resource: obj(stack.buckets.artifacts, RELEASED[2]),
      context: { 'aws:SecureTransport': 'false' },
    },
    {
      why: 'writes capture without TLS',
      role,
      action: 's3:PutObject',
      resource: obj(stack.buckets.capture, `capture/${name}/x.jsonl`),
      context: { 'aws:SecureTransport': 'false' },
    },
    {
      why: "writes another endpoint's capture",
      role,
      action: 's3:PutObject',
      resource: obj(stack.buckets.capture, 'capture/payments-prod/x.jsonl'),
    },
    {
      why: 'reads captured requests back',
      role,
      action: 's3:GetObject',
      resource: obj(stack.buckets.capture, `capture/${name}/x.jsonl`),
    },
    {
      why: 'decrypts with the artifact key directly',
      role,
      action: 'kms:Decrypt',
      resource: stack.keys.pipeline,
    },
    {
      why: 'decrypts through another service',
      role,
      action: 'kms:Decrypt',
      resource: stack.keys.pipeline,
      context: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` },
    },
    {
      why: 'makes data keys with the artifact key',
      role,
      action: 'kms:GenerateDataKey',
      resource: stack.keys.pipeline,
      context: via('s3'),
    },
    {
      why: 'uses the endpoint key directly',
      role,
      action: 'kms:GenerateDataKey',
      resource: stack.keys.endpoint,
    },
    {
      why: 'grants the endpoint key',
      role,
      action: 'kms:CreateGrant',
      resource: stack.keys.endpoint,
      context: { 'kms:GrantIsForAWSResource': 'true' },
    },
    {
      why: "writes another endpoint's logs",
      role,
      action: 'logs:PutLogEvents',
      resource: logs('log-group:/aws/sagemaker/Endpoints/payments-prod:log-stream:primary/i-0'),
    },
    {
      why: 'publishes as AWS/SageMaker',
      role,
      action: 'cloudwatch:PutMetricData',
      resource: '*',
      context: { 'cloudwatch:namespace': 'AWS/SageMaker' },
    },
    {
      why: 'publishes to a custom namespace',
      role,
      action: 'cloudwatch:PutMetricData',
      resource: '*',
      context: { 'cloudwatch:namespace': 'Payments' },
    },
    {
      why: 'reads another alarm',
      role,
      action: 'cloudwatch:DescribeAlarms',
      resource: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:payments-prod-rollback-5xx`,
    },
    { why: 'invokes itself', role, action: 'sagemaker:InvokeEndpoint', resource: sm(`endpoint/${name}`) },
    {
      why: 'passes its role',
      role,
      action: 'iam:PassRole',
      resource: stack.world.roles.execution.arn,
      context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
    },
    {
      why: 'the invoker calls another endpoint',
      role: 'invoker',
      action: 'sagemaker:InvokeEndpoint',
      resource: sm('endpoint/payments-prod'),
    },
    {
      why: 'the invoker updates the endpoint',
      role: 'invoker',
      action: 'sagemaker:UpdateEndpoint',
      resource: sm(`endpoint/${name}`),
    },
    {
      why: 'SageMaker assumes the role for another account',
      role,
      service: 'sagemaker.amazonaws.com',
      sourceArn: `arn:aws:sagemaker:${REGION}:210987654321:endpoint/${name}`,
      sourceAccount: '210987654321',
    },
    {
      why: 'SageMaker assumes the role from another region',
      role,
      service: 'sagemaker.amazonaws.com',
      sourceArn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:endpoint/${name}`,
      sourceAccount: ACCOUNT,
    },
    {
      why: 'Lambda assumes the role',
      role,
      service: 'lambda.amazonaws.com',
      sourceArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:x`,
      sourceAccount: ACCOUNT,
    },
  ];
}

describe.each(ENGINES)('ModelEndpoint roles on %s', (engine) => {
  test('every call of serving, capture, logs, metrics, rollback and invocation is allowed', async () => {
    const stack = stackOf(engine);
    const results = await verdicts(stack.world, servingRequests(stack));
    expect(results.filter(([, decision]) => decision !== 'Allowed')).toEqual([]);
    expect(results).toHaveLength(19);
  });

  test('calls outside its repository, artifacts, prefix, key services, namespace, alarms and endpoint are denied', async () => {
    const stack = stackOf(engine);
    const results = await verdicts(stack.world, deniedRequests(stack));
    expect(results.filter(([, decision]) => decision === 'Allowed')).toEqual([]);
    expect(results.filter(([why]) => why.includes('without TLS'))).toEqual([
      ['reads the model without TLS', 'ExplicitlyDenied'],
      ['writes capture without TLS', 'ExplicitlyDenied'],
    ]);
  });
});

test('both engines decide every endpoint call the same way', async () => {
  const decisions = await Promise.all(
    stacks.map(async (stack) => [
      ...(await verdicts(stack.world, servingRequests(stack))),
      ...(await verdicts(stack.world, deniedRequests(stack))),
    ]),
  );
  expect(decisions[1]).toEqual(decisions[0]);
});
