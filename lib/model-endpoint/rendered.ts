import type * as pulumi from '@pulumi/pulumi';

/** What each cloud renderer hands back to the ModelEndpoint component: the same outputs on every cloud. */
export interface RenderedEndpoint<Children> {
  readonly endpointName: pulumi.Output<string>;
  readonly endpointId: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;
  readonly children: Children;
}
