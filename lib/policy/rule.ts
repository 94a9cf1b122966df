/**
 * Policy rules as pure functions over a resource graph: the same rules check a graph recorded offline
 * (`recordProgram`, `mlops synth`) and a real `pulumi preview`/`up` through the policy pack.
 */

/** One resource as the rules see it. */
export interface GraphResource {
  readonly urn: string;
  /** Pulumi type token, such as `aws:s3/bucket:Bucket`. */
  readonly type: string;
  readonly name: string;
  /** Inputs (recorded graph) or properties (policy pack). */
  readonly inputs: Record<string, unknown>;
  /** URNs this resource depends on. */
  readonly dependencies: readonly string[];
  /** For each input, the URNs its value came from. */
  readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
  /** Known only in a recorded graph: the policy pack cannot see resource options. */
  readonly retainOnDelete?: boolean;
}

export interface Violation {
  readonly rule: string;
  readonly urn: string;
  readonly message: string;
}

export interface PolicyRule {
  /** Stable id, such as `aws-s3-private`. */
  readonly id: string;
  readonly description: string;
  /** Mandatory rules fail a deploy; advisory ones warn. */
  readonly enforcement: 'mandatory' | 'advisory';
  /** Needs resource options (retainOnDelete): checked on recorded graphs only. Default false. */
  readonly recordedOnly?: boolean;
  check(resources: readonly GraphResource[]): Violation[];
}

/** The resources of a type. */
export function ofType(resources: readonly GraphResource[], ...types: string[]): GraphResource[] {
  return resources.filter((r) => types.includes(r.type));
}

/** Resources of a type whose `property` input comes from `target` (a bucket's encryption config, say). */
export function companions(
  resources: readonly GraphResource[],
  target: GraphResource,
  type: string,
  property = 'bucket',
): GraphResource[] {
  return resources.filter(
    (r) => r.type === type && (r.propertyDependencies[property] ?? []).includes(target.urn),
  );
}

/** A rule that checks each resource of some types on its own. */
export function perResource(
  rule: Omit<PolicyRule, 'check'> & {
    types: string[];
    problem(resource: GraphResource, all: readonly GraphResource[]): string | undefined;
  },
): PolicyRule {
  const { types, problem, ...meta } = rule;
  return {
    ...meta,
    check: (resources) =>
      ofType(resources, ...types).flatMap((r) => {
        const message = problem(r, resources);
        return message ? [{ rule: rule.id, urn: r.urn, message }] : [];
      }),
  };
}

/** Reads a nested value by path, tolerating absent levels. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  return path.reduce<unknown>(
    (v, key) => (v && typeof v === 'object' ? (v as Record<string | number, unknown>)[key] : undefined),
    value,
  );
}
