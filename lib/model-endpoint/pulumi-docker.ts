/**
 * Renders a resolved ModelEndpoint to local Docker containers behind a weighted nginx gateway. Serving
 * containers are auto-named and found by role aliases through Docker's DNS; the gateway re-resolves them, so
 * replacing a container (a release, a promotion, a restart with a new address) never leaves it stale.
 */
import * as pulumi from '@pulumi/pulumi';
import * as docker from '@pulumi/docker';
import {
  CAPTURE_DIR,
  GATEWAY_IMAGE,
  GATEWAY_PORT,
  MODEL_ACCESS_DIR,
  captureVolumeName,
  gatewayConfig,
  gatewayName,
  metricsAlias,
  servingContainers,
} from './docker-facts';
import type { RenderedEndpoint } from './rendered';
import type { ResolvedModelEndpoint } from './resolve';

export interface ModelEndpointDockerChildren {
  readonly network: docker.Network;
  /** The serving containers, keyed by role (`primary`, challengers, or `stable` and `canary`). */
  readonly containers: Record<string, docker.Container>;
  readonly gateway: docker.Container;
  /** Volume holding the capture log; undefined when capture is off. */
  readonly captureVolume?: docker.Volume;
}

export function renderDocker(
  spec: ResolvedModelEndpoint,
  parent: pulumi.Resource,
): RenderedEndpoint<ModelEndpointDockerChildren> {
  const name = spec.constructName;
  const opts = { parent };
  const labels = Object.entries(spec.tags).map(([label, value]) => ({ label, value }));
  const network = new docker.Network(
    `${name}-network`,
    { name: spec.endpointName, driver: 'bridge', labels },
    opts,
  );

  // Created first: every serving container mounts it. The serving image owns /var/log/mlops, so the empty
  // volume takes that ownership when first mounted and a non-root server can write its captures there.
  const captureVolume =
    spec.capturePercent > 0
      ? new docker.Volume(
          `${name}-capture`,
          { name: captureVolumeName(spec), labels },
          { ...opts, retainOnDelete: spec.platform.retainOnDelete },
        )
      : undefined;

  const containers: Record<string, docker.Container> = {};
  for (const serving of servingContainers(spec)) {
    const model = serving.modelIndex === undefined ? spec.stableRelease! : spec.models[serving.modelIndex];
    const image = new docker.RemoteImage(
      `${name}-${serving.role}-image`,
      { name: model.image!, keepLocally: true },
      opts,
    );
    containers[serving.role] = new docker.Container(
      `${name}-${serving.role}`,
      {
        // No `name`: Pulumi auto-names the container, so the replacement it creates before deleting the old
        // one (a new release, or a canary promoted) never clashes with it. The gateway finds the role by
        // its network alias.
        image: image.imageId,
        envs: [
          ...Object.entries(spec.environment).map(([key, value]) => `${key}=${value}`),
          pulumi.interpolate`MODEL_DATA_URL=${model.modelDataUrl ?? ''}`,
          `MLOPS_MODEL_VERSION=${serving.version}`,
          ...(captureVolume ? [`MLOPS_CAPTURE_DIR=${CAPTURE_DIR}`] : []),
        ],
        // The per-version alias takes the gateway's traffic; the shared one is how Prometheus finds them all.
        networksAdvanced: [{ name: network.name, aliases: [serving.alias, metricsAlias(spec)] }],
        volumes: [
          // On docker, `modelAccess.bucketName` names a volume (such as an MlPipeline's models volume).
          ...(spec.modelAccess
            ? [{ volumeName: spec.modelAccess.bucketName, containerPath: MODEL_ACCESS_DIR, readOnly: true }]
            : []),
          ...(captureVolume ? [{ volumeName: captureVolume.name, containerPath: CAPTURE_DIR }] : []),
        ],
        healthcheck: {
          tests: [...spec.docker.healthCheck],
          interval: '10s',
          timeout: '5s',
          retries: 3,
          startPeriod: '60s',
        },
        // A release that never turns healthy fails the deploy; the stable container keeps serving.
        wait: true,
        waitTimeout: 300,
        restart: 'unless-stopped',
        memory: spec.docker.memoryMb,
        cpus: String(spec.docker.cpus),
        gpus: spec.docker.gpus > 0 ? 'all' : undefined,
        securityOpts: ['no-new-privileges:true'],
        labels: [
          ...labels,
          { label: 'mlops.endpoint', value: spec.endpointName },
          { label: 'mlops.role', value: serving.role },
          { label: 'mlops.version', value: serving.version },
        ],
      },
      opts,
    );
  }

  const gatewayImage = new docker.RemoteImage(
    `${name}-gateway-image`,
    { name: GATEWAY_IMAGE, keepLocally: true },
    opts,
  );
  const gateway = new docker.Container(
    `${name}-gateway`,
    {
      name: gatewayName(spec),
      image: gatewayImage.imageId,
      ports: [{ internal: GATEWAY_PORT, external: spec.docker.hostPort, ip: '127.0.0.1' }],
      uploads: [{ file: '/etc/nginx/nginx.conf', content: gatewayConfig(spec) }],
      networksAdvanced: [{ name: network.name }],
      healthcheck: {
        tests: ['CMD', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${GATEWAY_PORT}/healthz`],
        interval: '10s',
        timeout: '3s',
        retries: 3,
      },
      wait: true,
      restart: 'unless-stopped',
      securityOpts: ['no-new-privileges:true'],
      labels,
    },
    {
      ...opts,
      // Its new config (new weights or roles) goes live only once the serving containers are healthy.
      dependsOn: Object.values(containers),
      // Its host port and name are fixed: the old gateway must go before the new one starts (a gap of a few
      // seconds while a rollout step switches over). The serving containers are untouched by this.
      deleteBeforeReplace: true,
    },
  );

  return {
    endpointName: gateway.name,
    endpointId: gateway.id,
    url: pulumi.output(`http://127.0.0.1:${spec.docker.hostPort}/invocations`),
    children: { network, containers, gateway, captureVolume },
  };
}
