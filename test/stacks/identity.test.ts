/**
 * Resource identities are public API: a changed URN or logical id replaces a user's endpoint or bucket.
 * These goldens fail on any change; update them only with an alias or a migration note (README).
 * To regenerate after a deliberate change: UPDATE_GOLDENS=1 npx jest test/stacks.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { readProject, readStackConfig } from '../../lib/cli/stack-config';
import { recordProgram } from '../../lib/testing';
import { churnApp } from '../../stacks/cdk/churn-app';
import { churnSystem } from '../../stacks/pulumi/system';
import { CDK_TEST_CONTEXT } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const project = readProject(ROOT);

function golden(name: string, actual: string[]): void {
  const file = path.join(__dirname, '..', 'goldens', `${name}.json`);
  if (process.env.UPDATE_GOLDENS === '1') writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
  if (!existsSync(file))
    throw new Error(`no golden ${file}: run UPDATE_GOLDENS=1 npx jest test/stacks once and commit it`);
  expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}

test.each(['dev', 'staging', 'prod'])('URNs of the %s stack are unchanged', async (stack) => {
  const rec = await recordProgram(() => churnSystem(), {
    project: project.name,
    stack,
    config: readStackConfig(project, stack),
  });
  golden(`pulumi-${stack}-urns`, rec.urns());
});

test('CloudFormation logical ids of the CDK stack are unchanged', () => {
  // The reference app as `cdk synth` builds it (its props from the prod config), without the validator plugins.
  const { app, stack } = churnApp(
    { context: { mlops: { cloud: 'aws', stage: 'prod', region: 'eu-west-1' }, ...CDK_TEST_CONTEXT } },
    { validators: false },
  );
  const template = app.synth().getStackArtifact(stack.artifactId).template as {
    Resources: Record<string, { Type: string }>;
  };
  golden(
    'cdk-prod-logical-ids',
    Object.entries(template.Resources)
      .map(([id, r]) => `${id} ${r.Type}`)
      .sort(),
  );
});
