/**
 * Docker facts of a MonitoringStack as plain data: pinned images, names, and the files each monitoring
 * container is given (Prometheus' scrape config and alert rules, Alertmanager's routes, Grafana's provisioning
 * and dashboard, the retrain relay's nginx config, the scheduler's labels). The renderer only wires them.
 *
 * What runs: Prometheus scrapes every serving container of the endpoint (GET /metrics, found through a network
 * alias they share) and an exporter of the gateway's nginx `stub_status`, evaluates the alert rules and sends to
 * Alertmanager, which routes to the webhook and the email addresses. Grafana shows the dashboard. On the drift
 * schedule, Ofelia starts the drift job (templates/drift), which reads the capture volume and the served
 * release's baseline, pushes its result to a Pushgateway Prometheus scrapes, and on drift starts the pipeline's
 * runner through a relay that passes exactly two Engine API calls on that one container.
 */
import { stringify } from 'yaml';
import { GATEWAY_IMAGE } from '../model-endpoint/docker-facts';
import { GATE_IMAGE, SCHEDULER_IMAGE, ofeliaCommand, ofeliaRunJobLabels } from '../ml-pipeline/docker-facts';
import type { DockerWatchTargets, ResolvedMonitoringStack, ResolvedSmtp } from './resolved';

/** Pinned images (tags checked on Docker Hub): a tag that moves would change the stack under a running system. */
export const PROMETHEUS_IMAGE = 'prom/prometheus:v3.7.3';
export const ALERTMANAGER_IMAGE = 'prom/alertmanager:v0.28.1';
export const GRAFANA_IMAGE = 'grafana/grafana:12.2.1';
export const GATEWAY_EXPORTER_IMAGE = 'nginx/nginx-prometheus-exporter:1.4.0';
export const PUSHGATEWAY_IMAGE = 'prom/pushgateway:v1.11.3';
/** The drift job is standard-library Python: the pipeline's gate image runs it, with the template uploaded. */
export const DRIFT_IMAGE = GATE_IMAGE;
/** The same scheduler the pipeline uses. */
export const DRIFT_SCHEDULER_IMAGE = SCHEDULER_IMAGE;
/** The retrain relay is the gateway's nginx. */
export const RELAY_IMAGE = GATEWAY_IMAGE;

export const PORTS = {
  prometheus: 9090,
  alertmanager: 9093,
  grafana: 3000,
  gatewayExporter: 9113,
  pushgateway: 9091,
} as const;

/** Paths inside the containers. */
export const PATHS = {
  prometheusConfig: '/etc/prometheus/prometheus.yml',
  prometheusRules: '/etc/prometheus/rules.yml',
  prometheusData: '/prometheus',
  alertmanagerConfig: '/etc/alertmanager/alertmanager.yml',
  grafanaDatasources: '/etc/grafana/provisioning/datasources/mlops.yaml',
  grafanaDashboards: '/etc/grafana/provisioning/dashboards/mlops.yaml',
  grafanaDashboardDir: '/etc/grafana/dashboards',
  driftDir: '/opt/mlops-drift',
  captureDir: '/var/log/mlops',
  baselineDir: '/mnt/baseline',
  relayConfig: '/etc/nginx/nginx.conf',
  relaySocketDir: '/run/mlops-retrain',
  dockerSocket: '/var/run/docker.sock',
} as const;

/** The socket the drift job reaches the relay through (`DOCKER_HOST`). */
export const RELAY_SOCKET = `${PATHS.relaySocketDir}/docker.sock`;

