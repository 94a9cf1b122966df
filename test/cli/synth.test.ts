import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readProject, readStackConfig } from '../../lib/cli/stack-config';
import { recordProgram } from '../../lib/testing';
import { churnSystem } from '../../stacks/pulumi/system';

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

  test('the tree names every resource under its parent', async () => {
    const rec = await recordProgram(() => churnSystem(), {
      project: 'churn',
      stack: 'dev',
      config: readStackConfig(readProject(ROOT), 'dev'),
    });
    const result = run('synth', '--stack', 'dev');
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n').slice(0, 3)).toEqual([
      `stack dev: ${rec.resources.length} resources`,
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

  test('a program with invalid arguments exits 1 with every problem on one line, and prints no JSON', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-cli-'));
    writeFileSync(path.join(dir, 'Pulumi.yaml'), 'name: broken\nruntime: nodejs\n');
    writeFileSync(
      path.join(dir, 'Pulumi.dev.yaml'),
      'config:\n  mlops:cloud: aws\n  aws:region: eu-west-1\n',
    );
    writeFileSync(
      path.join(dir, 'index.js'),
      `const { ModelEndpoint } = require(${JSON.stringify(path.join(ROOT, 'dist', 'lib'))});\nnew ModelEndpoint('churn', { version: 'v1', port: 9000 });\n`,
    );
    const result = run('synth', '--stack', 'dev', '--json', '--cwd', dir);
    expect([result.status, result.stdout]).toEqual([1, '']);
    expect(result.stderr).toBe(
      'mlops: ModelEndpoint "churn" has invalid arguments: image: is required (fix: give the serving image, preferably by digest (`repo@sha256:...`)); ' +
        'port: SageMaker sends requests to port 8080, not 9000 (fix: make the container listen on 8080 and remove `port`)\n',
    );
  });
});
