/**
 * The reference stacks promoted dev (docker) -> staging (gcp) -> prod (aws) in a temporary copy of the repo's
 * project files, with the built CLI (`npm run build` first): `mlops release set` the first dev release,
 * `mlops promote` twice through the gates of promotion.ts, then `mlops synth` of each result serves exactly the
 * promoted image and model from the stack's own stores. And the fresh path: a stack without `mlops:release`
 * synthesizes with no serving resources and says it waits.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';

jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'lib', 'cli', 'main.js');
const STACKS = ['dev', 'staging', 'prod'] as const;

const DIGEST = `sha256:${'ab12'.repeat(16)}`;
const TREE = `sha256:${'7e'.repeat(32)}`;
const RUN = 'churn-training-dev/20261201-030000';
const DEV_MODELS = 'docker-volume://churn-training-dev-models';
const STAGING_BUCKET = 'gs://churn-training-staging-artifacts-b6489b';
const PROD_BUCKET = 's3://churn-training-artifacts-ddb1de1';
const STAGING_REPO = 'europe-west4-docker.pkg.dev/churn-staging-4821/churn-training-staging';
const PROD_REPO = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn-training-prod';

/** The first dev release, as a person writes it after the first training run (README, "Run it locally"). */
const DEV_RELEASE = {
  schemaVersion: 1,
  version: 'v4',
  image: `localhost:5000/churn/serving@${DIGEST}`,
  model: { artifact: { uri: `${DEV_MODELS}/${RUN}/`, sha256: TREE } },
  metrics: { auc: 0.93 },
  baseline: `${DEV_MODELS}/${RUN}/baseline/`,
};

/** The gates promotion.ts sets for prod, in the order `mlops promote` prints them. */
const PROD_GATES = [
  'schema',
  'metrics.auc',
  'not-worse-than-target.auc',
  'approval',
  'soak',
  'no-open-alarms',
];

/** What serves on each cloud: none may exist before the first release. */
const SERVING_TYPES = [
  'aws:sagemaker/endpoint:Endpoint',
  'aws:sagemaker/endpointConfiguration:EndpointConfiguration',
  'aws:sagemaker/model:Model',
  'gcp:cloudrunv2/service:Service',
];

let dir: string;

function mlops(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args, '--cwd', dir], { cwd: dir, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const stackFile = (stack: string) => path.join(dir, `Pulumi.${stack}.yaml`);
const configOf = (stack: string) =>
  (parse(readFileSync(stackFile(stack), 'utf8')) as { config: Record<string, any> }).config;
const releaseOf = (stack: string) => configOf(stack)['mlops:release'];

/** An alarms evidence file saying nothing is open, saved now (its age is the file's). */
function quietEvidence(name: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify({ openAlarms: [] }));
  const now = new Date();
  utimesSync(file, now, now);
  return file;
}

/** The verdict lines `mlops promote` prints: `PASS <gate>` / `FAIL <gate>`. */
const gates = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => /^(PASS|FAIL) /.test(l))
    .map((l) => l.slice(0, l.indexOf(':')));

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

interface Synth {
  outputs: Record<string, unknown>;
  resources: { urn: string; type: string; name: string; parent: string | null; inputs: any }[];
  notices: string[];
}

