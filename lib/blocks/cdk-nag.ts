/**
 * Acknowledging cdk-nag findings from the blueprint itself: the wildcards a blueprint policy keeps are
 * listed from the same document the construct deploys, each with the reason a reviewer would accept, so a
 * new wildcard fails the check until someone writes down why it is needed.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { PolicyDocument } from './aws-iam';

/**
 * A string as cdk-nag writes it in finding ids: tokens resolved, a `Ref` shown as `<LogicalId>` (or
 * `<AWS::Region>`), a `Fn::GetAtt` as `<LogicalId.Attribute>`, joins concatenated.
 */
export function nagForm(scope: IConstruct, value: string): string {
  const render = (part: unknown): string => {
    if (typeof part === 'string') return part;
    const cfn = part as { Ref?: string; 'Fn::GetAtt'?: string[]; 'Fn::Join'?: [string, unknown[]] };
    if (cfn.Ref) return `<${cfn.Ref}>`;
    if (cfn['Fn::GetAtt']) return `<${cfn['Fn::GetAtt'].join('.')}>`;
    if (cfn['Fn::Join']) return cfn['Fn::Join'][1].map(render).join(cfn['Fn::Join'][0]);
    return JSON.stringify(part);
  };
  return render(Stack.of(scope).resolve(value));
}

const WILDCARD_REASONS: [RegExp, string][] = [
  [
    /:log-stream:\*$/,
    'SageMaker names log streams at run time; the grant is limited to the named /aws/sagemaker log groups.',
  ],
  [
    /\/capture\//,
    "SageMaker writes capture files with generated names; the grant is limited to this endpoint's capture prefix.",
  ],
  [
    /:repository\/\*$/,
    "An image URI known only at deploy time, with no repository named for it (ModelEndpoint aws.imageRepositoryArn), may live in any of this account's repositories; the grant is pull-only.",
  ],
  [
    /:(training|processing)-job\/pipelines-\*$/,
    'SageMaker Pipelines names its jobs per execution (`pipelines-<execution>-...`); the grant is limited to pipeline jobs.',
  ],
  [
    /:model-package\/[^/]+\/\*$/,
    "Model versions are numbered at registration; the grant is limited to this pipeline's model group.",
  ],
  [
    /:s3:::[^/]+\/.*\*$/,
    'Objects are written and read per run under generated keys (job names, execution ids); the grant is limited to one bucket and to the prefixes this role owns or reads.',
  ],
];

/**
 * Why an action is granted on `*`: each has no resource-level permissions in IAM. The reason for a policy's
 * `*` lists exactly the actions that policy grants on it, so it stays true as policies change.
 */
const UNSCOPED_ACTIONS: Record<string, string> = {
  'ecr:GetAuthorizationToken':
    'ecr:GetAuthorizationToken (the ECR login; pulls are limited to named repositories)',
  'cloudwatch:PutMetricData':
    "cloudwatch:PutMetricData (held to SageMaker's own /aws/sagemaker namespace by a cloudwatch:namespace condition)",
  'sagemaker:ListModelPackages':
    'sagemaker:ListModelPackages (the champion lookup, which reads no data and writes only its own prefix)',
  'ec2:CreateNetworkInterface': 'the EC2 network-interface actions SageMaker needs to attach to the VPC',
};
const EC2_VPC_ACTION = /^ec2:(Create|Delete|Describe)/;

function unscopedReason(actions: string[]): string {
  const reasons = new Set(
    actions.map((action) => {
      const reason = UNSCOPED_ACTIONS[EC2_VPC_ACTION.test(action) ? 'ec2:CreateNetworkInterface' : action];
      if (!reason)
        throw new Error(`no reviewed reason for granting ${action} on "*": add one to UNSCOPED_ACTIONS`);
      return reason;
    }),
  );
  return `These actions have no resource-level permissions, so IAM accepts only "*" for them: ${[...reasons].join('; ')}.`;
}

/** Acknowledges each wildcard resource of a blueprint policy on the construct holding the deployed policy. */
export function acknowledgeWildcards(scope: IConstruct, document: PolicyDocument): void {
  const resources = (st: PolicyDocument['Statement'][number]) =>
    Array.isArray(st.Resource) ? st.Resource : st.Resource ? [st.Resource] : [];
  const wildcards = new Set(document.Statement.flatMap(resources).filter((r) => r.includes('*')));
  for (const deployed of wildcards) {
    const resource = nagForm(scope, deployed);
    const reason =
      resource === '*'
        ? unscopedReason(
            document.Statement.filter((st) => resources(st).includes('*')).flatMap((st) =>
              [st.Action].flat(),
            ),
          )
        : WILDCARD_REASONS.find(([pattern]) => pattern.test(resource))?.[1];
    if (!reason)
      throw new Error(
        `no reviewed reason for the wildcard resource ${resource}: add one to WILDCARD_REASONS`,
      );
    Validations.of(scope).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`,
      reason,
    });
  }
}
