/**
 * The docker target end to end on a real Docker engine (`npm run e2e:docker`; test/e2e/run.sh starts the
 * engine and builds the stand-in images first). The reference program's dev stack is recorded under mocks
 * with its own config (Pulumi.dev.yaml plus each step's `mlops:release`), and the test-only applier creates what the
 * recorded `docker:*` resources describe. Every wait is bounded; all traffic stays on 127.0.0.1 and the
 * engine's own networks.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readProject, readStackConfig } from '../../lib/cli/stack-config';
import { recordProgram, type Recording } from '../../lib/testing';
import { churnSystem } from '../../stacks/pulumi/system';
import { DockerApplier, cleanEngine, docker } from './support/applier';

jest.setTimeout(900_000);

const ROOT = path.resolve(__dirname, '..', '..');
const project = readProject(ROOT);
const GROUP = 'churn-training-dev';
const RUNNER = 'churn-training-dev-runner';
const GATEWAY = 'http://127.0.0.1:8080';
const REGISTRY = 'http://127.0.0.1:5000';
const volumeMounts: Record<string, () => [string, string]> = {};
const log = (line: string) => process.stdout.write(`  e2e: ${line}\n`);

/** Records the reference program with Pulumi.dev.yaml and this step's extra config. */
function record(extra: Record<string, unknown> = {}): Promise<Recording> {
  process.chdir(ROOT);
  return recordProgram(() => churnSystem(), {
    project: project.name,
    stack: 'dev',
    config: { ...readStackConfig(project, 'dev'), ...extra },
  });
}

/**
 * Runs a shell `script` over a copy of a volume (`/v/` in the script), taken with `docker cp` (a tar stream,
 * owners kept) through a container that mounts it; with `writeBack`, copies the given folder back. A
 * throwaway container per look would copy the whole image under the vfs storage driver (~25 s each).
 */
/**
 * The schema 1 release of a run the pipeline registered in the models volume, as `mlops release set` takes it:
 * the run's directory with its tree digest (what `mlops digest` computes: sha256 over the byte-sorted lines
 * `<file sha256>  <relative path>`), and the baseline the run wrote beside its model. The image is left out: dev
 * serves the one the program builds from templates/serving.
 */
function releaseOf(version: string, run: string) {
  const dir = `${GROUP}/${run}/`;
  const digest = inVolume(
    `${GROUP}-models`,
    `cd /v/${dir} && find . -type f | sed 's|^[.]/||' | xargs -d '\\n' sha256sum | LC_ALL=C sort | sha256sum | cut -d' ' -f1`,
  ).trim();
  return {
    schemaVersion: 1,
    version,
    model: { artifact: { uri: `docker-volume://${GROUP}-models/${dir}`, sha256: `sha256:${digest}` } },
    baseline: `docker-volume://${GROUP}-models/${dir}baseline/`,
  };
}

function inVolume(volume: string, script: string, input?: string, writeBack?: string): string {
  const [container, mount] = volumeMounts[volume]();
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-volume-'));
  execFileSync('sh', ['-c', `docker cp "${container}:${mount}" - | tar -x -C "${dir}"`]);
  const root = path.join(dir, path.basename(mount));
  const out = execFileSync('sh', ['-c', script.split('/v/').join(`${root}/`)], { input, encoding: 'utf8' });
  if (writeBack)
    execFileSync('sh', [
      '-c',
      `tar -C "${dir}" --owner=0 --group=0 -cf - "${path.basename(mount)}/${writeBack}" | docker cp - "${container}:${path.dirname(mount)}"`,
    ]);
  return out.trim().split(`${root}/`).join('/v/');
}

/**
 * Deterministic churn data: label = [2·x1 + 2·x2 + noise > 0]. Held-out rows (every fifth, as the template
 * splits) are the same in every data set, so champion and challenger are scored on the same rows; `train`
 * degrades only the training rows.
 */
function dataset(train: (x2: number, i: number) => number): string {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const rows = ['x1,x2,label'];
  for (let i = 0; i < 400; i++) {
    const x1 = random();
    const x2 = random();
    const label = 2 * x1 + 2 * x2 + random() * 0.5 > 0 ? 1 : 0;
    rows.push(`${x1.toFixed(4)},${(i % 5 === 0 ? x2 : train(x2, i)).toFixed(4)},${label}`);
  }
  return rows.join('\n') + '\n';
}

