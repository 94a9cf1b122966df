/**
 * Shared by the drift job's tests: train and evaluate with the training template (its baseline), serve the model
 * with the serving template (its captures), and run drift.py, all as real processes. Fakes of the cloud APIs are
 * real servers in this process, so the python runs asynchronously.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { dataset, run } from './training-fixtures';

export const DRIFT = path.resolve(__dirname, '..', '..', 'templates', 'drift');
const SERVING = path.resolve(__dirname, '..', '..', 'templates', 'serving');

export interface Finished {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** What every python process here gets besides its own settings: no bytecode cache written into templates/. */
const PYTHON_ENV = { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1' };

/** Runs drift.py with only `env` (and PATH): nothing of this process's environment leaks into the job. */
export function runDrift(env: Record<string, string>): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['drift.py'], {
      cwd: DRIFT,
      env: { ...PYTHON_ENV, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The one JSON line drift.py prints; fails when stdout is not exactly one line. */
export function resultLine(finished: Finished): Record<string, any> {
  const lines = finished.stdout.split('\n').filter((l) => l !== '');
  if (lines.length !== 1)
    throw new Error(`expected one stdout line, got ${lines.length}: ${finished.stdout}${finished.stderr}`);
  return JSON.parse(lines[0]) as Record<string, any>;
}

export interface Trained {
  readonly root: string;
  readonly modelDir: string;
  readonly baselineDir: string;
  /** The held-out rows (every fifth, as contract.split leaves them) as [tenure, monthly_charges]. */
  readonly heldOut: [number, number][];
}

/** Trains and evaluates the training template on `rows` rows of its churn dataset, as the pipeline would. */
export function trainAndEvaluate(rows: number): Trained {
  const root = mkdtempSync(path.join(tmpdir(), 'mlops-drift-'));
  const [data, modelDir, evaluation, baselineDir] = ['data', 'model', 'evaluation', 'baseline'].map((d) =>
    path.join(root, d),
  );
  mkdirSync(data);
  const csv = dataset(rows);
  writeFileSync(path.join(data, 'churn.csv'), csv);
  const train = run('train.py', { SM_CHANNEL_TRAIN: data, SM_MODEL_DIR: modelDir });
  if (train.status !== 0) throw new Error(`train.py failed: ${train.stderr}`);
  const evaluate = run('evaluate.py', {
    MLOPS_MODEL_DIR: modelDir,
    MLOPS_DATA_DIR: data,
    MLOPS_EVALUATION_DIR: evaluation,
    MLOPS_BASELINE_DIR: baselineDir,
  });
  if (evaluate.status !== 0) throw new Error(`evaluate.py failed: ${evaluate.stderr}`);
  const heldOut = csv
    .trim()
    .split('\n')
    .slice(1)
    .filter((_, i) => i % 5 === 0)
    .map((line) => line.split(',').slice(1).map(Number) as [number, number]);
  return { root, modelDir, baselineDir, heldOut };
}

export function listen(server: Server, where: string | number = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    if (typeof where === 'string') server.listen(where, () => resolve(where));
    else
      server.listen(where, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

export const close = (server: Server) => new Promise((resolve) => server.close(resolve));

export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A server that records every request and answers through `handler`. */
export function recordingServer(handler: (req: Recorded, res: ServerResponse) => void): {
  server: Server;
  requests: Recorded[];
} {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      handler(recorded, res);
    });
  });
  return { server, requests };
}

export function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

/** Starts serve.py with the trained model and `env`; resolves with its base URL once /ping answers. */
export async function serve(
  modelDir: string,
  env: Record<string, string>,
): Promise<{ base: string; server: ChildProcess }> {
  const probe = createServer();
  const port = Number((await listen(probe)).split(':')[1]);
  await close(probe);
  const server = spawn('python3', ['serve.py'], {
    cwd: SERVING,
    env: { ...PYTHON_ENV, PORT: String(port), MODEL_DATA_URL: modelDir, ...env },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${base}/ping`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return { base, server };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  server.kill();
  throw new Error('serve.py did not answer /ping');
}

/**
 * Sends `rows` to the server in requests of ten instances, alternating objects and lists in the model's
 * feature order (both are what clients send); `headers` mark them for capture on docker.
 */
export async function sendRows(base: string, rows: [number, number][], headers: Record<string, string> = {}) {
  for (let i = 0; i < rows.length; i += 10) {
    const instances = rows
      .slice(i, i + 10)
      .map(([tenure, charges], k) => (k % 2 ? [tenure, charges] : { tenure, monthly_charges: charges }));
    const response = await fetch(`${base}/invocations`, {
      method: 'POST',
      body: JSON.stringify({ instances }),
      headers,
    });
    if (!response.ok) throw new Error(`invocation answered ${response.status}: ${await response.text()}`);
  }
}

/** The window the tests check: it ends at the next whole hour after now, two hours long, so it holds now. */
export function windowAroundNow(): { end: string; hours: string; start: string } {
  const endMs = (Math.floor(Date.now() / 3_600_000) + 1) * 3_600_000;
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  return { end: iso(endMs), start: iso(endMs - 2 * 3_600_000), hours: '2' };
}

/** PSI of shares `actual` against `expected`, each share raised to at least 0.0001 (drift.py's rule). */
export function psi(expected: number[], actual: number[]): number {
  return expected.reduce((sum, e, i) => {
    const [x, a] = [Math.max(e, 1e-4), Math.max(actual[i], 1e-4)];
    return sum + (a - x) * Math.log(a / x);
  }, 0);
}
