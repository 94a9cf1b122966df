/**
 * The gcp `cloud-deploy` rollout mode as plain data: what it refuses, the names it gives, the canary steps, the
 * delivery pipeline's strategy and the automation's rules. Google Cloud Deploy facts used here (provider 9.37.0
 * `clouddeploy` types and the Cloud Deploy documentation):
 * - a canary's `percentages` ascend, each `0 <= n < 100`; the phases are `canary-<n>` then `stable`; on Cloud Run
 *   `runtimeConfig.cloudRun.automaticTrafficControl` must be true for a `canaryDeployment` (Cloud Deploy splits the
 *   traffic between the last successful revision and the new one);
 * - `analysis.googleCloud.alertPolicyChecks[].alertPolicies` name policies as `projects/<p>/alertPolicies/<id>`,
 *   and a check fails while any of them has an active alert (REST `AlertPolicyCheck`); `duration` is how long
 *   each phase is analysed (a protobuf Duration, at most 48 hours);
 * - a `repairRolloutRule` with a `rollback` repair phase rolls a failed rollout back; an `advanceRolloutRule`
 *   advances a rollout whose phase succeeded;
 * - one Cloud Run service per target (Cloud Deploy "Deploy to Cloud Run": limitations).
 */
import type { Platform } from '../core/platform';
import { gcsBucketNameProblem, GCS_BUCKET_NAME_RULE } from '../blocks/bucket-names';
import { knownString, type ProblemList } from '../core/validation';
import { MONITORING_DEFAULTS } from '../monitoring-stack/defaults';
import { incidentDelayReason, incidentDelaySeconds } from '../monitoring-stack/gcp-facts';
import type { ModelEndpointArgs, RolloutStrategy } from './args';

/** What the `cloud-deploy` mode resolves to. */
export interface ResolvedCloudDeploy {
  /** Delivery pipeline, named after the endpoint. */
  readonly pipelineName: string;
  /** Cloud Run target, named after the endpoint (one service per target). */
  readonly targetName: string;
  /** The automation that advances healthy rollouts and rolls failed ones back. */
  readonly automationName: string;
  /** Name of the Cloud Deploy release of `version`: `<endpoint>-<version>` (unique per pipeline, at most 63). */
  readonly releaseName: string;
  /** Traffic steps of the canary in percent, ascending; empty for `all-at-once` (Cloud Deploy's standard strategy). */
  readonly percentages: readonly number[];
  /** How long each step is analysed against the alert policies, in seconds (`300s`); undefined when it bakes 0 minutes. */
  readonly analysisDuration?: string;
  /** `analysisDuration` in seconds; undefined when it bakes 0 minutes. */
  readonly analysisSeconds?: number;
  /** A failed rollout is rolled back by the automation. */
  readonly autoRollback: boolean;
  /**
   * The rollout must be gated by alert policies: outside dev, when it rolls back on its own and bakes. A program that
   * leaves such an endpoint unwatched fails (`settleUngatedRollouts`).
   */
  readonly gateRequired: boolean;
  /** Bucket where Cloud Deploy stages release sources and keeps its render and deploy artifacts. */
  readonly releaseBucketName: string;
  /** Service account id of the identity Cloud Deploy renders, deploys and analyses as. */
  readonly executionAccountId: string;
  /** Service account id of the identity the automation acts as. */
  readonly automationAccountId: string;
  /** IAM members who may create releases. */
  readonly releasers: readonly string[];
}

/** The ids of the automation's rules (`a-z{0,62}`, unique in the automation). */
export const AUTOMATION_RULE_IDS = { advance: 'advance', rollback: 'rollback' } as const;

/** The id of the analysis check on the watching MonitoringStack's alert policies. */
export const ALERT_POLICY_CHECK_ID = 'alert-policies';

/**
 * Where the execution service account runs: Cloud Deploy's render, deploy, verify, predeploy and postdeploy jobs
 * (`ExecutionEnvironmentUsage`; a config must include RENDER and DEPLOY, each usage at most once).
 */
export const EXECUTION_USAGES = ['RENDER', 'DEPLOY', 'VERIFY', 'PREDEPLOY', 'POSTDEPLOY'] as const;

/** The MonitoringStack's default evaluation (60 s periods, 3 breaching in a row), which the minimum below assumes. */
const DEFAULT_EVALUATION = {
  periodSeconds: MONITORING_DEFAULTS.periodSeconds,
  datapointsToAlarm: MONITORING_DEFAULTS.datapointsToAlarm,
};

/**
 * The shortest analysed step, in minutes: the time a latency or 5xx policy with the MonitoringStack's default
 * evaluation needs to open an incident after a revision starts failing (180 s metric delay + 60 s alignment period
 * + 180 s condition duration = 420 s = 7 minutes). A shorter analysis finds no incident and passes a failing step.
 * A MonitoringStack with longer periods checks its own figure when it gates the rollout.
 */
