/** `mlops synth`: runs a stack's program under Pulumi mocks, offline, and describes every resource. */
import { recordProgram, type RecordedResource } from '../testing/recorder';
import { readProject, readStackConfig } from './stack-config';
import { registerTypeScript } from './typescript-loader';

export interface SynthResult {
  readonly stack: string;
  readonly resources: {
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    dependencies: string[];
    inputs: Record<string, unknown>;
  }[];
}

export async function synthStack(dir: string, stack: string): Promise<SynthResult> {
  const project = readProject(dir);
  const config = readStackConfig(project, stack);
  if (project.main.endsWith('.ts')) registerTypeScript(project.dir);
  const recording = await recordProgram(
    () => {
      // The user's program is only known at run time.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(project.main);
    },
    { project: project.name, stack, config },
  );
  return {
    stack,
    resources: recording.resources.map((r: RecordedResource) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      parent: r.parent,
      dependencies: r.dependencies,
      inputs: r.inputs,
    })),
  };
}

/** The resources as an indented tree, children under their parents. */
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
  return lines.join('\n');
}
