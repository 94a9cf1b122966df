/**
 * GCP facts of an MlPipeline as plain data. The pipeline is a Cloud Workflows definition (JSON, which
 * Workflows accepts as source) built from typed code: (with `mustBeatApproved`) find the approved model, run
 * the training Cloud Run job, run the evaluation job, read the metrics file, gate on the metric, then register
 * the model in the Vertex AI model registry (at run time: the registry has no IaC resource) or raise. Cloud
 * Scheduler starts executions.
 */
import type { QualityComparison } from './args';
import type { ResolvedMlPipeline } from './resolve';

/** Where the jobs mount the buckets (Cloud Storage volumes). */
export const MOUNTS = { data: '/opt/ml/input/data', artifacts: '/opt/ml/artifacts' } as const;

/** Workflow step names: fixed, because execution history refers to them. */
export const WORKFLOW_STEP = {
  init: 'init',
  findChampion: 'findChampion',
  useChampion: 'useChampion',
  train: 'train',
  evaluate: 'evaluate',
  readReport: 'readReport',
  parseReport: 'parseReport',
  gate: 'qualityGate',
  register: 'registerModel',
  done: 'done',
  fail: 'qualityGateFailed',
} as const;

export interface PipelineGcpRefs {
  readonly trainJobName: string;
  readonly evaluateJobName: string;
  readonly artifactBucketName: string;
  readonly servingImage: string;
  readonly keyId: string;
}

export function jobNames(spec: ResolvedMlPipeline) {
  return { train: `${spec.pipelineName}-train`, evaluate: `${spec.pipelineName}-evaluate` };
}

/** Vertex AI model id of the registry entry; versions are added under it. */
export function vertexModelId(spec: ResolvedMlPipeline): string {
  return spec.pipelineName;
}

export function vertexModelName(spec: ResolvedMlPipeline): string {
  return `projects/${spec.platform.project}/locations/${spec.platform.region}/models/${vertexModelId(spec)}`;
}

/** Service account ids (6 to 30 characters): the pipeline name shortened, plus the role. */
export function serviceAccountIds(spec: ResolvedMlPipeline) {
  const base = spec.pipelineName.slice(0, 23).replace(/-+$/, '');
  const id = (role: string) => `${base}-${role}`.padEnd(6, '0');
  return { trainer: id('train'), pipeline: id('pipe'), scheduler: id('sched') };
}

/** The container environment of the training job; the run's directories arrive per execution. */
export function trainingEnvironment(spec: ResolvedMlPipeline): Record<string, string> {
  return {
    ...spec.training.environment,
    MLOPS_HYPERPARAMETERS: JSON.stringify(spec.training.hyperparameters),
    SM_CHANNEL_TRAIN: `${MOUNTS.data}/${spec.data.prefix}`,
  };
}

/**
 * The container environment of the evaluation job; the run's directories (model, evaluation, baseline) and the
 * champion's arrive per execution. The evaluation needs no registry access: the workflow finds the champion.
 */
export function evaluationEnvironment(spec: ResolvedMlPipeline): Record<string, string> {
  return {
    MLOPS_METRICS_FILE: spec.evaluation.metricsFile,
    MLOPS_QUALITY_METRIC: spec.qualityGate.metric,
    MLOPS_MODEL_GROUP: spec.registry.modelGroupName,
    MLOPS_DATA_DIR: `${MOUNTS.data}/${spec.data.prefix}`,
  };
}

/** The label every registered version carries, and the value that marks it approved. */
export const APPROVAL_LABEL = 'mlops-approval';
export const APPROVED = 'approved';

/** The Vertex AI filter of approved versions (the key is quoted: it holds a `-`). */
export const APPROVED_FILTER = `labels."${APPROVAL_LABEL}"="${APPROVED}"`;

const OPERATOR: Record<QualityComparison, string> = {
  'greater-than': '>',
  'greater-than-or-equal': '>=',
  'less-than': '<',
  'less-than-or-equal': '<=',
};

