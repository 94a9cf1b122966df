/**
 * The drift job (templates/drift) on small hand-computed cases, run as the real script: exact PSI and KS over
 * the baseline's bins, the empty-bin rule, categories, thresholds, the window, too few rows, the metrics file,
 * and the errors a user can make.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DRIFT, psi, resultLine, runDrift } from './drift-fixtures';

// Each case runs the real script, several times for some: generous on a loaded machine.
jest.setTimeout(120_000);

const END = '2026-12-02T03:00:00Z';
const at = (iso: string) => Date.parse(iso) / 1000;

/** A baseline as the training template writes it: x in two bins split at 1, plan in two categories. */
const BASELINE = {
  format: 'mlops-drift-baseline/1',
  row_count: 4,
  features: [
    { name: 'x', kind: 'numeric', edges: [1], proportions: [0.5, 0.5], missing: 0 },
    { name: 'plan', kind: 'categorical', proportions: { a: 0.5, b: 0.5 }, missing: 0 },
  ],
};

/** A capture directory holding one file of records, each {time, version, request: {instances}} as serve.py writes. */
function captures(
  records: { time: number; instances: unknown[]; version?: string }[],
  extraLines: string[] = [],
) {
  const root = mkdtempSync(path.join(tmpdir(), 'mlops-drift-unit-'));
  const dir = path.join(root, 'capture');
  mkdirSync(dir);
  writeFileSync(path.join(root, 'drift_baseline.json'), JSON.stringify(BASELINE));
  const file = path.join(dir, 'v1-host.jsonl');
  const lines = records.map((r) =>
    JSON.stringify({
      time: r.time,
      version: r.version ?? 'v1',
      request: { instances: r.instances },
      response: {},
    }),
  );
  writeFileSync(file, [...lines, ...extraLines].join('\n') + '\n');
  // Last written inside the window, as a file the server appended to then would be.
  utimesSync(file, at(END) - 60, at(END) - 60);
  return { root, dir };
}

const inWindow = (values: [number, string][]) =>
  values.map(([x, plan], i) => ({ time: at('2026-12-02T02:10:00Z') + i, instances: [{ x, plan }] }));

function env(where: { root: string; dir: string }, more: Record<string, string> = {}) {
  return {
    MLOPS_DRIFT_BASELINE_URL: where.root,
    MLOPS_CAPTURE_DIR: where.dir,
    MLOPS_DRIFT_WINDOW_END: END,
    MLOPS_DRIFT_WINDOW_HOURS: '1',
    MLOPS_DRIFT_MIN_ROWS: '4',
    ...more,
  };
}

