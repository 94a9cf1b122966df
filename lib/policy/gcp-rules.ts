/** Security rules for GCP graphs. */
import { at, ofType, perResource, type PolicyRule } from './rule';

const PUBLIC_MEMBERS = ['allUsers', 'allAuthenticatedUsers'];

export const GCP_RULES: readonly PolicyRule[] = [
  perResource({
    id: 'gcp-bucket-private',
    description: 'Every GCS bucket has uniform bucket-level access and enforced public access prevention.',
    enforcement: 'mandatory',
    types: ['gcp:storage/bucket:Bucket'],
    problem: (bucket) => {
      const problems = [
        bucket.inputs.uniformBucketLevelAccess === true ? '' : 'object ACLs are allowed',
        bucket.inputs.publicAccessPrevention === 'enforced' ? '' : 'public access prevention is not enforced',
      ].filter(Boolean);
      return problems.length ? problems.join('; ') : undefined;
    },
  }),
  perResource({
    id: 'gcp-bucket-cmek',
    description: 'Every GCS bucket encrypts with a customer-managed key and keeps object versions.',
    enforcement: 'mandatory',
    types: ['gcp:storage/bucket:Bucket'],
    problem: (bucket) => {
      const problems = [
        at(bucket.inputs, 'encryption', 'defaultKmsKeyName') ? '' : 'no customer-managed key',
        at(bucket.inputs, 'versioning', 'enabled') === true ? '' : 'object versions are not kept',
      ].filter(Boolean);
      return problems.length ? problems.join('; ') : undefined;
    },
  }),
  perResource({
    id: 'gcp-run-cmek',
    description: 'Cloud Run services and jobs encrypt with a customer-managed key.',
    enforcement: 'mandatory',
    types: ['gcp:cloudrunv2/service:Service', 'gcp:cloudrunv2/job:Job'],
    problem: (run) =>
      at(run.inputs, 'template', 'encryptionKey') || at(run.inputs, 'template', 'template', 'encryptionKey')
        ? undefined
        : 'has no customer-managed key',
  }),
  {
    id: 'gcp-no-public-members',
    description: 'No IAM binding grants anything to allUsers or allAuthenticatedUsers.',
    enforcement: 'mandatory',
    check: (resources) =>
      resources
        .filter((r) => r.type.startsWith('gcp:') && /IAM(Member|Binding)$/i.test(r.type.split(':')[2] ?? ''))
        .flatMap((r) => {
          const members = [r.inputs.member, ...((r.inputs.members as unknown[]) ?? [])].filter(
            (m): m is string => typeof m === 'string',
          );
          const open = members.filter((m) => PUBLIC_MEMBERS.includes(m));
          return open.length
            ? [
                {
                  rule: 'gcp-no-public-members',
                  urn: r.urn,
                  message: `grants ${String(r.inputs.role)} to ${open.join(', ')}`,
                },
              ]
            : [];
        }),
  },
  {
    id: 'gcp-key-rotation',
    description: 'Cloud KMS keys rotate their material.',
    enforcement: 'mandatory',
    check: (resources) =>
      ofType(resources, 'gcp:kms/cryptoKey:CryptoKey')
        .filter((k) => !k.inputs.rotationPeriod)
        .map((k) => ({ rule: 'gcp-key-rotation', urn: k.urn, message: 'does not rotate its key material' })),
  },
];
