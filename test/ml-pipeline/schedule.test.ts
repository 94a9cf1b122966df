import {
  awsScheduleExpression,
  ofeliaSchedule,
  parseSchedule,
  scheduleIntervalMinutes,
  unixCron,
  type ParsedSchedule,
} from '../../lib/ml-pipeline/schedule';

const parse = (text: string) => parseSchedule(text) as ParsedSchedule;

describe('retraining schedules', () => {
  it.each([
    ['rate(1 day)', 'rate(1 day)', '0 0 * * *', '@every 1440m', 1440],
    ['rate(6 hours)', 'rate(6 hours)', '0 */6 * * *', '@every 360m', 360],
    ['rate(15 minutes)', 'rate(15 minutes)', '*/15 * * * *', '@every 15m', 15],
    ['rate(7 days)', 'rate(7 days)', '0 0 * * 0', '@every 10080m', 10080],
    ['cron(30 2 * * *)', 'cron(30 2 * * ? *)', '30 2 * * *', '0 30 2 * * *', 1440],
    // Sunday to Friday: 5 days; Friday to Monday: 3 days; 1 October to 1 January: 92 days.
    ['cron(0 3 * * 0,5)', 'cron(0 3 ? * 1,6 *)', '0 3 * * 0,5', '0 0 3 * * 0,5', 5 * 1440],
    ['cron(0 3 * * MON-FRI)', 'cron(0 3 ? * MON-FRI *)', '0 3 * * MON-FRI', '0 0 3 * * MON-FRI', 3 * 1440],
    ['cron(0 4 1 */3 *)', 'cron(0 4 1 */3 ? *)', '0 4 1 */3 *', '0 0 4 1 */3 *', 92 * 1440],
    // EventBridge's day of week takes no steps: the days are listed (Sunday is 1 there).
    ['cron(0 3 * * */2)', 'cron(0 3 ? * 1,3,5,7 *)', '0 3 * * */2', '0 0 3 * * */2', 2 * 1440],
    ['cron(0 3 * * 1-5/2)', 'cron(0 3 ? * 2,4,6 *)', '0 3 * * 1-5/2', '0 0 3 * * 1-5/2', 3 * 1440],
    ['cron(0 3 * * mon/2)', 'cron(0 3 ? * 2,4,6 *)', '0 3 * * MON-SAT/2', '0 0 3 * * mon/2', 3 * 1440],
    // A step from one value reads as a range to the end of the field in Vixie cron (Cloud Scheduler).
    [
      'cron(5/20 * * jan *)',
      'cron(5-59/20 * * JAN ? *)',
      '5-59/20 * * JAN *',
      '0 5/20 * * jan *',
      // From 31 January 23:45 to 1 January 00:05.
      335 * 1440 + 20,
    ],
  ])('%s is %s on aws, %s on gcp, %s on docker', (text, aws, gcp, docker, minutes) => {
    const s = parse(text);
    expect(awsScheduleExpression(s)).toBe(aws);
    expect(unixCron(s)).toBe(gcp);
    expect(ofeliaSchedule(s)).toBe(docker);
    expect(scheduleIntervalMinutes(s)).toBe(minutes);
  });

  it.each([
    // Every day, hourly in working hours: 17:45 to 08:00 the next morning.
    ['cron(*/15 8-17 * * *)', 14 * 60 + 15],
    ['cron(0 3 1 * *)', 31 * 1440],
    // Day 30 and 31 skip February (and 31 the 30-day months): up to 60 and 61 days.
    ['cron(0 3 30 * *)', 60 * 1440],
    ['cron(0 3 31 * *)', 61 * 1440],
    ['cron(0 3 31 1,3 *)', 365 * 1440 - 59 * 1440],
    ['cron(0 0 29 1,2 *)', 365 * 1440],
    ['cron(0 0 1 1 *)', 366 * 1440],
  ])('%s runs at most %d minutes apart', (text, minutes) => {
    expect(scheduleIntervalMinutes(parse(text))).toBe(minutes);
  });

  it.each([
    ['cron(0 0 31 2 *)', '"cron(0 0 31 2 *)" never runs in February: it has no day 31'],
    ['cron(0 0 30 FEB *)', '"cron(0 0 30 FEB *)" never runs in February: it has no day 30'],
    ['cron(0 0 31 4,6 *)', '"cron(0 0 31 4,6 *)" never runs in April, June: they have no day 31'],
    ['cron(0 0 31 1,4 *)', '"cron(0 0 31 1,4 *)" never runs in April: it has no day 31'],
    ['cron(0 0 30,31 2 *)', '"cron(0 0 30,31 2 *)" never runs in February: it has no day 30, 31'],
    ['cron(0 0 31 */2 *)', '"cron(0 0 31 */2 *)" never runs in September, November: they have no day 31'],
    ['cron(0 0 29 2 *)', '"cron(0 0 29 2 *)" runs only on 29 February, in leap years: up to 2921 days apart'],
    ['cron(0 0 */15 2 5)', '"cron(0 0 */15 2 5)" waits up to 2205 days between runs, more than a year'],
    [
      'cron(0 0 5-1 * *)',
      '"cron(0 0 5-1 * *)": the day of month field "5-1" has the range 5-1, which ends before it starts',
    ],
  ])('refuses %s, which never runs or runs far less often than it reads', (text, problem) => {
    expect(parseSchedule(text)).toEqual({ problem });
  });

  it('keeps a day of week that still runs when the day of month never occurs (Unix cron ORs them)', () => {
    // Every Monday in February, or 31 February: Mondays only, a year apart at most.
    expect(scheduleIntervalMinutes(parse('cron(0 0 31 2 1)'))).toBe(350 * 1440);
  });

  it('gcp cannot express a rate that does not divide an hour, a day or a week', () => {
    expect(unixCron(parse('rate(7 minutes)'))).toBeUndefined();
    expect(unixCron(parse('rate(2 days)'))).toBeUndefined();
  });
});
