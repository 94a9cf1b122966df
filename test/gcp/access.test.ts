/**
 * Who may do what on gcp, for a first deploy and its first runs: the workflow can watch the job runs it starts,
 * the serving account reads only its model's prefix, and a built training image goes into the repository the
 * same deploy creates, after it exists.
 */
import * as path from 'node:path';
import { contextTag } from '../../lib/blocks/build-context';
import { gcsObjectPrefix } from '../../lib/model-endpoint/gcp-facts';
import { MlPipeline } from '../../lib/ml-pipeline/pulumi';
import { ModelEndpoint } from '../../lib/model-endpoint/pulumi';
import { recordProgram } from '../../lib/testing';
import { GCP_STAGING, endpointArgs } from '../helpers';
import { pipelineArgs } from '../ml-pipeline/fixtures';

const IMAGE = 'europe-west4-docker.pkg.dev/churn-shared-4821/releases/serving@sha256:' + 'c'.repeat(64);
const BUCKET_IAM = 'gcp:storage/bucketIAMMember:BucketIAMMember';
/** Physical names derive from the stack; the staging stack's are `churn-staging...`. */
const STACK = { stack: 'staging' };
const RUNTIME = 'serviceAccount:churn-staging-run@churn-staging-4821.iam.gserviceaccount.com';

describe('the pipeline workflow watches the job runs it starts', () => {
  test('a custom role with run.operations.get alone, granted on the project to the pipeline account only', async () => {
    const rec = await recordProgram(
      () => new MlPipeline('churn', pipelineArgs(GCP_STAGING, { registry: { servingImage: IMAGE } })),
      STACK,
    );
    const role = rec.one('gcp:projects/iAMCustomRole:IAMCustomRole');
    expect(role.inputs).toEqual({
      project: 'churn-staging-4821',
      roleId: 'churn_staging_runOperationsReader',
      title: 'Watch Cloud Run job runs of churn-staging',
      description: 'Lets the pipeline workflow poll the job runs it starts (run.operations.get only).',
      permissions: ['run.operations.get'],
      stage: 'GA',
    });
    const grant = rec.one('gcp:projects/iAMMember:IAMMember', 'churn-pipeline-watches-jobs');
    expect(grant.inputs).toEqual({
      project: 'churn-staging-4821',
      role: 'projects/churn-staging-4821/roles/churn_staging_runOperationsReader',
      member: 'serviceAccount:churn-staging-pipe@churn-staging-4821.iam.gserviceaccount.com',
    });
    expect(grant.dependencies).toContain(role.urn);
    // The workflow is created after the account may watch its runs.
    expect(rec.one('gcp:workflows/workflow:Workflow').dependencies).toContain(grant.urn);
    // Starting with overrides stays on each job; nothing else holds the operations role.
    expect(
      rec
        .ofType('gcp:projects/iAMMember:IAMMember')
        .filter((g) => String(g.inputs.role).includes('/roles/churn_')),
    ).toHaveLength(1);
  });
});

