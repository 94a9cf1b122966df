/**
 * Renders a resolved MonitoringStack to local Docker containers: Prometheus (scraping the endpoint's serving
 * containers and a gateway exporter), Alertmanager (routing to the webhook and email), Grafana (provisioned
 * datasource and dashboard), and, when drift is on, a Pushgateway, the drift job container started by Ofelia
 * on the schedule, and the retrain relay that lets it start the pipeline's runner and nothing else.
 * Every UI binds 127.0.0.1 only; every container runs as its image's non-root user except the scheduler and
 * the relay, which hold the Engine socket (the relay passes two calls on one container through it).
 * CPU and memory are not watched on docker: that needs cAdvisor, a privileged container reading the host's
 * cgroups, more access than a local monitoring stack should take.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import * as docker from '@pulumi/docker';
import {
  ALERTMANAGER_IMAGE,
  DRIFT_IMAGE,
  DRIFT_SCHEDULER_IMAGE,
  GATEWAY_EXPORTER_IMAGE,
  GRAFANA_IMAGE,
  PATHS,
  PORTS,
  PROMETHEUS_IMAGE,
  PUSHGATEWAY_IMAGE,
  RELAY_IMAGE,
  alertNames,
  alertRules,
  alertmanagerConfig,
  dockerNames,
  driftEnvironment,
  driftSchedulerCommand,
  driftSchedulerLabels,
  grafanaDashboard,
  grafanaDashboardProvider,
  grafanaDatasources,
  hasDestinations,
  parseVolumeUri,
  prometheusConfig,
  relayConfig,
  toYaml,
  watchTargets,
} from './docker-facts';
import type { RenderedMonitoring } from './rendered';
import { awaitingDriftCheck, type ResolvedMonitoringStack } from './resolved';

export interface MonitoringDockerChildren {
  readonly network: docker.Network;
  /** Undefined while the watched ModelEndpoint awaits a release (no container to scrape). */
  readonly prometheus?: docker.Container;
  readonly alertmanager: docker.Container;
  /** Undefined when `dashboard` is false, or while the watched ModelEndpoint awaits a release. */
  readonly grafana?: docker.Container;
  /** Undefined while the watched ModelEndpoint awaits a release (no gateway). */
  readonly gatewayExporter?: docker.Container;
  /** Drift only: where the drift job pushes its result for Prometheus. */
  readonly pushgateway?: docker.Container;
  /** Drift only: the drift job, created stopped; `docker start <name>` runs a check now. */
  readonly drift?: docker.Container;
  /** Drift only: starts the drift job on the schedule. */
  readonly scheduler?: docker.Container;
  /** Drift with retraining only: passes "start the runner" from the drift job to the Engine. */
  readonly relay?: docker.Container;
}

/** Default host ports when the resolver left them out. */
const DEFAULT_HOST_PORTS = { grafanaPort: 3000, prometheusPort: 9090, alertmanagerPort: 9093 };

