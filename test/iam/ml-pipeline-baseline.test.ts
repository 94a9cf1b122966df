/**
 * The data-quality baseline step (a SageMaker `QualityCheck` running Model Monitor's analyzer) under IAM
 * simulation, on both engines: every call its job makes in a run is allowed (read from the deployed
 * definition, in a VPC so its network calls are included), the analyzer is pulled by SageMaker and not by
 * the job's role, and only the job writes the baseline the registry records. With `aws.driftBaseline: false`
 * a run makes no baseline call and no role may touch `baseline/`.
 */
import { AWS, pipelineArgs } from '../ml-pipeline/fixtures';
import { allSteps, pipelineRunRequests, type PipelineRun } from './support/pipeline-calls';
import { cdkPipeline, pulumiPipeline, type PipelineStack } from './support/reference';
import { ACCOUNT, REGION, verdicts, type Call } from './support/simulate';

type Json = any;

const ARGS = pipelineArgs(
  {
    ...AWS,
    stage: 'staging',
    network: { subnetIds: ['subnet-0a1b2c3d4e5f60718'], securityGroupIds: ['sg-0a1b2c3d4e5f60718'] },
  },
  { qualityGate: { metric: 'auc', threshold: 0.8, mustBeatApproved: true } },
);

const ENGINES = ['pulumi', 'cdk'] as const;
let stacks: PipelineStack[];
beforeAll(async () => {
  stacks = [await pulumiPipeline(ARGS), cdkPipeline(ARGS)];
});
const stackOf = (engine: (typeof ENGINES)[number]) => stacks.find((s) => s.engine === engine)!;

const run = (stack: PipelineStack): PipelineRun => ({
  executionId: 'b4s3l1n3run0',
  definition: stack.definition,
  pipelineName: stack.pipelineName,
  properties: {
    'ChampionLookup.inputUri': 's3://x/champions/b4s3l1n3run0/',
    'ChampionLookup.found': 'false',
  },
});

const baseline = (stack: PipelineStack): Json =>
  allSteps(stack.definition).find((s) => s.Name === 'DataQualityBaseline');

/** The artifact bucket, read from where the baseline step writes. */
const artifactBucket = (stack: PipelineStack): string =>
  /^s3:\/\/([^/]+)\//.exec(
    baseline(stack).Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri['Std:Join'].Values[0],
  )![1];

describe.each(ENGINES)('%s: the data-quality baseline step', (engine) => {
  test('every call of its job in a run is allowed', async () => {
    const stack = stackOf(engine);
    const requests = pipelineRunRequests(stack.world, run(stack), { pipeline: 'pipeline' }).filter((r) =>
      r.why.includes('DataQualityBaseline'),
    );
    const results = await verdicts(stack.world, requests);
    expect(results.filter(([, decision]) => decision !== 'Allowed')).toEqual([]);
    const data = (w: string) => `DataQualityBaseline (processing job) ${w}`;
    const job = (w: string) => `DataQualityBaseline (processing job): ${w}`;
    const writes = (file: string) =>
      ['write', 'abort an upload', 'data key', 'encrypt', 'describe the key'].map((w) =>
        data(`writes output baseline ${file}: ${w}`),
      );
    expect(results.map(([why]) => why)).toEqual([
      'SageMaker assumes training for DataQualityBaseline',
      'pipeline: CreateProcessingJob DataQualityBaseline',
      'pipeline: DescribeProcessingJob DataQualityBaseline',
      'pipeline: StopProcessingJob DataQualityBaseline',
      'pipeline: tags DataQualityBaseline',
      "pipeline: hands DataQualityBaseline's role to SageMaker",
      // No image pull: SageMaker pulls Model Monitor's analyzer itself.
      job('log group'),
      job('logs:CreateLogStream'),
      job('logs:PutLogEvents'),
      job('instance metrics'),
      job('ec2:CreateNetworkInterface in the VPC'),
      job('ec2:CreateNetworkInterfacePermission in the VPC'),
      job('ec2:DeleteNetworkInterface in the VPC'),
      job('ec2:DescribeNetworkInterfaces'),
      job('ec2:DescribeSubnets'),
      job('ec2:DescribeSecurityGroups'),
      job('ec2:DescribeVpcs'),
      job('ec2:DescribeDhcpOptions'),
      job('pipeline lets SageMaker encrypt the volume'),
      job('its role lets SageMaker encrypt the volume'),
      job('pipeline names the volume key'),
      data('reads input dataset: list'),
      data('reads input dataset: read'),
      data('reads input dataset: decrypt'),
      ...writes('statistics.json'),
      ...writes('constraints.json'),
    ]);
  });

  test('the analyzer comes from the Model Monitor account, which no role of the stack may pull from', async () => {
    const stack = stackOf(engine);
    expect(baseline(stack).Arguments.AppSpecification.ImageUri).toBe(
      `468650794304.dkr.ecr.${REGION}.amazonaws.com/sagemaker-model-monitor-analyzer`,
    );
    const analyzer = `arn:aws:ecr:${REGION}:468650794304:repository/sagemaker-model-monitor-analyzer`;
    const calls: Call[] = stack.roles.flatMap((role) =>
      ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'].map((action) => ({
        why: `${role} ${action}`,
        role,
        action,
        resource: analyzer,
      })),
    );
    const results = await verdicts(stack.world, calls);
    expect(results.map(([, decision]) => decision)).toEqual(calls.map(() => 'ImplicitlyDenied'));
  });

  test('only the baseline job writes the baseline the registry records', async () => {
    const stack = stackOf(engine);
    const file = `arn:aws:s3:::${artifactBucket(stack)}/baseline/b4s3l1n3run0/constraints.json`;
    const denied: Call[] = [
      // The pipeline records the URIs; it never writes (or needs to read) the files.
      { why: 'the pipeline writes a baseline', role: 'pipeline', action: 's3:PutObject', resource: file },
      // The one job with network access cannot forge a baseline.
      {
        why: 'the champion lookup writes a baseline',
        role: 'champion',
        action: 's3:PutObject',
        resource: file,
      },
      { why: 'training deletes a baseline', role: 'training', action: 's3:DeleteObject', resource: file },
      {
        why: 'training writes a baseline without TLS',
        role: 'training',
        action: 's3:PutObject',
        resource: file,
        context: { 'aws:SecureTransport': 'false' },
      },
    ];
    const results = await verdicts(stack.world, denied);
    expect(results).toEqual([
      ['the pipeline writes a baseline', 'ImplicitlyDenied'],
      ['the champion lookup writes a baseline', 'ImplicitlyDenied'],
      ['training deletes a baseline', 'ImplicitlyDenied'],
      ['training writes a baseline without TLS', 'ExplicitlyDenied'],
    ]);
  });
});

