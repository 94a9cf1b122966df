import type * as pulumi from '@pulumi/pulumi';

/**
 * What each cloud's renderer (`renderAws`, `renderGcp`, `renderDocker`, each `(spec: ResolvedMonitoringStack,
 * parent: pulumi.Resource)`) hands back to the MonitoringStack component: the same outputs on every cloud.
 * Outputs are never undefined: a thing that is off is an empty string or an empty list, so every Pulumi
 * language reads the same types.
 */
export interface RenderedMonitoring<Children> {
  /**
   * Names of every alarm this stack created or gave actions to, sorted: CloudWatch alarm names (aws, including
   * the endpoint's rollback alarms it now acts on), alert policy display names (gcp), Prometheus alert names
   * (docker).
   */
  readonly alarmNames: pulumi.Output<string[]>;
  /** URL of the dashboard (CloudWatch console, Cloud Monitoring console, Grafana); `''` when `dashboard` is false. */
  readonly dashboardUrl: pulumi.Output<string>;
  /**
   * Where alarms are sent: SNS topic ARNs (aws: this stack's topic, then `notifications.topicArn`), notification
   * channel ids (gcp), Alertmanager receiver names (docker). Empty when nobody is told (dev without notifications).
   */
  readonly notificationTargets: pulumi.Output<string[]>;
  /**
   * Name of what runs the drift check: the SageMaker monitoring schedule (aws), the Cloud Scheduler job (gcp), the
   * drift job container (docker); `''` when drift is off.
   */
  readonly driftCheck: pulumi.Output<string>;
  /** Primary children, exposed on the component as `aws`, `gcp` or `docker`. */
  readonly children: Children;
}