/** Every physical name of one stack: unique per stack through the resolved `namePrefix`. */
export function dockerNames(spec: ResolvedMonitoringStack) {
  const p = spec.namePrefix;
  return {
    network: `${p}-monitoring`,
    prometheus: `${p}-prometheus`,
    prometheusVolume: `${p}-prometheus-data`,
    alertmanager: `${p}-alertmanager`,
    grafana: `${p}-grafana`,
    gatewayExporter: `${p}-gateway-exporter`,
    pushgateway: `${p}-pushgateway`,
    drift: `${p}-drift`,
    scheduler: `${p}-drift-scheduler`,
    relay: `${p}-retrain-relay`,
    relayVolume: `${p}-retrain-relay`,
    /** The one Alertmanager receiver. */
    receiver: p,
    /** Grafana dashboard uid (at most 40 characters). */
    dashboardUid: p.slice(0, 40),
  };
}

/** The alert rules, by name, in the order they are written. CPU and memory have no metric source on docker. */
export function alertNames(spec: ResolvedMonitoringStack): string[] {
  const p = spec.namePrefix;
  return [
    `${p}-latency-p99`,
    `${p}-server-errors`,
    `${p}-client-errors`,
    ...(spec.thresholds.noTrafficMinutes > 0 ? [`${p}-no-traffic`] : []),
    `${p}-serving-down`,
    `${p}-gateway-down`,
    ...(spec.drift ? [`${p}-drift`, `${p}-drift-check-stale`] : []),
  ];
}

/** `>= t`, or `> 0` for a threshold of 0 (any error at all). */
function atLeast(percent: number): string {
  return percent === 0 ? '> 0' : `>= ${percent}`;
}

/** Half an hour: the slack the drift-check-stale alert leaves a first check (due at :05) and a slow one. */
export const DRIFT_STALE_GRACE_SECONDS = 1800;

/** Seconds between two drift checks. */
export function driftIntervalSeconds(schedule: 'hourly' | 'daily'): number {
  return schedule === 'hourly' ? 3600 : 86400;
}

/**
 * The alert rules file. Each threshold alert fires when `datapointsToAlarm` of the last `evaluationPeriods`
 * periods breach (a subquery sampled once per period, as CloudWatch and Cloud Monitoring count datapoints).
 * p99 latency is `histogram_quantile` over the serving containers' histogram; error rates are ratios of their
 * request counters; traffic is what they answered (the gateway's own counter includes its health checks).
 */
