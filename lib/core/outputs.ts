/**
 * Output declarations: each component lists its output names once (`declareOutputs`), and that one list both
 * assigns the component's fields and is what it registers, so a new output cannot be set but not registered.
 */
import type * as pulumi from '@pulumi/pulumi';

/** The output fields of what a renderer returns: everything but its `children`. */
export type OutputsOf<Rendered> = Omit<Rendered, 'children'>;

/**
 * The output names of a component, from a record the compiler checks to hold every output key of `Rendered`
 * and no other (`{ endpointName: true, url: true, ... }`). Keeps the record's order.
 */
export function declareOutputs<Rendered>(names: {
  readonly [K in keyof OutputsOf<Rendered>]-?: true;
}): readonly (keyof OutputsOf<Rendered> & string)[] {
  return Object.keys(names) as (keyof OutputsOf<Rendered> & string)[];
}

/**
 * Sets each declared output on the component (declare the fields `declare readonly name: pulumi.Output<...>`)
 * and returns the same outputs for `registerOutputs` (protected, so the component calls it):
 * `this.registerOutputs(assignOutputs(this, OUTPUTS, rendered))`.
 */
export function assignOutputs<Rendered extends object>(
  component: pulumi.ComponentResource,
  names: readonly (keyof OutputsOf<Rendered> & string)[],
  rendered: Rendered,
): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  for (const name of names) outputs[name] = (rendered as Record<string, unknown>)[name];
  Object.assign(component, outputs);
  return outputs;
}
