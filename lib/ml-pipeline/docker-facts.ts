/**
 * Docker facts of an MlPipeline as plain data: pinned images, volume layout, the pipeline runner's script
 * (train, evaluate, gate, register or fail) and the scheduler's labels. Docker has no pipeline engine, so a
 * small runner container drives the steps through the Docker socket, one `docker run` per step.
 */
import type { ResolvedMlPipeline } from './resolve';

/** Pinned images: a tag that moves would change the pipeline under a running stack. */
export const RUNNER_IMAGE = 'docker:27.5.1-cli';
export const GATE_IMAGE = 'python:3.13.3-alpine';
export const REGISTRY_IMAGE = 'registry:2.8.3';
export const SCHEDULER_IMAGE = 'mcuadros/ofelia:v0.3.18';
export const REGISTRY_PORT = 5000;
export const DOCKER_SOCKET = '/var/run/docker.sock';

/**
 * An image in the pipeline's own local registry: it is empty on the first deploy (you push after it), so the
 * image cannot be pulled at deploy time; the engine pulls it from the registry when a step runs.
 */
export function isLocalRegistryImage(ref: string, registryPort: number): boolean {
  return ref.startsWith(`localhost:${registryPort}/`) || ref.startsWith(`127.0.0.1:${registryPort}/`);
}

/** Where the runner mounts the volumes it manages. */
export const RUNNER_PATHS = {
  script: '/pipeline/run.sh',
  data: '/data',
  artifacts: '/artifacts',
  models: '/models',
} as const;

/** Volume names: one per role, prefixed by the pipeline name. */
export function volumeNames(spec: ResolvedMlPipeline) {
  const p = spec.pipelineName;
  return { data: `${p}-data`, artifacts: `${p}-artifacts`, models: `${p}-models`, registry: `${p}-registry` };
}

export function containerNames(spec: ResolvedMlPipeline) {
  const p = spec.pipelineName;
  return { runner: `${p}-runner`, registry: `${p}-registry`, scheduler: `${p}-scheduler` };
}

/** The data prefix as a volume sub-path (no trailing slash). */
function dataSubpath(spec: ResolvedMlPipeline): string {
  return spec.data.prefix.replace(/\/$/, '');
}

/** Quotes a word for POSIX sh. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The gate as a fixed program: it reads the metrics file and the bar from its environment, prints the
 * verdict and exits non-zero when the model fails. Its inputs are data, never spliced into code.
 */
export const GATE_PROGRAM = [
  'import json, operator, os, sys',
  'ops = {"greater-than": operator.gt, "greater-than-or-equal": operator.ge, "less-than": operator.lt, "less-than-or-equal": operator.le}',
  'env = os.environ',
  'report = json.load(open(env["MLOPS_METRICS_PATH"]))',
  'metric, comparison = env["MLOPS_GATE_METRIC"], env["MLOPS_GATE_COMPARISON"]',
  'value = float(report["metrics"][metric]["value"])',
  'ok = True',
  'if env.get("MLOPS_GATE_THRESHOLD"):',
  '    ok = ok and ops[comparison](value, float(env["MLOPS_GATE_THRESHOLD"]))',
  'if env.get("MLOPS_GATE_BEAT_APPROVED") == "true":',
  '    champion = float(report["champion"][metric]["value"])',
  '    ok = ok and (value > champion if comparison.startswith("greater") else value < champion)',
  'print("quality gate: %s = %s: %s" % (metric, value, "passed" if ok else "FAILED"))',
  'sys.exit(0 if ok else 1)',
].join('\n');

/** Environment of the gate container. */
export function gateEnvironment(spec: ResolvedMlPipeline): Record<string, string> {
  const g = spec.qualityGate;
  return {
    MLOPS_GATE_METRIC: g.metric,
    MLOPS_GATE_COMPARISON: g.comparison,
    MLOPS_GATE_THRESHOLD: g.threshold === undefined ? '' : String(g.threshold),
    MLOPS_GATE_BEAT_APPROVED: String(g.mustBeatApproved),
  };
}

export interface PipelineImages {
  readonly training: string;
  readonly evaluation: string;
}

/**
 * The runner's script. Each run gets an id; its model, evaluation and checkpoints live under
 * `runs/<id>/` in the artifacts volume. A model that passes the gate is copied to
 * `<group>/<id>/` in the models volume (`approved/` or `pending/` after it, by `requireApproval`).
 */
