/**
 * The serving template loads the model templates/training writes (model.json: a logistic regression) and
 * answers the contract every ModelEndpoint target uses with real predictions. Runs the real server on
 * loopback: from a model directory (docker), a model.tar.gz (aws), and gs:// through a storage endpoint
 * (STORAGE_EMULATOR_HOST); it publishes gcp captures before it replies and writes docker captures to files.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const TEMPLATE = path.resolve(__dirname, '..', '..', 'templates', 'serving');
const MODEL = {
  features: ['tenure', 'charges'],
  weights: { tenure: -0.5, charges: 1.25 },
  bias: 0.1,
};
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const expected = (tenure: number, charges: number) => sigmoid(0.1 - 0.5 * tenure + 1.25 * charges);

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function modelDir(files: Record<string, string> = { 'model.json': JSON.stringify(MODEL) }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-model-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

/** Starts serve.py with `env`; resolves with its base URL once /ping answers. */
async function serve(env: Record<string, string>): Promise<{ base: string; server: ChildProcess }> {
  const port = await freePort();
  const server = spawn('python3', ['serve.py'], {
    cwd: TEMPLATE,
    env: { ...process.env, PORT: String(port), ...env },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => ((await fetch(`${base}/ping`)).ok ? true : undefined),
    'the server to answer /ping',
  );
  return { base, server };
}

const invoke = (base: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/invocations`, { method: 'POST', body: JSON.stringify(body), headers });

describe('serving template on gcp: real predictions, captures published before the reply', () => {
  const published: { url: string; body: any }[] = [];
  // A stand-in for the publish endpoint that answers slowly: a capture published after the reply would
  // arrive after the response.
  const emulator = createServer((req, res) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () =>
      setTimeout(() => {
        published.push({ url: req.url ?? '', body: JSON.parse(data) });
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"messageIds":["1"]}');
      }, 200),
    );
  });
  let server: ChildProcess;
  let base: string;

  beforeAll(async () => {
    const emulatorPort = await listen(emulator);
    ({ base, server } = await serve({
      MODEL_DATA_URL: modelDir(),
      MLOPS_MODEL_VERSION: 'v4',
      MLOPS_CAPTURE_TOPIC: 'projects/churn-staging-4821/topics/churn-staging-capture',
      MLOPS_CAPTURE_PERCENT: '100',
      PUBSUB_EMULATOR_HOST: `127.0.0.1:${emulatorPort}`,
    }));
  });

  afterAll(() => {
    server.kill();
    emulator.close();
  });

  test('GET /ping reports ready with the release', async () => {
    const response = await fetch(`${base}/ping`);
    expect([response.status, await response.json()]).toEqual([200, { status: 'ok', version: 'v4' }]);
  });

  test('POST /invocations scores each instance with the trained weights, by name or in feature order', async () => {
    const response = await invoke(base, { instances: [{ tenure: 2, charges: 0.5 }, [0, 3]] });
    const body = (await response.json()) as { version: string; predictions: number[] };
    expect(response.status).toBe(200);
    expect(body.version).toBe('v4');
    expect(body.predictions).toHaveLength(2);
    expect(body.predictions[0]).toBeCloseTo(expected(2, 0.5), 12);
    expect(body.predictions[1]).toBeCloseTo(expected(0, 3), 12);
    // Published before the reply: the message is already there when the response arrives.
    const message = published.at(-1)!;
    expect(message.url).toBe('/v1/projects/churn-staging-4821/topics/churn-staging-capture:publish');
    const record = JSON.parse(Buffer.from(message.body.messages[0].data, 'base64').toString());
    expect(message.body.messages[0].attributes).toEqual({ version: 'v4' });
    expect([record.version, record.request, record.response]).toEqual([
      'v4',
      { instances: [{ tenure: 2, charges: 0.5 }, [0, 3]] },
      body,
    ]);
  });

  test('bad input is a 400 with the reason, and nothing is captured', async () => {
    const before = published.length;
    const notJson = await fetch(`${base}/invocations`, { method: 'POST', body: '{not json' });
    expect(notJson.status).toBe(400);
    const missing = await invoke(base, { instances: [{ tenure: 1 }] });
    expect([missing.status, await missing.json()]).toEqual([400, { error: "instance 0 lacks ['charges']" }]);
    const short = await invoke(base, { instances: [[1]] });
    expect(await short.json()).toEqual({
      error: "instance 0 has 1 values; the model takes 2: ['tenure', 'charges']",
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(published.length).toBe(before);
  });
});

describe('serving template on docker and aws', () => {
  const servers: ChildProcess[] = [];
  afterAll(() => servers.forEach((s) => s.kill()));

  test('docker: writes the requests the gateway marks, with their responses, to its capture file', async () => {
    const captureDir = mkdtempSync(path.join(tmpdir(), 'mlops-capture-'));
    const { base, server } = await serve({
      MODEL_DATA_URL: modelDir(),
      MLOPS_MODEL_VERSION: 'v3',
      MLOPS_CAPTURE_DIR: captureDir,
    });
    servers.push(server);
    const marked = await (await invoke(base, { instances: [[1, 1]] }, { 'X-Mlops-Capture': '1' })).json();
    await invoke(base, { instances: [[2, 2]] }, { 'X-Mlops-Capture': '0' });
    await invoke(base, { instances: [[3, 3]] });
    const files = readdirSync(captureDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^v3-.+\.jsonl$/);
    const lines = readFileSync(path.join(captureDir, files[0]), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.version, l.request, l.response])).toEqual([
      ['v3', { instances: [[1, 1]] }, marked],
    ]);
  });

  test('text/csv: rows in the model feature order, one probability per line back, the form Model Monitor reads on aws', async () => {
    const captureDir = mkdtempSync(path.join(tmpdir(), 'mlops-capture-csv-'));
    const { base, server } = await serve({
      MODEL_DATA_URL: modelDir(),
      MLOPS_MODEL_VERSION: 'v5',
      MLOPS_CAPTURE_DIR: captureDir,
    });
    servers.push(server);
    const csv = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${base}/invocations`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'text/csv; charset=utf-8', ...headers },
      });
    const one = await csv('2,0.5\n', { 'X-Mlops-Capture': '1' });
    expect([one.status, one.headers.get('content-type')]).toEqual([200, 'text/csv']);
    const text = await one.text();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(Number(lines[0])).toBeCloseTo(expected(2, 0.5), 12);
    // Several rows: one probability per row, in order; blank lines are no rows.
    const two = (await (await csv('0,3\n\n1,1\n')).text()).trim().split('\n').map(Number);
    expect(two).toHaveLength(2);
    expect(two[0]).toBeCloseTo(expected(0, 3), 12);
    expect(two[1]).toBeCloseTo(expected(1, 1), 12);
    // A row of the wrong length, or a value that is no number, is a 400 with the reason.
    const short = await csv('1\n');
    expect([short.status, await short.json()]).toEqual([
      400,
      { error: "instance 0 has 1 values; the model takes 2: ['tenure', 'charges']" },
    ]);
    const word = await csv('1,high\n');
    expect([word.status, await word.json()]).toEqual([
      400,
      { error: "could not convert string to float: 'high'" },
    ]);
    // docker captures the marked CSV request as instances in feature order, with its predictions.
    const files = readdirSync(captureDir);
    const records = readFileSync(path.join(captureDir, files[0]), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((r) => [r.version, r.request, r.response.predictions.length])).toEqual([
      ['v5', { instances: [['2', '0.5']] }, 1],
    ]);
    expect(records[0].response.predictions[0]).toBeCloseTo(expected(2, 0.5), 12);
  });

  test('aws: a model.tar.gz is unpacked (into a temporary directory) and served', async () => {
    const source = modelDir();
    const packed = modelDir({});
    execFileSync('tar', ['-czf', path.join(packed, 'model.tar.gz'), '-C', source, 'model.json']);
    const { base, server } = await serve({ MODEL_DATA_URL: packed, MLOPS_MODEL_VERSION: 'v5' });
    servers.push(server);
    const body = (await (await invoke(base, { instances: [[4, 1]] })).json()) as { predictions: number[] };
    expect(body.predictions[0]).toBeCloseTo(expected(4, 1), 12);
    expect(readdirSync(packed)).toEqual(['model.tar.gz']);
  });

  test('gcp: gs:// is downloaded through the storage JSON API', async () => {
    const requested: string[] = [];
    const storage = createServer((req, res) => {
      requested.push(req.url ?? '');
      if (req.url === '/storage/v1/b/churn-artifacts/o/runs%2Fr1%2Fmodel%2Fmodel.json?alt=media')
        res.writeHead(200).end(JSON.stringify(MODEL));
      else res.writeHead(404).end();
    });
    const port = await listen(storage);
    try {
      const { base, server } = await serve({
        MODEL_DATA_URL: 'gs://churn-artifacts/runs/r1/model',
        STORAGE_EMULATOR_HOST: `http://127.0.0.1:${port}`,
      });
      servers.push(server);
      const body = (await (await invoke(base, { instances: [[0, 0]] })).json()) as { predictions: number[] };
      expect(body.predictions[0]).toBeCloseTo(sigmoid(0.1), 12);
      expect(requested).toEqual(['/storage/v1/b/churn-artifacts/o/runs%2Fr1%2Fmodel%2Fmodel.json?alt=media']);
    } finally {
      storage.close();
    }
  });

  test('no model: the server exits with the reason instead of answering /ping', () => {
    const result = spawnSync('python3', ['serve.py'], {
      cwd: TEMPLATE,
      env: { ...process.env, MODEL_DATA_URL: modelDir({}) },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^cannot load the model: \[Errno 2\] No such file or directory: '.*model\.json'\n$/,
    );
  });
});
