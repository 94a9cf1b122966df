/**
 * The mock resource monitor behind `recordProgram`: answers registrations and provider calls with the
 * outputs a real provider computes (plus the team's own hooks), runs Pulumi `transforms` as the engine
 * would, and records every registration. Built on `MockMonitor`, a runtime internal of the pinned
 * `@pulumi/pulumi` (`test/testing/recorder.test.ts` fails loudly if it changes).
 */
import * as pulumi from '@pulumi/pulumi';
import { MockMonitor } from '@pulumi/pulumi/runtime/mocks';
import type * as callbackProto from '@pulumi/pulumi/proto/callback_pb';
import type * as resourceProto from '@pulumi/pulumi/proto/resource_pb';
import { mockCallResult, mockResourceOutputs } from './mock-outputs';
import { TransformRunner } from './transforms';

type State = Record<string, unknown>;

/** Outputs of a provider function the team's program calls, keyed by its token. */
export type CallHook = (inputs: Record<string, any>) => State | Promise<State>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Computed outputs of a resource the team's program registers, or undefined to keep the built-in answer
 * (inputs echoed back plus the ids, ARNs and names this package knows for its own resource types).
 */
export type ResourceHook = (
  type: string,
  name: string,
  inputs: Record<string, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
) => State | undefined | Promise<State | undefined>;

export interface MonitorHooks {
  readonly calls?: Readonly<Record<string, CallHook>>;
  readonly resources?: ResourceHook;
}

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
  /** Resolved inputs, after any `transforms`. */
  readonly inputs: Record<string, unknown>;
  /** False for components. */
  readonly custom: boolean;
  /** True when `retainOnDelete` is set. */
  readonly retainOnDelete: boolean;
}

type RegisterRequest = resourceProto.RegisterResourceRequest;

/** The URN a registration gets (as `MockMonitor` makes it): the parent's type chain, then this type and name. */
function urnOf(req: RegisterRequest): string {
  let type = req.getType();
  const parent = req.getParent();
  if (parent) type = `${parent.split('::')[2].split('$').pop()}$${type}`;
  return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${type}::${req.getName()}`;
}
type Callback = (err: unknown, response: unknown) => void;

export class RecordingMonitor extends MockMonitor {
  readonly records: RecordedResource[] = [];
  /** What components registered with `registerOutputs`, by URN, deserialized. */
  readonly registeredOutputs = new Map<string, Record<string, unknown>>();
  /** Provider calls and registrations the mocks refused: the program failed. */
  readonly failures: unknown[] = [];
  private pending = 0;
  private readonly transforms = new TransformRunner();

  constructor(hooks: MonitorHooks) {
    super({
      newResource: async (args) => {
        const builtIn = mockResourceOutputs(args.type, args.name, args.inputs);
        const own = await hooks.resources?.(args.type, args.name, args.inputs);
        if (!own) return builtIn;
        const { id, ...state } = own;
        return { id: typeof id === 'string' ? id : builtIn.id, state: { ...builtIn.state, ...state } };
      },
      call: (args) => {
        const own = hooks.calls?.[args.token];
        return own ? own(args.inputs) : mockCallResult(args.token, args.inputs);
      },
    });
  }

  get busy(): boolean {
    return this.pending > 0;
  }

  /** Closes the connections to the transform callback servers. */
  close(): void {
    this.transforms.close();
  }

  override async invoke(req: resourceProto.ResourceInvokeRequest, callback: Callback): Promise<void> {
    try {
      await this.transforms.applyToInvoke(req);
    } catch (err) {
      this.failures.push(err);
      callback(err, undefined);
      return;
    }
    await super.invoke(req, (err, response) => {
      if (err) this.failures.push(err);
      callback(err, response);
    });
  }

  /** `pulumi.runtime.registerResourceTransform`: the engine keeps the callback for every later registration. */
  registerStackTransform(req: callbackProto.Callback, callback: Callback): void {
    this.transforms.addStackTransform(req);
    callback(null, {});
  }

  /** `pulumi.runtime.registerInvokeTransform`: the engine keeps the callback for every later provider call. */
  registerStackInvokeTransform(req: callbackProto.Callback, callback: Callback): void {
    this.transforms.addInvokeTransform(req);
    callback(null, {});
  }

  override registerResourceOutputs(
    req: resourceProto.RegisterResourceOutputsRequest,
    callback: Callback,
  ): void {
    const outputs = req.getOutputs();
    if (outputs)
      this.registeredOutputs.set(
        req.getUrn(),
        pulumi.runtime.deserializeProperties(outputs) as Record<string, unknown>,
      );
    super.registerResourceOutputs(req, callback);
  }

  override async registerResource(req: RegisterRequest, callback: Callback): Promise<void> {
    this.pending++;
    const done = (err: unknown, response: unknown) => {
      if (err) this.failures.push(err);
      if (!err && response) this.record(req, response as { getUrn(): string });
      this.pending--;
      callback(err, response);
    };
    try {
      await this.transforms.apply(req, urnOf(req));
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      done(
        new Error(`failed to register new resource ${req.getName()} [${req.getType()}]: ${reason}`),
        undefined,
      );
      return;
    }
    await super.registerResource(req, done);
  }

  private record(req: RegisterRequest, response: { getUrn(): string }): void {
    const deps = new Set(req.getDependenciesList());
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((value, key) => {
      propertyDependencies[key] = [...value.getUrnsList()].sort();
      value.getUrnsList().forEach((urn) => deps.add(urn));
    });
    this.records.push({
      urn: response.getUrn(),
      type: req.getType(),
      name: req.getName(),
      parent: req.getParent() || null,
      dependencies: [...deps].filter((d) => d !== '').sort(),
      propertyDependencies,
      inputs: pulumi.runtime.deserializeProperties(req.getObject()!) as Record<string, unknown>,
      custom: req.getCustom(),
      retainOnDelete: req.getRetainondelete() ?? false,
    });
  }
}
