/**
 * The copy plan of a promotion (release-design decision 9): what to run so the target stack can deploy a release
 * from its OWN registry and bucket. Pure: it reads nothing and runs nothing; `mlops promote` prints it and writes it
 * as JSON, and CI runs its steps (each one argv of a standard tool) before `pulumi up`.
 *
 * - Images move by digest, never by tag: `crane copy <src>@sha256:D <target repo>:release-<version>` keeps the
 *   digest (crane copies the manifest as it is), tags the copy (the pipelines' ECR repositories expire untagged
 *   images and their tags are IMMUTABLE), and a re-run is a no-op: crane HEADs the tag first and writes nothing when
 *   it already names the same digest. `crane digest <target repo>@sha256:D` then proves the copy.
 * - Models move with their tree digest checked at every hop: fetched, `mlops digest --expect`, repacked where the
 *   format differs (SageMaker needs `model.tar.gz` with the model files at its root; gcp and docker serve a
 *   directory), uploaded to `<store.models><version>/`, fetched back and checked again.
 * - The drift baseline directory, when the release has one, goes along to `<store.models><version>/baseline/`.
 */
import { ProblemList, ValidationError } from '../core/validation';
import {
  cloudOfImages,
  cloudOfUri,
  isPlainHttpByDefault,
  registryHost,
  splitUri,
  validateStoreConfig,
} from './copy-plan-store';
import type { Release, ReleaseCloud, ReleaseModel, ReleaseStoreConfig } from './release-types';

export { validateStoreConfig } from './copy-plan-store';

/** The tools a step may run. */
export type CopyTool = 'crane' | 'aws' | 'gcloud' | 'docker' | 'tar' | 'mlops' | 'mkdir' | 'rm';

/** One command of a plan. */
export interface CopyStep {
  /** Unique in the plan, such as `image-copy`. */
  readonly id: string;
  /** What the step does, for people. */
  readonly description: string;
  /** The program, `argv[0]`. */
  readonly tool: CopyTool;
  /** The whole command line, program first; run it without a shell. */
  readonly argv: string[];
  /**
   * When set, the step passes only if its standard output, trimmed, equals this (a check whose tool prints rather
   * than fails, such as `crane digest`). Runners must compare; `formatPlan` writes it as a `test` line.
   * Default: none (the exit status decides).
   */
  readonly expectStdout?: string;
}

export interface CopyPlan {
  readonly schemaVersion: 1;
  readonly from: { readonly stack: string; readonly cloud: ReleaseCloud };
  readonly to: { readonly stack: string; readonly cloud: ReleaseCloud };
  /** In order; empty when the target deploys from where the release already is. */
  readonly steps: CopyStep[];
  /** The image the target release names (by digest). Absent when the release names none (docker default image). */
  readonly image?: string;
  /** The model the target release names. */
  readonly model: ReleaseModel;
  /** The baseline directory the target release names, when the release has one. */
  readonly baseline?: string;
}

export interface CopyPlanInput {
  readonly release: Release;
  readonly from: {
    readonly stack: string;
    readonly cloud: ReleaseCloud;
    readonly store?: ReleaseStoreConfig;
  };
  readonly to: { readonly stack: string; readonly cloud: ReleaseCloud; readonly store?: ReleaseStoreConfig };
  /**
   * The local scratch folder the steps use (relative to where they run, or absolute); the plan empties it first and
   * removes it last. Default: `.mlops/copy/<from>-to-<to>/<version>`.
   */
  readonly workDir?: string;
}

const IMAGE_BY_DIGEST = /^([a-z0-9][^@\s]*)@(sha256:[0-9a-f]{64})$/;
const SHA256 = /^sha256:[0-9a-f]{64}$/;
const VERSION = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Where a store keeps one release: `<models><version>/`. */
function releasePrefix(store: ReleaseStoreConfig, version: string): string {
  return `${store.models}${version}/`;
}

