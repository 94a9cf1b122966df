/**
 * The reference ML system for AWS CDK: the same churn classifier as the Pulumi program's prod stack, watched by
 * a MonitoringStack that tells the people in the stack config, rolls a bad release back and, with the served
 * version's baseline known, checks input drift and starts the pipeline's retraining on it.
 */
import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { MlPipeline, ModelEndpoint, MonitoringStack } from '../../lib/cdk';
import {
  DRIFT_FEATURES,
  EVALUATION_COMMAND,
  HYPERPARAMETERS,
  TRAINING_COMMAND,
  type Release,
  type TrainingConfig,
} from '../pulumi/system';

export interface ChurnStackProps extends StackProps {
  /** The release to serve (read from `Pulumi.prod.yaml` by the app, so both engines serve the same one). */
  readonly release: Release;
  /** The training image and quality bar (from the same file). */
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
    const { release, training } = props;
    if (release.modelPackageVersion === undefined) {
      throw new Error('release.modelPackageVersion is required: give the registered model version to serve');
    }
    this.pipeline = new MlPipeline(this, 'churn-training', {
      training: { image: training.image, command: TRAINING_COMMAND, hyperparameters: HYPERPARAMETERS },
      evaluation: { command: EVALUATION_COMMAND },
      qualityGate: { metric: 'auc', threshold: training.minAuc, mustBeatApproved: true },
      registry: { servingImage: release.image },
    });
    this.endpoint = new ModelEndpoint(this, 'churn', {
      version: release.version,
      aws: {
        modelPackageArn: this.pipeline.registeredModelArn(release.modelPackageVersion),
        // The pipeline registers packages whose serving image lives in its own repository.
        imageRepositoryArn: this.pipeline.repository.repositoryArn,
      },
      modelAccess: {
        bucketName: this.pipeline.artifactBucketName,
        prefix: 'models/',
        kmsKeyId: this.pipeline.key.keyArn,
      },
      invokers: props.invokers,
    });
    // The endpoint serves a version the pipeline registered: the group must exist first.
    this.endpoint.node.addDependency(this.pipeline.modelPackageGroup);
    this.monitoring = new MonitoringStack(this, 'churn-monitoring', {
      endpoint: this.endpoint,
      pipeline: this.pipeline,
      notifications: props.alertEmails ? { emails: props.alertEmails } : undefined,
      // The served version's Model Monitor baseline, when the release names it; drift then starts retraining.
      drift: release.baselinePath
        ? {
            baselineUri: `${this.pipeline.artifactBucketUri}${release.baselinePath.replace(/^\/+|\/+$/g, '')}/`,
            features: DRIFT_FEATURES,
            retrain: true,
          }
        : undefined,
    });
    new CfnOutput(this, 'EndpointName', { value: this.endpoint.endpointName });
    new CfnOutput(this, 'EndpointUrl', { value: this.endpoint.url });
    new CfnOutput(this, 'PipelineName', { value: this.pipeline.pipelineName });
    new CfnOutput(this, 'ContainerRegistryUrl', { value: this.pipeline.containerRegistryUrl });
    new CfnOutput(this, 'RetrainTrigger', { value: this.pipeline.retrainTrigger });
    new CfnOutput(this, 'AlarmNames', { value: this.monitoring.alarmNames.join(',') });
    new CfnOutput(this, 'NotificationTargets', { value: Fn.join(',', this.monitoring.notificationTargets) });
    // CloudFormation refuses an empty output: these exist only when the dashboard and the drift check do.
    if (this.monitoring.dashboardUrl) {
      new CfnOutput(this, 'DashboardUrl', { value: this.monitoring.dashboardUrl });
    }
    if (this.monitoring.driftCheck) new CfnOutput(this, 'DriftCheck', { value: this.monitoring.driftCheck });
  }
}
