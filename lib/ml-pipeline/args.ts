import type * as pulumi from '@pulumi/pulumi';
import type { PlatformArgs } from '../core/platform';
import type { ComputeSize } from '../core/sizes';

/** How the candidate's metric is compared with the threshold (and with the approved model's). */
export type QualityComparison = 'greater-than' | 'greater-than-or-equal' | 'less-than' | 'less-than-or-equal';

/**
 * A training pipeline with a quality gate: versioned, encrypted data and artifact buckets, a container
 * registry for training images, a training run, an evaluation run, a gate on one metric, registration of the
 * model that passes, an explicit failure for the one that does not, and retraining on a schedule or on demand.
 *
 * The container contract, the same on every cloud. Each container finds its directories in environment
 * variables (Cloud Run jobs cannot mount per-run directories, so on gcp only the variables are right; on aws
 * and docker they hold SageMaker's fixed paths, which also work there):
 * - training reads its data from `SM_CHANNEL_TRAIN` (`/opt/ml/input/data/train`: the data under
 *   `data.prefix`), writes the model to `SM_MODEL_DIR` (`/opt/ml/model`) and checkpoints to
 *   `SM_CHECKPOINT_DIR` (`/opt/ml/checkpoints`). On aws SageMaker's training toolkit sets these variables;
 *   an image without it uses the fixed paths.
 * - evaluation reads the model from `MLOPS_MODEL_DIR` and the data from `MLOPS_DATA_DIR`, and writes
 *   `evaluation.metricsFile` (named in `MLOPS_METRICS_FILE`; the gate's metric is in `MLOPS_QUALITY_METRIC`)
 *   to `MLOPS_EVALUATION_DIR` as `{"metrics": {"<metric>": {"value": <number>}}}`.
 * - with `qualityGate.mustBeatApproved`, `MLOPS_CHAMPION_MODEL_DIR` holds the approved model (the newest
 *   approved version of the registry) as the training step wrote it: `model.tar.gz` on aws, the model
 *   directory on gcp and docker. The evaluation scores it on the SAME held-out rows as the candidate and adds
 *   `"champion": {"found": true, "<metric>": {"value": <number>}}`. When the variable is unset or empty, or
 *   the directory holds no model (on aws it then holds only the lookup's `champion.json`), nothing is approved
 *   yet: it writes `"champion": {"found": false, "<metric>": {"value": <the candidate's own score>}}`. The gate
 *   then passes the comparison; the value is only there because SageMaker resolves every operand of its gate
 *   before evaluating it, and a score compared strictly with itself never lets a candidate through. The
 *   directory may be read-only: unpack an archive elsewhere.
 * - on gcp and docker, evaluation writes this run's drift baseline, `drift_baseline.json` (our own documented
 *   format, `templates/training/baseline.py`), to `MLOPS_BASELINE_DIR`, a directory of its own per run: a run
 *   that fails the gate never replaces the registered model's baseline (gcp: `runs/<run id>/baseline/`, beside
 *   the registered `runs/<run id>/model/`; docker: copied with a registered model to `<group>/<run id>/baseline/`).
 *   On aws the pipeline computes Model Monitor's baseline (`statistics.json`, `constraints.json` in
 *   `baseline/<execution id>/`) in its own `DataQualityBaseline` step and records it as the model package's
 *   `DriftCheckBaselines` (not with `aws.driftBaseline: false`); the evaluation's baseline is not uploaded there.
 * - on aws (unless `aws.driftBaseline` is false, which leaves the variable unset), evaluation also writes
 *   `dataset.csv` to `MLOPS_MONITOR_DATASET_DIR` (uploaded to
 *   `baseline/<execution id>/dataset/`): a header `prediction,<features in the model's order>` and, per training
 *   row, the model's output then the row's feature values, no label. That is how Model Monitor will see captured
 *   `text/csv` traffic (by position, the output first); the `DataQualityBaseline` step computes the baseline of it
 *   after the evaluation, and an evaluation that writes nothing there fails the run before the gate.
 * - on aws with `mustBeatApproved`, the evaluation image also runs the champion lookup step (`FindChampion`):
 *   it needs `python3` with `boto3` (the program itself travels in the pipeline definition).
 */
export interface MlPipelineArgs {
  /** Where and how to deploy. Default: read from the stack config namespace `mlops`. */
  readonly platform?: PlatformArgs;

  /**
   * Physical name of the pipeline (SageMaker pipeline, Cloud Workflows workflow, docker container prefix).
   * It also names the container registry (lowercased). Default: `<construct name>-<stage>`.
   */
  readonly pipelineName?: string;

