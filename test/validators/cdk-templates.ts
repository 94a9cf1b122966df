/**
 * The CloudFormation templates the validators lint: the reference CDK app's stack and the option matrix of
 * the CDK construct tests, synthesized in-process with CDK's built-in validator on.
 */
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { readProject, readStackConfig } from '../../lib/cli/stack-config';
import { platformFromContext } from '../../lib/core/platform-context';
import { MlPipeline, ModelEndpoint, type MlPipelineProps, type ModelEndpointProps } from '../../lib/cdk';
import { ChurnStack } from '../../stacks/cdk/churn-stack';
import type { Release, TrainingConfig } from '../../stacks/pulumi/system';
import { AWS_DEV, AWS_PROD, CDK_TEST_CONTEXT, ECR_IMAGE, endpointArgs } from '../helpers';
import { pipelineArgs } from '../ml-pipeline/fixtures';

const ROOT = path.resolve(__dirname, '..', '..');
const ENV = { account: '123456789012', region: 'eu-west-1' };
const STAGING = { ...AWS_PROD, stage: 'staging' as const };

/** Endpoint options the CDK tests exercise, each synthesized as its own stack. */
export const ENDPOINT_MATRIX: Record<string, ModelEndpointProps> = {
  'endpoint-provisioned-canary': endpointArgs(AWS_PROD, { invokers: ['churn-api'] }),
  'endpoint-serverless': endpointArgs(AWS_DEV),
  'endpoint-capture': endpointArgs(AWS_PROD, {
    capturePercent: 50,
    aws: { instanceType: 'ml.c5.2xlarge' },
    minInstances: 3,
    maxInstances: 6,
  }),
  'endpoint-challengers': endpointArgs(AWS_PROD, {
    size: 'gpu-small',
    challengers: [{ name: 'b', image: ECR_IMAGE, trafficPercent: 20 }],
  }),
  'endpoint-linear': endpointArgs(AWS_PROD, {
    rollout: { strategy: 'linear', linearStepPercent: 25, bakeMinutes: 5 },
  }),
} as Record<string, ModelEndpointProps>;

/** Pipeline options the CDK tests exercise. */
export const PIPELINE_MATRIX: Record<string, MlPipelineProps> = {
  'pipeline-cron-spot': pipelineArgs(STAGING, { schedule: 'cron(0 3 * * 1)' }),
  'pipeline-rate-on-demand': pipelineArgs(AWS_PROD, {
    schedule: 'rate(7 days)',
    qualityGate: { metric: 'auc', threshold: 0.8, mustBeatApproved: true },
  }),
  'pipeline-no-schedule': pipelineArgs(AWS_DEV, { schedule: 'none' }),
  'pipeline-spot-off-gpu': pipelineArgs(STAGING, {
    training: {
      image: ECR_IMAGE,
      command: ['python', 'train.py'],
      size: 'gpu-small',
      instanceCount: 2,
      spot: false,
    },
  }),
  'pipeline-build': pipelineArgs(AWS_DEV, {
    training: { build: { context: 'templates/training' }, command: ['python', 'train.py'] },
    evaluation: { command: ['python', 'evaluate.py'] },
  }),
} as Record<string, MlPipelineProps>;

/** Synthesizes every template into `dir` and returns each stack's template file by stack name. */
export function synthesizeTemplates(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const collect = (app: App) => {
    const assembly = app.synth();
    for (const stack of assembly.stacks)
      files[stack.stackName] = path.join(assembly.directory, stack.templateFile);
  };

  // The reference app's stack as `stacks/cdk/churn-app.ts` builds it (same props, env from the `mlops`
  // context), without its cdk-nag and cfn-guard plugins: the compliance tests run those, cfn-lint needs the template.
  const prod = readStackConfig(readProject(ROOT), 'prod');
  const reference = new App({
    outdir: path.join(dir, 'reference'),
    context: { mlops: { cloud: 'aws', stage: 'prod', region: 'eu-west-1' }, ...CDK_TEST_CONTEXT },
  });
  new ChurnStack(reference, 'churn-prod', {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: platformFromContext(reference)?.region },
    release: prod['churn:release'] as Release,
    training: prod['churn:training'] as TrainingConfig,
    invokers: prod['churn:invokers'] as string[],
  });
  collect(reference);

  const matrix = new App({
    outdir: path.join(dir, 'matrix'),
    context: CDK_TEST_CONTEXT,
  });
  for (const [name, props] of Object.entries(ENDPOINT_MATRIX)) {
    new ModelEndpoint(new Stack(matrix, name, { env: ENV }), 'churn', props);
  }
  for (const [name, props] of Object.entries(PIPELINE_MATRIX)) {
    new MlPipeline(new Stack(matrix, name, { env: ENV }), 'churn-training', props);
  }
  collect(matrix);
  return files;
}
