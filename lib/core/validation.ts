/**
 * One error type for every construct: it lists every problem in the arguments at once, each with the arg's
 * path, what is wrong and how to fix it. Constructs throw it before they register any child resource.
 */

/** One thing wrong with the arguments. */
export interface Problem {
  /** Dotted path of the argument, such as `rollout.canaryPercent`. */
  readonly path: string;
  /** What is wrong, with the value that was given. */
  readonly message: string;
  /** What to do instead. */
  readonly fix: string;
}

/** Thrown by a construct whose arguments cannot be deployed; `problems` lists every one found. */
export class ValidationError extends Error {
  constructor(
    /** The construct type, such as `ModelEndpoint`. */
    readonly construct: string,
    /** The name the construct was given. */
    readonly resourceName: string,
    readonly problems: readonly Problem[],
  ) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const lines = problems.map((p) => `  - ${p.path}: ${p.message}. Fix: ${p.fix}.`);
    super(`${construct} "${resourceName}" has ${count} in its arguments:\n${lines.join('\n')}`);
    this.name = 'ValidationError';
  }
}

/** Collects problems while a construct's arguments are checked, then throws them together. */
export class ProblemList {
  private readonly problems: Problem[] = [];

  constructor(
    private readonly construct: string,
    private readonly resourceName: string,
  ) {}

  add(path: string, message: string, fix: string): void {
    this.problems.push({ path, message, fix });
  }

  /** Adds every problem of a nested check under `prefix`. */
  addAll(prefix: string, problems: readonly Problem[]): void {
    for (const p of problems) this.add(prefix ? `${prefix}.${p.path}` : p.path, p.message, p.fix);
  }

  get count(): number {
    return this.problems.length;
  }

  list(): readonly Problem[] {
    return [...this.problems];
  }

  throwIfAny(): void {
    if (this.problems.length > 0) throw new ValidationError(this.construct, this.resourceName, this.problems);
  }
}

/**
 * CDK encodes a number token as a finite double near -1.888e289 (`Token.asNumber`); no real argument is
 * that large.
 */
const CDK_NUMBER_TOKEN_MAGNITUDE = 1e280;

/**
 * A value is known when it is plain data. Pulumi Outputs, promises and CDK tokens are resolved only at
 * deploy time: validation skips them rather than guess. Everything else is known, including `NaN` and
 * `±Infinity`, which number checks then refuse.
 */
export function isKnown(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return !value.includes('${Token[');
  if (typeof value === 'number')
    return !(Number.isFinite(value) && Math.abs(value) >= CDK_NUMBER_TOKEN_MAGNITUDE);
  if (typeof value === 'object')
    return !('__pulumiOutput' in value) && typeof (value as { then?: unknown }).then !== 'function';
  return true;
}

/** The string when it is known at synth time, otherwise undefined. */
export function knownString(value: unknown): string | undefined {
  return typeof value === 'string' && isKnown(value) ? value : undefined;
}

/** Checks a whole number in [min, max]; returns the problem or nothing. */
export function checkInteger(
  problems: ProblemList,
  path: string,
  value: number | undefined,
  min: number,
  max: number,
  why = '',
): void {
  if (value === undefined || !isKnown(value)) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.add(
      path,
      `${value} is not a whole number from ${min} to ${max}${why ? ` (${why})` : ''}`,
      `use a whole number from ${min} to ${max}`,
    );
  }
}

/** Checks that a value is one of a fixed set of strings. */
export function checkOneOf<T extends string>(
  problems: ProblemList,
  path: string,
  value: unknown,
  allowed: readonly T[],
): value is T | undefined {
  if (value === undefined || allowed.includes(value as T)) return true;
  problems.add(
    path,
    `${JSON.stringify(value)} is not one of ${allowed.join(', ')}`,
    `use one of ${allowed.join(', ')}`,
  );
  return false;
}
