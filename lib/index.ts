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
} from './model-endpoint/args';
export type { ModelEndpointAwsChildren } from './model-endpoint/pulumi-aws';
export type { ModelEndpointGcpChildren } from './model-endpoint/pulumi-gcp';
export type { ModelEndpointDockerChildren } from './model-endpoint/pulumi-docker';
export type { ModelEndpointCloudDeployChildren } from './model-endpoint/gcp-cloud-deploy';
export { gateRolloutOnAlertPolicies } from './model-endpoint/gcp-cloud-deploy-gate';
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
export type { ResolvedModelEndpoint, ResolvedRollout, ServedModel } from './model-endpoint/resolve';
export type { ResolvedMlPipeline } from './ml-pipeline/resolve';
export type { ResolvedMonitoringStack } from './monitoring-stack/resolved';
