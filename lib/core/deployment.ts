/**
 * What a construct needs to know about the deployment it is part of, beyond its own arguments: the stack
 * it deploys in (physical names derive from it, so that two stacks of one stage in one account do not
 * collide) and the host ports other constructs of the same program already hold (docker). Plain data and a
 * small registry: no cloud SDK, so resolvers stay pure and testable.
 */
import type { Stage } from './stage';
import type { Platform } from './platform';
import type { ProblemList } from './validation';

export interface ResolveContext {
  /**
   * Name of the stack the construct deploys in (`pulumi.getStack()`). Default physical names are
   * `<construct name>-<stage>` when it is the stage's name (or unknown), `<construct name>-<stack>` otherwise.
   */
  readonly stack?: string;
  /** Host ports held by constructs of the same program; undefined: not checked. */
  readonly hostPorts?: HostPortClaims;
}

/** The stack name as it appears in physical names: lowercase letters, digits and single hyphens. */
export function stackNamePart(stack: string): string {
  return stack
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * The default physical name of a construct: `<name>-<stage>` in a stack named after its stage (the
 * reference layout: stacks `dev`, `staging`, `prod`), `<name>-<stack>` in any other stack, so that
 * per-developer stacks of one stage (`alice-dev`, `bob-dev`) in one account get names of their own.
 */
export function defaultPhysicalName(constructName: string, stage: Stage, stack: string | undefined): string {
  return `${constructName}-${physicalNameSuffix(stage, stack)}`;
}

/** What physical names carry after the construct's name: the stage, or the stack's name (see above). */
export function physicalNameSuffix(stage: Stage, stack: string | undefined): string {
  const part = stack === undefined ? '' : stackNamePart(stack);
  return part === '' || part === stage ? stage : part;
}

/**
 * Host ports bound by the constructs of one program. Two containers cannot bind one host port, and the
 * second would fail only when `pulumi up` starts it: the claim is refused before anything is registered.
 */
export class HostPortClaims {
  private readonly owners = new Map<number, string>();

  /** Reports every port in `ports` that another construct holds; returns true when all are free. */
  check(problems: ProblemList, ports: readonly HostPortRequest[]): boolean {
    let free = true;
    const asked = new Map<number, string>();
    for (const { port, path, owner } of ports) {
      const holder = this.owners.get(port) ?? asked.get(port);
      if (holder !== undefined) {
        free = false;
        problems.add(
          path,
          `host port ${port} is already bound by ${holder} in this program`,
          `give each construct its own host port (set \`${path}\`, such as ${port + 1})`,
        );
      }
      asked.set(port, owner);
    }
    return free;
  }

  /** Records the ports as held. Call after the construct's arguments are accepted. */
  claim(ports: readonly HostPortRequest[]): void {
    for (const { port, owner } of ports) this.owners.set(port, owner);
  }
}

export interface HostPortRequest {
  readonly port: number;
  /** The argument that sets it, such as `docker.hostPort`. */
  readonly path: string;
  /** Who asks, in words: `ModelEndpoint "churn" (docker.hostPort)`. */
  readonly owner: string;
}

/**
 * The last step of every resolver: on docker the construct's host port is checked against the ports other
 * constructs of the program hold, every problem is thrown at once, and only an accepted construct claims it.
 */
export function acceptArguments(
  problems: ProblemList,
  context: ResolveContext,
  platform: Platform,
  hostPort: HostPortRequest,
): void {
  const requests = platform.cloud === 'docker' ? [hostPort] : [];
  context.hostPorts?.check(problems, requests);
  problems.throwIfAny();
  context.hostPorts?.claim(requests);
}
