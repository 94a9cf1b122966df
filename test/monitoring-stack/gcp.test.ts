/**
 * MonitoringStack on gcp: who is told (channels on every policy), what is watched (exact Cloud Monitoring filters,
 * thresholds and durations on the Cloud Run service), the dashboard, and the drift loop (captures land in BigQuery
 * through a subscription whose agent may write that table only; a scheduled job whose account may start exactly the
 * training workflow's executions), every API enabled before its first use.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { API_OF_RESOURCE, GCP_API } from '../../lib/blocks/gcp-apis';
import type { Platform } from '../../lib/core/platform';
import { registerRolloutGate } from '../../lib/model-endpoint/gcp-cloud-deploy-gate';
import { CAPTURE_TABLE_SCHEMA, DRIFT_EVENT, serviceAccountIds } from '../../lib/monitoring-stack/gcp-facts';
import { renderGcp, type MonitoringGcpChildren } from '../../lib/monitoring-stack/pulumi-gcp';
import type { RenderedMonitoring } from '../../lib/monitoring-stack/rendered';
import type { ResolvedMonitoringStack } from '../../lib/monitoring-stack/resolved';
import { recordProgram, type RecordedResource, type Recording } from '../../lib/testing';

const PROJECT = 'churn-staging-4821';
const REGION = 'europe-west4';
const WORKFLOW = `projects/${PROJECT}/locations/${REGION}/workflows/churn-training-staging`;
const TOPIC = `projects/${PROJECT}/topics/churn-staging-capture`;
const DRIFT_IMAGE = `${REGION}-docker.pkg.dev/churn-shared-4821/releases/drift@sha256:${'d'.repeat(64)}`;
const EXISTING_CHANNEL = `projects/${PROJECT}/notificationChannels/4242`;
const POLICY = 'gcp:monitoring/alertPolicy:AlertPolicy';
const CHANNEL = 'gcp:monitoring/notificationChannel:NotificationChannel';
const SERVICE = 'gcp:projects/service:Service';

const platform = (stage: Platform['stage'] = 'staging', enableApis = true): Platform => ({
  cloud: 'gcp',
  stage,
  region: REGION,
  project: PROJECT,
  tags: { 'mlops-stage': stage },
  network: {},
  retainOnDelete: stage !== 'dev',
  bucketLocation: 'region',
  enableApis,
  nameSuffix: stage,
});

function spec(overrides: Partial<ResolvedMonitoringStack> = {}): ResolvedMonitoringStack {
  return {
    constructName: 'churn-monitoring',
    platform: platform(),
    tags: { 'mlops-stage': 'staging' },
    namePrefix: 'churn-staging',
    endpoint: {
      endpointName: 'churn-staging',
      isModelEndpoint: true,
      gpu: false,
      capturePercent: 20,
      captureTopic: TOPIC,
    },
    pipeline: { retrainTrigger: WORKFLOW, baselineUri: 'gs://churn-artifacts/runs/' },
    thresholds: {
      latencyP99Ms: 1000,
      serverErrorPercent: 2,
      clientErrorPercent: 10,
      noTrafficMinutes: 60,
      cpuPercent: 90,
      memoryPercent: 85,
      gpuPercent: 95,
      periodSeconds: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    },
    drift: {
      schedule: 'hourly',
      statistic: 'psi',
      threshold: 0.2,
      featureThresholds: { tenure: 0.3 },
      features: [],
      retrain: true,
      baselineUri: 'gs://churn-artifacts/runs/exec-7/baseline/',
      image: DRIFT_IMAGE,
    },
    notifications: {
      emails: ['oncall@example.com'],
      webhookUrl: pulumi.secret('https://alerts.example.com/hook?token=s3cr3t'),
      channelIds: [EXISTING_CHANNEL],
    },
    dashboard: true,
    ...overrides,
  };
}

async function record(s: ResolvedMonitoringStack, before?: () => void) {
  let rendered: RenderedMonitoring<MonitoringGcpChildren> | undefined;
  const rec = await recordProgram(() => {
    before?.();
    const parent = new pulumi.ComponentResource('mlops:index:MonitoringStack', s.constructName, {}, {});
    rendered = renderGcp(s, parent);
    return {
      alarmNames: rendered.alarmNames,
      dashboardUrl: rendered.dashboardUrl,
      notificationTargets: rendered.notificationTargets,
      driftCheck: rendered.driftCheck,
    };
  });
  return { rec, rendered: rendered! };
}

/** The default stack's recording, made once: most tests only read it. */
let defaultRecording: ReturnType<typeof record> | undefined;
const recordDefault = () => (defaultRecording ??= record(spec()));

