/**
 * The start every construct's resolver shares: shapes checked, the platform resolved, the stage's defaults
 * picked. What follows in each `resolve*` is one small function per arg group.
 */
import { physicalNameSuffix, type ResolveContext } from './deployment';
import { resolvePlatform, type Platform, type PlatformArgs } from './platform';
import type { Shape } from './shape';
import type { Stage } from './stage';
import { ProblemList } from './validation';

/** What each arg group's check reads. */
export interface ResolveInputs<Args, StageDefaults> {
  readonly name: string;
  /** The arguments as far as their shape is right: a value of the wrong shape is reported and left out. */
  readonly args: Partial<Args>;
  /** The arguments as given: tells a missing value from one the shape check refused. */
  readonly raw: Readonly<Record<string, unknown>>;
  readonly platform: Platform;
  readonly stageDefaults: StageDefaults;
  readonly problems: ProblemList;
}

/** The facts of one construct type that its resolver starts from. */
export interface ConstructFacts<Args, StageDefaults> {
  /** The construct type, such as `ModelEndpoint`. */
  readonly type: string;
  readonly shape: Shape<Args>;
  readonly stageDefaults: Readonly<Record<Stage, StageDefaults>>;
  /** The least a caller must pass, shown when no arguments came at all, such as `{ version, image }`. */
  readonly minimalArgs: string;
}

/** Checks the arguments' shapes and the platform, collecting problems; throws only when there are no arguments. */
export function resolveInputs<Args, StageDefaults>(
  facts: ConstructFacts<Args, StageDefaults>,
  name: string,
  rawArgs: Args,
  platformArgs: PlatformArgs | undefined,
  context: ResolveContext,
): ResolveInputs<Args, StageDefaults> {
  const problems = new ProblemList(facts.type, name);
  if (!rawArgs || typeof rawArgs !== 'object' || Array.isArray(rawArgs)) {
    problems.add('args', 'no arguments were given', `pass at least \`${facts.minimalArgs}\``);
    problems.throwIfAny();
  }
  const args: Partial<Args> = facts.shape.read(problems, '', rawArgs) ?? {};
  const resolved = resolvePlatform(platformArgs, problems);
  const platform = { ...resolved, nameSuffix: physicalNameSuffix(resolved.stage, context.stack) };
  return {
    name,
    args,
    raw: rawArgs as unknown as Record<string, unknown>,
    platform,
    stageDefaults: facts.stageDefaults[platform.stage],
    problems,
  };
}
