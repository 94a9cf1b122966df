/**
 * The option matrix of MlPipeline under IAM simulation, on both engines: spot training with checkpoints in
 * a VPC on a schedule, and a training image built by the construct. Every call a run makes is allowed.
 */
import type { MlPipelineArgs } from '../../lib/ml-pipeline/args';
import { AWS, pipelineArgs } from '../ml-pipeline/fixtures';
import { allSteps, pipelineRunRequests, type PipelineRun } from './support/pipeline-calls';
import { cdkPipeline, pulumiPipeline, type PipelineStack } from './support/reference';
import { ACCOUNT, REGION, pullCalls, verdicts } from './support/simulate';

const run = (stack: PipelineStack): PipelineRun => ({
  executionId: 'r3gular0run1',
  definition: stack.definition,
  pipelineName: stack.pipelineName,
  properties: {},
});

async function bothEngines(args: MlPipelineArgs): Promise<PipelineStack[]> {
  return [await pulumiPipeline(args), cdkPipeline(args)];
}

// Staging trains on spot and retrains weekly by default.
const SPOT_IN_VPC = pipelineArgs({
  ...AWS,
  stage: 'staging',
  network: { subnetIds: ['subnet-0a1b2c3d4e5f60718'], securityGroupIds: ['sg-0a1b2c3d4e5f60718'] },
});

describe('spot training with checkpoints, in a VPC, on a schedule', () => {
  let stacks: PipelineStack[];
  beforeAll(async () => {
    stacks = await bothEngines(SPOT_IN_VPC);
  });

  test('has checkpoints, subnets, a scheduler and no champion lookup, on both engines', () => {
    for (const stack of stacks) {
      const train = allSteps(stack.definition).find((s) => s.Name === 'Train').Arguments;
      expect([stack.engine, train.EnableManagedSpotTraining, train.VpcConfig.Subnets]).toEqual([
        stack.engine,
        true,
        ['subnet-0a1b2c3d4e5f60718'],
      ]);
      expect([stack.engine, stack.roles]).toEqual([stack.engine, ['pipeline', 'training', 'scheduler']]);
    }
  });

  test.each(['pulumi', 'cdk'])('%s: every call of a run is allowed', async (engine) => {
    const stack = stacks.find((s) => s.engine === engine)!;
    const results = await verdicts(
      stack.world,
      pipelineRunRequests(stack.world, run(stack), { pipeline: 'pipeline', scheduler: 'scheduler' }),
    );
    expect(results.filter(([, decision]) => decision !== 'Allowed')).toEqual([]);
    expect(results.map(([why]) => why)).toEqual(
      expect.arrayContaining([
        'Train (training job) saves a checkpoint: write',
        'Train (training job) resumes from its checkpoints: read',
        'Train (training job): ec2:CreateNetworkInterface in the VPC',
        'Evaluate (processing job): ec2:DescribeSubnets',
      ]),
    );
  });
});

describe('a training image the construct builds', () => {
  const BUILT: MlPipelineArgs = pipelineArgs(AWS, {
    training: { build: { context: 'templates/training' }, command: ['python', 'train.py'] },
    evaluation: { command: ['python', 'evaluate.py'] },
  });

  test.each(['pulumi', 'cdk'] as const)(
    '%s: the jobs pull the built image from where it is pushed, and from no other repository',
    async (engine) => {
      const stack = engine === 'pulumi' ? await pulumiPipeline(BUILT) : cdkPipeline(BUILT);
      const results = await verdicts(
        stack.world,
        pipelineRunRequests(stack.world, run(stack), { pipeline: 'pipeline' }),
      );
      expect(results.filter(([, decision]) => decision !== 'Allowed')).toEqual([]);
      const other = await verdicts(
        stack.world,
        pullCalls('training', `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/payments-model`, 'another').filter(
          (c) => c.resource !== '*',
        ),
      );
      expect(other.map(([, decision]) => decision)).toEqual([
        'ImplicitlyDenied',
        'ImplicitlyDenied',
        'ImplicitlyDenied',
      ]);
    },
  );
});
