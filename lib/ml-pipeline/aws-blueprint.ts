/**
 * The AWS facts of an MlPipeline as plain data: the SageMaker pipeline definition (built from typed code,
 * never a string template), ARNs, the schedule settings and the retention rules. The IAM documents are in
 * `aws-policies.ts`. Both the Pulumi AWS renderer and the CDK construct build from these functions, so the
 * two engines cannot drift apart. Values are strings: plain in Pulumi (inside an apply), CloudFormation
 * tokens in CDK.
 */
import type { AwsEnvironment } from '../blocks/aws-iam';
import { SAGEMAKER_SERVICE, regionalArn } from '../blocks/sagemaker-iam';
import { modelMonitorAnalyzerImage, modelMonitorRegions } from '../blocks/sagemaker-model-monitor';
import { hasLocalNvme } from '../core/sizes';
import { ProblemList } from '../core/validation';
import { CHAMPION_LOOKUP_PROGRAM, LAUNCHER, programArguments } from './aws-champion';
import type { QualityComparison } from './args';
import type { ResolvedMlPipeline } from './resolve';

/** The SageMaker service principal, written once in the shared SageMaker IAM block. */
export { SAGEMAKER_SERVICE };
export const SCHEDULER_SERVICE = 'scheduler.amazonaws.com';

/** Step names of the pipeline: fixed, because execution history and alarms refer to them. */
export const STEP = {
  findChampion: 'FindChampion',
  /** The data-quality baseline of the run's data, computed by SageMaker Model Monitor's analyzer. */
  baseline: 'DataQualityBaseline',
  train: 'Train',
  evaluate: 'Evaluate',
  gate: 'QualityGate',
  register: 'RegisterModel',
  fail: 'QualityGateFailed',
} as const;

/** Pipeline parameters a run (scheduled, manual or from monitoring) may override. */
export const PARAMETER = {
  inputData: 'InputDataUrl',
  approvalStatus: 'ModelApprovalStatus',
  threshold: 'QualityThreshold',
} as const;

/** The property file the gate reads: the evaluation's metrics file. */
export const EVALUATION_REPORT = 'EvaluationReport';
export const EVALUATION_OUTPUT = 'evaluation';
/** The baselining step's input (the run's data) and output (Model Monitor's baseline files). */
export const BASELINE_INPUT = 'dataset';
export const BASELINE_OUTPUT = 'baseline';
/**
 * The evaluation's output the baselining step reads: `dataset.csv`, the rows the model was trained on as Model
 * Monitor will see captured traffic (the model's output first, then the features in the model's order; no label).
 */
export const MONITOR_DATASET_OUTPUT = 'monitordataset';
/** The champion lookup's property file (`champion.json`), its output and the evaluation's input of the champion. */
export const CHAMPION_REPORT = 'ChampionLookup';
export const CHAMPION_OUTPUT = 'champion';
export const CHAMPION_FILE = 'champion.json';
export const CHAMPION_INPUT = 'champion';
/** The files Model Monitor's analyzer writes to its output: a run's data-quality baseline. */
export const BASELINE_FILES = { statistics: 'statistics.json', constraints: 'constraints.json' } as const;

/**
 * How the analyzer reads the monitor dataset the evaluation writes: CSV with a header row that names the columns.
 * Model Monitor lines captured requests up with the baseline by position (the number and order of the columns),
 * the model's output first (`START`): the dataset's first column is the model's output on each training row,
 * then the features in the order the model reads them, which is the order of a `text/csv` request's values.
 */
export const BASELINE_DATASET_FORMAT = { csv: { header: true, output_columns_position: 'START' } } as const;

/** Container paths of the SageMaker training and processing contracts. */
export const CONTAINER_PATHS = {
  checkpoints: '/opt/ml/checkpoints',
  processingModel: '/opt/ml/processing/model',
  processingInput: '/opt/ml/processing/input',
  processingEvaluation: '/opt/ml/processing/evaluation',
  /** The monitor dataset, as the analyzer reads it (`dataset_source`). */
  processingDataset: '/opt/ml/processing/input/dataset',
  /** Where the evaluation writes the monitor dataset (`MLOPS_MONITOR_DATASET_DIR`). */
  processingMonitorDataset: '/opt/ml/processing/monitor-dataset',
  /** Where the analyzer writes `statistics.json` and `constraints.json` (`output_path`). */
  processingBaseline: '/opt/ml/processing/baseline',
  /** The approved model, as the training step wrote it (`model.tar.gz`), or only `champion.json` when none is. */
  processingChampion: '/opt/ml/processing/champion',
  /** Where the lookup step writes `champion.json`. */
  processingLookup: '/opt/ml/processing/lookup',
} as const;

