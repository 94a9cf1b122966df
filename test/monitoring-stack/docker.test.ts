/**
 * MonitoringStack on docker: the containers, what each is given (exact config files), and the real checks:
 * `promtool check config` / `check rules` and `amtool check-config` on the generated files, and a real
 * Alertmanager (Debian's) started with the generated config, which must deliver a posted alert to the webhook
 * and to the email address through a local SMTP listener. A missing binary fails with the install hint.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';
import {
  alertNames,
  alertRules,
  alertmanagerConfig,
  driftSchedulerCommand,
  driftSchedulerLabels,
  prometheusConfig,
  toYaml,
} from '../../lib/monitoring-stack/docker-facts';
import { renderDocker } from '../../lib/monitoring-stack/pulumi-docker';
import type { ResolvedMonitoringStack } from '../../lib/monitoring-stack/resolved';
import { recordProgram, type RecordedResource } from '../../lib/testing';
import { requireTool } from '../support/tools';
import { RUN, dockerSpec } from './docker-spec';

const CONTAINER = 'docker:index/container:Container';
const PROMETHEUS_HINT = "Install Debian's Prometheus: `apt-get install prometheus` (promtool comes with it).";
const ALERTMANAGER_HINT =
  "Install Debian's Alertmanager: `apt-get install prometheus-alertmanager` (amtool comes with it).";

/** Records the renderer under a component, with the raw (unresolved) upload inputs of each container. */
async function render(spec: ResolvedMonitoringStack) {
  const rawUploads: Record<string, { file: string; content: pulumi.Input<string> }[]> = {};
  let rendered: ReturnType<typeof renderDocker> | undefined;
  const rec = await recordProgram(() => {
    const parent = new pulumi.ComponentResource(
      'mlops:index:MonitoringStack',
      spec.constructName,
      {},
      {
        transformations: [
          (t) => {
            if (t.type === CONTAINER && t.props.uploads) rawUploads[t.name] = t.props.uploads;
            return undefined;
          },
        ],
      },
    );
    rendered = renderDocker(spec, parent);
    return {
      alarmNames: rendered.alarmNames,
      dashboardUrl: rendered.dashboardUrl,
      notificationTargets: rendered.notificationTargets,
      driftCheck: rendered.driftCheck,
    };
  });
  return { rec, rawUploads, rendered: rendered! };
}

function uploads(resource: RecordedResource): Record<string, string> {
  // The recorder sometimes hands a long list of uploads back keyed "0", "1", ...: read it in order either way.
  const list = Object.values(resource.inputs.uploads as object) as { file: string; content: string }[];
  return Object.fromEntries(list.map((u) => [u.file, u.content]));
}

const labelsOf = (resource: RecordedResource) =>
  Object.fromEntries(
    (resource.inputs.labels as { label: string; value: string }[]).map((l) => [l.label, l.value]),
  );

