import * as pulumi from '@pulumi/pulumi';
import type { PlatformArgs } from './platform';

/**
 * The platform a Pulumi construct deploys to: the stack's Pulumi config, with `overrides` (a construct's
 * `platform` arg) merged over it.
 *
 * Read from the config: `mlops:cloud`, `mlops:stage`, `mlops:region` (else `aws:region` / `gcp:region`),
 * `mlops:project` (else `gcp:project`), `mlops:tags`, `mlops:kmsKeyId`, `mlops:network`,
 * `mlops:retainOnDelete`, `mlops:replicaRegion`, `mlops:bucketLocation`, `mlops:enableApis`.
 *
 * Merge rules: every field `overrides` sets wins over the config; `tags` are merged key by key (the
 * override's value wins for a key both set), so a team wrapper can add its own tags without re-reading the
 * config; `network` is replaced as a whole (its subnets and security groups belong together). The provider
 * region fallback follows the merged `cloud`.
 *
 * Call it inside a Pulumi program (or `recordProgram`), where the stack config is loaded. Returns undefined
 * when neither the config nor `overrides` names a field, so validation reports the missing platform.
 */
export function platformFromConfig(overrides?: Partial<PlatformArgs>): PlatformArgs | undefined {
  // Not an object (a string from JSON config, say): left to validation, which names what is wrong.
  if (overrides !== undefined && !isRecord(overrides)) return overrides as PlatformArgs;
  const mlops = new pulumi.Config('mlops');
  const cloud = overrides?.cloud ?? (mlops.get('cloud') as PlatformArgs['cloud'] | undefined);
  const regionFallback =
    cloud === 'aws' || cloud === 'gcp' ? new pulumi.Config(cloud).get('region') : undefined;
  const fromConfig: Partial<PlatformArgs> = {
    cloud,
    stage: mlops.get('stage') as PlatformArgs['stage'],
    region: mlops.get('region') ?? regionFallback,
    project: mlops.get('project') ?? new pulumi.Config('gcp').get('project'),
    tags: mlops.getObject<Record<string, string>>('tags'),
    kmsKeyId: mlops.get('kmsKeyId'),
    network: mlops.getObject('network'),
    retainOnDelete: mlops.getBoolean('retainOnDelete'),
    replicaRegion: mlops.get('replicaRegion'),
    bucketLocation: mlops.get('bucketLocation') as PlatformArgs['bucketLocation'],
    enableApis: mlops.getBoolean('enableApis'),
  };
  return mergePlatform(fromConfig, overrides);
}

/**
 * `overrides` over `base` by the rules of `platformFromConfig`; undefined fields are dropped, and the
 * result is undefined when no field is left.
 */
export function mergePlatform(
  base: Partial<PlatformArgs> | undefined,
  overrides: Partial<PlatformArgs> | undefined,
): PlatformArgs | undefined {
  const merged: Record<string, unknown> = { ...defined(base), ...defined(overrides) };
  if (
    base?.tags !== undefined &&
    overrides?.tags !== undefined &&
    isRecord(base.tags) &&
    isRecord(overrides.tags)
  )
    merged.tags = { ...base.tags, ...overrides.tags };
  return Object.keys(merged).length > 0 ? (merged as unknown as PlatformArgs) : undefined;
}

function defined(value: Partial<PlatformArgs> | undefined): Record<string, unknown> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
