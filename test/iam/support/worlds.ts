/**
 * The IAM world of a stack, read from what each engine deploys: a Pulumi graph recorded under mocks (ARNs
 * and names as the mocks compute them, the way a provider would), or a synthesized CloudFormation template
 * (intrinsic functions resolved to the physical names CloudFormation would give: a logical id, lowercased
 * for buckets).
 */
import type { PolicyDocument } from '../../../lib/blocks/aws-iam';
import { mockResourceOutputs } from '../../../lib/testing/mock-outputs';
import type { Recording, RecordedResource } from '../../../lib/testing';
import { ACCOUNT, REGION, type DeployedRole, type IamWorld } from './simulate';

const ROLE = 'aws:iam/role:Role';
const ROLE_POLICY = 'aws:iam/rolePolicy:RolePolicy';
const BUCKET_POLICY = 'aws:s3/bucketPolicy:BucketPolicy';
const KEY = 'aws:kms/key:Key';

/** A role made elsewhere: only the policies this stack attaches to it take part (it trusts nobody here). */
function externalRole(roleName: string, policies: PolicyDocument[]): DeployedRole {
  return {
    arn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
    trust: { Version: '2012-10-17', Statement: [] },
    policies,
  };
}

/** The state a recorded resource would have after create: its inputs plus what the provider computes. */
export function pulumiState(resource: RecordedResource): Record<string, unknown> {
  return mockResourceOutputs(resource.type, resource.name, resource.inputs).state;
}

/**
 * The world of a Pulumi recording. `roles` maps a short name to the role's Pulumi resource name, such as
 * `{ training: 'churn-training-training-role' }`.
 */
export function pulumiWorld(
  rec: Recording,
  roles: Record<string, string>,
  /** Roles the stack does not create but attaches policies to (invokers), by short name and role name. */
  external: Record<string, string> = {},
): IamWorld {
  const byName = new Map(rec.ofType(ROLE).map((r) => [r.name, r]));
  const deployed: Record<string, DeployedRole> = {};
  for (const [short, resourceName] of Object.entries(roles)) {
    const role = byName.get(resourceName);
    if (!role) throw new Error(`no role ${resourceName} in the recording`);
    const state = pulumiState(role);
    deployed[short] = {
      arn: state.arn as string,
      trust: JSON.parse(role.inputs.assumeRolePolicy as string),
      policies: rec
        .ofType(ROLE_POLICY)
        .filter((p) => p.inputs.role === state.name)
        .map((p) => JSON.parse(p.inputs.policy as string)),
    };
  }
  for (const [short, roleName] of Object.entries(external))
    deployed[short] = externalRole(
      roleName,
      rec
        .ofType(ROLE_POLICY)
        .filter((p) => p.inputs.role === roleName)
        .map((p) => JSON.parse(p.inputs.policy as string)),
    );
  return {
    roles: deployed,
    bucketPolicies: Object.fromEntries(
      rec
        .ofType(BUCKET_POLICY)
        .map((p) => [p.inputs.bucket as string, JSON.parse(p.inputs.policy as string)]),
    ),
    keyPolicies: Object.fromEntries(
      rec
        .ofType(KEY)
        .map((k) => [pulumiState(k).arn as string, JSON.parse(k.inputs.policy as string) as PolicyDocument]),
    ),
  };
}

// ---- CloudFormation. ----

type Json = any;
interface CfnResource {
  readonly Type: string;
  readonly Properties?: Json;
}
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
}

/** The physical name CloudFormation would give a resource: its name property, or one from its logical id. */
function physicalName(template: CfnTemplate, logicalId: string): string {
  const r = template.Resources[logicalId];
  if (!r) throw new Error(`no resource ${logicalId} in the template`);
  const p = r.Properties ?? {};
  switch (r.Type) {
    case 'AWS::S3::Bucket':
      return p.BucketName ?? logicalId.toLowerCase();
    case 'AWS::IAM::Role':
      return p.RoleName ?? logicalId;
    case 'AWS::ECR::Repository':
      return p.RepositoryName ?? logicalId.toLowerCase();
    case 'AWS::SageMaker::ModelPackageGroup':
      return p.ModelPackageGroupName;
    case 'AWS::SageMaker::Pipeline':
      return p.PipelineName;
    case 'AWS::SageMaker::Endpoint':
      return p.EndpointName;
    case 'AWS::CloudWatch::Alarm':
      return p.AlarmName;
    default:
      return logicalId;
  }
}

