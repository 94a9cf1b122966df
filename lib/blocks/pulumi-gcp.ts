/** Secure GCP building blocks for the Pulumi renderers: a CMEK key ring and key, service agents. */
import * as pulumi from '@pulumi/pulumi';
import * as kms from '@pulumi/gcp/kms';
import { getProjectOutput } from '@pulumi/gcp/organizations/getProject';
import * as projects from '@pulumi/gcp/projects';
import { getProjectServiceAccountOutput } from '@pulumi/gcp/storage/getProjectServiceAccount';
import type { Platform } from '../core/platform';

export interface GcpChildContext {
  readonly parent: pulumi.Resource;
  readonly platform: Platform;
  readonly labels: Record<string, string>;
}

/** Cloud KMS rotates the key's material every 90 days. */
export const GCP_KEY_ROTATION = '7776000s';

export interface GcpKey {
  readonly keyId: pulumi.Output<string>;
  readonly keyRing?: kms.KeyRing;
  readonly key?: kms.CryptoKey;
}

/**
 * The platform's key when it brings one, otherwise a regional key ring and key (in the resources' region,
 * as CMEK requires). Cloud KMS never deletes key rings; the key's material is kept on delete too.
 */
export function gcpCustomerKey(name: string, ctx: GcpChildContext): GcpKey {
  if (ctx.platform.kmsKeyId) return { keyId: pulumi.output(ctx.platform.kmsKeyId) };
  const keep = { parent: ctx.parent, retainOnDelete: ctx.platform.retainOnDelete };
  const keyRing = new kms.KeyRing(
    `${name}-keyring`,
    { name: `${name}-${ctx.platform.stage}`, location: ctx.platform.region, project: ctx.platform.project },
    keep,
  );
  const key = new kms.CryptoKey(
    `${name}-key`,
    {
      name: `${name}-${ctx.platform.stage}`,
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
 * named after the project number.
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
      return getProjectServiceAccountOutput({ project }, { parent: ctx.parent }).member;
    default:
      return new projects.ServiceIdentity(
        `${name}-${agent}-agent`,
        { service: `${agent}.googleapis.com`, project },
        { parent: ctx.parent },
      ).member;
  }
}

/** The project's number (the Cloud Run service agent is named after it). */
export function projectNumber(ctx: GcpChildContext): pulumi.Output<string> {
  return getProjectOutput({ projectId: ctx.platform.project }, { parent: ctx.parent }).apply((p) => p.number);
}
