import type * as pulumi from '@pulumi/pulumi';
import type { PlatformArgs } from '../core/platform';
import type { Cloud } from '../core/stage';

/**
 * What `MonitoringStack` watches: a `ModelEndpoint` of this library (Pulumi or CDK), or any endpoint described by
 * this interface. A `ModelEndpoint` fits as it is: its cloud, region, sizes, capture and docker targets are read
 * from its resolved `spec` and its children, and the optional fields below are ignored for it. For an endpoint of
 * your own, describe it with the fields below; those a cloud does not use are ignored there.
 */
export interface WatchedEndpoint {
  /** Physical name: the SageMaker endpoint (aws), the Cloud Run service (gcp), the gateway container (docker). Required. */
  readonly endpointName: pulumi.Input<string>;
  /** The cloud it runs on: must be the stack's (`platform.cloud`). Default: the stack's cloud. */
  readonly cloud?: Cloud;
  /**
   * vCPUs of one serving instance, 1 to 1024. CloudWatch sums CPU use over them (100 per vCPU). Default: unknown, and
   * then no CPU or memory alarm on aws (elsewhere utilization is a fraction of the instance and needs no count).
   */
  readonly vcpus?: number;
  /** GPUs of one serving instance, 0 to 64; GPU alarms only when above 0. Default 0. */
  readonly gpus?: number;
  /** Percent of requests the endpoint captures, 0 to 100; the drift check needs some. Default 0 (captures none). */
  readonly capturePercent?: number;
  /** Where captured requests land (the drift check reads them). Default: none. */
  readonly capture?: WatchedCapture;
  /** docker: how Prometheus and the drift job reach the endpoint. Required on docker for an endpoint of your own. */
  readonly dockerTargets?: WatchedDockerTargets;
}

/** Where an endpoint of your own writes captured requests. */
export interface WatchedCapture {
  /** aws: the S3 URL the endpoint's data capture writes under (`s3://bucket/prefix`). Default: none. */
  readonly s3Uri?: pulumi.Input<string>;
  /** aws: the KMS key ARN encrypting the capture (the monitor decrypts with it). Default: none (not encrypted with a customer key). */
  readonly kmsKeyArn?: pulumi.Input<string>;
  /** gcp: the Pub/Sub topic id (`projects/<p>/topics/<t>`) captured requests are published to. Default: none. */
  readonly topic?: pulumi.Input<string>;
}

/** docker: how the monitoring containers reach an endpoint of your own. */
export interface WatchedDockerTargets {
  /** The endpoint's Docker network; Prometheus and the drift job join it. Required. */
  readonly network: string;
  /** Network alias every serving container answers to (Prometheus scrapes them all by DNS). Required. */
  readonly servingAlias: string;
  /** Port of the serving containers (`GET /metrics`). Default 8080. */
  readonly servingPort?: number;
  /** The gateway's nginx `stub_status` URL on that network. Required. */
  readonly gatewayStatusUrl: string;
  /** The volume captured requests are written to. Default: none (no drift check). */
  readonly captureVolume?: string;
}

/** What `MonitoringStack` reads from the pipeline that trains the watched model (an `MlPipeline` fits as it is). */
export interface WatchedPipeline {
  /** What drift starts: the pipeline ARN (aws), the workflow id (gcp), the runner container name (docker). Required. */
  readonly retrainTrigger: pulumi.Input<string>;
  /**
   * The prefix under which every run keeps its drift baseline (`MlPipeline.baselineUri`); the served version's
   * baseline (`drift.baselineUri`) lies under it, and the drift check may read under it. Required.
   */
  readonly baselineUri: pulumi.Input<string>;
  /**
   * aws: the KMS key ARN encrypting the pipeline's artifact bucket (the monitor decrypts the baseline with it). Default:
   * for an `MlPipeline`, its key; otherwise none.
   */
  readonly kmsKeyArn?: pulumi.Input<string>;
}

