/** mlops-constructs for AWS CDK. */
export { ModelEndpoint, type ModelEndpointProps, type EndpointMetricOptions } from './model-endpoint/cdk';
export { MlPipeline, type MlPipelineProps } from './ml-pipeline/cdk';
export {
  MonitoringStack,
  type MonitoringStackProps,
  type MonitoringStackDrift,
} from './monitoring-stack/cdk';
export type { PlatformArgs, NetworkArgs } from './core/platform';
export type { Cloud, Stage } from './core/stage';
export { COMPUTE_SIZES, type ComputeSize } from './core/sizes';
// The nested argument types are the Pulumi ones: CDK props unwrap their inputs to plain values.
export type {
  ModelEndpointArgs,
  ModelAccessArgs,
  RolloutArgs,
  RolloutStrategy,
  ChallengerArgs,
  ModelEndpointAwsArgs,
} from './model-endpoint/args';
export type {
  MlPipelineArgs,
  TrainingArgs,
  ImageBuildArgs,
  DataArgs,
  EvaluationArgs,
  QualityGateArgs,
  QualityComparison,
  RegistryArgs,
  MlPipelineAwsArgs,
} from './ml-pipeline/args';
export type {
  MonitoringStackArgs,
  WatchedEndpoint,
  WatchedPipeline,
  MonitoringThresholdArgs,
  DriftArgs,
  DriftStatistic,
  NotificationArgs,
} from './monitoring-stack/args';
export type { ResolvedMonitoringStack } from './monitoring-stack/resolved';
export { hasModelMonitorBaseline } from './monitoring-stack/baseline-origin';
export type {
  AwaitingModelEndpoint,
  ModelEndpointSpec,
  ResolvedModelEndpoint,
  ResolvedRollout,
  ServedModel,
} from './model-endpoint/resolve';
// Release mode: what a ModelEndpoint serves without `version`, and where CDK reads it (context or a file).
export { RELEASE_FILE_CONTEXT_KEY, type ContextReleases } from './model-endpoint/cdk-release';
export type { ReleaseStoreSource } from './model-endpoint/args';
export type {
  Release,
  ReleaseModel,
  RegistryModelRef,
  ArtifactRef,
  ReleaseApproval,
  ReleaseOrigin,
} from './promotion/release-types';
export { RELEASE_CONFIG_KEY } from './promotion/release-types';
export type { ReleaseStore } from './promotion/release-store';
export type { ResolvedMlPipeline } from './ml-pipeline/resolve';
export { ValidationError, type Problem } from './core/validation';
