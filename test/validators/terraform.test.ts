/**
 * `terraform validate` over the recorded Pulumi AWS graphs: `@pulumi/aws` is bridged from the Terraform AWS
 * provider, so the provider's own checks (required and conflicting arguments, enums, ranges, formats) apply
 * to what the constructs send. All graphs go into one configuration: one `terraform init`, one validate.
 * A missing `terraform` or provider mirror fails these tests with the fix; they are never skipped.
 */
import {
  type RecordedGraph,
  ENDPOINT_CASES,
  MONITORING_CASES,
  PIPELINE_CASES,
  recordGraphs,
} from './aws-graphs';
import { toTerraform, type TerraformConversion } from '../support/terraform/convert';
import { type TerraformDiagnostic, TerraformWorkspace } from '../support/terraform/workspace';

type Resources = TerraformConversion['config']['resource'];

const CASES = [
  'stack-prod',
  ...Object.keys(ENDPOINT_CASES),
  ...Object.keys(PIPELINE_CASES),
  ...Object.keys(MONITORING_CASES),
];
/** A copy of the prod endpoint with three values the provider must refuse. */
const BROKEN = 'broken-endpoint';

let workspace: TerraformWorkspace | undefined;
let graphs: Record<string, RecordedGraph>;
const converted: Record<string, TerraformConversion> = {};
let diagnostics: TerraformDiagnostic[];

beforeAll(async () => {
  workspace = TerraformWorkspace.init();
  const schema = workspace.schema();
  graphs = await recordGraphs();
  const files: Record<string, unknown> = {};
  const regions = new Set<string>();
  for (const [name, graph] of Object.entries(graphs)) {
    converted[name] = toTerraform(graph.resources, schema, { prefix: name, defaultRegion: graph.region });
    files[`${name}.tf.json`] = converted[name].config;
    converted[name].regions.forEach((region) => regions.add(region));
  }
  const broken = toTerraform(graphs['endpoint-canary'].resources, schema, {
    prefix: BROKEN,
    defaultRegion: 'eu-west-1',
  }).config;
  breakValues(broken.resource);
  files[`${BROKEN}.tf.json`] = broken;
  diagnostics = workspace.validate(files, [...regions]);
}, 900_000);

afterAll(() => workspace?.dispose());

function inFile(file: string): string[] {
  return diagnostics
    .filter((d) => d.range?.filename === file)
    .map((d) => `${d.severity}: ${d.summary}: ${d.detail ?? ''} (${d.snippet?.context ?? ''})`);
}

/** The one resource of a Terraform type in a converted graph. */
function only(name: string, type: string): Record<string, any> {
  const ofType = Object.values(converted[name].config.resource[type] ?? {});
  expect(ofType).toHaveLength(1);
  return ofType[0];
}

function breakValues(resources: Resources): void {
  const [config] = Object.values(resources.aws_sagemaker_endpoint_configuration);
  (config.production_variants as { instance_type: string }[])[0].instance_type = 'ml.m5.enormous';
  const [alarm] = Object.values(resources.aws_cloudwatch_metric_alarm);
  alarm.comparison_operator = 'BiggerThan';
  const [role] = Object.values(resources.aws_iam_role);
  delete role.assume_role_policy;
}

test('the graphs cover the reference stack and every aws option case', () => {
  expect(Object.keys(graphs).sort()).toEqual([...CASES].sort());
});

test.each(CASES)('%s: terraform validate reports no error and no warning', (name) => {
  expect(inFile(`${name}.tf.json`)).toEqual([]);
});

test('no diagnostic falls outside the graphs (provider configuration, other files)', () => {
  const files = new Set([...CASES, BROKEN].map((name) => `${name}.tf.json`));
  expect(diagnostics.filter((d) => !d.range || !files.has(d.range.filename))).toEqual([]);
});

test('the validator is really on: a bad enum, an unknown instance type and a missing argument are refused', () => {
  const found = inFile(`${BROKEN}.tf.json`);
  expect(found).toHaveLength(3);
  expect(found.find((d) => d.includes('production_variants[0]'))).toMatch(
    /^error: expected instance_type to be one of \[.*"ml\.m5\.xlarge".*\], got ml\.m5\.enormous:/,
  );
  expect(found).toContain(
    'error: Missing required argument: The argument "assume_role_policy" is required, but no definition was found. (resource.aws_iam_role.broken-endpoint__churn-execution-role)',
  );
  expect(found.find((d) => d.includes('aws_cloudwatch_metric_alarm'))).toMatch(
    /^error: expected comparison_operator to be one of \[.*"GreaterThanThreshold".*\], got BiggerThan:/,
  );
});

