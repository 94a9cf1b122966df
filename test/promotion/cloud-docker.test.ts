/**
 * The docker reader of the `noOpenAlarms` gate against a real Alertmanager (Debian's prometheus-alertmanager) on
 * loopback: alerts are posted to its v2 API, one of them silenced, and read back. A missing binary fails with the
 * install hint: this test is part of `npm test` and cannot be skipped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readAlertmanagerOpenAlarms } from '../../lib/promotion/cloud/docker';
import { readOpenAlarms } from '../../lib/promotion/cloud';
import { readAlarmEvidenceFile } from '../../lib/promotion/evidence';
import { requireTool } from '../support/tools';

const ALERTMANAGER_HINT =
  "Install Debian's Alertmanager: `apt-get install prometheus-alertmanager` (amtool comes with it).";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('readAlertmanagerOpenAlarms against Alertmanager', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-promote-am-'));
  let alertmanager: ChildProcess | undefined;
  let url = '';

  beforeAll(async () => {
    const binary = requireTool('prometheus-alertmanager', ALERTMANAGER_HINT);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const config = path.join(dir, 'alertmanager.yml');
    writeFileSync(config, 'route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n');
    alertmanager = spawn(
      binary,
      [
        `--config.file=${config}`,
        `--storage.path=${dir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; ; i++) {
      const up = await fetch(`${url}/api/v2/status`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (i > 200) throw new Error(`Alertmanager did not start on ${url}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const alert = (alertname: string) => ({
      labels: { alertname, severity: 'critical', endpoint: alertname.split('-').slice(0, 2).join('-') },
      annotations: { summary: `${alertname} fired` },
    });
    const posted = await fetch(`${url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([
        alert('churn-dev-server-errors'),
        alert('churn-dev-latency-p99'),
        alert('churn-staging-server-errors'),
        // Already resolved: it ended a minute ago.
        {
          ...alert('churn-dev-no-invocations'),
          startsAt: new Date(Date.now() - 600_000).toISOString(),
          endsAt: new Date(Date.now() - 60_000).toISOString(),
        },
      ]),
    });
    expect(posted.status).toBe(200);
    const silenced = await fetch(`${url}/api/v2/silences`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        matchers: [{ name: 'alertname', value: 'churn-dev-latency-p99', isRegex: false, isEqual: true }],
        startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
        createdBy: 'test',
        comment: 'known: load test',
      }),
    });
    expect(silenced.status).toBe(200);
  }, 30_000);

  afterAll(async () => {
    if (alertmanager && alertmanager.exitCode === null) {
      const exited = new Promise((resolve) => alertmanager!.once('exit', resolve));
      alertmanager.kill();
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** Alertmanager marks a new alert active on its next pass: wait until the firing ones are no longer unprocessed. */
  async function settled(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const alerts = (await (await fetch(`${url}/api/v2/alerts`)).json()) as { status: { state: string } }[];
      if (alerts.every((a) => a.status.state !== 'unprocessed')) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  test('lists the firing alerts, not the silenced or the resolved one', async () => {
    await settled();
    const before = Date.now();
    const evidence = await readAlertmanagerOpenAlarms({ url });
    expect(evidence).not.toHaveProperty('error');
    const read = evidence as Exclude<typeof evidence, { error: string }>;
    expect(read.source).toBe(`alertmanager ${url}`);
    expect(read.checkedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect([...read.openAlarms].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'churn-dev-server-errors', state: 'active' },
      { name: 'churn-staging-server-errors', state: 'active' },
    ]);
  });

  test('alarmNamePrefix keeps one stage; a trailing slash on the URL is fine', async () => {
    await settled();
    const evidence = await readAlertmanagerOpenAlarms({ url: `${url}/`, alarmNamePrefix: 'churn-staging-' });
    expect(evidence).toMatchObject({
      openAlarms: [{ name: 'churn-staging-server-errors', state: 'active' }],
    });
    const docker = await readOpenAlarms('docker', { alertmanagerUrl: url, alarmNamePrefix: 'churn-dev-' });
    expect(docker).toMatchObject({
      source: `alertmanager ${url}`,
      openAlarms: [{ name: 'churn-dev-server-errors', state: 'active' }],
    });
  });

  test('an Alertmanager that is not there is an error naming the URL', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    expect(await readAlertmanagerOpenAlarms({ url: closed })).toEqual({
      error:
        `Alertmanager at ${closed}/api/v2/alerts?active=true&silenced=false&inhibited=false could not be read ` +
        "(ECONNREFUSED); start the docker stage's MonitoringStack, pass `--alertmanager-url`, or give the alerts as " +
        'a file with `--alarms-evidence`',
    });
  });

  test('a server that is not Alertmanager is an error naming the URL', async () => {
    expect(await readAlertmanagerOpenAlarms({ url: `${url}/no-such-prefix` })).toEqual({
      error: `Alertmanager at ${url}/no-such-prefix/api/v2/alerts?active=true&silenced=false&inhibited=false answered 404 Not Found`,
    });
    // The fragment cuts the query off: the request is GET /api/v2/status, which answers an object.
    expect(await readAlertmanagerOpenAlarms({ url: `${url}/api/v2/status#` })).toEqual({
      error: `Alertmanager at ${url}/api/v2/status#/api/v2/alerts?active=true&silenced=false&inhibited=false did not answer with a list of alerts`,
    });
  });

  test('the unfiltered list saved to a file is evidence with the same open alerts', async () => {
    await settled();
    const all = (await (await fetch(`${url}/api/v2/alerts`)).json()) as {
      labels: { alertname: string };
      status: { state: string; silencedBy: string[] };
    }[];
    // What Alertmanager itself says: the silenced alert is suppressed, the resolved one is not listed at all.
    expect(all.map((a) => [a.labels.alertname, a.status.state]).sort()).toEqual([
      ['churn-dev-latency-p99', 'suppressed'],
      ['churn-dev-server-errors', 'active'],
      ['churn-staging-server-errors', 'active'],
    ]);
    const file = path.join(dir, 'alerts.json');
    writeFileSync(file, JSON.stringify(all, null, 2));
    const evidence = readAlarmEvidenceFile(file);
    expect(evidence.source).toBe(file);
    expect(evidence.checkedAt).toEqual(statSync(file).mtime);
    expect([...evidence.openAlarms].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'churn-dev-server-errors', state: 'active' },
      { name: 'churn-staging-server-errors', state: 'active' },
    ]);
  });
});

describe('readOpenAlarms on gcp', () => {
  test('says the alerts are read from an evidence file and how to save one', async () => {
    expect(await readOpenAlarms('gcp', {})).toEqual({
      error:
        "gcp open alerts are read from an evidence file only: save the stage project's open alerts with `curl -sfG -H " +
        '"Authorization: Bearer $(gcloud auth print-access-token)" ' +
        '"https://monitoring.googleapis.com/v3/projects/<project>/alerts" --data-urlencode \'filter=state="OPEN"\' ' +
        "--data-urlencode 'pageSize=1000' > alerts.json` right before promoting (its age is the file's modification time) " +
        'and pass `--alarms-evidence alerts.json`',
    });
  });
});
