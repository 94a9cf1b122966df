/**
 * Runs a Pulumi program under mocks and records every resource registration: type, name, parent,
 * dependencies and resolved inputs. Built on `MockMonitor` from the Pulumi runtime (an internal API: the
 * `@pulumi/pulumi` version is pinned, and `test/testing/recorder.test.ts` fails loudly if it changes).
 */
import * as pulumi from '@pulumi/pulumi';
import { MockMonitor } from '@pulumi/pulumi/runtime/mocks';
import { mockCallResult, mockResourceOutputs } from './mock-outputs';

export interface RecordedResource {
  readonly urn: string;
  /** Pulumi type token, such as `aws:sagemaker/endpoint:Endpoint`. */
  readonly type: string;
  readonly name: string;
  /** URN of the parent, or null for a top-level resource. */
  readonly parent: string | null;
  /** URNs this resource waits for (explicit `dependsOn` and inputs' dependencies). */
  readonly dependencies: string[];
  /** For each input, the URNs its value came from. */
  readonly propertyDependencies: Record<string, string[]>;
  /** Resolved inputs. */
  readonly inputs: Record<string, unknown>;
  /** False for components. */
  readonly custom: boolean;
  /** True when `retainOnDelete` is set. */
  readonly retainOnDelete: boolean;
}

export interface RecordOptions {
  /** Pulumi project name. Default `mlops`. */
  readonly project?: string;
  /** Stack name. Default `test`. */
  readonly stack?: string;
  /** Stack config, keyed `namespace:key` as in `Pulumi.<stack>.yaml`. Default: none. */
  readonly config?: Record<string, unknown>;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): {
    forEach(cb: (value: { getUrnsList(): string[] }, key: string) => void): void;
  };
  getRetainondelete?(): boolean;
  getObject(): unknown;
}

class RecordingMonitor extends MockMonitor {
  readonly records: RecordedResource[] = [];
  private pending = 0;

  constructor() {
    super({
      newResource: (args) => mockResourceOutputs(args.type, args.name, args.inputs),
      call: (args) => mockCallResult(args.token, args.inputs),
    });
  }

  /** Provider calls and registrations the mocks refused: the program failed. */
  readonly failures: unknown[] = [];

  get busy(): boolean {
    return this.pending > 0;
  }

  override async invoke(req: unknown, callback: (err: unknown, response: unknown) => void): Promise<void> {
    await super.invoke(req, (err, response) => {
      if (err) this.failures.push(err);
      callback(err, response);
    });
  }

  override async registerResource(
    req: RegisterRequest,
    callback: (err: unknown, response: unknown) => void,
  ): Promise<void> {
    this.pending++;
    const done = (err: unknown, response: unknown) => {
      if (err) this.failures.push(err);
      if (!err && response) this.record(req, response as { getUrn(): string });
      this.pending--;
      callback(err, response);
    };
    await super.registerResource(req, done);
  }

  private record(req: RegisterRequest, response: { getUrn(): string }): void {
    const deps = new Set(req.getDependenciesList());
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((value, key) => {
      propertyDependencies[key] = [...value.getUrnsList()].sort();
      value.getUrnsList().forEach((urn) => deps.add(urn));
    });
    const urn = response.getUrn();
    this.records.push({
      urn,
      type: req.getType(),
      name: req.getName(),
      parent: req.getParent() || null,
      dependencies: [...deps].filter((d) => d !== '').sort(),
      propertyDependencies,
      inputs: pulumi.runtime.deserializeProperties(
        req.getObject() as Parameters<typeof pulumi.runtime.deserializeProperties>[0],
      ) as Record<string, unknown>,
      custom: req.getCustom(),
      retainOnDelete: req.getRetainondelete?.() ?? false,
    });
  }
}

/** The resources one program registered, with lookups for tests. */
export class Recording {
  constructor(readonly resources: readonly RecordedResource[]) {}

  /** Every resource of a type token. */
  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The one resource of a type (and name, when given); throws when there is not exactly one. */
  one(type: string, name?: string): RecordedResource {
    const found = this.ofType(type).filter((r) => name === undefined || r.name === name);
    if (found.length !== 1)
      throw new Error(`expected one ${type}${name ? ` named ${name}` : ''}, found ${found.length}`);
    return found[0];
  }

  /** The resource with this URN. */
  byUrn(urn: string): RecordedResource | undefined {
    return this.resources.find((r) => r.urn === urn);
  }

  /** All URNs, sorted: the identities a release must not change. */
  urns(): string[] {
    return this.resources.map((r) => r.urn).sort();
  }
}

/**
 * Runs `program` under Pulumi mocks with the given stack config and returns every resource it registered,
 * once all registrations (including those inside `apply`) have finished. Any provider call the mocks do not
 * know throws, and so does the program: nothing is swallowed.
 */
export async function recordProgram(program: () => unknown, options: RecordOptions = {}): Promise<Recording> {
  const project = options.project ?? 'mlops';
  const stack = options.stack ?? 'test';
  pulumi.runtime.setAllConfig(
    Object.fromEntries(
      Object.entries(options.config ?? {}).map(([k, v]) => [
        k,
        typeof v === 'string' ? v : JSON.stringify(v),
      ]),
    ),
  );
  const monitor = new RecordingMonitor();
  pulumi.runtime.setMockOptions(monitor, project, stack, true);
  // A refused call also rejects the outputs built on it; those rejections are this failure, reported below.
  const absorb = (reason: unknown) => monitor.failures.push(reason);
  process.on('unhandledRejection', absorb);
  try {
    await program();
    await settle(monitor);
    // Rejections are reported a macrotask after the promise rejects.
    if (monitor.failures.length > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    process.off('unhandledRejection', absorb);
  }
  if (monitor.failures.length > 0) {
    const first = monitor.failures[0];
    throw new Error(
      `the program failed under mocks: ${first instanceof Error ? first.message : String(first)}`,
    );
  }
  return new Recording(monitor.records);
}

async function settle(monitor: RecordingMonitor): Promise<void> {
  const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
  if (typeof waitForRPCs !== 'function') {
    throw new Error(
      '@pulumi/pulumi no longer exports runtime.waitForRPCs: the recorder must be updated for this version',
    );
  }
  let quietRounds = 0;
  let seen = -1;
  // Registrations made inside applies start late: wait until several rounds pass with nothing new.
  while (quietRounds < 3) {
    await waitForRPCs();
    await new Promise((resolve) => setImmediate(resolve));
    if (!monitor.busy && monitor.records.length === seen) quietRounds++;
    else quietRounds = 0;
    seen = monitor.records.length;
  }
}
