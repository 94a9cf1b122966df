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

/** Trust policy letting an AWS service assume a role. */
export function serviceTrustPolicy(service: string): PolicyDocument {
  return policyDocument([{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }]);
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

/** Statements that let a principal decrypt and encrypt with one key (SSE-KMS reads and writes). */
export function kmsUseStatement(keyArn: string, sid = 'UseKey'): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
    Resource: keyArn,
  };
}
