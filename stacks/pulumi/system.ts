/**
 * The reference ML system: a churn classifier. One typed program; each stack's `Pulumi.<stack>.yaml` picks
 * the cloud and stage (dev on docker, staging on gcp, prod on aws) and carries the release being served.
 * The training pipeline registers models that pass its quality gate; the endpoint serves a release taken
 * from that registry; a MonitoringStack watches the endpoint, tells the people in the stack config, rolls a bad
 * release back and, where the endpoint captures requests and the served version's baseline is known, checks
 * input drift and starts the pipeline's retraining on it.
 */
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import {
  MlPipeline,
  ModelEndpoint,
  MonitoringStack,
  type DriftArgs,
  type ModelAccessArgs,
  type ModelEndpointArgs,
  type NotificationArgs,
  type RolloutArgs,
} from '../../lib';
import { contextTag } from '../../lib/blocks/build-context';

/** The release a stack serves; environment promotion moves it from one stack's config to the next. */
export interface Release {
  /** Release label, such as `v3`. */
  readonly version: string;
  /**
   * Serving image, by digest. Required on aws and gcp; on docker the default is the image the stack builds
   * from `templates/serving` and pushes to the pipeline's local registry.
   */
  readonly image?: string;
  /** aws: the version number of the registered model in the pipeline's model group. */
  readonly modelPackageVersion?: number;
  /**
   * gcp and docker: where the model sits in the pipeline's artifact store. On gcp, the run's model directory in
   * the artifact bucket, `runs/<workflow execution id>/model/` (the `runId` the workflow returns). On docker, the registered run in
   * the models volume, `<model group>/<run id>/`, as the runner logs it (`registered in <group>`) and writes
   * it to `<group>/approved`.
   */
  readonly modelPath?: string;
  /**
   * aws: the served version's drift baseline in the pipeline's artifact bucket, `baseline/<pipeline execution id>/`
   * (`aws sagemaker describe-model-package --model-package-name <ARN> --query DriftCheckBaselines.ModelDataQuality`
   * names it). Without it there is no drift check on aws. gcp and docker: derived from `modelPath` (the run's
   * `baseline/` beside its model).
   */
  readonly baselinePath?: string;
}

/** The training side of the system: images and the bar a model must clear. */
export interface TrainingConfig {
  /** Training image, by digest; the evaluation runs in it too. Give this or `build`. */
  readonly image?: string;
  /**
   * Build the training image from this folder (relative to the project) and push it to the pipeline's
   * registry instead; dev on docker builds `templates/training`. Default: none (use `image`).
   */
  readonly build?: string;
  /** The AUC a model must reach to be registered. */
  readonly minAuc: number;
  /** Retraining schedule, portable cron such as `cron(0 3 * * *)`. Default: none (on demand only). */
  readonly schedule?: string;
}

export const TRAINING_COMMAND = ['python', 'train.py'];
export const EVALUATION_COMMAND = ['python', 'evaluate.py'];
export const HYPERPARAMETERS = { 'max-depth': '6', 'n-estimators': '300' };
/** The training data's feature columns: Model Monitor publishes one drift metric per feature (aws). */
export const DRIFT_FEATURES = ['tenure', 'monthly_charges'];

