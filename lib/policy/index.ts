/**
 * mlops-constructs/policy: security and data-safety rules for Pulumi graphs, as pure functions. Run them
 * on a recorded graph in unit tests (`evaluatePolicies(recording.resources)`), or during `pulumi preview`
 * and `pulumi up` with the policy pack in `policy-pack/`.
 */
import { AWS_RULES } from './aws-rules';
import { DATA_SAFETY_RULES } from './data-safety-rules';
import { DOCKER_RULES } from './docker-rules';
import { GCP_RULES } from './gcp-rules';
import type { GraphResource, PolicyRule, Violation } from './rule';

export type { GraphResource, PolicyRule, Violation } from './rule';
export { AWS_RULES, GCP_RULES, DOCKER_RULES, DATA_SAFETY_RULES };

export const ALL_RULES: readonly PolicyRule[] = [
  ...AWS_RULES,
  ...GCP_RULES,
  ...DOCKER_RULES,
  ...DATA_SAFETY_RULES,
];

/** Every violation of the rules in a graph, mandatory ones first. */
export function evaluatePolicies(
  resources: readonly GraphResource[],
  rules: readonly PolicyRule[] = ALL_RULES,
): (Violation & { enforcement: PolicyRule['enforcement'] })[] {
  const found = rules.flatMap((rule) =>
    rule.check(resources).map((v) => ({ ...v, enforcement: rule.enforcement })),
  );
  return found.sort((a, b) => (a.enforcement === b.enforcement ? 0 : a.enforcement === 'mandatory' ? -1 : 1));
}
