import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as pulumi from '@pulumi/pulumi';
import { MlPipeline } from '../../lib/ml-pipeline/pulumi';
import {
  GATE_PROGRAM,
  SCHEDULER_IMAGE,
  ofeliaCommand,
  ofeliaRunJobLabels,
} from '../../lib/ml-pipeline/docker-facts';
import { recordProgram, type Recording } from '../../lib/testing';
import { DOCKER, EVAL_IMAGE, TRAIN_IMAGE, pipelineArgs } from './fixtures';

type Json = Record<string, any>;

const CONTAINER = 'docker:index/container:Container';
const VOLUME = 'docker:index/volume:Volume';
const labelsOf = (r: { inputs: Json }) =>
  Object.fromEntries((r.inputs.labels as { label: string; value: string }[]).map((l) => [l.label, l.value]));

describe('MlPipeline on docker', () => {
  let rec: Recording;
  const outputs: Record<string, string> = {};
  const deleteFirst: Record<string, boolean> = {};
  const recordDeleteFirst = (t: pulumi.ResourceTransformationArgs) => {
    deleteFirst[t.name] = (t.opts as pulumi.CustomResourceOptions).deleteBeforeReplace === true;
    return undefined;
  };
  beforeAll(async () => {
    rec = await recordProgram(async () => {
      const p = new MlPipeline(
        'churn',
        pipelineArgs(DOCKER, {
          schedule: 'cron(0 3 * * *)',
          qualityGate: { metric: 'auc', threshold: 0.8, mustBeatApproved: true },
        }),
        { transformations: [recordDeleteFirst] },
      );
      for (const key of [
        'dataBucketUri',
        'containerRegistryUrl',
        'modelRegistry',
        'retrainTrigger',
        'baselineUri',
      ] as const)
        p[key].apply((v) => (outputs[key] = v));
    });
  });

  it('keeps data, artifacts, models and registry storage in named volumes kept on delete', () => {
    const volumes = rec.ofType(VOLUME);
    expect(volumes.map((v) => v.inputs.name).sort()).toEqual([
      'churn-dev-artifacts',
      'churn-dev-data',
      'churn-dev-models',
      'churn-dev-registry',
    ]);
    for (const v of volumes) expect(v.retainOnDelete).toBe(true);
  });

  it('runs a local registry on 127.0.0.1 only', () => {
    const registry = rec.one(CONTAINER, 'churn-registry').inputs as Json;
    expect(registry.ports).toEqual([{ internal: 5000, external: 5000, ip: '127.0.0.1' }]);
    expect(registry.volumes).toEqual([
      { volumeName: 'churn-dev-registry', containerPath: '/var/lib/registry' },
    ]);
  });

  it('creates the one-shot runner stopped: the volumes are empty until data arrives', () => {
    const runner = rec.one(CONTAINER, 'churn-runner').inputs as Json;
    expect(runner.start).toBe(false);
    expect(runner.mustRun).toBe(false);
    expect(runner.restart).toBe('no');
  });

  it('runs the pipeline as a one-shot runner: train, evaluate, gate, then register or fail', () => {
    const runner = rec.one(CONTAINER, 'churn-runner').inputs as Json;
    expect(runner).toMatchObject({
      name: 'churn-dev-runner',
      start: false,
      mustRun: false,
      restart: 'no',
      command: ['sh', '/pipeline/run.sh'],
    });
    const script = runner.uploads[0].content as string;
    const lines = script.split('\n');
    const order = [
      'run $RUN_ID: training',
      'run $RUN_ID: evaluating',
      'run $RUN_ID: quality gate',
      'registered in churn-dev',
    ];
    const positions = order.map((text) => lines.findIndex((l) => l.includes(text)));
    expect(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]))).toBe(true);
    expect(script).toContain(`--entrypoint python ${TRAIN_IMAGE} train.py`);
    expect(script).toContain(`--entrypoint python ${EVAL_IMAGE} evaluate.py`);
    expect(script).toContain(
      '--mount "type=volume,source=churn-dev-data,target=/opt/ml/input/data/train,volume-subpath=training,readonly"',
    );
    expect(script).toContain(
      '--mount "type=volume,source=churn-dev-artifacts,target=/opt/ml/model,volume-subpath=runs/$RUN_ID/model"',
    );
    // The gate's bar is data in its environment, not code.
    expect(script).toContain(
      '-e MLOPS_GATE_METRIC=auc -e MLOPS_GATE_COMPARISON=greater-than-or-equal -e MLOPS_GATE_THRESHOLD=0.8 -e MLOPS_GATE_BEAT_APPROVED=true',
    );
    expect(script).toContain(`python -c '${GATE_PROGRAM}'`);
    expect(script).toContain('exit 1');
    // dev approves automatically, by an atomic rename of the run id file.
    expect(script).toContain(
      'echo "$RUN_ID" > "/models/churn-dev/.approved" && mv "/models/churn-dev/.approved" "/models/churn-dev/approved"',
    );
    // The script parses as POSIX sh.
    const file = join(mkdtempSync(join(tmpdir(), 'mlops-')), 'run.sh');
    writeFileSync(file, script);
    expect(() => execFileSync('sh', ['-n', file])).not.toThrow();
  });

  it('hands each run directory to the user its step image runs as, so a non-root image can write it', () => {
    const script = (rec.one(CONTAINER, 'churn-runner').inputs as Json).uploads[0].content as string;
    expect(script).toContain(
      [
        'mkdir -m 0755 "/artifacts/runs/$RUN_ID"',
        'mkdir -m 0755 "/artifacts/runs/$RUN_ID/model" "/artifacts/runs/$RUN_ID/checkpoints" "/artifacts/runs/$RUN_ID/evaluation" "/artifacts/runs/$RUN_ID/baseline"',
        `chown "$(owner ${TRAIN_IMAGE})" "/artifacts/runs/$RUN_ID/model" "/artifacts/runs/$RUN_ID/checkpoints"`,
        `chown "$(owner ${EVAL_IMAGE})" "/artifacts/runs/$RUN_ID/evaluation" "/artifacts/runs/$RUN_ID/baseline"`,
      ].join('\n'),
    );
  });

  it('mounts the newest approved model read-only for the evaluation, and tells the gate whether there is one', () => {
    const script = (rec.one(CONTAINER, 'churn-runner').inputs as Json).uploads[0].content as string;
    expect(script).toContain(
      'if [ -s "/models/churn-dev/approved" ]; then CHAMPION="$(cat "/models/churn-dev/approved")"; fi',
    );
    expect(script).toContain(
      '  CHAMPION_ARGS="--mount type=volume,source=churn-dev-models,target=/opt/ml/processing/champion,volume-subpath=churn-dev/$CHAMPION,readonly -e MLOPS_CHAMPION_MODEL_DIR=/opt/ml/processing/champion"',
    );
    expect(script).toContain('-e "MLOPS_GATE_CHAMPION_FOUND=$FOUND" -e "MLOPS_GATE_CHAMPION=$CHAMPION"');
    // The drift baseline is per run and registered with the model; a failing run exits before registration.
    expect(script).toContain(
      '--mount "type=volume,source=churn-dev-artifacts,target=/opt/ml/processing/baseline,volume-subpath=runs/$RUN_ID/baseline"',
    );
    expect(script).toContain(
      'cp -R "/artifacts/runs/$RUN_ID/baseline" "/models/churn-dev/.$RUN_ID/baseline"',
    );
    expect(script.indexOf('exit 1\nfi\nrm -rf "/models/churn-dev/.$RUN_ID"')).toBeGreaterThan(0);
    expect(script).not.toContain('MLOPS_REGISTRY_DIR');
  });

  it('replaces its fixed-name containers by deleting the old one first (Pulumi creates before it deletes)', () => {
    expect([
      deleteFirst['churn-registry'],
      deleteFirst['churn-runner'],
      deleteFirst['churn-scheduler'],
    ]).toEqual([true, true, true]);
  });

  it('starts the runner on the schedule with Ofelia, never two runs at once', () => {
    const scheduler = rec.one(CONTAINER, 'churn-scheduler');
    const labels = labelsOf(scheduler as { inputs: Json });
    // Ofelia --docker lists only containers labelled ofelia.enabled=true, and reads job-run jobs only from
    // the one labelled ofelia.service=true: both sit on the scheduler container itself. The job is named after
    // the pipeline, and the filter keeps this Ofelia to its own container: another stack's scheduler on the
    // host (a second pipeline, a MonitoringStack's drift check) is not read.
    expect(
      Object.fromEntries(
        Object.entries(labels).filter(([k]) => k.startsWith('ofelia.') || k.startsWith('mlops.')),
      ),
    ).toEqual({
      'mlops.scheduler': 'churn-dev-scheduler',
      'ofelia.enabled': 'true',
      'ofelia.service': 'true',
      'ofelia.job-run.churn-dev-retrain.schedule': '0 0 3 * * *',
      'ofelia.job-run.churn-dev-retrain.container': 'churn-dev-runner',
      'ofelia.job-run.churn-dev-retrain.no-overlap': 'true',
    });
    expect((scheduler.inputs as Json).name).toBe('churn-dev-scheduler');
    expect((scheduler.inputs as Json).command).toEqual([
      'daemon',
      '--docker',
      '--docker-filter',
      'label=mlops.scheduler=churn-dev-scheduler',
    ]);
    // Ofelia's images are tagged without the git tag's `v`.
    expect(SCHEDULER_IMAGE).toBe('mcuadros/ofelia:0.3.21');
    expect(rec.one('docker:index/remoteImage:RemoteImage', 'churn-scheduler-image').inputs.name).toBe(
      'mcuadros/ofelia:0.3.21',
    );
    // A read-only bind of the socket would restrict nothing: it is not pretended.
    expect((scheduler.inputs as Json).volumes).toEqual([
      { hostPath: '/var/run/docker.sock', containerPath: '/var/run/docker.sock' },
    ]);
  });

  it('does not pull images from its own registry at deploy time: it is empty until you push', async () => {
    const local = 'localhost:5000/churn-train:1';
    const r = await recordProgram(
      () =>
        new MlPipeline(
          'churn',
          pipelineArgs(DOCKER, { training: { image: local, command: ['python', 'train.py'] } }),
        ),
    );
    const pulled = r.ofType('docker:index/remoteImage:RemoteImage').map((i) => i.inputs.name);
    expect(pulled).not.toContain(local);
    expect(pulled).toContain(EVAL_IMAGE);
    const script = (r.one(CONTAINER, 'churn-runner').inputs as Json).uploads[0].content as string;
    expect(script).toContain(`--entrypoint python ${local} train.py`);
    // Remote images are still pulled at deploy time.
    expect(rec.ofType('docker:index/remoteImage:RemoteImage').map((i) => i.inputs.name)).toContain(
      TRAIN_IMAGE,
    );
  });

  it('exposes the same outputs as every cloud', () => {
    expect(outputs).toEqual({
      dataBucketUri: 'docker-volume://churn-dev-data/training/',
      containerRegistryUrl: 'localhost:5000',
      modelRegistry: 'docker-volume://churn-dev-models/churn-dev/',
      retrainTrigger: 'churn-dev-runner',
      baselineUri: 'docker-volume://churn-dev-artifacts/runs/',
    });
  });
});

