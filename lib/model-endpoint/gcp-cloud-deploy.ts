/**
 * Renders the gcp `cloud-deploy` rollout mode: a Cloud Run target and a delivery pipeline whose canary steps are
 * analysed against the watching MonitoringStack's alert policies, an automation that advances healthy rollouts and
 * rolls failed ones back, the identities they run as (each allowed only what its job needs), and a release bucket.
 *
 * Identities (Cloud Deploy "service accounts" and "IAM roles" documentation):
 * - execution account (the target's `executionConfigs`: render, deploy, verify, pre/postdeploy jobs in Cloud Build,
 *   and the analysis): `roles/clouddeploy.jobRunner` on the project; `roles/run.developer` on this service only (the
 *   role's lowest grant level); use of the runtime account (`roles/iam.serviceAccountUser`), which the service runs
 *   as; objects of the release bucket (`roles/storage.objectUser`), where it reads sources and writes artifacts; and,
 *   when steps are analysed, `roles/monitoring.alertPolicyViewer` and `roles/serviceusage.serviceUsageConsumer` on
 *   the project (Cloud Deploy "Define analysis jobs that use Google Cloud Observability": required roles).
 * - automation account: `roles/clouddeploy.operator` (advance and roll back rollouts) on this pipeline and target
 *   only, and use of the execution account, which the automation must be allowed to act as.
 * - releasers: `roles/clouddeploy.releaser` on this pipeline and target, use of the execution account (a release
 *   renders and deploys as it), and objects of the release bucket (the release's source is staged there).
 */
import { KMS_ENCRYPTER_DECRYPTER } from '../blocks/gcp-roles';
import * as pulumi from '@pulumi/pulumi';
import * as clouddeploy from '@pulumi/gcp/clouddeploy';
import * as cloudrunv2 from '@pulumi/gcp/cloudrunv2';
import * as kms from '@pulumi/gcp/kms';
import * as projects from '@pulumi/gcp/projects';
import * as serviceaccount from '@pulumi/gcp/serviceaccount';
import * as storage from '@pulumi/gcp/storage';
import { IamSettle } from '../blocks/gcp-iam-settle';
import { childOptions, serviceAgentMember, type GcpChildContext } from '../blocks/pulumi-gcp';
import {
  automationRules,
  EXECUTION_USAGES,
  pipelineStage,
  releaseCommand,
  type ResolvedCloudDeploy,
} from './gcp-cloud-deploy-facts';
import { registerRolloutGate } from './gcp-cloud-deploy-gate';
import { runServiceManifest } from './gcp-cloud-deploy-manifest';
import { serviceEnv } from './gcp-facts';
import type { ResolvedModelEndpoint } from './resolve';

export interface ModelEndpointCloudDeployChildren {
  /**
   * The delivery pipeline's name. The pipeline and its automation are created once the watching MonitoringStack
   * hands over its alert policies (or at the end of the program, without analysis where that is allowed).
   */
  readonly pipelineName: string;
  /** The automation's name. */
  readonly automationName: string;
  readonly target: clouddeploy.Target;
  /** The identity Cloud Deploy renders, deploys and analyses as. */
  readonly executionAccount: serviceaccount.Account;
  /** The identity the automation advances and rolls back as. */
  readonly automationAccount: serviceaccount.Account;
  /** Where release sources are staged and Cloud Deploy keeps its artifacts. */
  readonly releaseBucket: storage.Bucket;
  /** The Cloud Run service manifest of `version`: save it as `service.yaml` and release it with `releaseCommand`. */
  readonly serviceManifest: pulumi.Output<string>;
  /** The Cloud Deploy release name of `version`. */
  readonly releaseName: string;
  /** The `gcloud deploy releases create` command that releases `version`, run next to `service.yaml`. */
  readonly releaseCommand: string;
}

/** What the Cloud Run renderer hands over. */
export interface CloudDeployServiceParts {
  readonly service: cloudrunv2.Service;
  readonly runtimeAccount: serviceaccount.Account;
  readonly keyId: pulumi.Output<string>;
  readonly captureTopicId?: pulumi.Input<string>;
}

