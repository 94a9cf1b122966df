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
  const parsed: ParsedSchedule = { kind: 'cron', minute, hour, dayOfMonth, month, dayOfWeek };
  const problem = calendarProblem(parsed);
  if (problem) return { problem: `"${text}" ${problem}` };
  return parsed;
}

/** One comma-separated part of a cron field: `*`, `a`, `a-b`, each with an optional `/step`. */
const PART = /^(\*|([A-Za-z0-9]+)(?:-([A-Za-z0-9]+))?)(?:\/(\d+))?$/;

function fieldProblem(field: string, rule: FieldRule): string | undefined {
  for (const part of field.split(',')) {
    const m = PART.exec(part);
    if (!m) return `the ${rule.name} field "${field}" is not a cron field`;
    for (const value of [m[2], m[3]]) {
      if (value === undefined) continue;
      const n = fieldValue(value, rule);
      if (n === undefined || n < rule.min || n > rule.max)
        return `the ${rule.name} field "${field}" has ${value}, outside ${rule.min}-${rule.max}`;
    }
    if (m[3] !== undefined && fieldValue(m[3], rule)! < fieldValue(m[2], rule)!)
      return `the ${rule.name} field "${field}" has the range ${m[2]}-${m[3]}, which ends before it starts`;
    if (m[4] !== undefined && Number(m[4]) < 1) return `the ${rule.name} field "${field}" has a step of 0`;
  }
  return undefined;
}

/** The values a checked field matches (`a/step` runs from a to the field's maximum, as in Vixie and Go cron). */
function fieldValues(field: string, rule: FieldRule): ReadonlySet<number> {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const m = PART.exec(part)!;
    const step = m[4] === undefined ? 1 : Number(m[4]);
    const from = m[1] === '*' ? rule.min : fieldValue(m[2], rule)!;
    const to =
      m[1] === '*' || (m[3] === undefined && m[4] !== undefined)
        ? rule.max
        : m[3] === undefined
          ? from
          : fieldValue(m[3], rule)!;
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function fieldValue(value: string, rule: FieldRule): number | undefined {
  if (/^\d+$/.test(value)) return Number(value);
  const index = rule.names?.indexOf(value.toUpperCase()) ?? -1;
  if (index < 0) return undefined;
  return rule === FIELDS[3] ? index + 1 : index;
}

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
/** The most days each month can have (February: 29, in leap years). */
const MONTH_MAX_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** The Gregorian calendar repeats, weekdays included, every 400 years: 146097 days, 20871 weeks. */
const CALENDAR_CYCLE_DAYS = 146097;
const DAY_MINUTES = 1440;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Which of a field's values match, indexed by value. */
function matches(field: string, rule: FieldRule): Uint8Array {
  const table = new Uint8Array(rule.max + 1);
  for (const v of fieldValues(field, rule)) table[v] = 1;
  return table;
}

let calendar: { month: Uint8Array; day: Uint8Array; weekday: Uint8Array } | undefined;
/** Month, day of month and day of week of every day of the 400-year cycle from 2000-01-01 (a Saturday). */
function calendarCycle() {
  if (calendar) return calendar;
  const month = new Uint8Array(CALENDAR_CYCLE_DAYS);
  const day = new Uint8Array(CALENDAR_CYCLE_DAYS);
  const weekday = new Uint8Array(CALENDAR_CYCLE_DAYS);
  let n = 0;
  for (let y = 2000; y < 2400; y++)
    for (let m = 1; m <= 12; m++) {
      const length = m === 2 ? (isLeapYear(y) ? 29 : 28) : MONTH_MAX_DAYS[m - 1];
      for (let d = 1; d <= length; d++, n++) [month[n], day[n], weekday[n]] = [m, d, (n + 6) % 7];
    }
  return (calendar = { month, day, weekday });
}

/**
 * The longest gap, in days, between consecutive days a cron runs on, over the 400-year calendar cycle
 * (wrapping around); undefined when it runs on no day. Unix cron (Vixie, as Cloud Scheduler runs it) and Go
 * cron (Ofelia) match a day when its month matches and: both day fields, when either of them starts with
 * `*`; either of them otherwise.
 */
function cronDayGap(s: Extract<ParsedSchedule, { kind: 'cron' }>): number | undefined {
  const doms = matches(s.dayOfMonth, FIELDS[2]);
  const months = matches(s.month, FIELDS[3]);
  const dows = matches(s.dayOfWeek, FIELDS[4]);
  const both = s.dayOfMonth.startsWith('*') || s.dayOfWeek.startsWith('*');
  const { month, day, weekday } = calendarCycle();
  let firstRun = -1;
  let lastRun = -1;
  let gap = 0;
  for (let n = 0; n < CALENDAR_CYCLE_DAYS; n++) {
    if (!months[month[n]]) continue;
    const runs = both ? doms[day[n]] & dows[weekday[n]] : doms[day[n]] | dows[weekday[n]];
    if (!runs) continue;
    if (firstRun < 0) firstRun = n;
    else if (n - lastRun > gap) gap = n - lastRun;
    lastRun = n;
  }
  if (firstRun < 0) return undefined;
  return Math.max(gap, firstRun + CALENDAR_CYCLE_DAYS - lastRun);
}

/** The times of day a cron runs at, in minutes after midnight, ascending. */
function cronTimesOfDay(s: Extract<ParsedSchedule, { kind: 'cron' }>): number[] {
  const minutes = [...fieldValues(s.minute, FIELDS[0])];
  return [...fieldValues(s.hour, FIELDS[1])]
    .flatMap((h) => minutes.map((m) => h * 60 + m))
    .sort((a, b) => a - b);
}

/** The longest gap between consecutive runs of a cron, in minutes; undefined when it never runs. */
function cronGapMinutes(s: Extract<ParsedSchedule, { kind: 'cron' }>): number | undefined {
  const dayGap = cronDayGap(s);
  if (dayGap === undefined) return undefined;
  const times = cronTimesOfDay(s);
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i] - times[i - 1]);
  // From the last run of one day to the first run of the next day that runs.
  return Math.max(gap, dayGap * DAY_MINUTES - times[times.length - 1] + times[0]);
}