describe("Ofelia's job-run labels", () => {
  it('names the job after its physical name with `.` made `_` (Ofelia splits label keys on `.`)', () => {
    expect(
      ofeliaRunJobLabels(
        'churn.v2-dev-scheduler',
        'churn.v2-dev-retrain',
        '0 0 3 * * *',
        'churn.v2-dev-runner',
      ),
    ).toEqual({
      'mlops.scheduler': 'churn.v2-dev-scheduler',
      'ofelia.enabled': 'true',
      'ofelia.service': 'true',
      'ofelia.job-run.churn_v2-dev-retrain.schedule': '0 0 3 * * *',
      'ofelia.job-run.churn_v2-dev-retrain.container': 'churn.v2-dev-runner',
      'ofelia.job-run.churn_v2-dev-retrain.no-overlap': 'true',
    });
    expect(ofeliaCommand('churn.v2-dev-scheduler')).toEqual([
      'daemon',
      '--docker',
      '--docker-filter',
      'label=mlops.scheduler=churn.v2-dev-scheduler',
    ]);
  });
});

describe('the docker gate program', () => {
  const gate = (report: Json, env: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-'));
    writeFileSync(join(dir, 'evaluation.json'), JSON.stringify(report));
    try {
      const out = execFileSync('python3', ['-c', GATE_PROGRAM], {
        env: {
          PATH: process.env.PATH,
          MLOPS_METRICS_PATH: join(dir, 'evaluation.json'),
          MLOPS_GATE_METRIC: 'auc',
          MLOPS_GATE_COMPARISON: 'greater-than-or-equal',
          MLOPS_GATE_THRESHOLD: '0.7',
          MLOPS_GATE_BEAT_APPROVED: 'true',
          ...env,
        },
        encoding: 'utf8',
      });
      return { passed: true, out };
    } catch (err) {
      return { passed: false, out: (err as { stdout: string }).stdout };
    }
  };
  const report = (value: number, champion: number, found: boolean) => ({
    metrics: { auc: { value } },
    champion: { found, auc: { value: champion } },
  });

  it('passes the comparison when no model is approved, and says so', () => {
    expect(gate(report(0.8, 0.8, false), { MLOPS_GATE_CHAMPION_FOUND: 'false' })).toEqual({
      passed: true,
      out: 'quality gate: auc = 0.8 (threshold 0.7; no approved model: not compared with a champion): passed\n',
    });
  });

  it('refuses a candidate that does not beat the approved model on the same rows', () => {
    expect(
      gate(report(0.81, 0.9, true), {
        MLOPS_GATE_CHAMPION_FOUND: 'true',
        MLOPS_GATE_CHAMPION: '20261201T030000Z',
      }),
    ).toEqual({
      passed: false,
      out: 'quality gate: auc = 0.81 (threshold 0.7; champion 20261201T030000Z 0.9): FAILED\n',
    });
    expect(gate(report(0.95, 0.9, true), { MLOPS_GATE_CHAMPION_FOUND: 'true' }).passed).toBe(true);
  });

  it('takes whether a champion exists from the runner, not the report: an evaluation that ignores it fails', () => {
    // The report says no champion (and repeats the candidate's score), but the runner mounted one.
    expect(gate(report(0.8, 0.8, false), { MLOPS_GATE_CHAMPION_FOUND: 'true' }).passed).toBe(false);
  });

  it('still applies the threshold', () => {
    expect(gate(report(0.6, 0.6, false), { MLOPS_GATE_CHAMPION_FOUND: 'false' }).passed).toBe(false);
  });
});
