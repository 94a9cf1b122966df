/** `mlops synth`: runs a stack's program under Pulumi mocks, offline, and describes its resources and outputs. */
import * as path from 'node:path';
import {
  recordProgram,
  type CallHook,
  type RecordedResource,
  type Recording,
  type ResourceHook,
} from '../testing/recorder';
import { CliError } from './errors';
import { programEntry } from './entrypoint';
import { readProject, readStackConfig } from './stack-config';
import { registerTypeScript } from './typescript-loader';

export interface SynthResult {
  readonly stack: string;
  /** The program's stack outputs (its module exports), resolved; secret ones are `"[secret]"` unless shown. */
  readonly outputs: Record<string, unknown>;
  readonly resources: {
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    dependencies: string[];
    inputs: Record<string, unknown>;
  }[];
  /**
   * What the stack does not do yet and why, one sentence each: every ModelEndpoint waiting for a release
   * (`<type> <name>: awaiting release: ...`). Empty when there is nothing to say.
   */
  readonly notices: string[];
}

/** A component output or stack output saying the component serves nothing until a release is set. */
const AWAITING = 'awaiting release';

export interface SynthOptions {
  /** A module exporting `calls` and/or `resources` hooks, as `recordProgram` takes them. Default: none. */
  readonly mocks?: string;
  /** Print secret outputs in clear. Default false (`"[secret]"`). */
  readonly showSecrets?: boolean;
}

export const SECRET = '[secret]';

export async function synthStack(
  dir: string,
  stack: string,
  options: SynthOptions = {},
): Promise<SynthResult> {
  const project = readProject(dir);
  const config = readStackConfig(project, stack);
  const entry = programEntry(project);
  registerTypeScript(project.dir);
  const hooks = options.mocks ? loadMocks(options.mocks) : {};
  const recording = await recordProgram(
    () => {
      // As the Node.js language host does: the module's exports are the stack outputs; an exported function
      // is called and its (awaited) result is.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const exported: unknown = require(entry);
      return typeof exported === 'function' ? (exported as () => unknown)() : exported;
    },
    { project: project.name, stack, config, ...hooks },
  );
  // As in Pulumi, an export whose value is undefined is no stack output.
  const outputs = Object.fromEntries(Object.entries(recording.outputs).filter(([, v]) => v !== undefined));
  if (!options.showSecrets) for (const name of recording.secretOutputs) outputs[name] = SECRET;
  return {
    stack,
    outputs,
    resources: recording.resources.map((r: RecordedResource) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      parent: r.parent,
      dependencies: r.dependencies,
      inputs: r.inputs,
    })),
    notices: notices(recording),
  };
}

/**
 * The endpoints waiting for a release: components whose registered `releaseStatus` output says so, then stack
 * outputs named `releaseStatus` (or `...ReleaseStatus`) that say so and name no component already listed.
 */
function notices(recording: Recording): string[] {
  const found: string[] = [];
  for (const r of recording.resources) {
    const status = recording.registeredOutputs.get(r.urn)?.releaseStatus;
    if (typeof status === 'string' && status.startsWith(AWAITING))
      found.push(`${r.type.split(':').pop()} ${r.name}: ${status}`);
  }
  for (const [name, value] of Object.entries(recording.outputs).sort(([a], [b]) => a.localeCompare(b))) {
    if (!/(^r|R)eleaseStatus$/.test(name) || typeof value !== 'string' || !value.startsWith(AWAITING))
      continue;
    if (!found.some((line) => line.endsWith(`: ${value}`))) found.push(`output ${name}: ${value}`);
  }
  return found;
}

function loadMocks(file: string): { calls?: Record<string, CallHook>; resources?: ResourceHook } {
  const resolved = path.resolve(file);
  let loaded: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(resolved);
  } catch (err) {
    throw new CliError(`--mocks ${file}: cannot load it: ${(err as Error).message.split('\n')[0]}`);
  }
  const hooks = (loaded?.default ?? loaded) as Record<string, unknown>;
  const calls = hooks?.calls;
  const resources = hooks?.resources;
  if (calls === undefined && resources === undefined)
    throw new CliError(`--mocks ${file}: the module exports neither \`calls\` nor \`resources\``);
  if (calls !== undefined && (typeof calls !== 'object' || calls === null))
    throw new CliError(`--mocks ${file}: \`calls\` must map provider function tokens to functions`);
  if (resources !== undefined && typeof resources !== 'function')
    throw new CliError(`--mocks ${file}: \`resources\` must be a function (type, name, inputs) => outputs`);
  return {
    calls: calls as Record<string, CallHook> | undefined,
    resources: resources as ResourceHook | undefined,
  };
}

/** The resources as an indented tree, children under their parents, then the stack outputs. */
export function formatTree(result: SynthResult): string {
  const children = new Map<string | null, SynthResult['resources']>();
  for (const r of result.resources) {
    const key = r.parent && result.resources.some((p) => p.urn === r.parent) ? r.parent : null;
    children.set(key, [...(children.get(key) ?? []), r]);
  }
  const lines = [`stack ${result.stack}: ${result.resources.length} resources`];
  const walk = (parent: string | null, depth: number) => {
    for (const r of (children.get(parent) ?? []).sort((a, b) => a.name.localeCompare(b.name))) {
      lines.push(`${'  '.repeat(depth + 1)}${r.name}  (${r.type})`);
      walk(r.urn, depth + 1);
    }
  };
  walk(null, 0);
  const names = Object.keys(result.outputs).sort();
  lines.push(`outputs: ${names.length}`);
  for (const name of names) {
    const value = result.outputs[name];
    lines.push(`  ${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  for (const notice of result.notices) lines.push(`notice: ${notice}`);
  return lines.join('\n');
}
