/**
 * ARCHITECTURE rule 9, the aws side: the whole reference program on aws (its explicit aws provider included) never
 * loads the GCP or Docker providers. A file of its own: jest's module cache is per file.
 */
import * as path from 'node:path';
import { readProject, readStackConfig } from '../../lib/cli/stack-config';
import { recordProgram } from '../../lib/testing';
import { churnSystem } from '../../stacks/pulumi/system';

test('the prod stack never loads @pulumi/gcp or @pulumi/docker', async () => {
  const project = readProject(path.resolve(__dirname, '..', '..'));
  const rec = await recordProgram(() => churnSystem(), {
    project: project.name,
    stack: 'prod',
    config: readStackConfig(project, 'prod'),
  });
  expect(rec.ofType('pulumi:providers:aws')).toHaveLength(1);
  const loaded = Object.keys(require.cache);
  expect(loaded.filter((p) => /[\\/]@pulumi[\\/](gcp|docker)[\\/]/.test(p))).toEqual([]);
  expect(loaded.some((p) => /[\\/]monitoring-stack[\\/]pulumi-aws\.ts$/.test(p))).toBe(true);
});
