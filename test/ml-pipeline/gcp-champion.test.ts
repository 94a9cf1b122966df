/**
 * `qualityGate.mustBeatApproved` on gcp: the workflow (its own account holds roles/aiplatform.user) finds the
 * newest approved Vertex AI version, maps its artifact to the evaluation job's bucket mount and passes it as
 * MLOPS_CHAMPION_MODEL_DIR; the gate passes the comparison only when nothing is approved. Every run keeps its
 * own baseline beside its model.
 */
import { MlPipeline } from '../../lib/ml-pipeline/pulumi';
import { recordProgram, type Recording } from '../../lib/testing';
import { GCP, pipelineArgs } from './fixtures';

type Json = Record<string, any>;

const WORKFLOW = 'gcp:workflows/workflow:Workflow';
const JOB = 'gcp:cloudrunv2/job:Job';
const steps = (rec: Recording): Json[] =>
  JSON.parse(rec.one(WORKFLOW).inputs.sourceContents as string).main.steps;
const named = (rec: Recording, name: string): Json => steps(rec).find((s) => name in s)![name];
const env = (list: { name: string; value: string }[]) =>
  Object.fromEntries(list.map((e) => [e.name, e.value]));

describe('mustBeatApproved on gcp', () => {
  let rec: Recording;
  let bucket: string;
  beforeAll(async () => {
    rec = await recordProgram(async () => {
      const p = new MlPipeline(
        'churn',
        pipelineArgs(GCP, {
          qualityGate: { metric: 'rmse', comparison: 'less-than', threshold: 3, mustBeatApproved: true },
        }),
      );
      p.artifactBucketName.apply((b) => (bucket = b));
    });
  });

  it('finds the champion first, after declaring every variable a block assigns', () => {
    expect(steps(rec).map((s) => Object.keys(s)[0])).toEqual([
      'init',
      'findChampion',
      'useChampion',
      'train',
      'evaluate',
      'readReport',
      'parseReport',
      'qualityGate',
      'registerModel',
      'done',
      'qualityGateFailed',
    ]);
    expect(named(rec, 'init')).toEqual({
      assign: [
        { runId: '${sys.get_env("GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID")}' },
        { registered: null },
        { champions: {} },
        { championFound: false },
        { championUri: '' },
        { championDir: '' },
      ],
    });
  });

  it('lists the newest approved version, and treats a model that does not exist yet as none approved', () => {
    expect(named(rec, 'findChampion')).toEqual({
      try: {
        call: 'googleapis.aiplatform.v1.projects.locations.models.listVersions',
        args: {
          name: 'projects/churn-prod-1/locations/europe-west4/models/churn-dev',
          region: 'europe-west4',
          filter: 'labels."mlops-approval"="approved"',
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
                { condition: '${map.get(e, "code") != 404}', steps: [{ lookupFailed: { raise: '${e}' } }] },
              ],
            },
          },
        ],
      },
    });
    // Versions are registered with the same label the lookup filters on.
    expect(named(rec, 'registerModel').try.args.body.model.labels).toEqual({
      'mlops-pipeline': 'churn-dev',
      'mlops-approval': 'approved',
    });
  });

  it('maps the champion’s artifact to the evaluation job’s mount of the artifact bucket, or stops', () => {
    const use = named(rec, 'useChampion');
    expect(use.switch).toHaveLength(1);
    expect(use.switch[0].condition).toBe('${len(default(map.get(champions, "models"), [])) > 0}');
    const [locate, check] = use.switch[0].steps;
    expect(locate.locateChampion.assign).toEqual([
      { championUri: '${champions.models[0].artifactUri}' },
      { championDir: `\${text.replace_all(championUri, "gs://${bucket}/runs/", "/opt/ml/artifacts/runs/")}` },
      { championFound: true },
    ]);
    // The replacement lands where the evaluation job mounts the bucket.
    const mounts = (rec.one(JOB, 'churn-evaluate').inputs as Json).template.template.containers[0]
      .volumeMounts;
    expect(mounts).toContainEqual({ name: 'artifacts', mountPath: '/opt/ml/artifacts' });
    expect(check.checkChampion.switch[0].condition).toBe('${championDir == championUri}');
    expect(check.checkChampion.switch[0].steps[0].championNotInBucket.raise).toBe(
      `\${"the approved model " + champions.models[0].name + " has its artifact at " + championUri + ", outside gs://${bucket}/runs/: the evaluation cannot read it; approve a version this pipeline registered"}`,
    );
  });

  it('hands the evaluation the champion and a baseline directory of its own run', () => {
    const overrides = env(named(rec, 'evaluate').args.body.overrides.containerOverrides[0].env);
    expect(overrides).toEqual({
      MLOPS_RUN_ID: '${runId}',
      MLOPS_MODEL_DIR: '${"/opt/ml/artifacts/runs/" + runId + "/model"}',
      MLOPS_EVALUATION_DIR: '${"/opt/ml/artifacts/runs/" + runId + "/evaluation"}',
      MLOPS_BASELINE_DIR: '${"/opt/ml/artifacts/runs/" + runId + "/baseline"}',
      MLOPS_CHAMPION_MODEL_DIR: '${championDir}',
    });
    // The job itself names no registry and no shared baseline: the evaluation needs no Vertex AI access.
    const jobEnv = env((rec.one(JOB, 'churn-evaluate').inputs as Json).template.template.containers[0].envs);
    expect(jobEnv.MLOPS_VERTEX_MODEL).toBeUndefined();
    expect(jobEnv.MLOPS_BASELINE_DIR).toBeUndefined();
    expect(jobEnv.MLOPS_QUALITY_METRIC).toBe('rmse');
  });

  it('gates on the threshold and on (nothing approved, or strictly lower than the champion)', () => {
    expect(named(rec, 'qualityGate').switch[0].condition).toBe(
      '${double(report.metrics["rmse"].value) < 3 and (not championFound or double(report.metrics["rmse"].value) < double(report.champion["rmse"].value))}',
    );
  });

  it('without mustBeatApproved: no lookup, no champion variables, still a baseline per run', async () => {
    const plain = await recordProgram(() => new MlPipeline('churn', pipelineArgs(GCP)));
    expect(
      steps(plain)
        .map((s) => Object.keys(s)[0])
        .slice(0, 3),
    ).toEqual(['init', 'train', 'evaluate']);
    expect(named(plain, 'init').assign).toEqual([
      { runId: '${sys.get_env("GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID")}' },
      { registered: null },
    ]);
    const overrides = env(named(plain, 'evaluate').args.body.overrides.containerOverrides[0].env);
    expect(overrides.MLOPS_CHAMPION_MODEL_DIR).toBeUndefined();
    expect(overrides.MLOPS_BASELINE_DIR).toBe('${"/opt/ml/artifacts/runs/" + runId + "/baseline"}');
    expect(named(plain, 'qualityGate').switch[0].condition).toBe(
      '${double(report.metrics["auc"].value) >= 0.8}',
    );
  });
});