/** The value of an Output once the recorded program has run. */
const valueOf = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

const policies = (rec: Recording) =>
  Object.fromEntries(
    rec.ofType(POLICY).map((p) => [p.name.replace('churn-monitoring-alert-', ''), p.inputs]),
  );
const conditionOf = (rec: Recording, key: string) =>
  (policies(rec)[key].conditions as Record<string, any>[])[0];

const SERVICE_SERIES = `resource.type = "cloud_run_revision" AND resource.labels.service_name = "churn-staging"`;
const PER_MINUTE_DELTA = [
  {
    alignmentPeriod: '60s',
    perSeriesAligner: 'ALIGN_DELTA',
    crossSeriesReducer: 'REDUCE_SUM',
    groupByFields: ['resource.label.service_name'],
  },
];
/** Per revision: a 10 % canary's errors are judged on its own requests, not diluted by the stable revision's. */
const PER_MINUTE_DELTA_PER_REVISION = [
  {
    alignmentPeriod: '60s',
    perSeriesAligner: 'ALIGN_DELTA',
    crossSeriesReducer: 'REDUCE_SUM',
    groupByFields: ['resource.label.service_name', 'resource.label.revision_name'],
  },
];
const P99_WORST_REVISION = [
  {
    alignmentPeriod: '60s',
    perSeriesAligner: 'ALIGN_PERCENTILE_99',
    crossSeriesReducer: 'REDUCE_MAX',
    groupByFields: ['resource.label.service_name'],
  },
];

describe('MonitoringStack on gcp: who is told', () => {
  test('an email channel per address and a webhook channel; every policy notifies them and the existing channel', async () => {
    const { rec, rendered } = await recordDefault();
    const email = rec.one(CHANNEL, 'churn-monitoring-email-oncall@example.com');
    const webhook = rec.one(CHANNEL, 'churn-monitoring-webhook');
    expect(email.inputs).toMatchObject({
      project: PROJECT,
      type: 'email',
      labels: { email_address: 'oncall@example.com' },
    });
    expect(webhook.inputs).toMatchObject({
      type: 'webhook_tokenauth',
      labels: { url: 'https://alerts.example.com/hook?token=s3cr3t' },
    });
    expect([rendered.children.channels.length, rendered.children.alertPolicies.length]).toEqual([2, 7]);
    const names = await Promise.all(rendered.children.channels.map((c) => valueOf(c.name)));
    const targets = [...names, EXISTING_CHANNEL];
    for (const created of names)
      expect(created).toMatch(/^projects\/churn-staging-4821\/notificationChannels\/\d+$/);
    expect(new Set(targets).size).toBe(3);
    const all = rec.ofType(POLICY);
    expect(all.map((p) => p.name).sort()).toEqual(
      [
        'alert-client-errors',
        'alert-cpu',
        'alert-drift',
        'alert-latency',
        'alert-memory',
        'alert-no-traffic',
        'alert-server-errors',
      ].map((k) => `churn-monitoring-${k}`),
    );
    for (const p of all)
      expect({ policy: p.name, channels: p.inputs.notificationChannels }).toEqual({
        policy: p.name,
        channels: targets,
      });
    expect(rec.outputs.notificationTargets).toEqual(targets);
  });

  test('dev without notifications: policies without channels, no drift, only Monitoring enabled', async () => {
    const { rec } = await record(
      spec({
        platform: platform('dev'),
        namePrefix: 'churn-dev',
        drift: undefined,
        notifications: { emails: [], channelIds: [] },
        thresholds: { ...spec().thresholds, noTrafficMinutes: 0 },
      }),
    );
    expect(rec.ofType(CHANNEL)).toEqual([]);
    expect(
      rec
        .ofType(POLICY)
        .map((p) => [p.name, p.inputs.notificationChannels])
        .sort(),
    ).toEqual(
      ['client-errors', 'cpu', 'latency', 'memory', 'server-errors'].map((k) => [
        `churn-monitoring-alert-${k}`,
        [],
      ]),
    );
    expect(
      rec
        .ofType(SERVICE)
        .map((s) => s.inputs.service)
        .sort(),
    ).toEqual([GCP_API.resourceManager, GCP_API.monitoring].sort());
    expect(rec.outputs.driftCheck).toBe('');
  });
});

