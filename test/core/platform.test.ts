import { resolvePlatform } from '../../lib/core/platform';
import { platformFromConfig } from '../../lib/core/platform-config';
import { platformFromContext } from '../../lib/core/platform-context';
import { App } from 'aws-cdk-lib';
import { NAME_RULES, nameProblem } from '../../lib/core/naming';
import { ProblemList, ValidationError } from '../../lib/core/validation';
import { recordProgram } from '../../lib/testing';

describe('platform', () => {
  test('reads the stack config namespace mlops, falling back to the provider region and project', async () => {
    let platform: unknown;
    await recordProgram(() => (platform = platformFromConfig()), {
      config: {
        'mlops:cloud': 'gcp',
        'mlops:stage': 'prod',
        'gcp:region': 'europe-west4',
        'gcp:project': 'churn-prod-1234',
        'mlops:tags': { team: 'ml' },
        'mlops:retainOnDelete': 'false',
      },
    });
    expect(platform).toEqual({
      cloud: 'gcp',
      stage: 'prod',
      region: 'europe-west4',
      project: 'churn-prod-1234',
      tags: { team: 'ml' },
      kmsKeyId: undefined,
      network: undefined,
      retainOnDelete: false,
    });
  });

  test('without mlops:cloud there is no platform', async () => {
    let platform: unknown = 'unset';
    await recordProgram(() => (platform = platformFromConfig()), { config: { 'aws:region': 'eu-west-1' } });
    expect(platform).toBeUndefined();
  });

  test('applies defaults: dev stage, retained data, no region on docker', () => {
    const problems = new ProblemList('X', 'x');
    expect(resolvePlatform({ cloud: 'docker', region: 'eu-west-1' }, problems)).toEqual({
      cloud: 'docker',
      stage: 'dev',
      region: '',
      project: '',
      tags: {},
      kmsKeyId: undefined,
      network: {},
      retainOnDelete: true,
      replicaRegion: undefined,
      bucketLocation: 'region',
      enableApis: true,
      nameSuffix: 'dev',
    });
    expect(problems.count).toBe(0);
  });

  test('reports each platform problem with its path and fix', () => {
    const problems = new ProblemList('ModelEndpoint', 'churn');
    resolvePlatform(
      { cloud: 'aws', stage: 'qa' as never, region: 'Ireland', network: { subnetIds: ['subnet-1'] } },
      problems,
    );
    expect(problems.list()).toEqual([
      {
        path: 'platform.stage',
        message: '"qa" is not one of dev, staging, prod',
        fix: 'use one of dev, staging, prod',
      },
      {
        path: 'platform.region',
        message: '"Ireland" is not an AWS region name',
        fix: 'use a region such as `us-east-1` or `eu-west-1`',
      },
      {
        path: 'platform.network',
        message: 'subnetIds and securityGroupIds must be given together',
        fix: 'give both, or neither for the managed network',
      },
    ]);
    expect(() => problems.throwIfAny()).toThrow(ValidationError);
  });
});

describe('platform from CDK context', () => {
  test('reads the mlops key as an object or a JSON string', () => {
    expect(
      platformFromContext(new App({ context: { mlops: { cloud: 'aws', region: 'eu-west-1' } } })),
    ).toEqual({ cloud: 'aws', region: 'eu-west-1' });
    expect(platformFromContext(new App({ context: { mlops: '{"cloud":"aws","stage":"prod"}' } }))).toEqual({
      cloud: 'aws',
      stage: 'prod',
    });
  });

  test('bad JSON names the context key and the fix', () => {
    expect(() => platformFromContext(new App({ context: { mlops: '{cloud: aws}' } }))).toThrow(
      `platform: CDK context "mlops" is not JSON ({cloud: aws}). Fix: -c mlops='{"cloud":"aws","stage":"prod","region":"eu-west-1"}' or an object under "context" in cdk.json.`,
    );
  });
});

describe('naming rules', () => {
  test.each([
    [NAME_RULES.sagemaker, 'churn-prod', undefined],
    [NAME_RULES.sagemaker, 'churn_prod', '"churn_prod" is not a valid name here'],
    [NAME_RULES.cloudRunService, 'Churn', '"Churn" is not a valid name here'],
    [NAME_RULES.gcpServiceAccount, 'abc', '"abc" is 3 characters, fewer than 6'],
    [NAME_RULES.version, 'v12', undefined],
    [NAME_RULES.version, 'release-2024-06-01', '"release-2024-06-01" is 18 characters, more than 13'],
  ])('%#: %s', (rule, name, problem) => {
    expect(nameProblem(name, rule)).toBe(problem);
  });
});

