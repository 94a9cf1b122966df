/**
 * The drift job on docker, end to end with the real templates: the training template trains on its churn data
 * and writes the baseline; the serving template serves the model and captures the requests the gateway marks
 * into the capture directory; drift.py compares them with the baseline. Held-out rows do not drift; rows whose
 * charges are shifted do, and the job starts the pipeline's runner through the Docker Engine API on a unix
 * socket (a fake engine here: a real socket, real requests), once per window, and pushes its metrics.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  close,
  json,
  listen,
  psi,
  type Recorded,
  recordingServer,
  resultLine,
  runDrift,
  sendRows,
  serve,
  trainAndEvaluate,
  type Trained,
} from './drift-fixtures';

jest.setTimeout(120_000);

const RUNNER = 'churn-training-runner';
const TENTH = [...Array(10).fill(0.1), 0];

describe('drift job on docker: capture volume in, runner container started on drift', () => {
  let trained: Trained;
  const captureDir = mkdtempSync(path.join(tmpdir(), 'mlops-capture-'));
  const servers: ChildProcess[] = [];
  // The fake engine: the runner container, stopped, never started yet.
  const runner = { Running: false, StartedAt: '0001-01-01T00:00:00Z' };
  const engine = recordingServer((req, res) => {
    if (req.method === 'GET' && req.url === `/containers/${RUNNER}/json`)
      return json(res, 200, {
        Name: `/${RUNNER}`,
        State: { Status: runner.Running ? 'running' : 'exited', ...runner },
      });
    if (req.method === 'POST' && req.url === `/containers/${RUNNER}/start`) {
      Object.assign(runner, { Running: true, StartedAt: new Date().toISOString().replace('Z', '123456Z') });
      return res.writeHead(204).end();
    }
    json(res, 404, { message: `no route ${req.method} ${req.url}` });
  });
  const pushgateway = recordingServer((_req, res) => res.writeHead(200).end());
  const socket = path.join(mkdtempSync(path.join(tmpdir(), 'mlops-engine-')), 'docker.sock');
  let gateway = '';
  let windowEnd = '';

  const engineCalls = () => engine.requests.map((r: Recorded) => `${r.method} ${r.url}`);
  const drift = (version: string, more: Record<string, string> = {}) =>
    runDrift({
      MLOPS_DRIFT_BASELINE_URL: trained.baselineDir,
      MLOPS_CAPTURE_DIR: captureDir,
      MLOPS_DRIFT_VERSION: version,
      MLOPS_DRIFT_WINDOW_END: windowEnd,
      MLOPS_DRIFT_WINDOW_HOURS: '1',
      MLOPS_DRIFT_RETRAIN: 'true',
      MLOPS_RETRAIN_CONTAINER: RUNNER,
      DOCKER_HOST: `unix://${socket}`,
      MLOPS_DRIFT_PUSHGATEWAY_URL: `http://${gateway}`,
      MLOPS_DRIFT_ENDPOINT: 'churn-dev',
      ...more,
    });

  beforeAll(async () => {
    // 5000 rows: 1000 held out, the drift job's default minimum (MLOPS_DRIFT_MIN_ROWS is not set here).
    trained = trainAndEvaluate(5000);
    await listen(engine.server, socket);
    gateway = await listen(pushgateway.server);
    // Two releases of the same model write to the capture volume, as two serving containers do.
    for (const version of ['v1', 'v2']) {
      const { base, server } = await serve(trained.modelDir, {
        MLOPS_MODEL_VERSION: version,
        MLOPS_CAPTURE_DIR: captureDir,
      });
      servers.push(server);
      if (version === 'v1') {
        await sendRows(base, trained.heldOut, { 'X-Mlops-Capture': '1' });
        // Requests the gateway did not mark are not captured.
        await sendRows(base, trained.heldOut.slice(0, 20), { 'X-Mlops-Capture': '0' });
      } else {
        // The same customers, each paying 0.5 more a month.
        await sendRows(
          base,
          trained.heldOut.map(([tenure, charges]) => [tenure, charges + 0.5]),
          { 'X-Mlops-Capture': '1' },
        );
      }
    }
    // The window closes once everything is captured; the check runs after it closed, as a schedule would.
    const endSeconds = Math.ceil(Date.now() / 1000) + 1;
    windowEnd = new Date(endSeconds * 1000).toISOString().replace('.000Z', 'Z');
    await new Promise((resolve) => setTimeout(resolve, endSeconds * 1000 - Date.now() + 50));
  });

  afterAll(async () => {
    for (const server of servers) server.kill();
    await Promise.all([close(engine.server as Server), close(pushgateway.server)]);
  });

  test('held-out rows do not drift: PSI 0.05 ln 3 per feature, nothing started, metrics pushed', async () => {
    const finished = await drift('v1');
    expect([finished.status, finished.stderr]).toEqual([0, '']);
    const result = resultLine(finished);
    // The held-out tenures and charges are the multiples of 0.05, fifty rows each: the first decile bin
    // (<= 0.108) holds three of them (0.15 of the rows), the sixth ((0.5, 0.598]) one (0.05), the others two (0.1).
    const heldOutShares = [0.15, 0.1, 0.1, 0.1, 0.1, 0.05, 0.1, 0.1, 0.1, 0.1, 0];
    expect(psi(TENTH, heldOutShares)).toBeCloseTo(0.05 * Math.log(3), 12);
    expect(result).toMatchObject({
      severity: 'INFO',
      verdict: 'no_drift',
      drift_detected: false,
      drifted_features: [],
      rows_compared: 1000,
      baseline_rows: 4000,
      unreadable_records: 0,
      retrain: { enabled: true, action: 'not_needed', target: '', execution: '' },
    });
    for (const feature of ['tenure', 'monthly_charges'])
      expect(result.features[feature]).toEqual({
        value: expect.closeTo(0.05 * Math.log(3), 12),
        threshold: 0.2,
        drifted: false,
      });
    expect(engineCalls()).toEqual([]);
    const pushed = pushgateway.requests.at(-1)!;
    expect([pushed.method, pushed.url, pushed.headers['content-type']]).toEqual([
      'PUT',
      '/metrics/job/mlops_drift/endpoint/churn-dev',
      'text/plain; version=0.0.4',
    ]);
    expect(pushed.body).toContain('\nmlops_drift_detected 0\n');
    expect(pushed.body).toContain('\nmlops_drift_rows_compared 1000\n');
  });

  test('shifted charges drift and start the runner: GET its state, then POST /containers/<name>/start', async () => {
    const finished = await drift('v2');
    expect([finished.status, finished.stderr]).toEqual([0, '']);
    const result = resultLine(finished);
    // Charges + 0.5: 0.5 to 1.45; nothing in the four lowest bins, 12 of the 20 values above 0.892.
    const shiftedShares = [0, 0, 0, 0, 0.05, 0.05, 0.1, 0.1, 0.1, 0.6, 0];
    expect(result).toMatchObject({
      severity: 'WARNING',
      verdict: 'drift',
      drift_detected: true,
      drifted_features: ['monthly_charges'],
      rows_compared: 1000,
      retrain: { enabled: true, action: 'started', reason: 'drift', target: RUNNER, execution: '' },
    });
    expect(result.features.monthly_charges).toEqual({
      value: expect.closeTo(psi(TENTH, shiftedShares), 12),
      threshold: 0.2,
      drifted: true,
    });
    expect(result.features.tenure.value).toBeCloseTo(0.05 * Math.log(3), 12);
    expect(result.message).toBe(
      `drift check churn-dev: drift in monthly_charges (psi ${result.features.monthly_charges.value.toPrecision(4)} > 0.2) over 1000 rows; retrain started: drift`,
    );
    expect(engineCalls()).toEqual([`GET /containers/${RUNNER}/json`, `POST /containers/${RUNNER}/start`]);
    expect(engine.requests[1].headers.host).toBe('docker');
    expect(pushgateway.requests.at(-1)!.body).toContain('\nmlops_drift_detected 1\n');
    expect(pushgateway.requests.at(-1)!.body).toContain(
      `mlops_drift_statistic{feature="monthly_charges",statistic="psi"} ${result.features.monthly_charges.value}\n`,
    );
  });

  test('the same window never retrains twice: not while the runner runs, nor after it has run', async () => {
    const running = resultLine(await drift('v2'));
    expect(running.retrain).toEqual({
      enabled: true,
      action: 'skipped',
      reason: `container ${RUNNER} is running`,
      target: RUNNER,
      execution: '',
    });
    // The run finished; it started after the window closed, so it already covers this window.
    runner.Running = false;
    const ran = resultLine(await drift('v2'));
    expect(ran.retrain).toEqual({
      enabled: true,
      action: 'skipped',
      reason: `container ${RUNNER} started at ${runner.StartedAt}, after this window closed (${windowEnd})`,
      target: RUNNER,
      execution: '',
    });
    expect(engineCalls().filter((c) => c.startsWith('POST'))).toEqual([`POST /containers/${RUNNER}/start`]);
    expect(engineCalls().slice(2)).toEqual([
      `GET /containers/${RUNNER}/json`,
      `GET /containers/${RUNNER}/json`,
    ]);
  });

  test('later windows, still drifting, start nothing within the 24 h cool-down; a run 25 h old does not block', async () => {
    // The next two hourly checks: their windows close after the runner started, and still hold the captures.
    const later = (hours: number) => ({
      MLOPS_DRIFT_WINDOW_END: new Date(Date.parse(windowEnd) + hours * 3_600_000)
        .toISOString()
        .replace('.000Z', 'Z'),
      MLOPS_DRIFT_WINDOW_HOURS: String(hours + 1),
    });
    for (const hours of [1, 2]) {
      const result = resultLine(await drift('v2', later(hours)));
      expect([result.verdict, result.retrain]).toEqual([
        'drift',
        {
          enabled: true,
          action: 'skipped',
          reason: `container ${RUNNER} started at ${runner.StartedAt}, within the 24 h retrain cool-down (MLOPS_DRIFT_RETRAIN_COOLDOWN_HOURS)`,
          target: RUNNER,
          execution: '',
        },
      ]);
    }
    expect(engineCalls().filter((c) => c.startsWith('POST'))).toEqual([`POST /containers/${RUNNER}/start`]);
    // A run that started 25 h ago is past the default cool-down: the check starts a new one.
    runner.StartedAt = new Date(Date.now() - 25 * 3_600_000).toISOString();
    const old = resultLine(await drift('v2', later(2)));
    expect(old.retrain).toEqual({
      enabled: true,
      action: 'started',
      reason: 'drift',
      target: RUNNER,
      execution: '',
    });
    expect(engineCalls().filter((c) => c.startsWith('POST'))).toEqual([
      `POST /containers/${RUNNER}/start`,
      `POST /containers/${RUNNER}/start`,
    ]);
  });
});
