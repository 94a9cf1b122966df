import { MlPipeline } from '../../lib/ml-pipeline/pulumi';
import { recordProgram, type Recording, type RecordedResource } from '../../lib/testing';
import { AWS, EVAL_IMAGE, TRAIN_IMAGE, pipelineArgs } from './fixtures';

const T = {
  bucket: 'aws:s3/bucket:Bucket',
  encryption: 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  lifecycle: 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
  versioning: 'aws:s3/bucketVersioning:BucketVersioning',
  publicAccess: 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  bucketPolicy: 'aws:s3/bucketPolicy:BucketPolicy',
  key: 'aws:kms/key:Key',
  repo: 'aws:ecr/repository:Repository',
  repoLifecycle: 'aws:ecr/lifecyclePolicy:LifecyclePolicy',
  group: 'aws:sagemaker/modelPackageGroup:ModelPackageGroup',
  pipeline: 'aws:sagemaker/pipeline:Pipeline',
  schedule: 'aws:scheduler/schedule:Schedule',
  role: 'aws:iam/role:Role',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
};

type Json = Record<string, any>;

function definition(rec: Recording): Json {
  return JSON.parse(rec.one(T.pipeline).inputs.pipelineDefinition as string);
}
function step(def: Json, name: string): Json {
  const all = [
    ...def.Steps,
    ...def.Steps.flatMap((s: Json) => [...(s.Arguments.IfSteps ?? []), ...(s.Arguments.ElseSteps ?? [])]),
  ];
  const found = all.filter((s: Json) => s.Name === name);
  expect(found).toHaveLength(1);
  return found[0];
}
function policy(rec: Recording, name: string): Json {
  return JSON.parse(rec.one(T.rolePolicy, name).inputs.policy as string);
}
function sid(doc: Json, id: string): Json {
  const found = doc.Statement.find((s: Json) => s.Sid === id);
  expect(found).toBeDefined();
  return found;
}
describe('MlPipeline on aws', () => {
  let rec: Recording;
  let pipeline: MlPipeline;
  const outputs: Record<string, string> = {};
  beforeAll(async () => {
    rec = await recordProgram(async () => {
      pipeline = new MlPipeline(
        'churn',
        pipelineArgs({ ...AWS, stage: 'staging' }, { schedule: 'cron(0 3 * * 1)' }),
      );
      for (const key of [
        'dataBucketName',
        'dataBucketUri',
        'artifactBucketName',
        'artifactBucketUri',
        'containerRegistryUrl',
        'modelRegistry',
        'pipelineName',
        'pipelineId',
        'retrainTrigger',
        'baselineUri',
      ] as const)
        pipeline[key].apply((v) => (outputs[key] = v));
    });
  });

  it('registers one component with the public type token and parents every child to it', () => {
    const component = rec.one('mlops:index:MlPipeline');
    expect(component.name).toBe('churn');
    for (const r of rec.resources.filter((x) => x !== component)) expect(r.parent).toBe(component.urn);
  });

  it('encrypts, versions, blocks and expires both buckets with the pipeline key, and keeps them on delete', () => {
    const buckets = rec.ofType(T.bucket);
    expect(buckets.map((b) => b.name).sort()).toEqual(['churn-access-logs', 'churn-artifacts', 'churn-data']);
    for (const b of buckets) expect(b.retainOnDelete).toBe(true);
    const keyArn = `arn:aws:kms:eu-west-1:123456789012:key/`;
    for (const bucket of ['churn-data', 'churn-artifacts']) {
      const enc = rec.one(T.encryption, `${bucket}-encryption`).inputs as Json;
      expect(enc.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).toBe('aws:kms');
      expect(enc.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId).toMatch(
        new RegExp(`^${keyArn}`),
      );
      expect(
        (rec.one(T.versioning, `${bucket}-versioning`).inputs as Json).versioningConfiguration.status,
      ).toBe('Enabled');
      expect(rec.one(T.publicAccess, `${bucket}-public-access`).inputs).toMatchObject({
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      // Staging keeps replaced versions 90 days.
      const rule = (rec.one(T.lifecycle, `${bucket}-lifecycle`).inputs as Json).rules[0];
      expect(rule.noncurrentVersionExpiration.noncurrentDays).toBe(90);
      const tls = JSON.parse(rec.one(T.bucketPolicy, `${bucket}-policy`).inputs.policy as string)
        .Statement[0];
      expect(tls).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    }
    expect(rec.one(T.key).inputs).toMatchObject({ enableKeyRotation: true, region: 'eu-west-1' });
    expect(rec.one(T.key).retainOnDelete).toBe(true);
  });

  it('makes an immutable, scanned, KMS-encrypted image repository kept on delete, expiring untagged images', () => {
    const repo = rec.one(T.repo);
    expect(repo.retainOnDelete).toBe(true);
    expect(repo.inputs).toMatchObject({
      name: 'churn-staging',
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      region: 'eu-west-1',
    });
    const enc = (repo.inputs as Json).encryptionConfigurations[0];
    expect(enc.encryptionType).toBe('KMS');
    expect(enc.kmsKey).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\//);
    const rule = JSON.parse(rec.one(T.repoLifecycle).inputs.policy as string).rules[0];
    expect(rule.selection).toEqual({
      tagStatus: 'untagged',
      countType: 'sinceImagePushed',
      countUnit: 'days',
      countNumber: 90,
    });
  });

  it('makes the model package group, kept on delete', () => {
    const group = rec.one(T.group);
    expect(group.retainOnDelete).toBe(true);
    expect(group.inputs).toMatchObject({ modelPackageGroupName: 'churn-staging', region: 'eu-west-1' });
  });

  it('defines a baseline, train, evaluate, a gate on the metric, registration and an explicit fail step', () => {
    const def = definition(rec);
    expect(def.Version).toBe('2020-12-01');
    expect(def.Steps.map((s: Json) => [s.Name, s.Type])).toEqual([
      ['DataQualityBaseline', 'QualityCheck'],
      ['Train', 'Training'],
      ['Evaluate', 'Processing'],
      ['QualityGate', 'Condition'],
    ]);
    const gate = step(def, 'QualityGate').Arguments;
    expect(gate.Conditions).toEqual([
      {
        Type: 'GreaterThanOrEqualTo',
        LeftValue: {
          'Std:JsonGet': {
            PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.EvaluationReport' },
            Path: 'metrics.auc.value',
          },
        },
        RightValue: { Get: 'Parameters.QualityThreshold' },
      },
    ]);
    expect(def.Parameters).toContainEqual({ Name: 'QualityThreshold', Type: 'Float', DefaultValue: 0.8 });
    expect(gate.IfSteps.map((s: Json) => [s.Name, s.Type])).toEqual([['RegisterModel', 'RegisterModel']]);
    expect(gate.ElseSteps.map((s: Json) => [s.Name, s.Type])).toEqual([['QualityGateFailed', 'Fail']]);
    // The property file the gate reads is the evaluation's output.
    expect(step(def, 'Evaluate').PropertyFiles).toEqual([
      { PropertyFileName: 'EvaluationReport', OutputName: 'evaluation', FilePath: 'evaluation.json' },
    ]);
  });

  it("computes each run's data-quality baseline with Model Monitor's analyzer, isolated and encrypted like the other jobs", () => {
    const def = definition(rec);
    const train = step(def, 'Train').Arguments;
    const key = train.ResourceConfig.VolumeKmsKeyId;
    expect(key).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\//);
    expect(step(def, 'DataQualityBaseline')).toEqual({
      Name: 'DataQualityBaseline',
      Type: 'QualityCheck',
      Description:
        'Computes the Model Monitor data-quality baseline (statistics.json, constraints.json) of the training rows of the data under InputDataUrl, as the evaluation laid them out for monitoring.',
      // It baselines the monitor dataset the evaluation writes.
      DependsOn: ['Evaluate'],
      CheckType: 'DATA_QUALITY',
      // Retraining that drift starts must not fail on drift; the version keeps its own run's baseline.
      SkipCheck: true,
      RegisterNewBaseline: true,
      Arguments: {
        ProcessingResources: {
          ClusterConfig: {
            InstanceCount: 1,
            InstanceType: 'ml.m5.large',
            VolumeSizeInGB: 30,
            VolumeKmsKeyId: key,
          },
        },
        AppSpecification: {
          ImageUri: '468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer',
        },
        RoleArn: train.RoleArn,
        ProcessingInputs: [
          {
            InputName: 'dataset',
            AppManaged: false,
            S3Input: {
              S3Uri: {
                'Std:Join': {
                  On: '/',
                  Values: [
                    `s3://${outputs.artifactBucketName}/baseline`,
                    { Get: 'Execution.PipelineExecutionId' },
                    'dataset',
                  ],
                },
              },
              LocalPath: '/opt/ml/processing/input/dataset',
              S3DataType: 'S3Prefix',
              S3InputMode: 'File',
              S3DataDistributionType: 'FullyReplicated',
              S3CompressionType: 'None',
            },
          },
        ],
        ProcessingOutputConfig: {
          Outputs: [
            {
              OutputName: 'baseline',
              AppManaged: false,
              S3Output: {
                S3Uri: {
                  'Std:Join': {
                    On: '/',
                    Values: [
                      `s3://${outputs.artifactBucketName}/baseline`,
                      { Get: 'Execution.PipelineExecutionId' },
                    ],
                  },
                },
                LocalPath: '/opt/ml/processing/baseline',
                S3UploadMode: 'EndOfJob',
              },
            },
          ],
          KmsKeyId: key,
        },
        Environment: {
          dataset_format: '{"csv":{"header":true,"output_columns_position":"START"}}',
          dataset_source: '/opt/ml/processing/input/dataset',
          output_path: '/opt/ml/processing/baseline',
          publish_cloudwatch_metrics: 'Disabled',
        },
        NetworkConfig: { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true },
        StoppingCondition: { MaxRuntimeInSeconds: 7200 },
      },
    });
    // The training role runs it: it already reads this data and is the one writer of baseline/.
    expect(train.RoleArn).toMatch(/^arn:aws:iam::123456789012:role\/churn-training-role-/);
    // The evaluation writes no baseline of its own, but the monitor dataset the baseline step reads: the
    // training rows as captured traffic will look (the model's output first, the features in its order).
    const evaluate = step(def, 'Evaluate').Arguments;
    expect(evaluate.ProcessingOutputConfig.Outputs.map((o: Json) => o.OutputName)).toEqual([
      'evaluation',
      'monitordataset',
    ]);
    expect(evaluate.ProcessingOutputConfig.Outputs[1]).toEqual({
      OutputName: 'monitordataset',
      AppManaged: false,
      S3Output: {
        S3Uri: {
          'Std:Join': {
            On: '/',
            Values: [
              `s3://${outputs.artifactBucketName}/baseline`,
              { Get: 'Execution.PipelineExecutionId' },
              'dataset',
            ],
          },
        },
        LocalPath: '/opt/ml/processing/monitor-dataset',
        S3UploadMode: 'EndOfJob',
      },
    });
    expect(evaluate.Environment.MLOPS_MONITOR_DATASET_DIR).toBe('/opt/ml/processing/monitor-dataset');
    expect(evaluate.Environment.MLOPS_BASELINE_DIR).toBeUndefined();
  });

  it("registers the baseline step's files as the version's drift-check baseline, and gates on the baseline", () => {
    const def = definition(rec);
    const register = step(def, 'RegisterModel').Arguments;
    const source = (property: string) => ({
      ContentType: 'application/json',
      S3Uri: { Get: `Steps.DataQualityBaseline.${property}` },
    });
    expect(register.DriftCheckBaselines).toEqual({
      ModelDataQuality: {
        Statistics: source('BaselineUsedForDriftCheckStatistics'),
        Constraints: source('BaselineUsedForDriftCheckConstraints'),
      },
    });
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
                    Values: [
                      `s3://${outputs.artifactBucketName}/evaluations`,
                      { Get: 'Execution.PipelineExecutionId' },
                    ],
                  },
                },
                'evaluation.json',
              ],
            },
          },
        },
      },
      ModelDataQuality: {
        Statistics: source('CalculatedBaselineStatistics'),
        Constraints: source('CalculatedBaselineConstraints'),
      },
    });
    // No version is registered before its baseline exists.
    expect(step(def, 'QualityGate').DependsOn).toEqual(['DataQualityBaseline']);
  });

  it('trains on spot (staging default) with per-execution checkpoints, KMS on output and volume', () => {
    const train = step(definition(rec), 'Train').Arguments;
    const artifacts = outputs.artifactBucketName;
    expect(train.EnableManagedSpotTraining).toBe(true);
    expect(train.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 7200, MaxWaitTimeInSeconds: 14400 });
    expect(train.CheckpointConfig).toEqual({
      S3Uri: {
        'Std:Join': {
          On: '/',
          Values: [`s3://${artifacts}/checkpoints`, { Get: 'Execution.PipelineExecutionId' }],
        },
      },
      LocalPath: '/opt/ml/checkpoints',
    });
    expect(train.AlgorithmSpecification).toEqual({
      TrainingImage: TRAIN_IMAGE,
      TrainingInputMode: 'File',
      ContainerEntrypoint: ['python', 'train.py'],
    });
    expect(train.ResourceConfig).toMatchObject({ InstanceCount: 1, InstanceType: 'ml.m5.xlarge' });
    expect(train.ResourceConfig.VolumeKmsKeyId).toMatch(/^arn:aws:kms:/);
    expect(train.OutputDataConfig).toEqual({
      S3OutputPath: `s3://${artifacts}/models`,
      KmsKeyId: train.ResourceConfig.VolumeKmsKeyId,
    });
    expect(train.HyperParameters).toEqual({ epochs: '10' });
    expect(train.RoleArn).toMatch(/^arn:aws:iam::123456789012:role\/churn-training-role-/);
    expect(train.InputDataConfig[0].DataSource.S3DataSource.S3Uri).toEqual({
      Get: 'Parameters.InputDataUrl',
    });
    expect(definition(rec).Parameters).toContainEqual({
      Name: 'InputDataUrl',
      Type: 'String',
      DefaultValue: `s3://${outputs.dataBucketName}/training/`,
    });
  });

  it('registers with the serving image and the trained model, pending approval in staging', () => {
    const def = definition(rec);
    const register = step(def, 'RegisterModel').Arguments;
    expect(register.ModelPackageGroupName).toBe('churn-staging');
    expect(register.ModelApprovalStatus).toEqual({ Get: 'Parameters.ModelApprovalStatus' });
    expect(def.Parameters).toContainEqual({
      Name: 'ModelApprovalStatus',
      Type: 'String',
      DefaultValue: 'PendingManualApproval',
      EnumValues: ['PendingManualApproval', 'Approved'],
    });
    expect(register.InferenceSpecification.Containers).toEqual([
      { Image: TRAIN_IMAGE, ModelDataUrl: { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' } },
    ]);
    const evaluate = step(def, 'Evaluate').Arguments;
    expect(evaluate.AppSpecification).toEqual({
      ImageUri: EVAL_IMAGE,
      ContainerEntrypoint: ['python', 'evaluate.py'],
    });
    expect(evaluate.ProcessingOutputConfig.KmsKeyId).toMatch(/^arn:aws:kms:/);
  });

  it('runs the pipeline as its own role and waits for the roles, group and buckets', () => {
    const p = rec.one(T.pipeline);
    expect(p.inputs).toMatchObject({
      pipelineName: 'churn-staging',
      pipelineDisplayName: 'churn-staging',
      region: 'eu-west-1',
    });
    const pipelineRole = rec.one(T.role, 'churn-pipeline-role');
    expect(p.inputs.roleArn).toMatch(/^arn:aws:iam::123456789012:role\/churn-pipeline-role-/);
    for (const dep of [
      rec.one(T.rolePolicy, 'churn-pipeline-policy'),
      rec.one(T.rolePolicy, 'churn-training-policy'),
      rec.one(T.group),
      rec.one(T.encryption, 'churn-artifacts-encryption'),
    ])
      expect(p.dependencies).toContain(dep.urn);
    expect(JSON.parse(pipelineRole.inputs.assumeRolePolicy as string).Statement[0].Principal).toEqual({
      Service: 'sagemaker.amazonaws.com',
    });
  });

  it('gives the pipeline role only its jobs, its group, PassRole of the training role, and the reports', () => {
    const doc = policy(rec, 'churn-pipeline-policy');
    expect(doc.Statement.map((s: Json) => s.Sid)).toEqual([
      'RunPipelineJobs',
      'RegisterModelVersions',
      'PassJobRoles',
      'ReadPropertyFiles',
      'UsePipelineKey',
      'GrantJobVolumeEncryption',
    ]);
    expect(sid(doc, 'GrantJobVolumeEncryption').Condition).toEqual({
      Bool: { 'kms:GrantIsForAWSResource': true },
    });
    expect(sid(doc, 'RunPipelineJobs').Resource).toEqual([
      'arn:aws:sagemaker:eu-west-1:123456789012:training-job/pipelines-*',
      'arn:aws:sagemaker:eu-west-1:123456789012:processing-job/pipelines-*',
    ]);
    expect(sid(doc, 'RegisterModelVersions').Resource).toEqual([
      'arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/churn-staging',
      'arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-staging/*',
    ]);
    const pass = sid(doc, 'PassJobRoles');
    expect(pass.Resource).toMatch(/^arn:aws:iam::123456789012:role\/churn-training-role-/);
    expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
    expect(sid(doc, 'ReadPropertyFiles').Resource).toEqual([
      `arn:aws:s3:::${outputs.artifactBucketName}/evaluations/*`,
    ]);
    // The pipeline reads reports and names the key in job requests: no Encrypt, no GenerateDataKey.
    expect(sid(doc, 'UsePipelineKey')).toMatchObject({
      Action: ['kms:Decrypt', 'kms:DescribeKey'],
      Condition: {
        StringEquals: {
          'kms:ViaService': ['s3.eu-west-1.amazonaws.com', 'sagemaker.eu-west-1.amazonaws.com'],
        },
      },
    });
    for (const s of doc.Statement) expect(s.Resource).not.toBe('*');
  });

  it('gives the training role read on its data prefix, writes to its own artifact prefixes and pull on its repositories', () => {
    const doc = policy(rec, 'churn-training-policy');
    expect(sid(doc, 'ReadTrainingData').Resource).toBe(`arn:aws:s3:::${outputs.dataBucketName}/training/*`);
    expect(sid(doc, 'ListTrainingData').Condition).toEqual({ StringLike: { 's3:prefix': 'training/*' } });
    const artifacts = `arn:aws:s3:::${outputs.artifactBucketName}`;
    expect(sid(doc, 'WriteOwnArtifacts').Resource).toEqual([
      `${artifacts}/models/pipelines-*`,
      `${artifacts}/checkpoints/*`,
      `${artifacts}/evaluations/*`,
      `${artifacts}/baseline/*`,
    ]);
    // baseline/*: the baselining step reads the monitor dataset the evaluation wrote there.
    expect(sid(doc, 'ReadArtifacts').Resource).toEqual([
      `${artifacts}/models/*`,
      `${artifacts}/checkpoints/*`,
      `${artifacts}/baseline/*`,
    ]);
    expect(sid(doc, 'ListArtifacts').Condition).toEqual({
      StringLike: { 's3:prefix': ['models/*', 'checkpoints/*', 'baseline/*'] },
    });
    expect(sid(doc, 'PullImages').Resource).toEqual([
      'arn:aws:ecr:eu-west-1:123456789012:repository/churn-eval',
      'arn:aws:ecr:eu-west-1:123456789012:repository/churn-train',
    ]);
    expect(doc.Statement.find((s: Json) => s.Sid === 'ReadApprovedModel')).toBeUndefined();
    const wildcard = doc.Statement.filter((s: Json) => s.Resource === '*').map((s: Json) => s.Sid);
    expect(wildcard).toEqual(['EcrLogin', 'PublishJobMetrics']);
  });

  it('schedules retraining with EventBridge Scheduler, in its own dialect, through a role that may only start it', () => {
    const schedule = rec.one(T.schedule).inputs as Json;
    // Unix `0 3 * * 1` (Monday) is EventBridge `0 3 ? * 2 *`.
    expect(schedule.scheduleExpression).toBe('cron(0 3 ? * 2 *)');
    expect(schedule.scheduleExpressionTimezone).toBe('UTC');
    expect(schedule.flexibleTimeWindow).toEqual({ mode: 'OFF' });
    expect(schedule.target.arn).toBe('arn:aws:sagemaker:eu-west-1:123456789012:pipeline/churn-staging');
    expect(schedule.target.roleArn).toMatch(/^arn:aws:iam::123456789012:role\/churn-scheduler-role-/);
    expect(schedule.target.sagemakerPipelineParameters).toEqual({
      pipelineParameters: [{ name: 'InputDataUrl', value: `s3://${outputs.dataBucketName}/training/` }],
    });
    const doc = policy(rec, 'churn-scheduler-policy');
    expect(doc.Statement).toEqual([
      {
        Sid: 'StartRetraining',
        Effect: 'Allow',
        Action: 'sagemaker:StartPipelineExecution',
        Resource: 'arn:aws:sagemaker:eu-west-1:123456789012:pipeline/churn-staging',
      },
    ]);
    const trust = JSON.parse(rec.one(T.role, 'churn-scheduler-role').inputs.assumeRolePolicy as string)
      .Statement[0];
    expect(trust.Principal).toEqual({ Service: 'scheduler.amazonaws.com' });
    expect(trust.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': '123456789012' },
      ArnLike: { 'aws:SourceArn': ['arn:aws:scheduler:eu-west-1:123456789012:schedule-group/default'] },
    });
  });

  it('puts every regional resource in the platform region', () => {
    for (const r of rec.resources.filter((x) => x.custom && !x.type.startsWith('aws:iam/')))
      expect([r.type, (r as RecordedResource).inputs.region]).toEqual([r.type, 'eu-west-1']);
  });

  it('exposes the same outputs as every cloud', () => {
    expect(outputs).toEqual({
      dataBucketName: expect.stringMatching(/^churn-data-/),
      dataBucketUri: `s3://${outputs.dataBucketName}/training/`,
      artifactBucketName: expect.stringMatching(/^churn-artifacts-/),
      artifactBucketUri: `s3://${outputs.artifactBucketName}/`,
      containerRegistryUrl: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn-staging',
      modelRegistry: 'churn-staging',
      pipelineName: 'churn-staging',
      pipelineId: 'arn:aws:sagemaker:eu-west-1:123456789012:pipeline/churn-staging',
      retrainTrigger: 'arn:aws:sagemaker:eu-west-1:123456789012:pipeline/churn-staging',
      baselineUri: `s3://${outputs.artifactBucketName}/baseline/`,
    });
  });
});
