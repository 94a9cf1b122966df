/**
 * End to end: the training template trains a strong and a weak model, its evaluation scores a candidate and
 * the approved model (the champion) on the same held-out rows, and the gates the constructs generate (the
 * docker runner's gate program, the SageMaker condition step, the Workflows expression) decide. Challenger better, challenger worse, a tie, and
 * no approved model, for a higher-is-better and a lower-is-better metric.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { QualityGateArgs } from '../../lib/ml-pipeline/args';
import { gateConditions } from '../../lib/ml-pipeline/aws-blueprint';
import { GATE_PROGRAM, gateEnvironment } from '../../lib/ml-pipeline/docker-facts';
import { gateExpression } from '../../lib/ml-pipeline/gcp-facts';
import { resolveMlPipeline } from '../../lib/ml-pipeline/resolve';
import { AWS, DOCKER, GCP, pipelineArgs } from '../ml-pipeline/fixtures';
import { sagemakerGate, workflowsGate } from './gate-interpreters';
import { dataset, run } from './training-fixtures';

type Json = Record<string, any>;

const root = mkdtempSync(path.join(tmpdir(), 'mlops-champion-gate-'));
const dir = (...parts: string[]) => {
  const d = path.join(root, ...parts);
  mkdirSync(d, { recursive: true });
  return d;
};
const data = dir('data');

function train(name: string, hyperparameters: Record<string, string>): string {
  const model = dir('models', name);
  const result = run('train.py', {
    SM_CHANNEL_TRAIN: data,
    SM_MODEL_DIR: model,
    MLOPS_HYPERPARAMETERS: JSON.stringify(hyperparameters),
  });
  expect([result.status, result.stderr]).toEqual([0, '']);
  return model;
}

/** The champion as SageMaker hands it over: the training step's model.tar.gz, nothing else. */
function packed(model: string, name: string): string {
  const d = dir('champions', name);
  execFileSync('tar', ['-czf', path.join(d, 'model.tar.gz'), '-C', model, 'model.json']);
  return d;
}

/** What the aws evaluation receives when nothing is approved: the lookup's own output, champion.json only. */
function noneApproved(): string {
  const d = dir('champions', 'none');
  writeFileSync(
    path.join(d, 'champion.json'),
    JSON.stringify({
      found: false,
      modelPackageArn: null,
      modelDataUrl: null,
      inputUri: 's3://a/champions/x/',
    }),
  );
  return d;
}

let runs = 0;
function evaluate(candidate: string, champion: string | undefined, metric: string): Json {
  const out = dir('runs', String(++runs));
  const result = run('evaluate.py', {
    MLOPS_MODEL_DIR: candidate,
    MLOPS_DATA_DIR: data,
    MLOPS_EVALUATION_DIR: path.join(out, 'evaluation'),
    MLOPS_BASELINE_DIR: path.join(out, 'baseline'),
    MLOPS_METRICS_FILE: 'evaluation.json',
    MLOPS_QUALITY_METRIC: metric,
    ...(champion === undefined ? {} : { MLOPS_CHAMPION_MODEL_DIR: champion }),
  });
  expect([result.status, result.stderr]).toEqual([0, '']);
  return JSON.parse(readFileSync(path.join(out, 'evaluation', 'evaluation.json'), 'utf8'));
}

/** The docker runner's gate program, run as the runner runs it: exit 0 passes. */
function dockerGate(gate: QualityGateArgs, report: Json, championFound: boolean): boolean {
  const spec = resolveMlPipeline('churn', pipelineArgs(DOCKER, { qualityGate: gate }), DOCKER);
  const file = path.join(dir('reports'), `${++runs}.json`);
  writeFileSync(file, JSON.stringify(report));
  const done = spawnSync('python3', ['-c', GATE_PROGRAM], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      ...gateEnvironment(spec),
      MLOPS_METRICS_PATH: file,
      MLOPS_GATE_CHAMPION_FOUND: String(championFound),
    },
  });
  expect(done.stderr).toBe('');
  expect(done.stdout).toMatch(/^quality gate: /);
  return done.status === 0;
}

/** Each target's verdict: `championFound` is what the construct's own lookup found. */
function verdicts(gate: QualityGateArgs, report: Json, championFound: boolean) {
  const aws = resolveMlPipeline('churn', pipelineArgs(AWS, { qualityGate: gate }), AWS);
  const gcp = resolveMlPipeline('churn', pipelineArgs(GCP, { qualityGate: gate }), GCP);
  return {
    docker: dockerGate(gate, report, championFound),
    aws: sagemakerGate(
      gateConditions(aws),
      { EvaluationReport: report, ChampionLookup: { found: championFound } },
      gate.threshold === undefined ? {} : { QualityThreshold: gate.threshold },
    ),
    gcp: workflowsGate(gateExpression(gcp), { report, championFound }),
  };
}