export function alertRules(spec: ResolvedMonitoringStack): Record<string, unknown> {
  const t = spec.thresholds;
  const [latency, server, client, ...rest] = alertNames(spec);
  const period = `${t.periodSeconds}s`;
  const span = `${t.periodSeconds * t.evaluationPeriods}s`;
  const mOfN = (condition: string) =>
    `count_over_time((${condition})[${span}:${period}]) >= ${t.datapointsToAlarm}`;
  const requests = (codes?: string) =>
    `sum(rate(mlops_http_requests_total{job="serving"${codes ? `,code=~"${codes}"` : ''}}[${period}]))`;
  const ratio = (codes: string) => `${requests(codes)} / ${requests()} * 100`;
  const labels = (severity: string) => ({ severity, endpoint: endpointLabel(spec) });
  const rules: Record<string, unknown>[] = [
    {
      alert: latency,
      expr: mOfN(
        `histogram_quantile(0.99, sum by (le) (rate(mlops_http_request_duration_seconds_bucket{job="serving"}[${period}]))) > ${t.latencyP99Ms / 1000}`,
      ),
      labels: labels('critical'),
      annotations: {
        summary: `p99 latency above ${t.latencyP99Ms} ms in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods of ${t.periodSeconds} s`,
      },
    },
    {
      alert: server,
      expr: mOfN(`${ratio('5..')} ${atLeast(t.serverErrorPercent)}`),
      labels: labels('critical'),
      annotations: {
        summary: `${t.serverErrorPercent}% or more of requests end in a server error (5xx) in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods`,
      },
    },
    {
      alert: client,
      expr: mOfN(`${ratio('4..')} ${atLeast(t.clientErrorPercent)}`),
      labels: labels('warning'),
      annotations: {
        summary: `${t.clientErrorPercent}% or more of requests end in a client error (4xx) in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods`,
      },
    },
  ];
  let next = 0;
  if (t.noTrafficMinutes > 0) {
    rules.push({
      alert: rest[next++],
      // None in each period, for N minutes: a window of N minutes would also count the minutes before the
      // first scrape as silent. `or vector(0)`: containers that never answered have no counter yet.
      expr: `(sum(increase(mlops_http_requests_total{job="serving"}[${period}])) or vector(0)) == 0`,
      for: `${t.noTrafficMinutes}m`,
      labels: labels('warning'),
      annotations: { summary: `no request answered for ${t.noTrafficMinutes} minutes` },
    });
  }
  const down = `${t.periodSeconds * t.datapointsToAlarm}s`;
  rules.push(
    {
      alert: rest[next++],
      expr: 'absent(up{job="serving"} == 1)',
      for: down,
      labels: labels('critical'),
      annotations: { summary: 'no serving container answers /metrics' },
    },
    {
      alert: rest[next++],
      expr: 'nginx_up{job="gateway"} == 0 or up{job="gateway"} == 0',
      for: down,
      labels: labels('critical'),
      annotations: { summary: 'the gateway does not answer (or its exporter is down)' },
    },
  );
  if (spec.drift) {
    const interval = driftIntervalSeconds(spec.drift.schedule);
    const lastRun = `mlops_drift_last_run_timestamp_seconds{${driftSelector(spec)}}`;
    rules.push(
      {
        alert: rest[next++],
        expr: `max(mlops_drift_detected{${driftSelector(spec)}}) == 1`,
        labels: labels('warning'),
        annotations: {
          summary: `the last drift check found drift (${spec.drift.statistic} above ${spec.drift.threshold})${spec.drift.retrain ? "; the drift job starts the pipeline's runner" : ''}`,
        },
      },
      {
        alert: rest[next++],
        // Only a successful check pushes its time, so a job that always fails (no baseline, unreadable captures)
        // leaves no series: `absent` covers that. `for` is one interval plus half an hour, because a new stack's
        // first check is due up to an interval and 5 minutes after Prometheus starts. The age threshold is the
        // interval minus that half hour, so the alert fires two intervals after the last successful check, while
        // a check that keeps running on time (each push resets the age) never fires it. `absent(max(…))` has no
        // labels; `absent(<selector>)` would add the series' `job` label to the alert.
        expr: `(time() - max(${lastRun}) > ${interval - DRIFT_STALE_GRACE_SECONDS}) or absent(max(${lastRun}))`,
        for: `${interval + DRIFT_STALE_GRACE_SECONDS}s`,
        labels: labels('warning'),
        annotations: {
          summary: `no drift check has succeeded for ${(2 * interval) / 3600} hours (or none at all yet)`,
        },
      },
    );
  }
  return { groups: [{ name: spec.namePrefix, rules }] };
}

/**
 * The drift job's series: it pushes them to the Pushgateway under job `mlops_drift` and its endpoint's name
 * (templates/drift/report.py), which Prometheus keeps (`honor_labels`).
 */
export function driftSelector(spec: ResolvedMonitoringStack): string {
  return `job="mlops_drift",endpoint="${endpointLabel(spec)}"`;
}

/** The endpoint label on every alert: the network name (the endpoint's physical name on docker). */
function endpointLabel(spec: ResolvedMonitoringStack): string {
  return watchTargets(spec).network;
}

/** The docker targets of the watched endpoint; the resolver fills them for a ModelEndpoint. */
export function watchTargets(spec: ResolvedMonitoringStack): DockerWatchTargets {
  const targets = spec.endpoint.docker;
  if (!targets) {
    // The resolver refuses other endpoints on docker first; a bare spec without them is a programming error.
    throw new Error(`MonitoringStack ${spec.constructName}: on docker the endpoint must be a ModelEndpoint`);
  }
  return targets;
}

