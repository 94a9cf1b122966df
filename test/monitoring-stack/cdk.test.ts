/**
 * The CDK MonitoringStack: the wiring asserted with exact values (the rollback alarms in the endpoint's rollback
 * configuration act on the topic, every alarm's action is the topic, the drift rule starts the pipeline as a role
 * that may do exactly that), the facts shared with the Pulumi renderer, the endpoint's metric handles, and the
 * errors a user sees.
 */
import { App, Aws, Duration, SecretValue, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  MlPipeline,
  ModelEndpoint,
  MonitoringStack,
  type MlPipelineProps,
  type ModelEndpointProps,
  type MonitoringStackProps,
} from '../../lib/cdk';
import { MonitoringStack as PulumiMonitoringStack, ModelEndpoint as PulumiModelEndpoint } from '../../lib';
import * as blueprint from '../../lib/monitoring-stack/aws-blueprint';
import { recordProgram } from '../../lib/testing';
import { AWS_DEV, AWS_PROD, CDK_TEST_CONTEXT, endpointArgs, thrown } from '../helpers';
import { pipelineArgs } from '../ml-pipeline/fixtures';

const ENV = { account: '123456789012', region: 'eu-west-1' };
const STAGING = { ...AWS_PROD, stage: 'staging' as const };
const FEATURES = ['tenure', 'monthly_charges'];

function newStack(name = 'churn-prod') {
  const app = new App({ context: CDK_TEST_CONTEXT });
  return { app, stack: new Stack(app, name, { env: ENV }) };
}

/** A prod endpoint and its pipeline, watched with drift that retrains. */
function watched(monitoring: Partial<MonitoringStackProps> = {}) {
  const { app, stack } = newStack();
  const pipeline = new MlPipeline(stack, 'churn-training', pipelineArgs(AWS_PROD) as MlPipelineProps);
  const endpoint = new ModelEndpoint(stack, 'churn', endpointArgs(AWS_PROD) as ModelEndpointProps);
  const stackMonitoring = new MonitoringStack(stack, 'churn-monitoring', {
    platform: AWS_PROD,
    endpoint,
    pipeline,
    notifications: { emails: ['ml-oncall@example.com'], webhookUrl: 'https://alerts.example.com/sagemaker' },
    drift: {
      features: FEATURES,
      retrain: true,
      baselineUri: `${pipeline.artifactBucketUri}baseline/exec-1/`,
    },
    ...monitoring,
  });
  return { app, stack, pipeline, endpoint, monitoring: stackMonitoring, template: Template.fromStack(stack) };
}

const HEALTH_ALARMS = [
  'churn-monitoring-prod-client-errors',
  'churn-monitoring-prod-cpu',
  'churn-monitoring-prod-latency-p99',
  'churn-monitoring-prod-memory',
  'churn-monitoring-prod-no-traffic',
  'churn-monitoring-prod-server-errors',
];
const DRIFT_ALARMS = ['churn-monitoring-prod-drift-monthly_charges', 'churn-monitoring-prod-drift-tenure'];
const ROLLBACK_ALARMS = ['churn-prod-rollback-5xx', 'churn-prod-rollback-latency-p99'];

