import { readFileSync, statSync } from 'node:fs';

/**
 * Evidence for the promotion gates that look outside the stack files: the open alarms of the source stage
 * (`noOpenAlarms`) and the approval status of an aws registry version (`registry-approval`).
 */

/** The alarms open in a stage when they were checked. */
export interface OpenAlarmsEvidence {
  /** Where the evidence came from: a file path, `cloudwatch <region>`, `alertmanager <url>`, ... */
  source: string;
  /** When the alarms were checked: our format's `checkedAt`, the file's modification time, or the API call's time. */
  checkedAt: Date;
  /** Set when `checkedAt` is a file's modification time (a native format without a time of its own). */
  checkedAtIsFileTime?: boolean;
  /** The alarms open at `checkedAt` (only open/firing ones; empty when none). */
  openAlarms: { name: string; state: string }[];
}

/** Whether a SageMaker model package version was checked for approval, and what it said. */
export interface RegistryApprovalEvidence {
  /** `false` when nothing could be checked (no credentials). */
  checked: boolean;
  /** SageMaker's `ModelApprovalStatus` (`Approved`, `PendingManualApproval`, `Rejected`) when checked. */
  status?: string;
  /** One sentence for the gate's verdict. */
  reason: string;
}

/** The formats an alarms evidence file may be in, for error messages and docs. */
export const ALARM_EVIDENCE_FORMATS: readonly string[] = [
  'mlops: { "checkedAt": "2026-12-02T10:00:00Z", "openAlarms": [{ "name": "...", "state": "ALARM" }] } (every entry counts as open; checkedAt, optional, is when the alarms were read, ISO 8601 UTC)',
  'the JSON `aws cloudwatch describe-alarms` prints ({ "MetricAlarms": [...], "CompositeAlarms": [...] }; StateValue ALARM is open)',
  "the JSON array Alertmanager's `GET /api/v2/alerts` returns (status.state active or unprocessed is open; suppressed is not)",
  'the JSON of Cloud Monitoring `projects.alerts.list` ({ "alerts": [...] }; state OPEN is open)',
];

/** Options of the evidence readers. */
export interface AlarmEvidenceOptions {
  /** Only alarms whose name starts with it count. Default: every alarm counts. */
  readonly alarmNamePrefix?: string;
}

type Alarm = { name: string; state: string };
type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: Json): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Thrown when an evidence document is not one of the accepted formats, or is malformed inside. */
export class AlarmEvidenceError extends Error {
  constructor(source: string, problem: string) {
    super(
      `alarms evidence ${source}: ${problem}. Accepted formats:\n${ALARM_EVIDENCE_FORMATS.map((f) => `  - ${f}`).join('\n')}`,
    );
    this.name = 'AlarmEvidenceError';
  }
}

/** Each entry of a list, or an error naming the entry that is not an object with the fields it needs. */
function entries(
  source: string,
  list: Json,
  path: string,
  read: (entry: Record<string, Json>) => Alarm | undefined | string,
): Alarm[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new AlarmEvidenceError(source, `${path} is not a list`);
  const open: Alarm[] = [];
  list.forEach((entry, i) => {
    const read_ = isObject(entry) ? read(entry) : 'is not an object';
    if (typeof read_ === 'string') throw new AlarmEvidenceError(source, `${path}[${i}] ${read_}`);
    if (read_) open.push(read_);
  });
  return open;
}

function refuseMorePages(source: string, token: Json, field: string): void {
  if (text(token) !== undefined) {
    throw new AlarmEvidenceError(
      source,
      `it holds only the first page of the list (${field} is set), so open alarms on later pages would be missed; ` +
        'save the complete list (the aws CLI pages through everything unless --max-items is given; Cloud Monitoring: ' +
        'pageSize=1000 and follow nextPageToken)',
    );
  }
}

