import * as pulumi from '@pulumi/pulumi';
import { assignOutputs, declareOutputs } from '../core/outputs';
import { platformFromConfig } from '../core/platform-config';
import { pulumiResolveContext } from '../core/pulumi-context';
import { childrenByCloud, renderOnCloud } from '../core/render-switch';
import type { MlPipelineArgs } from './args';
import type { MlPipelineAwsChildren } from './pulumi-aws';
import type { MlPipelineDockerChildren } from './pulumi-docker';
import type { MlPipelineGcpChildren } from './pulumi-gcp';
import type { RenderedPipeline } from './rendered';
import type { ReleaseStore } from '../promotion/release-store';
import { modelPackageVersionArn } from './aws-blueprint';
import { resolveMlPipeline, type ResolvedMlPipeline } from './resolve';

/** What each cloud's renderer returns. */
interface RenderedByCloud {
  readonly aws: RenderedPipeline<MlPipelineAwsChildren>;
  readonly gcp: RenderedPipeline<MlPipelineGcpChildren>;
  readonly docker: RenderedPipeline<MlPipelineDockerChildren>;
}

/** The component's outputs, declared once: they set its fields and are registered. */
export const ML_PIPELINE_OUTPUTS = declareOutputs<RenderedPipeline<unknown>>({
  dataBucketName: true,
  dataBucketUri: true,
  artifactBucketName: true,
  artifactBucketUri: true,
  containerRegistryUrl: true,
  modelRegistry: true,
  pipelineName: true,
  pipelineId: true,
  retrainTrigger: true,
  baselineUri: true,
});

/** Pulumi type token. Public API: changing it replaces every user's pipeline unless an alias comes with it. */
export const ML_PIPELINE_TYPE = 'mlops:index:MlPipeline';

/**
 * Versioned, encrypted data and artifact storage, a container registry, a training run with an evaluation
 * and a quality gate, a model registry, and retraining on a schedule or on demand: a SageMaker pipeline on
 * aws, Cloud Run jobs driven by a Cloud Workflows pipeline on gcp, and one-shot containers with a local
 * scheduler on docker. Arguments are validated, all problems at once, before any child is created.
 *
 * Buckets, registries and the model group are kept when the construct or the stack is deleted
 * (`retainOnDelete`); for a throwaway stack set `platform.retainOnDelete: false` (or `mlops:retainOnDelete`).
 */
export class MlPipeline extends pulumi.ComponentResource {
  /** Name of the training data bucket (a volume on docker). */
  declare readonly dataBucketName: pulumi.Output<string>;
  /** URI of the training data (`s3://bucket/prefix/`, `gs://...`, or a volume path on docker). */
  declare readonly dataBucketUri: pulumi.Output<string>;
  /** Name of the artifact bucket (models, checkpoints, evaluations, baselines). */
  declare readonly artifactBucketName: pulumi.Output<string>;
  /** URI of the artifact bucket. */
  declare readonly artifactBucketUri: pulumi.Output<string>;
  /** Where to push training and serving images (ECR, Artifact Registry, or the local registry). */
  declare readonly containerRegistryUrl: pulumi.Output<string>;
  /**
   * The model registry: the model package group name on aws, the Vertex AI model registry location and
   * display name on gcp (filled at run time by the pipeline: there is no IaC resource for it), the models
   * volume path on docker.
   */
  declare readonly modelRegistry: pulumi.Output<string>;
  /** Physical name of the pipeline. */
  declare readonly pipelineName: pulumi.Output<string>;
  /** Cloud id of the pipeline: the pipeline ARN on aws, the workflow id on gcp, the runner container id on docker. */
  declare readonly pipelineId: pulumi.Output<string>;
  /**
   * What `MonitoringStack` fires to retrain: the pipeline ARN on aws (target of an EventBridge rule), the
   * workflow id on gcp (create an execution), the runner container name on docker (`docker start`).
   */
  declare readonly retrainTrigger: pulumi.Output<string>;
  /**
   * The prefix under which every run keeps its own drift baseline: aws `baseline/<execution id>/` (Model
   * Monitor's `statistics.json`, `constraints.json`, computed by the `DataQualityBaseline` step and recorded with
   * the registered version as its `DriftCheckBaselines`); gcp and docker `runs/<run id>/baseline/drift_baseline.json`,
   * beside the run's model. Monitor against the served version's folder (`MonitoringStack`'s `drift.baselineUri`).
   * On aws nothing is written there with `aws.driftBaseline: false`.
   */
  declare readonly baselineUri: pulumi.Output<string>;
  /** The resolved arguments, with every default applied. */
  readonly spec: ResolvedMlPipeline;
  /** Primary children when the target is aws. */
  readonly aws?: MlPipelineAwsChildren;
  /** Primary children when the target is gcp. */
  readonly gcp?: MlPipelineGcpChildren;
  /** Primary children when the target is docker. */
  readonly docker?: MlPipelineDockerChildren;