function putData(csv: string): void {
  inVolume(`${GROUP}-data`, 'mkdir -p /v/training && cat > /v/training/churn.csv', csv, 'training');
}

/**
 * Starts the runner the way Ofelia's `job-run` with `container` does (core/runjob.go): inspect the named
 * container, start it, poll until it stops (bounded here), then read its logs and its exit code.
 */
function jobRun(container: string, seconds = 300): { exitCode: number; logs: string } {
  docker(['inspect', container]);
  const since = Math.floor(Date.now() / 1000) - 1;
  docker(['start', container]);
  const deadline = Date.now() + seconds * 1000;
  while (docker(['inspect', '-f', '{{.State.Running}}', container]) === 'true') {
    if (Date.now() > deadline) throw new Error(`${container} still running after ${seconds} s`);
    execFileSync('sleep', ['1']);
  }
  const exitCode = Number(docker(['inspect', '-f', '{{.State.ExitCode}}', container]));
  const logs = spawnSync('docker', ['logs', '--since', String(since), container], { encoding: 'utf8' });
  return { exitCode, logs: logs.stdout + logs.stderr };
}

/**
 * POSTs to the gateway on a fresh connection each time (no keep-alive pool): a rollout step replaces the
 * gateway, and a pooled connection to the old one would fail on the client side, not the stack's.
 */