describe('CDK MonitoringStack watching a ModelEndpoint and its MlPipeline', () => {
  const { stack, pipeline, endpoint, monitoring, template } = watched();
  const topicRef = stack.resolve(monitoring.topic!.topicArn);
  const alarms = template.findResources('AWS::CloudWatch::Alarm');
  const byName = Object.fromEntries(Object.values(alarms).map((a) => [a.Properties.AlarmName, a]));

  test('the endpoint rolls back on its two rollback alarms, and each tells the topic', () => {
    expect(topicRef).toEqual({ Ref: stack.getLogicalId(monitoring.topic!.node.defaultChild as never) });
    const [cfnEndpoint] = Object.values(template.findResources('AWS::SageMaker::Endpoint'));
    // Each entry names an alarm by its Ref (an alarm's Ref is its name): follow it to the alarm and its action.
    const named = cfnEndpoint.Properties.DeploymentConfig.AutoRollbackConfiguration.Alarms.map(
      (entry: { AlarmName: { Ref: string } }) => {
        const alarm = alarms[entry.AlarmName.Ref];
        return [alarm.Properties.AlarmName, alarm.Properties.AlarmActions];
      },
    );
    expect(named).toEqual(ROLLBACK_ALARMS.map((name) => [name, [topicRef]]));
    // The endpoint waits for them; the topic does not wait for the endpoint (no cycle).
    expect(cfnEndpoint.DependsOn).toEqual(
      expect.arrayContaining(
        endpoint.rollbackAlarms.map((a) => stack.getLogicalId(a.node.defaultChild as never)),
      ),
    );
  });

  test('every alarm of the stack tells the topic when it fires and when it clears', () => {
    expect(Object.keys(byName).sort()).toEqual(
      [...HEALTH_ALARMS, ...DRIFT_ALARMS, ...ROLLBACK_ALARMS].sort(),
    );
    for (const name of [...HEALTH_ALARMS, ...DRIFT_ALARMS]) {
      expect([name, byName[name].Properties.AlarmActions, byName[name].Properties.OKActions]).toEqual([
        name,
        [topicRef],
        [topicRef],
      ]);
    }
    expect(monitoring.alarmNames).toEqual([...HEALTH_ALARMS, ...DRIFT_ALARMS, ...ROLLBACK_ALARMS].sort());
    expect(monitoring.notificationTargets.map((arn) => stack.resolve(arn))).toEqual([topicRef]);
    expect(monitoring.driftCheck).toBe('churn-monitoring-prod-data-quality');
    expect(monitoring.dashboardUrl).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards:name=churn-monitoring-prod',
    );
  });

  test('latency is alarmed in microseconds and error rates as metric math over the endpoint', () => {
    const endpointName = { 'Fn::GetAtt': [stack.getLogicalId(endpoint.endpoint!), 'EndpointName'] };
    expect(byName['churn-monitoring-prod-latency-p99'].Properties).toMatchObject({
      Namespace: 'AWS/SageMaker',
      MetricName: 'ModelLatency',
      ExtendedStatistic: 'p99',
      Threshold: 1_000_000,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [
        { Name: 'EndpointName', Value: endpointName },
        { Name: 'VariantName', Value: 'primary' },
      ],
    });
    const rate = byName['churn-monitoring-prod-server-errors'].Properties;
    expect([rate.Threshold, rate.ComparisonOperator, rate.Metrics[0].Expression]).toEqual([
      1,
      'GreaterThanOrEqualToThreshold',
      '100 * FILL(errors, 0) / invocations',
    ]);
    expect(
      rate.Metrics.slice(1).map((m: any) => [m.Id, m.MetricStat.Metric.MetricName, m.ReturnData]),
    ).toEqual([
      ['errors', 'Invocation5XXErrors', false],
      ['invocations', 'Invocations', false],
    ]);
  });

  test('the topic is encrypted with its own key, whose policy lets CloudWatch alarms of this account publish', () => {
    const key = stack.resolve(monitoring.key!.keyArn);
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'churn-monitoring-prod-alarms',
      KmsMasterKeyId: key,
    });
    const [cfnKey] = Object.values(template.findResources('AWS::KMS::Key')).filter(
      (k) => k.Properties.Description === 'Encrypts the churn-monitoring-prod alarm notifications.',
    );
    expect(cfnKey.Properties.KeyPolicy).toEqual(
      // Resolved in a stack without an env: the template keeps the pseudo parameters as Refs.
      new Stack().resolve(
        blueprint.topicKeyPolicy({ partition: Aws.PARTITION, region: Aws.REGION, account: Aws.ACCOUNT_ID }),
      ),
    );
    expect(cfnKey.Properties.KeyPolicy.Statement.map((s: any) => s.Sid)).toContain('CloudWatchAlarmsPublish');
    // The topic's one policy replaces SNS's default: TLS only, and CloudWatch alarms of this account may publish.
    const [topicPolicy] = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    expect(topicPolicy.Properties.Topics).toEqual([topicRef]);
    expect(topicPolicy.Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'TlsOnly',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sns:Publish',
        Resource: topicRef,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Sid: 'CloudWatchAlarmsPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: topicRef,
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: {
            'aws:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':cloudwatch:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':alarm:*',
                ],
              ],
            },
          },
        },
      },
    ]);
    expect(
      Object.values(template.findResources('AWS::SNS::Subscription')).map((s) => [
        s.Properties.Protocol,
        s.Properties.Endpoint,
        s.Properties.TopicArn,
      ]),
    ).toEqual([
      ['email', 'ml-oncall@example.com', topicRef],
      ['https', 'https://alerts.example.com/sagemaker', topicRef],
    ]);
  });

  test("drift: Model Monitor checks the endpoint's captured requests against the run's baseline, hourly in prod", () => {
    const role = stack.resolve(monitoring.drift!.role.roleArn);
    template.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
      JobDefinitionName: 'churn-monitoring-prod-data-quality',
      RoleArn: role,
      DataQualityAppSpecification: {
        ImageUri: '468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer',
        Environment: { publish_cloudwatch_metrics: 'Enabled' },
      },
      DataQualityJobInput: {
        EndpointInput: {
          EndpointName: { 'Fn::GetAtt': [stack.getLogicalId(endpoint.endpoint!), 'EndpointName'] },
          LocalPath: '/opt/ml/processing/input/endpoint',
          S3InputMode: 'File',
          S3DataDistributionType: 'FullyReplicated',
        },
      },
      DataQualityBaselineConfig: {
        ConstraintsResource: {
          S3Uri: stack.resolve(`${pipeline.artifactBucketUri}baseline/exec-1/constraints.json`),
        },
        StatisticsResource: {
          S3Uri: stack.resolve(`${pipeline.artifactBucketUri}baseline/exec-1/statistics.json`),
        },
      },
    });
    template.hasResourceProperties('AWS::SageMaker::MonitoringSchedule', {
      MonitoringScheduleName: 'churn-monitoring-prod-data-quality',
      MonitoringScheduleConfig: {
        MonitoringJobDefinitionName: 'churn-monitoring-prod-data-quality',
        MonitoringType: 'DataQuality',
        // Each hourly run reads the hour before it.
        ScheduleConfig: {
          ScheduleExpression: 'cron(0 * ? * * *)',
          DataAnalysisStartTime: '-PT1H',
          DataAnalysisEndTime: '-PT0H',
        },
      },
    });
    // Exactly (hasResourceProperties matches nested objects partially).
    const [job] = Object.values(template.findResources('AWS::SageMaker::DataQualityJobDefinition'));
    expect(job.Properties.DataQualityAppSpecification).toEqual({
      ImageUri: '468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer',
      Environment: { publish_cloudwatch_metrics: 'Enabled' },
    });
    const [schedule] = Object.values(template.findResources('AWS::SageMaker::MonitoringSchedule'));
    expect(schedule.Properties.MonitoringScheduleConfig.ScheduleConfig).toEqual({
      ScheduleExpression: 'cron(0 * ? * * *)',
      DataAnalysisStartTime: '-PT1H',
      DataAnalysisEndTime: '-PT0H',
    });
    expect(byName['churn-monitoring-prod-drift-tenure'].Properties).toMatchObject({
      Namespace: 'aws/sagemaker/Endpoints/data-metrics',
      MetricName: 'feature_baseline_drift_tenure',
      Statistic: 'Maximum',
      Period: 3600,
      Threshold: 0.1,
    });
  });

  test('a daily drift check reads the whole day of captured traffic, not only its last hour', () => {
    const daily = newStack();
    const dailyEndpoint = new ModelEndpoint(
      daily.stack,
      'churn',
      endpointArgs(AWS_PROD) as ModelEndpointProps,
    );
    new MonitoringStack(daily.stack, 'churn-monitoring', {
      platform: AWS_PROD,
      endpoint: dailyEndpoint,
      notifications: { emails: ['ml-oncall@example.com'] },
      drift: { features: FEATURES, schedule: 'daily', baselineUri: 's3://churn-baselines/exec-1/' },
    });
    const [schedule] = Object.values(
      Template.fromStack(daily.stack).findResources('AWS::SageMaker::MonitoringSchedule'),
    );
    expect(schedule.Properties.MonitoringScheduleConfig.ScheduleConfig).toEqual({
      ScheduleExpression: 'cron(0 0 ? * * *)',
      DataAnalysisStartTime: '-PT24H',
      DataAnalysisEndTime: '-PT0H',
    });
  });

  test('the monitoring role may publish into every documented spelling of the drift namespace', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement,
    );
    expect(policies.filter((s: any) => s.Sid === 'PublishMonitorMetrics')).toEqual([
      {
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
      },
    ]);
  });

  test('the drift rule starts the pipeline, as a role allowed exactly StartPipelineExecution on it', () => {
    const pipelineArn = stack.resolve(pipeline.retrainTrigger);
    const roleLogicalId = stack.getLogicalId(monitoring.drift!.retrainRole!.node.defaultChild as never);
    const [rule] = Object.values(template.findResources('AWS::Events::Rule'));
    expect(rule.Properties).toEqual({
      Name: 'churn-monitoring-prod-drift-retrain',
      Description: 'Starts the training pipeline when an input feature of churn-monitoring-prod drifts.',
      State: 'ENABLED',
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: {
          alarmName: ['churn-monitoring-prod-drift-tenure', 'churn-monitoring-prod-drift-monthly_charges'],
          state: { value: ['ALARM'] },
        },
      },
      Targets: [{ Id: 'Target0', Arn: pipelineArn, RoleArn: { 'Fn::GetAtt': [roleLogicalId, 'Arn'] } }],
    });
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      p.Properties.Roles.some((r: unknown) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId })),
    );
    expect(policies.map((p) => p.Properties.PolicyDocument)).toEqual([
      {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'StartRetraining',
            Effect: 'Allow',
            Action: 'sagemaker:StartPipelineExecution',
            Resource: pipelineArn,
          },
        ],
      },
    ]);
    const role = template.findResources('AWS::IAM::Role')[roleLogicalId];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: {
            'aws:SourceArn': [
              {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':events:',
                    { Ref: 'AWS::Region' },
                    ':',
                    { Ref: 'AWS::AccountId' },
                    ':rule/churn-monitoring-prod-drift-retrain',
                  ],
                ],
              },
            ],
          },
        },
      },
    ]);
  });

  test('the dashboard is the blueprint body, one graph per alarm', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboard.Properties.DashboardName).toBe('churn-monitoring-prod');
    // The body is a join of JSON text around the endpoint name (a GetAtt): put the deployed name in.
    const [separator, parts] = dashboard.Properties.DashboardBody['Fn::Join'];
    const endpointName = { 'Fn::GetAtt': [stack.getLogicalId(endpoint.endpoint!), 'EndpointName'] };
    const body = JSON.parse(
      (parts as unknown[])
        .map((part) => {
          if (typeof part === 'string') return part;
          expect(part).toEqual(endpointName);
          return 'churn-prod';
        })
        .join(separator),
    );
    expect(body).toEqual(
      JSON.parse(
        blueprint.dashboardBody(monitoring.spec, { region: 'eu-west-1', endpointName: 'churn-prod' }),
      ),
    );
    expect(body.widgets).toHaveLength(1 + HEALTH_ALARMS.length + DRIFT_ALARMS.length);
  });
});

