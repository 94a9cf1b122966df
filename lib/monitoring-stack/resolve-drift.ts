/** The drift check of a MonitoringStack: on when the endpoint captures requests and the served version's baseline is known. */
import { MODEL_MONITOR_ANALYZER_ACCOUNTS } from '../blocks/sagemaker-model-monitor';
import { closestName } from '../core/did-you-mean';
import type { Cloud } from '../core/stage';
import { isKnown, type ProblemList } from '../core/validation';
import type { DriftStatistic } from './args';
import { DEFAULT_DRIFT_STATISTIC, DRIFT_THRESHOLD_DEFAULTS, DRIFT_THRESHOLD_MAX } from './defaults';
import type { ResolvedDrift, ResolvedWatchedEndpoint } from './resolved';
import { checkBaselineScheme, type Inputs, type Pipeline } from './resolve-common';

export function resolveDrift(
  inputs: Inputs,
  endpoint: ResolvedWatchedEndpoint | undefined,
  pipeline: Pipeline | undefined,
): ResolvedDrift | undefined {
  const { args, platform, stageDefaults, problems } = inputs;
  const d = args.drift ?? {};
  const cloud = platform.cloud;
  const statistic: DriftStatistic = d.statistic ?? DEFAULT_DRIFT_STATISTIC[cloud];
  checkStatistic(problems, d.statistic, cloud);
  const threshold = d.threshold ?? DRIFT_THRESHOLD_DEFAULTS[statistic];
  checkDriftThreshold(problems, 'drift.threshold', d.threshold, statistic);
  const features = d.features ?? [];
  checkFeatures(problems, features);
  const featureThresholds = d.featureThresholds ?? {};
  for (const [feature, value] of Object.entries(featureThresholds)) {
    checkDriftThreshold(problems, `drift.featureThresholds.${feature}`, value, statistic);
    if (features.length > 0 && !features.includes(feature)) {
      const near = closestName(feature, features);
      problems.add(
        `drift.featureThresholds.${feature}`,
        `names a feature that is not in drift.features (${features.join(', ')})`,
        near ? `did you mean \`${near}\`?` : 'add it to drift.features, or remove its threshold',
      );
    }
  }
  if (d.retrain && !pipeline)
    problems.add(
      'drift.retrain',
      'is true, but no pipeline is given to retrain',
      'pass the MlPipeline that trains the served model as `pipeline`, or set drift.retrain false',
    );
  if (d.retrain && d.enabled === false)
    problems.add(
      'drift.retrain',
      'is true, but the drift check is off (drift.enabled false)',
      'set drift.enabled true, or drift.retrain false',
    );

  // An endpoint awaiting a release serves nothing: no drift to check until the first release (its args are
  // checked above all the same, so that release does not meet a wrong one).
  if (endpoint?.awaitingRelease) return undefined;
  const baselineUri = d.baselineUri ?? endpoint?.releaseBaselineUri;
  const capturePercent = endpoint?.capturePercent ?? 0;
  const enabled = d.enabled ?? ((capturePercent > 0 && baselineUri !== undefined) || d.retrain === true);
  if (!enabled || !endpoint) return undefined;

  const cause = d.enabled === true ? 'drift.enabled' : 'drift.retrain';
  if (capturePercent === 0)
    problems.add(
      cause,
      'asks for a drift check, but the endpoint captures no requests to check',
      endpoint.isModelEndpoint
        ? 'set `capturePercent` on the ModelEndpoint (such as 10), or turn the drift check off'
        : 'set `endpoint.capturePercent` and where the capture lands (`endpoint.capture`), or turn the drift check off',
    );
  else checkCaptureLocation(problems, endpoint, cloud);
  if (cloud === 'aws' && pipeline?.modelMonitorBaseline === false)
    problems.add(
      'pipeline',
      'computes no Model Monitor baseline (its `aws.driftBaseline` is false), but the drift check is on: no run writes the baseline the monitor would compare with',
      "set the MlPipeline's `aws.driftBaseline` true (Model Monitor must be open to your account), or set drift.enabled false",
    );
  if (baselineUri === undefined)
    missingBaseline(problems, cloud, pipeline !== undefined, endpoint.servesRelease === true);
  else checkBaselineScheme(problems, 'drift.baselineUri', baselineUri, cloud);
  if (cloud === 'aws' && platform.region && MODEL_MONITOR_ANALYZER_ACCOUNTS[platform.region] === undefined)
    problems.add(
      'drift.enabled',
      `asks for a drift check, but SageMaker Model Monitor's analyzer is not published in ${platform.region}`,
      `turn the drift check off there, or deploy to a region Model Monitor serves (${Object.keys(MODEL_MONITOR_ANALYZER_ACCOUNTS).sort().slice(0, 4).join(', ')}, ...)`,
    );
  if (cloud === 'aws' && features.length === 0)
    problems.add(
      'drift.features',
      'is required on aws when the drift check runs: Model Monitor publishes one drift metric per feature, and the alarms name them',
      'list the features to watch, by their column names in the training data, such as `["tenure", "monthly_charges"]`',
    );
  if (cloud === 'gcp' && d.image === undefined)
    problems.add(
      'drift.image',
      'is required on gcp when the drift check runs: it is the job that compares the captured requests with the baseline',
      'build `templates/drift` and give the image, such as `repo/drift@sha256:...`',
    );
  return {
    schedule: d.schedule ?? stageDefaults.driftSchedule,
    statistic,
    threshold,
    featureThresholds,
    features,
    retrain: d.retrain ?? false,
    baselineUri: baselineUri!,
    image: cloud === 'gcp' ? d.image : undefined,
  };
}

