import type * as pulumi from '@pulumi/pulumi';
import type { Platform } from '../core/platform';
import type { DriftStatistic } from './args';

/**
 * A MonitoringStack with every default applied: what each cloud's renderer and the CDK construct read.
 * (Contract between `resolve.ts` and the renderers; change it in one commit with all of them.)
 */
export interface ResolvedMonitoringStack {
  readonly constructName: string;
  readonly platform: Platform;
  readonly tags: Readonly<Record<string, string>>;
  /**
   * Prefix of every physical name this construct creates: `<construct name>-<stage>` (or `-<stack>` in a stack not
   * named after its stage), the default physical name rule of every construct. At most 49 characters on aws and gcp.
   */
  readonly namePrefix: string;
  readonly endpoint: ResolvedWatchedEndpoint;
  readonly pipeline?: {
    readonly retrainTrigger: pulumi.Input<string>;
    readonly baselineUri: pulumi.Input<string>;
    /** aws: the key encrypting the pipeline's bucket (the monitor decrypts the baseline with it). */
    readonly kmsKeyArn?: pulumi.Input<string>;
    /** aws: false when the MlPipeline computes no Model Monitor baseline (`aws.driftBaseline: false`); else undefined. */
    readonly modelMonitorBaseline?: false;
  };
  readonly thresholds: ResolvedThresholds;
  /** Undefined when the drift check is off. */
  readonly drift?: ResolvedDrift;
  readonly notifications: ResolvedNotifications;
  readonly dashboard: boolean;
  /** docker only: host ports of the UIs and the mail server for email notifications. */
  readonly docker?: ResolvedMonitoringDocker;
}

/** docker: the monitoring containers' host ports (bound on 127.0.0.1, claimed like every host port) and SMTP. */
export interface ResolvedMonitoringDocker {
  readonly grafanaPort: number;
  readonly prometheusPort: number;
  readonly alertmanagerPort: number;
  /** Required when `notifications.emails` is set on docker. */
  readonly smtp?: ResolvedSmtp;
}

export interface ResolvedSmtp {
  /** `host:port` of the mail server. */
  readonly smarthost: string;
  readonly from: string;
  readonly username?: string;
  /** A Pulumi secret. */
  readonly password?: pulumi.Input<string>;
  /** Refuse to send without STARTTLS. */
  readonly requireTls: boolean;
}

export interface ResolvedWatchedEndpoint {
  readonly endpointName: pulumi.Input<string>;
  /** True when it is a ModelEndpoint of this library (its rollback alarms get this stack's actions). */
  readonly isModelEndpoint: boolean;
  /**
   * The ModelEndpoint itself (the Pulumi component or the CDK construct) when `isModelEndpoint`, on every cloud: its
   * children are where renderers find what it created. Undefined for an endpoint described by hand. (On aws the
   * same object is `alarmActionsOwner`.)
   */
  readonly construct?: object;
  /** Whether the served size has a GPU (GPU alarms only then). */
  readonly gpu: boolean;
  /** Percent of requests captured; 0 when capture is off or unknown. */
  readonly capturePercent: number;
  /**
   * vCPUs of one serving instance (CloudWatch sums CPU use over them: 100 per vCPU); undefined when unknown
   * (serverless, or an instance type outside the size table): no CPU alarm then.
   */
  readonly vcpus?: number;
  /** GPUs of one serving instance (GPU use is summed over them); undefined when unknown: no GPU alarm then. */
  readonly gpus?: number;
  /** aws: the S3 URL request capture lands under (`s3://bucket/prefix`) and the key encrypting it; the monitor reads it. */
  readonly capture?: { readonly s3Uri: pulumi.Input<string>; readonly kmsKeyArn: pulumi.Input<string> };
  /**
   * aws: the ModelEndpoint component whose rollback alarms take this stack's notification targets as actions
   * (`attachAlarmActions` in lib/model-endpoint/alarm-actions.ts); undefined for an endpoint not of this library.
   */
  readonly alarmActionsOwner?: object;
  /** aws: names of the endpoint's rollback alarms (`rollbackAlarms(endpoint.spec)`); empty when it has none. */
  readonly rollbackAlarmNames?: readonly string[];
  /** docker: where Prometheus and the drift job find the endpoint (`dockerWatchTargets` of a ModelEndpoint's spec). */
  readonly docker?: DockerWatchTargets;
  /**
   * gcp: the Pub/Sub topic id (`projects/<p>/topics/<t>`) the endpoint publishes captured requests to (a
   * ModelEndpoint's `children.captureTopic.id`); the drift check lands it in BigQuery. Undefined when it captures none.
   */
  readonly captureTopic?: pulumi.Input<string>;
  /**
   * Set when the watched ModelEndpoint awaits a release (it serves nothing and created nothing): only the notification
   * targets are rendered, no alarm, dashboard or drift check. Undefined for a serving or hand-described endpoint.
   */
  readonly awaitingRelease?: AwaitingRelease;
  /** True when it is a ModelEndpoint serving a release (not a `version` the program gave). */
  readonly servesRelease?: boolean;
  /** The drift baseline of the release the watched ModelEndpoint serves (absolute): `drift.baselineUri`'s default. */
  readonly releaseBaselineUri?: pulumi.Input<string>;
}