describe('MonitoringStack on gcp: what happens on its own', () => {
  test('a Cloud Deploy rollout of the endpoint is gated on the latency and server-error policies, by name', async () => {
    const endpoint = {};
    let gated: pulumi.Input<string>[] | undefined;
    const { rendered } = await record(spec({ endpoint: { ...spec().endpoint, construct: endpoint } }), () => {
      registerRolloutGate(endpoint, 'churn', true, (policies) => (gated = policies));
    });
    const byKey = Object.fromEntries(
      await Promise.all(
        rendered.children.alertPolicies.map(async (p) => [
          await valueOf(p.displayName),
          await valueOf(p.name),
        ]),
      ),
    );
    expect(await valueOf(pulumi.all(gated!))).toEqual([
      byKey['churn-staging: p99 latency above 1000 ms'],
      byKey['churn-staging: server errors above 2% of requests'],
    ]);
    expect(byKey['churn-staging: p99 latency above 1000 ms']).toMatch(
      /^projects\/churn-staging-4821\/alertPolicies\/\d+$/,
    );
  });

  test('the gate refuses an analysis shorter than the time its policies need to open an incident', async () => {
    // Default evaluation: 180 s metric delay + 60 s alignment + 3 × 60 s duration = 420 s; a 10-minute step is long enough.
    const endpoint = {};
    let gated: pulumi.Input<string>[] | undefined;
    await record(spec({ endpoint: { ...spec().endpoint, construct: endpoint } }), () => {
      registerRolloutGate(endpoint, 'churn', true, (policies) => (gated = policies), 600);
    });
    expect(gated).toHaveLength(2);

    // Five breaching periods: 180 + 60 + 300 = 540 s, more than a 7-minute (420 s) step.
    const short = {};
    let created = false;
    const thresholds = { ...spec().thresholds, datapointsToAlarm: 5, evaluationPeriods: 5 };
    await expect(
      record(spec({ thresholds, endpoint: { ...spec().endpoint, construct: short } }), () => {
        registerRolloutGate(short, 'churn', true, () => (created = true), 420);
      }),
    ).rejects.toThrow(
      'rollout.bakeMinutes: ModelEndpoint "churn": each Cloud Deploy step is analysed for 420 s, but the alert ' +
        'policies of MonitoringStack "churn-monitoring" can open an incident only up to 540 s after a revision starts ' +
        'failing (a Cloud Run metric delay of up to 180 s after sampling + one 60 s alignment period + a condition ' +
        'duration of 5 × 60 s), so a failing step would pass. Fix: bake ' +
        'at least 9 minutes per step (rollout.bakeMinutes), or lower MonitoringStack "churn-monitoring"\'s ' +
        'thresholds.periodSeconds or thresholds.datapointsToAlarm',
    );
    expect(created).toBe(false);
  });
});