/** A Workflows expression. */
const expr = (body: string) => `\${${body}}`;
/** A Workflows string literal inside an expression. */
const lit = (value: string) => JSON.stringify(value);

/** The upload failed because the parent model does not exist: HTTP 404, or gRPC NOT_FOUND in the operation. */
export const MODEL_NOT_FOUND = expr(
  'map.get(e, "code") == 404 or map.get(e, ["operation", "error", "code"]) == 5',
);

/**
 * The gate as one Workflows boolean expression over the parsed metrics file (`report`) and `championFound`.
 * Beating the champion is strict, and holds outright when nothing is approved yet. Whether a version is
 * approved is the workflow's own finding, not the report's: an evaluation that ignores the champion then
 * compares the candidate with itself (the report repeats its score when it has no champion) and fails.
 */
export function gateExpression(spec: ResolvedMlPipeline): string {
  const { metric, comparison, threshold, mustBeatApproved } = spec.qualityGate;
  const value = `double(report.metrics[${lit(metric)}].value)`;
  const parts: string[] = [];
  if (threshold !== undefined) parts.push(`${value} ${OPERATOR[comparison]} ${threshold}`);
  if (mustBeatApproved)
    parts.push(
      `(not championFound or ${value} ${comparison.startsWith('greater') ? '>' : '<'} double(report.champion[${lit(metric)}].value))`,
    );
  return expr(parts.join(' and '));
}

/** Workflows' documented ceiling for a long-running connector call's `timeout` (one year). */
export const WORKFLOWS_CONNECTOR_MAX_TIMEOUT_SECONDS = 31_536_000;
/** Time a job execution may spend beyond its task timeout: scheduling, image pull, start-up and polling lag. */
export const JOB_RUN_MARGIN_SECONDS = 600;
/**
 * Polling of a job run: first look after 10 s, then back off by 1.5 up to every 5 minutes (the default stops
 * at 60 s). Each poll is a billable step: a run of hours needs no tighter watch, and the end of a short run is
 * still seen within a few minutes.
 */
export const JOB_RUN_POLLING_POLICY = { initial_delay: 10, multiplier: 1.5, max_delay: 300 } as const;

/**
 * How long the workflow waits on one job run. A connector call gives up after 1800 s unless told otherwise,
 * while the job may run for `maxRuntimeSeconds` (its task timeout; resolve caps it at 7 days, far below the
 * connector's one-year ceiling).
 */
export function jobRunTimeoutSeconds(spec: ResolvedMlPipeline): number {
  return Math.min(
    spec.training.maxRuntimeSeconds + JOB_RUN_MARGIN_SECONDS,
    WORKFLOWS_CONNECTOR_MAX_TIMEOUT_SECONDS,
  );
}

/** Runs a job to completion with per-execution overrides (its run's directories). */
function runJob(spec: ResolvedMlPipeline, jobName: string, env: Record<string, string>, result: string) {
  return {
    call: 'googleapis.run.v2.projects.locations.jobs.run',
    args: {
      name: `projects/${spec.platform.project}/locations/${spec.platform.region}/jobs/${jobName}`,
      body: {
        overrides: {
          containerOverrides: [{ env: Object.entries(env).map(([name, value]) => ({ name, value })) }],
        },
      },
      connector_params: {
        timeout: jobRunTimeoutSeconds(spec),
        polling_policy: { ...JOB_RUN_POLLING_POLICY },
      },
    },
    result,
  };
}

/**
 * Finds the champion: the newest version of the Vertex AI model labelled `mlops-approval: approved` (the
 * registry's default version is not used: with `requireApproval` it may be a version nobody approved). The
 * model does not exist before the first registration (404): then nothing is approved. Its artifact is
 * `gs://<artifact bucket>/runs/<run id>/model/`, which the evaluation job sees under the bucket's mount; a
 * version whose artifact lies elsewhere cannot be scored there, so the run stops and says so.
 */