describe('platform keys', () => {
  const list = (args: unknown) => {
    const problems = new ProblemList('ModelEndpoint', 'churn');
    resolvePlatform(args as never, problems);
    return problems.list().map((p) => `${p.path}: ${p.message}. Fix: ${p.fix}`);
  };

  test('aws takes a KMS key ARN in its own region, not an alias or a bare key id', () => {
    const aws = { cloud: 'aws', stage: 'prod', region: 'eu-west-1' };
    expect(
      list({
        ...aws,
        kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      }),
    ).toEqual([]);
    expect(
      list({
        ...aws,
        kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab',
      }),
    ).toEqual([]);
    const notArn =
      'Fix: give the key ARN, `arn:aws:kms:<region>:<account>:key/<key id>` (not an alias, alias ARN or bare key id: IAM grants and bucket encryption need the key ARN)';
    expect(list({ ...aws, kmsKeyId: 'alias/churn' })).toEqual([
      `platform.kmsKeyId: "alias/churn" is not a KMS key ARN. ${notArn}`,
    ]);
    expect(list({ ...aws, kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:alias/churn' })).toEqual([
      `platform.kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:alias/churn" is not a KMS key ARN. ${notArn}`,
    ]);
    expect(list({ ...aws, kmsKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' })).toHaveLength(1);
    expect(
      list({
        ...aws,
        kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      }),
    ).toEqual([
      'platform.kmsKeyId: the key is in us-east-1, but the platform deploys to eu-west-1. Fix: use a key in eu-west-1: S3 and SageMaker need a key in their own region (a multi-Region key has a replica ARN there)',
    ]);
  });

  test('gcp takes a crypto key id in its region, not a key version', () => {
    const gcp = { cloud: 'gcp', stage: 'prod', region: 'europe-west4', project: 'churn-prod-4821' };
    const key = 'projects/sec-keys-1/locations/europe-west4/keyRings/ml/cryptoKeys/churn';
    expect(list({ ...gcp, kmsKeyId: key })).toEqual([]);
    expect(list({ ...gcp, kmsKeyId: `${key}/cryptoKeyVersions/1` })).toEqual([
      `platform.kmsKeyId: "${key}/cryptoKeyVersions/1" is not a Cloud KMS crypto key id. Fix: give \`projects/<project>/locations/<region>/keyRings/<ring>/cryptoKeys/<key>\` (not a key version)`,
    ]);
    expect(list({ ...gcp, kmsKeyId: key.replace('europe-west4', 'us-central1') })).toEqual([
      'platform.kmsKeyId: the key is in us-central1, but the platform deploys to europe-west4. Fix: use a key ring in europe-west4: Cloud Run and regional buckets need a key in their own location',
    ]);
  });

  test('gcp: a platform key with buckets outside the region is refused (one key cannot be in two locations)', () => {
    const gcp = { cloud: 'gcp', stage: 'prod', region: 'europe-west4', project: 'churn-prod-4821' };
    const key = 'projects/sec-keys-1/locations/europe-west4/keyRings/ml/cryptoKeys/churn';
    expect(list({ ...gcp, kmsKeyId: key, bucketLocation: 'region' })).toEqual([]);
    expect(list({ ...gcp, bucketLocation: 'multi-region' })).toEqual([]);
    expect(list({ ...gcp, kmsKeyId: key, bucketLocation: 'multi-region' })).toEqual([
      'platform.bucketLocation: is multi-region (EU) and platform.kmsKeyId is given, but one key cannot be in both europe-west4 (Cloud Run, Artifact Registry, Workflows) and EU (the buckets). Fix: use bucketLocation `region` with that key, or leave kmsKeyId out and let the construct create its keys (one in each location)',
    ]);
  });

  test('gcp: dual-region buckets are refused, with or without a platform key: no documented Cloud KMS location for their key', () => {
    const gcp = { cloud: 'gcp', stage: 'prod', region: 'us-central1', project: 'churn-prod-4821' };
    const refused =
      "platform.bucketLocation: is dual-region (NAM4), but no Cloud KMS location is documented for a key that encrypts a NAM4 bucket. Fix: use bucketLocation `multi-region` (a key in the continent's Cloud KMS multi-region) or `region`";
    expect(list({ ...gcp, bucketLocation: 'dual-region' })).toEqual([refused]);
    const key = 'projects/sec-keys-1/locations/us-central1/keyRings/ml/cryptoKeys/churn';
    expect(list({ ...gcp, kmsKeyId: key, bucketLocation: 'dual-region' })).toEqual([refused]);
  });

  test('wrong shapes and unknown keys are reported, never thrown as TypeErrors', () => {
    expect(
      list({ cloud: 'aws', stage: 'prod', region: 'eu-west-1', network: { subnetIds: 'subnet-1' }, tag: {} }),
    ).toEqual([
      'platform.tag: is not a known argument. Fix: did you mean `tags`?',
      'platform.network.subnetIds: is the string "subnet-1", not a list of strings. Fix: give a list of strings, such as ["subnet-0abc"]',
    ]);
    expect(list('aws')).toEqual(['platform: is the string "aws", not an object. Fix: give an object']);
  });

  test('gcp without a stage is refused; docker defaults to dev', () => {
    expect(list({ cloud: 'gcp', region: 'europe-west4', project: 'churn-dev-4821' })[0]).toMatch(
      /^platform\.stage: is required on gcp: without it the stack would silently get dev's defaults/,
    );
    expect(list({ cloud: 'docker' })).toEqual([]);
  });
});