describe('CDK MonitoringStack and the Pulumi AWS renderer', () => {
  test('deploy the same alarms (names, metrics, thresholds, periods) from the one blueprint', async () => {
    const args = endpointArgs(AWS_PROD);
    const notifications = { emails: ['ml-oncall@example.com'] };
    const drift = { features: FEATURES, baselineUri: 's3://churn-artifacts/baseline/exec-1/' };
    const rec = await recordProgram(() => {
      const endpoint = new PulumiModelEndpoint('churn', args);
      new PulumiMonitoringStack('churn-monitoring', { platform: AWS_PROD, endpoint, notifications, drift });
    });
    const { stack } = newStack();
    const endpoint = new ModelEndpoint(stack, 'churn', args as ModelEndpointProps);
    new MonitoringStack(stack, 'churn-monitoring', { platform: AWS_PROD, endpoint, notifications, drift });
    const summary = (a: Record<string, any>) =>
      [a.name, a.threshold, a.comparison, a.periods, a.datapoints, a.missing, a.metric].join(' ');
    const pulumiAlarms = rec.ofType('aws:cloudwatch/metricAlarm:MetricAlarm').map((a) =>
      summary({
        name: a.inputs.name,
        threshold: a.inputs.threshold,
        comparison: a.inputs.comparisonOperator,
        periods: a.inputs.evaluationPeriods,
        datapoints: a.inputs.datapointsToAlarm,
        missing: a.inputs.treatMissingData,
        metric:
          a.inputs.metricName ??
          (a.inputs.metricQueries as any[]).map((q) => q.expression ?? q.metric.metricName).join('|'),
      }),
    );
    const cdkAlarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map(
      (a) =>
        summary({
          name: a.Properties.AlarmName,
          threshold: a.Properties.Threshold,
          comparison: a.Properties.ComparisonOperator,
          periods: a.Properties.EvaluationPeriods,
          datapoints: a.Properties.DatapointsToAlarm,
          missing: a.Properties.TreatMissingData,
          metric:
            a.Properties.MetricName ??
            a.Properties.Metrics.map((q: any) => q.Expression ?? q.MetricStat.Metric.MetricName).join('|'),
        }),
    );
    expect(cdkAlarms.sort()).toEqual(pulumiAlarms.sort());
    expect(cdkAlarms).toHaveLength(HEALTH_ALARMS.length + DRIFT_ALARMS.length + ROLLBACK_ALARMS.length);
  });
});