export function churnSystem() {
  const config = new pulumi.Config();
  const cloud = new pulumi.Config('mlops').get('cloud');
  const onDocker = cloud === 'docker';
  // On docker and gcp the first `pulumi up` comes before any model is trained (the model is served from the
  // pipeline's own store, which that deploy creates): the release is set after the first run registers one.
  // On aws a release is required.
  const release =
    onDocker || cloud === 'gcp'
      ? config.getObject<Release>('release')
      : config.requireObject<Release>('release');
  const training = config.requireObject<TrainingConfig>('training');

  const pipeline = new MlPipeline('churn-training', {
    training: {
      ...(training.build ? { build: { context: training.build } } : { image: training.image }),
      command: TRAINING_COMMAND,
      hyperparameters: HYPERPARAMETERS,
    },
    evaluation: { command: EVALUATION_COMMAND },
    qualityGate: { metric: 'auc', threshold: training.minAuc, mustBeatApproved: true },
    schedule: training.schedule,
    registry: { servingImage: onDocker ? undefined : release?.image },
  });

  const endpoint = release
    ? new ModelEndpoint('churn', {
        version: release.version,
        stableRelease: config.getObject<Release>('stableRelease'),
        // How a stable release and this one share traffic (a canary step on docker). Default: the stage's.
        rollout: config.getObject<RolloutArgs>('rollout'),
        // Percent of requests captured for drift monitoring. Default: the stage's.
        capturePercent: config.getNumber('capturePercent'),
        // On docker this also sets the stable release's own image and model.
        ...servedModel(pipeline, release, config.getObject<Release>('stableRelease')),
        invokers: config.getObject<string[]>('invokers'),
      })
    : undefined;

  const monitoring = endpoint && monitor(config, pipeline, endpoint, release!);

  return {
    endpointName: endpoint?.endpointName,
    endpointUrl: endpoint?.url,
    pipelineName: pipeline.pipelineName,
    containerRegistryUrl: pipeline.containerRegistryUrl,
    dataBucketUri: pipeline.dataBucketUri,
    retrainTrigger: pipeline.retrainTrigger,
    baselineUri: pipeline.baselineUri,
    alarmNames: monitoring?.alarmNames,
    dashboardUrl: monitoring?.dashboardUrl,
    notificationTargets: monitoring?.notificationTargets,
    driftCheck: monitoring?.driftCheck,
  };
}

/**
 * Watches the endpoint. Who is told comes from the stack config: `churn:alertEmails` (a list) and
 * `churn:alertWebhook`, a secret only (`pulumi config set --secret churn:alertWebhook https://alerts.example.com/hook/<token>`);
 * staging and prod must name someone, dev may not. Drift is checked where the endpoint captures requests and the
 * served version's baseline is known, and starts the pipeline's retraining.
 */
function monitor(
  config: pulumi.Config,
  pipeline: MlPipeline,
  endpoint: ModelEndpoint,
  release: Release,
): MonitoringStack {
  const emails = config.getObject<string[]>('alertEmails');
  const webhookUrl = config.getSecret('alertWebhook');
  const notifications: NotificationArgs | undefined =
    emails || webhookUrl ? { emails, webhookUrl } : undefined;
  return new MonitoringStack('churn-monitoring', {
    endpoint,
    pipeline,
    notifications,
    drift: driftCheck(config, pipeline, endpoint, release),
  });
}

/** The drift check of the served release, or undefined (off) when the endpoint captures nothing or the baseline is unknown. */
function driftCheck(
  config: pulumi.Config,
  pipeline: MlPipeline,
  endpoint: ModelEndpoint,
  release: Release,
): DriftArgs | undefined {
  const cloud = pipeline.spec.platform.cloud;
  if (endpoint.spec.capturePercent === 0) return undefined;
  if (cloud === 'aws') {
    if (!release.baselinePath) return undefined;
    return {
      baselineUri: pulumi.interpolate`${pipeline.artifactBucketUri}${modelDirectory(release.baselinePath)}`,
      features: DRIFT_FEATURES,
      retrain: true,
    };
  }
  const runDirectory = modelDirectory(release.modelPath!);
  if (cloud === 'gcp') {
    // The job image is built from templates/drift and promoted like the serving image.
    const image = config.get('driftImage');
    if (!image || !runDirectory.endsWith('/model/')) return undefined;
    // runs/<execution id>/model/ -> runs/<execution id>/baseline/
    const baseline = runDirectory.replace(/model\/$/, 'baseline/');
    return {
      baselineUri: pulumi.interpolate`${pipeline.artifactBucketUri}${baseline}`,
      image,
      retrain: true,
    };
  }
  // docker: the registered run <group>/<run id>/ in the models volume carries its baseline/.
  return {
    baselineUri: pulumi.interpolate`docker-volume://${pipeline.docker!.modelVolume.name}/${runDirectory}baseline/`,
    retrain: true,
  };
}

/** What the endpoint serves, taken from the pipeline's registry on each cloud. */
function servedModel(
  pipeline: MlPipeline,
  release: Release,
  stableRelease: Release | undefined,
): Partial<ModelEndpointArgs> {
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
      aws: {
        modelPackageArn: pipeline.registeredModelArn(release.modelPackageVersion),
        // The release's image is pushed to the pipeline's repository: the endpoint may pull from it only.
        imageRepositoryArn: pipeline.aws!.repository.arn,
      },
      modelAccess: access,
    };
  }
  if (!release.modelPath)
    throw new Error(
      `churn:release.modelPath is required on ${cloud}: give the model's path in the pipeline's artifact store`,
    );
  if (cloud === 'gcp') return gcpServedModel(pipeline, release, stableRelease);
  return dockerServedModel(pipeline, release, stableRelease);
}

