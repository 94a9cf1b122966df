/**
 * The staging stack (gcp) on a fresh project: its images come from a repository that exists before the deploy,
 * never from the registry the same deploy creates; and its first deploy, before any model is trained, leaves the
 * release out and gets the pipeline alone.
 */
import * as path from 'node:path';
import { readProject, readStackConfig } from '../../lib/cli/stack-config';
import { recordProgram, type Recording } from '../../lib/testing';
import { churnSystem } from '../../stacks/pulumi/system';

const ROOT = path.resolve(__dirname, '..', '..');
const project = readProject(ROOT);
const staging = readStackConfig(project, 'staging');

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

test('staging runs images from the releases repository, not from the registry the same deploy creates', async () => {
  const rec = await record(staging);
  const repository = rec.one('gcp:artifactregistry/repository:Repository').inputs;
  const own = `europe-west4-docker.pkg.dev/churn-staging-4821/${repository.repositoryId}/`;
  const used = images(rec);
  // Training, evaluation, serving, and the MonitoringStack's drift job.
  expect(used).toHaveLength(4);
  for (const image of used) {
    expect(image.startsWith(own)).toBe(false);
    expect(image).toMatch(
      /^europe-west4-docker\.pkg\.dev\/churn-staging-4821\/releases\/(train|serving|drift)@sha256:/,
    );
  }
});

test('a first deploy without a release: the pipeline and its APIs, no endpoint yet', async () => {
  const { 'churn:release': _release, ...firstDeploy } = staging;
  expect(_release).toBeDefined();
  const rec = await record(firstDeploy);
  expect(rec.ofType('gcp:cloudrunv2/service:Service')).toEqual([]);
  expect(rec.ofType('mlops:index:ModelEndpoint')).toEqual([]);
  expect(
    rec
      .ofType('gcp:cloudrunv2/job:Job')
      .map((j) => j.name)
      .sort(),
  ).toEqual(['churn-training-evaluate', 'churn-training-train']);
  expect(rec.ofType('gcp:projects/service:Service').length).toBeGreaterThan(0);
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

test('staging serves the model a workflow run registered (runs/<execution id>/model/), and reads that run only', async () => {
  const rec = await record(staging);
  const { url, grants, bucket } = servedAndGranted(rec);
  const run = 'runs/3f9c2a71-5b8e-4d06-a1c4-7e2b9d5f0c38/model/';
  // The path the gcp workflow registers a model at (gcp-facts: `gs://<artifact bucket>/runs/` + runId + `/model/`).
  expect(url).toBe(`gs://${bucket}/${run}`);
  expect(grants).toEqual({ 'churn-read-model-access': [bucket, readOnly(bucket, run)] });
});

test('a gcp canary: the stable revision keeps reading its own run, the new one reads its run', async () => {
  const rec = await record({
    ...staging,
    'churn:release': {
      ...(staging['churn:release'] as object),
      version: 'v4',
      modelPath: 'runs/exec-4/model',
    },
    'churn:stableRelease': { version: 'v3', modelPath: 'runs/exec-3/model/' },
    'churn:rollout': { strategy: 'canary', canaryPercent: 10 },
  });
  const { url, grants, bucket } = servedAndGranted(rec);
  expect(url).toBe(`gs://${bucket}/runs/exec-4/model/`);
  expect(grants).toEqual({
    'churn-read-model-access': [bucket, readOnly(bucket, 'runs/exec-4/model/')],
    'churn-read-model-stable': [bucket, readOnly(bucket, 'runs/exec-3/model/')],
  });
});

test('a gcp canary without the stable release model path is refused: nothing could grant the model it keeps loading', async () => {
  await expect(
    record({
      ...staging,
      'churn:release': { ...(staging['churn:release'] as object), version: 'v4' },
      'churn:stableRelease': { version: 'v3' },
      'churn:rollout': { strategy: 'canary', canaryPercent: 10 },
    }),
  ).rejects.toThrow(
    'churn:stableRelease.modelPath is required on gcp: the stable revision keeps loading its model (runs/<execution id>/model/), so the endpoint must keep granting it',
  );
});