describe('MonitoringStack on gcp: what is watched', () => {
  test("p99 latency: the worst revision's p99 of request_latencies (ms) above the threshold for 3 periods", async () => {
    const { rec } = await recordDefault();
    expect(policies(rec).latency).toMatchObject({
      displayName: 'churn-staging: p99 latency above 1000 ms',
      combiner: 'OR',
      severity: 'ERROR',
    });
    expect(conditionOf(rec, 'latency')).toEqual({
      displayName: 'p99 request latency above 1000 ms',
      conditionThreshold: {
        filter: `metric.type = "run.googleapis.com/request_latencies" AND ${SERVICE_SERIES}`,
        aggregations: P99_WORST_REVISION,
        comparison: 'COMPARISON_GT',
        thresholdValue: 1000,
        duration: '180s',
        trigger: { count: 1 },
        evaluationMissingData: 'EVALUATION_MISSING_DATA_INACTIVE',
      },
    });
  });

  test.each([
    ['server-errors', '5xx', 0.02, 'CRITICAL'],
    ['client-errors', '4xx', 0.1, 'WARNING'],
  ])(
    "%s: the %s share of request_count over each revision's requests",
    async (key, codeClass, ratio, severity) => {
      const { rec } = await recordDefault();
      expect(policies(rec)[key].severity).toBe(severity);
      expect(conditionOf(rec, key).displayName).toBe(
        `${codeClass} responses above ${ratio * 100}% of a revision's requests`,
      );
      expect(conditionOf(rec, key).conditionThreshold).toEqual({
        filter:
          `metric.type = "run.googleapis.com/request_count" AND ${SERVICE_SERIES} AND ` +
          `metric.labels.response_code_class = "${codeClass}"`,
        aggregations: PER_MINUTE_DELTA_PER_REVISION,
        denominatorFilter: `metric.type = "run.googleapis.com/request_count" AND ${SERVICE_SERIES}`,
        denominatorAggregations: PER_MINUTE_DELTA_PER_REVISION,
        comparison: 'COMPARISON_GT',
        thresholdValue: ratio,
        duration: '180s',
        trigger: { count: 1 },
        evaluationMissingData: 'EVALUATION_MISSING_DATA_INACTIVE',
      });
    },
  );

  test('no traffic: request_count absent for noTrafficMinutes', async () => {
    const { rec } = await recordDefault();
    expect(conditionOf(rec, 'no-traffic')).toEqual({
      displayName: 'no requests for 60 minutes',
      conditionAbsent: {
        filter: `metric.type = "run.googleapis.com/request_count" AND ${SERVICE_SERIES}`,
        aggregations: PER_MINUTE_DELTA,
        duration: '3600s',
        trigger: { count: 1 },
      },
    });
  });

  test('saturation: CPU and memory utilization fractions; GPU only on a GPU service', async () => {
    const cpuOnly = (await recordDefault()).rec;
    expect(conditionOf(cpuOnly, 'cpu').conditionThreshold).toMatchObject({
      filter: `metric.type = "run.googleapis.com/container/cpu/utilizations" AND ${SERVICE_SERIES}`,
      aggregations: P99_WORST_REVISION,
      thresholdValue: 0.9,
      duration: '180s',
    });
    expect(conditionOf(cpuOnly, 'memory').conditionThreshold).toMatchObject({
      filter: `metric.type = "run.googleapis.com/container/memory/utilizations" AND ${SERVICE_SERIES}`,
      thresholdValue: 0.85,
    });
    expect(policies(cpuOnly).gpu).toBeUndefined();
    const gpu = (await record(spec({ endpoint: { ...spec().endpoint, gpu: true } }))).rec;
    expect(conditionOf(gpu, 'gpu').conditionThreshold).toMatchObject({
      filter: `metric.type = "run.googleapis.com/container/gpu/utilizations" AND ${SERVICE_SERIES}`,
      aggregations: P99_WORST_REVISION,
      thresholdValue: 0.95,
    });
  });

  test('the outputs: sorted policy names, the dashboard console URL, the drift schedule', async () => {
    const { rec } = await recordDefault();
    expect(rec.outputs.alarmNames).toEqual([
      'churn-staging: CPU above 90%',
      'churn-staging: client errors above 10% of requests',
      'churn-staging: input drift (psi above 0.2)',
      'churn-staging: memory above 85%',
      'churn-staging: no requests for 60 minutes',
      'churn-staging: p99 latency above 1000 ms',
      'churn-staging: server errors above 2% of requests',
    ]);
    const dashboardId = rec.one('gcp:monitoring/dashboard:Dashboard');
    expect(rec.outputs.dashboardUrl).toMatch(
      /^https:\/\/console\.cloud\.google\.com\/monitoring\/dashboards\/builder\/\d+\?project=churn-staging-4821$/,
    );
    const tiles = JSON.parse(dashboardId.inputs.dashboardJson as string).mosaicLayout.tiles;
    expect(tiles.map((t: any) => t.widget.title)).toEqual([
      'Request latency p99 (ms)',
      'Requests per second by status class',
      'CPU utilization p99 of instances',
      'Memory utilization p99 of instances',
      'Instances',
      'Drift checks that found drift',
    ]);
    expect(tiles[0].widget.xyChart.thresholds).toEqual([{ value: 1000 }]);
    expect(tiles[0].widget.xyChart.dataSets[0].timeSeriesQuery.timeSeriesFilter.filter).toBe(
      `metric.type = "run.googleapis.com/request_latencies" AND ${SERVICE_SERIES}`,
    );
    expect(rec.outputs.driftCheck).toBe('churn-staging-drift');
    const noDashboard = (await record(spec({ dashboard: false }))).rec;
    expect(noDashboard.ofType('gcp:monitoring/dashboard:Dashboard')).toEqual([]);
    expect(noDashboard.outputs.dashboardUrl).toBe('');
  });
});

