import type { Release } from '../promotion/release-types';

/**
 * Whether SageMaker Model Monitor can check drift against the release's baseline. It reads only the baseline an
 * aws pipeline computes (its DataQualityBaseline step: statistics.json and constraints.json), which a release set
 * on aws or promoted from another aws stack carries; a release promoted from gcp or docker carries templates/drift's
 * baseline, another format, so Model Monitor drift stays off for it.
 */
export function hasModelMonitorBaseline(release: Release | undefined): boolean {
  if (release?.baseline === undefined) return false;
  return release.promotedFrom === undefined || release.promotedFrom.cloud === 'aws';
}
