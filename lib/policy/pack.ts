/**
 * The rules as a Pulumi policy pack, for `pulumi preview --policy-pack` and `pulumi up --policy-pack`.
 * Stack policies see every resource with its properties and dependencies; rules that need resource
 * options (`recordedOnly`) are left to the offline checks.
 */
import { PolicyPack, type PolicyResource, type StackValidationPolicy } from '@pulumi/policy';
import { ALL_RULES } from './index';
import type { GraphResource, PolicyRule } from './rule';

function toGraph(resources: PolicyResource[]): GraphResource[] {
  return resources.map((r) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    inputs: r.props,
    dependencies: r.dependencies.map((d) => d.urn),
    propertyDependencies: Object.fromEntries(
      Object.entries(r.propertyDependencies).map(([k, deps]) => [k, deps.map((d) => d.urn)]),
    ),
  }));
}

/** One stack policy per rule. */
export function stackPolicies(rules: readonly PolicyRule[] = ALL_RULES): StackValidationPolicy[] {
  return rules
    .filter((rule) => !rule.recordedOnly)
    .map((rule) => ({
      name: rule.id,
      description: rule.description,
      enforcementLevel: rule.enforcement,
      validateStack: (args, reportViolation) => {
        for (const violation of rule.check(toGraph(args.resources)))
          reportViolation(violation.message, violation.urn);
      },
    }));
}

/** Creates the policy pack; call it once from the pack's entry point. */
export function createPolicyPack(name = 'mlops-constructs'): PolicyPack {
  return new PolicyPack(name, { policies: stackPolicies() });
}
