/**
 * aws readers for the promotion gates: CloudWatch alarms in state ALARM (`noOpenAlarms`) and the approval status
 * of a SageMaker model package version (`registry-approval`). The AWS SDK clients are optional peer dependencies
 * loaded on first use; credentials come from the SDK's default provider chain (environment, shared config and
 * SSO profiles, web identity, container and instance metadata).
 */
import type * as CloudWatch from '@aws-sdk/client-cloudwatch';
import type * as SageMaker from '@aws-sdk/client-sagemaker';
import type { OpenAlarmsEvidence, RegistryApprovalEvidence } from '../evidence';
import { loadOptionalPackage } from './optional-package';

/** Where the aws readers call. */
export interface AwsReaderOptions {
  /** The stage's region, such as `eu-west-1`. Required. */
  readonly region: string;
  /**
   * The service endpoint. Default: the SDK's (which honours `AWS_ENDPOINT_URL` and
   * `AWS_ENDPOINT_URL_<SERVICE>`, such as `AWS_ENDPOINT_URL_CLOUDWATCH`).
   */
  readonly endpoint?: string;
}

/** What happens at deploy when the approval could not be checked (quoted by the gate's verdict). */
export const UNCHECKED_APPROVAL_AT_DEPLOY =
  "SageMaker's API reference says a versioned model package must have ModelApprovalStatus Approved to be " +
  'deployed, so expect `pulumi up`/`cdk deploy` of an unapproved version to fail there instead of here; approve ' +
  'it first with `aws sagemaker update-model-package --model-package-arn <arn> --model-approval-status Approved`';

type CloudWatchModule = typeof CloudWatch;
type SageMakerModule = typeof SageMaker;

function cloudWatch(): CloudWatchModule {
  return loadOptionalPackage<CloudWatchModule>(
    '@aws-sdk/client-cloudwatch',
    'read the open CloudWatch alarms of an aws stage (the noOpenAlarms gate)',
  );
}

function sageMaker(): SageMakerModule {
  return loadOptionalPackage<SageMakerModule>(
    '@aws-sdk/client-sagemaker',
    'check that an aws release names an Approved model package version (the registry-approval gate)',
  );
}

/** Whether the SDK's default chain finds credentials; `false` when every provider came up empty. */
async function hasCredentials(client: { config: { credentials: () => Promise<unknown> } }): Promise<boolean> {
  try {
    await client.config.credentials();
    return true;
  } catch (e) {
    if ((e as Error).name === 'CredentialsProviderError') return false;
    throw e;
  }
}

/** Whether the SDK's default chain finds AWS credentials (read nothing else; for checks that cannot start). */
export async function awsCredentialsFound(region: string, endpoint?: string): Promise<boolean> {
  const sdk = sageMaker();
  const client = new sdk.SageMakerClient({ region, ...(endpoint ? { endpoint } : {}) });
  try {
    return await hasCredentials(client);
  } finally {
    client.destroy();
  }
}

/**
 * The CloudWatch alarms in state ALARM (metric and composite), through DescribeAlarms with StateValue=ALARM,
 * every page. `undefined` when the SDK finds no AWS credentials. API errors (access denied, unknown region) are
 * thrown as the SDK raised them, prefixed with what was being read.
 */
export async function readAwsOpenAlarms(
  options: AwsReaderOptions & { readonly alarmNamePrefix?: string },
): Promise<OpenAlarmsEvidence | undefined> {
  const sdk = cloudWatch();
  const client = new sdk.CloudWatchClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  try {
    if (!(await hasCredentials(client))) return undefined;
    const checkedAt = new Date();
    const openAlarms: { name: string; state: string }[] = [];
    let nextToken: string | undefined;
    do {
      const page: CloudWatch.DescribeAlarmsCommandOutput = await client.send(
        new sdk.DescribeAlarmsCommand({
          StateValue: 'ALARM',
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          ...(options.alarmNamePrefix ? { AlarmNamePrefix: options.alarmNamePrefix } : {}),
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
        if (alarm.AlarmName && alarm.StateValue === 'ALARM') {
          openAlarms.push({ name: alarm.AlarmName, state: alarm.StateValue });
        }
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return { source: `cloudwatch ${options.region}`, checkedAt, openAlarms };
  } catch (e) {
    throw new Error(`reading the CloudWatch alarms in ${options.region}: ${(e as Error).message}`, {
      cause: e,
    });
  } finally {
    client.destroy();
  }
}

/** The model package version a release names. */
export interface AwsRegistryVersion extends AwsReaderOptions {
  /** The model package group's name (or ARN). Required. */
  readonly group: string;
  /** The version number in the group. Required. */
  readonly version: number;
  /**
   * The version's ARN, when known (`arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>`).
   * Default: looked up with ListModelPackages in the group, since the ARN needs the account and the lowercased group.
   */
  readonly modelPackageArn?: string;
}

/**
 * The approval status of a model package version, through DescribeModelPackage (its `ModelPackageName` takes the
 * version's ARN; a versioned package has no name of its own, so without `modelPackageArn` the ARN is first found
 * with ListModelPackages in the group). `checked: false` when the SDK finds no AWS credentials. A version that does
 * not exist is `checked: true` without a status.
 */
export async function checkAwsRegistryApproval(
  options: AwsRegistryVersion,
): Promise<RegistryApprovalEvidence> {
  const sdk = sageMaker();
  const client = new sdk.SageMakerClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  const label = `model package group ${options.group} version ${options.version}`;
  try {
    if (!(await hasCredentials(client))) {
      return {
        checked: false,
        reason: `not checked: no AWS credentials (the SDK's default chain found none) to read ${label}; ${UNCHECKED_APPROVAL_AT_DEPLOY}`,
      };
    }
    const arn =
      options.modelPackageArn ?? (await findVersionArn(sdk, client, options.group, options.version));
    if (!arn) {
      return { checked: true, reason: `${label} does not exist in ${options.region}` };
    }
    const described = await client.send(new sdk.DescribeModelPackageCommand({ ModelPackageName: arn }));
    const status = described.ModelApprovalStatus;
    if (!status) return { checked: true, reason: `${label} (${arn}) has no ModelApprovalStatus` };
    return {
      checked: true,
      status,
      reason:
        status === 'Approved'
          ? `${label} is Approved`
          : `${label} is ${status}, not Approved: SageMaker deploys only Approved versions; approve it with ` +
            `\`aws sagemaker update-model-package --model-package-arn ${arn} --model-approval-status Approved\``,
    };
  } catch (e) {
    throw new Error(`checking the approval of ${label} in ${options.region}: ${(e as Error).message}`, {
      cause: e,
    });
  } finally {
    client.destroy();
  }
}

async function findVersionArn(
  sdk: SageMakerModule,
  client: SageMaker.SageMakerClient,
  group: string,
  version: number,
): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    const page: SageMaker.ListModelPackagesCommandOutput = await client.send(
      new sdk.ListModelPackagesCommand({
        ModelPackageGroupName: group,
        ModelPackageType: 'Versioned',
        MaxResults: 100,
        ...(nextToken ? { NextToken: nextToken } : {}),
      }),
    );
    const found = (page.ModelPackageSummaryList ?? []).find((p) => p.ModelPackageVersion === version);
    if (found?.ModelPackageArn) return found.ModelPackageArn;
    nextToken = page.NextToken;
  } while (nextToken);
  return undefined;
}