const PUBSUB_AGENT = 'serviceAccount:service-123456789@gcp-sa-pubsub.iam.gserviceaccount.com';
const DRIFT_SA = `churn-staging-drift@${PROJECT}.iam.gserviceaccount.com`;
const TICK_SA = `churn-staging-drift-tick@${PROJECT}.iam.gserviceaccount.com`;
const KEY = `projects/${PROJECT}/locations/${REGION}/keyRings/churn-monitoring-staging/cryptoKeys/churn-monitoring-staging`;

describe('MonitoringStack on gcp: drift', () => {
  test('captures land in a CMEK BigQuery table through a subscription whose agent may write that table only', async () => {
    const { rec } = await recordDefault();
    const table = rec.one('gcp:bigquery/table:Table');
    expect(table.inputs).toMatchObject({
      project: PROJECT,
      datasetId: 'churn_staging_capture',
      tableId: 'captured_requests',
      timePartitioning: { type: 'DAY', field: 'publish_time', expirationMs: 90 * 86_400_000 },
      encryptionConfiguration: { kmsKeyName: KEY },
      deletionProtection: true,
    });
    expect(JSON.parse(table.inputs.schema as string).map((c: any) => [c.name, c.type])).toEqual([
      ['subscription_name', 'STRING'],
      ['message_id', 'STRING'],
      ['publish_time', 'TIMESTAMP'],
      ['data', 'STRING'],
      ['attributes', 'STRING'],
    ]);
    expect(CAPTURE_TABLE_SCHEMA).toHaveLength(5);
    expect(table.retainOnDelete).toBe(true);
    expect(rec.one('gcp:bigquery/dataset:Dataset').inputs).toMatchObject({
      datasetId: 'churn_staging_capture',
      location: REGION,
      defaultEncryptionConfiguration: { kmsKeyName: KEY },
      deleteContentsOnDestroy: false,
    });
    const subscription = rec.one('gcp:pubsub/subscription:Subscription');
    expect(subscription.inputs).toMatchObject({
      name: 'churn-staging-capture-bigquery',
      topic: TOPIC,
      bigqueryConfig: { table: `${PROJECT}.churn_staging_capture.captured_requests`, writeMetadata: true },
      expirationPolicy: { ttl: '' },
    });
    const grants = rec.ofType('gcp:bigquery/iamMember:IamMember');
    const write = grants.find((g) => g.name === 'churn-monitoring-pubsub-writes-captures')!;
    expect(write.inputs).toEqual({
      project: PROJECT,
      datasetId: 'churn_staging_capture',
      tableId: 'captured_requests',
      role: 'roles/bigquery.dataEditor',
      member: PUBSUB_AGENT,
    });
    // Pub/Sub checks its agent's access when the subscription is made: the grant, then the settle, first.
    const settle = rec.one('pulumi-nodejs:dynamic/mlops:IamSettle', 'churn-monitoring-capture-grant-settle');
    expect(settle.dependencies).toContain(write.urn);
    expect(subscription.dependencies).toEqual(expect.arrayContaining([write.urn, settle.urn]));
    // BigQuery encrypts with the key as its encryption account, granted before the dataset is made.
    const bqKey = rec.one(
      'gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember',
      'churn-monitoring-bigquery-agent-key',
    );
    expect(bqKey.inputs).toMatchObject({
      cryptoKeyId: KEY,
      role: 'roles/cloudkms.cryptoKeyEncrypterDecrypter',
      member: 'serviceAccount:bq-123456789@bigquery-encryption.iam.gserviceaccount.com',
    });
    expect(rec.one('gcp:bigquery/dataset:Dataset').dependencies).toContain(bqKey.urn);
  });

  test('the drift job: its image, account, key and the environment templates/drift reads', async () => {
    const { rec } = await recordDefault();
    const job = rec.one('gcp:cloudrunv2/job:Job').inputs as any;
    expect(job).toMatchObject({ name: 'churn-staging-drift', location: REGION, project: PROJECT });
    expect(job.template.template).toMatchObject({
      serviceAccount: DRIFT_SA,
      encryptionKey: KEY,
      maxRetries: 1,
      timeout: '1800s',
    });
    const container = job.template.template.containers[0];
    expect(container.image).toBe(DRIFT_IMAGE);
    expect(Object.fromEntries(container.envs.map((e: any) => [e.name, e.value]))).toEqual({
      MLOPS_DRIFT_ENDPOINT: 'churn-staging',
      MLOPS_DRIFT_BQ_TABLE: `${PROJECT}.churn_staging_capture.captured_requests`,
      MLOPS_DRIFT_BQ_PROJECT: PROJECT,
      MLOPS_DRIFT_BQ_LOCATION: REGION,
      MLOPS_DRIFT_WINDOW_HOURS: '1',
      MLOPS_DRIFT_BASELINE_URL: 'gs://churn-artifacts/runs/exec-7/baseline/',
      MLOPS_DRIFT_STATISTIC: 'psi',
      MLOPS_DRIFT_THRESHOLD: '0.2',
      MLOPS_DRIFT_FEATURE_THRESHOLDS: '{"tenure":0.3}',
      MLOPS_DRIFT_RETRAIN: 'true',
      MLOPS_RETRAIN_WORKFLOW: WORKFLOW,
    });
    const member = `serviceAccount:${DRIFT_SA}`;
    const grantsOf = (who: string) =>
      rec.resources
        .filter((r) => r.inputs.member === who)
        .map((r) => [
          r.type.split(':')[2],
          r.inputs.role,
          r.inputs.tableId ?? r.inputs.bucket ?? r.inputs.project,
        ])
        .sort();
    expect(grantsOf(member)).toEqual(
      [
        ['BucketIAMMember', 'roles/storage.objectViewer', 'churn-artifacts'],
        ['IAMMember', 'projects/churn-staging-4821/roles/churn_staging_driftRetrain', PROJECT],
        ['IAMMember', 'roles/bigquery.jobUser', PROJECT],
        ['IamMember', 'roles/bigquery.dataViewer', 'captured_requests'],
      ].sort(),
    );
    expect(
      rec.one('gcp:storage/bucketIAMMember:BucketIAMMember', 'churn-monitoring-drift-reads-baseline').inputs
        .condition,
    ).toMatchObject({
      expression:
        'resource.name.startsWith("projects/_/buckets/churn-artifacts/objects/runs/exec-7/baseline/") || ' +
        'api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("runs/exec-7/baseline/")',
    });
  });

  test('the drift job may start exactly the training workflow: two permissions, its own account, its workflow named', async () => {
    const { rec } = await recordDefault();
    const role = rec.one('gcp:projects/iAMCustomRole:IAMCustomRole');
    expect(role.inputs).toMatchObject({
      project: PROJECT,
      roleId: 'churn_staging_driftRetrain',
      permissions: ['workflows.executions.create', 'workflows.executions.list'],
      stage: 'GA',
    });
    const holders = rec
      .ofType('gcp:projects/iAMMember:IAMMember')
      .filter(
        (g) =>
          String(g.inputs.role).includes('driftRetrain') ||
          String(g.inputs.role).startsWith('roles/workflows'),
      );
    expect(holders.map((g) => g.inputs)).toEqual([
      {
        project: PROJECT,
        role: 'projects/churn-staging-4821/roles/churn_staging_driftRetrain',
        member: `serviceAccount:${DRIFT_SA}`,
      },
    ]);
    // No other account of the stack may start anything; the scheduler may only run the drift job.
    expect(
      rec.resources.filter((r) => r.inputs.member === `serviceAccount:${TICK_SA}`).map((r) => r.type),
    ).toEqual(['gcp:cloudrunv2/jobIamMember:JobIamMember']);
    const noRetrain = (await record(spec({ drift: { ...spec().drift!, retrain: false } }))).rec;
    expect(noRetrain.ofType('gcp:projects/iAMCustomRole:IAMCustomRole')).toEqual([]);
    const env = (noRetrain.one('gcp:cloudrunv2/job:Job').inputs as any).template.template.containers[0].envs;
    expect(env.find((e: any) => e.name === 'MLOPS_RETRAIN_WORKFLOW')).toBeUndefined();
    expect(env.find((e: any) => e.name === 'MLOPS_DRIFT_RETRAIN').value).toBe('false');
    expect(noRetrain.ofType(SERVICE).map((s) => s.inputs.service)).not.toContain(GCP_API.workflowExecutions);
  });

  test('Cloud Scheduler runs the job hourly as an account that may run that job only', async () => {
    const { rec } = await recordDefault();
    expect(rec.one('gcp:cloudscheduler/job:Job').inputs).toMatchObject({
      name: 'churn-staging-drift',
      region: REGION,
      schedule: '0 * * * *',
      timeZone: 'Etc/UTC',
      httpTarget: {
        httpMethod: 'POST',
        uri: `https://run.googleapis.com/v2/projects/${PROJECT}/locations/${REGION}/jobs/churn-staging-drift:run`,
        oauthToken: { serviceAccountEmail: TICK_SA, scope: 'https://www.googleapis.com/auth/cloud-platform' },
      },
    });
    expect(rec.one('gcp:cloudrunv2/jobIamMember:JobIamMember').inputs).toEqual({
      name: 'churn-staging-drift',
      location: REGION,
      project: PROJECT,
      role: 'roles/run.invoker',
      member: `serviceAccount:${TICK_SA}`,
    });
    const daily = (await record(spec({ drift: { ...spec().drift!, schedule: 'daily' } }))).rec;
    expect(daily.one('gcp:cloudscheduler/job:Job').inputs.schedule).toBe('0 4 * * *');
  });

  const DRIFT_LINES =
    'resource.type = "cloud_run_job" AND resource.labels.job_name = "churn-staging-drift" AND ' +
    'jsonPayload.event = "mlops.drift_check" AND jsonPayload.drift_detected = true';

  test("a log-match policy fires on each drifting check's result line, without waiting on a log-based metric", async () => {
    const { rec } = await recordDefault();
    const policy = rec.one(POLICY, 'churn-monitoring-alert-drift');
    expect(policy.inputs.conditions).toEqual([
      { displayName: 'drift found by churn-staging-drift', conditionMatchedLog: { filter: DRIFT_LINES } },
    ]);
    // Required with a log-match condition; 300 s is Cloud Monitoring's floor for log-based policies.
    expect(policy.inputs.alertStrategy).toEqual({
      notificationRateLimit: { period: '300s' },
      autoClose: '1800s',
    });
    // A policy on a just-created log-based metric is refused for minutes (terraform-provider-google#11102).
    expect(policy.dependencies).not.toContain(rec.one('gcp:logging/metric:Metric').urn);
    // The metric-threshold policies have no alert strategy.
    expect(policies(rec).latency.alertStrategy).toBeUndefined();
  });

  test('the log-based metric still counts drifting checks, for the dashboard', async () => {
    const { rec } = await recordDefault();
    expect(rec.one('gcp:logging/metric:Metric').inputs).toMatchObject({
      name: 'churn-staging-drift-detected',
      filter: DRIFT_LINES,
      metricDescriptor: { metricKind: 'DELTA', valueType: 'INT64', unit: '1' },
    });
  });

  test('the filter matches the line templates/drift writes: its event name, and drift_detected as a JSON boolean', () => {
    const script = [
      'import json, sys',
      `sys.path.insert(0, ${JSON.stringify(path.join(__dirname, '../../templates/drift'))})`,
      'import report',
      'print(report.log_line({"event": report.EVENT, "drift_detected": bool(["x"])}))',
    ].join('\n');
    const run = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('{"event":"mlops.drift_check","drift_detected":true}\n');
    expect(JSON.parse(run.stdout).event).toBe(DRIFT_EVENT);
  });

  test('without a capture topic or an image the drift check cannot run: the error says how to fix it', async () => {
    await expect(record(spec({ endpoint: { ...spec().endpoint, captureTopic: undefined } }))).rejects.toThrow(
      'capture requests on the ModelEndpoint, or set drift.enabled false',
    );
    await expect(record(spec({ drift: { ...spec().drift!, image: undefined } }))).rejects.toThrow(
      'drift.image is required on gcp',
    );
  });
});

