import fc from 'fast-check';
import { MlPipeline, ModelEndpoint } from '../../lib';
import { ValidationError } from '../../lib/core/validation';
import { recordProgram } from '../../lib/testing';
import { watched } from '../support/watch';

test('a construct that refuses its arguments has registered nothing, not even itself', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('aws', 'gcp', 'docker'),
      fc.integer({ min: -3, max: 80 }),
      fc.constantFrom('V1', 'v1', ''),
      fc.constantFrom('rate(0 days)', 'cron(0 3 31 2 *)', 'rate(7 days)', 'hourly'),
      async (cloud, canary, version, schedule) => {
        const platform = {
          cloud,
          stage: 'prod',
          region: cloud === 'gcp' ? 'europe-west4' : 'eu-west-1',
          project: 'churn-prod-4821',
        } as const;
        const failures: unknown[] = [];
        const rec = await recordProgram(() => {
          for (const make of [
            () =>
              watched(
                new ModelEndpoint('churn', {
                  platform,
                  version,
                  image: 'repo/image:1',
                  rollout: { canaryPercent: canary },
                }),
              ),
            () =>
              new MlPipeline('train', {
                platform,
                training: { image: 'repo/train:1' },
                evaluation: { command: ['eval'] },
                qualityGate: { metric: 'auc', threshold: 0.8 },
                schedule,
              }),
          ]) {
            try {
              make();
            } catch (err) {
              failures.push(err);
            }
          }
        });
        for (const err of failures) expect(err).toBeInstanceOf(ValidationError);
        const componentTypes = rec.resources.filter((r) => !r.custom).map((r) => r.type);
        // Only constructs that accepted their arguments appear, each with its children.
        expect(componentTypes.length).toBe(2 - failures.length);
      },
    ),
    { numRuns: 24, seed: 7 },
  );
});
