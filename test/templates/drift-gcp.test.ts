/**
 * The drift job on gcp, end to end with the real templates against local stand-ins for Google's APIs (real
 * HTTP, exact paths asserted): the serving template publishes captured requests to Pub/Sub; the stand-in keeps
 * them as the BigQuery subscription would (a `data` column, dated by `publish_time`); drift.py reads the served
 * run's baseline from Cloud Storage, queries the window through BigQuery's jobs.query (polling, then paging),
 * and on drift creates a Workflows execution with the metadata server's token, once per window.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  close,
  json,
  listen,
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

const PROJECT = 'churn-staging-4821';
const TOPIC = `projects/${PROJECT}/topics/churn-staging-capture`;
const TABLE = `${PROJECT}.churn_staging_capture.requests`;
const WORKFLOW = `projects/${PROJECT}/locations/europe-west1/workflows/churn-staging-training`;
const BUCKET = 'churn-staging-artifacts-4821';
const BASELINE_OBJECT = 'runs/exec-7f3a/baseline/drift_baseline.json';
const TOKEN = 'ya29.drift-job-token';
const JOB = 'job_drift_1';
const BQ = `/bigquery/v2/projects/${PROJECT}/queries`;
const EXECUTIONS = `/v1/${WORKFLOW}/executions`;

/** `YYYY-MM-DD HH:MM:SS+00:00`, BigQuery's timestamp literal. */
const bqTime = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '+00:00');

