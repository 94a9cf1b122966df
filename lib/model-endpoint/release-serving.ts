/**
 * Release mode of a ModelEndpoint (issue 8, design decision 4): what a release (and, on gcp and docker, the stable
 * release beside it during a canary) becomes as endpoint arguments, per cloud. Shared by the Pulumi component and
 * the CDK construct through the resolver: plain data and Inputs only, no Pulumi or CDK runtime call (a base URI
 * known only at deploy time is joined with the caller's `joinUri`).
 *
 * - aws: a registry version -> `aws.modelPackageArn` of the pipeline's group, `aws.imageRepositoryArn` of its
 *   repository, read of `models/` in its artifact bucket with its key; an `s3://.../model.tar.gz` artifact ->
 *   `image` (required) + `modelDataUrl` + read of the artifact's prefix (with the pipeline's key when given).
 * - gcp: a `gs://` model directory -> `modelDataUrl` + read of that directory; a registry version alone is refused.
 * - docker: a `docker-volume://<volume>/<dir>/` directory -> the volume mounted read-only at `/mnt/model-access`
 *   and `modelDataUrl` `/mnt/model-access/<dir>/`; the image defaults to the endpoint's `image` argument.
 * - Schema 0 relative paths are resolved against the pipeline's `artifactBaseUri`; a schema 0 release without a
 *   baseline keeps the reference program's: gcp `runs/<id>/model/` -> `runs/<id>/baseline/`, docker
 *   `<group>/<run id>/` -> `<group>/<run id>/baseline/`.
 */
import type * as pulumi from '@pulumi/pulumi';
import type { Cloud } from '../core/stage';
import { knownString, type ProblemList } from '../core/validation';
import type { ReleaseStore } from '../promotion/release-store';
import { STABLE_RELEASE_CONFIG_KEY, type Release } from '../promotion/release-types';
import type { ModelAccessArgs, StableReleaseArgs } from './args';
import { MODEL_ACCESS_DIR } from './docker-facts';

/** Joins a base URI (a deploy-time value in Pulumi) and a relative path. */
export type JoinUri = (base: pulumi.Input<string>, path: string) => pulumi.Input<string>;

/** A release value as read, with where it came from (the resource name of its `ValidationError`). */
export interface RawRelease {
  /** The value: an object (a JSON string is parsed by whoever reads the config). */
  readonly value: unknown;
  /** Such as `mlops:release of stack prod` or `CDK context mlops:release`. */
  readonly source: string;
}

/** What the stack says the endpoint serves when the program gives no `version` and no `release`. */
export interface StackReleases {
  /** The stack's `mlops:release`; undefined when it has none. */
  readonly release?: RawRelease;
  /** The stack's `mlops:stableRelease`; undefined when it has none. */
  readonly stableRelease?: RawRelease;
  /** The stack's name: the awaiting message names it (`--to <stack>`). */
  readonly stack?: string;
  /** Where the release was looked for, in the awaiting message. Default: `stack <stack>`. */
  readonly lookedIn?: string;
  /** Joins a deploy-time base URI and a path. Default: string concatenation (strings and CDK tokens). */
  readonly joinUri?: JoinUri;
}

/** The endpoint arguments a release stands for. */
export interface ReleaseArgs {
  readonly version: string;
  readonly image?: pulumi.Input<string>;
  readonly modelDataUrl?: pulumi.Input<string>;
  readonly modelAccess?: ModelAccessArgs;
  readonly aws?: {
    readonly modelPackageArn?: pulumi.Input<string>;
    readonly imageRepositoryArn?: pulumi.Input<string>;
  };
  readonly stableRelease?: StableReleaseArgs;
}

/** A release mapped for one cloud. */
export interface ServedRelease {
  readonly args: ReleaseArgs;
  /** The drift baseline, absolute; undefined when the release has none. */
  readonly baselineUri?: pulumi.Input<string>;
  /** `serving <version>` (+ ` promoted from <stack>`). */
  readonly status: string;
  /** Things ignored on purpose (`mlops:stableRelease` on aws), for the program's log. */
  readonly warnings: readonly string[];
}