export function runnerScript(spec: ResolvedMlPipeline, images: PipelineImages, network: string): string {
  const v = volumeNames(spec);
  const q = shellQuote;
  const group = spec.registry.modelGroupName;
  const env = (vars: Record<string, string>) =>
    Object.entries(vars)
      .flatMap(([k, value]) => ['-e', q(`${k}=${value}`)])
      .join(' ');
  // Volume names, sub-paths and the group are validated names (no quotes, `$` or backslashes): double
  // quotes keep them whole and let `$RUN_ID` expand.
  const mount = (volume: string, target: string, subpath?: string, readOnly = false) =>
    `--mount "${[
      'type=volume',
      `source=${volume}`,
      `target=${target}`,
      ...(subpath ? [`volume-subpath=${subpath}`] : []),
      ...(readOnly ? ['readonly'] : []),
    ].join(',')}"`;
  const limits = `--cpus ${spec.docker.cpus} --memory ${spec.docker.memoryMb}m${spec.docker.gpus > 0 ? ' --gpus all' : ''}`;
  const common = `--rm --network ${q(network)} --security-opt no-new-privileges:true`;
  const trainCommand = spec.training.command ? `--entrypoint ${q(spec.training.command[0])} ` : '';
  const trainArgs = spec.training.command ? spec.training.command.slice(1).map(q).join(' ') : '';
  const [evalEntrypoint, ...evalArgs] = spec.evaluation.command;
  const status = spec.registry.requireApproval ? 'pending' : 'approved';
  const runDir = `"${RUNNER_PATHS.artifacts}/runs/$RUN_ID`;
  const groupDir = `"${RUNNER_PATHS.models}/${group}`;
  return [
    '#!/bin/sh',
    `# ${spec.pipelineName}: train, evaluate, gate, then register or fail. Generated by mlops-constructs.`,
    'set -eu',
    'RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)"',
    `mkdir -p "${RUNNER_PATHS.data}/${dataSubpath(spec)}" ${runDir}/model" ${runDir}/evaluation" ${runDir}/checkpoints" "${RUNNER_PATHS.artifacts}/baseline"`,
    'echo "run $RUN_ID: training"',
    [
      `docker run ${common} --name "${spec.pipelineName}-train-$RUN_ID" ${limits}`,
      mount(v.data, '/opt/ml/input/data/train', dataSubpath(spec), true),
      mount(v.artifacts, '/opt/ml/model', 'runs/$RUN_ID/model'),
      mount(v.artifacts, '/opt/ml/checkpoints', 'runs/$RUN_ID/checkpoints'),
      env({
        ...spec.training.environment,
        MLOPS_HYPERPARAMETERS: JSON.stringify(spec.training.hyperparameters),
        SM_CHANNEL_TRAIN: '/opt/ml/input/data/train',
        SM_MODEL_DIR: '/opt/ml/model',
        SM_CHECKPOINT_DIR: '/opt/ml/checkpoints',
      }),
      `${trainCommand}${q(images.training)} ${trainArgs}`.trim(),
    ].join(' \\\n  '),
    'echo "run $RUN_ID: evaluating"',
    [
      `docker run ${common} --name "${spec.pipelineName}-evaluate-$RUN_ID"`,
      mount(v.artifacts, '/opt/ml/processing/model', 'runs/$RUN_ID/model', true),
      mount(v.data, '/opt/ml/processing/input', dataSubpath(spec), true),
      mount(v.artifacts, '/opt/ml/processing/evaluation', 'runs/$RUN_ID/evaluation'),
      mount(v.artifacts, '/opt/ml/processing/baseline', 'baseline'),
      ...(spec.qualityGate.mustBeatApproved
        ? [mount(v.models, '/opt/ml/processing/registry', undefined, true)]
        : []),
      env({
        MLOPS_MODEL_DIR: '/opt/ml/processing/model',
        MLOPS_DATA_DIR: '/opt/ml/processing/input',
        MLOPS_EVALUATION_DIR: '/opt/ml/processing/evaluation',
        MLOPS_BASELINE_DIR: '/opt/ml/processing/baseline',
        ...(spec.qualityGate.mustBeatApproved ? { MLOPS_REGISTRY_DIR: '/opt/ml/processing/registry' } : {}),
        MLOPS_METRICS_FILE: spec.evaluation.metricsFile,
        MLOPS_QUALITY_METRIC: spec.qualityGate.metric,
        MLOPS_MODEL_GROUP: group,
      }),
      `--entrypoint ${q(evalEntrypoint)} ${q(images.evaluation)} ${evalArgs.map(q).join(' ')}`.trim(),
    ].join(' \\\n  '),
    'echo "run $RUN_ID: quality gate"',
    [
      `if ! docker run ${common} --name "${spec.pipelineName}-gate-$RUN_ID"`,
      mount(v.artifacts, '/artifacts', undefined, true),
      env(gateEnvironment(spec)),
      `-e "MLOPS_METRICS_PATH=/artifacts/runs/$RUN_ID/evaluation/${spec.evaluation.metricsFile}"`,
      `${GATE_IMAGE} python -c ${q(GATE_PROGRAM)}; then`,
    ].join(' \\\n  '),
    `  echo "run $RUN_ID: the model did not pass the quality gate; see ${RUNNER_PATHS.artifacts}/runs/$RUN_ID/evaluation" >&2`,
    '  exit 1',
    'fi',
    `mkdir -p ${groupDir}"`,
    `cp -R ${runDir}/model" ${groupDir}/$RUN_ID"`,
    `cp ${runDir}/evaluation/${spec.evaluation.metricsFile}" ${groupDir}/$RUN_ID/${spec.evaluation.metricsFile}"`,
    `echo "$RUN_ID" > ${groupDir}/${status}"`,
    `echo "run $RUN_ID: registered in ${group} (${status})"`,
    '',
  ].join('\n');
}

/**
 * Ofelia's labels, placed on the scheduler container itself: start the runner container on the schedule,
 * never two runs at once. `ofelia --docker` lists only containers labelled `ofelia.enabled=true`, and reads
 * `job-run` jobs only from a container labelled `ofelia.service=true`: without both the job never runs.
 */
export function schedulerLabels(spec: ResolvedMlPipeline): Record<string, string> {
  if (!spec.docker.schedule) return {};
  const job = 'ofelia.job-run.retrain';
  return {
    'ofelia.enabled': 'true',
    'ofelia.service': 'true',
    [`${job}.schedule`]: spec.docker.schedule,
    [`${job}.container`]: containerNames(spec).runner,
    [`${job}.no-overlap`]: 'true',
  };
}