/**
 * Why a cron can never run, or runs far less often than it reads: a day of month that a listed month does
 * not have (31 April, 30 February), or a schedule that only leap years reach (29 February).
 */
function calendarProblem(s: Extract<ParsedSchedule, { kind: 'cron' }>): string | undefined {
  // Only when the day of month alone picks the days: with a day of week too, the other field still runs.
  if (s.dayOfWeek === '*' && s.dayOfMonth !== '*' && s.month !== '*') {
    const doms = [...fieldValues(s.dayOfMonth, FIELDS[2])];
    const missing = [...fieldValues(s.month, FIELDS[3])].filter((m) =>
      doms.every((d) => d > MONTH_MAX_DAYS[m - 1]),
    );
    if (missing.length > 0)
      return `never runs in ${missing.map((m) => MONTH_NAMES[m - 1]).join(', ')}: ${missing.length > 1 ? 'they have' : 'it has'} no day ${doms.join(', ')}`;
  }
  const gap = cronGapMinutes(s);
  if (gap === undefined) return 'never runs: no date matches all its fields';
  if (gap > 366 * DAY_MINUTES) {
    const days = Math.ceil(gap / DAY_MINUTES);
    const leapDayOnly =
      s.dayOfWeek === '*' &&
      [...fieldValues(s.month, FIELDS[3])].every((m) => m === 2) &&
      [...fieldValues(s.dayOfMonth, FIELDS[2])].every((d) => d >= 29);
    return leapDayOnly
      ? `runs only on 29 February, in leap years: up to ${days} days apart`
      : `waits up to ${days} days between runs, more than a year`;
  }
  return undefined;
}

/**
 * The longest gap between two runs, in minutes: exact for a rate, and for a cron the longest gap over the
 * 400-year calendar cycle (a monthly cron on day 31 waits 61 days across February, a monthly one on day 1
 * up to 31 days).
 */
export function scheduleIntervalMinutes(s: ParsedSchedule): number {
  if (s.kind === 'rate') return s.value * { minutes: 1, hours: 60, days: DAY_MINUTES }[s.unit];
  // parseSchedule refuses a cron that never runs.
  return cronGapMinutes(s) ?? Number.POSITIVE_INFINITY;
}

/**
 * A field as every scheduler reads it: names uppercased (Cloud Scheduler wants `JAN`, `MON`), and a step
 * from a single value (`5/15`, which Vixie-style cron does not take) written as a range to the field's end.
 */
function normalField(field: string, rule: FieldRule): string {
  return field
    .split(',')
    .map((part) => {
      const m = PART.exec(part)!;
      if (m[2] !== undefined && m[3] === undefined && m[4] !== undefined)
        return `${m[2]}-${/^\d+$/.test(m[2]) || !rule.names ? rule.max : rule.names[rule.names.length - 1]}/${m[4]}`;
      return part;
    })
    .join(',')
    .toUpperCase();
}

function normalCron(s: Extract<ParsedSchedule, { kind: 'cron' }>) {
  return {
    minute: normalField(s.minute, FIELDS[0]),
    hour: normalField(s.hour, FIELDS[1]),
    dayOfMonth: normalField(s.dayOfMonth, FIELDS[2]),
    month: normalField(s.month, FIELDS[3]),
    dayOfWeek: normalField(s.dayOfWeek, FIELDS[4]),
  };
}

/**
 * EventBridge Scheduler's day of week: counted from 1 (Sunday), and without steps (its day-of-week field
 * takes `, - * ? L #` only), so a stepped field becomes the list of days it means (`*\/2` is `1,3,5,7`).
 */
function awsDayOfWeek(field: string): string {
  if (field.includes('/'))
    return [...fieldValues(field, FIELDS[4])]
      .sort((a, b) => a - b)
      .map((d) => d + 1)
      .join(',');
  return field.replace(/(^|[,-])(\d+)/g, (_, sep: string, n: string) => `${sep}${(Number(n) % 7) + 1}`);
}

/**
 * EventBridge Scheduler's expression: `rate(...)` as is; cron gains a year field, day of week counts from 1
 * (Sunday) and has no steps, and one of the two day fields must be `?`. Undefined when both day fields are
 * set (Unix cron ORs them, or ANDs them when one starts with `*`; EventBridge can do neither).
 */
export function awsScheduleExpression(s: ParsedSchedule): string | undefined {
  if (s.kind === 'rate') return `rate(${s.value} ${s.value === 1 ? s.unit.slice(0, -1) : s.unit})`;
  const c = normalCron(s);
  let { dayOfMonth, dayOfWeek } = c;
  if (dayOfWeek === '*') dayOfWeek = '?';
  else if (dayOfMonth === '*') {
    dayOfMonth = '?';
    dayOfWeek = awsDayOfWeek(dayOfWeek);
  } else return undefined;
  return `cron(${c.minute} ${c.hour} ${dayOfMonth} ${c.month} ${dayOfWeek} *)`;
}

/**
 * Cloud Scheduler's Unix cron. A rate becomes the cron with the same runs when it divides an hour or a day
 * evenly, or is a week; undefined otherwise.
 */
export function unixCron(s: ParsedSchedule): string | undefined {
  if (s.kind === 'cron') {
    const c = normalCron(s);
    return `${c.minute} ${c.hour} ${c.dayOfMonth} ${c.month} ${c.dayOfWeek}`;
  }
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
