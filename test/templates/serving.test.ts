/**
 * The serving template answers the contract every ModelEndpoint target uses, and on gcp publishes captured
 * requests to Pub/Sub. Runs the real server on loopback, with a fake Pub/Sub emulator (PUBSUB_EMULATOR_HOST).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

const TEMPLATE = path.resolve(__dirname, '..', '..', 'templates', 'serving');

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('serving template', () => {
  const published: { url: string; body: any }[] = [];
  const emulator = createServer((req, res) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => {
      published.push({ url: req.url ?? '', body: JSON.parse(data) });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"messageIds":["1"]}');
    });
  });
  let server: ChildProcess;
  let base: string;

  beforeAll(async () => {
    const emulatorPort = await listen(emulator);
    const probe = createServer();
    const port = await listen(probe);
    probe.close();
    server = spawn('python3', ['serve.py'], {
      cwd: TEMPLATE,
      env: {
        ...process.env,
        PORT: String(port),
        MLOPS_MODEL_VERSION: 'v4',
        MLOPS_CAPTURE_TOPIC: 'projects/churn-staging-4821/topics/churn-staging-capture',
        MLOPS_CAPTURE_PERCENT: '100',
        PUBSUB_EMULATOR_HOST: `127.0.0.1:${emulatorPort}`,
      },
      stdio: 'ignore',
    });
    base = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => ((await fetch(`${base}/ping`)).ok ? true : undefined),
      'the server to answer /ping',
    );
  });

  afterAll(() => {
    server.kill();
    emulator.close();
  });

  test('GET /ping reports ready with the release', async () => {
    const response = await fetch(`${base}/ping`);
    expect([response.status, await response.json()]).toEqual([200, { status: 'ok', version: 'v4' }]);
  });

  test('POST /invocations answers, then publishes the request and response to the capture topic', async () => {
    const response = await fetch(`${base}/invocations`, {
      method: 'POST',
      body: JSON.stringify({ instances: [[0.2, 0.9]] }),
    });
    expect(await response.json()).toEqual({ predictions: [[0.2, 0.9]], version: 'v4' });
    const message = await waitFor(async () => published[0], 'the capture message');
    expect(message.url).toBe('/v1/projects/churn-staging-4821/topics/churn-staging-capture:publish');
    const record = JSON.parse(Buffer.from(message.body.messages[0].data, 'base64').toString());
    expect(message.body.messages[0].attributes).toEqual({ version: 'v4' });
    expect([record.version, record.request, record.response]).toEqual([
      'v4',
      { instances: [[0.2, 0.9]] },
      { predictions: [[0.2, 0.9]], version: 'v4' },
    ]);
  });

  test('bad JSON is a 400 with the reason, and nothing is captured', async () => {
    const before = published.length;
    const response = await fetch(`${base}/invocations`, { method: 'POST', body: '{not json' });
    expect(response.status).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(published.length).toBe(before);
  });
});
