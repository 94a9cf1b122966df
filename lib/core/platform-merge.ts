/**
 * How a construct's `platform` arg combines with the platform its engine reads (Pulumi stack config, CDK
 * context). Pure, so the CDK constructs can use it without loading Pulumi.
 */
import type { PlatformArgs } from './platform';

/**
 * `overrides` over `base`: every field `overrides` sets wins; `tags` merge key by key (the override wins for a
 * key both set); `network` is replaced as a whole; undefined fields are dropped, and the
 * result is undefined when no field is left.
 */
export function mergePlatform(
  base: Partial<PlatformArgs> | undefined,
  overrides: Partial<PlatformArgs> | undefined,
): PlatformArgs | undefined {
  const merged: Record<string, unknown> = { ...defined(base), ...defined(overrides) };
  if (
    base?.tags !== undefined &&
    overrides?.tags !== undefined &&
    isRecord(base.tags) &&
    isRecord(overrides.tags)
  )
    merged.tags = { ...base.tags, ...overrides.tags };
  return Object.keys(merged).length > 0 ? (merged as unknown as PlatformArgs) : undefined;
}

function defined(value: Partial<PlatformArgs> | undefined): Record<string, unknown> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
