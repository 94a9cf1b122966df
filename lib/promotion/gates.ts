/**
 * The promotion gates: pure verdicts on the source release, the target's current release and the evidence
 * gathered by the caller (`mlops promote`). Only the gates the policy configures are checked, in a fixed order,
 * plus `registry-approval` whenever the source release names a registry version.
 */
import { UNCHECKED_APPROVAL_AT_DEPLOY } from './cloud/aws';
import { EVIDENCE_AGE_NOTE, type OpenAlarmsEvidence, type RegistryApprovalEvidence } from './evidence';
import { DEFAULT_MAX_EVIDENCE_AGE_MINUTES, type GateSet } from './policy';
import type { Release, ReleaseCloud } from './release-types';

export interface GateInput {
  /** The gates to check (`gatesFor(policy, target)`). */
  readonly gates: GateSet;
  /** The source stack and its release. `cloud` (default: unknown) names the credentials alarm evidence needs. */
  readonly source: { readonly stack: string; readonly release: Release; readonly cloud?: ReleaseCloud };
  /** The target stack and the release it serves now (none before its first promotion). */
  readonly target: { readonly stack: string; readonly release?: Release };
  /** The time of the promotion. */
  readonly now: Date;
  /** `--approved-by`: who approved this promotion. Default: nobody. */
  readonly approvedBy?: string;
  /** The source stage's open alarms, or why they could not be read. Default: none gathered. */
  readonly alarms?: OpenAlarmsEvidence | { readonly error: string };
  /** The registry version's approval status. Default: not checked. */
  readonly registryApproval?: RegistryApprovalEvidence;
}

export interface GateResult {
  /** `metrics.<name>`, `not-worse-than-target.<name>`, `approval`, `soak`, `no-open-alarms`, `registry-approval`. */
  readonly gate: string;
  readonly verdict: 'pass' | 'fail';
  /** One line, with the numbers. */
  readonly reason: string;
}

/** Every configured gate's verdict, in order: metrics, not worse than target, approval, soak, alarms, registry. */
export function evaluateGates(input: GateInput): GateResult[] {
  const { gates } = input;
  const results: GateResult[] = [];
  for (const [name, threshold] of Object.entries(gates.metrics ?? {}))
    results.push(metricGate(input, name, threshold));
  for (const [name, direction] of Object.entries(gates.notWorseThanTarget ?? {}))
    results.push(notWorseGate(input, name, direction));
  if (gates.requireApproval) results.push(approvalGate(input));
  if (gates.minSoakMinutes !== undefined) results.push(soakGate(input, gates.minSoakMinutes));
  if (gates.noOpenAlarms)
    results.push(alarmsGate(input, gates.noOpenAlarms === true ? {} : gates.noOpenAlarms));
  if (input.source.release.model.registry) results.push(registryGate(input));
  return results;
}

const pass = (gate: string, reason: string): GateResult => ({ gate, verdict: 'pass', reason });
const fail = (gate: string, reason: string): GateResult => ({ gate, verdict: 'fail', reason });

function metricOf(release: Release, name: string): number | undefined {
  const metrics = release.metrics ?? {};
  return Object.prototype.hasOwnProperty.call(metrics, name) ? metrics[name] : undefined;
}

function metricGate(input: GateInput, name: string, threshold: { min?: number; max?: number }): GateResult {
  const gate = `metrics.${name}`;
  const { stack, release } = input.source;
  const value = metricOf(release, name);
  if (value === undefined)
    return fail(
      gate,
      `release ${release.version} in ${stack} has no metric ${name}: record it in the release's metrics (the evaluation's ${name}) before promoting`,
    );
  if (threshold.min !== undefined && value < threshold.min)
    return fail(gate, `${name} ${value} < ${threshold.min} (min)`);
  if (threshold.max !== undefined && value > threshold.max)
    return fail(gate, `${name} ${value} > ${threshold.max} (max)`);
  const bounds = [
    threshold.min !== undefined ? `>= ${threshold.min}` : undefined,
    threshold.max !== undefined ? `<= ${threshold.max}` : undefined,
  ].filter((b) => b !== undefined);
  return pass(gate, `${name} ${value} ${bounds.join(' and ')}`);
}

function notWorseGate(input: GateInput, name: string, direction: 'higher' | 'lower'): GateResult {
  const gate = `not-worse-than-target.${name}`;
  const { source, target } = input;
  if (!target.release)
    return pass(gate, `${target.stack} serves no release yet: nothing to compare ${name} with`);
  const value = metricOf(source.release, name);
  if (value === undefined)
    return fail(
      gate,
      `release ${source.release.version} in ${source.stack} has no metric ${name} to compare with ${target.stack}'s: record it in the release's metrics`,
    );
  const current = metricOf(target.release, name);
  if (current === undefined)
    return fail(
      gate,
      `release ${target.release.version} in ${target.stack} has no metric ${name} to compare with: add metrics.${name} to ${target.stack}'s mlops:release, or drop ${name} from notWorseThanTarget`,
    );
  const served = `${target.stack}'s ${current} (${target.release.version})`;
  if (direction === 'higher')
    return value >= current
      ? pass(gate, `${name} ${value} >= ${served}`)
      : fail(gate, `${name} ${value} < ${served}: higher is better`);
  return value <= current
    ? pass(gate, `${name} ${value} <= ${served}`)
    : fail(gate, `${name} ${value} > ${served}: lower is better`);
}