/** Prefixes in the artifact bucket. */
export const ARTIFACT_PREFIX = {
  models: 'models',
  checkpoints: 'checkpoints',
  evaluations: 'evaluations',
  baseline: 'baseline',
  champions: 'champions',
} as const;

/** Where the pipeline's resources are: the deploy-time facts the blueprint needs. */
export interface PipelineAwsRefs extends AwsEnvironment {
  readonly keyArn: string;
  readonly dataBucketName: string;
  readonly artifactBucketName: string;
  /** ARN of the role training and evaluation jobs run as. */
  readonly trainingRoleArn: string;
  /**
   * ARN of the role the champion lookup runs as: the one job with network access, so it may list and read
   * the model group and write its own output, and nothing else (no data, no `models/`).
   */
  readonly championRoleArn: string;
  readonly trainingImage: string;
  readonly evaluationImage: string;
  readonly servingImage: string;
  /**
   * SageMaker Model Monitor's analyzer in the pipeline's region (`analyzerImage`), which computes baselines.
   * Undefined when `aws.driftBaseline` is false: no step runs it.
   */
  readonly analyzerImage?: string;
}

// ---- The pipeline definition's JSON shape (SageMaker pipeline definition schema, version 2020-12-01). ----

export interface GetExpr {
  readonly Get: string;
}
export interface JoinExpr {
  readonly 'Std:Join': { readonly On: string; readonly Values: readonly PipelineValue[] };
}
export interface JsonGetExpr {
  readonly 'Std:JsonGet': { readonly PropertyFile: GetExpr; readonly Path: string };
}
export type PipelineValue = string | number | boolean | GetExpr | JoinExpr | JsonGetExpr;

export type ConditionType = 'GreaterThan' | 'GreaterThanOrEqualTo' | 'LessThan' | 'LessThanOrEqualTo';
export interface ComparisonCondition {
  readonly Type: ConditionType | 'Equals';
  readonly LeftValue: PipelineValue;
  readonly RightValue: PipelineValue;
}
/** Holds when any of its conditions holds (the SDK's `ConditionOr`). */
export interface OrCondition {
  readonly Type: 'Or';
  readonly Conditions: readonly ComparisonCondition[];
}
export type PipelineCondition = ComparisonCondition | OrCondition;

export interface PipelineParameter {
  readonly Name: string;
  readonly Type: 'String' | 'Integer' | 'Float' | 'Boolean';
  readonly DefaultValue?: string | number | boolean;
  readonly EnumValues?: readonly string[];
}

export interface PipelineStep {
  readonly Name: string;
  readonly Type: 'Training' | 'Processing' | 'QualityCheck' | 'Condition' | 'RegisterModel' | 'Fail';
  readonly Description?: string;
  /** Steps that must finish first, beyond those whose properties this step reads. */
  readonly DependsOn?: readonly string[];
  readonly Arguments: Record<string, unknown>;
  /** QualityCheck only: what the check computes. */
  readonly CheckType?: 'DATA_QUALITY' | 'MODEL_QUALITY';
  /** QualityCheck only: skip the comparison with an earlier baseline (the new baseline is computed anyway). */
  readonly SkipCheck?: boolean;
  /** QualityCheck only: `BaselineUsedForDriftCheck*` become the newly computed baseline. */
  readonly RegisterNewBaseline?: boolean;
  readonly PropertyFiles?: readonly {
    readonly PropertyFileName: string;
    readonly OutputName: string;
    readonly FilePath: string;
  }[];
}

export interface PipelineDefinition {
  readonly Version: '2020-12-01';
  readonly Metadata: Record<string, never>;
  readonly Parameters: readonly PipelineParameter[];
  readonly Steps: readonly PipelineStep[];
}

const get = (path: string): GetExpr => ({ Get: path });
const join = (on: string, values: PipelineValue[]): JoinExpr => ({ 'Std:Join': { On: on, Values: values } });
const executionId = get('Execution.PipelineExecutionId');

/** SageMaker's condition type for a comparison with the threshold. */
export function thresholdCondition(comparison: QualityComparison): ConditionType {
  return {
    'greater-than': 'GreaterThan',
    'greater-than-or-equal': 'GreaterThanOrEqualTo',
    'less-than': 'LessThan',
    'less-than-or-equal': 'LessThanOrEqualTo',
  }[comparison] as ConditionType;
}