const OBJECT_USER = 'roles/storage.objectUser';
const ACT_AS = 'roles/iam.serviceAccountUser';

export function renderCloudDeploy(
  spec: ResolvedModelEndpoint,
  cd: ResolvedCloudDeploy,
  ctx: GcpChildContext,
  parts: CloudDeployServiceParts,
): ModelEndpointCloudDeployChildren {
  const name = spec.constructName;
  const { project, region } = spec.platform;
  const opts = childOptions(ctx);
  const analysed = cd.analysisDuration !== undefined;

  // Release bucket: encrypted with the endpoint's key, which Cloud Storage checks when the bucket is made.
  const storageKey = new kms.CryptoKeyIAMMember(
    `${name}-releases-storage-key`,
    {
      cryptoKeyId: parts.keyId,
      role: KMS_ENCRYPTER_DECRYPTER,
      member: serviceAgentMember(name, 'storage', ctx),
    },
    opts,
  );
  const releaseBucket = new storage.Bucket(
    `${name}-releases`,
    {
      name: cd.releaseBucketName,
      location: region,
      project,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      encryption: { defaultKmsKeyName: parts.keyId },
      labels: ctx.labels,
    },
    childOptions(
      ctx,
      storageKey,
      new IamSettle(`${name}-releases-key-settle`, [storageKey], { parent: ctx.parent }),
    ),
  );

  const account = (id: string, accountId: string, displayName: string) =>
    new serviceaccount.Account(`${name}-${id}`, { accountId, displayName, project }, opts);
  const executionAccount = account(
    'deploy-execution',
    cd.executionAccountId,
    `Cloud Deploy execution identity of the ${spec.endpointName} model endpoint`,
  );
  const automationAccount = account(
    'deploy-automation',
    cd.automationAccountId,
    `Cloud Deploy automation identity of the ${spec.endpointName} model endpoint`,
  );
  const execution = pulumi.interpolate`serviceAccount:${executionAccount.email}`;
  const automationMember = pulumi.interpolate`serviceAccount:${automationAccount.email}`;

  const projectRole = (id: string, role: string) =>
    new projects.IAMMember(`${name}-deploy-${id}`, { project, role, member: execution }, opts);
  const executionGrants: pulumi.Resource[] = [
    projectRole('job-runner', 'roles/clouddeploy.jobRunner'),
    ...(analysed
      ? [
          projectRole('alert-viewer', 'roles/monitoring.alertPolicyViewer'),
          projectRole('usage-consumer', 'roles/serviceusage.serviceUsageConsumer'),
        ]
      : []),
    new cloudrunv2.ServiceIamMember(
      `${name}-deploy-run-developer`,
      { name: parts.service.name, location: region, project, role: 'roles/run.developer', member: execution },
      opts,
    ),
    new serviceaccount.IAMMember(
      `${name}-deploy-acts-as-runtime`,
      { serviceAccountId: parts.runtimeAccount.name, role: ACT_AS, member: execution },
      opts,
    ),
    new storage.BucketIAMMember(
      `${name}-deploy-release-objects`,
      { bucket: releaseBucket.name, role: OBJECT_USER, member: execution },
      opts,
    ),
  ];

  const target = new clouddeploy.Target(
    `${name}-deploy-target`,
    {
      name: cd.targetName,
      location: region,
      project,
      description: `Cloud Run service ${spec.endpointName}`,
      run: { location: `projects/${project}/locations/${region}` },
      executionConfigs: [
        {
          usages: [...EXECUTION_USAGES],
          serviceAccount: executionAccount.email,
          artifactStorage: pulumi.interpolate`gs://${releaseBucket.name}/artifacts`,
        },
      ],
      requireApproval: false,
      labels: ctx.labels,
    },
    childOptions(
      ctx,
      ...executionGrants,
      new IamSettle(`${name}-deploy-grants-settle`, executionGrants, { parent: ctx.parent }),
    ),
  );

  const onPipeline = (id: string, role: string, member: pulumi.Input<string>, pipeline: pulumi.Resource) => [
    new clouddeploy.DeliveryPipelineIamMember(
      `${name}-${id}-pipeline`,
      { name: cd.pipelineName, location: region, project, role, member },
      childOptions(ctx, pipeline),
    ),
    new clouddeploy.TargetIamMember(
      `${name}-${id}-target`,
      { name: cd.targetName, location: region, project, role, member },
      childOptions(ctx, target),
    ),
  ];

  // The pipeline analyses the alert policies of the MonitoringStack that watches the endpoint, so it is created
  // when that stack hands them over (see gcp-cloud-deploy-gate.ts).
  registerRolloutGate(
    ctx.parent,
    name,
    cd.gateRequired,
    (alertPolicies) => {
      const pipeline = new clouddeploy.DeliveryPipeline(
        `${name}-deploy-pipeline`,
        {
          name: cd.pipelineName,
          location: region,
          project,
          description: `Rollouts of the ${spec.endpointName} model endpoint`,
          serialPipeline: pulumi
            .all(alertPolicies)
            .apply((policies) => ({ stages: [pipelineStage(cd, policies)] })),
          labels: ctx.labels,
        },
        childOptions(ctx, target),
      );
      const automationGrants: pulumi.Resource[] = [
        ...onPipeline('automation-operator', 'roles/clouddeploy.operator', automationMember, pipeline),
        new serviceaccount.IAMMember(
          `${name}-automation-acts-as-deploy`,
          { serviceAccountId: executionAccount.name, role: ACT_AS, member: automationMember },
          opts,
        ),
      ];
      new clouddeploy.Automation(
        `${name}-deploy-automation`,
        {
          name: cd.automationName,
          location: region,
          project,
          deliveryPipeline: cd.pipelineName,
          description: cd.autoRollback
            ? 'Advances a rollout after each healthy step; rolls a failed rollout back'
            : 'Advances a rollout after each healthy step',
          serviceAccount: automationAccount.email,
          selector: { targets: [{ id: cd.targetName }] },
          rules: automationRules(cd),
          labels: ctx.labels,
        },
        childOptions(
          ctx,
          pipeline,
          ...automationGrants,
          new IamSettle(`${name}-automation-grants-settle`, automationGrants, { parent: ctx.parent }),
        ),
      );
      cd.releasers.forEach((member, i) =>
        onPipeline(`releaser-${i}`, 'roles/clouddeploy.releaser', member, pipeline),
      );
    },
    cd.analysisSeconds,
  );

  cd.releasers.forEach((member, i) => {
    new serviceaccount.IAMMember(
      `${name}-releaser-${i}-acts-as-deploy`,
      { serviceAccountId: executionAccount.name, role: ACT_AS, member },
      opts,
    );
    new storage.BucketIAMMember(
      `${name}-releaser-${i}-release-objects`,
      { bucket: releaseBucket.name, role: OBJECT_USER, member },
      opts,
    );
  });

  const primary = spec.models[0];
  const env = serviceEnv(spec, parts.captureTopicId);
  const serviceManifest = pulumi
    .all([
      parts.runtimeAccount.email,
      parts.keyId,
      pulumi.output(primary.image!),
      pulumi.all(env.map((e) => pulumi.output(e.value))),
    ])
    .apply(([serviceAccountEmail, encryptionKey, image, values]) =>
      runServiceManifest(spec, {
        serviceAccountEmail,
        encryptionKey,
        image,
        env: env.map((e, i) => ({ name: e.name, value: values[i] })),
      }),
    );

  return {
    pipelineName: cd.pipelineName,
    automationName: cd.automationName,
    target,
    executionAccount,
    automationAccount,
    releaseBucket,
    serviceManifest,
    releaseName: cd.releaseName,
    releaseCommand: releaseCommand(cd, spec.platform),
  };
}
