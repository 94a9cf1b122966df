/**
 * Bucket naming rules per cloud, checked before anything is created. They differ: S3 allows no underscores
 * and reserves some prefixes and suffixes; GCS allows underscores but no `goog` prefix or `google` inside.
 */

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** S3 reserved prefixes and suffixes (general purpose buckets). */
const S3_RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const S3_RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** What is wrong with an S3 bucket name, or undefined when S3 accepts it. */
export function s3BucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `"${name}" must be 3 to 63 characters long for S3`;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name))
    return `"${name}" may hold only lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, for S3`;
  if (name.includes('..')) return `"${name}" has two adjacent dots, which S3 refuses`;
  if (IPV4.test(name)) return `"${name}" looks like an IP address, which S3 refuses`;
  const prefix = S3_RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix) return `"${name}" starts with the reserved prefix "${prefix}"`;
  const suffix = S3_RESERVED_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix) return `"${name}" ends with the reserved suffix "${suffix}"`;
  return undefined;
}

export const S3_BUCKET_NAME_RULE =
  'use 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit';

/** What is wrong with a GCS bucket name, or undefined when Cloud Storage accepts it. */
export function gcsBucketNameProblem(name: string): string | undefined {
  const maxLength = name.includes('.') ? 222 : 63;
  if (name.length < 3 || name.length > maxLength)
    return `"${name}" must be 3 to ${maxLength} characters long for Cloud Storage`;
  if (!/^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(name))
    return `"${name}" may hold only lowercase letters, digits, dots, hyphens and underscores, starting and ending with a letter or digit, for Cloud Storage`;
  if (name.split('.').some((part) => part.length > 63))
    return `"${name}" has a dot-separated part longer than 63 characters`;
  if (IPV4.test(name)) return `"${name}" looks like an IP address, which Cloud Storage refuses`;
  if (name.startsWith('goog')) return `"${name}" starts with "goog", which Cloud Storage refuses`;
  if (/g[o0]{2}g[l1]e/.test(name))
    return `"${name}" contains "google" or a look-alike, which Cloud Storage refuses`;
  return undefined;
}

export const GCS_BUCKET_NAME_RULE =
  'use 3 to 63 lowercase letters, digits, hyphens, underscores and dots, starting and ending with a letter or digit, without "goog" at the start or "google" inside';
