import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'lib', 'cli', 'main.js');
const run = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });

describe('mlops synth', () => {
  test('--json prints exactly one JSON object with every resource of the prod stack', () => {
    const out = execFileSync(process.execPath, [CLI, 'synth', '--stack', 'prod', '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const result = JSON.parse(out);
    expect(Object.keys(result)).toEqual(['stack', 'resources']);
    expect(result.stack).toBe('prod');
    const endpoint = result.resources.find(
      (r: { type: string }) => r.type === 'aws:sagemaker/endpoint:Endpoint',
    );
    expect(endpoint).toMatchObject({
      name: 'churn-endpoint',
      urn: 'urn:pulumi:prod::churn::mlops:index:ModelEndpoint$aws:sagemaker/endpoint:Endpoint::churn-endpoint',
      parent: 'urn:pulumi:prod::churn::mlops:index:ModelEndpoint::churn',
      inputs: { name: 'churn-prod' },
    });
    expect(endpoint.dependencies).toEqual(
      expect.arrayContaining([
        'urn:pulumi:prod::churn::mlops:index:ModelEndpoint$aws:cloudwatch/metricAlarm:MetricAlarm::churn-rollback-5xx',
      ]),
    );
  });

  test('the tree names every resource under its parent', () => {
    const result = run('synth', '--stack', 'dev');
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n').slice(0, 3)).toEqual([
      'stack dev: 19 resources',
      '  churn  (mlops:index:ModelEndpoint)',
      '    churn-gateway  (docker:index/container:Container)',
    ]);
  });

  test('an unknown stack exits 1 with a one-line reason and prints nothing on stdout', () => {
    const result = run('synth', '--stack', 'qa', '--json');
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `mlops: unknown stack "qa": no Pulumi.qa.yaml in ${ROOT} (stacks: dev, prod, staging)\n`,
    );
  });

  test('a missing --stack is refused with the usage', () => {
    const result = run('synth');
    expect([result.status, result.stdout, result.stderr]).toEqual([
      1,
      '',
      'mlops: --stack is required. usage: mlops synth --stack NAME [--json] [--cwd DIR]\n',
    ]);
  });
});
