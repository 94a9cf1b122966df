/**
 * `mlops promote`: reads the source stack's release, checks the gates and, only when every gate passes, writes
 * the release into the target stack's config (and the copy plan beside it). Everything is read and checked
 * before anything is written; a failing gate or bad input writes nothing. The target's stack file is locked
 * from before it is read until it is written, so two promotions to one target cannot both write.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ValidationError } from '../core/validation';
import { CliError } from '../cli/errors';
import { readProject, stackFile } from '../cli/stack-config';
import { writeFileAtomic } from './atomic-write';
import { checkRegistryApproval, readOpenAlarms } from './cloud';
import { planCopy, validateStoreConfig, type CopyPlan } from './copy-plan';
import {
  AlarmEvidenceError,
  readAlarmEvidenceFile,
  type OpenAlarmsEvidence,
  type RegistryApprovalEvidence,
} from './evidence';
import { evaluateGates } from './gates';
import { acquireLock } from './lock';
import { gatesFor } from './policy';
import { loadPromotionPolicy } from './policy-loader';
import { parseRelease, releaseToConfigValue, sameRelease } from './release-schema';
import { versionReuseProblem } from './version-reuse';
import { RELEASE_CONFIG_KEY, type Release, type ReleaseCloud } from './release-types';
import { StackFile } from './stack-file';
import { lineDiff } from './text-diff';

export interface PromoteOptions {
  /** The project folder (where Pulumi.yaml is). Required. */
  readonly projectDir: string;
  /** The source stack. Required. */
  readonly from: string;
  /** The target stack. Required; not the source. */
  readonly to: string;
  /** The promotion policy file. Default: `promotion.ts|.yaml|.yml|.json` in the project folder, first found. */
  readonly policyFile?: string;
  /** Check and plan only: print the gates, the plan and the stack file diff; write nothing. Default false. */
  readonly dryRun?: boolean;
  /** Who approves this promotion (`requireApproval`); recorded in the release's `approval`. Default: none. */
  readonly approvedBy?: string;
  /** A file with the source stage's open alarms. Default: read through the cloud's API when credentials exist. */
  readonly alarmsEvidence?: string;
  /** docker: the Alertmanager to ask for open alerts. Default: the cloud reader's (`http://127.0.0.1:9093`). */
  readonly alertmanagerUrl?: string;
  /** Where the copy plan is written. Default `.mlops/promotion-<from>-to-<to>.json` in the project folder. */
  readonly planOut?: string;
  /** The clock. Default: now. */
  readonly now?: Date;
  /** Where warnings go (a stale lock broken). Default: stderr. */
  readonly warn?: (message: string) => void;
}

export interface GateResult {
  readonly gate: string;
  readonly verdict: 'pass' | 'fail';
  readonly reason: string;
}

export interface PromoteResult {
  /** 0: promoted, already promoted, or a dry run whose gates pass; 1: a gate failed. */
  readonly exitCode: 0 | 1;
  readonly from: string;
  readonly to: string;
  readonly gates: readonly GateResult[];
  /** Undefined when the source release could not be read (the schema gate failed). */
  readonly plan?: CopyPlan;
  /** The release the target gets (or would get). */
  readonly release?: Release;
  /** True when the target already serves this release: nothing was written. */
  readonly alreadyPromoted: boolean;
  readonly dryRun: boolean;
  /** The files written, in order (none on a failed gate, a dry run or an already promoted release). */
  readonly written: readonly string[];
  /** The target stack file's diff (`-`/`+` lines), empty when it would not change. */
  readonly diff: string;
  /** The plan file's path (written, or that would be written). */
  readonly planFile: string;
  /** The target's stack file. */
  readonly targetFile: string;
}

/** The default plan file of a promotion, relative to the project folder. */
export const defaultPlanFile = (from: string, to: string): string =>
  path.join('.mlops', `promotion-${from}-to-${to}.json`);

export async function promote(options: PromoteOptions): Promise<PromoteResult> {
  const { from, to } = options;
  if (from === to) throw new CliError(`cannot promote stack ${from} to itself: --from and --to must differ`);
  const now = options.now ?? new Date();
  const projectDir = path.resolve(options.projectDir);
  const project = readProject(projectDir);
  const source = StackFile.load(project, from);
  // The target is locked before it is read: what the gates compare with is what gets replaced.
  const targetFile = stackFile(project, to);
  if (!existsSync(targetFile)) StackFile.load(project, to); // says which stacks there are
  const release = options.dryRun
    ? () => undefined
    : acquireLock(targetFile, { command: `mlops promote --from ${from} --to ${to}`, warn: options.warn });
  try {
    return await promoteLocked(options, project.dir, source, StackFile.load(project, to), now);
  } finally {
    release();
  }
}

