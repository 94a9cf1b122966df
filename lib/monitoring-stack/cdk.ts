/**
 * The CDK MonitoringStack: the same arguments as the Pulumi construct (plain values instead of Pulumi inputs),
 * built from the same AWS blueprint as the Pulumi AWS renderer: alarm definitions, dashboard body, topic key and
 * topic policies, the Model Monitor job and its role, the drift alarms and the retrain rule are written once there.
 *
 * Only Model Monitor's data-quality monitor is built. CloudFormation also has model-quality, bias and
 * explainability job definitions, but each needs inputs this construct has no argument for (ground-truth labels
 * merged with the captured requests, the problem type and the inference attribute; a bias configuration with the
 * facet and label columns; a SHAP baseline), so none is created rather than one that cannot run.
 */
import type * as pulumi from '@pulumi/pulumi';
import { Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { AwsEnvironment } from '../blocks/aws-iam';
import { KEY_ROTATION_ENABLED } from '../blocks/aws-storage';
import { removalPolicy } from '../blocks/cdk-aws';
import { attachBlueprintPolicy, blueprintRole } from '../blocks/cdk-iam';
import { cdkAnalyzerImage } from '../blocks/cdk-model-monitor';
import { cdkPlatformArgs } from '../core/platform-context';
import { isKnown, ProblemList } from '../core/validation';
import { ModelEndpoint } from '../model-endpoint/cdk';
import type { MonitoringStackArgs } from './args';
import * as blueprint from './aws-blueprint';
import { BlueprintWidget, StartPipelineExecutionTarget } from './cdk-targets';
import { CONSTRUCT, resolveMonitoringStack } from './resolve';
import { awaitingDriftCheck, type ResolvedMonitoringStack } from './resolved';

/** MonitoringStack arguments for CDK: the Pulumi arguments with every input a plain value (tokens allowed). */
export type MonitoringStackProps = pulumi.Unwrap<MonitoringStackArgs>;

/** The Model Monitor resources of a MonitoringStack. */
export interface MonitoringStackDrift {
  /** The role the monitoring jobs run as. */
  readonly role: iam.Role;
  readonly jobDefinition: sagemaker.CfnDataQualityJobDefinition;
  readonly schedule: sagemaker.CfnMonitoringSchedule;
  /** The rule that starts the pipeline when a drift alarm fires; undefined without `drift.retrain`. */
  readonly retrainRule?: events.Rule;
  /** The role EventBridge starts the pipeline as: exactly `sagemaker:StartPipelineExecution` on it. */
  readonly retrainRole?: iam.Role;
}

/** Which MonitoringStack watches each CDK ModelEndpoint: its rollback alarms take one stack's actions. */
const WATCHERS = new WeakMap<ModelEndpoint, string>();

export class MonitoringStack extends Construct {
  /**
   * Names of every alarm this stack created or gave actions to, sorted: its health and drift alarms, and the
   * watched ModelEndpoint's rollback alarms. Empty while the watched endpoint awaits a release.
   */
  readonly alarmNames: string[];
  /** The dashboard's CloudWatch console URL; `''` when `dashboard` is false. */
  readonly dashboardUrl: string;
  /** ARNs of the topics every alarm notifies: this stack's topic, then `notifications.topicArn`. */
  readonly notificationTargets: string[];
  /**
   * Name of the SageMaker monitoring schedule that runs the drift check; `''` when drift is off; why none runs when
   * the watched endpoint awaits a release.
   */
  readonly driftCheck: string;
  readonly spec: ResolvedMonitoringStack;
  /** The topic's own key (its policy lets CloudWatch publish); undefined when only an existing topic is told. */
  readonly key?: kms.Key;
  /** This stack's topic; undefined when only `notifications.topicArn` is told. */
  readonly topic?: sns.Topic;
  readonly subscriptions: sns.Subscription[];
  /** Every alarm of the stack, health then drift, keyed by the blueprint id (`latency-p99`, `drift-<feature>`). */
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;
  readonly dashboard?: cloudwatch.Dashboard;
  /** Undefined when the drift check is off. */
  readonly drift?: MonitoringStackDrift;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id);
    // Other clouds, a region the stack does not deploy to and a replica region are refused first.
    const platformArgs = cdkPlatformArgs(this, CONSTRUCT, id, props?.platform);
    const spec = resolveMonitoringStack(id, props as MonitoringStackArgs, platformArgs);
    this.spec = spec;
    // Empty or a token when it is the stack's deploy-time region: then CloudFormation fills it in.
    const region = spec.platform.region && isKnown(spec.platform.region) ? spec.platform.region : Aws.REGION;
    const endpoint = props.endpoint instanceof ModelEndpoint ? props.endpoint : undefined;
    if (endpoint) claimEndpoint(endpoint, this, id);
    const env: AwsEnvironment = { partition: Aws.PARTITION, region: Aws.REGION, account: Aws.ACCOUNT_ID };
    const endpointName = spec.endpoint.endpointName as string;

    // Who is told: this stack's topic (its own key, so its policy may name CloudWatch), and an existing topic.
    const topics: sns.ITopic[] = [];
    this.subscriptions = [];
    if (blueprint.ownsTopic(spec)) {
      this.key = new kms.Key(this, 'TopicKey', {
        description: `Encrypts the ${spec.namePrefix} alarm notifications.`,
        enableKeyRotation: KEY_ROTATION_ENABLED,
        pendingWindow: Duration.days(30),
        policy: iam.PolicyDocument.fromJson(blueprint.topicKeyPolicy(env)),
        removalPolicy: removalPolicy(spec.platform),
      });
      this.topic = new sns.Topic(this, 'Topic', {
        topicName: blueprint.topicName(spec),
        displayName: blueprint.topicDisplayName(spec),
        masterKey: this.key,
      });
      new sns.TopicPolicy(this, 'TopicPolicy', {
        topics: [this.topic],
        policyDocument: iam.PolicyDocument.fromJson(blueprint.topicPolicy(this.topic.topicArn, env)),
      });
      for (const sub of blueprint.subscriptions(spec)) {
        this.subscriptions.push(
          new sns.Subscription(this, `Subscription-${sub.id}`, {
            topic: this.topic,
            protocol:
              sub.protocol === 'email' ? sns.SubscriptionProtocol.EMAIL : sns.SubscriptionProtocol.HTTPS,
            endpoint:
              sub.protocol === 'email'
                ? spec.notifications.emails[sub.index]
                : (spec.notifications.webhookUrl as string),
          }),
        );
      }
      topics.push(this.topic);
    }
    if (spec.notifications.topicArn !== undefined) {
      topics.push(sns.Topic.fromTopicArn(this, 'NotifiedTopic', spec.notifications.topicArn as string));
    }
    const actions = topics.map((topic) => new SnsAction(topic));

    // The endpoint's rollback alarms tell the same people; SageMaker still reads them to roll back.
    for (const alarm of endpoint?.rollbackAlarms ?? []) alarm.addAlarmAction(...actions);

    // An endpoint awaiting its first release created nothing to watch: only who is told exists until it serves.
    const awaiting = spec.endpoint.awaitingRelease;
    const drift = spec.drift && !awaiting ? this.monitor(spec, env, endpointName, region) : undefined;

    const alarms: Record<string, cloudwatch.Alarm> = {};
    const plans = awaiting ? [] : blueprint.alarms(spec, endpointName);
    for (const plan of plans) {
      const alarm = cdkAlarm(this, `Alarm-${plan.id}`, plan);
      alarm.addAlarmAction(...actions);
      alarm.addOkAction(...actions);
      // A drift alarm watches the schedule's metrics: it follows the schedule.
      if (plan.kind === 'drift' && drift) alarm.node.addDependency(drift.schedule);
      alarms[plan.id] = alarm;
    }
    this.alarms = alarms;

    if (spec.dashboard && !awaiting) {
      this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
        dashboardName: blueprint.dashboardName(spec),
        widgets: [
          blueprint.dashboardWidgets(spec, { region, endpointName }).map((w) => new BlueprintWidget(w)),
        ],
      });
    }

    const driftPlans = drift ? blueprint.driftAlarms(spec, endpointName) : [];
    if (drift && spec.drift?.retrain && spec.pipeline) {
      const driftAlarms = driftPlans.map((plan) => alarms[plan.id]);
      this.drift = {
        ...drift,
        ...this.retrain(
          spec,
          env,
          driftPlans.map((plan) => plan.name),
          driftAlarms,
        ),
      };
    } else {
      this.drift = drift;
    }

    this.alarmNames = [
      ...plans.map((plan) => plan.name),
      ...(endpoint ? (spec.endpoint.rollbackAlarmNames ?? []) : []),
    ].sort();
    this.dashboardUrl = this.dashboard ? blueprint.dashboardUrl(region, blueprint.dashboardName(spec)) : '';
    this.notificationTargets = topics.map((topic) => topic.topicArn);
    this.driftCheck = awaiting
      ? awaitingDriftCheck(awaiting)
      : drift
        ? blueprint.monitoringScheduleName(spec)
        : '';
  }

  /** Model Monitor's data-quality job on the endpoint's captured requests, on the drift schedule. */
  private monitor(
    spec: ResolvedMonitoringStack,
    env: AwsEnvironment,
    endpointName: string,
    region: string,
  ): MonitoringStackDrift {
    const capture = spec.endpoint.capture;
    if (!capture) {
      // The resolver refuses drift on aws without capture; this guards a hand-built spec.
      throw new Error(
        `MonitoringStack "${spec.constructName}": the aws drift check needs the endpoint's request capture`,
      );
    }
    const refs: blueprint.MonitorAwsRefs = {
      ...env,
      region,
      analyzerImage: cdkAnalyzerImage(this, spec.platform.region),
      endpointName,
      captureS3Uri: capture.s3Uri as string,
      captureKeyArn: capture.kmsKeyArn as string,
      baselineUri: spec.drift!.baselineUri as string,
      baselineKeyArn: spec.pipeline?.kmsKeyArn as string | undefined,
      subnetIds: spec.platform.network.subnetIds,
      securityGroupIds: spec.platform.network.securityGroupIds,
    };
    const role = blueprintRole(
      this,
      'MonitorRole',
      `Runs the ${spec.namePrefix} data-quality monitor.`,
      blueprint.SAGEMAKER_SERVICE,
      blueprint.monitorTrustPolicy(env),
    );
    const policy = attachBlueprintPolicy(this, 'MonitorPolicy', role, blueprint.monitorRolePolicy(refs));
    const job = blueprint.dataQualityJob(spec, refs);
    const jobDefinition = new sagemaker.CfnDataQualityJobDefinition(this, 'DataQualityJob', {
      ...job,
      // CloudFormation takes a list of outputs where the Pulumi provider takes the one output.
      dataQualityJobOutputConfig: {
        ...job.dataQualityJobOutputConfig,
        monitoringOutputs: [job.dataQualityJobOutputConfig.monitoringOutputs],
      },
      roleArn: role.roleArn,
    });
    // SageMaker checks the role's access when the definition is created.
    jobDefinition.node.addDependency(policy);
    const scheduleConfig = blueprint.monitoringScheduleConfig(spec, job.jobDefinitionName);
    const schedule = new sagemaker.CfnMonitoringSchedule(this, 'Schedule', {
      monitoringScheduleName: blueprint.monitoringScheduleName(spec),
      monitoringScheduleConfig: {
        ...scheduleConfig,
        // CloudFormation can set the window each run reads (the Pulumi provider cannot): the whole period.
        scheduleConfig: {
          ...scheduleConfig.scheduleConfig,
          ...blueprint.analysisWindow(spec.drift!.schedule),
        },
      },
    });
    schedule.node.addDependency(jobDefinition);
    return { role, jobDefinition, schedule };
  }

  /** The rule that starts the pipeline when a drift alarm enters ALARM, as a role that may do only that. */
  private retrain(
    spec: ResolvedMonitoringStack,
    env: AwsEnvironment,
    driftAlarmNames: string[],
    driftAlarms: cloudwatch.Alarm[],
  ): Pick<MonitoringStackDrift, 'retrainRule' | 'retrainRole'> {
    const ruleName = blueprint.driftRuleName(spec);
    const pipelineArn = spec.pipeline!.retrainTrigger as string;
    const retrainRole = blueprintRole(
      this,
      'RetrainRole',
      `Lets EventBridge start the pipeline that retrains ${spec.namePrefix}.`,
      blueprint.EVENTS_SERVICE,
      blueprint.retrainTrustPolicy(env, ruleName),
    );
    const policy = attachBlueprintPolicy(
      this,
      'RetrainPolicy',
      retrainRole,
      blueprint.retrainRolePolicy(pipelineArn),
    );
    const pattern = blueprint.driftEventPattern(driftAlarmNames);
    const retrainRule = new events.Rule(this, 'DriftRetrain', {
      ruleName,
      description: `Starts the training pipeline when an input feature of ${spec.namePrefix} drifts.`,
      eventPattern: { source: pattern.source, detailType: pattern['detail-type'], detail: pattern.detail },
      targets: [new StartPipelineExecutionTarget(pipelineArn, retrainRole)],
    });
    // The role may start the pipeline before the rule can fire, and the alarms it names exist first.
    retrainRule.node.addDependency(policy, ...driftAlarms);
    return { retrainRule, retrainRole };
  }
}

