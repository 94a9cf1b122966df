/**
 * A CDK construct deploys where its stack deploys: a concrete stack region that differs from
 * `platform.region` is refused, a token region (an environment-agnostic stack) takes the platform's, and a
 * replica region, which one CloudFormation stack cannot create resources in, is refused with the alternative.
 */
import { App, Stack } from 'aws-cdk-lib';
import { MlPipeline, ModelEndpoint, type MlPipelineProps } from '../../lib/cdk';
import { ValidationError } from '../../lib/core/validation';
import { endpointArgs, thrown } from '../helpers';
import { pipelineArgs } from '../ml-pipeline/fixtures';

const PLATFORM = { cloud: 'aws' as const, region: 'eu-west-1', stage: 'prod' as const };

function stack(region?: string, context: Record<string, unknown> = {}): Stack {
  return new Stack(new App({ context }), 'team', region ? { env: { region } } : {});
}

describe('CDK region', () => {
  test('a platform.region other than the concrete stack region is a ValidationError', () => {
    const err = thrown(
      () => new MlPipeline(stack('eu-central-1'), 'churn', pipelineArgs(PLATFORM) as MlPipelineProps),
    );
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toBe(
      'MlPipeline "churn" has 1 problem in its arguments:\n' +
        "  - platform.region: is eu-west-1, but the stack deploys to eu-central-1. Fix: remove platform.region (the construct uses the stack's region), or give the stack env.region eu-west-1.",
    );
    const endpoint = thrown(
      () => new ModelEndpoint(stack('us-east-1'), 'churn', endpointArgs(PLATFORM) as never),
    );
    expect(endpoint.message).toContain('platform.region: is eu-west-1, but the stack deploys to us-east-1.');
  });

  test('a partial platform merges over the mlops context, as over the Pulumi stack config', () => {
    const context = {
      mlops: { cloud: 'aws', stage: 'prod', region: 'eu-west-1', tags: { team: 'churn', cost: 'cc-1' } },
    };
    const pipeline = new MlPipeline(stack('eu-west-1', context), 'churn', {
      ...(pipelineArgs(PLATFORM) as MlPipelineProps),
      platform: { tags: { cost: 'cc-42' } } as never,
    });
    expect([pipeline.spec.platform.stage, pipeline.spec.platform.tags]).toEqual([
      'prod',
      { team: 'churn', cost: 'cc-42' },
    ]);
  });

  test('the same region, or a stack without one, deploys with the platform region', () => {
    const same = new MlPipeline(stack('eu-west-1'), 'churn', pipelineArgs(PLATFORM) as MlPipelineProps);
    expect(same.spec.platform.region).toBe('eu-west-1');
    const agnostic = new MlPipeline(stack(), 'churn', pipelineArgs(PLATFORM) as MlPipelineProps);
    expect(agnostic.spec.platform.region).toBe('eu-west-1');
  });

  test('without platform.region the construct takes the stack region, also from the mlops context', () => {
    const noRegion = { cloud: PLATFORM.cloud, stage: PLATFORM.stage };
    const fromStack = new MlPipeline(
      stack('ap-southeast-2'),
      'churn',
      pipelineArgs(noRegion as never) as MlPipelineProps,
    );
    expect(fromStack.spec.platform.region).toBe('ap-southeast-2');
    // The mlops context is checked the same way as a platform given in props.
    const fromContext = thrown(
      () =>
        new MlPipeline(
          stack('eu-central-1', { mlops: { cloud: 'aws', stage: 'prod', region: 'eu-west-1' } }),
          'churn',
          {
            ...(pipelineArgs(PLATFORM) as MlPipelineProps),
            platform: undefined,
          },
        ),
    );
    expect(fromContext.message).toContain(
      'platform.region: is eu-west-1, but the stack deploys to eu-central-1.',
    );
  });

  test('platform.replicaRegion is refused in CDK, naming the alternatives', () => {
    const err = thrown(
      () =>
        new MlPipeline(
          stack('eu-west-1'),
          'churn',
          pipelineArgs({
            ...PLATFORM,
            replicaRegion: 'eu-central-1',
          }) as MlPipelineProps,
        ),
    );
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toBe(
      'MlPipeline "churn" has 1 problem in its arguments:\n' +
        '  - platform.replicaRegion: asks for replicas in eu-central-1, which a CloudFormation stack cannot create: a stack creates resources only in its own region. Fix: remove it for CDK and replicate with the Pulumi construct, or deploy a replica bucket and KMS key from a stack in that region and add a replication rule to the bucket (`dataBucket` / `artifactBucket`, `node.defaultChild`).',
    );
  });
});
