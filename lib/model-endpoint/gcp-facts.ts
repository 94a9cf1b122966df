/** GCP facts of a ModelEndpoint as plain data: revision names, the traffic split, the probes, model access. */
import { createHash } from 'node:crypto';
import * as pulumi from '@pulumi/pulumi';
import type { ResolvedModelEndpoint } from './resolve';

/** Cloud Run revision names must start with the service name. */
export function revisionName(spec: ResolvedModelEndpoint, version: string): string {
  return `${spec.endpointName}-${version}`;
}

/** The traffic split: all to the latest revision, or stable and new side by side during a rollout. */
export function trafficSplit(spec: ResolvedModelEndpoint) {
  if (!spec.stableRelease) return [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }];
  return [
    {
      type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION',
      revision: revisionName(spec, spec.stableRelease.version),
      percent: spec.stableRelease.trafficPercent,
      tag: 'stable',
    },
    {
      type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION',
      revision: revisionName(spec, spec.version),
      percent: 100 - spec.stableRelease.trafficPercent,
      tag: 'canary',
    },
  ];
}

/** Readiness and liveness follow the serving contract: `GET /ping` on the serving port. */
export function probes(spec: ResolvedModelEndpoint) {
  return {
    // Model loading can be slow: allow up to 4 minutes (24 x 10 s) before the revision fails.
    startupProbe: {
      httpGet: { path: '/ping', port: spec.port },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 24,
    },
    livenessProbe: {
      httpGet: { path: '/ping', port: spec.port },
      periodSeconds: 30,
      timeoutSeconds: 5,
      failureThreshold: 3,
    },
  };
}

/**
 * The bucket and object prefix of a `gs://bucket/path` URL; the prefix is undefined for the whole bucket. A path
 * names a directory (the serving template reads `<path>/model.json`), so its prefix ends in `/`: `runs/x/model`
 * must not also match `runs/x/model-old/`. A path naming a file (`.json`, `.tar.gz`) is kept as it is.
 */
export function gcsObjectPrefix(url: string | undefined): { bucket: string; prefix?: string } | undefined {
  const match = url ? /^gs:\/\/([^/]+)\/?(.*)$/.exec(url) : null;
  if (!match) return undefined;
  return { bucket: match[1], prefix: directoryPrefix(match[2]) };
}

/** An object prefix meant as a directory, ending in `/` (a file name is kept); undefined for none. */
function directoryPrefix(prefix: string | undefined): string | undefined {
  if (!prefix) return undefined;
  if (prefix.endsWith('/') || /\.(json|tar\.gz)$/.test(prefix)) return prefix;
  return `${prefix}/`;
}

/**
 * The id of a model folder's read grant: 8 hex digits of sha256 over `gs://<bucket>/<prefix>` (`<bucket>` is `?` when
 * it is known only at deploy time). It names the grant resource (`read-model-<id>`) and its condition's title
 * (`model-folder-<id>`), so a folder keeps one resource, unchanged, across deploys, and two folders never hold the
 * same binding: Google's provider identifies a conditional binding by role + condition title + description +
 * expression (the `BucketIAMMemberCondition` docs in @pulumi/gcp), and deleting one resource would remove a binding
 * another resource with the same condition still stands for.
 */
export function modelFolderId(bucket: string | undefined, prefix: string | undefined): string {
  return createHash('sha256')
    .update(`gs://${bucket ?? '?'}/${prefix ?? ''}`)
    .digest('hex')
    .slice(0, 8);
}

/**
 * An IAM condition that limits a bucket-level grant to objects under `prefix`: reading objects whose name
 * starts with it, and listing with a prefix inside it (`storage.objects.list` is checked on the bucket, with
 * the request's prefix in the `storage.googleapis.com/objectListPrefix` attribute). Cloud Storage names objects
 * `projects/_/buckets/<bucket>/objects/<name>` in conditions. A conditional grant needs uniform bucket-level
 * access on the bucket; MlPipeline's buckets have it. `id` (see `modelFolderId`) titles it.
 */
export function objectPrefixCondition(bucket: pulumi.Input<string>, prefix: string, id: string) {
  return {
    title: `model-folder-${id}`,
    description: pulumi.output(bucket).apply((b) => `Only objects under gs://${b}/${prefix}`),
    expression: pulumi
      .output(bucket)
      .apply(
        (b) =>
          `resource.name.startsWith(${JSON.stringify(`projects/_/buckets/${b}/objects/${prefix}`)}) || ` +
          `api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith(${JSON.stringify(prefix)})`,
      ),
  };
}

/** The serving container's environment: the user's, the model's URL and release label, and the capture settings. */
export function serviceEnv(
  spec: ResolvedModelEndpoint,
  captureTopicId: pulumi.Input<string> | undefined,
): { name: string; value: pulumi.Input<string> }[] {
  const primary = spec.models[0];
  return [
    ...Object.entries(spec.environment).map(([name, value]) => ({
      name,
      value: value as pulumi.Input<string>,
    })),
    ...(primary.modelDataUrl ? [{ name: 'MODEL_DATA_URL', value: primary.modelDataUrl }] : []),
    { name: 'MLOPS_MODEL_VERSION', value: spec.version },
    ...(captureTopicId !== undefined
      ? [
          { name: 'MLOPS_CAPTURE_TOPIC', value: captureTopicId },
          { name: 'MLOPS_CAPTURE_PERCENT', value: String(spec.capturePercent) },
        ]
      : []),
  ];
}

/**
 * Whether idle instances stop paying for CPU. CPU stays allocated between requests for a GPU service (Cloud Run
 * requires it) and while capturing (a capture published after the response must not be starved).
 */
export function cpuIdle(spec: ResolvedModelEndpoint): boolean {
  return spec.gcp.gpuType === undefined && spec.capturePercent === 0;
}
