/**
 * The gcp runtime account's model read grants across consecutive deploys of the staging stack (review findings 1
 * and 2). Each grant is named and titled after the model folder it reads, so a folder keeps one resource with the
 * same inputs from deploy to deploy: a canary's stable release keeps the grant it had while it was the served one,
 * and no two grant resources hold the same binding (role + member + condition), which deleting either would remove.
 * With Cloud Deploy in release mode the account reads the folder holding the release folders, so a canary or a
 * rollback to an earlier release keeps reading its model after `pulumi up` moved the endpoint on.
 */
import * as path from 'node:path';
import { MlPipeline, ModelEndpoint } from '../../lib';
import { readProject, readStackConfig } from '../../lib/cli/stack-config';
import { recordProgram, type Recording } from '../../lib/testing';
import { churnSystem } from '../../stacks/pulumi/system';
import { GCP_STAGING } from '../helpers';
import { pipelineArgs } from '../ml-pipeline/fixtures';

const ROOT = path.resolve(__dirname, '..', '..');
const project = readProject(ROOT);
const staging = readStackConfig(project, 'staging') as Record<string, any>;
const v3 = staging['mlops:release'];
const BUCKET = 'churn-training-staging-artifacts-b6489b';
const RUNTIME = 'serviceAccount:churn-staging-run@churn-staging-4821.iam.gserviceaccount.com';
const BUCKET_IAM = 'gcp:storage/bucketIAMMember:BucketIAMMember';
const v4 = {
  ...v3,
  version: 'v4',
  model: { artifact: { uri: `gs://${BUCKET}/releases/v4/model/`, sha256: `sha256:${'1f'.repeat(32)}` } },
};

const deploy = (config: Record<string, unknown>) =>
  recordProgram(() => churnSystem(), { project: project.name, stack: 'staging', config });

/** Every model read grant of the endpoint, by resource name: its bucket, role, member and condition. */
function readGrants(rec: Recording): Record<string, unknown> {
  return Object.fromEntries(
    rec
      .ofType(BUCKET_IAM)
      .filter((g) => g.name.startsWith('churn-read-model'))
      .map((g) => [g.name, g.inputs]),
  );
}

/** The grant of one folder: read objects under it and list inside it. */
const folderGrant = (id: string, prefix: string) => ({
  bucket: BUCKET,
  role: 'roles/storage.objectViewer',
  member: RUNTIME,
  condition: {
    title: `model-folder-${id}`,
    description: `Only objects under gs://${BUCKET}/${prefix}`,
    expression:
      `resource.name.startsWith("projects/_/buckets/${BUCKET}/objects/${prefix}") || ` +
      `api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("${prefix}")`,
  },
});

// 8 hex digits of sha256 of the folder's `gs://` URL (see modelFolderId).
const V3_GRANT = folderGrant('7e50b8aa', 'releases/v3/model/');
const V4_GRANT = folderGrant('af2ff0ae', 'releases/v4/model/');

/** Bindings that two grant resources of one deploy would share: role + member + bucket + condition. */
function sharedBindings(rec: Recording): string[] {
  const seen = new Map<string, string>();
  const shared: string[] = [];
  for (const g of rec.ofType(BUCKET_IAM)) {
    const { bucket, role, member, condition } = g.inputs as Record<string, unknown>;
    const key = JSON.stringify([bucket, role, member, condition ?? null]);
    if (seen.has(key)) shared.push(`${seen.get(key)} and ${g.name}`);
    else seen.set(key, g.name);
  }
  return shared;
}

