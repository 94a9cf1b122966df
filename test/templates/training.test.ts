/** The training template honours the MlPipeline container contract: run it as the pipeline would. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
    const stats = JSON.parse(readFileSync(path.join(dirs.baseline, 'statistics.json'), 'utf8'));
    expect(stats.dataset).toEqual({ item_count: 200 });
    expect(stats.features.map((f: { name: string }) => f.name)).toEqual(['tenure', 'monthly_charges']);
    const constraints = JSON.parse(readFileSync(path.join(dirs.baseline, 'constraints.json'), 'utf8'));
    expect(constraints.features[0]).toEqual({ name: 'tenure', inferred_type: 'Fractional', completeness: 1 });
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

  test('no data is a clear failure, not a crash', () => {
    const empty = path.join(root, 'empty');
    mkdirSync(empty);
    const result = run('train.py', { SM_CHANNEL_TRAIN: empty, SM_MODEL_DIR: dirs.model });
    expect([result.status, result.stderr.trim()]).toEqual([1, `no CSV data under ${empty}`]);
  });
});
