/**
 * The CDK ModelEndpoint in release mode (no `version`): it serves `release`, else the release CDK context names
 * (`mlops:release` as an object or a JSON string, or the file `mlops:releaseFile` names: a release file or a Pulumi
 * stack file), and with none it awaits one: no serving resource, a `ReleaseStatus` output and a synth message.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { MlPipeline, ModelEndpoint, MonitoringStack, type ModelEndpointProps } from '../../lib/cdk';
import { ValidationError } from '../../lib/core/validation';
import type { Release } from '../../lib/promotion/release-types';
import { AWS_PROD, CDK_TEST_CONTEXT } from '../helpers';
import { pipelineArgs } from '../ml-pipeline/fixtures';

const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn-serving@sha256:${'b'.repeat(64)}`;
const RELEASE: Release = {
  schemaVersion: 1,
  version: 'v4',
  image: IMAGE,
  model: {
    artifact: {
      uri: 's3://churn-releases/releases/v4/model.tar.gz',
      sha256: `sha256:${'c'.repeat(64)}`,
    },
  },
  baseline: 's3://churn-releases/releases/v4/baseline/',
  promotedFrom: { stack: 'staging', cloud: 'aws', at: '2026-11-27T14:03:11Z' },
};
const dir = mkdtempSync(path.join(tmpdir(), 'cdk-release-mode-'));
const ENV = { account: '123456789012', region: 'eu-west-1' };
/**
 * For stacks holding nothing but a refused or awaiting endpoint: CDK's CloudFormation validation refuses a template
 * without resources (as CloudFormation does), which is what these stacks are on purpose.
 */
const EMPTY_STACK_CONTEXT = Object.fromEntries(
  Object.entries(CDK_TEST_CONTEXT).filter(([key]) => key !== '@aws-cdk/core:validateAgainstDefaultRules'),
);

function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

/** An endpoint in its own prod stack (watched, so its rollback alarms have an action), with `context` added. */
function build(props: Partial<ModelEndpointProps>, context: Record<string, unknown> = {}) {
  const app = new App({ context: { ...CDK_TEST_CONTEXT, ...context } });
  const stack = new Stack(app, 'churn-prod', { env: ENV });
  const endpoint = new ModelEndpoint(stack, 'churn', { platform: AWS_PROD, ...props } as ModelEndpointProps);
  new MonitoringStack(stack, 'churn-monitoring', {
    platform: AWS_PROD,
    endpoint,
    notifications: { emails: ['ml-oncall@example.com'] },
    // drift.baselineUri is left to its default: the served release's baseline.
    drift: { features: ['tenure'] },
  });
  return { app, stack, endpoint, template: Template.fromStack(stack) };
}

