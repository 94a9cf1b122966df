import fc from 'fast-check';
import type { PlatformArgs } from '../../lib/core/platform';
import { HostPortClaims } from '../../lib/core/deployment';
import { ValidationError } from '../../lib/core/validation';
import { resolveMlPipeline } from '../../lib/ml-pipeline/resolve';
import { resolveModelEndpoint } from '../../lib/model-endpoint/resolve';
import { pipelineArgs } from '../ml-pipeline/fixtures';
import type { MonitoringStackArgs } from '../../lib/monitoring-stack/args';
import { MonitoringStack, MONITORING_STACK_TYPE } from '../../lib/monitoring-stack/pulumi';
import { resolveMonitoringStack } from '../../lib/monitoring-stack/resolve';
import { recordProgram } from '../../lib/testing';
import { AWS_DEV, AWS_PROD, DOCKER_DEV, GCP_STAGING, endpointArgs, thrown } from '../helpers';

const AWS_STAGING: PlatformArgs = { ...AWS_PROD, stage: 'staging' };
const DOCKER_PROD: PlatformArgs = { cloud: 'docker', stage: 'prod' };
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const EMAILS = { emails: ['oncall@example.com'] };
/** A value known only at deploy time, as the resolver sees a Pulumi Output. */
const output = (label: string) => ({ __pulumiOutput: true, label }) as unknown as string;

const resolve = (args: MonitoringStackArgs, platform: PlatformArgs, stack?: string) =>
  resolveMonitoringStack('churn-watch', { platform, ...args }, platform, { stack });

/** A CDK-shaped ModelEndpoint: its resolved spec, its name, its capture bucket and key (CDK tokens are strings). */
function cdkEndpoint(platform: PlatformArgs, extra: Parameters<typeof endpointArgs>[1] = {}) {
  const spec = resolveModelEndpoint('churn', endpointArgs(platform, extra), platform);
  return {
    spec,
    endpointName: spec.endpointName,
    captureBucket: { bucketName: 'churn-capture' },
    key: { keyArn: KEY },
  };
}

/** `path: message. Fix: fix` of every problem thrown. */
function problemsOf(args: Record<string, unknown>, platform: PlatformArgs): string[] {
  const err = thrown(() => resolveMonitoringStack('churn-watch', args as never, platform));
  expect(err).toBeInstanceOf(ValidationError);
  return (err as ValidationError).problems.map((p) => `${p.path}: ${p.message}. Fix: ${p.fix}`);
}

