/**
 * Runs a Pulumi program under mocks and records every resource registration: type, name, parent,
 * dependencies and resolved inputs, plus the program's exports. Built on runtime internals of the pinned
 * `@pulumi/pulumi` (`test/testing/recorder.test.ts` fails loudly if they change).
 */
import * as pulumi from '@pulumi/pulumi';
import {
  RecordingMonitor,
  type CallHook,
  type RecordedResource,
  type ResourceHook,
} from './recording-monitor';
import { settleUnwatchedEndpoints } from '../model-endpoint/alarm-actions';
import { settleUngatedRollouts } from '../model-endpoint/gcp-cloud-deploy-gate';
import { resolveExports } from './stack-outputs';

export type { RecordedResource, CallHook, ResourceHook } from './recording-monitor';

export interface RecordOptions {
  /** Pulumi project name (the first part of every URN). Default `mlops`. */
  readonly project?: string;
  /** Stack name. Default `test`. */
  readonly stack?: string;
  /**
   * Stack config, keyed `namespace:key` as in `Pulumi.<stack>.yaml`; objects and arrays are passed as JSON,
   * as Pulumi does. Default: none (every `pulumi.Config` read returns undefined).
   */
  readonly config?: Record<string, unknown>;
  /**
   * Results of provider functions your own program calls, keyed by the function's token:
   * `{ 'aws:index/getRegion:getRegion': () => ({ name: 'eu-west-1', id: 'eu-west-1' }) }`. Return every
   * output the real provider returns that the program reads. Your hooks are asked first, so they may also
   * replace the built-in answers. Default: none; only the calls the constructs make are answered
   * (`getCallerIdentity`, `getProject`, ...), and any other call fails the recording with its token.
   */
  readonly calls?: Readonly<Record<string, CallHook>>;
  /**
   * Computed outputs of resources your own program registers: `(type, name, inputs) => outputs` (an `id`
   * key becomes the resource id), or undefined to keep the built-in answer. Outputs are merged over the
   * built-in answer. Default: none; every resource gets its inputs back, plus the ids, ARNs, names and URLs
   * this package computes for the types the constructs use (any other type gets the id `<name>-id`).
   */
  readonly resources?: ResourceHook;
}

/** The resources one program registered, with lookups for tests. */
export class Recording {
  constructor(
    readonly resources: readonly RecordedResource[],
    /**
     * The program's exports, resolved: what the function passed to `recordProgram` returned (or a module's
     * exports, for `mlops synth`), with Outputs awaited. An Output whose value only a deploy knows is
     * `'[unknown]'`; a resource is its URN. Empty when the program returned nothing or not a plain object.
     */
    readonly outputs: Readonly<Record<string, unknown>> = {},
    /** Names of the exports whose value is a secret (`pulumi.secret`, `additionalSecretOutputs`). */
    readonly secretOutputs: readonly string[] = [],
    /** What each component registered with `registerOutputs`, by URN (`mlops synth` reads `releaseStatus`). */
    readonly registeredOutputs: ReadonlyMap<string, Readonly<Record<string, unknown>>> = new Map(),
  ) {}

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

/** Recordings share the Pulumi runtime's global state, so they run one after another. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `program` under Pulumi mocks with the given stack config and returns every resource it registered,
 * once all registrations (including those inside `apply` and `transforms`) have finished.
 *
 * - A program that throws (or returns a rejected promise) fails the recording with its own error, after
 *   whatever it registered first has settled, so nothing of it reaches the next recording.
 * - A provider call or registration the mocks refuse fails the recording with that reason.
 * - Calls to `recordProgram` made at the same time run one after another.
 */
export function recordProgram(program: () => unknown, options: RecordOptions = {}): Promise<Recording> {
  const run = queue.then(() => recordAlone(program, options));
  queue = run.catch(() => undefined);
  return run;
}

/** The runtime's feature flags and callback server (`runtime/state`, internal to the pinned SDK). */
interface RuntimeStore {
  supportsTransforms: boolean;
  supportsInvokeTransforms: boolean;
  supportsDeletedWith: boolean;
  supportsReplaceWith: boolean;
  callbacks?: { shutdown(): void };
}

function runtimeStore(): RuntimeStore {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const state = require('@pulumi/pulumi/runtime/state') as { getStore?: () => RuntimeStore };
  if (typeof state.getStore !== 'function')
    throw new Error('@pulumi/pulumi no longer exports runtime/state getStore: the recorder must be updated');
  return state.getStore();
}

async function recordAlone(program: () => unknown, options: RecordOptions): Promise<Recording> {
  pulumi.runtime.setAllConfig(
    Object.fromEntries(
      Object.entries(options.config ?? {}).map(([k, v]) => [
        k,
        typeof v === 'string' ? v : JSON.stringify(v),
      ]),
    ),
  );
  const monitor = new RecordingMonitor({ calls: options.calls, resources: options.resources });
  pulumi.runtime.setMockOptions(monitor, options.project ?? 'mlops', options.stack ?? 'test', true);
  // The mock monitor plays the engine for these options (see transforms.ts); the others stay off.
  const store = runtimeStore();
  store.supportsTransforms = true;
  store.supportsInvokeTransforms = true;
  store.supportsDeletedWith = true;
  store.supportsReplaceWith = true;
  // A refused call also rejects the outputs built on it; those rejections are this failure, reported below.
  const absorb = (reason: unknown) => monitor.failures.push(reason);
  process.on('unhandledRejection', absorb);
  let thrown: { error: unknown } | undefined;
  let exported: unknown;
  try {
    try {
      exported = await program();
    } catch (error) {
      thrown = { error };
    }
    // Endpoints no MonitoringStack watches get their rollback alarm actions now, as at the end of a real program.
    try {
      settleUnwatchedEndpoints({ release: true });
    } catch (error) {
      thrown ??= { error };
    }
    // Cloud Deploy rollouts no MonitoringStack gates get their delivery pipeline now (or are refused), likewise.
    try {
      settleUngatedRollouts();
    } catch (error) {
      thrown ??= { error };
    }
    // Even after a throw: what the program registered first must finish here, not in the next recording.
    await settle(monitor);
    // Rejections are reported a macrotask after the promise rejects.
    if (monitor.failures.length > 0 || thrown) await new Promise((resolve) => setTimeout(resolve, 10));
    if (!thrown && monitor.failures.length === 0) {
      const { values, secretNames } = await resolveExports(exported);
      return new Recording(monitor.records, values, secretNames, monitor.registeredOutputs);
    }
  } finally {
    process.off('unhandledRejection', absorb);
    monitor.close();
    store.callbacks?.shutdown();
    store.callbacks = undefined;
  }
  if (thrown) throw thrown.error;
  const first = monitor.failures[0];
  throw new Error(
    `the program failed under mocks: ${first instanceof Error ? first.message : String(first)}`,
  );
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