describe('MonitoringStack on docker: containers and their configs', () => {
  let rec: Awaited<ReturnType<typeof render>>['rec'];
  let rawUploads: Awaited<ReturnType<typeof render>>['rawUploads'];

  beforeAll(async () => {
    ({ rec, rawUploads } = await render(dockerSpec()));
  });

  test('outputs: alert names, the Grafana dashboard URL, the receiver, the drift job', () => {
    expect(rec.outputs).toEqual({
      alarmNames: [
        'churn-dev-client-errors',
        'churn-dev-drift',
        'churn-dev-drift-check-stale',
        'churn-dev-gateway-down',
        'churn-dev-latency-p99',
        'churn-dev-no-traffic',
        'churn-dev-server-errors',
        'churn-dev-serving-down',
      ],
      dashboardUrl: 'http://127.0.0.1:3000/d/churn-dev',
      notificationTargets: ['churn-dev'],
      driftCheck: 'churn-dev-drift',
    });
  });

  test('pinned images, unique names, UIs on 127.0.0.1 only, Prometheus on both networks', () => {
    const images = rec.ofType('docker:index/remoteImage:RemoteImage').map((i) => i.inputs.name);
    expect(images.sort()).toEqual([
      'grafana/grafana:12.2.1',
      'mcuadros/ofelia:0.3.21',
      'nginx/nginx-prometheus-exporter:1.4.0',
      'nginx:1.27.5-alpine',
      'prom/alertmanager:v0.28.1',
      'prom/prometheus:v3.7.3',
      'prom/pushgateway:v1.11.3',
      'python:3.13.3-alpine',
    ]);
    const containers = rec.ofType(CONTAINER);
    expect(Object.fromEntries(containers.map((c) => [c.name, c.inputs.name]))).toEqual({
      'churn-monitoring-prometheus': 'churn-dev-prometheus',
      'churn-monitoring-alertmanager': 'churn-dev-alertmanager',
      'churn-monitoring-gateway-exporter': 'churn-dev-gateway-exporter',
      'churn-monitoring-grafana': 'churn-dev-grafana',
      'churn-monitoring-pushgateway': 'churn-dev-pushgateway',
      'churn-monitoring-retrain-relay': 'churn-dev-retrain-relay',
      'churn-monitoring-drift': 'churn-dev-drift',
      'churn-monitoring-drift-scheduler': 'churn-dev-drift-scheduler',
    });
    const published = Object.fromEntries(
      containers.filter((c) => c.inputs.ports).map((c) => [c.inputs.name, c.inputs.ports]),
    );
    expect(published).toEqual({
      'churn-dev-prometheus': [{ internal: 9090, external: 9090, ip: '127.0.0.1' }],
      'churn-dev-alertmanager': [{ internal: 9093, external: 9093, ip: '127.0.0.1' }],
      'churn-dev-grafana': [{ internal: 3000, external: 3000, ip: '127.0.0.1' }],
    });
    const networks = (name: string) =>
      (rec.one(CONTAINER, name).inputs.networksAdvanced as { name: string }[]).map((n) => n.name);
    expect(networks('churn-monitoring-prometheus')).toEqual(['churn-dev-monitoring', 'churn-dev']);
    expect(networks('churn-monitoring-gateway-exporter')).toEqual(['churn-dev']);
    expect(rec.one(CONTAINER, 'churn-monitoring-gateway-exporter').inputs.command).toEqual([
      '--nginx.scrape-uri=http://churn-dev-gateway:8081/stub_status',
    ]);
    expect(rec.one(CONTAINER, 'churn-monitoring-prometheus').inputs.volumes).toEqual([
      { volumeName: 'churn-dev-prometheus-data', containerPath: '/prometheus' },
    ]);
    // Nothing runs privileged; only the scheduler and the relay hold the Engine socket.
    const socketHolders = containers
      .filter((c) => JSON.stringify(c.inputs.volumes ?? []).includes('/var/run/docker.sock'))
      .map((c) => c.inputs.name);
    expect(socketHolders.sort()).toEqual(['churn-dev-drift-scheduler', 'churn-dev-retrain-relay']);
    expect(containers.map((c) => c.inputs.privileged)).toEqual(containers.map(() => undefined));
  });

  test('Prometheus is given exactly this scrape config', () => {
    expect(uploads(rec.one(CONTAINER, 'churn-monitoring-prometheus'))['/etc/prometheus/prometheus.yml']).toBe(
      [
        'global:',
        '  scrape_interval: 15s',
        '  evaluation_interval: 15s',
        'rule_files:',
        '  - /etc/prometheus/rules.yml',
        'alerting:',
        '  alertmanagers:',
        '    - static_configs:',
        '        - targets:',
        '            - churn-dev-alertmanager:9093',
        'scrape_configs:',
        '  - job_name: serving',
        '    dns_sd_configs:',
        '      - names:',
        '          - churn-dev-serving',
        '        type: A',
        '        port: 8080',
        '        refresh_interval: 15s',
        '  - job_name: gateway',
        '    static_configs:',
        '      - targets:',
        '          - churn-dev-gateway-exporter:9113',
        '  - job_name: drift',
        '    honor_labels: true',
        '    static_configs:',
        '      - targets:',
        '          - churn-dev-pushgateway:9091',
        '',
      ].join('\n'),
    );
  });

  test('alert rules: p99 by histogram_quantile, error ratios, 3 of 5 periods, from the resolved thresholds', () => {
    const rules = parse(
      uploads(rec.one(CONTAINER, 'churn-monitoring-prometheus'))['/etc/prometheus/rules.yml'],
    ).groups[0].rules as { alert: string; expr: string; for?: string; labels: Record<string, string> }[];
    const byName = Object.fromEntries(rules.map((r) => [r.alert, r]));
    expect(byName['churn-dev-latency-p99'].expr).toBe(
      'count_over_time((histogram_quantile(0.99, sum by (le) (rate(mlops_http_request_duration_seconds_bucket{job="serving"}[60s]))) > 2)[300s:60s]) >= 3',
    );
    expect(byName['churn-dev-server-errors'].expr).toBe(
      'count_over_time((sum(rate(mlops_http_requests_total{job="serving",code=~"5.."}[60s])) / sum(rate(mlops_http_requests_total{job="serving"}[60s])) * 100 >= 5)[300s:60s]) >= 3',
    );
    expect(byName['churn-dev-client-errors'].expr).toBe(
      'count_over_time((sum(rate(mlops_http_requests_total{job="serving",code=~"4.."}[60s])) / sum(rate(mlops_http_requests_total{job="serving"}[60s])) * 100 >= 25)[300s:60s]) >= 3',
    );
    expect([byName['churn-dev-no-traffic'].expr, byName['churn-dev-no-traffic'].for]).toEqual([
      '(sum(increase(mlops_http_requests_total{job="serving"}[60s])) or vector(0)) == 0',
      '15m',
    ]);
    expect([byName['churn-dev-serving-down'].expr, byName['churn-dev-serving-down'].for]).toEqual([
      'absent(up{job="serving"} == 1)',
      '180s',
    ]);
    expect(byName['churn-dev-drift'].expr).toBe(
      'max(mlops_drift_detected{job="mlops_drift",endpoint="churn-dev"}) == 1',
    );
    expect([byName['churn-dev-drift-check-stale'].expr, byName['churn-dev-drift-check-stale'].for]).toEqual([
      '(time() - max(mlops_drift_last_run_timestamp_seconds{job="mlops_drift",endpoint="churn-dev"}) > 84600) or absent(max(mlops_drift_last_run_timestamp_seconds{job="mlops_drift",endpoint="churn-dev"}))',
      '88200s',
    ]);
    expect(byName['churn-dev-latency-p99'].labels).toEqual({ severity: 'critical', endpoint: 'churn-dev' });
    expect(rules.map((r) => r.alert)).toEqual(alertNames(dockerSpec()));
  });

  test('other thresholds change the rules; 0% means any error; no-traffic off leaves its rule out', () => {
    const spec = dockerSpec({
      thresholds: {
        ...dockerSpec().thresholds,
        latencyP99Ms: 1500,
        serverErrorPercent: 0,
        noTrafficMinutes: 0,
        periodSeconds: 120,
        evaluationPeriods: 4,
        datapointsToAlarm: 2,
      },
      drift: undefined,
    });
    const rules = (alertRules(spec) as any).groups[0].rules as { alert: string; expr: string }[];
    expect(rules.map((r) => r.alert)).toEqual([
      'churn-dev-latency-p99',
      'churn-dev-server-errors',
      'churn-dev-client-errors',
      'churn-dev-serving-down',
      'churn-dev-gateway-down',
    ]);
    expect(rules[0].expr).toContain('[120s]))) > 1.5)[480s:120s]) >= 2');
    expect(rules[1].expr).toContain(' * 100 > 0)[480s:120s]) >= 2');
    // No drift: no Pushgateway job.
    expect((prometheusConfig(spec) as any).scrape_configs.map((c: any) => c.job_name)).toEqual([
      'serving',
      'gateway',
    ]);
  });

  test('Alertmanager routes every alert to one receiver with the webhook and each email; secrets stay secret', async () => {
    const am = uploads(rec.one(CONTAINER, 'churn-monitoring-alertmanager'))[
      '/etc/alertmanager/alertmanager.yml'
    ];
    expect(am).toBe(
      [
        'global:',
        '  smtp_smarthost: smtp.example.com:587',
        '  smtp_from: mlops@example.com',
        '  smtp_auth_username: mlops',
        '  smtp_auth_password: s3cret-pass',
        '  smtp_require_tls: true',
        'route:',
        '  receiver: churn-dev',
        '  group_by:',
        '    - alertname',
        '  group_wait: 30s',
        '  group_interval: 5m',
        '  repeat_interval: 4h',
        'receivers:',
        '  - name: churn-dev',
        '    webhook_configs:',
        '      - url: https://hooks.example.com/services/T000/B000/XXXX',
        '        send_resolved: true',
        '    email_configs:',
        '      - to: oncall@example.com',
        '        send_resolved: true',
        '',
      ].join('\n'),
    );
    // The file carries the secret webhook URL and SMTP password: its content is a secret in the state.
    const content = rawUploads['churn-monitoring-alertmanager'][0].content as pulumi.Output<string>;
    expect(await (content as any).isSecret).toBe(true);
    const prometheusContent = pulumi.output(rawUploads['churn-monitoring-prometheus'][0].content);
    expect(await (prometheusContent as any).isSecret).toBe(false);
  });

  test('dev without notifications: the receiver has no destination and nobody is named as told', async () => {
    const spec = dockerSpec({
      notifications: { emails: [], channelIds: [] },
      drift: undefined,
      dashboard: false,
    });
    expect(alertmanagerConfig(spec, undefined, undefined)).toEqual({
      route: {
        receiver: 'churn-dev',
        group_by: ['alertname'],
        group_wait: '30s',
        group_interval: '5m',
        repeat_interval: '4h',
      },
      receivers: [{ name: 'churn-dev' }],
    });
    const { rec: quiet } = await render(spec);
    expect(quiet.outputs).toMatchObject({ notificationTargets: [], dashboardUrl: '', driftCheck: '' });
    expect(
      quiet
        .ofType(CONTAINER)
        .map((c) => c.inputs.name)
        .sort(),
    ).toEqual(['churn-dev-alertmanager', 'churn-dev-gateway-exporter', 'churn-dev-prometheus']);
  });

  test('Grafana: provisioned datasource and dashboard, read-only, with the thresholds drawn', () => {
    const grafana = rec.one(CONTAINER, 'churn-monitoring-grafana');
    const files = uploads(grafana);
    expect(Object.keys(files)).toEqual([
      '/etc/grafana/provisioning/datasources/mlops.yaml',
      '/etc/grafana/provisioning/dashboards/mlops.yaml',
      '/etc/grafana/dashboards/churn-dev.json',
    ]);
    expect(parse(files['/etc/grafana/provisioning/datasources/mlops.yaml'])).toEqual({
      apiVersion: 1,
      datasources: [
        {
          name: 'Prometheus',
          uid: 'mlops-prometheus',
          type: 'prometheus',
          access: 'proxy',
          url: 'http://churn-dev-prometheus:9090',
          isDefault: true,
          editable: false,
        },
      ],
    });
    expect(parse(files['/etc/grafana/provisioning/dashboards/mlops.yaml']).providers[0]).toEqual({
      name: 'mlops',
      type: 'file',
      disableDeletion: true,
      allowUiUpdates: false,
      options: { path: '/etc/grafana/dashboards' },
    });
    const dashboard = JSON.parse(files['/etc/grafana/dashboards/churn-dev.json']);
    expect(dashboard.uid).toBe('churn-dev');
    const latency = dashboard.panels.find((p: any) => p.title === 'Latency (ms)');
    expect(latency.targets.map((t: any) => t.expr)).toEqual([
      'histogram_quantile(0.5, sum by (le) (rate(mlops_http_request_duration_seconds_bucket{job="serving"}[60s]))) * 1000',
      'histogram_quantile(0.99, sum by (le) (rate(mlops_http_request_duration_seconds_bucket{job="serving"}[60s]))) * 1000',
    ]);
    expect(latency.fieldConfig.defaults.thresholds.steps[1]).toEqual({ color: 'red', value: 2000 });
    expect(dashboard.panels.map((p: any) => p.datasource.uid)).toEqual(
      dashboard.panels.map(() => 'mlops-prometheus'),
    );
    expect(grafana.inputs.envs).toEqual(
      expect.arrayContaining(['GF_AUTH_ANONYMOUS_ORG_ROLE=Viewer', 'GF_AUTH_DISABLE_LOGIN_FORM=true']),
    );
  });

  test('drift: a stopped job reading capture and the served baseline read-only, started by Ofelia daily', () => {
    const drift = rec.one(CONTAINER, 'churn-monitoring-drift');
    expect(drift.inputs).toMatchObject({
      image: expect.any(String),
      command: ['python', '/opt/mlops-drift/drift.py'],
      user: '10001:10001',
      start: false,
      mustRun: false,
      restart: 'no',
    });
    expect(drift.inputs.volumes).toEqual([
      { volumeName: 'churn-dev-capture', containerPath: '/var/log/mlops', readOnly: true },
      { volumeName: 'churn-training-dev-models', containerPath: '/mnt/baseline', readOnly: true },
      { volumeName: 'churn-dev-retrain-relay', containerPath: '/run/mlops-retrain', readOnly: true },
    ]);
    const env = Object.fromEntries(
      (drift.inputs.envs as string[]).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
    );
    expect(env).toEqual({
      MLOPS_DRIFT_ENDPOINT: 'churn-dev',
      MLOPS_CAPTURE_DIR: '/var/log/mlops',
      MLOPS_DRIFT_STATISTIC: 'psi',
      MLOPS_DRIFT_THRESHOLD: '0.2',
      MLOPS_DRIFT_FEATURE_THRESHOLDS: '{"tenure":0.3}',
      MLOPS_DRIFT_WINDOW_HOURS: '24',
      MLOPS_DRIFT_PUSHGATEWAY_URL: 'http://churn-dev-pushgateway:9091',
      MLOPS_DRIFT_RETRAIN: 'true',
      MLOPS_RETRAIN_CONTAINER: 'churn-training-dev-runner',
      DOCKER_HOST: 'unix:///run/mlops-retrain/docker.sock',
      MLOPS_DRIFT_BASELINE_URL: `/mnt/baseline/${RUN}baseline/`,
    });
    // The template's Python files, as they are in templates/drift.
    const files = uploads(drift);
    expect(Object.keys(files)).toContain('/opt/mlops-drift/drift.py');
    const template = path.resolve(__dirname, '..', '..', 'templates', 'drift', 'drift.py');
    expect(files['/opt/mlops-drift/drift.py']).toBe(readFileSync(template, 'utf8'));
    const scheduler = rec.one(CONTAINER, 'churn-monitoring-drift-scheduler');
    // The job is named after the stack's prefix, and Ofelia lists only its own container (the Engine ANDs the
    // filter with ofelia.enabled=true), so it never runs another stack's jobs nor loses its own to a namesake.
    expect(labelsOf(scheduler)).toEqual({
      team: 'churn',
      'mlops.scheduler': 'churn-dev-drift-scheduler',
      'ofelia.enabled': 'true',
      'ofelia.service': 'true',
      'ofelia.job-run.churn-dev-drift-check.schedule': '0 5 0 * * *',
      'ofelia.job-run.churn-dev-drift-check.container': 'churn-dev-drift',
      'ofelia.job-run.churn-dev-drift-check.no-overlap': 'true',
    });
    expect(scheduler.inputs.name).toBe('churn-dev-drift-scheduler');
    expect(scheduler.inputs.command).toEqual([
      'daemon',
      '--docker',
      '--docker-filter',
      'label=mlops.scheduler=churn-dev-drift-scheduler',
    ]);
    const relay = rec.one(CONTAINER, 'churn-monitoring-retrain-relay');
    expect(relay.inputs.networkMode).toBe('none');
    expect(uploads(relay)['/etc/nginx/nginx.conf']).toContain(
      'proxy_pass http://unix:/var/run/docker.sock:/containers/churn-training-dev-runner/start;',
    );
  });

  test('drift without retraining: no relay, no socket near the job', async () => {
    const base = dockerSpec();
    const { rec: noRetrain } = await render(
      dockerSpec({ drift: { ...base.drift!, retrain: false, schedule: 'hourly' } }),
    );
    expect(noRetrain.ofType(CONTAINER).map((c) => c.inputs.name)).not.toContain('churn-dev-retrain-relay');
    const env = noRetrain.one(CONTAINER, 'churn-monitoring-drift').inputs.envs as string[];
    expect(env).toContain('MLOPS_DRIFT_RETRAIN=false');
    expect(env).toContain('MLOPS_DRIFT_WINDOW_HOURS=1');
    expect(env.some((e) => e.startsWith('DOCKER_HOST='))).toBe(false);
    expect(
      labelsOf(noRetrain.one(CONTAINER, 'churn-monitoring-drift-scheduler'))[
        'ofelia.job-run.churn-dev-drift-check.schedule'
      ],
    ).toBe('0 5 * * * *');
  });

  test("two stacks on one host: disjoint job names, and each scheduler reads only its own container's labels", () => {
    const base = dockerSpec();
    const other = dockerSpec({ namePrefix: 'fraud.v2-dev' });
    const keys = (s: ResolvedMonitoringStack) =>
      Object.keys(driftSchedulerLabels(s)).filter((k) => k.startsWith('ofelia.job-run.'));
    expect(keys(other)).toEqual([
      'ofelia.job-run.fraud_v2-dev-drift-check.schedule',
      'ofelia.job-run.fraud_v2-dev-drift-check.container',
      'ofelia.job-run.fraud_v2-dev-drift-check.no-overlap',
    ]);
    expect(keys(base).filter((k) => keys(other).includes(k))).toEqual([]);
    expect(driftSchedulerLabels(other)['mlops.scheduler']).toBe('fraud.v2-dev-drift-scheduler');
    expect(driftSchedulerCommand(other)).toEqual([
      'daemon',
      '--docker',
      '--docker-filter',
      'label=mlops.scheduler=fraud.v2-dev-drift-scheduler',
    ]);
  });
});