  /** The training run. Required. */
  readonly training: TrainingArgs;

  /** Where the training data lives. Default: a bucket the construct makes, data under `training/`. */
  readonly data?: DataArgs;

  /** The evaluation run that scores the trained model. Required. */
  readonly evaluation: EvaluationArgs;

  /** The bar a model must pass to be registered. Required. */
  readonly qualityGate: QualityGateArgs;

  /** The model registry. Default: a model group named after the pipeline. */
  readonly registry?: RegistryArgs;

  /**
   * When to retrain: `rate(<n> minutes|hours|days)` or `cron(<minute> <hour> <day-of-month> <month>
   * <day-of-week>)` (five-field Unix cron, UTC; day of week 0-6 or SUN-SAT, Sunday is 0). gcp turns a rate
   * into a cron, so there a rate must divide an hour or a day evenly (or be `rate(7 days)`).
   * `"none"` retrains only on demand (through `retrainTrigger`). Default: `none` in dev, `rate(7 days)` in
   * staging and prod.
   */
  readonly schedule?: string;

  /**
   * Days a replaced or deleted artifact version (data, models, evaluations, untagged images) is kept. It must
   * cover at least one schedule interval, so the previous run's artifacts still exist when the next run
   * starts. Default: 30 in dev, 90 in staging, 365 in prod.
   */
  readonly retentionDays?: number;

  /** aws-only settings. Default: none (each field's own default applies). */
  readonly aws?: MlPipelineAwsArgs;
  /** gcp-only settings. Default: none (each field's own default applies). */
  readonly gcp?: MlPipelineGcpArgs;
  /** docker-only settings. Default: none (each field's own default applies). */
  readonly docker?: MlPipelineDockerArgs;
}

export interface TrainingArgs {
  /**
   * Training image, by digest (`repo@sha256:...`, preferred) or tag. Required unless `build` is given.
   */
  readonly image?: pulumi.Input<string>;
  /**
   * Build the training image from a Dockerfile in your repository and push it to the pipeline's registry
   * (ECR, Artifact Registry, the local registry), tagged with a digest of the build context. It is also the
   * evaluation and serving image unless those are given. Needs a Docker engine where `pulumi up` runs (CDK:
   * where `cdk deploy` runs). Give either `image` or `build`. Default: none.
   */
  readonly build?: ImageBuildArgs;
  /**
   * Command run in the training container, replacing the image's entrypoint (SageMaker's
   * `ContainerEntrypoint` on aws). Default: the image's own entrypoint (SageMaker runs it with `train`).
   */
  readonly command?: string[];
  /**
   * Hyperparameters, as strings. SageMaker writes them to `/opt/ml/input/config/hyperparameters.json`;
   * on gcp and docker they arrive as the JSON environment variable `MLOPS_HYPERPARAMETERS`. Default: none.
   */
  readonly hyperparameters?: Record<string, string>;
  /** Environment variables of the training container. Default: none. */
  readonly environment?: Record<string, string>;
  /** Portable compute size of each training instance. Default: `cpu-small` in dev, `cpu-medium` elsewhere. */
  readonly size?: ComputeSize;
  /** Number of training instances, 1 to 20. More than 1 only on aws. Default 1. */
  readonly instanceCount?: number;
  /**
   * Train on spot capacity, resuming from checkpoints when interrupted (SageMaker managed spot training;
   * aws only: Cloud Run jobs and docker have no spot, so `true` is refused there). Default: `true` on aws in
   * dev and staging, `false` in prod and on gcp and docker.
   */
  readonly spot?: boolean;
  /** Longest a training run may take, in minutes (1 to 40320). Default 120. */
  readonly maxRuntimeMinutes?: number;
  /**
   * With spot: longest to wait for spot capacity plus training, in minutes; at least `maxRuntimeMinutes`.
   * Default: twice `maxRuntimeMinutes`.
   */
  readonly maxWaitMinutes?: number;
}

/** A Docker build of the training image. */
export interface ImageBuildArgs {
  /** Build context folder, relative to the working directory. Required. */
  readonly context: string;
  /** Dockerfile path, relative to the context. Default `Dockerfile`. */
  readonly dockerfile?: string;
  /** Multi-stage build target. Default: the last stage. */
  readonly target?: string;
  /** Build arguments. Default: none. */
  readonly buildArgs?: Record<string, string>;
}

export interface DataArgs {
  /**
   * An existing bucket holding the training data (S3 on aws, GCS on gcp; ignored on docker, which uses a
   * volume). The construct does not manage it: its versioning, encryption and retention are yours; when its
   * key is not the platform's, grant the training role use of it. Default: a bucket the construct makes.
   */
  readonly bucketName?: string;
  /** Prefix under which the training data lives, ending in `/`. Default `training/`. */
  readonly prefix?: string;
}

