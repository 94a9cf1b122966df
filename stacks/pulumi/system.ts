/**
 * The reference ML system: a churn classifier. One typed program; each stack's `Pulumi.<stack>.yaml` picks
 * the cloud and stage (dev on docker, staging on gcp, prod on aws) and carries the release being served.
 * The training pipeline registers models that pass its quality gate; the endpoint serves a release taken
 * from that registry.
 */
import * as pulumi from '@pulumi/pulumi';
import { MlPipeline, ModelEndpoint, type ModelAccessArgs, type ModelEndpointArgs } from '../../lib';

/** The release a stack serves; environment promotion moves it from one stack's config to the next. */
export interface Release {
  /** Release label, such as `v3`. */
  readonly version: string;
  /** Serving image, by digest. */
  readonly image: string;
  /** aws: the version number of the registered model in the pipeline's model group. */
  readonly modelPackageVersion?: number;
  /** gcp and docker: where the model sits in the pipeline's artifact store (bucket or models volume). */
  readonly modelPath?: string;
}

/** The training side of the system: images and the bar a model must clear. */
export interface TrainingConfig {
  /** Training image, by digest; the evaluation runs in it too. */
  readonly image: string;
  /** The AUC a model must reach to be registered. */
  readonly minAuc: number;
}

export const TRAINING_COMMAND = ['python', 'train.py'];
export const EVALUATION_COMMAND = ['python', 'evaluate.py'];
export const HYPERPARAMETERS = { 'max-depth': '6', 'n-estimators': '300' };

export function churnSystem() {
  const config = new pulumi.Config();
  const release = config.requireObject<Release>('release');
  const training = config.requireObject<TrainingConfig>('training');

  const pipeline = new MlPipeline('churn-training', {
    training: { image: training.image, command: TRAINING_COMMAND, hyperparameters: HYPERPARAMETERS },
    evaluation: { command: EVALUATION_COMMAND },
    qualityGate: { metric: 'auc', threshold: training.minAuc, mustBeatApproved: true },
    registry: { servingImage: release.image },
  });

  const endpoint = new ModelEndpoint('churn', {
    version: release.version,
    ...servedModel(pipeline, release),
    stableRelease: config.getObject<Release>('stableRelease'),
    invokers: config.getObject<string[]>('invokers'),
  });

  return {
    endpointName: endpoint.endpointName,
    endpointUrl: endpoint.url,
    pipelineName: pipeline.pipelineName,
    containerRegistryUrl: pipeline.containerRegistryUrl,
    dataBucketUri: pipeline.dataBucketUri,
    retrainTrigger: pipeline.retrainTrigger,
    baselineUri: pipeline.baselineUri,
  };
}

/** What the endpoint serves, taken from the pipeline's registry on each cloud. */
function servedModel(pipeline: MlPipeline, release: Release): Partial<ModelEndpointArgs> {
  const cloud = pipeline.spec.platform.cloud;
  if (cloud === 'aws') {
    if (release.modelPackageVersion === undefined) {
      throw new Error(
        'churn:release.modelPackageVersion is required on aws: give the registered model version to serve',
      );
    }
    const access: ModelAccessArgs = {
      bucketName: pipeline.artifactBucketName,
      prefix: 'models/',
      kmsKeyId: pipeline.aws?.key?.arn,
    };
    return {
      aws: { modelPackageArn: pipeline.registeredModelArn(release.modelPackageVersion) },
      modelAccess: access,
    };
  }
  if (!release.modelPath)
    throw new Error(
      `churn:release.modelPath is required on ${cloud}: give the model's path in the pipeline's artifact store`,
    );
  if (cloud === 'gcp') {
    return {
      image: release.image,
      modelDataUrl: pulumi.interpolate`${pipeline.artifactBucketUri}${release.modelPath}`,
      modelAccess: { bucketName: pipeline.artifactBucketName, prefix: 'models/' },
    };
  }
  return {
    image: release.image,
    modelDataUrl: `/mnt/model-access/${release.modelPath}`,
    modelAccess: { bucketName: pipeline.docker!.modelVolume.name },
  };
}
