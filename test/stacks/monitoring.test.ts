/**
 * The reference program watches its endpoint on every stack that serves a release: who is told comes from the stack
 * config, the endpoint's rollback alarms act through the same topic on aws, and drift, checked against the release's
 * baseline (`mlops:release.baseline`) where the endpoint captures requests, starts the pipeline's retraining.
 */
import * as path from 'node:path';
import { readProject, readStackConfig } from '../../lib/cli/stack-config';
import { recordProgram } from '../../lib/testing';
import { churnSystem } from '../../stacks/pulumi/system';

const project = readProject(path.resolve(__dirname, '..', '..'));

function record(stack: string, extra: Record<string, unknown> = {}) {
  return recordProgram(() => churnSystem(), {
    project: project.name,
    stack,
    config: { ...readStackConfig(project, stack), ...extra },
  });
}

const PROD_ALARMS = [
  'churn-monitoring-prod-client-errors',
  'churn-monitoring-prod-cpu',
  'churn-monitoring-prod-latency-p99',
  'churn-monitoring-prod-memory',
  'churn-monitoring-prod-no-traffic',
  'churn-monitoring-prod-server-errors',
  'churn-prod-rollback-5xx',
  'churn-prod-rollback-latency-p99',
];

test('prod (aws): alarms, the rollback alarms among them, tell the topic; a release promoted from gcp gets no Model Monitor drift check', async () => {
  const rec = await record('prod');
  expect(rec.outputs).toMatchObject({
    releaseStatus: 'serving v3 promoted from staging',
    alarmNames: PROD_ALARMS,
    notificationTargets: ['arn:aws:sns:eu-west-1:123456789012:churn-monitoring-prod-alarms'],
    // Model Monitor reads only its own baseline format; the release carries templates/drift's.
    driftCheck: '',
    dashboardUrl:
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards:name=churn-monitoring-prod',
  });
  expect(rec.ofType('aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition')).toEqual([]);
  // The email in the stack config is subscribed.
  expect(rec.one('aws:sns/topicSubscription:TopicSubscription').inputs).toMatchObject({
    protocol: 'email',
    endpoint: 'ml-oncall@example.com',
  });
});

test('prod (aws) serving a version its own pipeline registered: Model Monitor checks drift against the release’s baseline', async () => {
  const baseline = 's3://churn-training-artifacts-ddb1de1/baseline/q7m2k9x4d1ve/';
  const rec = await record('prod', {
    'mlops:release': {
      schemaVersion: 1,
      version: 'v5',
      image:
        '123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn-training-prod@sha256:4f1c3a7e9b2d8c6f0a5e3b1d9c7f2a4e6b8d0c2f4a6e8b0d2c4f6a8e0b2d4c6f',
      model: { registry: { group: 'churn-training-prod', version: 5 } },
      metrics: { auc: 0.9 },
      baseline,
    },
  });
  expect(rec.outputs).toMatchObject({
    releaseStatus: 'serving v5',
    alarmNames: [
      ...PROD_ALARMS,
      'churn-monitoring-prod-drift-monthly_charges',
      'churn-monitoring-prod-drift-tenure',
    ].sort(),
    driftCheck: 'churn-monitoring-prod-data-quality',
  });
  const job = rec.one('aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition');
  expect(JSON.stringify(job.inputs)).toContain(baseline);
});

test('staging (gcp): alert policies tell the email channel; the drift job reads the release’s baseline', async () => {
  const rec = await record('staging');
  expect(rec.outputs.notificationTargets).toEqual([
    expect.stringMatching(/^projects\/churn-staging-4821\/notificationChannels\/\d+$/),
  ]);
  expect(rec.outputs.driftCheck).toBe('churn-monitoring-staging-drift');
  const job = rec.one('gcp:cloudrunv2/job:Job', 'churn-monitoring-drift-job');
  expect(JSON.stringify(job.inputs)).toContain(
    'gs://churn-training-staging-artifacts-b6489b/releases/v3/baseline/',
  );
  expect(JSON.stringify(job.inputs)).toContain(
    'europe-west4-docker.pkg.dev/churn-staging-4821/releases/drift@sha256:7d3e5f1a9c2b4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e',
  );
});

test('dev (docker) without a release: nothing served, so nothing watched, and the stack says it waits', async () => {
  const rec = await record('dev');
  expect(rec.outputs).toMatchObject({
    releaseStatus: expect.stringMatching(/^awaiting release: no mlops:release in stack dev; /),
    alarmNames: [],
    driftCheck: 'none: ModelEndpoint "churn" awaits a release, so there is nothing to check yet',
  });
  expect(rec.ofType('docker:index/container:Container').map((c) => c.name)).not.toContain(
    'churn-monitoring-prometheus',
  );
});

/** A dev release of a registered run in the models volume (schema 1), as `mlops release set` writes it. */
const DEV_RUN = 'docker-volume://churn-training-dev-models/churn-training-dev/run1/';
const devRelease = {
  'mlops:release': {
    schemaVersion: 1,
    version: 'v1',
    model: { artifact: { uri: DEV_RUN, sha256: `sha256:${'5a'.repeat(32)}` } },
    metrics: { auc: 0.81 },
    baseline: `${DEV_RUN}baseline/`,
  },
};

test('dev (docker) with a release: watched, nobody told; with capture on, drift checks the release’s baseline', async () => {
  const quiet = await record('dev', devRelease);
  expect(quiet.outputs).toMatchObject({
    releaseStatus: 'serving v1',
    notificationTargets: [],
    driftCheck: '',
    dashboardUrl: 'http://127.0.0.1:3000/d/churn-monitoring-dev',
  });
  const drifting = await record('dev', { ...devRelease, 'churn:capturePercent': 10 });
  expect(drifting.outputs.driftCheck).toBe('churn-monitoring-dev-drift');
  const job = drifting.one('docker:index/container:Container', 'churn-monitoring-drift');
  expect(JSON.stringify(job.inputs)).toContain('churn-training-dev/run1/baseline');
});

test.each(['release', 'stableRelease'])(
  'a stack file still holding churn:%s is refused, so an upgrade never deletes serving',
  async (key) => {
    await expect(record('prod', { [`churn:${key}`]: { version: 'v3' } })).rejects.toThrow(
      `churn:${key} moved to mlops:${key} (schema 1 of the release; the old shape is still read there): move the block under that key in the stack file, or run \`npx mlops release set\``,
    );
  },
);