/** Beating the approved model is strict: the direction of the comparison, without equality. */
export function beatCondition(comparison: QualityComparison): ConditionType {
  return comparison.startsWith('greater') ? 'GreaterThan' : 'LessThan';
}

/** The JSON path of the candidate's metric in the metrics file. */
export function metricPath(metric: string): string {
  return `metrics.${metric}.value`;
}

/** The JSON path of the approved model's metric in the metrics file. */
export function championPath(metric: string): string {
  return `champion.${metric}.value`;
}

/** The JSON path, in the lookup's `champion.json`, of whether a version is approved. */
export const CHAMPION_FOUND_PATH = 'found';
/** The JSON path, in `champion.json`, of what the evaluation receives as the champion input. */
export const CHAMPION_INPUT_URI_PATH = 'inputUri';

export function dataUri(spec: ResolvedMlPipeline, dataBucketName: string): string {
  return `s3://${dataBucketName}/${spec.data.prefix}`;
}

/**
 * The prefix under which each run's baselining step writes Model Monitor's data-quality baseline
 * (`statistics.json`, `constraints.json`), in `<execution id>/`. Every run keeps its own: a run that fails the
 * gate never replaces the baseline of a registered model. The one drift monitoring compares against is the
 * served version's (`DriftCheckBaselines.ModelDataQuality` of its model package).
 */
export function baselineUri(artifactBucketName: string): string {
  return `s3://${artifactBucketName}/${ARTIFACT_PREFIX.baseline}/`;
}

/** The model approval status new versions get. */
export function approvalStatus(spec: ResolvedMlPipeline): 'PendingManualApproval' | 'Approved' {
  return spec.registry.requireApproval ? 'PendingManualApproval' : 'Approved';
}

/** The storage volume may name a KMS key only on instances without local NVMe storage. */
export function volumeKey(instanceType: string, keyArn: string): { VolumeKmsKeyId?: string } {
  return hasLocalNvme(instanceType) ? {} : { VolumeKmsKeyId: keyArn };
}

/** One instance of the evaluation's type for each processing step, its volume under the pipeline key. */
function processingResources(spec: ResolvedMlPipeline, refs: PipelineAwsRefs) {
  return {
    ClusterConfig: {
      InstanceCount: 1,
      InstanceType: spec.aws.evaluationInstanceType,
      VolumeSizeInGB: spec.aws.volumeSizeGb,
      ...volumeKey(spec.aws.evaluationInstanceType, refs.keyArn),
    },
  };
}

function vpcConfig(spec: ResolvedMlPipeline) {
  const { subnetIds, securityGroupIds } = spec.platform.network;
  return subnetIds?.length ? { Subnets: subnetIds, SecurityGroupIds: securityGroupIds ?? [] } : undefined;
}

function trainingStep(spec: ResolvedMlPipeline, refs: PipelineAwsRefs): PipelineStep {
  const t = spec.training;
  const artifacts = `s3://${refs.artifactBucketName}`;
  const vpc = vpcConfig(spec);
  return {
    Name: STEP.train,
    Type: 'Training',
    Description: 'Trains the model on the data under InputDataUrl.',
    Arguments: {
      AlgorithmSpecification: {
        TrainingImage: refs.trainingImage,
        TrainingInputMode: 'File',
        ...(t.command ? { ContainerEntrypoint: [...t.command] } : {}),
      },
      RoleArn: refs.trainingRoleArn,
      InputDataConfig: [
        {
          ChannelName: 'train',
          DataSource: {
            S3DataSource: {
              S3DataType: 'S3Prefix',
              S3Uri: get(`Parameters.${PARAMETER.inputData}`),
              S3DataDistributionType: 'FullyReplicated',
            },
          },
        },
      ],
      OutputDataConfig: { S3OutputPath: `${artifacts}/${ARTIFACT_PREFIX.models}`, KmsKeyId: refs.keyArn },
      ResourceConfig: {
        InstanceCount: t.instanceCount,
        InstanceType: spec.aws.trainingInstanceType,
        VolumeSizeInGB: spec.aws.volumeSizeGb,
        ...volumeKey(spec.aws.trainingInstanceType, refs.keyArn),
      },
      StoppingCondition: {
        MaxRuntimeInSeconds: t.maxRuntimeSeconds,
        ...(t.spot ? { MaxWaitTimeInSeconds: t.maxWaitSeconds } : {}),
      },
      HyperParameters: { ...t.hyperparameters },
      ...(Object.keys(t.environment).length > 0 ? { Environment: { ...t.environment } } : {}),
      EnableNetworkIsolation: spec.aws.networkIsolation,
      EnableInterContainerTrafficEncryption: t.instanceCount > 1,
      ...(t.spot
        ? {
            EnableManagedSpotTraining: true,
            // Checkpoints per execution: an interrupted spot run resumes from its own, never another run's.
            CheckpointConfig: {
              S3Uri: join('/', [`${artifacts}/${ARTIFACT_PREFIX.checkpoints}`, executionId]),
              LocalPath: CONTAINER_PATHS.checkpoints,
            },
          }
        : {}),
      ...(vpc ? { VpcConfig: vpc } : {}),
    },
  };
}

