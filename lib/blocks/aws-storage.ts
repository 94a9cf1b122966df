import { policyDocument, type PolicyDocument, type PolicyStatement } from './aws-iam';

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

/**
 * Data buckets publish their object events to EventBridge, so retraining on new data and drift jobs on new
 * capture can subscribe without touching the bucket again.
 */
export const BUCKET_EVENTS_TO_EVENTBRIDGE = true;

/** Days S3 access logs are kept. */
export const ACCESS_LOG_DAYS = 365;

/** Days an expired or overwritten access log version lingers before it is removed. */
export const ACCESS_LOG_NONCURRENT_DAYS = 30;

/** Refuses any request to the bucket that is not over TLS. */
export function tlsOnlyStatement(bucketArn: string): PolicyStatement {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 's3:*',
    Resource: [bucketArn, `${bucketArn}/*`],
    // The string form: AWS Control Tower's check (CT.S3.PR.8) accepts only "false".
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

/** Every customer-managed key rotates its material yearly. */
export const KEY_ROTATION_ENABLED = true;

/**
 * The policy of every key the constructs create: the account administers it through IAM (the default), and
 * grants may be created only for AWS services acting on AWS resources (SageMaker, S3, ECR create them),
 * never handed out by a principal directly (AWS Control Tower CT.KMS.PR.3).
 */
export function keyPolicy(env: { partition: string; account: string }): PolicyDocument {
  return policyDocument([
    {
      Sid: 'AccountAdministersKeyThroughIam',
      Effect: 'Allow',
      Principal: { AWS: `arn:${env.partition}:iam::${env.account}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
    {
      Sid: 'GrantsOnlyForAwsServices',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: {
        BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
      },
    },
  ]);
}

/** The service principal that delivers S3 server access logs. */
export const S3_LOGGING_SERVICE = 'logging.s3.amazonaws.com';

/**
 * Object ownership of every bucket, the access-log buckets included: ACLs are off, the bucket owner owns
 * every object, and S3 delivers server access logs through the bucket policy (AWS Control Tower CT.S3.PR.5
 * forbids managing access with ACLs).
 */
export const OBJECT_OWNERSHIP = 'BucketOwnerEnforced';

/** A bucket that sends its server access logs to the log bucket, under its own prefix. */
export interface AccessLogSource {
  /** ARN of the logged bucket. */
  readonly bucketArn: string;
  /** Key prefix of its logs in the log bucket, ending in `/`. */
  readonly prefix: string;
}

/**
 * Lets S3 deliver the server access logs of one source bucket, and only that bucket of this account, into
 * that bucket's prefix of the log bucket. Both engines put one such statement per logged bucket in the log
 * bucket's policy; without the conditions any account's bucket could be configured to log into it.
 */
export function accessLogDeliveryStatement(
  logBucketArn: string,
  source: AccessLogSource,
  account: string,
): PolicyStatement {
  return {
    Effect: 'Allow',
    Principal: { Service: S3_LOGGING_SERVICE },
    Action: 's3:PutObject',
    Resource: `${logBucketArn}/${source.prefix}*`,
    Condition: {
      ArnLike: { 'aws:SourceArn': source.bucketArn },
      StringEquals: { 'aws:SourceAccount': account },
    },
  };
}

/** The key prefix a bucket's server access logs are written under: its construct-scoped name. */
export function accessLogPrefix(bucketId: string): string {
  return `${bucketId}/`;
}
