/**
 * Dependency-graph checks on a recorded program: races that a real deploy would hit, and the critical path
 * that bounds how long `pulumi up` takes however parallel it runs.
 */
import type { RecordedResource } from './recorder';

/**
 * Resources that use an IAM role without waiting for the role's inline policies. AWS validates a role's
 * permissions when a SageMaker model, pipeline or schedule is created with it: racing the policy makes the
 * first deploy fail intermittently.
 */
export function roleRaces(
  resources: readonly RecordedResource[],
): { resource: string; role: string; policy: string }[] {
  const roles = resources.filter((r) => r.type === 'aws:iam/role:Role');
  const policies = resources.filter((r) => r.type === 'aws:iam/rolePolicy:RolePolicy');
  const races: { resource: string; role: string; policy: string }[] = [];
  for (const role of roles) {
    const attached = policies.filter((p) => (p.propertyDependencies.role ?? []).includes(role.urn));
    const users = resources.filter(
      (r) =>
        r !== role &&
        !attached.includes(r) &&
        r.type !== 'aws:iam/rolePolicy:RolePolicy' &&
        r.dependencies.includes(role.urn),
    );
    for (const user of users) {
      for (const policy of attached) {
        if (!user.dependencies.includes(policy.urn))
          races.push({ resource: user.urn, role: role.urn, policy: policy.urn });
      }
    }
  }
  return races;
}

/** Rough create times in seconds by resource type; anything unlisted counts as `fallback`. */
export const CREATE_SECONDS: Readonly<Record<string, number>> = {
  'aws:sagemaker/endpoint:Endpoint': 600,
  'aws:sagemaker/endpointConfiguration:EndpointConfiguration': 5,
  'aws:sagemaker/model:Model': 5,
  'aws:sagemaker/pipeline:Pipeline': 10,
  'aws:iam/role:Role': 3,
  'aws:iam/rolePolicy:RolePolicy': 10,
  'aws:kms/key:Key': 20,
  'gcp:cloudrunv2/service:Service': 90,
  'gcp:cloudrunv2/job:Job': 30,
  'gcp:kms/keyRing:KeyRing': 5,
  'gcp:kms/cryptoKey:CryptoKey': 10,
  'gcp:artifactregistry/repository:Repository': 20,
  'docker:index/remoteImage:RemoteImage': 30,
  'docker:index/container:Container': 15,
};

/** The longest chain of dependencies by estimated create time, and its total in seconds. */
export function criticalPath(
  resources: readonly RecordedResource[],
  seconds: (type: string) => number = (type) => CREATE_SECONDS[type] ?? 2,
): { seconds: number; path: string[] } {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const memo = new Map<string, { seconds: number; path: string[] }>();
  const longest = (urn: string): { seconds: number; path: string[] } => {
    const cached = memo.get(urn);
    if (cached) return cached;
    const resource = byUrn.get(urn)!;
    const own = resource.custom ? seconds(resource.type) : 0;
    let best = { seconds: 0, path: [] as string[] };
    for (const dep of resource.dependencies) {
      if (!byUrn.has(dep)) continue;
      const candidate = longest(dep);
      if (candidate.seconds > best.seconds) best = candidate;
    }
    const result = { seconds: best.seconds + own, path: [...best.path, urn] };
    memo.set(urn, result);
    return result;
  };
  return resources
    .map((r) => longest(r.urn))
    .reduce((a, b) => (b.seconds > a.seconds ? b : a), { seconds: 0, path: [] as string[] });
}
