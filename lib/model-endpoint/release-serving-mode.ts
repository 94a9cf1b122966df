/**
 * Which of three modes a ModelEndpoint is in, decided before its arg groups are checked:
 * - `version`: the program says what to serve (`version`, `image`, `modelDataUrl`, ...);
 * - `release`: it serves a release (`args.release`, else the stack's `mlops:release`), whose model and image become
 *   the arguments the program would otherwise give (`release-serving.ts`);
 * - `awaiting`: no `version` and no release anywhere: the endpoint creates nothing and says so.
 * In both release modes, the arguments a release sets are refused when the program gives them too, so that the
 * first release never meets a conflict the awaiting deploy did not report.
 */
import { parseRelease } from '../promotion/release-schema';
import type { ReleaseStore } from '../promotion/release-store';
import { RELEASE_CONFIG_KEY, STABLE_RELEASE_CONFIG_KEY, type Release } from '../promotion/release-types';
import type { ModelEndpointArgs } from './args';
import { concatUri, serveRelease, type ReleaseArgs, type StackReleases } from './release-serving';
import type { Inputs } from './resolve';

export type ReleaseMode =
  | {
      readonly kind: 'version';
      readonly inputs: Inputs;
      readonly status: string;
      readonly release?: undefined;
      readonly baselineUri?: undefined;
      readonly warnings: readonly string[];
    }
  | {
      readonly kind: 'release';
      /** The program's arguments with the release's in place. */
      readonly inputs: Inputs;
      readonly status: string;
      readonly release: Release;
      readonly baselineUri?: ReleaseArgs['image'];
      readonly warnings: readonly string[];
    }
  | { readonly kind: 'awaiting'; readonly inputs: Inputs; readonly status: string };

/**
 * What a stack with no release says: the endpoint's `releaseStatus` output and `mlops release show`. `stack` is the
 * stack's name (default `<this stack>` when unknown, as in a CDK app); `lookedIn` says where the release was looked
 * for (default `stack <stack>`).
 */
export function awaitingStatus(stack: string | undefined, lookedIn?: string): string {
  const target = stack ?? '<this stack>';
  const where = lookedIn ?? `stack ${target}`;
  return `awaiting release: no ${RELEASE_CONFIG_KEY} in ${where}; promote one with \`npx mlops promote --from <source stack> --to ${target}\` or set the first with \`npx mlops release set --stack ${target} --file release.yaml\``;
}

/** The arguments a release sets; giving one of them without `version` is a conflict. */
const SET_BY_RELEASE: readonly {
  readonly path: string;
  readonly get: (a: Partial<ModelEndpointArgs>) => unknown;
}[] = [
  { path: 'modelDataUrl', get: (a) => a.modelDataUrl },
  { path: 'modelAccess', get: (a) => a.modelAccess },
  { path: 'aws.modelPackageArn', get: (a) => a.aws?.modelPackageArn },
  { path: 'aws.imageRepositoryArn', get: (a) => a.aws?.imageRepositoryArn },
];

