/**
 * SageMaker Model Monitor's analyzer image in a CDK stack: the table's image for a region known at synth time; for
 * a stack whose region is known only at deploy time, CloudFormation finds the account in a mapping of the same
 * table (one mapping per stack, shared by every construct that needs it).
 */
import { Aws, CfnMapping, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { isKnown } from '../core/validation';
import {
  MODEL_MONITOR_ANALYZER_ACCOUNTS,
  analyzerImageUri,
  modelMonitorAnalyzerImage,
} from './sagemaker-model-monitor';

const MAPPING_ID = 'ModelMonitorAnalyzerAccounts';

/** The analyzer image for `region` (empty or a token: the stack's deploy-time region); undefined if not listed. */
export function cdkAnalyzerImage(scope: Construct, region: string | undefined): string | undefined {
  if (region && isKnown(region)) return modelMonitorAnalyzerImage(region);
  const stack = Stack.of(scope);
  const accounts =
    (stack.node.tryFindChild(MAPPING_ID) as CfnMapping | undefined) ??
    new CfnMapping(stack, MAPPING_ID, {
      mapping: Object.fromEntries(
        Object.entries(MODEL_MONITOR_ANALYZER_ACCOUNTS).map(([r, account]) => [r, { account }]),
      ),
    });
  return analyzerImageUri(accounts.findInMap(Aws.REGION, 'account'), Aws.REGION, Aws.URL_SUFFIX);
}
