/**
 * Reading a release from stack config, a context value or a file: `parseRelease` checks schema 1, upgrades a
 * schema 0 (`LegacyRelease`) value, refuses a newer schema, and reports every problem at once as a
 * `ValidationError` (construct `Release`). Writing: `releaseToConfigValue` gives the plain object, in a stable
 * key order, that goes under `mlops:release`. `sameRelease` compares two releases the way promotion decides it
 * has nothing to do.
 */
import {
  GCS_BUCKET_NAME_RULE,
  S3_BUCKET_NAME_RULE,
  gcsBucketNameProblem,
  s3BucketNameProblem,
} from '../blocks/bucket-names';
import { checkVersionLabel, NAME_RULES, nameProblem } from '../core/naming';
import {
  anything,
  describeValue,
  map,
  num,
  object,
  oneOf,
  required,
  str,
  type ObjectShape,
} from '../core/shape';
import { ProblemList } from '../core/validation';
import {
  RELEASE_SCHEMA_VERSION,
  type ArtifactRef,
  type LegacyRelease,
  type Release,
  type ReleaseCloud,
  type ReleaseModel,
} from './release-types';

const CLOUDS: readonly ReleaseCloud[] = ['aws', 'gcp', 'docker'];

const modelShape = object<ReleaseModel>({
  registry: object({ group: str('`churn-models`'), version: required(num('`3`')) }),
  artifact: object({
    uri: required(str('`s3://bucket/models/churn/v3/model.tar.gz`')),
    sha256: str('`sha256:<64 hex digits>`'),
  }),
});

type ReleaseFields = Omit<Release, 'schemaVersion'> & { schemaVersion: number };

const releaseShape: ObjectShape<ReleaseFields> = object<ReleaseFields>({
  // Checked before the shape: a wrong schemaVersion is reported once, with its own fix.
  schemaVersion: anything<number>(),
  version: required(str('`v3`')),
  model: required(
    modelShape,
    'give `model.registry.version` (a SageMaker model package version) or `model.artifact` (`uri` and `sha256`)',
  ),
  image: str('`<repository>@sha256:<64 hex digits>`'),
  metrics: map(num('`0.91`'), '`{ auc: 0.91 }`'),
  baseline: str('`s3://bucket/baseline/run-1/`'),
  approval: object({ by: required(str('`alice@example.com`')), at: required(str('`2026-12-02T10:00:00Z`')) }),
  promotedFrom: object({
    stack: required(str('`staging`')),
    cloud: required(oneOf(CLOUDS)),
    image: str('`<repository>@sha256:<64 hex digits>`'),
    model: modelShape,
    at: required(str('`2026-12-02T10:00:00Z`')),
  }),
  releasedAt: str('`2026-12-02T10:00:00Z`'),
});

const legacyShape = object<LegacyRelease>({
  version: required(str('`v3`')),
  image: str('`<repository>@sha256:<64 hex digits>`'),
  modelPackageVersion: num('`3`'),
  modelPath: str('`runs/<run id>/model/`'),
  baselinePath: str('`baseline/<run id>/`'),
});

/** Keys only schema 1 has: a value holding one of them but no `schemaVersion` is a schema 1 release missing it. */
const SCHEMA_1_ONLY_KEYS = ['model', 'metrics', 'baseline', 'approval', 'promotedFrom', 'releasedAt'];

/**
 * Reads a release: schema 1 as is, schema 0 (no `schemaVersion`) upgraded. `where` names where the value came
 * from, such as `mlops:release of stack prod`. Throws a `ValidationError` listing every problem.
 */