/** A Docker container name, as the Engine accepts it: nothing else may reach the relay's config. */
const CONTAINER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function renderDocker(
  spec: ResolvedMonitoringStack,
  parent: pulumi.Resource,
): RenderedMonitoring<MonitoringDockerChildren> {
  const name = spec.constructName;
  const opts = { parent };
  // Fixed names and host ports: a replacement (a new config is a new container) must delete the old one first.
  const replaceInPlace = { parent, deleteBeforeReplace: true };
  const labels = Object.entries(spec.tags).map(([label, value]) => ({ label, value }));
  const names = dockerNames(spec);
  const ports = { ...DEFAULT_HOST_PORTS, ...spec.docker };
  const common = { restart: 'unless-stopped', securityOpts: ['no-new-privileges:true'], labels };
  const image = (role: string, ref: string) =>
    new docker.RemoteImage(`${name}-${role}-image`, { name: ref, keepLocally: true }, opts);
  const hostPort = (internal: number, external: number) => [{ internal, external, ip: '127.0.0.1' }];

  const network = new docker.Network(
    `${name}-network`,
    { name: names.network, driver: 'bridge', labels },
    opts,
  );

  const notifications = spec.notifications;
  const smtpPassword = spec.docker?.smtp?.password;
  const alertmanager = new docker.Container(
    `${name}-alertmanager`,
    {
      name: names.alertmanager,
      image: image('alertmanager', ALERTMANAGER_IMAGE).imageId,
      command: [
        `--config.file=${PATHS.alertmanagerConfig}`,
        '--storage.path=/alertmanager',
        // One instance: no gossip port.
        '--cluster.listen-address=',
        `--web.external-url=http://127.0.0.1:${ports.alertmanagerPort}`,
      ],
      uploads: [
        {
          file: PATHS.alertmanagerConfig,
          // A secret webhook URL or SMTP password keeps the whole file secret in the Pulumi state.
          content: pulumi
            .all([notifications.webhookUrl, smtpPassword])
            .apply(([url, password]) => toYaml(alertmanagerConfig(spec, url, password))),
        },
      ],
      networksAdvanced: [{ name: network.name }],
      ports: hostPort(PORTS.alertmanager, ports.alertmanagerPort),
      ...common,
    },
    replaceInPlace,
  );

  // An endpoint awaiting a release created no network and no container: only who is told exists until it serves
  // (Alertmanager on the stack's own network).
  if (spec.endpoint.awaitingRelease)
    return {
      alarmNames: pulumi.output([]),
      dashboardUrl: pulumi.output(''),
      notificationTargets: pulumi.output(hasDestinations(spec) ? [names.receiver] : []),
      driftCheck: pulumi.output(awaitingDriftCheck(spec.endpoint.awaitingRelease)),
      children: { network, alertmanager },
    };

  const targets = watchTargets(spec);
  // The endpoint's network, named once the endpoint exists: containers joining it wait for the endpoint.
  const endpointNetwork = pulumi.output(spec.endpoint.endpointName).apply(() => targets.network);

  const prometheusVolume = new docker.Volume(
    `${name}-prometheus-data`,
    { name: names.prometheusVolume, labels },
    { ...opts, retainOnDelete: spec.platform.retainOnDelete },
  );
  const prometheus = new docker.Container(
    `${name}-prometheus`,
    {
      name: names.prometheus,
      image: image('prometheus', PROMETHEUS_IMAGE).imageId,
      command: [
        `--config.file=${PATHS.prometheusConfig}`,
        `--storage.tsdb.path=${PATHS.prometheusData}`,
        '--storage.tsdb.retention.time=15d',
        `--web.external-url=http://127.0.0.1:${ports.prometheusPort}`,
      ],
      uploads: [
        { file: PATHS.prometheusConfig, content: toYaml(prometheusConfig(spec)) },
        { file: PATHS.prometheusRules, content: toYaml(alertRules(spec)) },
      ],
      // The empty volume takes the image's /prometheus owner (nobody) when first mounted.
      volumes: [{ volumeName: prometheusVolume.name, containerPath: PATHS.prometheusData }],
      networksAdvanced: [{ name: network.name }, { name: endpointNetwork }],
      ports: hostPort(PORTS.prometheus, ports.prometheusPort),
      ...common,
    },
    replaceInPlace,
  );

  const gatewayExporter = new docker.Container(
    `${name}-gateway-exporter`,
    {
      name: names.gatewayExporter,
      image: image('gateway-exporter', GATEWAY_EXPORTER_IMAGE).imageId,
      command: [`--nginx.scrape-uri=${targets.gatewayStatusUrl}`],
      networksAdvanced: [{ name: endpointNetwork }],
      ...common,
    },
    replaceInPlace,
  );

  let grafana: docker.Container | undefined;
  if (spec.dashboard) {
    const dashboardFile = `${PATHS.grafanaDashboardDir}/${names.dashboardUid}.json`;
    grafana = new docker.Container(
      `${name}-grafana`,
      {
        name: names.grafana,
        image: image('grafana', GRAFANA_IMAGE).imageId,
        envs: [
          // Read-only on 127.0.0.1: anyone on this machine sees the dashboard; nobody can log in or change it.
          'GF_AUTH_ANONYMOUS_ENABLED=true',
          'GF_AUTH_ANONYMOUS_ORG_ROLE=Viewer',
          'GF_AUTH_DISABLE_LOGIN_FORM=true',
          'GF_AUTH_BASIC_ENABLED=false',
          'GF_USERS_ALLOW_SIGN_UP=false',
          'GF_ANALYTICS_REPORTING_ENABLED=false',
          'GF_ANALYTICS_CHECK_FOR_UPDATES=false',
          `GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH=${dashboardFile}`,
        ],
        uploads: [
          { file: PATHS.grafanaDatasources, content: toYaml(grafanaDatasources(spec)) },
          { file: PATHS.grafanaDashboards, content: toYaml(grafanaDashboardProvider()) },
          { file: dashboardFile, content: JSON.stringify(grafanaDashboard(spec), null, 2) },
        ],
        networksAdvanced: [{ name: network.name }],
        ports: hostPort(PORTS.grafana, ports.grafanaPort),
        ...common,
      },
      { ...replaceInPlace, dependsOn: [prometheus] },
    );
  }

  const driftChildren: Partial<ReturnType<typeof renderDrift>> = spec.drift
    ? renderDrift(spec, parent, network, image)
    : {};

  return {
    alarmNames: pulumi.output([...alertNames(spec)].sort()),
    dashboardUrl: pulumi.output(
      spec.dashboard ? `http://127.0.0.1:${ports.grafanaPort}/d/${names.dashboardUid}` : '',
    ),
    notificationTargets: pulumi.output(hasDestinations(spec) ? [names.receiver] : []),
    driftCheck: driftChildren.drift ? driftChildren.drift.name : pulumi.output(''),
    children: { network, prometheus, alertmanager, grafana, gatewayExporter, ...driftChildren },
  };
}