test('both engines render the same baseline step, up to the names each engine gives', () => {
  const normalized = (stack: PipelineStack) => {
    const step = baseline(stack);
    const key = step.Arguments.ProcessingOutputConfig.KmsKeyId;
    return JSON.parse(
      JSON.stringify(step)
        .split(artifactBucket(stack))
        .join('<artifacts>')
        .split(step.Arguments.RoleArn)
        .join('<training role>')
        .split(key)
        .join('<key>'),
    );
  };
  const pulumi = normalized(stackOf('pulumi'));
  expect(normalized(stackOf('cdk'))).toEqual(pulumi);
  expect(pulumi.Arguments.RoleArn).toBe('<training role>');
  expect(pulumi.Arguments.ProcessingResources.ClusterConfig.VolumeKmsKeyId).toBe('<key>');
  expect(pulumi.Arguments.NetworkConfig.VpcConfig).toEqual({
    Subnets: ['subnet-0a1b2c3d4e5f60718'],
    SecurityGroupIds: ['sg-0a1b2c3d4e5f60718'],
  });
  // The role is one of the stack's own, in this account.
  for (const stack of stacks)
    expect(baseline(stack).Arguments.RoleArn).toMatch(new RegExp(`^arn:aws:iam::${ACCOUNT}:role/`));
});

describe.each(ENGINES)('%s: without a drift baseline (aws.driftBaseline: false)', (engine) => {
  const NO_BASELINE = pipelineArgs(AWS, { aws: { driftBaseline: false } });
  let stack: PipelineStack;
  beforeAll(async () => {
    stack = engine === 'pulumi' ? await pulumiPipeline(NO_BASELINE) : cdkPipeline(NO_BASELINE);
  });
  const noBaselineRun = (): PipelineRun => ({
    executionId: 'n0b4s3l1n3r1',
    definition: stack.definition,
    pipelineName: stack.pipelineName,
    properties: {},
  });

  test('every call of a run is allowed, and none is the baseline step', async () => {
    expect(allSteps(stack.definition).map((s) => s.Name)).toEqual([
      'Train',
      'Evaluate',
      'QualityGate',
      'RegisterModel',
      'QualityGateFailed',
    ]);
    const results = await verdicts(
      stack.world,
      pipelineRunRequests(stack.world, noBaselineRun(), { pipeline: 'pipeline' }),
    );
    expect(results.filter(([, decision]) => decision !== 'Allowed')).toEqual([]);
    expect(results.filter(([why]) => /baseline|monitor dataset/i.test(why))).toEqual([]);
    expect(results.map(([why]) => why)).toEqual(
      expect.arrayContaining(['pipeline: CreateProcessingJob Evaluate', 'pipeline: CreateTrainingJob Train']),
    );
  });

  test('no role may write or read under baseline/: no job puts anything there', async () => {
    const evaluation = allSteps(stack.definition).find((s) => s.Name === 'Evaluate').Arguments;
    const uri = evaluation.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri['Std:Join'].Values[0];
    const bucket = /^s3:\/\/([^/]+)\/evaluations$/.exec(uri)![1];
    const file = `arn:aws:s3:::${bucket}/baseline/n0b4s3l1n3r1/dataset/dataset.csv`;
    const calls: Call[] = ['s3:PutObject', 's3:GetObject'].map((action) => ({
      why: `training ${action}`,
      role: 'training',
      action,
      resource: file,
    }));
    expect(await verdicts(stack.world, calls)).toEqual([
      ['training s3:PutObject', 'ImplicitlyDenied'],
      ['training s3:GetObject', 'ImplicitlyDenied'],
    ]);
  });
});