export interface ServeReleaseInputs {
  readonly cloud: Cloud;
  readonly release: Release;
  readonly stableRelease?: Release;
  /** The pipeline's stores, when the endpoint has a `pipeline`. */
  readonly store?: ReleaseStore;
  /** docker: the endpoint's `image` argument, served when a release names no image. */
  readonly defaultImage?: pulumi.Input<string>;
  readonly problems: ProblemList;
  readonly joinUri: JoinUri;
  /**
   * gcp: the endpoint rolls out through Cloud Deploy (`gcp.rollout: 'cloud-deploy'`). Its read then covers the folder
   * that holds the release folders, see `releasesFolder`. Default false.
   */
  readonly cloudDeploy?: boolean;
}

/** `serving <version>`, with ` promoted from <stack>` for a promoted release. */
export function servingStatus(release: Release): string {
  const from = release.promotedFrom ? ` promoted from ${release.promotedFrom.stack}` : '';
  return `serving ${release.version}${from}`;
}

/** String concatenation, for bases known at synth time (strings, CDK tokens). */
export const concatUri: JoinUri = (base, path) => {
  if (typeof base !== 'string')
    throw new Error(
      'A release path is relative to a base URI known only at deploy time: pass `joinUri` (Pulumi: pulumi.interpolate).',
    );
  return `${base}${path}`;
};

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/]*)\/?(.*)$/;
const SCHEME_OF: Readonly<Record<Cloud, string>> = { aws: 's3', gcp: 'gs', docker: 'docker-volume' };
const MODEL_FORM: Readonly<Record<Cloud, string>> = {
  aws: 'the SageMaker `model.tar.gz`, `s3://<bucket>/<key>.tar.gz`',
  gcp: 'the model directory, `gs://<bucket>/<dir>/`',
  docker: 'the model directory in a volume, `docker-volume://<volume>/<dir>/`',
};

interface Location {
  /** The bucket (volume) name. */
  readonly bucket: pulumi.Input<string>;
  /** The object key (aws: of the `.tar.gz`) or directory, relative to the bucket, directories ending in `/`. */
  readonly key: string;
  /** The URI (aws, gcp): absolute, or the store's base joined with the path. */
  readonly uri: pulumi.Input<string>;
  /** Resolved against the pipeline's store (a schema 0 path). */
  readonly relative: boolean;
}

