/**
 * Renders a resolved MonitoringStack to AWS through Pulumi, from the shared AWS blueprint: an SNS topic encrypted
 * with its own key (whose policy lets CloudWatch publish) and its subscriptions, CloudWatch alarms on the endpoint
 * (acting on the topic), the endpoint's rollback alarms given the same actions, a dashboard, Model Monitor's
 * data-quality job on a schedule, one drift alarm per feature, and an EventBridge rule that starts the SageMaker
 * pipeline when one of them fires.
 *
 * The Pulumi AWS provider has `DataQualityJobDefinition` but no model-quality, model-bias or model-explainability
 * job definition, so only the data-quality monitor exists here (the CDK construct's L1 resources have all four).
 */
import * as pulumi from '@pulumi/pulumi';
import * as cloudwatch from '@pulumi/aws/cloudwatch';
import { getCallerIdentityOutput } from '@pulumi/aws/getCallerIdentity';
import * as iam from '@pulumi/aws/iam';
import * as kms from '@pulumi/aws/kms';
import * as sagemaker from '@pulumi/aws/sagemaker';
import * as sns from '@pulumi/aws/sns';
import type { AwsEnvironment } from '../blocks/aws-iam';
import { KEY_ROTATION_ENABLED } from '../blocks/aws-storage';
import { awsPartition } from '../blocks/pulumi-aws';
import { attachAlarmActions } from '../model-endpoint/alarm-actions';
import * as blueprint from './aws-blueprint';
import type { RenderedMonitoring } from './rendered';
import type { ResolvedMonitoringStack } from './resolved';

/** The Model Monitor resources; undefined when drift is off. */
export interface MonitoringAwsDrift {
  readonly role: iam.Role;
  readonly jobDefinition: sagemaker.DataQualityJobDefinition;
  readonly schedule: sagemaker.MonitoringSchedule;
  /** The rule that starts retraining; undefined when `drift.retrain` is off. */
  readonly retrainRule?: cloudwatch.EventRule;
  readonly retrainTarget?: cloudwatch.EventTarget;
  readonly retrainRole?: iam.Role;
}

/** The AWS children of a MonitoringStack, for escape hatches. */
export interface MonitoringAwsChildren {
  /** The topic's key and the topic; undefined when only an existing topic is notified. */
  readonly key?: kms.Key;
  readonly topic?: sns.Topic;
  readonly subscriptions: sns.TopicSubscription[];
  /** Every alarm of the stack, health then drift, keyed by the blueprint id (`latency-p99`, `drift-<feature>`). */
  readonly alarms: Readonly<Record<string, cloudwatch.MetricAlarm>>;
  readonly dashboard?: cloudwatch.Dashboard;
  readonly drift?: MonitoringAwsDrift;
}

