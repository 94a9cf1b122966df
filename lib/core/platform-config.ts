import * as pulumi from '@pulumi/pulumi';
import type { PlatformArgs } from './platform';
import { isRecord, mergePlatform } from './platform-merge';

export { mergePlatform } from './platform-merge';

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
