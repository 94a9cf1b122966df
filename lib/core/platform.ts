import { CLOUDS, STAGES, type Cloud, type Stage } from './stage';
import { checkOneOf, knownString, type Problem, ProblemList } from './validation';

/**
 * Where and how a construct is deployed. Every construct takes an optional `platform`; without one it reads
 * the stack's Pulumi config namespace `mlops` (see README, "Configuration"). CDK constructs read the
 * same fields from CDK context key `mlops` when `platform` is absent.
 */
export interface PlatformArgs {
  /** Target cloud. Required. CDK constructs accept only `aws`. */
  readonly cloud: Cloud;
  /** Deployment stage; selects the defaults (prod: canary with rollback, retention, two instances). Default `dev`. */
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
   * An existing customer-managed key to encrypt with: a KMS key ARN on aws, a Cloud KMS crypto key id
   * (`projects/P/locations/L/keyRings/R/cryptoKeys/K`) on gcp. Default: each construct creates its own key
   * with rotation on.
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
}

const GCP_LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const GCP_LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;
const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
const GCP_REGION = /^[a-z]+-[a-z]+\d+$/;
const GCP_PROJECT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/** Checks a platform and applies its defaults. Problems are returned, not thrown, so they join the construct's list. */
export function resolvePlatform(args: PlatformArgs | undefined, problems: ProblemList): Platform {
  if (!args) {
    problems.add(
      'platform',
      'no platform was given and none is configured',
      'pass `platform: { cloud, stage, region }`, or set `mlops:cloud` in the Pulumi stack config (CDK: context key `mlops`)',
    );
    return {
      cloud: 'docker',
      stage: 'dev',
      region: '',
      project: '',
      tags: {},
      network: {},
      retainOnDelete: true,
      bucketLocation: 'region',
      enableApis: true,
    };
  }
  const path = (p: string) => `platform.${p}`;
  if (!args.cloud) {
    problems.add(path('cloud'), 'is missing', `set it to one of ${CLOUDS.join(', ')}`);
  } else checkOneOf(problems, path('cloud'), args.cloud, CLOUDS);
  checkOneOf(problems, path('stage'), args.stage, STAGES);
  const cloud: Cloud = CLOUDS.includes(args.cloud) ? args.cloud : 'docker';
  const stage: Stage = args.stage && STAGES.includes(args.stage) ? args.stage : 'dev';

  const region = knownString(args.region) ?? '';
  if (cloud === 'aws' && !args.region) {
    problems.add(
      path('region'),
      'is required on aws',
      'set `region` (for example `eu-west-1`) or `mlops:region` / `aws:region` in the stack config',
    );
  } else if (cloud === 'aws' && region && !AWS_REGION.test(region)) {
    problems.add(
      path('region'),
      `"${region}" is not an AWS region name`,
      'use a region such as `us-east-1` or `eu-west-1`',
    );
  }
  if (cloud === 'gcp') {
    if (!args.region) {
      problems.add(
        path('region'),
        'is required on gcp',
        'set `region` (for example `europe-west4`) or `mlops:region` / `gcp:region` in the stack config',
      );
    } else if (region && !GCP_REGION.test(region)) {
      problems.add(
        path('region'),
        `"${region}" is not a GCP region name`,
        'use a region such as `us-central1` or `europe-west4`',
      );
    }
    const project = knownString(args.project);
    if (!args.project) {
      problems.add(
        path('project'),
        'is required on gcp',
        'set `project` or `mlops:project` / `gcp:project` in the stack config',
      );
    } else if (project && !GCP_PROJECT.test(project)) {
      problems.add(
        path('project'),
        `"${project}" is not a GCP project id`,
        'use the 6 to 30 character project id (lowercase letters, digits, hyphens), not the display name',
      );
    }
  }
  if (cloud === 'aws' && args.replicaRegion !== undefined) {
    const replica = knownString(args.replicaRegion);
    if (replica && !AWS_REGION.test(replica))
      problems.add(
        path('replicaRegion'),
        `"${replica}" is not an AWS region name`,
        'use a region such as `eu-central-1`',
      );
    else if (replica && replica === region)
      problems.add(
        path('replicaRegion'),
        `is the same as the region (${region})`,
        'choose a second region, or remove `replicaRegion`',
      );
  }
  checkOneOf(problems, path('bucketLocation'), args.bucketLocation, [
    'region',
    'dual-region',
    'multi-region',
  ] as const);
  const tags = args.tags ?? {};
  if (cloud !== 'aws') problems.addAll(path('tags'), checkLabels(tags));
  const network = args.network ?? {};
  if (
    cloud === 'aws' &&
    (network.subnetIds?.length ?? 0) > 0 !== (network.securityGroupIds?.length ?? 0) > 0
  ) {
    problems.add(
      path('network'),
      'subnetIds and securityGroupIds must be given together',
      'give both, or neither for the managed network',
    );
  }
  return {
    cloud,
    stage,
    region: cloud === 'docker' ? '' : region,
    project: cloud === 'gcp' ? (knownString(args.project) ?? '') : '',
    tags,
    kmsKeyId: args.kmsKeyId,
    network,
    retainOnDelete: args.retainOnDelete ?? true,
    replicaRegion: cloud === 'aws' ? knownString(args.replicaRegion) : undefined,
    bucketLocation: args.bucketLocation ?? 'region',
    enableApis: args.enableApis ?? true,
  };
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