/** Prometheus' configuration. */
export function prometheusConfig(spec: ResolvedMonitoringStack): Record<string, unknown> {
  const targets = watchTargets(spec);
  const names = dockerNames(spec);
  return {
    global: { scrape_interval: '15s', evaluation_interval: '15s' },
    rule_files: [PATHS.prometheusRules],
    alerting: {
      alertmanagers: [{ static_configs: [{ targets: [`${names.alertmanager}:${PORTS.alertmanager}`] }] }],
    },
    scrape_configs: [
      {
        // Every serving container, whatever its role and version: Docker's DNS answers the shared alias with all.
        job_name: 'serving',
        dns_sd_configs: [
          { names: [targets.servingAlias], type: 'A', port: targets.servingPort, refresh_interval: '15s' },
        ],
      },
      {
        job_name: 'gateway',
        static_configs: [{ targets: [`${names.gatewayExporter}:${PORTS.gatewayExporter}`] }],
      },
      ...(spec.drift
        ? [
            {
              // The drift job's own labels (endpoint) are kept, not replaced by the Pushgateway's.
              job_name: 'drift',
              honor_labels: true,
              static_configs: [{ targets: [`${names.pushgateway}:${PORTS.pushgateway}`] }],
            },
          ]
        : []),
    ],
  };
}

