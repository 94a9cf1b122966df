import { CLOUDS, STAGES, type Cloud, type Stage } from './stage';
import { bool, list, map, object, oneOf, str } from './shape';
import { knownString, type Problem, ProblemList } from './validation';
import { kmsLocationOfBucket } from '../blocks/gcp-kms-locations';
import { gcsLocation, gcsLocationProblem } from '../blocks/gcp-locations';

/**
 * Where and how a construct is deployed. Every construct takes an optional `platform`; without one it reads
 * the stack's Pulumi config namespace `mlops` (see README, "Configuration"). CDK constructs read the
 * same fields from CDK context key `mlops` when `platform` is absent.
 */
export interface PlatformArgs {
  /**
   * Target cloud. Required, here or as `mlops:cloud` in the stack config (a Pulumi construct merges this
   * object over the config). CDK constructs accept only `aws`.
   */
  readonly cloud?: Cloud;
  /**
   * Deployment stage; selects the defaults (prod: canary with rollback, retention, two instances). Required
   * on aws and gcp (dev's defaults are the least safe, so they are never assumed there). Default `dev` on
   * docker only.
   */
  readonly stage?: Stage;
  /** Region (`eu-west-1`, `europe-west4`). Required on aws and gcp (CDK: the stack's region); ignored on docker. Default: none. */
  readonly region?: string;
  /** GCP project id. Required on gcp; ignored elsewhere. Default: none. */
  readonly project?: string;
  /**
   * Tags (aws) or labels (gcp, docker) put on every resource, on top of `mlops-stage` and `mlops-construct`.
   * On gcp keys and values must be valid labels. Default: none.
   */
  readonly tags?: Record<string, string>;
  /**
   * An existing customer-managed key to encrypt with: a KMS key ARN in the platform's region on aws
   * (`arn:aws:kms:<region>:<account>:key/<uuid or mrk- id>`; not an alias: IAM grants need the key ARN), a
   * Cloud KMS crypto key id (`projects/P/locations/L/keyRings/R/cryptoKeys/K`, L the platform's region for
   * regional buckets) on gcp. Default: each construct creates its own key with rotation on.
   */
  readonly kmsKeyId?: string;
  /** Private networking. Default: none (each cloud's managed network, with no public ingress). */
  readonly network?: NetworkArgs;
  /**
   * Keep stateful resources (buckets, registries, keys, model groups, volumes) when they are deleted from the
   * program or the stack is destroyed. Default `true`. Set `false` only for throwaway stacks: `pulumi destroy`
   * then deletes the data too. SageMaker endpoint configurations are kept regardless (an endpoint rolled
   * back by SageMaker may still use one): delete them by hand after destroying a throwaway stack.
   */
  readonly retainOnDelete?: boolean;
  /**
   * aws: a second region the data and artifact buckets replicate to (S3 cross-region replication into
   * versioned buckets there, encrypted with a KMS key made in that region). Default: none (no replica).
   */
  readonly replicaRegion?: string;
  /**
   * gcp: where buckets keep their data: `region` (the platform's region), `dual-region` (the region and
   * its pair in the same multi-region) or `multi-region` (the continent's multi-region: `EU`, `US`, `ASIA`).
   * Default `region`.
   */
  readonly bucketLocation?: 'region' | 'dual-region' | 'multi-region';
  /**
   * gcp: enable every Google API the constructs use (`projects.Service`, kept enabled on delete) and make
   * the resources wait for them, so a first deploy into a fresh project works. Set `false` when a platform
   * team enables APIs centrally. Default `true`.
   */
  readonly enableApis?: boolean;
}

/** Private networking choices per cloud. */
export interface NetworkArgs {
  /** aws: subnets for SageMaker containers (VPC mode). Default: none (SageMaker's managed network). */
  readonly subnetIds?: string[];
  /** aws: security groups for SageMaker containers; required with `subnetIds`. Default: none. */
  readonly securityGroupIds?: string[];
  /** gcp: VPC network for Direct VPC egress (`projects/P/global/networks/N`). Default: none. */
  readonly vpcNetwork?: string;
  /** gcp: subnetwork for Direct VPC egress. Default: none. */
  readonly vpcSubnetwork?: string;
}

