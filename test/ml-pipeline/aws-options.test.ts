import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { trainingRolePolicy } from '../../lib/ml-pipeline/aws-policies';
import { MlPipeline as CdkMlPipeline, type MlPipelineProps } from '../../lib/ml-pipeline/cdk';
import { CDK_TEST_CONTEXT } from '../helpers';
import { MlPipeline } from '../../lib/ml-pipeline/pulumi';
import { resolveMlPipeline } from '../../lib/ml-pipeline/resolve';
import { recordProgram, type Recording } from '../../lib/testing';
import { AWS, pipelineArgs } from './fixtures';

type Json = Record<string, any>;

const PIPELINE = 'aws:sagemaker/pipeline:Pipeline';
const definition = (rec: Recording): Json =>
  JSON.parse(rec.one(PIPELINE).inputs.pipelineDefinition as string);
const steps = (def: Json): Json[] => [
  ...def.Steps,
  ...def.Steps.flatMap((s: Json) => [...(s.Arguments.IfSteps ?? []), ...(s.Arguments.ElseSteps ?? [])]),
];
const step = (def: Json, name: string): Json => steps(def).find((s) => s.Name === name)!;

describe('MlPipeline on aws: stage defaults and options', () => {
  it('prod: on-demand training, manual approval, a year of retention, weekly schedule', async () => {
    const rec = await recordProgram(() => new MlPipeline('churn', pipelineArgs({ ...AWS, stage: 'prod' })));
    const def = definition(rec);
    const train = step(def, 'Train').Arguments;
    expect(train.EnableManagedSpotTraining).toBeUndefined();
    expect(train.CheckpointConfig).toBeUndefined();
    expect(train.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 7200 });
    expect(def.Parameters.find((p: Json) => p.Name === 'ModelApprovalStatus').DefaultValue).toBe(
      'PendingManualApproval',
    );
    const lifecycle = rec.one(
      'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
      'churn-artifacts-lifecycle',
    );
    expect((lifecycle.inputs as Json).rules[0].noncurrentVersionExpiration.noncurrentDays).toBe(365);
    expect(rec.one('aws:scheduler/schedule:Schedule').inputs.scheduleExpression).toBe('rate(7 days)');
  });

  it('dev: approves automatically and retrains only on demand (no schedule, no scheduler role)', async () => {
    const rec = await recordProgram(() => new MlPipeline('churn', pipelineArgs(AWS)));
    expect(definition(rec).Parameters.find((p: Json) => p.Name === 'ModelApprovalStatus').DefaultValue).toBe(
      'Approved',
    );
    expect(rec.ofType('aws:scheduler/schedule:Schedule')).toHaveLength(0);
    expect(
      rec
        .ofType('aws:iam/role:Role')
        .map((r) => r.name)
        .sort(),
    ).toEqual(['churn-pipeline-role', 'churn-training-role']);
  });

  it('mustBeatApproved adds a strict comparison with the champion, unless none is approved, and keeps the evaluation isolated', async () => {
    const rec = await recordProgram(
      () =>
        new MlPipeline(
          'churn',
          pipelineArgs(AWS, {
            qualityGate: {
              metric: 'rmse',
              comparison: 'less-than-or-equal',
              threshold: 4.5,
              mustBeatApproved: true,
            },
          }),
        ),
    );
    const def = definition(rec);
    const report = { Get: 'Steps.Evaluate.PropertyFiles.EvaluationReport' };
    expect(step(def, 'QualityGate').Arguments.Conditions).toEqual([
      {
        Type: 'LessThanOrEqualTo',
        LeftValue: { 'Std:JsonGet': { PropertyFile: report, Path: 'metrics.rmse.value' } },
        RightValue: { Get: 'Parameters.QualityThreshold' },
      },
      {
        Type: 'Or',
        Conditions: [
          {
            Type: 'Equals',
            LeftValue: {
              'Std:JsonGet': {
                PropertyFile: { Get: 'Steps.FindChampion.PropertyFiles.ChampionLookup' },
                Path: 'found',
              },
            },
            RightValue: false,
          },
          {
            Type: 'LessThan',
            LeftValue: { 'Std:JsonGet': { PropertyFile: report, Path: 'metrics.rmse.value' } },
            RightValue: { 'Std:JsonGet': { PropertyFile: report, Path: 'champion.rmse.value' } },
          },
        ],
      },
    ]);
    // The champion arrives as an input (see aws-champion.test.ts): the evaluation stays isolated.
    expect(step(def, 'Evaluate').Arguments.NetworkConfig.EnableNetworkIsolation).toBe(true);
    const training = JSON.parse(
      rec.one('aws:iam/rolePolicy:RolePolicy', 'churn-training-policy').inputs.policy as string,
    );
    // The registry is read by the champion lookup's own role, never by the training role (helper "iam").
    expect(training.Statement.map((s: Json) => s.Sid)).not.toContain('ReadApprovedModel');
    expect(training.Statement.map((s: Json) => s.Sid)).not.toContain('FindApprovedModel');
  });

  it('a gate without a threshold but with mustBeatApproved has no threshold parameter', async () => {
    const rec = await recordProgram(
      () =>
        new MlPipeline(
          'churn',
          pipelineArgs(AWS, { qualityGate: { metric: 'auc', mustBeatApproved: true } }),
        ),
    );
    const def = definition(rec);
    expect(def.Parameters.map((p: Json) => p.Name)).toEqual(['InputDataUrl', 'ModelApprovalStatus']);
    expect(step(def, 'QualityGate').Arguments.Conditions.map((c: Json) => c.Type)).toEqual(['Or']);
  });

  it('uses an existing data bucket without managing it, and reads only its prefix', async () => {
    const rec = await recordProgram(
      () =>
        new MlPipeline(
          'churn',
          pipelineArgs(AWS, { data: { bucketName: 'corp-datalake', prefix: 'churn/v2/' } }),
        ),
    );
    expect(
      rec
        .ofType('aws:s3/bucket:Bucket')
        .map((b) => b.name)
        .sort(),
    ).toEqual(['churn-access-logs', 'churn-artifacts']);
    expect(definition(rec).Parameters[0]).toEqual({
      Name: 'InputDataUrl',
      Type: 'String',
      DefaultValue: 's3://corp-datalake/churn/v2/',
    });
    const doc = JSON.parse(
      rec.one('aws:iam/rolePolicy:RolePolicy', 'churn-training-policy').inputs.policy as string,
    );
    expect(doc.Statement.find((s: Json) => s.Sid === 'ReadTrainingData').Resource).toBe(
      'arn:aws:s3:::corp-datalake/churn/v2/*',
    );
  });

  it('aws.driftBaseline: false drops the Model Monitor baseline step, its dataset, its registry record and its grants, in any region', async () => {
    // ca-west-1 has no Model Monitor analyzer: refused with the baseline (aws-baseline.test.ts), accepted without.
    const rec = await recordProgram(
      () =>
        new MlPipeline(
          'churn',
          pipelineArgs({ ...AWS, region: 'ca-west-1' }, { aws: { driftBaseline: false } }),
        ),
    );
    const def = definition(rec);
    // The artifact bucket's name, suffixed by the engine: read from where the evaluation writes.
    const evaluationUri = step(def, 'Evaluate').Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri;
    const bucket = /^s3:\/\/(churn-artifacts-[a-z0-9]+)\/evaluations$/.exec(
      evaluationUri['Std:Join'].Values[0],
    )![1];
    expect(def.Steps.map((s: Json) => s.Name)).toEqual(['Train', 'Evaluate', 'QualityGate']);
    expect(steps(def).map((s: Json) => s.Type)).not.toContain('QualityCheck');
    // The gate reads the evaluation's report: that is its only dependency.
    expect(step(def, 'QualityGate').DependsOn).toBeUndefined();
    const evaluate = step(def, 'Evaluate').Arguments;
    expect(evaluate.ProcessingOutputConfig.Outputs.map((o: Json) => o.OutputName)).toEqual(['evaluation']);
    expect(evaluate.Environment.MLOPS_MONITOR_DATASET_DIR).toBeUndefined();
    const register = step(def, 'RegisterModel').Arguments;
    expect(register.DriftCheckBaselines).toBeUndefined();
    expect(register.ModelMetrics).toEqual({
      ModelQuality: {
        Statistics: {
          ContentType: 'application/json',
          S3Uri: {
            'Std:Join': {
              On: '/',
              Values: [
                {
                  'Std:Join': {
                    On: '/',
                    Values: [`s3://${bucket}/evaluations`, { Get: 'Execution.PipelineExecutionId' }],
                  },
                },
                'evaluation.json',
              ],
            },
          },
        },
      },
    });
    expect(JSON.stringify(def)).not.toContain('DataQualityBaseline');
    expect(JSON.stringify(def)).not.toContain('sagemaker-model-monitor-analyzer');
    const training = JSON.parse(
      rec.one('aws:iam/rolePolicy:RolePolicy', 'churn-training-policy').inputs.policy as string,
    );
    const sid = (id: string) => training.Statement.find((s: Json) => s.Sid === id);
    expect(sid('WriteOwnArtifacts').Resource).toEqual([
      `arn:aws:s3:::${bucket}/models/pipelines-*`,
      `arn:aws:s3:::${bucket}/checkpoints/*`,
      `arn:aws:s3:::${bucket}/evaluations/*`,
    ]);
    expect(sid('ReadArtifacts').Resource).toEqual([
      `arn:aws:s3:::${bucket}/models/*`,
      `arn:aws:s3:::${bucket}/checkpoints/*`,
    ]);
    expect(sid('ListArtifacts').Condition).toEqual({
      StringLike: { 's3:prefix': ['models/*', 'checkpoints/*'] },
    });
  });

  it('aws.driftBaseline defaults to true: the baseline step runs and the gate waits for it', async () => {
    const rec = await recordProgram(() => new MlPipeline('churn', pipelineArgs(AWS)));
    const def = definition(rec);
    expect(def.Steps.map((s: Json) => s.Name)).toEqual([
      'DataQualityBaseline',
      'Train',
      'Evaluate',
      'QualityGate',
    ]);
    expect(step(def, 'QualityGate').DependsOn).toEqual(['DataQualityBaseline']);
    expect(Object.keys(step(def, 'RegisterModel').Arguments.DriftCheckBaselines)).toEqual([
      'ModelDataQuality',
    ]);
    expect(Object.keys(step(def, 'RegisterModel').Arguments.ModelMetrics)).toEqual([
      'ModelQuality',
      'ModelDataQuality',
    ]);
  });

  it('retainOnDelete: false lets a throwaway stack delete buckets, repository and model group', async () => {
    const rec = await recordProgram(
      () => new MlPipeline('churn', pipelineArgs({ ...AWS, retainOnDelete: false })),
    );
    for (const type of [
      'aws:s3/bucket:Bucket',
      'aws:ecr/repository:Repository',
      'aws:sagemaker/modelPackageGroup:ModelPackageGroup',
      'aws:kms/key:Key',
    ])
      for (const r of rec.ofType(type)) expect([type, r.retainOnDelete]).toEqual([type, false]);
  });

  it('GPU training on NVMe instances names no volume key; several instances encrypt their traffic', async () => {
    const rec = await recordProgram(
      () =>
        new MlPipeline(
          'churn',
          pipelineArgs(AWS, {
            training: { image: 'train:1', size: 'gpu-small', instanceCount: 2, spot: false },
          }),
        ),
    );
    const train = step(definition(rec), 'Train').Arguments;
    expect(train.ResourceConfig).toEqual({
      InstanceCount: 2,
      InstanceType: 'ml.g5.xlarge',
      VolumeSizeInGB: 30,
    });
    expect(train.EnableInterContainerTrafficEncryption).toBe(true);
    // A public training image needs no ECR pull grant: only the evaluation image's repository is granted.
    const doc = JSON.parse(
      rec.one('aws:iam/rolePolicy:RolePolicy', 'churn-training-policy').inputs.policy as string,
    );
    expect(doc.Statement.find((s: Json) => s.Sid === 'PullImages').Resource).toEqual([
      'arn:aws:ecr:eu-west-1:123456789012:repository/churn-eval',
    ]);
  });
});

