/**
 * The reference churn system as each engine deploys it to prod (the Pulumi program with `Pulumi.prod.yaml`,
 * and the CDK stack from the same file), reduced to what the IAM simulation needs.
 */
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import {
  MlPipeline as CdkMlPipeline,
  ModelEndpoint as CdkModelEndpoint,
  type MlPipelineProps,
  type ModelEndpointProps,
} from '../../../lib/cdk';
import { readProject, readStackConfig, stackFile } from '../../../lib/cli/stack-config';
import type { MlPipelineArgs } from '../../../lib/ml-pipeline/args';
import { MlPipeline } from '../../../lib/ml-pipeline/pulumi';
import type { ModelEndpointArgs } from '../../../lib/model-endpoint/args';
import { ModelEndpoint } from '../../../lib/model-endpoint/pulumi';
import { recordProgram } from '../../../lib/testing';
import { ChurnStack } from '../../../stacks/cdk/churn-stack';
import { churnSystem, type TrainingConfig } from '../../../stacks/pulumi/system';
import { CDK_TEST_CONTEXT } from '../../helpers';
import type { IamWorld } from './simulate';
import { cdkWorld, pulumiState, pulumiWorld, resolveCfn, type CfnTemplate } from './worlds';
import { OPS_TOPIC_ARN, watched } from '../../support/watch';

type Json = any;

export interface ReferenceStack {
  readonly engine: 'pulumi' | 'cdk';
  readonly world: IamWorld;
  /** The SageMaker pipeline definition, as deployed. */
  readonly definition: Json;
  readonly pipelineName: string;
  /** The model the endpoint serves: its package, and the repository its image is pulled from. */
  readonly servedRepositoryArn: string;
  readonly endpointName: string;
  /** Buckets by purpose: `data`, `artifacts`, `capture`. */
  readonly buckets: Readonly<Record<'data' | 'artifacts' | 'capture', string>>;
  /** The pipeline's key and the endpoint's key. */
  readonly keys: Readonly<Record<'pipeline' | 'endpoint', string>>;
}

const ROOT = path.resolve(__dirname, '..', '..', '..');

function prodConfig() {
  const project = readProject(ROOT);
  return { project, config: readStackConfig(project, 'prod') };
}

/** The roles of the reference system, by short name. */
export const ROLES = ['pipeline', 'training', 'champion', 'scheduler', 'execution', 'invoker'] as const;

export async function pulumiReference(): Promise<ReferenceStack> {
  const { project, config } = prodConfig();
  const rec = await recordProgram(() => churnSystem(), { project: project.name, stack: 'prod', config });
  const world = pulumiWorld(
    rec,
    {
      pipeline: 'churn-training-pipeline-role',
      training: 'churn-training-training-role',
      champion: 'churn-training-champion-role',
      scheduler: 'churn-training-scheduler-role',
      execution: 'churn-execution-role',
    },
    { invoker: 'churn-api' },
  );
  const pipeline = rec.one('aws:sagemaker/pipeline:Pipeline');
  const bucket = (name: string) => rec.one('aws:s3/bucket:Bucket', name);
  const key = (name: string) => rec.one('aws:kms/key:Key', name);
  return {
    engine: 'pulumi',
    world,
    definition: JSON.parse(pipeline.inputs.pipelineDefinition as string),
    pipelineName: pipeline.inputs.pipelineName as string,
    servedRepositoryArn: pulumiState(rec.one('aws:ecr/repository:Repository')).arn as string,
    endpointName: rec.one('aws:sagemaker/endpoint:Endpoint').inputs.name as string,
    buckets: {
      data: pulumiState(bucket('churn-training-data')).bucket as string,
      artifacts: pulumiState(bucket('churn-training-artifacts')).bucket as string,
      capture: pulumiState(bucket('churn-capture')).bucket as string,
    },
    keys: {
      pipeline: pulumiState(key('churn-training-key')).arn as string,
      endpoint: pulumiState(key('churn-key')).arn as string,
    },
  };
}

