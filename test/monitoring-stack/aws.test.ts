/**
 * The aws MonitoringStack renderer, on hand-built resolved specs: the topic and its key, the alarms and their
 * actions, the endpoint's rollback alarms acting on the same topic, the dashboard, Model Monitor's job and schedule,
 * the drift alarms and the rule that starts the pipeline.
 */
import * as pulumi from '@pulumi/pulumi';
import { ModelEndpoint } from '../../lib';
import { rollbackAlarms } from '../../lib/model-endpoint/aws-blueprint';
import { renderAws } from '../../lib/monitoring-stack/pulumi-aws';
import { recordProgram, type Recording } from '../../lib/testing';
import { AWS_PROD, endpointArgs } from '../helpers';
import {
  ACCOUNT,
  BASELINE,
  CAPTURE_KEY,
  EXISTING_TOPIC,
  PIPELINE_ARN,
  PIPELINE_KEY,
  record,
  spec,
} from './aws-spec';

const T = {
  key: 'aws:kms/key:Key',
  topic: 'aws:sns/topic:Topic',
  topicPolicy: 'aws:sns/topicPolicy:TopicPolicy',
  subscription: 'aws:sns/topicSubscription:TopicSubscription',
  alarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
  dashboard: 'aws:cloudwatch/dashboard:Dashboard',
  role: 'aws:iam/role:Role',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  job: 'aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition',
  schedule: 'aws:sagemaker/monitoringSchedule:MonitoringSchedule',
  rule: 'aws:cloudwatch/eventRule:EventRule',
  target: 'aws:cloudwatch/eventTarget:EventTarget',
  endpoint: 'aws:sagemaker/endpoint:Endpoint',
};

function doc(value: unknown) {
  return JSON.parse(value as string) as { Statement: Record<string, unknown>[] };
}

