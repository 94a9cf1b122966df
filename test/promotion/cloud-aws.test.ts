/**
 * The aws readers of the promotion gates against a real (local) AWS API: moto's server on loopback. CloudWatch
 * alarms are created and driven into ALARM with PutMetricAlarm + SetAlarmState, model package
 * versions are registered with their approval statuses, all through the same AWS SDK clients the readers load.
 * A missing moto fails with the install hint: these tests are part of `npm test` and cannot be skipped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import {
  checkAwsRegistryApproval,
  readAwsOpenAlarms,
  UNCHECKED_APPROVAL_AT_DEPLOY,
} from '../../lib/promotion/cloud/aws';
import { checkRegistryApproval, readOpenAlarms } from '../../lib/promotion/cloud';
import { loadOptionalPackage } from '../../lib/promotion/cloud/optional-package';
import { readAlarmEvidenceFile } from '../../lib/promotion/evidence';
import { requireTool } from '../support/tools';

const MOTO_HINT =
  'moto 5 with its server extras is needed: `python3.11 -m pip install "moto[server]>=5"` (it brings flask).';
const AWS_CLI_HINT = 'Install the AWS CLI: `python3.11 -m pip install awscli` (or AWS CLI v2).';
const REGION = 'eu-west-1';
const ACCOUNT = '123456789012'; // moto's default account

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Environment with credentials and nothing else the SDK's chain could pick up from this machine. */
function isolatedAwsEnv(home: string, credentials: boolean): void {
  for (const key of Object.keys(process.env)) {
    if (key.startsWith('AWS_')) delete process.env[key];
  }
  process.env.HOME = home;
  process.env.AWS_CONFIG_FILE = path.join(home, 'no-config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(home, 'no-credentials');
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  if (credentials) {
    process.env.AWS_ACCESS_KEY_ID = 'AKIAMOTOTESTKEY00000';
    process.env.AWS_SECRET_ACCESS_KEY = 'moto-test-secret';
  }
}

describe('aws readers against moto', () => {
  const savedEnv = { ...process.env };
  const home = mkdtempSync(path.join(tmpdir(), 'mlops-aws-home-'));
  let moto: ChildProcess | undefined;
  let endpoint = '';

  beforeAll(async () => {
    const python = spawnSync('python3.11', ['-c', 'import moto.server, flask; print(moto.__version__)'], {
      encoding: 'utf8',
    });
    if (python.status !== 0 || !python.stdout.startsWith('5.')) {
      throw new Error(`moto server is not importable in python3.11 (${python.stderr.trim()}). ${MOTO_HINT}`);
    }
    const port = await freePort();
    endpoint = `http://127.0.0.1:${port}`;
    moto = spawn('python3.11', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
      stdio: 'ignore',
    });
    for (let i = 0; ; i++) {
      const up = await fetch(`${endpoint}/moto-api/data.json`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (i > 200) throw new Error(`moto server did not start on ${endpoint}. ${MOTO_HINT}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    isolatedAwsEnv(home, true);

    const cloudwatch = new CloudWatchClient({ region: REGION, endpoint });
    const alarm = (name: string) =>
      cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: name,
          Namespace: 'AWS/SageMaker',
          MetricName: 'Invocation5XXErrors',
          Dimensions: [
            { Name: 'EndpointName', Value: 'churn-staging' },
            { Name: 'VariantName', Value: 'AllTraffic' },
          ],
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 5,
          DatapointsToAlarm: 3,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        }),
      );
    const setState = (name: string, state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA') =>
      cloudwatch.send(
        new SetAlarmStateCommand({
          AlarmName: name,
          StateValue: state,
          StateReason: `test drives it to ${state}`,
        }),
      );
    await alarm('churn-staging-server-errors');
    await alarm('churn-staging-latency-p99');
    await alarm('churn-staging-no-invocations');
    await alarm('churn-prod-server-errors');
    await setState('churn-staging-server-errors', 'ALARM');
    await setState('churn-staging-latency-p99', 'OK');
    await setState('churn-prod-server-errors', 'ALARM');
    await setState('churn-staging-no-invocations', 'INSUFFICIENT_DATA');
    // moto 5.2 has no PutCompositeAlarm (and drops AlarmRule from PutMetricAlarm), so composite alarms are tested
    // through the describe-alarms evidence file only (test/promotion/evidence.test.ts).
    cloudwatch.destroy();

    const sagemaker = new SageMakerClient({ region: REGION, endpoint });
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'churn-models' }));
    for (const status of ['Approved', 'PendingManualApproval', 'Rejected'] as const) {
      await sagemaker.send(
        new CreateModelPackageCommand({
          ModelPackageGroupName: 'churn-models',
          ModelApprovalStatus: status,
          InferenceSpecification: {
            Containers: [
              {
                Image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/churn-serving@sha256:${'a'.repeat(64)}`,
                ModelDataUrl: 's3://churn-artifacts/models/model.tar.gz',
              },
            ],
            SupportedContentTypes: ['application/json'],
            SupportedResponseMIMETypes: ['application/json'],
          },
        }),
      );
    }
    sagemaker.destroy();
  }, 60_000);

  afterAll(async () => {
    if (moto && moto.exitCode === null) {
      const exited = new Promise((resolve) => moto!.once('exit', resolve));
      moto.kill();
      await exited;
    }
    process.env = savedEnv;
    rmSync(home, { recursive: true, force: true });
  });

  test('readAwsOpenAlarms lists the alarms in ALARM, nothing in OK or INSUFFICIENT_DATA', async () => {
    const before = Date.now();
    const evidence = await readAwsOpenAlarms({ region: REGION, endpoint });
    expect(evidence).toBeDefined();
    expect(evidence!.source).toBe('cloudwatch eu-west-1');
    expect(evidence!.checkedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(evidence!.checkedAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(evidence!.openAlarms).toEqual([
      { name: 'churn-staging-server-errors', state: 'ALARM' },
      { name: 'churn-prod-server-errors', state: 'ALARM' },
    ]);
  });

  test('alarmNamePrefix keeps only that stage (moto ignores StateValue beside a prefix: the reader still drops OK)', async () => {
    const evidence = await readAwsOpenAlarms({ region: REGION, endpoint, alarmNamePrefix: 'churn-staging-' });
    expect(evidence!.openAlarms).toEqual([{ name: 'churn-staging-server-errors', state: 'ALARM' }]);
    const prod = await readAwsOpenAlarms({ region: REGION, endpoint, alarmNamePrefix: 'churn-prod-' });
    expect(prod!.openAlarms).toEqual([{ name: 'churn-prod-server-errors', state: 'ALARM' }]);
    const none = await readAwsOpenAlarms({ region: REGION, endpoint, alarmNamePrefix: 'fraud-' });
    expect(none!.openAlarms).toEqual([]);
  });

  test('the SDK honours AWS_ENDPOINT_URL, so the readers need no endpoint option', async () => {
    process.env.AWS_ENDPOINT_URL = endpoint;
    try {
      const evidence = await readAwsOpenAlarms({ region: REGION, alarmNamePrefix: 'churn-prod-' });
      expect(evidence!.openAlarms).toEqual([{ name: 'churn-prod-server-errors', state: 'ALARM' }]);
      const approval = await checkAwsRegistryApproval({ region: REGION, group: 'churn-models', version: 1 });
      expect(approval.status).toBe('Approved');
    } finally {
      delete process.env.AWS_ENDPOINT_URL;
    }
  });

  test('checkAwsRegistryApproval reads each version’s ModelApprovalStatus', async () => {
    expect(
      await checkAwsRegistryApproval({ region: REGION, endpoint, group: 'churn-models', version: 1 }),
    ).toEqual({
      checked: true,
      status: 'Approved',
      reason: 'model package group churn-models version 1 is Approved',
    });
    expect(
      await checkAwsRegistryApproval({ region: REGION, endpoint, group: 'churn-models', version: 2 }),
    ).toEqual({
      checked: true,
      status: 'PendingManualApproval',
      reason:
        'model package group churn-models version 2 is PendingManualApproval, not Approved: SageMaker deploys only ' +
        'Approved versions; approve it with `aws sagemaker update-model-package --model-package-arn ' +
        `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/churn-models/2 --model-approval-status Approved\``,
    });
    const rejected = await checkAwsRegistryApproval({
      region: REGION,
      endpoint,
      group: 'churn-models',
      version: 3,
    });
    expect(rejected.status).toBe('Rejected');
  });

  test('a known ARN is described directly; a version that does not exist is checked without a status', async () => {
    const arn = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/churn-models/3`;
    expect(
      await checkAwsRegistryApproval({
        region: REGION,
        endpoint,
        group: 'churn-models',
        version: 3,
        modelPackageArn: arn,
      }),
    ).toMatchObject({ checked: true, status: 'Rejected' });
    expect(
      await checkAwsRegistryApproval({ region: REGION, endpoint, group: 'churn-models', version: 9 }),
    ).toEqual({
      checked: true,
      reason: 'model package group churn-models version 9 does not exist in eu-west-1',
    });
    expect(
      await checkAwsRegistryApproval({ region: REGION, endpoint, group: 'fraud-models', version: 1 }),
    ).toEqual({
      checked: true,
      reason: 'model package group fraud-models version 1 does not exist in eu-west-1',
    });
  });

  test('the per-cloud entry points dispatch to the aws readers', async () => {
    expect(
      await readOpenAlarms('aws', { region: REGION, endpoint, alarmNamePrefix: 'churn-prod-' }),
    ).toMatchObject({
      source: 'cloudwatch eu-west-1',
      openAlarms: [{ name: 'churn-prod-server-errors', state: 'ALARM' }],
    });
    expect(await readOpenAlarms('aws', { endpoint })).toEqual({
      error: 'the aws stage has no region to read its CloudWatch alarms in',
    });
    expect(
      await checkRegistryApproval('aws', { region: REGION, endpoint, group: 'churn-models', version: 2 }),
    ).toMatchObject({ checked: true, status: 'PendingManualApproval' });
    await expect(
      checkRegistryApproval('aws', { endpoint, group: 'churn-models', version: 2 }),
    ).rejects.toThrow('the aws stage has no region (aws:region) to look the registry version up in');
    expect(await checkRegistryApproval('gcp', { group: 'churn', version: 1 })).toEqual({
      checked: false,
      reason: 'not applicable: gcp has no model registry (releases name an artifact)',
    });
  });

  test('an unreachable endpoint is an error naming what was read, and readOpenAlarms turns it into { error }', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    await expect(readAwsOpenAlarms({ region: REGION, endpoint: closed })).rejects.toThrow(
      /^reading the CloudWatch alarms in eu-west-1: .*ECONNREFUSED/,
    );
    const reading = await readOpenAlarms('aws', { region: REGION, endpoint: closed });
    expect((reading as { error: string }).error).toMatch(/^reading the CloudWatch alarms in eu-west-1: /);
  }, 60_000);

  test('what `aws cloudwatch describe-alarms` prints, saved to a file, is evidence of the same open alarms', () => {
    const aws = requireTool('aws', AWS_CLI_HINT);
    const printed = spawnSync(
      aws,
      ['cloudwatch', 'describe-alarms', '--region', REGION, '--endpoint-url', endpoint, '--output', 'json'],
      { encoding: 'utf8', env: process.env },
    );
    expect(printed.stderr).toBe('');
    expect(printed.status).toBe(0);
    const file = path.join(home, 'alarms.json');
    writeFileSync(file, printed.stdout);
    const evidence = readAlarmEvidenceFile(file);
    expect(evidence.source).toBe(file);
    expect(evidence.checkedAt).toEqual(statSync(file).mtime);
    expect(evidence.openAlarms).toEqual([
      { name: 'churn-staging-server-errors', state: 'ALARM' },
      { name: 'churn-prod-server-errors', state: 'ALARM' },
    ]);
    expect(readAlarmEvidenceFile(file, { alarmNamePrefix: 'churn-prod-' }).openAlarms).toEqual([
      { name: 'churn-prod-server-errors', state: 'ALARM' },
    ]);
  });

  describe('without credentials', () => {
    beforeAll(() => isolatedAwsEnv(home, false));
    afterAll(() => isolatedAwsEnv(home, true));

    test('readAwsOpenAlarms is undefined and readOpenAlarms says how to give evidence instead', async () => {
      expect(await readAwsOpenAlarms({ region: REGION, endpoint })).toBeUndefined();
      expect(await readOpenAlarms('aws', { region: REGION, endpoint })).toEqual({
        error:
          "no AWS credentials (the SDK's default chain found none) to read the CloudWatch alarms; sign in, or save " +
          'them with `aws cloudwatch describe-alarms --state-value ALARM > alarms.json` and pass ' +
          '`--alarms-evidence alarms.json`',
      });
    });

    test('the approval is not checked, and the reason says what happens at deploy', async () => {
      expect(
        await checkAwsRegistryApproval({ region: REGION, endpoint, group: 'churn-models', version: 2 }),
      ).toEqual({
        checked: false,
        reason:
          "not checked: no AWS credentials (the SDK's default chain found none) to read model package group " +
          `churn-models version 2; ${UNCHECKED_APPROVAL_AT_DEPLOY}`,
      });
    });
  });
});

/**
 * moto never pages DescribeAlarms and cannot hold composite alarms, so the paging loop and composite alarms are
 * checked against a local endpoint answering CloudWatch's JSON 1.0 protocol with two pages, as the service does.
 */
describe('readAwsOpenAlarms paging (local JSON 1.0 endpoint)', () => {
  const savedEnv = { ...process.env };
  const home = mkdtempSync(path.join(tmpdir(), 'mlops-aws-home-'));
  const requests: Record<string, unknown>[] = [];
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const input = JSON.parse(body) as Record<string, unknown>;
      requests.push({ target: req.headers['x-amz-target'], ...input });
      const page = input.NextToken
        ? { MetricAlarms: [], CompositeAlarms: [{ AlarmName: 'churn-prod-any', StateValue: 'ALARM' }] }
        : {
            MetricAlarms: [{ AlarmName: 'churn-prod-server-errors', StateValue: 'ALARM' }],
            CompositeAlarms: [],
            NextToken: 'page-2',
          };
      res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.0' }).end(JSON.stringify(page));
    });
  });

  beforeAll(async () => {
    isolatedAwsEnv(home, true);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    process.env = savedEnv;
    rmSync(home, { recursive: true, force: true });
  });

  test('follows NextToken and keeps metric and composite alarms, asking for both types and the prefix', async () => {
    const { port } = server.address() as { port: number };
    const evidence = await readAwsOpenAlarms({
      region: REGION,
      endpoint: `http://127.0.0.1:${port}`,
      alarmNamePrefix: 'churn-prod-',
    });
    expect(evidence!.openAlarms).toEqual([
      { name: 'churn-prod-server-errors', state: 'ALARM' },
      { name: 'churn-prod-any', state: 'ALARM' },
    ]);
    const asked = {
      target: 'GraniteServiceVersion20100801.DescribeAlarms',
      StateValue: 'ALARM',
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      AlarmNamePrefix: 'churn-prod-',
    };
    expect(requests).toEqual([asked, { ...asked, NextToken: 'page-2' }]);
  });
});

describe('the optional SDK packages', () => {
  test('a missing package is named, with what mlops promote needs it for and how to install it', () => {
    expect(() =>
      loadOptionalPackage('@aws-sdk/client-not-installed', 'read the open CloudWatch alarms'),
    ).toThrow(
      '@aws-sdk/client-not-installed is not installed: `mlops promote` needs it to read the open CloudWatch alarms. ' +
        'Install it beside mlops-constructs: `npm install --save-dev @aws-sdk/client-not-installed` (or give the ' +
        'evidence as a file instead: `--alarms-evidence <file>` for alarms).',
    );
  });

  test('an installed package loads', () => {
    const sdk = loadOptionalPackage<typeof import('@aws-sdk/client-cloudwatch')>(
      '@aws-sdk/client-cloudwatch',
      'x',
    );
    expect(typeof sdk.DescribeAlarmsCommand).toBe('function');
  });
});