export function cdkReference(): ReferenceStack {
  const { project, config } = prodConfig();
  const app = new App({
    context: {
      mlops: { cloud: 'aws', stage: 'prod', region: 'eu-west-1' },
      // The release `pulumi up` on prod serves, as the reference app reads it.
      'mlops:releaseFile': stackFile(project, 'prod'),
      ...CDK_TEST_CONTEXT,
    },
  });
  const stack = new ChurnStack(app, 'churn-prod', {
    env: { account: '123456789012', region: 'eu-west-1' },
    training: config['churn:training'] as TrainingConfig,
    invokers: config['churn:invokers'] as string[],
    alertEmails: config['churn:alertEmails'] as string[] | undefined,
  });
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const world = cdkWorld(
    template,
    {
      pipeline: 'churntrainingPipelineRole',
      training: 'churntrainingTrainingRole',
      champion: 'churntrainingChampionRole',
      scheduler: 'churntrainingSchedulerRole',
      execution: 'churnExecutionRole',
    },
    { invoker: 'churn-api' },
  );
  const one = (type: string, prefix: string) => {
    const found = Object.entries(template.Resources).filter(
      ([id, r]) => r.Type === type && id.startsWith(prefix),
    );
    if (found.length !== 1) throw new Error(`expected one ${type} ${prefix}*, found ${found.length}`);
    return found[0];
  };
  const [, pipeline] = one('AWS::SageMaker::Pipeline', 'churntraining');
  const ref = (type: string, prefix: string) => resolveCfn(template, { Ref: one(type, prefix)[0] });
  const arn = (type: string, prefix: string) =>
    resolveCfn(template, { 'Fn::GetAtt': [one(type, prefix)[0], 'Arn'] });
  return {
    engine: 'cdk',
    world,
    definition: JSON.parse(
      resolveCfn(template, pipeline.Properties!.PipelineDefinition.PipelineDefinitionBody),
    ),
    pipelineName: pipeline.Properties!.PipelineName,
    servedRepositoryArn: arn('AWS::ECR::Repository', 'churntraining'),
    endpointName: one('AWS::SageMaker::Endpoint', 'churn')[1].Properties!.EndpointName,
    buckets: {
      data: ref('AWS::S3::Bucket', 'churntrainingData'),
      artifacts: ref('AWS::S3::Bucket', 'churntrainingArtifacts'),
      capture: ref('AWS::S3::Bucket', 'churnCapture'),
    },
    keys: {
      pipeline: arn('AWS::KMS::Key', 'churntrainingKey'),
      endpoint: arn('AWS::KMS::Key', 'churnKey'),
    },
  };
}

/** One MlPipeline as an engine deploys it, for simulating a run. */
export interface PipelineStack {
  readonly engine: 'pulumi' | 'cdk';
  readonly world: IamWorld;
  readonly definition: Json;
  readonly pipelineName: string;
  /** The roles present, by short name (`champion` and `scheduler` only when the options create them). */
  readonly roles: readonly string[];
}

const PIPELINE_ROLES = ['pipeline', 'training', 'champion', 'scheduler'] as const;

/** An MlPipeline named `churn`, recorded under Pulumi mocks. */
export async function pulumiPipeline(args: MlPipelineArgs): Promise<PipelineStack> {
  const rec = await recordProgram(() => new MlPipeline('churn', args));
  const present = PIPELINE_ROLES.filter((role) =>
    rec.ofType('aws:iam/role:Role').some((r) => r.name === `churn-${role}-role`),
  );
  const pipeline = rec.one('aws:sagemaker/pipeline:Pipeline');
  return {
    engine: 'pulumi',
    world: pulumiWorld(rec, Object.fromEntries(present.map((role) => [role, `churn-${role}-role`]))),
    definition: JSON.parse(pipeline.inputs.pipelineDefinition as string),
    pipelineName: pipeline.inputs.pipelineName as string,
    roles: present,
  };
}

