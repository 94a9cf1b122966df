import { defaultPhysicalName, HostPortClaims, stackNamePart } from '../../lib/core/deployment';
import { ProblemList } from '../../lib/core/validation';

describe('names per stack', () => {
  it('keeps <name>-<stage> in a stack named after its stage, or when the stack is not known', () => {
    expect(defaultPhysicalName('churn', 'prod', 'prod')).toBe('churn-prod');
    expect(defaultPhysicalName('churn', 'dev', undefined)).toBe('churn-dev');
    expect(defaultPhysicalName('churn', 'dev', 'Dev')).toBe('churn-dev');
  });

  it('uses the stack name in any other stack, so per-developer stacks of one stage do not collide', () => {
    expect(defaultPhysicalName('churn', 'dev', 'alice-dev')).toBe('churn-alice-dev');
    expect(defaultPhysicalName('churn', 'dev', 'bob.dev')).toBe('churn-bob-dev');
    expect(stackNamePart('Feature_42--Try')).toBe('feature-42-try');
  });
});

describe('host ports of one program', () => {
  const endpoint = { port: 8080, path: 'docker.hostPort', owner: 'ModelEndpoint "a"' };

  it('refuses a port another construct holds, naming it and the argument to change', () => {
    const claims = new HostPortClaims();
    const first = new ProblemList('ModelEndpoint', 'a');
    expect(claims.check(first, [endpoint])).toBe(true);
    claims.claim([endpoint]);
    const second = new ProblemList('ModelEndpoint', 'b');
    expect(claims.check(second, [{ ...endpoint, owner: 'ModelEndpoint "b"' }])).toBe(false);
    expect(second.list()).toEqual([
      {
        path: 'docker.hostPort',
        message: 'host port 8080 is already bound by ModelEndpoint "a" in this program',
        fix: 'give each construct its own host port (set `docker.hostPort`, such as 8081)',
      },
    ]);
  });

  it('holds nothing for a construct that only checked (it was refused)', () => {
    const claims = new HostPortClaims();
    claims.check(new ProblemList('X', 'x'), [endpoint]);
    expect(claims.check(new ProblemList('X', 'y'), [endpoint])).toBe(true);
  });
});

describe('in a program', () => {
  // Loaded here: the tests above need no Pulumi runtime.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { MlPipeline, ModelEndpoint } = require('../../lib') as typeof import('../../lib');
  const { recordProgram } = require('../../lib/testing') as typeof import('../../lib/testing');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const docker = { cloud: 'docker', stage: 'dev' } as const;
  const endpoint = (name: string, hostPort?: number) =>
    new ModelEndpoint(name, {
      platform: docker,
      version: 'v1',
      image: 'localhost:5000/serving:v1',
      docker: hostPort === undefined ? undefined : { hostPort },
    });
  const pipeline = (name: string, registryPort?: number) =>
    new MlPipeline(name, {
      platform: docker,
      training: { image: 'localhost:5000/train:v1' },
      evaluation: { command: ['python', 'evaluate.py'] },
      qualityGate: { metric: 'auc', threshold: 0.8 },
      docker: registryPort === undefined ? undefined : { registryPort },
    });

  test('two docker endpoints on one host port: the second is refused and registers nothing', async () => {
    let error: unknown;
    const rec = await recordProgram(() => {
      endpoint('churn');
      try {
        endpoint('fraud');
      } catch (e) {
        error = e;
      }
    });
    expect((error as Error).message).toBe(
      'ModelEndpoint "fraud" has 1 problem in its arguments:\n' +
        '  - docker.hostPort: host port 8080 is already bound by ModelEndpoint "churn" in this program. Fix: give each construct its own host port (set `docker.hostPort`, such as 8081).',
    );
    expect(rec.resources.filter((r) => r.name.startsWith('fraud'))).toEqual([]);
  });

  test('two pipelines on one registry port are refused; their own ports, and a new program, are fine', async () => {
    let error: unknown;
    await recordProgram(() => {
      pipeline('churn');
      try {
        pipeline('fraud');
      } catch (e) {
        error = e;
      }
    });
    expect((error as Error).message).toMatch(
      /docker\.registryPort: host port 5000 is already bound by MlPipeline "churn" in this program/,
    );
    const rec = await recordProgram(() => {
      pipeline('churn');
      pipeline('fraud', 5001);
      endpoint('churn');
      endpoint('fraud', 8081);
    });
    expect(rec.resources.filter((r) => !r.custom).map((r) => r.name)).toEqual([
      'churn',
      'fraud',
      'churn',
      'fraud',
    ]);
  });

  test('a stack whose config sets another stage names its resources after itself', async () => {
    const names: string[] = [];
    for (const stack of ['dev', 'alice-dev'])
      await recordProgram(
        () => {
          const e = new ModelEndpoint('churn', { version: 'v1', image: 'localhost:5000/serving:v1' });
          names.push(e.spec.endpointName);
        },
        { stack, config: { 'mlops:cloud': 'docker', 'mlops:stage': 'dev' } },
      );
    expect(names).toEqual(['churn-dev', 'churn-alice-dev']);
  });

  test('on gcp the key ring, which Cloud KMS never deletes, is named per stack too', async () => {
    const config = {
      'mlops:cloud': 'gcp',
      'mlops:stage': 'dev',
      'gcp:region': 'europe-west4',
      'gcp:project': 'churn-dev-4821',
    };
    const named = async (stack: string) => {
      const rec = await recordProgram(
        () =>
          new ModelEndpoint('churn', { version: 'v1', image: 'europe-west4-docker.pkg.dev/p/r/serving:v1' }),
        { stack, config },
      );
      return [
        rec.one('gcp:kms/keyRing:KeyRing', 'churn-keyring').inputs.name,
        rec.one('gcp:cloudrunv2/service:Service', 'churn-service').inputs.name,
      ];
    };
    expect(await named('dev')).toEqual(['churn-dev', 'churn-dev']);
    expect(await named('alice-dev')).toEqual(['churn-alice-dev', 'churn-alice-dev']);
  });
});