/** The repository an image goes to in a store: the ECR repository itself; under AR and local registries, its name. */
function targetRepository(store: ReleaseStoreConfig, cloud: ReleaseCloud, sourceRepo: string): string {
  if (cloud === 'aws') return store.images;
  const name = sourceRepo.split('/').pop() as string;
  return `${store.images}/${name}`;
}

/** The model URI a store gives a release: `model.tar.gz` on aws (SageMaker's format), a `model/` folder elsewhere. */
function targetModelUri(store: ReleaseStoreConfig, cloud: ReleaseCloud, version: string): string {
  return cloud === 'aws'
    ? `${releasePrefix(store, version)}model.tar.gz`
    : `${releasePrefix(store, version)}model/`;
}

function sameStore(a: ReleaseStoreConfig | undefined, b: ReleaseStoreConfig | undefined): boolean {
  return a !== undefined && b !== undefined && a.images === b.images && a.models === b.models;
}

/** The release already lives in the store: its image in the store's repository, its files under the prefix. */
function releaseInStore(release: Release, store: ReleaseStoreConfig, cloud: ReleaseCloud): boolean {
  const repo = release.image ? IMAGE_BY_DIGEST.exec(release.image)?.[1] : undefined;
  const imageIn =
    release.image === undefined ||
    (repo !== undefined && (cloud === 'aws' ? repo === store.images : repo.startsWith(`${store.images}/`)));
  const artifact = release.model.artifact;
  const modelIn =
    release.model.registry === undefined && artifact !== undefined && artifact.uri.startsWith(store.models);
  const baselineIn = release.baseline === undefined || release.baseline.startsWith(store.models);
  return imageIn && modelIn && baselineIn;
}

/** A stack and the cloud it runs on, as the release checks below name it. */
interface StackOnCloud {
  readonly stack: string;
  readonly cloud: ReleaseCloud;
}

/** An image by digest (`repo` without tag) must be in the stack's cloud's registry (docker pulls from any). */
function imageCloudProblem(
  problems: ProblemList,
  at: string,
  image: string,
  repo: string,
  on: StackOnCloud,
): void {
  if (cloudOfImages(repo) !== undefined && cloudOfImages(repo) !== on.cloud && on.cloud !== 'docker')
    problems.add(
      at,
      `${JSON.stringify(image)} is not in a ${on.cloud} registry, but stack ${on.stack} runs on ${on.cloud}`,
      `give the image stack ${on.stack} serves`,
    );
}

/** A model artifact URI must be absolute, on the stack's cloud, a `.tar.gz` on aws and a folder elsewhere. */
function artifactUriProblem(problems: ProblemList, at: string, uri: string, on: StackOnCloud): void {
  const uriCloud = cloudOfUri(uri);
  if (uriCloud === undefined)
    problems.add(
      at,
      `${JSON.stringify(uri)} is not an absolute s3://, gs:// or docker-volume:// URI (a path relative to the pipeline's store, from an older release)`,
      'give the absolute URI of the model',
    );
  else if (uriCloud !== on.cloud)
    problems.add(
      at,
      `${JSON.stringify(uri)} is on ${uriCloud}, but stack ${on.stack} runs on ${on.cloud}`,
      `give the model stack ${on.stack} serves`,
    );
  else if (on.cloud === 'aws' && !uri.endsWith('.tar.gz'))
    problems.add(
      at,
      `${JSON.stringify(uri)} is not a .tar.gz`,
      'give the S3 URI of the model.tar.gz SageMaker serves',
    );
  else if (on.cloud !== 'aws' && !uri.endsWith('/'))
    problems.add(at, `${JSON.stringify(uri)} is not a folder`, 'give the model folder, ending in /');
}