function evaluationOutputUri(refs: PipelineAwsRefs): JoinExpr {
  return join('/', [`s3://${refs.artifactBucketName}/${ARTIFACT_PREFIX.evaluations}`, executionId]);
}

/** This run's monitor dataset, written by the evaluation: `baseline/<execution id>/dataset`. */
function monitorDatasetUri(refs: PipelineAwsRefs): JoinExpr {
  return join('/', [`s3://${refs.artifactBucketName}/${ARTIFACT_PREFIX.baseline}`, executionId, 'dataset']);
}

/** This run's drift baseline: `baseline/<execution id>`. */
function runBaselineUri(refs: PipelineAwsRefs): JoinExpr {
  return join('/', [`s3://${refs.artifactBucketName}/${ARTIFACT_PREFIX.baseline}`, executionId]);
}

/** This run's champion lookup: `champions/<execution id>/` (the trailing slash keeps it a folder prefix). */
function championOutputUri(refs: PipelineAwsRefs): JoinExpr {
  return join('/', [`s3://${refs.artifactBucketName}/${ARTIFACT_PREFIX.champions}`, executionId, '']);
}

const s3Input = (uri: PipelineValue, localPath: string) => ({
  S3Uri: uri,
  LocalPath: localPath,
  S3DataType: 'S3Prefix',
  S3InputMode: 'File',
  S3DataDistributionType: 'FullyReplicated',
  S3CompressionType: 'None',
});
const s3Output = (uri: PipelineValue, localPath: string) => ({
  S3Uri: uri,
  LocalPath: localPath,
  S3UploadMode: 'EndOfJob',
});

/** The lookup makes two API calls: ten minutes covers a slow start of the instance many times over. */
export const CHAMPION_LOOKUP_MAX_SECONDS = 600;

/** A value of the lookup's `champion.json`. */
function championLookup(path: string): JsonGetExpr {
  return {
    'Std:JsonGet': {
      PropertyFile: get(`Steps.${STEP.findChampion}.PropertyFiles.${CHAMPION_REPORT}`),
      Path: path,
    },
  };
}

/**
 * Finds the newest approved version of the model group (with `mustBeatApproved`). It reads no data, so it is
 * the one job with network access (it calls the SageMaker API); it runs the evaluation image, which must
 * have `python3` and `boto3`, and runs in the platform's subnets when they are given (then they need a route
 * to the SageMaker API: a NAT gateway or the `sagemaker.api` interface endpoint).
 */
function findChampionStep(spec: ResolvedMlPipeline, refs: PipelineAwsRefs): PipelineStep {
  const vpc = vpcConfig(spec);
  return {
    Name: STEP.findChampion,
    Type: 'Processing',
    Description: `Finds the newest approved version in ${spec.registry.modelGroupName}.`,
    Arguments: {
      ProcessingResources: processingResources(spec, refs),
      AppSpecification: {
        ImageUri: refs.evaluationImage,
        ContainerEntrypoint: [...LAUNCHER],
        ContainerArguments: programArguments(CHAMPION_LOOKUP_PROGRAM),
      },
      RoleArn: refs.championRoleArn,
      ProcessingOutputConfig: {
        Outputs: [
          {
            OutputName: CHAMPION_OUTPUT,
            AppManaged: false,
            S3Output: s3Output(championOutputUri(refs), CONTAINER_PATHS.processingLookup),
          },
        ],
        KmsKeyId: refs.keyArn,
      },
      Environment: {
        MLOPS_MODEL_GROUP: spec.registry.modelGroupName,
        MLOPS_CHAMPION_OUTPUT_DIR: CONTAINER_PATHS.processingLookup,
        MLOPS_CHAMPION_OUTPUT_URI: championOutputUri(refs),
        AWS_DEFAULT_REGION: refs.region,
      },
      NetworkConfig: {
        EnableNetworkIsolation: false,
        EnableInterContainerTrafficEncryption: true,
        ...(vpc ? { VpcConfig: vpc } : {}),
      },
      StoppingCondition: { MaxRuntimeInSeconds: CHAMPION_LOOKUP_MAX_SECONDS },
    },
    PropertyFiles: [
      { PropertyFileName: CHAMPION_REPORT, OutputName: CHAMPION_OUTPUT, FilePath: CHAMPION_FILE },
    ],
  };
}

