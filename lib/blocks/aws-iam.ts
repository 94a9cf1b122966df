/** IAM policy documents as plain data, shared by the Pulumi AWS renderers and the CDK constructs. */

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  /** Absent only in trust policies. */
  readonly Resource?: string | string[];
  readonly Principal?: Record<string, string | string[]>;
  readonly Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: PolicyStatement[];
}

export function policyDocument(statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * On whose behalf a service may assume a role (cross-service confused-deputy prevention): the account the
 * calling resource belongs to, and the ARN patterns of the resources the service acts for.
 */
export interface TrustSource {
  readonly account: string;
  /** ARN patterns (`ArnLike`) of the resources the service assumes the role for. */
  readonly arns: string[];
}

/**
 * Trust policy letting an AWS service assume a role, only when it acts for the given resources of the given
 * account: without the conditions, any customer's resource of that service could be pointed at the role.
 */
export function serviceTrustPolicy(service: string, source: TrustSource): PolicyDocument {
  return policyDocument([
    {
      Effect: 'Allow',
      Principal: { Service: service },
      Action: 'sts:AssumeRole',
      Condition: {
        StringEquals: { 'aws:SourceAccount': source.account },
        ArnLike: { 'aws:SourceArn': source.arns },
      },
    },
  ]);
}

/** The account, region and partition ARNs are built from: plain strings, or deploy-time tokens in CDK. */
export interface AwsEnvironment {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

const ECR_IMAGE = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9._/-]+?)(?:[:@].*)?$/;

/**
 * The ECR repository ARN an image URI lives in; undefined when the image is not in ECR (public images need
 * no grant) or is not known until deploy time.
 */
export function ecrRepositoryArn(partition: string, image: string): string | undefined {
  const m = ECR_IMAGE.exec(image);
  return m ? `arn:${partition}:ecr:${m[2]}:${m[1]}:repository/${m[3]}` : undefined;
}

/** The object ARN an `s3://bucket/key` URL points at; a trailing `/` means everything under that prefix. */
export function s3ObjectArn(partition: string, url: string): string | undefined {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(url);
  if (!m) return undefined;
  const key = m[2].endsWith('/') || m[2] === '' ? `${m[2]}*` : m[2];
  return `arn:${partition}:s3:::${m[1]}/${key}`;
}

/** What a principal does with a key, each mapped to the KMS actions it needs. */
export type KeyUse = 'read' | 'write' | 'describe' | 'encrypt';

const KEY_USE_ACTIONS: Record<KeyUse, string[]> = {
  // S3 decrypts SSE-KMS objects on read, and on the parts of a multipart upload.
  read: ['kms:Decrypt'],
  // S3 asks for a data key for each SSE-KMS object written.
  write: ['kms:GenerateDataKey'],
  // Services validate a key before they accept it in a request.
  describe: ['kms:DescribeKey'],
  // SageMaker documents kms:Encrypt on the execution role for a job's output KmsKeyId.
  encrypt: ['kms:Encrypt'],
};

/** The endpoint a service calls KMS from on a principal's behalf (the value of `kms:ViaService`). */
export function kmsViaService(service: 's3' | 'sagemaker', region: string): string {
  return `${service}.${region}.amazonaws.com`;
}

/**
 * Use of one key, only through the given AWS services (`kms:ViaService`): the principal can never call KMS
 * with the key directly, so its credentials cannot decrypt data outside S3 or SageMaker.
 */
export function kmsUseStatement(
  sid: string,
  keyArn: string,
  uses: KeyUse[],
  viaServices: string[],
): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: [...new Set(uses.flatMap((use) => KEY_USE_ACTIONS[use]))],
    Resource: keyArn,
    Condition: { StringEquals: { 'kms:ViaService': viaServices } },
  };
}

/**
 * Grants on a key for AWS resources only (`kms:GrantIsForAWSResource`): SageMaker encrypts a job's storage
 * volume (`VolumeKmsKeyId`) through a grant it makes with the credentials of the role named in the request.
 */
export function kmsGrantForAwsResourceStatement(sid: string, keyArn: string): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: 'kms:CreateGrant',
    Resource: keyArn,
    Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
  };
}
