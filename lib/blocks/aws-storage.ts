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

/** Lets S3 deliver server access logs into the log bucket, for buckets of this account only. */
export function accessLogDeliveryStatement(logBucketArn: string, account: string): PolicyStatement {
  return {
    Sid: 'AllowS3ServerAccessLogs',
    Effect: 'Allow',
    Principal: { Service: 'logging.s3.amazonaws.com' },
    Action: 's3:PutObject',
    Resource: `${logBucketArn}/*`,
    // Without it, any account's bucket could be configured to log into this one.
    Condition: { StringEquals: { 'aws:SourceAccount': account } },
  };
}
