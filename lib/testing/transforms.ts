/**
 * Pulumi's `transforms` resource option, `pulumi.runtime.registerResourceTransform` and
 * `pulumi.runtime.registerInvokeTransform` under mocks.
 *
 * The Node SDK does not run these transforms itself: it registers each one with its callback server and
 * sends the engine a `Callback` (server address + token); the engine calls the callback over gRPC before it
 * registers the resource. `MockMonitor` has no engine behind it, so `setMocks` turns the feature off, and a
 * program that uses `transforms` fails ("The Pulumi CLI does not support transforms") before its resource has
 * a URN, leaving every child waiting for its parent forever. The recorder plays the engine's part here: it
 * calls the callbacks through the same gRPC protocol, in the engine's order (the resource's own transforms,
 * then each ancestor's, nearest first, then the stack's), and registers the transformed inputs and options.
 */
import * as path from 'node:path';
import type * as grpcTypes from '@grpc/grpc-js';
import * as callbackProto from '@pulumi/pulumi/proto/callback_pb';
import type { CallbacksClient as CallbacksClientType } from '@pulumi/pulumi/proto/callback_grpc_pb';
import * as resourceProto from '@pulumi/pulumi/proto/resource_pb';

type Request = resourceProto.RegisterResourceRequest;

/** gRPC clients for the callback servers of one recording, closed when the recording ends. */
export class TransformRunner {
  private readonly clients = new Map<string, CallbacksClientType>();
  private readonly own = new Map<string, callbackProto.Callback[]>();
  private readonly parents = new Map<string, string>();
  private readonly stack: callbackProto.Callback[] = [];
  private readonly invokeStack: callbackProto.Callback[] = [];

  /** A stack transform (`pulumi.runtime.registerResourceTransform`): applies to every later registration. */
  addStackTransform(callback: callbackProto.Callback): void {
    this.stack.push(callback);
  }

  /** An invoke transform (`pulumi.runtime.registerInvokeTransform`): applies to every later provider call. */
  addInvokeTransform(callback: callbackProto.Callback): void {
    this.invokeStack.push(callback);
  }

  /** Runs the invoke transforms over a provider call, in registration order, and writes the result back. */
  async applyToInvoke(req: resourceProto.ResourceInvokeRequest): Promise<void> {
    for (const callback of this.invokeStack) {
      const transformRequest = new resourceProto.TransformInvokeRequest();
      transformRequest.setToken(req.getTok());
      const args = req.getArgs();
      if (args) transformRequest.setArgs(args);
      const opts = new resourceProto.TransformInvokeOptions();
      opts.setProvider(req.getProvider());
      opts.setVersion(req.getVersion());
      opts.setPluginDownloadUrl(req.getPlugindownloadurl());
      transformRequest.setOptions(opts);
      const bytes = await this.invoke(callback, transformRequest.serializeBinary());
      const result = resourceProto.TransformInvokeResponse.deserializeBinary(bytes);
      const newArgs = result.getArgs();
      if (newArgs) req.setArgs(newArgs);
      const newOpts = result.getOptions();
      if (newOpts) {
        req.setProvider(newOpts.getProvider());
        req.setVersion(newOpts.getVersion());
        req.setPlugindownloadurl(newOpts.getPluginDownloadUrl());
      }
    }
  }

