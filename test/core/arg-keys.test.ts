/**
 * The known keys of each args interface live once, in its shape (`lib/<construct>/shape.ts`,
 * `lib/core/platform.ts`). Each record below is typed `Record<keyof Args, true>`: the compiler fails this
 * file when an interface gains or loses a key, and the test fails when the shape does not list exactly the
 * interface's keys.
 */
import { NETWORK_SHAPE, PLATFORM_SHAPE, type NetworkArgs, type PlatformArgs } from '../../lib/core/platform';
import type {
  DataArgs,
  EvaluationArgs,
  ImageBuildArgs,
  MlPipelineArgs,
  MlPipelineAwsArgs,
  MlPipelineDockerArgs,
  MlPipelineGcpArgs,
  QualityGateArgs,
  RegistryArgs,
  TrainingArgs,
} from '../../lib/ml-pipeline/args';
import * as pipeline from '../../lib/ml-pipeline/shape';
import type {
  ChallengerArgs,
  ModelAccessArgs,
  ModelEndpointArgs,
  ModelEndpointAwsArgs,
  ModelEndpointDockerArgs,
  ModelEndpointGcpArgs,
  RolloutArgs,
  StableReleaseArgs,
} from '../../lib/model-endpoint/args';
import * as endpoint from '../../lib/model-endpoint/shape';
import type {
  DriftArgs,
  MonitoringDockerArgs,
  MonitoringStackArgs,
  MonitoringThresholdArgs,
  NotificationArgs,
  SmtpArgs,
  WatchedCapture,
  WatchedDockerTargets,
  WatchedEndpoint,
  WatchedPipeline,
} from '../../lib/monitoring-stack/args';
import * as monitoring from '../../lib/monitoring-stack/shape';

const keys = <T>(record: Record<keyof T, true>) => Object.keys(record).sort();
const listed = (shape: { keys: readonly string[] }) => [...shape.keys].sort();