function evaluationStep(spec: ResolvedMlPipeline, refs: PipelineAwsRefs): PipelineStep {
  const vpc = vpcConfig(spec);
  const beat = spec.qualityGate.mustBeatApproved;
  return {
    Name: STEP.evaluate,
    Type: 'Processing',
    Description: `Scores the trained model and writes ${spec.evaluation.metricsFile}.`,
    Arguments: {
      ProcessingResources: processingResources(spec, refs),
      AppSpecification: { ImageUri: refs.evaluationImage, ContainerEntrypoint: [...spec.evaluation.command] },
      RoleArn: refs.trainingRoleArn,
      ProcessingInputs: [
        {
          InputName: 'model',
          AppManaged: false,
          S3Input: s3Input(
            get(`Steps.${STEP.train}.ModelArtifacts.S3ModelArtifacts`),
            CONTAINER_PATHS.processingModel,
          ),
        },
        {
          InputName: 'data',
          AppManaged: false,
          S3Input: s3Input(get(`Parameters.${PARAMETER.inputData}`), CONTAINER_PATHS.processingInput),
        },
        // The approved model's artifact, or the lookup's own output (only champion.json) when none is approved.
        ...(beat
          ? [
              {
                InputName: CHAMPION_INPUT,
                AppManaged: false,
                S3Input: s3Input(championLookup(CHAMPION_INPUT_URI_PATH), CONTAINER_PATHS.processingChampion),
              },
            ]
          : []),
      ],
      ProcessingOutputConfig: {
        Outputs: [
          {
            OutputName: EVALUATION_OUTPUT,
            AppManaged: false,
            S3Output: s3Output(evaluationOutputUri(refs), CONTAINER_PATHS.processingEvaluation),
          },
          // The monitor dataset exists for the baselining step alone.
          ...(spec.aws.driftBaseline
            ? [
                {
                  OutputName: MONITOR_DATASET_OUTPUT,
                  AppManaged: false,
                  S3Output: s3Output(monitorDatasetUri(refs), CONTAINER_PATHS.processingMonitorDataset),
                },
              ]
            : []),
        ],
        KmsKeyId: refs.keyArn,
      },
      // No baseline output: on aws the baselining step computes the drift baseline in Model Monitor's format, of
      // the monitor dataset the evaluation writes.
      Environment: {
        MLOPS_MODEL_DIR: CONTAINER_PATHS.processingModel,
        MLOPS_DATA_DIR: CONTAINER_PATHS.processingInput,
        MLOPS_EVALUATION_DIR: CONTAINER_PATHS.processingEvaluation,
        ...(spec.aws.driftBaseline
          ? { MLOPS_MONITOR_DATASET_DIR: CONTAINER_PATHS.processingMonitorDataset }
          : {}),
        MLOPS_METRICS_FILE: spec.evaluation.metricsFile,
        MLOPS_QUALITY_METRIC: spec.qualityGate.metric,
        MLOPS_MODEL_GROUP: spec.registry.modelGroupName,
        ...(beat ? { MLOPS_CHAMPION_MODEL_DIR: CONTAINER_PATHS.processingChampion } : {}),
      },
      NetworkConfig: {
        // The champion arrives as an input: scoring it needs no network.
        EnableNetworkIsolation: spec.aws.networkIsolation,
        EnableInterContainerTrafficEncryption: true,
        ...(vpc ? { VpcConfig: vpc } : {}),
      },
      StoppingCondition: { MaxRuntimeInSeconds: spec.training.maxRuntimeSeconds },
    },
    PropertyFiles: [
      {
        PropertyFileName: EVALUATION_REPORT,
        OutputName: EVALUATION_OUTPUT,
        FilePath: spec.evaluation.metricsFile,
      },
    ],
  };
}

/**
 * The gate's conditions (all must hold): the threshold, and beating the approved model when asked. Beating
 * is `Or(nothing is approved, strictly better than the champion)`. Whether a version is approved comes from
 * the lookup step, not from the evaluation's report: an evaluation that ignores the champion then fails the
 * gate instead of passing it. SageMaker resolves every operand before it evaluates the `Or`, so the report
 * always carries `champion.<metric>.value` (the candidate's own score when nothing is approved, which no
 * strict comparison lets through on its own).
 */
