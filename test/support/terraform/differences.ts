/**
 * Where the Terraform AWS provider on these machines (5.100) differs from the 6.x schema that `@pulumi/aws` 7
 * bridges, for the resource types the constructs create. Found by comparing each type's Pulumi `Args`
 * (node_modules/@pulumi/aws/<module>/<resource>.d.ts) with `terraform providers schema -json` of 5.100.
 * The converter handles each one as described. Any other argument of a recorded graph that 5.100 lacks fails
 * the conversion, so a new difference cannot pass unnoticed.
 *
 * - `region` on every regional resource (6.x only; `aws_s3_bucket.region` is computed-only in 5.100): removed,
 *   and the resource uses the provider configuration aliased for that region (`aws.eu_west_1`).
 * - 6.x-only arguments the constructs do not send: `aws_sagemaker_endpoint_configuration.execution_role_arn`,
 *   `aws_s3_bucket.bucket_namespace`, `aws_s3_bucket_public_access_block.skip_destroy`,
 *   `aws_ecr_repository.image_tag_mutability_exclusion_filter`, `aws_scheduler_schedule.action_after_completion`,
 *   `aws_cloudwatch_metric_alarm.evaluation_criteria` / `evaluation_interval` / `warm_up_configuration`,
 *   `aws_appautoscaling_policy.predictive_scaling_policy_configuration`: the conversion fails if one appears.
 * - The split S3 bucket resources (`aws_s3_bucket_versioning`, `_lifecycle_configuration`,
 *   `_server_side_encryption_configuration`, `_logging`, `_policy`, `_public_access_block`,
 *   `_ownership_controls`, `_notification`, `_replication_configuration`) exist in both: no handling needed.
 * - Value checks that 5.100 makes from fixed lists (such as SageMaker `instance_type` on production variants)
 *   may lag 6.x: an instance type newer than 5.100 would be refused here though 6.x accepts it. None of the
 *   types the constructs pick today is affected.
 */
export interface SchemaDifference {
  /** Terraform resource type, or `*` for every regional resource. */
  readonly terraformType: string;
  /** The Pulumi argument, as a path from the resource's inputs. */
  readonly pulumiPath: string;
  /** What differs between 6.x and 5.100. */
  readonly difference: string;
  /** What the converter does about it. */
  readonly handling: string;
  /**
   * The converter removes the argument after handling it as described. When false, the constructs do not
   * send it today and the conversion fails if one does: 5.100 cannot check it, so that needs a decision.
   */
  readonly drop: boolean;
}

/** For arguments only 6.x has, that the constructs do not send. */
const NOT_SENT =
  'not sent by the constructs; the conversion fails if a graph sends it (5.100 cannot check it)';

export const SCHEMA_DIFFERENCES: readonly SchemaDifference[] = [
  {
    terraformType: '*',
    pulumiPath: 'region',
    difference:
      '6.x gives every regional resource an optional `region` argument (per-resource region); 5.100 takes the region from the provider configuration only (`aws_s3_bucket.region` exists there but is computed, not settable)',
    handling:
      'removed from the arguments; the resource gets `provider = aws.<region>`, an aliased provider configuration of that region, so replicas in a second region are validated there',
    drop: true,
  },
  {
    terraformType: 'aws_sagemaker_endpoint_configuration',
    pulumiPath: 'executionRoleArn',
    difference: '6.x only',
    handling: NOT_SENT,
    drop: false,
  },
  {
    terraformType: 'aws_s3_bucket',
    pulumiPath: 'bucketNamespace',
    difference: '6.x only',
    handling: NOT_SENT,
    drop: false,
  },
  {
    terraformType: 'aws_s3_bucket_public_access_block',
    pulumiPath: 'skipDestroy',
    difference: '6.x only',
    handling: NOT_SENT,
    drop: false,
  },
  {
    terraformType: 'aws_ecr_repository',
    pulumiPath: 'imageTagMutabilityExclusionFilters',
    difference: '6.x only',
    handling: NOT_SENT,
    drop: false,
  },
  {
    terraformType: 'aws_scheduler_schedule',
    pulumiPath: 'actionAfterCompletion',
    difference: '6.x only',
    handling: NOT_SENT,
    drop: false,
  },
  ...['evaluationCriteria', 'evaluationInterval', 'warmUpConfiguration'].map((pulumiPath) => ({
    terraformType: 'aws_cloudwatch_metric_alarm',
    pulumiPath,
    difference: '6.x only',
    handling: NOT_SENT,
    drop: false,
  })),
  {
    terraformType: 'aws_appautoscaling_policy',
    pulumiPath: 'predictiveScalingPolicyConfiguration',
    difference: '6.x only',
    handling: NOT_SENT,
    drop: false,
  },
];

/** The listed difference for an argument, if any. */
export function differenceOf(terraformType: string, pulumiPath: string): SchemaDifference | undefined {
  return SCHEMA_DIFFERENCES.find(
    (d) => (d.terraformType === terraformType || d.terraformType === '*') && d.pulumiPath === pulumiPath,
  );
}
