/** Docker facts of a ModelEndpoint as plain data: which containers run and the gateway's weighted config. */
import type { DockerWatchTargets } from '../monitoring-stack/resolved';
import type { ResolvedModelEndpoint } from './resolve';

/** Pinned gateway image: a tag that moves would change the gateway under a running stack. */
export const GATEWAY_IMAGE = 'nginx:1.27.5-alpine';
export const GATEWAY_PORT = 8080;
/** Where the `modelAccess` volume is mounted, read-only, in every serving container. */
export const MODEL_ACCESS_DIR = '/mnt/model-access';
/** Where the capture volume is mounted in every serving container, which writes captured requests there. */
export const CAPTURE_DIR = '/var/log/mlops';
/** Request header by which the gateway tells a serving container to capture this request (`1`) or not. */
export const CAPTURE_HEADER = 'X-Mlops-Capture';
/** Docker's embedded DNS server, inside every container on a user-defined network. */
export const DOCKER_DNS = '127.0.0.11';
/** How long the gateway trusts a resolved address: a replaced container is found within this time. */
export const DNS_VALID_SECONDS = 2;
/**
 * Port of the gateway's nginx `stub_status` (connections and requests handled), on the endpoint's network only:
 * it is not published on the host. Open source nginx has no Prometheus output; an exporter reads this.
 */
export const GATEWAY_STATUS_PORT = 8081;
export const GATEWAY_STATUS_PATH = '/stub_status';

/** The gateway container's name (fixed: it holds the host port, and the exporter finds it by this name). */
export function gatewayName(spec: ResolvedModelEndpoint): string {
  return `${spec.endpointName}-gateway`;
}

/**
 * Network alias every serving container of the endpoint answers to, whatever its role and version. The gateway
 * never sends traffic to it (it uses the per-version aliases); Prometheus resolves it to scrape every container.
 */
export function metricsAlias(spec: ResolvedModelEndpoint): string {
  return `${spec.endpointName}-serving`;
}

/** Where a MonitoringStack on docker finds this endpoint. */
export function dockerWatchTargets(spec: ResolvedModelEndpoint): DockerWatchTargets {
  return {
    network: spec.endpointName,
    servingAlias: metricsAlias(spec),
    servingPort: spec.port,
    gatewayStatusUrl: `http://${gatewayName(spec)}:${GATEWAY_STATUS_PORT}${GATEWAY_STATUS_PATH}`,
    captureVolume: spec.capturePercent > 0 ? captureVolumeName(spec) : undefined,
  };
}

/** The capture volume's name. */
export function captureVolumeName(spec: ResolvedModelEndpoint): string {
  return `${spec.endpointName}-capture`;
}

export interface ServingContainer {
  /** Role in the endpoint (`primary`, a challenger's name, or `stable` and `canary`): names its resource. */
  readonly role: string;
  /**
   * Network alias the gateway sends the role's traffic to: `<endpoint>-<role>-<version>`. The container itself
   * is auto-named by Pulumi (a fresh name on every replacement), so a new release never clashes with the
   * container it replaces. The version in the alias keeps a new release's container out of the running
   * gateway's DNS answers: it takes traffic only from the gateway that replaces the old one, which waits
   * for it to turn healthy, so a release that never turns healthy never serves a request.
   */
  readonly alias: string;
  readonly version: string;
  readonly modelIndex?: number;
  readonly trafficPercent: number;
}

/** The containers that serve: the new release, the stable one during a rollout, and any challengers. */
export function servingContainers(spec: ResolvedModelEndpoint): ServingContainer[] {
  const alias = (role: string, version = spec.version) => `${spec.endpointName}-${role}-${version}`;
  if (spec.stableRelease) {
    return [
      {
        role: 'stable',
        alias: alias('stable', spec.stableRelease.version),
        version: spec.stableRelease.version,
        trafficPercent: spec.stableRelease.trafficPercent,
      },
      {
        role: 'canary',
        alias: alias('canary'),
        version: spec.version,
        modelIndex: 0,
        trafficPercent: 100 - spec.stableRelease.trafficPercent,
      },
    ];
  }
  return spec.models.map((model, modelIndex) => ({
    role: model.variant,
    alias: alias(model.variant),
    version: spec.version,
    modelIndex,
    trafficPercent: model.trafficPercent,
  }));
}

/**
 * nginx config for the gateway. `split_clients` picks a role's alias for each request by weight; the alias
 * is a variable in `proxy_pass`, so nginx resolves it through Docker's DNS at request time and re-resolves
 * it every few seconds (a replaced container gets a new address; nginx would otherwise keep the one it
 * resolved at start). This works on every nginx version, unlike `resolve` in a zoned upstream (open source
 * nginx only since 1.27.3). A second split marks `capturePercent` of requests for capture; the serving
 * container records them with their responses (the gateway cannot see response bodies).
 */
export function gatewayConfig(spec: ResolvedModelEndpoint): string {
  const containers = servingContainers(spec);
  const [rest, ...weighted] = [...containers].reverse();
  const split = [
    ...weighted.reverse().map((c) => `    ${c.trafficPercent}% ${c.alias};`),
    `    * ${rest.alias};`,
  ];
  const capture =
    spec.capturePercent > 0
      ? [
          `  split_clients "capture$request_id" $capture {`,
          `    ${spec.capturePercent}% 1;`,
          `    * 0;`,
          `  }`,
        ]
      : [];
  return [
    'worker_processes 1;',
    'events { worker_connections 1024; }',
    'http {',
    '  client_max_body_size 6m;',
    `  resolver ${DOCKER_DNS} valid=${DNS_VALID_SECONDS}s ipv6=off;`,
    '  resolver_timeout 2s;',
    `  split_clients "$request_id" $model_host {`,
    ...split,
    '  }',
    ...capture,
    '  server {',
    `    listen ${GATEWAY_PORT};`,
    '    location = /healthz { return 200 "ok"; }',
    // The serving containers' metrics are for Prometheus on the endpoint's network, not for callers.
    '    location = /metrics { return 404; }',
    '    location / {',
    `      proxy_pass http://$model_host:${spec.port};`,
    '      proxy_set_header X-Request-Id $request_id;',
    // Always set: a client cannot ask for (or suppress) capture itself.
    `      proxy_set_header ${CAPTURE_HEADER} ${spec.capturePercent > 0 ? '$capture' : '0'};`,
    // While a replaced container's old address is still cached, try the other addresses of the alias.
    '      proxy_connect_timeout 2s;',
    '      proxy_next_upstream error timeout;',
    '    }',
    '  }',
    // Read by the exporter on the endpoint's network; the port is not published on the host.
    '  server {',
    `    listen ${GATEWAY_STATUS_PORT};`,
    `    location = ${GATEWAY_STATUS_PATH} { stub_status; }`,
    '    location / { return 404; }',
    '  }',
    '}',
    '',
  ].join('\n');
}
