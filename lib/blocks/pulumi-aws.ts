/**
 * Secure AWS building blocks for the Pulumi renderers: a customer-managed key, and a construct's encrypted,
 * versioned, private, TLS-only buckets with their access-log bucket and, when the platform names a replica
 * region, their cross-region replicas. The facts come from `aws-storage.ts` and `aws-replication.ts`, shared
 * with CDK.
 */
import * as pulumi from '@pulumi/pulumi';
import * as iam from '@pulumi/aws/iam';
import * as kms from '@pulumi/aws/kms';
import * as s3 from '@pulumi/aws/s3';
import type { Platform } from '../core/platform';
import type { PolicyStatement } from './aws-iam';
import { replicationRolePolicy, replicationRule, replicationTrustPolicy } from './aws-replication';
import {
  ABORT_MULTIPART_DAYS,
  accessLogDeliveryStatement,
  accessLogPrefix,
  ACCESS_LOG_DAYS,
  ACCESS_LOG_NONCURRENT_DAYS,
  BUCKET_EVENTS_TO_EVENTBRIDGE,
  BUCKET_PUBLIC_ACCESS_BLOCK,
  DEFAULT_NONCURRENT_VERSION_DAYS,
  KEY_ROTATION_ENABLED,
  keyPolicy,
  OBJECT_OWNERSHIP,
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
  const key = rotatingKey(`${name}-key`, description, ctx.platform.region, ctx, account);
  return { keyArn: key.arn, key };
}

/** A new rotating key in a region, kept on delete unless the platform says otherwise. */
function rotatingKey(
  name: string,
  description: string,
  region: string,
  ctx: AwsChildContext,
  account: pulumi.Input<string>,
): kms.Key {
  const partition = awsPartition(region);
  return new kms.Key(
    name,
    {
      description,
      enableKeyRotation: KEY_ROTATION_ENABLED,
      deletionWindowInDays: 30,
      policy: pulumi.output(account).apply((acct) => JSON.stringify(keyPolicy({ partition, account: acct }))),
      region,
      tags: ctx.tags,
    },
    { parent: ctx.parent, retainOnDelete: ctx.platform.retainOnDelete },
  );
}

export interface SecureBucket {
  readonly bucket: s3.Bucket;
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  /**
   * Resolves once encryption, ownership, public access block, policy, lifecycle, logging and (with a replica
   * region) replication are in place: wait on it before writing.
   */
  readonly ready: pulumi.Resource[];
}

export interface BucketGroupOptions {
  /** The key encrypting the buckets. */
  readonly keyArn: pulumi.Input<string>;
  /** Suffixes of the buckets to create: bucket `data` is named `<name>-data`. */
  readonly buckets: readonly string[];
  /** Days before non-current object versions expire. Default 90. */
  readonly noncurrentVersionDays?: number;
  /**
   * Suffixes of the buckets copied to `platform.replicaRegion`, when the platform names one. Default: none.
   */
  readonly replicate?: readonly string[];
}

/** A construct's buckets, the bucket their access logs go to, and their replicas. */
export interface BucketGroup {
  /** Receives the server access logs of every bucket of the group (SSE-S3: S3 logs only to those). */
  readonly accessLogs: s3.Bucket;
  readonly buckets: Readonly<Record<string, SecureBucket>>;
  /** Replica buckets by suffix, in the replica region; empty without `platform.replicaRegion`. */
  readonly replicas: Readonly<Record<string, s3.Bucket>>;
  /** The key in the replica region; undefined without replicas. */
  readonly replicaKey?: kms.Key;
  /** The role S3 replicates with; undefined without replicas. */
  readonly replicationRole?: iam.Role;
}

/** What differs between the constructs' data buckets and their access-log buckets. */
interface BucketSettings {
  readonly region: string;
  readonly encryption: s3.BucketServerSideEncryptionConfigurationArgs['rules'];
  readonly lifecycle: s3.BucketLifecycleConfigurationArgs['rules'];
}

interface PrivateBucket {
  readonly bucket: s3.Bucket;
  readonly versioning: s3.BucketVersioning;
  readonly publicAccess: s3.BucketPublicAccessBlock;
  readonly ready: pulumi.Resource[];
}

/**
 * A private, versioned, encrypted bucket kept on delete, owned by its owner only (no ACLs), and its
 * companions. Its policy comes separately (`bucketPolicy`): an access-log bucket's policy names the buckets
 * that log into it, which exist only later.
 */