describe('stage defaults', () => {
  test.each([
    [
      'dev',
      AWS_DEV,
      {},
      { latencyP99Ms: 2000, serverErrorPercent: 5, clientErrorPercent: 25, noTrafficMinutes: 0 },
      'churn-watch-dev',
    ],
    [
      'staging',
      AWS_STAGING,
      { notifications: EMAILS },
      { latencyP99Ms: 1000, serverErrorPercent: 2, clientErrorPercent: 10, noTrafficMinutes: 60 },
      'churn-watch-staging',
    ],
    [
      'prod',
      AWS_PROD,
      { notifications: EMAILS },
      { latencyP99Ms: 1000, serverErrorPercent: 1, clientErrorPercent: 10, noTrafficMinutes: 15 },
      'churn-watch-prod',
    ],
  ])('%s', (_stage, platform, extra, byStage, namePrefix) => {
    const spec = resolve({ endpoint: { endpointName: 'churn-x' }, ...extra }, platform);
    expect(spec.thresholds).toEqual({
      ...byStage,
      cpuPercent: 90,
      memoryPercent: 90,
      gpuPercent: 95,
      periodSeconds: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    });
    expect(spec.namePrefix).toBe(namePrefix);
    expect(spec.dashboard).toBe(true);
    expect(spec.drift).toBeUndefined();
    expect(spec.tags).toEqual({ 'mlops-stage': _stage, 'mlops-construct': 'monitoringstack' });
  });

  test('dev tells nobody by default', () => {
    expect(resolve({ endpoint: { endpointName: 'churn-x' } }, AWS_DEV).notifications).toEqual({
      emails: [],
      webhookUrl: undefined,
      topicArn: undefined,
      channelIds: [],
    });
  });

  test('a stack not named after its stage names the resources after the stack', () => {
    expect(resolve({ endpoint: { endpointName: 'x' } }, AWS_DEV, 'alice-dev').namePrefix).toBe(
      'churn-watch-alice-dev',
    );
  });

  test('aws: a drift check on a pipeline that computes no Model Monitor baseline is refused', () => {
    const pipelineSpec = (driftBaseline: boolean) => ({
      spec: resolveMlPipeline('churn-training', pipelineArgs(AWS_PROD, { aws: { driftBaseline } }), AWS_PROD),
      retrainTrigger: 'arn:aws:sagemaker:eu-west-1:123456789012:pipeline/churn-training-prod',
      baselineUri: 's3://art/baseline/',
    });
    const args = (driftBaseline: boolean) => ({
      endpoint: cdkEndpoint(AWS_PROD),
      pipeline: pipelineSpec(driftBaseline),
      notifications: EMAILS,
      drift: { baselineUri: 's3://art/baseline/exec-1/', features: ['tenure'] },
    });
    expect(problemsOf(args(false), AWS_PROD)).toEqual([
      "pipeline: computes no Model Monitor baseline (its `aws.driftBaseline` is false), but the drift check is on: no run writes the baseline the monitor would compare with. Fix: set the MlPipeline's `aws.driftBaseline` true (Model Monitor must be open to your account), or set drift.enabled false",
    ]);
    expect(resolve(args(true), AWS_PROD).drift?.statistic).toBe('model-monitor');
    expect(resolve({ ...args(false), drift: { enabled: false } }, AWS_PROD).drift).toBeUndefined();
  });

  test('fewer evaluation periods than the default datapoints: every period must breach', () => {
    const spec = resolve({ endpoint: { endpointName: 'x' }, thresholds: { evaluationPeriods: 2 } }, AWS_DEV);
    expect([spec.thresholds.evaluationPeriods, spec.thresholds.datapointsToAlarm]).toEqual([2, 2]);
  });

  test('drift: hourly in prod with Model Monitor on aws, daily elsewhere with PSI', () => {
    const aws = resolve(
      {
        endpoint: cdkEndpoint(AWS_PROD),
        notifications: EMAILS,
        drift: { baselineUri: 's3://art/baseline/exec-1/', features: ['tenure'] },
      },
      AWS_PROD,
    );
    expect(aws.drift).toEqual({
      schedule: 'hourly',
      statistic: 'model-monitor',
      threshold: 0.1,
      featureThresholds: {},
      features: ['tenure'],
      retrain: false,
      baselineUri: 's3://art/baseline/exec-1/',
      image: undefined,
    });
    const gcp = resolve(
      {
        endpoint: {
          endpointName: 'churn-staging',
          capturePercent: 20,
          capture: { topic: 'projects/p/topics/t' },
        },
        notifications: EMAILS,
        drift: { baselineUri: 'gs://art/runs/r1/baseline/', image: 'drift@sha256:1' },
      },
      GCP_STAGING,
    );
    expect(gcp.drift).toEqual({
      schedule: 'daily',
      statistic: 'psi',
      threshold: 0.2,
      featureThresholds: {},
      features: [],
      retrain: false,
      baselineUri: 'gs://art/runs/r1/baseline/',
      image: 'drift@sha256:1',
    });
  });

  test('ks has its own default threshold', () => {
    const spec = resolve(
      {
        endpoint: { endpointName: 'x', capturePercent: 5, capture: { topic: 'projects/p/topics/t' } },
        notifications: EMAILS,
        drift: { statistic: 'ks', baselineUri: 'gs://a/runs/r/baseline/', image: 'i' },
      },
      GCP_STAGING,
    );
    expect([spec.drift?.statistic, spec.drift?.threshold]).toEqual(['ks', 0.1]);
  });

  test('docker: the UIs on 3000, 9090 and 9093, TLS required for mail', () => {
    const spec = resolve(
      {
        endpoint: cdkEndpoint(DOCKER_DEV),
        notifications: EMAILS,
        docker: { smtp: { smarthost: 'smtp.example.com:587', from: 'alerts@example.com' } },
      },
      DOCKER_DEV,
    );
    expect(spec.docker).toEqual({
      grafanaPort: 3000,
      prometheusPort: 9090,
      alertmanagerPort: 9093,
      smtp: {
        smarthost: 'smtp.example.com:587',
        from: 'alerts@example.com',
        username: undefined,
        password: undefined,
        requireTls: true,
      },
    });
  });
});

