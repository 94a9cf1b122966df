/**
 * ModelEndpoint options under IAM simulation, on both engines: an endpoint serving an image and an artifact
 * URL reads exactly that artifact and pulls from exactly that repository; a serverless dev endpoint (no
 * capture, no rollback alarms) cannot write with its key at all.
 */
import { AWS_DEV, AWS_PROD, ECR_IMAGE, S3_MODEL, endpointArgs } from '../helpers';
import { cdkEndpoint, pulumiEndpoint, type EndpointStack } from './support/reference';
import { ACCOUNT, REGION, objectArn, pullCalls, verdicts, via, type Call } from './support/simulate';

const SERVED_REPOSITORY = `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/churn-serving`;
const ENGINES = ['pulumi', 'cdk'] as const;

async function deploy(
  engine: (typeof ENGINES)[number],
  args = endpointArgs(AWS_PROD),
): Promise<EndpointStack> {
  return engine === 'pulumi' ? pulumiEndpoint(args) : cdkEndpoint(args);
}

describe.each(ENGINES)('%s: an endpoint serving an image and an artifact URL', (engine) => {
  let stack: EndpointStack;
  beforeAll(async () => {
    stack = await deploy(engine);
  });

  test('pulls its image, reads its artifact and writes its capture', async () => {
    const role = 'execution';
    const calls: Call[] = [
      ...pullCalls(role, SERVED_REPOSITORY, `pulls ${ECR_IMAGE}`),
      { why: 'reads its artifact', role, action: 's3:GetObject', resource: objectArn(S3_MODEL) },
      {
        why: 'writes capture',
        role,
        action: 's3:PutObject',
        resource: `arn:aws:s3:::${stack.captureBucket}/capture/${stack.endpointName}/primary/x.jsonl`,
      },
      {
        why: 'a data key for capture',
        role,
        action: 'kms:GenerateDataKey',
        resource: stack.keyArn,
        context: via('s3'),
      },
    ];
    const results = await verdicts(stack.world, calls);
    expect(results.filter(([, decision]) => decision !== 'Allowed')).toEqual([]);
  });

  test('reads no other artifact of that bucket and pulls from no other repository', async () => {
    const role = 'execution';
    const results = await verdicts(stack.world, [
      {
        why: 'reads the previous version',
        role,
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::churn-artifacts/models/churn/v2/model.tar.gz',
      },
      {
        why: 'reads another model',
        role,
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::churn-artifacts/models/fraud/v1/model.tar.gz',
      },
      ...pullCalls(
        role,
        `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/churn-training-prod`,
        'pulls the training repository',
      ).filter((c) => c.resource !== '*'),
    ]);
    expect(results.map(([, decision]) => decision)).toEqual(Array(5).fill('ImplicitlyDenied'));
  });
});

describe.each(ENGINES)('%s: a serverless dev endpoint', (engine) => {
  test('has no capture, so its key only decrypts, and it reads no alarms', async () => {
    const stack = await deploy(engine, endpointArgs(AWS_DEV));
    expect(stack.captureBucket).toBeUndefined();
    const role = 'execution';
    const results = await verdicts(stack.world, [
      { why: 'decrypts through S3', role, action: 'kms:Decrypt', resource: stack.keyArn, context: via('s3') },
      {
        why: 'makes a data key',
        role,
        action: 'kms:GenerateDataKey',
        resource: stack.keyArn,
        context: via('s3'),
      },
      {
        why: 'reads an alarm',
        role,
        action: 'cloudwatch:DescribeAlarms',
        resource: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${stack.endpointName}-rollback-5xx`,
      },
    ]);
    expect(results).toEqual([
      ['decrypts through S3', 'Allowed'],
      ['makes a data key', 'ImplicitlyDenied'],
      ['reads an alarm', 'ImplicitlyDenied'],
    ]);
  });
});
