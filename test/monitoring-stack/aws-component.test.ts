/**
 * The public MonitoringStack on aws watching a ModelEndpoint and an MlPipeline: the two loops wired end to end
 * (the endpoint's rollback alarms act on the stack's topic; drift starts the pipeline through its role).
 */
import { MlPipeline, ModelEndpoint, MonitoringStack, settleUnwatchedEndpoints } from '../../lib';
import { autoName, recordProgram, type Recording } from '../../lib/testing';
import { mockResourceOutputs } from '../../lib/testing/mock-outputs';
import { AWS_PROD, endpointArgs } from '../helpers';
import { pipelineArgs } from '../ml-pipeline/fixtures';

const T = {
  endpoint: 'aws:sagemaker/endpoint:Endpoint',
  alarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
  topic: 'aws:sns/topic:Topic',
  pipeline: 'aws:sagemaker/pipeline:Pipeline',
  rule: 'aws:cloudwatch/eventRule:EventRule',
  target: 'aws:cloudwatch/eventTarget:EventTarget',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  job: 'aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition',
};

let rec: Recording;
beforeAll(async () => {
  rec = await recordProgram(() => {
    const pipeline = new MlPipeline('churn-training', pipelineArgs(AWS_PROD));
    const endpoint = new ModelEndpoint('churn', endpointArgs(AWS_PROD, { capturePercent: 20 }));
    const monitoring = new MonitoringStack('churn-monitoring', {
      platform: AWS_PROD,
      endpoint,
      pipeline,
      notifications: { emails: ['oncall@example.com'] },
      drift: {
        baselineUri: 's3://churn-prod-artifacts/baseline/exec-42/',
        features: ['tenure', 'monthly_charges'],
        retrain: true,
      },
    });
    return { alarmNames: monitoring.alarmNames, notificationTargets: monitoring.notificationTargets };
  });
});

test('the endpoint rolls back on its alarms, and those alarms tell the stack topic', () => {
  const topicArn = rec.one(T.topic).inputs.name as string;
  const endpoint = rec.one(T.endpoint);
  const names = (
    endpoint.inputs.deploymentConfig as { autoRollbackConfiguration: { alarms: { alarmName: string }[] } }
  ).autoRollbackConfiguration.alarms.map((a) => a.alarmName);
  expect(names).toEqual(['churn-prod-rollback-5xx', 'churn-prod-rollback-latency-p99']);
  for (const name of names) {
    const alarm = rec.ofType(T.alarm).find((a) => a.inputs.name === name)!;
    expect(alarm.inputs.alarmActions).toEqual([`arn:aws:sns:eu-west-1:123456789012:${topicArn}`]);
  }
  expect(rec.outputs.alarmNames).toEqual(expect.arrayContaining(names));
  expect(rec.outputs.notificationTargets).toEqual([`arn:aws:sns:eu-west-1:123456789012:${topicArn}`]);
});

test("drift starts the pipeline: the rule's target is the pipeline, with a role allowed only to start it", () => {
  const pipelineArn = `arn:aws:sagemaker:eu-west-1:123456789012:pipeline/${String(
    rec.one(T.pipeline).inputs.pipelineName,
  ).toLowerCase()}`;
  const target = rec.one(T.target);
  expect(target.inputs.arn).toBe(pipelineArn);
  const roleName = String(target.inputs.roleArn).split('/').pop();
  const policies = rec.ofType(T.rolePolicy).filter((p) => p.inputs.role === roleName);
  expect(policies.map((p) => JSON.parse(p.inputs.policy as string).Statement)).toEqual([
    [
      {
        Sid: 'StartRetraining',
        Effect: 'Allow',
        Action: 'sagemaker:StartPipelineExecution',
        Resource: pipelineArn,
      },
    ],
  ]);
  const pattern = JSON.parse(rec.one(T.rule).inputs.eventPattern as string) as {
    detail: { alarmName: string[] };
  };
  expect(pattern.detail.alarmName.every((n) => n.includes('-drift-'))).toBe(true);
  expect(pattern.detail.alarmName).toHaveLength(2);
});

test("the monitor reads the endpoint's own capture, decrypted with the endpoint's key", () => {
  const job = rec.one(T.job).inputs as {
    dataQualityJobInput: { endpointInput: { endpointName: string } };
    dataQualityJobOutputConfig: { kmsKeyId: string; monitoringOutputs: { s3Output: { s3Uri: string } } };
  };
  expect(job.dataQualityJobInput.endpointInput.endpointName).toBe('churn-prod');
  expect(job.dataQualityJobOutputConfig.monitoringOutputs.s3Output.s3Uri).toBe(
    `s3://${autoName('churn-capture')}/monitoring/churn-prod/data-quality`,
  );
  const endpointKey = rec.ofType('aws:kms/key:Key').find((k) => k.name === 'churn-key')!;
  expect(job.dataQualityJobOutputConfig.kmsKeyId).toBe(
    mockResourceOutputs(endpointKey.type, endpointKey.name, endpointKey.inputs).state.arn,
  );
});

describe('an Automation API-style program (no beforeExit) that settles itself', () => {
  test('an unwatched prod endpoint fails with the ValidationError, and nothing is left waiting', async () => {
    const started = Date.now();
    // The program settles like an inline program must; the recorder then waits for every registration, which
    // would never end if the refused rollback alarms still waited for their actions (without `release`).
    await expect(
      recordProgram(() => {
        new ModelEndpoint('churn', endpointArgs(AWS_PROD));
        settleUnwatchedEndpoints({ release: true });
      }),
    ).rejects.toThrow(
      'ModelEndpoint "churn": its rollback alarms would have no action in prod, so nobody would hear that a release was rolled back. Fix: watch it with a MonitoringStack',
    );
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);

  test('a watched endpoint settles to nothing: the program completes', async () => {
    const done = await recordProgram(() => {
      const endpoint = new ModelEndpoint('churn', endpointArgs(AWS_PROD));
      new MonitoringStack('churn-monitoring', {
        platform: AWS_PROD,
        endpoint,
        notifications: { emails: ['oncall@example.com'] },
      });
      settleUnwatchedEndpoints({ release: true });
    });
    expect(done.ofType(T.alarm).filter((a) => String(a.inputs.name).includes('-rollback-'))).toHaveLength(2);
  });
});