/** A platform with every default applied. */
export interface Platform {
  readonly cloud: Cloud;
  readonly stage: Stage;
  /** Region; empty on docker. */
  readonly region: string;
  /** GCP project; empty elsewhere. */
  readonly project: string;
  readonly tags: Readonly<Record<string, string>>;
  /** The key the platform brings; undefined when each construct creates its own. */
  readonly kmsKeyId?: string;
  readonly network: NetworkArgs;
  readonly retainOnDelete: boolean;
  /** aws: the replica region; undefined when buckets are not replicated. */
  readonly replicaRegion?: string;
  /** gcp: where buckets keep their data. */
  readonly bucketLocation: 'region' | 'dual-region' | 'multi-region';
  /** gcp: the constructs enable the APIs they use. */
  readonly enableApis: boolean;
  /**
   * What physical names carry after the construct's name: the stage, or the stack's name when the stack is
   * one of several of its stage (see `defaultPhysicalName`).
   */
  readonly nameSuffix: string;
}

const GCP_LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const GCP_LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;
const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
const GCP_REGION = /^[a-z]+-[a-z]+\d+$/;
const GCP_PROJECT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
/** A KMS key ARN: `arn:<partition>:kms:<region>:<account>:key/<key id>`, the id a UUID or a multi-Region `mrk-` id. */
const AWS_KMS_KEY_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):kms:([a-z0-9-]+):(\d{12}):key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
/** A Cloud KMS crypto key id. */
const GCP_CRYPTO_KEY = /^projects\/([^/]+)\/locations\/([^/]+)\/keyRings\/([^/]+)\/cryptoKeys\/([^/]+)$/;

export const BUCKET_LOCATIONS = ['region', 'dual-region', 'multi-region'] as const;

/** The shape of `NetworkArgs`: its known keys. */
export const NETWORK_SHAPE = object<NetworkArgs>({
  subnetIds: list(str(), '["subnet-0abc"]'),
  securityGroupIds: list(str(), '["sg-0abc"]'),
  vpcNetwork: str('`projects/P/global/networks/N`'),
  vpcSubnetwork: str(),
});

/** The shape of `PlatformArgs`: its known keys (`mlops:*` config keys have the same names). */
export const PLATFORM_SHAPE = object<PlatformArgs>({
  cloud: oneOf(CLOUDS),
  stage: oneOf(STAGES),
  region: str('`eu-west-1`'),
  project: str(),
  tags: map(str(), '`{ team: "ml" }`'),
  kmsKeyId: str(),
  network: NETWORK_SHAPE,
  retainOnDelete: bool(),
  replicaRegion: str(),
  bucketLocation: oneOf(BUCKET_LOCATIONS),
  enableApis: bool(),
});

const NO_PLATFORM: Platform = {
  cloud: 'docker',
  stage: 'dev',
  region: '',
  project: '',
  tags: {},
  network: {},
  retainOnDelete: true,
  bucketLocation: 'region',
  enableApis: true,
  nameSuffix: 'dev',
};

/**
 * Checks a platform and applies its defaults. Problems are returned, not thrown, so they join the construct's
 * list. Shapes are checked first (a number where a string belongs, unknown keys), then values.
 */
export function resolvePlatform(raw: PlatformArgs | undefined, problems: ProblemList): Platform {
  if (raw === undefined || raw === null) {
    problems.add(
      'platform',
      'no platform was given and none is configured',
      'pass `platform: { cloud, stage, region }`, or set `mlops:cloud` in the Pulumi stack config (CDK: context key `mlops`)',
    );
    return NO_PLATFORM;
  }
  const args = PLATFORM_SHAPE.read(problems, 'platform', raw);
  if (!args) return NO_PLATFORM;
  const cloud = platformCloud(args, raw, problems);
  const stage = platformStage(args, raw, cloud, problems);
  const region = platformRegion(args, raw, cloud, problems);
  const project = cloud === 'gcp' ? platformProject(args, raw, problems) : '';
  const replicaRegion = cloud === 'aws' ? platformReplica(args, region, problems) : undefined;
  const bucketLocation = args.bucketLocation ?? 'region';
  const locationProblem = cloud === 'gcp' && region ? gcsLocationProblem(region, bucketLocation) : undefined;
  if (locationProblem) problems.add('platform.bucketLocation', locationProblem.message, locationProblem.fix);
  else if (cloud === 'gcp' && region && bucketLocation !== 'region')
    checkBucketKeyLocation(region, bucketLocation, args.kmsKeyId, problems);
  if (args.kmsKeyId !== undefined) checkKmsKey(cloud, region, bucketLocation, args.kmsKeyId, problems);
  const tags = args.tags ?? {};
  if (cloud !== 'aws') problems.addAll('platform.tags', checkLabels(tags));
  const network = args.network ?? {};
  if (
    cloud === 'aws' &&
    (network.subnetIds?.length ?? 0) > 0 !== (network.securityGroupIds?.length ?? 0) > 0
  ) {
    problems.add(
      'platform.network',
      'subnetIds and securityGroupIds must be given together',
      'give both, or neither for the managed network',
    );
  }
  return {
    cloud,
    stage,
    region: cloud === 'docker' ? '' : region,
    project,
    tags,
    kmsKeyId: args.kmsKeyId,
    network,
    retainOnDelete: args.retainOnDelete ?? true,
    replicaRegion,
    bucketLocation,
    enableApis: args.enableApis ?? true,
    nameSuffix: stage,
  };
}