describe('CDK MlPipeline with aws.driftBaseline: false', () => {
  const template = (region?: string): Json => {
    const app = new App({ context: CDK_TEST_CONTEXT });
    const stack = new Stack(app, 'churn', region ? { env: { account: '123456789012', region } } : {});
    const platform = region ? { ...AWS, region } : { cloud: 'aws' as const, stage: 'dev' as const };
    new CdkMlPipeline(
      stack,
      'churn',
      pipelineArgs(platform, { aws: { driftBaseline: false } }) as MlPipelineProps,
    );
    return Template.fromStack(stack).toJSON();
  };
  /** The definition body as the template writes it (literal text and CloudFormation functions). */
  const definitionText = (t: Json): string => {
    const [pipeline] = (Object.values(t.Resources) as Json[]).filter(
      (r) => r.Type === 'AWS::SageMaker::Pipeline',
    );
    return JSON.stringify(pipeline.Properties.PipelineDefinition.PipelineDefinitionBody);
  };

  it("accepts a region without the analyzer and has no analyzer mapping when the region is the stack's", () => {
    const inCaWest = template('ca-west-1');
    expect(definitionText(inCaWest)).not.toContain('DataQualityBaseline');
    expect(definitionText(inCaWest)).toContain('QualityGate');
    const agnostic = template();
    expect(agnostic.Mappings).toBeUndefined();
    expect(definitionText(agnostic)).not.toContain('sagemaker-model-monitor-analyzer');
    expect(definitionText(agnostic)).not.toContain('DriftCheckBaselines');
  });
});

describe('training role when images are known only at deploy time', () => {
  it('may pull from any repository of the account instead of none', () => {
    const token = '${Token[TOKEN.42]}';
    const args = pipelineArgs(AWS, {
      training: { image: token },
      evaluation: { command: ['python', 'evaluate.py'] },
    });
    const spec = resolveMlPipeline('churn', args, args.platform);
    const doc = trainingRolePolicy(spec, {
      partition: 'aws',
      region: 'eu-west-1',
      account: '123456789012',
      keyArn: 'arn:aws:kms:eu-west-1:123456789012:key/k',
      dataBucketName: 'data',
      artifactBucketName: 'artifacts',
      trainingRoleArn: 'arn:aws:iam::123456789012:role/t',
      championRoleArn: 'arn:aws:iam::123456789012:role/c',
      trainingImage: token,
      evaluationImage: token,
      servingImage: token,
      analyzerImage: '468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer',
    });
    expect(doc.Statement.find((s) => s.Sid === 'PullImages')?.Resource).toEqual([
      'arn:aws:ecr:eu-west-1:123456789012:repository/*',
    ]);
  });
});
