import type * as pulumi from '@pulumi/pulumi';
import type { PlatformArgs } from '../core/platform';
import type { ComputeSize } from '../core/sizes';
import type { ReleaseStore } from '../promotion/release-store';
import type { Release } from '../promotion/release-types';

/** How a new release replaces the serving one. */
export type RolloutStrategy = 'canary' | 'linear' | 'all-at-once';

/**
 * The serving container contract, the same on every cloud: the container listens on `port`, answers
 * `GET /ping` with 200 when ready and serves `POST /invocations` (SageMaker's hosting contract, which the
 * templates in `templates/serving` implement).
 */
export interface ModelEndpointArgs {
  /** Where and how to deploy. Default: read from the stack config namespace `mlops`. */
  readonly platform?: PlatformArgs;

  /**
   * Physical name of the endpoint (SageMaker endpoint, Cloud Run service, gateway container). It is fixed
   * because rollback alarms and callers name it. Default: `<construct name>-<stage>`.
   */
  readonly endpointName?: string;

  /**
   * Release label of what is being deployed, such as `v7` or a model registry version. It names the
   * Cloud Run revision and the docker containers, so a new version is a new revision: at most 13 lowercase
   * letters, digits and hyphens (such as `v7` or `2024-06-01`). On gcp change it
   * with every change to the container, its environment, size or scaling: Cloud Run refuses to reuse a
   * revision name for a different template. Give it (with `image`, `modelDataUrl`...) to say what to serve in
   * code; leave it out to serve a release (`release`, or the stack's `mlops:release`). Default: none (release
   * mode).
   */
  readonly version?: string;

  /**
   * The release to serve when `version` is not given: what `mlops promote` / `mlops release set` write under the
   * stack's `mlops:release` (schema 1, or a schema 0 `churn:release`-style value, upgraded when read). Its model,
   * image and baseline become the endpoint's `image`, `modelDataUrl`, `modelAccess` (and `aws.modelPackageArn`,
   * `aws.imageRepositoryArn`), so those args must then be left out, except `image` on docker (the image served
   * when the release names none). Pulumi also reads `mlops:stableRelease` (gcp and docker: the release serving
   * beside it during a canary). Default: the stack's `mlops:release` (Pulumi: stack config; CDK: context
   * `mlops:release` or the file `mlops:releaseFile` names); with neither, the endpoint awaits a release: it
   * creates nothing and says so in its `releaseStatus` output.
   */
  readonly release?: Release;

  /**
   * The pipeline whose stores a release lives in (an `MlPipeline`, or anything with `releaseStore()`): it resolves
   * a registry version (aws) to its model package ARN and image repository, resolves the relative paths of a
   * schema 0 release against its artifact store, and the endpoint may read the release's artifacts there (and on
   * aws decrypt them with the pipeline's key). Used in release mode only. Default: none (a release must then
   * name absolute artifact URIs and no registry version).
   */
  readonly pipeline?: ReleaseStoreSource;

  /**
   * Serving image, by digest (`repo@sha256:...`, preferred: immutable) or tag. Required with `version`, except
   * on aws when `aws.modelPackageArn` is given (the registry version carries its image). In release mode (no
   * `version`) only on docker, where it is the image served when the release names none; aws and gcp serve the
   * release's image. Default: none.
   */
  readonly image?: pulumi.Input<string>;

  /**
   * Model artifact URL (`s3://bucket/path/model.tar.gz` on aws, `gs://bucket/path` on gcp, a path inside
   * the container on docker, such as one under `/mnt/model-access` with `modelAccess`). On aws SageMaker unpacks it into `/opt/ml/model`; elsewhere the container receives it
   * as `MODEL_DATA_URL`. With `version` only (a release sets it). Default: none (the image carries the model).
   */
  readonly modelDataUrl?: pulumi.Input<string>;

