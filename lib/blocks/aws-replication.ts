/**
 * S3 cross-region replication of KMS-encrypted buckets, as plain data: the replication role's trust and
 * permissions and each bucket's replication rule. Facts from the Amazon S3 User Guide, "Replicating
 * encrypted objects": SSE-KMS objects replicate only when the rule opts in with
 * `SourceSelectionCriteria.SseKmsEncryptedObjects` and names the replica key (`ReplicaKmsKeyID`, a key in
 * the replica's region); the role needs `kms:Decrypt` on the source key and `kms:Encrypt` on the replica key
 * (plus `kms:Decrypt` there when the replica bucket uses an S3 Bucket Key), and with Bucket Keys the
 * encryption context is the bucket ARN rather than the object ARN.
 */
import { policyDocument, type PolicyDocument, type PolicyStatement } from './aws-iam';

/** The service that assumes the replication role. */
export const S3_SERVICE = 's3.amazonaws.com';

/** Delete markers are not replicated: deleting an object in the primary region leaves its replica. */
export const REPLICATE_DELETE_MARKERS = 'Disabled';

/** A bucket and the replica it copies to. */
export interface ReplicatedPair {
  readonly sourceBucketArn: string;
  readonly replicaBucketArn: string;
}

export interface ReplicationFacts {
  readonly region: string;
  readonly replicaRegion: string;
  /** The key encrypting the source buckets. */
  readonly sourceKeyArn: string;
  /** The key in the replica region encrypting the replicas. */
  readonly replicaKeyArn: string;
  readonly pairs: readonly ReplicatedPair[];
}

/** S3 may assume the role only on behalf of this account's buckets (confused-deputy protection). */
export function replicationTrustPolicy(account: string): PolicyDocument {
  return policyDocument([
    {
      Effect: 'Allow',
      Principal: { Service: S3_SERVICE },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': account } },
    },
  ]);
}

/** KMS encryption context values of a bucket's objects: the bucket ARN (Bucket Key) or an object ARN. */
function encryptionContext(bucketArns: readonly string[]): string[] {
  return bucketArns.flatMap((arn) => [arn, `${arn}/*`]);
}

/**
 * The replication role's permissions: read the replication configuration and object versions of the source
 * buckets only, write replicas into the replica buckets only, decrypt with the source key only through S3 in
 * the source region for those buckets, and encrypt with the replica key only through S3 in the replica region
 * for the replica buckets.
 */
export function replicationRolePolicy(facts: ReplicationFacts): PolicyDocument {
  const sources = facts.pairs.map((p) => p.sourceBucketArn);
  const replicas = facts.pairs.map((p) => p.replicaBucketArn);
  const statements: PolicyStatement[] = [
    {
      Sid: 'ReadReplicationConfiguration',
      Effect: 'Allow',
      Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
      Resource: sources,
    },
    {
      Sid: 'ReadSourceVersions',
      Effect: 'Allow',
      Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
      Resource: sources.map((arn) => `${arn}/*`),
    },
    {
      Sid: 'WriteReplicas',
      Effect: 'Allow',
      Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
      Resource: replicas.map((arn) => `${arn}/*`),
    },
    {
      Sid: 'DecryptSources',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: facts.sourceKeyArn,
      Condition: {
        StringEquals: { 'kms:ViaService': `s3.${facts.region}.amazonaws.com` },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': encryptionContext(sources) },
      },
    },
    {
      Sid: 'EncryptReplicas',
      Effect: 'Allow',
      // Decrypt too: S3 verifies the replica bucket's Bucket Key with it before using it.
      Action: ['kms:Encrypt', 'kms:Decrypt'],
      Resource: facts.replicaKeyArn,
      Condition: {
        StringEquals: { 'kms:ViaService': `s3.${facts.replicaRegion}.amazonaws.com` },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': encryptionContext(replicas) },
      },
    },
  ];
  return policyDocument(statements);
}

/**
 * The one replication rule of a bucket (V2 configuration, with a filter): every object, KMS-encrypted ones
 * included, copied to the replica bucket and encrypted there with the replica key. Pulumi-cased; the
 * CloudFormation form has the same fields in PascalCase.
 */
export function replicationRule(replicaBucketArn: string, replicaKeyArn: string) {
  return {
    id: 'replicate-to-second-region',
    status: 'Enabled',
    priority: 1,
    filter: { prefix: '' },
    deleteMarkerReplication: { status: REPLICATE_DELETE_MARKERS },
    sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
    destination: {
      bucket: replicaBucketArn,
      encryptionConfiguration: { replicaKmsKeyId: replicaKeyArn },
    },
  };
}
