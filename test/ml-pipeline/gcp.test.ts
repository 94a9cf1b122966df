import { MlPipeline } from '../../lib/ml-pipeline/pulumi';
import { recordProgram, type Recording } from '../../lib/testing';
import { EVAL_IMAGE, GCP, TRAIN_IMAGE, pipelineArgs } from './fixtures';

type Json = Record<string, any>;

const T = {
  bucket: 'gcp:storage/bucket:Bucket',
  bucketIam: 'gcp:storage/bucketIAMMember:BucketIAMMember',
  projectIam: 'gcp:projects/iAMMember:IAMMember',
  keyIam: 'gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember',
  repo: 'gcp:artifactregistry/repository:Repository',
  job: 'gcp:cloudrunv2/job:Job',
  jobIam: 'gcp:cloudrunv2/jobIamMember:JobIamMember',
  workflow: 'gcp:workflows/workflow:Workflow',
  scheduler: 'gcp:cloudscheduler/job:Job',
  account: 'gcp:serviceaccount/account:Account',
};
const KEY = 'projects/churn-prod-1/locations/europe-west4/keyRings/churn-staging/cryptoKeys/churn-staging';
const workflowSteps = (rec: Recording): Json[] =>
  JSON.parse(rec.one(T.workflow).inputs.sourceContents as string).main.steps;
const stepNamed = (rec: Recording, name: string): Json => workflowSteps(rec).find((s) => name in s)![name];