describe('CDK MonitoringStack notifications', () => {
  test('an existing topic only: every alarm acts on it, and no topic or key is created', () => {
    const { stack } = newStack();
    const endpoint = new ModelEndpoint(stack, 'churn', endpointArgs(AWS_PROD) as ModelEndpointProps);
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:ml-oncall';
    const monitoring = new MonitoringStack(stack, 'churn-monitoring', {
      platform: AWS_PROD,
      endpoint,
      notifications: { topicArn },
      dashboard: false,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    const actions = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties.AlarmActions,
    );
    expect(actions).toEqual(Array(HEALTH_ALARMS.length + ROLLBACK_ALARMS.length).fill([topicArn]));
    expect([monitoring.topic, monitoring.key, monitoring.dashboardUrl, monitoring.driftCheck]).toEqual([
      undefined,
      undefined,
      '',
      '',
    ]);
    expect(monitoring.notificationTargets).toEqual([topicArn]);
  });

  test('dev without notifications: a topic with no subscription, so every alarm still has an action', () => {
    const { stack } = newStack('churn-dev');
    const endpoint = new ModelEndpoint(
      stack,
      'churn',
      endpointArgs(AWS_DEV, { serverless: false }) as ModelEndpointProps,
    );
    const monitoring = new MonitoringStack(stack, 'churn-monitoring', { platform: AWS_DEV, endpoint });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    const topicRef = stack.resolve(monitoring.topic!.topicArn);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([topicRef]);
    }
  });
});

