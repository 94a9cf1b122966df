/**
 * Renders a resolved MlPipeline to GCP through Pulumi: CMEK, versioned private buckets, Artifact Registry,
 * Cloud Run jobs for training and evaluation, a Cloud Workflows pipeline that gates on the metric and
 * registers in the Vertex AI model registry at run time, and a Cloud Scheduler job that starts it.
 */
import * as pulumi from '@pulumi/pulumi';
import { getClientConfigOutput } from '@pulumi/gcp/organizations/getClientConfig';
import * as artifactregistry from '@pulumi/gcp/artifactregistry';
import * as cloudrunv2 from '@pulumi/gcp/cloudrunv2';
import * as cloudscheduler from '@pulumi/gcp/cloudscheduler';
import * as kms from '@pulumi/gcp/kms';
import * as projects from '@pulumi/gcp/projects';
import * as serviceaccount from '@pulumi/gcp/serviceaccount';
import * as storage from '@pulumi/gcp/storage';
import * as workflows from '@pulumi/gcp/workflows';
import { mlPipelineApis } from '../blocks/gcp-apis';
import { IamSettle } from '../blocks/gcp-iam-settle';
import { kmsLocationOfBucket } from '../blocks/gcp-kms-locations';
import { gcsLocation } from '../blocks/gcp-locations';
import { KMS_ENCRYPTER_DECRYPTER, RUN_OPERATIONS_GET, runOperationsReaderRoleId } from '../blocks/gcp-roles';
import {
  childOptions,
  enableGcpApis,
  gcpCustomerKey,
  serviceAgentMember,
  type GcpChildContext,
} from '../blocks/pulumi-gcp';
import {
  MOUNTS,
  bucketLifecycleRules,
  evaluationEnvironment,
  executionsUrl,
  jobNames,
  repositoryCleanupPolicies,
  serviceAccountIds,
  trainingEnvironment,
  vertexModelName,
  workflowDefinition,
} from './gcp-facts';
import type { RenderedPipeline } from './rendered';
import { pipelineImages, type ResolvedMlPipeline } from './resolve';

export interface MlPipelineGcpChildren {
  readonly workflow: workflows.Workflow;
  readonly trainingJob: cloudrunv2.Job;
  readonly evaluationJob: cloudrunv2.Job;
  readonly repository: artifactregistry.Repository;
  /** The data bucket; undefined when `data.bucketName` brought an existing one. */
  readonly dataBucket?: storage.Bucket;
  readonly artifactBucket: storage.Bucket;
  readonly trainerAccount: serviceaccount.Account;
  readonly pipelineAccount: serviceaccount.Account;
  /** The key the construct created; undefined when the platform brought one. */
  readonly key?: kms.CryptoKey;
  /**
   * The buckets' own key, in their location, when `platform.bucketLocation` puts them outside the region;
   * undefined for regional buckets or when the platform brought a key.
   */
  readonly bucketKey?: kms.CryptoKey;
  /** Undefined when retraining is on demand only. */
  readonly schedule?: cloudscheduler.Job;
  readonly schedulerAccount?: serviceaccount.Account;
  /** The APIs the pipeline enabled; empty when `platform.enableApis` is false. */
  readonly apis: projects.Service[];
}

const ENCRYPTER = KMS_ENCRYPTER_DECRYPTER;