export const MIN_ANALYSED_BAKE_MINUTES = Math.ceil(incidentDelaySeconds(DEFAULT_EVALUATION) / 60);

/**
 * The bake per step when none is given and Cloud Deploy analyses the steps: at least this, so that the incident
 * delay leaves 3 minutes in which the analysis sees the open incident (staging's 5 minutes would pass a bad canary).
 */
export const CLOUD_DEPLOY_DEFAULT_BAKE_MINUTES = 10;

/**
 * The default bake per step: the stage's, raised to `CLOUD_DEPLOY_DEFAULT_BAKE_MINUTES` on gcp in `cloud-deploy`
 * mode with automatic rollback (the only case an analysis decides the rollout).
 */
export function defaultBakeMinutes(
  args: Partial<ModelEndpointArgs>,
  platform: Platform,
  stageBakeMinutes: number,
  autoRollback: boolean,
): number {
  const analysed = platform.cloud === 'gcp' && args.gcp?.rollout === 'cloud-deploy' && autoRollback;
  return analysed ? Math.max(stageBakeMinutes, CLOUD_DEPLOY_DEFAULT_BAKE_MINUTES) : stageBakeMinutes;
}

const GCP_MEMBER = /^(user|serviceAccount|group|domain|principal|principalSet):.+$/;

/** What `resolveCloudDeploy` reads. */
export interface CloudDeployInputs {
  readonly args: Partial<ModelEndpointArgs>;
  readonly platform: Platform;
  readonly problems: ProblemList;
  readonly endpointName: string;
  readonly gpu: boolean;
  readonly rollout: {
    readonly strategy: RolloutStrategy;
    readonly canaryPercent: number;
    readonly linearStepPercent: number;
    readonly bakeMinutes: number;
    readonly autoRollback: boolean;
  };
}

/**
 * Checks `gcp.rollout` and `gcp.releasers` and, in `cloud-deploy` mode on gcp, what Cloud Deploy owning the rollout
 * rules out. Returns the resolved mode, or undefined when Pulumi rolls out (or the cloud is not gcp).
 */
export function resolveCloudDeploy(inputs: CloudDeployInputs): ResolvedCloudDeploy | undefined {
  const { args, platform, problems, endpointName, gpu, rollout } = inputs;
  const cloudDeploy = args.gcp?.rollout === 'cloud-deploy';
  const releasers = args.gcp?.releasers ?? [];
  if (platform.cloud !== 'gcp') return undefined;
  if (!cloudDeploy) {
    if (releasers.length > 0)
      problems.add(
        'gcp.releasers',
        'is used only when Cloud Deploy rolls releases out',
        "set `gcp.rollout: 'cloud-deploy'`, or remove `gcp.releasers`",
      );
    return undefined;
  }
  releasers.forEach((member, i) => checkReleaser(problems, `gcp.releasers[${i}]`, member));
  if (args.stableRelease)
    problems.add(
      'stableRelease',
      "Cloud Deploy owns the service's traffic with `gcp.rollout: 'cloud-deploy'`: a rollout is one Cloud Deploy release, which the delivery pipeline steps from the serving revision to the new one",
      'remove `stableRelease`, and create a Cloud Deploy release of the new version instead',
    );
  if (gpu)
    problems.add(
      'size',
      "with `gcp.rollout: 'cloud-deploy'` every release is a Cloud Run service manifest, and the GPU fields of that manifest are not confirmed by Cloud Run's YAML reference",
      "use a CPU size, or `gcp.rollout: 'pulumi'` for a GPU endpoint",
    );
  if (args.modelDataUrl !== undefined && !args.modelAccess)
    problems.add(
      'modelAccess',
      "is required with `gcp.rollout: 'cloud-deploy'`: Cloud Deploy may roll back to an earlier release, whose model must stay readable, while the endpoint would grant only the model it is given now",
      "give `modelAccess: { bucketName, prefix }` covering every release's model, such as an MlPipeline's artifact bucket and `runs/`",
    );
  if (rollout.autoRollback && rollout.bakeMinutes < MIN_ANALYSED_BAKE_MINUTES)
    problems.add(
      'rollout.bakeMinutes',
      `${rollout.bakeMinutes} minutes is too short to analyse a step: the MonitoringStack's latency and 5xx policies open an incident up to ${incidentDelaySeconds(DEFAULT_EVALUATION)} s after a revision starts failing (${incidentDelayReason(DEFAULT_EVALUATION)}), so a shorter analysis passes a failing step`,
      `bake at least ${MIN_ANALYSED_BAKE_MINUTES} minutes per step, or set \`rollout.autoRollback: false\``,
    );
  const releaseBucketName = `${endpointName}-releases-${platform.project}`;
  const bucketProblem = gcsBucketNameProblem(releaseBucketName);
  if (bucketProblem)
    problems.add(
      'endpointName',
      `${bucketProblem} (the Cloud Deploy release bucket is named \`<endpoint>-releases-<project>\`)`,
      `shorten the endpoint name: ${GCS_BUCKET_NAME_RULE}`,
    );
  const analysisSeconds = rollout.bakeMinutes > 0 ? rollout.bakeMinutes * 60 : undefined;
  const analysisDuration = analysisSeconds !== undefined ? `${analysisSeconds}s` : undefined;
  return {
    pipelineName: endpointName,
    targetName: endpointName,
    automationName: `${endpointName}-release`,
    releaseName: `${endpointName}-${args.version ?? ''}`,
    percentages: canaryPercentages(rollout),
    analysisDuration,
    analysisSeconds,
    autoRollback: rollout.autoRollback,
    gateRequired: platform.stage !== 'dev' && rollout.autoRollback && analysisDuration !== undefined,
    releaseBucketName,
    executionAccountId: accountId(endpointName, 'deploy'),
    automationAccountId: accountId(endpointName, 'rollout'),
    releasers,
  };
}