  /**
   * Runs every transform that applies to this registration, in the engine's order, and writes the result
   * back into the request. `urn` is the URN the resource will get (transforms cannot change it).
   */
  async apply(req: Request, urn: string): Promise<void> {
    const parent = req.getParent();
    this.own.set(urn, req.getTransformsList());
    if (parent) this.parents.set(urn, parent);
    const chain = [...req.getTransformsList()];
    for (let p = parent; p; p = this.parents.get(p) ?? '') chain.push(...(this.own.get(p) ?? []));
    chain.push(...this.stack);
    for (const callback of chain) await this.run(callback, req);
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private async run(callback: callbackProto.Callback, req: Request): Promise<void> {
    const transformRequest = new resourceProto.TransformRequest();
    transformRequest.setType(req.getType());
    transformRequest.setName(req.getName());
    transformRequest.setCustom(req.getCustom());
    transformRequest.setParent(req.getParent());
    const props = req.getObject();
    if (props) transformRequest.setProperties(props);
    transformRequest.setOptions(optionsOf(req));
    const bytes = await this.invoke(callback, transformRequest.serializeBinary());
    const result = resourceProto.TransformResponse.deserializeBinary(bytes);
    const newProps = result.getProperties();
    if (newProps) req.setObject(newProps);
    const newOptions = result.getOptions();
    if (newOptions) applyOptions(req, newOptions);
  }

  /** Calls one callback through its server, as the engine does. */
  private invoke(callback: callbackProto.Callback, request: Uint8Array): Promise<Uint8Array> {
    const invoke = new callbackProto.CallbackInvokeRequest();
    invoke.setToken(callback.getToken());
    invoke.setRequest(request);
    const client = this.client(callback.getTarget());
    return new Promise<Uint8Array>((resolve, reject) =>
      client.invoke(invoke, (err, response) =>
        err ? reject(new Error(err.details || err.message)) : resolve(response.getResponse_asU8()),
      ),
    );
  }

  private client(target: string): CallbacksClientType {
    let client = this.clients.get(target);
    if (!client) {
      // The gRPC library and generated client the Pulumi SDK itself uses, so their credentials match.
      const sdkDir = path.dirname(require.resolve('@pulumi/pulumi/package.json'));
      /* eslint-disable @typescript-eslint/no-require-imports */
      const grpc = require(require.resolve('@grpc/grpc-js', { paths: [sdkDir] })) as typeof grpcTypes;
      const { CallbacksClient } =
        require('@pulumi/pulumi/proto/callback_grpc_pb') as typeof import('@pulumi/pulumi/proto/callback_grpc_pb');
      /* eslint-enable @typescript-eslint/no-require-imports */
      client = new CallbacksClient(target, grpc.credentials.createInsecure());
      this.clients.set(target, client);
    }
    return client;
  }
}

/** The resource options of a registration, as the engine hands them to a transform. */
function optionsOf(req: Request): resourceProto.TransformResourceOptions {
  const opts = new resourceProto.TransformResourceOptions();
  opts.setDependsOnList(req.getDependenciesList());
  opts.setProtect(req.getProtect() ?? false);
  opts.setIgnoreChangesList(req.getIgnorechangesList());
  opts.setReplaceOnChangesList(req.getReplaceonchangesList());
  opts.setVersion(req.getVersion());
  opts.setAliasesList(req.getAliasesList());
  opts.setProvider(req.getProvider());
  const timeouts = req.getCustomtimeouts();
  if (timeouts) opts.setCustomTimeouts(timeouts);
  opts.setPluginDownloadUrl(req.getPlugindownloadurl());
  if (req.hasRetainondelete()) opts.setRetainOnDelete(req.getRetainondelete() ?? false);
  opts.setDeletedWith(req.getDeletedwith());
  if (req.getDeletebeforereplacedefined()) opts.setDeleteBeforeReplace(req.getDeletebeforereplace());
  opts.setAdditionalSecretOutputsList(req.getAdditionalsecretoutputsList());
  req.getProvidersMap().forEach((ref, pkg) => opts.getProvidersMap().set(pkg, ref));
  opts.setImport(req.getImportid());
  opts.setReplaceWithList(req.getReplaceWithList());
  return opts;
}

/** Writes the options a transform returned back into the registration, as the engine does. */
function applyOptions(req: Request, opts: resourceProto.TransformResourceOptions): void {
  req.setDependenciesList(opts.getDependsOnList());
  req.setProtect(opts.getProtect() ?? false);
  req.setIgnorechangesList(opts.getIgnoreChangesList());
  req.setReplaceonchangesList(opts.getReplaceOnChangesList());
  req.setVersion(opts.getVersion());
  req.setAliasesList(opts.getAliasesList());
  req.setProvider(opts.getProvider());
  const timeouts = opts.getCustomTimeouts();
  if (timeouts) req.setCustomtimeouts(timeouts);
  req.setPlugindownloadurl(opts.getPluginDownloadUrl());
  if (opts.hasRetainOnDelete()) req.setRetainondelete(opts.getRetainOnDelete() ?? false);
  else req.clearRetainondelete();
  req.setDeletedwith(opts.getDeletedWith());
  req.setDeletebeforereplacedefined(opts.hasDeleteBeforeReplace());
  req.setDeletebeforereplace(opts.getDeleteBeforeReplace() ?? false);
  req.setAdditionalsecretoutputsList(opts.getAdditionalSecretOutputsList());
  req.getProvidersMap().clear();
  opts.getProvidersMap().forEach((ref, pkg) => req.getProvidersMap().set(pkg, ref));
  req.setImportid(opts.getImport());
  req.setReplaceWithList(opts.getReplaceWithList());
}