export function renderAws(
  spec: ResolvedMonitoringStack,
  parent: pulumi.Resource,
): RenderedMonitoring<MonitoringAwsChildren> {
  const name = spec.constructName;
  const region = spec.platform.region;
  const partition = awsPartition(region);
  const tags = { ...spec.tags };
  const opts = { parent };
  const account = getCallerIdentityOutput({}, { parent }).accountId;
  const env = (acct: string): AwsEnvironment => ({ partition, region, account: acct });
  const endpointName = pulumi.output(spec.endpoint.endpointName);

  // Who is told: this stack's topic (its own key, so its policy may name CloudWatch), and an existing topic.
  let key: kms.Key | undefined;
  let topic: sns.Topic | undefined;
  const subscriptions: sns.TopicSubscription[] = [];
  const topicArns: pulumi.Input<string>[] = [];
  if (blueprint.ownsTopic(spec)) {
    key = new kms.Key(
      `${name}-topic-key`,
      {
        description: `Encrypts the ${spec.namePrefix} alarm notifications.`,
        enableKeyRotation: KEY_ROTATION_ENABLED,
        deletionWindowInDays: 30,
        policy: account.apply((acct) => JSON.stringify(blueprint.topicKeyPolicy(env(acct)))),
        region,
        tags,
      },
      { ...opts, retainOnDelete: spec.platform.retainOnDelete },
    );
    topic = new sns.Topic(
      `${name}-topic`,
      {
        name: blueprint.topicName(spec),
        displayName: blueprint.topicDisplayName(spec),
        kmsMasterKeyId: key.arn,
        region,
        tags,
      },
      opts,
    );
    new sns.TopicPolicy(
      `${name}-topic-policy`,
      {
        arn: topic.arn,
        policy: pulumi
          .all([topic.arn, account])
          .apply(([arn, acct]) => JSON.stringify(blueprint.topicPolicy(arn, env(acct)))),
        region,
      },
      opts,
    );
    for (const sub of blueprint.subscriptions(spec)) {
      subscriptions.push(
        new sns.TopicSubscription(
          `${name}-${sub.id}`,
          {
            topic: topic.arn,
            protocol: sub.protocol,
            endpoint:
              sub.protocol === 'email'
                ? spec.notifications.emails[sub.index]
                : pulumi.secret(spec.notifications.webhookUrl!),
            region,
          },
          opts,
        ),
      );
    }
    topicArns.push(topic.arn);
  }
  if (spec.notifications.topicArn !== undefined) topicArns.push(spec.notifications.topicArn);
  const actions = pulumi.all(topicArns);

  // The endpoint's rollback alarms tell the same people (SageMaker still reads them to roll back).
  const owner = spec.endpoint.alarmActionsOwner;
  const actsOnRollback =
    owner !== undefined && attachAlarmActions(owner, actions, { construct: 'MonitoringStack', name });

  const monitor = spec.drift ? renderMonitor(spec, parent, account, env, endpointName) : undefined;

  const plans = blueprint.alarms(spec, '');
  const alarms: Record<string, cloudwatch.MetricAlarm> = {};
  for (const plan of plans) {
    const live = endpointName.apply((n) => blueprint.alarms(spec, n).find((a) => a.id === plan.id)!);
    const single = plan.metric;
    alarms[plan.id] = new cloudwatch.MetricAlarm(
      `${name}-${plan.id}`,
      {
        name: plan.name,
        alarmDescription: plan.description,
        comparisonOperator: plan.comparisonOperator,
        threshold: plan.threshold,
        evaluationPeriods: plan.evaluationPeriods,
        datapointsToAlarm: plan.datapointsToAlarm,
        treatMissingData: plan.treatMissingData,
        ...(single
          ? {
              namespace: single.namespace,
              metricName: single.metricName,
              period: single.periodSeconds,
              ...(/^p\d/.test(single.statistic)
                ? { extendedStatistic: single.statistic }
                : { statistic: single.statistic }),
              dimensions: live.apply((a) => ({ ...a.metric!.dimensions })),
            }
          : {
              metricQueries: live.apply((a) => [
                {
                  id: a.expression!.id,
                  expression: a.expression!.expression,
                  label: a.expression!.label,
                  returnData: true,
                },
                ...a.metrics!.map((m) => ({
                  id: m.id,
                  returnData: false,
                  metric: {
                    namespace: m.namespace,
                    metricName: m.metricName,
                    dimensions: { ...m.dimensions },
                    period: m.periodSeconds,
                    stat: m.statistic,
                  },
                })),
              ]),
            }),
        alarmActions: actions,
        okActions: actions,
        region,
        tags,
      },
      // A drift alarm watches the schedule's metrics: it follows the schedule.
      plan.kind === 'drift' && monitor ? { ...opts, dependsOn: [monitor.schedule] } : opts,
    );
  }

  let dashboard: cloudwatch.Dashboard | undefined;
  if (spec.dashboard) {
    dashboard = new cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: blueprint.dashboardName(spec),
        dashboardBody: endpointName.apply((n) => blueprint.dashboardBody(spec, { region, endpointName: n })),
        region,
      },
      opts,
    );
  }

  let drift: MonitoringAwsDrift | undefined = monitor;
  if (monitor && spec.drift?.retrain && spec.pipeline) {
    const driftNames = plans.filter((p) => p.kind === 'drift').map((p) => p.name);
    drift = { ...monitor, ...renderRetrain(spec, parent, account, env, driftNames, Object.values(alarms)) };
  }

  const alarmNames = [
    ...plans.map((p) => p.name),
    ...(actsOnRollback ? (spec.endpoint.rollbackAlarmNames ?? []) : []),
  ].sort();
  return {
    alarmNames: pulumi.output(alarmNames),
    dashboardUrl: dashboard
      ? dashboard.dashboardName.apply((n) => blueprint.dashboardUrl(region, n))
      : pulumi.output(''),
    notificationTargets: actions,
    driftCheck: monitor ? monitor.schedule.name : pulumi.output(''),
    children: { key, topic, subscriptions, alarms, dashboard, drift },
  };
}

