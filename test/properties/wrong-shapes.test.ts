/**
 * Arguments from stack config and JSON can have any shape. Whatever is put where: a string for a list, an
 * object for a list, null elements, NaN, ±Infinity, numbers as strings, unknown keys at any depth, the
 * resolvers answer with a ValidationError listing problems, never a TypeError, and a construct that refuses
 * its arguments registers nothing.
 */
import fc from 'fast-check';
import { MlPipeline, ModelEndpoint } from '../../lib';
import { ValidationError } from '../../lib/core/validation';
import { resolveMlPipeline } from '../../lib/ml-pipeline/resolve';
import { resolveModelEndpoint } from '../../lib/model-endpoint/resolve';
import { recordProgram } from '../../lib/testing';
import { watched } from '../support/watch';

/** Values of every wrong shape. */
const wrong = fc.oneof(
  fc.constantFrom(
    null,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    '3',
    'python train.py',
    'fraud-api',
    '',
    true,
    0,
    -1,
    [],
    [null],
    [undefined],
    ['a', null],
    [1, 2],
    [{}],
    {},
    { name: 'b' },
    { 0: 'x' },
  ),
  fc.string({ maxLength: 12 }),
  fc.double(),
  fc.array(fc.oneof(fc.constant(null), fc.string({ maxLength: 5 }), fc.integer()), { maxLength: 3 }),
  fc.dictionary(
    fc.string({ maxLength: 8 }),
    fc.oneof(fc.constant(null), fc.integer(), fc.string({ maxLength: 4 })),
    {
      maxKeys: 3,
    },
  ),
);

/** Misspelt or invented keys. */
const unknownKey = fc.oneof(
  fc.constantFrom('minInstance', 'rolout', 'schedul', 'imagee', 'comand', 'stag', 'constructor', 'toString'),
  fc.string({ minLength: 1, maxLength: 12 }),
);

/** Sets `value` at `path` in a copy of `base`, creating objects on the way. */
function setAt(
  base: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...base };
  const [head, ...rest] = path;
  if (rest.length === 0) copy[head] = value;
  else {
    const inner = copy[head];
    copy[head] = setAt(
      typeof inner === 'object' && inner !== null && !Array.isArray(inner)
        ? (inner as Record<string, unknown>)
        : {},
      rest,
      value,
    );
  }
  return copy;
}

/** Puts wrong values at some paths and unknown keys at some depths of valid arguments. */
function corrupt(valid: Record<string, unknown>, paths: readonly (readonly string[])[]) {
  return fc
    .tuple(
      fc.array(fc.tuple(fc.constantFrom(...paths), wrong), { minLength: 1, maxLength: 3 }),
      fc.array(
        fc.tuple(
          fc.constantFrom<readonly string[]>(
            [],
            ...paths.filter((p) => p.length > 1).map((p) => p.slice(0, -1)),
          ),
          unknownKey,
          wrong,
        ),
        {
          maxLength: 2,
        },
      ),
    )
    .map(([values, keys]) => {
      let args = valid;
      for (const [path, value] of values) args = setAt(args, path, value);
      for (const [at, key, value] of keys) args = setAt(args, [...at, key], value);
      return args;
    });
}

const ENDPOINT = { version: 'v3', image: 'repo/serving:v3', modelDataUrl: 's3://b/models/m.tar.gz' };
const ENDPOINT_PATHS = [
  ['version'],
  ['image'],
  ['invokers'],
  ['challengers'],
  ['environment'],
  ['environment', 'LOG_LEVEL'],
  ['minInstances'],
  ['maxInstances'],
  ['capturePercent'],
  ['serverless'],
  ['size'],
  ['port'],
  ['rollout'],
  ['rollout', 'canaryPercent'],
  ['rollout', 'strategy'],
  ['stableRelease'],
  ['stableRelease', 'version'],
  ['modelAccess'],
  ['modelAccess', 'bucketName'],
  ['aws'],
  ['aws', 'instanceType'],
  ['gcp', 'cpu'],
  ['docker', 'hostPort'],
  ['docker', 'healthCheck'],
  ['platform'],
  ['platform', 'stage'],
  ['platform', 'network', 'subnetIds'],
  ['platform', 'tags'],
] as const;

