/**
 * A pause between fresh IAM grants and the creates that need them. Google documents that a change to an allow
 * policy "typically" applies within 2 minutes and can take 7 minutes or longer, and the GCP provider does not
 * retry a create refused for a grant that is still propagating (a bucket, repository, topic, Cloud Run job or
 * service, or workflow encrypted with a key its service agent was just allowed to use). Pulumi's
 * `customTimeouts` only lengthen waits on operations that are already running, so they do not help.
 *
 * This resource uses only `@pulumi/pulumi` (a dynamic resource): it sleeps when it is created, and again
 * only when the set of grants it follows changes. Later deploys that do not touch the grants do not wait.
 * It does not make propagation certain (Google gives no upper bound): a create that still fails succeeds
 * when `pulumi up` runs again.
 */
import * as pulumi from '@pulumi/pulumi';

/** Google's "typically" bound for an allow policy change to apply. */
export const IAM_SETTLE_SECONDS = 120;

interface SettleInputs {
  /** Ids of the grants this pause follows; a change to the set starts a new pause. */
  readonly grants: string[];
  readonly seconds: number;
}

// Serialized into the stack by Pulumi: it must use nothing outside its own body.
export const settleProvider: pulumi.dynamic.ResourceProvider<SettleInputs, SettleInputs> = {
  async create(inputs) {
    await new Promise((resolve) => setTimeout(resolve, inputs.seconds * 1000));
    return { id: `settled-${inputs.grants.length}`, outs: inputs };
  },
  async diff(_id, olds, news) {
    const changed = JSON.stringify([...olds.grants].sort()) !== JSON.stringify([...news.grants].sort());
    return { changes: changed || olds.seconds !== news.seconds };
  },
  async update(_id, olds, news) {
    const added = news.grants.some((g) => !olds.grants.includes(g));
    if (added) await new Promise((resolve) => setTimeout(resolve, news.seconds * 1000));
    return { outs: news };
  },
};

/** Waits `IAM_SETTLE_SECONDS` after the grants exist; resources that need them depend on it. */
export class IamSettle extends pulumi.dynamic.Resource {
  constructor(name: string, grants: readonly pulumi.Resource[], opts: pulumi.CustomResourceOptions) {
    const ids = grants.map((g) => (g as pulumi.CustomResource).id);
    super(
      settleProvider,
      name,
      { grants: pulumi.all(ids), seconds: IAM_SETTLE_SECONDS },
      { ...opts, dependsOn: [...grants] },
      'mlops',
      'IamSettle',
    );
  }
}