describe('the watched endpoint', () => {
  test('a ModelEndpoint fits as it is: its cloud, sizes and capture are read from its spec and children', () => {
    const endpoint = cdkEndpoint(AWS_PROD);
    const spec = resolve({ endpoint, notifications: EMAILS }, AWS_PROD);
    expect(spec.endpoint).toEqual({
      endpointName: 'churn-prod',
      isModelEndpoint: true,
      construct: endpoint,
      alarmActionsOwner: endpoint,
      rollbackAlarmNames: ['churn-prod-rollback-5xx', 'churn-prod-rollback-latency-p99'],
      gpu: false,
      capturePercent: 10,
      vcpus: 4,
      gpus: 0,
      capture: { s3Uri: 's3://churn-capture/capture/churn-prod', kmsKeyArn: KEY },
      captureTopic: undefined,
      docker: undefined,
      servesRelease: false,
      releaseBaselineUri: undefined,
    });
  });

  test('a GPU ModelEndpoint on aws has GPU alarms; a serverless one has no instance counts', () => {
    expect(
      resolve({ endpoint: cdkEndpoint(AWS_DEV, { size: 'gpu-small', serverless: false }) }, AWS_DEV).endpoint,
    ).toMatchObject({
      gpu: true,
      vcpus: 4,
      gpus: 1,
    });
    expect(resolve({ endpoint: cdkEndpoint(AWS_DEV) }, AWS_DEV).endpoint).toMatchObject({
      gpu: false,
      vcpus: undefined,
      gpus: undefined,
      capturePercent: 0,
      capture: undefined,
    });
  });

  test('a docker ModelEndpoint: Prometheus finds it through its network and serving alias', () => {
    const spec = resolve({ endpoint: cdkEndpoint(DOCKER_DEV, { capturePercent: 5 }) }, DOCKER_DEV);
    expect(spec.endpoint.docker).toEqual({
      network: 'churn-dev',
      servingAlias: 'churn-dev-serving',
      servingPort: 8080,
      gatewayStatusUrl: expect.stringMatching(/^http:\/\/churn-dev-gateway:\d+\//),
      captureVolume: 'churn-dev-capture',
    });
  });

  test('an endpoint described by hand: every field has its default', () => {
    expect(resolve({ endpoint: { endpointName: 'my-endpoint' } }, AWS_DEV).endpoint).toEqual({
      endpointName: 'my-endpoint',
      isModelEndpoint: false,
      rollbackAlarmNames: [],
      gpu: false,
      capturePercent: 0,
      vcpus: undefined,
      gpus: 0,
      capture: undefined,
      captureTopic: undefined,
      docker: undefined,
    });
  });

  test('an MlPipeline fits as it is: its key decrypts the baseline on aws', () => {
    const pipeline = {
      spec: { constructName: 'churn-training', platform: { cloud: 'aws' } },
      retrainTrigger: 'arn:aws:sagemaker:eu-west-1:123456789012:pipeline/churn-training-prod',
      baselineUri: 's3://art/baseline/',
      key: { keyArn: KEY },
    };
    const spec = resolve(
      { endpoint: { endpointName: 'x' }, pipeline: pipeline as never, drift: { enabled: false } },
      AWS_DEV,
    );
    expect(spec.pipeline).toEqual({
      retrainTrigger: pipeline.retrainTrigger,
      baselineUri: 's3://art/baseline/',
      kmsKeyArn: KEY,
    });
  });
});

describe('bad arguments: every problem at once, each with its fix', () => {
  test('no arguments', () => {
    expect(thrown(() => resolveMonitoringStack('churn-watch', undefined as never, AWS_PROD)).message).toBe(
      'MonitoringStack "churn-watch" has 1 problem in its arguments:\n' +
        '  - args: no arguments were given. Fix: pass at least `{ endpoint, notifications }`.',
    );
  });

  test('thresholds out of range, and periods the cloud rejects', () => {
    expect(
      problemsOf(
        {
          endpoint: { endpointName: 'x' },
          thresholds: {
            latencyP99Ms: 0,
            serverErrorPercent: 120,
            clientErrorPercent: -1,
            cpuPercent: 0,
            periodSeconds: 90,
            evaluationPeriods: 0,
            noTrafficMinutes: 2000,
          },
        },
        AWS_DEV,
      ),
    ).toEqual([
      'thresholds.latencyP99Ms: 0 is not a whole number from 1 to 600000. Fix: use a whole number from 1 to 600000',
      'thresholds.serverErrorPercent: 120 is not from 0 to 100. Fix: use a number from 0 to 100',
      'thresholds.clientErrorPercent: -1 is not from 0 to 100. Fix: use a number from 0 to 100',
      'thresholds.cpuPercent: 0 is not from 1 to 100. Fix: use a number from 1 to 100',
      'thresholds.noTrafficMinutes: 2000 is not a whole number from 1 to 1440 (one-minute periods, and CloudWatch looks back at most a day; 0 turns the alarm off). Fix: use a whole number from 1 to 1440',
      'thresholds.periodSeconds: 90 is not a multiple of 60 from 60 to 86400 (the endpoints publish one-minute metrics, and Cloud Monitoring takes only whole minutes). Fix: use 60, 300 or another multiple of 60 up to 86400',
      'thresholds.evaluationPeriods: 0 is not a whole number from 1 to 60. Fix: use a whole number from 1 to 60',
    ]);
  });

  test("aws: CloudWatch's look-back is one day for periods under an hour, seven days otherwise", () => {
    expect(
      problemsOf(
        { endpoint: { endpointName: 'x' }, thresholds: { periodSeconds: 1800, evaluationPeriods: 60 } },
        AWS_DEV,
      ),
    ).toEqual([
      'thresholds.evaluationPeriods: 60 periods of 1800 s look back 108000 s, more than the 86400 s CloudWatch allows for periods under an hour. Fix: use at most 48 periods, or a shorter period',
    ]);
    expect(
      problemsOf(
        { endpoint: { endpointName: 'x' }, thresholds: { periodSeconds: 86400, evaluationPeriods: 8 } },
        AWS_DEV,
      ),
    ).toEqual([
      'thresholds.evaluationPeriods: 8 periods of 86400 s look back 691200 s, more than the 604800 s CloudWatch allows for periods of an hour or more. Fix: use at most 7 periods, or a shorter period',
    ]);
    // The same periods are fine where CloudWatch does not judge them.
    expect(() =>
      resolve(
        { endpoint: { endpointName: 'x' }, thresholds: { periodSeconds: 1800, evaluationPeriods: 60 } },
        DOCKER_DEV,
      ),
    ).toThrow(/dockerTargets/);
  });

  test('datapoints to alarm above the evaluation periods', () => {
    expect(
      problemsOf(
        { endpoint: { endpointName: 'x' }, thresholds: { evaluationPeriods: 4, datapointsToAlarm: 5 } },
        AWS_DEV,
      ),
    ).toEqual([
      'thresholds.datapointsToAlarm: 5 is not a whole number from 1 to 4 (at most `evaluationPeriods`). Fix: use a whole number from 1 to 4',
    ]);
  });

  test("gcp: the no-traffic window is Cloud Monitoring's metric-absence window", () => {
    expect(
      problemsOf(
        { endpoint: { endpointName: 'x' }, notifications: EMAILS, thresholds: { noTrafficMinutes: 1 } },
        GCP_STAGING,
      ),
    ).toEqual([
      "thresholds.noTrafficMinutes: 1 is not a whole number from 2 to 1410 (Cloud Monitoring's metric-absence window is 120 s to 23.5 h; 0 turns the alarm off). Fix: use a whole number from 2 to 1410",
    ]);
  });

  test('notifications are required in staging and prod', () => {
    expect(problemsOf({ endpoint: { endpointName: 'x' } }, AWS_PROD)).toEqual([
      "notifications: tells nobody, and alarms in prod must have an action (the endpoint's rollback alarms too). Fix: give at least one of notifications.emails, webhookUrl, topicArn",
    ]);
    expect(problemsOf({ endpoint: { endpointName: 'x' }, notifications: {} }, GCP_STAGING)).toEqual([
      "notifications: tells nobody, and alarms in staging must have an action (the endpoint's rollback alarms too). Fix: give at least one of notifications.emails, webhookUrl, channelIds",
    ]);
  });

  test('an email that is not one, a webhook that is not https, topics and channels of another cloud', () => {
    expect(
      problemsOf(
        {
          endpoint: { endpointName: 'x' },
          notifications: {
            emails: ['oncall@example.com', 'ops@', 'two words@example.com'],
            webhookUrl: 'http://alerts.example.com/hook',
            channelIds: ['projects/p/notificationChannels/1'],
            topicArn: 'arn:aws:sns:eu-west-1:123:oncall',
          },
        },
        AWS_PROD,
      ),
    ).toEqual([
      'notifications.emails[1]: "ops@" is not an email address. Fix: give an address such as `oncall@example.com`',
      'notifications.emails[2]: "two words@example.com" is not an email address. Fix: give an address such as `oncall@example.com`',
      'notifications.webhookUrl: uses http, not https (alerts would travel in clear text). Fix: give an https URL',
      'notifications.topicArn: "arn:aws:sns:eu-west-1:123:oncall" is not an SNS topic ARN. Fix: give an SNS topic ARN such as `arn:aws:sns:eu-west-1:123456789012:oncall`',
      'notifications.channelIds: are Cloud Monitoring channels, which only gcp notifies (this stack deploys to aws). Fix: use `topicArn`, `emails` or `webhookUrl`',
    ]);
  });

  test.each([
    ['user info', 'https://user:pass@alerts.example.com/hook', 'alerts.example.com'],
    ['a query string', 'https://alerts.example.com/hook?token=abc', 'alerts.example.com'],
  ])('a plain-string webhook carrying %s is refused', (credential, url, host) => {
    expect(
      problemsOf({ endpoint: { endpointName: 'x' }, notifications: { webhookUrl: url } }, AWS_DEV),
    ).toEqual([
      `notifications.webhookUrl: carries a credential (${credential}) as a plain string, which would sit unencrypted in the program, the config and the state (host ${host}). Fix: pass it as a Pulumi secret, such as \`config.requireSecret("alertWebhook")\` after \`pulumi config set --secret alertWebhook <url>\`, or notify an existing topic or channel`,
    ]);
  });

  test.each([
    [
      'aws',
      AWS_DEV,
      'notifications.webhookUrl: is a Google Chat incoming webhook, which does not accept the messages an SNS https subscription sends (SNS first posts a SubscriptionConfirmation the endpoint must confirm, then its own notification JSON). Fix: deliver chat alerts through AWS Chatbot (Amazon Q Developer in chat applications) subscribed to an SNS topic, and pass that topic in notifications.topicArn',
    ],
    [
      'gcp',
      GCP_STAGING,
      "notifications.webhookUrl: is a Google Chat incoming webhook, which does not accept the incident JSON Cloud Monitoring's webhook channel posts. Fix: create a Google Chat notification channel in Cloud Monitoring (where it has one) and pass its id in notifications.channelIds",
    ],
    [
      'docker',
      DOCKER_DEV,
      "notifications.webhookUrl: is a Google Chat incoming webhook, which does not accept the alert JSON Alertmanager's webhook receiver posts. Fix: point webhookUrl at a relay that turns Alertmanager alerts into chat messages, or notify by email",
    ],
  ])(
    '%s: a chat webhook is refused, even as a secret would be: the cloud posts its own JSON to it',
    (_cloud, platform, message) => {
      expect(
        problemsOf(
          {
            endpoint: {
              endpointName: 'x',
              dockerTargets: { network: 'n', servingAlias: 's', gatewayStatusUrl: 'http://g:8081/status' },
            },
            notifications: { webhookUrl: 'https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t' },
          },
          platform,
        ),
      ).toEqual([message]);
    },
  );

  test('a webhook without a credential may be a plain string; one that is a secret (an Output) is accepted', () => {
    expect(
      resolve(
        { endpoint: { endpointName: 'x' }, notifications: { webhookUrl: 'https://alerts.example.com/hook' } },
        AWS_PROD,
      ).notifications.webhookUrl,
    ).toBe('https://alerts.example.com/hook');
    const secret = output('webhook');
    expect(
      resolve({ endpoint: { endpointName: 'x' }, notifications: { webhookUrl: secret } }, AWS_PROD)
        .notifications.webhookUrl,
    ).toBe(secret);
  });

  test('drift retraining without a pipeline, and drift without a baseline (says how to produce one)', () => {
    expect(
      problemsOf(
        {
          endpoint: cdkEndpoint(AWS_PROD),
          notifications: EMAILS,
          drift: { retrain: true, features: ['tenure'] },
        },
        AWS_PROD,
      ),
    ).toEqual([
      'drift.retrain: is true, but no pipeline is given to retrain. Fix: pass the MlPipeline that trains the served model as `pipeline`, or set drift.retrain false',
      "drift.baselineUri: is required when the drift check runs, and there is no baseline to compare with (no pipeline, no drift.baselineUri). Fix: train the model with an MlPipeline, which writes a baseline on every run (on aws its `DataQualityBaseline` step writes Model Monitor's statistics.json and constraints.json under `<pipeline baselineUri><execution id>/`, and `aws sagemaker describe-model-package --model-package-name <served model package ARN> --query DriftCheckBaselines.ModelDataQuality` names the served version's), pass it as `pipeline` and set drift.baselineUri to the served version's folder; or set drift.enabled false",
    ]);
  });

  test('with a pipeline, the baseline must still be the served version’s, not the prefix of every run’s', () => {
    expect(
      problemsOf(
        {
          endpoint: { endpointName: 'x', capturePercent: 10, capture: { topic: 'projects/p/topics/t' } },
          pipeline: { retrainTrigger: 'projects/p/locations/l/workflows/w', baselineUri: 'gs://art/runs/' },
          notifications: EMAILS,
          drift: { enabled: true, image: 'drift@sha256:1' },
        },
        GCP_STAGING,
      ),
    ).toEqual([
      "drift.baselineUri: is required when the drift check runs: the check compares with the served model version's baseline, and the pipeline's baselineUri is only the prefix of every run's. Fix: set drift.baselineUri to the served version's baseline folder: on gcp every run writes drift_baseline.json under `<pipeline baselineUri><run id>/baseline/`; use the served run's",
    ]);
  });

  test('the statistic must be one the cloud computes; aws needs the features; thresholds in the statistic’s range', () => {
    expect(
      problemsOf(
        {
          endpoint: cdkEndpoint(AWS_PROD),
          notifications: EMAILS,
          drift: { statistic: 'psi', baselineUri: 's3://art/baseline/e/', threshold: 0 },
        },
        AWS_PROD,
      ),
    ).toEqual([
      'drift.statistic: "psi" is not available on aws: SageMaker Model Monitor checks drift there and publishes its own per-feature distance. Fix: use `model-monitor`, or leave `statistic` out',
      'drift.threshold: 0 is not above 0 and at most 10, the range of `psi`. Fix: use a threshold such as 0.2',
      'drift.features: is required on aws when the drift check runs: Model Monitor publishes one drift metric per feature, and the alarms name them. Fix: list the features to watch, by their column names in the training data, such as `["tenure", "monthly_charges"]`',
    ]);
    expect(
      problemsOf(
        {
          endpoint: { endpointName: 'x', capturePercent: 10, capture: { topic: 'projects/p/topics/t' } },
          notifications: EMAILS,
          drift: {
            statistic: 'model-monitor',
            baselineUri: 's3://wrong/',
            features: ['tenure', 'tenure'],
            featureThresholds: { tenur: 0.3 },
          },
        },
        GCP_STAGING,
      ),
    ).toEqual([
      'drift.statistic: "model-monitor" is SageMaker Model Monitor\'s distance, which only aws has. Fix: use `psi` or `ks` on gcp',
      'drift.features[1]: "tenure" is listed twice. Fix: list each feature once',
      'drift.featureThresholds.tenur: names a feature that is not in drift.features (tenure, tenure). Fix: did you mean `tenure`?',
      'drift.baselineUri: "s3://wrong/" is not a baseline location on gcp. Fix: give a folder such as `gs://<artifact bucket>/runs/<run id>/baseline/`',
      'drift.image: is required on gcp when the drift check runs: it is the job that compares the captured requests with the baseline. Fix: build `templates/drift` and give the image, such as `repo/drift@sha256:...`',
    ]);
    expect(
      problemsOf(
        {
          endpoint: { endpointName: 'x', capturePercent: 10, capture: { topic: 'projects/p/topics/t' } },
          notifications: EMAILS,
          drift: { statistic: 'ks', threshold: 1, baselineUri: 'gs://a/runs/r/baseline/', image: 'i' },
        },
        GCP_STAGING,
      ),
    ).toEqual([
      'drift.threshold: 1 is not above 0 and below 1, the range of `ks`. Fix: use a threshold such as 0.1',
    ]);
  });

  test('docker: the baseline is a folder in a volume; no image is needed (the template runs in a stock Python image)', () => {
    const endpoint = cdkEndpoint(DOCKER_DEV, { capturePercent: 5 });
    expect(problemsOf({ endpoint, drift: { baselineUri: '/runs/r1/baseline/' } }, DOCKER_DEV)).toEqual([
      'drift.baselineUri: "/runs/r1/baseline/" is not a baseline location on docker. Fix: give a folder such as `docker-volume://<artifact volume>/runs/<run id>/baseline/`',
    ]);
    const spec = resolve(
      { endpoint, drift: { baselineUri: 'docker-volume://models/churn/r1/baseline/', image: 'x' } },
      DOCKER_DEV,
    );
    expect([spec.drift?.baselineUri, spec.drift?.image, spec.drift?.statistic]).toEqual([
      'docker-volume://models/churn/r1/baseline/',
      undefined,
      'psi',
    ]);
  });

  test("aws: drift only where SageMaker publishes Model Monitor's analyzer", () => {
    const platform = { ...AWS_PROD, region: 'ap-southeast-7' };
    expect(
      problemsOf(
        {
          endpoint: cdkEndpoint(platform),
          notifications: EMAILS,
          drift: { baselineUri: 's3://a/baseline/e/', features: ['tenure'] },
        },
        platform,
      ),
    ).toEqual([
      "drift.enabled: asks for a drift check, but SageMaker Model Monitor's analyzer is not published in ap-southeast-7. Fix: turn the drift check off there, or deploy to a region Model Monitor serves (af-south-1, ap-east-1, ap-northeast-1, ap-northeast-2, ...)",
    ]);
  });

  test('a drift check on an endpoint that captures nothing', () => {
    expect(
      problemsOf(
        {
          endpoint: cdkEndpoint(AWS_PROD, { capturePercent: 0 }),
          notifications: EMAILS,
          drift: { enabled: true, baselineUri: 's3://a/baseline/e/', features: ['tenure'] },
        },
        AWS_PROD,
      ),
    ).toEqual([
      'drift.enabled: asks for a drift check, but the endpoint captures no requests to check. Fix: set `capturePercent` on the ModelEndpoint (such as 10), or turn the drift check off',
    ]);
  });

  test("the watched endpoint's cloud must be the stack's", () => {
    expect(problemsOf({ endpoint: cdkEndpoint(GCP_STAGING) }, AWS_DEV)).toEqual([
      'endpoint: ModelEndpoint "churn" runs on gcp, but this MonitoringStack deploys to aws. Fix: watch it from a MonitoringStack on gcp (platform.cloud: gcp), in the endpoint\'s stack',
    ]);
    expect(problemsOf({ endpoint: { endpointName: 'x', cloud: 'docker' } }, AWS_DEV)).toEqual([
      "endpoint.cloud: the endpoint runs on docker, but this MonitoringStack deploys to aws. Fix: watch it from a MonitoringStack on docker (platform.cloud: docker), in the endpoint's stack",
    ]);
    expect(problemsOf({ endpoint: cdkEndpoint({ ...AWS_DEV, region: 'us-east-1' }) }, AWS_DEV)).toEqual([
      'endpoint: ModelEndpoint "churn" is in us-east-1, but this stack deploys to eu-west-1 (metrics and alarms are regional). Fix: deploy the MonitoringStack with the endpoint\'s region (platform.region: us-east-1)',
    ]);
  });

  test('unknown keys get a did-you-mean; a hand-written docker endpoint must say where its containers are', () => {
    expect(
      problemsOf(
        { endpoint: { endpointName: 'x' }, notification: {}, thresholds: { latencyP99: 3 } },
        DOCKER_DEV,
      ),
    ).toEqual([
      'notification: is not a known argument. Fix: did you mean `notifications`?',
      'thresholds.latencyP99: is not a known argument. Fix: did you mean `latencyP99Ms`?',
      'endpoint.dockerTargets: is required on docker for an endpoint that is not a ModelEndpoint (Prometheus must find its containers). Fix: give `{ network, servingAlias, gatewayStatusUrl }`, or watch a ModelEndpoint',
    ]);
  });

  test('docker: email needs a mail server, and its password only as a secret', () => {
    expect(problemsOf({ endpoint: cdkEndpoint(DOCKER_PROD), notifications: EMAILS }, DOCKER_PROD)).toEqual([
      'docker.smtp: is required on docker to send notifications.emails (Alertmanager sends mail through it). Fix: give `{ smarthost: "smtp.example.com:587", from: "alerts@example.com" }`, or leave the emails out',
    ]);
    expect(
      problemsOf(
        {
          endpoint: cdkEndpoint(DOCKER_PROD),
          notifications: EMAILS,
          docker: { grafanaPort: 70000, smtp: { smarthost: 'smtp', from: 'alerts', password: 'hunter2' } },
        },
        DOCKER_PROD,
      ),
    ).toEqual([
      'docker.grafanaPort: 70000 is not a whole number from 1 to 65535. Fix: use a whole number from 1 to 65535',
      'docker.smtp.smarthost: "smtp" is not host:port. Fix: give the mail server as `host:port`, such as `smtp.example.com:587`',
      'docker.smtp.from: "alerts" is not an email address. Fix: give the sender address, such as `alerts@example.com`',
      'docker.smtp.password: is a plain string, which would sit unencrypted in the program, the config and the state. Fix: pass it as a Pulumi secret, such as `config.requireSecret("smtpPassword")`',
    ]);
  });

  test("docker: the UIs' host ports are claimed like every other construct's", () => {
    const hostPorts = new HostPortClaims();
    hostPorts.claim([
      { port: 3000, path: 'docker.hostPort', owner: 'ModelEndpoint "other" (docker.hostPort)' },
    ]);
    const err = thrown(() =>
      resolveMonitoringStack('churn-watch', { endpoint: cdkEndpoint(DOCKER_DEV) }, DOCKER_DEV, { hostPorts }),
    ) as ValidationError;
    expect(err.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'docker.grafanaPort: host port 3000 is already bound by ModelEndpoint "other" (docker.hostPort) in this program',
    ]);
  });

  test('a construct name too long for the names it gives', () => {
    expect(
      thrown(() =>
        resolveMonitoringStack('a'.repeat(50), { endpoint: { endpointName: 'x' } }, AWS_DEV),
      ).message.split('\n')[1],
    ).toBe(
      `  - (construct name): the prefix of its physical names on aws, "${'a'.repeat(50)}-dev" is 54 characters, more than 49. Fix: rename the construct (the prefix is \`<name>-<stage or stack>\`): use at most 49 letters, digits and hyphens, starting and ending with a letter or digit (the monitor adds \`-data-quality\`).`,
    );
  });

  test('the first line names the construct and counts the problems', () => {
    const err = thrown(() =>
      resolveMonitoringStack(
        'churn-watch',
        { endpoint: { endpointName: 'x' }, thresholds: { latencyP99Ms: 0, cpuPercent: 0 } },
        AWS_PROD,
      ),
    );
    expect(err.message.split('\n')[0]).toBe('MonitoringStack "churn-watch" has 3 problems in its arguments:');
  });
});