describe('MonitoringStack on aws, prod, watching an endpoint by name', () => {
  let rec: Recording;
  let topicArn: string;
  beforeAll(async () => {
    rec = await record(spec());
    topicArn = `arn:aws:sns:eu-west-1:${ACCOUNT}:churn-prod-alarms`;
  });

  test('the topic is encrypted with its own key, whose policy lets CloudWatch alarms of this account publish', () => {
    const key = rec.one(T.key);
    const topic = rec.one(T.topic);
    expect(topic.inputs).toMatchObject({ name: 'churn-prod-alarms', displayName: 'churn-prod alarms' });
    expect(topic.inputs.kmsMasterKeyId).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\//);
    expect(key.inputs.enableKeyRotation).toBe(true);
    expect(key.retainOnDelete).toBe(true);
    const statements = doc(key.inputs.policy).Statement;
    expect(statements.find((s) => s.Sid === 'CloudWatchAlarmsPublish')).toEqual({
      Sid: 'CloudWatchAlarmsPublish',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:SourceAccount': ACCOUNT },
        ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:*` },
      },
    });
    expect(doc(rec.one(T.topicPolicy).inputs.policy).Statement).toEqual([
      {
        Sid: 'TlsOnly',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sns:Publish',
        Resource: topicArn,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        // The policy replaces SNS's default one: without this Allow no alarm can publish.
        Sid: 'CloudWatchAlarmsPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: topicArn,
        Condition: {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:*` },
        },
      },
    ]);
  });

  test('two emails and the webhook subscribe; the webhook URL stays a secret', () => {
    const subs = rec.ofType(T.subscription);
    expect(subs.map((s) => [s.name, s.inputs.protocol, s.inputs.topic])).toEqual([
      ['churn-monitor-email-0', 'email', topicArn],
      ['churn-monitor-email-1', 'email', topicArn],
      ['churn-monitor-webhook', 'https', topicArn],
    ]);
    expect(subs.map((s) => s.inputs.endpoint)).toEqual([
      'oncall@example.com',
      'ml-team@example.com',
      'https://hooks.example.com/services/T000/B000/XXXX',
    ]);
  });

  test('every alarm acts on the topic and the existing topic, on ALARM and on OK', () => {
    const alarms = rec.ofType(T.alarm);
    expect(alarms.map((a) => a.inputs.name).sort()).toEqual([
      'churn-prod-client-errors',
      'churn-prod-cpu',
      'churn-prod-drift-monthly_charges',
      'churn-prod-drift-tenure',
      'churn-prod-latency-p99',
      'churn-prod-memory',
      'churn-prod-no-traffic',
      'churn-prod-server-errors',
    ]);
    for (const alarm of alarms) {
      expect(alarm.inputs.alarmActions).toEqual([topicArn, EXISTING_TOPIC]);
      expect(alarm.inputs.okActions).toEqual([topicArn, EXISTING_TOPIC]);
    }
  });

  test('p99 latency is compared in microseconds on the primary variant', () => {
    const alarm = rec.one(T.alarm, 'churn-monitor-latency-p99');
    expect(alarm.inputs).toMatchObject({
      namespace: 'AWS/SageMaker',
      metricName: 'ModelLatency',
      extendedStatistic: 'p99',
      period: 60,
      threshold: 1_000_000,
      comparisonOperator: 'GreaterThanThreshold',
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: 'notBreaching',
    });
    expect(alarm.inputs.statistic).toBeUndefined();
    expect(alarm.inputs.dimensions).toEqual({ EndpointName: 'churn-prod', VariantName: 'primary' });
  });

  test('the server error rate is metric math over 5xx errors and invocations', () => {
    const alarm = rec.one(T.alarm, 'churn-monitor-server-errors');
    const dimensions = { EndpointName: 'churn-prod', VariantName: 'primary' };
    expect(alarm.inputs.metricQueries).toEqual([
      {
        id: 'rate',
        expression: '100 * FILL(errors, 0) / invocations',
        label: 'Server error (5xx) rate (% of requests)',
        returnData: true,
      },
      {
        id: 'errors',
        returnData: false,
        metric: {
          namespace: 'AWS/SageMaker',
          metricName: 'Invocation5XXErrors',
          dimensions,
          period: 60,
          stat: 'Sum',
        },
      },
      {
        id: 'invocations',
        returnData: false,
        metric: {
          namespace: 'AWS/SageMaker',
          metricName: 'Invocations',
          dimensions,
          period: 60,
          stat: 'Sum',
        },
      },
    ]);
    expect(alarm.inputs).toMatchObject({ threshold: 1, comparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(alarm.inputs.metricName).toBeUndefined();
    const client = rec.one(T.alarm, 'churn-monitor-client-errors');
    expect((client.inputs.metricQueries as { metric?: { metricName: string } }[])[1].metric?.metricName).toBe(
      'Invocation4XXErrors',
    );
    expect(client.inputs.threshold).toBe(10);
  });

  test('no request for 15 minutes: fifteen one-minute periods, missing data breaches', () => {
    expect(rec.one(T.alarm, 'churn-monitor-no-traffic').inputs).toMatchObject({
      metricName: 'Invocations',
      statistic: 'Sum',
      period: 60,
      threshold: 1,
      comparisonOperator: 'LessThanThreshold',
      evaluationPeriods: 15,
      datapointsToAlarm: 15,
      treatMissingData: 'breaching',
    });
  });

  test('CPU is summed over the 4 vCPUs (90% is 360), memory is not; no GPU alarm on a CPU size', () => {
    expect(rec.one(T.alarm, 'churn-monitor-cpu').inputs).toMatchObject({
      namespace: '/aws/sagemaker/Endpoints',
      metricName: 'CPUUtilization',
      statistic: 'Average',
      threshold: 360,
    });
    expect(rec.one(T.alarm, 'churn-monitor-memory').inputs).toMatchObject({
      namespace: '/aws/sagemaker/Endpoints',
      metricName: 'MemoryUtilization',
      threshold: 85,
    });
  });

  test('drift alarms read the per-feature distance Model Monitor publishes for this schedule, one run per period', () => {
    const tenure = rec.one(T.alarm, 'churn-monitor-drift-tenure').inputs;
    expect(tenure).toMatchObject({
      namespace: 'aws/sagemaker/Endpoints/data-metrics',
      metricName: 'feature_baseline_drift_tenure',
      statistic: 'Maximum',
      period: 3600,
      threshold: 0.25,
      comparisonOperator: 'GreaterThanThreshold',
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: 'notBreaching',
    });
    expect(tenure.dimensions).toEqual({
      Endpoint: 'churn-prod',
      MonitoringSchedule: 'churn-prod-data-quality',
    });
    expect(rec.one(T.alarm, 'churn-monitor-drift-monthly_charges').inputs.threshold).toBe(0.1);
    expect(rec.one(T.alarm, 'churn-monitor-drift-tenure').dependencies).toContain(rec.one(T.schedule).urn);
  });

  test("the data-quality job reads the capture and the served version's baseline with the analyzer image", () => {
    const job = rec.one(T.job).inputs;
    expect(job.name).toBe('churn-prod-data-quality');
    expect(job.roleArn).toMatch(/^arn:aws:iam::123456789012:role\/churn-monitor-monitor-role/);
    expect(job.dataQualityAppSpecification).toEqual({
      imageUri: '468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer',
      // Without it the analyzer need not publish the metrics the drift alarms read.
      environment: { publish_cloudwatch_metrics: 'Enabled' },
    });
    expect(job.dataQualityBaselineConfig).toEqual({
      constraintsResource: { s3Uri: `${BASELINE}constraints.json` },
      statisticsResource: { s3Uri: `${BASELINE}statistics.json` },
    });
    expect(job.dataQualityJobInput).toEqual({
      endpointInput: {
        endpointName: 'churn-prod',
        localPath: '/opt/ml/processing/input/endpoint',
        s3InputMode: 'File',
        s3DataDistributionType: 'FullyReplicated',
      },
    });
    expect(job.dataQualityJobOutputConfig).toEqual({
      kmsKeyId: CAPTURE_KEY,
      monitoringOutputs: {
        s3Output: {
          s3Uri: 's3://churn-capture-bucket/monitoring/churn-prod/data-quality',
          localPath: '/opt/ml/processing/output',
          s3UploadMode: 'EndOfJob',
        },
      },
    });
    expect(job.jobResources).toEqual({
      clusterConfig: {
        instanceCount: 1,
        instanceType: 'ml.m5.xlarge',
        volumeSizeInGb: 20,
        volumeKmsKeyId: CAPTURE_KEY,
      },
    });
    expect(job.stoppingCondition).toEqual({ maxRuntimeInSeconds: 3600 });
    expect(rec.one(T.job).dependencies).toContain(rec.one(T.rolePolicy, 'churn-monitor-monitor-policy').urn);
  });

  test('the schedule runs the job hourly as a DataQuality monitor (the provider cannot set the analysis window)', () => {
    const schedule = rec.one(T.schedule).inputs;
    expect(schedule.name).toBe('churn-prod-data-quality');
    expect(schedule.monitoringScheduleConfig).toEqual({
      monitoringJobDefinitionName: 'churn-prod-data-quality',
      monitoringType: 'DataQuality',
      scheduleConfig: { scheduleExpression: 'cron(0 * ? * * *)' },
    });
  });

  test('the monitoring role reads capture and baseline, writes reports, and uses the keys through S3 and SageMaker only', () => {
    const policy = doc(rec.one(T.rolePolicy, 'churn-monitor-monitor-policy').inputs.policy).Statement;
    const bySid = Object.fromEntries(policy.map((s) => [s.Sid, s]));
    expect(Object.keys(bySid)).toEqual([
      'ReadCapture',
      'ListCapture',
      'ReadBaseline',
      'WriteReports',
      'UseCaptureKey',
      'EncryptMonitorVolume',
      'DecryptBaseline',
      'WriteMonitorLogs',
      'PublishMonitorMetrics',
    ]);
    expect(bySid.ReadCapture.Resource).toBe('arn:aws:s3:::churn-capture-bucket/capture/churn-prod/*');
    expect(bySid.ReadBaseline.Resource).toEqual([
      'arn:aws:s3:::churn-prod-artifacts/baseline/exec-42/constraints.json',
      'arn:aws:s3:::churn-prod-artifacts/baseline/exec-42/statistics.json',
    ]);
    expect(bySid.WriteReports.Resource).toBe('arn:aws:s3:::churn-capture-bucket/monitoring/churn-prod/*');
    expect(bySid.DecryptBaseline).toEqual({
      Sid: 'DecryptBaseline',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:DescribeKey'],
      Resource: PIPELINE_KEY,
      Condition: {
        StringEquals: {
          'kms:ViaService': ['s3.eu-west-1.amazonaws.com', 'sagemaker.eu-west-1.amazonaws.com'],
        },
      },
    });
    // Every spelling of the drift namespace AWS documents, not only the one the alarms read.
    expect(bySid.PublishMonitorMetrics).toEqual({
      Sid: 'PublishMonitorMetrics',
      Effect: 'Allow',
      Action: 'cloudwatch:PutMetricData',
      Resource: '*',
      Condition: {
        StringLike: {
          'cloudwatch:namespace': [
            '/aws/sagemaker/ProcessingJobs',
            'aws/sagemaker/Endpoints/data-metrics',
            '/aws/sagemaker/Endpoint*/data-metric*',
          ],
        },
      },
    });
  });

  test('the drift rule starts the pipeline when a drift alarm enters ALARM, through a role trusted for this rule only', () => {
    const rule = rec.one(T.rule);
    expect(rule.inputs.name).toBe('churn-prod-drift-retrain');
    expect(JSON.parse(rule.inputs.eventPattern as string)).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: {
        alarmName: ['churn-prod-drift-tenure', 'churn-prod-drift-monthly_charges'],
        state: { value: ['ALARM'] },
      },
    });
    const role = rec.one(T.role, 'churn-monitor-retrain-role');
    const target = rec.one(T.target);
    expect(target.inputs.arn).toBe(PIPELINE_ARN);
    expect(target.inputs.rule).toBe('churn-prod-drift-retrain');
    expect(target.inputs.roleArn).toMatch(/^arn:aws:iam::123456789012:role\/churn-monitor-retrain-role/);
    expect(doc(role.inputs.assumeRolePolicy).Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnLike: { 'aws:SourceArn': [`arn:aws:events:eu-west-1:${ACCOUNT}:rule/churn-prod-drift-retrain`] },
        },
      },
    ]);
    expect(doc(rec.one(T.rolePolicy, 'churn-monitor-retrain-policy').inputs.policy).Statement).toEqual([
      {
        Sid: 'StartRetraining',
        Effect: 'Allow',
        Action: 'sagemaker:StartPipelineExecution',
        Resource: PIPELINE_ARN,
      },
    ]);
  });

  test('the dashboard draws every alarm with its threshold', () => {
    const dashboard = rec.one(T.dashboard).inputs;
    expect(dashboard.dashboardName).toBe('churn-prod');
    const body = JSON.parse(dashboard.dashboardBody as string) as {
      widgets: { properties: { title: string; annotations?: { horizontal: { value: number }[] } } }[];
    };
    expect(body.widgets.map((w) => w.properties.title)).toEqual([
      'Invocations and errors (per period)',
      'p99 model latency (microseconds)',
      'Server error (5xx) rate (%)',
      'Client error (4xx) rate (%)',
      'Invocations per minute',
      'CPU use (% summed over 4)',
      'Memory use (%)',
      'Drift of tenure',
      'Drift of monthly_charges',
    ]);
    expect(body.widgets[1].properties.annotations?.horizontal[0].value).toBe(1_000_000);
  });

  test('outputs: alarm names sorted, the console URL, both topics, the schedule', () => {
    expect(rec.outputs).toEqual({
      alarmNames: [
        'churn-prod-client-errors',
        'churn-prod-cpu',
        'churn-prod-drift-monthly_charges',
        'churn-prod-drift-tenure',
        'churn-prod-latency-p99',
        'churn-prod-memory',
        'churn-prod-no-traffic',
        'churn-prod-server-errors',
      ],
      dashboardUrl:
        'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards:name=churn-prod',
      notificationTargets: [topicArn, EXISTING_TOPIC],
      driftCheck: 'churn-prod-data-quality',
    });
  });
});