/** Alarm thresholds. Every default depends on the stage; see each field. */
export interface MonitoringThresholdArgs {
  /** Alarm when p99 model latency stays above this many milliseconds, 1 to 600000. Default: 2000 in dev, 1000 in staging and prod. */
  readonly latencyP99Ms?: number;
  /** Alarm when this percent of requests or more end in a server (5xx) error, 0 to 100. Default: 5 in dev, 2 in staging, 1 in prod. */
  readonly serverErrorPercent?: number;
  /** Alarm when this percent of requests or more end in a client (4xx) error, 0 to 100. Default: 25 in dev, 10 in staging and prod. */
  readonly clientErrorPercent?: number;
  /**
   * Alarm when no request arrives for this many minutes; 0 turns it off. At most 1440 on aws (one-minute periods, and
   * CloudWatch looks back at most a day at periods under an hour); 2 to 1410 on gcp (Cloud Monitoring's metric-absence
   * window is 120 s to 23.5 h). Default: 0 in dev, 60 in staging, 15 in prod.
   */
  readonly noTrafficMinutes?: number;
  /** Alarm when CPU use stays above this percent of the instance, 1 to 100. Default 90. */
  readonly cpuPercent?: number;
  /** Alarm when memory use stays above this percent, 1 to 100. Default 90. */
  readonly memoryPercent?: number;
  /** Alarm when GPU use stays above this percent (GPU sizes only), 1 to 100. Default 95. */
  readonly gpuPercent?: number;
  /**
   * Length of one evaluation period in seconds: a multiple of 60, up to 86400. The endpoints' metrics have one-minute
   * resolution (CloudWatch's 10, 20 and 30 s periods are for high-resolution metrics only), and Cloud Monitoring
   * takes alignment periods of 60 s or more and whole minutes as durations. On aws, `periodSeconds *
   * evaluationPeriods` is at most 86400 for periods under an hour and 604800 otherwise (CloudWatch's limits).
   * Default 60.
   */
  readonly periodSeconds?: number;
  /** Periods looked at for each alarm, 1 to 60 (on aws also within CloudWatch's look-back, see `periodSeconds`). Default: 5. */
  readonly evaluationPeriods?: number;
  /** Breaching periods among them that raise the alarm, 1 to `evaluationPeriods`. Default: 3, or `evaluationPeriods` when fewer. */
  readonly datapointsToAlarm?: number;
}

/** The statistic a drift check compares captured inputs with the baseline by. */
export type DriftStatistic = 'psi' | 'ks' | 'model-monitor';

/** The input drift check. */
export interface DriftArgs {
  /**
   * Run the drift check. It needs an endpoint that captures requests and the served version's baseline
   * (`baselineUri`). Default: `true` when the endpoint captures requests and `baselineUri` is given, else `false`.
   */
  readonly enabled?: boolean;
  /** How often it runs: `hourly` or `daily`. Default: `hourly` in prod, `daily` elsewhere. */
  readonly schedule?: 'hourly' | 'daily';
  /**
   * The statistic: `psi` (population stability index over the baseline's bins), `ks` (largest gap between the
   * baseline's and the captured cumulative distributions), or `model-monitor` (the per-feature baseline distance
   * SageMaker Model Monitor publishes; aws only, and the only one there). Default: `model-monitor` on aws, `psi`
   * elsewhere.
   */
  readonly statistic?: DriftStatistic;
  /**
   * A feature drifts when its statistic exceeds this: above 0 and at most 10 for `psi`, above 0 and below 1 for `ks`
   * and `model-monitor`. Default: 0.2 for `psi`, 0.1 for `ks` and `model-monitor`.
   */
  readonly threshold?: number;
  /** Per-feature thresholds overriding `threshold`, in the same range; keys among `features` when those are given. Default: none. */
  readonly featureThresholds?: Record<string, number>;
  /**
   * Features to watch, by their names in the training data. Required on aws when drift runs (Model Monitor publishes
   * one metric per feature and the alarms name them); default elsewhere: every feature in the baseline.
   */
  readonly features?: string[];
  /** Start the pipeline's retraining when drift is found. Requires `pipeline`. Default `false`. */
  readonly retrain?: boolean;
  /**
   * The baseline of the model version being served: aws, the folder of Model Monitor's `statistics.json` and
   * `constraints.json` the pipeline's `DataQualityBaseline` step wrote (`<pipeline baselineUri><execution id>/`, as
   * `aws sagemaker describe-model-package --query DriftCheckBaselines.ModelDataQuality` shows for the served model
   * package); gcp, the served run's `drift_baseline.json` folder (`<pipeline baselineUri><run id>/baseline/`); docker,
   * that folder as `docker-volume://<volume>/<path>/`. Required when the drift check runs. Default: none.
   */
  readonly baselineUri?: pulumi.Input<string>;
  /**
   * gcp: the drift job's container image, built from `templates/drift`. Required on gcp when the drift check runs;
   * ignored elsewhere (aws runs Model Monitor's own container; docker runs the template's standard-library code in a
   * stock Python image). Default: none.
   */
  readonly image?: pulumi.Input<string>;
}

