/** Docker facts of a ModelEndpoint as plain data: which containers run and the gateway's weighted config. */
import type { ResolvedModelEndpoint } from './resolve';

/** Pinned gateway image: a tag that moves would change the gateway under a running stack. */
export const GATEWAY_IMAGE = 'nginx:1.27.5-alpine';
export const GATEWAY_PORT = 8080;
/** Where the `modelAccess` volume is mounted, read-only, in every serving container. */
export const MODEL_ACCESS_DIR = '/mnt/model-access';
/** Where the gateway writes captured requests, one JSON line each. */
export const CAPTURE_DIR = '/var/log/mlops';

export interface ServingContainer {
  /** Upstream id in the gateway config and suffix of the container name. */
  readonly role: string;
  readonly containerName: string;
  readonly version: string;
  readonly modelIndex?: number;
  readonly trafficPercent: number;
}

/** The containers that serve: the new release, the stable one during a rollout, and any challengers. */
export function servingContainers(spec: ResolvedModelEndpoint): ServingContainer[] {
  if (spec.stableRelease) {
    return [
      {
        role: 'stable',
        containerName: `${spec.endpointName}-${spec.stableRelease.version}`,
        version: spec.stableRelease.version,
        trafficPercent: spec.stableRelease.trafficPercent,
      },
      {
        role: 'canary',
        containerName: `${spec.endpointName}-${spec.version}`,
        version: spec.version,
        modelIndex: 0,
        trafficPercent: 100 - spec.stableRelease.trafficPercent,
      },
    ];
  }
  return spec.models.map((model, modelIndex) => ({
    role: model.variant,
    containerName:
      modelIndex === 0 ? `${spec.endpointName}-${spec.version}` : `${spec.endpointName}-${model.variant}`,
    version: spec.version,
    modelIndex,
    trafficPercent: model.trafficPercent,
  }));
}

/**
 * nginx config for the gateway: `split_clients` sends each request to an upstream by weight, and a second
 * split samples `capturePercent` of requests into the capture log with their bodies.
 */
export function gatewayConfig(spec: ResolvedModelEndpoint): string {
  const containers = servingContainers(spec);
  const [rest, ...weighted] = [...containers].reverse();
  const split = [
    ...weighted.reverse().map((c) => `    ${c.trafficPercent}% ${c.role};`),
    `    * ${rest.role};`,
  ];
  const upstreams = containers.map((c) => `  upstream ${c.role} { server ${c.containerName}:${spec.port}; }`);
  const capture =
    spec.capturePercent > 0
      ? [
          `  log_format capture escape=json '{"time":"$time_iso8601","version":"$model_upstream","status":"$status","request":"$request_body"}';`,
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
    // Bodies stay in memory so the capture log can record them.
    '  client_max_body_size 6m;',
    '  client_body_buffer_size 6m;',
    `  split_clients "$request_id" $model_upstream {`,
    ...split,
    '  }',
    ...capture,
    ...upstreams,
    '  server {',
    `    listen ${GATEWAY_PORT};`,
    '    location = /healthz { return 200 "ok"; }',
    '    location / {',
    '      proxy_pass http://$model_upstream;',
    '      proxy_set_header X-Request-Id $request_id;',
    ...(spec.capturePercent > 0 ? [`      access_log ${CAPTURE_DIR}/capture.log capture if=$capture;`] : []),
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}
