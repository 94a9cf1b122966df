import fc from 'fast-check';
import { ValidationError } from '../../lib/core/validation';
import { resolveModelEndpoint } from '../../lib/model-endpoint/resolve';

const anything = fc.oneof(
  fc.integer({ min: -5, max: 200 }),
  fc.string({ maxLength: 70 }),
  fc.boolean(),
  fc.constant(undefined),
);

test('random arguments either resolve or fail with a ValidationError, never a crash', () => {
  fc.assert(
    fc.property(
      fc.record({
        cloud: fc.constantFrom('aws', 'gcp', 'docker', 'azure'),
        stage: fc.constantFrom('dev', 'staging', 'prod', 'qa'),
        version: anything,
        image: anything,
        size: fc.constantFrom('cpu-small', 'gpu-small', 'gpu-large', 'huge'),
        minInstances: anything,
        maxInstances: anything,
        canaryPercent: anything,
        bakeMinutes: anything,
        strategy: fc.constantFrom('canary', 'linear', 'all-at-once', 'yolo'),
        capturePercent: anything,
        serverless: anything,
        port: anything,
        invokers: fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
      }),
      (r) => {
        const platform = {
          cloud: r.cloud,
          stage: r.stage,
          region: r.cloud === 'gcp' ? 'europe-west4' : 'eu-west-1',
          project: 'churn-dev-4821',
        };
        const args = {
          version: r.version,
          image: r.image,
          size: r.size,
          minInstances: r.minInstances,
          maxInstances: r.maxInstances,
          capturePercent: r.capturePercent,
          serverless: r.serverless,
          port: r.port,
          invokers: r.invokers,
          rollout: { strategy: r.strategy, canaryPercent: r.canaryPercent, bakeMinutes: r.bakeMinutes },
        } as never;
        try {
          resolveModelEndpoint('churn', args, platform as never);
        } catch (err) {
          expect(err).toBeInstanceOf(ValidationError);
          expect((err as ValidationError).problems.length).toBeGreaterThan(0);
        }
      },
    ),
    { numRuns: 300, seed: 20261126 },
  );
});
