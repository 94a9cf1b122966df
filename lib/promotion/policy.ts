/**
 * The promotion policy: the gates `mlops promote` checks before it writes a target stack's release. Declared in
 * the program's project as `promotion.ts` (`export default definePromotionPolicy({...})`) or as
 * `promotion.yaml|yml|json`, and checked like construct args (`ValidationError`, construct `PromotionPolicy`).
 */
import { closestName } from '../core/did-you-mean';
import { bool, describeValue, map, num, object, oneOf, str, type Shape } from '../core/shape';
import { ProblemList } from '../core/validation';

/** Thresholds one metric of the source release must meet. At least one of `min` and `max`. */
export interface MetricThreshold {
  /** The metric must be at least this. Default: no lower bound. */
  readonly min?: number;
  /** The metric must be at most this. Default: no upper bound. */
  readonly max?: number;
}

/** The `noOpenAlarms` gate's options. */
export interface NoOpenAlarmsOptions {
  /** Only alarms whose name starts with this count, such as `churn-staging-`. Default: every open alarm. */
  readonly alarmNamePrefix?: string;
  /** Evidence older than this many minutes fails the gate. Default: 60. */
  readonly maxEvidenceAgeMinutes?: number;
}

/** The gates of one promotion target. Every field is optional: a gate not named is not checked. */
export interface GateSet {
  /** Thresholds on the source release's `metrics`, such as `{ auc: { min: 0.8 } }`. Default: none. */
  readonly metrics?: Readonly<Record<string, MetricThreshold>>;
  /**
   * Metrics that must not be worse than in the release the target serves now: `higher` is better (auc) or
   * `lower` is better (latency). Passes when the target serves nothing yet. Default: none.
   */
  readonly notWorseThanTarget?: Readonly<Record<string, 'higher' | 'lower'>>;
  /** The promotion needs `--approved-by <who>`. Default: false. */
  readonly requireApproval?: boolean;
  /** The source release must have served in the source stack this many minutes (its `releasedAt`). Default: none. */
  readonly minSoakMinutes?: number;
  /**
   * No alarm may be open in the source stage: evidence from `--alarms-evidence <file>` or the cloud's API.
   * `true` = with the default options. Default: false.
   */
  readonly noOpenAlarms?: boolean | NoOpenAlarmsOptions;
}

/** A promotion policy: default gates, and per target stack gates that replace them field by field. */
export interface PromotionPolicy {
  /** The policy schema. Default: 1. */
  readonly schemaVersion?: 1;
  /** Gates of every target. Default: none. */
  readonly default?: GateSet;
  /** Gates of one target stack (by stack name); each field given replaces the same field of `default`. Default: none. */
  readonly targets?: Readonly<Record<string, GateSet>>;
}

/** Default of `noOpenAlarms.maxEvidenceAgeMinutes`. */
export const DEFAULT_MAX_EVIDENCE_AGE_MINUTES = 60;

/** Types a policy in a `promotion.ts` module: `export default definePromotionPolicy({ ... })`. */
export function definePromotionPolicy(policy: PromotionPolicy): PromotionPolicy {
  return policy;
}

const alarmOptionsShape = object<NoOpenAlarmsOptions>({
  alarmNamePrefix: str('`churn-staging-`'),
  maxEvidenceAgeMinutes: num('`60`'),
});

/** `true`, `false` or the options object. */
const noOpenAlarmsShape: Shape<boolean | NoOpenAlarmsOptions> = {
  expected: 'true, false or an object',
  example: '`true` or `{ alarmNamePrefix: churn-staging- }`',
  read(problems, path, value) {
    if (value === undefined) return undefined;
    if (typeof value === 'boolean') return value;
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return alarmOptionsShape.read(problems, path, value);
    problems.add(
      path,
      `is ${describeValue(value)}, not true, false or an object`,
      'give `true`, or `{ alarmNamePrefix, maxEvidenceAgeMinutes }`',
    );
    return undefined;
  },
};

const gateSetShape = object<GateSet>({
  metrics: map(object<MetricThreshold>({ min: num('`0.8`'), max: num('`1`') }), '`{ auc: { min: 0.8 } }`'),
  notWorseThanTarget: map(oneOf(['higher', 'lower'] as const), '`{ auc: higher }`'),
  requireApproval: bool(),
  minSoakMinutes: num('`60`'),
  noOpenAlarms: noOpenAlarmsShape,
});

const policyShape = object<PromotionPolicy>({
  // Checked on its own: reported once, with its own fix.
  schemaVersion: { expected: '1', read: (_, __, v) => v as 1 },
  default: gateSetShape,
  targets: map(gateSetShape, '`{ prod: { requireApproval: true } }`'),
});

/** The gate names of a `GateSet`, for messages. */
export const GATE_NAMES = gateSetShape.keys;

/**
 * Checks a policy read from a file or module. `where` names it, such as `promotion.yaml`. Throws a
 * `ValidationError` (construct `PromotionPolicy`) listing every problem; unknown gate names get a
 * "did you mean".
 */
