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
    /^\*$/,
    'ecr:GetAuthorizationToken, cloudwatch:PutMetricData, sagemaker:ListModelPackages and EC2 network-interface actions have no resource-level permissions; PutMetricData is limited by a namespace condition.',
  ],
  [
    /:log-stream:\*$/,
    'SageMaker names log streams at run time; the grant is limited to the named log groups.',
  ],
  [
    /\/capture\//,
    "SageMaker writes capture files with generated names; the grant is limited to this endpoint's capture prefix.",
  ],
  [
    /:repository\/\*$/,
    "The image is known only at deploy time; the grant is limited to pulling from this account's repositories.",
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
    'Objects are written and read per run under generated keys; the grant is limited to one bucket and prefix.',
  ],
];

/** Acknowledges each wildcard resource of a blueprint policy on the construct holding the deployed policy. */
export function acknowledgeWildcards(scope: IConstruct, document: PolicyDocument): void {
  const wildcards = new Set(
    document.Statement.flatMap((st) =>
      Array.isArray(st.Resource) ? st.Resource : st.Resource ? [st.Resource] : [],
    ).filter((r) => r.includes('*')),
  );
  for (const deployed of wildcards) {
    const resource = nagForm(scope, deployed);
    const reason = WILDCARD_REASONS.find(([pattern]) => pattern.test(resource))?.[1];
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
