/**
 * Runs the copy plans' own local steps for real (rm, mkdir, tar and `mlops digest`, through runDigestCommand) for
 * every pair of clouds. The cloud transfers (aws s3 cp, gcloud storage rsync, docker cp) are played by file copies
 * into a folder standing for the bucket or volume, with the same semantics (a file to a file, a folder's contents
 * into a folder); crane and docker container steps are skipped (no registry or daemon here).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runDigestCommand } from '../../lib/cli/digest';
import { planCopy, type CopyPlan, type CopyStep } from '../../lib/promotion/copy-plan';
import { treeDigest } from '../../lib/promotion/artifact-digest';
import type { Release, ReleaseCloud } from '../../lib/promotion/release-types';
import { SOURCE, STORES } from './copy-fixtures';

const CLOUDS: ReleaseCloud[] = ['aws', 'gcp', 'docker'];
/** The built `mlops` CLI: used only when `npm run build` has made it (npm test builds first). */
const CLI = path.join(__dirname, '../../dist/lib/cli/main.js');
const cliBuilt = fs.existsSync(CLI);

let root: string;
let modelDir: string;
let modelTarGz: string;
let digest: string;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'copy-run-'));
  modelDir = path.join(root, 'source-model');
  fs.mkdirSync(path.join(modelDir, 'assets'), { recursive: true });
  fs.writeFileSync(
    path.join(modelDir, 'model.json'),
    '{"features":["tenure"],"weights":[0.5],"bias":-0.2}\n',
  );
  fs.writeFileSync(path.join(modelDir, 'assets', 'scaler.bin'), Buffer.from([9, 8, 7, 0, 255]));
  modelTarGz = path.join(root, 'source-model.tar.gz');
  execFileSync('tar', ['-czf', modelTarGz, '-C', modelDir, '.']);
  digest = await treeDigest(modelDir);
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

interface Run {
  /** Each `mlops digest` step: its path and whether it matched. */
  readonly checks: { id: string; ok: boolean }[];
  /** The folder standing for the target bucket/volume. */
  readonly remote: string;
  readonly ran: string[];
}

