import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readProject, readStackConfig } from '../../lib/cli/stack-config';
import { recordProgram } from '../../lib/testing';
import { churnSystem } from '../../stacks/pulumi/system';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'lib', 'cli', 'main.js');
const USAGE =
  'usage: mlops synth|promote|release show|release set|release finish|digest ... (mlops --help says more) | mlops --help | mlops --version';
const SYNTH_USAGE = 'usage: mlops synth --stack NAME [--json] [--cwd DIR] [--mocks FILE] [--show-secrets]';
const run = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });

/** A team's project in a temporary folder: files by relative path. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-cli-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

// The team's program loads the same Pulumi SDK as the CLI, as an installed project would.
const PULUMI = JSON.stringify(require.resolve('@pulumi/pulumi'));
const S3 = JSON.stringify(require.resolve('@pulumi/aws/s3'));

describe('mlops synth on the reference project', () => {
  test('--json prints exactly one JSON object: the stack, its outputs and every resource', () => {
    const out = execFileSync(process.execPath, [CLI, 'synth', '--stack', 'prod', '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const result = JSON.parse(out);
    expect(Object.keys(result)).toEqual(['stack', 'outputs', 'resources', 'notices']);
    expect(result.stack).toBe('prod');
    expect(result.outputs).toMatchObject({
      endpointName: 'churn-prod',
      endpointUrl: 'https://runtime.sagemaker.eu-west-1.amazonaws.com/endpoints/churn-prod/invocations',
      pipelineName: 'churn-training-prod',
    });
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
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    const tops = rec.resources.filter((r) => r.parent === null).sort(byName);
    // The first top-level component with children (an endpoint awaiting its release has none).
    const top = tops.find((t) => rec.resources.some((r) => r.parent === t.urn))!;
    const child = rec.resources.filter((r) => r.parent === top.urn).sort(byName)[0];
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`stack dev: ${rec.resources.length} resources`);
    expect(lines[1]).toBe(`  ${tops[0].name}  (${tops[0].type})`);
    const at = lines.indexOf(`  ${top.name}  (${top.type})`);
    expect(lines[at + 1]).toBe(`    ${child.name}  (${child.type})`);
    expect(top.custom).toBe(false);
  });

  test('an unknown stack exits 1 with a one-line reason and prints nothing on stdout', () => {
    const result = run('synth', '--stack', 'qa', '--json');
    expect([result.status, result.stdout, result.stderr]).toEqual([
      1,
      '',
      `mlops: unknown stack "qa": no Pulumi.qa.yaml in ${ROOT} (stacks: dev, prod, staging)\n`,
    ]);
  });

  test('a missing --stack or command is refused with the usage', () => {
    const noStack = run('synth');
    expect([noStack.status, noStack.stdout, noStack.stderr]).toEqual([
      1,
      '',
      `mlops: --stack is required. ${SYNTH_USAGE}\n`,
    ]);
    expect(run().stderr).toBe(`mlops: no command given. ${USAGE}\n`);
    expect(run('deploy', '--stack', 'dev').stderr).toBe(`mlops: unknown command "deploy". ${USAGE}\n`);
  });

  test('--version prints the package version, --help says what each command does', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const shown = run('--version');
    expect([shown.status, shown.stdout]).toEqual([0, `${pkg.version}\n`]);
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain(
      '  mlops synth --stack NAME [--json] [--cwd DIR] [--mocks FILE] [--show-secrets]\n',
    );
    expect(help.stdout).toContain(
      "  synth    Run the Pulumi program of a project for one stack under Pulumi's mocks, and print every\n",
    );
    expect(run('synth', '-h').stdout).toBe(help.stdout);
  });
});

describe("mlops synth on a team's own project", () => {
  const program = `
    const pulumi = require(${PULUMI});
    const s3 = require(${S3});
    const cfg = new pulumi.Config();
    const bucket = new s3.Bucket('data', { tags: { team: cfg.require('team'), size: String(cfg.requireNumber('replicas')) } });
    exports.bucketName = bucket.bucket;
    exports.region = new pulumi.Config('aws').require('region');
    exports.settings = { retention: cfg.requireNumber('retentionDays'), urls: [pulumi.interpolate\`s3://\${bucket.bucket}\`] };
    exports.token = pulumi.secret('t0k');
  `;
  const teamProject = (stackFile: string, extra: Record<string, string> = {}) =>
    project({
      'Pulumi.yaml': [
        'name: fraud',
        'runtime: nodejs',
        'stackConfigDir: stacks',
        'config:',
        '  team: fraud-ml',
        '  replicas:',
        '    type: integer',
        '    default: 2',
        '  retentionDays:',
        '    type: integer',
        '  aws:region:',
        '    value: eu-west-1',
        '',
      ].join('\n'),
      'package.json': JSON.stringify({ name: 'fraud-infra', main: 'infra/index.js' }),
      'infra/index.js': program,
      'stacks/Pulumi.ci.yaml': stackFile,
      ...extra,
    });

  test("reads project config defaults, stackConfigDir and package.json main, and prints the program's outputs", () => {
    const dir = teamProject('config:\n  fraud:retentionDays: 30\n  replicas: 3\n');
    const result = spawnSync(process.execPath, [CLI, 'synth', '--stack', 'ci', '--json', '--cwd', dir], {
      encoding: 'utf8',
    });
    expect([result.status, result.stderr]).toEqual([0, '']);
    const out = JSON.parse(result.stdout);
    expect(out.outputs).toEqual({
      bucketName: 'data-a17c9aa',
      region: 'eu-west-1',
      settings: { retention: 30, urls: ['s3://data-a17c9aa'] },
      token: '[secret]',
    });
    expect(out.resources).toEqual([
      {
        urn: 'urn:pulumi:ci::fraud::aws:s3/bucket:Bucket::data',
        type: 'aws:s3/bucket:Bucket',
        name: 'data',
        parent: null,
        dependencies: [],
        inputs: { tags: { team: 'fraud-ml', size: '3' } },
      },
    ]);
    const tree = spawnSync(process.execPath, [CLI, 'synth', '-s', 'ci', '--cwd', dir, '--show-secrets'], {
      encoding: 'utf8',
    });
    expect(tree.stdout).toBe(
      [
        'stack ci: 1 resources',
        '  data  (aws:s3/bucket:Bucket)',
        'outputs: 4',
        '  bucketName: data-a17c9aa',
        '  region: eu-west-1',
        '  settings: {"retention":30,"urls":["s3://data-a17c9aa"]}',
        '  token: t0k',
        '',
      ].join('\n'),
    );
  });

  test('names every endpoint waiting for a release: from its component outputs, then from stack outputs', () => {
    const awaiting = `
      const pulumi = require(${PULUMI});
      class Endpoint extends pulumi.ComponentResource {
        constructor(name, status) {
          super('mlops:index:ModelEndpoint', name, {}, {});
          this.releaseStatus = pulumi.output(status);
          this.registerOutputs({ releaseStatus: this.releaseStatus, url: undefined });
        }
      }
      const waiting = new Endpoint('churn', 'awaiting release: no mlops:release in stack ci; promote one');
      new Endpoint('fraud', 'serving v3 promoted from staging');
      exports.releaseStatus = waiting.releaseStatus;
      exports.otherReleaseStatus = 'awaiting release: set by hand';
    `;
    const dir = teamProject('config:\n  fraud:retentionDays: 30\n', { 'infra/index.js': awaiting });
    const json = spawnSync(process.execPath, [CLI, 'synth', '--stack', 'ci', '--json', '--cwd', dir], {
      encoding: 'utf8',
    });
    expect([json.status, json.stderr]).toEqual([0, '']);
    expect(JSON.parse(json.stdout).notices).toEqual([
      'ModelEndpoint churn: awaiting release: no mlops:release in stack ci; promote one',
      'output otherReleaseStatus: awaiting release: set by hand',
    ]);
    const tree = spawnSync(process.execPath, [CLI, 'synth', '--stack', 'ci', '--cwd', dir], {
      encoding: 'utf8',
    });
    expect(tree.stdout.trimEnd().split('\n').slice(-2)).toEqual([
      'notice: ModelEndpoint churn: awaiting release: no mlops:release in stack ci; promote one',
      'notice: output otherReleaseStatus: awaiting release: set by hand',
    ]);
  });

  test('a typed project key the stack does not set, or sets with the wrong type, is refused as Pulumi does', () => {
    const missing = teamProject('config:\n  replicas: 3\n');
    const a = spawnSync(process.execPath, [CLI, 'synth', '--stack', 'ci', '--cwd', missing], {
      encoding: 'utf8',
    });
    expect([a.status, a.stdout, a.stderr]).toEqual([
      1,
      '',
      "mlops: Stack 'ci' is missing configuration value 'retentionDays': set it in Pulumi.ci.yaml\n",
    ]);
    const wrong = teamProject('config:\n  retentionDays: a month\n');
    const b = spawnSync(process.execPath, [CLI, 'synth', '--stack', 'ci', '--cwd', wrong], {
      encoding: 'utf8',
    });
    expect(b.stderr).toBe(
      "mlops: Stack 'ci' with configuration key 'retentionDays' must be of type 'integer' (declared in Pulumi.yaml)\n",
    );
  });

  test('a stack file that is not YAML is a stack file error naming the file, not a program failure', () => {
    const dir = teamProject('config:\n  retentionDays: [30\n');
    const result = spawnSync(process.execPath, [CLI, 'synth', '--stack', 'ci', '--json', '--cwd', dir], {
      encoding: 'utf8',
    });
    expect([result.status, result.stdout]).toEqual([1, '']);
    expect(result.stderr).toMatch(
      new RegExp(
        `^mlops: stack file error: ${path.join(dir, 'stacks', 'Pulumi.ci.yaml').replace(/[.]/g, '\\.')}: .+\\n$`,
      ),
    );
  });

  test("the team's own provider calls are answered by the module given to --mocks, else refused naming the hook", () => {
    const dir = project({
      'Pulumi.yaml': 'name: net\nruntime: nodejs\nmain: index.js\n',
      'Pulumi.ci.yaml': 'config: {}\n',
      'index.js': `const { getRegionOutput } = require(${JSON.stringify(require.resolve('@pulumi/aws/getRegion'))});\nexports.region = getRegionOutput({}).name;\n`,
      'mocks.js':
        "exports.calls = { 'aws:index/getRegion:getRegion': () => ({ name: 'eu-central-1', id: 'eu-central-1' }) };\n",
    });
    const answered = spawnSync(
      process.execPath,
      [CLI, 'synth', '--stack', 'ci', '--json', '--cwd', dir, '--mocks', path.join(dir, 'mocks.js')],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(answered.stdout).outputs).toEqual({ region: 'eu-central-1' });
    const refused = spawnSync(process.execPath, [CLI, 'synth', '--stack', 'ci', '--cwd', dir], {
      encoding: 'utf8',
    });
    expect([refused.status, refused.stdout]).toEqual([1, '']);
    expect(refused.stderr).toBe(
      "mlops: the program failed: the program failed under mocks: mlops-constructs mocks: unexpected provider call aws:index/getRegion:getRegion; answer it with a `calls` hook ({ 'aws:index/getRegion:getRegion': (inputs) => ({ ...outputs the real provider returns }) }) in recordProgram's options or in the module given to `mlops synth --mocks`\n",
    );
  });

  test('a program with invalid arguments exits 1 with every problem on one line, and prints no JSON', () => {
    const dir = project({
      'Pulumi.yaml': 'name: broken\nruntime: nodejs\n',
      'Pulumi.dev.yaml': 'config:\n  mlops:cloud: aws\n  mlops:stage: dev\n  aws:region: eu-west-1\n',
      'index.js': `const { ModelEndpoint } = require(${JSON.stringify(path.join(ROOT, 'dist', 'lib'))});\nnew ModelEndpoint('churn', { version: 'v1', port: 9000 });\n`,
    });
    const result = run('synth', '--stack', 'dev', '--json', '--cwd', dir);
    expect([result.status, result.stdout]).toEqual([1, '']);
    expect(result.stderr).toMatch(
      /^mlops: ModelEndpoint "churn" has invalid arguments: image: is required \(fix: .+\); port: SageMaker sends requests to port 8080, not 9000 \(fix: .+\)\n$/,
    );
  });
});