export interface EvaluationArgs {
  /** Evaluation image. Default: the training image. */
  readonly image?: pulumi.Input<string>;
  /** Command that scores the model and writes the metrics file. Required. */
  readonly command: string[];
  /** Name of the metrics file the evaluation writes (a JSON file, see the contract above). Default `evaluation.json`. */
  readonly metricsFile?: string;
  /** Portable compute size of the evaluation. Default `cpu-small`. */
  readonly size?: ComputeSize;
}

export interface QualityGateArgs {
  /**
   * The metric the gate looks at: a key under `metrics` in the metrics file (letters, digits, `_`, `-`).
   * Required.
   */
  readonly metric: string;
  /** How the metric is compared. Default `greater-than-or-equal` (higher is better). */
  readonly comparison?: QualityComparison;
  /**
   * The bar the metric must clear. Default: none (then `mustBeatApproved` must be true: a gate needs a bar).
   */
  readonly threshold?: number;
  /**
   * The candidate must also strictly beat the approved model (the champion) on the metric, both scored by the
   * evaluation on the same held-out rows (see the contract above). When no version is approved yet the
   * candidate passes this comparison (the threshold, if any, still applies). The champion is the newest
   * approved version of the registry: on aws the newest package of the group with status `Approved` (by
   * creation time), found by a `FindChampion` step before the evaluation, which keeps its network isolation
   * and receives the artifact as an input; on gcp the newest version (by creation time) of the Vertex AI model
   * labelled `mlops-approval: approved`, found by the workflow; on docker the run id in the group's `approved`
   * file. Whether one exists is the pipeline's own finding, not the evaluation's: an evaluation that ignores the
   * champion fails the gate. Default `false`.
   */
  readonly mustBeatApproved?: boolean;
}

export interface RegistryArgs {
  /**
   * Name of the model group (SageMaker model package group; the Vertex AI model display name on gcp; the
   * directory in the models volume on docker). Default: the pipeline name.
   */
  readonly modelGroupName?: string;
  /**
   * New versions wait for a person to approve them (`PendingManualApproval`); `false` approves every version
   * that passes the gate. Vertex AI has no approval state: on gcp the version carries the label
   * `mlops-approval: pending` or `approved`; on docker the run id is written to `pending` or `approved` in the
   * group's directory. Default: `false` in dev, `true` in staging and prod.
   */
  readonly requireApproval?: boolean;
  /** Serving image recorded with each registered version. Default: the training image. */
  readonly servingImage?: pulumi.Input<string>;
}

export interface MlPipelineAwsArgs {
  /** SageMaker training instance type, overriding `training.size`. Default: from the size. */
  readonly trainingInstanceType?: string;
  /** SageMaker processing instance type, overriding `evaluation.size`. Default: from the size. */
  readonly evaluationInstanceType?: string;
  /** Training and processing storage volume, in GB (1 to 16384). Default 30. */
  readonly volumeSizeGb?: number;
  /**
   * Cut the training and evaluation containers off the network (they still read inputs and write outputs
   * through SageMaker). With `mustBeatApproved` the evaluation stays isolated: only the champion lookup, which
   * reads no data, calls the SageMaker API. Default `true`; set `false` for code that downloads at run time.
   */
  readonly networkIsolation?: boolean;
  /**
   * Compute a SageMaker Model Monitor baseline (QualityCheck step) on every run and register it with the
   * version. Model Monitor is no longer open to new AWS customers: an account without access sets false (and
   * turns the MonitoringStack drift check off). With `false` the pipeline has no `DataQualityBaseline` step,
   * the evaluation gets no `MLOPS_MONITOR_DATASET_DIR` (writes no monitor dataset), a registered version
   * records no `DriftCheckBaselines` and no `ModelMetrics.ModelDataQuality`, nothing is written under
   * `baseline/`, and any region is accepted. Default true.
   */
  readonly driftBaseline?: boolean;
}

export interface MlPipelineGcpArgs {
  /** CPU limit of the training job, overriding `training.size` (`"2"`, `"4"`, `"8"`). Default: from the size. */
  readonly cpu?: string;
  /** Memory limit of the training job, overriding `training.size` (`"8Gi"`). Default: from the size. */
  readonly memory?: string;
}

export interface MlPipelineDockerArgs {
  /** Host port of the local container registry, bound to 127.0.0.1. Default 5000. */
  readonly registryPort?: number;
}