/** A baseline must be an absolute folder URI on the stack's cloud. */
function baselineProblem(
  problems: ProblemList,
  at: string,
  baseline: string | undefined,
  on: StackOnCloud,
): void {
  if (baseline !== undefined) {
    const c = cloudOfUri(baseline);
    if (c !== on.cloud || !baseline.endsWith('/'))
      problems.add(
        at,
        `${JSON.stringify(baseline)} is not an absolute ${on.cloud} folder URI ending in /`,
        `give the absolute URI of the baseline folder in stack ${on.stack}'s store`,
      );
  }
}

/**
 * Whether stack `on` can deploy `release` from where it is: its model artifact, image and baseline are on the
 * stack's cloud, in that cloud's model format (the checks a copy plan makes of its source release). Adds each
 * problem under `prefix` (such as `model.artifact.uri`); used by `mlops release set`.
 */
export function checkReleaseOnCloud(
  problems: ProblemList,
  release: Release,
  on: StackOnCloud,
  prefix = '',
): void {
  if (release.image !== undefined) {
    const m = IMAGE_BY_DIGEST.exec(release.image);
    if (m)
      imageCloudProblem(
        problems,
        `${prefix}image`,
        release.image,
        m[1].replace(/(\/[^/:]+):[^/]*$/, '$1'),
        on,
      );
  }
  if (release.model.artifact)
    artifactUriProblem(problems, `${prefix}model.artifact.uri`, release.model.artifact.uri, on);
  baselineProblem(problems, `${prefix}baseline`, release.baseline, on);
}

/** A docker container name from parts: letters, digits, `_`, `.`, `-`. */
function containerName(...parts: string[]): string {
  return parts.join('-').replace(/[^a-zA-Z0-9_.-]+/g, '-');
}

/**
 * Plans the copy of `release` from one stack's stores into another's. Throws a `ValidationError` (construct
 * `CopyPlan`) when the release cannot be copied: a registry-only aws model, an artifact without its `sha256`, an
 * image not by digest, a target without `mlops:releaseStore`, a store on the wrong cloud.
 */