describe('arguments of any shape (stack config, JSON) only ever give ValidationErrors', () => {
  const wrong = fc.oneof(
    fc.constantFrom(
      null,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '3',
      '',
      true,
      0,
      -1,
      [],
      [null],
      ['a', null],
      [1],
      {},
      {
        spec: null,
      },
    ),
    fc.string({ maxLength: 10 }),
    fc.double(),
    fc.dictionary(
      fc.string({ maxLength: 6 }),
      fc.oneof(fc.constant(null), fc.integer(), fc.string({ maxLength: 4 })),
      {
        maxKeys: 3,
      },
    ),
  );
  const PATHS = [
    ['endpoint'],
    ['endpoint', 'endpointName'],
    ['endpoint', 'capture'],
    ['endpoint', 'capture', 's3Uri'],
    ['endpoint', 'dockerTargets'],
    ['endpoint', 'spec'],
    ['pipeline'],
    ['pipeline', 'baselineUri'],
    ['pipeline', 'spec'],
    ['thresholds'],
    ['thresholds', 'periodSeconds'],
    ['thresholds', 'evaluationPeriods'],
    ['drift'],
    ['drift', 'features'],
    ['drift', 'featureThresholds'],
    ['drift', 'statistic'],
    ['drift', 'retrain'],
    ['notifications'],
    ['notifications', 'emails'],
    ['notifications', 'webhookUrl'],
    ['notifications', 'channelIds'],
    ['docker', 'smtp'],
    ['docker', 'grafanaPort'],
    ['dashboard'],
  ] as const;
  const setAt = (base: Record<string, unknown>, [head, ...rest]: readonly string[], value: unknown) => {
    const copy: Record<string, unknown> = { ...base };
    if (rest.length === 0) copy[head] = value;
    else {
      const inner = copy[head];
      copy[head] = setAt(
        typeof inner === 'object' && inner !== null && !Array.isArray(inner) ? (inner as never) : {},
        rest,
        value,
      );
    }
    return copy;
  };
  const VALID = {
    endpoint: { endpointName: 'churn-x', capturePercent: 10, capture: { topic: 'projects/p/topics/t' } },
    pipeline: { retrainTrigger: 'w', baselineUri: 'gs://a/runs/' },
    notifications: EMAILS,
    drift: { baselineUri: 'gs://a/runs/r/baseline/', image: 'i', retrain: true, features: ['tenure'] },
  };

  test.each([AWS_PROD, GCP_STAGING, DOCKER_PROD])('on %o', (platform) => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...PATHS), wrong), { minLength: 1, maxLength: 3 }),
        (changes) => {
          let args: Record<string, unknown> = VALID;
          for (const [path, value] of changes) args = setAt(args, path, value);
          try {
            resolveMonitoringStack('churn-watch', args as never, platform);
          } catch (err) {
            if (!(err instanceof ValidationError)) throw err;
            expect(err.problems.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 300, seed: 20261202 },
    );
  });
});