function platformCloud(args: Partial<PlatformArgs>, raw: PlatformArgs, problems: ProblemList): Cloud {
  if (raw.cloud === undefined || raw.cloud === null)
    problems.add('platform.cloud', 'is missing', `set it to one of ${CLOUDS.join(', ')}`);
  return args.cloud ?? 'docker';
}

/**
 * The stage picks the defaults, and dev's are the least safe (no deletion protection, no rollback alarms,
 * scale to zero): on a cloud it must be said, not assumed.
 */
function platformStage(
  args: Partial<PlatformArgs>,
  raw: PlatformArgs,
  cloud: Cloud,
  problems: ProblemList,
): Stage {
  if (raw.stage === undefined && cloud !== 'docker')
    problems.add(
      'platform.stage',
      `is required on ${cloud}: without it the stack would silently get dev's defaults (no deletion protection, no rollback alarms, scale to zero)`,
      `set \`stage\` to one of ${STAGES.join(', ')} (stack config \`mlops:stage\`; CDK: \`stage\` in context key \`mlops\`)`,
    );
  return args.stage ?? 'dev';
}

function platformRegion(
  args: Partial<PlatformArgs>,
  raw: PlatformArgs,
  cloud: Cloud,
  problems: ProblemList,
): string {
  const region = knownString(args.region) ?? '';
  if (cloud === 'docker' || (raw.region !== undefined && args.region === undefined)) return region;
  const [rule, example] = cloud === 'aws' ? [AWS_REGION, 'eu-west-1'] : [GCP_REGION, 'europe-west4'];
  if (!args.region)
    problems.add(
      'platform.region',
      `is required on ${cloud}`,
      `set \`region\` (for example \`${example}\`) or \`mlops:region\` / \`${cloud}:region\` in the stack config`,
    );
  else if (region && !rule.test(region))
    problems.add(
      'platform.region',
      `"${region}" is not ${cloud === 'aws' ? 'an AWS' : 'a GCP'} region name`,
      cloud === 'aws'
        ? 'use a region such as `us-east-1` or `eu-west-1`'
        : 'use a region such as `us-central1` or `europe-west4`',
    );
  return region;
}

function platformProject(args: Partial<PlatformArgs>, raw: PlatformArgs, problems: ProblemList): string {
  const project = knownString(args.project);
  if (raw.project !== undefined && args.project === undefined) return '';
  if (!args.project)
    problems.add(
      'platform.project',
      'is required on gcp',
      'set `project` or `mlops:project` / `gcp:project` in the stack config',
    );
  else if (project && !GCP_PROJECT.test(project))
    problems.add(
      'platform.project',
      `"${project}" is not a GCP project id`,
      'use the 6 to 30 character project id (lowercase letters, digits, hyphens), not the display name',
    );
  return project ?? '';
}

function platformReplica(
  args: Partial<PlatformArgs>,
  region: string,
  problems: ProblemList,
): string | undefined {
  const replica = knownString(args.replicaRegion);
  if (replica && !AWS_REGION.test(replica))
    problems.add(
      'platform.replicaRegion',
      `"${replica}" is not an AWS region name`,
      'use a region such as `eu-central-1`',
    );
  else if (replica && replica === region)
    problems.add(
      'platform.replicaRegion',
      `is the same as the region (${region})`,
      'choose a second region, or remove `replicaRegion`',
    );
  return replica;
}