/** Who is told when an alarm fires. */
export interface NotificationArgs {
  /** Email addresses. Default: none. */
  readonly emails?: string[];
  /**
   * An https webhook or chat URL. A URL that carries a credential (a token in its path or query, user info) must
   * come as a Pulumi secret (`config.requireSecret`); a plain string of that kind is refused. Default: none.
   */
  readonly webhookUrl?: pulumi.Input<string>;
  /** An existing SNS topic ARN (aws) to publish to as well. Default: none. */
  readonly topicArn?: pulumi.Input<string>;
  /** Existing Cloud Monitoring notification channel ids (gcp) to notify as well. Default: none. */
  readonly channelIds?: pulumi.Input<string>[];
}

/**
 * Watches a model endpoint (latency, errors, traffic, saturation, input drift), tells people, rolls back a bad
 * rollout (the endpoint's rollback alarms get its actions) and, when asked, retrains on drift.
 */
export interface MonitoringStackArgs {
  /** Where and how to deploy. Default: read from the stack config namespace `mlops`. */
  readonly platform?: PlatformArgs;
  /** The endpoint to watch. Required. */
  readonly endpoint: WatchedEndpoint;
  /** The pipeline that trained the served model: its baseline and its retrain trigger. Default: none. */
  readonly pipeline?: WatchedPipeline;
  /** Alarm thresholds. Default: per stage, see each field. */
  readonly thresholds?: MonitoringThresholdArgs;
  /** The drift check. Default: see each field. */
  readonly drift?: DriftArgs;
  /** Who is told. Required in staging and prod (alarms there always have an action); default in dev: none. */
  readonly notifications?: NotificationArgs;
  /** Build a dashboard. Default `true`. */
  readonly dashboard?: boolean;
  /** docker only: host ports of the monitoring UIs and the mail server. Default: see each field. */
  readonly docker?: MonitoringDockerArgs;
}

/** docker: the UIs (bound on 127.0.0.1 only) and how Alertmanager sends email. */
export interface MonitoringDockerArgs {
  /** Host port of Grafana (the dashboard URL). Default 3000. */
  readonly grafanaPort?: number;
  /** Host port of Prometheus. Default 9090. */
  readonly prometheusPort?: number;
  /** Host port of Alertmanager. Default 9093. */
  readonly alertmanagerPort?: number;
  /** The mail server Alertmanager sends `notifications.emails` through. Required when emails are set on docker. */
  readonly smtp?: SmtpArgs;
}

/** A mail server (SMTP submission). */
export interface SmtpArgs {
  /** `host:port`, such as `smtp.example.com:587`. Required. */
  readonly smarthost: string;
  /** Sender address. Required. */
  readonly from: string;
  /** Login user. Default: none (no authentication). */
  readonly username?: string;
  /** Login password: a Pulumi secret (`config.requireSecret`); a plain string is refused. Default: none. */
  readonly password?: pulumi.Input<string>;
  /** Refuse to send without STARTTLS. Default `true`. */
  readonly requireTls?: boolean;
}
