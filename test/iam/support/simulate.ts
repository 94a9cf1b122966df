/**
 * IAM policy simulation over what a stack deploys: each role's trust and identity policies, each bucket's
 * policy and each key's policy, read from a recorded Pulumi graph or a synthesized CDK template (see
 * `worlds.ts`), and evaluated by `@cloud-copilot/iam-simulate` for one request at a time.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument } from '../../../lib/blocks/aws-iam';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

/** A role as deployed: its ARN, who may assume it, and its identity policies. */
export interface DeployedRole {
  readonly arn: string;
  readonly trust: PolicyDocument;
  readonly policies: readonly PolicyDocument[];
}

/** Every policy of one stack that takes part in a decision. */
export interface IamWorld {
  /** Roles by their construct-relative name (`training`, `pipeline`, `execution`, ...). */
  readonly roles: Readonly<Record<string, DeployedRole>>;
  /** Bucket policies by bucket name. */
  readonly bucketPolicies: Readonly<Record<string, PolicyDocument>>;
  /** Key policies by key ARN. */
  readonly keyPolicies: Readonly<Record<string, PolicyDocument>>;
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** One request a role makes at run time. */
export interface Call {
  /** What the call is, in words: it names the test. */
  readonly why: string;
  /** The role making the call (a key of `IamWorld.roles`). */
  readonly role: string;
  readonly action: string;
  readonly resource: string;
  /** Request context; `aws:SecureTransport` defaults to `true` (every SDK and service call uses TLS). */
  readonly context?: Record<string, string | string[]>;
}

/** A service assuming a role (the trust policy decides). */
export interface Assume {
  readonly why: string;
  /** The role assumed (a key of `IamWorld.roles`). */
  readonly role: string;
  readonly service: string;
  readonly sourceArn: string;
  readonly sourceAccount: string;
}

function resourcePolicy(world: IamWorld, resource: string): PolicyDocument | undefined {
  const s3 = /^arn:aws:s3:::([^/]+)/.exec(resource);
  if (s3) return world.bucketPolicies[s3[1]];
  if (resource.startsWith('arn:aws:kms:')) return world.keyPolicies[resource];
  return undefined;
}

async function decide(simulation: Simulation, what: string): Promise<Decision> {
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error')
    throw new Error(`the simulation of ${what} is invalid: ${JSON.stringify(result.errors)}`);
  return result.overallResult as Decision;
}

/** The decision on one call: identity policies of the role, with the bucket or key policy of the resource. */
export async function simulateCall(world: IamWorld, call: Call): Promise<Decision> {
  const role = world.roles[call.role];
  if (!role) throw new Error(`no role "${call.role}" in this stack: ${Object.keys(world.roles).join(', ')}`);
  return decide(
    {
      request: {
        principal: role.arn,
        action: call.action,
        resource: { resource: call.resource, accountId: ACCOUNT },
        contextVariables: { 'aws:SecureTransport': 'true', ...call.context },
      },
      identityPolicies: role.policies.map((policy, i) => ({ name: `${call.role}-${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resourcePolicy(world, call.resource),
    },
    `${call.role} ${call.action} ${call.resource}`,
  );
}

/** The decision on a service assuming a role: its trust policy alone decides. */
export async function simulateAssume(world: IamWorld, assume: Assume): Promise<Decision> {
  const role = world.roles[assume.role];
  if (!role)
    throw new Error(`no role "${assume.role}" in this stack: ${Object.keys(world.roles).join(', ')}`);
  return decide(
    {
      request: {
        principal: assume.service,
        action: 'sts:AssumeRole',
        resource: { resource: role.arn, accountId: ACCOUNT },
        contextVariables: { 'aws:SourceArn': assume.sourceArn, 'aws:SourceAccount': assume.sourceAccount },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: role.trust,
    },
    `${assume.service} assuming ${assume.role}`,
  );
}

/** What `simulate` reports for a call: its description and the decision, for one readable assertion. */
export type Verdict = [why: string, decision: Decision];

/** Decides every call and assume, in order. */
export async function verdicts(world: IamWorld, requests: readonly (Call | Assume)[]): Promise<Verdict[]> {
  const out: Verdict[] = [];
  for (const request of requests)
    out.push([
      request.why,
      'service' in request ? await simulateAssume(world, request) : await simulateCall(world, request),
    ]);
  return out;
}

/** KMS request context of a call SageMaker or S3 makes with the key on a role's behalf. */
export function via(service: 's3' | 'sagemaker'): Record<string, string> {
  return { 'kms:ViaService': `${service}.${REGION}.amazonaws.com` };
}

/** Pulls of one image from its repository: the three ECR calls, and the registry login. */
export function pullCalls(role: string, repositoryArn: string, why: string): Call[] {
  return [
    { why: `${why}: ECR login`, role, action: 'ecr:GetAuthorizationToken', resource: '*' },
    ...['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'].map(
      (action) => ({
        why: `${why}: ${action}`,
        role,
        action,
        resource: repositoryArn,
      }),
    ),
  ];
}

/** `s3://bucket/key` as an object ARN. */
export function objectArn(url: string): string {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(url);
  if (!m) throw new Error(`not an S3 URL: ${url}`);
  return `arn:aws:s3:::${m[1]}/${m[2]}`;
}

/** The bucket ARN and key of `s3://bucket/key`. */
export function splitS3(url: string): { bucketArn: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(url);
  if (!m) throw new Error(`not an S3 URL: ${url}`);
  return { bucketArn: `arn:aws:s3:::${m[1]}`, key: m[2] };
}
