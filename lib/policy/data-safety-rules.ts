/** Nothing a user stored is lost because of the library: stateful resources are kept on delete. */
import { ofType, type PolicyRule } from './rule';

/** Resources that hold data or identities a deploy must never delete. */
export const STATEFUL_TYPES = [
  'aws:s3/bucket:Bucket',
  'aws:kms/key:Key',
  'aws:ecr/repository:Repository',
  'aws:sagemaker/modelPackageGroup:ModelPackageGroup',
  'aws:sagemaker/endpointConfiguration:EndpointConfiguration',
  'gcp:storage/bucket:Bucket',
  'gcp:kms/keyRing:KeyRing',
  'gcp:kms/cryptoKey:CryptoKey',
  'gcp:artifactregistry/repository:Repository',
  'docker:index/volume:Volume',
];

export const DATA_SAFETY_RULES: readonly PolicyRule[] = [
  {
    id: 'stateful-retained',
    description:
      'Buckets, keys, registries, model groups, endpoint configurations and volumes are kept on delete.',
    // A throwaway stack opts out on purpose (platform.retainOnDelete: false): warn, do not fail.
    enforcement: 'advisory',
    recordedOnly: true,
    check: (resources) =>
      ofType(resources, ...STATEFUL_TYPES)
        .filter((r) => r.retainOnDelete === false)
        .map((r) => ({
          rule: 'stateful-retained',
          urn: r.urn,
          message: 'is deleted with the stack (retainOnDelete is off)',
        })),
  },
];