export function renderGcp(
  spec: ResolvedMlPipeline,
  parent: pulumi.Resource,
): RenderedPipeline<MlPipelineGcpChildren> {
  const name = spec.constructName;
  const { project, region } = spec.platform;
  const apis = enableGcpApis(name, mlPipelineApis({ scheduled: !!spec.gcp.cron }), parent, spec.platform);
  const ctx: GcpChildContext = { parent, platform: spec.platform, labels: { ...spec.tags }, apis };
  const opts = childOptions(ctx);
  const keep = (...after: pulumi.Resource[]) => ({
    ...childOptions(ctx, ...after),
    retainOnDelete: spec.platform.retainOnDelete,
  });
  const { keyId, key } = gcpCustomerKey(name, ctx);
  // Cloud Storage takes a key only from the bucket's own location: buckets in a dual- or multi-region get a key
  // there (the platform's own key is used as given).
  const bucketLocation = bucketLocationOf(spec);
  const bucketKey =
    bucketLocation === region
      ? { keyId, key: undefined }
      : gcpCustomerKey(name, ctx, { location: bucketKeyLocation(bucketLocation), suffix: '-buckets' });
  const keyGrant = (id: string, member: pulumi.Input<string>, cryptoKeyId: pulumi.Input<string> = keyId) =>
    new kms.CryptoKeyIAMMember(`${name}-${id}-agent-key`, { cryptoKeyId, role: ENCRYPTER, member }, opts);
  const vertexAgent = serviceAgentMember(name, 'aiplatform', ctx);
  const storageKey = keyGrant('storage', serviceAgentMember(name, 'storage', ctx), bucketKey.keyId);
  const registryKey = keyGrant('artifact-registry', serviceAgentMember(name, 'artifactregistry', ctx));
  const runKey = keyGrant('run', serviceAgentMember(name, 'run', ctx));
  const workflowsKey = keyGrant('workflows', serviceAgentMember(name, 'workflows', ctx));
  const vertexKey = keyGrant('aiplatform', vertexAgent);
  // Each service agent uses the key when the resource is made: give the fresh grants time to apply.
  const keysSettled = new IamSettle(
    `${name}-key-grants-settle`,
    [storageKey, registryKey, runKey, workflowsKey, vertexKey],
    { parent },
  );

  const bucket = (role: string, bucketName: string) =>
    new storage.Bucket(
      `${name}-${role}`,
      {
        name: bucketName,
        location: bucketLocation,
        project,
        uniformBucketLevelAccess: true,
        publicAccessPrevention: 'enforced',
        versioning: { enabled: true },
        encryption: { defaultKmsKeyName: bucketKey.keyId },
        lifecycleRules: bucketLifecycleRules(spec),
        labels: ctx.labels,
      },
      // Cloud Storage checks the key when the bucket is made: its agent must hold the key first.
      keep(storageKey, keysSettled),
    );
  const dataBucket = spec.data.existingBucketName ? undefined : bucket('data', spec.gcp.dataBucketName);
  const dataBucketName = dataBucket ? dataBucket.name : pulumi.output(spec.data.existingBucketName!);
  const artifactBucket = bucket('artifacts', spec.gcp.artifactBucketName);

  const repository = new artifactregistry.Repository(
    `${name}-images`,
    {
      repositoryId: spec.repositoryName,
      format: 'DOCKER',
      location: region,
      project,
      description: `Training and serving images of the ${spec.pipelineName} pipeline.`,
      kmsKeyName: keyId,
      dockerConfig: { immutableTags: true },
      cleanupPolicies: repositoryCleanupPolicies(spec),
      // Scan on push, as ECR does on aws: INHERITED follows the project, where the construct enables the
      // Container Scanning API (the only other value is DISABLED).
      vulnerabilityScanningConfig: { enablementConfig: 'INHERITED' },
      labels: ctx.labels,
    },
    keep(registryKey, keysSettled),
  );

  const images = pipelineImages(spec, spec.training.build && buildTrainingImage(spec, repository, ctx));

  const ids = serviceAccountIds(spec);
  const account = (role: keyof typeof ids, displayName: string) =>
    new serviceaccount.Account(`${name}-${role}`, { accountId: ids[role], displayName, project }, opts);
  const trainerAccount = account('trainer', `Training and evaluation jobs of ${spec.pipelineName}`);
  const pipelineAccount = account('pipeline', `Runs the ${spec.pipelineName} pipeline`);
  const trainer = pulumi.interpolate`serviceAccount:${trainerAccount.email}`;
  const pipelineMember = pulumi.interpolate`serviceAccount:${pipelineAccount.email}`;

  const grants: pulumi.Resource[] = [
    new storage.BucketIAMMember(
      `${name}-trainer-reads-data`,
      { bucket: dataBucketName, role: 'roles/storage.objectViewer', member: trainer },
      opts,
    ),
    new storage.BucketIAMMember(
      `${name}-trainer-writes-artifacts`,
      { bucket: artifactBucket.name, role: 'roles/storage.objectUser', member: trainer },
      opts,
    ),
  ];
  // The champion is looked up by the workflow (pipeline account) and handed to the evaluation as a mounted
  // directory: the trainer needs no Vertex AI role.

  const network = spec.platform.network;
  const vpcAccess =
    network.vpcNetwork || network.vpcSubnetwork
      ? {
          egress: 'PRIVATE_RANGES_ONLY',
          networkInterfaces: [{ network: network.vpcNetwork, subnetwork: network.vpcSubnetwork }],
        }
      : undefined;
  const names = jobNames(spec);
  const job = (
    role: 'train' | 'evaluate',
    image: pulumi.Input<string>,
    command: readonly string[] | undefined,
    env: Record<string, string>,
    limits: Record<string, string>,
    gpuType: string | undefined,
  ) =>
    new cloudrunv2.Job(
      `${name}-${role}`,
      {
        name: names[role],
        location: region,
        project,
        // Jobs hold no data: the buckets, registry and model registry do. Let `pulumi destroy` remove them.
        deletionProtection: false,
        labels: ctx.labels,
        template: {
          taskCount: 1,
          parallelism: 1,
          labels: ctx.labels,
          template: {
            serviceAccount: trainerAccount.email,
            encryptionKey: keyId,
            executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
            // Both jobs get the training run time as their task timeout (evaluation has no limit of its own);
            // the workflow waits on either for this plus a margin (jobRunTimeoutSeconds).
            timeout: `${spec.training.maxRuntimeSeconds}s`,
            // The workflow decides about retries: a failed run fails the pipeline.
            maxRetries: 0,
            ...(gpuType ? { nodeSelector: { accelerator: gpuType }, gpuZonalRedundancyDisabled: true } : {}),
            ...(vpcAccess ? { vpcAccess } : {}),
            volumes: [
              { name: 'data', gcs: { bucket: dataBucketName, readOnly: true } },
              { name: 'artifacts', gcs: { bucket: artifactBucket.name, readOnly: false } },
            ],
            containers: [
              {
                image,
                commands: command ? [...command] : undefined,
                envs: Object.entries(env).map(([envName, value]) => ({ name: envName, value })),
                resources: { limits },
                volumeMounts: [
                  { name: 'data', mountPath: MOUNTS.data },
                  { name: 'artifacts', mountPath: MOUNTS.artifacts },
                ],
              },
            ],
          },
        },
      },
      // The run agent must hold the key, and the trainer its buckets, before a job can start.
      childOptions(ctx, runKey, keysSettled, ...grants),
    );
  const gpuType = spec.gcp.training.gpuType;
  const trainingJob = job(
    'train',
    images.training,
    spec.training.command,
    trainingEnvironment(spec),
    {
      cpu: spec.gcp.training.cpu,
      memory: spec.gcp.training.memory,
      ...(gpuType ? { 'nvidia.com/gpu': '1' } : {}),
    },
    gpuType,
  );
  const evaluationJob = job(
    'evaluate',
    images.evaluation,
    spec.evaluation.command,
    evaluationEnvironment(spec),
    { cpu: spec.gcp.evaluation.cpu, memory: spec.gcp.evaluation.memory },
    undefined,
  );

  const pipelineGrants: pulumi.Resource[] = [
    ...[trainingJob, evaluationJob].map(
      (j, i) =>
        new cloudrunv2.JobIamMember(
          `${name}-pipeline-runs-${i === 0 ? 'train' : 'evaluate'}`,
          {
            name: j.name,
            location: region,
            project,
            role: 'roles/run.jobsExecutorWithOverrides',
            member: pipelineMember,
          },
          opts,
        ),
    ),
    new storage.BucketIAMMember(
      `${name}-pipeline-reads-reports`,
      { bucket: artifactBucket.name, role: 'roles/storage.objectViewer', member: pipelineMember },
      opts,
    ),
    // Vertex AI uploads the model from the artifact bucket as its service agent.
    new storage.BucketIAMMember(
      `${name}-vertex-reads-models`,
      { bucket: artifactBucket.name, role: 'roles/storage.objectViewer', member: vertexAgent },
      opts,
    ),
    // Vertex AI models have no resource-level IAM: uploading a version needs the project role.
    new projects.IAMMember(
      `${name}-pipeline-registers-models`,
      { project, role: 'roles/aiplatform.user', member: pipelineMember },
      opts,
    ),
    // The job-run connector polls the operation it started: `run.operations.get`, in a role of its own.
    new projects.IAMMember(
      `${name}-pipeline-watches-jobs`,
      { project, role: operationsReader(spec, ctx), member: pipelineMember },
      opts,
    ),
    new projects.IAMMember(
      `${name}-pipeline-writes-logs`,
      { project, role: 'roles/logging.logWriter', member: pipelineMember },
      opts,
    ),
  ];

  const workflow = new workflows.Workflow(
    `${name}-pipeline`,
    {
      name: spec.pipelineName,
      region,
      project,
      description: `Trains, evaluates and registers ${spec.registry.modelGroupName} when ${spec.qualityGate.metric} passes the quality gate.`,
      serviceAccount: pipelineAccount.email,
      cryptoKeyName: keyId,
      callLogLevel: 'LOG_ERRORS_ONLY',
      deletionProtection: false,
      labels: ctx.labels,
      sourceContents: pulumi
        .all([trainingJob.name, evaluationJob.name, artifactBucket.name, images.serving, keyId])
        .apply(([trainJobName, evaluateJobName, artifactBucketName, servingImage, key]) =>
          JSON.stringify(
            workflowDefinition(spec, {
              trainJobName,
              evaluateJobName,
              artifactBucketName,
              servingImage,
              keyId: key,
            }),
            null,
            2,
          ),
        ),
    },
    childOptions(ctx, workflowsKey, vertexKey, keysSettled, ...pipelineGrants),
  );

  let schedule: cloudscheduler.Job | undefined;
  let schedulerAccount: serviceaccount.Account | undefined;
  if (spec.gcp.cron) {
    schedulerAccount = account('scheduler', `Starts the ${spec.pipelineName} pipeline on schedule`);
    // Project-level and unconditional on purpose. Workflows has no per-workflow IAM (the provider exposes
    // no workflow IAM resource) and does not evaluate IAM conditions on `resource.name`, so a condition
    // would deny every tick. The scope is acceptable because this account is dedicated to this one
    // scheduler job: it holds no other role and nothing else runs as it, so all it can do is start
    // executions of the project's workflows, which run as their own accounts.
    const invoker = new projects.IAMMember(
      `${name}-scheduler-invokes-pipeline`,
      {
        project,
        role: 'roles/workflows.invoker',
        member: pulumi.interpolate`serviceAccount:${schedulerAccount.email}`,
      },
      opts,
    );
    schedule = new cloudscheduler.Job(
      `${name}-retrain`,
      {
        name: `${spec.pipelineName}-retrain`,
        region,
        project,
        description: `Retrains ${spec.pipelineName} on schedule.`,
        schedule: spec.gcp.cron,
        timeZone: 'Etc/UTC',
        attemptDeadline: '320s',
        retryConfig: { retryCount: 3 },
        httpTarget: {
          httpMethod: 'POST',
          uri: workflow.id.apply(executionsUrl),
          headers: { 'Content-Type': 'application/json' },
          body: Buffer.from('{}').toString('base64'),
          oauthToken: {
            serviceAccountEmail: schedulerAccount.email,
            scope: 'https://www.googleapis.com/auth/cloud-platform',
          },
        },
      },
      childOptions(ctx, invoker),
    );
  }

  const gs = (b: pulumi.Output<string>, path = '') => b.apply((n) => `gs://${n}/${path}`);
  return {
    dataBucketName,
    dataBucketUri: gs(dataBucketName, spec.data.prefix),
    artifactBucketName: artifactBucket.name,
    artifactBucketUri: gs(artifactBucket.name),
    containerRegistryUrl: repository.registryUri,
    modelRegistry: pulumi.output(vertexModelName(spec)),
    pipelineName: workflow.name,
    pipelineId: workflow.id,
    retrainTrigger: workflow.id,
    // Each run writes its baseline beside its model, in runs/<run id>/baseline/.
    baselineUri: gs(artifactBucket.name, 'runs/'),
    children: {
      workflow,
      trainingJob,
      evaluationJob,
      repository,
      dataBucket,
      artifactBucket,
      trainerAccount,
      pipelineAccount,
      key,
      bucketKey: bucketKey.key,
      schedule,
      schedulerAccount,
      apis,
    },
  };
}

