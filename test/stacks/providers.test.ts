/**
 * Each stage deploys into its own account (aws) or project (gcp) through one explicit provider the program creates
 * from the stack file, and every resource and provider call of the constructs goes through it: none falls back to a
 * default provider configured by whatever credentials are ambient.
 */
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { readProject, readStackConfig } from '../../lib/cli/stack-config';
import { recordProgram } from '../../lib/testing';
import { churnSystem } from '../../stacks/pulumi/system';

const project = readProject(path.resolve(__dirname, '..', '..'));

/** Records a stack, noting the provider of every resource registration and provider call. */
async function withProviders(stack: string, extra: Record<string, unknown> = {}) {
  const registered: { type: string; name: string; provider?: pulumi.ProviderResource }[] = [];
  const invoked: { token: string; provider?: pulumi.ProviderResource }[] = [];
  const rec = await recordProgram(
    () => {
      pulumi.runtime.registerResourceTransform((args) => {
        registered.push({ type: args.type, name: args.name, provider: providerOf(args.opts) });
        return undefined;
      });
      pulumi.runtime.registerInvokeTransform((args) => {
        invoked.push({ token: args.token, provider: providerOf(args.opts) });
        return undefined;
      });
      return churnSystem();
    },
    { project: project.name, stack, config: { ...readStackConfig(project, stack), ...extra } },
  );
  return { rec, registered, invoked };
}

/** The explicit provider a transform sees (the program's provider object), or undefined for the default one. */
function providerOf(opts: { provider?: unknown }): pulumi.ProviderResource | undefined {
  return opts.provider as pulumi.ProviderResource | undefined;
}

/** The URNs of the providers used: `default` where none was given. */
async function urnsOf(used: { provider?: pulumi.ProviderResource }[]): Promise<string[]> {
  const distinct = [...new Set(used.map((u) => u.provider))];
  const urns = await Promise.all(
    distinct.map((p) =>
      p === undefined ? 'default' : (p.urn as unknown as { promise(): Promise<string> }).promise(),
    ),
  );
  return [...new Set(urns)].sort();
}

test('prod: one aws provider pinned to the region and account of the stack file, used by every aws resource and call', async () => {
  const { rec, registered, invoked } = await withProviders('prod');
  const [provider] = rec.ofType('pulumi:providers:aws');
  expect(provider.urn).toBe('urn:pulumi:prod::churn::pulumi:providers:aws::churn-aws');
  expect(provider.inputs).toMatchObject({ region: 'eu-west-1', allowedAccountIds: '["123456789012"]' });
  expect(provider.inputs.assumeRoles).toBeUndefined();
  const aws = registered.filter((r) => r.type.startsWith('aws:'));
  expect(aws.length).toBeGreaterThan(50);
  expect(await urnsOf(aws)).toEqual([provider.urn]);
  const calls = invoked.filter((c) => c.token.startsWith('aws:'));
  expect(calls.length).toBeGreaterThan(0);
  expect(await urnsOf(calls)).toEqual([provider.urn]);
});

test('prod with churn:deployRoleArn: the provider assumes the stage’s deploy role', async () => {
  const roleArn = 'arn:aws:iam::123456789012:role/churn-deploy';
  const { rec } = await withProviders('prod', { 'churn:deployRoleArn': roleArn });
  expect(JSON.parse(rec.one('pulumi:providers:aws').inputs.assumeRoles as string)).toEqual([
    { roleArn, sessionName: 'churn-prod-deploy' },
  ]);
});

test('prod without churn:awsAccountId is refused: the account is what keeps prod out of other accounts', async () => {
  const config = { ...readStackConfig(project, 'prod') };
  delete config['churn:awsAccountId'];
  await expect(
    recordProgram(() => churnSystem(), { project: project.name, stack: 'prod', config }),
  ).rejects.toThrow("Missing required configuration variable 'churn:awsAccountId'");
});

test('staging: one gcp provider on the project and region of the stack file, used by every gcp resource and call', async () => {
  const { rec, registered, invoked } = await withProviders('staging');
  const [provider] = rec.ofType('pulumi:providers:gcp');
  expect(provider.urn).toBe('urn:pulumi:staging::churn::pulumi:providers:gcp::churn-gcp');
  expect(provider.inputs).toMatchObject({ project: 'churn-staging-4821', region: 'europe-west4' });
  expect(provider.inputs.impersonateServiceAccount).toBeUndefined();
  const gcp = registered.filter((r) => r.type.startsWith('gcp:'));
  expect(gcp.length).toBeGreaterThan(50);
  expect(await urnsOf(gcp)).toEqual([provider.urn]);
  const calls = invoked.filter((c) => c.token.startsWith('gcp:'));
  expect(calls.length).toBeGreaterThan(0);
  expect(await urnsOf(calls)).toEqual([provider.urn]);
  expect(rec.ofType('pulumi:providers:aws')).toEqual([]);
});

test('staging with churn:deployServiceAccount: the provider impersonates it', async () => {
  const account = 'churn-deploy@churn-staging-4821.iam.gserviceaccount.com';
  const { rec } = await withProviders('staging', { 'churn:deployServiceAccount': account });
  expect(rec.one('pulumi:providers:gcp').inputs.impersonateServiceAccount).toBe(account);
});

test('dev (docker): the local engine, no cloud provider', async () => {
  const { rec } = await withProviders('dev');
  expect(rec.resources.filter((r) => r.type.startsWith('pulumi:providers:'))).toEqual([]);
});