/**
 * gcp: each release serves the model a workflow run registered, `runs/<workflow execution id>/model/` in the
 * pipeline's artifact bucket, and the serving account reads that directory only. During a rollout the stable
 * release keeps reading its own run's model (the endpoint grants it from its URL).
 */
function gcpServedModel(
  pipeline: MlPipeline,
  release: Release,
  stableRelease: Release | undefined,
): Partial<ModelEndpointArgs> {
  if (stableRelease && !stableRelease.modelPath)
    throw new Error(
      'churn:stableRelease.modelPath is required on gcp: the stable revision keeps loading its model (runs/<execution id>/model/), so the endpoint must keep granting it',
    );
  const modelPath = modelDirectory(release.modelPath!);
  const stablePath = stableRelease?.modelPath && modelDirectory(stableRelease.modelPath);
  return {
    image: release.image,
    modelDataUrl: pulumi.interpolate`${pipeline.artifactBucketUri}${modelPath}`,
    // The bucket is an output here (the grant waits for it); the prefix is the release's own run.
    modelAccess: { bucketName: pipeline.artifactBucketName, prefix: modelPath },
    stableRelease: stableRelease && {
      version: stableRelease.version,
      image: stableRelease.image,
      // Its model was registered before this deploy, so its bucket exists: a known URL, which the endpoint grants.
      // The same run as the new release's is already granted above.
      modelDataUrl:
        stablePath && stablePath !== modelPath
          ? `gs://${pipeline.spec.gcp.artifactBucketName}/${stablePath}`
          : undefined,
    },
  };
}

/** A model path in the artifact bucket as a directory prefix: no leading `/`, one trailing `/`. */
function modelDirectory(modelPath: string): string {
  return `${modelPath.replace(/^\/+/, '').replace(/\/+$/, '')}/`;
}

/** Where the models volume is mounted in the serving containers (`modelAccess` on docker). */
const MODEL_ACCESS_DIR = '/mnt/model-access';

/**
 * docker: each release serves its own registered run from the pipeline's models volume, the stable release
 * included, in the serving image built from `templates/serving` and pushed to the pipeline's local registry
 * (after the registry is up), unless a release names its own image.
 */
function dockerServedModel(
  pipeline: MlPipeline,
  release: Release,
  stableRelease: Release | undefined,
): Partial<ModelEndpointArgs> {
  if (stableRelease && !stableRelease.modelPath)
    throw new Error(
      "churn:stableRelease.modelPath is required on docker: give the stable release's registered run (<group>/<run id>/)",
    );
  const serving =
    release.image && (!stableRelease || stableRelease.image) ? undefined : servingImage(pipeline);
  return {
    image: release.image ?? serving,
    modelDataUrl: `${MODEL_ACCESS_DIR}/${release.modelPath}`,
    modelAccess: { bucketName: pipeline.docker!.modelVolume.name },
    stableRelease: stableRelease && {
      version: stableRelease.version,
      image: stableRelease.image ?? serving,
      modelDataUrl: `${MODEL_ACCESS_DIR}/${stableRelease.modelPath}`,
    },
  };
}

/** The serving template, built and pushed to the pipeline's local registry; its `repo@sha256:` digest. */
function servingImage(pipeline: MlPipeline): pulumi.Output<string> {
  const context = 'templates/serving';
  const server = pipeline.containerRegistryUrl;
  // Loaded here, on docker only: the image build needs @pulumi/docker, which the other clouds never load.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { buildAndPush } =
    require('../../lib/blocks/pulumi-image-build') as typeof import('../../lib/blocks/pulumi-image-build');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return buildAndPush(
    'churn-serving-build',
    {
      contextPath: context,
      dockerfilePath: 'Dockerfile',
      tag: contextTag(path.resolve(context), path.resolve(context, 'Dockerfile')),
      buildArgs: {},
    },
    { repository: pulumi.interpolate`${server}/churn/serving`, server },
    { dependsOn: [pipeline.docker!.registry] },
  );
}
