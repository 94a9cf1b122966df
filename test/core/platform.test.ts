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
