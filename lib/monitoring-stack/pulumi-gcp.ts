/**
 * Renders a resolved MonitoringStack to Cloud Monitoring through Pulumi: notification channels, one alert policy per
 * condition on the Cloud Run service, a dashboard, and the drift check (captures → BigQuery subscription → a
 * scheduled Cloud Run job → a log-match alert policy on its result line, and a log-based metric for the dashboard; on
 * drift the job starts the training workflow).
 */
import { KMS_ENCRYPTER_DECRYPTER } from '../blocks/gcp-roles';
import * as pulumi from '@pulumi/pulumi';
import * as bigquery from '@pulumi/gcp/bigquery';
import { getDefaultServiceAccountOutput } from '@pulumi/gcp/bigquery/getDefaultServiceAccount';
import * as cloudrunv2 from '@pulumi/gcp/cloudrunv2';
import * as cloudscheduler from '@pulumi/gcp/cloudscheduler';
import * as kms from '@pulumi/gcp/kms';
import * as logging from '@pulumi/gcp/logging';
import * as monitoring from '@pulumi/gcp/monitoring';
import * as projects from '@pulumi/gcp/projects';
import * as pubsub from '@pulumi/gcp/pubsub';
import * as serviceaccount from '@pulumi/gcp/serviceaccount';
import * as storage from '@pulumi/gcp/storage';
import type * as gcpInputs from '@pulumi/gcp/types/input';
import { monitoringStackApis } from '../blocks/gcp-apis';
import { IamSettle } from '../blocks/gcp-iam-settle';
import {
  childOptions,
  enableGcpApis,
  gcpCustomerKey,
  serviceAgentMember,
  type GcpChildContext,
} from '../blocks/pulumi-gcp';
import { gateRolloutOnAlertPolicies } from '../model-endpoint/gcp-cloud-deploy-gate';
import { gcsObjectPrefix } from '../model-endpoint/gcp-facts';
import {
  CAPTURE_RETENTION_DAYS,
  CAPTURE_TABLE_ID,
  CAPTURE_TABLE_SCHEMA,
  RETRAIN_PERMISSIONS,
  captureDatasetId,
  dashboardDefinition,
  dashboardUrl,
  driftAlert,
  driftCron,
  driftEnvironment,
  driftJobName,
  driftLogFilter,
  driftMetricName,
  incidentDelayReason,
  incidentDelaySeconds,
  logMetricType,
  retrainRoleId,
  serviceAccountIds,
  serviceAlerts,
  type AlertDefinition,
} from './gcp-facts';
import type { RenderedMonitoring } from './rendered';
import type { ResolvedMonitoringStack } from './resolved';

/** The drift check's resources; undefined when drift is off. */
export interface MonitoringGcpDrift {
  readonly dataset: bigquery.Dataset;
  readonly table: bigquery.Table;
  /** The BigQuery subscription on the endpoint's capture topic. */
  readonly subscription: pubsub.Subscription;
  readonly job: cloudrunv2.Job;
  readonly schedule: cloudscheduler.Job;
  /** The drift job's identity. */
  readonly account: serviceaccount.Account;
  /** The identity Cloud Scheduler starts the job as. */
  readonly schedulerAccount: serviceaccount.Account;
  /** Counts drifting checks for the dashboard (the drift alert watches the log line itself). */
  readonly metric: logging.Metric;
  /** The key the construct created; undefined when the platform brought one. */
  readonly key?: kms.CryptoKey;
}

export interface MonitoringGcpChildren {
  readonly channels: monitoring.NotificationChannel[];
  readonly alertPolicies: monitoring.AlertPolicy[];
  readonly dashboard?: monitoring.Dashboard;
  readonly drift?: MonitoringGcpDrift;
  /** The APIs the stack enabled; empty when `platform.enableApis` is false. */
  readonly apis: projects.Service[];
}

const ENCRYPTER = KMS_ENCRYPTER_DECRYPTER;

