import * as pulumi from '@pulumi/pulumi';
import { assignOutputs, declareOutputs } from '../core/outputs';
import { platformFromConfig } from '../core/platform-config';
import { pulumiResolveContext } from '../core/pulumi-context';
import { childrenByCloud, renderOnCloud } from '../core/render-switch';
import type { MonitoringStackArgs } from './args';
import type { MonitoringAwsChildren } from './pulumi-aws';
import type { MonitoringDockerChildren } from './pulumi-docker';
import type { MonitoringGcpChildren } from './pulumi-gcp';
import type { RenderedMonitoring } from './rendered';
import { resolveMonitoringStack } from './resolve';
import { awaitingDriftCheck, type ResolvedMonitoringStack } from './resolved';

/** Pulumi type token. Public API: changing it replaces every user's monitoring unless an alias comes with it. */
export const MONITORING_STACK_TYPE = 'mlops:index:MonitoringStack';

/** What each cloud's renderer returns. */
interface RenderedByCloud {
  readonly aws: RenderedMonitoring<MonitoringAwsChildren>;
  readonly gcp: RenderedMonitoring<MonitoringGcpChildren>;
  readonly docker: RenderedMonitoring<MonitoringDockerChildren>;
}

/** The component's outputs, declared once: they set its fields and are registered. */
export const MONITORING_STACK_OUTPUTS = declareOutputs<RenderedMonitoring<unknown>>({
  alarmNames: true,
  dashboardUrl: true,
  notificationTargets: true,
  driftCheck: true,
});

/**
 * Watches a model endpoint and tells people: alarms on latency, errors, traffic and saturation, a dashboard, a
 * scheduled input drift check, and notifications by email, webhook or an existing topic or channel. It closes two
 * loops on its own: the rollback alarms of a watched `ModelEndpoint` get this stack's actions (a bad rollout rolls
 * back and someone is told), and with `drift.retrain` drift starts the pipeline's retraining. CloudWatch, SNS and
 * SageMaker Model Monitor on aws; Cloud Monitoring alert policies and channels with a Cloud Run drift job on gcp;
 * Prometheus, Alertmanager, Grafana and a drift job container on docker. Arguments are validated, all problems at
 * once, before any child is created.
 */
export class MonitoringStack extends pulumi.ComponentResource {
  /**
   * Names of every alarm the stack created or gave actions to: CloudWatch alarm names (aws, the endpoint's rollback
   * alarms included), alert policy display names (gcp), Prometheus alert names (docker).
   */
  declare readonly alarmNames: pulumi.Output<string[]>;
  /** URL of the dashboard (CloudWatch console, Cloud Monitoring console, Grafana); `''` when `dashboard` is false. */
  declare readonly dashboardUrl: pulumi.Output<string>;
  /**
   * Where alarms go: SNS topic ARNs (aws), notification channel ids (gcp), Alertmanager receiver names (docker);
   * empty when nobody is told (dev without `notifications`).
   */
  declare readonly notificationTargets: pulumi.Output<string[]>;
  /**
   * Name of what runs the drift check (monitoring schedule, Cloud Scheduler job, drift container); `''` when off;
   * `none: ModelEndpoint "<name>" awaits a release, ...` while the watched endpoint awaits its first release.
   */
  declare readonly driftCheck: pulumi.Output<string>;
  /** The resolved arguments, with every default applied (the webhook URL as a secret). */
  readonly spec: ResolvedMonitoringStack;
  /** Primary children when the target is aws. */
  readonly aws?: MonitoringAwsChildren;
  /** Primary children when the target is gcp. */
  readonly gcp?: MonitoringGcpChildren;
  /** Primary children when the target is docker. */
  readonly docker?: MonitoringDockerChildren;

  constructor(name: string, args: MonitoringStackArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate first: a construct with bad arguments registers nothing, not even itself.
    const resolved = resolveMonitoringStack(
      name,
      args,
      platformFromConfig(args?.platform),
      pulumiResolveContext(),
    );
    super(MONITORING_STACK_TYPE, name, {}, opts);
    const spec = withSecretWebhook(resolved);
    this.spec = spec;
    /* eslint-disable @typescript-eslint/no-require-imports */
    const result = renderOnCloud<ResolvedMonitoringStack, RenderedByCloud>(spec, this, {
      aws: () => (require('./pulumi-aws') as typeof import('./pulumi-aws')).renderAws,
      gcp: () => (require('./pulumi-gcp') as typeof import('./pulumi-gcp')).renderGcp,
      docker: () => (require('./pulumi-docker') as typeof import('./pulumi-docker')).renderDocker,
    });
    /* eslint-enable @typescript-eslint/no-require-imports */
    ({ aws: this.aws, gcp: this.gcp, docker: this.docker } = childrenByCloud(result));
    // Watching an endpoint that awaits a release, only who is told exists: `driftCheck` says why nothing runs.
    const awaiting = spec.endpoint.awaitingRelease;
    const rendered = awaiting
      ? { ...result.rendered, driftCheck: pulumi.output(awaitingDriftCheck(awaiting)) }
      : result.rendered;
    this.registerOutputs(assignOutputs(this, MONITORING_STACK_OUTPUTS, rendered));
  }
}

/**
 * The webhook URL as a Pulumi secret, whatever form it came in: the resolver has refused a plain string carrying a
 * credential, and a secret Output stays one; a plain URL is kept out of the state's clear text too.
 */
function withSecretWebhook(spec: ResolvedMonitoringStack): ResolvedMonitoringStack {
  const webhookUrl = spec.notifications.webhookUrl;
  if (webhookUrl === undefined) return spec;
  return { ...spec, notifications: { ...spec.notifications, webhookUrl: pulumi.secret(webhookUrl) } };
}