export function parseRelease(value: unknown, where: string): Release {
  const problems = new ProblemList('Release', where);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.add(
      'release',
      `is ${describeValue(value)}, not an object`,
      'give an object with `schemaVersion: 1`, `version`, `model` and `image` (README, "Releases")',
    );
    problems.throwIfAny();
  }
  const raw = value as Record<string, unknown>;
  const schemaVersion = raw.schemaVersion;
  if (schemaVersion === undefined || schemaVersion === null) {
    const schema1Keys = SCHEMA_1_ONLY_KEYS.filter((k) => Object.prototype.hasOwnProperty.call(raw, k));
    if (schema1Keys.length > 0) {
      problems.add(
        'schemaVersion',
        `is missing, but the release has schema 1 fields (${schema1Keys.join(', ')})`,
        'add `schemaVersion: 1`',
      );
      readSchema1(problems, { ...raw, schemaVersion: RELEASE_SCHEMA_VERSION });
      problems.throwIfAny();
    }
    const upgraded = readLegacy(problems, raw);
    problems.throwIfAny();
    return upgraded!;
  }
  if (
    typeof schemaVersion === 'number' &&
    Number.isInteger(schemaVersion) &&
    schemaVersion > RELEASE_SCHEMA_VERSION
  ) {
    problems.add(
      'schemaVersion',
      `is ${schemaVersion}: this release was written by a newer mlops-constructs, which knows schema ${RELEASE_SCHEMA_VERSION} at most`,
      'upgrade mlops-constructs in this project (`npm install mlops-constructs@latest`)',
    );
    problems.throwIfAny();
  }
  if (schemaVersion !== RELEASE_SCHEMA_VERSION) {
    problems.add(
      'schemaVersion',
      `is ${describeValue(schemaVersion)}, not ${RELEASE_SCHEMA_VERSION}`,
      `give \`schemaVersion: ${RELEASE_SCHEMA_VERSION}\`, or leave \`schemaVersion\` out for a schema 0 release (\`version\`, \`image\`, \`modelPackageVersion\`, \`modelPath\`, \`baselinePath\`)`,
    );
  }
  const release = readSchema1(problems, raw);
  problems.throwIfAny();
  return release!;
}

function readSchema1(problems: ProblemList, raw: Record<string, unknown>): Release | undefined {
  const read = releaseShape.read(problems, '', raw);
  if (read === undefined) return undefined;
  checkVersionLabel(problems, 'version', read.version);
  if (read.model) checkModel(problems, 'model', read.model, raw.model, 1);
  if (read.image !== undefined) checkImage(problems, 'image', read.image, 1);
  if (read.baseline !== undefined) checkDirectoryUri(problems, 'baseline', read.baseline, 1);
  if (read.approval) {
    checkNonEmpty(
      problems,
      'approval.by',
      read.approval.by,
      'name who approved it, such as `alice@example.com`',
    );
    checkTime(problems, 'approval.at', read.approval.at);
  }
  if (read.promotedFrom) {
    const from = read.promotedFrom;
    checkNonEmpty(
      problems,
      'promotedFrom.stack',
      from.stack,
      'name the stack it was promoted from, such as `staging`',
    );
    if (from.image !== undefined) checkImage(problems, 'promotedFrom.image', from.image, 1);
    if (from.model) {
      const rawFrom = raw.promotedFrom as Record<string, unknown>;
      checkModel(problems, 'promotedFrom.model', from.model, rawFrom.model, 1);
    }
    checkTime(problems, 'promotedFrom.at', from.at);
  }
  if (read.releasedAt !== undefined) checkTime(problems, 'releasedAt', read.releasedAt);
  if (read.metrics) {
    for (const name of Object.keys(read.metrics))
      if (name.trim() === '')
        problems.add('metrics', 'has a metric with an empty name', 'name each metric, such as `auc`');
  }
  return { ...read, schemaVersion: RELEASE_SCHEMA_VERSION } as Release;
}

/** Schema 0 -> schema 1: `modelPackageVersion` -> `model.registry.version`, `modelPath` -> `model.artifact.uri`. */
function readLegacy(problems: ProblemList, raw: Record<string, unknown>): Release | undefined {
  const read = legacyShape.read(problems, '', raw);
  if (read === undefined) return undefined;
  checkVersionLabel(problems, 'version', read.version);
  if (read.image !== undefined) checkImage(problems, 'image', read.image, 0);
  const model: { registry?: { version: number }; artifact?: ArtifactRef } = {};
  if (read.modelPackageVersion !== undefined) {
    if (checkRegistryVersion(problems, 'modelPackageVersion', read.modelPackageVersion))
      model.registry = { version: read.modelPackageVersion };
  }
  if (read.modelPath !== undefined) {
    if (checkArtifactUri(problems, 'modelPath', read.modelPath, 0)) model.artifact = { uri: read.modelPath };
  }
  if (raw.modelPackageVersion == null && raw.modelPath == null)
    problems.add(
      'modelPackageVersion',
      'is missing, and so is `modelPath`: the release names no model',
      "give `modelPackageVersion` (aws: the registered model package version) or `modelPath` (the model directory in the pipeline's artifact store), or write a schema 1 release",
    );
  if (read.baselinePath !== undefined) checkDirectoryUri(problems, 'baselinePath', read.baselinePath, 0);
  if (problems.count > 0) return undefined;
  const release: Record<string, unknown> = {
    schemaVersion: RELEASE_SCHEMA_VERSION,
    version: read.version,
    model,
  };
  if (read.image !== undefined) release.image = read.image;
  if (read.baselinePath !== undefined) release.baseline = read.baselinePath;
  return release as unknown as Release;
}

