import type * as pulumi from '@pulumi/pulumi';
import type { PlatformArgs } from '../core/platform';

/**
 * What `MonitoringStack` watches: a `ModelEndpoint`, or any endpoint described by this interface. The fields a
 * cloud does not use are ignored there.
 */
export interface WatchedEndpoint {
  /** Physical name: the SageMaker endpoint (aws), the Cloud Run service (gcp), the gateway container (docker). Required. */
  readonly endpointName: pulumi.Input<string>;
}

/** What `MonitoringStack` reads from the pipeline that trains the watched model (an `MlPipeline` fits). */
export interface WatchedPipeline {
  /** What drift starts: the pipeline ARN (aws), the workflow id (gcp), the runner container name (docker). Required. */
  readonly retrainTrigger: pulumi.Input<string>;
  /** Prefix under which every run keeps its drift baseline. Required. */
  readonly baselineUri: pulumi.Input<string>;
}

/** Alarm thresholds. Every default depends on the stage; see each field. */
export interface MonitoringThresholdArgs {
  /** Alarm when p99 model latency stays above this many milliseconds, 1 to 600000. Default: 2000 in dev, 1000 in staging and prod. */
  readonly latencyP99Ms?: number;
  /** Alarm when this percent of requests or more end in a server (5xx) error, 0 to 100. Default: 5 in dev, 2 in staging, 1 in prod. */
  readonly serverErrorPercent?: number;
  /** Alarm when this percent of requests or more end in a client (4xx) error, 0 to 100. Default: 25 in dev, 10 in staging and prod. */
  readonly clientErrorPercent?: number;
  /** Alarm when no request arrives for this many minutes; 0 turns it off. Default: 0 in dev, 60 in staging, 15 in prod. */
  readonly noTrafficMinutes?: number;
  /** Alarm when CPU use stays above this percent of the instance, 1 to 100. Default 90. */
  readonly cpuPercent?: number;
  /** Alarm when memory use stays above this percent, 1 to 100. Default 90. */
  readonly memoryPercent?: number;
  /** Alarm when GPU use stays above this percent (GPU sizes only), 1 to 100. Default 95. */
  readonly gpuPercent?: number;
  /** Length of one evaluation period in seconds: 60 or a multiple of 60. Default 60. */
  readonly periodSeconds?: number;
  /** Periods looked at for each alarm, 1 to 60. Default: 5. */
  readonly evaluationPeriods?: number;
  /** Breaching periods among them that raise the alarm, 1 to `evaluationPeriods`. Default: 3. */
  readonly datapointsToAlarm?: number;
}

/** The statistic a drift check compares captured inputs with the baseline by. */
export type DriftStatistic = 'psi' | 'ks' | 'model-monitor';

/** The input drift check. */
export interface DriftArgs {
  /** Run the drift check. Default: `true` when the endpoint captures requests and a pipeline is given, else `false`. */
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
  /** A feature drifts when its statistic exceeds this. Default: 0.2 for `psi`, 0.1 for `ks` and `model-monitor`. */
  readonly threshold?: number;
  /** Per-feature thresholds overriding `threshold`. Default: none. */
  readonly featureThresholds?: Record<string, number>;
  /** Features to watch. Required on aws (Model Monitor publishes one metric per feature); default elsewhere: every feature in the baseline. */
  readonly features?: string[];
  /** Start the pipeline's retraining when drift is found. Requires `pipeline`. Default `false`. */
  readonly retrain?: boolean;
  /** The baseline to compare with, overriding the pipeline's. Default: the baseline of the served version, under the pipeline's `baselineUri`. */
  readonly baselineUri?: pulumi.Input<string>;
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
