/**
 * The staging stack (gcp) on a fresh project: what its first deploy runs comes from a repository that exists before
 * the deploy, never from the registry the same deploy creates; that first deploy, before any release is promoted,
 * creates the pipeline and serves nothing; and the release promotion brings is served from the stack's own stores
 * (the pipeline's repository and artifact bucket, which exist from the first deploy on).
 */
import * as path from 'node:path';
import { readProject, readStackConfig } from '../../lib/cli/stack-config';
import { recordProgram, type Recording } from '../../lib/testing';
import { churnSystem } from '../../stacks/pulumi/system';

const ROOT = path.resolve(__dirname, '..', '..');
const project = readProject(ROOT);
const staging = readStackConfig(project, 'staging');
const { 'mlops:release': release, ...firstDeploy } = staging as Record<string, any>;
const BUCKET = 'churn-training-staging-artifacts-b6489b';

const record = (config: Record<string, unknown>) =>
  recordProgram(() => churnSystem(), { project: project.name, stack: 'staging', config });

/** Every container image the recording's Cloud Run jobs and services run. */
function images(rec: Recording): string[] {
  const jobs = rec
    .ofType('gcp:cloudrunv2/job:Job')
    .map((j) => (j.inputs as any).template.template.containers[0].image as string);
  const services = rec
    .ofType('gcp:cloudrunv2/service:Service')
    .map((s) => (s.inputs as any).template.containers[0].image as string);
  return [...jobs, ...services];
}

test('the first deploy runs images from the releases repository, not from the registry it creates', async () => {
  const rec = await record(firstDeploy);
  const repository = rec.one('gcp:artifactregistry/repository:Repository').inputs;
  expect(repository.repositoryId).toBe('churn-training-staging');
  const own = `europe-west4-docker.pkg.dev/churn-staging-4821/${repository.repositoryId}/`;
  const used = images(rec);
  // Training and evaluation; nothing serves and no drift job runs before a release.
  expect(used).toHaveLength(2);
  for (const image of used) {
    expect(image.startsWith(own)).toBe(false);
    expect(image).toMatch(/^europe-west4-docker\.pkg\.dev\/churn-staging-4821\/releases\/train@sha256:/);
  }
});

test('a first deploy without a release: the pipeline and its APIs, an endpoint that waits and says so', async () => {
  expect(release).toBeDefined();
  const rec = await record(firstDeploy);
  expect(rec.ofType('gcp:cloudrunv2/service:Service')).toEqual([]);
  const [endpoint] = rec.ofType('mlops:index:ModelEndpoint');
  expect(rec.resources.filter((r) => r.parent === endpoint.urn)).toEqual([]);
  expect(rec.outputs.releaseStatus).toBe(
    'awaiting release: no mlops:release in stack staging; promote one with `npx mlops promote --from <source stack> --to staging` or set the first with `npx mlops release set --stack staging --file release.yaml`',
  );
  expect(
    rec
      .ofType('gcp:cloudrunv2/job:Job')
      .map((j) => j.name)
      .sort(),
  ).toEqual(['churn-training-evaluate', 'churn-training-train']);
  expect(rec.ofType('gcp:projects/service:Service').length).toBeGreaterThan(0);
});

test('the promoted release is served from the stack’s own stores: the pipeline’s repository and artifact bucket', async () => {
  const rec = await record(staging);
  const bucket = rec.one('gcp:storage/bucket:Bucket', 'churn-training-artifacts').inputs.name;
  expect(bucket).toBe(BUCKET);
  const service = rec.one('gcp:cloudrunv2/service:Service').inputs as any;
  expect(service.template.containers[0].image).toBe(release.image);
  expect(release.image).toMatch(
    /^europe-west4-docker\.pkg\.dev\/churn-staging-4821\/churn-training-staging\/serving@sha256:[0-9a-f]{64}$/,
  );
});

/** The served model's env URL, and each model read grant's bucket and condition expression. */
function servedAndGranted(rec: Recording) {
  const service = rec.one('gcp:cloudrunv2/service:Service').inputs as any;
  const url = (service.template.containers[0].envs as { name: string; value: string }[]).find(
    (e) => e.name === 'MODEL_DATA_URL',
  )!.value;
  const grants = Object.fromEntries(
    rec
      .ofType('gcp:storage/bucketIAMMember:BucketIAMMember')
      .filter((g) => g.name.startsWith('churn-read-model'))
      .map((g) => [g.name, [g.inputs.bucket, (g.inputs.condition as { expression: string }).expression]]),
  );
  const bucket = rec.one('gcp:storage/bucket:Bucket', 'churn-training-artifacts').inputs.name as string;
  return { url, grants, bucket };
}

const readOnly = (bucket: string, prefix: string) =>
  `resource.name.startsWith("projects/_/buckets/${bucket}/objects/${prefix}") || ` +
  `api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("${prefix}")`;

test('staging serves the release’s model folder (releases/<version>/model/) and reads that folder only', async () => {
  const rec = await record(staging);
  const { url, grants, bucket } = servedAndGranted(rec);
  expect(url).toBe(`gs://${BUCKET}/releases/v3/model/`);
  expect(url).toBe(release.model.artifact.uri);
  // Named after the folder: 8 hex digits of sha256 of `gs://<bucket>/releases/v3/model/`.
  expect(grants).toEqual({ 'churn-read-model-7e50b8aa': [bucket, readOnly(bucket, 'releases/v3/model/')] });
});

test('a gcp canary (mlops:stableRelease): the stable revision keeps reading its release, the new one reads its own', async () => {
  const next = {
    ...release,
    version: 'v4',
    model: { artifact: { uri: `gs://${BUCKET}/releases/v4/model/`, sha256: `sha256:${'1f'.repeat(32)}` } },
  };
  const rec = await record({
    ...staging,
    'mlops:release': next,
    'mlops:stableRelease': release,
    'churn:rollout': { strategy: 'canary', canaryPercent: 10 },
  });
  const { url, grants, bucket } = servedAndGranted(rec);
  expect(url).toBe(`gs://${bucket}/releases/v4/model/`);
  expect(grants).toEqual({
    'churn-read-model-af2ff0ae': [bucket, readOnly(bucket, 'releases/v4/model/')],
    'churn-read-model-7e50b8aa': [bucket, readOnly(bucket, 'releases/v3/model/')],
  });
});

test('a gcp canary whose stable release names no model is refused: nothing could grant the model it keeps loading', async () => {
  const modelless = { ...release, model: undefined };
  await expect(
    record({
      ...staging,
      'mlops:release': { ...release, version: 'v4' },
      'mlops:stableRelease': modelless,
      'churn:rollout': { strategy: 'canary', canaryPercent: 10 },
    }),
  ).rejects.toThrow(/mlops:stableRelease[\s\S]*model/);
});