describe('the generated files pass Prometheus and Alertmanager validators', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-prometheus-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('promtool check config and check rules', () => {
    const promtool = requireTool('promtool', PROMETHEUS_HINT);
    const spec = dockerSpec();
    const rules = path.join(dir, 'rules.yml');
    writeFileSync(rules, toYaml(alertRules(spec)));
    // The config names the rules file by its path in the container; here it is in the temporary directory.
    const config = path.join(dir, 'prometheus.yml');
    writeFileSync(config, toYaml(prometheusConfig(spec)).replace('/etc/prometheus/rules.yml', rules));
    const checkedRules = spawnSync(promtool, ['check', 'rules', rules], { encoding: 'utf8' });
    expect([checkedRules.status, checkedRules.stdout.trim()]).toEqual([
      0,
      `Checking ${rules}\n  SUCCESS: 8 rules found`,
    ]);
    const checkedConfig = spawnSync(promtool, ['check', 'config', config], { encoding: 'utf8' });
    expect(checkedConfig.stdout + checkedConfig.stderr).toContain(
      `SUCCESS: ${config} is valid prometheus config file syntax`,
    );
    expect(checkedConfig.status).toBe(0);
    // The validator is really on: a broken expression is refused.
    writeFileSync(rules, toYaml(alertRules(spec)).replace('>= 3', '>= >= 3'));
    expect(spawnSync(promtool, ['check', 'rules', rules], { encoding: 'utf8' }).status).toBe(1);
  });

  test('promtool test rules: on synthetic series the alerts fire as the thresholds say, and not before', () => {
    const promtool = requireTool('promtool', PROMETHEUS_HINT);
    const rules = path.join(dir, 'rules-under-test.yml');
    writeFileSync(rules, toYaml(alertRules(dockerSpec())));
    const serving = (labels: string) => `{job="serving",instance="10.0.0.5:8080"${labels}}`;
    const healthy = [
      { series: `up${serving('')}`, values: '1x200' },
      { series: 'up{job="gateway",instance="churn-dev-gateway-exporter:9113"}', values: '1x200' },
      { series: 'nginx_up{job="gateway",instance="churn-dev-gateway-exporter:9113"}', values: '1x200' },
    ];
    const labels = { severity: 'critical', endpoint: 'churn-dev' };
    const summaries = Object.fromEntries(
      ((alertRules(dockerSpec()) as any).groups[0].rules as any[]).map((r) => [
        r.alert,
        r.annotations.summary,
      ]),
    );
    const fires = (alertname: string, at: string, exp: Record<string, string> = labels) => ({
      eval_time: at,
      alertname,
      exp_alerts: [{ exp_labels: exp, exp_annotations: { summary: summaries[alertname] } }],
    });
    const quiet = (alertname: string, at: string) => ({ eval_time: at, alertname, exp_alerts: [] });
    const unitTests = {
      rule_files: [rules],
      evaluation_interval: '15s',
      tests: [
        {
          // 6 requests a second, 10% of them 5xx; 10% take 2 to 5 s (p99 above the 2000 ms threshold).
          interval: '15s',
          input_series: [
            ...healthy,
            { series: `mlops_http_requests_total${serving(',code="200"')}`, values: '0+81x200' },
            { series: `mlops_http_requests_total${serving(',code="500"')}`, values: '0+9x200' },
            {
              series: `mlops_http_request_duration_seconds_bucket${serving(',le="1.0"')}`,
              values: '0+81x200',
            },
            {
              series: `mlops_http_request_duration_seconds_bucket${serving(',le="2.0"')}`,
              values: '0+81x200',
            },
            {
              series: `mlops_http_request_duration_seconds_bucket${serving(',le="5.0"')}`,
              values: '0+90x200',
            },
            {
              series: `mlops_http_request_duration_seconds_bucket${serving(',le="+Inf"')}`,
              values: '0+90x200',
            },
          ],
          alert_rule_test: [
            // 3 of 5 one-minute periods must breach: not yet at 2 minutes, firing by 5.
            quiet('churn-dev-server-errors', '2m'),
            fires('churn-dev-server-errors', '5m'),
            fires('churn-dev-latency-p99', '5m'),
            quiet('churn-dev-client-errors', '5m'),
            quiet('churn-dev-no-traffic', '30m'),
            quiet('churn-dev-serving-down', '30m'),
            quiet('churn-dev-gateway-down', '30m'),
          ],
        },
        {
          // No request for 15 minutes; the serving containers then vanish, and the gateway's exporter reads nothing.
          interval: '1m',
          input_series: [
            { series: `mlops_http_requests_total${serving(',code="200"')}`, values: '100x30' },
            { series: `up${serving('')}`, values: '1x20 _x20' },
            {
              series: 'nginx_up{job="gateway",instance="churn-dev-gateway-exporter:9113"}',
              values: '1x20 0x20',
            },
            { series: 'up{job="gateway",instance="churn-dev-gateway-exporter:9113"}', values: '1x40' },
            {
              series: 'mlops_drift_detected{job="mlops_drift",endpoint="churn-dev"}',
              values: '0x10 1x30',
            },
          ],
          alert_rule_test: [
            quiet('churn-dev-no-traffic', '10m'),
            fires('churn-dev-no-traffic', '16m', { severity: 'warning', endpoint: 'churn-dev' }),
            quiet('churn-dev-drift', '5m'),
            fires('churn-dev-drift', '12m', { severity: 'warning', endpoint: 'churn-dev' }),
            quiet('churn-dev-serving-down', '22m'),
            fires('churn-dev-serving-down', '30m'),
            fires('churn-dev-gateway-down', '30m', {
              ...labels,
              job: 'gateway',
              instance: 'churn-dev-gateway-exporter:9113',
            }),
          ],
        },
      ],
    };
    const file = path.join(dir, 'rules-test.yml');
    writeFileSync(file, toYaml(unitTests));
    const tested = spawnSync(promtool, ['test', 'rules', file], { encoding: 'utf8' });
    expect(tested.stdout + tested.stderr).toContain('SUCCESS');
    expect(tested.status).toBe(0);
  });

  test('promtool test rules: drift-check-stale fires 48 h after the last successful daily check, and 24.5 h after Prometheus started when none ever succeeded', () => {
    const promtool = requireTool('promtool', PROMETHEUS_HINT);
    const rules = path.join(dir, 'stale-rules-under-test.yml');
    writeFileSync(rules, toYaml(alertRules(dockerSpec())));
    const lastRun = 'mlops_drift_last_run_timestamp_seconds{job="mlops_drift",endpoint="churn-dev"}';
    const gateway = {
      series: 'up{job="gateway",instance="churn-dev-gateway-exporter:9113"}',
      values: '1x4400',
    };
    const stale = (at: string) => ({
      eval_time: at,
      alertname: 'churn-dev-drift-check-stale',
      exp_alerts: [
        {
          exp_labels: { severity: 'warning', endpoint: 'churn-dev' },
          exp_annotations: { summary: 'no drift check has succeeded for 48 hours (or none at all yet)' },
        },
      ],
    });
    const quiet = (at: string) => ({
      eval_time: at,
      alertname: 'churn-dev-drift-check-stale',
      exp_alerts: [],
    });
    const unitTests = {
      rule_files: [rules],
      evaluation_interval: '1m',
      tests: [
        {
          // The job fails at every run (no baseline): it never pushes a time. Its first check was due by 24h05m.
          interval: '1m',
          input_series: [gateway],
          alert_rule_test: [quiet('24h'), quiet('24h29m'), stale('24h31m')],
        },
        {
          // Checks succeed at 0 and 24 h (the Pushgateway keeps the last time), then stop succeeding.
          interval: '1m',
          input_series: [gateway, { series: lastRun, values: '0x1439 86400x2900' }],
          alert_rule_test: [quiet('23h45m'), quiet('24h30m'), quiet('47h'), quiet('71h59m'), stale('72h1m')],
        },
      ],
    };
    const file = path.join(dir, 'stale-rules-test.yml');
    writeFileSync(file, toYaml(unitTests));
    const tested = spawnSync(promtool, ['test', 'rules', file], { encoding: 'utf8' });
    expect(tested.stdout + tested.stderr).toContain('SUCCESS');
    expect(tested.status).toBe(0);
  });

  test('amtool check-config', () => {
    const amtool = requireTool('amtool', ALERTMANAGER_HINT);
    const file = path.join(dir, 'alertmanager.yml');
    writeFileSync(file, toYaml(alertmanagerConfig(dockerSpec(), 'https://hooks.example.com/x', 'pw')));
    const checked = spawnSync(amtool, ['check-config', file], { encoding: 'utf8' });
    expect(checked.stdout).toContain(' - 1 receivers');
    expect(checked.status).toBe(0);
    writeFileSync(file, toYaml(alertmanagerConfig(dockerSpec(), 'not a url', 'pw')));
    expect(spawnSync(amtool, ['check-config', file], { encoding: 'utf8' }).status).toBe(1);
  });
});