const PASS = { docker: true, aws: true, gcp: true };
const FAIL = { docker: false, aws: false, gcp: false };

describe('the champion gate, end to end with the training template', () => {
  let strong: string;
  let weak: string;
  beforeAll(() => {
    writeFileSync(path.join(data, 'churn.csv'), dataset(200));
    strong = train('strong', { epochs: '30', 'learning-rate': '0.5' });
    // No epoch: every weight stays 0, every row scores 0.5.
    weak = train('weak', { epochs: '0' });
  });

  describe('auc (higher is better), no threshold: the champion is the only bar', () => {
    const gate: QualityGateArgs = { metric: 'auc', mustBeatApproved: true };

    it('no approved model: the report says so and the candidate passes the comparison', () => {
      const report = evaluate(weak, noneApproved(), 'auc');
      expect(report.champion).toEqual({
        found: false,
        reason: 'no approved model yet: the candidate is compared with no champion',
        auc: { value: 0.5 },
        log_loss: { value: Math.LN2 },
      });
      expect(verdicts(gate, report, false)).toEqual(PASS);
    });

    it('challenger better than the champion: passes', () => {
      const champion = packed(weak, 'weak-packed');
      const report = evaluate(strong, champion, 'auc');
      expect(report.champion.found).toBe(true);
      expect(report.champion.auc).toEqual({ value: 0.5 });
      expect(report.metrics.auc.value).toBeGreaterThan(0.9);
      expect(verdicts(gate, report, true)).toEqual(PASS);
      // The champion's directory is read, never written (docker mounts it read-only).
      expect(readdirSync(champion)).toEqual(['model.tar.gz']);
    });

    it('challenger worse than the champion: fails', () => {
      const report = evaluate(weak, packed(strong, 'strong-packed'), 'auc');
      expect(report.metrics.auc).toEqual({ value: 0.5 });
      expect(report.champion.auc.value).toBeGreaterThan(0.9);
      expect(verdicts(gate, report, true)).toEqual(FAIL);
    });

    it('a tie fails: the challenger must be strictly better', () => {
      const report = evaluate(strong, strong, 'auc'); // the plain model directory, as gcp and docker give it
      expect(report.champion.auc).toEqual(report.metrics.auc);
      expect(verdicts(gate, report, true)).toEqual(FAIL);
    });

    it('an evaluation that ignores an approved champion fails instead of passing', () => {
      const report = evaluate(strong, undefined, 'auc');
      expect(report.champion.found).toBe(false);
      expect(verdicts(gate, report, true)).toEqual(FAIL);
    });
  });

  describe('with a threshold as well', () => {
    const gate: QualityGateArgs = { metric: 'auc', threshold: 0.8, mustBeatApproved: true };

    it('no approved model still needs the threshold', () => {
      expect(verdicts(gate, evaluate(strong, noneApproved(), 'auc'), false)).toEqual(PASS);
      expect(verdicts(gate, evaluate(weak, noneApproved(), 'auc'), false)).toEqual(FAIL);
    });

    it('beating the champion does not excuse missing the threshold', () => {
      const report = evaluate(strong, packed(weak, 'weak-again'), 'auc');
      expect(report.metrics.auc.value).toBeCloseTo(0.9586, 4); // 0.5 for the champion
      expect(verdicts({ ...gate, threshold: 0.97 }, report, true)).toEqual(FAIL);
      expect(verdicts({ ...gate, threshold: 0.95 }, report, true)).toEqual(PASS);
    });
  });

  describe('log_loss (lower is better): never compared with 0', () => {
    const gate: QualityGateArgs = { metric: 'log_loss', comparison: 'less-than', mustBeatApproved: true };

    it('challenger better (lower) than the champion: passes', () => {
      const report = evaluate(strong, packed(weak, 'weak-ll'), 'log_loss');
      expect(report.champion.log_loss).toEqual({ value: Math.LN2 });
      expect(report.metrics.log_loss.value).toBeLessThan(Math.LN2);
      expect(verdicts(gate, report, true)).toEqual(PASS);
    });

    it('challenger worse (higher) than the champion: fails', () => {
      const report = evaluate(weak, packed(strong, 'strong-ll'), 'log_loss');
      expect(report.metrics.log_loss).toEqual({ value: Math.LN2 });
      expect(verdicts(gate, report, true)).toEqual(FAIL);
    });

    it('no approved model: passes the comparison', () => {
      expect(verdicts(gate, evaluate(weak, noneApproved(), 'log_loss'), false)).toEqual(PASS);
    });
  });
});