export function renderGcp(
  spec: ResolvedMonitoringStack,
  parent: pulumi.Resource,
): RenderedMonitoring<MonitoringGcpChildren> {
  const name = spec.constructName;
  const { project } = spec.platform;
  const apis = enableGcpApis(
    name,
    monitoringStackApis({ drift: spec.drift !== undefined, retrain: spec.drift?.retrain === true }),
    parent,
    spec.platform,
  );
  const ctx: GcpChildContext = { parent, platform: spec.platform, labels: { ...spec.tags }, apis };
  const opts = childOptions(ctx);

  const channels = notificationChannels(spec, ctx);
  const channelIds: pulumi.Input<string>[] = [
    ...channels.map((c) => c.name),
    ...spec.notifications.channelIds,
  ];
  const serviceName = pulumi.output(spec.endpoint.endpointName);
  const policy = (id: string, definition: pulumi.Output<AlertDefinition>, template: AlertDefinition) =>
    new monitoring.AlertPolicy(
      `${name}-${id}`,
      {
        project,
        displayName: template.displayName,
        combiner: 'OR',
        severity: template.severity,
        conditions: definition.apply((d) => [
          d.condition as unknown as gcpInputs.monitoring.AlertPolicyCondition,
        ]),
        notificationChannels: channelIds,
        documentation: { content: definition.apply((d) => d.documentation), mimeType: 'text/markdown' },
        alertStrategy: template.alertStrategy as gcpInputs.monitoring.AlertPolicyAlertStrategy | undefined,
        userLabels: ctx.labels,
      },
      opts,
    );
  // Which alerts exist and their display names do not depend on the service's name; their filters do.
  const templates = serviceAlerts(spec, '');
  const alertPolicies = templates.map((template) =>
    policy(
      `alert-${template.key}`,
      serviceName.apply((service) => serviceAlerts(spec, service).find((a) => a.key === template.key)!),
      template,
    ),
  );

  // A ModelEndpoint rolled out by Cloud Deploy analyses each step against the policies that say "this release is
  // bad": latency and server errors (not traffic, which a small canary may lack, nor saturation or drift).
  const gates = alertPolicies.filter((_p, i) => ['latency', 'server-errors'].includes(templates[i].key));
  gateRolloutOnAlertPolicies(
    spec.endpoint.construct,
    gates.map((p) => p.name),
    {
      seconds: incidentDelaySeconds(spec.thresholds),
      reason: incidentDelayReason(spec.thresholds),
      watcher: `MonitoringStack "${name}"`,
    },
  );

  const drift = spec.drift ? renderDrift(spec, ctx, serviceName) : undefined;
  if (drift) {
    // A log-match condition on the job's result line: it does not wait on the log-based metric (the dashboard's).
    const definition = driftAlert(spec, driftJobName(spec));
    alertPolicies.push(
      policy(
        'alert-drift',
        pulumi.output('').apply(() => definition),
        definition,
      ),
    );
  }

  const dashboard = spec.dashboard
    ? new monitoring.Dashboard(
        `${name}-dashboard`,
        {
          project,
          dashboardJson: serviceName.apply((service) =>
            JSON.stringify(
              dashboardDefinition(spec, service, drift ? logMetricType(driftMetricName(spec)) : undefined),
            ),
          ),
        },
        opts,
      )
    : undefined;

  return {
    alarmNames: pulumi.all(alertPolicies.map((p) => p.displayName)).apply((names) => [...names].sort()),
    dashboardUrl: dashboard ? dashboard.id.apply((id) => dashboardUrl(id, project)) : pulumi.output(''),
    notificationTargets: pulumi.all(channelIds),
    driftCheck: drift ? drift.schedule.name : pulumi.output(''),
    children: { channels, alertPolicies, dashboard, drift, apis },
  };
}

/**
 * One email channel per address and a webhook channel (`webhook_tokenauth`: Cloud Monitoring posts the incident as
 * JSON to the URL, which may carry its token in the query). The URL is a label of the channel: a URL given as a
 * Pulumi secret stays a secret in the state.
 */
