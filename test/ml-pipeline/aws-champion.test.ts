/**
 * `qualityGate.mustBeatApproved` on aws: a lookup step finds the newest approved version of the group, the
 * evaluation (network isolation kept on) receives its artifact as an input, and the gate compares strictly,
 * passing the comparison only when nothing is approved. The lookup program runs against moto's SageMaker
 * model registry, from the exact command the pipeline definition gives the container.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CHAMPION_LOOKUP_PROGRAM, CONTAINER_STRING_MAX } from '../../lib/ml-pipeline/aws-champion';
import { MlPipeline } from '../../lib/ml-pipeline/pulumi';
import { recordProgram, type Recording } from '../../lib/testing';
import { AWS, EVAL_IMAGE, pipelineArgs } from './fixtures';

type Json = Record<string, any>;

const PIPELINE = 'aws:sagemaker/pipeline:Pipeline';
const definition = (rec: Recording): Json =>
  JSON.parse(rec.one(PIPELINE).inputs.pipelineDefinition as string);
const allSteps = (def: Json): Json[] => [
  ...def.Steps,
  ...def.Steps.flatMap((s: Json) => [...(s.Arguments.IfSteps ?? []), ...(s.Arguments.ElseSteps ?? [])]),
];
const step = (def: Json, name: string): Json => {
  const found = allSteps(def).filter((s) => s.Name === name);
  expect(found).toHaveLength(1);
  return found[0];
};
const EXECUTION = { Get: 'Execution.PipelineExecutionId' };
const joined = (values: unknown[], on = '/') => ({ 'Std:Join': { On: on, Values: values } });

/** Resolves `Std:Join` and the execution id the way SageMaker does at run time. */
function resolve(value: unknown, executionId: string): string {
  if (typeof value === 'string') return value;
  const v = value as Json;
  if (v.Get === 'Execution.PipelineExecutionId') return executionId;
  if (v['Std:Join'])
    return v['Std:Join'].Values.map((x: unknown) => resolve(x, executionId)).join(v['Std:Join'].On);
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

async function record(gate: Json, aws: Json = {}): Promise<Json> {
  const rec = await recordProgram(
    () => new MlPipeline('churn', pipelineArgs(AWS, { qualityGate: gate as never, aws })),
  );
  return definition(rec);
}

describe('mustBeatApproved on aws', () => {
  let def: Json;
  let artifacts: string;
  beforeAll(async () => {
    def = await record({ metric: 'auc', threshold: 0.8, mustBeatApproved: true });
    // The artifact bucket's name, from the evaluation's output (its physical name has a random suffix).
    artifacts = /^s3:\/\/([^/]+)\//.exec(
      step(def, 'Evaluate').Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri['Std:Join'].Values[0],
    )![1];
  });

  it('looks the champion up in its own step, before the evaluation, beside training', () => {
    expect(def.Steps.map((s: Json) => [s.Name, s.Type])).toEqual([
      ['FindChampion', 'Processing'],
      ['DataQualityBaseline', 'QualityCheck'],
      ['Train', 'Training'],
      ['Evaluate', 'Processing'],
      ['QualityGate', 'Condition'],
    ]);
    const lookup = step(def, 'FindChampion');
    const output = joined([`s3://${artifacts}/champions`, EXECUTION, '']);
    expect(lookup.PropertyFiles).toEqual([
      { PropertyFileName: 'ChampionLookup', OutputName: 'champion', FilePath: 'champion.json' },
    ]);
    const args = lookup.Arguments;
    expect(args.ProcessingInputs).toBeUndefined();
    expect(args.ProcessingOutputConfig.Outputs).toEqual([
      {
        OutputName: 'champion',
        AppManaged: false,
        S3Output: { S3Uri: output, LocalPath: '/opt/ml/processing/lookup', S3UploadMode: 'EndOfJob' },
      },
    ]);
    expect(args.ProcessingOutputConfig.KmsKeyId).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\//);
    expect(args.Environment).toEqual({
      MLOPS_MODEL_GROUP: 'churn-dev',
      MLOPS_CHAMPION_OUTPUT_DIR: '/opt/ml/processing/lookup',
      MLOPS_CHAMPION_OUTPUT_URI: output,
      AWS_DEFAULT_REGION: 'eu-west-1',
    });
    // It reads no data: the only job with network access, to call the SageMaker API.
    expect(args.NetworkConfig).toEqual({
      EnableNetworkIsolation: false,
      EnableInterContainerTrafficEncryption: true,
    });
    // Its own role (helper "iam"): the job with network access may not write models/ or read data.
    expect(args.RoleArn).toMatch(/^arn:aws:iam::123456789012:role\/churn-champion-role-/);
    expect(step(def, 'Evaluate').Arguments.RoleArn).toMatch(
      /^arn:aws:iam::123456789012:role\/churn-training-role-/,
    );
    expect(args.AppSpecification.ImageUri).toBe(EVAL_IMAGE);
    expect(args.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 600 });
  });

  it('passes the program inline, in strings SageMaker accepts, that join back into it', () => {
    const app = step(def, 'FindChampion').Arguments.AppSpecification;
    expect(app.ContainerEntrypoint).toEqual([
      'python3',
      '-c',
      "import base64, sys; exec(base64.b64decode(''.join(sys.argv[1:])).decode())",
    ]);
    expect(Buffer.from(app.ContainerArguments.join(''), 'base64').toString('utf8')).toBe(
      CHAMPION_LOOKUP_PROGRAM,
    );
    expect(app.ContainerArguments.length).toBeLessThanOrEqual(100);
    // SageMaker's API model gives these strings the pattern `.*`, matched whole: no line breaks.
    for (const s of [...app.ContainerEntrypoint, ...app.ContainerArguments]) {
      expect(s.length).toBeLessThanOrEqual(CONTAINER_STRING_MAX);
      expect(s).toMatch(/^.*$/);
    }
  });

  it('keeps the evaluation cut off the network and hands it the champion as an input', () => {
    const evaluate = step(def, 'Evaluate').Arguments;
    expect(evaluate.NetworkConfig.EnableNetworkIsolation).toBe(true);
    expect(evaluate.ProcessingInputs.map((i: Json) => i.InputName)).toEqual(['model', 'data', 'champion']);
    expect(evaluate.ProcessingInputs[2]).toEqual({
      InputName: 'champion',
      AppManaged: false,
      S3Input: {
        S3Uri: {
          'Std:JsonGet': {
            PropertyFile: { Get: 'Steps.FindChampion.PropertyFiles.ChampionLookup' },
            Path: 'inputUri',
          },
        },
        LocalPath: '/opt/ml/processing/champion',
        S3DataType: 'S3Prefix',
        S3InputMode: 'File',
        S3DataDistributionType: 'FullyReplicated',
        S3CompressionType: 'None',
      },
    });
    expect(evaluate.Environment.MLOPS_CHAMPION_MODEL_DIR).toBe('/opt/ml/processing/champion');
    expect(evaluate.Environment.MLOPS_VERTEX_MODEL).toBeUndefined();
  });

  it('keeps network isolation off for the evaluation only when the platform turns it off', async () => {
    const open = await record(
      { metric: 'auc', threshold: 0.8, mustBeatApproved: true },
      { networkIsolation: false },
    );
    expect(step(open, 'Evaluate').Arguments.NetworkConfig.EnableNetworkIsolation).toBe(false);
    expect(step(open, 'Train').Arguments.EnableNetworkIsolation).toBe(false);
  });

  it('gates on the threshold and on Or(nothing approved, strictly better than the champion)', () => {
    const report = { Get: 'Steps.Evaluate.PropertyFiles.EvaluationReport' };
    const candidate = { 'Std:JsonGet': { PropertyFile: report, Path: 'metrics.auc.value' } };
    expect(step(def, 'QualityGate').Arguments.Conditions).toEqual([
      {
        Type: 'GreaterThanOrEqualTo',
        LeftValue: candidate,
        RightValue: { Get: 'Parameters.QualityThreshold' },
      },
      {
        Type: 'Or',
        Conditions: [
          {
            Type: 'Equals',
            LeftValue: {
              'Std:JsonGet': {
                PropertyFile: { Get: 'Steps.FindChampion.PropertyFiles.ChampionLookup' },
                Path: 'found',
              },
            },
            RightValue: false,
          },
          {
            Type: 'GreaterThan',
            LeftValue: candidate,
            RightValue: { 'Std:JsonGet': { PropertyFile: report, Path: 'champion.auc.value' } },
          },
        ],
      },
    ]);
  });

  it('compares a lower-is-better metric with LessThan, and needs no threshold', async () => {
    const lower = await record({ metric: 'rmse', comparison: 'less-than-or-equal', mustBeatApproved: true });
    const [beat] = step(lower, 'QualityGate').Arguments.Conditions;
    expect(beat.Type).toBe('Or');
    expect(beat.Conditions[1]).toEqual({
      Type: 'LessThan',
      LeftValue: {
        'Std:JsonGet': {
          PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.EvaluationReport' },
          Path: 'metrics.rmse.value',
        },
      },
      RightValue: {
        'Std:JsonGet': {
          PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.EvaluationReport' },
          Path: 'champion.rmse.value',
        },
      },
    });
    expect(lower.Parameters.map((p: Json) => p.Name)).toEqual(['InputDataUrl', 'ModelApprovalStatus']);
    expect(step(lower, 'QualityGateFailed').Arguments.ErrorMessage['Std:Join'].Values[0]).toBe(
      'The model did not pass the quality gate: rmse must be better than the approved model on the same rows; see',
    );
  });

  it('writes each run its own baseline and records it with the registered version, with or without a champion', () => {
    // The baselining step (see aws.test.ts) writes it, not the evaluation.
    expect(step(def, 'DataQualityBaseline').Arguments.ProcessingOutputConfig.Outputs).toEqual([
      {
        OutputName: 'baseline',
        AppManaged: false,
        S3Output: {
          S3Uri: joined([`s3://${artifacts}/baseline`, EXECUTION]),
          LocalPath: '/opt/ml/processing/baseline',
          S3UploadMode: 'EndOfJob',
        },
      },
    ]);
    expect(resolve(joined([`s3://${artifacts}/baseline`, EXECUTION]), 'exec-7')).toBe(
      `s3://${artifacts}/baseline/exec-7`,
    );
    // The evaluation writes the report, and the monitor dataset the baselining step reads (no baseline itself).
    expect(
      step(def, 'Evaluate').Arguments.ProcessingOutputConfig.Outputs.map(
        (o: { OutputName: string }) => o.OutputName,
      ),
    ).toEqual(['evaluation', 'monitordataset']);
    expect(step(def, 'DataQualityBaseline').Arguments.ProcessingInputs[0].S3Input.S3Uri).toEqual(
      joined([`s3://${artifacts}/baseline`, EXECUTION, 'dataset']),
    );
    expect(step(def, 'RegisterModel').Arguments.DriftCheckBaselines).toEqual({
      ModelDataQuality: {
        Statistics: {
          ContentType: 'application/json',
          S3Uri: { Get: 'Steps.DataQualityBaseline.BaselineUsedForDriftCheckStatistics' },
        },
        Constraints: {
          ContentType: 'application/json',
          S3Uri: { Get: 'Steps.DataQualityBaseline.BaselineUsedForDriftCheckConstraints' },
        },
      },
    });
  });

  it('has no lookup step, champion input or champion condition without mustBeatApproved', async () => {
    const plain = await record({ metric: 'auc', threshold: 0.8 });
    expect(plain.Steps.map((s: Json) => s.Name)).toEqual([
      'DataQualityBaseline',
      'Train',
      'Evaluate',
      'QualityGate',
    ]);
    const evaluate = step(plain, 'Evaluate').Arguments;
    expect(evaluate.ProcessingInputs.map((i: Json) => i.InputName)).toEqual(['model', 'data']);
    expect(evaluate.Environment.MLOPS_CHAMPION_MODEL_DIR).toBeUndefined();
    expect(evaluate.NetworkConfig.EnableNetworkIsolation).toBe(true);
    expect(step(plain, 'QualityGate').Arguments.Conditions.map((c: Json) => c.Type)).toEqual([
      'GreaterThanOrEqualTo',
    ]);
    // The baseline is per run whether or not the gate compares with a champion.
    expect(
      step(plain, 'RegisterModel').Arguments.DriftCheckBaselines.ModelDataQuality.Statistics.S3Uri,
    ).toEqual({ Get: 'Steps.DataQualityBaseline.BaselineUsedForDriftCheckStatistics' });
  });

  describe('the lookup program against moto', () => {
    const work = mkdtempSync(path.join(tmpdir(), 'mlops-champion-'));
    const HARNESS = path.join(__dirname, 'champion_lookup_moto.py');
    const models = (key: string) => `s3://${artifacts}/models/${key}/output/model.tar.gz`;

    /** Runs the FindChampion container command, as defined, after registering `packages`. */
    function lookup(packages: { group: string; status: string; key: string }[], groups = ['churn-dev']) {
      const args = step(def, 'FindChampion').Arguments;
      const environment = Object.fromEntries(
        Object.entries(args.Environment as Json).map(([k, v]) => [k, resolve(v, 'exec-42')]),
      );
      const file = path.join(work, `case-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          command: [
            ...args.AppSpecification.ContainerEntrypoint,
            ...args.AppSpecification.ContainerArguments,
          ],
          environment,
          groups,
          packages: packages.map((p) => ({ group: p.group, status: p.status, modelDataUrl: models(p.key) })),
        }),
      );
      const done = spawnSync('python3', [HARNESS, file], { encoding: 'utf8', timeout: 120_000 });
      expect(done.stderr).toBe('');
      return JSON.parse(done.stdout);
    }

    it('finds the newest approved version, not a newer pending or rejected one, nor another group’s', () => {
      const result = lookup(
        [
          { group: 'churn-dev', status: 'Approved', key: 'job-1' },
          { group: 'churn-dev', status: 'Approved', key: 'job-2' },
          { group: 'churn-dev', status: 'PendingManualApproval', key: 'job-3' },
          { group: 'churn-dev', status: 'Rejected', key: 'job-4' },
          { group: 'other-dev', status: 'Approved', key: 'job-5' },
        ],
        ['churn-dev', 'other-dev'],
      );
      expect(result.status).toBe(0);
      expect(result.champion).toEqual({
        found: true,
        modelPackageArn: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-dev/2',
        modelDataUrl: models('job-2'),
        inputUri: models('job-2'),
      });
      expect(result.stdout.trim()).toBe(
        'champion of churn-dev: arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-dev/2',
      );
    });

    it('reports that nothing is approved and points the evaluation at its own output', () => {
      const result = lookup([
        { group: 'churn-dev', status: 'PendingManualApproval', key: 'job-1' },
        { group: 'churn-dev', status: 'Rejected', key: 'job-2' },
      ]);
      expect(result.status).toBe(0);
      expect(result.champion).toEqual({
        found: false,
        modelPackageArn: null,
        modelDataUrl: null,
        inputUri: `s3://${artifacts}/champions/exec-42/`,
      });
      expect(result.stdout.trim()).toBe('champion of churn-dev: none approved');
    });

    it('says what is missing when the evaluation image has no boto3', () => {
      const app = step(def, 'FindChampion').Arguments.AppSpecification;
      const noBoto = path.join(work, 'no-boto3', 'boto3');
      mkdirSync(noBoto, { recursive: true });
      writeFileSync(path.join(noBoto, '__init__.py'), 'raise ImportError("No module named boto3")\n');
      const [exe, ...args] = [...app.ContainerEntrypoint, ...app.ContainerArguments];
      const done = spawnSync(exe, args, {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, PYTHONPATH: path.dirname(noBoto) },
      });
      expect([done.status, done.stderr.trim()]).toEqual([
        1,
        'the champion lookup (qualityGate.mustBeatApproved) runs in the evaluation image, which needs boto3',
      ]);
    });

    it('reports nothing approved for an empty group', () => {
      const result = lookup([]);
      expect([result.status, result.champion.found]).toEqual([0, false]);
    });
  });
});