function privateBucket(name: string, settings: BucketSettings, ctx: AwsChildContext): PrivateBucket {
  const opts = { parent: ctx.parent };
  const region = settings.region;
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
  const versioning = new s3.BucketVersioning(
    `${name}-versioning`,
    { bucket: bucket.id, region, versioningConfiguration: { status: 'Enabled' } },
    opts,
  );
  const ready: pulumi.Resource[] = [
    publicAccess,
    versioning,
    new s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: bucket.id, region, rule: { objectOwnership: OBJECT_OWNERSHIP } },
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
  ];
  return { bucket, versioning, publicAccess, ready };
}

/** The bucket's policy: TLS only, plus the given statements. */
function bucketPolicy(
  name: string,
  target: PrivateBucket,
  region: string,
  statements: (bucketArn: string) => pulumi.Input<PolicyStatement[]>,
  ctx: AwsChildContext,
): s3.BucketPolicy {
  return new s3.BucketPolicy(
    `${name}-policy`,
    {
      bucket: target.bucket.id,
      region,
      policy: target.bucket.arn.apply((arn) =>
        pulumi
          .output(statements(arn))
          .apply((extra) =>
            JSON.stringify({ Version: '2012-10-17', Statement: [tlsOnlyStatement(arn), ...extra] }),
          ),
      ),
    },
    // The public access block goes first: a policy put before it can briefly be evaluated without it.
    { parent: ctx.parent, dependsOn: [target.publicAccess] },
  );
}

function kmsSettings(
  region: string,
  keyArn: pulumi.Input<string>,
  noncurrentVersionDays: number | undefined,
): BucketSettings {
  return {
    region,
    encryption: [
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: keyArn },
        bucketKeyEnabled: true,
      },
    ],
    lifecycle: [
      {
        id: 'expire-noncurrent-versions',
        status: 'Enabled',
        filter: { prefix: '' },
        noncurrentVersionExpiration: {
          noncurrentDays: noncurrentVersionDays ?? DEFAULT_NONCURRENT_VERSION_DAYS,
        },
        abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_MULTIPART_DAYS },
      },
    ],
  };
}

/** S3 delivers server access logs only to buckets with S3-managed encryption; logs are kept a year. */
function accessLogSettings(region: string): BucketSettings {
  return {
    region,
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
  };
}

/**
 * Buckets that log into one access-log bucket: each source sends its logs under its own prefix, and the
 * log bucket's policy lets S3 deliver exactly those (`accessLogDeliveryStatement`, the statement CDK uses).
 */
function loggedGroup(
  logName: string,
  sources: { name: string; settings: BucketSettings; events: boolean }[],
  region: string,
  ctx: AwsChildContext,
  account: pulumi.Input<string>,
): { logs: PrivateBucket; buckets: { name: string; bucket: PrivateBucket }[] } {
  const opts = { parent: ctx.parent };
  const logs = privateBucket(logName, accessLogSettings(region), ctx);
  const buckets = sources.map((source) => {
    const made = privateBucket(source.name, source.settings, ctx);
    made.ready.push(bucketPolicy(source.name, made, region, () => [], ctx));
    if (source.events)
      made.ready.push(
        new s3.BucketNotification(
          `${source.name}-events`,
          { bucket: made.bucket.id, region, eventbridge: BUCKET_EVENTS_TO_EVENTBRIDGE },
          opts,
        ),
      );
    return { name: source.name, bucket: made };
  });
  const delivery = pulumi
    .all([account, ...buckets.map((b) => b.bucket.bucket.arn)])
    .apply(([acct, ...arns]) =>
      arns.map((arn, i) => ({ acct, arn, prefix: accessLogPrefix(buckets[i].name) })),
    );
  const logPolicy = bucketPolicy(
    logName,
    logs,
    region,
    (logArn) =>
      delivery.apply((list) =>
        list.map((d) => accessLogDeliveryStatement(logArn, { bucketArn: d.arn, prefix: d.prefix }, d.acct)),
      ),
    ctx,
  );
  // Logging starts only once the log bucket takes deliveries: its owner-only setting and the policy that
  // lets S3 write each source's prefix.
  for (const { name: sourceName, bucket } of buckets)
    bucket.ready.push(
      new s3.BucketLogging(
        `${sourceName}-access-logging`,
        {
          bucket: bucket.bucket.id,
          region,
          targetBucket: logs.bucket.bucket,
          targetPrefix: accessLogPrefix(sourceName),
        },
        { ...opts, dependsOn: [...logs.ready, logPolicy] },
      ),
    );
  return { logs, buckets };
}