  /**
   * Where the model artifacts live when the endpoint cannot tell from `modelDataUrl` (a registry version on
   * aws, an artifact URL known only at deploy time, or artifacts encrypted with another construct's key):
   * the endpoint's identity may read objects under `prefix` in this bucket and decrypt with `kmsKeyId`.
   * aws: S3 read + KMS decrypt (through S3 and SageMaker only: `kms:ViaService`) on the execution role; a
   * registry version also needs `aws.imageRepositoryArn` for its image; gcp: object viewer on the bucket for the runtime
   * account; docker: `bucketName` names a volume, mounted read-only at `/mnt/model-access` in every serving
   * container. With `version` only (a release sets it). Default: derived from `modelDataUrl` when it is a known
   * URL; no extra key.
   */
  readonly modelAccess?: ModelAccessArgs;

  /** Portable compute size of each instance. Default: `cpu-small` in dev, `cpu-medium` in staging and prod. */
  readonly size?: ComputeSize;

  /**
   * Fewest instances. Default: 0 in dev (scale to zero where the cloud has it; 1 for a provisioned aws
   * endpoint, `serverless: false`, which cannot go below one), 1 in staging, 2 in prod.
   */
  readonly minInstances?: number;

  /** Most instances autoscaling may reach. Default: 2 in dev, 4 in staging, 10 in prod, or minInstances if higher. */
  readonly maxInstances?: number;

  /**
   * Autoscaling target: concurrent requests per instance. aws tracks it as invocations per instance per
   * minute (this value x 60); gcp uses it as Cloud Run's maximum concurrency per instance. Default 10.
   */
  readonly targetConcurrency?: number;

  /** How a new release replaces the serving one. Defaults by stage: see `RolloutArgs`. */
  readonly rollout?: RolloutArgs;

  /**
   * The release serving now, while `version` rolls out beside it (gcp and docker only: each `pulumi up` is
   * one step there). Traffic splits between the two; remove it to send all traffic to `version`. On aws
   * SageMaker keeps the old fleet itself during a blue/green update, so this is not needed and not used.
   * With `version` only: in release mode it is the stack's `mlops:stableRelease`. Default: none (all traffic to
   * `version`).
   */
  readonly stableRelease?: StableReleaseArgs;

  /**
   * A/B challengers served beside the primary model; each takes `trafficPercent` and the primary the rest.
   * aws and docker only: Cloud Run cannot serve two templates from one service, so gcp refuses them.
   * Default: none.
   */
  readonly challengers?: ChallengerArgs[];

  /**
   * Serve without provisioned instances: SageMaker Serverless Inference on aws, Cloud Run scaled to zero
   * on gcp; docker always runs one container. aws refuses it with a GPU size, VPC, request capture or
   * challengers. Default: `true` in dev, `false` in staging and prod.
   */
  readonly serverless?: boolean;

  /**
   * Percent of requests captured for drift monitoring: SageMaker data capture to an encrypted bucket on
   * aws, a Pub/Sub topic the container publishes to on gcp (`MLOPS_CAPTURE_TOPIC`), the gateway's capture
   * log on docker. 0 turns capture off. Default: 0 in dev, 20 in staging, 10 in prod; 0 for a serverless aws
   * endpoint, which cannot capture.
   */
  readonly capturePercent?: number;

  /** Environment variables for the serving container. Default: none. */
  readonly environment?: Record<string, string>;

  /** Port the container listens on. Default 8080 (SageMaker requires 8080: other values are refused on aws). */
  readonly port?: number;

  /**
   * Who may invoke the endpoint. aws: IAM role names in the same account, each given an inline policy
   * allowing `sagemaker:InvokeEndpoint` on this endpoint only. gcp: IAM members
   * (`serviceAccount:x@p.iam.gserviceaccount.com`, `group:...`); `allUsers` is refused. docker: not used
   * (the gateway listens on 127.0.0.1 only). Default: none.
   */
  readonly invokers?: string[];

  /** aws-only settings. Default: none (each field's own default applies). */
  readonly aws?: ModelEndpointAwsArgs;
  /** gcp-only settings. Default: none (each field's own default applies). */
  readonly gcp?: ModelEndpointGcpArgs;
  /** docker-only settings. Default: none (each field's own default applies). */
  readonly docker?: ModelEndpointDockerArgs;
}

