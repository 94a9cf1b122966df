/**
 * The CloudFormation templates the validators lint: the reference CDK app's stack and the option matrix of
 * the CDK construct tests, synthesized in-process with CDK's built-in validator on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import {
  MlPipeline,
  ModelEndpoint,
  MonitoringStack,
  type MlPipelineProps,
  type ModelEndpointProps,
} from '../../lib/cdk';
import { churnApp } from '../../stacks/cdk/churn-app';
import { AWS_DEV, AWS_PROD, CDK_TEST_CONTEXT, ECR_IMAGE, endpointArgs } from '../helpers';
import { pipelineArgs } from '../ml-pipeline/fixtures';

const ENV = { account: '123456789012', region: 'eu-west-1' };
const STAGING = { ...AWS_PROD, stage: 'staging' as const };
/** Who the matrix's staging and prod alarms tell (alarms there must have an action). */
const ONCALL = { emails: ['ml-oncall@example.com'] };

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

/**
 * MonitoringStack options the CDK tests exercise, each in its own stack with the endpoint (and pipeline) it
 * watches. The endpoint matrix's staging and prod endpoints are watched too, with the defaults and an email.
 */
export const MONITORING_MATRIX: Record<string, (stack: Stack) => MonitoringStack> = {
  // Drift on the captured requests against a run's baseline, starting the pipeline; email and webhook; own thresholds.
  'monitoring-drift-retrain': (stack) => {
    const pipeline = new MlPipeline(stack, 'churn-training', pipelineArgs(STAGING) as MlPipelineProps);
    const endpoint = new ModelEndpoint(stack, 'churn', endpointArgs(STAGING) as ModelEndpointProps);
    return new MonitoringStack(stack, 'churn-monitoring', {
      platform: STAGING,
      endpoint,
      pipeline,
      thresholds: { latencyP99Ms: 250, noTrafficMinutes: 30, periodSeconds: 300, evaluationPeriods: 3 },
      drift: {
        features: ['tenure', 'monthly_charges'],
        featureThresholds: { tenure: 0.2 },
        schedule: 'hourly',
        retrain: true,
        baselineUri: `${pipeline.artifactBucketUri}baseline/exec-1/`,
      },
      notifications: { ...ONCALL, webhookUrl: 'https://alerts.example.com/sagemaker' },
    });
  },
  // A GPU endpoint told through an existing topic only, without a dashboard.
  'monitoring-existing-topic-gpu': (stack) => {
    const endpoint = new ModelEndpoint(
      stack,
      'churn',
      endpointArgs(AWS_PROD, { size: 'gpu-small' }) as ModelEndpointProps,
    );
    return new MonitoringStack(stack, 'churn-monitoring', {
      platform: AWS_PROD,
      endpoint,
      dashboard: false,
      notifications: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:ml-oncall' },
    });
  },
  // dev with nobody to tell: a topic without subscriptions, so every alarm still has an action.
  'monitoring-dev-silent': (stack) => {
    const endpoint = new ModelEndpoint(
      stack,
      'churn',
      endpointArgs(AWS_DEV, { serverless: false }) as ModelEndpointProps,
    );
    return new MonitoringStack(stack, 'churn-monitoring', { platform: AWS_DEV, endpoint });
  },
  // An endpoint this library did not create, described by its name.
  'monitoring-foreign-endpoint': (stack) =>
    new MonitoringStack(stack, 'churn-monitoring', {
      platform: AWS_PROD,
      endpoint: { endpointName: 'legacy-churn' },
      notifications: ONCALL,
    }),
};

/** The reference app's stack name when it awaits its first release (a fresh account): its template's key. */
export const AWAITING_REFERENCE = 'churn-prod-awaiting';

/**
 * CDK context for the reference app on a fresh account: `mlops:releaseFile` names a prod stack file in `dir` that
 * has no `mlops:release` yet, so the app synthesizes everything but serving.
 */
export function awaitingReleaseContext(dir: string): Record<string, unknown> {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'Pulumi.prod.yaml');
  writeFileSync(file, 'config:\n  mlops:cloud: aws\n  mlops:stage: prod\n');
  return {
    mlops: { cloud: 'aws', stage: 'prod', region: 'eu-west-1' },
    'mlops:releaseFile': file,
    ...CDK_TEST_CONTEXT,
  };
}

/** Synthesizes every template into `dir` and returns each stack's template file by stack name. */
export function synthesizeTemplates(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const collect = (app: App) => {
    const assembly = app.synth();
    for (const stack of assembly.stacks)
      files[stack.stackName] = path.join(assembly.directory, stack.templateFile);
  };

  // The reference app exactly as `stacks/cdk/churn-app.ts` builds it (props and env from the prod config and the
  // `mlops` context), without its cdk-nag and cfn-guard plugins: the compliance tests run those, cfn-lint needs the template.
  const { app: reference } = churnApp(
    {
      outdir: path.join(dir, 'reference'),
      context: { mlops: { cloud: 'aws', stage: 'prod', region: 'eu-west-1' }, ...CDK_TEST_CONTEXT },
    },
    { validators: false },
  );
  collect(reference);
  // The same app on a fresh account, before its first release.
  const { app: awaiting } = churnApp(
    {
      outdir: path.join(dir, 'awaiting'),
      context: awaitingReleaseContext(path.join(dir, 'awaiting-config')),
    },
    { validators: false },
  );
  const assembly = awaiting.synth();
  for (const stack of assembly.stacks)
    files[AWAITING_REFERENCE] = path.join(assembly.directory, stack.templateFile);

  const matrix = new App({
    outdir: path.join(dir, 'matrix'),
    context: CDK_TEST_CONTEXT,
  });
  for (const [name, props] of Object.entries(ENDPOINT_MATRIX)) {
    const stack = new Stack(matrix, name, { env: ENV });
    const endpoint = new ModelEndpoint(stack, 'churn', props);
    if (endpoint.spec.platform.stage !== 'dev') {
      new MonitoringStack(stack, 'churn-monitoring', {
        platform: props.platform,
        endpoint,
        notifications: ONCALL,
      });
    }
  }
  for (const [name, props] of Object.entries(PIPELINE_MATRIX)) {
    new MlPipeline(new Stack(matrix, name, { env: ENV }), 'churn-training', props);
  }
  for (const [name, build] of Object.entries(MONITORING_MATRIX)) build(new Stack(matrix, name, { env: ENV }));
  collect(matrix);
  return files;
}
