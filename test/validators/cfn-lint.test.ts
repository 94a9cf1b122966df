/**
 * cfn-lint (AWS's CloudFormation linter) over the synthesized templates: the reference CDK app's stack and
 * the option matrix of the CDK construct tests, in one cfn-lint process. No error is allowed, and no warning
 * beyond the one accepted below with its reason. A missing cfn-lint fails these tests with the fix.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cfnLint, requireCfnLint, type CfnLintMatch } from '../support/cfn-lint';
import {
  AWAITING_REFERENCE,
  ENDPOINT_MATRIX,
  MONITORING_MATRIX,
  PIPELINE_MATRIX,
  synthesizeTemplates,
} from './cdk-templates';

/**
 * Warnings accepted, by rule, with the reason.
 * W3005 (a DependsOn that a Ref already enforces): `node.addDependency(construct)` makes a resource wait for
 * every resource of that construct. The constructs use it so that a resource waits for a bucket's policy
 * and a role's policy (the pipeline may start a run, and the endpoint may write capture, as soon as they
 * exist), and for the rollback alarms the endpoint names; CDK then also lists the bucket or alarm itself,
 * which a Ref already orders. CloudFormation accepts the redundant entry and it changes no ordering.
 */
const ACCEPTED_WARNINGS: Record<string, string> = {
  W3005: 'a DependsOn that a Ref already enforces, added with the policies the resource must wait for',
};

const REGION = 'eu-west-1';

/** A template with a missing required property and a bad enum, linted in the same run: the linter is really on. */
const BROKEN = {
  Resources: {
    Endpoint: { Type: 'AWS::SageMaker::Endpoint', Properties: { EndpointName: 'churn-prod' } },
    Alarm: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        ComparisonOperator: 'BiggerThan',
        EvaluationPeriods: 1,
        MetricName: 'Invocation5XXErrors',
        Namespace: 'AWS/SageMaker',
        Period: 60,
        Statistic: 'Sum',
        Threshold: 0,
      },
    },
  },
};

const dir = mkdtempSync(path.join(tmpdir(), 'mlops-cfn-lint-'));
let templates: Record<string, string>;
let findings: CfnLintMatch[];
let brokenFindings: CfnLintMatch[];

beforeAll(() => {
  requireCfnLint(); // fail before synthesizing when it is missing
  templates = synthesizeTemplates(dir);
  const broken = path.join(dir, 'broken.template.json');
  writeFileSync(broken, JSON.stringify(BROKEN));
  const all = cfnLint([...Object.values(templates), broken], [REGION]);
  findings = all.filter((m) => m.Filename !== broken);
  brokenFindings = all.filter((m) => m.Filename === broken);
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const describeFinding = (m: CfnLintMatch) =>
  `${m.Level} ${m.Rule.Id} ${m.Filename.split('/').pop()} ${(m.Location.Path ?? []).join('/')}: ${m.Message}`;

test('the reference app (serving and awaiting its release) and every option of the CDK matrix were linted', () => {
  expect(Object.keys(templates).sort()).toEqual(
    [
      'churn-prod',
      AWAITING_REFERENCE,
      ...Object.keys(ENDPOINT_MATRIX),
      ...Object.keys(PIPELINE_MATRIX),
      ...Object.keys(MONITORING_MATRIX),
    ].sort(),
  );
  const types = (name: string): string[] =>
    Object.values(JSON.parse(readFileSync(templates[name], 'utf8')).Resources).map((r: any) => r.Type);
  expect(types('churn-prod')).toEqual(
    expect.arrayContaining([
      'AWS::SageMaker::Endpoint',
      'AWS::SageMaker::Pipeline',
      'AWS::Scheduler::Schedule',
      'AWS::SNS::Topic',
      'AWS::CloudWatch::Dashboard',
    ]),
  );
  // The reference release was promoted from gcp (no Model Monitor baseline): the drift check is linted in the matrix.
  expect(types('monitoring-drift-retrain')).toEqual(
    expect.arrayContaining([
      'AWS::SageMaker::DataQualityJobDefinition',
      'AWS::SageMaker::MonitoringSchedule',
      'AWS::Events::Rule',
    ]),
  );
  const awaiting = types(AWAITING_REFERENCE);
  expect(awaiting).toEqual(expect.arrayContaining(['AWS::SageMaker::Pipeline', 'AWS::SNS::Topic']));
  expect(
    awaiting.filter((t) =>
      /^AWS::(SageMaker::(Model|Endpoint|EndpointConfig)$|CloudWatch::|ApplicationAutoScaling::)/.test(t),
    ),
  ).toEqual([]);
});

test('the linter is really on: a missing required property and a bad enum are errors', () => {
  expect(brokenFindings.map((m) => [m.Level, m.Rule.Id, (m.Location.Path ?? []).join('/')])).toEqual([
    ['Error', 'E3003', 'Resources/Endpoint/Properties'],
    ['Error', 'E3030', 'Resources/Alarm/Properties/ComparisonOperator'],
  ]);
});

test('no template has a cfn-lint error', () => {
  expect(findings.filter((m) => m.Level === 'Error').map(describeFinding)).toEqual([]);
});

test('no template has a warning or informational finding beyond the accepted ones', () => {
  expect(
    findings.filter((m) => m.Level !== 'Error' && !ACCEPTED_WARNINGS[m.Rule.Id]).map(describeFinding),
  ).toEqual([]);
});
