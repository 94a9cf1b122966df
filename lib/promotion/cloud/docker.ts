/**
 * docker reader for the `noOpenAlarms` gate: the alerts the local stack's Alertmanager holds, active and neither
 * silenced nor inhibited, through its v2 API.
 */
import { openAlarmsOf, withPrefix, type OpenAlarmsEvidence } from '../evidence';

/** Where the docker stage's Alertmanager listens (the MonitoringStack publishes it on 127.0.0.1:9093). */
export const DEFAULT_ALERTMANAGER_URL = 'http://127.0.0.1:9093';

/** Options of `readAlertmanagerOpenAlarms`. */
export interface AlertmanagerReaderOptions {
  /** Alertmanager's base URL. Default: `http://127.0.0.1:9093`. */
  readonly url?: string;
  /** Only alerts whose `alertname` starts with it count. Default: every alert counts. */
  readonly alarmNamePrefix?: string;
  /** How long to wait for the answer, in milliseconds. Default: 10000. */
  readonly timeoutMs?: number;
}

/**
 * `GET <url>/api/v2/alerts?active=true&silenced=false&inhibited=false`. An Alertmanager that cannot be reached, or
 * answers with an error or with something that is not its alerts list, gives `{ error }` naming the URL.
 */
export async function readAlertmanagerOpenAlarms(
  options: AlertmanagerReaderOptions = {},
): Promise<OpenAlarmsEvidence | { error: string }> {
  const base = (options.url ?? DEFAULT_ALERTMANAGER_URL).replace(/\/+$/, '');
  const url = `${base}/api/v2/alerts?active=true&silenced=false&inhibited=false`;
  const checkedAt = new Date();
  let body: unknown;
  try {
    const response = await fetch(url, {
      headers: { Accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    if (!response.ok) {
      return { error: `Alertmanager at ${url} answered ${response.status} ${response.statusText}` };
    }
    body = await response.json();
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (e as Error).message;
    return {
      error:
        `Alertmanager at ${url} could not be read (${why}); start the docker stage's MonitoringStack, pass ` +
        '`--alertmanager-url`, or give the alerts as a file with `--alarms-evidence`',
    };
  }
  if (!Array.isArray(body)) return { error: `Alertmanager at ${url} did not answer with a list of alerts` };
  try {
    return {
      source: `alertmanager ${base}`,
      checkedAt,
      openAlarms: withPrefix(openAlarmsOf(body, `from ${url}`), options.alarmNamePrefix),
    };
  } catch (e) {
    return { error: (e as Error).message };
  }
}
