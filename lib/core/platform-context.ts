import type { Construct } from 'constructs';
import type { PlatformArgs } from './platform';

/**
 * CDK's counterpart of the Pulumi stack config: the platform from CDK context key `mlops`
 * (`cdk.json` or `-c mlops='{"cloud":"aws",...}'`). Returns undefined when it is not set.
 */
export function platformFromContext(scope: Construct): PlatformArgs | undefined {
  const value: unknown = scope.node.tryGetContext('mlops');
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return value as PlatformArgs;
  try {
    return JSON.parse(value) as PlatformArgs;
  } catch {
    throw new Error(
      `platform: CDK context "mlops" is not JSON (${value}). Fix: -c mlops='{"cloud":"aws","stage":"prod","region":"eu-west-1"}' or an object under "context" in cdk.json.`,
    );
  }
}

/** The CDK constructs deploy to AWS only; anything else is a mistake worth naming first. */
export function refuseOtherClouds(construct: string, id: string, cloud: string | undefined): void {
  if (cloud !== undefined && cloud !== 'aws') {
    throw new Error(
      `${construct} "${id}": the CDK construct deploys to aws, but platform.cloud is ${cloud}. Fix: use the Pulumi construct from 'mlops-constructs' for ${cloud}.`,
    );
  }
}
