/**
 * `mlops release show|set|finish`: read a stack's release, set its first one by hand (after the first training
 * run, before anything can be promoted), and end a gcp/docker canary by removing `mlops:stableRelease`.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { ProblemList, ValidationError } from '../core/validation';
import { awaitingStatus } from '../model-endpoint/release-serving-mode';
import { checkRegistryApproval } from '../promotion/cloud';
import { checkReleaseOnCloud } from '../promotion/copy-plan';
import type { RegistryApprovalEvidence } from '../promotion/evidence';
import { acquireLock } from '../promotion/lock';
import { parseRelease, releaseFields, releaseToConfigValue, sameRelease } from '../promotion/release-schema';
import { versionReuseProblem } from '../promotion/version-reuse';
import {
  RELEASE_CONFIG_KEY,
  STABLE_RELEASE_CONFIG_KEY,
  type Release,
  type ReleaseCloud,
} from '../promotion/release-types';
import { StackFile } from '../promotion/stack-file';
import { CliError } from './errors';
import { isRecord } from './project';
import { readProject } from './stack-config';

export interface ReleaseShowResult {
  readonly stack: string;
  /** The release, upgraded to schema 1; undefined when the stack awaits one. */
  readonly release?: Release;
  /** `mlops:stableRelease`, upgraded; undefined when not set. */
  readonly stableRelease?: Release;
  readonly status: string;
}

/** `mlops release show`: the stack's release as the constructs read it (a schema 0 release upgraded). */
export function showRelease(projectDir: string, stack: string): ReleaseShowResult {
  const file = StackFile.load(readProject(projectDir), stack);
  const raw = file.release();
  if (raw === undefined)
    return {
      stack,
      status: awaitingStatus(stack),
    };
  const release = parseRelease(raw, `${RELEASE_CONFIG_KEY} of stack ${stack}`);
  const stableRaw = file.stableRelease();
  const stableRelease =
    stableRaw === undefined
      ? undefined
      : parseRelease(stableRaw, `${STABLE_RELEASE_CONFIG_KEY} of stack ${stack}`);
  const from = release.promotedFrom ? ` promoted from ${release.promotedFrom.stack}` : '';
  const canary = stableRelease ? ` (canary beside stable release ${stableRelease.version})` : '';
  return { stack, release, stableRelease, status: `serving ${release.version}${from}${canary}` };
}

export function formatShow(result: ReleaseShowResult): string {
  if (!result.release) return `stack ${result.stack}: ${result.status}`;
  const lines = [`stack ${result.stack}: ${result.status}`, ...releaseText(result.release)];
  if (result.stableRelease) lines.push(`${STABLE_RELEASE_CONFIG_KEY}:`, ...releaseText(result.stableRelease));
  return lines.join('\n');
}

/** A release as it would be written; a schema 0 one that cannot be written as it is, as read, saying so. */
function releaseText(release: Release): string[] {
  try {
    return [stringify(releaseToConfigValue(release), { lineWidth: 0 }).trimEnd()];
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return [
      stringify(releaseFields(release), { lineWidth: 0 }).trimEnd(),
      `(read as schema 0; it still deploys, but promotion needs schema 1: ${err.problems.map((p) => `${p.path} ${p.message}`).join('; ')})`,
    ];
  }
}

export interface ReleaseSetResult {
  readonly stack: string;
  readonly release: Release;
  /** False when the stack already served this release (nothing written). */
  readonly written: boolean;
  readonly file: string;
  /** The registry-approval verdict (`PASS registry-approval: ...`) of a registry release; undefined otherwise. */
  readonly registryApproval?: string;
}

/**
 * `mlops release set`: writes a release file's release (schema 1, artifacts with their sha256) into the stack,
 * with `releasedAt` now and, with `approvedBy`, the approval. The release must be one the stack's cloud can deploy
 * (the checks a copy plan makes of its source) and, naming an aws registry version, an Approved one when AWS
 * credentials exist (the `registry-approval` gate of `mlops promote`). Setting the release the stack already
 * serves writes nothing.
 */