function synth(stack: string): Synth {
  const result = mlops('synth', '--stack', stack, '--json');
  if (result.status !== 0) throw new Error(`mlops synth --stack ${stack}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Synth;
}

const ofType = (s: Synth, type: string) => s.resources.filter((r) => r.type === type);

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  dir = mkdtempSync(path.join(tmpdir(), 'mlops-reference-'));
  for (const file of ['Pulumi.yaml', ...STACKS.map((s) => `Pulumi.${s}.yaml`), 'promotion.ts'])
    cpSync(path.join(ROOT, file), path.join(dir, file));
  cpSync(path.join(ROOT, 'stacks'), path.join(dir, 'stacks'), { recursive: true });
  // The library, the serving template dev builds, and the packages, as they are in the repository.
  for (const link of ['lib', 'templates', 'node_modules'])
    symlinkSync(path.join(ROOT, link), path.join(dir, link), 'dir');
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the repository copy starts as committed: dev serves nothing, staging and prod serve v3', () => {
  expect(releaseOf('dev')).toBeUndefined();
  expect(releaseOf('staging')).toMatchObject({ version: 'v3', promotedFrom: { stack: 'dev' } });
  expect(releaseOf('prod')).toMatchObject({ version: 'v3', promotedFrom: { stack: 'staging' } });
});

test('dev: mlops release set writes the first release, and dev then serves its image and model', () => {
  const file = path.join(dir, 'release.json');
  writeFileSync(file, JSON.stringify(DEV_RELEASE));
  const before = Date.now();
  const set = mlops('release', 'set', '--stack', 'dev', '--file', file);
  expect(set.stderr).toBe('');
  expect(set.status).toBe(0);
  const written = releaseOf('dev');
  expect(written).toEqual({ ...DEV_RELEASE, releasedAt: expect.stringMatching(ISO) });
  expect(Date.parse(written.releasedAt)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);

  const dev = synth('dev');
  expect(dev.outputs.releaseStatus).toBe('serving v4');
  expect(dev.notices).toEqual([]);
  const serving = ofType(dev, 'docker:index/container:Container').filter((c) =>
    JSON.stringify(c.inputs).includes('MODEL_DATA_URL'),
  );
  expect(serving).toHaveLength(1);
  expect(serving[0].inputs.envs).toContain(`MODEL_DATA_URL=/mnt/model-access/${RUN}/`);
  // The container runs the image pulled by the endpoint's one RemoteImage: the release's.
  expect(
    ofType(dev, 'docker:index/remoteImage:RemoteImage')
      .filter((i) => /^churn-[a-z]+-image$/.test(i.name) && i.name !== 'churn-gateway-image')
      .map((i) => i.inputs.name),
  ).toEqual([DEV_RELEASE.image]);
});

test('dev -> staging: the gates pass, and staging gets the release in its own registry and bucket', () => {
  const before = Date.now();
  const promote = mlops(
    'promote',
    '--from',
    'dev',
    '--to',
    'staging',
    '--alarms-evidence',
    quietEvidence('dev-alerts.json'),
  );
  expect(promote.stderr).toBe('');
  expect(promote.status).toBe(0);
  expect(gates(promote.stdout)).toEqual(['PASS schema', 'PASS metrics.auc', 'PASS no-open-alarms']);

  const released = releaseOf('staging');
  expect(released).toEqual({
    schemaVersion: 1,
    version: 'v4',
    image: `${STAGING_REPO}/serving@${DIGEST}`,
    model: { artifact: { uri: `${STAGING_BUCKET}/releases/v4/model/`, sha256: TREE } },
    metrics: { auc: 0.93 },
    baseline: `${STAGING_BUCKET}/releases/v4/baseline/`,
    promotedFrom: {
      stack: 'dev',
      cloud: 'docker',
      image: DEV_RELEASE.image,
      model: DEV_RELEASE.model,
      at: released.releasedAt,
    },
    releasedAt: expect.stringMatching(ISO),
  });
  expect(Date.parse(released.releasedAt)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
  // The copy plan the promotion wrote: what CI runs before `pulumi up`.
  const plan = JSON.parse(readFileSync(path.join(dir, '.mlops', 'promotion-dev-to-staging.json'), 'utf8'));
  expect([plan.image, plan.model, plan.baseline]).toEqual([
    released.image,
    released.model,
    released.baseline,
  ]);

  // Promoting again is a no-op: nothing written.
  const text = readFileSync(stackFile('staging'), 'utf8');
  const again = mlops(
    'promote',
    '--from',
    'dev',
    '--to',
    'staging',
    '--alarms-evidence',
    quietEvidence('dev-alerts.json'),
  );
  expect(again.status).toBe(0);
  expect(again.stdout).toContain('already promoted');
  expect(readFileSync(stackFile('staging'), 'utf8')).toBe(text);

  const staging = synth('staging');
  expect(staging.outputs.releaseStatus).toBe('serving v4 promoted from dev');
  const [service] = ofType(staging, 'gcp:cloudrunv2/service:Service');
  const container = service.inputs.template.containers[0];
  expect(container.image).toBe(released.image);
  expect(container.envs).toContainEqual({ name: 'MODEL_DATA_URL', value: released.model.artifact.uri });
});

test('staging -> prod: refused until the release soaked a day in staging, then promoted with an approval', () => {
  const evidence = quietEvidence('staging-alerts.json');
  const prodBefore = readFileSync(stackFile('prod'), 'utf8');
  const stagingBefore = readFileSync(stackFile('staging'), 'utf8');
  const early = mlops(
    'promote',
    '--from',
    'staging',
    '--to',
    'prod',
    '--approved-by',
    'alice@example.com',
    '--alarms-evidence',
    evidence,
  );
  expect(early.status).toBe(1);
  expect(gates(early.stdout)).toContain('FAIL soak');
  expect(readFileSync(stackFile('prod'), 'utf8')).toBe(prodBefore);
  expect(readFileSync(stackFile('staging'), 'utf8')).toBe(stagingBefore);

  // The release has served in staging for 25 hours.
  const releasedAt = releaseOf('staging').releasedAt as string;
  const soaked = new Date(Date.now() - 25 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  writeFileSync(stackFile('staging'), stagingBefore.split(releasedAt).join(soaked));
  const source = releaseOf('staging');

  const promote = mlops(
    'promote',
    '--from',
    'staging',
    '--to',
    'prod',
    '--approved-by',
    'alice@example.com',
    '--alarms-evidence',
    evidence,
  );
  expect(promote.stderr).toBe('');
  expect(promote.status).toBe(0);
  expect(gates(promote.stdout)).toEqual(PROD_GATES.map((g) => `PASS ${g}`));

  const released = releaseOf('prod');
  expect(released).toEqual({
    schemaVersion: 1,
    version: 'v4',
    image: `${PROD_REPO}@${DIGEST}`,
    model: { artifact: { uri: `${PROD_BUCKET}/releases/v4/model.tar.gz`, sha256: TREE } },
    metrics: { auc: 0.93 },
    baseline: `${PROD_BUCKET}/releases/v4/baseline/`,
    approval: { by: 'alice@example.com', at: released.releasedAt },
    promotedFrom: {
      stack: 'staging',
      cloud: 'gcp',
      image: source.image,
      model: source.model,
      at: released.releasedAt,
    },
    releasedAt: expect.stringMatching(ISO),
  });
  // Only mlops:release changed: the rest of prod's file, comments included, is as it was.
  const untouched = (text: string) => text.slice(0, text.indexOf('  mlops:release:'));
  expect(untouched(readFileSync(stackFile('prod'), 'utf8'))).toBe(untouched(prodBefore));

  const prod = synth('prod');
  expect(prod.outputs.releaseStatus).toBe('serving v4 promoted from staging');
  const [model] = ofType(prod, 'aws:sagemaker/model:Model');
  const containers = model.inputs.containers ?? [model.inputs.primaryContainer];
  expect(containers.map((c: any) => [c.image, c.modelDataUrl])).toEqual([
    [released.image, released.model.artifact.uri],
  ]);
});

test.each(STACKS)(
  'fresh path: %s without mlops:release deploys everything but serving and says it waits',
  (stack) => {
    const file = stackFile(stack);
    const text = readFileSync(file, 'utf8');
    const config = configOf(stack);
    delete config['mlops:release'];
    delete config['mlops:stableRelease'];
    // A stack file as `pulumi config rm mlops:release` leaves it (the comments do not matter to synth).
    writeFileSync(file, JSON.stringify({ config }));
    try {
      const result = synth(stack);
      const status = `awaiting release: no mlops:release in stack ${stack}; promote one with \`npx mlops promote --from <source stack> --to ${stack}\` or set the first with \`npx mlops release set --stack ${stack} --file release.yaml\``;
      expect(result.outputs.releaseStatus).toBe(status);
      expect(result.notices).toEqual([`ModelEndpoint churn: ${status}`]);
      // The endpoint component is there and registers nothing: no endpoint, model, service or serving container.
      const endpoints = result.resources.filter((r) => r.type === 'mlops:index:ModelEndpoint');
      expect(endpoints.map((r) => r.name)).toEqual(['churn']);
      expect(result.resources.filter((r) => r.parent === endpoints[0].urn)).toEqual([]);
      expect(result.resources.filter((r) => SERVING_TYPES.includes(r.type))).toEqual([]);
      // Everything else is deployed: the pipeline with its stores, which the first promotion copies into.
      const pipeline = result.resources.find((r) => r.type === 'mlops:index:MlPipeline')!;
      expect(result.resources.filter((r) => r.parent === pipeline.urn).length).toBeGreaterThan(5);
    } finally {
      writeFileSync(file, text);
    }
  },
);
