/**
 * The compliance packs the CDK constructs are checked against (cdk-nag's HIPAA Security and NIST 800-53 R5,
 * beside AwsSolutions and the AWS Control Tower rules), and the findings the constructs acknowledge, each
 * with the reason a reviewer would accept. The acknowledgements are made next to the construct they concern,
 * through these helpers, so one reason is written once and used everywhere it applies.
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** cdk-nag compliance packs, by the plugin name CDK's validation report uses. */
export const COMPLIANCE_PACKS = ['HIPAA.Security', 'NIST.800.53.R5'] as const;

/** Acknowledges one cdk-nag rule of every compliance pack on a construct and its children. */
export function acknowledgeInPacks(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge(
    ...COMPLIANCE_PACKS.map((pack) => ({ id: `${pack}::${pack}-${rule}`, reason })),
  );
}

/** Why the constructs' policies stay inline (HIPAA/NIST `IAMNoInlinePolicy`). */
export const INLINE_POLICY_REASON =
  "Written for exactly one role from the construct's blueprint and deleted with it: AWS documents inline policies as the way to keep a strict one-to-one relationship between a policy and an identity, and a customer-managed policy would be a standalone object other roles could be given. The Pulumi renderer attaches the same document as a role policy, and the IAM simulation tests check what it allows and denies.";

/** Acknowledges the inline-policy finding on a policy the construct attaches to one role. */
export function acknowledgeInlinePolicy(policy: IConstruct): void {
  acknowledgeInPacks(policy, 'IAMNoInlinePolicy', INLINE_POLICY_REASON);
}
