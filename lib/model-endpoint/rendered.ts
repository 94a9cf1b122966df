import type * as pulumi from '@pulumi/pulumi';

/** What each cloud renderer hands back to the ModelEndpoint component: the same outputs on every cloud. */
export interface RenderedEndpoint<Children> {
  readonly endpointName: pulumi.Output<string>;
  readonly endpointId: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;
  readonly children: Children;
}

/**
 * The ModelEndpoint component's outputs: what its renderer returns, `undefined` ids while it awaits a release
 * (nothing is rendered then), and what it serves.
 */
export interface ModelEndpointOutputs {
  readonly endpointName: pulumi.Output<string>;
  readonly endpointId: pulumi.Output<string | undefined>;
  readonly url: pulumi.Output<string | undefined>;
  /** `serving <version>` (+ ` promoted from <stack>`), or `awaiting release: ...`. */
  readonly releaseStatus: pulumi.Output<string>;
}
