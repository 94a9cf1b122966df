import type * as pulumi from '@pulumi/pulumi';

/** What each cloud renderer hands back to the MlPipeline component: the same outputs on every cloud. */
export interface RenderedPipeline<Children> {
  readonly dataBucketName: pulumi.Output<string>;
  readonly dataBucketUri: pulumi.Output<string>;
  readonly artifactBucketName: pulumi.Output<string>;
  readonly artifactBucketUri: pulumi.Output<string>;
  readonly containerRegistryUrl: pulumi.Output<string>;
  readonly modelRegistry: pulumi.Output<string>;
  readonly pipelineName: pulumi.Output<string>;
  readonly pipelineId: pulumi.Output<string>;
  readonly retrainTrigger: pulumi.Output<string>;
  readonly baselineUri: pulumi.Output<string>;
  readonly children: Children;
}