describe('drift job on gcp: BigQuery in, Workflows execution on drift', () => {
  let trained: Trained;
  const servers: ChildProcess[] = [];
  /** Messages as the BigQuery subscription stores them: the data (the JSON record) and the publish time. */
  const table: { data: string; publishMs: number }[] = [];
  const executions: Record<string, string>[] = [];
  let createStatus = 200;
  let windowEndMs = 0;

  const google = recordingServer((req: Recorded, res) => {
    const url = new URL(req.url, 'http://stand-in');
    if (
      req.method === 'GET' &&
      url.pathname === '/computeMetadata/v1/instance/service-accounts/default/token'
    ) {
      if (req.headers['metadata-flavor'] !== 'Google')
        return json(res, 403, { error: 'Metadata-Flavor missing' });
      return json(res, 200, { access_token: TOKEN, expires_in: 3599, token_type: 'Bearer' });
    }
    if (req.method === 'POST' && url.pathname === `/v1/${TOPIC}:publish`) {
      for (const message of JSON.parse(req.body).messages)
        table.push({ data: Buffer.from(message.data, 'base64').toString('utf8'), publishMs: Date.now() });
      return json(res, 200, { messageIds: ['1'] });
    }
    if (
      req.method === 'GET' &&
      url.pathname === `/storage/v1/b/${BUCKET}/o/${encodeURIComponent(BASELINE_OBJECT)}`
    )
      return res.writeHead(200).end(readFileSync(path.join(trained.baselineDir, 'drift_baseline.json')));
    if (req.method === 'POST' && url.pathname === BQ && req.body.includes('.forbidden`'))
      return json(res, 403, {
        error: { code: 403, message: 'Access Denied: Table forbidden', status: 'PERMISSION_DENIED' },
      });
    if (req.method === 'POST' && url.pathname === BQ)
      // Not finished within the call: the job polls getQueryResults.
      return json(res, 200, {
        jobReference: { projectId: PROJECT, jobId: JOB, location: 'europe-west1' },
        jobComplete: false,
      });
    if (req.method === 'GET' && url.pathname === `${BQ}/${JOB}`) {
      const query = JSON.parse(google.requests.find((r) => r.method === 'POST' && r.url === BQ)!.body);
      const [start, end] = query.queryParameters.map((p: any) =>
        Date.parse(p.parameterValue.value.replace(' ', 'T')),
      );
      const rows = table
        .filter((m) => m.publishMs >= start && m.publishMs < end)
        .map((m) => ({ f: [{ v: m.data }] }));
      // Two pages: the first ten rows, then the rest.
      const second = url.searchParams.get('pageToken') === 'page-2';
      return json(res, 200, {
        jobReference: { projectId: PROJECT, jobId: JOB, location: 'europe-west1' },
        jobComplete: true,
        totalRows: String(rows.length),
        rows: second ? rows.slice(10) : rows.slice(0, 10),
        ...(second ? {} : { pageToken: 'page-2' }),
      });
    }
    if (req.method === 'GET' && url.pathname === EXECUTIONS)
      return json(res, 200, { executions: [...executions].reverse() });
    if (req.method === 'POST' && url.pathname === EXECUTIONS) {
      if (createStatus !== 200)
        return json(res, createStatus, {
          error: {
            code: createStatus,
            message: 'Permission denied on workflow',
            status: 'PERMISSION_DENIED',
          },
        });
      const execution = {
        name: `${WORKFLOW}/executions/e-${executions.length + 1}`,
        state: 'ACTIVE',
        startTime: new Date().toISOString().replace('Z', '417Z'),
      };
      executions.push(execution);
      return json(res, 200, execution);
    }
    json(res, 404, { error: `no route ${req.method} ${req.url}` });
  });
  let host = '';

  const drift = (version: string, more: Record<string, string> = {}) =>
    runDrift({
      MLOPS_DRIFT_BASELINE_URL: `gs://${BUCKET}/runs/exec-7f3a/baseline/`,
      MLOPS_DRIFT_BQ_TABLE: TABLE,
      MLOPS_DRIFT_BQ_LOCATION: 'europe-west1',
      MLOPS_DRIFT_VERSION: version,
      MLOPS_DRIFT_WINDOW_END: new Date(windowEndMs).toISOString().replace('.000Z', 'Z'),
      MLOPS_DRIFT_WINDOW_HOURS: '1',
      MLOPS_DRIFT_RETRAIN: 'true',
      MLOPS_RETRAIN_WORKFLOW: WORKFLOW,
      MLOPS_DRIFT_ENDPOINT: 'churn-staging',
      GCE_METADATA_HOST: host,
      STORAGE_EMULATOR_HOST: `http://${host}`,
      MLOPS_BIGQUERY_API: `http://${host}`,
      MLOPS_WORKFLOWS_API: `http://${host}`,
      ...more,
    });
  const calls = (from: number) => google.requests.slice(from).map((r) => `${r.method} ${r.url}`);

  beforeAll(async () => {
    // 5000 rows: 1000 held out, the drift job's default minimum (MLOPS_DRIFT_MIN_ROWS is not set here).
    trained = trainAndEvaluate(5000);
    host = await listen(google.server);
    for (const version of ['v1', 'v2']) {
      const { base, server } = await serve(trained.modelDir, {
        MLOPS_MODEL_VERSION: version,
        MLOPS_CAPTURE_TOPIC: TOPIC,
        MLOPS_CAPTURE_PERCENT: '100',
        PUBSUB_EMULATOR_HOST: host,
      });
      servers.push(server);
      const rows =
        version === 'v1'
          ? trained.heldOut
          : trained.heldOut.map(([tenure, charges]): [number, number] => [tenure, charges + 0.5]);
      await sendRows(base, rows);
    }
    windowEndMs = (Math.ceil(Date.now() / 1000) + 1) * 1000;
    await new Promise((resolve) => setTimeout(resolve, windowEndMs - Date.now() + 50));
  });

  afterAll(async () => {
    for (const server of servers) server.kill();
    await close(google.server);
  });

  test('held-out rows: no drift; the baseline, the token and the query are exactly what the job asked for', async () => {
    const from = google.requests.length;
    const finished = await drift('v1');
    expect([finished.status, finished.stderr]).toEqual([0, '']);
    const result = resultLine(finished);
    expect(result).toMatchObject({
      verdict: 'no_drift',
      drift_detected: false,
      rows_compared: 1000,
      baseline_rows: 4000,
    });
    expect(result.retrain.action).toBe('not_needed');
    expect(result.features.tenure.value).toBeCloseTo(0.05 * Math.log(3), 12);
    expect(result.features.monthly_charges.value).toBeCloseTo(0.05 * Math.log(3), 12);
    // 40 messages of ten instances (20 per release) in two pages of the same job: ten, then thirty. Without
    // the second page only 100 of v1's rows would be compared.
    expect(calls(from)).toEqual([
      `GET /storage/v1/b/${BUCKET}/o/${encodeURIComponent(BASELINE_OBJECT)}?alt=media`,
      'GET /computeMetadata/v1/instance/service-accounts/default/token',
      `POST ${BQ}`,
      `GET ${BQ}/${JOB}?timeoutMs=60000&location=europe-west1`,
      `GET ${BQ}/${JOB}?timeoutMs=60000&pageToken=page-2&location=europe-west1`,
    ]);
    const [, , query, poll] = google.requests.slice(from);
    expect(query.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(poll.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(query.body)).toEqual({
      query: `SELECT data FROM \`${TABLE}\` WHERE publish_time >= @start AND publish_time < @end`,
      useLegacySql: false,
      parameterMode: 'NAMED',
      queryParameters: [
        {
          name: 'start',
          parameterType: { type: 'TIMESTAMP' },
          parameterValue: { value: bqTime(windowEndMs - 3_600_000) },
        },
        { name: 'end', parameterType: { type: 'TIMESTAMP' }, parameterValue: { value: bqTime(windowEndMs) } },
      ],
      timeoutMs: 60000,
      location: 'europe-west1',
    });
  });

  test('shifted charges drift: the job lists the workflow executions, then creates one', async () => {
    const from = google.requests.length;
    const finished = await drift('v2');
    expect([finished.status, finished.stderr]).toEqual([0, '']);
    const result = resultLine(finished);
    expect(result).toMatchObject({
      severity: 'WARNING',
      verdict: 'drift',
      drifted_features: ['monthly_charges'],
      rows_compared: 1000,
      retrain: {
        enabled: true,
        action: 'started',
        reason: 'drift',
        target: WORKFLOW,
        execution: `${WORKFLOW}/executions/e-1`,
      },
    });
    expect(calls(from).slice(-2)).toEqual([`GET ${EXECUTIONS}?pageSize=100`, `POST ${EXECUTIONS}`]);
    const create = google.requests.at(-1)!;
    expect([create.headers.authorization, create.body]).toEqual([`Bearer ${TOKEN}`, '{}']);
  });

  test('the same window never retrains twice: not while the execution is active, nor after it ran', async () => {
    const active = resultLine(await drift('v2'));
    expect(active.retrain).toEqual({
      enabled: true,
      action: 'skipped',
      reason: `execution ${WORKFLOW}/executions/e-1 is ACTIVE`,
      target: WORKFLOW,
      execution: `${WORKFLOW}/executions/e-1`,
    });
    executions[0].state = 'SUCCEEDED';
    const ran = resultLine(await drift('v2'));
    const closed = new Date(windowEndMs).toISOString().replace('.000Z', 'Z');
    expect(ran.retrain.action).toBe('skipped');
    expect(ran.retrain.reason).toBe(
      `execution ${WORKFLOW}/executions/e-1 started at ${executions[0].startTime}, after this window closed (${closed})`,
    );
    expect(google.requests.filter((r) => r.method === 'POST' && r.url === EXECUTIONS)).toHaveLength(1);
  });

  test('the next hourly windows, still drifting, create no execution within the 24 h cool-down', async () => {
    // Windows that close after e-1 started, and still hold the captures: only the cool-down holds them back.
    const later = (hours: number) => ({
      MLOPS_DRIFT_WINDOW_END: new Date(windowEndMs + hours * 3_600_000).toISOString().replace('.000Z', 'Z'),
      MLOPS_DRIFT_WINDOW_HOURS: String(hours + 1),
    });
    for (const hours of [1, 2]) {
      const result = resultLine(await drift('v2', later(hours)));
      expect([result.verdict, result.retrain]).toEqual([
        'drift',
        {
          enabled: true,
          action: 'skipped',
          reason: `execution ${WORKFLOW}/executions/e-1 started at ${executions[0].startTime}, within the 24 h retrain cool-down (MLOPS_DRIFT_RETRAIN_COOLDOWN_HOURS)`,
          target: WORKFLOW,
          execution: `${WORKFLOW}/executions/e-1`,
        },
      ]);
    }
    expect(google.requests.filter((r) => r.method === 'POST' && r.url === EXECUTIONS)).toHaveLength(1);
    // An execution that started 25 h ago is past the default cool-down: the check creates a new one.
    executions[0].startTime = new Date(Date.now() - 25 * 3_600_000).toISOString();
    const old = resultLine(await drift('v2', later(2)));
    expect(old.retrain).toEqual({
      enabled: true,
      action: 'started',
      reason: 'drift',
      target: WORKFLOW,
      execution: `${WORKFLOW}/executions/e-2`,
    });
    expect(google.requests.filter((r) => r.method === 'POST' && r.url === EXECUTIONS)).toHaveLength(2);
  });

  test("a refused execution fails the run (exit 1, severity ERROR) with the API's reason", async () => {
    executions.length = 0;
    createStatus = 403;
    const finished = await drift('v2');
    expect(finished.status).toBe(1);
    const result = resultLine(finished);
    expect(result.severity).toBe('ERROR');
    expect(result.retrain).toMatchObject({
      enabled: true,
      action: 'failed',
      target: WORKFLOW,
      execution: '',
    });
    expect(result.retrain.reason).toMatch(
      new RegExp(`^POST http://${host}${EXECUTIONS} answered HTTP 403: .*Permission denied on workflow`),
    );
    expect(finished.stderr.trim()).toBe(result.message);
  });

  test('a refused query fails the run: one ERROR line naming the call and the reason, no retrain', async () => {
    const from = google.requests.length;
    const finished = await drift('v2', {
      MLOPS_DRIFT_BQ_TABLE: `${PROJECT}.churn_staging_capture.forbidden`,
    });
    const reason = `POST http://${host}${BQ} answered HTTP 403: `;
    expect(finished.status).toBe(1);
    expect(finished.stderr).toContain(reason);
    const line = resultLine(finished);
    expect(line).toEqual({
      severity: 'ERROR',
      message: expect.stringContaining(`drift check failed: ${reason}`),
      event: 'mlops.drift_check',
      endpoint: 'churn-staging',
      verdict: 'error',
      drift_detected: false,
    });
    expect(line.message).toContain('Access Denied: Table forbidden');
    expect(calls(from).filter((c) => c.includes('/executions'))).toEqual([]);
  });
});
