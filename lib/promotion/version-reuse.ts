import type { Release } from './release-types';
import { sameRelease } from './release-schema';

/**
 * Why a stack may not get `next` while it serves `current`: the version label names what runs (the Cloud Run
 * revision `<service>-<version>`, the docker containers), and Cloud Run refuses a revision name reused for a
 * different template, so a different image or model under the same label would fail at `pulumi up` (409), or on
 * a hand rollback. Undefined when the label is new, or the release is the same one (approval aside).
 */
export function versionReuseProblem(
  stack: string,
  current: Release | undefined,
  next: Release,
): string | undefined {
  if (current === undefined || current.version !== next.version) return undefined;
  if (sameRelease(current, next, { ignoreApproval: true })) return undefined;
  return (
    `stack ${stack} already serves version ${next.version} with a different image, model, metrics or baseline; ` +
    `a version label names one release (it names the Cloud Run revision and the docker containers), so give this ` +
    `release a new version label, such as ${next.version}-1`
  );
}
