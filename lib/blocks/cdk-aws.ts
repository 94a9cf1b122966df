/**
 * Secure AWS building blocks for the CDK constructs, from the same facts as the Pulumi renderers
 * (`aws-storage.ts`): a rotating key, and encrypted, versioned, private, TLS-only, access-logged buckets.
 * Access logs are delivered through the log bucket's policy, never ACLs, whatever the app's
 * `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` flag says.
 */
import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { Platform } from '../core/platform';
import { acknowledgeInPacks } from './cdk-compliance';
import {
  ABORT_MULTIPART_DAYS,
  accessLogDeliveryStatement,
  accessLogPrefix,
  ACCESS_LOG_DAYS,
  ACCESS_LOG_NONCURRENT_DAYS,
  BUCKET_EVENTS_TO_EVENTBRIDGE,
  DEFAULT_NONCURRENT_VERSION_DAYS,
  KEY_ROTATION_ENABLED,
  keyPolicy,
  OBJECT_OWNERSHIP,
  tlsOnlyStatement,
} from './aws-storage';

export function removalPolicy(platform: Platform): RemovalPolicy {
  return platform.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
}

/** The platform's key when it brings one, otherwise a new rotating key. */
export function cdkCustomerKey(
  scope: Construct,
  id: string,
  description: string,
  platform: Platform,
): kms.IKey {
  if (platform.kmsKeyId) return kms.Key.fromKeyArn(scope, id, platform.kmsKeyId);
  return new kms.Key(scope, id, {
    description,
    enableKeyRotation: KEY_ROTATION_ENABLED,
    pendingWindow: Duration.days(30),
    policy: iam.PolicyDocument.fromJson(keyPolicy({ partition: Aws.PARTITION, account: Aws.ACCOUNT_ID })),
    removalPolicy: removalPolicy(platform),
  });
}

/** The access log bucket: S3 delivers server access logs only to buckets with S3-managed encryption. */
export function cdkAccessLogBucket(scope: Construct, id: string, platform: Platform): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    // No ACLs: S3 delivers the logs through the bucket policy (`cdkSecureBucket` adds one statement per source).
    objectOwnership: s3.ObjectOwnership[OWNERSHIP],
    versioned: true,
    lifecycleRules: [
      {
        id: 'expire-access-logs',
        expiration: Duration.days(ACCESS_LOG_DAYS),
        noncurrentVersionExpiration: Duration.days(ACCESS_LOG_NONCURRENT_DAYS),
      },
    ],
    removalPolicy: removalPolicy(platform),
  });
  bucket.addToResourcePolicy(iam.PolicyStatement.fromJson(tlsOnlyStatement(bucket.bucketArn)));
  const loop =
    'This is the access log bucket: logging it into itself would loop. Only the S3 logging service writes to it.';
  Validations.of(bucket).acknowledge(
    OBJECT_LOCK_ACKNOWLEDGEMENT,
    {
      id: 'cdk-validator-cfnguard::s3_event_notifications_enabled_check',
      reason: 'Nothing consumes access-log object events; they would only add cost.',
    },
    { id: 'AwsSolutions-S1', reason: loop },
    { id: 'cdk-validator-cfnguard::s3_bucket_logging_enabled_check', reason: loop },
    {
      id: 'cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check',
      reason: ACCESS_LOG_SSE_S3_REASON,
    },
  );
  acknowledgeInPacks(bucket, 'S3DefaultEncryptionKMS', ACCESS_LOG_SSE_S3_REASON);
  acknowledgeInPacks(bucket, 'S3BucketReplicationEnabled', ACCESS_LOG_REPLICATION_REASON);
  return bucket;
}

/** A versioned, KMS-encrypted, private, TLS-only, access-logged bucket. */
export function cdkSecureBucket(
  scope: Construct,
  id: string,
  options: { key: kms.IKey; accessLogs: s3.Bucket; noncurrentVersionDays?: number },
  platform: Platform,
): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: options.key,
    bucketKeyEnabled: true,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership[OWNERSHIP],
    lifecycleRules: [
      {
        id: 'expire-noncurrent-versions',
        noncurrentVersionExpiration: Duration.days(
          options.noncurrentVersionDays ?? DEFAULT_NONCURRENT_VERSION_DAYS,
        ),
        abortIncompleteMultipartUploadAfter: Duration.days(ABORT_MULTIPART_DAYS),
      },
    ],
    removalPolicy: removalPolicy(platform),
  });
  bucket.addToResourcePolicy(iam.PolicyStatement.fromJson(tlsOnlyStatement(bucket.bucketArn)));
  // Logging is set on the CloudFormation bucket, not through `serverAccessLogsBucket`: that prop makes CDK
  // switch the log bucket to ACL delivery in apps without the serverAccessLogsUseBucketPolicy flag.
  const prefix = accessLogPrefix(id);
  const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
  cfnBucket.loggingConfiguration = {
    destinationBucketName: options.accessLogs.bucketName,
    logFilePrefix: prefix,
  };
  options.accessLogs.addToResourcePolicy(
    iam.PolicyStatement.fromJson(
      accessLogDeliveryStatement(
        options.accessLogs.bucketArn,
        { bucketArn: bucket.bucketArn, prefix },
        Stack.of(bucket).account,
      ),
    ),
  );
  // Set on the CloudFormation bucket itself: the L2 option deploys a Lambda function just to configure it.
  cfnBucket.notificationConfiguration = {
    eventBridgeConfiguration: { eventBridgeEnabled: BUCKET_EVENTS_TO_EVENTBRIDGE },
  };
  Validations.of(bucket).acknowledge(OBJECT_LOCK_ACKNOWLEDGEMENT);
  acknowledgeInPacks(bucket, 'S3BucketReplicationEnabled', REPLICATION_OFF_REASON);
  return bucket;
}

/** `s3.ObjectOwnership` key of the shared ownership fact. */
const OWNERSHIP = (
  { BucketOwnerEnforced: 'BUCKET_OWNER_ENFORCED' } as const satisfies Record<typeof OBJECT_OWNERSHIP, string>
)[OBJECT_OWNERSHIP];

export const ACCESS_LOG_SSE_S3_REASON =
  'S3 delivers server access logs only to buckets whose default encryption is S3-managed (SSE-S3); with SSE-KMS the logs would not be delivered. The logs hold request metadata, not data.';

export const ACCESS_LOG_REPLICATION_REASON =
  "Server access logs record requests to this region's buckets, are delivered best effort and expire after a year; they are an operational record, not data worth a second region. CloudTrail is the audit trail of record.";

/**
 * Why CDK buckets do not replicate: a CloudFormation stack creates resources in its own region only, so the
 * CDK constructs refuse `platform.replicaRegion` (see `cdkPlatformArgs`).
 */
export const REPLICATION_OFF_REASON =
  'Cross-region replication is off: its replica bucket and key must live in a second region, which one CloudFormation stack cannot create, so the CDK constructs refuse platform.replicaRegion (the Pulumi constructs replicate the data and artifact buckets when it is set). The bucket is versioned and retained, so a replication rule to a bucket deployed in another region can be added to it later.';

/** Why buckets do not turn on S3 Object Lock (AWS Control Tower CT.S3.PR.9). */
const OBJECT_LOCK_ACKNOWLEDGEMENT = {
  id: 'cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check',
  reason:
    'Versioning, retain-on-delete and the retention lifecycle protect the data; Object Lock cannot be turned off once on and would forbid the noncurrent-version expiry the retention setting asks for.',
};
