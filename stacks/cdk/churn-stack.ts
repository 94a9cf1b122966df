/**
 * The reference ML system for AWS CDK: the same churn classifier as the Pulumi program's prod stack, serving the
 * same release (`mlops:release`, which the app reads from `Pulumi.prod.yaml` unless CDK context gives one), watched
 * by a MonitoringStack that tells the people in the stack config and rolls a bad release back. Without a release it
 * deploys the pipeline and the notification topic and serves nothing (the `ReleaseStatus` output says it waits).
 */
import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  hasModelMonitorBaseline,
  MlPipeline,
  ModelEndpoint,
  MonitoringStack,
  type MonitoringStackProps,
} from '../../lib/cdk';
import type { Release } from '../../lib/promotion/release-types';
import {
  DRIFT_FEATURES,
  EVALUATION_COMMAND,
  HYPERPARAMETERS,
  TRAINING_COMMAND,
  type TrainingConfig,
} from '../pulumi/system';

export interface ChurnStackProps extends StackProps {
  /**
   * The release to serve. Default: the endpoint reads CDK context `mlops:release`, else the file
   * `mlops:releaseFile` names (the app points it at `Pulumi.prod.yaml`, so both engines serve the same release).
   */
  readonly release?: Release;
  /** The training image, serving image and quality bar (`churn:training` of the same file). */
  readonly training: TrainingConfig;
  /** IAM role names allowed to invoke the endpoint. */
  readonly invokers?: string[];
  /** Who hears about alarms (`churn:alertEmails`); required in staging and prod. */
  readonly alertEmails?: string[];
}

export class ChurnStack extends Stack {
  readonly pipeline: MlPipeline;
  readonly endpoint: ModelEndpoint;
  readonly monitoring: MonitoringStack;

  constructor(scope: Construct, id: string, props: ChurnStackProps) {
    super(scope, id, props);
    const { training } = props;
    this.pipeline = new MlPipeline(this, 'churn-training', {
      training: { image: training.image, command: TRAINING_COMMAND, hyperparameters: HYPERPARAMETERS },
      evaluation: { command: EVALUATION_COMMAND },
      qualityGate: { metric: 'auc', threshold: training.minAuc, mustBeatApproved: true },
      registry: { servingImage: training.servingImage },
    });
    // Serves the release from this stack's stores (the pipeline's registry, repository and artifact bucket).
    this.endpoint = new ModelEndpoint(this, 'churn', {
      release: props.release,
      pipeline: this.pipeline,
      invokers: props.invokers,
    });
    // A release may name a version the pipeline registered: the group must exist first.
    if (this.endpoint.serving) this.endpoint.node.addDependency(this.pipeline.modelPackageGroup);
    this.monitoring = new MonitoringStack(this, 'churn-monitoring', {
      endpoint: this.endpoint,
      pipeline: this.pipeline,
      notifications: props.alertEmails ? { emails: props.alertEmails } : undefined,
      drift: driftCheck(this.endpoint),
    });
    new CfnOutput(this, 'EndpointName', { value: this.endpoint.endpointName });
    if (this.endpoint.url) new CfnOutput(this, 'EndpointUrl', { value: this.endpoint.url });
    new CfnOutput(this, 'PipelineName', { value: this.pipeline.pipelineName });
    new CfnOutput(this, 'ContainerRegistryUrl', { value: this.pipeline.containerRegistryUrl });
    new CfnOutput(this, 'ArtifactBucketUri', { value: this.pipeline.artifactBucketUri });
    new CfnOutput(this, 'RetrainTrigger', { value: this.pipeline.retrainTrigger });
    // CloudFormation refuses an empty output: these exist only when there are alarms, a dashboard, a drift check.
    if (this.monitoring.alarmNames.length > 0) {
      new CfnOutput(this, 'AlarmNames', { value: this.monitoring.alarmNames.join(',') });
    }
    new CfnOutput(this, 'NotificationTargets', { value: Fn.join(',', this.monitoring.notificationTargets) });
    if (this.monitoring.dashboardUrl) {
      new CfnOutput(this, 'DashboardUrl', { value: this.monitoring.dashboardUrl });
    }
    if (this.monitoring.driftCheck) new CfnOutput(this, 'DriftCheck', { value: this.monitoring.driftCheck });
  }
}

/**
 * The drift check of the served release against its baseline (the MonitoringStack reads it from the endpoint),
 * retraining on drift; off when the endpoint captures nothing, serves nothing or the release has no baseline. Model
 * Monitor reads only the baseline an aws pipeline computes (statistics.json, constraints.json): a release promoted
 * from gcp or docker carries templates/drift's baseline instead, so its drift check stays off (as in the Pulumi
 * program, stacks/pulumi/system.ts).
 */
function driftCheck(endpoint: ModelEndpoint): MonitoringStackProps['drift'] {
  const release = endpoint.release;
  if (!hasModelMonitorBaseline(release) || endpoint.spec.capturePercent === 0) return { enabled: false };
  return { features: DRIFT_FEATURES, retrain: true };
}