function championSteps(spec: ResolvedMlPipeline, refs: PipelineGcpRefs) {
  const bucketRuns = `gs://${refs.artifactBucketName}/runs/`;
  return [
    {
      [WORKFLOW_STEP.findChampion]: {
        try: {
          call: 'googleapis.aiplatform.v1.projects.locations.models.listVersions',
          args: {
            name: vertexModelName(spec),
            region: spec.platform.region,
            filter: APPROVED_FILTER,
            orderBy: 'create_time desc',
            pageSize: 1,
          },
          result: 'champions',
        },
        except: {
          as: 'e',
          steps: [
            {
              notRegisteredYet: {
                switch: [
                  {
                    condition: expr('map.get(e, "code") != 404'),
                    steps: [{ lookupFailed: { raise: expr('e') } }],
                  },
                ],
              },
            },
          ],
        },
      },
    },
    {
      [WORKFLOW_STEP.useChampion]: {
        switch: [
          {
            condition: expr('len(default(map.get(champions, "models"), [])) > 0'),
            steps: [
              {
                locateChampion: {
                  assign: [
                    { championUri: expr('champions.models[0].artifactUri') },
                    {
                      championDir: expr(
                        `text.replace_all(championUri, ${lit(bucketRuns)}, ${lit(`${MOUNTS.artifacts}/runs/`)})`,
                      ),
                    },
                    { championFound: true },
                  ],
                },
              },
              {
                checkChampion: {
                  switch: [
                    {
                      condition: expr('championDir == championUri'),
                      steps: [
                        {
                          championNotInBucket: {
                            raise: expr(
                              `${lit('the approved model ')} + champions.models[0].name + ${lit(' has its artifact at ')} + championUri + ${lit(`, outside ${bucketRuns}: the evaluation cannot read it; approve a version this pipeline registered`)}`,
                            ),
                          },
                        },
                      ],
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    },
  ];
}

/** The whole pipeline: (find the champion,) train, evaluate, gate, then register or fail. */
export function workflowDefinition(spec: ResolvedMlPipeline, refs: PipelineGcpRefs) {
  const { project, region } = spec.platform;
  const beat = spec.qualityGate.mustBeatApproved;
  const runDir = (sub: string) => expr(`${lit(`${MOUNTS.artifacts}/runs/`)} + runId + ${lit(`/${sub}`)}`);
  const approval = spec.registry.requireApproval ? 'pending' : APPROVED;
  const model = {
    displayName: spec.registry.modelGroupName,
    artifactUri: expr(`${lit(`gs://${refs.artifactBucketName}/runs/`)} + runId + ${lit('/model/')}`),
    containerSpec: { imageUri: refs.servingImage },
    encryptionSpec: { kmsKeyName: refs.keyId },
    labels: { 'mlops-pipeline': spec.pipelineName, [APPROVAL_LABEL]: approval },
    versionDescription: expr(
      `${lit(`${spec.qualityGate.metric} = `)} + string(report.metrics[${lit(spec.qualityGate.metric)}].value)`,
    ),
  };
  const upload = (body: Record<string, unknown>) => ({
    call: 'googleapis.aiplatform.v1.projects.locations.models.upload',
    args: { parent: `projects/${project}/locations/${region}`, region, body: { ...body, model } },
    result: 'registered',
  });
  const steps = [
    {
      // Every variable a nested block (try, except, switch) assigns is declared here: Workflows scopes a
      // variable first assigned inside a block to that block.
      [WORKFLOW_STEP.init]: {
        assign: [
          { runId: expr('sys.get_env("GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID")') },
          { registered: null },
          ...(beat
            ? [{ champions: {} }, { championFound: false }, { championUri: '' }, { championDir: '' }]
            : []),
        ],
      },
    },
    ...(beat ? championSteps(spec, refs) : []),
    {
      [WORKFLOW_STEP.train]: runJob(
        spec,
        refs.trainJobName,
        {
          MLOPS_RUN_ID: expr('runId'),
          SM_MODEL_DIR: runDir('model'),
          SM_CHECKPOINT_DIR: runDir('checkpoints'),
        },
        'training',
      ),
    },
    {
      [WORKFLOW_STEP.evaluate]: runJob(
        spec,
        refs.evaluateJobName,
        {
          MLOPS_RUN_ID: expr('runId'),
          MLOPS_MODEL_DIR: runDir('model'),
          MLOPS_EVALUATION_DIR: runDir('evaluation'),
          // Each run keeps its own baseline, beside its model: a failing run never replaces the registered one's.
          MLOPS_BASELINE_DIR: runDir('baseline'),
          // Empty when nothing is approved: the evaluation then reports no champion.
          ...(beat ? { MLOPS_CHAMPION_MODEL_DIR: expr('championDir') } : {}),
        },
        'evaluation',
      ),
    },
    {
      [WORKFLOW_STEP.readReport]: {
        call: 'googleapis.storage.v1.objects.get',
        args: {
          bucket: refs.artifactBucketName,
          object: expr(
            `text.url_encode(${lit('runs/')} + runId + ${lit(`/evaluation/${spec.evaluation.metricsFile}`)})`,
          ),
          alt: 'media',
        },
        result: 'report',
      },
    },
    {
      // The connector parses the object into a map only when it is served as application/json; an evaluator
      // that uploads it with another content type (a client library's application/octet-stream) yields bytes.
      [WORKFLOW_STEP.parseReport]: {
        switch: [
          {
            condition: expr('get_type(report) != "map"'),
            steps: [{ decodeReport: { assign: [{ report: expr('json.decode(report)') }] } }],
          },
        ],
      },
    },
    {
      [WORKFLOW_STEP.gate]: {
        switch: [{ condition: gateExpression(spec), next: WORKFLOW_STEP.register }],
        next: WORKFLOW_STEP.fail,
      },
    },
    {
      // A new version of the model when it exists; the first run creates it under a fixed id. Only "the model
      // does not exist" leads there (404 on the request, or NOT_FOUND = 5 in a failed operation): any other
      // error (403, 400, a timeout) is raised as it is, so its cause is not hidden behind a failed creation.
      [WORKFLOW_STEP.register]: {
        try: upload({ parentModel: vertexModelName(spec) }),
        except: {
          as: 'e',
          steps: [
            {
              modelMissing: {
                switch: [{ condition: MODEL_NOT_FOUND, next: 'registerFirstVersion' }],
              },
            },
            { registerFailed: { raise: expr('e') } },
            { registerFirstVersion: upload({ modelId: vertexModelId(spec) }) },
          ],
        },
      },
    },
    {
      // The upload connector waits for the operation and returns its UploadModelResponse, not the operation.
      [WORKFLOW_STEP.done]: {
        return: {
          runId: expr('runId'),
          model: expr('registered.model'),
          modelVersionId: expr('registered.modelVersionId'),
        },
      },
    },
    {
      [WORKFLOW_STEP.fail]: {
        raise: expr(
          `${lit(`the model did not pass the quality gate on ${spec.qualityGate.metric}; see gs://${refs.artifactBucketName}/runs/`)} + runId + ${lit(`/evaluation/${spec.evaluation.metricsFile}`)}`,
        ),
      },
    },
  ];
  return { main: { steps } };
}

/** The Workflows executions API URL Cloud Scheduler posts to. */
export function executionsUrl(workflowId: string): string {
  return `https://workflowexecutions.googleapis.com/v1/${workflowId}/executions`;
}

/** Lifecycle of both buckets: replaced versions expire after the retention; stalled uploads after a week. */
export function bucketLifecycleRules(spec: ResolvedMlPipeline) {
  return [
    {
      action: { type: 'Delete' },
      condition: { daysSinceNoncurrentTime: spec.retentionDays, withState: 'ARCHIVED' },
    },
    { action: { type: 'AbortIncompleteMultipartUpload' }, condition: { age: 7 } },
  ];
}

/** Artifact Registry clean-up: untagged images go after the retention. */
export function repositoryCleanupPolicies(spec: ResolvedMlPipeline) {
  return [
    {
      id: 'delete-untagged',
      action: 'DELETE',
      condition: { tagState: 'UNTAGGED', olderThan: `${spec.retentionDays * 86400}s` },
    },
  ];
}