describe('the Pulumi component', () => {
  test('refused arguments register nothing, not even the component', async () => {
    const rec = await recordProgram(() => {
      expect(
        () => new MonitoringStack('watch', { platform: AWS_PROD, endpoint: { endpointName: 'x' } }),
      ).toThrow(ValidationError);
    });
    expect(rec.resources).toEqual([]);
  });

  test('a plain webhook URL reaches the renderers as a secret; the outputs are the declared four', async () => {
    const rec = await recordProgram(() => {
      const monitoring = new MonitoringStack('watch', {
        platform: AWS_DEV,
        endpoint: { endpointName: 'churn-dev' },
        notifications: { webhookUrl: 'https://alerts.example.com/hook' },
        dashboard: false,
      });
      return {
        webhook: monitoring.spec.notifications.webhookUrl,
        alarmNames: monitoring.alarmNames,
        dashboardUrl: monitoring.dashboardUrl,
        notificationTargets: monitoring.notificationTargets,
        driftCheck: monitoring.driftCheck,
      };
    });
    expect(rec.one(MONITORING_STACK_TYPE).name).toBe('watch');
    expect(rec.secretOutputs).toEqual(['webhook']);
    expect(rec.outputs).toMatchObject({
      webhook: 'https://alerts.example.com/hook',
      dashboardUrl: '',
      driftCheck: '',
      notificationTargets: ['arn:aws:sns:eu-west-1:123456789012:watch-dev-alarms'],
    });
  });
});