function approvalGate(input: GateInput): GateResult {
  const who = input.approvedBy?.trim();
  return who
    ? pass('approval', `approved by ${who}`)
    : fail('approval', `promoting to ${input.target.stack} needs an approval: give --approved-by <who>`);
}

const MINUTE_MS = 60_000;

function soakGate(input: GateInput, minutes: number): GateResult {
  const { stack, release } = input.source;
  if (release.releasedAt === undefined)
    return fail(
      'soak',
      `release ${release.version} in ${stack} has no releasedAt, so its soak cannot be measured: promote or set it into ${stack} with mlops (which writes releasedAt), or add releasedAt to ${stack}'s mlops:release`,
    );
  const since = Date.parse(release.releasedAt);
  const elapsedMs = input.now.getTime() - since;
  const elapsed = Math.floor(elapsedMs / MINUTE_MS);
  if (elapsedMs >= minutes * MINUTE_MS)
    return pass(
      'soak',
      `${release.version} has served in ${stack} for ${elapsed} min >= ${minutes} (since ${release.releasedAt})`,
    );
  const ready = new Date(since + minutes * MINUTE_MS).toISOString().replace('.000Z', 'Z');
  return fail(
    'soak',
    `${release.version} has served in ${stack} for ${Math.max(elapsed, 0)} min < ${minutes} (since ${release.releasedAt}): promote after ${ready}`,
  );
}

const CREDENTIALS: Record<ReleaseCloud, string> = {
  aws: 'AWS credentials (CloudWatch DescribeAlarms)',
  gcp: 'Google Cloud application default credentials (Cloud Monitoring)',
  docker: 'a reachable Alertmanager (--alertmanager-url)',
};

function alarmsGate(
  input: GateInput,
  options: { alarmNamePrefix?: string; maxEvidenceAgeMinutes?: number },
): GateResult {
  const gate = 'no-open-alarms';
  const { stack, cloud } = input.source;
  const evidence = input.alarms;
  if (evidence === undefined)
    return fail(
      gate,
      `no alarm evidence for ${stack}: give --alarms-evidence <file> or ${cloud ? CREDENTIALS[cloud] : `credentials for ${stack}'s cloud`}`,
    );
  if ('error' in evidence) return fail(gate, `cannot read the open alarms of ${stack}: ${evidence.error}`);
  const maxAge = options.maxEvidenceAgeMinutes ?? DEFAULT_MAX_EVIDENCE_AGE_MINUTES;
  const ageMs = input.now.getTime() - evidence.checkedAt.getTime();
  const age = Math.max(Math.floor(ageMs / MINUTE_MS), 0);
  if (ageMs > maxAge * MINUTE_MS)
    return fail(
      gate,
      `the alarm evidence from ${evidence.source} is ${age} min old > ${maxAge}: gather it again (or raise noOpenAlarms.maxEvidenceAgeMinutes)${evidence.checkedAtIsFileTime ? `; ${EVIDENCE_AGE_NOTE}` : ''}`,
    );
  const prefix = options.alarmNamePrefix;
  const counted = prefix ? evidence.openAlarms.filter((a) => a.name.startsWith(prefix)) : evidence.openAlarms;
  const which = prefix ? ` named ${prefix}*` : '';
  if (counted.length > 0) {
    const names = counted.map((a) => `${a.name} (${a.state})`).join(', ');
    return fail(
      gate,
      `${counted.length} open alarm${counted.length === 1 ? '' : 's'}${which} in ${stack}: ${names} (from ${evidence.source})`,
    );
  }
  return pass(gate, `no open alarms${which} in ${stack} (from ${evidence.source}, ${age} min old)`);
}

/**
 * The reasons come from the registry reader (`checkRegistryApproval`), which words each outcome with its fix;
 * the gate decides the verdict: pass on `Approved` or when nothing could be checked (decision 7), else fail.
 */
function registryGate(input: GateInput): GateResult {
  const gate = 'registry-approval';
  const registry = input.source.release.model.registry!;
  const evidence = input.registryApproval;
  if (!evidence) {
    const what = `model package version ${registry.version}${registry.group ? ` of ${registry.group}` : ''}`;
    return pass(gate, `not checked: nothing read the approval of ${what}; ${UNCHECKED_APPROVAL_AT_DEPLOY}`);
  }
  if (!evidence.checked)
    return pass(
      gate,
      /^not (checked|applicable)\b/.test(evidence.reason)
        ? evidence.reason
        : `not checked: ${evidence.reason}`,
    );
  return evidence.status === 'Approved' ? pass(gate, evidence.reason) : fail(gate, evidence.reason);
}
