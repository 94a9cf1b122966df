/**
 * The per-cloud renderer switch every Pulumi component shares. Each cloud's renderer is reached through a
 * loader (`() => require('./pulumi-aws').renderAws`) that runs only for the cloud the construct targets, so a
 * gcp stack never loads `@pulumi/aws` (ARCHITECTURE.md, "Cheap to load").
 */
import type * as pulumi from '@pulumi/pulumi';
import type { Cloud } from './stage';

/** What a cloud's renderer is: it creates the children under `parent` and hands back what it made. */
export type Renderer<Spec, Rendered> = (spec: Spec, parent: pulumi.ComponentResource) => Rendered;

/** One loader per cloud; `Rendered` maps each cloud to what its renderer returns. */
export type RendererLoaders<Spec, Rendered extends Record<Cloud, unknown>> = {
  readonly [C in Cloud]: () => Renderer<Spec, Rendered[C]>;
};

/** The rendered result tagged with its cloud: `cloud` tells which member of `Rendered` it is. */
export type RenderedOn<Rendered extends Record<Cloud, unknown>> = {
  [C in Cloud]: { readonly cloud: C; readonly rendered: Rendered[C] };
}[Cloud];

/** The typed `aws` / `gcp` / `docker` children fields of a component: only the rendered cloud's is set. */
export type ChildrenByCloud<Rendered extends Record<Cloud, { readonly children: unknown }>> = {
  readonly [C in Cloud]?: Rendered[C]['children'];
};

/** Loads the renderer of `spec.platform.cloud` only, runs it under `parent`, and tags the result with the cloud. */
export function renderOnCloud<
  Spec extends { readonly platform: { readonly cloud: Cloud } },
  Rendered extends Record<Cloud, unknown>,
>(
  spec: Spec,
  parent: pulumi.ComponentResource,
  loaders: RendererLoaders<Spec, Rendered>,
): RenderedOn<Rendered> {
  const cloud = spec.platform.cloud;
  const load = loaders[cloud];
  // Unreachable for a resolved spec (the platform check refuses other clouds); kept so a bad cast fails loudly.
  if (typeof load !== 'function') throw new Error(`No renderer for cloud "${String(cloud)}".`);
  return { cloud, rendered: load()(spec, parent) } as RenderedOn<Rendered>;
}

/** The children of the rendered cloud under its own key (`{ gcp: children }`), for the component's typed fields. */
export function childrenByCloud<Rendered extends Record<Cloud, { readonly children: unknown }>>(
  result: RenderedOn<Rendered>,
): ChildrenByCloud<Rendered> {
  return { [result.cloud]: result.rendered.children } as ChildrenByCloud<Rendered>;
}
