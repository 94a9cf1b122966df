/**
 * Where a GCS bucket keeps its data for `platform.bucketLocation`: the platform's region, a predefined
 * dual-region that contains it, or its continent's multi-region. Pure data, for the gcp renderers
 * (`storage.Bucket` `location`) and their validation.
 *
 * Sources: Google Cloud Storage "Bucket locations" (a dual-region is a specific pair of regions, such as
 * Tokyo and Osaka; a multi-region is a large area such as the United States: `ASIA`, `EU`, `US`); the
 * Google Cloud SDK installed here, whose `GCS_TO_AR_REGIONS` maps the predefined dual-regions `nam4`,
 * `eur4` and `asia1` to `us-central1`, `europe-west4` and `asia-northeast1`; and Cloud KMS "Locations",
 * which names the regions (asia-northeast1 Tokyo, asia-northeast2 Osaka, europe-north1 Finland,
 * europe-west4 Netherlands, us-central1 Iowa, us-east1 South Carolina) and gives "Iowa and South
 * Carolina" as its dual-region example.
 */

export type BucketLocationChoice = 'region' | 'dual-region' | 'multi-region';

/** Google's predefined dual-regions: location code → its two regions. */
export const PREDEFINED_DUAL_REGIONS: Readonly<Record<string, readonly [string, string]>> = {
  ASIA1: ['asia-northeast1', 'asia-northeast2'],
  EUR4: ['europe-north1', 'europe-west4'],
  NAM4: ['us-central1', 'us-east1'],
};

/** Google's multi-regions, by the continent prefix of the regions they cover. */
const MULTI_REGIONS: Readonly<Record<string, string>> = { asia: 'ASIA', europe: 'EU', us: 'US' };

/** The `location` of a bucket for the platform's region and choice; undefined when there is none. */
export function gcsLocation(region: string, choice: BucketLocationChoice): string | undefined {
  if (choice === 'region') return region.toUpperCase();
  if (choice === 'dual-region')
    return Object.entries(PREDEFINED_DUAL_REGIONS).find(([, pair]) => pair.includes(region))?.[0];
  return MULTI_REGIONS[region.split('-')[0]];
}

/** What is wrong with a choice for a region, and the fix; undefined when `gcsLocation` has an answer. */
export function gcsLocationProblem(
  region: string,
  choice: BucketLocationChoice,
): { message: string; fix: string } | undefined {
  if (gcsLocation(region, choice) !== undefined) return undefined;
  if (choice === 'dual-region') {
    const regions = Object.values(PREDEFINED_DUAL_REGIONS).flat().sort();
    return {
      message: `is dual-region, but no predefined dual-region contains ${region}`,
      fix: `use a region of one (${regions.join(', ')}), or bucketLocation \`multi-region\` or \`region\``,
    };
  }
  return {
    message: `is multi-region, but no Cloud Storage multi-region covers ${region}`,
    fix: `use a region in ${Object.values(MULTI_REGIONS).join(', ')} (asia-*, europe-*, us-*), or bucketLocation \`region\``,
  };
}
