/** Shared by the training template's tests: its folder, a deterministic dataset, and running a script. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const TEMPLATE = path.resolve(__dirname, '..', '..', 'templates', 'training');

/** `rows` rows of a mostly separable churn dataset: churn when short tenure meets high charges. */
export function dataset(rows: number): string {
  const lines = ['label,tenure,monthly_charges'];
  for (let i = 0; i < rows; i++) {
    const tenure = ((i * 37) % 100) / 100;
    const charges = ((i * 61) % 100) / 100;
    const label = charges - tenure + (i % 7 === 0 ? 0.3 : 0) > 0 ? 1 : 0;
    lines.push(`${label},${tenure},${charges}`);
  }
  return lines.join('\n') + '\n';
}

/** Runs a template script with python3, in the template folder, with `env` added to this process's. */
export function run(script: string, env: Record<string, string>) {
  const clean = { ...process.env };
  delete clean.MLOPS_CHAMPION_MODEL_DIR;
  delete clean.MLOPS_QUALITY_METRIC;
  return spawnSync('python3', [script], { cwd: TEMPLATE, encoding: 'utf8', env: { ...clean, ...env } });
}