test('a canary keeps the stable release’s grant as it was, adds the new release’s, and the end of the canary removes the old one', async () => {
  const canary = { strategy: 'canary', canaryPercent: 10 };
  // Deploy 1 serves v3.
  const first = await deploy({ ...staging, 'churn:rollout': canary });
  expect(readGrants(first)).toEqual({ 'churn-read-model-7e50b8aa': V3_GRANT });
  // Deploy 2 serves v4 beside the stable v3: v3's grant is the same resource with the same inputs (no replacement,
  // nothing deleted), v4's is a new one.
  const second = await deploy({
    ...staging,
    'mlops:release': v4,
    'mlops:stableRelease': v3,
    'churn:rollout': canary,
  });
  expect(readGrants(second)).toEqual({
    'churn-read-model-af2ff0ae': V4_GRANT,
    'churn-read-model-7e50b8aa': V3_GRANT,
  });
  // Deploy 3 ends the canary (`mlops release finish` removed mlops:stableRelease): only v4's grant is left, so
  // v3's resource is deleted and with it v3's binding, which no other resource stands for.
  const third = await deploy({ ...staging, 'mlops:release': v4, 'churn:rollout': canary });
  expect(readGrants(third)).toEqual({ 'churn-read-model-af2ff0ae': V4_GRANT });
  for (const rec of [first, second, third]) expect(sharedBindings(rec)).toEqual([]);
});

test('a canary whose stable release serves the same folder keeps one grant: one resource per binding', async () => {
  const rec = await deploy({
    ...staging,
    'mlops:release': { ...v3, version: 'v3b' },
    'mlops:stableRelease': v3,
    'churn:rollout': { strategy: 'canary', canaryPercent: 10 },
  });
  expect(readGrants(rec)).toEqual({ 'churn-read-model-7e50b8aa': V3_GRANT });
});

describe('Cloud Deploy in release mode', () => {
  /** The staging pipeline and an endpoint whose rollouts Cloud Deploy runs, serving the stack's release. */
  const cloudDeploy = (config: Record<string, unknown>) =>
    recordProgram(
      () => {
        const pipeline = new MlPipeline('churn-training', pipelineArgs(GCP_STAGING));
        // No MonitoringStack here to gate the rollout on: no automatic rollback.
        new ModelEndpoint('churn', {
          platform: GCP_STAGING,
          pipeline,
          gcp: { rollout: 'cloud-deploy' },
          rollout: { autoRollback: false },
        });
      },
      { stack: 'staging', config },
    );

  test('the account reads the folder holding every release (releases/), one grant kept from release to release', async () => {
    const first = await cloudDeploy({ 'mlops:release': { ...v3 } });
    const second = await cloudDeploy({ 'mlops:release': v4 });
    const bucket = first.one('gcp:storage/bucket:Bucket', 'churn-training-artifacts').inputs.name as string;
    expect(bucket).toBe(BUCKET);
    // Cloud Deploy, not `pulumi up`, shifts traffic: its canary still serves v3, and a rollback may serve it again.
    const releases = { 'churn-read-model-9da50716': folderGrant('9da50716', 'releases/') };
    expect(readGrants(first)).toEqual(releases);
    expect(readGrants(second)).toEqual(releases);
    const service = second.one('gcp:cloudrunv2/service:Service').inputs as any;
    expect(service.template.containers[0].envs).toContainEqual({
      name: 'MODEL_DATA_URL',
      value: `gs://${BUCKET}/releases/v4/model/`,
    });
  });

  test('a schema 0 release (runs/<id>/model/ in the pipeline bucket): the account reads runs/', async () => {
    const rec = await cloudDeploy({
      'mlops:release': { version: 'v3', image: v3.image, modelPath: 'runs/run-3/model/' },
    });
    const bucket = rec.one('gcp:storage/bucket:Bucket', 'churn-training-artifacts').inputs.name as string;
    const grants = rec.ofType(BUCKET_IAM).filter((g) => g.name.startsWith('churn-read-model'));
    expect(grants).toHaveLength(1);
    expect(grants[0].inputs.bucket).toBe(bucket);
    expect((grants[0].inputs.condition as { expression: string }).expression).toBe(
      `resource.name.startsWith("projects/_/buckets/${bucket}/objects/runs/") || ` +
        'api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("runs/")',
    );
  });
});