/** What serves releases their stores: an `MlPipeline` (Pulumi or CDK). */
export interface ReleaseStoreSource {
  releaseStore(): ReleaseStore;
}

/** Read access to model artifacts kept elsewhere (such as an MlPipeline's artifact bucket). */
export interface ModelAccessArgs {
  /** Bucket holding the artifacts (S3 on aws, GCS on gcp; a volume on docker). Required. */
  readonly bucketName: pulumi.Input<string>;
  /** Key prefix of the artifacts, ending in `/`. Default: the whole bucket. */
  readonly prefix?: string;
  /** The key the artifacts are encrypted with (aws: KMS key ARN). Default: none beyond the endpoint's own key. */
  readonly kmsKeyId?: pulumi.Input<string>;
}

/** Rollout settings. On aws they drive SageMaker's blue/green deployment guardrails. */
export interface RolloutArgs {
  /** Default: `all-at-once` in dev, `canary` in staging and prod. */
  readonly strategy?: RolloutStrategy;
  /** Percent of capacity (aws) or traffic (gcp, docker) the canary takes first, 1 to 50. Default 10. */
  readonly canaryPercent?: number;
  /** Percent moved each step of a linear rollout, 10 to 50. Default 20. */
  readonly linearStepPercent?: number;
  /**
   * Minutes to watch each step before shifting more traffic (aws; gcp with `gcp.rollout: 'cloud-deploy'`, where each
   * step is analysed this long against the watching MonitoringStack's alert policies), 0 to 60. On aws the whole
   * rollout must bake within 45 minutes, and auto-rollback needs at least 3 per step. On gcp with cloud-deploy,
   * auto-rollback needs at least 7 per step (an alert policy opens an incident up to 420 s after a revision starts
   * failing: 180 s Cloud Run metric delay + 60 s alignment + 180 s duration; a MonitoringStack with longer periods
   * refuses a shorter bake). Default: 5 in staging, 10 in prod, 0 in dev; on gcp with cloud-deploy and
   * auto-rollback at least 10.
   */
  readonly bakeMinutes?: number;
  /**
   * Roll back automatically when a rollback alarm fires during the rollout (aws: the alarms watch 5xx errors and p99
   * model latency; gcp with `gcp.rollout: 'cloud-deploy'`: a Cloud Deploy automation rolls back a rollout whose step
   * failed its analysis on the MonitoringStack's latency and server-error alert policies). Default `true` outside dev.
   */
  readonly autoRollback?: boolean;
  /** Rollback alarm: model latency p99 above this many milliseconds. Default 1000. */
  readonly maxLatencyP99Ms?: number;
  /** Rollback alarm: more than this many 5xx errors in one minute. Default 0 (any 5xx error). */
  readonly max5xxPerMinute?: number;
}

/** The release serving now, during a gcp or docker rollout. */
export interface StableReleaseArgs {
  /** Its release label (its Cloud Run revision must exist: it was `version` in an earlier deploy). Required. */
  readonly version: string;
  /** Its image (docker runs it beside the new one; gcp reuses the existing revision). Required on docker; default none elsewhere. */
  readonly image?: pulumi.Input<string>;
  /** Its model artifact URL. Default: none. */
  readonly modelDataUrl?: pulumi.Input<string>;
}

/** An A/B challenger model. */
export interface ChallengerArgs {
  /** Variant name: letters, digits and hyphens, unique, not `primary`. Required. */
  readonly name: string;
  /** Serving image of the challenger. Required. */
  readonly image: pulumi.Input<string>;
  /** Model artifact of the challenger. Default: none. */
  readonly modelDataUrl?: pulumi.Input<string>;
  /** Percent of traffic the challenger receives, 1 to 99; all challengers together under 100. Required. */
  readonly trafficPercent: number;
}