describe('drift job: statistics on hand-computed cases', () => {
  test('PSI over the bins: x has a quarter of its rows below 1 against a half, 0.25 ln 3', async () => {
    // x: shares [0.25, 0.75] against [0.5, 0.5]: (0.25 - 0.5) ln(0.5) + (0.75 - 0.5) ln(1.5) = 0.25 ln 3.
    // plan: a a a b: [0.75, 0.25] against [0.5, 0.5]: the same sum.
    const where = captures(
      inWindow([
        [0.5, 'a'],
        [2, 'a'],
        [3, 'a'],
        [4, 'b'],
      ]),
    );
    const finished = await runDrift(env(where, { MLOPS_DRIFT_ENDPOINT: 'churn-dev' }));
    expect([finished.status, finished.stderr]).toEqual([0, '']);
    const result = resultLine(finished);
    const quarterLn3 = 0.25 * Math.log(3);
    expect(result).toEqual({
      severity: 'WARNING',
      message: `drift check churn-dev: drift in x (psi 0.2747 > 0.2), plan (psi 0.2747 > 0.2) over 4 rows`,
      event: 'mlops.drift_check',
      endpoint: 'churn-dev',
      verdict: 'drift',
      drift_detected: true,
      statistic: 'psi',
      threshold: 0.2,
      max_statistic: expect.closeTo(quarterLn3, 12),
      drifted_features: ['x', 'plan'],
      features: {
        x: { value: expect.closeTo(quarterLn3, 12), threshold: 0.2, drifted: true },
        plan: { value: expect.closeTo(quarterLn3, 12), threshold: 0.2, drifted: true },
      },
      rows_compared: 4,
      min_rows: 4,
      baseline_rows: 4,
      unreadable_records: 0,
      window: { start: '2026-12-02T02:00:00Z', end: END },
      retrain: {
        enabled: false,
        action: 'disabled',
        reason: 'MLOPS_DRIFT_RETRAIN is not true',
        target: '',
        execution: '',
      },
    });
  });

  test('an empty bin counts as a share of 0.0001, so PSI stays finite', async () => {
    // Every x at or below 1: shares [1, 0] against [0.5, 0.5].
    const where = captures(
      inWindow([
        [0.1, 'a'],
        [0.2, 'b'],
        [0.3, 'a'],
        [0.4, 'b'],
      ]),
    );
    const result = resultLine(await runDrift(env(where)));
    expect(result.features.x.value).toBeCloseTo(0.5 * Math.log(2) + (1e-4 - 0.5) * Math.log(1e-4 / 0.5), 12);
    expect(result.features.x.value).toBeCloseTo(psi([0.5, 0.5, 0], [1, 0, 0]), 12);
    // plan a b a b matches its baseline exactly.
    expect(result.features.plan).toEqual({ value: 0, threshold: 0.2, drifted: false });
    expect([result.verdict, result.drifted_features]).toEqual(['drift', ['x']]);
  });

  test('a category the baseline never saw falls in "other", whose baseline share is 0', async () => {
    // plan a a a c: a 0.75, b 0, other 0.25 against a 0.5, b 0.5, other 0.
    const where = captures(
      inWindow([
        [0.5, 'a'],
        [2, 'a'],
        [0.5, 'a'],
        [2, 'c'],
      ]),
    );
    const psiResult = resultLine(await runDrift(env(where)));
    expect(psiResult.features.plan.value).toBeCloseTo(psi([0.5, 0.5, 0, 0], [0.75, 0, 0.25, 0]), 12);
    expect(psiResult.features.x).toEqual({ value: 0, threshold: 0.2, drifted: false });
    // KS on categories: the largest gap in one category's share (b: 0.5).
    const ksResult = resultLine(await runDrift(env(where, { MLOPS_DRIFT_STATISTIC: 'ks' })));
    expect(ksResult.features.plan).toEqual({ value: 0.5, threshold: 0.1, drifted: true });
  });

  test('KS: the largest gap between the cumulative shares; per-feature thresholds override the overall one', async () => {
    // x cumulative: [0.25, 1, 1] against [0.5, 1, 1]: 0.25. plan a a a b: 0.25 too.
    const where = captures(
      inWindow([
        [0.5, 'a'],
        [2, 'a'],
        [3, 'a'],
        [4, 'b'],
      ]),
    );
    const result = resultLine(
      await runDrift(
        env(where, { MLOPS_DRIFT_STATISTIC: 'ks', MLOPS_DRIFT_FEATURE_THRESHOLDS: '{"x": 0.3}' }),
      ),
    );
    expect(result.features).toEqual({
      x: { value: 0.25, threshold: 0.3, drifted: false },
      plan: { value: 0.25, threshold: 0.1, drifted: true },
    });
    expect([result.statistic, result.threshold, result.drifted_features]).toEqual(['ks', 0.1, ['plan']]);
    // Only the features asked for are checked; with x's own threshold nothing drifts under PSI.
    const quiet = resultLine(
      await runDrift(env(where, { MLOPS_DRIFT_FEATURES: 'x', MLOPS_DRIFT_FEATURE_THRESHOLDS: '{"x": 0.3}' })),
    );
    expect([quiet.verdict, Object.keys(quiet.features), quiet.severity]).toEqual(['no_drift', ['x'], 'INFO']);
    expect(quiet.message).toBe('drift check: no drift over 4 rows (largest psi 0.2747)');
    // The list may come as a JSON array too (what a renderer writes); [] means every feature.
    const asJson = resultLine(await runDrift(env(where, { MLOPS_DRIFT_FEATURES: '["plan"]' })));
    expect(Object.keys(asJson.features)).toEqual(['plan']);
    const every = resultLine(await runDrift(env(where, { MLOPS_DRIFT_FEATURES: '[]' })));
    expect(Object.keys(every.features)).toEqual(['x', 'plan']);
  });
});

