import { ValidationError, type Problem } from '../../lib/core/validation';
import {
  isUtcTime,
  parseRelease,
  releaseToConfigValue,
  sameRelease,
} from '../../lib/promotion/release-schema';
import type { Release } from '../../lib/promotion/release-types';

const WHERE = 'mlops:release of stack prod';
const DIGEST = `sha256:${'a'.repeat(64)}`;
const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn@sha256:${'b'.repeat(64)}`;

const valid = {
  schemaVersion: 1,
  version: 'v3',
  model: { artifact: { uri: 's3://churn-models/runs/r1/model.tar.gz', sha256: DIGEST } },
  image: IMAGE,
  metrics: { auc: 0.91 },
  baseline: 's3://churn-models/baseline/r1/',
  approval: { by: 'alice@example.com', at: '2026-12-02T10:00:00Z' },
  promotedFrom: { stack: 'staging', cloud: 'gcp', at: '2026-12-02T11:00:00Z' },
  releasedAt: '2026-12-02T11:00:00Z',
};

function problemsOf(value: unknown): Problem[] {
  try {
    parseRelease(value, WHERE);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    const e = err as ValidationError;
    expect(e.construct).toBe('Release');
    expect(e.resourceName).toBe(WHERE);
    return [...e.problems];
  }
  throw new Error('parseRelease accepted the value');
}

/** `valid` with one field replaced (undefined removes it); `path` is dotted. */
function withField(path: string, value: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(valid)) as Record<string, unknown>;
  const keys = path.split('.');
  let at = copy;
  for (const key of keys.slice(0, -1)) at = at[key] as Record<string, unknown>;
  if (value === undefined) delete at[keys[keys.length - 1]];
  else at[keys[keys.length - 1]] = value;
  return copy;
}

describe('parseRelease: schema 1', () => {
  it('returns a valid release as given', () => {
    expect(parseRelease(valid, WHERE)).toEqual(valid);
  });

  it('accepts each artifact form and a registry version', () => {
    for (const uri of [
      'gs://churn-staging/models/v3/',
      'docker-volume://churn-models/runs/r1/model/',
      'gs://bkt/',
    ])
      expect(parseRelease(withField('model.artifact.uri', uri), WHERE).model.artifact?.uri).toBe(uri);
    const registry = { ...valid, model: { registry: { group: 'churn-prod', version: 3 } } };
    expect(parseRelease(registry, WHERE).model).toEqual({ registry: { group: 'churn-prod', version: 3 } });
  });

  it('names the whole value when it is no object', () => {
    expect(problemsOf('v3')).toEqual([
      {
        path: 'release',
        message: 'is the string "v3", not an object',
        fix: 'give an object with `schemaVersion: 1`, `version`, `model` and `image` (README, "Releases")',
      },
    ]);
    expect(problemsOf([])[0].message).toBe('is an empty list, not an object');
    expect(problemsOf(null)[0].message).toBe('is null, not an object');
  });

  it.each<[string, unknown, Problem]>([
    [
      'version',
      'V3!',
      {
        path: 'version',
        message: '"V3!" is not a valid name here',
        fix: 'use at most 13 lowercase letters, digits and hyphens (for example `v12` or `2024-06-01`)',
      },
    ],
    ['version', undefined, { path: 'version', message: 'is required', fix: 'give a string, such as `v3`' }],
    [
      'model',
      {},
      {
        path: 'model',
        message: 'names neither `registry` nor `artifact`',
        fix: 'give `registry: { version }` (a SageMaker model package version) or `artifact: { uri, sha256 }`',
      },
    ],
    [
      'model.artifact.sha256',
      undefined,
      {
        path: 'model.artifact.sha256',
        message: 'is required',
        fix: 'give the tree digest of the model files: `mlops digest <model dir or model.tar.gz>` prints it (`sha256:<64 hex digits>`)',
      },
    ],
    [
      'model.artifact.sha256',
      `sha256:${'A'.repeat(64)}`,
      {
        path: 'model.artifact.sha256',
        message: `is "sha256:${'A'.repeat(64)}", not \`sha256:\` and 64 lowercase hex digits`,
        fix: 'give the tree digest `mlops digest <model dir or model.tar.gz>` prints, such as `sha256:<64 hex digits>`',
      },
    ],
    [
      'model.artifact.uri',
      's3://churn-models/runs/r1/model/',
      {
        path: 'model.artifact.uri',
        message: '"s3://churn-models/runs/r1/model/" is not a model artifact URI',
        fix: 'give the SageMaker `model.tar.gz` object, `s3://<bucket>/<key>.tar.gz`',
      },
    ],
    [
      'model.artifact.uri',
      'gs://churn/models/model.tar.gz',
      {
        path: 'model.artifact.uri',
        message: '"gs://churn/models/model.tar.gz" is not a model artifact URI',
        fix: 'give the model directory, ending in `/`, such as `gs://<bucket>/models/v3/`',
      },
    ],
    [
      'model.artifact.uri',
      's3://b/m.tar.gz',
      {
        path: 'model.artifact.uri',
        message: '"s3://b/m.tar.gz": the bucket name "b" must be 3 to 63 characters long for S3',
        fix: 'use 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit',
      },
    ],
    [
      'model.artifact.uri',
      'gs://google-models/v3/',
      {
        path: 'model.artifact.uri',
        message:
          '"gs://google-models/v3/": the bucket name "google-models" starts with "goog", which Cloud Storage refuses',
        fix: 'use 3 to 63 lowercase letters, digits, hyphens, underscores and dots, starting and ending with a letter or digit, without "goog" at the start or "google" inside',
      },
    ],
    [
      'model.artifact.uri',
      'docker-volume://churn-models/runs/r1',
      {
        path: 'model.artifact.uri',
        message: '"docker-volume://churn-models/runs/r1" is not a model artifact URI',
        fix: 'give the model directory, ending in `/`, such as `docker-volume://<volume>/models/v3/`',
      },
    ],
    [
      'model.artifact.uri',
      'https://example.com/model.tar.gz',
      {
        path: 'model.artifact.uri',
        message: '"https://example.com/model.tar.gz" is not a model artifact URI',
        fix: 'give `s3://<bucket>/<key>.tar.gz` (aws: the packed model), `gs://<bucket>/<dir>/` (gcp: the model directory) or `docker-volume://<volume>/<dir>/` (docker)',
      },
    ],
    [
      'model.artifact.uri',
      'runs/r1/model/',
      {
        path: 'model.artifact.uri',
        message: '"runs/r1/model/" is a relative path: only schema 0 releases may give one',
        fix: 'give the absolute URI, `s3://<bucket>/<key>.tar.gz` (aws: the packed model), `gs://<bucket>/<dir>/` (gcp: the model directory) or `docker-volume://<volume>/<dir>/` (docker)',
      },
    ],
    [
      'model',
      { registry: { group: 'churn-models', version: 0 } },
      {
        path: 'model.registry.version',
        message: 'is 0, not a positive whole number',
        fix: 'give the version number SageMaker gave the registered model package (1, 2, ...)',
      },
    ],
    [
      'model',
      { registry: { group: 'churn-models', version: '3' } },
      {
        path: 'model.registry.version',
        message: 'is the string "3", not a number',
        fix: 'give a number, such as `3` (without quotes; in YAML write 3, not "3")',
      },
    ],
    [
      'model',
      { registry: { version: 3 } },
      {
        path: 'model.registry.group',
        message: 'is missing: without the model package group the approval of the version cannot be checked',
        fix: "give the SageMaker model package group the version is registered in, the serving pipeline's (such as `churn-models`)",
      },
    ],
    [
      'model',
      { registry: { group: '-bad', version: 2 } },
      {
        path: 'model.registry.group',
        message: '"-bad" is not a valid name here',
        fix: 'use at most 63 letters, digits and hyphens, starting and ending with a letter or digit',
      },
    ],
    [
      'image',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:v3',
      {
        path: 'image',
        message: '"123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:v3" names a tag, not a digest',
        fix: 'give the image by digest, `<repository>@sha256:<64 hex digits>` (`crane digest <image>` or `docker buildx imagetools inspect <image>` prints it): a tag can move, a digest cannot',
      },
    ],
    [
      'image',
      'localhost:5000/churn',
      {
        path: 'image',
        message: '"localhost:5000/churn" names no digest',
        fix: 'give the image by digest, `<repository>@sha256:<64 hex digits>` (`crane digest <image>` or `docker buildx imagetools inspect <image>` prints it): a tag can move, a digest cannot',
      },
    ],
    [
      'image',
      'churn@sha256:abc',
      {
        path: 'image',
        message: '"churn@sha256:abc" has no valid digest (`@sha256:` and 64 lowercase hex digits)',
        fix: 'give the image by digest, `<repository>@sha256:<64 hex digits>` (`crane digest <image>` or `docker buildx imagetools inspect <image>` prints it): a tag can move, a digest cannot',
      },
    ],
    [
      'metrics',
      { auc: 'high' },
      {
        path: 'metrics.auc',
        message: 'is the string "high", not a number',
        fix: 'give a number, such as `0.91` (without quotes; in YAML write high, not "high")',
      },
    ],
    [
      'metrics',
      { auc: Number.NaN },
      { path: 'metrics.auc', message: 'is NaN, not a number', fix: 'give a number, such as `0.91`' },
    ],
    [
      'baseline',
      's3://churn-models/baseline/statistics.json',
      {
        path: 'baseline',
        message: '"s3://churn-models/baseline/statistics.json" is not a directory URI',
        fix: 'give `s3://<bucket>/<dir>/`, `gs://<bucket>/<dir>/` or `docker-volume://<volume>/<dir>/` (ending in `/`)',
      },
    ],
    [
      'approval.at',
      '2026-12-02 10:00',
      {
        path: 'approval.at',
        message: '"2026-12-02 10:00" is not an ISO 8601 UTC time',
        fix: 'give a time such as `2026-12-02T10:00:00Z` (UTC, ending in `Z`)',
      },
    ],
    [
      'approval.by',
      '  ',
      { path: 'approval.by', message: 'is empty', fix: 'name who approved it, such as `alice@example.com`' },
    ],
    [
      'promotedFrom.cloud',
      'azure',
      {
        path: 'promotedFrom.cloud',
        message: '"azure" is not one of aws, gcp, docker',
        fix: 'use one of aws, gcp, docker',
      },
    ],
    [
      'promotedFrom.at',
      '2026-02-30T10:00:00Z',
      {
        path: 'promotedFrom.at',
        message: '"2026-02-30T10:00:00Z" is not an ISO 8601 UTC time',
        fix: 'give a time such as `2026-12-02T10:00:00Z` (UTC, ending in `Z`)',
      },
    ],
    [
      'releasedAt',
      '2026-12-02T10:00:00+01:00',
      {
        path: 'releasedAt',
        message: '"2026-12-02T10:00:00+01:00" is not an ISO 8601 UTC time',
        fix: 'give a time such as `2026-12-02T10:00:00Z` (UTC, ending in `Z`)',
      },
    ],
    ['imgae', IMAGE, { path: 'imgae', message: 'is not a known argument', fix: 'did you mean `image`?' }],
  ])('%s = %j: one exact problem', (path, value, problem) => {
    expect(problemsOf(withField(path, value))).toEqual([problem]);
  });

  it('lists every problem at once', () => {
    const bad = {
      ...valid,
      version: 'V3',
      image: 'churn:v3',
      model: { artifact: { uri: 's3://bkt/x.tgz' } },
      approval: { by: 'a' },
    };
    expect(problemsOf(bad).map((p) => p.path)).toEqual([
      'approval.at',
      'version',
      'model.artifact.uri',
      'model.artifact.sha256',
      'image',
    ]);
  });

  it('refuses a schema written by a newer tool, without reading the rest', () => {
    expect(problemsOf({ schemaVersion: 2, version: 'v3', anything: { new: true } })).toEqual([
      {
        path: 'schemaVersion',
        message: 'is 2: this release was written by a newer mlops-constructs, which knows schema 1 at most',
        fix: 'upgrade mlops-constructs in this project (`npm install mlops-constructs@latest`)',
      },
    ]);
  });

  it('refuses a schemaVersion that is no version', () => {
    expect(problemsOf({ ...valid, schemaVersion: '1' })).toEqual([
      {
        path: 'schemaVersion',
        message: 'is the string "1", not 1',
        fix: 'give `schemaVersion: 1`, or leave `schemaVersion` out for a schema 0 release (`version`, `image`, `modelPackageVersion`, `modelPath`, `baselinePath`)',
      },
    ]);
  });

  it('tells a schema 1 release without schemaVersion to add it, and checks the rest as schema 1', () => {
    const { schemaVersion, ...rest } = valid;
    void schemaVersion;
    expect(problemsOf({ ...rest, image: 'churn:v3' })).toEqual([
      {
        path: 'schemaVersion',
        message:
          'is missing, but the release has schema 1 fields (model, metrics, baseline, approval, promotedFrom, releasedAt)',
        fix: 'add `schemaVersion: 1`',
      },
      expect.objectContaining({ path: 'image', message: '"churn:v3" names a tag, not a digest' }),
    ]);
  });
});

