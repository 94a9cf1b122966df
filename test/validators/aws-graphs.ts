/**
 * The Pulumi AWS graphs `terraform validate` checks: the reference prod stack and the option matrix of the
 * AWS endpoint, pipeline and monitoring tests.
 */
import * as path from 'node:path';
import { MlPipeline, ModelEndpoint, type MlPipelineArgs, type ModelEndpointArgs } from '../../lib';
import { readProject, readStackConfig } from '../../lib/cli/stack-config';
import { recordProgram, type RecordedResource } from '../../lib/testing';
import { churnSystem } from '../../stacks/pulumi/system';
import { AWS_DEV, AWS_PROD, ECR_IMAGE, endpointArgs } from '../helpers';
import { pipelineArgs } from '../ml-pipeline/fixtures';
import { watched } from '../support/watch';
import {
  EXISTING_TOPIC,
  record as recordMonitoring,
  spec as monitoringSpec,
} from '../monitoring-stack/aws-spec';

const ROOT = path.resolve(__dirname, '..', '..');
const STAGING = { ...AWS_PROD, stage: 'staging' as const };
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const NETWORK = { subnetIds: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'], securityGroupIds: ['sg-0a1b2c3d'] };

/**
 * Endpoint options of the aws endpoint tests. Between them the cases serve on every size's instance type
 * (the provider checks SageMaker instance types against a fixed list).
 */
export const ENDPOINT_CASES: Record<string, ModelEndpointArgs> = {
  'endpoint-canary': endpointArgs(AWS_PROD, { invokers: ['churn-api'] }),
  'endpoint-linear': endpointArgs(AWS_PROD, {
    size: 'cpu-large',
    rollout: { strategy: 'linear', linearStepPercent: 25, bakeMinutes: 5 },
  }),
  'endpoint-all-at-once': endpointArgs(STAGING, { size: 'cpu-small', rollout: { strategy: 'all-at-once' } }),
  'endpoint-serverless': endpointArgs(AWS_DEV),
  'endpoint-capture': endpointArgs(AWS_PROD, {
    capturePercent: 50,
    aws: { instanceType: 'ml.c5.2xlarge' },
    minInstances: 3,
    maxInstances: 6,
    targetConcurrency: 4,
  }),
  'endpoint-challengers-gpu': endpointArgs(AWS_PROD, {
    size: 'gpu-small',
    challengers: [{ name: 'b', image: ECR_IMAGE, trafficPercent: 20 }],
  }),
  'endpoint-vpc': endpointArgs(
    { ...AWS_PROD, network: NETWORK },
    { size: 'gpu-large', aws: { networkIsolation: false } },
  ),
  'endpoint-own-key': endpointArgs({ ...AWS_PROD, kmsKeyId: KEY_ARN, retainOnDelete: false }),
  'endpoint-registry-version': {
    platform: AWS_PROD,
    version: 'v3',
    aws: {
      modelPackageArn: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3',
      imageRepositoryArn: 'arn:aws:ecr:eu-west-1:123456789012:repository/churn-serving',
    },
    modelAccess: { bucketName: 'churn-artifacts', prefix: 'models/', kmsKeyId: KEY_ARN },
    challengers: [{ name: 'b', image: ECR_IMAGE, trafficPercent: 10 }],
  },
};

/** Pipeline options of the aws pipeline tests. */
export const PIPELINE_CASES: Record<string, MlPipelineArgs> = {
  'pipeline-cron-spot': pipelineArgs(STAGING, { schedule: 'cron(0 3 * * 1)' }),
  'pipeline-rate-champion': pipelineArgs(AWS_PROD, {
    schedule: 'rate(7 days)',
    qualityGate: { metric: 'auc', threshold: 0.8, mustBeatApproved: true },
  }),
  'pipeline-lower-is-better': pipelineArgs(STAGING, {
    schedule: 'rate(12 hours)',
    qualityGate: { metric: 'rmse', comparison: 'less-than-or-equal', threshold: 4.5, mustBeatApproved: true },
  }),
  'pipeline-on-demand': pipelineArgs(AWS_DEV, { schedule: 'none' }),
  'pipeline-gpu-no-spot': pipelineArgs(STAGING, {
    training: {
      image: ECR_IMAGE,
      command: ['python', 'train.py'],
      size: 'gpu-small',
      instanceCount: 2,
      spot: false,
    },
  }),
  'pipeline-existing-data': pipelineArgs(AWS_PROD, {
    data: { bucketName: 'churn-raw-data', prefix: 'exports/' },
  }),
  'pipeline-vpc-own-key': pipelineArgs(
    { ...AWS_PROD, network: NETWORK, kmsKeyId: KEY_ARN, retainOnDelete: false },
    { aws: { networkIsolation: false, volumeSizeGb: 100 } },
  ),
  'pipeline-replica': pipelineArgs({ ...AWS_PROD, replicaRegion: 'eu-central-1' }),
  'pipeline-build': pipelineArgs(AWS_DEV, {
    training: { build: { context: 'templates/training' }, command: ['python', 'train.py'] },
    evaluation: { command: ['python', 'evaluate.py'] },
  }),
};

/** MonitoringStack renderings on aws: everything on (topic, subscriptions, alarms, dashboard, monitor, retrain), and an existing topic only. */
export const MONITORING_CASES = {
  'monitoring-all': monitoringSpec(),
  'monitoring-existing-topic': monitoringSpec({
    drift: undefined,
    dashboard: false,
    notifications: { emails: [], topicArn: EXISTING_TOPIC, channelIds: [] },
  }),
};

export interface RecordedGraph {
  readonly resources: readonly RecordedResource[];
  /** The region of resources that name none. */
  readonly region: string;
}

/** Records every graph, one after another (the Pulumi runtime holds one program at a time). */
export async function recordGraphs(): Promise<Record<string, RecordedGraph>> {
  const graphs: Record<string, RecordedGraph> = {};
  const project = readProject(ROOT);
  const prod = readStackConfig(project, 'prod');
  const reference = await recordProgram(() => churnSystem(), {
    project: project.name,
    stack: 'prod',
    config: prod,
  });
  graphs['stack-prod'] = { resources: reference.resources, region: String(prod['aws:region']) };
  for (const [name, args] of Object.entries(ENDPOINT_CASES)) {
    const recording = await recordProgram(() => watched(new ModelEndpoint('churn', args)));
    graphs[name] = { resources: recording.resources, region: args.platform!.region! };
  }
  for (const [name, spec] of Object.entries(MONITORING_CASES)) {
    const recording = await recordMonitoring(spec);
    graphs[name] = { resources: recording.resources, region: spec.platform.region };
  }
  for (const [name, args] of Object.entries(PIPELINE_CASES)) {
    const recording = await recordProgram(() => new MlPipeline('churn', args));
    graphs[name] = { resources: recording.resources, region: args.platform!.region! };
  }
  return graphs;
}
