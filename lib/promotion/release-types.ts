/**
 * The release: what a stack serves, written by `mlops promote` / `mlops release set` into the stack's config
 * under `mlops:release`, and read by `ModelEndpoint` (what to serve) and `MonitoringStack` (the drift baseline).
 * The schema is versioned: `schemaVersion` 1 is this shape; a release without it was written by hand or by an
 * older tool (schema 0, see `LegacyRelease`) and is upgraded when read.
 */

/** The schema version this library writes. */
export const RELEASE_SCHEMA_VERSION = 1;

/** The stack config key the release lives under. */
export const RELEASE_CONFIG_KEY = 'mlops:release';
/** gcp and docker canaries: the release serving beside `mlops:release` until the rollout finishes. */
export const STABLE_RELEASE_CONFIG_KEY = 'mlops:stableRelease';
/** Where promotion copies releases into this stack: its own registry and bucket (`ReleaseStoreConfig`). */
export const RELEASE_STORE_CONFIG_KEY = 'mlops:releaseStore';

export type ReleaseCloud = 'aws' | 'gcp' | 'docker';

/** A version registered in a SageMaker model package group (aws). */
export interface RegistryModelRef {
  /** The model package group. Default: the serving pipeline's group (schema 0 releases never name it). */
  readonly group?: string;
  /** The version number SageMaker gave the registered model (1, 2, ...). Required. */
  readonly version: number;
}

/** A model artifact at a URI, with the digest of its files. */
export interface ArtifactRef {
  /**
   * `s3://bucket/key/model.tar.gz` (aws: SageMaker's packed format), `gs://bucket/dir/` (gcp: a directory),
   * `docker-volume://volume/dir/` (docker: a directory in a named volume). Schema 0 releases give a path relative
   * to the serving pipeline's artifact store instead (`runs/<id>/model/`, `<group>/<run id>/`). Required.
   */
  readonly uri: string;
  /**
   * `sha256:<64 hex>`: the tree digest of the model's files (`mlops digest <dir>`), the same whether the files
   * are packed in a `model.tar.gz` or lie in a directory, so a repacked copy keeps it. Required in schema 1;
   * absent only in an upgraded schema 0 release (which then cannot be copied to another store).
   */
  readonly sha256?: string;
}

/** What model a release serves: a registry version, an artifact, or both (a registry version with its artifact). */
export interface ReleaseModel {
  readonly registry?: RegistryModelRef;
  readonly artifact?: ArtifactRef;
}

/** Who approved a release, and when. */
export interface ReleaseApproval {
  /** A person or CI identity, such as `alice@example.com` or `github:octo/churn#1234`. Required. */
  readonly by: string;
  /** ISO 8601 UTC time, such as `2026-12-02T10:00:00Z`. Required. */
  readonly at: string;
}

/** Where a release was promoted from. */
export interface ReleaseOrigin {
  /** The source stack's name. Required. */
  readonly stack: string;
  /** The source stack's cloud. Required. */
  readonly cloud: ReleaseCloud;
  /** The image as the source served it (by digest). Default: none (same as the release's). */
  readonly image?: string;
  /** The model as the source served it. Default: none (same as the release's). */
  readonly model?: ReleaseModel;
  /** ISO 8601 UTC time of the promotion. Required. */
  readonly at: string;
}

/** A release, schema 1. */
export interface Release {
  readonly schemaVersion: 1;
  /** Release label, such as `v3`: the ModelEndpoint `version` rules apply. Required. */
  readonly version: string;
  /** The model served. Required. */
  readonly model: ReleaseModel;
  /**
   * Serving image by digest (`repo@sha256:<64 hex>`). Required on aws and gcp; on docker the default is the image
   * the ModelEndpoint's `image` arg names (the reference program builds `templates/serving`).
   */
  readonly image?: string;
  /** The metrics the model was evaluated with, such as `{ auc: 0.91 }`. Default: none. */
  readonly metrics?: Readonly<Record<string, number>>;
  /**
   * The drift baseline monitoring compares against: `s3://...`, `gs://...` or `docker-volume://...` directory
   * URI (schema 0: a path relative to the serving pipeline's artifact store). Default: none (no drift check).
   */
  readonly baseline?: string;
  /** Who approved it. Default: none. */
  readonly approval?: ReleaseApproval;
  /** Where it was promoted from. Default: none (released here first). */
  readonly promotedFrom?: ReleaseOrigin;
  /** ISO 8601 UTC time the release was written into this stack: the start of its soak. Default: none. */
  readonly releasedAt?: string;
}

/**
 * Schema 0: the hand-written `release` block of earlier reference stacks. Read and upgraded, never written:
 * `modelPackageVersion` -> `model.registry.version`; `modelPath` -> `model.artifact.uri` (relative);
 * `baselinePath` -> `baseline` (relative).
 */
export interface LegacyRelease {
  readonly version: string;
  readonly image?: string;
  readonly modelPackageVersion?: number;
  readonly modelPath?: string;
  readonly baselinePath?: string;
}

/** `mlops:releaseStore`: where promotion copies a release into this stack, so the stack deploys from its own stores. */
export interface ReleaseStoreConfig {
  /**
   * The image repository: an ECR repository URI (`<account>.dkr.ecr.<region>.amazonaws.com/<repo>`, images go in it
   * by digest), an Artifact Registry repository (`<location>-docker.pkg.dev/<project>/<repo>`, each image keeps its
   * name under it) or a local registry (`127.0.0.1:5000/<prefix>`). Required.
   */
  readonly images: string;
  /** The artifact prefix: `s3://bucket/prefix/`, `gs://bucket/prefix/` or `docker-volume://volume/prefix/`. Required. */
  readonly models: string;
}
