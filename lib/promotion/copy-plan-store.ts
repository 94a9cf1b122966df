/**
 * `mlops:releaseStore`: where promotion copies a release into a stack (its own image repository and model prefix),
 * checked like construct args, and the URI facts a copy plan needs (which cloud a repository or prefix is on,
 * where a URI's bucket/volume and path are).
 */
import { ProblemList } from '../core/validation';
import type { ReleaseCloud, ReleaseStoreConfig } from './release-types';

/** An ECR repository URI: `<12-digit account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository name>`. */
const ECR_REPOSITORY =
  /^[0-9]{12}\.dkr\.ecr\.[a-z]{2}(-[a-z]+)+-[0-9]\.amazonaws\.com(\.cn)?\/(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
/** An Artifact Registry docker repository: `<location>-docker.pkg.dev/<project id>/<repository id>`. */
const ARTIFACT_REGISTRY_REPOSITORY =
  /^[a-z][a-z0-9-]*[a-z0-9]-docker\.pkg\.dev\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** A local registry and a path prefix: `host[:port]/<prefix>` (the reference docker stacks run `127.0.0.1:5000`). */
const LOCAL_REGISTRY_PREFIX =
  /^(localhost|[0-9]{1,3}(\.[0-9]{1,3}){3}|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)(:[0-9]{1,5})?\/[a-z0-9]+([._/-][a-z0-9]+)*$/;

const S3_PREFIX = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/([^\s]*\/)?$/;
const GS_PREFIX = /^gs:\/\/[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]\/([^\s]*\/)?$/;
const VOLUME_PREFIX = /^docker-volume:\/\/[a-zA-Z0-9][a-zA-Z0-9_.-]*\/([^\s]*\/)?$/;

const IMAGES_EXAMPLE: Record<ReleaseCloud, string> = {
  aws: 'an ECR repository URI, such as `123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn-prod`',
  gcp: 'an Artifact Registry repository, such as `europe-west1-docker.pkg.dev/churn-prod/serving`',
  docker: 'a local registry and prefix, such as `127.0.0.1:5000/churn-prod`',
};
const MODELS_EXAMPLE: Record<ReleaseCloud, string> = {
  aws: 'an S3 prefix ending in `/`, such as `s3://churn-prod-artifacts/releases/`',
  gcp: 'a GCS prefix ending in `/`, such as `gs://churn-prod-artifacts/releases/`',
  docker: 'a docker volume prefix ending in `/`, such as `docker-volume://churn-prod-models/releases/`',
};

/** The cloud an image repository of a store is on, or undefined when it is none of the three forms. */
export function cloudOfImages(images: string): ReleaseCloud | undefined {
  if (ECR_REPOSITORY.test(images)) return 'aws';
  if (ARTIFACT_REGISTRY_REPOSITORY.test(images)) return 'gcp';
  if (
    isRegistryHost(registryHost(images)) &&
    LOCAL_REGISTRY_PREFIX.test(images) &&
    !images.includes('.amazonaws.com') &&
    !images.includes('.pkg.dev/')
  )
    return 'docker';
  return undefined;
}

/** As docker reads a name: its first part is a registry host only with a `.` or a `:port`, or as `localhost`. */
function isRegistryHost(host: string): boolean {
  return host === 'localhost' || host.includes('.') || host.includes(':');
}

/** The cloud a model/artifact prefix or URI is on, by its scheme. */
export function cloudOfUri(uri: string): ReleaseCloud | undefined {
  if (uri.startsWith('s3://')) return 'aws';
  if (uri.startsWith('gs://')) return 'gcp';
  if (uri.startsWith('docker-volume://')) return 'docker';
  return undefined;
}

/** True when a URI is a valid store prefix (`s3://b/p/`, `gs://b/p/`, `docker-volume://v/p/`). */
export function isModelsPrefix(uri: string): boolean {
  return S3_PREFIX.test(uri) || GS_PREFIX.test(uri) || VOLUME_PREFIX.test(uri);
}

/** `s3://b/p/x` -> `{ root: 'b', path: 'p/x' }` (root = bucket or volume). */
export function splitUri(uri: string): { readonly root: string; readonly path: string } {
  const rest = uri.replace(/^[a-z0-9-]+:\/\//, '');
  const slash = rest.indexOf('/');
  return slash < 0 ? { root: rest, path: '' } : { root: rest.slice(0, slash), path: rest.slice(slash + 1) };
}

/**
 * The registry host of a repository or image reference (`127.0.0.1:5000/churn/serving` -> `127.0.0.1:5000`).
 */
export function registryHost(ref: string): string {
  return ref.split('/')[0];
}

/**
 * True for a registry crane reaches over plain http without `--insecure`: localhost, `*.localhost`, the loopback
 * addresses and RFC 1918 addresses (go-containerregistry `pkg/name/registry.go`, `Registry.Scheme()`).
 */
export function isPlainHttpByDefault(host: string): boolean {
  const name = host.replace(/:[0-9]{1,5}$/, '');
  if (name === 'localhost' || name.endsWith('.localhost') || name === '127.0.0.1') return true;
  const m = /^([0-9]{1,3})\.([0-9]{1,3})\.[0-9]{1,3}\.[0-9]{1,3}$/.exec(name);
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

/**
 * Checks a `mlops:releaseStore` value and returns it. `where` names where it came from (such as
 * `mlops:releaseStore of stack prod`); with `cloud`, both the repository and the prefix must be on that cloud (the
 * stack's own); without it, on the same cloud as each other. Throws a `ValidationError` (construct `ReleaseStore`)
 * listing every problem.
 */
export function validateStoreConfig(value: unknown, where: string, cloud?: ReleaseCloud): ReleaseStoreConfig {
  const problems = new ProblemList('ReleaseStore', where);
  const shape = 'give `{ images: <image repository>, models: <artifact prefix ending in /> }`';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.add(
      'mlops:releaseStore',
      `is ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value}, not an object`,
      shape,
    );
    problems.throwIfAny();
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record))
    if (key !== 'images' && key !== 'models')
      problems.add(
        key,
        'is not a field of a release store',
        'remove it; a release store has only `images` and `models`',
      );
  const { images, models } = record;
  let imagesCloud: ReleaseCloud | undefined;
  let modelsCloud: ReleaseCloud | undefined;
  const wanted = cloud
    ? IMAGES_EXAMPLE[cloud]
    : `${IMAGES_EXAMPLE.aws}, ${IMAGES_EXAMPLE.gcp} or ${IMAGES_EXAMPLE.docker}`;
  if (typeof images !== 'string' || images === '')
    problems.add(
      'images',
      images === undefined ? 'is missing' : `is ${JSON.stringify(images)}, not a repository`,
      `give ${wanted}`,
    );
  else if (/[@]|:[^/]*$/.test(images.replace(/^[^/]*\//, '')))
    problems.add(
      'images',
      `${JSON.stringify(images)} names a tag or digest`,
      `give the repository alone (${wanted}); the copy adds each image by digest`,
    );
  else if ((imagesCloud = cloudOfImages(images)) === undefined)
    problems.add(
      'images',
      `${JSON.stringify(images)} is not an ECR repository URI, an Artifact Registry repository or a local registry prefix`,
      `give ${wanted}`,
    );
  const wantedModels = cloud
    ? MODELS_EXAMPLE[cloud]
    : `${MODELS_EXAMPLE.aws}, ${MODELS_EXAMPLE.gcp} or ${MODELS_EXAMPLE.docker}`;
  if (typeof models !== 'string' || models === '')
    problems.add(
      'models',
      models === undefined ? 'is missing' : `is ${JSON.stringify(models)}, not a prefix`,
      `give ${wantedModels}`,
    );
  else if (!isModelsPrefix(models))
    problems.add(
      'models',
      `${JSON.stringify(models)} is not an s3://, gs:// or docker-volume:// prefix ending in /`,
      `give ${wantedModels}`,
    );
  else modelsCloud = cloudOfUri(models);
  if (cloud) {
    if (imagesCloud && imagesCloud !== cloud)
      problems.add(
        'images',
        `${JSON.stringify(images)} is on ${imagesCloud}, but the stack deploys to ${cloud}`,
        `give ${IMAGES_EXAMPLE[cloud]}: a stack deploys from its own cloud's registry`,
      );
    if (modelsCloud && modelsCloud !== cloud)
      problems.add(
        'models',
        `${JSON.stringify(models)} is on ${modelsCloud}, but the stack deploys to ${cloud}`,
        `give ${MODELS_EXAMPLE[cloud]}: a stack deploys from its own cloud's store`,
      );
  } else if (imagesCloud && modelsCloud && imagesCloud !== modelsCloud)
    problems.add(
      'models',
      `${JSON.stringify(models)} is on ${modelsCloud}, but images ${JSON.stringify(images)} is on ${imagesCloud}`,
      "give a repository and a prefix on the same cloud: the stack's own",
    );
  problems.throwIfAny();
  return { images: images as string, models: models as string };
}