/**
 * The platform's own key: on aws a key ARN (IAM statements and bucket encryption name it; an alias or a bare
 * key id cannot be granted), in the platform's region (S3 and SageMaker refuse a key from another region); on
 * gcp a crypto key id in the project's region (Cloud Run and regional buckets need a key in their location).
 */
function checkKmsKey(
  cloud: Cloud,
  region: string,
  bucketLocation: Platform['bucketLocation'],
  keyId: string,
  problems: ProblemList,
): void {
  const key = knownString(keyId);
  if (!key || cloud === 'docker') return;
  const path = 'platform.kmsKeyId';
  if (cloud === 'aws') {
    const m = AWS_KMS_KEY_ARN.exec(key);
    if (!m)
      problems.add(
        path,
        `"${key}" is not a KMS key ARN`,
        'give the key ARN, `arn:aws:kms:<region>:<account>:key/<key id>` (not an alias, alias ARN or bare key id: IAM grants and bucket encryption need the key ARN)',
      );
    else if (region && m[2] !== region)
      problems.add(
        path,
        `the key is in ${m[2]}, but the platform deploys to ${region}`,
        `use a key in ${region}: S3 and SageMaker need a key in their own region (a multi-Region key has a replica ARN there)`,
      );
    return;
  }
  const m = GCP_CRYPTO_KEY.exec(key);
  if (!m)
    problems.add(
      path,
      `"${key}" is not a Cloud KMS crypto key id`,
      'give `projects/<project>/locations/<region>/keyRings/<ring>/cryptoKeys/<key>` (not a key version)',
    );
  else if (region && bucketLocation === 'region' && m[2] !== region)
    problems.add(
      path,
      `the key is in ${m[2]}, but the platform deploys to ${region}`,
      `use a key ring in ${region}: Cloud Run and regional buckets need a key in their own location`,
    );
}

/**
 * gcp buckets outside the region need a key of their own location (Cloud Storage takes no other): the construct
 * makes it, so the platform cannot bring one key for everything (Cloud Run, Artifact Registry and Workflows
 * need a regional key), and a location whose Cloud KMS counterpart is unconfirmed (the predefined dual-regions,
 * see gcp-kms-locations.ts) is refused rather than guessed.
 */
function checkBucketKeyLocation(
  region: string,
  bucketLocation: Exclude<Platform['bucketLocation'], 'region'>,
  kmsKeyId: string | undefined,
  problems: ProblemList,
): void {
  const path = 'platform.bucketLocation';
  const location = gcsLocation(region, bucketLocation)!;
  if (kmsLocationOfBucket(location) === undefined) {
    problems.add(
      path,
      `is dual-region (${location}), but no Cloud KMS location is documented for a key that encrypts a ${location} bucket`,
      "use bucketLocation `multi-region` (a key in the continent's Cloud KMS multi-region) or `region`",
    );
    return;
  }
  if (kmsKeyId !== undefined)
    problems.add(
      path,
      `is ${bucketLocation} (${location}) and platform.kmsKeyId is given, but one key cannot be in both ${region} (Cloud Run, Artifact Registry, Workflows) and ${location} (the buckets)`,
      'use bucketLocation `region` with that key, or leave kmsKeyId out and let the construct create its keys (one in each location)',
    );
}

/** GCP and Docker labels: lowercase keys and values, no dots or colons. */
function checkLabels(tags: Record<string, string>): Problem[] {
  const out: Problem[] = [];
  for (const [key, value] of Object.entries(tags)) {
    if (!GCP_LABEL_KEY.test(key)) {
      out.push({
        path: key,
        message: `"${key}" is not a valid label key`,
        fix: 'start with a lowercase letter and use only lowercase letters, digits, `_` and `-` (at most 63)',
      });
    }
    if (!GCP_LABEL_VALUE.test(value)) {
      out.push({
        path: key,
        message: `value "${value}" is not a valid label value`,
        fix: 'use only lowercase letters, digits, `_` and `-` (at most 63)',
      });
    }
  }
  return out;
}

/** The tags every resource carries: the platform's, plus which stage and construct made it. */
export function standardTags(platform: Platform, construct: string): Record<string, string> {
  return { ...platform.tags, 'mlops-stage': platform.stage, 'mlops-construct': construct.toLowerCase() };
}
