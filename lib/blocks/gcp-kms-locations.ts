/**
 * The Cloud KMS location of a key that may encrypt a Cloud Storage bucket, as pure data. Cloud Storage takes a
 * default key only from the bucket's own location: a regional bucket a key of that region, the `US`, `EU` and
 * `ASIA` multi-regions a key in Cloud KMS's `us`, `europe` and `asia` multi-regions, and the predefined
 * dual-regions `NAM4`, `EUR4`, `ASIA1` a key in `nam4`, `eur4`, `asia1`. Cloud KMS names its locations in lower
 * case and calls the European multi-region `europe`, where Cloud Storage says `EU`.
 */

/** Cloud Storage location (`EUROPE-WEST4`, `EU`, `EUR4`) → the Cloud KMS location of its key. */
export function kmsLocationOfBucket(gcsLocation: string): string {
  const location = gcsLocation.toLowerCase();
  return location === 'eu' ? 'europe' : location;
}