export function planCopy(input: CopyPlanInput): CopyPlan {
  const { release, from, to } = input;
  const base = {
    schemaVersion: 1 as const,
    from: { stack: from.stack, cloud: from.cloud },
    to: { stack: to.stack, cloud: to.cloud },
  };
  const unchanged: CopyPlan = {
    ...base,
    steps: [],
    ...(release.image !== undefined ? { image: release.image } : {}),
    model: release.model,
    ...(release.baseline !== undefined ? { baseline: release.baseline } : {}),
  };
  if (from.cloud === to.cloud) {
    // Same cloud: the target deploys from the source's stores unless it has its own (another account or project).
    if (
      to.store === undefined ||
      sameStore(from.store, to.store) ||
      releaseInStore(release, to.store, to.cloud)
    )
      return unchanged;
  }

  const problems = new ProblemList(
    'CopyPlan',
    `copy of release ${release.version} from stack ${from.stack} to stack ${to.stack}`,
  );
  const storeKey = `mlops:releaseStore of stack ${to.stack}`;
  let store: ReleaseStoreConfig | undefined;
  if (to.store === undefined)
    problems.add(
      'to.store',
      `stack ${to.stack} (${to.cloud}) has no mlops:releaseStore, and a release from ${from.cloud} cannot be served from another cloud's stores`,
      `set \`mlops:releaseStore: { images: <its ${to.cloud} image repository>, models: <its ${to.cloud} artifact prefix ending in /> }\` in stack ${to.stack}'s config`,
    );
  else {
    try {
      store = validateStoreConfig(to.store, storeKey, to.cloud);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      problems.addAll('to.store', err.problems);
    }
  }
  if (!VERSION.test(release.version))
    problems.add(
      'release.version',
      `${JSON.stringify(release.version)} is not lowercase letters, digits and hyphens`,
      "give a version such as `v7`: it names the copy's tag and folder",
    );

  // The image: by digest, from a registry the copy can read.
  let image: { repo: string; digest: string } | undefined;
  if (release.image === undefined)
    problems.add(
      'release.image',
      `is missing; a copy to another store needs the serving image by digest${from.cloud === 'docker' ? ' (on docker the default image is a local build, which no other registry can read)' : ''}`,
      from.cloud === 'docker'
        ? 'push the serving image to the local registry (`docker push 127.0.0.1:5000/<prefix>/<name>:<tag>`), then set `image: 127.0.0.1:5000/<prefix>/<name>@sha256:<digest>` (`crane digest` prints it) in the source release'
        : 'set `image: <repository>@sha256:<64 hex>` in the source release',
    );
  else {
    const m = IMAGE_BY_DIGEST.exec(release.image);
    if (!m)
      problems.add(
        'release.image',
        `${JSON.stringify(release.image)} is not \`<repository>@sha256:<64 hex>\``,
        'give the image by digest: a tag can move, a digest cannot (`crane digest <image>` prints it)',
      );
    else {
      // A `repo:tag@sha256:` reference copies by its digest; the tag is dropped.
      const repo = m[1].replace(/(\/[^/:]+):[^/]*$/, '$1');
      image = { repo, digest: m[2] };
      const host = registryHost(repo);
      if ((from.cloud === 'docker') !== (to.cloud === 'docker')) {
        const local = from.cloud === 'docker' ? host : store ? registryHost(store.images) : undefined;
        if (local !== undefined && !isPlainHttpByDefault(local))
          problems.add(
            from.cloud === 'docker' ? 'release.image' : 'to.store.images',
            `the local registry ${local} is not localhost, a loopback or a private (RFC 1918) address, so crane would need --insecure, which would also make it speak plain http to the ${from.cloud === 'docker' ? to.cloud : from.cloud} registry in the same copy`,
            'run the local registry on 127.0.0.1 or localhost (the reference docker stacks use 127.0.0.1:5000)',
          );
      }
      imageCloudProblem(problems, 'release.image', release.image, repo, from);
    }
  }

  // The model: an artifact with its tree digest, in the source cloud's format.
  const artifact = release.model.artifact;
  if (artifact === undefined)
    problems.add(
      'release.model.artifact',
      release.model.registry
        ? `is missing: the release names only SageMaker model package version ${release.model.registry.version}, whose files live in stack ${from.stack}'s account and cannot be copied from a registry reference`
        : 'is missing',
      `add \`model.artifact: { uri, sha256 }\` to the source release: \`aws sagemaker describe-model-package --model-package-name <group>/${release.model.registry?.version ?? '<version>'} --query 'InferenceSpecification.Containers[0].ModelDataUrl'\` prints the uri, and \`mlops digest <downloaded model.tar.gz>\` the sha256`,
    );
  else {
    if (artifact.sha256 === undefined || !SHA256.test(artifact.sha256))
      problems.add(
        'release.model.artifact.sha256',
        artifact.sha256 === undefined
          ? 'is missing (a release written by an older tool), so the copy could not be verified'
          : `${JSON.stringify(artifact.sha256)} is not \`sha256:<64 hex>\``,
        `download the model (${artifact.uri}) and set \`model.artifact.sha256\` to what \`mlops digest <model dir or model.tar.gz>\` prints`,
      );
    artifactUriProblem(problems, 'release.model.artifact.uri', artifact.uri, from);
  }
  baselineProblem(problems, 'release.baseline', release.baseline, from);
  problems.throwIfAny();

  // Everything is known now.
  const target = store as ReleaseStoreConfig;
  const { repo, digest } = image as { repo: string; digest: string };
  const sha = (artifact as { uri: string; sha256: string }).sha256;
  const version = release.version;
  const work = input.workDir ?? `.mlops/copy/${from.stack}-to-${to.stack}/${version}`;
  const prefix = releasePrefix(target, version);
  const targetRepo = targetRepository(target, to.cloud, repo);
  const targetImage = `${targetRepo}@${digest}`;
  const modelUri = targetModelUri(target, to.cloud, version);
  const baselineUri = release.baseline !== undefined ? `${prefix}baseline/` : undefined;
  // crane speaks plain http to localhost, loopback and RFC 1918 registries by itself (go-containerregistry
  // `Registry.Scheme()`); `--insecure` only for another local registry, and only between two docker stacks.
  const insecure =
    from.cloud === 'docker' &&
    to.cloud === 'docker' &&
    !(isPlainHttpByDefault(registryHost(repo)) && isPlainHttpByDefault(registryHost(targetRepo)))
      ? ['--insecure']
      : [];
  const steps: CopyStep[] = [];
  const step = (id: string, tool: CopyTool, description: string, rest: string[], expectStdout?: string) =>
    steps.push({ id, description, tool, argv: [tool, ...rest], ...(expectStdout ? { expectStdout } : {}) });

  // Local layout. On a docker target the files are staged as the volume will hold them, then copied in one go.
  const staged = to.cloud === 'docker' ? `${work}/volume/${splitUri(prefix).path}` : `${work}/`;
  const modelDir = `${staged}model`;
  const baselineDir = `${staged}baseline`;
  const tarball = `${work}/model.tar.gz`;

  step('workdir-clean', 'rm', `Empty the scratch folder ${work}`, ['-rf', work]);
  // Every local folder a step writes into exists first (`docker cp <src>/. <dir>` and `tar -C` need it).
  const folders = [
    ...(from.cloud !== 'aws' || to.cloud !== 'aws' ? [modelDir] : [work]),
    ...(release.baseline !== undefined ? [baselineDir] : []),
    to.cloud === 'aws' ? `${work}/check` : `${work}/check/model`,
  ];
  step('workdir', 'mkdir', 'Create the scratch folders', ['-p', ...folders]);

  // 1. The image.
  step(
    'image-copy',
    'crane',
    `Copy the serving image by digest into ${to.stack}'s registry, tagged release-${version}`,
    ['copy', ...insecure, `${repo}@${digest}`, `${targetRepo}:release-${version}`],
  );
  step(
    'image-verify',
    'crane',
    `Check that ${to.stack}'s registry holds the image under the same digest`,
    ['digest', ...insecure, targetImage],
    digest,
  );

  // 2. Fetch the model (and baseline) from the source.
  const src = artifact as { uri: string };
  const fetchedDir = from.cloud === 'aws' ? undefined : modelDir;
  if (from.cloud === 'aws') {
    step('model-fetch', 'aws', `Download the model from ${from.stack}`, ['s3', 'cp', src.uri, tarball]);
    step('model-fetch-verify', 'mlops', "Check the downloaded model against the release's digest", [
      'digest',
      tarball,
      '--expect',
      sha,
    ]);
    if (release.baseline)
      step('baseline-fetch', 'aws', `Download the drift baseline from ${from.stack}`, [
        's3',
        'cp',
        '--recursive',
        release.baseline,
        baselineDir,
      ]);
  } else if (from.cloud === 'gcp') {
    step('model-fetch', 'gcloud', `Download the model from ${from.stack}`, [
      'storage',
      'rsync',
      src.uri,
      modelDir,
      '--recursive',
    ]);
    step('model-fetch-verify', 'mlops', "Check the downloaded model against the release's digest", [
      'digest',
      modelDir,
      '--expect',
      sha,
    ]);
    if (release.baseline)
      step('baseline-fetch', 'gcloud', `Download the drift baseline from ${from.stack}`, [
        'storage',
        'rsync',
        release.baseline,
        baselineDir,
        '--recursive',
      ]);
  } else {
    // docker: the files sit in a named volume; `docker cp` reads it through a created (never started) container and
    // writes them as the user running it. The container uses the release's own image (in the local registry).
    const reader = containerName('mlops-copy', to.stack, version, 'read');
    const volumes = [
      ...new Set([src.uri, ...(release.baseline ? [release.baseline] : [])].map((u) => splitUri(u).root)),
    ];
    step('source-reader-clean', 'docker', 'Remove a reader container left by an interrupted run', [
      'rm',
      '-f',
      reader,
    ]);
    step(
      'source-reader',
      'docker',
      `Create a container (not started) with ${from.stack}'s volumes mounted read-only`,
      [
        'create',
        '--name',
        reader,
        ...volumes.flatMap((v) => ['-v', `${v}:/from/${v}:ro`]),
        `${repo}@${digest}`,
      ],
    );
    const inside = (uri: string) => `${reader}:/from/${splitUri(uri).root}/${splitUri(uri).path}.`;
    step('model-fetch', 'docker', `Copy the model out of ${from.stack}'s volume`, [
      'cp',
      inside(src.uri),
      modelDir,
    ]);
    if (release.baseline)
      step('baseline-fetch', 'docker', `Copy the drift baseline out of ${from.stack}'s volume`, [
        'cp',
        inside(release.baseline),
        baselineDir,
      ]);
    step('source-reader-remove', 'docker', 'Remove the reader container', ['rm', '-f', reader]);
    step('model-fetch-verify', 'mlops', "Check the copied model against the release's digest", [
      'digest',
      modelDir,
      '--expect',
      sha,
    ]);
  }

  // 3. Repack where the formats differ: SageMaker wants model.tar.gz with the files at its root; gcp/docker a folder.
  if (to.cloud === 'aws' && fetchedDir !== undefined) {
    step(
      'model-repack',
      'tar',
      'Pack the model folder as model.tar.gz, its files at the archive root (SageMaker unpacks it into /opt/ml/model)',
      ['-czf', tarball, '-C', fetchedDir, '.'],
    );
    step('model-repack-verify', 'mlops', "Check the packed model against the release's digest", [
      'digest',
      tarball,
      '--expect',
      sha,
    ]);
  } else if (to.cloud !== 'aws' && from.cloud === 'aws') {
    step('model-repack', 'tar', `Unpack model.tar.gz into a folder, as ${to.cloud} serves it`, [
      '-xzf',
      tarball,
      '-C',
      modelDir,
      '--no-same-owner',
    ]);
    step('model-repack-verify', 'mlops', "Check the unpacked model against the release's digest", [
      'digest',
      modelDir,
      '--expect',
      sha,
    ]);
  }

  // 4. Upload into the target's store, then fetch back and verify.
  if (to.cloud === 'aws') {
    step('model-upload', 'aws', `Upload model.tar.gz to ${to.stack}'s bucket`, [
      's3',
      'cp',
      tarball,
      modelUri,
    ]);
    if (baselineUri)
      step('baseline-upload', 'aws', `Upload the drift baseline to ${to.stack}'s bucket`, [
        's3',
        'cp',
        '--recursive',
        baselineDir,
        baselineUri,
      ]);
    step('model-check-fetch', 'aws', 'Download the uploaded model again', [
      's3',
      'cp',
      modelUri,
      `${work}/check/model.tar.gz`,
    ]);
    step('model-check', 'mlops', "Check the uploaded model against the release's digest", [
      'digest',
      `${work}/check/model.tar.gz`,
      '--expect',
      sha,
    ]);
  } else if (to.cloud === 'gcp') {
    step('model-upload', 'gcloud', `Upload the model folder to ${to.stack}'s bucket`, [
      'storage',
      'rsync',
      modelDir,
      modelUri,
      '--recursive',
      '--delete-unmatched-destination-objects',
    ]);
    if (baselineUri)
      step('baseline-upload', 'gcloud', `Upload the drift baseline to ${to.stack}'s bucket`, [
        'storage',
        'rsync',
        baselineDir,
        baselineUri,
        '--recursive',
        '--delete-unmatched-destination-objects',
      ]);
    step('model-check-fetch', 'gcloud', 'Download the uploaded model again', [
      'storage',
      'rsync',
      modelUri,
      `${work}/check/model`,
      '--recursive',
    ]);
    step('model-check', 'mlops', "Check the uploaded model against the release's digest", [
      'digest',
      `${work}/check/model`,
      '--expect',
      sha,
    ]);
  } else {
    const volume = splitUri(target.models).root;
    const writer = containerName('mlops-copy', to.stack, version, 'write');
    const checker = containerName('mlops-copy', to.stack, version, 'check');
    step('target-writer-clean', 'docker', 'Remove a writer container left by an interrupted run', [
      'rm',
      '-f',
      writer,
    ]);
    step(
      'target-writer',
      'docker',
      `Create a container (not started) with ${to.stack}'s models volume mounted`,
      ['create', '--name', writer, '-v', `${volume}:/to`, targetImage],
    );
    step('model-upload', 'docker', `Copy the staged release folder into ${to.stack}'s volume ${volume}`, [
      'cp',
      `${work}/volume/.`,
      `${writer}:/to`,
    ]);
    step('target-writer-remove', 'docker', 'Remove the writer container', ['rm', '-f', writer]);
    step('target-checker-clean', 'docker', 'Remove a checker container left by an interrupted run', [
      'rm',
      '-f',
      checker,
    ]);
    step(
      'target-checker',
      'docker',
      `Create a container (not started) with ${to.stack}'s models volume mounted read-only`,
      ['create', '--name', checker, '-v', `${volume}:/check:ro`, targetImage],
    );
    step('model-check-fetch', 'docker', 'Copy the uploaded model out again', [
      'cp',
      `${checker}:/check/${splitUri(modelUri).path}.`,
      `${work}/check/model`,
    ]);
    step('target-checker-remove', 'docker', 'Remove the checker container', ['rm', '-f', checker]);
    step('model-check', 'mlops', "Check the uploaded model against the release's digest", [
      'digest',
      `${work}/check/model`,
      '--expect',
      sha,
    ]);
  }
  step('workdir-remove', 'rm', 'Remove the scratch folder', ['-rf', work]);

  return {
    ...base,
    steps,
    image: targetImage,
    model: { artifact: { uri: modelUri, sha256: sha } },
    ...(baselineUri ? { baseline: baselineUri } : {}),
  };
}

