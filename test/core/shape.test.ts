import { closestName, editDistance } from '../../lib/core/did-you-mean';
import {
  bool,
  describeValue,
  input,
  list,
  map,
  num,
  object,
  oneOf,
  required,
  str,
} from '../../lib/core/shape';
import { isKnown, ProblemList } from '../../lib/core/validation';

/** Reads `value` with `shape` and returns what came back and the problems, as `path: message. fix`. */
function read<T>(shape: { read(p: ProblemList, path: string, v: unknown): T | undefined }, value: unknown) {
  const problems = new ProblemList('Test', 't');
  const out = shape.read(problems, 'x', value);
  return { out, problems: problems.list().map((p) => `${p.path}: ${p.message}. ${p.fix}`) };
}

describe('describeValue', () => {
  it.each([
    [null, 'null'],
    [[], 'an empty list'],
    [['a'], 'a list'],
    ['python train.py', 'the string "python train.py"'],
    [3, 'the number 3'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
    [true, 'the boolean true'],
    [{ a: 1 }, 'an object'],
    [Promise.resolve('x'), 'a value known only at deploy time (an Output or a promise)'],
  ])('%p reads as %s', (value, words) => {
    expect(describeValue(value)).toBe(words);
  });
});

describe('isKnown', () => {
  it('treats NaN and ±Infinity as known values (so number checks refuse them), CDK number tokens as unknown', () => {
    expect(isKnown(Number.NaN)).toBe(true);
    expect(isKnown(Number.POSITIVE_INFINITY)).toBe(true);
    expect(isKnown(-Infinity)).toBe(true);
    // What aws-cdk-lib's Token.asNumber returns for an unresolved value.
    expect(isKnown(-1.8881545897087626e289)).toBe(false);
    expect(isKnown('${Token[TOKEN.12]}')).toBe(false);
    expect(isKnown({ __pulumiOutput: true })).toBe(false);
  });
});

describe('shapes', () => {
  it('a string refuses a number, saying to quote it', () => {
    expect(read(str('`"v3"`'), 3)).toEqual({
      out: undefined,
      problems: [
        'x: is the number 3, not a string. give a string, such as `"v3"` (quote it; in YAML write "3", not 3)',
      ],
    });
    expect(read(str(), 'v3')).toEqual({ out: 'v3', problems: [] });
  });

  it('a string refuses an Output; an input accepts it', () => {
    const output = { __pulumiOutput: true };
    expect(read(str(), output).problems).toEqual([
      'x: is a value known only at deploy time (an Output or a promise), not a string. give a string',
    ]);
    expect(read(input(), output)).toEqual({ out: output, problems: [] });
  });

  it('a number refuses NaN, Infinity and numbers written as strings', () => {
    expect(read(num(), Number.NaN).problems).toEqual(['x: is NaN, not a number. give a number']);
    expect(read(num(), Infinity).problems).toEqual(['x: is Infinity, not a number. give a number']);
    expect(read(num(), '3').problems).toEqual([
      'x: is the string "3", not a number. give a number (without quotes; in YAML write 3, not "3")',
    ]);
    expect(read(num(), -1.8881545897087626e289).problems).toEqual([]);
    expect(read(num(), 0)).toEqual({ out: 0, problems: [] });
  });

  it('a boolean refuses the string "true"', () => {
    expect(read(bool(), 'true').problems).toEqual([
      'x: is the string "true", not true or false. give true or false',
    ]);
  });

  it('a list refuses a string (it is not split into characters), an object and null elements', () => {
    const command = list(str(), '`["python", "train.py"]`');
    expect(read(command, 'python train.py')).toEqual({
      out: undefined,
      problems: [
        'x: is the string "python train.py", not a list of strings. give a list of strings, such as `["python", "train.py"]`',
      ],
    });
    expect(read(command, { 0: 'python' }).problems).toEqual([
      'x: is an object, not a list of strings. give a list of strings, such as `["python", "train.py"]`',
    ]);
    expect(read(command, ['python', null, 3]).problems).toEqual([
      'x[1]: is null. remove it, or give a string',
      'x[2]: is the number 3, not a string. give a string (quote it; in YAML write "3", not 3)',
    ]);
    expect(read(command, ['python', 'train.py'])).toEqual({ out: ['python', 'train.py'], problems: [] });
  });

  it('a map refuses a list, null values and values that are not strings', () => {
    const env = map(str());
    expect(read(env, ['A=1']).problems).toEqual([
      'x: is a list, not an object of strings. give an object of strings',
    ]);
    expect(read(env, { A: 1, B: null, C: 'c' }).problems).toEqual([
      'x.A: is the number 1, not a string. give a string (quote it; in YAML write "1", not 1)',
      'x.B: is null. give a string, or remove the key',
    ]);
  });

  it('one of a set suggests the nearest value', () => {
    expect(read(oneOf(['canary', 'linear', 'all-at-once'] as const), 'canery').problems).toEqual([
      'x: "canery" is not one of canary, linear, all-at-once. did you mean `canary`? Use one of canary, linear, all-at-once',
    ]);
  });

  it('an object reports unknown keys with the nearest known key, nested too, and keeps only right values', () => {
    interface Inner {
      canaryPercent?: number;
    }
    interface Outer {
      minInstances?: number;
      rollout?: Inner;
      name: string;
    }
    const shape = object<Outer>({
      minInstances: num(),
      rollout: object<Inner>({ canaryPercent: num() }),
      name: required(str()),
    });
    expect(read(shape, { minInstance: 2, rollout: { canaryPercnt: 5 }, name: 'n' })).toEqual({
      out: { rollout: {}, name: 'n' },
      problems: [
        'x.minInstance: is not a known argument. did you mean `minInstances`?',
        'x.rollout.canaryPercnt: is not a known argument. did you mean `canaryPercent`?',
      ],
    });
    expect(read(shape, { zzz: 1, name: 'n' }).problems).toEqual([
      'x.zzz: is not a known argument. remove it; the arguments here are minInstances, rollout, name',
    ]);
    expect(read(shape, { minInstances: null }).problems).toEqual([
      'x.minInstances: is null. give a number, or leave `minInstances` out for its default',
      'x.name: is required. give a string',
    ]);
  });
});

describe('did you mean', () => {
  it('counts edits, a swap of neighbours as one, ignoring case', () => {
    expect(editDistance('rolout', 'rollout')).toBe(1);
    expect(editDistance('schedul', 'schedule')).toBe(1);
    expect(editDistance('mniInstances', 'minInstances')).toBe(1);
    expect(editDistance('MinInstances', 'minInstances')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests only names near enough to be a typo', () => {
    const keys = ['minInstances', 'maxInstances', 'rollout', 'schedule', 'port'];
    expect(closestName('minInstance', keys)).toBe('minInstances');
    expect(closestName('rolout', keys)).toBe('rollout');
    expect(closestName('schedul', keys)).toBe('schedule');
    expect(closestName('prot', keys)).toBe('port');
    expect(closestName('region', keys)).toBeUndefined();
  });
});