function checkNonEmpty(problems: ProblemList, path: string, value: string | undefined, fix: string): void {
  if (value !== undefined && value.trim() === '') problems.add(path, 'is empty', fix);
}

function checkRegistryVersion(problems: ProblemList, path: string, version: number): boolean {
  if (Number.isInteger(version) && version >= 1) return true;
  problems.add(
    path,
    `is ${version}, not a positive whole number`,
    'give the version number SageMaker gave the registered model package (1, 2, ...)',
  );
  return false;
}

function checkModel(
  problems: ProblemList,
  path: string,
  model: ReleaseModel,
  raw: unknown,
  schema: 0 | 1,
): void {
  const given = raw as Record<string, unknown>;
  if (given.registry == null && given.artifact == null) {
    problems.add(
      path,
      'names neither `registry` nor `artifact`',
      'give `registry: { version }` (a SageMaker model package version) or `artifact: { uri, sha256 }`',
    );
    return;
  }
  if (model.registry) {
    const { group, version } = model.registry;
    // Schema 1 names the group: without it nothing outside the program can check the version's approval. Schema 0
    // upgrades keep it absent (the construct resolves it from the pipeline).
    if (group === undefined && schema === 1)
      problems.add(
        `${path}.registry.group`,
        'is missing: without the model package group the approval of the version cannot be checked',
        "give the SageMaker model package group the version is registered in, the serving pipeline's (such as `churn-models`)",
      );
    if (group !== undefined) {
      const problem = nameProblem(group, NAME_RULES.sagemaker);
      if (problem) problems.add(`${path}.registry.group`, problem, NAME_RULES.sagemaker.description);
    }
    if (version !== undefined) checkRegistryVersion(problems, `${path}.registry.version`, version);
  }
  if (model.artifact) {
    const { uri, sha256 } = model.artifact;
    if (uri !== undefined) checkArtifactUri(problems, `${path}.artifact.uri`, uri, schema);
    if (sha256 !== undefined) {
      if (!SHA256.test(sha256))
        problems.add(
          `${path}.artifact.sha256`,
          `is ${JSON.stringify(sha256)}, not \`sha256:\` and 64 lowercase hex digits`,
          'give the tree digest `mlops digest <model dir or model.tar.gz>` prints, such as `sha256:<64 hex digits>`',
        );
    } else if (schema === 1 && uri !== undefined) {
      problems.add(
        `${path}.artifact.sha256`,
        'is required',
        'give the tree digest of the model files: `mlops digest <model dir or model.tar.gz>` prints it (`sha256:<64 hex digits>`)',
      );
    }
  }
}

const SHA256 = /^sha256:[0-9a-f]{64}$/;
const IMAGE_BY_DIGEST = /^[a-z0-9]([a-z0-9._/:-]*[a-z0-9])?@sha256:[0-9a-f]{64}$/;
const HAS_SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;
const STORE_URI = /^(s3|gs|docker-volume):\/\/([^/]*)(?:\/(.*))?$/s;

/** A store URI's parts, once its scheme is one a release may name and its bucket or volume name is valid. */
function storeUri(
  problems: ProblemList,
  path: string,
  uri: string,
): { scheme: 's3' | 'gs' | 'docker-volume'; key: string } | 'not a store' | 'reported' {
  const m = STORE_URI.exec(uri);
  if (!m || m[3] === undefined) return 'not a store';
  const scheme = m[1] as 's3' | 'gs' | 'docker-volume';
  const bucket = m[2];
  const [problem, rule] =
    scheme === 's3'
      ? [s3BucketNameProblem(bucket), S3_BUCKET_NAME_RULE]
      : scheme === 'gs'
        ? [gcsBucketNameProblem(bucket), GCS_BUCKET_NAME_RULE]
        : [
            bucket === '' ? 'is empty' : nameProblem(bucket, NAME_RULES.docker),
            NAME_RULES.docker.description,
          ];
  if (problem) {
    const what = scheme === 'docker-volume' ? 'the volume name' : 'the bucket name';
    problems.add(path, `${JSON.stringify(uri)}: ${what} ${problem}`, rule);
    return 'reported';
  }
  return { scheme, key: m[3] };
}