export interface ModelEndpointAwsArgs {
  /**
   * A model package (registry version) ARN for the primary model to serve instead of `image` +
   * `modelDataUrl` (such as `MlPipeline.registeredModelArn(3)`). Requires `modelAccess` for its artifacts;
   * `image` and `modelDataUrl` must then be left out, and `aws.imageRepositoryArn` given. With `version` only (a
   * release naming a registry version sets it from its `pipeline`). Default: none.
   */
  readonly modelPackageArn?: pulumi.Input<string>;
  /**
   * ARN of the ECR repository the primary model's image is pulled from (such as `MlPipeline`'s repository,
   * or the repository of `registry.servingImage`), for when the endpoint cannot read it from `image`: a
   * registry version (`modelPackageArn`), or an image known only at deploy time. The execution role may pull
   * from this repository only. Required with `modelPackageArn`. Default: read from `image` (an image known
   * only at deploy time, with no repository named, may be pulled from any repository of the account). With
   * `version` only (a release sets it).
   */
  readonly imageRepositoryArn?: pulumi.Input<string>;
  /** SageMaker instance type, overriding `size`. Default: from `size`. */
  readonly instanceType?: string;
  /** Serverless maximum concurrency, 1 to 200. Default 20. */
  readonly serverlessMaxConcurrency?: number;
  /**
   * Block the container's network (it can still read its model and write capture). Default `true`, and
   * `false` for serverless endpoints (SageMaker refuses isolation there); set `false` for containers that must
   * call other services.
   */
  readonly networkIsolation?: boolean;
}

export interface ModelEndpointGcpArgs {
  /** Cloud Run CPU limit, overriding `size` (`"1"`, `"2"`, `"4"`, `"8"`). Default: from `size`. */
  readonly cpu?: string;
  /** Cloud Run memory limit, overriding `size` (`"4Gi"`). Default: from `size`. */
  readonly memory?: string;
  /** Refuse deletion of the Cloud Run service. Default: `true` in prod, `false` elsewhere. */
  readonly deletionProtection?: boolean;
  /**
   * Who can reach the service's URL: `all` (IAM still applies), `internal` (only from VPC networks and
   * Shared VPC of the project, `INGRESS_TRAFFIC_INTERNAL_ONLY`). Default `all`.
   */
  readonly ingress?: 'all' | 'internal';
  /**
   * Who rolls a new release out. `pulumi`: each `pulumi up` sets the service's template and traffic (a canary step
   * is `stableRelease` + `pulumi up`; promoting is removing it), and the rollback decision is the operator's.
   * `cloud-deploy`: Google Cloud Deploy does, through a delivery pipeline and Cloud Run target this endpoint
   * creates: the canary percentages come from `rollout` (`canary`: `canaryPercent`; `linear`: every
   * `linearStepPercent`; `all-at-once`: one step), each step is analysed for `rollout.bakeMinutes` against the
   * Cloud Monitoring alert policies of the `MonitoringStack` watching the endpoint, an automation advances the
   * rollout after each healthy step and, with `rollout.autoRollback`, rolls a failed rollout back. Pulumi then
   * creates the service with the first release and stops managing its template, traffic, ingress and labels: a
   * release is a Cloud Deploy release of the manifest the endpoint renders (`gcp.cloudDeploy.serviceManifest`),
   * which carries them. Requires `modelAccess` with a `modelDataUrl` (a rollback must still read the earlier
   * model); refuses `stableRelease` (Cloud Deploy owns the traffic) and GPU sizes. Default `pulumi`.
   */
  readonly rollout?: 'pulumi' | 'cloud-deploy';
  /**
   * IAM members (`user:`, `group:`, `serviceAccount:`) who may create Cloud Deploy releases of this endpoint, such
   * as a CI service account (`gcp.rollout: 'cloud-deploy'` only): Cloud Deploy releaser on the endpoint's delivery
   * pipeline and target, use of its execution service account, and object access to its release bucket, where
   * the release's source is staged. Default: none (grant them yourself).
   */
  readonly releasers?: string[];
}

export interface ModelEndpointDockerArgs {
  /** Host port of the gateway, bound to 127.0.0.1. Default 8080. */
  readonly hostPort?: number;
  /**
   * Health check command run inside the serving container (docker `HEALTHCHECK` form). Default
   * `["CMD-SHELL", "curl -fsS http://localhost:<port>/ping || exit 1"]`.
   */
  readonly healthCheck?: string[];
}
