/**
 * Secure AWS building blocks for the CDK constructs, from the same facts as the Pulumi renderers
 * (`aws-storage.ts`): a rotating key, and encrypted, versioned, private, TLS-only, access-logged buckets.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { Platform } from '../core/platform';
import {
  ABORT_MULTIPART_DAYS,
  ACCESS_LOG_DAYS,
  DEFAULT_NONCURRENT_VERSION_DAYS,
  KEY_ROTATION_ENABLED,
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
    removalPolicy: removalPolicy(platform),
  });
}

/** The access log bucket: S3 delivers server access logs only to buckets with S3-managed encryption. */
export function cdkAccessLogBucket(scope: Construct, id: string, platform: Platform): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    // Object ownership is left to CDK: apps without the serverAccessLogsUseBucketPolicy flag need ACL delivery.
    lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(ACCESS_LOG_DAYS) }],
    removalPolicy: removalPolicy(platform),
  });
  bucket.addToResourcePolicy(iam.PolicyStatement.fromJson(tlsOnlyStatement(bucket.bucketArn)));
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason:
      'This is the access log bucket; logging it into itself would loop. Its writes come only from the S3 logging service.',
  });
  return bucket;
}

/** A versioned, KMS-encrypted, private, TLS-only, access-logged bucket. */
export function cdkSecureBucket(
  scope: Construct,
  id: string,
  options: { key: kms.IKey; accessLogs: s3.IBucket; noncurrentVersionDays?: number },
  platform: Platform,
): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: options.key,
    bucketKeyEnabled: true,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    serverAccessLogsBucket: options.accessLogs,
    serverAccessLogsPrefix: `${id}/`,
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
  return bucket;
}
