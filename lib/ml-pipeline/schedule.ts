/**
 * Retraining schedules: one portable form (`rate(...)` or a five-field Unix `cron(...)`), checked once and
 * turned into each scheduler's own dialect. Pure functions, no cloud SDKs.
 */

export type RateUnit = 'minutes' | 'hours' | 'days';

/** A checked schedule. */
export type ParsedSchedule =
  | { readonly kind: 'rate'; readonly value: number; readonly unit: RateUnit }
  | {
      readonly kind: 'cron';
      readonly minute: string;
      readonly hour: string;
      readonly dayOfMonth: string;
      readonly month: string;
      readonly dayOfWeek: string;
    };

const RATE = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/;
const CRON = /^cron\(\s*(.+?)\s*\)$/;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldRule {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS: readonly FieldRule[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 6, names: DAYS },
];

/** Parses a schedule; returns the reason when it is not one. */
export function parseSchedule(text: string): ParsedSchedule | { readonly problem: string } {
  const rate = RATE.exec(text);
  if (rate) {
    const value = Number(rate[1]);
    const unit = (rate[2].endsWith('s') ? rate[2] : `${rate[2]}s`) as RateUnit;
    if (value < 1) return { problem: `"${text}" has a rate of 0` };
    if (value === 1 && rate[2].endsWith('s')) return { problem: `"${text}" must use the singular unit` };
    if (value > 1 && !rate[2].endsWith('s')) return { problem: `"${text}" must use the plural unit` };
    return { kind: 'rate', value, unit };
  }
  const cron = CRON.exec(text);
  if (!cron) return { problem: `"${text}" is neither rate(...) nor cron(...)` };
  const fields = cron[1].split(/\s+/);
  if (fields.length !== 5)
    return {
      problem: `"${text}" has ${fields.length} cron fields, not 5 (minute hour day-of-month month day-of-week)`,
    };
  for (let i = 0; i < 5; i++) {
    const problem = fieldProblem(fields[i], FIELDS[i]);
    if (problem) return { problem: `"${text}": ${problem}` };
  }
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  return { kind: 'cron', minute, hour, dayOfMonth, month, dayOfWeek };
}

function fieldProblem(field: string, rule: FieldRule): string | undefined {
  for (const part of field.split(',')) {
    const m = /^(\*|([A-Za-z0-9]+)(?:-([A-Za-z0-9]+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) return `the ${rule.name} field "${field}" is not a cron field`;
    for (const value of [m[2], m[3]]) {
      if (value === undefined) continue;
      const n = fieldValue(value, rule);
      if (n === undefined || n < rule.min || n > rule.max)
        return `the ${rule.name} field "${field}" has ${value}, outside ${rule.min}-${rule.max}`;
    }
    if (m[4] !== undefined && Number(m[4]) < 1) return `the ${rule.name} field "${field}" has a step of 0`;
  }
  return undefined;
}

function fieldValue(value: string, rule: FieldRule): number | undefined {
  if (/^\d+$/.test(value)) return Number(value);
  const index = rule.names?.indexOf(value.toUpperCase()) ?? -1;
  if (index < 0) return undefined;
  return rule === FIELDS[3] ? index + 1 : index;
}

/**
 * The longest gap between two runs, in minutes: exact for a rate, an upper bound for a cron (the coarsest
 * field that is not `*` decides: a month field a year, a day-of-week field a week, a day-of-month field a
 * month, an hour field a day).
 */
export function scheduleIntervalMinutes(s: ParsedSchedule): number {
  if (s.kind === 'rate') return s.value * { minutes: 1, hours: 60, days: 1440 }[s.unit];
  if (s.month !== '*') return 366 * 1440;
  // Unix cron runs when either day field matches: a day-of-week field bounds the gap to a week.
  if (s.dayOfWeek !== '*') return 7 * 1440;
  if (s.dayOfMonth !== '*') return 31 * 1440;
  if (s.hour !== '*') return 1440;
  return 60;
}

/**
 * EventBridge Scheduler's expression: `rate(...)` as is; cron gains a year field, day of week counts from 1
 * (Sunday), and one of the two day fields must be `?`. Undefined when both day fields are set (Unix cron ORs
 * them; EventBridge cannot).
 */
export function awsScheduleExpression(s: ParsedSchedule): string | undefined {
  if (s.kind === 'rate') return `rate(${s.value} ${s.value === 1 ? s.unit.slice(0, -1) : s.unit})`;
  let { dayOfMonth, dayOfWeek } = s;
  if (dayOfWeek === '*') dayOfWeek = '?';
  else if (dayOfMonth === '*') {
    dayOfMonth = '?';
    dayOfWeek = dayOfWeek.replace(
      /(^|[,-])(\d+)/g,
      (_, sep: string, n: string) => `${sep}${(Number(n) % 7) + 1}`,
    );
  } else return undefined;
  return `cron(${s.minute} ${s.hour} ${dayOfMonth} ${s.month} ${dayOfWeek} *)`;
}

/**
 * Cloud Scheduler's Unix cron. A rate becomes the cron with the same runs when it divides an hour or a day
 * evenly, or is a week; undefined otherwise.
 */
export function unixCron(s: ParsedSchedule): string | undefined {
  if (s.kind === 'cron') return `${s.minute} ${s.hour} ${s.dayOfMonth} ${s.month} ${s.dayOfWeek}`;
  const { value, unit } = s;
  if (unit === 'minutes' && 60 % value === 0) return value === 1 ? '* * * * *' : `*/${value} * * * *`;
  if (unit === 'minutes' && value % 60 === 0)
    return unixCron({ kind: 'rate', value: value / 60, unit: 'hours' });
  if (unit === 'hours' && 24 % value === 0) return value === 1 ? '0 * * * *' : `0 */${value} * * *`;
  if (unit === 'hours' && value % 24 === 0)
    return unixCron({ kind: 'rate', value: value / 24, unit: 'days' });
  if (unit === 'days' && value === 1) return '0 0 * * *';
  if (unit === 'days' && value === 7) return '0 0 * * 0';
  return undefined;
}

/** Ofelia's schedule (Go cron with a leading seconds field, or `@every <duration>`). */
export function ofeliaSchedule(s: ParsedSchedule): string {
  if (s.kind === 'rate') return `@every ${s.value * { minutes: 1, hours: 60, days: 1440 }[s.unit]}m`;
  return `0 ${s.minute} ${s.hour} ${s.dayOfMonth} ${s.month} ${s.dayOfWeek}`;
}