function notificationChannels(spec: ResolvedMonitoringStack, ctx: GcpChildContext) {
  const { project } = spec.platform;
  const opts = childOptions(ctx);
  const channels = spec.notifications.emails.map(
    (email) =>
      new monitoring.NotificationChannel(
        `${spec.constructName}-email-${email}`,
        {
          project,
          type: 'email',
          displayName: `${spec.namePrefix} alerts to ${email}`,
          labels: { email_address: email },
          userLabels: ctx.labels,
        },
        opts,
      ),
  );
  if (spec.notifications.webhookUrl !== undefined)
    channels.push(
      new monitoring.NotificationChannel(
        `${spec.constructName}-webhook`,
        {
          project,
          type: 'webhook_tokenauth',
          displayName: `${spec.namePrefix} alerts webhook`,
          labels: { url: spec.notifications.webhookUrl },
          userLabels: ctx.labels,
        },
        { ...opts, additionalSecretOutputs: ['labels'] },
      ),
    );
  return channels;
}

/** `gs://bucket/prefix` of the baseline, as a bucket and an IAM condition on objects under the prefix. */
function baselineGrantTarget(uri: pulumi.Input<string>) {
  const location = pulumi.output(uri).apply((u) => {
    const found = gcsObjectPrefix(u);
    if (!found)
      throw new Error(
        `MonitoringStack: drift.baselineUri must be a gs:// URL on gcp, not ${JSON.stringify(u)}. Fix: give the ` +
          `baseline the training workflow wrote (gs://<artifact bucket>/runs/<run id>/baseline/).`,
      );
    return { bucket: found.bucket, prefix: found.prefix ?? '' };
  });
  return {
    bucket: location.apply((l) => l.bucket),
    condition: {
      title: 'baseline-only',
      description: location.apply((l) => `Only objects under ${l.prefix || 'the bucket'}`),
      expression: location.apply(
        (l) =>
          `resource.name.startsWith(${JSON.stringify(`projects/_/buckets/${l.bucket}/objects/${l.prefix}`)}) || ` +
          `api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith(${JSON.stringify(l.prefix)})`,
      ),
    },
  };
}

