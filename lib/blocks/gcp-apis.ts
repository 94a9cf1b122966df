/**
 * The Google APIs the GCP renderers use, as pure data. Nothing works in a fresh project before its APIs are
 * enabled, so each construct enables what it needs (`projects.Service`, see `pulumi-gcp.ts`) unless the
 * platform says a platform team does it (`platform.enableApis: false`).
 */

/** Service names as Service Usage knows them (`gcloud services list --available`). */
export const GCP_API = {
  /** Project IAM grants and the project number lookup (Resource Manager). */
  resourceManager: 'cloudresourcemanager.googleapis.com',
  /** Service accounts and custom roles. */
  iam: 'iam.googleapis.com',
  /** Key rings, keys and key grants (CMEK). */
  kms: 'cloudkms.googleapis.com',
  /** Buckets, bucket grants and the Cloud Storage service agent lookup. */
  storage: 'storage.googleapis.com',
  /** Docker repositories. */
  artifactRegistry: 'artifactregistry.googleapis.com',
  /** Vulnerability scanning of images pushed to Artifact Registry (scan on push). */
  containerScanning: 'containerscanning.googleapis.com',
  /** Cloud Run services and jobs, and their grants. */
  run: 'run.googleapis.com',
  /** Workflow definitions. */
  workflows: 'workflows.googleapis.com',
  /** Starting workflow executions (Cloud Scheduler and retrain triggers call it). */
  workflowExecutions: 'workflowexecutions.googleapis.com',
  /** Scheduled retraining. */
  scheduler: 'cloudscheduler.googleapis.com',
  /** The Vertex AI model registry the workflow registers in, and the Vertex AI service agent. */
  vertex: 'aiplatform.googleapis.com',
  /** The workflow's call logs. */
  logging: 'logging.googleapis.com',
  /** Request capture topics, and the subscription that lands captures in BigQuery. */
  pubsub: 'pubsub.googleapis.com',
  /** Alert policies, notification channels and dashboards. */
  monitoring: 'monitoring.googleapis.com',
  /** The table captured requests land in, and the drift job's queries. */
  bigquery: 'bigquery.googleapis.com',
  /** Delivery pipelines, targets, automations and their grants (a ModelEndpoint's `cloud-deploy` rollouts). */
  cloudDeploy: 'clouddeploy.googleapis.com',
  /** Where Cloud Deploy runs its render, deploy and verify jobs. */
  cloudBuild: 'cloudbuild.googleapis.com',
} as const;

export type GcpApi = (typeof GCP_API)[keyof typeof GCP_API];

/**
 * The API each provider resource type and provider function the constructs use calls when Pulumi creates it.
 * Service agents (`projects.ServiceIdentity`) need the API of the service they belong to.
 */
