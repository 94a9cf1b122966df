import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ModelEndpoint, MonitoringStack } from '../../lib/cdk';
import * as blueprint from '../../lib/model-endpoint/aws-blueprint';
import { resolveModelEndpoint } from '../../lib/model-endpoint/resolve';
import { recordProgram } from '../../lib/testing';
import { ModelEndpoint as PulumiModelEndpoint, MonitoringStack as PulumiMonitoringStack } from '../../lib';
import { AWS_PROD, CDK_TEST_CONTEXT, addSecurityValidators, endpointArgs } from '../helpers';

/** Who the rollback alarms tell: in staging and prod a MonitoringStack must watch the endpoint. */
const NOTIFICATIONS = { emails: ['ml-oncall@example.com'] };

function build(props = endpointArgs(AWS_PROD, { invokers: ['churn-api'] })) {
  const app = new App({ context: CDK_TEST_CONTEXT });
  const stack = new Stack(app, 'churn-prod', { env: { account: '123456789012', region: 'eu-west-1' } });
  const endpoint = new ModelEndpoint(stack, 'churn', props as ConstructorParameters<typeof ModelEndpoint>[2]);
  if (endpoint.spec.platform.cloud === 'aws' && endpoint.spec.platform.stage !== 'dev') {
    new MonitoringStack(stack, 'churn-monitoring', {
      platform: props.platform,
      endpoint,
      notifications: NOTIFICATIONS,
    });
  }
  return { app, stack, endpoint };
}

function synth(props?: ReturnType<typeof endpointArgs>) {
  const built = build(props);
  return { ...built, template: Template.fromStack(built.stack) };
}

