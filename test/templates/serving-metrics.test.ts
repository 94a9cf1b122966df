/**
 * The serving template's GET /metrics, which Prometheus scrapes on docker: request counts by status code and
 * a duration histogram, in the Prometheus text format (checked by `promtool check metrics`, Prometheus' own
 * parser). Runs the real server on loopback.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { requireTool } from '../support/tools';

const TEMPLATE = path.resolve(__dirname, '..', '..', 'templates', 'serving');
const PROMTOOL_HINT = "Install Debian's Prometheus: `apt-get install prometheus` (promtool comes with it).";

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** The exposition as `{ 'series{labels}': value }`, comments left out. */
function samples(text: string): Record<string, number> {
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .map((line) => {
        const at = line.lastIndexOf(' ');
        return [line.slice(0, at), Number(line.slice(at + 1))];
      }),
  );
}

describe('serving template: Prometheus metrics', () => {
  let server: ChildProcess;
  let base: string;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-model-'));
    writeFileSync(
      path.join(dir, 'model.json'),
      JSON.stringify({ features: ['tenure'], weights: { tenure: 0.5 }, bias: 0 }),
    );
    const port = await freePort();
    server = spawn('python3', ['serve.py'], {
      cwd: TEMPLATE,
      env: { ...process.env, PORT: String(port), MODEL_DATA_URL: dir, MLOPS_MODEL_VERSION: 'v7' },
      stdio: 'ignore',
    });
    base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      if (
        await fetch(`${base}/ping`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the server did not answer /ping');
  });

  afterAll(() => server.kill());

  test('counts requests by status code and times them; health checks and scrapes are not traffic', async () => {
    const post = (p: string, body: unknown) =>
      fetch(`${base}${p}`, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.status);
    expect(await post('/invocations', { instances: [[1]] })).toBe(200);
    expect(await post('/invocations', { instances: [[2], [3]] })).toBe(200);
    expect(await post('/invocations', { instances: [{}] })).toBe(400);
    expect(await post('/predict', {})).toBe(404);
    // A method the server does not implement is answered by the standard library's send_error: counted too.
    expect((await fetch(`${base}/invocations`, { method: 'PUT' })).status).toBe(501);
    await fetch(`${base}/ping`);
    await fetch(`${base}/metrics`);

    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    const values = samples(text);
    expect(
      Object.fromEntries(Object.entries(values).filter(([k]) => k.startsWith('mlops_http_requests_total'))),
    ).toEqual({
      'mlops_http_requests_total{code="200"}': 2,
      'mlops_http_requests_total{code="400"}': 1,
      'mlops_http_requests_total{code="404"}': 1,
      'mlops_http_requests_total{code="501"}': 1,
    });
    expect(values['mlops_model_info{version="v7"}']).toBe(1);
    // Every bucket bound, cumulative; on loopback all five took well under a second.
    const bounds = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1.0', '2.0', '5.0', '10.0'];
    const buckets = [...bounds, '30.0', '60.0', '120.0', '300.0', '600.0', '+Inf'].map(
      (le) => values[`mlops_http_request_duration_seconds_bucket{le="${le}"}`],
    );
    expect(buckets.slice(7)).toEqual([5, 5, 5, 5, 5, 5, 5, 5, 5, 5]);
    expect(buckets.every((n, i) => i === 0 || n >= buckets[i - 1])).toBe(true);
    expect(values['mlops_http_request_duration_seconds_count']).toBe(5);
    const sum = values['mlops_http_request_duration_seconds_sum'];
    expect(sum > 0 && sum < 5).toBe(true);

    // Prometheus' own parser accepts it (lint findings would print and exit non-zero).
    const promtool = requireTool('promtool', PROMTOOL_HINT);
    const piped = spawnSync(promtool, ['check', 'metrics'], {
      input: text,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect([piped.status, piped.stdout + piped.stderr]).toEqual([0, '']);
  });
});