/** A relative path as a directory: no leading `/`, one trailing `/`. */
function directory(path: string): string {
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

/** The directory part of a key (`a/b/model.tar.gz` -> `a/b/`), `''` at the top of the bucket. */
function parentDirectory(key: string): string {
  const slash = key.lastIndexOf('/');
  return slash < 0 ? '' : key.slice(0, slash + 1);
}

/** The longest common directory prefix of two directories (`runs/a/model/`, `runs/b/model/` -> `runs/`). */
function commonDirectory(a: string, b: string): string {
  const as = a.split('/').filter(Boolean);
  const bs = b.split('/').filter(Boolean);
  const common: string[] = [];
  for (let i = 0; i < Math.min(as.length, bs.length) && as[i] === bs[i]; i++) common.push(as[i]);
  return common.length === 0 ? '' : `${common.join('/')}/`;
}

/**
 * gcp with Cloud Deploy: the folder that holds the release folders, the parent of `<version>/model/`
 * (`releases/v4/model/` -> `releases/`; a schema 0 `runs/<id>/model/` -> `runs/`; any other directory -> its parent;
 * `''` = the whole bucket). Cloud Deploy, not `pulumi up`, moves traffic: its canary keeps serving the previous
 * release for a while, and a rollback (by hand or by its automation) serves an earlier one, whose model must stay
 * readable after `pulumi up` moved the endpoint to the new release. This read is broader than one model folder: it
 * covers every release kept under that folder.
 */
export function releasesFolder(key: string): string {
  const parts = key.split('/').filter(Boolean);
  const kept =
    parts.length >= 2 && parts[parts.length - 1] === 'model' ? parts.slice(0, -2) : parts.slice(0, -1);
  return kept.length === 0 ? '' : `${kept.join('/')}/`;
}

/** Maps the release (and the stable release) to endpoint arguments; problems are added under `release.`/`stableRelease.`. */
export function serveRelease(inputs: ServeReleaseInputs): ServedRelease {
  const { cloud, release } = inputs;
  const warnings: string[] = [];
  const primary = servedModel(inputs, release, 'release');
  let stableRelease: StableReleaseArgs | undefined;
  if (inputs.stableRelease && cloud === 'aws') {
    warnings.push(
      `${STABLE_RELEASE_CONFIG_KEY} (${inputs.stableRelease.version}) is not used on aws: SageMaker keeps the serving fleet itself during its blue/green update; remove it`,
    );
  } else if (inputs.stableRelease) {
    stableRelease = stableArgs(inputs, inputs.stableRelease, primary);
  }
  const widened =
    cloud === 'gcp' && inputs.cloudDeploy && primary.location
      ? releasesFolder(primary.location.key)
      : primary.widenTo;
  const modelAccess =
    primary.access && widened !== undefined
      ? { ...primary.access, prefix: widened || undefined }
      : primary.access;
  const args: ReleaseArgs = {
    version: release.version,
    image: primary.image,
    modelDataUrl: primary.modelDataUrl,
    modelAccess,
    aws: cloud === 'aws' ? primary.aws : undefined,
    stableRelease,
  };
  return {
    args,
    baselineUri: baseline(inputs),
    status: servingStatus(release),
    warnings,
  };
}

interface MappedModel {
  readonly image?: pulumi.Input<string>;
  readonly modelDataUrl?: pulumi.Input<string>;
  readonly access?: ModelAccessArgs;
  readonly aws?: ReleaseArgs['aws'];
  readonly location?: Location;
  /** gcp: a wider prefix of `access` that also covers the stable release's model (set by `stableArgs`). */
  widenTo?: string;
}

/** One release's model and image on the endpoint's cloud. `at` is `release` or `stableRelease`. */
function servedModel(inputs: ServeReleaseInputs, release: Release, at: string): MappedModel {
  const { cloud, store, problems } = inputs;
  const { registry, artifact } = release.model;
  if (cloud === 'aws' && registry) return registryModel(inputs, release, at);
  if (!artifact) {
    problems.add(
      `${at}.model.registry`,
      `names registry version ${registry?.version}, but ${cloud} has no model registry to serve it from`,
      `serve the model's artifact: give \`model.artifact\`, ${MODEL_FORM[cloud]} (\`mlops promote\` copies a registry version's artifact into this stack's store)`,
    );
    return { image: imageOf(inputs, release, at) };
  }
  const location = artifactLocation(inputs, artifact.uri, `${at}.model.artifact.uri`);
  const image = imageOf(inputs, release, at);
  if (!location) return { image };
  if (cloud === 'aws') {
    const keyArn = store?.cloud === 'aws' ? store.artifactKeyArn : undefined;
    const prefix = parentDirectory(location.key);
    return {
      image,
      modelDataUrl: location.uri,
      access: { bucketName: location.bucket, prefix: prefix || undefined, kmsKeyId: keyArn },
      location,
    };
  }
  if (cloud === 'gcp')
    return {
      image,
      modelDataUrl: location.uri,
      access: { bucketName: location.bucket, prefix: location.key || undefined },
      location,
    };
  return {
    image,
    modelDataUrl: `${MODEL_ACCESS_DIR}/${location.key}`,
    access: { bucketName: location.bucket },
    location,
  };
}

/** aws: a version of the pipeline's model package group. */
function registryModel(inputs: ServeReleaseInputs, release: Release, at: string): MappedModel {
  const { store, problems } = inputs;
  const registry = release.model.registry!;
  if (!store || store.cloud !== 'aws' || !store.modelPackageArn) {
    // A pipeline on another cloud is reported on `pipeline`.
    if (!store)
      problems.add(
        `${at}.model.registry`,
        `names registry version ${registry.version}, which only a pipeline's model package group resolves`,
        'give the endpoint `pipeline` (the MlPipeline that registers the model), or serve an artifact: `model.artifact` (`s3://<bucket>/<key>.tar.gz`) with `image`',
      );
    return {};
  }
  const group = knownString(store.modelPackageGroupName);
  if (registry.group !== undefined && group !== undefined && registry.group !== group)
    problems.add(
      `${at}.model.registry.group`,
      `"${registry.group}" is not the model package group of the endpoint's pipeline ("${group}")`,
      `serve a version of "${group}" (promotion copies a release into this stack's stores), or give the pipeline that registers into "${registry.group}"`,
    );
  return {
    aws: {
      modelPackageArn: store.modelPackageArn(registry.version),
      imageRepositoryArn: store.imageRepositoryArn,
    },
    access: {
      bucketName: store.artifactBucketName,
      prefix: 'models/',
      kmsKeyId: store.artifactKeyArn,
    },
  };
}

/** The serving image: the release's; on docker the endpoint's `image` when the release names none. */
function imageOf(inputs: ServeReleaseInputs, release: Release, at: string): pulumi.Input<string> | undefined {
  const { cloud, problems } = inputs;
  if (release.image !== undefined) return release.image;
  if (cloud === 'docker') {
    if (inputs.defaultImage !== undefined) return inputs.defaultImage;
    problems.add(
      `${at}.image`,
      'is required: the release names no image and the endpoint has no `image` argument',
      "give the endpoint's `image` (such as the image built from `templates/serving`), or the release's `image` by digest",
    );
    return undefined;
  }
  problems.add(
    `${at}.image`,
    `is required on ${cloud}: ${cloud === 'aws' ? 'a model artifact carries no serving image' : 'Cloud Run runs the image the release names'}`,
    "give the release's `image` by digest, `<repository>@sha256:<64 hex digits>` (in the release file `npx mlops release set --file` reads)",
  );
  return undefined;
}

/** Where an artifact is: absolute on the endpoint's cloud, or relative to the pipeline's store. */
function artifactLocation(inputs: ServeReleaseInputs, uri: string, path: string): Location | undefined {
  const { cloud, store, problems, joinUri } = inputs;
  const match = SCHEME.exec(uri);
  if (!match) {
    if (!store) {
      problems.add(
        path,
        `"${uri}" is a path relative to the pipeline's artifact store (a schema 0 release), but the endpoint has no \`pipeline\``,
        `give the endpoint \`pipeline\` (the MlPipeline whose store holds it), or an absolute URI, ${MODEL_FORM[cloud]}`,
      );
      return undefined;
    }
    const key = cloud === 'aws' ? uri.replace(/^\/+/, '') : directory(uri);
    if (cloud === 'aws' && !key.endsWith('.tar.gz')) {
      problems.add(
        path,
        `"${uri}" is not a \`.tar.gz\`: SageMaker serves a packed model`,
        `give the path of the run's \`model.tar.gz\`, or ${MODEL_FORM.aws}`,
      );
      return undefined;
    }
    const joined = joinUri(store.artifactBaseUri, key);
    // gcp: a URL known at synth time names its bucket, so the renderer grants it once, whichever arg names it.
    const knownGs = cloud === 'gcp' ? knownString(joined) : undefined;
    const knownBucket = knownGs ? SCHEME.exec(knownGs)?.[2] : undefined;
    return { bucket: knownBucket ?? store.artifactBucketName, key, uri: joined, relative: true };
  }
  const [, scheme, bucket, rest] = match;
  if (scheme !== SCHEME_OF[cloud]) {
    problems.add(
      path,
      `"${uri}" is not served on ${cloud}, which serves ${MODEL_FORM[cloud]}`,
      `promote the release into this stack (\`npx mlops promote\` plans the copy${cloud === 'aws' || scheme === 's3' ? ' and the repack' : ''}), or give ${MODEL_FORM[cloud]}`,
    );
    return undefined;
  }
  if (cloud === 'aws' && !rest.endsWith('.tar.gz')) {
    problems.add(
      path,
      `"${uri}" is not a \`.tar.gz\`: SageMaker serves a packed model`,
      `give ${MODEL_FORM.aws}`,
    );
    return undefined;
  }
  const key = cloud === 'aws' ? rest : directory(rest);
  return { bucket, key, uri: cloud === 'aws' ? uri : `${scheme}://${bucket}/${key}`, relative: false };
}

/** The stable release beside the new one (gcp, docker), reading its own model. */
function stableArgs(inputs: ServeReleaseInputs, stable: Release, primary: MappedModel): StableReleaseArgs {
  const { cloud, problems } = inputs;
  const model = servedModel(inputs, stable, 'stableRelease');
  const here = primary.location;
  const there = model.location;
  let modelDataUrl = model.modelDataUrl;
  if (cloud === 'gcp' && here && there && knownString(there.uri) === undefined) {
    // Not known at synth time, the stable model's URL cannot be granted on its own: the primary's read widens to
    // cover both (they are in the same store bucket).
    if (here.relative && there.relative && here.key !== there.key)
      primary.widenTo = commonDirectory(here.key, there.key);
  }
  if (cloud === 'docker' && here && there) {
    const a = knownString(here.bucket);
    const b = knownString(there.bucket);
    if (a !== undefined && b !== undefined && a !== b) {
      problems.add(
        'stableRelease.model.artifact.uri',
        `is in volume "${b}", but the release serves from volume "${a}": docker mounts one model volume in every serving container`,
        `keep both releases' models in "${a}" (promotion copies each release into this stack's store)`,
      );
      modelDataUrl = undefined;
    }
  }
  return { version: stable.version, image: model.image, modelDataUrl };
}

/** The release's drift baseline, absolute. */
function baseline(inputs: ServeReleaseInputs): pulumi.Input<string> | undefined {
  const { cloud, release, store, problems, joinUri } = inputs;
  const given = release.baseline;
  if (given !== undefined) {
    const match = SCHEME.exec(given);
    if (match) {
      if (match[1] !== SCHEME_OF[cloud])
        problems.add(
          'release.baseline',
          `"${given}" is not on ${cloud}, where the drift check reads \`${SCHEME_OF[cloud]}://\` URIs`,
          `promote the release into this stack, or give the baseline directory as \`${SCHEME_OF[cloud]}://...\``,
        );
      return given;
    }
    if (!store) {
      problems.add(
        'release.baseline',
        `"${given}" is a path relative to the pipeline's artifact store (a schema 0 release), but the endpoint has no \`pipeline\``,
        `give the endpoint \`pipeline\`, or the absolute baseline directory (\`${SCHEME_OF[cloud]}://...\`)`,
      );
      return undefined;
    }
    return joinUri(store.artifactBaseUri, directory(given));
  }
  // Schema 0 releases of the reference program: the baseline lies beside the registered run's model.
  const artifact = release.model.artifact?.uri;
  if (artifact === undefined || SCHEME.test(artifact) || !store || cloud === 'aws') return undefined;
  const run = directory(artifact);
  if (cloud === 'gcp') {
    if (!/(^|\/)model\/$/.test(run)) return undefined;
    return joinUri(store.artifactBaseUri, run.replace(/model\/$/, 'baseline/'));
  }
  return joinUri(store.artifactBaseUri, `${run}baseline/`);
}
