import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliError } from '../../lib/cli/errors';
import { ValidationError, type Problem } from '../../lib/core/validation';
import {
  definePromotionPolicy,
  gatesFor,
  parsePromotionPolicy,
  unknownTargetHint,
  type PromotionPolicy,
} from '../../lib/promotion/policy';
import { loadPromotionPolicy } from '../../lib/promotion/policy-loader';

const POLICY: PromotionPolicy = {
  default: { metrics: { auc: { min: 0.8 } }, noOpenAlarms: true, minSoakMinutes: 30 },
  targets: {
    prod: { requireApproval: true, minSoakMinutes: 120, notWorseThanTarget: { auc: 'higher' } },
  },
};

function problemsOf(value: unknown): Problem[] {
  try {
    parsePromotionPolicy(value, 'promotion.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).construct).toBe('PromotionPolicy');
    expect((err as ValidationError).resourceName).toBe('promotion.yaml');
    return [...(err as ValidationError).problems];
  }
  throw new Error('accepted');
}

describe('parsePromotionPolicy', () => {
  it('returns a valid policy as given', () => {
    expect(parsePromotionPolicy(POLICY, 'promotion.yaml')).toEqual(POLICY);
    expect(parsePromotionPolicy({ schemaVersion: 1 }, 'p')).toEqual({ schemaVersion: 1 });
    expect(
      parsePromotionPolicy(
        { default: { noOpenAlarms: { alarmNamePrefix: 'churn-', maxEvidenceAgeMinutes: 15 } } },
        'p',
      ),
    ).toEqual({ default: { noOpenAlarms: { alarmNamePrefix: 'churn-', maxEvidenceAgeMinutes: 15 } } });
  });

  it('definePromotionPolicy returns its argument', () => {
    expect(definePromotionPolicy(POLICY)).toBe(POLICY);
  });

  it('suggests the gate name meant', () => {
    expect(
      problemsOf({ default: { minSoakMinute: 30 }, targets: { prod: { requireAproval: true } } }),
    ).toEqual([
      {
        path: 'default.minSoakMinute',
        message: 'is not a known argument',
        fix: 'did you mean `minSoakMinutes`?',
      },
      {
        path: 'targets.prod.requireAproval',
        message: 'is not a known argument',
        fix: 'did you mean `requireApproval`?',
      },
    ]);
    expect(problemsOf({ defaults: {} })).toEqual([
      { path: 'defaults', message: 'is not a known argument', fix: 'did you mean `default`?' },
    ]);
  });

  it('lists every problem at once, with the fix', () => {
    expect(
      problemsOf({
        schemaVersion: 2,
        default: {
          metrics: { auc: { min: 0.9, max: 0.8 }, loss: {}, f1: { min: '0.5' } },
          notWorseThanTarget: { auc: 'bigger' },
          requireApproval: 'yes',
          minSoakMinutes: 1.5,
          noOpenAlarms: { maxEvidenceAgeMinutes: 0, alarmNamePrefix: '' },
        },
        targets: { prod: { noOpenAlarms: 'true' }, staging: { minSoakMinutes: -1 } },
      }),
    ).toEqual([
      {
        path: 'schemaVersion',
        message: 'is 2: this policy was written for a newer mlops-constructs, which knows schema 1 at most',
        fix: 'upgrade mlops-constructs in this project',
      },
      {
        path: 'default.metrics.f1.min',
        message: 'is the string "0.5", not a number',
        fix: 'give a number, such as `0.8` (without quotes; in YAML write 0.5, not "0.5")',
      },
      {
        path: 'default.notWorseThanTarget.auc',
        message: '"bigger" is not one of higher, lower',
        fix: 'did you mean `higher`? Use one of higher, lower',
      },
      {
        path: 'default.requireApproval',
        message: 'is the string "yes", not true or false',
        fix: 'give true or false',
      },
      {
        path: 'targets.prod.noOpenAlarms',
        message: 'is the string "true", not true, false or an object',
        fix: 'give `true`, or `{ alarmNamePrefix, maxEvidenceAgeMinutes }`',
      },
      {
        path: 'default.metrics.auc',
        message: 'min 0.9 is greater than max 0.8: no value can pass',
        fix: 'give a min at most the max',
      },
      {
        path: 'default.metrics.loss',
        message: 'has neither `min` nor `max`',
        fix: 'give `min` and/or `max`, such as `{ min: 0.8 }`',
      },
      {
        path: 'default.minSoakMinutes',
        message: 'is 1.5, not a whole number of minutes',
        fix: 'give a whole number of minutes from 0, such as `60`',
      },
      {
        path: 'default.noOpenAlarms.maxEvidenceAgeMinutes',
        message: 'is 0, not a positive number of minutes',
        fix: 'give how old the alarm evidence may be, in minutes (default 60)',
      },
      {
        path: 'default.noOpenAlarms.alarmNamePrefix',
        message: 'is empty',
        fix: 'give the prefix of the alarms that count, such as `churn-staging-`, or leave it out for every alarm',
      },
      {
        path: 'targets.staging.minSoakMinutes',
        message: 'is -1, not a whole number of minutes',
        fix: 'give a whole number of minutes from 0, such as `60`',
      },
    ]);
  });

  it('says where gates written at the top level go', () => {
    expect(problemsOf({ requireApproval: true, targets: {} })).toEqual([
      {
        path: 'requireApproval',
        message: 'is a gate, not a policy field',
        fix: 'put it under `default:` (every target) or `targets.<stack>:`, such as `default: { requireApproval: ... }`',
      },
    ]);
  });

  it('refuses a policy that is no object', () => {
    expect(problemsOf(['requireApproval'])).toEqual([
      {
        path: 'policy',
        message: 'is a list, not an object',
        fix: 'give an object with `default` and/or `targets`, such as `{ default: { requireApproval: true } }`',
      },
    ]);
  });
});

describe('gatesFor', () => {
  it("replaces the default's fields by the target's, field by field", () => {
    expect(gatesFor(POLICY, 'prod')).toEqual({
      metrics: { auc: { min: 0.8 } },
      noOpenAlarms: true,
      minSoakMinutes: 120,
      requireApproval: true,
      notWorseThanTarget: { auc: 'higher' },
    });
    expect(gatesFor(POLICY, 'staging')).toEqual(POLICY.default);
    expect(gatesFor({}, 'prod')).toEqual({});
    expect(gatesFor({ targets: { prod: { noOpenAlarms: false } } }, 'prod')).toEqual({ noOpenAlarms: false });
    expect(gatesFor(POLICY, 'constructor')).toEqual(POLICY.default);
  });

  it('hints at a misspelt target', () => {
    expect(unknownTargetHint(POLICY, 'prd')).toBe(
      'the policy has no gates for target prd: did you mean `prod`?',
    );
    expect(unknownTargetHint(POLICY, 'prod')).toBeUndefined();
    expect(unknownTargetHint(POLICY, 'staging')).toBeUndefined();
  });
});

describe('loadPromotionPolicy', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-policy-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
  const libRoot = path.resolve(__dirname, '../../lib/promotion/policy');

  it('finds nothing: the empty policy', () => {
    expect(loadPromotionPolicy(dir)).toEqual({ policy: {} });
  });

  it('reads promotion.yaml, keeping comments out of the way', () => {
    write(
      'promotion.yaml',
      '# gates\ndefault:\n  metrics:\n    auc: { min: 0.8 }\ntargets:\n  prod:\n    requireApproval: true\n',
    );
    expect(loadPromotionPolicy(dir)).toEqual({
      policy: { default: { metrics: { auc: { min: 0.8 } } }, targets: { prod: { requireApproval: true } } },
      file: path.join(dir, 'promotion.yaml'),
    });
  });

  it('reads promotion.yml and promotion.json', () => {
    write('promotion.yml', 'default: { minSoakMinutes: 10 }\n');
    expect(loadPromotionPolicy(dir).policy).toEqual({ default: { minSoakMinutes: 10 } });
    fs.rmSync(path.join(dir, 'promotion.yml'));
    write('promotion.json', JSON.stringify({ default: { noOpenAlarms: true } }));
    expect(loadPromotionPolicy(dir)).toEqual({
      policy: { default: { noOpenAlarms: true } },
      file: path.join(dir, 'promotion.json'),
    });
  });

  it('reads a promotion.ts exporting default, before any YAML', () => {
    write(
      'promotion.ts',
      `import { definePromotionPolicy } from ${JSON.stringify(libRoot)};\nexport default definePromotionPolicy({ targets: { prod: { requireApproval: true } } });\n`,
    );
    write('promotion.yaml', 'default: { minSoakMinutes: 10 }\n');
    expect(loadPromotionPolicy(dir)).toEqual({
      policy: { targets: { prod: { requireApproval: true } } },
      file: path.join(dir, 'promotion.ts'),
    });
  });

  it('reads a module named by --policy exporting promotionPolicy, relative to the project', () => {
    fs.mkdirSync(path.join(dir, 'ci'));
    write('ci/gates.js', 'exports.promotionPolicy = { default: { minSoakMinutes: 5 } };\n');
    expect(loadPromotionPolicy(dir, 'ci/gates.js')).toEqual({
      policy: { default: { minSoakMinutes: 5 } },
      file: path.join(dir, 'ci/gates.js'),
    });
  });

  it('loads a module from a project directory given relative to the working directory', () => {
    fs.mkdirSync(path.join(dir, 'ci'));
    write('ci/gates.js', 'module.exports = { default: { default: { requireApproval: true } } };\n');
    const relative = path.relative(process.cwd(), dir);
    expect(path.isAbsolute(relative)).toBe(false);
    expect(loadPromotionPolicy(relative, 'ci/gates.js')).toEqual({
      policy: { default: { requireApproval: true } },
      file: path.join(dir, 'ci/gates.js'),
    });
  });

  it('a YAML file of comments only is the empty policy', () => {
    write('promotion.yaml', '# no gates yet\n');
    expect(loadPromotionPolicy(dir).policy).toEqual({});
  });

  it('names the file in a policy ValidationError', () => {
    write('promotion.yaml', 'default:\n  requireAproval: true\n');
    expect(() => loadPromotionPolicy(dir)).toThrow(
      'PromotionPolicy "promotion.yaml" has 1 problem in its arguments:\n  - default.requireAproval: is not a known argument. Fix: did you mean `requireApproval`?.',
    );
  });

  it.each<[string, string, string | undefined, RegExp]>([
    ['bad YAML', 'promotion.yaml', 'default: [\n', /^policy file .*promotion\.yaml is not valid YAML: /],
    ['bad JSON', 'promotion.json', '{ default: }', /^policy file .*promotion\.json is not valid JSON: /],
    [
      'no export',
      'promotion.ts',
      'export const gates = {};\n',
      /exports neither `default` nor `promotionPolicy`: write `export default definePromotionPolicy\(\{ \.\.\. \}\)`$/,
    ],
    [
      'a throwing module',
      'promotion.ts',
      'throw new Error("boom");\n',
      /^policy file .*promotion\.ts: cannot load it: boom$/,
    ],
    [
      'a missing --policy file',
      'x',
      undefined,
      /^policy file .*nope\.yaml does not exist: give the path of a promotion\.ts, \.yaml or \.json file$/,
    ],
    [
      'another extension',
      'gates.toml',
      'x = 1\n',
      /a policy is a \.ts or \.js module, or a \.yaml, \.yml or \.json file, not \.toml$/,
    ],
  ])('refuses %s with a CliError', (_, name, text, message) => {
    let file: string | undefined;
    if (text !== undefined) write(name, text);
    if (name === 'x') file = 'nope.yaml';
    if (name === 'gates.toml') file = 'gates.toml';
    let error: unknown;
    try {
      loadPromotionPolicy(dir, file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toMatch(message);
  });
});