describe('MonitoringStack on aws: other shapes', () => {
  test('only an existing topic: no key, no topic of its own, the alarms act on that topic', async () => {
    const rec = await record(
      spec({
        drift: undefined,
        dashboard: false,
        notifications: { emails: [], topicArn: EXISTING_TOPIC, channelIds: [] },
      }),
    );
    expect(rec.ofType(T.key)).toEqual([]);
    expect(rec.ofType(T.topic)).toEqual([]);
    expect(rec.ofType(T.job)).toEqual([]);
    expect(rec.ofType(T.dashboard)).toEqual([]);
    for (const alarm of rec.ofType(T.alarm)) expect(alarm.inputs.alarmActions).toEqual([EXISTING_TOPIC]);
    expect(rec.outputs.dashboardUrl).toBe('');
    expect(rec.outputs.driftCheck).toBe('');
  });

  test('dev with nobody to tell: a topic with no subscription, so every alarm still has an action', async () => {
    const rec = await record(spec({ drift: undefined, notifications: { emails: [], channelIds: [] } }));
    expect(rec.ofType(T.subscription)).toEqual([]);
    const topicArn = `arn:aws:sns:eu-west-1:${ACCOUNT}:churn-prod-alarms`;
    for (const alarm of rec.ofType(T.alarm)) expect(alarm.inputs.alarmActions).toEqual([topicArn]);
  });

  test('a GPU size: GPU use is summed over its 4 GPUs (95% is 380); no traffic alarm when off; 0% means any error', async () => {
    const base = spec();
    const rec = await record(
      spec({
        drift: undefined,
        endpoint: { ...base.endpoint, gpu: true, gpus: 4, vcpus: 48 },
        thresholds: { ...base.thresholds, noTrafficMinutes: 0, serverErrorPercent: 0 },
      }),
    );
    expect(rec.one(T.alarm, 'churn-monitor-gpu').inputs).toMatchObject({
      metricName: 'GPUUtilization',
      threshold: 380,
    });
    expect(rec.one(T.alarm, 'churn-monitor-cpu').inputs.threshold).toBe(4320);
    expect(rec.ofType(T.alarm).map((a) => a.inputs.name)).not.toContain('churn-prod-no-traffic');
    expect(rec.one(T.alarm, 'churn-monitor-server-errors').inputs).toMatchObject({
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
    });
  });

  test('drift without retraining: the monitor and its alarms, no rule', async () => {
    const base = spec();
    const rec = await record(spec({ drift: { ...base.drift!, retrain: false } }));
    expect(rec.ofType(T.schedule)).toHaveLength(1);
    expect(rec.ofType(T.rule)).toEqual([]);
    expect(rec.ofType(T.target)).toEqual([]);
  });
});