/** A second MonitoringStack on one endpoint would give its rollback alarms a second set of actions. */
function claimEndpoint(endpoint: ModelEndpoint, watcher: Construct, id: string): void {
  const existing = WATCHERS.get(endpoint);
  if (existing !== undefined) {
    const problems = new ProblemList(CONSTRUCT, id);
    problems.add(
      'endpoint',
      `ModelEndpoint "${endpoint.spec.constructName}" is already watched by the MonitoringStack at ${existing}, which gives its rollback alarms their actions`,
      'watch each endpoint with one MonitoringStack, and give that one every recipient (notifications.emails, webhookUrl, topicArn)',
    );
    problems.throwIfAny();
  }
  WATCHERS.set(endpoint, watcher.node.path);
}

/** The L2 alarm of one blueprint alarm: on a metric, or on a metric-math expression over several. */
function cdkAlarm(scope: Construct, id: string, plan: blueprint.AlarmPlan): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    alarmName: plan.name,
    alarmDescription: plan.description,
    metric: plan.metric
      ? cdkMetric(plan.metric)
      : new cloudwatch.MathExpression({
          expression: plan.expression!.expression,
          label: plan.expression!.label,
          usingMetrics: Object.fromEntries(plan.metrics!.map((m) => [m.id, cdkMetric(m)])),
          period: Duration.seconds(plan.metrics![0].periodSeconds),
        }),
    threshold: plan.threshold,
    evaluationPeriods: plan.evaluationPeriods,
    datapointsToAlarm: plan.datapointsToAlarm,
    comparisonOperator: COMPARISON[plan.comparisonOperator],
    treatMissingData: MISSING_DATA[plan.treatMissingData],
  });
}

function cdkMetric(metric: blueprint.AlarmMetric): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: metric.namespace,
    metricName: metric.metricName,
    dimensionsMap: { ...metric.dimensions },
    statistic: metric.statistic,
    period: Duration.seconds(metric.periodSeconds),
  });
}

const COMPARISON: Record<blueprint.ComparisonOperator, cloudwatch.ComparisonOperator> = {
  GreaterThanThreshold: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  GreaterThanOrEqualToThreshold: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  LessThanThreshold: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
  LessThanOrEqualToThreshold: cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
};

const MISSING_DATA: Record<blueprint.AlarmPlan['treatMissingData'], cloudwatch.TreatMissingData> = {
  notBreaching: cloudwatch.TreatMissingData.NOT_BREACHING,
  breaching: cloudwatch.TreatMissingData.BREACHING,
  missing: cloudwatch.TreatMissingData.MISSING,
  ignore: cloudwatch.TreatMissingData.IGNORE,
};