describe('drift job: the window, the rows, the metrics', () => {
  test('only records with start <= time < end count; unreadable lines and instances are counted, not fatal', async () => {
    const where = captures(
      [
        { time: at('2026-12-02T01:59:59Z'), instances: [{ x: 9, plan: 'z' }] },
        { time: at('2026-12-02T02:00:00Z'), instances: [{ x: 0.5, plan: 'a' }, [2, 'b']] },
        { time: at('2026-12-02T02:59:59Z'), instances: [{ x: 2, plan: 'a' }, 'not an instance'] },
        { time: at(END), instances: [{ x: 9, plan: 'z' }] },
        { time: at('2026-12-02T02:30:00Z'), version: 'v2', instances: [{ x: 3, plan: 'b' }] },
      ],
      ['not json', '{"time": "later"}'],
    );
    const all = resultLine(await runDrift(env(where)));
    // Four instances inside (a list follows the baseline's feature order: x, plan): x 0.5, 2, 2, 3.
    expect([all.rows_compared, all.unreadable_records]).toEqual([4, 3]);
    expect(all.features.x.value).toBeCloseTo(psi([0.5, 0.5, 0], [0.25, 0.75, 0]), 12);
    // Only release v1's records: x 0.5, 2, 2.
    const v1 = resultLine(
      await runDrift(env(where, { MLOPS_DRIFT_VERSION: 'v1', MLOPS_DRIFT_MIN_ROWS: '3' })),
    );
    expect(v1.rows_compared).toBe(3);
    expect(v1.features.x.value).toBeCloseTo(psi([0.5, 0.5, 0], [1 / 3, 2 / 3, 0]), 12);
  });

  test('by default the window is the last 24 whole hours before now', async () => {
    // Not across an hour boundary: the test and the job must see the same hour.
    if (Date.now() % 3_600_000 > 3_590_000)
      await new Promise((r) => setTimeout(r, 3_600_000 - (Date.now() % 3_600_000) + 1000));
    const hour = Math.floor(Date.now() / 3_600_000) * 3600;
    const where = captures([
      { time: hour - 24 * 3600 - 1, instances: [{ x: 9, plan: 'z' }] },
      { time: hour - 24 * 3600, instances: [{ x: 0.5, plan: 'a' }] },
      {
        time: hour - 1,
        instances: [
          { x: 2, plan: 'b' },
          { x: 0.5, plan: 'a' },
          { x: 2, plan: 'b' },
        ],
      },
      { time: hour, instances: [{ x: 9, plan: 'z' }] },
    ]);
    utimesSync(path.join(where.dir, 'v1-host.jsonl'), hour, hour);
    const defaults = Object.fromEntries(
      Object.entries(env(where)).filter(
        ([k]) => !['MLOPS_DRIFT_WINDOW_END', 'MLOPS_DRIFT_WINDOW_HOURS'].includes(k),
      ),
    );
    const result = resultLine(await runDrift(defaults));
    const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
    expect(result.window).toEqual({ start: iso(hour - 24 * 3600), end: iso(hour) });
    expect([result.rows_compared, result.verdict]).toEqual([4, 'no_drift']);
  });

  test('fewer rows than MLOPS_DRIFT_MIN_ROWS give no verdict and never retrain', async () => {
    const where = captures(
      inWindow([
        [0.5, 'a'],
        [2, 'a'],
        [3, 'a'],
        [4, 'b'],
      ]),
    );
    const finished = await runDrift(
      env(where, {
        MLOPS_DRIFT_MIN_ROWS: '5',
        MLOPS_DRIFT_RETRAIN: 'true',
        MLOPS_RETRAIN_CONTAINER: 'churn-runner',
      }),
    );
    const result = resultLine(finished);
    expect(finished.status).toBe(0);
    expect(result).toMatchObject({
      severity: 'INFO',
      message: 'drift check: 4 captured rows, fewer than 5: no verdict',
      verdict: 'insufficient_data',
      drift_detected: false,
      max_statistic: 0,
      features: {},
      retrain: { enabled: true, action: 'not_needed' },
    });
  });

  test('by default 1000 rows are needed for a verdict: 999 give none, 1000 do', async () => {
    // Undrifted rows, half on each side of the edge and of each category, as the baseline has them.
    const rows = (n: number) =>
      inWindow(Array.from({ length: n }, (_, i): [number, string] => [i % 2 ? 2 : 0.5, i % 2 ? 'b' : 'a']));
    const defaults = (n: number) => {
      const all: Record<string, string> = env(captures(rows(n)));
      delete all.MLOPS_DRIFT_MIN_ROWS;
      return all;
    };
    const few = resultLine(await runDrift(defaults(999)));
    expect([few.verdict, few.rows_compared, few.min_rows, few.message]).toEqual([
      'insufficient_data',
      999,
      1000,
      'drift check: 999 captured rows, fewer than 1000: no verdict',
    ]);
    const enough = resultLine(await runDrift(defaults(1000)));
    expect([enough.verdict, enough.rows_compared, enough.min_rows, enough.max_statistic]).toEqual([
      'no_drift',
      1000,
      1000,
      0,
    ]);
  });

  test('the metrics textfile carries each feature statistic, its threshold and the verdict', async () => {
    const where = captures(
      inWindow([
        [0.5, 'a'],
        [2, 'a'],
        [3, 'a'],
        [4, 'b'],
      ]),
    );
    const textfile = path.join(where.root, 'drift.prom');
    const result = resultLine(
      await runDrift(env(where, { MLOPS_DRIFT_TEXTFILE: textfile, MLOPS_DRIFT_ENDPOINT: 'churn-dev' })),
    );
    const value = result.features.x.value;
    const lines = readFileSync(textfile, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(lines.slice(0, 6)).toEqual([
      `mlops_drift_statistic{feature="x",statistic="psi",endpoint="churn-dev"} ${value}`,
      `mlops_drift_statistic{feature="plan",statistic="psi",endpoint="churn-dev"} ${result.features.plan.value}`,
      'mlops_drift_threshold{feature="x",statistic="psi",endpoint="churn-dev"} 0.2',
      'mlops_drift_threshold{feature="plan",statistic="psi",endpoint="churn-dev"} 0.2',
      'mlops_drift_detected{endpoint="churn-dev"} 1',
      'mlops_drift_rows_compared{endpoint="churn-dev"} 4',
    ]);
    expect(lines[6]).toMatch(/^mlops_drift_last_run_timestamp_seconds\{endpoint="churn-dev"\} \d+\.\d+$/);
    expect(value).toBeCloseTo(0.25 * Math.log(3), 12);
  });
});

describe('drift job: errors say what to do', () => {
  test('a missing baseline says how to produce one, on stderr and in the log line', async () => {
    const where = captures([]);
    const missing = path.join(where.root, 'runs', 'r1', 'baseline');
    const finished = await runDrift(env(where, { MLOPS_DRIFT_BASELINE_URL: missing }));
    const reason =
      `no drift baseline at ${missing}: run the training pipeline once: its evaluation step writes drift_baseline.json ` +
      "to MLOPS_BASELINE_DIR (runs/<run id>/baseline/ beside the run's model), then point MLOPS_DRIFT_BASELINE_URL at that run's baseline";
    expect([finished.status, finished.stderr.trim()]).toEqual([1, reason]);
    expect(resultLine(finished)).toEqual({
      severity: 'ERROR',
      message: `drift check failed: ${reason}`,
      event: 'mlops.drift_check',
      endpoint: '',
      verdict: 'error',
      drift_detected: false,
    });
  });

  test.each([
    [{ MLOPS_DRIFT_STATISTIC: 'chi2' }, "MLOPS_DRIFT_STATISTIC must be one of ['psi', 'ks'], not 'chi2'"],
    [{ MLOPS_DRIFT_THRESHOLD: '-1' }, "MLOPS_DRIFT_THRESHOLD must be at least 0, not '-1'"],
    [{ MLOPS_DRIFT_WINDOW_HOURS: '1.5' }, "MLOPS_DRIFT_WINDOW_HOURS must be a whole number, not '1.5'"],
    [
      { MLOPS_DRIFT_RETRAIN_COOLDOWN_HOURS: '-1' },
      "MLOPS_DRIFT_RETRAIN_COOLDOWN_HOURS must be at least 0, not '-1'",
    ],
    [
      { MLOPS_DRIFT_FEATURE_THRESHOLDS: '{"tenure": 0.3}' },
      "feature 'tenure' is not in the baseline, whose features are ['x', 'plan']",
    ],
    [
      { MLOPS_DRIFT_RETRAIN: 'true' },
      'MLOPS_DRIFT_RETRAIN=true needs exactly one of MLOPS_RETRAIN_WORKFLOW (gcp) and MLOPS_RETRAIN_CONTAINER (docker)',
    ],
    [{ MLOPS_DRIFT_RETRAIN: 'yes' }, "MLOPS_DRIFT_RETRAIN must be true or false, not 'yes'"],
    [
      { MLOPS_RETRAIN_CONTAINER: 'churn-runner', DOCKER_HOST: 'tcp://10.0.0.5:2375' },
      "DOCKER_HOST must be a unix:// socket for the drift job, not 'tcp://10.0.0.5:2375'",
    ],
    [
      { MLOPS_DRIFT_RETRAIN: 'true', MLOPS_RETRAIN_WORKFLOW: 'churn-training' },
      "MLOPS_RETRAIN_WORKFLOW must be projects/<p>/locations/<l>/workflows/<w>, not 'churn-training'",
    ],
  ])('%j is refused: %s', async (bad, reason) => {
    // Four drifting rows, so a bad retrain target is reached too.
    const where = captures(
      inWindow([
        [0.5, 'a'],
        [2, 'a'],
        [3, 'a'],
        [4, 'b'],
      ]),
    );
    const finished = await runDrift(env(where, bad));
    expect(finished.status).toBe(1);
    expect(finished.stderr.trim()).toContain(reason);
  });
});

test('the image holds every module drift.py imports, and runs it', () => {
  const dockerfile = readFileSync(path.join(DRIFT, 'Dockerfile'), 'utf8');
  const copied = /^COPY (.+) \.\/$/m.exec(dockerfile)![1].split(' ');
  expect(copied.sort()).toEqual(
    readdirSync(DRIFT)
      .filter((f) => f.endsWith('.py'))
      .sort(),
  );
  expect(dockerfile).toContain('ENTRYPOINT ["python", "drift.py"]');
});

test('a gs:// baseline is an object or a prefix holding drift_baseline.json, fetched with the job token', () => {
  // The HTTP layer is a parameter: a python stand-in records the calls and answers 404 for the last one.
  const script = [
    'import json, sources',
    'calls = []',
    'def http(method, url, headers, body):',
    '    calls.append([method, url, headers])',
    '    return (404, b"") if "missing" in url else (200, json.dumps({"format": "mlops-drift-baseline/1", "row_count": 1, "features": []}).encode())',
    'for url in ("gs://b/runs/r1/baseline/", "gs://b/runs/r1/baseline", "gs://b/runs/r1/baseline/drift_baseline.json", "gs://b"):',
    '    print(sources.load_baseline(url, http, lambda: "t0k")[1])',
    'try:',
    '    sources.load_baseline("gs://b/missing/", http, lambda: "t0k")',
    'except sources.MissingBaseline as err:',
    '    print(err)',
    'print(json.dumps(calls))',
  ].join('\n');
  const result = spawnSync('python3', ['-c', script], {
    cwd: DRIFT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1' },
  });
  expect(result.stderr).toBe('');
  const lines = result.stdout.trim().split('\n');
  expect(lines.slice(0, 5)).toEqual([
    'gs://b/runs/r1/baseline/drift_baseline.json',
    'gs://b/runs/r1/baseline/drift_baseline.json',
    'gs://b/runs/r1/baseline/drift_baseline.json',
    'gs://b/drift_baseline.json',
    "no drift baseline at gs://b/missing/drift_baseline.json: run the training pipeline once: its evaluation step writes drift_baseline.json to MLOPS_BASELINE_DIR (runs/<run id>/baseline/ beside the run's model), then point MLOPS_DRIFT_BASELINE_URL at that run's baseline",
  ]);
  const object =
    'https://storage.googleapis.com/storage/v1/b/b/o/runs%2Fr1%2Fbaseline%2Fdrift_baseline.json?alt=media';
  expect(JSON.parse(lines[5])).toEqual([
    ['GET', object, { Authorization: 'Bearer t0k' }],
    ['GET', object, { Authorization: 'Bearer t0k' }],
    ['GET', object, { Authorization: 'Bearer t0k' }],
    [
      'GET',
      'https://storage.googleapis.com/storage/v1/b/b/o/drift_baseline.json?alt=media',
      { Authorization: 'Bearer t0k' },
    ],
    [
      'GET',
      'https://storage.googleapis.com/storage/v1/b/b/o/missing%2Fdrift_baseline.json?alt=media',
      { Authorization: 'Bearer t0k' },
    ],
  ]);
});
