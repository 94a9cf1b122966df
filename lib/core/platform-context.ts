import { Stack, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { PlatformArgs } from './platform';
import { mergePlatform } from './platform-merge';
import { knownString, ProblemList } from './validation';

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

/**
 * The platform a CDK construct deploys with: `platform` when given, otherwise the `mlops` context; other
 * clouds refused; the region taken from the stack when the platform names none. Throws a `ValidationError`
 * when the platform names a region the stack does not deploy to (CloudFormation creates every resource in
 * the stack's region, so the images and grants would name the wrong one), and when it asks for a replica
 * region, which one CloudFormation stack cannot create resources in.
 */
export function cdkPlatformArgs(
  scope: Construct,
  construct: string,
  id: string,
  given: PlatformArgs | undefined,
): PlatformArgs | undefined {
  // As in Pulumi: the construct's `platform` is merged over the context (its fields win, tags key by key).
  const platform = mergePlatform(platformFromContext(scope), given);
  // Say so before validating the rest: other clouds' arguments mean nothing to CloudFormation.
  refuseOtherClouds(construct, id, platform?.cloud);
  if (!platform) return undefined;
  const stackRegion = Stack.of(scope).region;
  const concrete = !Token.isUnresolved(stackRegion);
  const problems = new ProblemList(construct, id);
  const region = knownString(platform.region);
  if (region && concrete && region !== stackRegion) {
    problems.add(
      'platform.region',
      `is ${region}, but the stack deploys to ${stackRegion}`,
      `remove platform.region (the construct uses the stack's region), or give the stack env.region ${region}`,
    );
  }
  const replica = knownString(platform.replicaRegion);
  if (platform.replicaRegion !== undefined) {
    problems.add(
      'platform.replicaRegion',
      `asks for replicas in ${replica ?? 'a second region'}, which a CloudFormation stack cannot create: a stack creates resources only in its own region`,
      'remove it for CDK and replicate with the Pulumi construct, or deploy a replica bucket and KMS key from a stack in that region and add a replication rule to the bucket (`dataBucket` / `artifactBucket`, `node.defaultChild`)',
    );
  }
  problems.throwIfAny();
  return { ...platform, region: platform.region ?? stackRegion };
}