describe('the serving account reads only its model', () => {
  const record = (extra: Parameters<typeof endpointArgs>[1]) =>
    recordProgram(
      () => new ModelEndpoint('churn', endpointArgs(GCP_STAGING, { image: IMAGE, ...extra })),
      STACK,
    );

  test('a gs:// model URL: object viewer on that bucket, conditioned on the model prefix for reads and lists', async () => {
    const rec = await record({ modelDataUrl: 'gs://churn-artifacts/models/v3/' });
    expect(rec.one(BUCKET_IAM).inputs).toEqual({
      bucket: 'churn-artifacts',
      role: 'roles/storage.objectViewer',
      member: RUNTIME,
      condition: {
        // Titled after the folder: 8 hex digits of sha256 of `gs://churn-artifacts/models/v3/`.
        title: 'model-folder-5357b3f2',
        description: 'Only objects under gs://churn-artifacts/models/v3/',
        expression:
          'resource.name.startsWith("projects/_/buckets/churn-artifacts/objects/models/v3/") || ' +
          'api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("models/v3/")',
      },
    });
  });

  test('modelAccess with a prefix known only at deploy time (an output bucket) is scoped the same way', async () => {
    const rec = await recordProgram(() => {
      const pipeline = new MlPipeline(
        'churn-training',
        pipelineArgs(GCP_STAGING, { registry: { servingImage: IMAGE } }),
      );
      return new ModelEndpoint(
        'churn',
        endpointArgs(GCP_STAGING, {
          image: IMAGE,
          modelDataUrl: undefined,
          modelAccess: { bucketName: pipeline.artifactBucketName, prefix: 'models/' },
        }),
      );
    }, STACK);
    // Named and titled after the folder (the bucket is known at deploy time only: sha256 of `gs://?/models/`).
    const grant = rec.one(BUCKET_IAM, 'churn-read-model-abfd108e');
    const bucket = rec.one('gcp:storage/bucket:Bucket', 'churn-training-artifacts').inputs.name as string;
    expect(grant.inputs.bucket).toBe(bucket);
    expect(grant.inputs.condition).toEqual({
      title: 'model-folder-abfd108e',
      description: `Only objects under gs://${bucket}/models/`,
      expression:
        `resource.name.startsWith("projects/_/buckets/${bucket}/objects/models/") || ` +
        'api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("models/")',
    });
    // The pipeline's buckets have uniform bucket-level access, which conditional grants need.
    expect(
      rec.one('gcp:storage/bucket:Bucket', 'churn-training-artifacts').inputs.uniformBucketLevelAccess,
    ).toBe(true);
  });

  test('a model directory without a trailing slash is granted as a directory: runs/x/model-old/ stays unreadable', async () => {
    const rec = await record({ modelDataUrl: 'gs://churn-artifacts/runs/x/model' });
    expect((rec.one(BUCKET_IAM).inputs.condition as { expression: string }).expression).toBe(
      'resource.name.startsWith("projects/_/buckets/churn-artifacts/objects/runs/x/model/") || ' +
        'api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("runs/x/model/")',
    );
  });

  test('a whole bucket stays unconditioned, as asked', async () => {
    const rec = await record({ modelDataUrl: undefined, modelAccess: { bucketName: 'churn-models' } });
    expect(rec.one(BUCKET_IAM).inputs).toEqual({
      bucket: 'churn-models',
      role: 'roles/storage.objectViewer',
      member: RUNTIME,
    });
  });
});

describe('a training image built by the construct', () => {
  test('is pushed to the repository of the same deploy only after the repository exists', async () => {
    const context = 'templates/training';
    const rec = await recordProgram(
      () =>
        new MlPipeline(
          'churn',
          pipelineArgs(GCP_STAGING, {
            training: { build: { context }, command: ['python', 'train.py'] },
            evaluation: { command: ['python', 'evaluate.py'] },
          }),
        ),
      STACK,
    );
    const image = rec.one('docker:index/image:Image');
    const repository = rec.one('gcp:artifactregistry/repository:Repository');
    expect(image.dependencies).toContain(repository.urn);
    const tag = contextTag(path.resolve(context), path.resolve(context, 'Dockerfile'), {
      target: undefined,
      buildArgs: {},
    });
    expect(image.inputs.imageName).toBe(
      `europe-west4-docker.pkg.dev/churn-staging-4821/churn-staging/training:${tag}`,
    );
    // The job runs the pushed digest, so it is created after the push.
    expect(rec.one('gcp:cloudrunv2/job:Job', 'churn-train').dependencies).toContain(image.urn);
  });
});

describe('gcsObjectPrefix', () => {
  test('splits a gs:// URL into bucket and prefix; a bare bucket is the whole bucket; other URLs are not GCS', () => {
    expect(gcsObjectPrefix('gs://churn-artifacts/models/v3/')).toEqual({
      bucket: 'churn-artifacts',
      prefix: 'models/v3/',
    });
    expect(gcsObjectPrefix('gs://churn-artifacts')).toEqual({ bucket: 'churn-artifacts', prefix: undefined });
    expect(gcsObjectPrefix('gs://churn-artifacts/')).toEqual({
      bucket: 'churn-artifacts',
      prefix: undefined,
    });
    expect(gcsObjectPrefix('gs://churn-artifacts/runs/x/model')).toEqual({
      bucket: 'churn-artifacts',
      prefix: 'runs/x/model/',
    });
    expect(gcsObjectPrefix('gs://churn-artifacts/runs/x/model/model.json')?.prefix).toBe(
      'runs/x/model/model.json',
    );
    expect(gcsObjectPrefix('gs://churn-artifacts/runs/x/model.tar.gz')?.prefix).toBe('runs/x/model.tar.gz');
    expect(gcsObjectPrefix('s3://churn-artifacts/models/')).toBeUndefined();
    expect(gcsObjectPrefix(undefined)).toBeUndefined();
  });
});