describe('MonitoringStack on gcp: APIs first', () => {
  /** The enabled service of an API. */
  const serviceOf = (rec: Recording, api: string): RecordedResource =>
    rec.one(SERVICE, `churn-monitoring-api-${api.replace(/\.googleapis\.com$/, '')}`);

  test('every API the stack uses is enabled, and each resource waits for its own', async () => {
    const { rec } = await recordDefault();
    expect(
      rec
        .ofType(SERVICE)
        .map((s) => s.inputs.service)
        .sort(),
    ).toEqual(
      [
        GCP_API.resourceManager,
        GCP_API.monitoring,
        GCP_API.logging,
        GCP_API.iam,
        GCP_API.kms,
        GCP_API.storage,
        GCP_API.pubsub,
        GCP_API.bigquery,
        GCP_API.run,
        GCP_API.scheduler,
        GCP_API.workflowExecutions,
      ].sort(),
    );
    const unknown: string[] = [];
    for (const r of rec.resources) {
      if (!r.custom || !r.type.startsWith('gcp:') || r.type === SERVICE) continue;
      if (r.type === 'gcp:projects/serviceIdentity:ServiceIdentity') {
        expect(r.dependencies).toContain(serviceOf(rec, r.inputs.service as string).urn);
        continue;
      }
      const api = API_OF_RESOURCE[r.type];
      if (!api) {
        unknown.push(r.type);
        continue;
      }
      expect({ resource: r.name, waits: r.dependencies.includes(serviceOf(rec, api).urn) }).toEqual({
        resource: r.name,
        waits: true,
      });
    }
    expect(unknown).toEqual([]);
    // BigQuery's encryption account is looked up through the BigQuery API once it is on.
    expect(
      rec.one('gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember', 'churn-monitoring-bigquery-agent-key')
        .propertyDependencies.member,
    ).toContain(serviceOf(rec, GCP_API.bigquery).urn);
  });

  test('platform.enableApis false: no services, the same resources otherwise', async () => {
    const on = (await recordDefault()).rec;
    const off = (await record(spec({ platform: platform('staging', false) }))).rec;
    expect(off.ofType(SERVICE)).toEqual([]);
    expect(off.urns()).toEqual(on.urns().filter((u) => !u.includes(`${SERVICE}::`)));
  });
});

test('service account ids fit 30 characters; a long prefix is cut and keeps a hash of the whole', () => {
  expect(serviceAccountIds(spec())).toEqual({
    drift: 'churn-staging-drift',
    scheduler: 'churn-staging-drift-tick',
  });
  const long = (namePrefix: string) => serviceAccountIds(spec({ namePrefix }));
  const a = long('churn-monitoring-staging');
  const b = long('churn-monitoring-prod-eu');
  expect(a.scheduler).toMatch(/^churn-monitor-[0-9a-f]{4}-drift-tick$/);
  expect(a.scheduler.length).toBeLessThanOrEqual(30);
  expect(a.drift).not.toBe(b.drift);
});