describe('CDK MonitoringStack webhook secrets', () => {
  test('a webhook from Secrets Manager reaches the subscription as a dynamic reference, never as the URL', () => {
    const { stack } = newStack();
    const endpoint = new ModelEndpoint(stack, 'churn', endpointArgs(AWS_PROD) as ModelEndpointProps);
    new MonitoringStack(stack, 'churn-monitoring', {
      platform: AWS_PROD,
      endpoint,
      notifications: { webhookUrl: SecretValue.secretsManager('churn/alert-webhook').unsafeUnwrap() },
    });
    const subscriptions = Template.fromStack(stack).findResources('AWS::SNS::Subscription');
    expect(Object.values(subscriptions).map((s) => [s.Properties.Protocol, s.Properties.Endpoint])).toEqual([
      ['https', '{{resolve:secretsmanager:churn/alert-webhook:SecretString:::}}'],
    ]);
  });

  test('a webhook carrying a token is refused as a plain string', () => {
    const { stack } = newStack();
    const endpoint = new ModelEndpoint(stack, 'churn', endpointArgs(AWS_PROD) as ModelEndpointProps);
    const error = thrown(
      () =>
        new MonitoringStack(stack, 'churn-monitoring', {
          platform: AWS_PROD,
          endpoint,
          notifications: { webhookUrl: 'https://alerts.example.com/hook?token=abc' },
        }),
    );
    expect(error.message).toMatch(
      /^MonitoringStack "churn-monitoring" has 1 problem in its arguments:\n {2}- notifications\.webhookUrl: carries a credential /,
    );
    // Nothing was created before the error.
    expect(stack.node.tryFindChild('churn-monitoring')?.node.children ?? []).toEqual([]);
  });
});