/** The open alarms a parsed evidence document lists (format detected by shape). */
export function openAlarmsOf(document: Json, source: string): Alarm[] {
  if (Array.isArray(document)) {
    // Alertmanager GET /api/v2/alerts: [{ labels: { alertname }, status: { state } }].
    return entries(source, document, 'alert', (alert) => {
      const name = isObject(alert.labels) ? text(alert.labels.alertname) : undefined;
      const state = isObject(alert.status) ? text(alert.status.state) : undefined;
      if (name === undefined) return 'has no labels.alertname';
      if (state === undefined) return 'has no status.state';
      return state === 'active' || state === 'unprocessed' ? { name, state } : undefined;
    });
  }
  if (!isObject(document)) throw new AlarmEvidenceError(source, 'is not a JSON object or array');
  if ('openAlarms' in document) {
    return entries(source, document.openAlarms, 'openAlarms', (alarm) => {
      const name = text(alarm.name);
      if (name === undefined) return 'has no name';
      return { name, state: text(alarm.state) ?? 'ALARM' };
    });
  }
  if ('MetricAlarms' in document || 'CompositeAlarms' in document) {
    refuseMorePages(source, document.NextToken, 'NextToken');
    const alarm = (entry: Record<string, Json>) => {
      const name = text(entry.AlarmName);
      const state = text(entry.StateValue);
      if (name === undefined) return 'has no AlarmName';
      if (state === undefined) return 'has no StateValue';
      return state === 'ALARM' ? { name, state } : undefined;
    };
    return [
      ...entries(source, document.MetricAlarms, 'MetricAlarms', alarm),
      ...entries(source, document.CompositeAlarms, 'CompositeAlarms', alarm),
    ];
  }
  if ('alerts' in document) {
    refuseMorePages(source, document.nextPageToken, 'nextPageToken');
    return entries(source, document.alerts, 'alerts', (alert) => {
      const id = text(alert.name);
      const state = text(alert.state);
      if (id === undefined) return 'has no name';
      if (state === undefined) return 'has no state';
      const policy = isObject(alert.policy) ? text(alert.policy.displayName) : undefined;
      return state === 'OPEN' ? { name: policy ?? id, state } : undefined;
    });
  }
  // An empty alerts list comes back from Cloud Monitoring as `{}` (empty fields are omitted in JSON).
  if (Object.keys(document).length === 0) return [];
  throw new AlarmEvidenceError(
    source,
    `its shape is not recognised (top-level keys: ${Object.keys(document).slice(0, 8).join(', ')})`,
  );
}

/** Keeps the alarms whose name starts with the prefix (all when none is given). */
export function withPrefix(alarms: Alarm[], prefix: string | undefined): Alarm[] {
  return prefix ? alarms.filter((a) => a.name.startsWith(prefix)) : alarms;
}

/**
 * How old evidence is measured, for error messages and docs: our format's `checkedAt`, else the file's modification
 * time (the native formats carry no time of reading; a copied or checked-out file looks new).
 */
export const EVIDENCE_AGE_NOTE =
  "its age is the file's modification time, since aws, Alertmanager and Cloud Monitoring output carry no time of reading (save it right before promoting; a copied or checked-out file looks new), or our format's checkedAt";

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** Our format's `checkedAt`, when given: an ISO 8601 UTC time, not in the future of the file itself. */
function checkedAtOf(document: Json, source: string): Date | undefined {
  if (!isObject(document) || !('openAlarms' in document) || document.checkedAt === undefined)
    return undefined;
  const value = document.checkedAt;
  const at = typeof value === 'string' && ISO_UTC.test(value) ? new Date(value) : undefined;
  // A day the calendar does not have (2026-02-30) would roll over: it must read back as written.
  if (
    at === undefined ||
    Number.isNaN(at.getTime()) ||
    at.toISOString().slice(0, 19) !== String(value).slice(0, 19)
  )
    throw new AlarmEvidenceError(
      source,
      `checkedAt is ${JSON.stringify(value)}, not an ISO 8601 UTC time such as "2026-12-02T10:00:00Z" (when the alarms were read)`,
    );
  return at;
}

/**
 * Reads an alarms evidence file (`mlops promote --alarms-evidence <file>`). `checkedAt` is the document's own
 * `checkedAt` (our format) or else the file's modification time (`EVIDENCE_AGE_NOTE`). The format is detected by
 * shape (`ALARM_EVIDENCE_FORMATS`); anything else is an `AlarmEvidenceError` naming the file and the accepted formats.
 */
export function readAlarmEvidenceFile(file: string, options: AlarmEvidenceOptions = {}): OpenAlarmsEvidence {
  let raw: string;
  let modified: Date;
  try {
    raw = readFileSync(file, 'utf8');
    modified = statSync(file).mtime;
  } catch (e) {
    throw new AlarmEvidenceError(file, `cannot be read (${(e as Error).message})`);
  }
  let document: Json;
  try {
    document = JSON.parse(raw);
  } catch (e) {
    throw new AlarmEvidenceError(file, `is not JSON (${(e as Error).message})`);
  }
  const openAlarms = withPrefix(openAlarmsOf(document, file), options.alarmNamePrefix);
  const own = checkedAtOf(document, file);
  return own
    ? { source: file, checkedAt: own, openAlarms }
    : { source: file, checkedAt: modified, checkedAtIsFileTime: true, openAlarms };
}
