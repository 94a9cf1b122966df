import * as pulumi from '@pulumi/pulumi';
import { HostPortClaims, type ResolveContext } from './deployment';

/** One registry of host ports per program run: keyed by the run's resource monitor. */
const claimsByMonitor = new WeakMap<object, HostPortClaims>();

/**
 * The deployment a Pulumi construct is part of: the stack, and the host ports of the program run (one
 * registry per resource monitor, so each `pulumi up`, and each recording under mocks, starts empty).
 *
 * The stack counts for naming when its config sets `mlops:stage`: a stack whose config says `dev` but
 * whose name is `alice-dev` is one of several dev stacks, and its physical names carry its own name. A
 * program that sets `platform.stage` in code, without `mlops:stage`, names its constructs itself.
 */
export function pulumiResolveContext(): ResolveContext {
  const monitor = pulumi.runtime.getMonitor() as object | undefined;
  let hostPorts: HostPortClaims | undefined;
  if (monitor) {
    hostPorts = claimsByMonitor.get(monitor);
    if (!hostPorts) claimsByMonitor.set(monitor, (hostPorts = new HostPortClaims()));
  }
  const stageFromConfig = new pulumi.Config('mlops').get('stage') !== undefined;
  return { stack: stageFromConfig ? pulumi.getStack() || undefined : undefined, hostPorts };
}
