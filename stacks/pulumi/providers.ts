/**
 * The stage's cloud account or project, as an explicit provider: each stack deploys into the account (aws) or
 * project (gcp) its stack file names and nowhere else, whatever the ambient credentials' default is. The stack
 * files also set `pulumi:disable-default-providers`, so a resource that missed this provider fails instead.
 *
 * - aws: `aws:region`; `churn:awsAccountId` (required: the provider refuses credentials of any other account);
 *   `churn:deployRoleArn` (optional: the role `pulumi up` assumes in that account; default the caller's own).
 * - gcp: `gcp:project`, `gcp:region`; `churn:deployServiceAccount` (optional: the service account `pulumi up`
 *   impersonates; default the caller's own credentials).
 * - docker: the local daemon; no provider.
 *
 * Each cloud's SDK is loaded only on that cloud (a gcp stack never loads @pulumi/aws, and the reverse).
 */
import * as pulumi from '@pulumi/pulumi';

/** The providers every construct of the stack gets (`{ providers }`; children inherit them through `parent`). */
export function stageProviders(cloud: string | undefined, config: pulumi.Config): pulumi.ProviderResource[] {
  if (cloud === 'aws') return [awsProvider(config)];
  if (cloud === 'gcp') return [gcpProvider(config)];
  return [];
}

/* eslint-disable @typescript-eslint/no-require-imports */
function awsProvider(config: pulumi.Config): pulumi.ProviderResource {
  const aws = require('@pulumi/aws') as typeof import('@pulumi/aws');
  const roleArn = config.get('deployRoleArn');
  return new aws.Provider('churn-aws', {
    region: new pulumi.Config('aws').require('region'),
    allowedAccountIds: [config.require('awsAccountId')],
    assumeRoles: roleArn ? [{ roleArn, sessionName: `churn-${pulumi.getStack()}-deploy` }] : undefined,
  });
}

function gcpProvider(config: pulumi.Config): pulumi.ProviderResource {
  const gcp = require('@pulumi/gcp') as typeof import('@pulumi/gcp');
  const gcpConfig = new pulumi.Config('gcp');
  return new gcp.Provider('churn-gcp', {
    project: gcpConfig.require('project'),
    region: gcpConfig.require('region'),
    impersonateServiceAccount: config.get('deployServiceAccount'),
  });
}
/* eslint-enable @typescript-eslint/no-require-imports */
