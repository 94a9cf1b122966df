import type { Construct } from 'constructs';
import type { PlatformArgs } from './platform';

/**
 * CDK's counterpart of the Pulumi stack config: the platform from CDK context key `mlops`
 * (`cdk.json` or `-c mlops='{"cloud":"aws",...}'`). Returns undefined when it is not set.
 */
export function platformFromContext(scope: Construct): PlatformArgs | undefined {
  const value: unknown = scope.node.tryGetContext('mlops');
  if (value === undefined) return undefined;
  return (typeof value === 'string' ? JSON.parse(value) : value) as PlatformArgs;
}
