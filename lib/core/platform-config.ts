import * as pulumi from '@pulumi/pulumi';
import type { PlatformArgs } from './platform';

/**
 * Reads the platform from the stack's Pulumi config when a construct was given none:
 * `mlops:cloud`, `mlops:stage`, `mlops:region` (else `aws:region` / `gcp:region`), `mlops:project`
 * (else `gcp:project`), `mlops:tags`, `mlops:kmsKeyId`, `mlops:network`, `mlops:retainOnDelete`, `mlops:replicaRegion`,
 * `mlops:bucketLocation`, `mlops:enableApis`.
 * Returns undefined when `mlops:cloud` is not set, so validation reports the missing platform.
 */
export function platformFromConfig(): PlatformArgs | undefined {
  const mlops = new pulumi.Config('mlops');
  const cloud = mlops.get('cloud');
  if (!cloud) return undefined;
  const regionFallback =
    cloud === 'aws' || cloud === 'gcp' ? new pulumi.Config(cloud).get('region') : undefined;
  return {
    cloud: cloud as PlatformArgs['cloud'],
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
}
