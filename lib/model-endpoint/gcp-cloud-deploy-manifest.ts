/**
 * The Cloud Run service manifest of a release (`gcp.rollout: 'cloud-deploy'`): the same service the Pulumi renderer
 * declares, in the Cloud Run Admin API v1 YAML (`serving.knative.dev/v1`, Cloud Run "YAML reference") that
 * Cloud Deploy deploys (`gcloud deploy releases create --from-run-manifest`). Cloud Deploy replaces the service
 * with it, so it must carry everything the service needs (key, identity, scaling, network, probes), and no
 * `traffic` stanza: Cloud Deploy splits traffic between the last successful revision and the new one. The
 * revision is not named, so a rollback to an earlier release never asks Cloud Run for a revision name it already has.
 */
import { stringify } from 'yaml';
import { cpuIdle, probes } from './gcp-facts';
import type { ResolvedModelEndpoint } from './resolve';

/** What only a deploy knows: the runtime identity, the key, the image and the environment values. */
export interface ManifestValues {
  readonly serviceAccountEmail: string;
  readonly encryptionKey: string;
  readonly image: string;
  readonly env: readonly { readonly name: string; readonly value: string }[];
}

/** The service manifest, as YAML. */
export function runServiceManifest(spec: ResolvedModelEndpoint, values: ManifestValues): string {
  return stringify(runService(spec, values), { lineWidth: 0 });
}

/** The service manifest, as data. */
export function runService(spec: ResolvedModelEndpoint, values: ManifestValues) {
  const network = spec.platform.network;
  const vpc = network.vpcNetwork || network.vpcSubnetwork;
  const { startupProbe, livenessProbe } = probes(spec);
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: {
      name: spec.endpointName,
      labels: { ...spec.tags },
      annotations: { 'run.googleapis.com/ingress': spec.gcp.ingress === 'internal' ? 'internal' : 'all' },
    },
    spec: {
      template: {
        metadata: {
          labels: { ...spec.tags, 'mlops-version': spec.version },
          annotations: {
            'autoscaling.knative.dev/minScale': String(spec.serverless ? 0 : spec.minInstances),
            'autoscaling.knative.dev/maxScale': String(spec.maxInstances),
            'run.googleapis.com/execution-environment': 'gen2',
            'run.googleapis.com/encryption-key': values.encryptionKey,
            'run.googleapis.com/cpu-throttling': String(cpuIdle(spec)),
            'run.googleapis.com/startup-cpu-boost': 'true',
            ...(vpc
              ? {
                  'run.googleapis.com/vpc-access-egress': 'private-ranges-only',
                  'run.googleapis.com/network-interfaces': JSON.stringify([
                    {
                      ...(network.vpcNetwork ? { network: network.vpcNetwork } : {}),
                      ...(network.vpcSubnetwork ? { subnetwork: network.vpcSubnetwork } : {}),
                    },
                  ]),
                }
              : {}),
          },
        },
        spec: {
          containerConcurrency: spec.targetConcurrency,
          serviceAccountName: values.serviceAccountEmail,
          containers: [
            {
              image: values.image,
              ports: [{ containerPort: spec.port }],
              env: values.env.map((e) => ({ name: e.name, value: e.value })),
              resources: { limits: { cpu: spec.gcp.cpu, memory: spec.gcp.memory } },
              startupProbe,
              livenessProbe,
            },
          ],
        },
      },
    },
  };
}
