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
  expect(used).toHaveLength(3);
  for (const image of used) {
    expect(image.startsWith(own)).toBe(false);
    expect(image).toMatch(
      /^europe-west4-docker\.pkg\.dev\/churn-staging-4821\/releases\/(train|serving)@sha256:/,
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
