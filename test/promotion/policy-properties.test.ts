/** A policy file can hold any JSON: `parsePromotionPolicy` reads it or refuses it with a ValidationError, never a TypeError. */
import fc from 'fast-check';
import { ValidationError } from '../../lib/core/validation';
import { gatesFor, parsePromotionPolicy } from '../../lib/promotion/policy';

const gateKey = fc.constantFrom(
  'metrics',
  'notWorseThanTarget',
  'requireApproval',
  'minSoakMinutes',
  'noOpenAlarms',
  'min',
  'max',
  'auc',
  'alarmNamePrefix',
  'maxEvidenceAgeMinutes',
  '__proto__',
  'constructor',
);
const anyJson = fc.jsonValue({ maxDepth: 3 });
const gateSet = fc.dictionary(gateKey, fc.oneof(anyJson, fc.dictionary(gateKey, anyJson, { maxKeys: 3 })), {
  maxKeys: 4,
});

function readsOrRefuses(value: unknown, target: string): void {
  try {
    const policy = parsePromotionPolicy(value, 'promotion.json');
    expect(typeof gatesFor(policy, target)).toBe('object');
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    expect(err.problems.length).toBeGreaterThan(0);
  }
}

it('reads or refuses any JSON value', () => {
  fc.assert(fc.property(anyJson, fc.string({ maxLength: 6 }), readsOrRefuses), { numRuns: 300 });
});

it('reads or refuses policies of any gate shape', () => {
  fc.assert(
    fc.property(
      fc.record(
        {
          schemaVersion: anyJson,
          default: gateSet,
          targets: fc.dictionary(fc.string({ maxLength: 6 }), gateSet, { maxKeys: 3 }),
        },
        { requiredKeys: [] },
      ),
      fc.constantFrom('prod', 'staging', 'constructor', '__proto__'),
      readsOrRefuses,
    ),
    { numRuns: 500 },
  );
});
