/**
 * Alarm evidence files (`mlops promote --alarms-evidence <file>`): every accepted format, built from the documented
 * shapes (CloudWatch DescribeAlarms output, Alertmanager's GET /api/v2/alerts, Cloud Monitoring projects.alerts.list),
 * and the errors for everything else. Real outputs of the aws CLI and of Alertmanager are read in
 * cloud-aws.test.ts and cloud-docker.test.ts.
 */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AlarmEvidenceError, readAlarmEvidenceFile } from '../../lib/promotion/evidence';

const SAVED_AT = new Date('2026-12-02T06:00:00.000Z');
const FORMATS =
  'Accepted formats:\n' +
  '  - mlops: { "checkedAt": "2026-12-02T10:00:00Z", "openAlarms": [{ "name": "...", "state": "ALARM" }] } (every entry counts as open; checkedAt, optional, is when the alarms were read, ISO 8601 UTC)\n' +
  '  - the JSON `aws cloudwatch describe-alarms` prints ({ "MetricAlarms": [...], "CompositeAlarms": [...] }; StateValue ALARM is open)\n' +
  "  - the JSON array Alertmanager's `GET /api/v2/alerts` returns (status.state active or unprocessed is open; suppressed is not)\n" +
  '  - the JSON of Cloud Monitoring `projects.alerts.list` ({ "alerts": [...] }; state OPEN is open)';

