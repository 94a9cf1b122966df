/** The training template honours the MlPipeline container contract: run it as the pipeline would. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { dataset, run, TEMPLATE } from './training-fixtures';

describe('training template', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'mlops-train-'));
  const dirs = Object.fromEntries(
    ['data', 'model', 'evaluation', 'baseline'].map((d) => [d, path.join(root, d)]),
  );
  mkdirSync(dirs.data);
  writeFileSync(path.join(dirs.data, 'churn.csv'), dataset(200));

  test('train.py writes the model where SM_MODEL_DIR says, with the hyperparameters given', () => {
    const result = run('train.py', {
      SM_CHANNEL_TRAIN: dirs.data,
      SM_MODEL_DIR: dirs.model,
      MLOPS_HYPERPARAMETERS: JSON.stringify({ epochs: '30', 'learning-rate': '0.5' }),
    });
    expect([result.status, result.stdout.trim()]).toEqual([0, 'trained on 160 rows, 2 features']);
    const model = JSON.parse(readFileSync(path.join(dirs.model, 'model.json'), 'utf8'));
    expect(model.features).toEqual(['tenure', 'monthly_charges']);
    // Churn rises with charges and falls with tenure.
    expect(model.weights.monthly_charges).toBeGreaterThan(0);
    expect(model.weights.tenure).toBeLessThan(0);
  });

  test('evaluate.py writes the metrics file the gate reads, no champion when none is approved, and the drift baseline', () => {
    // SageMaker hands the evaluation a model.tar.gz: the template must unpack it.
    const packed = path.join(root, 'packed');
    mkdirSync(packed);
    execFileSync('tar', ['-czf', path.join(packed, 'model.tar.gz'), '-C', dirs.model, 'model.json']);
    const result = run('evaluate.py', {
      MLOPS_MODEL_DIR: packed,
      MLOPS_DATA_DIR: dirs.data,
      MLOPS_EVALUATION_DIR: dirs.evaluation,
      MLOPS_BASELINE_DIR: dirs.baseline,
      MLOPS_METRICS_FILE: 'evaluation.json',
    });
    expect([result.status, result.stderr]).toEqual([0, '']);
    const report = JSON.parse(readFileSync(path.join(dirs.evaluation, 'evaluation.json'), 'utf8'));
    expect(Object.keys(report)).toEqual(['metrics', 'champion']);
    expect(Object.keys(report.metrics)).toEqual(['auc', 'log_loss']);
    expect(report.metrics.auc.value).toBeGreaterThan(0.9);
    expect(report.metrics.auc.value).toBeLessThanOrEqual(1);
    expect(report.metrics.log_loss.value).toBeGreaterThan(0);
    expect(report.metrics.log_loss.value).toBeLessThan(Math.LN2);
    // No MLOPS_CHAMPION_MODEL_DIR: nothing is approved, and the report says so instead of inventing a score.
    expect(report.champion).toEqual({
      found: false,
      reason: 'no approved model yet: the candidate is compared with no champion',
      auc: report.metrics.auc,
      log_loss: report.metrics.log_loss,
    });
    expect(result.stdout.trim()).toBe(
      `auc=${report.metrics.auc.value.toFixed(4)} (no approved model) on 40 held-out rows`,
    );
    // The archive was unpacked elsewhere: the model directory holds only what it was given.
    expect(execFileSync('ls', [packed], { encoding: 'utf8' }).trim()).toBe('model.tar.gz');
    // The drift baseline describes the 160 training rows (not the held-out 40), and only it is written: no file
    // named like SageMaker Model Monitor's (statistics.json, constraints.json) in a shape that container rejects.
    expect(readdirSync(dirs.baseline)).toEqual(['drift_baseline.json']);
    const baseline = JSON.parse(readFileSync(path.join(dirs.baseline, 'drift_baseline.json'), 'utf8'));
    // Training tenure and charges are 0.01 to 0.99 without the multiples of 0.05, each twice: deciles 0.108 apart
    // by 0.098, a tenth of the rows in each bin.
    const deciles = [0.108, 0.206, 0.304, 0.402, 0.5, 0.598, 0.696, 0.794, 0.892];
    const tenth = Array(10).fill(0.1);
    expect(baseline).toEqual({
      format: 'mlops-drift-baseline/1',
      row_count: 160,
      features: ['tenure', 'monthly_charges'].map((name) => ({
        name,
        kind: 'numeric',
        edges: deciles.map((d) => expect.closeTo(d, 12)),
        proportions: tenth,
        missing: 0,
      })),
    });
  });

  test('evaluate.py writes the monitor dataset Model Monitor baselines on aws: the output first, then the features in the model order, no label', () => {
    // The label sits between the features here: the dataset must not depend on where the data keeps it.
    const data = path.join(root, 'data-label-inside');
    mkdirSync(data);
    const lines = dataset(200)
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    const reordered = lines.map(([label, tenure, charges]) => [tenure, label, charges].join(','));
    writeFileSync(path.join(data, 'churn.csv'), reordered.join('\n') + '\n');
    const model = JSON.parse(readFileSync(path.join(dirs.model, 'model.json'), 'utf8'));
    const monitor = path.join(root, 'monitor-dataset');
    const result = run('evaluate.py', {
      MLOPS_MODEL_DIR: dirs.model,
      MLOPS_DATA_DIR: data,
      MLOPS_EVALUATION_DIR: path.join(root, 'evaluation-monitor'),
      MLOPS_BASELINE_DIR: path.join(root, 'baseline-monitor'),
      MLOPS_MONITOR_DATASET_DIR: monitor,
    });
    expect([result.status, result.stderr]).toEqual([0, '']);
    expect(readdirSync(monitor)).toEqual(['dataset.csv']);
    const written = readFileSync(path.join(monitor, 'dataset.csv'), 'utf8').trim().split('\r\n');
    expect(written[0]).toBe('prediction,tenure,monthly_charges');
    // The 160 training rows (every row but each fifth), in order: the model's probability, then the values as given.
    const train = lines.slice(1).filter((_, i) => i % 5 !== 0);
    expect(written.length).toBe(1 + 160);
    written.slice(1).forEach((line, i) => {
      const [prediction, tenure, charges] = line.split(',');
      const [, t, c] = train[i];
      expect([tenure, charges]).toEqual([t, c]);
      const z = model.bias + model.weights.tenure * Number(t) + model.weights.monthly_charges * Number(c);
      expect(Number(prediction)).toBeCloseTo(1 / (1 + Math.exp(-z)), 12);
    });
  });

  test('evaluate.py refuses a feature named like the monitor dataset output column', () => {
    const data = path.join(root, 'data-prediction-feature');
    const model = path.join(root, 'model-prediction-feature');
    mkdirSync(data);
    mkdirSync(model);
    writeFileSync(
      path.join(data, 'churn.csv'),
      'label,prediction\n1,0.9\n0,0.1\n1,0.8\n0,0.2\n1,0.7\n0,0.3\n',
    );
    writeFileSync(
      path.join(model, 'model.json'),
      JSON.stringify({ features: ['prediction'], weights: { prediction: 1 }, bias: 0 }),
    );
    const result = run('evaluate.py', {
      MLOPS_MODEL_DIR: model,
      MLOPS_DATA_DIR: data,
      MLOPS_EVALUATION_DIR: path.join(root, 'evaluation-prediction'),
      MLOPS_BASELINE_DIR: path.join(root, 'baseline-prediction'),
      MLOPS_MONITOR_DATASET_DIR: path.join(root, 'monitor-prediction'),
    });
    expect([result.status, result.stderr.trim()]).toEqual([
      1,
      "a feature is named 'prediction', the monitor dataset's output column: rename it",
    ]);
  });

  test('evaluate.py refuses a gate metric it does not write', () => {
    const result = run('evaluate.py', {
      MLOPS_MODEL_DIR: dirs.model,
      MLOPS_DATA_DIR: dirs.data,
      MLOPS_EVALUATION_DIR: dirs.evaluation,
      MLOPS_BASELINE_DIR: dirs.baseline,
      MLOPS_QUALITY_METRIC: 'rmse',
    });
    expect([result.status, result.stderr.trim()]).toEqual([
      1,
      "the quality gate's metric 'rmse' is not one this evaluation writes: ['auc', 'log_loss']",
    ]);
  });

  test('evaluate.py scores extreme feature values without overflowing: 0 and 1 at the ends, 0.5 at z = 0', () => {
    // z = bias + weight * x: -1000 and +1000 overflow a naive 1 / (1 + exp(-z)) on the negative side.
    const script = [
      'import json, evaluate',
      'm = {"bias": 0.0, "weights": {"x": 1.0}, "features": ["x"]}',
      'print(json.dumps([evaluate.score(m, {"x": v}) for v in ("-1000", "0", "1000", "-30")]))',
    ].join('\n');
    const result = spawnSync('python3', ['-c', script], { cwd: TEMPLATE, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    const [low, mid, high, minus30] = JSON.parse(result.stdout) as number[];
    expect([low, mid, high]).toEqual([0, 0.5, 1]);
    expect(minus30).toBeCloseTo(Math.exp(-30) / (1 + Math.exp(-30)), 20);
  });

  test('the drift baseline bins numbers by deciles, counts categories, and keeps the share of missing values', () => {
    // Bin i holds edges[i-1] < x <= edges[i]; the shares and `missing` add up to 1 for every feature.
    const script = [
      'import json, baseline',
      'plans = ["a", "a", "b", "", "a", "b", "a", "a", "b", "c"]',
      'rows = [{"x": str(v), "plan": p, "flat": "3" if v != 4 else ""} for v, p in zip(range(1, 11), plans)]',
      'print(json.dumps(baseline.drift_baseline(rows, ["x", "plan", "flat"])))',
    ].join('\n');
    const result = spawnSync('python3', ['-c', script], { cwd: TEMPLATE, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      format: 'mlops-drift-baseline/1',
      row_count: 10,
      features: [
        {
          name: 'x',
          kind: 'numeric',
          // The inclusive deciles of 1..10: 1 + 0.9 k.
          edges: [1.9, 2.8, 3.7, 4.6, 5.5, 6.4, 7.3, 8.2, 9.1].map((d) => expect.closeTo(d, 12)),
          proportions: Array(10).fill(0.1),
          missing: 0,
        },
        // Not every value is a number: categories, each with its share; the empty value is missing.
        { name: 'plan', kind: 'categorical', proportions: { a: 0.5, b: 0.3, c: 0.1 }, missing: 0.1 },
        // One distinct value: one edge, everything at or below it.
        { name: 'flat', kind: 'numeric', edges: [3], proportions: [0.9, 0], missing: 0.1 },
      ],
    });
  });

  test('no data is a clear failure, not a crash', () => {
    const empty = path.join(root, 'empty');
    mkdirSync(empty);
    const result = run('train.py', { SM_CHANNEL_TRAIN: empty, SM_MODEL_DIR: dirs.model });
    expect([result.status, result.stderr.trim()]).toEqual([1, `no CSV data under ${empty}`]);
  });
});

test('the training image holds every module the scripts import', () => {
  const dockerfile = readFileSync(path.join(TEMPLATE, 'Dockerfile'), 'utf8');
  const copied = /^COPY (.+\.py) \.\/$/m.exec(dockerfile)![1].split(' ');
  expect(copied.sort()).toEqual(
    readdirSync(TEMPLATE)
      .filter((f) => f.endsWith('.py'))
      .sort(),
  );
});