export async function setRelease(
  projectDir: string,
  stack: string,
  releaseFile: string,
  options: { approvedBy?: string; now?: Date; warn?: (m: string) => void } = {},
): Promise<ReleaseSetResult> {
  const raw = readReleaseFile(releaseFile);
  const where = `release file ${releaseFile}`;
  if (!isRecord(raw) || raw.schemaVersion !== 1)
    throw new ValidationError('Release', where, [
      {
        path: 'schemaVersion',
        message: !isRecord(raw)
          ? 'release set writes schema 1 releases only; the file holds no mapping'
          : raw.schemaVersion === undefined
            ? 'is missing: a release without schemaVersion is schema 0, which release set does not write'
            : `is ${JSON.stringify(raw.schemaVersion)}: release set writes schema 1 releases only`,
        fix: 'start the file with `schemaVersion: 1` and give the release in the schema 1 shape (model.registry or model.artifact with sha256, image by digest)',
      },
    ]);
  const parsed = parseRelease(raw, where);
  if (parsed.model.artifact && parsed.model.artifact.sha256 === undefined)
    throw new ValidationError('Release', where, [
      {
        path: 'model.artifact.sha256',
        message: 'is missing: a release names its model files by their tree digest',
        fix: `run \`mlops digest <model dir or model.tar.gz>\` and give its output as model.artifact.sha256`,
      },
    ]);
  const project = readProject(projectDir);
  const probe = StackFile.load(project, stack);
  const cloud = probe.cloud();
  // The stack deploys the release from where it is: it must be on the stack's cloud, in its format.
  const problems = new ProblemList('Release', `${where} for stack ${stack} (${cloud})`);
  if (parsed.model.registry && cloud !== 'aws')
    problems.add(
      'model.registry',
      `names SageMaker model package version ${parsed.model.registry.version}, but ${cloud} has no model registry`,
      `give \`model.artifact: { uri, sha256 }\` on ${cloud} instead`,
    );
  checkReleaseOnCloud(problems, parsed, { stack, cloud });
  problems.throwIfAny();
  const registryApproval = await approvalVerdict(parsed, cloud, probe.region(), where);

  const now = (options.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const release: Release = {
    ...parsed,
    ...(options.approvedBy ? { approval: { by: options.approvedBy, at: now } } : {}),
    releasedAt: now,
  };
  const unlock = acquireLock(probe.file, {
    command: `mlops release set --stack ${stack}`,
    warn: options.warn,
  });
  try {
    const target = StackFile.load(project, stack);
    // A release that is not valid is what `release set` replaces: compare only with a valid one.
    const current = validOrUndefined(target.release(), `${RELEASE_CONFIG_KEY} of stack ${stack}`);
    const approval = registryApproval !== undefined ? { registryApproval } : {};
    if (current && sameRelease(current, release))
      return { stack, release: current, written: false, file: target.file, ...approval };
    const reuse = versionReuseProblem(stack, current, release);
    if (reuse !== undefined) throw new CliError(reuse);
    target.set(RELEASE_CONFIG_KEY, releaseToConfigValue(release));
    target.write();
    return { stack, release, written: true, file: target.file, ...approval };
  } finally {
    unlock();
  }
}

/**
 * The registry-approval verdict line of a registry release, as `mlops promote` prints it. A version that is
 * checked and not Approved (or cannot be checked for want of a group) is a CliError: nothing is written.
 */
async function approvalVerdict(
  release: Release,
  cloud: ReleaseCloud,
  region: string | undefined,
  where: string,
): Promise<string | undefined> {
  const registry = release.model.registry;
  if (!registry) return undefined;
  let evidence: RegistryApprovalEvidence;
  try {
    evidence = await checkRegistryApproval(cloud, {
      region,
      ...(registry.group !== undefined ? { group: registry.group } : {}),
      version: registry.version,
    });
  } catch (err) {
    throw new CliError(
      `${where}: FAIL registry-approval: the registry could not be read: ${(err as Error).message.split('\n')[0]}; nothing was written`,
    );
  }
  if (evidence.checked && evidence.status !== 'Approved')
    throw new CliError(`${where}: FAIL registry-approval: ${evidence.reason}; nothing was written`);
  return `PASS registry-approval: ${evidence.reason}`;
}

/** What `mlops release set` prints: the registry-approval verdict (registry releases), then what was written. */
export function formatSet(result: ReleaseSetResult, cwd: string): string {
  const lines = result.registryApproval !== undefined ? [result.registryApproval] : [];
  lines.push(
    result.written
      ? `stack ${result.stack}: release ${result.release.version} set in ${path.relative(cwd, result.file) || result.file}`
      : `stack ${result.stack}: already serves release ${result.release.version}; nothing was written`,
  );
  return lines.join('\n');
}

export interface ReleaseFinishResult {
  readonly stack: string;
  readonly file: string;
  /** The stable release removed; undefined when none was set (nothing written). */
  readonly removed?: unknown;
}

/** `mlops release finish`: the canary is done; the stack serves only `mlops:release` from the next deploy. */
export function finishRelease(
  projectDir: string,
  stack: string,
  options: { warn?: (m: string) => void } = {},
): ReleaseFinishResult {
  const project = readProject(projectDir);
  const probe = StackFile.load(project, stack);
  const unlock = acquireLock(probe.file, {
    command: `mlops release finish --stack ${stack}`,
    warn: options.warn,
  });
  try {
    const target = StackFile.load(project, stack);
    const removed = target.has(STABLE_RELEASE_CONFIG_KEY) ? target.stableRelease() : undefined;
    if (removed === undefined) return { stack, file: target.file };
    target.delete(STABLE_RELEASE_CONFIG_KEY);
    target.write();
    return { stack, file: target.file, removed };
  } finally {
    unlock();
  }
}

function validOrUndefined(raw: unknown, where: string): Release | undefined {
  if (raw === undefined) return undefined;
  try {
    return parseRelease(raw, where);
  } catch (err) {
    if (err instanceof ValidationError) return undefined;
    throw err;
  }
}

function readReleaseFile(file: string): unknown {
  const ext = path.extname(file).toLowerCase();
  if (!['.json', '.yaml', '.yml'].includes(ext))
    throw new CliError(`--file ${file}: give a .json, .yaml or .yml release file`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`--file ${file}: cannot read it: ${(err as Error).message.split('\n')[0]}`);
  }
  try {
    return ext === '.json' ? JSON.parse(text) : parse(text);
  } catch (err) {
    throw new CliError(
      `--file ${file}: not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
}
