/**
 * Pulumi aws storage: access logs delivered by the same bucket-policy statement CDK uses (per source bucket,
 * `aws:SourceArn` and `aws:SourceAccount`), no ACLs, and opt-in cross-region replication of the data and
 * artifact buckets into versioned buckets in the replica region, encrypted with a key made there, through a
 * role that can do that and nothing else (checked by IAM policy simulation).
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { accessLogDeliveryStatement, keyPolicy, tlsOnlyStatement } from '../../lib/blocks/aws-storage';
import { MlPipeline } from '../../lib/ml-pipeline/pulumi';
import { evaluatePolicies } from '../../lib/policy';
import { ModelEndpoint } from '../../lib/model-endpoint/pulumi';
import { recordProgram, type Recording } from '../../lib/testing';
import { autoName, MOCK_AWS_ACCOUNT } from '../../lib/testing/mock-outputs';
import { S3_BUCKET_NAME_RULE } from '../../lib/blocks/bucket-names';
import { AWS_PROD, endpointArgs, thrown } from '../helpers';
import { pipelineArgs } from '../ml-pipeline/fixtures';
import { watched } from '../support/watch';

const T = {
  bucket: 'aws:s3/bucket:Bucket',
  policy: 'aws:s3/bucketPolicy:BucketPolicy',
  ownership: 'aws:s3/bucketOwnershipControls:BucketOwnershipControls',
  logging: 'aws:s3/bucketLogging:BucketLogging',
  encryption: 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  versioning: 'aws:s3/bucketVersioning:BucketVersioning',
  replication: 'aws:s3/bucketReplicationConfig:BucketReplicationConfig',
  key: 'aws:kms/key:Key',
  role: 'aws:iam/role:Role',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
};
const arn = (name: string) => `arn:aws:s3:::${autoName(name)}`;
const doc = (rec: Recording, type: string, name: string, key = 'policy') =>
  JSON.parse(rec.one(type, name).inputs[key] as string);

describe('access logs on Pulumi aws', () => {
  let rec: Recording;
  beforeAll(async () => {
    rec = await recordProgram(() => {
      new MlPipeline('churn', pipelineArgs(AWS_PROD));
      watched(new ModelEndpoint('api', endpointArgs(AWS_PROD)));
    });
  });

  test('logging starts only once the log bucket takes deliveries: owner-only and its delivery policy', () => {
    const urn = (type: string, name: string) => rec.one(type, name).urn;
    for (const [source, logBucket] of [
      ['churn-data', 'churn-access-logs'],
      ['churn-artifacts', 'churn-access-logs'],
      ['api-capture', 'api-access-logs'],
    ])
      expect(rec.one(T.logging, `${source}-access-logging`).dependencies).toEqual(
        expect.arrayContaining([
          urn(T.policy, `${logBucket}-policy`),
          urn(T.ownership, `${logBucket}-ownership`),
        ]),
      );
  });

  test('the log bucket admits each logged bucket of this account under its own prefix, as in CDK', () => {
    const logs = arn('churn-access-logs');
    expect(doc(rec, T.policy, 'churn-access-logs-policy').Statement).toEqual([
      tlsOnlyStatement(logs),
      accessLogDeliveryStatement(
        logs,
        { bucketArn: arn('churn-data'), prefix: 'churn-data/' },
        MOCK_AWS_ACCOUNT,
      ),
      accessLogDeliveryStatement(
        logs,
        { bucketArn: arn('churn-artifacts'), prefix: 'churn-artifacts/' },
        MOCK_AWS_ACCOUNT,
      ),
    ]);
    expect(doc(rec, T.policy, 'churn-access-logs-policy').Statement[1]).toEqual({
      Effect: 'Allow',
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: `${logs}/churn-data/*`,
      Condition: {
        ArnLike: { 'aws:SourceArn': arn('churn-data') },
        StringEquals: { 'aws:SourceAccount': MOCK_AWS_ACCOUNT },
      },
    });
    const endpointLogs = arn('api-access-logs');
    expect(doc(rec, T.policy, 'api-access-logs-policy').Statement).toEqual([
      tlsOnlyStatement(endpointLogs),
      accessLogDeliveryStatement(
        endpointLogs,
        { bucketArn: arn('api-capture'), prefix: 'api-capture/' },
        MOCK_AWS_ACCOUNT,
      ),
    ]);
    expect(rec.one(T.logging, 'churn-data-access-logging').inputs).toMatchObject({
      targetBucket: autoName('churn-access-logs'),
      targetPrefix: 'churn-data/',
    });
  });

  test('every bucket enforces bucket-owner ownership: no ACLs anywhere', () => {
    const buckets = rec
      .ofType(T.bucket)
      .map((b) => b.name)
      .sort();
    expect(buckets).toEqual([
      'api-access-logs',
      'api-capture',
      'churn-access-logs',
      'churn-artifacts',
      'churn-data',
    ]);
    expect(
      rec
        .ofType(T.ownership)
        .map((o) => [o.name, o.inputs.rule])
        .sort(),
    ).toEqual(buckets.map((b) => [`${b}-ownership`, { objectOwnership: 'BucketOwnerEnforced' }]));
  });

  test('without a replica region nothing replicates', () => {
    expect(rec.ofType(T.replication)).toEqual([]);
    expect(
      rec
        .ofType(T.key)
        .map((k) => k.name)
        .sort(),
    ).toEqual(['api-key', 'churn-key']);
  });
});

describe('replication on Pulumi aws (platform.replicaRegion)', () => {
  const PLATFORM = { ...AWS_PROD, replicaRegion: 'eu-central-1' };
  let rec: Recording;
  beforeAll(async () => {
    rec = await recordProgram(() => {
      new MlPipeline('churn', pipelineArgs(PLATFORM));
    });
  });

  test('the data and artifact buckets replicate into versioned, KMS-encrypted, logged buckets in the replica region', () => {
    const key = rec.one(T.key, 'churn-replica-key');
    expect(key.inputs).toMatchObject({ region: 'eu-central-1', enableKeyRotation: true });
    expect(key.retainOnDelete).toBe(true);
    const keyArn = `arn:aws:kms:eu-central-1:${MOCK_AWS_ACCOUNT}:key/${key.inputs.keyId ?? ''}`;
    for (const suffix of ['data', 'artifacts']) {
      const replica = `churn-${suffix}-replica`;
      expect(rec.one(T.bucket, replica).inputs.region).toBe('eu-central-1');
      expect(rec.one(T.bucket, replica).retainOnDelete).toBe(true);
      expect(rec.one(T.versioning, `${replica}-versioning`).inputs).toMatchObject({
        region: 'eu-central-1',
        versioningConfiguration: { status: 'Enabled' },
      });
      const encryption = rec.one(T.encryption, `${replica}-encryption`).inputs as any;
      expect(encryption.region).toBe('eu-central-1');
      expect(encryption.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).toBe('aws:kms');
      expect(encryption.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId).toMatch(
        /^arn:aws:kms:eu-central-1:123456789012:key\//,
      );
      expect(rec.one(T.logging, `${replica}-access-logging`).inputs).toMatchObject({
        region: 'eu-central-1',
        targetBucket: autoName('churn-replica-access-logs'),
        targetPrefix: `${replica}/`,
      });
      const config = rec.one(T.replication, `churn-${suffix}-replication`);
      expect(config.inputs).toEqual({
        bucket: autoName(`churn-${suffix}`),
        region: 'eu-west-1',
        role: `arn:aws:iam::${MOCK_AWS_ACCOUNT}:role/${autoName('churn-replication-role')}`,
        rules: [
          {
            id: 'replicate-to-second-region',
            status: 'Enabled',
            priority: 1,
            filter: { prefix: '' },
            deleteMarkerReplication: { status: 'Disabled' },
            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
            destination: {
              bucket: arn(replica),
              encryptionConfiguration: {
                replicaKmsKeyId: encryption.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId,
              },
            },
          },
        ],
      });
      // S3 accepts the configuration only once both buckets keep versions.
      expect(config.dependencies).toEqual(
        expect.arrayContaining([
          rec.one(T.versioning, `churn-${suffix}-versioning`).urn,
          rec.one(T.versioning, `${replica}-versioning`).urn,
          rec.one(T.rolePolicy, 'churn-replication-policy').urn,
        ]),
      );
    }
    expect(keyArn).toContain('eu-central-1');
    expect(rec.one(T.bucket, 'churn-replica-access-logs').inputs.region).toBe('eu-central-1');
  });

  test("the replicas pass the project's policy rules, mandatory and advisory", () => {
    expect(evaluatePolicies(rec.resources)).toEqual([]);
  });

  test('S3 may assume the replication role for this account only', () => {
    expect(doc(rec, T.role, 'churn-replication-role', 'assumeRolePolicy')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': MOCK_AWS_ACCOUNT } },
        },
      ],
    });
  });

  describe('the replication role, simulated', () => {
    let policy: any;
    let sourceKey: string;
    let replicaKey: string;
    beforeAll(() => {
      policy = doc(rec, T.rolePolicy, 'churn-replication-policy');
      sourceKey = (rec.one(T.encryption, 'churn-data-encryption').inputs as any).rules[0]
        .applyServerSideEncryptionByDefault.kmsMasterKeyId;
      replicaKey = (rec.one(T.encryption, 'churn-data-replica-encryption').inputs as any).rules[0]
        .applyServerSideEncryptionByDefault.kmsMasterKeyId;
    });

    async function decide(action: string, resource: string, context: Record<string, string> = {}) {
      const result = await runSimulation(
        {
          request: {
            principal: `arn:aws:iam::${MOCK_AWS_ACCOUNT}:role/${autoName('churn-replication-role')}`,
            action,
            resource: { resource, accountId: MOCK_AWS_ACCOUNT },
            contextVariables: context,
          },
          identityPolicies: [{ name: 'replication', policy }],
          // Keys decide with their key policy too: ours delegates to IAM, as the deployed keys do.
          resourcePolicy: action.startsWith('kms:')
            ? keyPolicy({ partition: 'aws', account: MOCK_AWS_ACCOUNT })
            : undefined,
          serviceControlPolicies: [],
          resourceControlPolicies: [],
        },
        {},
      );
      if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
      return result.overallResult;
    }

    test.each([
      ['s3:GetReplicationConfiguration', () => arn('churn-data'), {}],
      ['s3:GetObjectVersionForReplication', () => `${arn('churn-artifacts')}/models/churn/model.tar.gz`, {}],
      ['s3:ReplicateObject', () => `${arn('churn-data-replica')}/training/part-0.csv`, {}],
      ['s3:ReplicateTags', () => `${arn('churn-artifacts-replica')}/models/m.tar.gz`, {}],
    ])('allows %s on its own buckets', async (action, resource, context) => {
      expect(await decide(action, resource(), context)).toBe('Allowed');
    });

    test('decrypts with the source key and encrypts with the replica key, through S3 in each region only', async () => {
      // The simulator ignores `kms:EncryptionContext:aws:s3:arn` (a context key with colons in its name), so
      // a statement conditioned on it never matches there: the encryption context is asserted exactly
      // instead, and the rest of each KMS statement is simulated.
      const contexts = policy.Statement.filter((st: any) => String(st.Action).includes('kms:')).map(
        (st: any) => [st.Sid, st.Condition.StringLike['kms:EncryptionContext:aws:s3:arn']],
      );
      expect(contexts).toEqual([
        [
          'DecryptSources',
          [
            arn('churn-data'),
            `${arn('churn-data')}/*`,
            arn('churn-artifacts'),
            `${arn('churn-artifacts')}/*`,
          ],
        ],
        [
          'EncryptReplicas',
          [
            arn('churn-data-replica'),
            `${arn('churn-data-replica')}/*`,
            arn('churn-artifacts-replica'),
            `${arn('churn-artifacts-replica')}/*`,
          ],
        ],
      ]);
      policy = {
        ...policy,
        Statement: policy.Statement.map((st: any) => {
          if (!st.Condition?.StringLike) return st;
          const rest = { ...st.Condition };
          delete rest.StringLike;
          return { ...st, Condition: rest };
        }),
      };
      const via = (region: string) => ({ 'kms:ViaService': `s3.${region}.amazonaws.com` });
      expect(await decide('kms:Decrypt', sourceKey, via('eu-west-1'))).toBe('Allowed');
      expect(await decide('kms:Encrypt', replicaKey, via('eu-central-1'))).toBe('Allowed');
      expect(await decide('kms:Decrypt', replicaKey, via('eu-central-1'))).toBe('Allowed');
      // A key outside S3, through S3 in the other region, or used for what replication never does.
      expect(await decide('kms:Decrypt', sourceKey, via('eu-central-1'))).toBe('ImplicitlyDenied');
      expect(
        await decide('kms:Decrypt', sourceKey, { 'kms:ViaService': 'sagemaker.eu-west-1.amazonaws.com' }),
      ).toBe('ImplicitlyDenied');
      expect(await decide('kms:Encrypt', sourceKey, via('eu-west-1'))).toBe('ImplicitlyDenied');
      expect(await decide('kms:Encrypt', replicaKey, via('eu-west-1'))).toBe('ImplicitlyDenied');
      expect(await decide('kms:GenerateDataKey', replicaKey, via('eu-central-1'))).toBe('ImplicitlyDenied');
      // The key policy itself refuses grants not made by an AWS service for an AWS resource.
      expect(await decide('kms:CreateGrant', sourceKey, via('eu-west-1'))).toBe('ExplicitlyDenied');
    });

    test.each([
      ['s3:GetObject', () => `${arn('churn-data')}/training/part-0.csv`],
      ['s3:PutObject', () => `${arn('churn-data-replica')}/training/part-0.csv`],
      ['s3:ReplicateObject', () => `${arn('churn-data')}/training/part-0.csv`],
      ['s3:ReplicateObject', () => 'arn:aws:s3:::another-bucket/x'],
      ['s3:GetObjectVersionForReplication', () => 'arn:aws:s3:::another-bucket/x'],
      ['s3:DeleteObject', () => `${arn('churn-artifacts-replica')}/models/m.tar.gz`],
    ])('denies %s on %s', async (action, resource) => {
      expect(await decide(action, resource())).toBe('ImplicitlyDenied');
    });
  });

  test('a data bucket brought by the user is not replicated; the artifacts still are', async () => {
    const own = await recordProgram(() => {
      new MlPipeline('churn', pipelineArgs(PLATFORM, { data: { bucketName: 'team-data' } } as never));
    });
    expect(own.ofType(T.replication).map((r) => r.name)).toEqual(['churn-artifacts-replication']);
    expect(
      own
        .ofType(T.bucket)
        .map((b) => b.name)
        .sort(),
    ).toEqual([
      'churn-access-logs',
      'churn-artifacts',
      'churn-artifacts-replica',
      'churn-replica-access-logs',
    ]);
  });
});

test('with replicas, the construct name leaves room for the longest bucket name, <name>-replica-access-logs-<7>', () => {
  const name = 'c'.repeat(36);
  const err = thrown(
    () => new MlPipeline(name, pipelineArgs({ ...AWS_PROD, replicaRegion: 'eu-central-1' })),
  );
  expect(err.message).toBe(
    `MlPipeline "${name}" has 1 problem in its arguments:\n` +
      `  - name: "${name}-replica-access-logs-0000000" must be 3 to 63 characters long for S3 (buckets are auto-named after the construct). Fix: give the construct a name that S3 accepts in bucket names: ${S3_BUCKET_NAME_RULE}, at most 35 characters.`,
  );
});

test('a 35-character name with replicas, and a 36-character one without, are accepted', async () => {
  const rec = await recordProgram(() => {
    new MlPipeline('c'.repeat(35), pipelineArgs({ ...AWS_PROD, replicaRegion: 'eu-central-1' }));
    new MlPipeline('d'.repeat(36), pipelineArgs(AWS_PROD));
  });
  expect(rec.ofType(T.bucket).map((b) => b.name)).toContain(`${'c'.repeat(35)}-replica-access-logs`);
});