function invoke(instances: unknown[]): Promise<{ status: number; body: any }> {
  const payload = JSON.stringify({ instances });
  return new Promise((resolve, reject) => {
    const req = request(
      `${GATEWAY}/invocations`,
      {
        method: 'POST',
        agent: false,
        timeout: 10_000,
        headers: { 'Content-Length': Buffer.byteLength(payload) },
      },
      (res) => {
        let data = '';
        res.on('data', (chunk) => (data += chunk));
        res.on('end', () => {
          let body: unknown;
          try {
            body = JSON.parse(data);
          } catch {
            body = data;
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('the gateway did not answer within 10 s')));
    req.on('error', reject);
    req.end(payload);
  });
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
function modelOf(run: string): { features: string[]; weights: Record<string, number>; bias: number } {
  return JSON.parse(inVolume(`${GROUP}-models`, `cat /v/${GROUP}/${run}/model.json`));
}
const checksum = (run: string) =>
  inVolume(`${GROUP}-models`, `cd /v/${GROUP}/${run} && cat baseline/*.json model.json | sha256sum`);

/** Sends `count` requests and counts the versions that answered; every request must succeed. */
async function versions(count: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const { status, body } = await invoke([[0.1, 0.2]]);
    if (status !== 200) throw new Error(`request ${i} answered ${status}`);
    seen[body.version] = (seen[body.version] ?? 0) + 1;
  }
  return seen;
}

describe('the docker target on a real engine', () => {
  const applier = new DockerApplier({
    // Ofelia is not packaged by Debian and cannot be built here: its container is not created; the test
    // starts the runner the way its job-run does (jobRun above), from the labels the stack gives it.
    skip: {
      'churn-training-scheduler': 'Ofelia cannot be built here',
      'churn-training-scheduler-image': 'Ofelia cannot be built here',
      // MonitoringStack: Prometheus and Alertmanager run (Debian's); these have no Debian stand-in here.
      'churn-monitoring-drift-scheduler': 'Ofelia cannot be built here',
      'churn-monitoring-drift-scheduler-image': 'Ofelia cannot be built here',
      'churn-monitoring-grafana': 'Grafana is not packaged by Debian',
      'churn-monitoring-grafana-image': 'Grafana is not packaged by Debian',
      'churn-monitoring-gateway-exporter': 'no stand-in for the nginx exporter',
      'churn-monitoring-gateway-exporter-image': 'no stand-in for the nginx exporter',
      'churn-monitoring-pushgateway': 'no stand-in for the Pushgateway',
      'churn-monitoring-pushgateway-image': 'no stand-in for the Pushgateway',
    },
    // The stack's deleteBeforeReplace resources (asserted by the unit tests of both renderers).
    deleteFirst: new Set([
      'churn-gateway',
      'churn-training-registry',
      'churn-training-runner',
      'churn-training-scheduler',
      'churn-monitoring-prometheus',
      'churn-monitoring-alertmanager',
      'churn-monitoring-drift',
      'churn-monitoring-retrain-relay',
    ]),
    maxWaitSeconds: 90,
    log,
  });
  let scheduler: Recording['resources'][number];
  // Where each volume is mounted: the runner holds the pipeline's, a serving container the capture volume.
  Object.assign(volumeMounts, {
    [`${GROUP}-data`]: () => [RUNNER, '/data'],
    [`${GROUP}-artifacts`]: () => [RUNNER, '/artifacts'],
    [`${GROUP}-models`]: () => [RUNNER, '/models'],
    'churn-dev-capture': () => [applier.containerName('churn-canary'), '/var/log/mlops'],
  });
  const runs: Record<string, string> = {};

  beforeAll(() => {
    docker(['info', '-f', '{{.ServerVersion}}']);
    cleanEngine([`${GROUP}-`, 'churn-dev-']);
  });

  afterAll(() => {
    if (process.env.MLOPS_E2E_KEEP !== '1') cleanEngine([`${GROUP}-`, 'churn-dev-']);
  });

  test('1. the first deploy: the local registry answers and the training and serving images are pushed to it', async () => {
    const rec = await record();
    scheduler = rec.one('docker:index/container:Container', 'churn-training-scheduler');
    // No release yet: the endpoint waits and serves nothing.
    expect(rec.outputs.releaseStatus).toMatch(/^awaiting release: no mlops:release in stack dev; /);
    applier.apply(rec.resources);
    const catalog = (await (
      await fetch(`${REGISTRY}/v2/_catalog`, { signal: AbortSignal.timeout(5000) })
    ).json()) as { repositories: string[] };
    // The training image, and the serving image the first release names (`servingImage` output).
    for (const build of ['churn-training-training-build', 'churn-serving-build']) {
      const built = String(rec.one('docker:index/image:Image', build).inputs.imageName);
      const repository = built.replace(/^localhost:5000\//, '').replace(/:[^:]+$/, '');
      expect(catalog.repositories).toContain(repository);
      const tags = (await (await fetch(`${REGISTRY}/v2/${repository}/tags/list`)).json()) as {
        tags: string[];
      };
      expect(tags.tags).toEqual([built.split(':').at(-1)]);
    }
  });

  test('2. the schedule starts the runner; a run trains, evaluates, gates and registers a model', () => {
    const labels = Object.fromEntries(
      (scheduler.inputs.labels as { label: string; value: string }[]).map((l) => [l.label, l.value]),
    );
    // What Ofelia 0.3.21 reads (cli/docker-labels.go): ofelia.enabled=true to be listed, ofelia.service=true
    // for job-run jobs, and ofelia.job-run.<job>.<param>; `container` makes job-run start that container.
    expect(labels).toMatchObject({
      'ofelia.enabled': 'true',
      'ofelia.service': 'true',
      [`ofelia.job-run.${GROUP}-retrain.schedule`]: '0 0 3 * * *',
      [`ofelia.job-run.${GROUP}-retrain.container`]: RUNNER,
    });
    // The first model trains on data whose second feature is flipped in 30% of the training rows: a fair
    // model, beaten later by one trained on clean rows.
    putData(dataset((x2, i) => (i % 10 < 3 ? -x2 : x2)));
    const run = jobRun(labels[`ofelia.job-run.${GROUP}-retrain.container`]);
    log(run.logs);
    expect(run.exitCode).toBe(0);
    expect(run.logs).toContain('no approved model yet: the candidate is not compared with a champion');
    expect(run.logs).toMatch(
      /quality gate: auc = [0-9.]+ \(threshold 0\.75; no approved model: not compared with a champion\): passed/,
    );
    runs.first = inVolume(`${GROUP}-models`, `cat /v/${GROUP}/approved`);
    expect(run.logs).toContain(`run ${runs.first}: registered in ${GROUP} (approved)`);
    expect(inVolume(`${GROUP}-models`, `cd /v/${GROUP}/${runs.first} && ls -R`)).toBe(
      '.:\nbaseline\nevaluation.json\nmodel.json\n\n./baseline:\ndrift_baseline.json',
    );
    // The training image runs as uid 10001: the run directories were handed to it.
    expect(inVolume(`${GROUP}-artifacts`, `stat -c '%u %n' /v/runs/${runs.first}/model/model.json`)).toBe(
      `10001 /v/runs/${runs.first}/model/model.json`,
    );
  });

  test('3. a worse model is refused by the champion gate; the registered model and its baseline are untouched', () => {
    const before = checksum(runs.first);
    // Trained without the second feature: it clears the 0.75 bar but not the champion, on the same rows.
    putData(dataset(() => 0));
    const run = jobRun(RUNNER);
    log(run.logs);
    expect(run.exitCode).toBe(1);
    expect(run.logs).toContain(`champion is the approved run ${runs.first}`);
    expect(run.logs).toMatch(
      new RegExp(
        `quality gate: auc = 0\\.[0-9]+ \\(threshold 0\\.75; champion ${runs.first} [0-9.]+\\): FAILED`,
      ),
    );
    const [, auc, champion] = /auc = ([0-9.]+) \(threshold 0\.75; champion \S+ ([0-9.]+)\)/.exec(run.logs)!;
    expect(Number(auc)).toBeGreaterThanOrEqual(0.75);
    expect(Number(auc)).toBeLessThan(Number(champion));
    expect(inVolume(`${GROUP}-models`, `cat /v/${GROUP}/approved; ls /v/${GROUP}`)).toBe(
      `${runs.first}\n${runs.first}\napproved`,
    );
    expect(checksum(runs.first)).toBe(before);
    // Its own baseline is kept with its run, apart from the registered one.
    const refused = /run (\S+): training/.exec(run.logs)![1];
    expect(inVolume(`${GROUP}-artifacts`, `ls /v/runs/${refused}/baseline`)).toBe('drift_baseline.json');
  });

  test('4. a better model beats the champion and is registered', () => {
    putData(dataset((x2) => x2));
    const run = jobRun(RUNNER);
    log(run.logs);
    expect(run.exitCode).toBe(0);
    expect(run.logs).toMatch(/champion [0-9TZ]+ [0-9.]+\): passed/);
    runs.second = inVolume(`${GROUP}-models`, `cat /v/${GROUP}/approved`);
    expect(runs.second).not.toBe(runs.first);
  });

  test('5. the first release serves the registered model: GET /ping and POST /invocations through the gateway', async () => {
    applier.apply((await record({ 'mlops:release': releaseOf('v1', runs.first) })).resources);
    const ping = await fetch(`${GATEWAY}/ping`, { signal: AbortSignal.timeout(5000) });
    expect([ping.status, await ping.json()]).toEqual([200, { status: 'ok', version: 'v1' }]);
    const model = modelOf(runs.first);
    const { status, body } = await invoke([{ x1: 0.3, x2: -0.2 }, [0.9, 0.8]]);
    expect(status).toBe(200);
    expect(body.version).toBe('v1');
    const expected = [
      sigmoid(model.bias + model.weights.x1 * 0.3 + model.weights.x2 * -0.2),
      sigmoid(model.bias + model.weights.x1 * 0.9 + model.weights.x2 * 0.8),
    ];
    expect(body.predictions[0]).toBeCloseTo(expected[0], 12);
    expect(body.predictions[1]).toBeCloseTo(expected[1], 12);
    expect(body.predictions[1]).toBeGreaterThan(0.5);
  });

  const CANARY = 30;
  const CAPTURE = 25;
  const REQUESTS = 400;
  // The second run rolls out beside the first (a pulumi-driven canary on docker: mlops:stableRelease).
  const canaryConfig = () => ({
    'mlops:release': releaseOf('v2', runs.second),
    'mlops:stableRelease': releaseOf('v1', runs.first),
    'churn:rollout': { strategy: 'canary', canaryPercent: CANARY },
    'churn:capturePercent': CAPTURE,
  });

  test(`6. a canary takes ${CANARY}% of ${REQUESTS} requests (±8 points), and ${CAPTURE}% are captured with their responses`, async () => {
    applier.apply((await record(canaryConfig())).resources);
    const seen = await versions(REQUESTS);
    log(`canary split: ${JSON.stringify(seen)}`);
    expect(Object.keys(seen).sort()).toEqual(['v1', 'v2']);
    // split_clients hashes the request id: binomial, sd ≈ 2.3 points at n = 400; ±8 points is beyond 3 sd.
    expect(Math.abs((seen.v2 / REQUESTS) * 100 - CANARY)).toBeLessThanOrEqual(8);
    const lines = inVolume('churn-dev-capture', 'cat /v/*.jsonl')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    log(`captured ${lines.length} of ${REQUESTS}`);
    expect(Math.abs((lines.length / REQUESTS) * 100 - CAPTURE)).toBeLessThanOrEqual(8);
    for (const line of lines) {
      expect(line.request).toEqual({ instances: [[0.1, 0.2]] });
      expect(line.response.version).toBe(line.version);
      expect(line.response.predictions).toHaveLength(1);
    }
    expect(new Set(lines.map((l) => l.version))).toEqual(new Set(['v1', 'v2']));
  });

  test('6b. Prometheus scrapes both releases through their shared alias, with the rules loaded and Alertmanager found', async () => {
    const query = async (promql: string) => {
      const response = await fetch(`http://127.0.0.1:9090/api/v1/query?query=${encodeURIComponent(promql)}`);
      return ((await response.json()) as any).data?.result ?? [];
    };
    // Scrapes every 15 s and re-resolves the alias every 15 s: bounded at 90 s.
    let versionsSeen: string[] = [];
    let answered = 0;
    for (let i = 0; i < 90 && (versionsSeen.length < 2 || answered < REQUESTS); i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const byVersion = await query('sum by (version) (mlops_model_info{job="serving"})').catch(() => []);
      versionsSeen = byVersion.map((s: any) => s.metric.version).sort();
      const total = await query('sum(mlops_http_requests_total{job="serving",code="200"})').catch(() => []);
      answered = Number(total[0]?.value[1] ?? 0);
    }
    log(
      `Prometheus: releases ${versionsSeen.join(', ')}; ${answered} requests answered by the serving containers`,
    );
    expect(versionsSeen).toEqual(['v1', 'v2']);
    expect(answered).toBeGreaterThanOrEqual(REQUESTS);
    const rules = (await (await fetch('http://127.0.0.1:9090/api/v1/rules')).json()) as any;
    expect(rules.data.groups[0].rules.map((r: any) => r.name)).toContain('churn-monitoring-dev-latency-p99');
    const managers = (await (await fetch('http://127.0.0.1:9090/api/v1/alertmanagers')).json()) as any;
    expect(managers.data.activeAlertmanagers.map((a: any) => a.url)).toEqual([
      'http://churn-monitoring-dev-alertmanager:9093/api/v2/alerts',
    ]);
  });

  test('7. replacing a serving container does not leave the gateway on a stale address', async () => {
    const old = applier.containerName('churn-stable');
    const oldIp = docker(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', old]);
    applier.replace('churn-stable');
    const fresh = applier.containerName('churn-stable');
    expect(fresh).not.toBe(old);
    const newIp = docker([
      'inspect',
      '-f',
      '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
      fresh,
    ]);
    log(`stable replaced: ${old} (${oldIp}) -> ${fresh} (${newIp})`);
    // Within the DNS validity (2 s) plus margin, every request succeeds again and both releases answer.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const seen = await versions(60);
    expect(Object.keys(seen).sort()).toEqual(['v1', 'v2']);
  });

  test('8. promoting the canary works without a name clash', async () => {
    applier.apply((await record({ 'mlops:release': canaryConfig()['mlops:release'] })).resources);
    expect(await versions(40)).toEqual({ v2: 40 });
    expect(docker(['ps', '-q', '--filter', 'name=^churn-dev-gateway$'])).not.toBe('');
  });

  test('9. a canary that never turns healthy fails the deploy while the stable release keeps serving', async () => {
    const broken = {
      'mlops:release': {
        ...releaseOf('v3', runs.second),
        model: {
          artifact: {
            uri: `docker-volume://${GROUP}-models/${GROUP}/no-such-run/`,
            sha256: `sha256:${'0'.repeat(64)}`,
          },
        },
      },
      'mlops:stableRelease': releaseOf('v2', runs.second),
      'churn:rollout': { strategy: 'canary', canaryPercent: CANARY },
    };
    const rec = await record(broken);
    expect(() => applier.apply(rec.resources)).toThrow(/did not turn healthy within 90 s/);
    expect(await versions(40)).toEqual({ v2: 40 });
  });
});
