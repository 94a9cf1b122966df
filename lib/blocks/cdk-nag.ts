/**
 * Acknowledging cdk-nag findings from the blueprint itself: the wildcards a blueprint policy keeps are
 * listed from the same document the construct deploys, each with the reason a reviewer would accept, so a
 * new wildcard fails the check until someone writes down why it is needed.
 */
import { Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import type { Construct, IConstruct } from 'constructs';
import type { AwsEnvironment, PolicyDocument } from './aws-iam';

/** The environment as cdk-nag writes it in finding ids. */
export const NAG_PLACEHOLDERS: AwsEnvironment = {
  partition: '<AWS::Partition>',
  region: '<AWS::Region>',
  account: '<AWS::AccountId>',
};

/** A resource's logical id as cdk-nag writes a reference to it: `<LogicalId>`. */
export function nagRef(resource: Construct): string {
  const stack = Stack.of(resource);
  return `<${stack.resolve((resource.node.defaultChild as CfnResource).logicalId)}>`;
}

/**
 * `<LogicalId.Arn>`: how cdk-nag writes a `Fn::GetAtt` of the resource's ARN; an imported resource (no
 * CloudFormation resource of its own) appears as its ARN.
 */
export function nagArn(resource: Construct & { readonly keyArn?: string }): string {
  if (!resource.node.defaultChild) return resource.keyArn ?? '';
  return `${nagRef(resource).slice(0, -1)}.Arn>`;
}

const WILDCARD_REASONS: [RegExp, string][] = [
  [
    /^\*$/,
    'ecr:GetAuthorizationToken, cloudwatch:PutMetricData and EC2 network-interface actions have no resource-level permissions; PutMetricData is limited by a namespace condition.',
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
    "Objects are written per run with generated keys; the grant is limited to this pipeline's bucket and prefix.",
  ],
];

/** Acknowledges each wildcard resource of a blueprint policy on the construct holding the deployed policy. */
export function acknowledgeWildcards(scope: IConstruct, document: PolicyDocument): void {
  const wildcards = new Set(
    document.Statement.flatMap((st) =>
      Array.isArray(st.Resource) ? st.Resource : st.Resource ? [st.Resource] : [],
    ).filter((r) => r.includes('*')),
  );
  for (const resource of wildcards) {
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