const PIPELINE = {
  training: { image: 'repo/train:v3', command: ['python', 'train.py'] },
  evaluation: { command: ['python', 'evaluate.py'] },
  qualityGate: { metric: 'auc', threshold: 0.8 },
};
const PIPELINE_PATHS = [
  ['training'],
  ['training', 'command'],
  ['training', 'image'],
  ['training', 'hyperparameters'],
  ['training', 'environment'],
  ['training', 'instanceCount'],
  ['training', 'spot'],
  ['training', 'maxRuntimeMinutes'],
  ['training', 'build'],
  ['training', 'build', 'context'],
  ['evaluation'],
  ['evaluation', 'command'],
  ['evaluation', 'metricsFile'],
  ['qualityGate'],
  ['qualityGate', 'metric'],
  ['qualityGate', 'threshold'],
  ['qualityGate', 'comparison'],
  ['data', 'prefix'],
  ['registry', 'modelGroupName'],
  ['schedule'],
  ['retentionDays'],
  ['aws', 'volumeSizeGb'],
  ['aws', 'trainingInstanceType'],
  ['docker', 'registryPort'],
  ['platform', 'kmsKeyId'],
  ['platform', 'region'],
] as const;

const platforms = fc.constantFrom(
  { cloud: 'aws', stage: 'prod', region: 'eu-west-1' },
  { cloud: 'gcp', stage: 'staging', region: 'europe-west4', project: 'churn-staging-4821' },
  { cloud: 'docker', stage: 'dev' },
);

/** Runs `resolve` and checks it either accepts or throws a ValidationError with problems. */
function onlyValidationErrors(resolve: () => unknown): void {
  try {
    resolve();
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    expect(err.problems.length).toBeGreaterThan(0);
  }
}

test('ModelEndpoint: wrong shapes anywhere are validation problems, never TypeErrors', () => {
  fc.assert(
    fc.property(platforms, corrupt(ENDPOINT, ENDPOINT_PATHS), (platform, args) => {
      const withPlatform = { ...args, platform: { ...platform, ...(args.platform as object) } };
      onlyValidationErrors(() =>
        resolveModelEndpoint('churn', withPlatform as never, withPlatform.platform as never),
      );
    }),
    { numRuns: 500, seed: 20261202 },
  );
});

test('MlPipeline: wrong shapes anywhere are validation problems, never TypeErrors', () => {
  fc.assert(
    fc.property(platforms, corrupt(PIPELINE, PIPELINE_PATHS), (platform, args) => {
      const withPlatform = { ...args, platform: { ...platform, ...(args.platform as object) } };
      onlyValidationErrors(() =>
        resolveMlPipeline('churn', withPlatform as never, withPlatform.platform as never),
      );
    }),
    { numRuns: 500, seed: 20261202 },
  );
});

test('the issue’s own examples are each refused with a problem at their path', () => {
  const platform = { cloud: 'aws', stage: 'prod', region: 'eu-west-1' } as const;
  const paths = (resolve: () => unknown) => {
    try {
      resolve();
    } catch (err) {
      return (err as ValidationError).problems.map((p) => p.path);
    }
    return [];
  };
  const endpoint = (extra: object) => () =>
    resolveModelEndpoint('churn', { ...ENDPOINT, ...extra } as never, platform);
  const pipeline = (extra: object) => () =>
    resolveMlPipeline('churn', { ...PIPELINE, ...extra } as never, platform);
  expect(paths(endpoint({ invokers: 'fraud-api' }))).toEqual(['invokers']);
  expect(paths(endpoint({ challengers: { name: 'b', image: 'i', trafficPercent: 5 } }))).toEqual([
    'challengers',
  ]);
  expect(paths(endpoint({ challengers: [null] }))).toEqual(['challengers[0]']);
  expect(paths(endpoint({ version: 3 }))).toEqual(['version']);
  expect(paths(endpoint({ minInstances: Number.NaN }))).toEqual(['minInstances']);
  expect(paths(endpoint({ minInstance: 2 }))).toEqual(['minInstance']);
  expect(paths(endpoint({ rolout: {} }))).toEqual(['rolout']);
  expect(paths(pipeline({ schedul: 'rate(1 day)' }))).toEqual(['schedul']);
  expect(paths(pipeline({ training: { image: 'i', command: 'python train.py' } }))).toEqual([
    'training.command',
  ]);
});

test('a construct refused for a wrong shape registers nothing, not even itself', async () => {
  await fc.assert(
    fc.asyncProperty(
      platforms,
      corrupt(ENDPOINT, ENDPOINT_PATHS),
      corrupt(PIPELINE, PIPELINE_PATHS),
      async (platform, e, p) => {
        const failures: unknown[] = [];
        const rec = await recordProgram(() => {
          for (const make of [
            () =>
              watched(
                new ModelEndpoint('churn', {
                  ...e,
                  platform: { ...platform, ...(e.platform as object) },
                } as never),
              ),
            () =>
              new MlPipeline('train', {
                ...p,
                platform: { ...platform, ...(p.platform as object) },
              } as never),
          ])
            try {
              make();
            } catch (err) {
              failures.push(err);
            }
        });
        for (const err of failures) expect(err).toBeInstanceOf(ValidationError);
        expect(rec.resources.filter((r) => !r.custom)).toHaveLength(2 - failures.length);
      },
    ),
    { numRuns: 16, seed: 11 },
  );
});
