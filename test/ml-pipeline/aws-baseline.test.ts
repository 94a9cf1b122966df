/**
 * Where the baselining step's analyzer comes from: Model Monitor's image in the pipeline's region, the same
 * fact on both engines (a literal for a known region, a CloudFormation mapping of the same table for a
 * stack whose region is known only at deploy time), and a clear refusal in a region it is not listed in.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  MODEL_MONITOR_ANALYZER_ACCOUNTS,
  modelMonitorAnalyzerImage,
} from '../../lib/blocks/sagemaker-model-monitor';
import { MlPipeline as CdkMlPipeline, type MlPipelineProps } from '../../lib/ml-pipeline/cdk';
import { MlPipeline } from '../../lib/ml-pipeline/pulumi';
import { ValidationError } from '../../lib/core/validation';
import { recordProgram } from '../../lib/testing';
import { CDK_TEST_CONTEXT } from '../helpers';
import { cfnLint } from '../support/cfn-lint';
import { AWS, pipelineArgs } from './fixtures';

type Json = any;

const ANALYZER = 'sagemaker-model-monitor-analyzer';

function cdkTemplate(region?: string): Json {
  const app = new App({ context: CDK_TEST_CONTEXT });
  const stack = new Stack(app, 'churn', region ? { env: { account: '123456789012', region } } : {});
  const platform = region ? { ...AWS, region } : { cloud: 'aws' as const, stage: 'dev' as const };
  new CdkMlPipeline(stack, 'churn', pipelineArgs(platform) as MlPipelineProps);
  return Template.fromStack(stack).toJSON();
}

/**
 * The baselining step's image as the CDK template writes it: the definition body is one Fn::Join, rendered
 * here with references as `<Ref>` and mapping lookups as `<FindInMap:map,key,attribute>`.
 */
function cdkAnalyzer(template: Json): string {
  const [pipeline] = Object.values(template.Resources).filter(
    (r: Json) => r.Type === 'AWS::SageMaker::Pipeline',
  ) as Json[];
  const render = (part: Json): string => {
    if (typeof part === 'string') return part;
    if (part.Ref) return `<${part.Ref}>`;
    if (part['Fn::GetAtt']) return `<${part['Fn::GetAtt'].join('.')}>`;
    if (part['Fn::FindInMap']) return `<FindInMap:${part['Fn::FindInMap'].map(render).join(',')}>`;
    if (part['Fn::Join']) return part['Fn::Join'][1].map(render).join(part['Fn::Join'][0]);
    throw new Error(`unexpected part ${JSON.stringify(part)}`);
  };
  const definition = JSON.parse(render(pipeline.Properties.PipelineDefinition.PipelineDefinitionBody));
  return definition.Steps.find((s: Json) => s.Name === 'DataQualityBaseline').Arguments.AppSpecification
    .ImageUri;
}

describe("Model Monitor's analyzer image", () => {
  it('is named per region, on the China domain in China', () => {
    expect(modelMonitorAnalyzerImage('eu-west-1')).toBe(
      `468650794304.dkr.ecr.eu-west-1.amazonaws.com/${ANALYZER}`,
    );
    expect(modelMonitorAnalyzerImage('us-gov-west-1')).toBe(
      `362178532790.dkr.ecr.us-gov-west-1.amazonaws.com/${ANALYZER}`,
    );
    expect(modelMonitorAnalyzerImage('cn-north-1')).toBe(
      `453000072557.dkr.ecr.cn-north-1.amazonaws.com.cn/${ANALYZER}`,
    );
    expect(modelMonitorAnalyzerImage('ca-west-1')).toBeUndefined();
  });

  it('Pulumi refuses a region the analyzer is not in, naming the regions it is in', async () => {
    const attempt = recordProgram(
      () => new MlPipeline('churn', pipelineArgs({ ...AWS, region: 'ca-west-1' })),
    );
    await expect(attempt).rejects.toThrow(ValidationError);
    await expect(attempt).rejects.toThrow(
      "platform.region: is ca-west-1, where SageMaker Model Monitor's analyzer image (sagemaker-model-monitor-analyzer) is not listed; every run computes its drift baseline with it. Fix: deploy the pipeline to a region the analyzer is in: af-south-1, ap-east-1,",
    );
  });

  it('CDK refuses it too, and names the literal image in a known region (no mapping)', () => {
    expect(() => cdkTemplate('ca-west-1')).toThrow(
      "platform.region: is ca-west-1, where SageMaker Model Monitor's analyzer image (sagemaker-model-monitor-analyzer) is not listed",
    );
    const template = cdkTemplate('eu-west-1');
    expect(template.Mappings).toBeUndefined();
    expect(cdkAnalyzer(template)).toBe(`468650794304.dkr.ecr.eu-west-1.amazonaws.com/${ANALYZER}`);
  });

  it('CDK finds the account in a mapping of the same table when the region is known only at deploy time', () => {
    const template = cdkTemplate();
    const [[id, mapping]] = Object.entries(template.Mappings) as [string, Json][];
    // One mapping per stack, shared with the MonitoringStack's data-quality job.
    expect(id).toBe('ModelMonitorAnalyzerAccounts');
    expect(mapping).toEqual(
      Object.fromEntries(
        Object.entries(MODEL_MONITOR_ANALYZER_ACCOUNTS).map(([region, account]) => [region, { account }]),
      ),
    );
    expect(cdkAnalyzer(template)).toBe(
      `<FindInMap:${id},<AWS::Region>,account>.dkr.ecr.<AWS::Region>.<AWS::URLSuffix>/${ANALYZER}`,
    );
    // cfn-lint accepts the mapping and its lookup in the regions it lints (W3005 is accepted in cfn-lint.test.ts).
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-analyzer-'));
    try {
      const file = path.join(dir, 'agnostic.json');
      writeFileSync(file, JSON.stringify(template));
      const findings = cfnLint([file], ['eu-west-1', 'us-east-1']).filter((f) => f.Rule.Id !== 'W3005');
      expect(findings.map((f) => `${f.Rule.Id} ${f.Message}`)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
