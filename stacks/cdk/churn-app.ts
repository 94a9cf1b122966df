/**
 * The reference CDK app, built once for `cdk synth` (app.ts) and for the tests: the churn stack in the
 * account and region the `mlops` context and the CDK CLI name, checked by CDK's CloudFormation validator,
 * cdk-nag's AwsSolutions, HIPAA Security and NIST 800-53 R5 packs, and the AWS Control Tower rules. It serves the
 * release of `Pulumi.prod.yaml` (`mlops:release`, as `pulumi up` on prod does) unless CDK context names one
 * (`-c mlops:release='{...}'` or `-c mlops:releaseFile=<file>`); with none it deploys everything but serving.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';
import { readProject, readStackConfig, stackFile } from '../../lib/cli/stack-config';
import { platformFromContext } from '../../lib/core/platform-context';
import { RELEASE_FILE_CONTEXT_KEY } from '../../lib/model-endpoint/cdk-release';
import { RELEASE_CONFIG_KEY } from '../../lib/promotion/release-types';
import type { TrainingConfig } from '../pulumi/system';
import { ChurnStack } from './churn-stack';

/** The project root, whether this runs from the sources or from `dist/`. */
function projectRoot(): string {
  const fromDist = path.resolve(__dirname, '..', '..', '..');
  return existsSync(path.join(fromDist, 'Pulumi.yaml')) ? fromDist : path.resolve(__dirname, '..', '..');
}

/** Every validator the reference app runs, in report order. */
export function securityValidators(app: App) {
  return [
    new AwsSolutionsChecks(app),
    new HIPAASecurityChecks(app),
    new NIST80053R5Checks(app),
    new CfnGuardValidator(),
  ];
}

/**
 * The reference app. `validators: false` leaves the cdk-nag and cfn-guard plugins out, for tests that only
 * need the template (cfn-lint, IAM simulation); CDK's own CloudFormation validation stays on.
 */
export function churnApp(
  props: AppProps = {},
  options: { validators?: boolean } = {},
): { app: App; stack: ChurnStack } {
  const app = new App(props);
  const project = readProject(projectRoot());
  const prod = readStackConfig(project, 'prod');
  // Both engines serve the same release: prod's stack file, unless the context names a release or a file.
  if (
    app.node.tryGetContext(RELEASE_CONFIG_KEY) === undefined &&
    app.node.tryGetContext(RELEASE_FILE_CONTEXT_KEY) === undefined
  ) {
    app.node.setContext(RELEASE_FILE_CONTEXT_KEY, stackFile(project, 'prod'));
  }
  const stack = new ChurnStack(app, 'churn-prod', {
    // The stack deploys where the platform says: the images and grants name that region.
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: platformFromContext(app)?.region },
    training: prod['churn:training'] as TrainingConfig,
    invokers: prod['churn:invokers'] as string[] | undefined,
    alertEmails: prod['churn:alertEmails'] as string[] | undefined,
  });
  if (options.validators ?? true) Validations.of(app).addPlugins(...securityValidators(app));
  return { app, stack };
}
