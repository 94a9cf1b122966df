import type { QualityGateArgs } from '../../lib/ml-pipeline/args';
import type { PlatformArgs } from '../../lib/core/platform';
import { ValidationError } from '../../lib/core/validation';
import type { MlPipelineArgs } from '../../lib/ml-pipeline/args';
import { MlPipeline } from '../../lib/ml-pipeline/pulumi';
import { resolveMlPipeline } from '../../lib/ml-pipeline/resolve';
import { recordProgram } from '../../lib/testing';
import { AWS, DOCKER, GCP, pipelineArgs } from './fixtures';

/** A gate missing its metric, as untyped callers (JavaScript, other Pulumi languages) can send. */
const NO_METRIC = (threshold: number) => ({ threshold }) as unknown as QualityGateArgs;

/** The problems resolving these arguments reports, as `path: message`. */
function problems(args: MlPipelineArgs, name = 'churn'): string[] {
  try {
    resolveMlPipeline(name, args, args.platform);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  return [];
}
const on = (platform: PlatformArgs, overrides: Partial<MlPipelineArgs>) =>
  problems(pipelineArgs(platform, overrides));

describe('MlPipeline validation', () => {
  it('accepts the fixture on every cloud', () => {
    for (const platform of [AWS, GCP, DOCKER]) expect(problems(pipelineArgs(platform))).toEqual([]);
  });

  it('refuses a threshold without a metric', () => {
    expect(on(AWS, { qualityGate: NO_METRIC(0.9) })).toEqual(['qualityGate.metric: is required']);
  });

  it('refuses a metric with no bar, and a metric that is not a JSON key', () => {
    expect(on(AWS, { qualityGate: { metric: 'auc' } })).toEqual([
      'qualityGate: has a metric but no bar: neither `threshold` nor `mustBeatApproved`',
    ]);
    expect(on(AWS, { qualityGate: { metric: 'eval.auc', threshold: 1 } })).toEqual([
      'qualityGate.metric: "eval.auc" is not a metric key',
    ]);
  });

  it('refuses an invalid cron or rate', () => {
    expect(on(AWS, { schedule: 'cron(0 25 * * *)' })).toEqual([
      'schedule: "cron(0 25 * * *)": the hour field "25" has 25, outside 0-23',
    ]);
    expect(on(AWS, { schedule: 'cron(0 3 * * ? *)' })).toEqual([
      'schedule: "cron(0 3 * * ? *)" has 6 cron fields, not 5 (minute hour day-of-month month day-of-week)',
    ]);
    expect(on(AWS, { schedule: 'rate(1 days)' })).toEqual([
      'schedule: "rate(1 days)" must use the singular unit',
    ]);
    expect(on(AWS, { schedule: 'every day' })).toEqual([
      'schedule: "every day" is neither rate(...) nor cron(...)',
    ]);
  });

  it('refuses a schedule a cloud cannot express', () => {
    expect(on(AWS, { schedule: 'cron(0 3 1 * 1)' })).toEqual([
      'schedule: "cron(0 3 1 * 1)" sets both day of month and day of week, which EventBridge Scheduler cannot combine',
    ]);
    expect(on(GCP, { schedule: 'rate(5 hours)' })).toEqual([
      'schedule: Cloud Scheduler has no rate, and "rate(5 hours)" is not an even division of an hour, a day or a week',
    ]);
  });

  it('refuses spot on a cloud that has none', () => {
    expect(on(GCP, { training: { image: 'i', spot: true } })).toEqual([
      'training.spot: Cloud Run jobs have no spot capacity',
    ]);
    expect(on(DOCKER, { training: { image: 'i', spot: true } })).toEqual([
      'training.spot: docker runs on your own machine, which has no spot capacity',
    ]);
  });

  it('refuses a size the cloud has none of, and a spot wait shorter than the run', () => {
    expect(on(GCP, { training: { image: 'i', size: 'gpu-large' } })).toEqual([
      'training.size: gpu-large has no Cloud Run job equivalent (at most one GPU per instance)',
    ]);
    expect(
      on(AWS, { training: { image: 'i', spot: true, maxRuntimeMinutes: 60, maxWaitMinutes: 30 } }),
    ).toEqual(['training.maxWaitMinutes: 30 is less than maxRuntimeMinutes (60)']);
    expect(on(GCP, { training: { image: 'i', maxRuntimeMinutes: 20000 } })).toEqual([
      'training.maxRuntimeMinutes: 20000 minutes is longer than a Cloud Run job task may run (7 days)',
    ]);
    expect(on(DOCKER, { training: { image: 'i', instanceCount: 2 } })).toEqual([
      'training.instanceCount: docker runs training in a single container, not 2',
    ]);
  });

  it('refuses retention shorter than the schedule interval', () => {
    expect(on(AWS, { schedule: 'rate(14 days)', retentionDays: 7 })).toEqual([
      "retentionDays: 7 days is shorter than the schedule's interval (up to 14 days): the previous run's artifacts would expire before the next run",
    ]);
    // A monthly cron may wait 31 days.
    expect(on(AWS, { schedule: 'cron(0 3 1 * *)', retentionDays: 30 })).toHaveLength(1);
    expect(on(AWS, { schedule: 'cron(0 3 1 * *)', retentionDays: 31 })).toEqual([]);
  });

  it('measures retention against the real worst gap of a cron that skips months', () => {
    // Day 31 skips February and the 30-day months: up to 61 days between runs, not 31.
    expect(on(GCP, { schedule: 'cron(0 3 31 * *)', retentionDays: 60 })).toEqual([
      "retentionDays: 60 days is shorter than the schedule's interval (up to 61 days): the previous run's artifacts would expire before the next run",
    ]);
    expect(on(GCP, { schedule: 'cron(0 3 31 * *)', retentionDays: 61 })).toEqual([]);
    expect(on(DOCKER, { schedule: 'cron(0 3 30 * *)', retentionDays: 59 })).toHaveLength(1);
    expect(on(DOCKER, { schedule: 'cron(0 3 30 * *)', retentionDays: 60 })).toEqual([]);
    // A quarterly cron waits 92 days at most, not a year.
    expect(on(AWS, { schedule: 'cron(0 4 1 */3 *)', retentionDays: 92 })).toEqual([]);
  });

  it('refuses a cron whose day of month never occurs in its months, on every cloud', () => {
    for (const platform of [AWS, GCP, DOCKER]) {
      expect(on(platform, { schedule: 'cron(0 0 31 2 *)', retentionDays: 3650 })).toEqual([
        'schedule: "cron(0 0 31 2 *)" never runs in February: it has no day 31',
      ]);
      expect(on(platform, { schedule: 'cron(0 0 31 4,6,9,11 *)' })).toEqual([
        'schedule: "cron(0 0 31 4,6,9,11 *)" never runs in April, June, September, November: they have no day 31',
      ]);
      expect(on(platform, { schedule: 'cron(0 0 29 2 *)', retentionDays: 3650 })).toEqual([
        'schedule: "cron(0 0 29 2 *)" runs only on 29 February, in leap years: up to 2921 days apart',
      ]);
    }
  });

  it('refuses bucket names each cloud would reject, by its own rules', () => {
    expect(on(AWS, { data: { bucketName: 'corp_datalake' } })).toEqual([
      'data.bucketName: "corp_datalake" may hold only lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, for S3',
    ]);
    // Underscores are fine on GCS, but "google" is not.
    expect(on(GCP, { data: { bucketName: 'corp_datalake' } })).toEqual([]);
    expect(on(GCP, { data: { bucketName: 'my-google-data' } })).toEqual([
      'data.bucketName: "my-google-data" contains "google" or a look-alike, which Cloud Storage refuses',
    ]);
    expect(on(AWS, { data: { bucketName: 'data--ol-s3' } })).toEqual([
      'data.bucketName: "data--ol-s3" ends with the reserved suffix "--ol-s3"',
    ]);
    expect(on(AWS, { data: { bucketName: '192.168.1.10' } })).toEqual([
      'data.bucketName: "192.168.1.10" looks like an IP address, which S3 refuses',
    ]);
  });

  it('refuses a construct name S3 would reject in the bucket names derived from it', () => {
    expect(problems(pipelineArgs(AWS, { pipelineName: 'churn' }), 'Churn_Model')).toEqual([
      'name: "Churn_Model-access-logs-0000000" may hold only lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, for S3 (buckets are auto-named after the construct)',
    ]);
  });

  it('refuses a gcp pipeline name that would put "google" in its bucket names', () => {
    const found = on(GCP, { pipelineName: 'my-google-churn' });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^pipelineName: "my-google-churn-artifacts-[0-9a-f]{6}" contains "google" or a look-alike, which Cloud Storage refuses \(the artifact bucket is named after the pipeline\)$/,
    );
  });

  it('refuses pipeline and model group names the cloud would reject', () => {
    expect(on(AWS, { pipelineName: 'churn_pipeline' })).toEqual([
      'pipelineName: "churn_pipeline" is not a valid name here for a pipeline on aws',
    ]);
    expect(on(GCP, { pipelineName: 'Churn' })).toEqual([
      'pipelineName: "Churn" is not a valid name here for a pipeline on gcp',
    ]);
    expect(on(AWS, { registry: { modelGroupName: 'x'.repeat(64) } })).toEqual([
      `registry.modelGroupName: "${'x'.repeat(64)}" is 64 characters, more than 63 for a aws model group`,
    ]);
  });

  it('refuses missing training, evaluation and gate', () => {
    expect(problems({ platform: AWS } as MlPipelineArgs)).toEqual([
      'training: is required',
      'evaluation: is required',
      'qualityGate: is required',
    ]);
  });

  it('lists every problem at once, each with a fix', () => {
    let error: ValidationError | undefined;
    try {
      resolveMlPipeline(
        'churn',
        pipelineArgs(GCP, {
          training: { image: 'i', spot: true },
          qualityGate: NO_METRIC(1),
          schedule: 'rate(30 days)',
          retentionDays: 7,
        }),
        GCP,
      );
    } catch (e) {
      error = e as ValidationError;
    }
    // Shapes (a required key that is missing) come first, then each group's values.
    expect(error?.problems.map((p) => p.path)).toEqual([
      'qualityGate.metric',
      'training.spot',
      'retentionDays',
      'schedule',
    ]);
    for (const p of error!.problems) expect(p.fix.length).toBeGreaterThan(10);
    expect(error!.message).toMatch(/^MlPipeline "churn" has 4 problems in its arguments:/);
  });

  it('refuses wrong shapes from config and JSON: a command string is not split into characters', () => {
    const untyped = (overrides: Record<string, unknown>) => on(AWS, overrides as Partial<MlPipelineArgs>);
    expect(untyped({ training: { image: 'i', command: 'python train.py' } })).toEqual([
      'training.command: is the string "python train.py", not a list of strings',
    ]);
    expect(untyped({ evaluation: { command: ['python', null] } })).toEqual([
      'evaluation.command[1]: is null',
    ]);
    expect(untyped({ qualityGate: { metric: 'auc', threshold: Number.NaN } })).toEqual([
      'qualityGate.threshold: is NaN, not a number',
    ]);
    expect(untyped({ retentionDays: Number.POSITIVE_INFINITY, schedul: 'rate(1 day)' })).toEqual([
      'schedul: is not a known argument',
      'retentionDays: is Infinity, not a number',
    ]);
    expect(untyped({ training: { image: 'i', hyperparameters: { epochs: 10 } } })).toEqual([
      'training.hyperparameters.epochs: is the number 10, not a string',
    ]);
    expect(untyped({ qualityGate: { metric: 'auc', threshold: 0.8, comparision: 'less-than' } })).toEqual([
      'qualityGate.comparision: is not a known argument',
    ]);
  });

  it('checks SageMaker instance types against what each job accepts', () => {
    expect(
      on(AWS, { aws: { trainingInstanceType: 'ml.inf2.xlarge', evaluationInstanceType: 'ml.g5.xlarge' } }),
    ).toEqual([
      'aws.trainingInstanceType: "ml.inf2.xlarge": SageMaker has no inf2 instances for training jobs',
    ]);
    expect(on(AWS, { aws: { evaluationInstanceType: 'ml.p4d.24xlarge' } })).toEqual([
      'aws.evaluationInstanceType: "ml.p4d.24xlarge": SageMaker has no p4d instances for processing jobs (the evaluation)',
    ]);
  });

  it('refuses on aws what the SageMaker API refuses: long entrypoints, environments and hyperparameters', () => {
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`H${i}`, '1']));
    expect(
      on(AWS, {
        training: {
          image: 'i',
          command: ['python', 'x'.repeat(257)],
          environment: { LONG: 'v'.repeat(513) },
          hyperparameters: many,
        },
      }),
    ).toEqual([
      'training.command[1]: is longer than 256 bytes',
      'training.environment.LONG: the value is 513 bytes; SageMaker takes at most 512',
      'training.hyperparameters: has 101 entries; SageMaker takes at most 100',
    ]);
    // Cloud Run jobs and docker take them.
    expect(on(GCP, { training: { image: 'i', hyperparameters: many } })).toEqual([]);
  });

  it('refuses line breaks in SageMaker commands, which its `.*` pattern does not match', () => {
    expect(
      on(AWS, {
        training: { image: 'i', command: ['python', '-c', 'import os\nprint(1)'] },
        evaluation: { command: ['sh', '-c', 'a\r\nb'] },
      }),
    ).toEqual([
      'training.command[2]: contains a line break, which SageMaker refuses',
      'evaluation.command[2]: contains a line break, which SageMaker refuses',
    ]);
    expect(on(GCP, { training: { image: 'i', command: ['sh', '-c', 'a\nb'] } })).toEqual([]);
  });

  it('names the pipeline after the stack when the stack is not its stage', () => {
    const spec = resolveMlPipeline('churn', pipelineArgs(AWS), AWS, { stack: 'alice-dev' });
    expect([spec.pipelineName, spec.repositoryName]).toEqual(['churn-alice-dev', 'churn-alice-dev']);
    expect(resolveMlPipeline('churn', pipelineArgs(AWS), AWS, { stack: 'dev' }).pipelineName).toBe(
      'churn-dev',
    );
  });

  it('registers nothing, not even itself, when the arguments are bad', async () => {
    let thrown: unknown;
    const rec = await recordProgram(() => {
      try {
        new MlPipeline('churn', pipelineArgs(AWS, { qualityGate: NO_METRIC(0.5) }));
      } catch (e) {
        thrown = e;
      }
    });
    expect(thrown).toBeInstanceOf(ValidationError);
    expect(rec.resources).toHaveLength(0);
  });
});