function renderDrift(
  spec: ResolvedMonitoringStack,
  ctx: GcpChildContext,
  serviceName: pulumi.Output<string>,
): MonitoringGcpDrift {
  const drift = spec.drift!;
  const name = spec.constructName;
  const { project, region } = spec.platform;
  const topic = spec.endpoint.captureTopic;
  if (topic === undefined)
    throw new Error(
      `MonitoringStack ${name}: the drift check reads captured requests, and the endpoint captures none. ` +
        `Fix: capture requests on the ModelEndpoint, or set drift.enabled false.`,
    );
  if (drift.image === undefined)
    throw new Error(
      `MonitoringStack ${name}: drift.image is required on gcp. Fix: build templates/drift and give its image.`,
    );
  const opts = childOptions(ctx);
  const keep = { retainOnDelete: spec.platform.retainOnDelete };
  const { keyId, key } = gcpCustomerKey(name, ctx);

  // The Cloud Run agent encrypts the job with the key; BigQuery's encryption account the captured rows.
  const runKey = new kms.CryptoKeyIAMMember(
    `${name}-run-agent-key`,
    { cryptoKeyId: keyId, role: ENCRYPTER, member: serviceAgentMember(name, 'run', ctx) },
    opts,
  );
  const bigqueryAgent = getDefaultServiceAccountOutput(
    { project },
    { parent: ctx.parent, dependsOn: [...ctx.apis] },
  );
  const bigqueryKey = new kms.CryptoKeyIAMMember(
    `${name}-bigquery-agent-key`,
    { cryptoKeyId: keyId, role: ENCRYPTER, member: bigqueryAgent.member },
    opts,
  );
  const keysSettled = new IamSettle(`${name}-key-grants-settle`, [runKey, bigqueryKey], {
    parent: ctx.parent,
  });

  const dataset = new bigquery.Dataset(
    `${name}-capture`,
    {
      datasetId: captureDatasetId(spec),
      project,
      location: region,
      description: `Requests captured by the ${spec.namePrefix} endpoint, for the drift check.`,
      defaultEncryptionConfiguration: { kmsKeyName: keyId },
      deleteContentsOnDestroy: false,
      labels: ctx.labels,
    },
    { ...childOptions(ctx, bigqueryKey, keysSettled), ...keep },
  );
  const table = new bigquery.Table(
    `${name}-captured-requests`,
    {
      project,
      datasetId: dataset.datasetId,
      tableId: CAPTURE_TABLE_ID,
      description: 'One row per captured request, written by the Pub/Sub BigQuery subscription.',
      schema: JSON.stringify(CAPTURE_TABLE_SCHEMA),
      timePartitioning: {
        type: 'DAY',
        field: 'publish_time',
        expirationMs: CAPTURE_RETENTION_DAYS * 24 * 3600 * 1000,
      },
      encryptionConfiguration: { kmsKeyName: keyId },
      deletionProtection: spec.platform.retainOnDelete,
      labels: ctx.labels,
    },
    { ...childOptions(ctx, bigqueryKey, keysSettled), ...keep },
  );
  const tableRef = { project, datasetId: table.datasetId, tableId: table.tableId };
  const captureTable = pulumi.interpolate`${project}.${table.datasetId}.${table.tableId}`;

  // The subscription writes as the Pub/Sub service agent: BigQuery Data Editor on this table only.
  const writeGrant = new bigquery.IamMember(
    `${name}-pubsub-writes-captures`,
    { ...tableRef, role: 'roles/bigquery.dataEditor', member: serviceAgentMember(name, 'pubsub', ctx) },
    opts,
  );
  const subscription = new pubsub.Subscription(
    `${name}-capture-to-bigquery`,
    {
      name: `${spec.namePrefix}-capture-bigquery`,
      project,
      topic,
      bigqueryConfig: { table: captureTable, writeMetadata: true },
      // Never expires for inactivity (an endpoint may go days without captured traffic).
      expirationPolicy: { ttl: '' },
      messageRetentionDuration: '604800s',
      labels: ctx.labels,
    },
    // Pub/Sub checks that its agent may write the table when the subscription is made.
    childOptions(
      ctx,
      writeGrant,
      new IamSettle(`${name}-capture-grant-settle`, [writeGrant], { parent: ctx.parent }),
    ),
  );

  const ids = serviceAccountIds(spec);
  const account = new serviceaccount.Account(
    `${name}-drift`,
    { accountId: ids.drift, displayName: `Drift check of the ${spec.namePrefix} endpoint`, project },
    opts,
  );
  const member = pulumi.interpolate`serviceAccount:${account.email}`;
  const baseline = baselineGrantTarget(drift.baselineUri);
  new projects.IAMMember(
    `${name}-drift-runs-queries`,
    { project, role: 'roles/bigquery.jobUser', member },
    opts,
  );
  new bigquery.IamMember(
    `${name}-drift-reads-captures`,
    { ...tableRef, role: 'roles/bigquery.dataViewer', member },
    opts,
  );
  new storage.BucketIAMMember(
    `${name}-drift-reads-baseline`,
    { bucket: baseline.bucket, role: 'roles/storage.objectViewer', member, condition: baseline.condition },
    opts,
  );
  let retrainWorkflow: pulumi.Input<string> | undefined;
  if (drift.retrain) {
    if (!spec.pipeline)
      throw new Error(
        `MonitoringStack ${name}: drift.retrain needs a pipeline. Fix: give pipeline, or retrain false.`,
      );
    retrainWorkflow = spec.pipeline.retrainTrigger;
    const role = new projects.IAMCustomRole(
      `${name}-drift-retrain-role`,
      {
        project,
        roleId: retrainRoleId(spec),
        title: `Start retraining on drift (${spec.namePrefix})`,
        description:
          'Lets the drift job start the training workflow and see whether it runs (workflows.executions.create and list only).',
        permissions: [...RETRAIN_PERMISSIONS],
        stage: 'GA',
      },
      opts,
    );
    // Workflows roles are granted on the project only, and Workflows does not evaluate IAM conditions on resource
    // names: the job's environment names the one workflow it starts.
    new projects.IAMMember(
      `${name}-drift-starts-retraining`,
      { project, role: pulumi.interpolate`projects/${role.project}/roles/${role.roleId}`, member },
      opts,
    );
  }

  const jobName = driftJobName(spec);
  const env = pulumi
    .all([captureTable, pulumi.output(drift.baselineUri), serviceName, pulumi.output(retrainWorkflow)])
    .apply(([tableName, baselineUri, endpointName, workflow]) =>
      Object.entries(
        driftEnvironment(spec, {
          captureTable: tableName,
          baselineUri,
          endpointName,
          retrainWorkflow: workflow,
        }),
      ).map(([envName, value]) => ({ name: envName, value })),
    );
  const network = spec.platform.network;
  const job = new cloudrunv2.Job(
    `${name}-drift-job`,
    {
      name: jobName,
      location: region,
      project,
      // The job holds no data (the table and the baseline do): `pulumi destroy` may remove it.
      deletionProtection: false,
      labels: ctx.labels,
      template: {
        taskCount: 1,
        parallelism: 1,
        labels: ctx.labels,
        template: {
          serviceAccount: account.email,
          encryptionKey: keyId,
          executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
          timeout: '1800s',
          // One retry for a transient API error; the job starts no second retraining while one runs.
          maxRetries: 1,
          ...(network.vpcNetwork || network.vpcSubnetwork
            ? {
                vpcAccess: {
                  egress: 'PRIVATE_RANGES_ONLY',
                  networkInterfaces: [{ network: network.vpcNetwork, subnetwork: network.vpcSubnetwork }],
                },
              }
            : {}),
          containers: [{ image: drift.image, envs: env, resources: { limits: { cpu: '1', memory: '1Gi' } } }],
        },
      },
    },
    // The Cloud Run agent must hold the key before the job is encrypted with it.
    childOptions(ctx, runKey, keysSettled),
  );

  const schedulerAccount = new serviceaccount.Account(
    `${name}-drift-tick`,
    { accountId: ids.scheduler, displayName: `Starts the drift check of ${spec.namePrefix}`, project },
    opts,
  );
  const invoker = new cloudrunv2.JobIamMember(
    `${name}-scheduler-runs-drift`,
    {
      name: job.name,
      location: region,
      project,
      role: 'roles/run.invoker',
      member: pulumi.interpolate`serviceAccount:${schedulerAccount.email}`,
    },
    opts,
  );
  const schedule = new cloudscheduler.Job(
    `${name}-drift-schedule`,
    {
      name: jobName,
      region,
      project,
      description: `Runs the ${drift.schedule} drift check of ${spec.namePrefix}.`,
      schedule: driftCron(drift.schedule),
      timeZone: 'Etc/UTC',
      attemptDeadline: '320s',
      retryConfig: { retryCount: 1 },
      httpTarget: {
        httpMethod: 'POST',
        uri: job.id.apply((id) => `https://run.googleapis.com/v2/${id}:run`),
        headers: { 'Content-Type': 'application/json' },
        body: Buffer.from('{}').toString('base64'),
        oauthToken: {
          serviceAccountEmail: schedulerAccount.email,
          scope: 'https://www.googleapis.com/auth/cloud-platform',
        },
      },
    },
    childOptions(ctx, invoker),
  );

  const metric = new logging.Metric(
    `${name}-drift-detected`,
    {
      project,
      name: driftMetricName(spec),
      description: `Drift checks of ${spec.namePrefix} that found drift (one per check).`,
      filter: job.name.apply(driftLogFilter),
      metricDescriptor: { metricKind: 'DELTA', valueType: 'INT64', unit: '1', displayName: 'Drift found' },
    },
    opts,
  );
  return { dataset, table, subscription, job, schedule, account, schedulerAccount, metric, key };
}
