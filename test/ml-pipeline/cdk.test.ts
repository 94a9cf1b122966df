import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { MlPipeline as PulumiMlPipeline } from '../../lib';
import { MlPipeline, type MlPipelineProps } from '../../lib/cdk';
import { recordProgram } from '../../lib/testing';
import { CDK_TEST_CONTEXT, addSecurityValidators } from '../helpers';
import { pipelineArgs } from './fixtures';

const PROD = { cloud: 'aws' as const, region: 'eu-west-1', stage: 'prod' as const };
const STAGING = { ...PROD, stage: 'staging' as const };

function build(props: MlPipelineProps) {
  const app = new App({ context: CDK_TEST_CONTEXT });
  const stack = new Stack(app, 'churn', { env: { account: '123456789012', region: 'eu-west-1' } });
  const pipeline = new MlPipeline(stack, 'churn-training', props);
  return { app, stack, pipeline };
}

/** The pipeline definition as CloudFormation will write it, with references shown as `<LogicalId>`. */
function definitionOf(template: Template): any {
  const [resource] = Object.values(template.findResources('AWS::SageMaker::Pipeline')) as any[];
  const body = resource.Properties.PipelineDefinition.PipelineDefinitionBody;
  const render = (part: any): string => {
    if (typeof part === 'string') return part;
    if (part.Ref) return `<${part.Ref}>`;
    if (part['Fn::GetAtt']) return `<${part['Fn::GetAtt'].join('.')}>`;
    if (part['Fn::Join']) return part['Fn::Join'][1].map(render).join(part['Fn::Join'][0]);
    throw new Error(`unexpected part ${JSON.stringify(part)}`);
  };
  return JSON.parse(render(body));
}