export function resolveReleaseMode(given: Inputs, stack: StackReleases): ReleaseMode {
  const { name, args, raw, platform, problems } = given;
  const store = releaseStore(given);
  if (args.version !== undefined || (raw.version !== undefined && raw.version !== null)) {
    if (raw.release !== undefined)
      problems.add(
        'release',
        'is given with `version`: the endpoint serves either the release or what `version`, `image` and `modelDataUrl` say',
        'leave `version` (and `image`, `modelDataUrl`, `modelAccess`) out to serve the release, or remove `release`',
      );
    // The program says what to serve: a release in the stack is not used, and the program's log says so.
    const ignored =
      stack.release && stack.release.value !== undefined && stack.release.value !== null
        ? [
            `${stack.release.source} is not served: the program gives \`version\` (${args.version}); leave \`version\`, \`image\` and \`modelDataUrl\` out to serve the release`,
          ]
        : [];
    return { kind: 'version', inputs: given, status: `serving ${args.version}`, warnings: ignored };
  }
  checkConflicts(given);
  const fromArgs = raw.release !== undefined && raw.release !== null;
  const source = fromArgs
    ? { value: raw.release, source: `release of ModelEndpoint "${name}"` }
    : stack.release && stack.release.value !== undefined && stack.release.value !== null
      ? stack.release
      : undefined;
  if (!source)
    return { kind: 'awaiting', inputs: given, status: awaitingStatus(stack.stack, stack.lookedIn) };
  const release = parseRelease(source.value, source.source);
  // The stable release is the stack's: it goes with the stack's release.
  const stableSource = fromArgs ? undefined : stack.stableRelease;
  const stableRelease =
    stableSource && stableSource.value !== undefined && stableSource.value !== null
      ? parseRelease(stableSource.value, stableSource.source)
      : undefined;
  const served = serveRelease({
    cloud: platform.cloud,
    release,
    stableRelease,
    store,
    defaultImage: platform.cloud === 'docker' ? args.image : undefined,
    problems,
    joinUri: stack.joinUri ?? concatUri,
    cloudDeploy: platform.cloud === 'gcp' && args.gcp?.rollout === 'cloud-deploy',
  });
  const releaseArgs = served.args;
  const merged: Partial<ModelEndpointArgs> = {
    ...args,
    version: releaseArgs.version,
    image: releaseArgs.image,
    modelDataUrl: releaseArgs.modelDataUrl,
    modelAccess: releaseArgs.modelAccess,
    stableRelease: releaseArgs.stableRelease,
    aws: { ...args.aws, ...releaseArgs.aws },
  };
  return {
    kind: 'release',
    inputs: { ...given, args: merged, raw: { ...raw, ...merged } },
    status: served.status,
    release,
    baselineUri: served.baselineUri,
    warnings: served.warnings,
  };
}

/** Arguments a release sets, given by the program too. */
function checkConflicts({ args, platform, problems }: Inputs): void {
  const fix =
    'remove it: the release says what to serve (or give `version` to say it in the program instead)';
  for (const { path, get } of SET_BY_RELEASE)
    if (get(args) !== undefined)
      problems.add(path, 'is given without `version`: in release mode the release sets it', fix);
  if (args.image !== undefined && platform.cloud !== 'docker')
    problems.add(
      'image',
      `is given without \`version\`: on ${platform.cloud} the release's \`image\` is served`,
      fix,
    );
  if (args.stableRelease !== undefined)
    problems.add(
      'stableRelease',
      `is given without \`version\`: in release mode the stable release is the stack's \`${STABLE_RELEASE_CONFIG_KEY}\``,
      `remove it, and set \`${STABLE_RELEASE_CONFIG_KEY}\` to the release serving now (gcp and docker canaries)`,
    );
}

/** The pipeline's stores, when `pipeline` is given and fits. */
function releaseStore({ raw, platform, problems }: Inputs): ReleaseStore | undefined {
  const pipeline = raw.pipeline;
  if (pipeline === undefined || pipeline === null) return undefined;
  const method = (pipeline as { releaseStore?: unknown }).releaseStore;
  if (typeof method !== 'function') {
    problems.add(
      'pipeline',
      'has no `releaseStore()` method',
      'give the MlPipeline whose stores the releases live in',
    );
    return undefined;
  }
  const store = (method as () => ReleaseStore | undefined).call(pipeline);
  if (typeof store !== 'object' || store === null) {
    problems.add(
      'pipeline',
      '`releaseStore()` returned no store',
      'give the MlPipeline whose stores the releases live in',
    );
    return undefined;
  }
  if (store.cloud !== platform.cloud) {
    problems.add(
      'pipeline',
      `is on ${store.cloud}, but the endpoint is on ${platform.cloud}`,
      "give the endpoint the pipeline of its own stack's cloud: a release is served from this stack's stores",
    );
    return undefined;
  }
  return store;
}