function checkImage(problems: ProblemList, path: string, image: string, schema: 0 | 1): void {
  if (image.trim() === '') {
    problems.add(path, 'is empty', 'give the serving image by digest, `<repository>@sha256:<64 hex digits>`');
    return;
  }
  if (schema === 0) {
    if (/\s/.test(image))
      problems.add(
        path,
        `${JSON.stringify(image)} has white space`,
        'give an image reference, such as `<repository>@sha256:<64 hex digits>`',
      );
    return;
  }
  if (IMAGE_BY_DIGEST.test(image)) return;
  const at = image.lastIndexOf('@');
  const tail = image.slice(image.lastIndexOf('/') + 1);
  const message =
    at >= 0
      ? `${JSON.stringify(image)} has no valid digest (\`@sha256:\` and 64 lowercase hex digits)`
      : tail.includes(':')
        ? `${JSON.stringify(image)} names a tag, not a digest`
        : `${JSON.stringify(image)} names no digest`;
  problems.add(
    path,
    message,
    'give the image by digest, `<repository>@sha256:<64 hex digits>` (`crane digest <image>` or `docker buildx imagetools inspect <image>` prints it): a tag can move, a digest cannot',
  );
}

const ARTIFACT_FORMS =
  '`s3://<bucket>/<key>.tar.gz` (aws: the packed model), `gs://<bucket>/<dir>/` (gcp: the model directory) or `docker-volume://<volume>/<dir>/` (docker)';
const DIRECTORY_FORMS = '`s3://<bucket>/<dir>/`, `gs://<bucket>/<dir>/` or `docker-volume://<volume>/<dir>/`';

function checkArtifactUri(problems: ProblemList, path: string, uri: string, schema: 0 | 1): boolean {
  if (uri.trim() === '') {
    problems.add(path, 'is empty', `give ${ARTIFACT_FORMS}`);
    return false;
  }
  if (!HAS_SCHEME.test(uri)) return checkRelative(problems, path, uri, schema, 'model', ARTIFACT_FORMS);
  const store = storeUri(problems, path, uri);
  if (store === 'reported') return false;
  if (store === 'not a store') {
    problems.add(path, `${JSON.stringify(uri)} is not a model artifact URI`, `give ${ARTIFACT_FORMS}`);
    return false;
  }
  if (store.scheme === 's3') {
    if (store.key.endsWith('.tar.gz') && !store.key.endsWith('/.tar.gz') && store.key !== '.tar.gz')
      return true;
    problems.add(
      path,
      `${JSON.stringify(uri)} is not a model artifact URI`,
      'give the SageMaker `model.tar.gz` object, `s3://<bucket>/<key>.tar.gz`',
    );
    return false;
  }
  if (store.key === '' || store.key.endsWith('/')) return true;
  problems.add(
    path,
    `${JSON.stringify(uri)} is not a model artifact URI`,
    `give the model directory, ending in \`/\`, such as \`${store.scheme}://<${store.scheme === 'gs' ? 'bucket' : 'volume'}>/models/v3/\``,
  );
  return false;
}

function checkRelative(
  problems: ProblemList,
  path: string,
  value: string,
  schema: 0 | 1,
  what: 'model' | 'baseline',
  forms: string,
): boolean {
  if (schema === 0 && !/\s/.test(value)) return true;
  problems.add(
    path,
    schema === 0
      ? `${JSON.stringify(value)} has white space`
      : `${JSON.stringify(value)} is a relative path: only schema 0 releases may give one`,
    schema === 0
      ? `give the ${what} directory in the pipeline's artifact store, such as \`${what === 'model' ? 'runs/<run id>/model/' : 'baseline/<run id>/'}\``
      : `give the absolute URI, ${forms}`,
  );
  return false;
}

function checkDirectoryUri(problems: ProblemList, path: string, uri: string, schema: 0 | 1): void {
  if (uri.trim() === '') {
    problems.add(
      path,
      'is empty',
      `give the baseline directory, ${DIRECTORY_FORMS}, or leave it out for no drift check`,
    );
    return;
  }
  if (!HAS_SCHEME.test(uri)) {
    checkRelative(problems, path, uri, schema, 'baseline', DIRECTORY_FORMS);
    return;
  }
  const store = storeUri(problems, path, uri);
  if (store === 'reported') return;
  if (store !== 'not a store' && (store.key === '' || store.key.endsWith('/'))) return;
  problems.add(
    path,
    `${JSON.stringify(uri)} is not a directory URI`,
    `give ${DIRECTORY_FORMS} (ending in \`/\`)`,
  );
}