  constructor(name: string, args: MlPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate first: a construct with bad arguments registers nothing, not even itself.
    const spec = resolveMlPipeline(name, args, platformFromConfig(args?.platform), pulumiResolveContext());
    super(ML_PIPELINE_TYPE, name, {}, opts);
    this.spec = spec;
    /* eslint-disable @typescript-eslint/no-require-imports */
    const result = renderOnCloud<ResolvedMlPipeline, RenderedByCloud>(spec, this, {
      aws: () => (require('./pulumi-aws') as typeof import('./pulumi-aws')).renderAws,
      gcp: () => (require('./pulumi-gcp') as typeof import('./pulumi-gcp')).renderGcp,
      docker: () => (require('./pulumi-docker') as typeof import('./pulumi-docker')).renderDocker,
    });
    /* eslint-enable @typescript-eslint/no-require-imports */
    ({ aws: this.aws, gcp: this.gcp, docker: this.docker } = childrenByCloud(result));
    this.registerOutputs(assignOutputs(this, ML_PIPELINE_OUTPUTS, result.rendered));
  }

  /**
   * Where this pipeline's releases live, for a `ModelEndpoint` serving a release (its `pipeline` arg): on aws the
   * model package group, its version ARNs, the ECR repository, the artifact bucket (`s3://<bucket>/`) and its key;
   * on gcp the artifact bucket (`gs://<bucket>/`); on docker the models volume (`docker-volume://<volume>/`), where
   * registered runs are copied (`<group>/<run id>/`).
   */
  releaseStore(): ReleaseStore {
    if (this.aws) {
      const children = this.aws;
      return {
        cloud: 'aws',
        modelPackageGroupName: this.spec.registry.modelGroupName,
        modelPackageArn: (version) => this.registeredModelArn(version),
        imageRepositoryArn: children.repository.arn,
        artifactBucketName: this.artifactBucketName,
        artifactBaseUri: this.artifactBucketUri,
        artifactKeyArn: children.key?.arn ?? this.spec.platform.kmsKeyId,
      };
    }
    if (this.gcp) {
      return {
        cloud: 'gcp',
        artifactBucketName: this.artifactBucketName,
        // Known at synth time (the bucket's name is the resolved one), so a served model's URL names its bucket and
        // the endpoint grants each model directory once, the stable release's during a canary included.
        artifactBaseUri: `gs://${this.spec.gcp.artifactBucketName}/`,
      };
    }
    const models = this.docker!.modelVolume.name;
    return {
      cloud: 'docker',
      artifactBucketName: models,
      artifactBaseUri: models.apply((volume) => `docker-volume://${volume}/`),
    };
  }

  /**
   * The ARN of a registered model version on aws (a SageMaker model package), to serve it with
   * `ModelEndpoint`'s `aws.modelPackageArn`. Other clouds have no such id: their releases name the
   * artifact in `artifactBucketUri` instead, so this throws there.
   */
  registeredModelArn(version: number): pulumi.Output<string> {
    if (!this.aws) {
      throw new Error(
        `MlPipeline "${this.spec.constructName}": registeredModelArn needs aws, but the pipeline runs on ${this.spec.platform.cloud}. Fix: serve the artifact under artifactBucketUri with modelDataUrl.`,
      );
    }
    if (!Number.isInteger(version) || version < 1) {
      throw new Error(
        `MlPipeline "${this.spec.constructName}": registeredModelArn(${version}) is not a version number. Fix: use the whole number SageMaker gave the version (1, 2, ...).`,
      );
    }
    const group = this.spec.registry.modelGroupName;
    return this.aws.modelPackageGroup.arn.apply((groupArn) => {
      const [, partition, , region, account] = groupArn.split(':');
      return modelPackageVersionArn({ partition, region, account }, group, version);
    });
  }
}
