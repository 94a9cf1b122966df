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
/** Ofelia's images are tagged without the `v` of its git tags since 2024 (docker/metadata-action semver). */
export const SCHEDULER_IMAGE = 'mcuadros/ofelia:0.3.21';
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
 * Whether a champion exists is the runner's own finding (`MLOPS_GATE_CHAMPION_FOUND`: it saw an approved run
 * id), not the report's: an evaluation that ignores the champion then compares the candidate with itself and
 * fails, instead of passing. With no approved model the comparison passes and the verdict says so.
 */
export const GATE_PROGRAM = [
  'import json, operator, os, sys',
  'ops = {"greater-than": operator.gt, "greater-than-or-equal": operator.ge, "less-than": operator.lt, "less-than-or-equal": operator.le}',
  'env = os.environ',
  'report = json.load(open(env["MLOPS_METRICS_PATH"]))',
  'metric, comparison = env["MLOPS_GATE_METRIC"], env["MLOPS_GATE_COMPARISON"]',
  'value = float(report["metrics"][metric]["value"])',
  'ok, notes = True, []',
  'if env.get("MLOPS_GATE_THRESHOLD"):',
  '    ok = ok and ops[comparison](value, float(env["MLOPS_GATE_THRESHOLD"]))',
  '    notes.append("threshold %s" % env["MLOPS_GATE_THRESHOLD"])',
  'if env.get("MLOPS_GATE_BEAT_APPROVED") == "true":',
  '    if env.get("MLOPS_GATE_CHAMPION_FOUND") == "true":',
  '        champion = float(report["champion"][metric]["value"])',
  '        ok = ok and (value > champion if comparison.startswith("greater") else value < champion)',
  '        notes.append("champion %s %s" % (env.get("MLOPS_GATE_CHAMPION", "?"), champion))',
  '    else:',
  '        notes.append("no approved model: not compared with a champion")',
  'print("quality gate: %s = %s (%s): %s" % (metric, value, "; ".join(notes), "passed" if ok else "FAILED"))',
  'sys.exit(0 if ok else 1)',
].join('\n');

/** Environment of the gate container (the runner adds what it found: the champion's run id, or none). */
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

/** Where the evaluation finds the champion's model (read-only), when one is approved. */
export const CHAMPION_DIR = '/opt/ml/processing/champion';

/**
 * Shell function of the runner: `owner IMAGE` prints the `uid:gid` the image runs as, so the runner (root)
 * can hand a run's directories to a non-root step image. A numeric `USER uid:gid` is taken as is; a user
 * name is resolved inside the image itself (it needs `id`, as every Debian, Alpine or busybox image has);
 * no `USER` means root. The image is pulled first when the engine does not have it.
 */
const OWNER_FUNCTION = [
  'owner() {',
  '  docker image inspect "$1" >/dev/null 2>&1 || docker pull -q "$1" >/dev/null',
  `  user="$(docker image inspect -f '{{.Config.User}}' "$1")"`,
  '  case "$user" in',
  "    '' | root | 0 | root:* | 0:*) echo 0:0 ;;",
  '    [0-9]*:[0-9]*) echo "$user" ;;',
  `    *) docker run --rm --network none --entrypoint sh "$1" -c 'echo "$(id -u):$(id -g)"' ;;`,
  '  esac',
  '}',
];

