/**
 * Secure AWS building blocks for the Pulumi renderers: a customer-managed key and an encrypted, versioned,
 * private, TLS-only bucket with access logging. The facts come from `aws-storage.ts`, shared with CDK.
 */
import * as pulumi from '@pulumi/pulumi';
import * as kms from '@pulumi/aws/kms';
import * as s3 from '@pulumi/aws/s3';
import type { Platform } from '../core/platform';
import type { PolicyStatement } from './aws-iam';
import {
  ABORT_MULTIPART_DAYS,
  accessLogDeliveryStatement,
  ACCESS_LOG_DAYS,
  ACCESS_LOG_NONCURRENT_DAYS,
  BUCKET_EVENTS_TO_EVENTBRIDGE,
  BUCKET_PUBLIC_ACCESS_BLOCK,
  DEFAULT_NONCURRENT_VERSION_DAYS,
  KEY_ROTATION_ENABLED,
  keyPolicy,
  tlsOnlyStatement,
} from './aws-storage';

/** What every child needs: its parent, the region, tags, and whether stateful children are kept on delete. */
export interface AwsChildContext {
  readonly parent: pulumi.Resource;
  readonly platform: Platform;
  readonly tags: Record<string, string>;
}

/** AWS partition of a region: China and GovCloud have their own ARN prefix. */
export function awsPartition(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export interface AwsKey {
  readonly keyArn: pulumi.Output<string>;
  /** The key the construct created; undefined when the platform brought its own. */
  readonly key?: kms.Key;
}

/** The platform's key when it brings one, otherwise a new rotating key kept on delete. */
export function customerKey(
  name: string,
  description: string,
  ctx: AwsChildContext,
  account: pulumi.Input<string>,
): AwsKey {
  if (ctx.platform.kmsKeyId) return { keyArn: pulumi.output(ctx.platform.kmsKeyId) };
  const partition = awsPartition(ctx.platform.region);
  const key = new kms.Key(
    `${name}-key`,
    {
      description,
      enableKeyRotation: KEY_ROTATION_ENABLED,
      deletionWindowInDays: 30,
      policy: pulumi.output(account).apply((acct) => JSON.stringify(keyPolicy({ partition, account: acct }))),
      region: ctx.platform.region,
      tags: ctx.tags,
    },
    { parent: ctx.parent, retainOnDelete: ctx.platform.retainOnDelete },
  );
  return { keyArn: key.arn, key };
}

export interface SecureBucket {
  readonly bucket: s3.Bucket;
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  /** Resolves once encryption, public access block, policy and lifecycle are in place: wait on it before writing. */
  readonly ready: pulumi.Resource[];
}

export interface SecureBucketOptions {
  readonly keyArn: pulumi.Input<string>;
  /** Bucket receiving this bucket's access logs. */
  readonly accessLogBucket: pulumi.Input<string>;
  /** Days before non-current object versions expire. Default 90. */
  readonly noncurrentVersionDays?: number;
}

/** What differs between the constructs' data buckets and their access-log buckets. */
interface BucketSettings {
  readonly encryption: s3.BucketServerSideEncryptionConfigurationArgs['rules'];
  readonly lifecycle: s3.BucketLifecycleConfigurationArgs['rules'];
  /** Policy statements beyond TLS-only, given the bucket's ARN and the account. */
  readonly statements: (bucketArn: string, account: string) => PolicyStatement[];
}

/**
 * A private, versioned, encrypted, TLS-only bucket kept on delete, and its companions. Returns the bucket and
 * everything that must be in place before anything writes to it.
 */
function privateBucket(
  name: string,
  settings: BucketSettings,
  ctx: AwsChildContext,
  account: pulumi.Input<string>,
): { bucket: s3.Bucket; ready: pulumi.Resource[] } {
  const opts = { parent: ctx.parent };
  const region = ctx.platform.region;
  const bucket = new s3.Bucket(
    name,
    { region, tags: ctx.tags },
    { ...opts, retainOnDelete: ctx.platform.retainOnDelete },
  );
  const publicAccess = new s3.BucketPublicAccessBlock(
    `${name}-public-access`,
    { bucket: bucket.id, region, ...BUCKET_PUBLIC_ACCESS_BLOCK },
    opts,
  );
  const ready: pulumi.Resource[] = [
    publicAccess,
    new s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.id, region, versioningConfiguration: { status: 'Enabled' } },
      opts,
    ),
    new s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      { bucket: bucket.id, region, rules: settings.encryption },
      opts,
    ),
    new s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      { bucket: bucket.id, region, rules: settings.lifecycle },
      opts,
    ),
    new s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: bucket.id,
        region,
        policy: pulumi.all([bucket.arn, account]).apply(([arn, acct]) =>
          JSON.stringify({
            Version: '2012-10-17',
            Statement: [tlsOnlyStatement(arn), ...settings.statements(arn, acct)],
          }),
        ),
      },
      // The public access block goes first: a policy put before it can briefly be evaluated without it.
      { ...opts, dependsOn: [publicAccess] },
    ),
  ];
  return { bucket, ready };
}

/** A bucket that is versioned, KMS-encrypted, private, TLS-only, access-logged, publishes events and is kept on delete. */
export function secureBucket(
  name: string,
  options: SecureBucketOptions,
  ctx: AwsChildContext,
  account: pulumi.Input<string>,
): SecureBucket {
  const opts = { parent: ctx.parent };
  const region = ctx.platform.region;
  const { bucket, ready } = privateBucket(
    name,
    {
      encryption: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: options.keyArn },
          bucketKeyEnabled: true,
        },
      ],
      lifecycle: [
        {
          id: 'expire-noncurrent-versions',
          status: 'Enabled',
          filter: { prefix: '' },
          noncurrentVersionExpiration: {
            noncurrentDays: options.noncurrentVersionDays ?? DEFAULT_NONCURRENT_VERSION_DAYS,
          },
          abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_MULTIPART_DAYS },
        },
      ],
      statements: () => [],
    },
    ctx,
    account,
  );
  ready.push(
    new s3.BucketNotification(
      `${name}-events`,
      { bucket: bucket.id, region, eventbridge: BUCKET_EVENTS_TO_EVENTBRIDGE },
      opts,
    ),
    new s3.BucketLogging(
      `${name}-access-logging`,
      { bucket: bucket.id, region, targetBucket: options.accessLogBucket, targetPrefix: `${name}/` },
      opts,
    ),
  );
  return { bucket, bucketName: bucket.bucket, bucketArn: bucket.arn, ready };
}

/**
 * The bucket S3 server access logs go to. S3 delivers logs only to buckets encrypted with S3-managed keys,
 * so this one uses SSE-S3; it is private, versioned, TLS-only and keeps logs for a year.
 */
export function accessLogBucket(
  name: string,
  ctx: AwsChildContext,
  account: pulumi.Input<string>,
): s3.Bucket {
  return privateBucket(
    name,
    {
      encryption: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
      lifecycle: [
        {
          id: 'expire-access-logs',
          status: 'Enabled',
          filter: { prefix: '' },
          expiration: { days: ACCESS_LOG_DAYS },
          noncurrentVersionExpiration: { noncurrentDays: ACCESS_LOG_NONCURRENT_DAYS },
        },
      ],
      statements: (arn, acct) => [accessLogDeliveryStatement(arn, acct)],
    },
    ctx,
    account,
  ).bucket;
}
