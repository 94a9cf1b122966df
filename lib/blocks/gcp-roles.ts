/**
 * IAM roles the GCP renderers need that no predefined role grants narrowly enough, as pure data.
 *
 * Watching a Cloud Run job run: the Workflows connector `googleapis.run.v2.projects.locations.jobs.run` starts
 * an execution and then polls the long-running operation it returned, which needs `run.operations.get`.
 * `roles/run.jobsExecutorWithOverrides` grants only `run.jobs.run`, `run.jobs.runWithOverrides` and
 * `run.executions.cancel`. The narrowest predefined role with `run.operations.get` is `roles/run.viewer`, which
 * also reads every Cloud Run service and job of the project, with their environment. Operations are named
 * `projects/P/locations/L/operations/ID`, not under a job, so the grant cannot be made on the job: the
 * construct makes a custom role holding that one permission and grants it on the project.
 */

/** The permission a workflow needs to see a job run it started finish. */
export const RUN_OPERATIONS_GET = 'run.operations.get';

/**
 * The id of a pipeline's operation-reader role, from its physical name (`churn-staging` gives
 * `churn_staging_runOperationsReader`). Custom role ids stay reserved for up to 37 days after deletion; the
 * provider undeletes a deleted role of the same id when it is created again.
 */
export function runOperationsReaderRoleId(pipelineName: string): string {
  // Custom role ids take letters, digits, `_` and `.`, at most 64 characters.
  const suffix = '_runOperationsReader';
  return `${pipelineName.replace(/[^a-zA-Z0-9_.]/g, '_').slice(0, 64 - suffix.length)}${suffix}`;
}

/** Lets a service account (or service agent) encrypt and decrypt with one Cloud KMS key: the CMEK grant. */
export const KMS_ENCRYPTER_DECRYPTER = 'roles/cloudkms.cryptoKeyEncrypterDecrypter';
