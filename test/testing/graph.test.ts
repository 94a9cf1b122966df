import * as path from 'node:path';
import { readProject, readStackConfig } from '../../lib/cli/stack-config';
import { criticalPath, recordProgram, roleRaces, type RecordedResource } from '../../lib/testing';
import { churnSystem } from '../../stacks/pulumi/system';

const project = readProject(path.resolve(__dirname, '..', '..'));

function node(
  name: string,
  type: string,
  dependencies: string[] = [],
  propertyDependencies: Record<string, string[]> = {},
): RecordedResource {
  return {
    urn: name,
    type,
    name,
    parent: null,
    dependencies,
    propertyDependencies,
    inputs: {},
    custom: true,
    retainOnDelete: false,
  };
}

describe('dependency graph', () => {
  test('a user of a role that does not wait for its policy is a race', () => {
    const role = node('role', 'aws:iam/role:Role');
    const policy = node('policy', 'aws:iam/rolePolicy:RolePolicy', ['role'], { role: ['role'] });
    const waits = node('model-a', 'aws:sagemaker/model:Model', ['role', 'policy']);
    const races = node('model-b', 'aws:sagemaker/model:Model', ['role']);
    expect(roleRaces([role, policy, waits, races])).toEqual([
      { resource: 'model-b', role: 'role', policy: 'policy' },
    ]);
  });

  test('the critical path is the longest chain by estimated create time', () => {
    const graph = [node('a', 'x'), node('b', 'y', ['a']), node('c', 'z', ['a']), node('d', 'x', ['b', 'c'])];
    const cost: Record<string, number> = { x: 1, y: 10, z: 3 };
    expect(criticalPath(graph, (t) => cost[t])).toEqual({ seconds: 12, path: ['a', 'b', 'd'] });
  });

  test.each(['staging', 'prod'])('the %s reference stack has no role races', async (stack) => {
    const rec = await recordProgram(() => churnSystem(), {
      project: project.name,
      stack,
      config: readStackConfig(project, stack),
    });
    expect(roleRaces(rec.resources)).toEqual([]);
  });
});
