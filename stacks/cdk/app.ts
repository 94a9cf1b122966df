// The CDK app (`cdk.json` runs it): synthesizes the reference system with cdk-nag's AwsSolutions checks and
// the AWS Control Tower rules (cfn-guard) on, beside CDK's built-in CloudFormation validation.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readProject, readStackConfig } from '../../lib/cli/stack-config';
import type { Release, TrainingConfig } from '../pulumi/system';
import { ChurnStack } from './churn-stack';

const root = path.resolve(__dirname, '..', '..', '..');
const projectRoot = existsSync(path.join(root, 'Pulumi.yaml')) ? root : path.resolve(__dirname, '..', '..');
const prod = readStackConfig(readProject(projectRoot), 'prod');

const app = new App();
new ChurnStack(app, 'churn-prod', {
  release: prod['churn:release'] as Release,
  training: prod['churn:training'] as TrainingConfig,
  invokers: prod['churn:invokers'] as string[] | undefined,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new CfnGuardValidator());
app.synth();