/**
 * The runner's script. Each run gets an id; its model, evaluation, drift baseline and checkpoints live under
 * `runs/<id>/` in the artifacts volume, created by the runner and handed to the user each step image runs
 * as (so a non-root image can write them). With `mustBeatApproved`, the newest approved model (the run id in
 * `<group>/approved`) is mounted read-only for the evaluation at `MLOPS_CHAMPION_MODEL_DIR`; with none the
 * variable is not set and the gate does not compare. A model that passes the gate is copied with its
 * evaluation and baseline to `<group>/<id>/` in the models volume, and its id written to `<group>/approved`,
 * or to `<group>/pending` when `requireApproval` is on (approve it by writing the id to `approved`). A run
 * that fails leaves the registry untouched.
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
  const beat = spec.qualityGate.mustBeatApproved;
  const run = `${RUNNER_PATHS.artifacts}/runs/$RUN_ID`;
  const groupDir = `${RUNNER_PATHS.models}/${group}`;
  const metrics = spec.evaluation.metricsFile;
  return [
    '#!/bin/sh',
    `# ${spec.pipelineName}: train, evaluate, gate, then register or fail. Generated by mlops-constructs.`,
    'set -eu',
    ...OWNER_FUNCTION,
    'RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)"',
    `mkdir -p "${RUNNER_PATHS.data}/${dataSubpath(spec)}" "${RUNNER_PATHS.artifacts}/runs" "${groupDir}"`,
    // Without -p: a second run started in the same second stops here instead of sharing the directory.
    `mkdir -m 0755 "${run}"`,
    `mkdir -m 0755 "${run}/model" "${run}/checkpoints" "${run}/evaluation" "${run}/baseline"`,
    `chown "$(owner ${q(images.training)})" "${run}/model" "${run}/checkpoints"`,
    `chown "$(owner ${q(images.evaluation)})" "${run}/evaluation" "${run}/baseline"`,
    ...(beat
      ? [
          // The newest approved model is the champion: the id in `approved`, if its directory is there.
          'CHAMPION=""',
          `if [ -s "${groupDir}/approved" ]; then CHAMPION="$(cat "${groupDir}/approved")"; fi`,
          'case "$CHAMPION" in',
          "  '') ;;",
          `  *[!A-Za-z0-9_.-]* | .*) echo "run $RUN_ID: ${groupDir}/approved holds no run id: $CHAMPION" >&2; exit 1 ;;`,
          `  *) [ -d "${groupDir}/$CHAMPION" ] || { echo "run $RUN_ID: approved run $CHAMPION is not in ${groupDir}" >&2; exit 1; } ;;`,
          'esac',
          'if [ -n "$CHAMPION" ]; then',
          '  echo "run $RUN_ID: champion is the approved run $CHAMPION"',
          `  CHAMPION_ARGS="${mount(v.models, CHAMPION_DIR, `${group}/$CHAMPION`, true).replace(/"/g, '')} -e MLOPS_CHAMPION_MODEL_DIR=${CHAMPION_DIR}"`,
          '  FOUND=true',
          'else',
          '  echo "run $RUN_ID: no approved model yet: the candidate is not compared with a champion"',
          '  CHAMPION_ARGS=""',
          '  FOUND=false',
          'fi',
        ]
      : []),
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
      mount(v.artifacts, '/opt/ml/processing/baseline', 'runs/$RUN_ID/baseline'),
      // Unquoted on purpose: empty, or words of checked names only (the case above).
      ...(beat ? ['$CHAMPION_ARGS'] : []),
      env({
        MLOPS_MODEL_DIR: '/opt/ml/processing/model',
        MLOPS_DATA_DIR: '/opt/ml/processing/input',
        MLOPS_EVALUATION_DIR: '/opt/ml/processing/evaluation',
        MLOPS_BASELINE_DIR: '/opt/ml/processing/baseline',
        MLOPS_METRICS_FILE: metrics,
        MLOPS_QUALITY_METRIC: spec.qualityGate.metric,
        MLOPS_MODEL_GROUP: group,
      }),
      `--entrypoint ${q(evalEntrypoint)} ${q(images.evaluation)} ${evalArgs.map(q).join(' ')}`.trim(),
    ].join(' \\\n  '),
    'echo "run $RUN_ID: quality gate"',
    [
      `if ! docker run ${common} --name "${spec.pipelineName}-gate-$RUN_ID"`,
      mount(v.artifacts, '/artifacts', 'runs/$RUN_ID/evaluation', true),
      env(gateEnvironment(spec)),
      ...(beat ? ['-e "MLOPS_GATE_CHAMPION_FOUND=$FOUND" -e "MLOPS_GATE_CHAMPION=$CHAMPION"'] : []),
      `-e ${q(`MLOPS_METRICS_PATH=/artifacts/${metrics}`)}`,
      `${GATE_IMAGE} python -c ${q(GATE_PROGRAM)}; then`,
    ].join(' \\\n  '),
    `  echo "run $RUN_ID: the model did not pass the quality gate; see ${run}/evaluation; the registry is unchanged" >&2`,
    '  exit 1',
    'fi',
    // Registration: copy to a temporary name, then rename, so a half-copied model is never registered.
    `rm -rf "${groupDir}/.$RUN_ID"`,
    `cp -R "${run}/model" "${groupDir}/.$RUN_ID"`,
    `cp "${run}/evaluation/${metrics}" "${groupDir}/.$RUN_ID/${metrics}"`,
    `cp -R "${run}/baseline" "${groupDir}/.$RUN_ID/baseline"`,
    // Serving containers read it as their own (non-root) user.
    `chmod -R a+rX "${groupDir}/.$RUN_ID"`,
    `mv "${groupDir}/.$RUN_ID" "${groupDir}/$RUN_ID"`,
    `echo "$RUN_ID" > "${groupDir}/.${status}" && mv "${groupDir}/.${status}" "${groupDir}/${status}"`,
    `echo "run $RUN_ID: registered in ${group} (${status})"`,
    '',
  ].join('\n');
}

/**
 * The label that scopes an Ofelia to its own container. `ofelia daemon --docker` lists every container on the
 * host labelled `ofelia.enabled=true` and merges the `job-run` jobs of every one labelled `ofelia.service=true`
 * into one map keyed by job name (mcuadros/ofelia 0.3.21 `cli/docker-labels.go`): without a filter, each
 * scheduler on the host would also run every other stack's jobs, and two jobs of one name would keep only one.
 * Each scheduler carries this label with its own container name and lists only containers that carry it
 * (`--docker-filter label=…`, ANDed by the Engine with `ofelia.enabled=true`). It does not start with `ofelia`,
 * so Ofelia ignores it as configuration.
 */
