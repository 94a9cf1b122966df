import { ModelEndpoint, platformFromConfig as fromPackageRoot } from '../../lib';
import { mergePlatform } from '../../lib/core/platform-merge';
import { platformFromConfig, recordProgram } from '../../lib/testing';

const STACK = {
  'mlops:cloud': 'docker',
  'mlops:stage': 'dev',
  'mlops:tags': { team: 'ml', env: 'dev' },
};

describe('platformFromConfig', () => {
  test('is exported from the package root and from mlops-constructs/testing', () => {
    expect(fromPackageRoot).toBe(platformFromConfig);
  });

  test('a partial platform merges over the config: its fields win, tags merge key by key', async () => {
    let platform: unknown;
    await recordProgram(
      () => (platform = platformFromConfig({ stage: 'prod', tags: { env: 'prod', 'cost-centre': 'cc-42' } })),
      {
        config: {
          'mlops:cloud': 'aws',
          'mlops:stage': 'staging',
          'aws:region': 'eu-west-1',
          'mlops:tags': { team: 'ml', env: 'staging' },
        },
      },
    );
    expect(platform).toStrictEqual({
      cloud: 'aws',
      stage: 'prod',
      region: 'eu-west-1',
      tags: { team: 'ml', env: 'prod', 'cost-centre': 'cc-42' },
    });
  });

  test("the provider region fallback follows the override's cloud", async () => {
    let platform: unknown;
    await recordProgram(() => (platform = platformFromConfig({ cloud: 'gcp', stage: 'prod' })), {
      config: {
        'mlops:cloud': 'aws',
        'aws:region': 'eu-west-1',
        'gcp:region': 'europe-west4',
        'gcp:project': 'churn-1234',
      },
    });
    expect(platform).toStrictEqual({
      cloud: 'gcp',
      stage: 'prod',
      region: 'europe-west4',
      project: 'churn-1234',
    });
  });

  test('network is replaced as a whole, never mixed from both sources', () => {
    expect(
      mergePlatform(
        { cloud: 'aws', network: { subnetIds: ['subnet-a'], securityGroupIds: ['sg-a'] } },
        { network: { subnetIds: ['subnet-b'], securityGroupIds: ['sg-b'] } },
      ),
    ).toStrictEqual({ cloud: 'aws', network: { subnetIds: ['subnet-b'], securityGroupIds: ['sg-b'] } });
    expect(mergePlatform({}, {})).toBeUndefined();
  });

  test("a construct given only the team's tags keeps the stack's platform and both sets of tags", async () => {
    const rec = await recordProgram(
      () =>
        new ModelEndpoint('churn', {
          platform: { tags: { owner: 'fraud-team' } },
          version: 'v3',
          image: 'localhost:5000/churn:v3',
          modelDataUrl: '/models/v3',
        }),
      { config: STACK },
    );
    const serving = rec.one('docker:index/container:Container', 'churn-primary').inputs as {
      labels: { label: string; value: string }[];
    };
    const labels = Object.fromEntries(serving.labels.map((l) => [l.label, l.value]));
    expect(labels).toMatchObject({ team: 'ml', env: 'dev', owner: 'fraud-team', 'mlops-stage': 'dev' });
  });
});