const UTC_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z$/;

/** True when `value` is an ISO 8601 UTC time (`...Z`) naming a real instant. */
export function isUtcTime(value: string): boolean {
  const m = UTC_TIME.exec(value);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return (
    t.getUTCFullYear() === y &&
    t.getUTCMonth() === mo - 1 &&
    t.getUTCDate() === d &&
    t.getUTCHours() === h &&
    t.getUTCMinutes() === mi &&
    t.getUTCSeconds() === s
  );
}

function checkTime(problems: ProblemList, path: string, value: string | undefined): void {
  if (value === undefined || isUtcTime(value)) return;
  problems.add(
    path,
    `${JSON.stringify(value)} is not an ISO 8601 UTC time`,
    'give a time such as `2026-12-02T10:00:00Z` (UTC, ending in `Z`)',
  );
}

function modelValue(model: ReleaseModel): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (model.registry) {
    const registry: Record<string, unknown> = {};
    if (model.registry.group !== undefined) registry.group = model.registry.group;
    registry.version = model.registry.version;
    out.registry = registry;
  }
  if (model.artifact) {
    const artifact: Record<string, unknown> = { uri: model.artifact.uri };
    if (model.artifact.sha256 !== undefined) artifact.sha256 = model.artifact.sha256;
    out.artifact = artifact;
  }
  return out;
}

/**
 * The release as a plain object for stack config: keys in the order `schemaVersion, version, model, image,
 * metrics, baseline, approval, promotedFrom, releasedAt` (nested objects in their documented order), fields
 * that are undefined left out. What it returns always reads back with `parseRelease`: a release it could not
 * write as schema 1 (one upgraded from schema 0 that still has a relative path, no `sha256` or an image by tag)
 * is refused with a `ValidationError` naming what to resolve first.
 */
export function releaseToConfigValue(release: Release): Record<string, unknown> {
  const value = configValue(release);
  parseRelease(value, `release ${release.version} to be written as schema ${RELEASE_SCHEMA_VERSION}`);
  return value;
}

/**
 * The release's fields in the written key order, without the schema 1 check: what `mlops release show` prints for a
 * schema 0 release that cannot be written back as it is (relative paths, no sha256, an image by tag).
 */
export function releaseFields(release: Release): Record<string, unknown> {
  const fields = configValue(release);
  delete fields.schemaVersion;
  return fields;
}

function configValue(release: Release): Record<string, unknown> {
  const out: Record<string, unknown> = {
    schemaVersion: RELEASE_SCHEMA_VERSION,
    version: release.version,
    model: modelValue(release.model),
  };
  if (release.image !== undefined) out.image = release.image;
  if (release.metrics !== undefined) out.metrics = { ...release.metrics };
  if (release.baseline !== undefined) out.baseline = release.baseline;
  if (release.approval !== undefined) out.approval = { by: release.approval.by, at: release.approval.at };
  if (release.promotedFrom !== undefined) {
    const from = release.promotedFrom;
    const origin: Record<string, unknown> = { stack: from.stack, cloud: from.cloud };
    if (from.image !== undefined) origin.image = from.image;
    if (from.model !== undefined) origin.model = modelValue(from.model);
    origin.at = from.at;
    out.promotedFrom = origin;
  }
  if (release.releasedAt !== undefined) out.releasedAt = release.releasedAt;
  return out;
}

/**
 * Equal ignoring when things happened (`releasedAt`, `promotedFrom.at`, `approval.at`); with `ignoreApproval`, also
 * ignoring who approved it (promotion's no-op test: a re-run by another approver changes nothing).
 */
export function sameRelease(a: Release, b: Release, options: { ignoreApproval?: boolean } = {}): boolean {
  return deepEqual(timeless(a, options.ignoreApproval), timeless(b, options.ignoreApproval));
}

function timeless(release: Release, ignoreApproval = false): Record<string, unknown> {
  const value = configValue(release);
  delete value.releasedAt;
  if (value.promotedFrom) delete (value.promotedFrom as Record<string, unknown>).at;
  if (ignoreApproval) delete value.approval;
  else if (value.approval) delete (value.approval as Record<string, unknown>).at;
  return value;
}

/** Structural equality of plain data; object key order does not matter. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) =>
      Object.prototype.hasOwnProperty.call(b, k) &&
      deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}
