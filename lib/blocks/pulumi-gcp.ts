/** Secure GCP building blocks for the Pulumi renderers: a CMEK key ring and key, service agents. */
import * as pulumi from '@pulumi/pulumi';
import * as kms from '@pulumi/gcp/kms';
import { getProjectOutput } from '@pulumi/gcp/organizations/getProject';
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

/** Google-managed service agents that encrypt with a customer key on a service's behalf. */
export const SERVICE_AGENT_DOMAINS = {
  run: 'serverless-robot-prod.iam.gserviceaccount.com',
  pubsub: 'gcp-sa-pubsub.iam.gserviceaccount.com',
  storage: 'gs-project-accounts.iam.gserviceaccount.com',
  artifactRegistry: 'gcp-sa-artifactregistry.iam.gserviceaccount.com',
} as const;

/** The IAM member of a service agent; agents are named after the project number, looked up once. */
export function serviceAgentMember(
  projectNumber: pulumi.Output<string>,
  agent: keyof typeof SERVICE_AGENT_DOMAINS,
): pulumi.Output<string> {
  return projectNumber.apply((n) => `serviceAccount:service-${n}@${SERVICE_AGENT_DOMAINS[agent]}`);
}

/** The project's number (service agents are named after it). */
export function projectNumber(ctx: GcpChildContext): pulumi.Output<string> {
  return getProjectOutput({ projectId: ctx.platform.project }, { parent: ctx.parent }).apply((p) => p.number);
}