describe('CDK rollback alarms without a MonitoringStack', () => {
  test('fail synth in staging and prod, naming the endpoint, the alarms and the fix', () => {
    const { app, stack } = newStack('churn-staging');
    new ModelEndpoint(stack, 'churn', endpointArgs(STAGING) as ModelEndpointProps);
    expect(thrown(() => app.synth()).message).toBe(
      'Validation failed with the following errors:\n' +
        '  [churn-staging/churn] ModelEndpoint "churn": its rollback alarms (churn-staging-rollback-5xx, ' +
        'churn-staging-rollback-latency-p99) have no action, and alarms in staging must tell someone. Fix: watch ' +
        'the endpoint with a MonitoringStack (new MonitoringStack(scope, id, { endpoint, notifications: { emails: ' +
        '[...] } }) adds its topic to them), or set rollout.autoRollback false.',
    );
  });

  test('are allowed in dev, and with autoRollback off there is nothing to act on', () => {
    const dev = newStack('churn-dev');
    new ModelEndpoint(dev.stack, 'churn', endpointArgs(AWS_DEV, { serverless: false }) as ModelEndpointProps);
    expect(() => dev.app.synth()).not.toThrow();
    const prod = newStack();
    const endpoint = new ModelEndpoint(
      prod.stack,
      'churn',
      endpointArgs(AWS_PROD, { rollout: { autoRollback: false } }) as ModelEndpointProps,
    );
    expect(endpoint.rollbackAlarms).toEqual([]);
    expect(() => prod.app.synth()).not.toThrow();
  });

  test("drift in a stack whose region is known only at deploy time: CloudFormation maps the region to the analyzer's account", () => {
    const app = new App({ context: CDK_TEST_CONTEXT });
    const stack = new Stack(app, 'churn-prod');
    const platform = { cloud: 'aws' as const, stage: 'prod' as const };
    const endpoint = new ModelEndpoint(stack, 'churn', endpointArgs(platform) as ModelEndpointProps);
    new MonitoringStack(stack, 'churn-monitoring', {
      platform,
      endpoint,
      notifications: { emails: ['ml-oncall@example.com'] },
      drift: { features: FEATURES, baselineUri: 's3://churn-artifacts/baseline/exec-1/' },
    });
    const template = Template.fromStack(stack).toJSON();
    expect(template.Mappings.ModelMonitorAnalyzerAccounts['eu-west-1']).toEqual({ account: '468650794304' });
    const [job] = Object.values(template.Resources as Record<string, any>).filter(
      (r) => r.Type === 'AWS::SageMaker::DataQualityJobDefinition',
    );
    expect(job.Properties.DataQualityAppSpecification.ImageUri).toEqual({
      'Fn::Join': [
        '',
        [
          { 'Fn::FindInMap': ['ModelMonitorAnalyzerAccounts', { Ref: 'AWS::Region' }, 'account'] },
          '.dkr.ecr.',
          { Ref: 'AWS::Region' },
          '.',
          { Ref: 'AWS::URLSuffix' },
          '/sagemaker-model-monitor-analyzer',
        ],
      ],
    });
  });

  test('a second MonitoringStack on the same endpoint is refused', () => {
    const { stack } = newStack();
    const endpoint = new ModelEndpoint(stack, 'churn', endpointArgs(AWS_PROD) as ModelEndpointProps);
    const notifications = { emails: ['ml-oncall@example.com'] };
    new MonitoringStack(stack, 'churn-monitoring', { platform: AWS_PROD, endpoint, notifications });
    expect(
      thrown(() => new MonitoringStack(stack, 'second', { platform: AWS_PROD, endpoint, notifications }))
        .message,
    ).toBe(
      'MonitoringStack "second" has 1 problem in its arguments:\n' +
        '  - endpoint: ModelEndpoint "churn" is already watched by the MonitoringStack at churn-prod/churn-monitoring, ' +
        'which gives its rollback alarms their actions. Fix: watch each endpoint with one MonitoringStack, and give ' +
        'that one every recipient (notifications.emails, webhookUrl, topicArn).',
    );
  });
});

