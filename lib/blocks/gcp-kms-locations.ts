/**
 * The Cloud KMS location of a key that may encrypt a Cloud Storage bucket, as pure data. Cloud Storage takes a
 * default key only from the bucket's own location: a regional bucket a key of that region, the `US`, `EU` and
 * `ASIA` multi-regions a key in Cloud KMS's `us`, `europe` and `asia` multi-regions (Cloud KMS names its
 * locations in lower case and calls the European multi-region `europe`, where Cloud Storage says `EU`).
 *
 * The predefined dual-regions (`NAM4`, `EUR4`, `ASIA1`) have no location of the same meaning in Cloud KMS that
 * Google's documentation confirms: Cloud KMS "Locations" (https://cloud.google.com/kms/docs/locations, Americas
 * table) lists `nam4` as "Iowa, South Carolina, and Oklahoma", not the Cloud Storage `NAM4` pair (Iowa and South
 * Carolina; Cloud KMS calls that pair `nam6`), and the Cloud Storage CMEK page
 * (https://cloud.google.com/storage/docs/encryption/customer-managed-keys) could not be checked for a
 * dual-region rule. So no key location is given for them and `platform.bucketLocation: dual-region` is refused
 * on gcp (lib/core/platform.ts) rather than guessed.
 */
import { PREDEFINED_DUAL_REGIONS } from './gcp-locations';

/** Cloud Storage location (`EUROPE-WEST4`, `EU`) → the Cloud KMS location of its key; undefined for `EUR4` & co. */
export function kmsLocationOfBucket(gcsLocation: string): string | undefined {
  const location = gcsLocation.toUpperCase();
  if (location in PREDEFINED_DUAL_REGIONS) return undefined;
  return location === 'EU' ? 'europe' : location.toLowerCase();
}