function getAtt(template: CfnTemplate, logicalId: string, attribute: string): string {
  const name = physicalName(template, logicalId);
  const type = template.Resources[logicalId].Type;
  if (attribute === 'Arn') {
    switch (type) {
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${ACCOUNT}:role/${name}`;
      case 'AWS::KMS::Key':
        return `arn:aws:kms:${REGION}:${ACCOUNT}:key/${name}`;
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${name}`;
      case 'AWS::ECR::Repository':
        return `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`;
      case 'AWS::CloudWatch::Alarm':
        return `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;
    }
  }
  // EndpointConfigName, ModelName, EndpointName, KeyId ...: the resource's name.
  return name;
}

const PSEUDO: Record<string, string> = {
  'AWS::AccountId': ACCOUNT,
  'AWS::Region': REGION,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** A template value with every intrinsic function CDK emits here resolved. */
export function resolveCfn(template: CfnTemplate, value: Json): Json {
  if (Array.isArray(value)) return value.map((v) => resolveCfn(template, v));
  if (value === null || typeof value !== 'object') return value;
  if ('Ref' in value) return PSEUDO[value.Ref] ?? physicalName(template, value.Ref);
  if ('Fn::GetAtt' in value) {
    const [id, attribute] = value['Fn::GetAtt'];
    return getAtt(template, id, attribute);
  }
  if ('Fn::Join' in value) {
    const [sep, parts] = value['Fn::Join'];
    return resolveCfn(template, parts).join(sep);
  }
  if ('Fn::Sub' in value) {
    const [text, variables] =
      typeof value['Fn::Sub'] === 'string' ? [value['Fn::Sub'], {}] : value['Fn::Sub'];
    return (text as string).replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
      if (name in variables) return resolveCfn(template, variables[name]);
      if (name in PSEUDO) return PSEUDO[name];
      const [id, attribute] = name.split('.');
      return attribute ? getAtt(template, id, attribute) : physicalName(template, id);
    });
  }
  if ('Fn::Select' in value) {
    const [index, list] = value['Fn::Select'];
    return resolveCfn(template, list)[index];
  }
  if ('Fn::Split' in value) {
    const [sep, source] = value['Fn::Split'];
    return String(resolveCfn(template, source)).split(sep);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveCfn(template, v)]));
}

function ofType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

/** The logical id of the one resource of a type whose logical id starts with `prefix`. */
export function logicalId(template: CfnTemplate, type: string, prefix: string): string {
  const found = ofType(template, type).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1)
    throw new Error(`expected one ${type} whose logical id starts with ${prefix}, found ${found.length}`);
  return found[0][0];
}

/**
 * The world of a synthesized template. `roles` maps a short name to the role's logical id prefix, such as
 * `{ training: 'churntrainingTrainingRole' }`.
 */
export function cdkWorld(
  template: CfnTemplate,
  roles: Record<string, string>,
  /** Roles the stack does not create but attaches policies to (invokers), by short name and role name. */
  external: Record<string, string> = {},
): IamWorld {
  const deployed: Record<string, DeployedRole> = {};
  for (const [short, prefix] of Object.entries(roles)) {
    const id = logicalId(template, 'AWS::IAM::Role', prefix);
    const role = template.Resources[id];
    deployed[short] = {
      arn: getAtt(template, id, 'Arn'),
      trust: resolveCfn(template, role.Properties.AssumeRolePolicyDocument),
      policies: [
        ...(role.Properties.Policies ?? []).map((p: Json) => resolveCfn(template, p.PolicyDocument)),
        ...ofType(template, 'AWS::IAM::Policy')
          .filter(([, p]) => (p.Properties.Roles ?? []).some((r: Json) => r.Ref === id))
          .map(([, p]) => resolveCfn(template, p.Properties.PolicyDocument)),
      ],
    };
  }
  for (const [short, roleName] of Object.entries(external))
    deployed[short] = externalRole(
      roleName,
      ofType(template, 'AWS::IAM::Policy')
        .filter(([, p]) => (p.Properties.Roles ?? []).includes(roleName))
        .map(([, p]) => resolveCfn(template, p.Properties.PolicyDocument)),
    );
  return {
    roles: deployed,
    bucketPolicies: Object.fromEntries(
      ofType(template, 'AWS::S3::BucketPolicy').map(([, p]) => [
        resolveCfn(template, p.Properties.Bucket),
        resolveCfn(template, p.Properties.PolicyDocument),
      ]),
    ),
    keyPolicies: Object.fromEntries(
      ofType(template, 'AWS::KMS::Key').map(([id, k]) => [
        getAtt(template, id, 'Arn'),
        resolveCfn(template, k.Properties.KeyPolicy),
      ]),
    ),
  };
}