async function promoteLocked(
  options: PromoteOptions,
  projectDir: string,
  source: StackFile,
  target: StackFile,
  now: Date,
): Promise<PromoteResult> {
  const { from, to } = options;
  const planFile = path.resolve(projectDir, options.planOut ?? defaultPlanFile(from, to));
  const base = {
    from,
    to,
    dryRun: options.dryRun === true,
    planFile,
    targetFile: target.file,
    alreadyPromoted: false,
    written: [],
    diff: '',
  };

  const raw = source.release();
  if (raw === undefined)
    throw new CliError(
      `stack ${from} serves no release: ${source.file} has no ${RELEASE_CONFIG_KEY}. Promote one into it first, or set its first release with \`mlops release set --stack ${from} --file release.yaml\``,
    );
  const fromCloud = source.cloud();
  const toCloud = target.cloud();
  const sourceStore = readStore(source);
  const targetStore = readStore(target);
  const current = readCurrent(target);
  const { policy } = await loadPromotionPolicy(projectDir, options.policyFile);
  const gates = gatesFor(policy, to);

  // The built-in schema gate: the source release is valid, the target has its own stores, and the release can be
  // copied into them when a copy is needed.
  if (targetStore === undefined) {
    const reason =
      `stack ${to} has no mlops:releaseStore: a promotion target always deploys from its own registry and bucket ` +
      `(fix: \`pulumi config set --path 'mlops:releaseStore.images' <its ${toCloud} image repository> --stack ${to}\` and ` +
      `\`pulumi config set --path 'mlops:releaseStore.models' <its ${toCloud} artifact prefix ending in /> --stack ${to}\`; ` +
      `the same stores as stack ${from} mean nothing is copied)`;
    return { ...base, exitCode: 1, gates: [{ gate: 'schema', verdict: 'fail', reason }] };
  }
  let sourceRelease: Release;
  let plan: CopyPlan;
  let next: Release;
  try {
    sourceRelease = parseRelease(raw, `${RELEASE_CONFIG_KEY} of stack ${from}`);
    plan = planCopy({
      release: sourceRelease,
      from: { stack: from, cloud: fromCloud, store: sourceStore },
      to: { stack: to, cloud: toCloud, store: targetStore },
    });
    next = targetRelease(sourceRelease, plan, { from, fromCloud, approvedBy: options.approvedBy, now });
    // What the target gets is a schema 1 release (a schema 0 registry release must name its group by now).
    releaseToConfigValue(next);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const problems = err.problems.map((p) => `${p.path}: ${p.message} (fix: ${p.fix})`).join('; ');
    const reason =
      err.construct === 'Release'
        ? `${err.resourceName} is not a valid release: ${problems}`
        : `the release cannot be copied from ${from} to ${to}: ${problems}`;
    return { ...base, exitCode: 1, gates: [{ gate: 'schema', verdict: 'fail', reason }] };
  }
  const schema: GateResult = {
    gate: 'schema',
    verdict: 'pass',
    reason: `${RELEASE_CONFIG_KEY} of stack ${from} is a valid release ${sourceRelease.version}${plan.steps.length > 0 ? ` with what a copy to ${to} needs` : ''}`,
  };
  const planText = `${JSON.stringify(plan, null, 2)}\n`;

  // Promoting twice is a no-op, whatever the time-dependent gates would say now (aged evidence, soak, another
  // approver): the target already serves this release. Only a missing or different plan file is (re)written, so a
  // run that stopped between the stack file and the plan is completed by running it again.
  if (current !== undefined && sameRelease(current, next, { ignoreApproval: true })) {
    const planMissing = readIfExists(planFile) !== planText;
    if (planMissing && !options.dryRun) writeFileAtomic(planFile, planText);
    return {
      ...base,
      exitCode: 0,
      gates: [schema],
      plan,
      release: current,
      alreadyPromoted: true,
      written: planMissing && !options.dryRun ? [planFile] : [],
    };
  }

  const reuse = versionReuseProblem(to, current, next);
  if (reuse !== undefined)
    return { ...base, exitCode: 1, gates: [{ gate: 'schema', verdict: 'fail', reason: reuse }] };

  const alarms = gates.noOpenAlarms
    ? await alarmEvidence(options, source, fromCloud, gates.noOpenAlarms)
    : undefined;
  const registry = await registryEvidence(sourceRelease, source, fromCloud);
  const registryError = registry && 'error' in registry ? registry.error : undefined;
  const results = evaluateGates({
    gates,
    source: { stack: from, release: sourceRelease, cloud: fromCloud },
    target: { stack: to, release: current },
    now,
    approvedBy: options.approvedBy,
    alarms,
    registryApproval: registry && !('error' in registry) ? registry : undefined,
  }).map((g) =>
    g.gate === 'registry-approval' && registryError !== undefined
      ? ({
          gate: g.gate,
          verdict: 'fail',
          reason: `the registry could not be read: ${registryError}`,
        } as const)
      : g,
  );
  const all: GateResult[] = [schema, ...results];
  const failed = all.some((g) => g.verdict === 'fail');
  const before = target.original.toString('utf8');
  target.set(RELEASE_CONFIG_KEY, releaseToConfigValue(next));
  const diff = lineDiff(before, target.text());
  const result = { ...base, gates: all, plan, release: next, diff };
  if (failed) return { ...result, exitCode: 1 };
  if (options.dryRun) return { ...result, exitCode: 0 };
  // The stack file first, then the plan. A run that stops between the two leaves the target promoted without its
  // plan; running the promotion again finds the release already there and writes the missing plan.
  target.write();
  writeFileAtomic(planFile, planText);
  return { ...result, exitCode: 0, written: [target.file, planFile] };
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The release the target gets: the source's, served from the target's own stores, with where it came from. */
export function targetRelease(
  source: Release,
  plan: CopyPlan,
  at: { from: string; fromCloud: ReleaseCloud; approvedBy?: string; now: Date },
): Release {
  const now = at.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const image = plan.image ?? source.image;
  const baseline = plan.baseline ?? source.baseline;
  const approval = at.approvedBy ? { by: at.approvedBy, at: now } : source.approval;
  return {
    schemaVersion: 1,
    version: source.version,
    model: plan.model ?? source.model,
    ...(image !== undefined ? { image } : {}),
    ...(source.metrics !== undefined ? { metrics: source.metrics } : {}),
    ...(baseline !== undefined ? { baseline } : {}),
    ...(approval !== undefined ? { approval } : {}),
    promotedFrom: {
      stack: at.from,
      cloud: at.fromCloud,
      ...(source.image !== undefined ? { image: source.image } : {}),
      model: source.model,
      at: now,
    },
    releasedAt: now,
  };
}

function readStore(stack: StackFile) {
  const raw = stack.releaseStore();
  return raw === undefined
    ? undefined
    : validateStoreConfig(raw, `mlops:releaseStore of stack ${stack.stack}`);
}

/** The release the target serves now; an invalid one is bad input (the gates could not compare with it). */
function readCurrent(target: StackFile): Release | undefined {
  const raw = target.release();
  if (raw === undefined) return undefined;
  return parseRelease(raw, `${RELEASE_CONFIG_KEY} of stack ${target.stack}`);
}

async function alarmEvidence(
  options: PromoteOptions,
  source: StackFile,
  cloud: ReleaseCloud,
  gate: boolean | { alarmNamePrefix?: string },
): Promise<OpenAlarmsEvidence | { error: string }> {
  const alarmNamePrefix = typeof gate === 'object' ? gate.alarmNamePrefix : undefined;
  if (options.alarmsEvidence) {
    try {
      return readAlarmEvidenceFile(options.alarmsEvidence, { alarmNamePrefix });
    } catch (err) {
      // A file that is not evidence is bad input, not a verdict.
      if (err instanceof AlarmEvidenceError) throw new CliError(err.message.replace(/\n\s*/g, ' '));
      throw err;
    }
  }
  return readOpenAlarms(cloud, {
    region: source.region(),
    alertmanagerUrl: options.alertmanagerUrl,
    alarmNamePrefix,
  });
}

/**
 * aws registry versions: what SageMaker says about the version's approval (when credentials exist), or the error
 * the registry answered with (the gate then fails with it).
 */
async function registryEvidence(
  release: Release,
  source: StackFile,
  cloud: ReleaseCloud,
): Promise<RegistryApprovalEvidence | { error: string } | undefined> {
  const registry = release.model.registry;
  if (!registry) return undefined;
  try {
    return await checkRegistryApproval(cloud, {
      region: source.region(),
      ...(registry.group !== undefined ? { group: registry.group } : {}),
      version: registry.version,
    });
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0] };
  }
}
