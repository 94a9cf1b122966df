/**
 * IAM for the CDK constructs from blueprint documents: a service role whose trust policy is the blueprint's
 * (confused-deputy conditions included), and a policy attached to exactly one role with its wildcards
 * acknowledged from the deployed document.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { PolicyDocument } from './aws-iam';
import { acknowledgeInlinePolicy } from './cdk-compliance';
import { acknowledgeWildcards } from './cdk-nag';

/** A service role whose trust policy is the blueprint's document, conditions included. */
export function blueprintRole(
  scope: Construct,
  id: string,
  description: string,
  service: string,
  trust: PolicyDocument,
): iam.Role {
  const role = new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal(service), description });
  (role.node.defaultChild as iam.CfnRole).assumeRolePolicyDocument = trust;
  return role;
}

/** Attaches a blueprint policy to its one role and acknowledges exactly the wildcards it keeps. */
export function attachBlueprintPolicy(
  scope: Construct,
  id: string,
  role: iam.Role,
  document: PolicyDocument,
): iam.Policy {
  const policy = new iam.Policy(scope, id, {
    roles: [role],
    document: iam.PolicyDocument.fromJson(document),
  });
  acknowledgeWildcards(policy, document);
  acknowledgeInlinePolicy(policy);
  return policy;
}