/** The canary's traffic steps: one for `canary`, every `linearStepPercent` below 100 for `linear`, none for `all-at-once`. */
export function canaryPercentages(rollout: CloudDeployInputs['rollout']): number[] {
  if (rollout.strategy === 'canary') return [rollout.canaryPercent];
  if (rollout.strategy === 'all-at-once') return [];
  const steps: number[] = [];
  for (let p = rollout.linearStepPercent; p < 100; p += rollout.linearStepPercent) steps.push(p);
  return steps;
}

/** `<endpoint>-<role>`, shortened to the 30 characters a service account id may have. */
function accountId(endpointName: string, role: string): string {
  const base = endpointName.slice(0, 29 - role.length).replace(/-+$/, '');
  return `${base}-${role}`.padEnd(6, '0');
}

function checkReleaser(problems: ProblemList, path: string, member: string): void {
  const value = knownString(member);
  if (value === undefined) return;
  if (value === 'allUsers' || value === 'allAuthenticatedUsers')
    problems.add(
      path,
      `${value} would let anyone release to this endpoint`,
      'name the CI service account or group that releases',
    );
  else if (!GCP_MEMBER.test(value))
    problems.add(
      path,
      `"${value}" is not an IAM member`,
      'use a member such as `serviceAccount:ci@project.iam.gserviceaccount.com`',
    );
}

/** The analysis of each step on the given alert policies; undefined when the step is not analysed. */
export function stepAnalysis(cd: ResolvedCloudDeploy, alertPolicies: readonly string[]) {
  if (!cd.analysisDuration || alertPolicies.length === 0) return undefined;
  return {
    duration: cd.analysisDuration,
    googleCloud: { alertPolicyChecks: [{ id: ALERT_POLICY_CHECK_ID, alertPolicies: [...alertPolicies] }] },
  };
}

/** The delivery pipeline's one stage: the endpoint's target, with a Cloud Run canary (or a standard rollout). */
export function pipelineStage(cd: ResolvedCloudDeploy, alertPolicies: readonly string[]) {
  const analysis = stepAnalysis(cd, alertPolicies);
  const strategy =
    cd.percentages.length > 0
      ? {
          canary: {
            runtimeConfig: { cloudRun: { automaticTrafficControl: true } },
            canaryDeployment: {
              percentages: [...cd.percentages],
              verify: false,
              ...(analysis ? { analysis } : {}),
            },
          },
        }
      : { standard: { verify: false, ...(analysis ? { analysis } : {}) } };
  return { targetId: cd.targetName, profiles: [] as string[], strategy };
}

/**
 * The automation's rules: advance a rollout once a phase succeeded (its analysis passed), and, with
 * `autoRollback`, roll a failed rollout back to the last successful release. The rollback is skipped when a newer
 * rollout is already pending on the target: that rollout replaces the failed one anyway.
 */
export function automationRules(cd: ResolvedCloudDeploy) {
  return [
    { advanceRolloutRule: { id: AUTOMATION_RULE_IDS.advance } },
    ...(cd.autoRollback
      ? [
          {
            repairRolloutRule: {
              id: AUTOMATION_RULE_IDS.rollback,
              repairPhases: [{ rollback: { disableRollbackIfRolloutPending: true } }],
            },
          },
        ]
      : []),
  ];
}

/** The command that releases `version`, run from a directory holding the rendered manifest as `service.yaml`. */
export function releaseCommand(cd: ResolvedCloudDeploy, platform: Platform): string {
  return [
    `gcloud deploy releases create ${cd.releaseName}`,
    `--project=${platform.project}`,
    `--region=${platform.region}`,
    `--delivery-pipeline=${cd.pipelineName}`,
    '--from-run-manifest=service.yaml',
    `--gcs-source-staging-dir=gs://${cd.releaseBucketName}/source`,
  ].join(' ');
}
