/**
 * ARCHITECTURE rule 9: a construct loads only its target cloud's renderer. The whole reference program on gcp
 * (pipeline, endpoint, monitoring) never loads the AWS or Docker providers.
 */
import * as path from 'node:path';
import { readProject, readStackConfig } from '../../lib/cli/stack-config';
import { recordProgram } from '../../lib/testing';
import { churnSystem } from '../../stacks/pulumi/system';

test('the gcp stack never loads @pulumi/aws or @pulumi/docker', async () => {
  const project = readProject(path.resolve(__dirname, '..', '..'));
  const rec = await recordProgram(() => churnSystem(), {
    project: project.name,
    stack: 'staging',
    config: readStackConfig(project, 'staging'),
  });
  expect(rec.ofType('mlops:index:MonitoringStack')).toHaveLength(1);
  const loaded = Object.keys(require.cache);
  expect(loaded.filter((p) => /[\\/]@pulumi[\\/](aws|docker)[\\/]/.test(p))).toEqual([]);
  expect(loaded.some((p) => /[\\/]monitoring-stack[\\/]pulumi-gcp\.ts$/.test(p))).toBe(true);
});