describe('CDK MlPipeline', () => {
  const { pipeline, stack } = build(pipelineArgs(STAGING) as MlPipelineProps);
  const template = Template.fromStack(stack);

  test('node.defaultChild is the SageMaker pipeline, whose definition trains, evaluates, gates, then registers or fails', () => {
    expect(pipeline.node.defaultChild).toBe(pipeline.pipeline);
    const definition = definitionOf(template);
    // No experiment tracking: it would need experiment and trial permissions on every run.
    expect(Object.keys(definition)).toEqual(['Version', 'Metadata', 'Parameters', 'Steps']);
    expect(definition.Steps.map((s: any) => [s.Name, s.Type])).toEqual([
      ['DataQualityBaseline', 'QualityCheck'],
      ['Train', 'Training'],
      ['Evaluate', 'Processing'],
      ['QualityGate', 'Condition'],
    ]);
    const byName = (name: string) => definition.Steps.find((s: any) => s.Name === name);
    const gate = byName('QualityGate').Arguments;
    expect(gate.Conditions).toEqual([
      {
        Type: 'GreaterThanOrEqualTo',
        LeftValue: {
          'Std:JsonGet': {
            PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.EvaluationReport' },
            Path: 'metrics.auc.value',
          },
        },
        RightValue: { Get: 'Parameters.QualityThreshold' },
      },
    ]);
    expect(gate.IfSteps.map((s: any) => s.Type)).toEqual(['RegisterModel']);
    expect(gate.ElseSteps.map((s: any) => s.Type)).toEqual(['Fail']);
    expect(definition.Parameters).toContainEqual({
      Name: 'QualityThreshold',
      Type: 'Float',
      DefaultValue: 0.8,
    });
    expect(byName('Train').Arguments.EnableManagedSpotTraining).toBe(true);
  });

  test('the registry, repository and buckets are retained; the repository scans on push with immutable tags and the key', () => {
    template.hasResource('AWS::SageMaker::ModelPackageGroup', {
      DeletionPolicy: 'Retain',
      Properties: { ModelPackageGroupName: 'churn-training-staging' },
    });
    template.hasResource('AWS::ECR::Repository', {
      DeletionPolicy: 'Retain',
      Properties: {
        RepositoryName: 'churn-training-staging',
        ImageTagMutability: 'IMMUTABLE',
        ImageScanningConfiguration: { ScanOnPush: true },
        EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: Match.anyValue() },
        LifecyclePolicy: {
          LifecyclePolicyText: JSON.stringify({
            rules: [
              {
                rulePriority: 1,
                description: 'Expire untagged images after 90 days',
                selection: {
                  tagStatus: 'untagged',
                  countType: 'sinceImagePushed',
                  countUnit: 'days',
                  countNumber: 90,
                },
                action: { type: 'expire' },
              },
            ],
          }),
        },
      },
    });
    expect(
      Object.values(template.findResources('AWS::S3::Bucket')).map((b: any) => b.DeletionPolicy),
    ).toEqual(['Retain', 'Retain', 'Retain']);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 90 } })]),
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  test('retraining runs weekly through EventBridge Scheduler, starting this pipeline only', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'churn-training-staging-retrain',
      ScheduleExpression: 'rate(7 days)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        SageMakerPipelineParameters: {
          PipelineParameterList: [{ Name: 'InputDataUrl', Value: Match.anyValue() }],
        },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
      }),
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              // Scheduler's documented source: the schedule group (the default one), never a schedule.
              ArnLike: {
                'aws:SourceArn': [
                  {
                    'Fn::Join': [
                      '',
                      [
                        'arn:',
                        { Ref: 'AWS::Partition' },
                        ':scheduler:',
                        { Ref: 'AWS::Region' },
                        ':',
                        { Ref: 'AWS::AccountId' },
                        ':schedule-group/default',
                      ],
                    ],
                  },
                ],
              },
            },
          },
        ],
      },
    });
  });

  test('passes the CloudFormation validator, cdk-nag AwsSolutions, HIPAA Security and NIST 800-53 R5 and the Control Tower rules, every acknowledgement justified', () => {
    const checked = build(pipelineArgs(PROD) as MlPipelineProps);
    addSecurityValidators(checked.app);
    const assembly = checked.app.synth();
    const report = JSON.parse(readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports.map((r: any) => [r.pluginName, r.conclusion])).toEqual([
      ['AwsSolutions', 'success'],
      ['HIPAA.Security', 'success'],
      ['NIST.800.53.R5', 'success'],
      ['cdk-validator-cfnguard', 'success'],
    ]);
  });

  test('the definition, IAM and schedule are the same facts the Pulumi AWS renderer deploys', async () => {
    const args = pipelineArgs(STAGING);
    const rec = await recordProgram(() => new PulumiMlPipeline('churn-training', args));
    const pulumiDefinition = JSON.parse(
      rec.one('aws:sagemaker/pipeline:Pipeline').inputs.pipelineDefinition as string,
    );
    const cdkDefinition = definitionOf(template);
    // The same document, differing only where each engine names the buckets, key and role.
    const shape = (d: any) =>
      JSON.stringify(d).replace(
        /<[^>]+>|churn-training-(data|artifacts)-[0-9a-f]{7}|arn:aws:[a-z]+:[^"]*?(key|role)\/[A-Za-z0-9_-]+/g,
        '#',
      );
    expect(shape(cdkDefinition)).toBe(shape(pulumiDefinition));
    const actions = (doc: any) =>
      doc.Statement.map((s: any) => [s.Sid, [s.Action].flat().sort().join(',')]).sort();
    const cdkPolicy = (prefix: string) =>
      (Object.values(template.findResources('AWS::IAM::Policy')) as any[]).find((p) =>
        p.Properties.PolicyName.startsWith(prefix),
      ).Properties.PolicyDocument;
    expect(actions(cdkPolicy('churntrainingTrainingPolicy'))).toEqual(
      actions(
        JSON.parse(
          rec.one('aws:iam/rolePolicy:RolePolicy', 'churn-training-training-policy').inputs.policy as string,
        ),
      ),
    );
    expect(actions(cdkPolicy('churntrainingPipelinePolicy'))).toEqual(
      actions(
        JSON.parse(
          rec.one('aws:iam/rolePolicy:RolePolicy', 'churn-training-pipeline-policy').inputs.policy as string,
        ),
      ),
    );
    expect(rec.one('aws:scheduler/schedule:Schedule').inputs.scheduleExpression).toBe('rate(7 days)');
  });

  test('cdk-nag acknowledges each policy\'s "*" with exactly the unscoped actions that policy grants', () => {
    const champion = build(
      pipelineArgs(STAGING, { qualityGate: { metric: 'auc', mustBeatApproved: true } }) as MlPipelineProps,
    );
    const reasons: Record<string, string> = {};
    for (const c of champion.pipeline.node.findAll())
      for (const entry of c.node.metadata)
        if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
          const reason = (entry.data as Record<string, string>)[
            'AwsSolutions::AwsSolutions-IAM5[Resource::*]'
          ];
          if (reason) reasons[c.node.id] = reason;
        }
    const login = 'ecr:GetAuthorizationToken (the ECR login; pulls are limited to named repositories)';
    const metrics =
      "cloudwatch:PutMetricData (held to SageMaker's own /aws/sagemaker namespace by a cloudwatch:namespace condition)";
    const intro = 'These actions have no resource-level permissions, so IAM accepts only "*" for them: ';
    expect(reasons).toEqual({
      TrainingPolicy: `${intro}${login}; ${metrics}.`,
      ChampionPolicy: `${intro}sagemaker:ListModelPackages (the champion lookup, which reads no data and writes only its own prefix); ${login}; ${metrics}.`,
    });
  });

  test('registeredModelArn names a version of the group, for ModelEndpoint aws.modelPackageArn', () => {
    expect(stack.resolve(pipeline.registeredModelArn(3))).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':sagemaker:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':model-package/churn-training-staging/3',
        ],
      ],
    });
  });

  test('refuses a non-aws platform with the fix', () => {
    expect(() => build(pipelineArgs({ cloud: 'docker', stage: 'dev' }) as MlPipelineProps)).toThrow(
      "the CDK construct deploys to aws, but platform.cloud is docker. Fix: use the Pulumi construct from 'mlops-constructs' for docker.",
    );
  });
});