/** An MlPipeline with id `churn`, synthesized by CDK. */
export function cdkPipeline(args: MlPipelineArgs): PipelineStack {
  const app = new App({ context: CDK_TEST_CONTEXT });
  const stack = new Stack(app, 'churn', { env: { account: '123456789012', region: 'eu-west-1' } });
  new CdkMlPipeline(stack, 'churn', args as MlPipelineProps);
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const capitalized = (role: string) => role[0].toUpperCase() + role.slice(1);
  const present = PIPELINE_ROLES.filter((role) =>
    Object.entries(template.Resources).some(
      ([id, r]) => r.Type === 'AWS::IAM::Role' && id.startsWith(`churn${capitalized(role)}Role`),
    ),
  );
  const [pipeline] = Object.values(template.Resources).filter((r) => r.Type === 'AWS::SageMaker::Pipeline');
  return {
    engine: 'cdk',
    world: cdkWorld(
      template,
      Object.fromEntries(present.map((role) => [role, `churn${capitalized(role)}Role`])),
    ),
    definition: JSON.parse(
      resolveCfn(template, pipeline.Properties!.PipelineDefinition.PipelineDefinitionBody),
    ),
    pipelineName: pipeline.Properties!.PipelineName,
    roles: present,
  };
}

/** One ModelEndpoint named `churn`, as an engine deploys it. */
export interface EndpointStack {
  readonly engine: 'pulumi' | 'cdk';
  readonly world: IamWorld;
  readonly endpointName: string;
  /** The endpoint's own key, and its capture bucket when capture is on. */
  readonly keyArn: string;
  readonly captureBucket?: string;
}

export async function pulumiEndpoint(args: ModelEndpointArgs): Promise<EndpointStack> {
  const rec = await recordProgram(() => watched(new ModelEndpoint('churn', args)));
  const capture = rec.ofType('aws:s3/bucket:Bucket').find((b) => b.name === 'churn-capture');
  return {
    engine: 'pulumi',
    world: pulumiWorld(rec, { execution: 'churn-execution-role' }),
    endpointName: rec.one('aws:sagemaker/endpoint:Endpoint').inputs.name as string,
    keyArn: pulumiState(rec.one('aws:kms/key:Key', 'churn-key')).arn as string,
    captureBucket: capture && (pulumiState(capture).bucket as string),
  };
}

export function cdkEndpoint(args: ModelEndpointArgs): EndpointStack {
  const app = new App({ context: CDK_TEST_CONTEXT });
  const stack = new Stack(app, 'churn-prod', { env: { account: '123456789012', region: 'eu-west-1' } });
  const cdk = new CdkModelEndpoint(stack, 'churn', args as ModelEndpointProps);
  // As a watching MonitoringStack does: the rollback alarms notify the ops topic (staging and prod require it).
  const ops = Topic.fromTopicArn(stack, 'Ops', OPS_TOPIC_ARN);
  cdk.rollbackAlarms.forEach((alarm) => alarm.addAlarmAction(new SnsAction(ops)));
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const ids = (type: string, prefix: string) =>
    Object.entries(template.Resources)
      .filter(([id, r]) => r.Type === type && id.startsWith(prefix))
      .map(([id]) => id);
  const [capture] = ids('AWS::S3::Bucket', 'churnCapture');
  const [endpoint] = Object.values(template.Resources).filter((r) => r.Type === 'AWS::SageMaker::Endpoint');
  return {
    engine: 'cdk',
    world: cdkWorld(template, { execution: 'churnExecutionRole' }),
    endpointName: endpoint.Properties!.EndpointName,
    keyArn: resolveCfn(template, { 'Fn::GetAtt': [ids('AWS::KMS::Key', 'churnKey')[0], 'Arn'] }),
    captureBucket: capture && resolveCfn(template, { Ref: capture }),
  };
}
