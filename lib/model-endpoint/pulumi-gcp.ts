/** Renders a resolved ModelEndpoint to Cloud Run v2 through Pulumi. */
import { KMS_ENCRYPTER_DECRYPTER } from '../blocks/gcp-roles';
import * as pulumi from '@pulumi/pulumi';
import * as cloudrunv2 from '@pulumi/gcp/cloudrunv2';
import * as kms from '@pulumi/gcp/kms';
import type * as projects from '@pulumi/gcp/projects';
import * as pubsub from '@pulumi/gcp/pubsub';
import * as serviceaccount from '@pulumi/gcp/serviceaccount';
import * as storage from '@pulumi/gcp/storage';
import { modelEndpointApis } from '../blocks/gcp-apis';
import { IamSettle } from '../blocks/gcp-iam-settle';
import {
  childOptions,
  enableGcpApis,
  gcpCustomerKey,
  serviceAgentMember,
  type GcpChildContext,
} from '../blocks/pulumi-gcp';
import { knownString } from '../core/validation';
import {
  cpuIdle,
  gcsObjectPrefix,
  modelFolderId,
  objectPrefixCondition,
  probes,
  revisionName,
  serviceEnv,
  trafficSplit,
} from './gcp-facts';
import { renderCloudDeploy, type ModelEndpointCloudDeployChildren } from './gcp-cloud-deploy';
import type { RenderedEndpoint } from './rendered';
import type { ResolvedModelEndpoint } from './resolve';

export interface ModelEndpointGcpChildren {
  readonly service: cloudrunv2.Service;
  /** The dedicated runtime identity of the service. */
  readonly serviceAccount: serviceaccount.Account;
  /** The key the construct created; undefined when the platform brought one. */
  readonly key?: kms.CryptoKey;
  /** Topic the container publishes captured requests to; undefined when capture is off. */
  readonly captureTopic?: pubsub.Topic;
  /** The APIs the endpoint enabled; empty when `platform.enableApis` is false. */
  readonly apis: projects.Service[];
  /** The Cloud Deploy pipeline, target, automation and release manifest; undefined unless `gcp.rollout: 'cloud-deploy'`. */
  readonly cloudDeploy?: ModelEndpointCloudDeployChildren;
}

const ENCRYPTER = KMS_ENCRYPTER_DECRYPTER;

/**
 * The service fields Pulumi leaves alone once Cloud Deploy rolls releases out (`gcp.rollout: 'cloud-deploy'`): the
 * template and traffic Cloud Deploy sets, the deploying client it records, and the ingress and labels each release's
 * manifest carries. Pulumi sends an ignored field's value from its state when it updates the resource for another
 * field (Pulumi "ignoreChanges"), which without a refresh is the first release's template: ignoring every field a
 * release carries leaves Pulumi no reason to update the service. The name, project and location replace it.
 */
export const CLOUD_DEPLOY_OWNS = [
  'template',
  'traffics',
  'client',
  'clientVersion',
  'ingress',
  'labels',
] as const;

