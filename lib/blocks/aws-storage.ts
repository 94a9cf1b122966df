import type { PolicyStatement } from './aws-iam';

/**
 * Secure defaults for S3 buckets and KMS keys, written once for every construct and both engines.
 */
export const BUCKET_PUBLIC_ACCESS_BLOCK = {
  blockPublicAcls: true,
  blockPublicPolicy: true,
  ignorePublicAcls: true,
  restrictPublicBuckets: true,
} as const;

/** Days after which a replaced or deleted object version is removed; the current version is never expired. */
export const DEFAULT_NONCURRENT_VERSION_DAYS = 90;

/** Days after which an incomplete multipart upload is cleaned up. */
export const ABORT_MULTIPART_DAYS = 7;

/** Days S3 access logs are kept. */
export const ACCESS_LOG_DAYS = 365;

/** Refuses any request to the bucket that is not over TLS. */
export function tlsOnlyStatement(bucketArn: string): PolicyStatement {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 's3:*',
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': false } },
  };
}

/** Every customer-managed key rotates its material yearly. */
export const KEY_ROTATION_ENABLED = true;

/** Lets S3 deliver server access logs into the log bucket. */
export function accessLogDeliveryStatement(logBucketArn: string): PolicyStatement {
  return {
    Sid: 'AllowS3ServerAccessLogs',
    Effect: 'Allow',
    Principal: { Service: 'logging.s3.amazonaws.com' },
    Action: 's3:PutObject',
    Resource: `${logBucketArn}/*`,
  };
}
