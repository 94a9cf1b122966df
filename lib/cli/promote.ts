/** `mlops promote`: runs a promotion and words its result (gates, plan, what was written). */
import * as path from 'node:path';
import { formatPlan } from '../promotion/copy-plan';
import { promote, type PromoteOptions, type PromoteResult } from '../promotion/promote';

export { promote };

/** The human-readable report of a promotion, one line per gate first. */
export function formatPromotion(result: PromoteResult, cwd: string): string {
  const lines = result.gates.map((g) => `${g.verdict === 'pass' ? 'PASS' : 'FAIL'} ${g.gate}: ${g.reason}`);
  const failed = result.gates.filter((g) => g.verdict === 'fail').map((g) => g.gate);
  const rel = (file: string) => path.relative(cwd, file) || file;
  if (failed.length > 0) {
    lines.push(
      `not promoted: ${failed.length === 1 ? 'gate' : 'gates'} ${failed.join(', ')} failed; nothing was written`,
    );
    return lines.join('\n');
  }
  if (result.plan) lines.push('', formatPlan(result.plan));
  if (result.alreadyPromoted) {
    lines.push(
      '',
      `already promoted: stack ${result.to} serves release ${result.release?.version} from ${result.from}; nothing was written`,
    );
    return lines.join('\n');
  }
  if (result.dryRun) {
    if (result.diff === '') lines.push('', `dry run: ${rel(result.targetFile)} would not change`);
    else lines.push('', `dry run: ${rel(result.targetFile)} would change:`, result.diff);
    lines.push(`dry run: would write the plan to ${rel(result.planFile)}; nothing was written`);
    return lines.join('\n');
  }
  lines.push('', `promoted release ${result.release?.version} from ${result.from} to ${result.to}; wrote:`);
  for (const file of result.written) lines.push(`  ${rel(file)}`);
  return lines.join('\n');
}

/** The JSON report (`--json`): one object. */
export function promotionJson(result: PromoteResult): Record<string, unknown> {
  return {
    from: result.from,
    to: result.to,
    ok: result.exitCode === 0,
    dryRun: result.dryRun,
    alreadyPromoted: result.alreadyPromoted,
    gates: result.gates,
    plan: result.plan ?? null,
    release: result.release ?? null,
    planFile: result.planFile,
    written: result.written,
    diff: result.diff,
  };
}

export type { PromoteOptions, PromoteResult };