function checkStatistic(problems: ProblemList, statistic: DriftStatistic | undefined, cloud: Cloud): void {
  if (statistic === undefined) return;
  if (cloud === 'aws' && statistic !== 'model-monitor')
    problems.add(
      'drift.statistic',
      `"${statistic}" is not available on aws: SageMaker Model Monitor checks drift there and publishes its own per-feature distance`,
      'use `model-monitor`, or leave `statistic` out',
    );
  if (cloud !== 'aws' && statistic === 'model-monitor')
    problems.add(
      'drift.statistic',
      `"model-monitor" is SageMaker Model Monitor's distance, which only aws has`,
      `use \`psi\` or \`ks\` on ${cloud}`,
    );
}

function checkDriftThreshold(
  problems: ProblemList,
  path: string,
  value: number | undefined,
  statistic: DriftStatistic,
): void {
  if (value === undefined || !isKnown(value)) return;
  const max = DRIFT_THRESHOLD_MAX[statistic];
  const ok = value > 0 && (max.inclusive ? value <= max.value : value < max.value);
  if (!ok)
    problems.add(
      path,
      `${value} is not above 0 and ${max.inclusive ? 'at most' : 'below'} ${max.value}, the range of \`${statistic}\``,
      `use a threshold such as ${DRIFT_THRESHOLD_DEFAULTS[statistic]}`,
    );
}

function checkFeatures(problems: ProblemList, features: readonly string[]): void {
  const seen = new Set<string>();
  features.forEach((feature, i) => {
    if (feature.trim() === '')
      problems.add(`drift.features[${i}]`, 'is empty', 'give the column name of a feature');
    else if (seen.has(feature))
      problems.add(`drift.features[${i}]`, `"${feature}" is listed twice`, 'list each feature once');
    seen.add(feature);
  });
}

function checkCaptureLocation(problems: ProblemList, endpoint: ResolvedWatchedEndpoint, cloud: Cloud): void {
  const [missing, path, fix] =
    cloud === 'aws'
      ? [
          !endpoint.capture,
          'endpoint.capture.s3Uri',
          "give `capture.s3Uri` and `capture.kmsKeyArn` of the endpoint's data capture",
        ]
      : cloud === 'gcp'
        ? [
            endpoint.captureTopic === undefined,
            'endpoint.capture.topic',
            'give `capture.topic`, the Pub/Sub topic the endpoint publishes captured requests to',
          ]
        : [
            !endpoint.docker?.captureVolume,
            'endpoint.dockerTargets.captureVolume',
            'give `dockerTargets.captureVolume`, the volume captured requests are written to',
          ];
  if (missing)
    problems.add(
      endpoint.isModelEndpoint ? 'endpoint' : path,
      'does not say where captured requests land, so the drift check has nothing to read',
      endpoint.isModelEndpoint ? 'set `capturePercent` on the ModelEndpoint' : fix,
    );
}

/** The rule: a missing baseline is an error that says how to produce one. */
function missingBaseline(
  problems: ProblemList,
  cloud: Cloud,
  hasPipeline: boolean,
  servesRelease: boolean,
): void {
  // A ModelEndpoint serving a release takes the release's baseline: the release names none here.
  const fromRelease = servesRelease
    ? " (a ModelEndpoint serving a release gives the release's `baseline` by default, and this one has none: add `baseline` to the release, or give drift.baselineUri)"
    : '';
  const where =
    cloud === 'aws'
      ? "on aws its `DataQualityBaseline` step writes Model Monitor's statistics.json and constraints.json under `<pipeline baselineUri><execution id>/`, and `aws sagemaker describe-model-package --model-package-name <served model package ARN> --query DriftCheckBaselines.ModelDataQuality` names the served version's"
      : `on ${cloud} every run writes drift_baseline.json under \`<pipeline baselineUri><run id>/baseline/\`; use the served run's`;
  problems.add(
    'drift.baselineUri',
    hasPipeline
      ? `is required when the drift check runs: the check compares with the served model version's baseline, and the pipeline's baselineUri is only the prefix of every run's${fromRelease}`
      : `is required when the drift check runs, and there is no baseline to compare with (no pipeline, no drift.baselineUri)${fromRelease}`,
    hasPipeline
      ? `set drift.baselineUri to the served version's baseline folder: ${where}`
      : `train the model with an MlPipeline, which writes a baseline on every run (${where}), pass it as \`pipeline\` and set drift.baselineUri to the served version's folder; or set drift.enabled false`,
  );
}