/**
 * A construct's buckets: each versioned, KMS-encrypted, private, TLS-only, owner-only, publishing its
 * events, access-logged into the group's log bucket, and kept on delete. With `platform.replicaRegion`, the
 * buckets listed in `replicate` are copied by S3 cross-region replication into versioned buckets there,
 * encrypted with a key made in that region and logged into a log bucket there, through a role that can do
 * only that.
 */
export function loggedBuckets(
  name: string,
  options: BucketGroupOptions,
  ctx: AwsChildContext,
  account: pulumi.Input<string>,
): BucketGroup {
  const region = ctx.platform.region;
  const group = loggedGroup(
    `${name}-access-logs`,
    options.buckets.map((suffix) => ({
      name: `${name}-${suffix}`,
      settings: kmsSettings(region, options.keyArn, options.noncurrentVersionDays),
      events: true,
    })),
    region,
    ctx,
    account,
  );
  const buckets: Record<string, SecureBucket> = {};
  options.buckets.forEach((suffix, i) => {
    const { bucket, ready } = group.buckets[i].bucket;
    buckets[suffix] = { bucket, bucketName: bucket.bucket, bucketArn: bucket.arn, ready };
  });
  const replicated = options.replicate?.filter((suffix) => options.buckets.includes(suffix)) ?? [];
  const replicaRegion = ctx.platform.replicaRegion;
  if (!replicaRegion || replicated.length === 0)
    return { accessLogs: group.logs.bucket, buckets, replicas: {} };

  const replicaKey = rotatingKey(
    `${name}-replica-key`,
    `Encrypts the replicas of ${name}'s buckets in ${replicaRegion}.`,
    replicaRegion,
    ctx,
    account,
  );
  const replicaGroup = loggedGroup(
    `${name}-replica-access-logs`,
    replicated.map((suffix) => ({
      name: `${name}-${suffix}-replica`,
      settings: kmsSettings(replicaRegion, replicaKey.arn, options.noncurrentVersionDays),
      events: false,
    })),
    replicaRegion,
    ctx,
    account,
  );
  const source = (i: number) => group.buckets[options.buckets.indexOf(replicated[i])].bucket;
  const role = new iam.Role(
    `${name}-replication-role`,
    {
      description: `Lets S3 replicate ${name}'s buckets to ${replicaRegion}.`,
      assumeRolePolicy: pulumi.output(account).apply((acct) => JSON.stringify(replicationTrustPolicy(acct))),
      tags: ctx.tags,
    },
    { parent: ctx.parent },
  );
  const rolePolicy = new iam.RolePolicy(
    `${name}-replication-policy`,
    {
      role: role.id,
      policy: pulumi
        .all([
          options.keyArn,
          replicaKey.arn,
          pulumi.all(replicated.map((_, i) => source(i).bucket.arn)),
          pulumi.all(replicaGroup.buckets.map((b) => b.bucket.bucket.arn)),
        ])
        .apply(([sourceKeyArn, replicaKeyArn, sourceArns, replicaArns]) =>
          JSON.stringify(
            replicationRolePolicy({
              region,
              replicaRegion,
              sourceKeyArn,
              replicaKeyArn,
              pairs: sourceArns.map((sourceBucketArn, i) => ({
                sourceBucketArn,
                replicaBucketArn: replicaArns[i],
              })),
            }),
          ),
        ),
    },
    { parent: ctx.parent },
  );
  const replicas: Record<string, s3.Bucket> = {};
  replicated.forEach((suffix, i) => {
    const replica = replicaGroup.buckets[i].bucket;
    replicas[suffix] = replica.bucket;
    // Objects written before the configuration exists are not replicated: writers wait for it.
    buckets[suffix].ready.push(
      new s3.BucketReplicationConfig(
        `${name}-${suffix}-replication`,
        {
          bucket: source(i).bucket.id,
          region,
          role: role.arn,
          rules: pulumi
            .all([replica.bucket.arn, replicaKey.arn])
            .apply(([replicaArn, keyArn]) => [replicationRule(replicaArn, keyArn)]),
        },
        // S3 refuses a replication configuration until both buckets keep versions.
        {
          parent: ctx.parent,
          dependsOn: [source(i).versioning, replica.versioning, rolePolicy, ...replica.ready],
        },
      ),
    );
  });
  return { accessLogs: group.logs.bucket, buckets, replicas, replicaKey, replicationRole: role };
}
