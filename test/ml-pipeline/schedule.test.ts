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
    ['cron(0 3 * * 0,5)', 'cron(0 3 ? * 1,6 *)', '0 3 * * 0,5', '0 0 3 * * 0,5', 10080],
    ['cron(0 3 * * MON-FRI)', 'cron(0 3 ? * MON-FRI *)', '0 3 * * MON-FRI', '0 0 3 * * MON-FRI', 10080],
    ['cron(0 4 1 */3 *)', 'cron(0 4 1 */3 ? *)', '0 4 1 */3 *', '0 0 4 1 */3 *', 366 * 1440],
  ])('%s is %s on aws, %s on gcp, %s on docker', (text, aws, gcp, docker, minutes) => {
    const s = parse(text);
    expect(awsScheduleExpression(s)).toBe(aws);
    expect(unixCron(s)).toBe(gcp);
    expect(ofeliaSchedule(s)).toBe(docker);
    expect(scheduleIntervalMinutes(s)).toBe(minutes);
  });

  it('gcp cannot express a rate that does not divide an hour, a day or a week', () => {
    expect(unixCron(parse('rate(7 minutes)'))).toBeUndefined();
    expect(unixCron(parse('rate(2 days)'))).toBeUndefined();
  });
});