/** A watched ModelEndpoint that awaits a release. */
export interface AwaitingRelease {
  /** Who awaits, such as `ModelEndpoint "churn"`. */
  readonly endpoint: string;
  /** Its `releaseStatus`: `awaiting release: no mlops:release in stack prod; ...`. */
  readonly status: string;
}

/** The `driftCheck` output of a MonitoringStack watching an endpoint that awaits a release: why nothing runs. */
export function awaitingDriftCheck(awaiting: AwaitingRelease): string {
  return `none: ${awaiting.endpoint} awaits a release, so there is nothing to check yet`;
}

/** docker: how the monitoring containers reach a ModelEndpoint (lib/model-endpoint/docker-facts.ts fills it). */
export interface DockerWatchTargets {
  /** The endpoint's Docker network: Prometheus, the gateway exporter and the drift job join it. */
  readonly network: string;
  /** Network alias every serving container of the endpoint answers to (Prometheus finds them all by DNS). */
  readonly servingAlias: string;
  /** Port of the serving containers (GET /metrics). */
  readonly servingPort: number;
  /** The gateway's nginx `stub_status` URL on the endpoint's network (never published on the host). */
  readonly gatewayStatusUrl: string;
  /** The capture volume the serving containers write to; undefined when capture is off. */
  readonly captureVolume?: string;
}

export interface ResolvedThresholds {
  readonly latencyP99Ms: number;
  readonly serverErrorPercent: number;
  readonly clientErrorPercent: number;
  /** 0 = off. */
  readonly noTrafficMinutes: number;
  readonly cpuPercent: number;
  readonly memoryPercent: number;
  readonly gpuPercent: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
}

export interface ResolvedDrift {
  readonly schedule: 'hourly' | 'daily';
  readonly statistic: DriftStatistic;
  readonly threshold: number;
  readonly featureThresholds: Readonly<Record<string, number>>;
  /** Empty = every feature in the baseline (gcp, docker). */
  readonly features: readonly string[];
  readonly retrain: boolean;
  readonly baselineUri: pulumi.Input<string>;
  /** gcp: the drift job's container image (built from `templates/drift`); required there when drift runs. */
  readonly image?: pulumi.Input<string>;
}

export interface ResolvedNotifications {
  readonly emails: readonly string[];
  /** Always a secret when it carries a credential. */
  readonly webhookUrl?: pulumi.Input<string>;
  readonly topicArn?: pulumi.Input<string>;
  readonly channelIds: readonly pulumi.Input<string>[];
}