export function parsePromotionPolicy(value: unknown, where: string): PromotionPolicy {
  const problems = new ProblemList('PromotionPolicy', where);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.add(
      'policy',
      `is ${describeValue(value)}, not an object`,
      'give an object with `default` and/or `targets`, such as `{ default: { requireApproval: true } }`',
    );
    problems.throwIfAny();
  }
  const raw = value as Record<string, unknown>;
  if (raw.schemaVersion !== undefined && raw.schemaVersion !== 1) {
    const newer =
      typeof raw.schemaVersion === 'number' && Number.isInteger(raw.schemaVersion) && raw.schemaVersion > 1;
    problems.add(
      'schemaVersion',
      newer
        ? `is ${raw.schemaVersion}: this policy was written for a newer mlops-constructs, which knows schema 1 at most`
        : `is ${describeValue(raw.schemaVersion)}, not 1`,
      newer ? 'upgrade mlops-constructs in this project' : 'give `schemaVersion: 1`, or leave it out',
    );
  }
  // Gates written at the top level belong under `default` or a target: say so rather than "unknown key".
  const policyFields: Record<string, unknown> = {};
  for (const [key, given] of Object.entries(raw)) {
    if ((GATE_NAMES as readonly string[]).includes(key))
      problems.add(
        key,
        'is a gate, not a policy field',
        `put it under \`default:\` (every target) or \`targets.<stack>:\`, such as \`default: { ${key}: ... }\``,
      );
    else policyFields[key] = given;
  }
  const read = policyShape.read(problems, '', policyFields);
  if (read?.default) checkGateSet(problems, 'default', read.default, raw.default);
  // Each target is range-checked even when another has a wrong shape (which leaves `read.targets` out).
  const rawTargets = raw.targets;
  if (typeof rawTargets === 'object' && rawTargets !== null && !Array.isArray(rawTargets)) {
    for (const [stack, given] of Object.entries(rawTargets)) {
      const gates = gateSetShape.read(new ProblemList('PromotionPolicy', where), '', given);
      if (gates) checkGateSet(problems, `targets.${stack}`, gates, given);
    }
  }
  problems.throwIfAny();
  const policy: { -readonly [K in keyof PromotionPolicy]: PromotionPolicy[K] } = {};
  if (read?.schemaVersion !== undefined) policy.schemaVersion = 1;
  if (read?.default !== undefined) policy.default = read.default;
  if (read?.targets !== undefined) policy.targets = read.targets;
  return policy;
}

/** Range checks of a gate set whose shape has been read; `raw` is what was given (a bound of the wrong type is not missing). */
function checkGateSet(problems: ProblemList, path: string, gates: GateSet, raw: unknown): void {
  const rawMetrics = (raw as { metrics?: Record<string, Record<string, unknown>> }).metrics;
  for (const [name, threshold] of Object.entries(gates.metrics ?? {})) {
    const at = `${path}.metrics.${name}`;
    const given = rawMetrics?.[name];
    if (given?.min === undefined && given?.max === undefined)
      problems.add(
        at,
        'has neither `min` nor `max`',
        `give \`min\` and/or \`max\`, such as \`{ min: 0.8 }\``,
      );
    if (threshold.min !== undefined && threshold.max !== undefined && threshold.min > threshold.max)
      problems.add(
        at,
        `min ${threshold.min} is greater than max ${threshold.max}: no value can pass`,
        'give a min at most the max',
      );
  }
  const soak = gates.minSoakMinutes;
  if (soak !== undefined && !(Number.isInteger(soak) && soak >= 0))
    problems.add(
      `${path}.minSoakMinutes`,
      `is ${soak}, not a whole number of minutes`,
      'give a whole number of minutes from 0, such as `60`',
    );
  if (typeof gates.noOpenAlarms === 'object') {
    const age = gates.noOpenAlarms.maxEvidenceAgeMinutes;
    if (age !== undefined && !(age > 0))
      problems.add(
        `${path}.noOpenAlarms.maxEvidenceAgeMinutes`,
        `is ${age}, not a positive number of minutes`,
        `give how old the alarm evidence may be, in minutes (default ${DEFAULT_MAX_EVIDENCE_AGE_MINUTES})`,
      );
    if (gates.noOpenAlarms.alarmNamePrefix === '')
      problems.add(
        `${path}.noOpenAlarms.alarmNamePrefix`,
        'is empty',
        'give the prefix of the alarms that count, such as `churn-staging-`, or leave it out for every alarm',
      );
  }
}

/** The gates of a promotion into `targetStack`: `targets[targetStack]` over `default`, field by field. */
export function gatesFor(policy: PromotionPolicy, targetStack: string): GateSet {
  const base: Record<string, unknown> = { ...(policy.default ?? {}) };
  const targets = policy.targets ?? {};
  const own = Object.prototype.hasOwnProperty.call(targets, targetStack) ? targets[targetStack] : undefined;
  for (const [key, value] of Object.entries(own ?? {})) if (value !== undefined) base[key] = value;
  return base as GateSet;
}

/** The target stack names a policy has gates for, and the closest one to `stack` when it has none: for warnings. */
export function unknownTargetHint(policy: PromotionPolicy, stack: string): string | undefined {
  const names = Object.keys(policy.targets ?? {});
  if (names.length === 0 || names.includes(stack)) return undefined;
  const near = closestName(stack, names);
  return near ? `the policy has no gates for target ${stack}: did you mean \`${near}\`?` : undefined;
}