/** What serving RELEASE looks like, wherever it came from. */
function expectServesRelease({ endpoint, template }: ReturnType<typeof build>) {
  expect(endpoint.serving).toBe(true);
  expect(endpoint.releaseStatus).toBe('serving v4 promoted from staging');
  expect(endpoint.release).toEqual(RELEASE);
  expect(endpoint.releaseBaselineUri).toBe('s3://churn-releases/releases/v4/baseline/');
  template.resourceCountIs('AWS::SageMaker::Endpoint', 1);
  template.hasResourceProperties('AWS::SageMaker::Model', {
    PrimaryContainer: {
      Image: IMAGE,
      ModelDataUrl: 's3://churn-releases/releases/v4/model.tar.gz',
      Environment: { MLOPS_MODEL_VERSION: 'v4' },
    },
  });
  expect(template.findOutputs('*')).toEqual({
    churnReleaseStatusC1C514BC: {
      Value: 'serving v4 promoted from staging',
      Description: 'What the churn-prod endpoint serves (mlops:release).',
    },
  });
  // The MonitoringStack's drift check compares with the release's baseline.
  template.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
    DataQualityBaselineConfig: {
      ConstraintsResource: { S3Uri: 's3://churn-releases/releases/v4/baseline/constraints.json' },
      StatisticsResource: { S3Uri: 's3://churn-releases/releases/v4/baseline/statistics.json' },
    },
  });
  // The execution role reads exactly the artifact's folder.
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyName: Match.stringLikeRegexp('^churnExecutionPolicy'),
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Sid: 'ReadModelArtifacts',
          Action: 's3:GetObject',
          Resource: Match.arrayWith([
            { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::churn-releases/releases/v4/*']] },
          ]),
        }),
      ]),
    },
  });
}

describe('CDK ModelEndpoint serving a release', () => {
  test('from props.release', () => expectServesRelease(build({ release: RELEASE })));

  test('from context mlops:release, an object (cdk.json)', () =>
    expectServesRelease(build({}, { 'mlops:release': RELEASE })));

  test('from context mlops:release, the JSON string `cdk synth -c` passes', () =>
    expectServesRelease(build({}, { 'mlops:release': JSON.stringify(RELEASE) })));

  test('from a release file (mlops:releaseFile)', () =>
    expectServesRelease(build({}, { 'mlops:releaseFile': file('release.json', JSON.stringify(RELEASE)) })));

  test("from a Pulumi stack file's mlops:release, so cdk serves what pulumi up serves", () => {
    const stackFile = file(
      'Pulumi.prod.yaml',
      [
        'config:',
        '  mlops:cloud: aws',
        '  mlops:release:',
        '    schemaVersion: 1',
        '    version: v4',
        `    image: ${IMAGE}`,
        '    model:',
        '      artifact:',
        '        uri: s3://churn-releases/releases/v4/model.tar.gz',
        `        sha256: sha256:${'c'.repeat(64)}`,
        '    baseline: s3://churn-releases/releases/v4/baseline/',
        '    promotedFrom:',
        '      stack: staging',
        '      cloud: aws',
        '      at: 2026-11-27T14:03:11Z',
        '',
      ].join('\n'),
    );
    expectServesRelease(build({}, { 'mlops:releaseFile': stackFile }));
  });

  test('props.release wins over the context; version mode never reads the context', () => {
    const other = { ...RELEASE, version: 'v9' };
    expect(build({ release: RELEASE }, { 'mlops:release': other }).endpoint.release).toEqual(RELEASE);
    const versioned = build(
      { version: 'v3', image: IMAGE, modelDataUrl: 's3://churn-releases/v3/model.tar.gz' },
      { 'mlops:release': '{not json' },
    );
    expect(versioned.endpoint.releaseStatus).toBe('serving v3');
    expect(versioned.endpoint.release).toBeUndefined();
    // Version mode adds no ReleaseStatus output: templates of programs that name their version stay as they were.
    expect(Object.keys(versioned.template.findOutputs('*'))).toEqual([]);
  });

  test('mlops:stableRelease is not used on aws: a synth warning says so, and the release alone is served', () => {
    const built = build(
      {},
      { 'mlops:release': RELEASE, 'mlops:stableRelease': { ...RELEASE, version: 'v3' } },
    );
    expectServesRelease(built);
    Annotations.fromStack(built.stack).hasWarning(
      '/churn-prod/churn',
      'mlops:stableRelease (v3) is not used on aws: SageMaker keeps the serving fleet itself during its blue/green update; remove it [ack: mlops:release]',
    );
    built.template.resourceCountIs('AWS::SageMaker::Model', 1);
  });

  test("a registry version is served from the pipeline's group, repository and models/ folder", () => {
    const app = new App({ context: CDK_TEST_CONTEXT });
    const stack = new Stack(app, 'churn-prod', { env: ENV });
    const pipeline = new MlPipeline(stack, 'churn-training', pipelineArgs(AWS_PROD) as never);
    const release: Release = {
      schemaVersion: 1,
      version: 'v5',
      image: IMAGE,
      model: { registry: { group: 'churn-training-prod', version: 5 } },
    };
    const endpoint = new ModelEndpoint(stack, 'churn', { platform: AWS_PROD, release, pipeline });
    new MonitoringStack(stack, 'churn-monitoring', {
      platform: AWS_PROD,
      endpoint,
      notifications: { emails: ['ml-oncall@example.com'] },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: { ModelPackageName: stack.resolve(pipeline.registeredModelArn(5)) },
    });
    expect(endpoint.releaseStatus).toBe('serving v5');
  });
});

describe('a release that is not valid', () => {
  test('is a ValidationError of construct Release naming its source, thrown before anything is created', () => {
    const app = new App({
      context: { ...CDK_TEST_CONTEXT, 'mlops:release': { schemaVersion: 1, version: 'v4' } },
    });
    const stack = new Stack(app, 'churn-prod', { env: ENV });
    let error: unknown;
    try {
      new ModelEndpoint(stack, 'churn', { platform: AWS_PROD });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const e = error as ValidationError;
    expect([e.construct, e.resourceName]).toEqual(['Release', 'CDK context mlops:release']);
    expect(e.problems.map((p) => p.path)).toContain('model');
    // The construct was entered, but registered no child, and the stack holds no resource.
    expect(stack.node.findChild('churn').node.children).toEqual([]);
    expect(stack.node.findAll().filter((c) => CfnElement.isCfnElement(c))).toEqual([]);
  });

  test('a release file that is not YAML is a ValidationError of the ModelEndpoint', () => {
    const bad = file('bad.yaml', 'a: [1,\n');
    expect(() => build({}, { 'mlops:releaseFile': bad })).toThrow(
      /^ModelEndpoint "churn" has 1 problem in its arguments:\n {2}- context mlops:releaseFile: /,
    );
  });
});

describe('CDK ModelEndpoint awaiting a release', () => {
  const fresh = file('Pulumi.fresh.yaml', 'config:\n  mlops:cloud: aws\n');
  const STATUS =
    'awaiting release: no mlops:release in CDK context mlops:release or Pulumi.fresh.yaml; promote one with `npx mlops promote --from <source stack> --to fresh` or set the first with `npx mlops release set --stack fresh --file release.yaml`';

  test('creates no resource at all; serving false, its physical name, the status output and a synth message', () => {
    const app = new App({ context: { ...EMPTY_STACK_CONTEXT, 'mlops:releaseFile': fresh } });
    const stack = new Stack(app, 'churn-prod', { env: ENV });
    const endpoint = new ModelEndpoint(stack, 'churn', { platform: AWS_PROD, invokers: ['churn-api'] });
    const template = Template.fromStack(stack);
    expect(template.toJSON().Resources ?? {}).toEqual({});
    expect(endpoint.serving).toBe(false);
    expect(endpoint.releaseStatus).toBe(STATUS);
    expect(endpoint.endpointName).toBe('churn-prod');
    expect([endpoint.url, endpoint.endpointId, endpoint.endpoint, endpoint.release]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect([endpoint.models, endpoint.rollbackAlarms]).toEqual([[], []]);
    expect(template.findOutputs('*')).toEqual({
      churnReleaseStatusC1C514BC: {
        Description: 'What the churn-prod endpoint serves (mlops:release).',
        Value: STATUS,
      },
    });
    Annotations.fromStack(stack).hasInfo(
      '/churn-prod/churn',
      `ModelEndpoint "churn" creates no serving resources: ${STATUS}. Pass a release to serve with -c mlops:release='<release JSON>' or -c mlops:releaseFile=<Pulumi stack file or release file>.`,
    );
  });

  test('with no context at all it says where it looked', () => {
    const app = new App({ context: CDK_TEST_CONTEXT });
    const stack = new Stack(app, 'churn-prod', { env: ENV });
    const endpoint = new ModelEndpoint(stack, 'churn', { platform: AWS_PROD });
    expect(endpoint.releaseStatus).toBe(
      'awaiting release: no mlops:release in CDK context mlops:release; promote one with `npx mlops promote --from <source stack> --to <this stack>` or set the first with `npx mlops release set --stack <this stack> --file release.yaml`',
    );
  });

  test('watched: the MonitoringStack renders only the topic, its key and policy and the subscription', () => {
    const app = new App({ context: { ...CDK_TEST_CONTEXT, 'mlops:releaseFile': fresh } });
    const stack = new Stack(app, 'churn-prod', { env: ENV });
    const endpoint = new ModelEndpoint(stack, 'churn', { platform: AWS_PROD });
    const monitoring = new MonitoringStack(stack, 'churn-monitoring', {
      platform: AWS_PROD,
      endpoint,
      notifications: { emails: ['ml-oncall@example.com'] },
      drift: { features: ['tenure'] },
    });
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string }>;
    expect(
      Object.values(resources)
        .map((r) => r.Type)
        .sort(),
    ).toEqual(['AWS::KMS::Key', 'AWS::SNS::Subscription', 'AWS::SNS::Topic', 'AWS::SNS::TopicPolicy']);
    expect(monitoring.alarmNames).toEqual([]);
    expect(monitoring.dashboardUrl).toBe('');
    expect(monitoring.driftCheck).toBe(
      'none: ModelEndpoint "churn" awaits a release, so there is nothing to check yet',
    );
    expect(stack.resolve(monitoring.notificationTargets)).toEqual([
      { Ref: stack.getLogicalId(monitoring.topic!.node.defaultChild as never) },
    ]);
  });
});
