/**
 * The cloud readers of the promotion gates, per cloud: the open alarms of a stage (`noOpenAlarms`) and the approval
 * of an aws registry version (`registry-approval`). gcp open alerts are read from an evidence file only (see
 * `GCP_ALERTS_EVIDENCE_HINT`).
 */
import type { ReleaseCloud } from '../release-types';
import type { OpenAlarmsEvidence, RegistryApprovalEvidence } from '../evidence';
import {
  UNCHECKED_APPROVAL_AT_DEPLOY,
  awsCredentialsFound,
  checkAwsRegistryApproval,
  readAwsOpenAlarms,
} from './aws';
import { DEFAULT_ALERTMANAGER_URL, readAlertmanagerOpenAlarms } from './docker';

export { checkAwsRegistryApproval, readAwsOpenAlarms, UNCHECKED_APPROVAL_AT_DEPLOY } from './aws';
export { DEFAULT_ALERTMANAGER_URL, readAlertmanagerOpenAlarms } from './docker';

/** How to produce the gcp evidence file (quoted when a gcp stage's alarms are asked for without one). */
export const GCP_ALERTS_EVIDENCE_HINT =
  'save the stage project\'s open alerts with `curl -sfG -H "Authorization: Bearer $(gcloud auth print-access-token)" ' +
  '"https://monitoring.googleapis.com/v3/projects/<project>/alerts" --data-urlencode \'filter=state="OPEN"\' ' +
  "--data-urlencode 'pageSize=1000' > alerts.json` right before promoting (its age is the file's modification time) and pass " +
  '`--alarms-evidence alerts.json`';

/** Options of `readOpenAlarms`. */
export interface ReadOpenAlarmsOptions {
  /** Only alarms whose name starts with it count. Default: every alarm counts. */
  readonly alarmNamePrefix?: string;
  /** aws: the stage's region. Required on aws. */
  readonly region?: string;
  /** aws: the CloudWatch endpoint. Default: the SDK's (honours `AWS_ENDPOINT_URL`). */
  readonly endpoint?: string;
  /** docker: Alertmanager's base URL. Default: `http://127.0.0.1:9093`. */
  readonly alertmanagerUrl?: string;
}

/** Evidence, or why there is none (the gate then fails with this reason). */
export type OpenAlarmsReading = OpenAlarmsEvidence | { error: string };

/** The open alarms of a stage, read through the cloud's API. Never throws: a failure is `{ error }`. */
export async function readOpenAlarms(
  cloud: ReleaseCloud,
  options: ReadOpenAlarmsOptions,
): Promise<OpenAlarmsReading> {
  switch (cloud) {
    case 'aws': {
      if (!options.region) return { error: 'the aws stage has no region to read its CloudWatch alarms in' };
      try {
        const evidence = await readAwsOpenAlarms({
          region: options.region,
          ...(options.endpoint ? { endpoint: options.endpoint } : {}),
          ...(options.alarmNamePrefix ? { alarmNamePrefix: options.alarmNamePrefix } : {}),
        });
        return (
          evidence ?? {
            error:
              "no AWS credentials (the SDK's default chain found none) to read the CloudWatch alarms; sign in, or " +
              'save them with `aws cloudwatch describe-alarms --state-value ALARM > alarms.json` and pass ' +
              '`--alarms-evidence alarms.json`',
          }
        );
      } catch (e) {
        return { error: (e as Error).message };
      }
    }
    case 'docker':
      return readAlertmanagerOpenAlarms({
        url: options.alertmanagerUrl ?? DEFAULT_ALERTMANAGER_URL,
        ...(options.alarmNamePrefix ? { alarmNamePrefix: options.alarmNamePrefix } : {}),
      });
    case 'gcp':
      return { error: `gcp open alerts are read from an evidence file only: ${GCP_ALERTS_EVIDENCE_HINT}` };
  }
}

/** The aws registry version a release names, with where to look. */
export interface RegistryApprovalOptions {
  /**
   * The model package group. Without it (a schema 0 release) nothing can be looked up: with AWS credentials the
   * verdict is checked and not Approved (the gate fails and says to name the group), without them not checked.
   */
  readonly group?: string;
  readonly version: number;
  /** aws: the region of the registry. Required on aws. */
  readonly region?: string;
  /** The version's ARN when known. Default: looked up in the group. */
  readonly modelPackageArn?: string;
  /** aws: the SageMaker endpoint. Default: the SDK's (honours `AWS_ENDPOINT_URL`). */
  readonly endpoint?: string;
}

/**
 * Whether the registry version is approved. Only aws has a registry: elsewhere `{ checked: false }` saying so.
 * A missing region and errors of the API (access denied, network) are thrown: the gate turns them into a failing
 * verdict.
 */
export async function checkRegistryApproval(
  cloud: ReleaseCloud,
  options: RegistryApprovalOptions,
): Promise<RegistryApprovalEvidence> {
  if (cloud !== 'aws') {
    return {
      checked: false,
      reason: `not applicable: ${cloud} has no model registry (releases name an artifact)`,
    };
  }
  if (!options.region) {
    throw new Error('the aws stage has no region (aws:region) to look the registry version up in');
  }
  if (options.group === undefined) {
    const what = `model package version ${options.version}`;
    if (!(await awsCredentialsFound(options.region, options.endpoint)))
      return {
        checked: false,
        reason: `not checked: no AWS credentials (the SDK's default chain found none), and the release names no model package group to find ${what} in; ${UNCHECKED_APPROVAL_AT_DEPLOY}`,
      };
    return {
      checked: true,
      reason: `cannot check the approval of ${what}: the release names no model package group (fix: add \`model.registry.group\`, the serving pipeline's SageMaker model package group such as \`churn-models\`, to the release)`,
    };
  }
  return checkAwsRegistryApproval({
    region: options.region,
    group: options.group,
    version: options.version,
    ...(options.modelPackageArn ? { modelPackageArn: options.modelPackageArn } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
}