describe('MlPipeline on gcp', () => {
  let rec: Recording;
  const outputs: Record<string, string> = {};
  beforeAll(async () => {
    rec = await recordProgram(async () => {
      const p = new MlPipeline(
        'churn',
        pipelineArgs({ ...GCP, stage: 'staging' }, { schedule: 'rate(1 day)' }),
      );
      for (const key of [
        'dataBucketName',
        'dataBucketUri',
        'artifactBucketName',
        'artifactBucketUri',
        'containerRegistryUrl',
        'modelRegistry',
        'pipelineName',
        'pipelineId',
        'retrainTrigger',
        'baselineUri',
      ] as const)
        p[key].apply((v) => (outputs[key] = v));
    });
  });

  it('parents every child to the component', () => {
    const component = rec.one('mlops:index:MlPipeline');
    for (const r of rec.resources.filter((x) => x !== component)) expect(r.parent).toBe(component.urn);
  });

  it('makes CMEK, versioned, uniform, public-access-prevented buckets kept on delete, expiring old versions', () => {
    const buckets = rec.ofType(T.bucket);
    expect(buckets.map((b) => b.inputs.name).sort()).toEqual([
      expect.stringMatching(/^churn-staging-artifacts-[0-9a-f]{6}$/),
      expect.stringMatching(/^churn-staging-data-[0-9a-f]{6}$/),
    ]);
    for (const b of buckets) {
      expect(b.retainOnDelete).toBe(true);
      expect(b.inputs).toMatchObject({
        location: 'europe-west4',
        uniformBucketLevelAccess: true,
        publicAccessPrevention: 'enforced',
        versioning: { enabled: true },
        encryption: { defaultKmsKeyName: KEY },
      });
      expect((b.inputs as Json).lifecycleRules[0]).toEqual({
        action: { type: 'Delete' },
        condition: { daysSinceNoncurrentTime: 90, withState: 'ARCHIVED' },
      });
      // The storage agent holds the key before the bucket is made.
      const grant = rec.one(T.keyIam, 'churn-storage-agent-key');
      expect(grant.inputs.member).toBe(
        'serviceAccount:service-123456789@gs-project-accounts.iam.gserviceaccount.com',
      );
      expect(b.dependencies).toContain(grant.urn);
    }
  });

  it('makes an immutable, CMEK Docker repository kept on delete', () => {
    const repo = rec.one(T.repo);
    expect(repo.retainOnDelete).toBe(true);
    expect(repo.inputs).toMatchObject({
      repositoryId: 'churn-staging',
      format: 'DOCKER',
      location: 'europe-west4',
      kmsKeyName: KEY,
      dockerConfig: { immutableTags: true },
      // Scan on push: follows the project, where the construct enables the Container Scanning API.
      vulnerabilityScanningConfig: { enablementConfig: 'INHERITED' },
      cleanupPolicies: [
        {
          id: 'delete-untagged',
          action: 'DELETE',
          condition: { tagState: 'UNTAGGED', olderThan: '7776000s' },
        },
      ],
    });
  });

  it('runs training and evaluation as Cloud Run jobs with a narrow identity and the buckets mounted', () => {
    const train = rec.one(T.job, 'churn-train').inputs as Json;
    expect(train.name).toBe('churn-staging-train');
    const t = train.template.template;
    expect(t.serviceAccount).toBe('churn-staging-train@churn-prod-1.iam.gserviceaccount.com');
    expect(t.encryptionKey).toBe(KEY);
    expect(t.timeout).toBe('7200s');
    expect(t.maxRetries).toBe(0);
    expect(t.containers[0]).toMatchObject({
      image: TRAIN_IMAGE,
      commands: ['python', 'train.py'],
      resources: { limits: { cpu: '4', memory: '16Gi' } },
    });
    expect(t.containers[0].envs).toContainEqual({ name: 'MLOPS_HYPERPARAMETERS', value: '{"epochs":"10"}' });
    expect(t.volumes).toEqual([
      { name: 'data', gcs: { bucket: outputs.dataBucketName, readOnly: true } },
      { name: 'artifacts', gcs: { bucket: outputs.artifactBucketName, readOnly: false } },
    ]);
    const evaluate = rec.one(T.job, 'churn-evaluate').inputs as Json;
    expect(evaluate.template.template.containers[0]).toMatchObject({
      image: EVAL_IMAGE,
      commands: ['python', 'evaluate.py'],
    });
    const trainerGrants = rec
      .ofType(T.bucketIam)
      .filter(
        (g) => g.inputs.member === 'serviceAccount:churn-staging-train@churn-prod-1.iam.gserviceaccount.com',
      )
      .map((g) => [g.inputs.bucket, g.inputs.role]);
    expect(trainerGrants).toEqual([
      [outputs.dataBucketName, 'roles/storage.objectViewer'],
      [outputs.artifactBucketName, 'roles/storage.objectUser'],
    ]);
  });

  it('gates on the metric inside the workflow and registers in Vertex AI only when it passes', () => {
    const names = workflowSteps(rec).map((s) => Object.keys(s)[0]);
    expect(names).toEqual([
      'init',
      'train',
      'evaluate',
      'readReport',
      'parseReport',
      'qualityGate',
      'registerModel',
      'done',
      'qualityGateFailed',
    ]);
    expect(stepNamed(rec, 'qualityGate')).toEqual({
      switch: [{ condition: '${double(report.metrics["auc"].value) >= 0.8}', next: 'registerModel' }],
      next: 'qualityGateFailed',
    });
    expect(stepNamed(rec, 'train').call).toBe('googleapis.run.v2.projects.locations.jobs.run');
    expect(stepNamed(rec, 'train').args.name).toBe(
      'projects/churn-prod-1/locations/europe-west4/jobs/churn-staging-train',
    );
    expect(stepNamed(rec, 'readReport').args).toEqual({
      bucket: outputs.artifactBucketName,
      object: '${text.url_encode("runs/" + runId + "/evaluation/evaluation.json")}',
      alt: 'media',
    });
    const register = stepNamed(rec, 'registerModel');
    expect(register.try.call).toBe('googleapis.aiplatform.v1.projects.locations.models.upload');
    expect(register.try.args.body.parentModel).toBe(
      'projects/churn-prod-1/locations/europe-west4/models/churn-staging',
    );
    expect(register.try.args.body.model).toMatchObject({
      displayName: 'churn-staging',
      containerSpec: { imageUri: TRAIN_IMAGE },
      encryptionSpec: { kmsKeyName: KEY },
      labels: { 'mlops-pipeline': 'churn-staging', 'mlops-approval': 'pending' },
    });
    expect(stepNamed(rec, 'qualityGateFailed').raise).toMatch(
      /^\$\{"the model did not pass the quality gate on auc/,
    );
  });

  it('waits on each job run for its whole run time plus a margin, polling with back-off', () => {
    // staging: 120 minutes of training; the connector default (1800 s) would give up after 30.
    for (const step of ['train', 'evaluate'])
      expect(stepNamed(rec, step).args.connector_params).toEqual({
        timeout: 7800,
        polling_policy: { initial_delay: 10, multiplier: 1.5, max_delay: 300 },
      });
    expect(stepNamed(rec, 'evaluate').args.name).toBe(
      'projects/churn-prod-1/locations/europe-west4/jobs/churn-staging-evaluate',
    );
  });

  it('parses the metrics file itself when the connector returns it unparsed', () => {
    expect(stepNamed(rec, 'parseReport')).toEqual({
      switch: [
        {
          condition: '${get_type(report) != "map"}',
          steps: [{ decodeReport: { assign: [{ report: '${json.decode(report)}' }] } }],
        },
      ],
    });
    const names = workflowSteps(rec).map((s) => Object.keys(s)[0]);
    expect(names.indexOf('parseReport')).toBe(names.indexOf('readReport') + 1);
    expect(names.indexOf('qualityGate')).toBe(names.indexOf('parseReport') + 1);
  });

  it('creates the model only when it does not exist yet, and raises every other upload error', () => {
    const register = stepNamed(rec, 'registerModel');
    expect(register.except).toEqual({
      as: 'e',
      steps: [
        {
          modelMissing: {
            switch: [
              {
                condition: '${map.get(e, "code") == 404 or map.get(e, ["operation", "error", "code"]) == 5}',
                next: 'registerFirstVersion',
              },
            ],
          },
        },
        { registerFailed: { raise: '${e}' } },
        {
          registerFirstVersion: {
            call: 'googleapis.aiplatform.v1.projects.locations.models.upload',
            args: {
              parent: 'projects/churn-prod-1/locations/europe-west4',
              region: 'europe-west4',
              body: { modelId: 'churn-staging', model: register.try.args.body.model },
            },
            result: 'registered',
          },
        },
      ],
    });
    expect(register.try.result).toBe('registered');
  });

  it('returns the registered model from the upload response, which the connector unwraps', () => {
    expect(stepNamed(rec, 'done')).toEqual({
      return: {
        runId: '${runId}',
        model: '${registered.model}',
        modelVersionId: '${registered.modelVersionId}',
      },
    });
  });

  it('runs the workflow as its own account, encrypted, allowed to run only its two jobs', () => {
    const wf = rec.one(T.workflow).inputs as Json;
    expect(wf).toMatchObject({
      name: 'churn-staging',
      region: 'europe-west4',
      serviceAccount: 'churn-staging-pipe@churn-prod-1.iam.gserviceaccount.com',
      cryptoKeyName: KEY,
    });
    expect(rec.ofType(T.jobIam).map((g) => [g.inputs.name, g.inputs.role, g.inputs.member])).toEqual([
      [
        'churn-staging-train',
        'roles/run.jobsExecutorWithOverrides',
        'serviceAccount:churn-staging-pipe@churn-prod-1.iam.gserviceaccount.com',
      ],
      [
        'churn-staging-evaluate',
        'roles/run.jobsExecutorWithOverrides',
        'serviceAccount:churn-staging-pipe@churn-prod-1.iam.gserviceaccount.com',
      ],
    ]);
    expect(
      rec
        .ofType(T.projectIam)
        .map((g) => [g.name, g.inputs.role])
        .sort(),
    ).toEqual([
      ['churn-pipeline-registers-models', 'roles/aiplatform.user'],
      ['churn-pipeline-watches-jobs', 'projects/churn-prod-1/roles/churn_staging_runOperationsReader'],
      ['churn-pipeline-writes-logs', 'roles/logging.logWriter'],
      ['churn-scheduler-invokes-pipeline', 'roles/workflows.invoker'],
    ]);
    expect(rec.one(T.keyIam, 'churn-workflows-agent-key').inputs.member).toBe(
      'serviceAccount:service-123456789@gcp-sa-workflows.iam.gserviceaccount.com',
    );
  });

  it('schedules retraining with Cloud Scheduler, as a dedicated account that may only start workflows', () => {
    const job = rec.one(T.scheduler).inputs as Json;
    expect(job).toMatchObject({
      name: 'churn-staging-retrain',
      region: 'europe-west4',
      schedule: '0 0 * * *',
      timeZone: 'Etc/UTC',
      httpTarget: {
        httpMethod: 'POST',
        uri: 'https://workflowexecutions.googleapis.com/v1/projects/churn-prod-1/locations/europe-west4/workflows/churn-staging/executions',
        oauthToken: {
          serviceAccountEmail: 'churn-staging-sched@churn-prod-1.iam.gserviceaccount.com',
          scope: 'https://www.googleapis.com/auth/cloud-platform',
        },
      },
    });
    // Workflows does not evaluate IAM conditions on resource.name: a condition would deny every tick.
    const invoker = rec.one(T.projectIam, 'churn-scheduler-invokes-pipeline');
    expect(invoker.inputs).toEqual({
      project: 'churn-prod-1',
      role: 'roles/workflows.invoker',
      member: 'serviceAccount:churn-staging-sched@churn-prod-1.iam.gserviceaccount.com',
    });
    expect(rec.one(T.scheduler).dependencies).toContain(invoker.urn);
    // The scheduler account holds that one role and nothing else.
    const grants = [...rec.ofType(T.projectIam), ...rec.ofType(T.bucketIam), ...rec.ofType(T.jobIam)];
    expect(
      grants
        .filter(
          (g) =>
            g.inputs.member === 'serviceAccount:churn-staging-sched@churn-prod-1.iam.gserviceaccount.com',
        )
        .map((g) => g.name),
    ).toEqual(['churn-scheduler-invokes-pipeline']);
  });

  it('gives a long run the time it needs, within the connector maximum', async () => {
    const r = await recordProgram(
      () =>
        new MlPipeline(
          'churn',
          pipelineArgs(GCP, { training: { image: TRAIN_IMAGE, maxRuntimeMinutes: 10080 } }),
        ),
    );
    expect(r.one(T.job, 'churn-train').inputs.template).toMatchObject({ template: { timeout: '604800s' } });
    for (const step of ['train', 'evaluate'])
      expect(stepNamed(r, step).args.connector_params.timeout).toBe(605400);
  });

  it('exposes the same outputs as every cloud', () => {
    expect(outputs).toEqual({
      dataBucketName: expect.stringMatching(/^churn-staging-data-/),
      dataBucketUri: `gs://${outputs.dataBucketName}/training/`,
      artifactBucketName: expect.stringMatching(/^churn-staging-artifacts-/),
      artifactBucketUri: `gs://${outputs.artifactBucketName}/`,
      containerRegistryUrl: 'europe-west4-docker.pkg.dev/churn-prod-1/churn-staging',
      modelRegistry: 'projects/churn-prod-1/locations/europe-west4/models/churn-staging',
      pipelineName: 'churn-staging',
      pipelineId: 'projects/churn-prod-1/locations/europe-west4/workflows/churn-staging',
      retrainTrigger: 'projects/churn-prod-1/locations/europe-west4/workflows/churn-staging',
      // Each run's baseline sits beside its model, in runs/<run id>/baseline/.
      baselineUri: `gs://${outputs.artifactBucketName}/runs/`,
    });
  });

  it('mustBeatApproved adds the champion to the gate; the workflow finds it, so the trainer gets no Vertex AI role', async () => {
    const r = await recordProgram(
      () =>
        new MlPipeline(
          'churn',
          pipelineArgs(GCP, {
            qualityGate: { metric: 'rmse', comparison: 'less-than', threshold: 3, mustBeatApproved: true },
          }),
        ),
    );
    expect(stepNamed(r, 'qualityGate').switch[0].condition).toBe(
      '${double(report.metrics["rmse"].value) < 3 and (not championFound or double(report.metrics["rmse"].value) < double(report.champion["rmse"].value))}',
    );
    const trainer = 'serviceAccount:churn-dev-train@churn-prod-1.iam.gserviceaccount.com';
    expect(r.ofType(T.bucketIam).filter((g) => g.inputs.member === trainer)).toHaveLength(2);
    expect(r.ofType(T.projectIam).filter((g) => g.inputs.member === trainer)).toEqual([]);
    // dev: no schedule, approved versions.
    expect(r.ofType(T.scheduler)).toHaveLength(0);
    expect(stepNamed(r, 'registerModel').try.args.body.model.labels['mlops-approval']).toBe('approved');
  });
});