export function gateConditions(spec: ResolvedMlPipeline): PipelineCondition[] {
  const { metric, comparison, threshold, mustBeatApproved } = spec.qualityGate;
  const report = get(`Steps.${STEP.evaluate}.PropertyFiles.${EVALUATION_REPORT}`);
  const candidate: JsonGetExpr = { 'Std:JsonGet': { PropertyFile: report, Path: metricPath(metric) } };
  const conditions: PipelineCondition[] = [];
  if (threshold !== undefined)
    conditions.push({
      Type: thresholdCondition(comparison),
      LeftValue: candidate,
      RightValue: get(`Parameters.${PARAMETER.threshold}`),
    });
  if (mustBeatApproved)
    conditions.push({
      Type: 'Or',
      Conditions: [
        { Type: 'Equals', LeftValue: championLookup(CHAMPION_FOUND_PATH), RightValue: false },
        {
          Type: beatCondition(comparison),
          LeftValue: candidate,
          RightValue: { 'Std:JsonGet': { PropertyFile: report, Path: championPath(metric) } },
        },
      ],
    });
  return conditions;
}

/**
 * SageMaker Model Monitor's analyzer in the pipeline's region; undefined when `aws.driftBaseline` is false
 * (no step runs it, so any region is accepted). A region the analyzer is not listed in is refused: every run
 * computes its drift baseline with it.
 */
export function analyzerImage(spec: ResolvedMlPipeline): string | undefined {
  if (!spec.aws.driftBaseline) return undefined;
  const region = spec.platform.region;
  const image = modelMonitorAnalyzerImage(region);
  if (image) return image;
  const problems = new ProblemList('MlPipeline', spec.constructName);
  problems.add(
    'platform.region',
    `is ${region}, where SageMaker Model Monitor's analyzer image (sagemaker-model-monitor-analyzer) is not listed; every run computes its drift baseline with it`,
    `deploy the pipeline to a region the analyzer is in: ${modelMonitorRegions().join(', ')}, or set \`aws.driftBaseline: false\` (no drift baseline is registered)`,
  );
  problems.throwIfAny();
  return image!;
}

/** The analyzer's settings (its documented environment): read the run's data, write the baseline, no metrics. */
function analyzerEnvironment(): Record<string, string> {
  return {
    dataset_format: JSON.stringify(BASELINE_DATASET_FORMAT),
    dataset_source: CONTAINER_PATHS.processingDataset,
    output_path: CONTAINER_PATHS.processingBaseline,
    // CloudWatch metrics are for monitoring schedules; a baseline publishes none.
    publish_cloudwatch_metrics: 'Disabled',
  };
}

/**
 * Computes the run's data-quality baseline in SageMaker's own format: Model Monitor's analyzer reads the monitor
 * dataset the evaluation wrote (the training rows as captured traffic will look: the model's output, then the
 * features in the model's order, no label) and writes `statistics.json` and `constraints.json` under
 * `baseline/<execution id>/`. It waits for the evaluation, which writes that dataset.
 *
 * `SkipCheck` is true: retraining is often started because the data drifted, so comparing the new data with
 * the approved model's baseline would fail exactly the runs drift starts; the quality gate judges the model
 * instead. `RegisterNewBaseline` is true: the version this run registers carries the baseline of the data it
 * was trained on, never a predecessor's. Without a check nothing is read from the registry, so the step names
 * no model package group. It runs as the training role (the one writer and reader of `baseline/`), with the
 * isolation, encryption and subnets of the other processing jobs.
 */