describe('parseRelease: schema 0 (LegacyRelease) is upgraded', () => {
  it('upgrades the aws reference release (registry version, tagless image, relative baseline)', () => {
    const legacy = {
      version: 'v3',
      image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn-training-prod@sha256:${'c'.repeat(64)}`,
      modelPackageVersion: 3,
      baselinePath: 'baseline/q7m2k9x4d1ve/',
    };
    expect(parseRelease(legacy, WHERE)).toEqual({
      schemaVersion: 1,
      version: 'v3',
      model: { registry: { version: 3 } },
      image: legacy.image,
      baseline: 'baseline/q7m2k9x4d1ve/',
    });
  });

  it('upgrades a relative model path and keeps an image by tag as it was', () => {
    expect(
      parseRelease({ version: 'v1', image: 'churn-serving:latest', modelPath: 'runs/3f9c/model/' }, WHERE),
    ).toEqual({
      schemaVersion: 1,
      version: 'v1',
      model: { artifact: { uri: 'runs/3f9c/model/' } },
      image: 'churn-serving:latest',
    });
  });

  it('reports legacy fields by their legacy names', () => {
    expect(problemsOf({ version: 'v1', modelPackageVersion: 1.5, baselinePath: 'a b/' })).toEqual([
      {
        path: 'modelPackageVersion',
        message: 'is 1.5, not a positive whole number',
        fix: 'give the version number SageMaker gave the registered model package (1, 2, ...)',
      },
      {
        path: 'baselinePath',
        message: '"a b/" has white space',
        fix: "give the baseline directory in the pipeline's artifact store, such as `baseline/<run id>/`",
      },
    ]);
  });

  it('needs a model', () => {
    expect(problemsOf({ version: 'v1', image: 'x:1' })).toEqual([
      {
        path: 'modelPackageVersion',
        message: 'is missing, and so is `modelPath`: the release names no model',
        fix: "give `modelPackageVersion` (aws: the registered model package version) or `modelPath` (the model directory in the pipeline's artifact store), or write a schema 1 release",
      },
    ]);
  });

  it('refuses an unknown legacy key with a did-you-mean', () => {
    expect(problemsOf({ version: 'v1', modelPackageVersion: 2, modelpath: 'x/' })).toEqual([
      { path: 'modelpath', message: 'is not a known argument', fix: 'did you mean `modelPath`?' },
    ]);
  });
});

describe('isUtcTime', () => {
  it.each([
    ['2026-12-02T10:00:00Z', true],
    ['2026-12-02T10:00:00.123Z', true],
    ['2028-02-29T00:00:00Z', true],
    ['2026-02-29T00:00:00Z', false],
    ['2026-12-02T24:00:00Z', false],
    ['2026-13-02T10:00:00Z', false],
    ['2026-12-02T10:00:00', false],
    ['2026-12-02', false],
  ])('%s -> %s', (value, expected) => expect(isUtcTime(value)).toBe(expected));
});

describe('releaseToConfigValue', () => {
  it('writes keys in the stable order and leaves undefined fields out', () => {
    const release: Release = {
      releasedAt: '2026-12-02T11:00:00Z',
      promotedFrom: {
        at: '2026-12-02T11:00:00Z',
        model: { artifact: { sha256: DIGEST, uri: 'gs://bkt/m/' } },
        cloud: 'gcp',
        stack: 'staging',
      },
      image: IMAGE,
      metrics: { auc: 0.91 },
      model: { artifact: { sha256: DIGEST, uri: 's3://bkt/m.tar.gz' }, registry: { version: 3, group: 'g' } },
      version: 'v3',
      schemaVersion: 1,
      baseline: undefined,
    };
    const value = releaseToConfigValue(release);
    expect(JSON.stringify(value)).toBe(
      JSON.stringify({
        schemaVersion: 1,
        version: 'v3',
        model: {
          registry: { group: 'g', version: 3 },
          artifact: { uri: 's3://bkt/m.tar.gz', sha256: DIGEST },
        },
        image: IMAGE,
        metrics: { auc: 0.91 },
        promotedFrom: {
          stack: 'staging',
          cloud: 'gcp',
          model: { artifact: { uri: 'gs://bkt/m/', sha256: DIGEST } },
          at: '2026-12-02T11:00:00Z',
        },
        releasedAt: '2026-12-02T11:00:00Z',
      }),
    );
    expect('baseline' in value).toBe(false);
    expect(parseRelease(value, WHERE)).toEqual(value);
  });
});

describe('releaseToConfigValue refuses what schema 1 cannot hold', () => {
  it('names what an upgraded schema 0 release must resolve before it is written', () => {
    const legacy = parseRelease(
      { version: 'v1', image: 'churn-serving:latest', modelPath: 'runs/3f9c/model/' },
      WHERE,
    );
    let error: ValidationError | undefined;
    try {
      releaseToConfigValue(legacy);
    } catch (err) {
      error = err as ValidationError;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(error!.resourceName).toBe('release v1 to be written as schema 1');
    expect(error!.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'model.artifact.uri: "runs/3f9c/model/" is a relative path: only schema 0 releases may give one',
      'model.artifact.sha256: is required',
      'image: "churn-serving:latest" names a tag, not a digest',
    ]);
  });

  it('writes an upgraded registry release once its image is by digest and its group is named', () => {
    const legacy = parseRelease({ version: 'v3', image: IMAGE, modelPackageVersion: 3 }, WHERE);
    expect(legacy.model).toEqual({ registry: { version: 3 } });
    expect(() => releaseToConfigValue(legacy)).toThrow(
      'model.registry.group: is missing: without the model package group the approval of the version cannot be checked',
    );
    const named = { ...legacy, model: { registry: { group: 'churn-models', version: 3 } } };
    expect(releaseToConfigValue(named)).toEqual({
      schemaVersion: 1,
      version: 'v3',
      model: { registry: { group: 'churn-models', version: 3 } },
      image: IMAGE,
    });
  });
});

describe('sameRelease', () => {
  const a = parseRelease(valid, WHERE);
  it('ignores releasedAt, promotedFrom.at and approval.at', () => {
    const b: Release = {
      ...a,
      releasedAt: '2027-01-01T00:00:00Z',
      promotedFrom: { ...a.promotedFrom!, at: '2027-01-01T00:00:00Z' },
      approval: { ...a.approval!, at: '2027-01-01T00:00:00Z' },
      metrics: { ...a.metrics },
    };
    expect(sameRelease(a, b)).toBe(true);
  });
  it.each<[string, Partial<Release>]>([
    ['version', { version: 'v4' }],
    ['image', { image: IMAGE.replace(/b{64}/, 'd'.repeat(64)) }],
    ['metrics', { metrics: { auc: 0.92 } }],
    ['approval.by', { approval: { by: 'bob@example.com', at: valid.approval.at } }],
    ['promotedFrom.stack', { promotedFrom: { stack: 'dev', cloud: 'gcp', at: valid.promotedFrom.at } }],
    ['model', { model: { registry: { version: 3 } } }],
    ['releasedAt removed is still the same', {}],
  ])('differs on %s', (what, change) => {
    expect(sameRelease(a, { ...a, ...change })).toBe(Object.keys(change).length === 0);
    void what;
  });
  it('compares upgraded schema 0 releases, which cannot be written', () => {
    const legacy = { version: 'v1', modelPath: 'runs/1/model/' };
    expect(sameRelease(parseRelease(legacy, WHERE), parseRelease({ ...legacy }, WHERE))).toBe(true);
    expect(
      sameRelease(
        parseRelease(legacy, WHERE),
        parseRelease({ ...legacy, modelPath: 'runs/2/model/' }, WHERE),
      ),
    ).toBe(false);
  });
  it('metric order does not matter, a missing metric does', () => {
    const two = { ...a, metrics: { auc: 0.91, f1: 0.5 } };
    expect(sameRelease(two, { ...a, metrics: { f1: 0.5, auc: 0.91 } })).toBe(true);
    expect(sameRelease(two, a)).toBe(false);
  });
});
