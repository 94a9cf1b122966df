/** Security and data-safety rules for AWS graphs. */
import { hasLocalNvme } from '../core/sizes';
import { at, companions, ofType, perResource, type GraphResource, type PolicyRule } from './rule';

const BUCKET = 'aws:s3/bucket:Bucket';

/** Buckets that receive S3 access logs: they are exempt from versioning and take S3-managed keys only. */
function accessLogTargets(resources: readonly GraphResource[]): Set<string> {
  return new Set(
    ofType(resources, 'aws:s3/bucketLogging:BucketLogging').flatMap(
      (l) => l.propertyDependencies.targetBucket ?? [],
    ),
  );
}

function policyStatements(document: unknown): Record<string, unknown>[] {
  const parsed = typeof document === 'string' ? (JSON.parse(document) as unknown) : document;
  const statements = at(parsed, 'Statement');
  return Array.isArray(statements)
    ? (statements as Record<string, unknown>[])
    : statements
      ? [statements as Record<string, unknown>]
      : [];
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

export const AWS_RULES: readonly PolicyRule[] = [
  perResource({
    id: 'aws-s3-private',
    description: 'Every S3 bucket blocks public access with all four settings.',
    enforcement: 'mandatory',
    types: [BUCKET],
    problem: (bucket, all) => {
      const block = companions(all, bucket, 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock')[0];
      const flags = ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets'];
      if (!block) return 'has no public access block';
      const off = flags.filter((f) => block.inputs[f] !== true);
      return off.length ? `public access block leaves ${off.join(', ')} off` : undefined;
    },
  }),
  perResource({
    id: 'aws-s3-encrypted',
    description: 'Every S3 bucket has default encryption; data buckets use a KMS key.',
    enforcement: 'mandatory',
    types: [BUCKET],
    problem: (bucket, all) => {
      const config = companions(
        all,
        bucket,
        'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
      )[0];
      const algorithm = at(config?.inputs, 'rules', 0, 'applyServerSideEncryptionByDefault', 'sseAlgorithm');
      if (!algorithm) return 'has no default encryption';
      if (algorithm !== 'aws:kms' && !accessLogTargets(all).has(bucket.urn))
        return `is encrypted with ${String(algorithm)}, not a KMS key`;
      return undefined;
    },
  }),
  perResource({
    id: 'aws-s3-versioned',
    description: 'Every bucket keeps object versions.',
    enforcement: 'mandatory',
    types: [BUCKET],
    problem: (bucket, all) => {
      const versioning = companions(all, bucket, 'aws:s3/bucketVersioning:BucketVersioning')[0];
      return at(versioning?.inputs, 'versioningConfiguration', 'status') === 'Enabled'
        ? undefined
        : 'does not keep object versions';
    },
  }),
  perResource({
    id: 'aws-s3-tls-only',
    description: 'Every S3 bucket policy denies requests not sent over TLS.',
    enforcement: 'mandatory',
    types: [BUCKET],
    problem: (bucket, all) => {
      const policy = companions(all, bucket, 'aws:s3/bucketPolicy:BucketPolicy')[0];
      const denies = policyStatements(policy?.inputs.policy).some(
        (s) => s.Effect === 'Deny' && String(at(s, 'Condition', 'Bool', 'aws:SecureTransport')) === 'false',
      );
      return denies ? undefined : 'does not deny requests without TLS';
    },
  }),
  perResource({
    id: 'aws-kms-rotation',
    description: 'Customer-managed keys rotate their material.',
    enforcement: 'mandatory',
    types: ['aws:kms/key:Key'],
    problem: (key) =>
      key.inputs.enableKeyRotation === true ? undefined : 'does not rotate its key material',
  }),
  perResource({
    id: 'aws-ecr-immutable-scanned',
    description: 'Image repositories have immutable tags, scan on push and a KMS key.',
    enforcement: 'mandatory',
    types: ['aws:ecr/repository:Repository'],
    problem: (repo) => {
      const problems = [
        repo.inputs.imageTagMutability === 'IMMUTABLE' ? '' : 'tags are mutable',
        at(repo.inputs, 'imageScanningConfiguration', 'scanOnPush') === true
          ? ''
          : 'images are not scanned on push',
        at(repo.inputs, 'encryptionConfigurations', 0, 'encryptionType') === 'KMS'
          ? ''
          : 'images are not encrypted with a KMS key',
      ].filter(Boolean);
      return problems.length ? problems.join('; ') : undefined;
    },
  }),
  perResource({
    id: 'aws-iam-no-admin',
    description: 'No inline policy allows every action, or every action of a service on every resource.',
    enforcement: 'mandatory',
    types: ['aws:iam/rolePolicy:RolePolicy'],
    problem: (policy) => {
      const broad = policyStatements(policy.inputs.policy).filter(
        (s) =>
          s.Effect === 'Allow' &&
          list(s.Action).some(
            (a) => a === '*' || (typeof a === 'string' && a.endsWith(':*') && list(s.Resource).includes('*')),
          ),
      );
      return broad.length
        ? `allows ${broad.map((s) => list(s.Action).join(',')).join('; ')} too broadly`
        : undefined;
    },
  }),
  perResource({
    id: 'aws-sagemaker-volume-encrypted',
    description:
      'Instance-backed endpoint configurations encrypt their storage volume with a KMS key (NVMe instances are encrypted by the hardware).',
    enforcement: 'mandatory',
    types: ['aws:sagemaker/endpointConfiguration:EndpointConfiguration'],
    problem: (config) => {
      const variants = list(config.inputs.productionVariants) as Record<string, unknown>[];
      const needsKey = variants.some(
        (v) => typeof v.instanceType === 'string' && !hasLocalNvme(v.instanceType),
      );
      return needsKey && !config.inputs.kmsKeyArn ? 'encrypts its volumes with no customer key' : undefined;
    },
  }),
  perResource({
    id: 'aws-sagemaker-guarded-rollout',
    description: 'Canary and linear endpoint rollouts roll back automatically on alarms.',
    enforcement: 'advisory',
    types: ['aws:sagemaker/endpoint:Endpoint'],
    problem: (endpoint) => {
      const type = at(
        endpoint.inputs,
        'deploymentConfig',
        'blueGreenUpdatePolicy',
        'trafficRoutingConfiguration',
        'type',
      );
      const alarms = list(at(endpoint.inputs, 'deploymentConfig', 'autoRollbackConfiguration', 'alarms'));
      return (type === 'CANARY' || type === 'LINEAR') && alarms.length === 0
        ? `rolls out ${String(type)} with no rollback alarm`
        : undefined;
    },
  }),
];
