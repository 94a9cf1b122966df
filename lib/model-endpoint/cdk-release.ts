/**
 * Where a CDK ModelEndpoint finds its release when the program gives none: CDK context `mlops:release` (an object
 * in `cdk.json`, or the JSON string `cdk synth -c mlops:release='{...}'` passes), else context `mlops:releaseFile`:
 * the path of a YAML or JSON file holding a release, or of a Pulumi stack file whose `config` has `mlops:release`
 * (so `-c mlops:releaseFile=Pulumi.prod.yaml` serves exactly what `pulumi up` on that stack serves). Only reads and
 * parses the text: the release itself is validated by the shared resolver, as on Pulumi.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Construct } from 'constructs';
import { parse } from 'yaml';
import { ProblemList } from '../core/validation';
import { RELEASE_CONFIG_KEY, STABLE_RELEASE_CONFIG_KEY } from '../promotion/release-types';

/** CDK context key naming a file that holds the release (or a Pulumi stack file with `mlops:release`). */
export const RELEASE_FILE_CONTEXT_KEY = 'mlops:releaseFile';

/** A Pulumi stack file's name: `Pulumi.<stack>.yaml` (or `.yml`, `.json`). */
const PULUMI_STACK_FILE = /^Pulumi\.(.+)\.(?:yaml|yml|json)$/;

/** A raw release value and where it came from (the `ValidationError`'s resource name when it is wrong). */
export interface ReleaseSource {
  /** The value as written: an object to validate, or undefined when the source holds none. */
  readonly value: unknown;
  /** Such as `CDK context mlops:release` or `mlops:release in Pulumi.prod.yaml`. */
  readonly source: string;
}

/** What CDK context says a stack serves. */
export interface ContextReleases {
  /** The release; undefined when neither context key is set or the file holds none. */
  readonly release?: ReleaseSource;
  /** `mlops:stableRelease` (gcp/docker canaries; CDK deploys to aws, where it is not used). */
  readonly stableRelease?: ReleaseSource;
  /** Where the program looked, for the awaiting-release message: `CDK context mlops:release` or the file. */
  readonly lookedIn: string;
  /** The Pulumi stack a stack file `Pulumi.<stack>.yaml` belongs to: the awaiting message's promotion target. */
  readonly stack?: string;
}

/**
 * The release (and stable release) CDK context names for `scope`. Throws a `ValidationError` of `construct` `id`
 * when a context value is not JSON, or the file is missing or neither YAML nor JSON.
 */
export function releaseFromContext(scope: Construct, construct: string, id: string): ContextReleases {
  const problems = new ProblemList(construct, id);
  const release = contextValue(scope, RELEASE_CONFIG_KEY, problems);
  const stable = contextValue(scope, STABLE_RELEASE_CONFIG_KEY, problems);
  const fileName: unknown = scope.node.tryGetContext(RELEASE_FILE_CONTEXT_KEY);
  let file: { release?: ReleaseSource; stableRelease?: ReleaseSource } = {};
  if (fileName !== undefined && (release === undefined || stable === undefined)) {
    if (typeof fileName !== 'string' || fileName === '') {
      problems.add(
        `context ${RELEASE_FILE_CONTEXT_KEY}`,
        `is ${JSON.stringify(fileName)}, not a file path`,
        `give the path of a release file or a Pulumi stack file: -c ${RELEASE_FILE_CONTEXT_KEY}=Pulumi.prod.yaml`,
      );
    } else {
      file = releaseFile(fileName, problems);
    }
  }
  problems.throwIfAny();
  const lookedIn =
    typeof fileName === 'string' && fileName !== ''
      ? `CDK context ${RELEASE_CONFIG_KEY} or ${path.basename(fileName)}`
      : `CDK context ${RELEASE_CONFIG_KEY}`;
  const stack =
    typeof fileName === 'string' ? PULUMI_STACK_FILE.exec(path.basename(fileName))?.[1] : undefined;
  return {
    release: release ?? file.release,
    stableRelease: stable ?? file.stableRelease,
    lookedIn,
    ...(stack === undefined ? {} : { stack }),
  };
}

/** A context key's value: an object as is, a string parsed as JSON. */
function contextValue(scope: Construct, key: string, problems: ProblemList): ReleaseSource | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined) return undefined;
  const source = `CDK context ${key}`;
  if (typeof value !== 'string') return { value, source };
  try {
    return { value: JSON.parse(value) as unknown, source };
  } catch (err) {
    problems.add(
      `context ${key}`,
      `is not JSON (${(err as Error).message})`,
      `pass the release as JSON: -c ${key}='{"schemaVersion":1,"version":"v3",...}', or name a file with -c ${RELEASE_FILE_CONTEXT_KEY}=<file>`,
    );
    return undefined;
  }
}

/**
 * The release in a file: a Pulumi stack file (a mapping with `config`) gives its `mlops:release` and
 * `mlops:stableRelease` (either may be absent); any other file is the release itself.
 */
function releaseFile(
  fileName: string,
  problems: ProblemList,
): { release?: ReleaseSource; stableRelease?: ReleaseSource } {
  const file = path.resolve(fileName);
  const at = `context ${RELEASE_FILE_CONTEXT_KEY}`;
  if (!existsSync(file)) {
    problems.add(
      at,
      `names ${fileName}, which does not exist (looked at ${file})`,
      'give a path relative to the directory cdk runs in, or an absolute one',
    );
    return {};
  }
  let doc: unknown;
  try {
    // YAML is a superset of JSON: one parser reads both.
    doc = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    problems.add(
      at,
      `${fileName} is neither YAML nor JSON (${(err as Error).message.split('\n')[0]})`,
      'write the release as a YAML or JSON mapping, or name a Pulumi stack file',
    );
    return {};
  }
  const name = path.basename(file);
  // An empty file holds no release yet: the endpoint waits for one.
  if (doc === null || doc === undefined) return {};
  if (isRecord(doc) && isRecord(doc.config)) {
    const config = doc.config;
    const entry = (key: string): ReleaseSource | undefined =>
      config[key] === undefined || config[key] === null
        ? undefined
        : { value: config[key], source: `${key} in ${name}` };
    return { release: entry(RELEASE_CONFIG_KEY), stableRelease: entry(STABLE_RELEASE_CONFIG_KEY) };
  }
  return { release: { value: doc, source: `release file ${name}` } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