/** Runs a plan in `cwd`; `afterFetch` may tamper with what the fetch wrote. Stops at the first failing check. */
async function runPlan(
  plan: CopyPlan,
  cwd: string,
  afterFetch?: (dest: string) => void,
  viaCli = false,
): Promise<Run> {
  const remote = path.join(cwd, 'remote');
  fs.mkdirSync(remote, { recursive: true });
  const uploaded = new Map<string, string>();
  const checks: { id: string; ok: boolean }[] = [];
  const ran: string[] = [];
  const at = (p: string) => path.resolve(cwd, p);
  const copyInto = (from: string, to: string) => {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.cpSync(from, to, { recursive: true });
  };
  for (const step of plan.steps) {
    const a = step.argv;
    if (step.tool === 'rm' || step.tool === 'mkdir' || step.tool === 'tar') {
      execFileSync(a[0], a.slice(1), { cwd });
      ran.push(step.id);
    } else if (step.tool === 'mlops') {
      expect(a.slice(0, 2)).toEqual(['mlops', 'digest']);
      expect(a[3]).toBe('--expect');
      let ok: boolean;
      if (viaCli) {
        // The built CLI, as CI runs the step: exit status 0 or 1.
        try {
          execFileSync('node', [CLI, ...a.slice(1)], { cwd, stdio: 'pipe' });
          ok = true;
        } catch (err) {
          expect((err as { status?: number }).status).toBe(1);
          expect(String((err as { stderr?: Buffer }).stderr)).toContain('digest mismatch for');
          ok = false;
        }
      } else ok = (await runDigestCommand({ path: at(a[2]), expect: a[4] })).ok;
      checks.push({ id: step.id, ok });
      ran.push(step.id);
      if (!ok) break;
    } else if (step.id === 'model-fetch') {
      const dest = at(a[a.length - (step.tool === 'gcloud' ? 2 : 1)]);
      if (plan.from.cloud === 'aws') copyInto(modelTarGz, dest);
      else copyInto(modelDir, dest);
      afterFetch?.(dest);
      ran.push(step.id);
    } else if (step.id === 'model-upload') {
      if (step.tool === 'docker') copyInto(at(a[2].replace(/\/\.$/, '')), remote);
      else {
        const [local, uri] = [a[3], a[4]]; // aws s3 cp LOCAL URI; gcloud storage rsync LOCAL URI ...
        const stored = path.join(remote, uploaded.size.toString());
        copyInto(at(local), stored);
        uploaded.set(uri, stored);
      }
      ran.push(step.id);
    } else if (step.id === 'model-check-fetch') {
      if (step.tool === 'docker') {
        const inVolume = a[2].replace(/^[^:]+:\/check\//, '').replace(/\/\.$/, '');
        copyInto(path.join(remote, inVolume), at(a[3]));
      } else {
        const [uri, dest] = [a[3], a[4]];
        copyInto(uploaded.get(uri) as string, at(dest));
      }
      ran.push(step.id);
    }
    // crane, docker create/rm and the baseline transfers need a registry, a daemon or a cloud: not played here.
  }
  return { checks, remote, ran };
}

function sourceRelease(cloud: ReleaseCloud): Release {
  const { baseline: _b, ...release } = SOURCE[cloud];
  void _b;
  const artifact = release.model.artifact as { uri: string };
  return { ...release, model: { artifact: { uri: artifact.uri, sha256: digest } } };
}

function planFor(from: ReleaseCloud, to: ReleaseCloud): CopyPlan {
  return planCopy({
    release: sourceRelease(from),
    from: { stack: 'staging', cloud: from, store: STORES.staging[from] },
    to: { stack: 'prod', cloud: to, store: STORES.prod[to] },
  });
}

describe('copy plans run: fetch, check, repack, upload, check again', () => {
  for (const from of CLOUDS)
    for (const to of CLOUDS)
      test(`${from} -> ${to}`, async () => {
        const cwd = fs.mkdtempSync(path.join(root, `${from}-${to}-`));
        const plan = planFor(from, to);
        const run = await runPlan(plan, cwd);
        const expected = plan.steps
          .filter((s: CopyStep) => s.tool === 'mlops')
          .map((s) => ({ id: s.id, ok: true }));
        expect(run.checks).toEqual(expected);
        expect(run.checks.length).toBeGreaterThanOrEqual(2);
        // The scratch folder is gone; the "bucket" holds the model in the target cloud's format, same tree digest.
        expect(fs.existsSync(path.join(cwd, '.mlops/copy/staging-to-prod/v3'))).toBe(false);
        if (to === 'docker') {
          expect(await treeDigest(path.join(run.remote, 'releases/v3/model'))).toBe(digest);
          expect(fs.readdirSync(path.join(run.remote, 'releases/v3/model')).sort()).toEqual([
            'assets',
            'model.json',
          ]);
        } else if (to === 'gcp') {
          const stored = path.join(run.remote, '0');
          expect(fs.statSync(stored).isDirectory()).toBe(true);
          expect(await treeDigest(stored)).toBe(digest);
        } else {
          const stored = path.join(run.remote, '0');
          expect(fs.statSync(stored).isFile()).toBe(true);
          // SageMaker's layout: model.json at the archive root (as ./model.json), not under a folder.
          const entries = execFileSync('tar', ['-tzf', stored], { encoding: 'utf8' })
            .split('\n')
            .filter(Boolean);
          expect(entries).toContain('./model.json');
          expect(entries.every((e) => e === './' || e.startsWith('./'))).toBe(true);
        }
      });

  (cliBuilt ? test : test.skip)(
    'through the built mlops CLI: folder -> model.tar.gz -> folder keeps the digest',
    async () => {
      const first = fs.mkdtempSync(path.join(root, 'cli-gcp-aws-'));
      const toAws = await runPlan(planFor('gcp', 'aws'), first, undefined, true);
      expect(toAws.checks.map((c) => c.ok)).toEqual([true, true, true]);
      // The packed model.tar.gz that reached the aws "bucket" becomes the source of a copy back to a folder.
      const packed = path.join(toAws.remote, '0');
      const second = fs.mkdtempSync(path.join(root, 'cli-aws-gcp-'));
      const saved = modelTarGz;
      modelTarGz = packed;
      try {
        const back = await runPlan(planFor('aws', 'gcp'), second, undefined, true);
        expect(back.checks.map((c) => c.ok)).toEqual([true, true, true]);
        expect(await treeDigest(path.join(back.remote, '0'))).toBe(digest);
      } finally {
        modelTarGz = saved;
      }
      const third = fs.mkdtempSync(path.join(root, 'cli-tamper-'));
      const tampered = await runPlan(
        planFor('docker', 'aws'),
        third,
        (dest) => fs.appendFileSync(path.join(dest, 'model.json'), ' '),
        true,
      );
      expect(tampered.checks).toEqual([{ id: 'model-fetch-verify', ok: false }]);
    },
  );

  test('a fetched model that differs by one byte stops the plan at the first check', async () => {
    const cwd = fs.mkdtempSync(path.join(root, 'tamper-'));
    const plan = planFor('gcp', 'aws');
    const run = await runPlan(plan, cwd, (dest) => {
      const file = path.join(dest, 'assets', 'scaler.bin');
      const bytes = fs.readFileSync(file);
      bytes[0] ^= 1;
      fs.writeFileSync(file, bytes);
    });
    expect(run.checks).toEqual([{ id: 'model-fetch-verify', ok: false }]);
    expect(run.ran).not.toContain('model-repack');
    expect(run.ran).not.toContain('model-upload');
  });
});
