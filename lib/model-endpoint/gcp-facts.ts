/** GCP facts of a ModelEndpoint as plain data: revision names, the traffic split and the probes. */
import type { ResolvedModelEndpoint } from './resolve';

/** Cloud Run revision names must start with the service name. */
export function revisionName(spec: ResolvedModelEndpoint, version: string): string {
  return `${spec.endpointName}-${version}`;
}

/** The traffic split: all to the latest revision, or stable and new side by side during a rollout. */
export function trafficSplit(spec: ResolvedModelEndpoint) {
  if (!spec.stableRelease) return [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }];
  return [
    {
      type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION',
      revision: revisionName(spec, spec.stableRelease.version),
      percent: spec.stableRelease.trafficPercent,
      tag: 'stable',
    },
    {
      type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION',
      revision: revisionName(spec, spec.version),
      percent: 100 - spec.stableRelease.trafficPercent,
      tag: 'canary',
    },
  ];
}

/** Readiness and liveness follow the serving contract: `GET /ping` on the serving port. */
export function probes(spec: ResolvedModelEndpoint) {
  return {
    // Model loading can be slow: allow up to 4 minutes (24 x 10 s) before the revision fails.
    startupProbe: {
      httpGet: { path: '/ping', port: spec.port },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 24,
    },
    livenessProbe: {
      httpGet: { path: '/ping', port: spec.port },
      periodSeconds: 30,
      timeoutSeconds: 5,
      failureThreshold: 3,
    },
  };
}