/** A minimal SMTP listener: accepts one session per connection and records each message's recipients and body. */
function smtpListener(messages: { to: string[]; data: string }[]): Server {
  return createTcpServer((socket) => {
    let to: string[] = [];
    let data: string | undefined;
    let buffer = '';
    socket.on('error', () => undefined); // Alertmanager stopped mid-session at the end of the test
    socket.write('220 localhost ESMTP test\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let at: number;
      while ((at = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        if (data !== undefined) {
          if (line === '.') {
            messages.push({ to, data });
            data = undefined;
            to = [];
            socket.write('250 OK queued\r\n');
          } else data += `${line}\n`;
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250 localhost\r\n');
        else if (verb === 'RCPT') {
          to.push(/<(.*)>/.exec(line)?.[1] ?? '');
          socket.write('250 OK\r\n');
        } else if (verb === 'DATA') {
          data = '';
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 OK\r\n');
      }
    });
  });
}

async function freePort(): Promise<number> {
  const probe = createTcpServer();
  const port = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const listen = (server: Server | ReturnType<typeof createHttpServer>) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

describe('a real Alertmanager with the generated config', () => {
  const hooks: { path: string; body: any }[] = [];
  const mails: { to: string[]; data: string }[] = [];
  const webhook = createHttpServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push({ path: req.url ?? '', body: JSON.parse(body) });
      res.writeHead(200).end();
    });
  });
  const smtp = smtpListener(mails);
  let alertmanager: ChildProcess | undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-alertmanager-'));

  afterAll(async () => {
    alertmanager?.kill();
    webhook.close();
    smtp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a posted alert reaches the webhook and the email address through the one route', async () => {
    const binary = requireTool('prometheus-alertmanager', ALERTMANAGER_HINT);
    const [hookPort, smtpPort, amPort] = [await listen(webhook), await listen(smtp), await freePort()];
    const spec = dockerSpec({
      docker: {
        ...dockerSpec().docker!,
        // The local listener speaks plain SMTP without login: no STARTTLS, no password.
        smtp: { smarthost: `127.0.0.1:${smtpPort}`, from: 'mlops@example.com', requireTls: false },
      },
    });
    const generated = alertmanagerConfig(spec, `http://127.0.0.1:${hookPort}/alerts`, undefined) as any;
    // Only the wait before a new group's first notification is shortened (30 s): the route is what is tested.
    expect(generated.route.group_wait).toBe('30s');
    const file = path.join(dir, 'alertmanager.yml');
    writeFileSync(file, toYaml({ ...generated, route: { ...generated.route, group_wait: '0s' } }));
    alertmanager = spawn(
      binary,
      [
        `--config.file=${file}`,
        `--storage.path=${dir}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        '--cluster.listen-address=',
      ],
      { stdio: 'ignore' },
    );
    const api = `http://127.0.0.1:${amPort}/api/v2`;
    for (let i = 0; ; i++) {
      if (
        await fetch(`${api}/status`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 100) throw new Error('Alertmanager did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const posted = await fetch(`${api}/alerts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([
        {
          labels: { alertname: 'churn-dev-server-errors', severity: 'critical', endpoint: 'churn-dev' },
          annotations: { summary: '5% or more of requests end in a server error (5xx) in 3 of 5 periods' },
        },
      ]),
    });
    expect(posted.status).toBe(200);
    for (let i = 0; hooks.length === 0 || mails.length === 0; i++) {
      if (i > 160) throw new Error(`not delivered: ${hooks.length} webhook calls, ${mails.length} emails`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(hooks[0].path).toBe('/alerts');
    expect(hooks[0].body).toMatchObject({
      receiver: 'churn-dev',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'churn-dev-server-errors', severity: 'critical', endpoint: 'churn-dev' },
          annotations: { summary: '5% or more of requests end in a server error (5xx) in 3 of 5 periods' },
        },
      ],
    });
    expect(mails[0].to).toEqual(['oncall@example.com']);
    expect(mails[0].data).toContain('churn-dev-server-errors');
  }, 20_000);
});