/**
 * The buckets' location: the platform's region, or the dual-region or multi-region that `platform.bucketLocation`
 * asks for (`lib/blocks/gcp-locations.ts`). A region is given as the platform names it, so existing buckets see no
 * change.
 */
function bucketLocationOf(spec: ResolvedMlPipeline): string {
  const { region, bucketLocation: choice } = spec.platform;
  if (choice === 'region') return region;
  const location = gcsLocation(region, choice);
  // resolvePlatform refuses a choice with no location for the region (gcsLocationProblem): never undefined here.
  return location!;
}

/** A project role with only `run.operations.get`; its full name, for a grant. */
function operationsReader(spec: ResolvedMlPipeline, ctx: GcpChildContext): pulumi.Output<string> {
  const role = new projects.IAMCustomRole(
    `${spec.constructName}-run-operations-reader`,
    {
      project: spec.platform.project,
      roleId: runOperationsReaderRoleId(spec.pipelineName),
      title: `Watch Cloud Run job runs of ${spec.pipelineName}`,
      description: 'Lets the pipeline workflow poll the job runs it starts (run.operations.get only).',
      permissions: [RUN_OPERATIONS_GET],
      stage: 'GA',
    },
    childOptions(ctx),
  );
  return pulumi.interpolate`projects/${role.project}/roles/${role.roleId}`;
}

