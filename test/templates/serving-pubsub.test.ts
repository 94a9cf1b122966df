/**
 * The serving template's request capture against the real Pub/Sub emulator (gcloud's, Java): the server
 * publishes each captured request with its response to the topic the construct creates before it replies
 * (Cloud Run throttles CPU after the reply), and a subscriber pulls exactly that message. The emulator runs on
 * loopback for this file only and is stopped after it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const TEMPLATE = path.resolve(__dirname, '..', '..', 'templates', 'serving');
const PROJECT = 'churn-staging-4821';
const TOPIC = `projects/${PROJECT}/topics/churn-staging-capture`;
const SUBSCRIPTION = `projects/${PROJECT}/subscriptions/churn-staging-capture-test`;
/** A model as templates/training writes it: a logistic regression. */
const MODEL = { features: ['tenure', 'charges'], weights: { tenure: -0.5, charges: 1.25 }, bias: 0.1 };

jest.setTimeout(120_000);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Polls until `probe` yields a value, at most `tries` times `everyMs` apart; `failed` ends the wait early. */
async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  tries = 300,
  everyMs = 200,
  failed: () => string | undefined = () => undefined,
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const reason = failed();
    if (reason) throw new Error(`${what} failed: ${reason}`);
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Stops a process group started with `detached: true` (gcloud starts the Java emulator as its child). */
async function stopGroup(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGTERM');
  const timer = new Promise((resolve) => setTimeout(() => resolve('timeout'), 10_000));
  if ((await Promise.race([exited, timer])) === 'timeout') process.kill(-child.pid, 'SIGKILL');
}

async function call(base: string, method: string, resource: string, body?: unknown) {
  const response = await fetch(`${base}/v1/${resource}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${resource}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, any>;
}

describe('serving template capture, against the Pub/Sub emulator', () => {
  let emulator: ChildProcess | undefined;
  let server: ChildProcess | undefined;
  let emulatorBase = '';
  let serverBase = '';
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mlops-pubsub-'));
  const modelDir = mkdtempSync(path.join(tmpdir(), 'mlops-model-'));
  writeFileSync(path.join(modelDir, 'model.json'), JSON.stringify(MODEL));

  beforeAll(async () => {
    const emulatorPort = await freePort();
    emulatorBase = `http://127.0.0.1:${emulatorPort}`;
    emulator = spawn(
      'gcloud',
      [
        'beta',
        'emulators',
        'pubsub',
        'start',
        `--host-port=127.0.0.1:${emulatorPort}`,
        `--data-dir=${dataDir}`,
      ],
      { detached: true, stdio: 'ignore', env: { ...process.env, CLOUDSDK_CORE_DISABLE_PROMPTS: '1' } },
    );
    // A machine without the emulator fails here with the reason, not after the wait.
    let missing: string | undefined;
    emulator.on('error', (err) => (missing = `cannot start gcloud (${err.message})`));
    emulator.on('exit', (code) => (missing ??= `gcloud exited with ${code}`));
    // The emulator answers "Ok" on / once it serves.
    await waitFor(
      async () => ((await (await fetch(`${emulatorBase}/`)).text()).trim() === 'Ok' ? true : undefined),
      'the Pub/Sub emulator',
      300,
      200,
      () => missing && `${missing}; install google-cloud-cli-pubsub-emulator (and Java 17)`,
    );
    await call(emulatorBase, 'PUT', TOPIC, {});
    await call(emulatorBase, 'PUT', SUBSCRIPTION, { topic: TOPIC, ackDeadlineSeconds: 10 });

    const port = await freePort();
    serverBase = `http://127.0.0.1:${port}`;
    server = spawn('python3', ['serve.py'], {
      cwd: TEMPLATE,
      detached: true,
      stdio: 'ignore',
      env: {
        ...process.env,
        PORT: String(port),
        MODEL_DATA_URL: modelDir,
        MLOPS_MODEL_VERSION: 'v4',
        MLOPS_CAPTURE_TOPIC: TOPIC,
        MLOPS_CAPTURE_PERCENT: '100',
        PUBSUB_EMULATOR_HOST: `127.0.0.1:${emulatorPort}`,
      },
    });
    await waitFor(async () => ((await fetch(`${serverBase}/ping`)).ok ? true : undefined), 'the server');
  });

  afterAll(async () => {
    await stopGroup(server);
    await stopGroup(emulator);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(modelDir, { recursive: true, force: true });
  });

  test('POST /invocations publishes the request and its response before replying', async () => {
    const before = Date.now() / 1000;
    const request = { instances: [{ tenure: 2, charges: 3 }] };
    const response = await fetch(`${serverBase}/invocations`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
    });
    const answer = await response.json();
    const after = Date.now() / 1000;
    expect(response.status).toBe(200);
    expect(answer).toEqual({
      predictions: [expect.closeTo(1 / (1 + Math.exp(-(0.1 - 1 + 3.75))), 12)],
      version: 'v4',
    });

    const pulled = await waitFor(
      async () => {
        const result = await call(emulatorBase, 'POST', `${SUBSCRIPTION}:pull`, {
          maxMessages: 10,
          returnImmediately: true,
        });
        return result.receivedMessages?.length ? (result.receivedMessages as any[]) : undefined;
      },
      'the captured message',
      25,
      200,
    );
    expect(pulled).toHaveLength(1);
    const message = pulled[0].message;
    expect(message.attributes).toEqual({ version: 'v4' });
    const record = JSON.parse(Buffer.from(message.data, 'base64').toString('utf8'));
    expect(record).toEqual({ time: expect.any(Number), version: 'v4', request, response: answer });
    expect(record.time).toBeGreaterThanOrEqual(Math.floor(before));
    expect(record.time).toBeLessThanOrEqual(Math.ceil(after));
    await call(emulatorBase, 'POST', `${SUBSCRIPTION}:acknowledge`, { ackIds: [pulled[0].ackId] });
  });

  test('a request the model refuses is not captured', async () => {
    const response = await fetch(`${serverBase}/invocations`, { method: 'POST', body: '{not json' });
    expect(response.status).toBe(400);
    // Give a publish that should not happen the time a real one takes, then look: nothing arrived.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const result = await call(emulatorBase, 'POST', `${SUBSCRIPTION}:pull`, {
      maxMessages: 10,
      returnImmediately: true,
    });
    expect(result.receivedMessages ?? []).toEqual([]);
  });
});