test.each([
  [
    'PlatformArgs',
    PLATFORM_SHAPE,
    keys<PlatformArgs>({
      cloud: true,
      stage: true,
      region: true,
      project: true,
      tags: true,
      kmsKeyId: true,
      network: true,
      retainOnDelete: true,
      replicaRegion: true,
      bucketLocation: true,
      enableApis: true,
    }),
  ],
  [
    'NetworkArgs',
    NETWORK_SHAPE,
    keys<NetworkArgs>({ subnetIds: true, securityGroupIds: true, vpcNetwork: true, vpcSubnetwork: true }),
  ],
  [
    'ModelEndpointArgs',
    endpoint.MODEL_ENDPOINT_SHAPE,
    keys<ModelEndpointArgs>({
      platform: true,
      endpointName: true,
      version: true,
      image: true,
      modelDataUrl: true,
      modelAccess: true,
      size: true,
      minInstances: true,
      maxInstances: true,
      targetConcurrency: true,
      rollout: true,
      stableRelease: true,
      challengers: true,
      serverless: true,
      capturePercent: true,
      environment: true,
      port: true,
      invokers: true,
      aws: true,
      gcp: true,
      docker: true,
    }),
  ],
  [
    'ModelAccessArgs',
    endpoint.MODEL_ACCESS_SHAPE,
    keys<ModelAccessArgs>({ bucketName: true, prefix: true, kmsKeyId: true }),
  ],
  [
    'RolloutArgs',
    endpoint.ROLLOUT_SHAPE,
    keys<RolloutArgs>({
      strategy: true,
      canaryPercent: true,
      linearStepPercent: true,
      bakeMinutes: true,
      autoRollback: true,
      maxLatencyP99Ms: true,
      max5xxPerMinute: true,
    }),
  ],
  [
    'StableReleaseArgs',
    endpoint.STABLE_RELEASE_SHAPE,
    keys<StableReleaseArgs>({ version: true, image: true, modelDataUrl: true }),
  ],
  [
    'ChallengerArgs',
    endpoint.CHALLENGER_SHAPE,
    keys<ChallengerArgs>({ name: true, image: true, modelDataUrl: true, trafficPercent: true }),
  ],
  [
    'ModelEndpointAwsArgs',
    endpoint.ENDPOINT_AWS_SHAPE,
    keys<ModelEndpointAwsArgs>({
      modelPackageArn: true,
      imageRepositoryArn: true,
      instanceType: true,
      serverlessMaxConcurrency: true,
      networkIsolation: true,
    }),
  ],
  [
    'ModelEndpointGcpArgs',
    endpoint.ENDPOINT_GCP_SHAPE,
    keys<ModelEndpointGcpArgs>({
      cpu: true,
      memory: true,
      deletionProtection: true,
      ingress: true,
      rollout: true,
      releasers: true,
    }),
  ],
  [
    'ModelEndpointDockerArgs',
    endpoint.ENDPOINT_DOCKER_SHAPE,
    keys<ModelEndpointDockerArgs>({ hostPort: true, healthCheck: true }),
  ],
  [
    'MlPipelineArgs',
    pipeline.ML_PIPELINE_SHAPE,
    keys<MlPipelineArgs>({
      platform: true,
      pipelineName: true,
      training: true,
      data: true,
      evaluation: true,
      qualityGate: true,
      registry: true,
      schedule: true,
      retentionDays: true,
      aws: true,
      gcp: true,
      docker: true,
    }),
  ],
  [
    'TrainingArgs',
    pipeline.TRAINING_SHAPE,
    keys<TrainingArgs>({
      image: true,
      build: true,
      command: true,
      hyperparameters: true,
      environment: true,
      size: true,
      instanceCount: true,
      spot: true,
      maxRuntimeMinutes: true,
      maxWaitMinutes: true,
    }),
  ],
  [
    'ImageBuildArgs',
    pipeline.IMAGE_BUILD_SHAPE,
    keys<ImageBuildArgs>({ context: true, dockerfile: true, target: true, buildArgs: true }),
  ],
  ['DataArgs', pipeline.DATA_SHAPE, keys<DataArgs>({ bucketName: true, prefix: true })],
  [
    'EvaluationArgs',
    pipeline.EVALUATION_SHAPE,
    keys<EvaluationArgs>({ image: true, command: true, metricsFile: true, size: true }),
  ],
  [
    'QualityGateArgs',
    pipeline.QUALITY_GATE_SHAPE,
    keys<QualityGateArgs>({ metric: true, comparison: true, threshold: true, mustBeatApproved: true }),
  ],
  [
    'RegistryArgs',
    pipeline.REGISTRY_SHAPE,
    keys<RegistryArgs>({ modelGroupName: true, requireApproval: true, servingImage: true }),
  ],
  [
    'MlPipelineAwsArgs',
    pipeline.PIPELINE_AWS_SHAPE,
    keys<MlPipelineAwsArgs>({
      trainingInstanceType: true,
      evaluationInstanceType: true,
      volumeSizeGb: true,
      networkIsolation: true,
      driftBaseline: true,
    }),
  ],
  ['MlPipelineGcpArgs', pipeline.PIPELINE_GCP_SHAPE, keys<MlPipelineGcpArgs>({ cpu: true, memory: true })],
  [
    'MlPipelineDockerArgs',
    pipeline.PIPELINE_DOCKER_SHAPE,
    keys<MlPipelineDockerArgs>({ registryPort: true }),
  ],
  [
    'MonitoringStackArgs',
    monitoring.MONITORING_STACK_SHAPE,
    keys<MonitoringStackArgs>({
      platform: true,
      endpoint: true,
      pipeline: true,
      thresholds: true,
      drift: true,
      notifications: true,
      dashboard: true,
      docker: true,
    }),
  ],
  [
    'WatchedEndpoint',
    monitoring.WATCHED_ENDPOINT_SHAPE,
    keys<WatchedEndpoint>({
      endpointName: true,
      cloud: true,
      vcpus: true,
      gpus: true,
      capturePercent: true,
      capture: true,
      dockerTargets: true,
    }),
  ],
  [
    'WatchedCapture',
    monitoring.WATCHED_CAPTURE_SHAPE,
    keys<WatchedCapture>({ s3Uri: true, kmsKeyArn: true, topic: true }),
  ],
  [
    'WatchedDockerTargets',
    monitoring.WATCHED_DOCKER_TARGETS_SHAPE,
    keys<WatchedDockerTargets>({
      network: true,
      servingAlias: true,
      servingPort: true,
      gatewayStatusUrl: true,
      captureVolume: true,
    }),
  ],
  [
    'WatchedPipeline',
    monitoring.WATCHED_PIPELINE_SHAPE,
    keys<WatchedPipeline>({ retrainTrigger: true, baselineUri: true, kmsKeyArn: true }),
  ],
  [
    'MonitoringThresholdArgs',
    monitoring.THRESHOLDS_SHAPE,
    keys<MonitoringThresholdArgs>({
      latencyP99Ms: true,
      serverErrorPercent: true,
      clientErrorPercent: true,
      noTrafficMinutes: true,
      cpuPercent: true,
      memoryPercent: true,
      gpuPercent: true,
      periodSeconds: true,
      evaluationPeriods: true,
      datapointsToAlarm: true,
    }),
  ],
  [
    'DriftArgs',
    monitoring.DRIFT_SHAPE,
    keys<DriftArgs>({
      enabled: true,
      schedule: true,
      statistic: true,
      threshold: true,
      featureThresholds: true,
      features: true,
      retrain: true,
      baselineUri: true,
      image: true,
    }),
  ],
  [
    'NotificationArgs',
    monitoring.NOTIFICATIONS_SHAPE,
    keys<NotificationArgs>({ emails: true, webhookUrl: true, topicArn: true, channelIds: true }),
  ],
  [
    'MonitoringDockerArgs',
    monitoring.MONITORING_DOCKER_SHAPE,
    keys<MonitoringDockerArgs>({
      grafanaPort: true,
      prometheusPort: true,
      alertmanagerPort: true,
      smtp: true,
    }),
  ],
  [
    'SmtpArgs',
    monitoring.SMTP_SHAPE,
    keys<SmtpArgs>({ smarthost: true, from: true, username: true, password: true, requireTls: true }),
  ],
])('the known keys of %s are exactly its interface keys', (_, shape, interfaceKeys) => {
  expect(listed(shape)).toEqual(interfaceKeys);
});
