/** mlops-constructs for Pulumi. */
export { ModelEndpoint, MODEL_ENDPOINT_TYPE } from './model-endpoint/pulumi';
export type {
  ModelEndpointArgs,
  ModelAccessArgs,
  RolloutArgs,
  RolloutStrategy,
  StableReleaseArgs,
  ChallengerArgs,
  ModelEndpointAwsArgs,
  ModelEndpointGcpArgs,
  ModelEndpointDockerArgs,
  ReleaseStoreSource,
} from './model-endpoint/args';
export type { ModelEndpointOutputs } from './model-endpoint/rendered';
export type { StackReleases, RawRelease, JoinUri } from './model-endpoint/release-serving';
export type { ModelEndpointAwsChildren } from './model-endpoint/pulumi-aws';
export type { ModelEndpointGcpChildren } from './model-endpoint/pulumi-gcp';
export type { ModelEndpointDockerChildren } from './model-endpoint/pulumi-docker';
export type { ModelEndpointCloudDeployChildren } from './model-endpoint/gcp-cloud-deploy';
export { gateRolloutOnAlertPolicies } from './model-endpoint/gcp-cloud-deploy-gate';
/**
 * Automation API inline programs (and tests with their own `pulumi.runtime.setMocks`): call both as the last
 * statement of your program function, e.g. `program: async () => { buildStack();
 * settleUnwatchedEndpoints({ release: true }); settleUngatedRollouts(); }`. `pulumi up` runs them itself on the
 * process's `beforeExit`, which never fires in a long-lived Automation API process: without the calls an aws
 * ModelEndpoint that no MonitoringStack watches keeps the update waiting forever, and a gcp Cloud Deploy rollout
 * that no MonitoringStack gates is never created.
 *
 * - `settleUnwatchedEndpoints({ release: true })`: aws rollback alarms no MonitoringStack claimed get no action in
 *   dev; in staging and prod it throws a ValidationError naming each endpoint, and the update fails. Released,
 *   those alarms and their endpoint may still be created before the failure ends the update (a preview creates
 *   nothing); without `release` the update waits forever for them.
 * - `settleUngatedRollouts()`: gcp Cloud Deploy rollouts no MonitoringStack gated are created without analysis
 *   where that is allowed (dev, or no automatic rollback); otherwise nothing is created and it throws a
 *   ValidationError naming them.
 *
 * Both do nothing when every endpoint is watched.
 */
export { settleUnwatchedEndpoints } from './model-endpoint/alarm-actions';
export { settleUngatedRollouts } from './model-endpoint/gcp-cloud-deploy-gate';
export { MlPipeline, ML_PIPELINE_TYPE } from './ml-pipeline/pulumi';
export type {
  MlPipelineArgs,
  TrainingArgs,
  DataArgs,
  EvaluationArgs,
  QualityGateArgs,
  QualityComparison,
  RegistryArgs,
  ImageBuildArgs,
  MlPipelineAwsArgs,
  MlPipelineGcpArgs,
  MlPipelineDockerArgs,
} from './ml-pipeline/args';
export type { MlPipelineAwsChildren } from './ml-pipeline/pulumi-aws';
export type { MlPipelineGcpChildren } from './ml-pipeline/pulumi-gcp';
export type { MlPipelineDockerChildren } from './ml-pipeline/pulumi-docker';
export { MonitoringStack, MONITORING_STACK_TYPE } from './monitoring-stack/pulumi';
export { hasModelMonitorBaseline } from './monitoring-stack/baseline-origin';
export type {
  MonitoringStackArgs,
  WatchedEndpoint,
  WatchedCapture,
  WatchedDockerTargets,
  WatchedPipeline,
  MonitoringThresholdArgs,
  DriftArgs,
  DriftStatistic,
  NotificationArgs,
  MonitoringDockerArgs,
  SmtpArgs,
} from './monitoring-stack/args';
export type { MonitoringAwsChildren } from './monitoring-stack/pulumi-aws';
export type { MonitoringGcpChildren } from './monitoring-stack/pulumi-gcp';
export type { MonitoringDockerChildren } from './monitoring-stack/pulumi-docker';
export type { PlatformArgs, NetworkArgs, Platform } from './core/platform';
export { platformFromConfig } from './core/platform-config';
export type { Cloud, Stage } from './core/stage';
export { COMPUTE_SIZES, type ComputeSize } from './core/sizes';
export { ValidationError, type Problem } from './core/validation';
export type {
  AwaitingModelEndpoint,
  ModelEndpointSpec,
  ResolvedModelEndpoint,
  ResolvedRollout,
  ServedModel,
} from './model-endpoint/resolve';
/**
 * Releases and promotion (issue 8): the release schema (`Release`, `parseRelease`, the `mlops:*` config keys), what
 * a pipeline's stores are to a served release (`ReleaseStore`), and the promotion policy (`definePromotionPolicy`,
 * `PromotionPolicy`) with its gates.
 */
export * from './promotion';
export type { ReleaseStore } from './promotion/release-store';
export type { ResolvedMlPipeline } from './ml-pipeline/resolve';
export type { ResolvedMonitoringStack } from './monitoring-stack/resolved';