export const SCHEDULER_SCOPE_LABEL = 'mlops.scheduler';

/** The scheduler's command: read jobs from Docker labels, on its own container only (see above). */
export function ofeliaCommand(schedulerName: string): string[] {
  return ['daemon', '--docker', '--docker-filter', `label=${SCHEDULER_SCOPE_LABEL}=${schedulerName}`];
}

/**
 * Ofelia's labels for one `job-run` job that starts an existing container, placed on the scheduler container
 * itself: Ofelia needs `ofelia.enabled=true` to list it and `ofelia.service=true` to read its `job-run` jobs.
 * The job is named after the physical name it belongs to (unique per stack), with `.` made `_` because Ofelia
 * splits label keys on `.`; never two runs at once.
 */
export function ofeliaRunJobLabels(
  schedulerName: string,
  job: string,
  schedule: string,
  container: string,
): Record<string, string> {
  const key = `ofelia.job-run.${job.replace(/\./g, '_')}`;
  return {
    [SCHEDULER_SCOPE_LABEL]: schedulerName,
    'ofelia.enabled': 'true',
    'ofelia.service': 'true',
    [`${key}.schedule`]: schedule,
    [`${key}.container`]: container,
    [`${key}.no-overlap`]: 'true',
  };
}

/** Ofelia's labels on the pipeline's scheduler: job `<pipeline>-retrain` starts the runner on the schedule. */
export function schedulerLabels(spec: ResolvedMlPipeline): Record<string, string> {
  if (!spec.docker.schedule) return {};
  const names = containerNames(spec);
  return ofeliaRunJobLabels(
    names.scheduler,
    `${spec.pipelineName}-retrain`,
    spec.docker.schedule,
    names.runner,
  );
}
