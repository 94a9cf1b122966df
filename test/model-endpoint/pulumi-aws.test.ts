import { ModelEndpoint } from '../../lib';
import { autoName, recordProgram, type Recording } from '../../lib/testing';
import { AWS_DEV, AWS_PROD, ECR_IMAGE, endpointArgs } from '../helpers';
import { attachAlarmActions } from '../../lib/model-endpoint/alarm-actions';
import { OPS_TOPIC_ARN, watched } from '../support/watch';

const T = {
  endpoint: 'aws:sagemaker/endpoint:Endpoint',
  config: 'aws:sagemaker/endpointConfiguration:EndpointConfiguration',
  model: 'aws:sagemaker/model:Model',
  alarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  bucket: 'aws:s3/bucket:Bucket',
  encryption: 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  key: 'aws:kms/key:Key',
  target: 'aws:appautoscaling/target:Target',
  policy: 'aws:appautoscaling/policy:Policy',
};

describe('ModelEndpoint on aws, prod', () => {
  let rec: Recording;
  beforeAll(async () => {
    rec = await recordProgram(() =>
      watched(new ModelEndpoint('churn', endpointArgs(AWS_PROD, { invokers: ['churn-api'] }))),
    );
  });

  test('the endpoint has a fixed name and a canary blue/green update with rollback on both alarms', () => {
    const endpoint = rec.one(T.endpoint);
    expect(endpoint.inputs.name).toBe('churn-prod');
    expect(endpoint.inputs.deploymentConfig).toEqual({
      blueGreenUpdatePolicy: {
        trafficRoutingConfiguration: {
          type: 'CANARY',
          canarySize: { type: 'CAPACITY_PERCENT', value: 10 },
          waitIntervalInSeconds: 600,
        },
        terminationWaitInSeconds: 600,
        maximumExecutionTimeoutInSeconds: 3600,
      },
      autoRollbackConfiguration: {
        alarms: [{ alarmName: 'churn-prod-rollback-5xx' }, { alarmName: 'churn-prod-rollback-latency-p99' }],
      },
    });
  });

  test('rollback alarms watch only the new fleet, and the endpoint waits for them', () => {
    const config = rec.one(T.config);
    const alarms = rec.ofType(T.alarm);
    expect(alarms.map((a) => a.inputs.name)).toEqual([
      'churn-prod-rollback-5xx',
      'churn-prod-rollback-latency-p99',
    ]);
    const latency = alarms[1].inputs;
    expect(latency).toMatchObject({
      namespace: 'AWS/SageMaker',
      metricName: 'ModelLatency',
      extendedStatistic: 'p99',
      threshold: 1_000_000,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
    });
    expect(latency.dimensions).toEqual({
      EndpointName: 'churn-prod',
      VariantName: 'primary',
      EndpointConfigName: autoName('churn-config'),
    });
    expect(alarms[0].inputs).toMatchObject({
      metricName: 'Invocation5XXErrors',
      statistic: 'Sum',
      threshold: 0,
    });
    expect(rec.one(T.endpoint).dependencies).toEqual(expect.arrayContaining(alarms.map((a) => a.urn)));
    for (const alarm of alarms) expect(alarm.dependencies).toContain(config.urn);
  });

  test("the rollback alarms act on the watching stack's topic, with no OK action (each release would report OK)", () => {
    for (const alarm of rec.ofType(T.alarm)) {
      expect(alarm.inputs.alarmActions).toEqual([OPS_TOPIC_ARN]);
      expect(alarm.inputs.okActions).toBeUndefined();
    }
  });

  test('the configuration keeps old versions, encrypts volumes and captures 10% to the KMS bucket', () => {
    const config = rec.one(T.config);
    const key = rec.one(T.key);
    expect(config.retainOnDelete).toBe(true);
    expect(config.inputs.kmsKeyArn).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\//);
    expect(config.inputs.productionVariants).toEqual([
      {
        variantName: 'primary',
        modelName: expect.stringMatching(/^churn-primary-model-/),
        initialVariantWeight: 100,
        instanceType: 'ml.m5.xlarge',
        initialInstanceCount: 2,
      },
    ]);
    const capture = config.inputs.dataCaptureConfig as Record<string, unknown>;
    expect(capture).toMatchObject({
      enableCapture: true,
      initialSamplingPercentage: 10,
      kmsKeyId: config.inputs.kmsKeyArn,
      captureOptions: [{ captureMode: 'Input' }, { captureMode: 'Output' }],
    });
    expect(capture.destinationS3Uri).toMatch(/^s3:\/\/churn-capture-[0-9a-f]{7}\/capture\/churn-prod$/);
    expect(key.inputs).toMatchObject({ enableKeyRotation: true, region: 'eu-west-1' });
    expect(JSON.parse(key.inputs.policy as string).Statement).toEqual([
      {
        Sid: 'AccountAdministersKeyThroughIam',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::123456789012:root' },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'GrantsOnlyForAwsServices',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      },
    ]);
    expect(key.retainOnDelete).toBe(true);
  });

  test('the capture bucket is encrypted with the key, versioned, private, TLS-only and kept', () => {
    const capture = rec.one(T.bucket, 'churn-capture');
    expect(capture.retainOnDelete).toBe(true);
    const encryption = rec.one(T.encryption, 'churn-capture-encryption').inputs as {
      rules: { applyServerSideEncryptionByDefault: Record<string, string> }[];
    };
    expect(encryption.rules[0].applyServerSideEncryptionByDefault).toEqual({
      sseAlgorithm: 'aws:kms',
      kmsMasterKeyId: rec.one(T.config).inputs.kmsKeyArn,
    });
    expect(
      rec.one('aws:s3/bucketVersioning:BucketVersioning', 'churn-capture-versioning').inputs
        .versioningConfiguration,
    ).toEqual({
      status: 'Enabled',
    });
    expect(
      rec.one('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', 'churn-capture-public-access').inputs,
    ).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const policy = JSON.parse(
      rec.one('aws:s3/bucketPolicy:BucketPolicy', 'churn-capture-policy').inputs.policy as string,
    );
    expect(policy.Statement[0]).toMatchObject({
      Effect: 'Deny',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  });

  test('only S3 logging of the capture bucket may write into the access-log bucket, under its prefix', () => {
    const policy = JSON.parse(
      rec.one('aws:s3/bucketPolicy:BucketPolicy', 'churn-access-logs-policy').inputs.policy as string,
    );
    const capture = rec.one('aws:s3/bucket:Bucket', 'churn-capture').inputs.bucket as string | undefined;
    expect(policy.Statement[1]).toEqual({
      Effect: 'Allow',
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: expect.stringMatching(/^arn:aws:s3:::churn-access-logs-[0-9a-f]{7}\/churn-capture\/\*$/),
      Condition: {
        ArnLike: { 'aws:SourceArn': `arn:aws:s3:::${capture ?? autoName('churn-capture')}` },
        StringEquals: { 'aws:SourceAccount': '123456789012' },
      },
    });
  });

  test('the execution role may pull its image, read its artifact, write capture and read its alarms, nothing more', () => {
    const doc = JSON.parse(rec.one(T.rolePolicy, 'churn-execution-policy').inputs.policy as string);
    const bySid = Object.fromEntries(doc.Statement.map((s: { Sid: string }) => [s.Sid, s]));
    expect(Object.keys(bySid)).toEqual([
      'EcrLogin',
      'PullServingImages',
      'ReadModelArtifacts',
      'UseEndpointKey',
      'WriteRequestCapture',
      'WriteEndpointLogs',
      'PublishEndpointMetrics',
      'ReadRollbackAlarms',
    ]);
    expect(bySid.PullServingImages.Resource).toEqual([
      'arn:aws:ecr:eu-west-1:123456789012:repository/churn-serving',
    ]);
    expect(bySid.ReadModelArtifacts.Resource).toEqual([
      'arn:aws:s3:::churn-artifacts/models/churn/v3/model.tar.gz',
    ]);
    expect(bySid.ReadRollbackAlarms.Resource).toEqual([
      'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:churn-prod-rollback-5xx',
      'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:churn-prod-rollback-latency-p99',
    ]);
    expect(bySid.WriteRequestCapture.Resource).toMatch(
      /^arn:aws:s3:::churn-capture-[0-9a-f]{7}\/capture\/churn-prod\/\*$/,
    );
  });

  test('the model waits for its role policy and runs network-isolated', () => {
    const model = rec.one(T.model);
    expect(model.dependencies).toContain(rec.one(T.rolePolicy, 'churn-execution-policy').urn);
    expect(model.inputs).toMatchObject({
      enableNetworkIsolation: true,
      primaryContainer: {
        image: ECR_IMAGE,
        modelDataUrl: 's3://churn-artifacts/models/churn/v3/model.tar.gz',
      },
    });
    expect(model.inputs.name).toBeUndefined();
  });

  test('autoscaling tracks 600 invocations per instance-minute between 2 and 10 instances', () => {
    expect(rec.one(T.target).inputs).toMatchObject({
      resourceId: 'endpoint/churn-prod/variant/primary',
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      minCapacity: 2,
      maxCapacity: 10,
    });
    expect(rec.one(T.policy).inputs.targetTrackingScalingPolicyConfiguration).toEqual({
      predefinedMetricSpecification: { predefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
      targetValue: 600,
      scaleInCooldown: 300,
      scaleOutCooldown: 60,
    });
  });

  test('each invoker role may invoke this endpoint only', () => {
    const invoke = rec.one(T.rolePolicy, 'churn-invoke-churn-api');
    expect(invoke.inputs.role).toBe('churn-api');
    expect(JSON.parse(invoke.inputs.policy as string).Statement).toEqual([
      {
        Sid: 'InvokeModelEndpoint',
        Effect: 'Allow',
        Action: 'sagemaker:InvokeEndpoint',
        Resource: 'arn:aws:sagemaker:eu-west-1:123456789012:endpoint/churn-prod',
      },
    ]);
  });

  test('every child carries the region and stage tags', () => {
    for (const r of rec.resources.filter((x) => x.custom && !x.type.startsWith('aws:iam/'))) {
      expect([r.name, r.inputs.region]).toEqual([r.name, 'eu-west-1']);
    }
    expect(rec.one(T.endpoint).inputs.tags).toEqual({
      'mlops-stage': 'prod',
      'mlops-construct': 'modelendpoint',
    });
  });
});

describe('ModelEndpoint on aws, dev', () => {
  test('is serverless with no capture, no alarms, no autoscaling, and no volume key', async () => {
    const rec = await recordProgram(() => new ModelEndpoint('churn', endpointArgs(AWS_DEV)));
    const config = rec.one(T.config);
    expect(config.inputs.productionVariants).toEqual([
      {
        variantName: 'primary',
        modelName: expect.any(String),
        initialVariantWeight: 100,
        serverlessConfig: { memorySizeInMb: 2048, maxConcurrency: 20 },
      },
    ]);
    expect(config.inputs.kmsKeyArn).toBeUndefined();
    expect(config.inputs.dataCaptureConfig).toBeUndefined();
    expect(rec.ofType(T.alarm)).toEqual([]);
    expect(rec.ofType(T.target)).toEqual([]);
    expect(rec.ofType(T.bucket)).toEqual([]);
    expect(rec.one(T.model).inputs.enableNetworkIsolation).toBe(false);
    expect(rec.one(T.endpoint).inputs.deploymentConfig).toEqual({
      blueGreenUpdatePolicy: {
        trafficRoutingConfiguration: { type: 'ALL_AT_ONCE', waitIntervalInSeconds: 0 },
        terminationWaitInSeconds: 0,
        maximumExecutionTimeoutInSeconds: 1800,
      },
    });
  });

  test('a GPU instance gets no volume key (local NVMe) and an A/B challenger gets its own variant', async () => {
    const rec = await recordProgram(() =>
      watched(
        new ModelEndpoint(
          'churn',
          endpointArgs(AWS_PROD, {
            size: 'gpu-small',
            challengers: [{ name: 'b', image: ECR_IMAGE, trafficPercent: 20 }],
          }),
        ),
      ),
    );
    const config = rec.one(T.config);
    expect(config.inputs.kmsKeyArn).toBeUndefined();
    expect(
      (
        config.inputs.productionVariants as {
          variantName: string;
          initialVariantWeight: number;
          instanceType: string;
        }[]
      ).map((v) => [v.variantName, v.initialVariantWeight, v.instanceType]),
    ).toEqual([
      ['primary', 80, 'ml.g5.xlarge'],
      ['b', 20, 'ml.g5.xlarge'],
    ]);
    expect(
      rec
        .ofType(T.model)
        .map((m) => m.name)
        .sort(),
    ).toEqual(['churn-b-model', 'churn-primary-model']);
  });

  test('bad arguments register nothing, not even the component', async () => {
    const rec = await recordProgram(() => {
      expect(() => new ModelEndpoint('churn', endpointArgs(AWS_PROD, { minInstances: 0 }))).toThrow(
        'minInstances',
      );
    });
    expect(rec.resources).toEqual([]);
  });
});

describe('ModelEndpoint on aws: rollback alarms nobody watches', () => {
  test('in prod the program fails, naming the endpoint and the two fixes', async () => {
    await expect(recordProgram(() => new ModelEndpoint('churn', endpointArgs(AWS_PROD)))).rejects.toThrow(
      'ModelEndpoint "churn": its rollback alarms would have no action in prod, so nobody would hear that a release was rolled back. Fix: watch it with a MonitoringStack',
    );
  });

  test('in staging too, every unwatched endpoint listed at once', async () => {
    const staging = { ...AWS_PROD, stage: 'staging' as const };
    const error = await recordProgram(() => {
      new ModelEndpoint('churn', endpointArgs(staging));
      new ModelEndpoint('fraud', endpointArgs(staging));
    }).then(
      () => undefined,
      (e: unknown) => e as { problems: { path: string; message: string }[] },
    );
    expect(error?.problems.map((p) => [p.path, p.message.split(':')[0]])).toEqual([
      ['rollout.autoRollback', 'ModelEndpoint "churn"'],
      ['rollout.autoRollback', 'ModelEndpoint "fraud"'],
    ]);
  });

  test('in dev they settle to no action', async () => {
    const rec = await recordProgram(
      () =>
        new ModelEndpoint(
          'churn',
          endpointArgs(AWS_DEV, { serverless: false, rollout: { autoRollback: true } }),
        ),
    );
    const alarms = rec.ofType(T.alarm);
    expect(alarms.map((a) => a.inputs.name)).toEqual([
      'churn-dev-rollback-5xx',
      'churn-dev-rollback-latency-p99',
    ]);
    for (const alarm of alarms) expect(alarm.inputs.alarmActions).toEqual([]);
  });

  test('a second watcher is refused: the alarms have one set of actions', async () => {
    await expect(
      recordProgram(() => {
        const endpoint = watched(new ModelEndpoint('churn', endpointArgs(AWS_PROD)));
        attachAlarmActions(endpoint, ['arn:aws:sns:eu-west-1:123456789012:other'], {
          construct: 'MonitoringStack',
          name: 'second',
        });
      }),
    ).rejects.toThrow(
      'MonitoringStack "second" has 1 problem in its arguments:\n  - endpoint: ModelEndpoint "churn" is already watched by MonitoringStack "test-watch"',
    );
  });

  test('an endpoint without rollback alarms takes no actions', async () => {
    let attached: boolean | undefined;
    await recordProgram(() => {
      attached = attachAlarmActions(new ModelEndpoint('churn', endpointArgs(AWS_DEV)), ['arn:x'], {
        construct: 'MonitoringStack',
        name: 'm',
      });
    });
    expect(attached).toBe(false);
  });
});
