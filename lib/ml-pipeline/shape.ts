/**
 * The shape of `MlPipelineArgs`, written once: the known keys of every args interface (the compiler checks
 * that each lists every key of its interface and no other) and the type each value must have.
 * `resolveMlPipeline` checks it first, so a wrong shape is a `ValidationError`, never a TypeError.
 */
import type { PlatformArgs } from '../core/platform';
import { anything, bool, input, list, map, num, object, oneOf, required, str } from '../core/shape';
import { COMPUTE_SIZES } from '../core/sizes';
import type {
  DataArgs,
  EvaluationArgs,
  ImageBuildArgs,
  MlPipelineArgs,
  MlPipelineAwsArgs,
  MlPipelineDockerArgs,
  MlPipelineGcpArgs,
  QualityComparison,
  QualityGateArgs,
  RegistryArgs,
  TrainingArgs,
} from './args';

export const QUALITY_COMPARISONS: readonly QualityComparison[] = [
  'greater-than',
  'greater-than-or-equal',
  'less-than',
  'less-than-or-equal',
];

const COMMAND_EXAMPLE = '`["python", "train.py"]`';

export const IMAGE_BUILD_SHAPE = object<ImageBuildArgs>({
  context: required(str('`"./training"`')),
  dockerfile: str(),
  target: str(),
  buildArgs: map(str()),
});

export const TRAINING_SHAPE = object<TrainingArgs>({
  image: input('`repo@sha256:...`'),
  build: IMAGE_BUILD_SHAPE,
  command: list(str(), COMMAND_EXAMPLE),
  hyperparameters: map(str(), '`{ epochs: "10" }`'),
  environment: map(str(), '`{ LOG_LEVEL: "info" }`'),
  size: oneOf(COMPUTE_SIZES),
  instanceCount: num(),
  spot: bool(),
  maxRuntimeMinutes: num(),
  maxWaitMinutes: num(),
});

export const DATA_SHAPE = object<DataArgs>({
  bucketName: input(),
  prefix: str('`training/`'),
});

export const EVALUATION_SHAPE = object<EvaluationArgs>({
  image: input(),
  command: required(
    list(str(), '`["python", "evaluate.py"]`'),
    'give the command that writes the metrics file',
  ),
  metricsFile: str('`evaluation.json`'),
  size: oneOf(COMPUTE_SIZES),
});

export const QUALITY_GATE_SHAPE = object<QualityGateArgs>({
  metric: required(str('`"auc"`'), 'name the metric the evaluation writes, such as `accuracy`'),
  comparison: oneOf(QUALITY_COMPARISONS),
  threshold: num('`0.8`'),
  mustBeatApproved: bool(),
});

export const REGISTRY_SHAPE = object<RegistryArgs>({
  modelGroupName: str(),
  requireApproval: bool(),
  servingImage: input(),
});

export const PIPELINE_AWS_SHAPE = object<MlPipelineAwsArgs>({
  trainingInstanceType: str('`ml.m5.xlarge`'),
  evaluationInstanceType: str('`ml.m5.large`'),
  volumeSizeGb: num(),
  networkIsolation: bool(),
  driftBaseline: bool(),
});

export const PIPELINE_GCP_SHAPE = object<MlPipelineGcpArgs>({
  cpu: str('`"4"`'),
  memory: str('`"16Gi"`'),
});

export const PIPELINE_DOCKER_SHAPE = object<MlPipelineDockerArgs>({
  registryPort: num('`5001`'),
});

export const ML_PIPELINE_SHAPE = object<MlPipelineArgs>({
  // Checked by resolvePlatform, which also reads the stack config.
  platform: anything<PlatformArgs>(),
  pipelineName: str(),
  training: required(TRAINING_SHAPE, 'give at least `training: { image }`'),
  data: DATA_SHAPE,
  evaluation: required(EVALUATION_SHAPE, 'give at least `evaluation: { command }`'),
  qualityGate: required(
    QUALITY_GATE_SHAPE,
    'give `qualityGate: { metric, threshold }`: a model is registered only when it passes',
  ),
  registry: REGISTRY_SHAPE,
  schedule: str('`rate(7 days)`'),
  retentionDays: num(),
  aws: PIPELINE_AWS_SHAPE,
  gcp: PIPELINE_GCP_SHAPE,
  docker: PIPELINE_DOCKER_SHAPE,
});
