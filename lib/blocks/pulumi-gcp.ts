/** Secure GCP building blocks for the Pulumi renderers: enabled APIs, a CMEK key ring and key, service agents. */
import * as pulumi from '@pulumi/pulumi';
import * as kms from '@pulumi/gcp/kms';
import { getProjectOutput } from '@pulumi/gcp/organizations/getProject';
import * as projects from '@pulumi/gcp/projects';
import { getProjectServiceAccountOutput } from '@pulumi/gcp/storage/getProjectServiceAccount';
import type { Platform } from '../core/platform';
import { apiShortName, GCP_API, type GcpApi } from './gcp-apis';

export interface GcpChildContext {
  readonly parent: pulumi.Resource;
  readonly platform: Platform;
  readonly labels: Record<string, string>;
  /** The enabled APIs every child and lookup waits for; empty when the platform enables APIs itself. */
  readonly apis: readonly pulumi.Resource[];
}

/**
 * Enables the APIs a construct uses, one `projects.Service` each, named after the construct
 * (`<construct>-api-run`). Two constructs in one project each own their own resource for a shared API: that is
 * safe because none ever disables it (`disableOnDestroy: false`: removing a construct or destroying the stack
 * leaves the API on, as other constructs, stacks or people may rely on it) and enabling an enabled API is a
 * no-op that succeeds. Per-construct names keep every identity independent of which other constructs the
 * program declares and in what order. Nothing when `platform.enableApis` is false.
 */
export function enableGcpApis(
  name: string,
  apis: readonly GcpApi[],
  parent: pulumi.Resource,
  platform: Platform,
): projects.Service[] {
  if (!platform.enableApis) return [];
  const enable = (service: GcpApi, after: pulumi.Resource[]) =>
    new projects.Service(
      `${name}-api-${apiShortName(service)}`,
      { project: platform.project, service, disableOnDestroy: false, disableDependentServices: false },
      { parent, dependsOn: after },
    );
  // The provider reads the project through Resource Manager around each enablement
  // (hashicorp/terraform-provider-google#6101, #11435): the other APIs are enabled once it is on. Service Usage, the
  // API that enables all of them, cannot enable itself; it is on in new projects (README, first deploy).
  const unique = [...new Set(apis)];
  const resourceManager = unique.includes(GCP_API.resourceManager)
    ? enable(GCP_API.resourceManager, [])
    : undefined;
  const first = resourceManager ? [resourceManager] : [];
  return unique.map((service) =>
    service === GCP_API.resourceManager ? resourceManager! : enable(service, first),
  );
}

/** Options of a child: parented, waiting for the enabled APIs and for `after`. */
export function childOptions(
  ctx: GcpChildContext,
  ...after: pulumi.Resource[]
): { parent: pulumi.Resource; dependsOn: pulumi.Resource[] } {
  return { parent: ctx.parent, dependsOn: [...ctx.apis, ...after] };
}

/** Cloud KMS rotates the key's material every 90 days. */
export const GCP_KEY_ROTATION = '7776000s';

export interface GcpKey {
  readonly keyId: pulumi.Output<string>;
  readonly keyRing?: kms.KeyRing;
  readonly key?: kms.CryptoKey;
}

/** Where a key is made, when not in the platform's region: its Cloud KMS location and a name suffix. */
export interface GcpKeyPlace {
  /** Cloud KMS location (`europe`, `eur4`). */
  readonly location: string;
  /** Appended to the logical and physical names (`-buckets`). */
  readonly suffix: string;
}

/**
 * The platform's key when it brings one, otherwise a key ring and key in the resources' region (CMEK needs a
 * key in the resource's location), or in `place` for resources elsewhere (multi-region buckets). Cloud KMS never
 * deletes key rings; the key's material is kept on delete too.
 */
export function gcpCustomerKey(name: string, ctx: GcpChildContext, place?: GcpKeyPlace): GcpKey {
  if (ctx.platform.kmsKeyId) return { keyId: pulumi.output(ctx.platform.kmsKeyId) };
  const keep = { ...childOptions(ctx), retainOnDelete: ctx.platform.retainOnDelete };
  const suffix = place?.suffix ?? '';
  const keyRing = new kms.KeyRing(
    `${name}${suffix}-keyring`,
    {
      name: `${name}-${ctx.platform.nameSuffix}${suffix}`,
      location: place?.location ?? ctx.platform.region,
      project: ctx.platform.project,
    },
    keep,
  );
  const key = new kms.CryptoKey(
    `${name}${suffix}-key`,
    {
      name: `${name}-${ctx.platform.nameSuffix}${suffix}`,
      keyRing: keyRing.id,
      rotationPeriod: GCP_KEY_ROTATION,
      purpose: 'ENCRYPT_DECRYPT',
      labels: ctx.labels,
    },
    keep,
  );
  return { keyId: key.id, keyRing, key };
}

/**
 * The Google-managed service agents that use a customer key on a service's behalf. An agent named after
 * the project number may not exist yet in a fresh project, so agents are created (or looked up) through the
 * API: `projects.ServiceIdentity` for services that support it, the storage lookup for Cloud Storage. Cloud
 * Run's agent exists as soon as its API is enabled and is not exposed through that API, so it alone is
 * named after the project number. Every lookup and agent waits for the enabled APIs: a disabled API has no agent
 * and refuses the lookup.
 */
export type ServiceAgent = 'run' | 'pubsub' | 'storage' | 'artifactregistry' | 'workflows' | 'aiplatform';

/** The IAM member of a service agent. */
export function serviceAgentMember(
  name: string,
  agent: ServiceAgent,
  ctx: GcpChildContext,
): pulumi.Output<string> {
  const project = ctx.platform.project;
  switch (agent) {
    case 'run':
      return projectNumber(ctx).apply(
        (n) => `serviceAccount:service-${n}@serverless-robot-prod.iam.gserviceaccount.com`,
      );
    case 'storage':
      return getProjectServiceAccountOutput({ project }, { parent: ctx.parent, dependsOn: [...ctx.apis] })
        .member;
    default:
      return new projects.ServiceIdentity(
        `${name}-${agent}-agent`,
        { service: `${agent}.googleapis.com`, project },
        childOptions(ctx),
      ).member;
  }
}

/** The project's number (the Cloud Run service agent is named after it). */
export function projectNumber(ctx: GcpChildContext): pulumi.Output<string> {
  return getProjectOutput(
    { projectId: ctx.platform.project },
    { parent: ctx.parent, dependsOn: [...ctx.apis] },
  ).apply((p) => p.number);
}
