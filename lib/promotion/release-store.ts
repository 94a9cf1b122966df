import type * as pulumi from '@pulumi/pulumi';

/**
 * What a serving construct needs from the pipeline whose stores a release lives in: an `MlPipeline` (Pulumi or
 * CDK) gives it with `releaseStore()`. Fields are absent where the pipeline's cloud has no such store.
 */
export interface ReleaseStore {
  readonly cloud: 'aws' | 'gcp' | 'docker';
  /** aws: the model package group the pipeline registers into. */
  readonly modelPackageGroupName?: string;
  /** aws: the ARN of a registered version of that group. */
  readonly modelPackageArn?: (version: number) => pulumi.Input<string>;
  /** aws: the ECR repository the pipeline's registered versions pull their image from. */
  readonly imageRepositoryArn?: pulumi.Input<string>;
  /** The artifact bucket (S3 or GCS) name, or on docker the models volume's name. */
  readonly artifactBucketName: pulumi.Input<string>;
  /** `s3://<bucket>/`, `gs://<bucket>/` or `docker-volume://<volume>/`: where relative (schema 0) paths start. */
  readonly artifactBaseUri: pulumi.Input<string>;
  /** aws: the KMS key the artifacts are encrypted with. */
  readonly artifactKeyArn?: pulumi.Input<string>;
}
