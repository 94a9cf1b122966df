import type { PlatformArgs } from '../lib/core/platform';
import type { ModelEndpointArgs } from '../lib/model-endpoint/args';

export const AWS_PROD: PlatformArgs = { cloud: 'aws', stage: 'prod', region: 'eu-west-1' };
export const AWS_DEV: PlatformArgs = { cloud: 'aws', stage: 'dev', region: 'eu-west-1' };
export const GCP_STAGING: PlatformArgs = {
  cloud: 'gcp',
  stage: 'staging',
  region: 'europe-west4',
  project: 'churn-staging-4821',
};
export const GCP_DEV: PlatformArgs = {
  cloud: 'gcp',
  stage: 'dev',
  region: 'europe-west4',
  project: 'churn-dev-4821',
};
export const DOCKER_DEV: PlatformArgs = { cloud: 'docker', stage: 'dev' };

export const ECR_IMAGE =
  '123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn-serving@sha256:' + 'a'.repeat(64);
export const S3_MODEL = 's3://churn-artifacts/models/churn/v3/model.tar.gz';

export function endpointArgs(
  platform: PlatformArgs,
  extra: Partial<ModelEndpointArgs> = {},
): ModelEndpointArgs & { readonly version: string } {
  return { platform, version: 'v3', image: ECR_IMAGE, modelDataUrl: S3_MODEL, ...extra };
}

/** The error a function throws, for exact assertions on its message. */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to throw');
}

/** CDK feature flags the reference app sets in cdk.json: modern log delivery, and validator errors fail synth. */
export const CDK_TEST_CONTEXT = {
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/core:validateAgainstDefaultRules': true,
};

/**
 * Adds the security validators the reference app runs: cdk-nag AwsSolutions, HIPAA Security and NIST 800-53
 * R5, and the AWS Control Tower rules (cfn-guard), reported in that order (`SECURITY_VALIDATORS`).
 */
export function addSecurityValidators(app: import('aws-cdk-lib').App): void {
  // Loaded here so tests that do not synthesize CDK do not pay for them.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { Validations } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks } =
    require('cdk-nag') as typeof import('cdk-nag');
  const { CfnGuardValidator } =
    require('@cdklabs/cdk-validator-cfnguard') as typeof import('@cdklabs/cdk-validator-cfnguard');
  /* eslint-enable @typescript-eslint/no-require-imports */
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app),
    new HIPAASecurityChecks(app),
    new NIST80053R5Checks(app),
    new CfnGuardValidator(),
  );
}

/** Plugin names of `addSecurityValidators`, in report order. */
export const SECURITY_VALIDATORS = [
  'AwsSolutions',
  'HIPAA.Security',
  'NIST.800.53.R5',
  'cdk-validator-cfnguard',
] as const;