export function renderGcp(
  spec: ResolvedModelEndpoint,
  parent: pulumi.Resource,
): RenderedEndpoint<ModelEndpointGcpChildren> {
  const name = spec.constructName;
  const { project, region } = spec.platform;
  const capture = spec.capturePercent > 0;
  const cd = spec.gcp.cloudDeploy;
  const apis = enableGcpApis(
    name,
    modelEndpointApis({ capture, cloudDeploy: cd !== undefined }),
    parent,
    spec.platform,
  );
  const ctx: GcpChildContext = { parent, platform: spec.platform, labels: { ...spec.tags }, apis };
  const opts = childOptions(ctx);
  const { keyId, key } = gcpCustomerKey(name, ctx);

  const runAgentGrant = new kms.CryptoKeyIAMMember(
    `${name}-run-agent-key`,
    { cryptoKeyId: keyId, role: ENCRYPTER, member: serviceAgentMember(name, 'run', ctx) },
    opts,
  );

  const account = new serviceaccount.Account(
    `${name}-runtime`,
    {
      accountId: runtimeAccountId(spec),
      displayName: `Runtime identity of the ${spec.endpointName} model endpoint`,
      project,
    },
    opts,
  );
  const member = pulumi.interpolate`serviceAccount:${account.email}`;

  // Read access to the model only: a grant under the model's folder when there is one (an IAM condition on the
  // object name, which needs uniform bucket-level access on the bucket), the whole bucket otherwise.
  // GCS decrypts CMEK objects itself: the reader needs only object access.
  // One grant per distinct folder, named and titled after the folder (`modelFolderId`), never after the role the
  // model plays: the served release's folder keeps its grant, unchanged, when the next release makes it the stable
  // one, and a folder no release names any more loses its grant on the next deploy. Two resources holding the same
  // binding (role + member + condition) would remove it for both when either one goes.
  const grants: pulumi.Resource[] = [runAgentGrant];
  const granted = new Map<string, pulumi.Input<string>>();
  const grantFolder = (bucket: pulumi.Input<string>, prefix: string | undefined) => {
    const known = knownString(bucket);
    let id = modelFolderId(known, prefix);
    // Granted already: the same known bucket, or the same deploy-time bucket value, and the same folder.
    if (granted.has(id) && (known !== undefined || granted.get(id) === bucket)) return;
    // Two buckets known only at deploy time, same folder: separate resources (bindings of different buckets).
    for (let n = 2; granted.has(id); n++) id = `${modelFolderId(known, prefix)}-${n}`;
    granted.set(id, bucket);
    grants.push(
      new storage.BucketIAMMember(
        `${name}-read-model-${id}`,
        {
          bucket,
          role: 'roles/storage.objectViewer',
          member,
          ...(prefix ? { condition: objectPrefixCondition(bucket, prefix, id) } : {}),
        },
        opts,
      ),
    );
  };
  if (spec.modelAccess) grantFolder(spec.modelAccess.bucketName, spec.modelAccess.prefix);
  // With Cloud Deploy, `modelAccess` covers every release's model (validation requires it; in release mode it is the
  // folder holding the release folders): a grant per release would come and go with each `pulumi up` while Cloud
  // Deploy may still serve, or roll back to, the previous one.
  if (!cd)
    for (const model of spec.models) {
      const location = gcsObjectPrefix(knownString(model.modelDataUrl));
      if (location) grantFolder(location.bucket, location.prefix);
    }
  // During a rollout the stable revision keeps serving (and starting new instances, which load its model): it
  // keeps reading its own model beside the new release's.
  const stable = gcsObjectPrefix(knownString(spec.stableRelease?.modelDataUrl));
  if (stable) grantFolder(stable.bucket, stable.prefix);

  let captureTopic: pubsub.Topic | undefined;
  if (capture) {
    const pubsubAgentGrant = new kms.CryptoKeyIAMMember(
      `${name}-pubsub-agent-key`,
      { cryptoKeyId: keyId, role: ENCRYPTER, member: serviceAgentMember(name, 'pubsub', ctx) },
      opts,
    );
    captureTopic = new pubsub.Topic(
      `${name}-capture`,
      {
        name: `${spec.endpointName}-capture`,
        project,
        kmsKeyName: keyId,
        messageRetentionDuration: '604800s',
        labels: ctx.labels,
      },
      // Pub/Sub checks the key when the topic is made.
      childOptions(
        ctx,
        pubsubAgentGrant,
        new IamSettle(`${name}-pubsub-key-settle`, [pubsubAgentGrant], { parent }),
      ),
    );
    grants.push(
      new pubsub.TopicIAMMember(
        `${name}-capture-publisher`,
        { topic: captureTopic.id, role: 'roles/pubsub.publisher', member, project },
        opts,
      ),
    );
  }

  const primary = spec.models[0];
  const envs = serviceEnv(spec, captureTopic?.id).map((e) => ({
    name: e.name,
    value: pulumi.output(e.value),
  }));
  const gpu = spec.gcp.gpuType !== undefined;
  const network = spec.platform.network;

  const service = new cloudrunv2.Service(
    `${name}-service`,
    {
      name: spec.endpointName,
      location: region,
      project,
      ingress: spec.gcp.ingress === 'internal' ? 'INGRESS_TRAFFIC_INTERNAL_ONLY' : 'INGRESS_TRAFFIC_ALL',
      deletionProtection: spec.gcp.deletionProtection,
      labels: ctx.labels,
      template: {
        revision: revisionName(spec, spec.version),
        serviceAccount: account.email,
        encryptionKey: keyId,
        executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
        maxInstanceRequestConcurrency: spec.targetConcurrency,
        scaling: {
          minInstanceCount: spec.serverless ? 0 : spec.minInstances,
          maxInstanceCount: spec.maxInstances,
        },
        labels: ctx.labels,
        ...(gpu
          ? { nodeSelector: { accelerator: spec.gcp.gpuType! }, gpuZonalRedundancyDisabled: false }
          : {}),
        ...(network.vpcNetwork || network.vpcSubnetwork
          ? {
              vpcAccess: {
                egress: 'PRIVATE_RANGES_ONLY',
                networkInterfaces: [{ network: network.vpcNetwork, subnetwork: network.vpcSubnetwork }],
              },
            }
          : {}),
        containers: [
          {
            image: primary.image!,
            ports: { containerPort: spec.port },
            envs,
            resources: {
              limits: {
                cpu: spec.gcp.cpu,
                memory: spec.gcp.memory,
                ...(gpu ? { 'nvidia.com/gpu': '1' } : {}),
              },
              cpuIdle: cpuIdle(spec),
              startupCpuBoost: true,
            },
            ...probes(spec),
          },
        ],
      },
      traffics: trafficSplit(spec),
    },
    {
      // The service agent must hold the key before Cloud Run encrypts the revision with it, and the runtime account
      // its model before the first revision starts: both grants are fresh on a first deploy.
      ...childOptions(ctx, ...grants, new IamSettle(`${name}-grants-settle`, grants, { parent })),
      // With Cloud Deploy, Pulumi creates the service with its first release; from then on each release's manifest
      // replaces the service and Cloud Deploy moves the traffic.
      ...(cd ? { ignoreChanges: [...CLOUD_DEPLOY_OWNS] } : {}),
    },
  );
  const cloudDeploy = cd
    ? renderCloudDeploy(spec, cd, ctx, {
        service,
        runtimeAccount: account,
        keyId,
        captureTopicId: captureTopic?.id,
      })
    : undefined;

  spec.invokers.forEach((invoker, i) => {
    new cloudrunv2.ServiceIamMember(
      `${name}-invoker-${i}`,
      { name: service.name, location: region, project, role: 'roles/run.invoker', member: invoker },
      opts,
    );
  });

  return {
    endpointName: service.name,
    endpointId: service.id,
    url: service.uri.apply((uri) => `${uri}/invocations`),
    children: { service, serviceAccount: account, key, captureTopic, apis, cloudDeploy },
  };
}

/** `<endpoint>-run`, shortened to the 30 characters a service account id may have. */
function runtimeAccountId(spec: ResolvedModelEndpoint): string {
  const base = spec.endpointName.slice(0, 26).replace(/-+$/, '');
  return `${base}-run`.padEnd(6, '0');
}
