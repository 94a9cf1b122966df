/**
 * Shape checks: the first pass over arguments that come from stack config, JSON or untyped code. Each arg
 * interface is described once as a `Shape` (its keys are the known-key list, checked by the compiler to be
 * every key of the interface), and `readShape` returns a copy in which every value has the type the
 * interface promises: a value of the wrong shape is reported and left out, so the range checks that follow
 * never meet a string where they expect a list, `null`, `NaN` or an unknown key.
 */
import { closestName } from './did-you-mean';
import { isKnown, type ProblemList } from './validation';

/** How one value is checked. `T` is the type the value has when the check passes. */
export interface Shape<T> {
  /** What the value should be, in words: `a string`, `a list of strings`. */
  readonly expected: string;
  /** An example of a right value, used in the fix. */
  readonly example?: string;
  /** The value must be given. */
  readonly required?: boolean;
  /** The value with the right shape, or undefined after reporting why not. */
  read(problems: ProblemList, path: string, value: unknown): T | undefined;
  /** Marks the type for the compiler only. */
  readonly _type?: T;
}

/** Field shapes of an object: every key of `T`, and no other. */
export type Fields<T> = { readonly [K in keyof T]-?: Shape<NonNullable<T[K]>> };

/** An object shape, which also knows its keys. */
export interface ObjectShape<T> extends Shape<T> {
  readonly fields: Fields<T>;
  readonly keys: readonly (keyof T & string)[];
}