describe('CDK ModelEndpoint', () => {
  const { endpoint, template } = synth();

  test('node.defaultChild is the endpoint, with the canary deployment and both rollback alarms', () => {
    expect(endpoint.node.defaultChild).toBe(endpoint.endpoint);
    template.hasResourceProperties('AWS::SageMaker::Endpoint', {
      EndpointName: 'churn-prod',
      RetainAllVariantProperties: true,
      ExcludeRetainedVariantProperties: [{ VariantPropertyType: 'DesiredWeight' }],
      DeploymentConfig: {
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: {
            Type: 'CANARY',
            CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 },
            WaitIntervalInSeconds: 600,
          },
          TerminationWaitInSeconds: 600,
          MaximumExecutionTimeoutInSeconds: 3600,
        },
        AutoRollbackConfiguration: {
          Alarms: [{ AlarmName: Match.anyValue() }, { AlarmName: Match.anyValue() }],
        },
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'churn-prod-rollback-latency-p99',
      MetricName: 'ModelLatency',
      ExtendedStatistic: 'p99',
      Threshold: 1_000_000,
      Dimensions: Match.arrayWith([
        {
          Name: 'EndpointConfigName',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^churnConfig'), 'EndpointConfigName'] },
        },
      ]),
    });
  });

  test('autoscaling uses its service-linked role: the only role is the execution role, which trusts SageMaker for this account', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ServiceNamespace: 'sagemaker',
      ResourceId: 'endpoint/churn-prod/variant/primary',
      RoleARN: Match.absent(),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      ScalingTargetId: { Ref: Match.stringLikeRegexp('^churnScalingTarget') },
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        TargetValue: 600,
        ScaleInCooldown: 300,
        ScaleOutCooldown: 60,
      },
    });
    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    expect(roles.map((r) => r.Properties.AssumeRolePolicyDocument.Statement)).toEqual([
      [
        {
          Effect: 'Allow',
          Principal: { Service: 'sagemaker.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: {
              'aws:SourceArn': [
                {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      ':sagemaker:',
                      { Ref: 'AWS::Region' },
                      ':',
                      { Ref: 'AWS::AccountId' },
                      ':*',
                    ],
                  ],
                },
              ],
            },
          },
        },
      ],
    ]);
  });

  test('old endpoint configurations, the key and the capture bucket are retained', () => {
    template.hasResource('AWS::SageMaker::EndpointConfig', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: { EnableKeyRotation: true },
    });
    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true },
        ],
      },
    });
  });

  test('passes the CloudFormation validator, cdk-nag AwsSolutions, HIPAA Security and NIST 800-53 R5 and the Control Tower rules, every acknowledgement justified', () => {
    const checked = build();
    addSecurityValidators(checked.app);
    const assembly = checked.app.synth();
    const report = JSON.parse(readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'));
    // Plugins report only when they have findings; acknowledged ones leave a successful AwsSolutions entry.
    expect(
      report.pluginReports.map((r: { pluginName: string; conclusion: string }) => [
        r.pluginName,
        r.conclusion,
      ]),
    ).toEqual([
      ['AwsSolutions', 'success'],
      ['HIPAA.Security', 'success'],
      ['NIST.800.53.R5', 'success'],
      ['cdk-validator-cfnguard', 'success'],
    ]);
  });

  test('the CloudFormation validator is really on in these tests: an unknown property fails synth', () => {
    const checked = build();
    checked.endpoint.endpoint!.addPropertyOverride('NotAProperty', 1);
    expect(() => checked.app.synth()).toThrow(
      "NotAProperty: Additional properties are not allowed ('NotAProperty' was unexpected) (CloudFormation Validate)",
    );
  });

  test('the IAM, alarms and deployment config are the same facts the Pulumi AWS renderer deploys', async () => {
    const args = endpointArgs(AWS_PROD, { invokers: ['churn-api'] });
    const rec = await recordProgram(() => {
      const watched = new PulumiModelEndpoint('churn', args);
      new PulumiMonitoringStack('churn-monitoring', {
        platform: args.platform,
        endpoint: watched,
        notifications: NOTIFICATIONS,
      });
    });
    const pulumiEndpoint = rec.one('aws:sagemaker/endpoint:Endpoint').inputs;
    const spec = resolveModelEndpoint('churn', args, args.platform);
    expect(pulumiEndpoint.deploymentConfig).toEqual(
      JSON.parse(
        JSON.stringify(
          blueprint.deploymentConfig(spec, ['churn-prod-rollback-5xx', 'churn-prod-rollback-latency-p99']),
        ),
      ),
    );
    const cdkEndpoint = template.findResources('AWS::SageMaker::Endpoint');
    const cdkConfig = Object.values(cdkEndpoint)[0].Properties.DeploymentConfig;
    expect(cdkConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.CanarySize.Value).toBe(
      (pulumiEndpoint.deploymentConfig as any).blueGreenUpdatePolicy.trafficRoutingConfiguration.canarySize
        .value,
    );
    const pulumiPolicy = JSON.parse(
      rec.one('aws:iam/rolePolicy:RolePolicy', 'churn-execution-policy').inputs.policy as string,
    );
    const cdkPolicy = Object.values(template.findResources('AWS::IAM::Policy')).find((p: any) =>
      p.Properties.PolicyName.startsWith('churnExecutionPolicy'),
    ) as any;
    const actions = (doc: { Statement: { Action: string | string[] }[] }) =>
      doc.Statement.map((s) => [s.Action].flat().sort().join(',')).sort();
    expect(actions(cdkPolicy.Properties.PolicyDocument)).toEqual(actions(pulumiPolicy));
    // The endpoint's own alarms: the rollback alarms (the MonitoringStack's are compared in its tests).
    const rollback = (name: unknown) => String(name).includes('-rollback-');
    const pulumiAlarms = rec
      .ofType('aws:cloudwatch/metricAlarm:MetricAlarm')
      .map((a) => [a.inputs.name, a.inputs.threshold, a.inputs.metricName])
      .filter(([name]) => rollback(name))
      .sort();
    const cdkAlarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .map((a: any) => [a.Properties.AlarmName, a.Properties.Threshold, a.Properties.MetricName])
      .filter(([name]) => rollback(name))
      .sort();
    expect(cdkAlarms).toEqual(pulumiAlarms);
    expect(cdkAlarms.map(([name]) => name)).toEqual([
      'churn-prod-rollback-5xx',
      'churn-prod-rollback-latency-p99',
    ]);
  });

  test('refuses a non-aws platform with the fix', () => {
    expect(() =>
      synth(
        endpointArgs(
          { cloud: 'gcp', stage: 'dev', region: 'europe-west4', project: 'churn-dev-4821' },
          { image: 'x' },
        ),
      ),
    ).toThrow(
      "the CDK construct deploys to aws, but platform.cloud is gcp. Fix: use the Pulumi construct from 'mlops-constructs' for gcp.",
    );
  });
});
