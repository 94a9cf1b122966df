/** A small docker project with a staging stack serving a release and a prod stack, for the promotion tests. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const SHA_MODEL = `sha256:${'1'.repeat(64)}`;
export const SHA_IMAGE = `sha256:${'2'.repeat(64)}`;

export const STAGING = `# staging: docker, serving v3.
config:
  mlops:cloud: docker
  mlops:stage: staging
  mlops:releaseStore:
    images: 127.0.0.1:5000/staging
    models: docker-volume://staging-models/releases/
  mlops:release:
    schemaVersion: 1
    version: v3
    model:
      artifact:
        uri: docker-volume://staging-models/releases/v3/model/
        sha256: ${SHA_MODEL}
    image: 127.0.0.1:5000/staging/serving@${SHA_IMAGE}
    metrics:
      auc: 0.91
    releasedAt: "2026-12-01T08:00:00Z"
`;

export const PROD = `# prod: the stack customers use.
config:
  mlops:cloud: docker   # two spaces before this comment
  mlops:stage: prod

  # Where promotion copies releases to.
  mlops:releaseStore:
    images: 127.0.0.1:5000/prod
    models: docker-volume://prod-models/releases/
  churn:alertWebhook:
    secure: v1:c2VjcmV0   # a secret elsewhere is no obstacle
  churn:invokers: [churn-api]
# end of file
`;

export const POLICY = `# Gates for prod.
targets:
  prod:
    metrics:
      auc: { min: 0.85 }
    notWorseThanTarget: { auc: higher }
    requireApproval: true
    minSoakMinutes: 60
    noOpenAlarms: true
`;

/** The project in a new temporary folder; `files` replace or add files (undefined removes one). */
export function promotionProject(files: Record<string, string | undefined> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-promote-'));
  const all: Record<string, string | undefined> = {
    'Pulumi.yaml': 'name: churn\nruntime: nodejs\n',
    'Pulumi.staging.yaml': STAGING,
    'Pulumi.prod.yaml': PROD,
    'promotion.yaml': POLICY,
    'alarms.json': '{ "openAlarms": [] }\n',
    ...files,
  };
  for (const [file, text] of Object.entries(all)) {
    if (text === undefined) continue;
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

/** Every file under `dir` (relative paths, sorted) with its bytes and mtime: compare before and after. */
export function snapshot(dir: string): Record<string, { bytes: Buffer; mtimeMs: number }> {
  const out: Record<string, { bytes: Buffer; mtimeMs: number }> = {};
  const walk = (sub: string) => {
    for (const name of readdirSync(path.join(dir, sub)).sort()) {
      const rel = path.join(sub, name);
      const full = path.join(dir, rel);
      if (statSync(full).isDirectory()) walk(rel);
      else out[rel] = { bytes: readFileSync(full), mtimeMs: statSync(full).mtimeMs };
    }
  };
  walk('');
  return out;
}