/** Alertmanager's configuration: one route to one receiver holding every destination. */
export function alertmanagerConfig(
  spec: ResolvedMonitoringStack,
  webhookUrl: string | undefined,
  smtpPassword: string | undefined,
): Record<string, unknown> {
  const emails = spec.notifications.emails;
  const smtp = spec.docker?.smtp;
  if (emails.length > 0 && !smtp) {
    throw new Error(
      `MonitoringStack ${spec.constructName}: emails on docker need docker.smtp (the resolver checks this first)`,
    );
  }
  const receiver = dockerNames(spec).receiver;
  return {
    ...(emails.length > 0 ? { global: smtpGlobal(smtp!, smtpPassword) } : {}),
    route: {
      receiver,
      group_by: ['alertname'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
    },
    receivers: [
      {
        name: receiver,
        ...(webhookUrl ? { webhook_configs: [{ url: webhookUrl, send_resolved: true }] } : {}),
        ...(emails.length > 0 ? { email_configs: emails.map((to) => ({ to, send_resolved: true })) } : {}),
      },
    ],
  };
}

function smtpGlobal(smtp: ResolvedSmtp, password: string | undefined): Record<string, unknown> {
  return {
    smtp_smarthost: smtp.smarthost,
    smtp_from: smtp.from,
    ...(smtp.username ? { smtp_auth_username: smtp.username } : {}),
    ...(password ? { smtp_auth_password: password } : {}),
    smtp_require_tls: smtp.requireTls,
  };
}

/** Whether anyone is told: the receiver has a destination. */
export function hasDestinations(spec: ResolvedMonitoringStack): boolean {
  return spec.notifications.webhookUrl !== undefined || spec.notifications.emails.length > 0;
}

/** Grafana's datasource provisioning: the stack's Prometheus, read-only. */
export function grafanaDatasources(spec: ResolvedMonitoringStack): Record<string, unknown> {
  return {
    apiVersion: 1,
    datasources: [
      {
        name: 'Prometheus',
        uid: 'mlops-prometheus',
        type: 'prometheus',
        access: 'proxy',
        url: `http://${dockerNames(spec).prometheus}:${PORTS.prometheus}`,
        isDefault: true,
        editable: false,
      },
    ],
  };
}

/** Grafana's dashboard provisioning: the dashboards in one directory, not editable in the UI. */
export function grafanaDashboardProvider(): Record<string, unknown> {
  return {
    apiVersion: 1,
    providers: [
      {
        name: 'mlops',
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        options: { path: PATHS.grafanaDashboardDir },
      },
    ],
  };
}

/** The dashboard: traffic by status code, error ratios, p50/p99 latency, gateway connections, drift. */
export function grafanaDashboard(spec: ResolvedMonitoringStack): Record<string, unknown> {
  const t = spec.thresholds;
  const datasource = { type: 'prometheus', uid: 'mlops-prometheus' };
  const rate = (selector: string) => `rate(${selector}[${t.periodSeconds}s])`;
  const panel = (
    id: number,
    title: string,
    unit: string,
    targets: { expr: string; legendFormat: string }[],
    threshold?: number,
  ) => ({
    id,
    type: 'timeseries',
    title,
    datasource,
    gridPos: { h: 8, w: 12, x: ((id - 1) % 2) * 12, y: Math.floor((id - 1) / 2) * 8 },
    fieldConfig: {
      defaults: {
        unit,
        ...(threshold === undefined
          ? {}
          : {
              custom: { thresholdsStyle: { mode: 'line' } },
              thresholds: {
                mode: 'absolute',
                steps: [
                  { color: 'green', value: null },
                  { color: 'red', value: threshold },
                ],
              },
            }),
      },
      overrides: [],
    },
    targets: targets.map((target, i) => ({ refId: String.fromCharCode(65 + i), datasource, ...target })),
  });
  const ratio = (codes: string) =>
    `sum(${rate(`mlops_http_requests_total{job="serving",code=~"${codes}"}`)}) / sum(${rate('mlops_http_requests_total{job="serving"}')}) * 100`;
  const quantile = (q: number) =>
    `histogram_quantile(${q}, sum by (le) (${rate('mlops_http_request_duration_seconds_bucket{job="serving"}')})) * 1000`;
  const panels = [
    panel(1, 'Requests per second by status code', 'reqps', [
      {
        expr: `sum by (code) (${rate('mlops_http_requests_total{job="serving"}')})`,
        legendFormat: '{{code}}',
      },
    ]),
    panel(
      2,
      'Latency (ms)',
      'ms',
      [
        { expr: quantile(0.5), legendFormat: 'p50' },
        { expr: quantile(0.99), legendFormat: 'p99' },
      ],
      t.latencyP99Ms,
    ),
    panel(
      3,
      'Server errors (% of requests)',
      'percent',
      [{ expr: ratio('5..'), legendFormat: '5xx' }],
      t.serverErrorPercent,
    ),
    panel(
      4,
      'Client errors (% of requests)',
      'percent',
      [{ expr: ratio('4..'), legendFormat: '4xx' }],
      t.clientErrorPercent,
    ),
    panel(5, 'Gateway connections', 'short', [
      { expr: 'nginx_connections_active{job="gateway"}', legendFormat: 'active' },
      {
        expr: `${rate('nginx_http_requests_total{job="gateway"}')}`,
        legendFormat: 'requests per second (with health checks)',
      },
    ]),
    panel(6, 'Requests per second by release', 'reqps', [
      {
        expr: `sum by (version) (${rate('mlops_http_requests_total{job="serving"}')} * on (instance) group_left (version) mlops_model_info{job="serving"})`,
        legendFormat: '{{version}}',
      },
    ]),
    ...(spec.drift
      ? [
          panel(
            7,
            `Drift (${spec.drift.statistic}) by feature`,
            'short',
            [{ expr: `mlops_drift_statistic{${driftSelector(spec)}}`, legendFormat: '{{feature}}' }],
            spec.drift.threshold,
          ),
        ]
      : []),
  ];
  const names = dockerNames(spec);
  return {
    uid: names.dashboardUid,
    title: spec.namePrefix,
    tags: ['mlops'],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    panels,
  };
}

/**
 * Ofelia's labels on the drift scheduler itself: job `<prefix>-drift-check` starts the stopped drift job container
 * on the schedule. The scheduler reads only its own container's labels (`driftSchedulerCommand`).
 */
export function driftSchedulerLabels(spec: ResolvedMonitoringStack): Record<string, string> {
  if (!spec.drift) return {};
  const names = dockerNames(spec);
  return ofeliaRunJobLabels(
    names.scheduler,
    `${spec.namePrefix}-drift-check`,
    // Seconds first (robfig/cron as Ofelia reads it). Five minutes past: the job's window ends at the whole hour.
    spec.drift.schedule === 'hourly' ? '0 5 * * * *' : '0 5 0 * * *',
    names.drift,
  );
}

/** The drift scheduler's command: Ofelia on its own container's labels only, not every stack's on the host. */
export function driftSchedulerCommand(spec: ResolvedMonitoringStack): string[] {
  return ofeliaCommand(dockerNames(spec).scheduler);
}

/** A `docker-volume://<volume>/<path>` location, split. */
export function parseVolumeUri(uri: string): { volume: string; path: string } | undefined {
  const match = /^docker-volume:\/\/([A-Za-z0-9][A-Za-z0-9_.-]*)\/(.*)$/.exec(uri);
  if (!match || match[2].split('/').includes('..')) return undefined;
  return { volume: match[1], path: match[2] };
}

/** Environment of the drift job (templates/drift, helper H's contract), apart from the baseline location. */
export function driftEnvironment(
  spec: ResolvedMonitoringStack,
  retrainContainer?: string,
): Record<string, string> {
  const drift = spec.drift!;
  const names = dockerNames(spec);
  return {
    MLOPS_DRIFT_ENDPOINT: watchTargets(spec).network,
    MLOPS_CAPTURE_DIR: PATHS.captureDir,
    MLOPS_DRIFT_STATISTIC: drift.statistic,
    MLOPS_DRIFT_THRESHOLD: String(drift.threshold),
    MLOPS_DRIFT_FEATURE_THRESHOLDS: JSON.stringify(drift.featureThresholds),
    ...(drift.features.length > 0 ? { MLOPS_DRIFT_FEATURES: drift.features.join(',') } : {}),
    MLOPS_DRIFT_WINDOW_HOURS: String(driftIntervalSeconds(drift.schedule) / 3600),
    MLOPS_DRIFT_PUSHGATEWAY_URL: `http://${names.pushgateway}:${PORTS.pushgateway}`,
    MLOPS_DRIFT_RETRAIN: String(drift.retrain && retrainContainer !== undefined),
    ...(drift.retrain && retrainContainer !== undefined
      ? { MLOPS_RETRAIN_CONTAINER: retrainContainer, DOCKER_HOST: `unix://${RELAY_SOCKET}` }
      : {}),
  };
}

/**
 * The retrain relay: nginx listening on a UNIX socket in a volume shared with the drift job, passing exactly
 * `GET /containers/<runner>/json` and `POST /containers/<runner>/start` to the Engine's socket, and refusing
 * everything else (403). The drift job parses captured requests, which callers control: it never holds the
 * Engine socket, which is root on the host. Paths are matched after nginx normalizes them, and the upstream
 * URI is fixed, so no other path reaches the Engine. nginx makes its UNIX socket 0666, so the non-root drift
 * job can connect; its workers run as root to reach the Engine's socket.
 */
export function relayConfig(
  runner: string,
  dockerSocket: string = PATHS.dockerSocket,
  listen: string = RELAY_SOCKET,
): string {
  const container = `/containers/${runner}`;
  return [
    'user root;',
    'worker_processes 1;',
    'pid /tmp/nginx.pid;',
    'events { worker_connections 64; }',
    'http {',
    '  access_log /dev/stdout;',
    '  server {',
    `    listen unix:${listen};`,
    `    location = ${container}/json {`,
    '      limit_except GET { deny all; }',
    `      proxy_pass http://unix:${dockerSocket}:${container}/json;`,
    '    }',
    `    location = ${container}/start {`,
    '      limit_except POST { deny all; }',
    `      proxy_pass http://unix:${dockerSocket}:${container}/start;`,
    '    }',
    '    location / { return 403; }',
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Renders a config object as YAML (every config file here is YAML). */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}