function baselineStep(spec: ResolvedMlPipeline, refs: PipelineAwsRefs): PipelineStep {
  const vpc = vpcConfig(spec);
  if (refs.analyzerImage === undefined)
    throw new Error(`MlPipeline ${spec.constructName}: the baselining step needs the analyzer image in refs`);
  return {
    Name: STEP.baseline,
    Type: 'QualityCheck',
    Description: `Computes the Model Monitor data-quality baseline (${BASELINE_FILES.statistics}, ${BASELINE_FILES.constraints}) of the training rows of the data under ${PARAMETER.inputData}, as the evaluation laid them out for monitoring.`,
    DependsOn: [STEP.evaluate],
    CheckType: 'DATA_QUALITY',
    SkipCheck: true,
    RegisterNewBaseline: true,
    Arguments: {
      ProcessingResources: processingResources(spec, refs),
      AppSpecification: { ImageUri: refs.analyzerImage },
      RoleArn: refs.trainingRoleArn,
      ProcessingInputs: [
        {
          InputName: BASELINE_INPUT,
          AppManaged: false,
          S3Input: s3Input(monitorDatasetUri(refs), CONTAINER_PATHS.processingDataset),
        },
      ],
      ProcessingOutputConfig: {
        Outputs: [
          {
            OutputName: BASELINE_OUTPUT,
            AppManaged: false,
            S3Output: s3Output(runBaselineUri(refs), CONTAINER_PATHS.processingBaseline),
          },
        ],
        KmsKeyId: refs.keyArn,
      },
      Environment: analyzerEnvironment(),
      NetworkConfig: {
        EnableNetworkIsolation: spec.aws.networkIsolation,
        EnableInterContainerTrafficEncryption: true,
        ...(vpc ? { VpcConfig: vpc } : {}),
      },
      StoppingCondition: { MaxRuntimeInSeconds: spec.training.maxRuntimeSeconds },
    },
  };
}

/** A baseline file the baselining step reports (`Steps.DataQualityBaseline.<property>`), as a metrics source. */
function baselineSource(property: string) {
  return { ContentType: 'application/json', S3Uri: get(`Steps.${STEP.baseline}.${property}`) };
}

function registerStep(spec: ResolvedMlPipeline, refs: PipelineAwsRefs): PipelineStep {
  // Without the baselining step (`aws.driftBaseline: false`) a version records no data-quality baseline.
  const baseline = spec.aws.driftBaseline;
  return {
    Name: STEP.register,
    Type: 'RegisterModel',
    Description: `Registers the model in ${spec.registry.modelGroupName}.`,
    Arguments: {
      ModelPackageGroupName: spec.registry.modelGroupName,
      ModelApprovalStatus: get(`Parameters.${PARAMETER.approvalStatus}`),
      InferenceSpecification: {
        Containers: [
          {
            Image: refs.servingImage,
            ModelDataUrl: get(`Steps.${STEP.train}.ModelArtifacts.S3ModelArtifacts`),
          },
        ],
        SupportedContentTypes: ['application/json', 'text/csv'],
        SupportedResponseMIMETypes: ['application/json', 'text/csv'],
      },
      ModelMetrics: {
        ModelQuality: {
          Statistics: {
            ContentType: 'application/json',
            S3Uri: join('/', [evaluationOutputUri(refs), spec.evaluation.metricsFile]),
          },
        },
        // The baseline this run computed of its data.
        ...(baseline
          ? {
              ModelDataQuality: {
                Statistics: baselineSource('CalculatedBaselineStatistics'),
                Constraints: baselineSource('CalculatedBaselineConstraints'),
              },
            }
          : {}),
      },
      // The baseline Model Monitor compares this version's traffic with. With RegisterNewBaseline it is the
      // one this run computed; reading the step's drift-check properties keeps that SageMaker's decision.
      ...(baseline
        ? {
            DriftCheckBaselines: {
              ModelDataQuality: {
                Statistics: baselineSource('BaselineUsedForDriftCheckStatistics'),
                Constraints: baselineSource('BaselineUsedForDriftCheckConstraints'),
              },
            },
          }
        : {}),
      CustomerMetadataProperties: { pipeline: spec.pipelineName, qualityMetric: spec.qualityGate.metric },
    },
  };
}

function failStep(spec: ResolvedMlPipeline, refs: PipelineAwsRefs): PipelineStep {
  const { metric, comparison, threshold, mustBeatApproved } = spec.qualityGate;
  const bars = [
    ...(threshold !== undefined ? [`${comparison} ${threshold}`] : []),
    ...(mustBeatApproved ? ['better than the approved model on the same rows'] : []),
  ];
  return {
    Name: STEP.fail,
    Type: 'Fail',
    Arguments: {
      ErrorMessage: join(' ', [
        `The model did not pass the quality gate: ${metric} must be ${bars.join(' and ')}; see`,
        join('/', [evaluationOutputUri(refs), spec.evaluation.metricsFile]),
      ]),
    },
  };
}
/**
 * The whole SageMaker pipeline: baseline and train, evaluate, gate, then register or fail; with
 * `mustBeatApproved`, the champion lookup first. The baselining step and the lookup run beside training:
 * nothing orders them but what reads their results (the registration, the evaluation). With
 * `aws.driftBaseline: false` there is no baselining step and the gate waits only for the evaluation it reads.
 */