describe('CDK ModelEndpoint metric handles', () => {
  const { stack } = newStack();
  const endpoint = new ModelEndpoint(stack, 'churn', endpointArgs(AWS_PROD) as ModelEndpointProps);

  test.each([
    ['metricLatency', 'AWS/SageMaker', 'ModelLatency', 'p99'],
    ['metricInvocations', 'AWS/SageMaker', 'Invocations', 'Sum'],
    ['metricServerErrors', 'AWS/SageMaker', 'Invocation5XXErrors', 'Sum'],
    ['metricClientErrors', 'AWS/SageMaker', 'Invocation4XXErrors', 'Sum'],
    ['metricCpuUtilization', '/aws/sagemaker/Endpoints', 'CPUUtilization', 'Average'],
    ['metricMemoryUtilization', '/aws/sagemaker/Endpoints', 'MemoryUtilization', 'Average'],
    ['metricGpuUtilization', '/aws/sagemaker/Endpoints', 'GPUUtilization', 'Average'],
  ] as const)(
    '%s reads %s %s (%s, 60 s) of the primary variant',
    (handle, namespace, metricName, statistic) => {
      const metric = endpoint[handle]();
      expect([
        metric.namespace,
        metric.metricName,
        metric.statistic,
        metric.period.toSeconds(),
        metric.dimensions,
      ]).toEqual([
        namespace,
        metricName,
        statistic,
        60,
        { EndpointName: 'churn-prod', VariantName: 'primary' },
      ]);
    },
  );

  test('options choose the variant and override the period and statistic', () => {
    const metric = endpoint.metricLatency({
      variantName: 'b',
      statistic: 'p50',
      period: Duration.minutes(5),
    });
    expect([metric.statistic, metric.period.toSeconds(), metric.dimensions]).toEqual([
      'p50',
      300,
      { EndpointName: 'churn-prod', VariantName: 'b' },
    ]);
  });
});