test('only components and non-AWS resources are left out, and each is named', () => {
  const skipped = Object.fromEntries(Object.entries(converted).map(([name, c]) => [name, c.skipped]));
  for (const name of CASES) {
    const expected =
      name === 'stack-prod'
        ? [
            'mlops:index:MlPipeline churn-training',
            'mlops:index:ModelEndpoint churn',
            'mlops:index:MonitoringStack churn-monitoring',
            // The stage's explicit provider: its region and allowed account are provider settings, not a resource.
            'pulumi:providers:aws churn-aws',
          ]
        : name.startsWith('monitoring-')
          ? ['mlops:index:MonitoringStack churn-monitor']
          : name.startsWith('endpoint-')
            ? ['mlops:index:ModelEndpoint churn']
            : name === 'pipeline-build'
              ? ['mlops:index:MlPipeline churn', 'docker:index/image:Image churn-training-build']
              : ['mlops:index:MlPipeline churn'];
    expect([name, [...skipped[name]].sort()]).toEqual([name, [...expected].sort()]);
  }
});

test('arguments take Terraform names and shapes: blocks, repeated blocks, renames, maps, escaped strings', () => {
  const schedule = only('stack-prod', 'aws_scheduler_schedule');
  expect(schedule.flexible_time_window).toEqual([{ mode: 'OFF' }]);
  expect(schedule.target[0].sagemaker_pipeline_parameters[0].pipeline_parameter[0].name).toBe('InputDataUrl');
  expect(schedule.provider).toBe('aws.eu_west_1');
  expect(schedule.region).toBeUndefined();
  const alarms = Object.values(converted['stack-prod'].config.resource.aws_cloudwatch_metric_alarm);
  const rollback = alarms.filter((a) => String(a.alarm_name).includes('-rollback-'));
  expect(rollback.map((a) => a.alarm_name).sort()).toEqual([
    'churn-prod-rollback-5xx',
    'churn-prod-rollback-latency-p99',
  ]);
  expect(rollback[0].dimensions).toMatchObject({ EndpointName: 'churn-prod', VariantName: 'primary' });
  // A metric-math alarm becomes repeated metric_query blocks, each metric a nested block.
  const rate = Object.values(converted['monitoring-all'].config.resource.aws_cloudwatch_metric_alarm).find(
    (a) => a.alarm_name === 'churn-prod-server-errors',
  );
  expect(
    (rate!.metric_query as any[]).map((q: any) => [q.id, q.expression ?? q.metric[0].metric_name]),
  ).toEqual([
    ['rate', '100 * FILL(errors, 0) / invocations'],
    ['errors', 'Invocation5XXErrors'],
    ['invocations', 'Invocations'],
  ]);
  const subscriptions = Object.values(converted['monitoring-all'].config.resource.aws_sns_topic_subscription);
  expect(subscriptions.map((sub) => [sub.protocol, sub.topic_arn])).toEqual([
    ['email', 'arn:aws:sns:eu-west-1:123456789012:churn-prod-alarms'],
    ['email', 'arn:aws:sns:eu-west-1:123456789012:churn-prod-alarms'],
    ['https', 'arn:aws:sns:eu-west-1:123456789012:churn-prod-alarms'],
  ]);
  const variants = only(
    'endpoint-challengers-gpu',
    'aws_sagemaker_endpoint_configuration',
  ).production_variants;
  expect(variants.map((v: any) => [v.variant_name, v.initial_variant_weight])).toEqual([
    ['primary', 80],
    ['b', 20],
  ]);
  // Replicas live in the replica region, through that region's provider configuration.
  const buckets = converted['pipeline-replica'].config.resource.aws_s3_bucket;
  expect(
    Object.entries(buckets)
      .filter(([, b]) => b.provider === 'aws.eu_central_1')
      .map(([name]) => name)
      .sort(),
  ).toEqual([
    'pipeline-replica__churn-artifacts-replica',
    'pipeline-replica__churn-data-replica',
    'pipeline-replica__churn-replica-access-logs',
  ]);
  expect(converted['pipeline-replica'].regions).toEqual(['eu-central-1', 'eu-west-1']);
  // Every size's serving instance type went through the provider's instance type check.
  const instanceTypes = Object.keys(converted).flatMap((name) =>
    Object.values(converted[name].config.resource.aws_sagemaker_endpoint_configuration ?? {}).flatMap((c) =>
      (c.production_variants as { instance_type?: string }[]).map((v) => v.instance_type),
    ),
  );
  expect(new Set(instanceTypes)).toEqual(
    new Set([
      undefined,
      'ml.m5.large',
      'ml.m5.xlarge',
      'ml.m5.2xlarge',
      'ml.g5.xlarge',
      'ml.g5.12xlarge',
      'ml.c5.2xlarge',
    ]),
  );
  // Pulumi auto-names what the program leaves unnamed; the converter gives Terraform the same name.
  expect(only('endpoint-canary', 'aws_appautoscaling_policy').name).toMatch(
    /^churn-scaling-policy-[0-9a-f]{7}$/,
  );
});
