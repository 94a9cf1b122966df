/**
 * The reference ML system: a churn classifier. One typed program; each stack's `Pulumi.<stack>.yaml` picks
 * the cloud and stage (dev on docker, staging on gcp, prod on aws), the account or project of the stage, and the
 * release being served (`mlops:release`, written by `mlops promote` / `mlops release set`).
 * The training pipeline registers models that pass its quality gate; the endpoint serves the stack's release from
 * the stack's own stores; a MonitoringStack watches the endpoint, tells the people in the stack config, rolls a bad
 * release back and, where the endpoint captures requests and the release carries a baseline, checks input drift
 * and starts the pipeline's retraining on it. A stack without a release deploys everything but serving and says so
 * (`releaseStatus`).
 */
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import {
  hasModelMonitorBaseline,
  MlPipeline,
  ModelEndpoint,
  MonitoringStack,
  type DriftArgs,
  type NotificationArgs,
  type RolloutArgs,
} from '../../lib';
import { contextTag } from '../../lib/blocks/build-context';
import { stageProviders } from './providers';

/** The training side of the system: images and the bar a model must clear (`churn:training`). */
export interface TrainingConfig {
  /** Training image, by digest; the evaluation runs in it too. Give this or `build`. */
  readonly image?: string;
  /**
   * Build the training image from this folder (relative to the project) and push it to the pipeline's
   * registry instead; dev on docker builds `templates/training`. Default: none (use `image`).
   */
  readonly build?: string;
  /**
   * The serving image recorded with each version the pipeline registers (MlPipeline `registry.servingImage`),
   * by digest. It says which image a registered version was evaluated for; what the endpoint serves is the
   * release's image. Default: the training image.
   */
  readonly servingImage?: string;
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
  refuseMovedKeys(config);
  const training = config.requireObject<TrainingConfig>('training');
  // The stage's account (aws) or project (gcp): every construct deploys through this provider, never the default.
  const providers = stageProviders(cloud, config);
  const opts: pulumi.ComponentResourceOptions = { providers };

  const pipeline = new MlPipeline(
    'churn-training',
    {
      training: {
        ...(training.build ? { build: { context: training.build } } : { image: training.image }),
        command: TRAINING_COMMAND,
        hyperparameters: HYPERPARAMETERS,
      },
      evaluation: { command: EVALUATION_COMMAND },
      qualityGate: { metric: 'auc', threshold: training.minAuc, mustBeatApproved: true },
      schedule: training.schedule,
      registry: { servingImage: training.servingImage },
    },
    opts,
  );
  // docker: the serving image is built from templates/serving on every deploy, release or not: its digest
  // (`servingImage` output) is what the first release names.
  const builtServingImage = onDocker ? servingImage(pipeline) : undefined;

  // Serves `mlops:release` (and, during a gcp/docker canary, `mlops:stableRelease` beside it) from this stack's
  // stores; without a release it registers nothing and says it waits (`releaseStatus`).
  const endpoint = new ModelEndpoint(
    'churn',
    {
      pipeline,
      // How a stable release and this one share traffic (a canary step on docker). Default: the stage's.
      rollout: config.getObject<RolloutArgs>('rollout'),
      // Percent of requests captured for drift monitoring. Default: the stage's.
      capturePercent: config.getNumber('capturePercent'),
      invokers: config.getObject<string[]>('invokers'),
      // docker: a release without its own image serves the one built here.
      image: builtServingImage,
    },
    opts,
  );

  const monitoring = monitor(config, pipeline, endpoint, opts);

  return {
    releaseStatus: endpoint.releaseStatus,
    endpointName: endpoint.endpointName,
    endpointUrl: endpoint.url,
    servingImage: builtServingImage,
    pipelineName: pipeline.pipelineName,
    containerRegistryUrl: pipeline.containerRegistryUrl,
    dataBucketUri: pipeline.dataBucketUri,
    artifactBucketUri: pipeline.artifactBucketUri,
    retrainTrigger: pipeline.retrainTrigger,
    baselineUri: pipeline.baselineUri,
    alarmNames: monitoring.alarmNames,
    dashboardUrl: monitoring.dashboardUrl,
    notificationTargets: monitoring.notificationTargets,
    driftCheck: monitoring.driftCheck,
  };
}

/**
 * Watches the endpoint. Who is told comes from the stack config: `churn:alertEmails` (a list) and
 * `churn:alertWebhook`, a secret only (`pulumi config set --secret churn:alertWebhook https://alerts.example.com/hook/<token>`);
 * staging and prod must name someone, dev may not. An endpoint waiting for a release gets only the notification
 * targets (nothing to watch yet).
 */
function monitor(
  config: pulumi.Config,
  pipeline: MlPipeline,
  endpoint: ModelEndpoint,
  opts: pulumi.ComponentResourceOptions,
): MonitoringStack {
  const emails = config.getObject<string[]>('alertEmails');
  const webhookUrl = config.getSecret('alertWebhook');
  const notifications: NotificationArgs | undefined =
    emails || webhookUrl ? { emails, webhookUrl } : undefined;
  return new MonitoringStack(
    'churn-monitoring',
    { endpoint, pipeline, notifications, drift: driftCheck(config, pipeline, endpoint) },
    opts,
  );
}

/**
 * The drift check of the served release against its baseline (`mlops:release.baseline`, which the MonitoringStack
 * reads from the endpoint), or off when the endpoint captures nothing, serves nothing or the release has
 * no baseline. On aws Model Monitor reads only its own baseline (statistics.json, constraints.json, computed by an
 * aws pipeline): a release promoted from gcp or docker carries templates/drift's drift_baseline.json instead, so
 * its drift check stays off there.
 */
function driftCheck(config: pulumi.Config, pipeline: MlPipeline, endpoint: ModelEndpoint): DriftArgs {
  const off: DriftArgs = { enabled: false };
  const { spec, release } = endpoint;
  if (!spec.serving || !release?.baseline || spec.capturePercent === 0) return off;
  const cloud = pipeline.spec.platform.cloud;
  if (cloud === 'aws')
    return hasModelMonitorBaseline(release) ? { features: DRIFT_FEATURES, retrain: true } : off;
  if (cloud === 'gcp') {
    // The job image is built from templates/drift and promoted like the serving image.
    const image = config.get('driftImage');
    return image ? { image, retrain: true } : off;
  }
  return { retrain: true };
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

/**
 * The release keys moved to `mlops:release` and `mlops:stableRelease`. A stack file still holding the old
 * `churn:` keys would otherwise deploy as awaiting a release, and `pulumi up` would delete its serving resources.
 */
function refuseMovedKeys(config: pulumi.Config): void {
  for (const key of ['release', 'stableRelease']) {
    if (config.get(key) !== undefined)
      throw new Error(
        `churn:${key} moved to mlops:${key} (schema 1 of the release; the old shape is still read there): ` +
          `move the block under that key in the stack file, or run \`npx mlops release set\``,
      );
  }
}
