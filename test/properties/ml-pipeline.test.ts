import fc from 'fast-check';
import { ValidationError } from '../../lib/core/validation';
import { resolveMlPipeline } from '../../lib/ml-pipeline/resolve';

const anything = fc.oneof(
  fc.integer({ min: -5, max: 100000 }),
  fc.double({ noNaN: false }),
  fc.string({ maxLength: 40 }),
  fc.boolean(),
  fc.constant(undefined),
);
const schedules = fc.oneof(
  fc.constantFrom(
    'none',
    'rate(7 days)',
    'rate(1 hours)',
    'rate(0 days)',
    'cron(0 3 * * 1)',
    'cron(0 3 31 2 *)',
    'cron(61 * * * *)',
    'weekly',
    '',
  ),
  fc.string({ maxLength: 30 }).map((s) => `cron(${s})`),
  fc.string({ maxLength: 30 }).map((s) => `rate(${s})`),
);

test('random pipeline arguments either resolve or fail with a ValidationError listing problems, never a crash', () => {
  fc.assert(
    fc.property(
      fc.record({
        cloud: fc.constantFrom('aws', 'gcp', 'docker', 'azure'),
        stage: fc.constantFrom('dev', 'staging', 'prod', 'qa'),
        image: anything,
        command: fc.option(fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 })),
        size: fc.constantFrom('cpu-small', 'gpu-small', 'gpu-large', 'huge', undefined),
        instanceCount: anything,
        spot: anything,
        maxRuntimeMinutes: anything,
        metric: anything,
        comparison: fc.constantFrom('greater-than', 'less-than-or-equal', 'about', undefined),
        threshold: anything,
        mustBeatApproved: anything,
        schedule: schedules,
        retentionDays: anything,
        pipelineName: fc.option(fc.string({ maxLength: 70 })),
      }),
      (r) => {
        const platform = {
          cloud: r.cloud,
          stage: r.stage,
          region: r.cloud === 'gcp' ? 'europe-west4' : 'eu-west-1',
          project: 'churn-dev-4821',
        };
        const args = {
          pipelineName: r.pipelineName ?? undefined,
          training: {
            image: r.image,
            command: r.command ?? undefined,
            size: r.size,
            instanceCount: r.instanceCount,
            spot: r.spot,
            maxRuntimeMinutes: r.maxRuntimeMinutes,
          },
          evaluation: { command: ['python', 'evaluate.py'] },
          qualityGate: {
            metric: r.metric,
            comparison: r.comparison,
            threshold: r.threshold,
            mustBeatApproved: r.mustBeatApproved,
          },
          schedule: r.schedule,
          retentionDays: r.retentionDays,
        } as never;
        try {
          resolveMlPipeline('churn', args, platform as never);
        } catch (err) {
          expect(err).toBeInstanceOf(ValidationError);
          expect((err as ValidationError).problems.length).toBeGreaterThan(0);
        }
      },
    ),
    { numRuns: 400, seed: 20261126 },
  );
});