export function pipelineDefinition(spec: ResolvedMlPipeline, refs: PipelineAwsRefs): PipelineDefinition {
  const parameters: PipelineParameter[] = [
    { Name: PARAMETER.inputData, Type: 'String', DefaultValue: dataUri(spec, refs.dataBucketName) },
    {
      Name: PARAMETER.approvalStatus,
      Type: 'String',
      DefaultValue: approvalStatus(spec),
      EnumValues: ['PendingManualApproval', 'Approved'],
    },
    ...(spec.qualityGate.threshold !== undefined
      ? [{ Name: PARAMETER.threshold, Type: 'Float' as const, DefaultValue: spec.qualityGate.threshold }]
      : []),
  ];
  return {
    Version: '2020-12-01',
    Metadata: {},
    Parameters: parameters,
    // No PipelineExperimentConfig: SageMaker Experiments tracking would need the pipeline role to create
    // experiments and trials on every run; execution history already records each run.
    Steps: [
      ...(spec.qualityGate.mustBeatApproved ? [findChampionStep(spec, refs)] : []),
      ...(spec.aws.driftBaseline ? [baselineStep(spec, refs)] : []),
      trainingStep(spec, refs),
      evaluationStep(spec, refs),
      {
        Name: STEP.gate,
        Type: 'Condition',
        Description: 'Registers the model only when it passes the quality gate.',
        // The registration records the baseline: the gate waits for it, so no version is registered without one.
        ...(spec.aws.driftBaseline ? { DependsOn: [STEP.baseline] } : {}),
        Arguments: {
          Conditions: gateConditions(spec),
          IfSteps: [registerStep(spec, refs)],
          ElseSteps: [failStep(spec, refs)],
        },
      },
    ],
  };
}

// ---- ARNs. ----

const arn = regionalArn;

/** ARN of the pipeline (SageMaker lowercases names in ARNs). */
export function pipelineArn(env: AwsEnvironment, pipelineName: string): string {
  return arn(env, 'sagemaker', `pipeline/${pipelineName.toLowerCase()}`);
}

export function modelPackageGroupArn(env: AwsEnvironment, groupName: string): string {
  return arn(env, 'sagemaker', `model-package-group/${groupName.toLowerCase()}`);
}

/** The ARN of one registered version of the group. */
export function modelPackageVersionArn(env: AwsEnvironment, groupName: string, version: number): string {
  return arn(env, 'sagemaker', `model-package/${groupName.toLowerCase()}/${version}`);
}

/** Versions of the group: `model-package/<group>/<version>`. */
export function modelPackagesArn(env: AwsEnvironment, groupName: string): string {
  return arn(env, 'sagemaker', `model-package/${groupName.toLowerCase()}/*`);
}

// ---- Schedule and retention. ----

/** EventBridge Scheduler settings of the retraining schedule; undefined when retraining is on demand. */
export function scheduleSettings(spec: ResolvedMlPipeline) {
  if (!spec.aws.scheduleExpression) return undefined;
  return {
    name: `${spec.pipelineName.slice(0, 56)}-retrain`,
    description: `Retrains ${spec.pipelineName} on schedule.`,
    scheduleExpression: spec.aws.scheduleExpression,
    scheduleExpressionTimezone: 'UTC',
    flexibleTimeWindow: { mode: 'OFF' as const },
    state: 'ENABLED' as const,
    retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 3 },
  };
}

/** The parameters each scheduled run starts with: the data it trains on. */
export function schedulePipelineParameters(spec: ResolvedMlPipeline, dataBucketName: string) {
  return [{ name: PARAMETER.inputData, value: dataUri(spec, dataBucketName) }];
}

/** Days replaced artifact versions are kept (the buckets' noncurrent-version expiry). */
export function noncurrentVersionDays(spec: ResolvedMlPipeline): number {
  return spec.retentionDays;
}

/** ECR lifecycle: untagged images expire after the retention; tagged (released) images are kept. */
export function repositoryLifecyclePolicy(spec: ResolvedMlPipeline) {
  return {
    rules: [
      {
        rulePriority: 1,
        description: `Expire untagged images after ${spec.retentionDays} days`,
        selection: {
          tagStatus: 'untagged',
          countType: 'sinceImagePushed',
          countUnit: 'days',
          countNumber: spec.retentionDays,
        },
        action: { type: 'expire' },
      },
    ],
  };
}

/** Settings of the image repository: scanned on push, immutable tags, encrypted with the pipeline key. */
export const REPOSITORY_SETTINGS = {
  imageTagMutability: 'IMMUTABLE',
  scanOnPush: true,
  encryptionType: 'KMS',
} as const;