/** Words for a value in a message: `the number 3`, `a list`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
    case 'number':
      return Number.isNaN(value) ? 'NaN' : Number.isFinite(value) ? `the number ${value}` : String(value);
    case 'boolean':
      return `the boolean ${value}`;
    case 'object':
      return isUnknown(value) ? 'a value known only at deploy time (an Output or a promise)' : 'an object';
    default:
      return `a ${typeof value}`;
  }
}

/** A Pulumi Output, a promise or another deploy-time value. CDK tokens are strings or numbers: see `isKnown`. */
function isUnknown(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !isKnown(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isUnknown(value);
}

function wrongShape(problems: ProblemList, path: string, value: unknown, shape: Shape<unknown>): undefined {
  const extra =
    typeof value === 'string' && shape.expected.startsWith('a number')
      ? ` (without quotes; in YAML write ${value}, not "${value}")`
      : typeof value === 'number' && shape.expected === 'a string'
        ? ` (quote it; in YAML write "${value}", not ${value})`
        : '';
  problems.add(
    path,
    `is ${describeValue(value)}, not ${shape.expected}`,
    `give ${shape.expected}${shape.example ? `, such as ${shape.example}` : ''}${extra}`,
  );
  return undefined;
}

function shape<T>(
  expected: string,
  accept: (problems: ProblemList, path: string, value: unknown) => T | undefined | 'wrong',
  example?: string,
): Shape<T> {
  const self: Shape<T> = {
    expected,
    example,
    read(problems, path, value) {
      if (value === undefined) return undefined;
      const out = accept(problems, path, value);
      return out === 'wrong' ? wrongShape(problems, path, value, self) : out;
    },
  };
  return self;
}

/** A string known when the program runs (CDK string tokens pass: they are strings). */
export function str(example?: string): Shape<string> {
  return shape('a string', (_, __, v) => (typeof v === 'string' ? v : 'wrong'), example);
}

/** A string, or a value known only at deploy time (`pulumi.Input<string>`). */
export function input<T = string>(example?: string): Shape<T> {
  return shape<T>(
    'a string',
    (_, __, v) => (typeof v === 'string' || isUnknown(v) ? (v as T) : 'wrong'),
    example,
  );
}

/** A finite number: `NaN` and `±Infinity` never pass (CDK number tokens do, being known at deploy). */
export function num(example?: string): Shape<number> {
  return shape(
    'a number',
    (_, __, v) => (typeof v === 'number' && (Number.isFinite(v) || !isKnown(v)) ? v : 'wrong'),
    example,
  );
}

export function bool(): Shape<boolean> {
  return shape('true or false', (_, __, v) => (typeof v === 'boolean' ? v : 'wrong'));
}

/** One of a fixed set of strings. */
export function oneOf<T extends string>(allowed: readonly T[]): Shape<T> {
  return shape<T>('a string', (problems, path, v) => {
    if (typeof v !== 'string') return 'wrong';
    if (allowed.includes(v as T)) return v as T;
    const near = closestName(v, allowed);
    problems.add(
      path,
      `${JSON.stringify(v)} is not one of ${allowed.join(', ')}`,
      near
        ? `did you mean \`${near}\`? Use one of ${allowed.join(', ')}`
        : `use one of ${allowed.join(', ')}`,
    );
    return undefined;
  });
}

/** A list whose elements each have `element`'s shape; `null` and wrong elements are reported by index. */
export function list<E>(element: Shape<E>, example?: string): Shape<E[]> {
  return shape<E[]>(
    `a list of ${element.expected.replace(/^an? /, '')}s`,
    (problems, path, v) => {
      if (!Array.isArray(v)) return 'wrong';
      const out: E[] = [];
      let ok = true;
      v.forEach((item: unknown, i) => {
        const at = `${path}[${i}]`;
        if (item === null || item === undefined) {
          problems.add(
            at,
            `is ${item === null ? 'null' : 'empty'}`,
            `remove it, or give ${element.expected}`,
          );
          ok = false;
          return;
        }
        const read = element.read(problems, at, item);
        if (read === undefined) ok = false;
        else out.push(read);
      });
      return ok ? out : undefined;
    },
    example,
  );
}

/** An object of string keys to values of one shape (environment variables, tags). */
export function map<V>(value: Shape<V>, example?: string): Shape<Record<string, V>> {
  return shape<Record<string, V>>(
    `an object of ${value.expected.replace(/^an? /, '')}s`,
    (problems, path, v) => {
      if (!isPlainObject(v)) return 'wrong';
      const out: Record<string, V> = {};
      let ok = true;
      for (const [key, item] of Object.entries(v)) {
        const read = item === null ? undefined : value.read(problems, `${path}.${key}`, item);
        if (item === null)
          problems.add(`${path}.${key}`, 'is null', `give ${value.expected}, or remove the key`);
        if (read === undefined) ok = false;
        else out[key] = read;
      }
      return ok ? out : undefined;
    },
    example,
  );
}

/** Any value: checked elsewhere (the platform, which has its own shape). */
export function anything<T>(): Shape<T> {
  return shape<T>('a value', (_, __, v) => v as T);
}

/** The same shape, but the value must be given; `fix` says what to give when it is missing. */
export function required<T>(inner: Shape<T>, fix?: string): Shape<T> {
  return {
    ...inner,
    required: true,
    read(problems, path, value) {
      if (value === undefined || value === null) {
        problems.add(
          path,
          'is required',
          fix ?? `give ${inner.expected}${inner.example ? `, such as ${inner.example}` : ''}`,
        );
        return undefined;
      }
      return inner.read(problems, path, value);
    },
  };
}

/**
 * An object with exactly these fields. Keys it does not know are reported with the closest known key; a
 * field of the wrong shape is reported and left out of the copy returned.
 */
export function object<T>(fields: Fields<T>, example?: string): ObjectShape<T> {
  const keys = Object.keys(fields) as (keyof T & string)[];
  const self: ObjectShape<T> = {
    fields,
    keys,
    ...shape<T>(
      'an object',
      (problems, path, v) => {
        if (!isPlainObject(v)) return 'wrong';
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(v)) {
          if (keys.includes(key as keyof T & string)) continue;
          problems.add(join(path, key), ...unknownKey(key, keys));
        }
        for (const key of keys) {
          const field = fields[key] as Shape<unknown>;
          const raw = v[key];
          if (raw === null && !field.required) {
            problems.add(
              join(path, key),
              'is null',
              `give ${field.expected}, or leave \`${key}\` out for its default`,
            );
            continue;
          }
          const read = field.read(problems, join(path, key), raw);
          if (read !== undefined) out[key] = read;
        }
        return out as T;
      },
      example,
    ),
  };
  return self;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function unknownKey(key: string, keys: readonly string[]): [string, string] {
  const near = closestName(key, keys);
  return near
    ? ['is not a known argument', `did you mean \`${near}\`?`]
    : ['is not a known argument', `remove it; the arguments here are ${keys.join(', ')}`];
}

/**
 * Checks `value` against `shape` at the top level: the whole value is required, and the copy returned
 * holds only values of the right shape.
 */
export function readShape<T>(
  problems: ProblemList,
  path: string,
  value: unknown,
  shape: Shape<T>,
): T | undefined {
  return shape.read(problems, path, value);
}
