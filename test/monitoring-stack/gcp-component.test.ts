/**
 * MonitoringStack on gcp through the component, watching a real ModelEndpoint and MlPipeline: the policies read the
 * endpoint's Cloud Run service, the subscription reads the endpoint's capture topic, and the drift job starts the
 * pipeline's own workflow.
 */
import { MlPipeline, ModelEndpoint, MonitoringStack } from '../../lib';
import { evaluatePolicies } from '../../lib/policy';
import { recordProgram } from '../../lib/testing';
import { GCP_STAGING, endpointArgs } from '../helpers';
import { pipelineArgs } from '../ml-pipeline/fixtures';

const IMAGE = 'europe-west4-docker.pkg.dev/churn-shared-4821/releases/serving@sha256:' + 'c'.repeat(64);
const DRIFT_IMAGE = 'europe-west4-docker.pkg.dev/churn-shared-4821/releases/drift@sha256:' + 'd'.repeat(64);
const BASELINE = 'gs://churn-training-staging-artifacts/runs/exec-7/baseline/';

function program() {
  const pipeline = new MlPipeline(
    'churn-training',
    pipelineArgs(GCP_STAGING, { registry: { servingImage: IMAGE } }),
  );
  const endpoint = new ModelEndpoint(
    'churn',
    endpointArgs(GCP_STAGING, {
      image: IMAGE,
      modelDataUrl: 'gs://churn-training-staging-artifacts/runs/exec-7/model/',
    }),
  );
  const monitoring = new MonitoringStack('churn-monitoring', {
    platform: GCP_STAGING,
    endpoint,
    pipeline,
    notifications: { emails: ['oncall@example.com'] },
    drift: { retrain: true, baselineUri: BASELINE, image: DRIFT_IMAGE },
  });
  return { alarmNames: monitoring.alarmNames, driftCheck: monitoring.driftCheck };
}

test('the stack watches the endpoint it is given and retrains the pipeline it is given', async () => {
  const rec = await recordProgram(program);
  const service = rec.one('gcp:cloudrunv2/service:Service').inputs;
  const latency = rec
    .ofType('gcp:monitoring/alertPolicy:AlertPolicy')
    .find((p) => p.name === 'churn-monitoring-alert-latency')!;
  expect((latency.inputs.conditions as any)[0].conditionThreshold.filter).toBe(
    'metric.type = "run.googleapis.com/request_latencies" AND resource.type = "cloud_run_revision" AND ' +
      `resource.labels.service_name = "${service.name}"`,
  );
  const topic = rec.one('gcp:pubsub/topic:Topic');
  expect(rec.one('gcp:pubsub/subscription:Subscription').dependencies).toContain(topic.urn);
  expect(rec.one('gcp:pubsub/subscription:Subscription').inputs.topic).toBe(
    `projects/churn-staging-4821/topics/${topic.inputs.name}`,
  );
  const workflow = rec.one('gcp:workflows/workflow:Workflow');
  const driftJob = rec.ofType('gcp:cloudrunv2/job:Job').find((j) => j.name === 'churn-monitoring-drift-job')!;
  const env = Object.fromEntries(
    (driftJob.inputs as any).template.template.containers[0].envs.map((e: any) => [e.name, e.value]),
  );
  expect(env.MLOPS_RETRAIN_WORKFLOW).toBe(
    `projects/churn-staging-4821/locations/europe-west4/workflows/${workflow.inputs.name}`,
  );
  expect(env.MLOPS_DRIFT_BASELINE_URL).toBe(BASELINE);
  expect(rec.outputs.driftCheck).toBe('churn-monitoring-staging-drift');
  expect(rec.outputs.alarmNames).toEqual([
    'churn-monitoring-staging: CPU above 90%',
    'churn-monitoring-staging: client errors above 10% of requests',
    'churn-monitoring-staging: input drift (psi above 0.2)',
    'churn-monitoring-staging: memory above 90%',
    'churn-monitoring-staging: no requests for 60 minutes',
    'churn-monitoring-staging: p99 latency above 1000 ms',
    'churn-monitoring-staging: server errors above 2% of requests',
  ]);
});

test('the whole gcp graph with monitoring passes every policy rule (CMEK drift job, no public grants, keys rotate)', async () => {
  const rec = await recordProgram(program);
  expect(evaluatePolicies(rec.resources)).toEqual([]);
});