function renderMonitor(
  spec: ResolvedMonitoringStack,
  parent: pulumi.Resource,
  account: pulumi.Output<string>,
  env: (account: string) => AwsEnvironment,
  endpointName: pulumi.Output<string>,
): MonitoringAwsDrift {
  const name = spec.constructName;
  const region = spec.platform.region;
  const tags = { ...spec.tags };
  const opts = { parent };
  const capture = spec.endpoint.capture;
  if (!capture) {
    // The resolver refuses drift on aws without capture; this guards a hand-built spec.
    throw new Error(`MonitoringStack "${name}": the aws drift check needs the endpoint's request capture`);
  }
  const network = spec.platform.network;
  const refs = pulumi
    .all([
      account,
      endpointName,
      capture.s3Uri,
      capture.kmsKeyArn,
      spec.drift!.baselineUri,
      spec.pipeline?.kmsKeyArn,
    ])
    .apply(
      ([
        acct,
        endpoint,
        captureS3Uri,
        captureKeyArn,
        baselineUri,
        baselineKeyArn,
      ]): blueprint.MonitorAwsRefs => ({
        ...env(acct),
        endpointName: endpoint,
        captureS3Uri,
        captureKeyArn,
        baselineUri,
        baselineKeyArn,
        subnetIds: network.subnetIds,
        securityGroupIds: network.securityGroupIds,
      }),
    );

  const role = new iam.Role(
    `${name}-monitor-role`,
    {
      description: `Runs the ${spec.namePrefix} data-quality monitor.`,
      assumeRolePolicy: account.apply((acct) => JSON.stringify(blueprint.monitorTrustPolicy(env(acct)))),
      tags,
    },
    opts,
  );
  const policy = new iam.RolePolicy(
    `${name}-monitor-policy`,
    { role: role.name, policy: refs.apply((r) => JSON.stringify(blueprint.monitorRolePolicy(r))) },
    opts,
  );
  const job = refs.apply((r) => blueprint.dataQualityJob(spec, r));
  const jobDefinition = new sagemaker.DataQualityJobDefinition(
    `${name}-data-quality`,
    {
      name: job.jobDefinitionName,
      roleArn: role.arn,
      dataQualityAppSpecification: job.dataQualityAppSpecification,
      dataQualityBaselineConfig: job.dataQualityBaselineConfig,
      dataQualityJobInput: job.dataQualityJobInput,
      dataQualityJobOutputConfig: job.dataQualityJobOutputConfig,
      jobResources: job.jobResources,
      networkConfig: job.networkConfig,
      stoppingCondition: job.stoppingCondition,
      region,
      tags,
    },
    // SageMaker checks the role's access when the definition is created.
    { ...opts, dependsOn: [policy] },
  );
  const schedule = new sagemaker.MonitoringSchedule(
    `${name}-schedule`,
    {
      name: blueprint.monitoringScheduleName(spec),
      monitoringScheduleConfig: jobDefinition.name.apply((n) => blueprint.monitoringScheduleConfig(spec, n)),
      region,
      tags,
    },
    opts,
  );
  return { role, jobDefinition, schedule };
}

function renderRetrain(
  spec: ResolvedMonitoringStack,
  parent: pulumi.Resource,
  account: pulumi.Output<string>,
  env: (account: string) => AwsEnvironment,
  driftAlarmNames: string[],
  alarms: cloudwatch.MetricAlarm[],
): Pick<MonitoringAwsDrift, 'retrainRule' | 'retrainTarget' | 'retrainRole'> {
  const name = spec.constructName;
  const region = spec.platform.region;
  const tags = { ...spec.tags };
  const opts = { parent };
  const ruleName = blueprint.driftRuleName(spec);
  const retrainRule = new cloudwatch.EventRule(
    `${name}-drift-retrain`,
    {
      name: ruleName,
      description: `Starts the training pipeline when an input feature of ${spec.namePrefix} drifts.`,
      eventPattern: JSON.stringify(blueprint.driftEventPattern(driftAlarmNames)),
      region,
      tags,
    },
    { ...opts, dependsOn: alarms },
  );
  const retrainRole = new iam.Role(
    `${name}-retrain-role`,
    {
      description: `Lets EventBridge start the pipeline that retrains ${spec.namePrefix}.`,
      assumeRolePolicy: account.apply((acct) =>
        JSON.stringify(blueprint.retrainTrustPolicy(env(acct), ruleName)),
      ),
      tags,
    },
    opts,
  );
  const rolePolicy = new iam.RolePolicy(
    `${name}-retrain-policy`,
    {
      role: retrainRole.name,
      policy: pulumi
        .output(spec.pipeline!.retrainTrigger)
        .apply((arn) => JSON.stringify(blueprint.retrainRolePolicy(arn))),
    },
    opts,
  );
  const retrainTarget = new cloudwatch.EventTarget(
    `${name}-drift-retrain-target`,
    {
      rule: retrainRule.name,
      arn: spec.pipeline!.retrainTrigger,
      roleArn: retrainRole.arn,
      region,
    },
    { ...opts, dependsOn: [rolePolicy] },
  );
  return { retrainRule, retrainTarget, retrainRole };
}
