/**
 * IAM simulation of the aws MonitoringStack's roles (Pulumi): the retrain role EventBridge assumes may start exactly
 * its pipeline, and the Model Monitor role may read its endpoint's capture and the served version's baseline, write
 * its reports, and nothing near them.
 */
import { keyPolicy } from '../../lib/blocks/aws-storage';
import type { Recording } from '../../lib/testing';
import { ACCOUNT, CAPTURE_KEY, PIPELINE_ARN, PIPELINE_KEY, record, spec } from '../monitoring-stack/aws-spec';
import { REGION, verdicts, via, type Call, type IamWorld } from './support/simulate';
import { pulumiWorld } from './support/worlds';

const RULE_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:rule/churn-prod-drift-retrain`;
const CAPTURE = 'arn:aws:s3:::churn-capture-bucket';

let rec: Recording;
let world: IamWorld;
beforeAll(async () => {
  rec = await record(spec());
  const recorded = pulumiWorld(rec, {
    retrain: 'churn-monitor-retrain-role',
    monitor: 'churn-monitor-monitor-role',
  });
  // The capture and pipeline keys belong to the endpoint and the pipeline: they carry the policy every key of these
  // constructs has (the account decides through IAM).
  const own = keyPolicy({ partition: 'aws', account: ACCOUNT });
  world = { ...recorded, keyPolicies: { ...recorded.keyPolicies, [CAPTURE_KEY]: own, [PIPELINE_KEY]: own } };
});

describe('the retrain role', () => {
  test('EventBridge may assume it for this rule of this account only', async () => {
    const assume = (
      why: string,
      sourceArn: string,
      sourceAccount = ACCOUNT,
      service = 'events.amazonaws.com',
    ) => ({
      why,
      role: 'retrain',
      service,
      sourceArn,
      sourceAccount,
    });
    expect(
      await verdicts(world, [
        assume('the drift rule', RULE_ARN),
        assume('another rule', `arn:aws:events:${REGION}:${ACCOUNT}:rule/someone-else`),
        assume(
          'the same rule name in another account',
          `arn:aws:events:${REGION}:210987654321:rule/churn-prod-drift-retrain`,
          '210987654321',
        ),
        assume('SageMaker', RULE_ARN, ACCOUNT, 'sagemaker.amazonaws.com'),
      ]),
    ).toEqual([
      ['the drift rule', 'Allowed'],
      ['another rule', 'ImplicitlyDenied'],
      ['the same rule name in another account', 'ImplicitlyDenied'],
      ['SageMaker', 'ImplicitlyDenied'],
    ]);
  });

  test('it may start exactly this pipeline, and do nothing else with it', async () => {
    const call = (why: string, action: string, resource: string): Call => ({
      why,
      role: 'retrain',
      action,
      resource,
    });
    expect(
      await verdicts(world, [
        call('start the pipeline', 'sagemaker:StartPipelineExecution', PIPELINE_ARN),
        call(
          'start another pipeline',
          'sagemaker:StartPipelineExecution',
          `arn:aws:sagemaker:${REGION}:${ACCOUNT}:pipeline/fraud-prod`,
        ),
        call('stop an execution', 'sagemaker:StopPipelineExecution', `${PIPELINE_ARN}/execution/abc123`),
        call('change the pipeline', 'sagemaker:UpdatePipeline', PIPELINE_ARN),
        call('delete the pipeline', 'sagemaker:DeletePipeline', PIPELINE_ARN),
      ]),
    ).toEqual([
      ['start the pipeline', 'Allowed'],
      ['start another pipeline', 'ImplicitlyDenied'],
      ['stop an execution', 'ImplicitlyDenied'],
      ['change the pipeline', 'ImplicitlyDenied'],
      ['delete the pipeline', 'ImplicitlyDenied'],
    ]);
  });
});

describe('the Model Monitor role', () => {
  const call = (
    why: string,
    action: string,
    resource: string,
    context?: Record<string, string | string[]>,
  ): Call => ({
    why,
    role: 'monitor',
    action,
    resource,
    context,
  });

  test('SageMaker may assume it for this account and region only', async () => {
    const assume = (why: string, sourceArn: string, sourceAccount = ACCOUNT) => ({
      why,
      role: 'monitor',
      service: 'sagemaker.amazonaws.com',
      sourceArn,
      sourceAccount,
    });
    expect(
      await verdicts(world, [
        assume(
          'a monitoring run',
          `arn:aws:sagemaker:${REGION}:${ACCOUNT}:processing-job/model-monitoring-202612020400`,
        ),
        assume(
          'another account',
          `arn:aws:sagemaker:${REGION}:210987654321:processing-job/x`,
          '210987654321',
        ),
      ]),
    ).toEqual([
      ['a monitoring run', 'Allowed'],
      ['another account', 'ImplicitlyDenied'],
    ]);
  });

  test('every call of a monitoring run is allowed', async () => {
    const requests = [
      call('list the capture', 's3:ListBucket', CAPTURE, {
        's3:prefix': 'capture/churn-prod/primary/2026/12/02/04/',
      }),
      call(
        'read a captured file',
        's3:GetObject',
        `${CAPTURE}/capture/churn-prod/primary/2026/12/02/04/data.jsonl`,
      ),
      call(
        'read the baseline statistics',
        's3:GetObject',
        `arn:aws:s3:::churn-prod-artifacts/baseline/exec-42/statistics.json`,
      ),
      call(
        'read the baseline constraints',
        's3:GetObject',
        `arn:aws:s3:::churn-prod-artifacts/baseline/exec-42/constraints.json`,
      ),
      call(
        'write a report',
        's3:PutObject',
        `${CAPTURE}/monitoring/churn-prod/data-quality/2026/12/02/04/constraint_violations.json`,
      ),
      call('decrypt the capture through S3', 'kms:Decrypt', CAPTURE_KEY, via('s3')),
      call('encrypt a report through S3', 'kms:GenerateDataKey', CAPTURE_KEY, via('s3')),
      call('decrypt the baseline through S3', 'kms:Decrypt', PIPELINE_KEY, via('s3')),
      call('encrypt the volume (a grant for SageMaker)', 'kms:CreateGrant', CAPTURE_KEY, {
        'kms:GrantIsForAWSResource': 'true',
      }),
      call('publish the drift metrics', 'cloudwatch:PutMetricData', '*', {
        'cloudwatch:namespace': 'aws/sagemaker/Endpoints/data-metrics',
      }),
      call(
        'write its log',
        'logs:PutLogEvents',
        `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/sagemaker/ProcessingJobs:log-stream:m/algo-1`,
      ),
    ];
    expect((await verdicts(world, requests)).filter(([, d]) => d !== 'Allowed')).toEqual([]);
  });

  test('calls next to them are denied', async () => {
    expect(
      await verdicts(world, [
        call(
          "read another endpoint's capture",
          's3:GetObject',
          `${CAPTURE}/capture/fraud-prod/primary/data.jsonl`,
        ),
        call('list the whole capture bucket', 's3:ListBucket', CAPTURE, { 's3:prefix': '' }),
        call(
          "read another version's baseline",
          's3:GetObject',
          'arn:aws:s3:::churn-prod-artifacts/baseline/exec-41/statistics.json',
        ),
        call(
          'read the trained model',
          's3:GetObject',
          'arn:aws:s3:::churn-prod-artifacts/runs/exec-42/model/model.tar.gz',
        ),
        call('overwrite the capture', 's3:PutObject', `${CAPTURE}/capture/churn-prod/primary/data.jsonl`),
        call(
          'overwrite the baseline',
          's3:PutObject',
          'arn:aws:s3:::churn-prod-artifacts/baseline/exec-42/constraints.json',
        ),
        call('decrypt the capture key directly', 'kms:Decrypt', CAPTURE_KEY),
        call('encrypt with the pipeline key', 'kms:GenerateDataKey', PIPELINE_KEY, via('s3')),
        call('hand out a grant on the key', 'kms:CreateGrant', CAPTURE_KEY, {
          'kms:GrantIsForAWSResource': 'false',
        }),
        call('publish into an AWS namespace', 'cloudwatch:PutMetricData', '*', {
          'cloudwatch:namespace': 'AWS/SageMaker',
        }),
        call('start the pipeline', 'sagemaker:StartPipelineExecution', PIPELINE_ARN),
      ]),
    ).toEqual([
      ["read another endpoint's capture", 'ImplicitlyDenied'],
      ['list the whole capture bucket', 'ImplicitlyDenied'],
      ["read another version's baseline", 'ImplicitlyDenied'],
      ['read the trained model', 'ImplicitlyDenied'],
      ['overwrite the capture', 'ImplicitlyDenied'],
      ['overwrite the baseline', 'ImplicitlyDenied'],
      ['decrypt the capture key directly', 'ImplicitlyDenied'],
      ['encrypt with the pipeline key', 'ImplicitlyDenied'],
      // The key policy refuses grants not for an AWS resource outright.
      ['hand out a grant on the key', 'ExplicitlyDenied'],
      ['publish into an AWS namespace', 'ImplicitlyDenied'],
      ['start the pipeline', 'ImplicitlyDenied'],
    ]);
  });
});
