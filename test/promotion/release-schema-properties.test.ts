/**
 * A release comes from hand-edited YAML, a CDK context string or a file: whatever JSON it is, `parseRelease`
 * either returns a release that writes back to itself, or throws a `ValidationError` listing problems with
 * their fixes. Never a TypeError.
 */
import fc from 'fast-check';
import { ValidationError } from '../../lib/core/validation';
import { parseRelease, releaseToConfigValue } from '../../lib/promotion/release-schema';

const DIGEST = `sha256:${'e'.repeat(64)}`;

const validReleases: Record<string, unknown>[] = [
  {
    schemaVersion: 1,
    version: 'v3',
    model: {
      registry: { group: 'churn-prod', version: 3 },
      artifact: { uri: 's3://churn-models/v3/model.tar.gz', sha256: DIGEST },
    },
    image: `churn@${DIGEST}`,
    metrics: { auc: 0.91, f1: 0.7 },
    baseline: 'gs://churn-staging/baseline/r1/',
    approval: { by: 'alice@example.com', at: '2026-12-02T10:00:00Z' },
    promotedFrom: {
      stack: 'staging',
      cloud: 'gcp',
      image: `x/y@${DIGEST}`,
      model: { artifact: { uri: 'gs://churn-staging/m/', sha256: DIGEST } },
      at: '2026-12-02T11:00:00Z',
    },
    releasedAt: '2026-12-02T11:00:00Z',
  },
  { version: 'v3', image: 'churn:v3', modelPackageVersion: 3, baselinePath: 'baseline/q7/' },
  { version: 'v1', modelPath: 'runs/1/model/' },
];

/** Values of every wrong shape, and JSON of any shape. */
const wrong = fc.oneof(
  fc.constantFrom(
    null,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '',
    '3',
    0,
    -1,
    2,
    true,
    [],
    [null],
    {},
    { version: 1 },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

const key = fc.oneof(
  fc.constantFrom(
    'schemaVersion',
    'version',
    'model',
    'registry',
    'artifact',
    'uri',
    'sha256',
    'image',
    'metrics',
    'approval',
    'at',
    'by',
    'promotedFrom',
    'cloud',
    'modelPath',
    'modelPackageVersion',
    '__proto__',
    'constructor',
    'toString',
  ),
  fc.string({ maxLength: 8 }),
);

/** Replaces or adds the value at a path of keys in a copy of `base`. */
function setAt(base: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const object =
    typeof base === 'object' && base !== null && !Array.isArray(base)
      ? (base as Record<string, unknown>)
      : {};
  const copy: Record<string, unknown> = {};
  for (const k of Object.keys(object)) copy[k] = object[k];
  const [head, ...rest] = path;
  Object.defineProperty(copy, head, {
    value: setAt(Object.prototype.hasOwnProperty.call(object, head) ? object[head] : undefined, rest, value),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

function readsOrRefuses(value: unknown): void {
  let release;
  try {
    release = parseRelease(value, 'mlops:release of stack prop');
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    expect(err.problems.length).toBeGreaterThan(0);
    for (const p of err.problems) {
      expect(p.message).not.toBe('');
      expect(p.fix).not.toBe('');
    }
    return;
  }
  // What is accepted is written back unchanged and read again the same, except a schema 0 release that
  // schema 1 cannot hold as it is (relative path, no sha256, image by tag): writing it is refused.
  let written;
  try {
    written = releaseToConfigValue(release);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    expect((value as { schemaVersion?: unknown }).schemaVersion).toBeUndefined();
    return;
  }
  expect(parseRelease(written, 'written')).toEqual(release);
  expect(JSON.parse(JSON.stringify(written))).toEqual(written);
}

describe('parseRelease on any JSON value', () => {
  it('reads or refuses any JSON value', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), readsOrRefuses), { numRuns: 300 });
  });

  it('reads or refuses valid releases with wrong values or unknown keys at any depth', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...validReleases),
        fc.array(fc.tuple(fc.array(key, { minLength: 1, maxLength: 4 }), wrong), {
          minLength: 1,
          maxLength: 3,
        }),
        (base, edits) => {
          let value: unknown = base;
          for (const [path, v] of edits) value = setAt(value, path, v);
          readsOrRefuses(value);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('accepts the valid releases', () => {
    for (const r of validReleases) expect(() => parseRelease(r, 'valid')).not.toThrow();
  });
});