export const API_OF_RESOURCE: Readonly<Record<string, GcpApi>> = {
  'gcp:kms/keyRing:KeyRing': GCP_API.kms,
  'gcp:kms/cryptoKey:CryptoKey': GCP_API.kms,
  'gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember': GCP_API.kms,
  'gcp:storage/bucket:Bucket': GCP_API.storage,
  'gcp:storage/bucketIAMMember:BucketIAMMember': GCP_API.storage,
  'gcp:storage/getProjectServiceAccount:getProjectServiceAccount': GCP_API.storage,
  'gcp:artifactregistry/repository:Repository': GCP_API.artifactRegistry,
  'gcp:serviceaccount/account:Account': GCP_API.iam,
  'gcp:projects/iAMCustomRole:IAMCustomRole': GCP_API.iam,
  'gcp:projects/iAMMember:IAMMember': GCP_API.resourceManager,
  'gcp:organizations/getProject:getProject': GCP_API.resourceManager,
  'gcp:cloudrunv2/job:Job': GCP_API.run,
  'gcp:cloudrunv2/jobIamMember:JobIamMember': GCP_API.run,
  'gcp:cloudrunv2/service:Service': GCP_API.run,
  'gcp:cloudrunv2/serviceIamMember:ServiceIamMember': GCP_API.run,
  'gcp:workflows/workflow:Workflow': GCP_API.workflows,
  'gcp:cloudscheduler/job:Job': GCP_API.scheduler,
  'gcp:pubsub/topic:Topic': GCP_API.pubsub,
  'gcp:pubsub/topicIAMMember:TopicIAMMember': GCP_API.pubsub,
  'gcp:pubsub/subscription:Subscription': GCP_API.pubsub,
  'gcp:monitoring/notificationChannel:NotificationChannel': GCP_API.monitoring,
  'gcp:monitoring/alertPolicy:AlertPolicy': GCP_API.monitoring,
  'gcp:monitoring/dashboard:Dashboard': GCP_API.monitoring,
  'gcp:logging/metric:Metric': GCP_API.logging,
  'gcp:bigquery/dataset:Dataset': GCP_API.bigquery,
  'gcp:bigquery/table:Table': GCP_API.bigquery,
  'gcp:bigquery/iamMember:IamMember': GCP_API.bigquery,
  'gcp:bigquery/getDefaultServiceAccount:getDefaultServiceAccount': GCP_API.bigquery,
  'gcp:serviceaccount/iAMMember:IAMMember': GCP_API.iam,
  'gcp:clouddeploy/target:Target': GCP_API.cloudDeploy,
  'gcp:clouddeploy/targetIamMember:TargetIamMember': GCP_API.cloudDeploy,
  'gcp:clouddeploy/deliveryPipeline:DeliveryPipeline': GCP_API.cloudDeploy,
  'gcp:clouddeploy/deliveryPipelineIamMember:DeliveryPipelineIamMember': GCP_API.cloudDeploy,
  'gcp:clouddeploy/automation:Automation': GCP_API.cloudDeploy,
};

/** What an MlPipeline uses: at deploy time, and at run time (executions, registration, logs, scanning). */
export function mlPipelineApis(options: { readonly scheduled: boolean }): GcpApi[] {
  return [
    GCP_API.resourceManager,
    GCP_API.iam,
    GCP_API.kms,
    GCP_API.storage,
    GCP_API.artifactRegistry,
    GCP_API.containerScanning,
    GCP_API.run,
    GCP_API.workflows,
    GCP_API.workflowExecutions,
    GCP_API.vertex,
    GCP_API.logging,
    ...(options.scheduled ? [GCP_API.scheduler] : []),
  ];
}

/** What a ModelEndpoint uses; Pub/Sub only when it captures requests, Cloud Deploy and Cloud Build only when Cloud Deploy rolls out. */
export function modelEndpointApis(options: {
  readonly capture: boolean;
  readonly cloudDeploy?: boolean;
}): GcpApi[] {
  return [
    GCP_API.resourceManager,
    GCP_API.iam,
    GCP_API.kms,
    GCP_API.storage,
    GCP_API.run,
    ...(options.capture ? [GCP_API.pubsub] : []),
    ...(options.cloudDeploy ? [GCP_API.cloudDeploy, GCP_API.cloudBuild] : []),
  ];
}

/**
 * What a MonitoringStack uses: Cloud Monitoring (and Logging, whose log-based metric the drift alert reads); with
 * the drift check also the capture subscription (Pub/Sub), its table (BigQuery), the drift job (Cloud Run, its
 * identity and key, the baseline's bucket) and its schedule; with retraining, the workflow executions it starts.
 */
export function monitoringStackApis(options: {
  readonly drift: boolean;
  readonly retrain: boolean;
}): GcpApi[] {
  return [
    GCP_API.resourceManager,
    GCP_API.monitoring,
    ...(options.drift
      ? [
          GCP_API.logging,
          GCP_API.iam,
          GCP_API.kms,
          GCP_API.storage,
          GCP_API.pubsub,
          GCP_API.bigquery,
          GCP_API.run,
          GCP_API.scheduler,
        ]
      : []),
    ...(options.drift && options.retrain ? [GCP_API.workflowExecutions] : []),
  ];
}

/** The logical-name suffix of an API's `projects.Service`: `run` for `run.googleapis.com`. */
export function apiShortName(api: GcpApi): string {
  return api.replace(/\.googleapis\.com$/, '');
}
