/**
 * Both engines deploy the same IAM documents: the blueprint builds each trust and permissions policy once,
 * and the Pulumi renderer and the CDK construct attach it as it is. Compared on the reference prod stack,
 * with each engine's physical names (buckets, keys, roles) replaced by what they stand for.
 */
import * as path from 'node:path';
import { readProject, readStackConfig } from '../../lib/cli/stack-config';
import { cdkReference, pulumiReference, type ReferenceStack } from './support/reference';
import type { IamWorld } from './support/simulate';

const RELEASE_BUCKET = /^s3:\/\/([^/]+)\//.exec(
  (readStackConfig(readProject(path.resolve(__dirname, '..', '..')), 'prod')['mlops:release'] as any).model
    .artifact.uri,
)![1];

function normalize(stack: ReferenceStack, value: unknown): unknown {
  let text = JSON.stringify(value);
  const names: [string, string][] = [
    ...Object.entries(stack.world.roles).map(([role, r]): [string, string] => [r.arn, `<${role} role>`]),
    ...Object.entries(stack.keys).map(([key, arn]): [string, string] => [arn, `<${key} key>`]),
    ...Object.entries(stack.buckets).map(([bucket, name]): [string, string] => [name, `<${bucket} bucket>`]),
    // Pulumi.prod.yaml's release names the pipeline's artifact bucket as the Pulumi mocks name it; CDK names its
    // bucket otherwise, and the release's stands for it there too.
    [RELEASE_BUCKET, '<artifacts bucket>'],
  ];
  for (const [name, placeholder] of names) text = text.split(name).join(placeholder);
  return JSON.parse(text);
}

const single = <T>(value: T | T[] | undefined) =>
  Array.isArray(value) && value.length === 1 ? value[0] : value;

function documents(stack: ReferenceStack, pick: (world: IamWorld, role: string) => unknown) {
  return Object.fromEntries(
    Object.keys(stack.world.roles).map((role) => [role, normalize(stack, pick(stack.world, role))]),
  );
}

let pulumi: ReferenceStack;
let cdk: ReferenceStack;
beforeAll(async () => {
  pulumi = await pulumiReference();
  cdk = cdkReference();
});

test('every role trusts the same service on the same confused-deputy conditions in both engines', () => {
  const trust = (world: IamWorld, role: string) => world.roles[role].trust;
  expect(documents(cdk, trust)).toEqual(documents(pulumi, trust));
  expect(documents(pulumi, trust).training).toEqual({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'sagemaker.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': '123456789012' },
          ArnLike: {
            'aws:SourceArn': [
              'arn:aws:sagemaker:eu-west-1:123456789012:training-job/pipelines-*',
              'arn:aws:sagemaker:eu-west-1:123456789012:processing-job/pipelines-*',
            ],
          },
        },
      },
    ],
  });
});

test('every role holds the same permissions in both engines', () => {
  const policies = (world: IamWorld, role: string) =>
    // CDK's scheduler target adds its grant as a second policy with the same statement, without a Sid.
    world.roles[role].policies
      .flatMap((p) => p.Statement)
      .map(({ Sid: _sid, ...statement }) => ({
        ...statement,
        // CDK writes a one-element list as its element: the same statement to IAM.
        Action: single(statement.Action),
        Resource: single(statement.Resource),
      }))
      .filter((s, i, all) => all.findIndex((o) => JSON.stringify(o) === JSON.stringify(s)) === i);
  expect(documents(cdk, policies)).toEqual(documents(pulumi, policies));
  // The endpoint pulls the served image from the pipeline's repository only.
  const pull = (documents(pulumi, policies).execution as { Action: unknown; Resource: unknown }[]).find(
    (s) => Array.isArray(s.Action) && s.Action.includes('ecr:BatchGetImage'),
  );
  expect(pull?.Resource).toBe('arn:aws:ecr:eu-west-1:123456789012:repository/churn-training-prod');
});