/** One shell word: left bare when it holds only safe characters, else in single quotes. */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The step as one POSIX shell line. */
export function stepCommandLine(step: CopyStep): string {
  const line = step.argv.map(shellQuote).join(' ');
  return step.expectStdout === undefined ? line : `test "$(${line})" = ${shellQuote(step.expectStdout)}`;
}

/** The plan for people: each step's purpose and its copy-pasteable shell line, then what the target release names. */
export function formatPlan(plan: CopyPlan): string {
  const head = `Copy plan: ${plan.from.stack} (${plan.from.cloud}) -> ${plan.to.stack} (${plan.to.cloud})`;
  const lines = [head];
  if (plan.steps.length === 0)
    lines.push(
      `  no copy: stack ${plan.to.stack} deploys the release from where it is (same cloud and stores)`,
    );
  else {
    lines.push('  Run in order, stopping at the first failure (set -e); every step can be run again:');
    lines.push("  (mlops is this package's CLI: put node_modules/.bin on PATH or run it as npx mlops)");
    plan.steps.forEach((s, i) => {
      lines.push(`  # ${i + 1}. ${s.id}: ${s.description}`);
      lines.push(`  ${stepCommandLine(s)}`);
    });
  }
  lines.push(`  Target release: image ${plan.image ?? "(the endpoint's image arg)"}`);
  const m = plan.model;
  if (m.artifact)
    lines.push(
      `                  model ${m.artifact.uri}${m.artifact.sha256 ? ` (${m.artifact.sha256})` : ''}`,
    );
  if (m.registry)
    lines.push(
      `                  model package version ${m.registry.version}${m.registry.group ? ` of ${m.registry.group}` : ''}`,
    );
  if (plan.baseline) lines.push(`                  baseline ${plan.baseline}`);
  return lines.join('\n');
}
