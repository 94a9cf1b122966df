/**
 * A program's exports as plain values, the way `pulumi stack output` shows them: Outputs and promises are
 * awaited, arrays and plain objects are walked, a resource becomes its URN.
 */
import * as pulumi from '@pulumi/pulumi';

/** What an export resolved to. `secretNames` lists the top-level export names whose value is secret. */
export interface ResolvedExports {
  readonly values: Record<string, unknown>;
  readonly secretNames: string[];
}

/** Marks a value that is not known under mocks (an Output whose value only a real deploy computes). */
export const UNKNOWN = '[unknown]';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

interface OutputInternals {
  isKnown: Promise<boolean>;
  promise(): Promise<unknown>;
}

async function resolve(value: unknown, secret: { found: boolean }, seen: Set<object>): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    if (await pulumi.isSecret(value)) secret.found = true;
    const internals = value as unknown as OutputInternals;
    if (!(await internals.isKnown)) return UNKNOWN;
    return resolve(await internals.promise(), secret, seen);
  }
  if (value instanceof Promise) return resolve(await value, secret, seen);
  if (pulumi.Resource.isInstance(value)) return resolve(value.urn, secret, seen);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return Promise.all(value.map((v) => resolve(v, secret, seen)));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = await resolve(v, secret, seen);
  return out;
}

/**
 * Resolves a program's exports: an object whose values may be Outputs, promises or resources. Anything else
 * (a program that returns nothing, a number) has no exports.
 */
export async function resolveExports(exported: unknown): Promise<ResolvedExports> {
  const settled = exported instanceof Promise ? await exported : exported;
  if (!isPlainObject(settled)) return { values: {}, secretNames: [] };
  const values: Record<string, unknown> = {};
  const secretNames: string[] = [];
  for (const [name, value] of Object.entries(settled)) {
    const secret = { found: false };
    values[name] = await resolve(value, secret, new Set());
    if (secret.found) secretNames.push(name);
  }
  return { values, secretNames };
}
