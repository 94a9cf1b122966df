/**
 * The reference program watches its endpoint on every stack: who is told comes from the stack config, the endpoint's
 * rollback alarms act through the same topic on aws, and drift starts the pipeline's retraining where the endpoint
 * captures requests and the served version's baseline is known.
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

test('prod (aws): alarms, the rollback alarms among them, tell the topic; drift is checked by Model Monitor', async () => {
  const rec = await record('prod');
  expect(rec.outputs).toMatchObject({
    alarmNames: [
      'churn-monitoring-prod-client-errors',
      'churn-monitoring-prod-cpu',
      'churn-monitoring-prod-drift-monthly_charges',
      'churn-monitoring-prod-drift-tenure',
      'churn-monitoring-prod-latency-p99',
      'churn-monitoring-prod-memory',
      'churn-monitoring-prod-no-traffic',
      'churn-monitoring-prod-server-errors',
      'churn-prod-rollback-5xx',
      'churn-prod-rollback-latency-p99',
    ],
    notificationTargets: ['arn:aws:sns:eu-west-1:123456789012:churn-monitoring-prod-alarms'],
    driftCheck: 'churn-monitoring-prod-data-quality',
    dashboardUrl:
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards:name=churn-monitoring-prod',
  });
  // The served version's baseline, from the release in the stack config.
  const job = rec.one('aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition');
  expect(JSON.stringify(job.inputs)).toContain('/baseline/q7m2k9x4d1ve/');
  // The email in the stack config is subscribed.
  expect(rec.one('aws:sns/topicSubscription:TopicSubscription').inputs).toMatchObject({
    protocol: 'email',
    endpoint: 'ml-oncall@example.com',
  });
});

test('staging (gcp): alert policies tell the email channel; the drift job reads the served run’s baseline', async () => {
  const rec = await record('staging');
  expect(rec.outputs.notificationTargets).toEqual([
    expect.stringMatching(/^projects\/churn-staging-4821\/notificationChannels\/\d+$/),
  ]);
  expect(rec.outputs.driftCheck).toBe('churn-monitoring-staging-drift');
  const job = rec.one('gcp:cloudrunv2/job:Job', 'churn-monitoring-drift-job');
  expect(JSON.stringify(job.inputs)).toContain('runs/3f9c2a71-5b8e-4d06-a1c4-7e2b9d5f0c38/baseline/');
  expect(JSON.stringify(job.inputs)).toContain(
    'europe-west4-docker.pkg.dev/churn-staging-4821/releases/drift@sha256:7d3e5f1a9c2b4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e',
  );
});

test('dev (docker): no endpoint, nothing to watch, until a release is set', async () => {
  const rec = await record('dev');
  expect(rec.ofType('mlops:index:MonitoringStack')).toEqual([]);
});

test('dev (docker) with a release: watched, nobody told; with capture on, drift checks the release’s baseline', async () => {
  const release = { 'churn:release': { version: 'v1', modelPath: 'churn-training-dev/run1/' } };
  const quiet = await record('dev', release);
  expect(quiet.outputs).toMatchObject({
    notificationTargets: [],
    driftCheck: '',
    dashboardUrl: 'http://127.0.0.1:3000/d/churn-monitoring-dev',
  });
  const drifting = await record('dev', { ...release, 'churn:capturePercent': 10 });
  expect(drifting.outputs.driftCheck).toBe('churn-monitoring-dev-drift');
  const job = drifting.one('docker:index/container:Container', 'churn-monitoring-drift');
  expect(JSON.stringify(job.inputs)).toContain('churn-training-dev/run1/baseline');
});
