/**
 * `npm run bench`: how much the constructs cost over the bare resource registrations they produce.
 * For each reference stack it runs, alternately in one process, (a) the ModelEndpoint and (b) a
 * hand-written program registering the very same resources with the same inputs, under Pulumi mocks.
 * It reports medians, the ratio of the two, and heap growth, and writes the table to docs/BENCHMARKS.md.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { readProject, readStackConfig } from '../lib/cli/stack-config';
import { criticalPath, recordProgram, type RecordedResource } from '../lib/testing';
import { churnSystem } from '../stacks/pulumi/system';

const ROUNDS = 15;
const ROOT = path.resolve(__dirname, '..', '..');

/** A plain component, standing in for the construct's own registration. */
class Group extends pulumi.ComponentResource {}
/** A bare provider resource of any type. */
class Raw extends pulumi.CustomResource {}

function handWritten(resources: readonly RecordedResource[]): () => void {
  return () => {
    const byUrn = new Map<string, pulumi.Resource>();
    for (const r of resources) {
      const parent = r.parent ? byUrn.get(r.parent) : undefined;
      const dependsOn = r.dependencies
        .map((d) => byUrn.get(d))
        .filter((d): d is pulumi.Resource => d !== undefined);
      const res = r.custom
        ? new Raw(r.type, r.name, r.inputs, { parent, dependsOn })
        : new Group(r.type, r.name, {}, { parent });
      byUrn.set(r.urn, res);
    }
  };
}

async function timeIt(
  program: () => unknown,
  config: Record<string, unknown>,
  stack: string,
): Promise<{ ms: number; heapMb: number }> {
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const start = process.hrtime.bigint();
  await recordProgram(program, { project: 'churn', stack, config });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, heapMb: (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const project = readProject(ROOT);
  const rows: string[] = [];
  for (const stack of ['dev', 'staging', 'prod']) {
    const config = readStackConfig(project, stack);
    const reference = await recordProgram(() => churnSystem(), { project: 'churn', stack, config });
    // The replay registers children in completion order, so it needs its parents first.
    const ordered = [...reference.resources].sort(
      (a, b) => a.urn.split('$').length - b.urn.split('$').length,
    );
    const construct: number[] = [];
    const bare: number[] = [];
    const constructHeap: number[] = [];
    const bareHeap: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const a = await timeIt(() => churnSystem(), config, stack);
      const b = await timeIt(handWritten(ordered), config, stack);
      construct.push(a.ms);
      bare.push(b.ms);
      constructHeap.push(a.heapMb);
      bareHeap.push(b.heapMb);
    }
    const [c, h] = [median(construct), median(bare)];
    const critical = criticalPath(reference.resources);
    const chain = critical.path.map((urn) => urn.split('::').pop()).join(' → ');
    rows.push(
      `| ${stack} | ${reference.resources.length} | ${c.toFixed(1)} | ${h.toFixed(1)} | ${(c / h).toFixed(2)} | ${median(constructHeap).toFixed(1)} | ${median(bareHeap).toFixed(1)} | ${critical.seconds}: ${chain} |`,
    );
  }
  const table = [
    '| stack | resources | construct median (ms) | hand-written median (ms) | ratio | construct heap growth (MB) | hand-written heap growth (MB) | critical path of `pulumi up`, estimated s |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  const doc = `# Benchmarks\n\nWritten by \`npm run bench\` (${ROUNDS} alternating rounds per stack, medians, one process, Node ${process.version}).\nThe construct run includes validation, defaults and the blueprint; the hand-written run registers the same\nresources with the same inputs directly. Both run under Pulumi mocks, so the numbers measure program cost,\nnot cloud time. The last column estimates the longest chain of dependent creations in a real deploy
(\`CREATE_SECONDS\` in lib/testing/graph.ts): the floor on \`pulumi up\` time however parallel it runs.\n\n${table}\n`;
  writeFileSync(path.join(ROOT, 'docs', 'BENCHMARKS.md'), doc);
  process.stdout.write(`${table}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
