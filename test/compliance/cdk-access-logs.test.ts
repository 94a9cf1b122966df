/**
 * Access-log buckets take S3 server access logs through their bucket policy, never ACLs, whatever the app's
 * `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` flag says: a team's app without the flag passes AWS
 * Control Tower CT.S3.PR.5, and the template is the same with and without it.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { MlPipeline, type MlPipelineProps } from '../../lib/cdk';
import { pipelineArgs } from '../ml-pipeline/fixtures';

const PLATFORM = { cloud: 'aws' as const, region: 'eu-west-1', stage: 'prod' as const };
const FLAG = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

function build(context: Record<string, unknown>) {
  const app = new App({ context });
  const stack = new Stack(app, 'team', { env: { account: '123456789012', region: 'eu-west-1' } });
  new MlPipeline(stack, 'churn-training', pipelineArgs(PLATFORM) as MlPipelineProps);
  return { app, stack };
}

/** Logical id of the one resource whose id starts with the construct path's parts. */
function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0];
}

describe('access-log delivery', () => {
  const without = build({});
  const template = Template.fromStack(without.stack);
  const logs = logicalId(template, 'AWS::S3::Bucket', 'churntrainingAccessLogs');
  const data = logicalId(template, 'AWS::S3::Bucket', 'churntrainingData');
  const artifacts = logicalId(template, 'AWS::S3::Bucket', 'churntrainingArtifacts');

  test('the flag is off in this app (CDK default for apps that do not set it)', () => {
    expect(without.app.node.tryGetContext(FLAG)).toBeUndefined();
  });

  test('the log bucket has no ACL and enforces bucket-owner ownership', () => {
    const bucket = template.toJSON().Resources[logs].Properties;
    expect(bucket.AccessControl).toBeUndefined();
    expect(bucket.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(bucket.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
  });

  test('each logged bucket writes under its own prefix, and the log policy admits exactly that bucket there', () => {
    const resources = template.toJSON().Resources;
    expect(resources[data].Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logs },
      LogFilePrefix: 'Data/',
    });
    expect(resources[artifacts].Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logs },
      LogFilePrefix: 'Artifacts/',
    });
    const policyId = logicalId(template, 'AWS::S3::BucketPolicy', 'churntrainingAccessLogsPolicy');
    const statements = resources[policyId].Properties.PolicyDocument.Statement;
    const delivery = (source: string, prefix: string) => ({
      Effect: 'Allow',
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logs, 'Arn'] }, `/${prefix}*`]] },
      Condition: {
        ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [source, 'Arn'] } },
        StringEquals: { 'aws:SourceAccount': '123456789012' },
      },
    });
    expect(statements.filter((s: any) => s.Principal?.Service === 'logging.s3.amazonaws.com')).toEqual([
      delivery(data, 'Data/'),
      delivery(artifacts, 'Artifacts/'),
    ]);
  });

  test('the template is the same with the flag on', () => {
    const withFlag = build({ [FLAG]: true });
    expect(Template.fromStack(withFlag.stack).toJSON()).toEqual(template.toJSON());
  });

  test('an app without the flag passes the Control Tower rules, CT.S3.PR.5 (no ACLs) included', () => {
    const checked = build({});
    Validations.of(checked.app).addPlugins(new CfnGuardValidator());
    const assembly = checked.app.synth();
    const report = JSON.parse(readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports.map((r: any) => [r.pluginName, r.conclusion])).toEqual([
      ['cdk-validator-cfnguard', 'success'],
    ]);
  }, 300_000);
});