describe('MonitoringStack on aws watching a ModelEndpoint: the rollback loop', () => {
  let rec: Recording;
  beforeAll(async () => {
    rec = await recordProgram(() => {
      const endpoint = new ModelEndpoint('churn', endpointArgs(AWS_PROD));
      const served = endpoint.spec;
      if (!served.serving) throw new Error('the endpoint serves its version');
      const base = spec({ drift: undefined });
      const parent = new pulumi.ComponentResource('mlops:index:MonitoringStack', 'churn-monitor');
      const rendered = renderAws(
        {
          ...base,
          endpoint: {
            ...base.endpoint,
            isModelEndpoint: true,
            alarmActionsOwner: endpoint,
            rollbackAlarmNames: rollbackAlarms(served).map((a) => a.name),
          },
        },
        parent,
      );
      return { alarmNames: rendered.alarmNames };
    });
  });

  test("the endpoint rolls back on its two alarms, and those alarms act on this stack's topic", () => {
    const endpoint = rec.one(T.endpoint);
    expect(
      (endpoint.inputs.deploymentConfig as { autoRollbackConfiguration: unknown }).autoRollbackConfiguration,
    ).toEqual({
      alarms: [{ alarmName: 'churn-prod-rollback-5xx' }, { alarmName: 'churn-prod-rollback-latency-p99' }],
    });
    const rollback = rec.ofType(T.alarm).filter((a) => String(a.inputs.name).includes('-rollback-'));
    expect(rollback.map((a) => a.inputs.name)).toEqual([
      'churn-prod-rollback-5xx',
      'churn-prod-rollback-latency-p99',
    ]);
    for (const alarm of rollback) {
      expect(alarm.inputs.alarmActions).toEqual([
        `arn:aws:sns:eu-west-1:${ACCOUNT}:churn-prod-alarms`,
        EXISTING_TOPIC,
      ]);
    }
  });

  test('no cycle: the topic does not wait for the endpoint, the rollback alarms wait for the topic', () => {
    const topic = rec.one(T.topic);
    const endpoint = rec.one(T.endpoint);
    expect(topic.dependencies).not.toContain(endpoint.urn);
    const rollback = rec.ofType(T.alarm).find((a) => a.inputs.name === 'churn-prod-rollback-5xx')!;
    expect(rollback.dependencies).toContain(topic.urn);
  });

  test('the stack reports the rollback alarms among its alarms', () => {
    expect(rec.outputs.alarmNames).toEqual(
      expect.arrayContaining([
        'churn-prod-rollback-5xx',
        'churn-prod-rollback-latency-p99',
        'churn-prod-latency-p99',
      ]),
    );
  });
});