const dir = mkdtempSync(path.join(tmpdir(), 'mlops-evidence-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** Writes the document (or raw text) to a new file saved at SAVED_AT. */
function saved(content: unknown): string {
  const file = path.join(dir, `evidence-${++n}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  utimesSync(file, SAVED_AT, SAVED_AT);
  return file;
}

const metricAlarm = (name: string, state: string) => ({
  AlarmName: name,
  AlarmArn: `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`,
  AlarmDescription: '5% or more of requests end in a server error (5xx) in 3 of 5 periods',
  AlarmConfigurationUpdatedTimestamp: '2026-12-01T09:12:44.511000+00:00',
  ActionsEnabled: true,
  OKActions: [],
  AlarmActions: ['arn:aws:sns:eu-west-1:123456789012:churn-prod-alerts'],
  InsufficientDataActions: [],
  StateValue: state,
  StateReason:
    'Threshold Crossed: 3 out of the last 5 datapoints were greater than or equal to the threshold (0.05).',
  StateUpdatedTimestamp: '2026-12-02T05:41:10.031000+00:00',
  MetricName: 'Invocation5XXErrors',
  Namespace: 'AWS/SageMaker',
  Statistic: 'Sum',
  Dimensions: [
    { Name: 'EndpointName', Value: 'churn-prod' },
    { Name: 'VariantName', Value: 'AllTraffic' },
  ],
  Period: 60,
  EvaluationPeriods: 5,
  DatapointsToAlarm: 3,
  Threshold: 0.05,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'notBreaching',
  StateTransitionedTimestamp: '2026-12-02T05:41:10.031000+00:00',
});

const amAlert = (alertname: string, state: string, silencedBy: string[] = []) => ({
  annotations: { summary: `${alertname} fired` },
  endsAt: '2026-12-02T06:04:00.000Z',
  fingerprint: 'c6b1f0a2e3d4b5a6',
  receivers: [{ name: 'churn-dev' }],
  startsAt: '2026-12-02T05:40:00.000Z',
  status: { inhibitedBy: [], silencedBy, state },
  updatedAt: '2026-12-02T05:59:00.000Z',
  generatorURL: 'http://churn-dev-prometheus:9090/graph?g0.expr=...',
  labels: { alertname, endpoint: 'churn-dev', severity: 'critical' },
});

const gcpAlert = (id: string, displayName: string, state: 'OPEN' | 'CLOSED') => ({
  name: `projects/churn-prod-4411/alerts/${id}`,
  state,
  openTime: '2026-12-02T05:40:00Z',
  ...(state === 'CLOSED' ? { closeTime: '2026-12-02T05:55:00Z' } : {}),
  resource: {
    type: 'aiplatform.googleapis.com/Endpoint',
    labels: { endpoint_id: '4521', location: 'europe-west4' },
  },
  metric: { type: 'aiplatform.googleapis.com/prediction/online/error_count', labels: {} },
  policy: {
    name: 'projects/churn-prod-4411/alertPolicies/1234567890',
    displayName,
    severity: 'CRITICAL',
    userLabels: { system: 'churn' },
  },
});

describe('readAlarmEvidenceFile', () => {
  test('our own format: every listed alarm is open; checkedAt is when the file was saved', () => {
    const file = saved({
      openAlarms: [{ name: 'churn-staging-server-errors', state: 'ALARM' }, { name: 'churn-staging-drift' }],
    });
    expect(readAlarmEvidenceFile(file)).toEqual({
      source: file,
      checkedAt: SAVED_AT,
      checkedAtIsFileTime: true,
      openAlarms: [
        { name: 'churn-staging-server-errors', state: 'ALARM' },
        { name: 'churn-staging-drift', state: 'ALARM' },
      ],
    });
    expect(readAlarmEvidenceFile(saved({ openAlarms: [] })).openAlarms).toEqual([]);
  });

  test('our own format: checkedAt in the document wins over the file time (a copied file stays old)', () => {
    const file = saved({ checkedAt: '2026-12-01T23:30:00Z', openAlarms: [] });
    expect(readAlarmEvidenceFile(file)).toEqual({
      source: file,
      checkedAt: new Date('2026-12-01T23:30:00Z'),
      openAlarms: [],
    });
    for (const bad of ['2026-12-01 23:30', '2026-12-01T23:30:00+01:00', 1764631800, '2026-02-30T10:00:00Z']) {
      const badFile = saved({ checkedAt: bad, openAlarms: [] });
      expect(() => readAlarmEvidenceFile(badFile)).toThrow(
        `checkedAt is ${JSON.stringify(bad)}, not an ISO 8601 UTC time such as "2026-12-02T10:00:00Z" (when the alarms were read)`,
      );
    }
  });

  test('aws cloudwatch describe-alarms: metric and composite alarms in ALARM, not OK or INSUFFICIENT_DATA', () => {
    const file = saved({
      MetricAlarms: [
        metricAlarm('churn-prod-server-errors', 'ALARM'),
        metricAlarm('churn-prod-latency-p99', 'OK'),
        metricAlarm('churn-prod-no-invocations', 'INSUFFICIENT_DATA'),
        metricAlarm('fraud-prod-server-errors', 'ALARM'),
      ],
      CompositeAlarms: [
        {
          ActionsEnabled: true,
          AlarmActions: ['arn:aws:sns:eu-west-1:123456789012:churn-prod-alerts'],
          AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:churn-prod-any',
          AlarmName: 'churn-prod-any',
          AlarmRule: 'ALARM("churn-prod-server-errors") OR ALARM("churn-prod-latency-p99")',
          StateValue: 'ALARM',
          StateReason:
            'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:churn-prod-server-errors transitioned to ALARM',
          StateUpdatedTimestamp: '2026-12-02T05:41:11.000000+00:00',
        },
      ],
    });
    expect(readAlarmEvidenceFile(file).openAlarms).toEqual([
      { name: 'churn-prod-server-errors', state: 'ALARM' },
      { name: 'fraud-prod-server-errors', state: 'ALARM' },
      { name: 'churn-prod-any', state: 'ALARM' },
    ]);
    expect(readAlarmEvidenceFile(file, { alarmNamePrefix: 'churn-prod-' }).openAlarms).toEqual([
      { name: 'churn-prod-server-errors', state: 'ALARM' },
      { name: 'churn-prod-any', state: 'ALARM' },
    ]);
    // `--state-value ALARM` output of a quiet account: no metric alarms, no composite key.
    expect(readAlarmEvidenceFile(saved({ MetricAlarms: [] })).openAlarms).toEqual([]);
  });

  test("Alertmanager's alerts list: active and unprocessed are open, suppressed is not", () => {
    const file = saved([
      amAlert('churn-dev-server-errors', 'active'),
      amAlert('churn-dev-latency-p99', 'suppressed', ['5f2a7c1e-8d3b-4e6f-9a0b-1c2d3e4f5a6b']),
      amAlert('churn-dev-drift', 'unprocessed'),
    ]);
    expect(readAlarmEvidenceFile(file)).toEqual({
      source: file,
      checkedAt: SAVED_AT,
      checkedAtIsFileTime: true,
      openAlarms: [
        { name: 'churn-dev-server-errors', state: 'active' },
        { name: 'churn-dev-drift', state: 'unprocessed' },
      ],
    });
    expect(readAlarmEvidenceFile(saved([])).openAlarms).toEqual([]);
  });

  test('Cloud Monitoring alerts list: OPEN alerts, named by their policy', () => {
    const file = saved({
      alerts: [
        gcpAlert('0.nbc1x2y3z4', 'churn-prod-server-errors', 'OPEN'),
        gcpAlert('0.nbc1x2y3z5', 'churn-prod-latency-p99', 'CLOSED'),
        { name: 'projects/churn-prod-4411/alerts/0.nbc1x2y3z6', state: 'OPEN' },
      ],
      totalSize: 3,
    });
    expect(readAlarmEvidenceFile(file).openAlarms).toEqual([
      { name: 'churn-prod-server-errors', state: 'OPEN' },
      { name: 'projects/churn-prod-4411/alerts/0.nbc1x2y3z6', state: 'OPEN' },
    ]);
    expect(readAlarmEvidenceFile(file, { alarmNamePrefix: 'churn-prod-' }).openAlarms).toEqual([
      { name: 'churn-prod-server-errors', state: 'OPEN' },
    ]);
    // Google APIs leave empty lists out: a project without alerts answers `{}`.
    expect(readAlarmEvidenceFile(saved({})).openAlarms).toEqual([]);
  });

  test('a first page only is refused: open alarms on later pages would be missed', () => {
    const aws = saved({ MetricAlarms: [], NextToken: 'eyJ0b2tlbiI6IDJ9' });
    expect(() => readAlarmEvidenceFile(aws)).toThrow(
      `alarms evidence ${aws}: it holds only the first page of the list (NextToken is set), so open alarms on later ` +
        'pages would be missed; save the complete list (the aws CLI pages through everything unless --max-items is ' +
        'given; Cloud Monitoring: pageSize=1000 and follow nextPageToken). ' +
        FORMATS,
    );
    const gcp = saved({ alerts: [gcpAlert('0.a', 'x', 'CLOSED')], nextPageToken: 'CgwI' });
    expect(() => readAlarmEvidenceFile(gcp)).toThrow('(nextPageToken is set)');
  });

  test.each([
    ['{"alarms": []}', 'its shape is not recognised (top-level keys: alarms)'],
    ['"ALARM"', 'is not a JSON object or array'],
    ['null', 'is not a JSON object or array'],
    ['{"openAlarms": {"name": "x"}}', 'openAlarms is not a list'],
    ['{"openAlarms": [{"state": "ALARM"}]}', 'openAlarms[0] has no name'],
    ['{"openAlarms": ["churn-prod-server-errors"]}', 'openAlarms[0] is not an object'],
    [
      '{"MetricAlarms": [{"AlarmName": "a", "StateValue": "OK"}, {"StateValue": "ALARM"}]}',
      'MetricAlarms[1] has no AlarmName',
    ],
    ['{"CompositeAlarms": [{"AlarmName": "a"}]}', 'CompositeAlarms[0] has no StateValue'],
    ['[{"labels": {"alertname": "a"}}]', 'alert[0] has no status.state'],
    ['[{"labels": {}, "status": {"state": "active"}}]', 'alert[0] has no labels.alertname'],
    ['{"alerts": [{"name": "projects/p/alerts/1"}]}', 'alerts[0] has no state'],
    ['{"alerts": "none"}', 'alerts is not a list'],
  ])('%s is refused: %s', (content, problem) => {
    const file = saved(content);
    expect(() => readAlarmEvidenceFile(file)).toThrow(new AlarmEvidenceError(file, problem));
    expect(() => readAlarmEvidenceFile(file)).toThrow(`alarms evidence ${file}: ${problem}. ${FORMATS}`);
  });

  test('a file that is not JSON, or not there, is named with the reason', () => {
    const file = saved('MetricAlarms:\n  - AlarmName: x\n');
    expect(() => readAlarmEvidenceFile(file)).toThrow(
      new RegExp(`^alarms evidence ${file}: is not JSON \\(`),
    );
    const missing = path.join(dir, 'missing.json');
    expect(() => readAlarmEvidenceFile(missing)).toThrow(
      new RegExp(`^alarms evidence ${missing}: cannot be read \\(ENOENT: no such file or directory`),
    );
  });
});