/** Builds the training image and pushes it to the pipeline's Artifact Registry; returns its digest. */
function buildTrainingImage(
  spec: ResolvedMlPipeline,
  repository: artifactregistry.Repository,
  ctx: GcpChildContext,
) {
  // Loaded only for builds: most stacks pass an image and never need the Docker provider.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { buildAndPush } =
    require('../blocks/pulumi-image-build') as typeof import('../blocks/pulumi-image-build');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const token = getClientConfigOutput({ parent: ctx.parent }).accessToken;
  return buildAndPush(
    `${spec.constructName}-training-build`,
    spec.training.build!,
    {
      repository: pulumi.interpolate`${repository.registryUri}/training`,
      server: `${spec.platform.region}-docker.pkg.dev`,
      // Artifact Registry takes the caller's OAuth access token with this fixed user name.
      username: 'oauth2accesstoken',
      password: token,
    },
    // Pushed into the repository this deploy creates: the build waits for it (and for its APIs).
    childOptions(ctx, repository),
  );
}

/** The Cloud KMS location of the buckets' key; platform validation has refused a bucket location without one. */
function bucketKeyLocation(bucketLocation: string): string {
  const location = kmsLocationOfBucket(bucketLocation);
  if (!location) throw new Error(`no Cloud KMS location is known for buckets in ${bucketLocation}`);
  return location;
}