/** The drift check: Pushgateway, the drift job (stopped until the scheduler starts it), the relay, Ofelia. */
function renderDrift(
  spec: ResolvedMonitoringStack,
  parent: pulumi.Resource,
  network: docker.Network,
  image: (role: string, ref: string) => docker.RemoteImage,
) {
  const name = spec.constructName;
  const drift = spec.drift!;
  const names = dockerNames(spec);
  const targets = watchTargets(spec);
  const labels = Object.entries(spec.tags).map(([label, value]) => ({ label, value }));
  const replaceInPlace = { parent, deleteBeforeReplace: true };
  if (!targets.captureVolume) {
    throw new Error(
      `MonitoringStack ${name}: the drift check reads captured requests; the endpoint captures none`,
    );
  }

  const pushgateway = new docker.Container(
    `${name}-pushgateway`,
    {
      name: names.pushgateway,
      image: image('pushgateway', PUSHGATEWAY_IMAGE).imageId,
      networksAdvanced: [{ name: network.name }],
      restart: 'unless-stopped',
      securityOpts: ['no-new-privileges:true'],
      labels,
    },
    replaceInPlace,
  );

  // Retraining starts the runner through the relay; the runner's name is the pipeline's retrain trigger.
  const runner = drift.retrain && spec.pipeline ? pulumi.output(spec.pipeline.retrainTrigger) : undefined;
  let relay: docker.Container | undefined;
  let relayVolume: docker.Volume | undefined;
  if (runner) {
    relayVolume = new docker.Volume(
      `${name}-retrain-relay-socket`,
      { name: names.relayVolume, labels },
      { parent },
    );
    relay = new docker.Container(
      `${name}-retrain-relay`,
      {
        name: names.relay,
        image: image('retrain-relay', RELAY_IMAGE).imageId,
        // A socket left by a killed nginx would fail the bind.
        command: ['sh', '-c', `rm -f ${PATHS.relaySocketDir}/docker.sock && exec nginx -g 'daemon off;'`],
        uploads: [
          {
            file: PATHS.relayConfig,
            content: runner.apply((container) => {
              if (!CONTAINER_NAME.test(container)) {
                throw new Error(
                  `MonitoringStack ${name}: the retrain trigger "${container}" is not a container name`,
                );
              }
              return relayConfig(container);
            }),
          },
        ],
        volumes: [
          // The Engine socket: root on the host. Only this relay and the scheduler hold it.
          { hostPath: PATHS.dockerSocket, containerPath: PATHS.dockerSocket },
          { volumeName: relayVolume.name, containerPath: PATHS.relaySocketDir },
        ],
        networkMode: 'none',
        restart: 'unless-stopped',
        securityOpts: ['no-new-privileges:true'],
        labels,
      },
      replaceInPlace,
    );
  }

  const baseline = pulumi.output(drift.baselineUri).apply((uri) => {
    const parsed = parseVolumeUri(uri);
    if (!parsed) {
      throw new Error(
        `MonitoringStack ${name}: drift.baselineUri "${uri}" is not docker-volume://<volume>/<path> (the served release's baseline directory)`,
      );
    }
    return parsed;
  });
  const driftJob = new docker.Container(
    `${name}-drift`,
    {
      name: names.drift,
      image: image('drift', DRIFT_IMAGE).imageId,
      command: ['python', `${PATHS.driftDir}/drift.py`],
      user: '10001:10001',
      envs: pulumi.all([baseline, runner]).apply(([b, container]) =>
        Object.entries({
          ...driftEnvironment(spec, container),
          MLOPS_DRIFT_BASELINE_URL: `${PATHS.baselineDir}/${b.path}`,
        }).map(([key, value]) => `${key}=${value}`),
      ),
      uploads: driftTemplate().map(([file, content]) => ({ file: `${PATHS.driftDir}/${file}`, content })),
      volumes: [
        { volumeName: targets.captureVolume, containerPath: PATHS.captureDir, readOnly: true },
        { volumeName: baseline.volume, containerPath: PATHS.baselineDir, readOnly: true },
        ...(relayVolume
          ? [{ volumeName: relayVolume.name, containerPath: PATHS.relaySocketDir, readOnly: true }]
          : []),
      ],
      networksAdvanced: [{ name: network.name }],
      // Created stopped: the scheduler starts it (`mustRun: false` keeps `pulumi up` from starting it).
      start: false,
      mustRun: false,
      restart: 'no',
      securityOpts: ['no-new-privileges:true'],
      labels,
    },
    { ...replaceInPlace, dependsOn: [pushgateway, ...(relay ? [relay] : [])] },
  );

  const scheduler = new docker.Container(
    `${name}-drift-scheduler`,
    {
      name: names.scheduler,
      image: image('drift-scheduler', DRIFT_SCHEDULER_IMAGE).imageId,
      command: driftSchedulerCommand(spec),
      volumes: [{ hostPath: PATHS.dockerSocket, containerPath: PATHS.dockerSocket }],
      labels: [
        ...labels,
        ...Object.entries(driftSchedulerLabels(spec)).map(([label, value]) => ({ label, value })),
      ],
      restart: 'unless-stopped',
      securityOpts: ['no-new-privileges:true'],
    },
    { ...replaceInPlace, dependsOn: [driftJob] },
  );

  return { pushgateway, drift: driftJob, scheduler, relay };
}

/** The drift job's Python files (templates/drift), as `[file name, content]`, read from the package. */
export function driftTemplate(): [string, string][] {
  // lib/monitoring-stack/ in the sources, dist/lib/monitoring-stack/ once compiled.
  const dir = [
    path.resolve(__dirname, '..', '..', 'templates', 'drift'),
    path.resolve(__dirname, '..', '..', '..', 'templates', 'drift'),
  ].find((candidate) => existsSync(path.join(candidate, 'drift.py')));
  if (!dir) throw new Error('templates/drift/drift.py is missing from the mlops-constructs package');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.py'))
    .sort()
    .map((file) => [file, readFileSync(path.join(dir, file), 'utf8')]);
}
