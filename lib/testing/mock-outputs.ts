/**
 * The computed outputs a real provider returns (ids, ARNs, names, URLs), so that inputs built from them
 * resolve under mocks the way they do in a real deployment. Account and project are fixed test values.
 */
import { createHash } from 'node:crypto';

export const MOCK_AWS_ACCOUNT = '123456789012';
export const MOCK_GCP_PROJECT_NUMBER = '123456789';

type State = Record<string, unknown>;

/** Pulumi auto-names physical resources `<logical name>-<7 random chars>`; here the suffix is a stable hash. */
export function autoName(logicalName: string): string {
  return `${logicalName}-${createHash('sha1').update(logicalName).digest('hex').slice(0, 7)}`;
}

/** A numeric id (as Cloud Monitoring gives channels, policies and dashboards), stable per logical name. */
function numericId(seed: string): string {
  return String(parseInt(createHash('sha1').update(seed).digest('hex').slice(0, 12), 16));
}

function region(inputs: State): string {
  return typeof inputs.region === 'string' ? inputs.region : 'us-east-1';
}

function awsArn(service: string, inputs: State, resource: string, regional = true): string {
  return `arn:aws:${service}:${regional ? region(inputs) : ''}:${MOCK_AWS_ACCOUNT}:${resource}`;
}

/** Outputs for one resource registration: the inputs echoed back plus what the provider computes. */
export function mockResourceOutputs(type: string, name: string, inputs: State): { id: string; state: State } {
  const physical = (key = 'name') =>
    typeof inputs[key] === 'string' ? (inputs[key] as string) : autoName(name);
  switch (type) {
    case 'aws:kms/key:Key': {
      const keyId = createHash('sha1')
        .update(name)
        .digest('hex')
        .slice(0, 32)
        .replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5');
      return { id: keyId, state: { ...inputs, keyId, arn: awsArn('kms', inputs, `key/${keyId}`) } };
    }
    case 'aws:s3/bucket:Bucket': {
      const bucket = physical('bucket');
      return {
        id: bucket,
        state: {
          ...inputs,
          bucket,
          arn: `arn:aws:s3:::${bucket}`,
          bucketRegionalDomainName: `${bucket}.s3.${region(inputs)}.amazonaws.com`,
        },
      };
    }
    case 'aws:iam/role:Role': {
      const roleName = physical();
      return {
        id: roleName,
        state: {
          ...inputs,
          name: roleName,
          arn: `arn:aws:iam::${MOCK_AWS_ACCOUNT}:role/${roleName}`,
          uniqueId: `AROA${roleName.length}`,
        },
      };
    }
    case 'aws:sagemaker/model:Model':
    case 'aws:sagemaker/endpointConfiguration:EndpointConfiguration':
    case 'aws:sagemaker/endpoint:Endpoint':
    case 'aws:sagemaker/modelPackageGroup:ModelPackageGroup':
    case 'aws:sagemaker/pipeline:Pipeline': {
      const kind = {
        Model: 'model',
        EndpointConfiguration: 'endpoint-config',
        Endpoint: 'endpoint',
        ModelPackageGroup: 'model-package-group',
        Pipeline: 'pipeline',
      }[type.split(':')[2]]!;
      const key = type.endsWith('ModelPackageGroup')
        ? 'modelPackageGroupName'
        : type.endsWith('Pipeline')
          ? 'pipelineName'
          : 'name';
      const resourceName = physical(key);
      return {
        id: resourceName,
        state: {
          ...inputs,
          [key]: resourceName,
          arn: awsArn('sagemaker', inputs, `${kind}/${resourceName.toLowerCase()}`),
        },
      };
    }
    case 'aws:cloudwatch/metricAlarm:MetricAlarm': {
      const alarmName = physical();
      return {
        id: alarmName,
        state: { ...inputs, name: alarmName, arn: awsArn('cloudwatch', inputs, `alarm:${alarmName}`) },
      };
    }
    case 'aws:ecr/repository:Repository': {
      const repo = physical();
      return {
        id: repo,
        state: {
          ...inputs,
          name: repo,
          arn: awsArn('ecr', inputs, `repository/${repo}`),
          repositoryUrl: `${MOCK_AWS_ACCOUNT}.dkr.ecr.${region(inputs)}.amazonaws.com/${repo}`,
          registryId: MOCK_AWS_ACCOUNT,
        },
      };
    }
    case 'aws:sns/topic:Topic': {
      const topic = physical();
      return {
        id: awsArn('sns', inputs, topic),
        state: { ...inputs, name: topic, arn: awsArn('sns', inputs, topic) },
      };
    }
    case 'gcp:kms/keyRing:KeyRing': {
      const id = `projects/${inputs.project}/locations/${inputs.location}/keyRings/${physical()}`;
      return { id, state: { ...inputs, id } };
    }
    case 'gcp:kms/cryptoKey:CryptoKey': {
      const id = `${inputs.keyRing}/cryptoKeys/${physical()}`;
      return { id, state: { ...inputs, id } };
    }
    case 'gcp:serviceaccount/account:Account': {
      const email = `${inputs.accountId}@${inputs.project}.iam.gserviceaccount.com`;
      return {
        id: `projects/${inputs.project}/serviceAccounts/${email}`,
        state: {
          ...inputs,
          email,
          member: `serviceAccount:${email}`,
          name: `projects/${inputs.project}/serviceAccounts/${email}`,
        },
      };
    }
    case 'gcp:cloudrunv2/service:Service': {
      const service = physical();
      const id = `projects/${inputs.project}/locations/${inputs.location}/services/${service}`;
      return {
        id,
        state: {
          ...inputs,
          id,
          name: service,
          uri: `https://${service}-${MOCK_GCP_PROJECT_NUMBER}.${inputs.location}.run.app`,
        },
      };
    }
    case 'gcp:cloudrunv2/job:Job': {
      const job = physical();
      const id = `projects/${inputs.project}/locations/${inputs.location}/jobs/${job}`;
      return { id, state: { ...inputs, id, name: job, uid: `uid-${job}` } };
    }
    case 'gcp:workflows/workflow:Workflow': {
      const workflow = physical();
      const id = `projects/${inputs.project}/locations/${inputs.region}/workflows/${workflow}`;
      return { id, state: { ...inputs, id, name: workflow, revisionId: '000001-abc', state: 'ACTIVE' } };
    }
    case 'gcp:artifactregistry/repository:Repository': {
      const repositoryId = String(inputs.repositoryId);
      const id = `projects/${inputs.project}/locations/${inputs.location}/repositories/${repositoryId}`;
      const host = `${inputs.location}-${String(inputs.format).toLowerCase()}.pkg.dev`;
      return {
        id,
        state: {
          ...inputs,
          id,
          name: repositoryId,
          registryUri: `${host}/${inputs.project}/${repositoryId}`,
        },
      };
    }
    case 'gcp:pubsub/topic:Topic': {
      const id = `projects/${inputs.project}/topics/${physical()}`;
      return { id, state: { ...inputs, id } };
    }
    case 'gcp:projects/serviceIdentity:ServiceIdentity': {
      const agent = String(inputs.service).replace('.googleapis.com', '');
      const email = `service-${MOCK_GCP_PROJECT_NUMBER}@gcp-sa-${agent}.iam.gserviceaccount.com`;
      return {
        id: `projects/${inputs.project}/services/${inputs.service}`,
        state: { ...inputs, email, member: `serviceAccount:${email}` },
      };
    }
    case 'gcp:storage/bucket:Bucket': {
      const bucket = physical();
      return {
        id: bucket,
        state: {
          ...inputs,
          name: bucket,
          url: `gs://${bucket}`,
          selfLink: `https://www.googleapis.com/storage/v1/b/${bucket}`,
        },
      };
    }
    case 'gcp:monitoring/notificationChannel:NotificationChannel':
    case 'gcp:monitoring/alertPolicy:AlertPolicy': {
      const kind = type.endsWith('NotificationChannel') ? 'notificationChannels' : 'alertPolicies';
      const resourceName = `projects/${inputs.project}/${kind}/${numericId(type + name)}`;
      return { id: resourceName, state: { ...inputs, name: resourceName } };
    }
    case 'gcp:monitoring/dashboard:Dashboard': {
      const id = `projects/${MOCK_GCP_PROJECT_NUMBER}/dashboards/${numericId(name)}`;
      return { id, state: { ...inputs, id } };
    }
    case 'gcp:bigquery/dataset:Dataset': {
      const id = `projects/${inputs.project}/datasets/${inputs.datasetId}`;
      return { id, state: { ...inputs, id } };
    }
    case 'gcp:bigquery/table:Table': {
      const id = `projects/${inputs.project}/datasets/${inputs.datasetId}/tables/${inputs.tableId}`;
      return { id, state: { ...inputs, id } };
    }
    case 'gcp:pubsub/subscription:Subscription': {
      const id = `projects/${inputs.project}/subscriptions/${physical()}`;
      return { id, state: { ...inputs, id } };
    }
    case 'gcp:logging/metric:Metric': {
      const metric = physical();
      return { id: metric, state: { ...inputs, name: metric } };
    }
    case 'docker:index/image:Image': {
      const repository = String(inputs.imageName).replace(/:[^:/]+$/, '');
      const digest = createHash('sha256').update(String(inputs.imageName)).digest('hex');
      return {
        id: `sha256:${digest}`,
        state: { ...inputs, imageName: inputs.imageName, repoDigest: `${repository}@sha256:${digest}` },
      };
    }
    case 'docker:index/remoteImage:RemoteImage':
      return {
        id: `sha256:${createHash('sha256').update(String(inputs.name)).digest('hex')}`,
        state: {
          ...inputs,
          imageId: `sha256:${createHash('sha256').update(String(inputs.name)).digest('hex')}`,
          repoDigest: `${inputs.name}`,
        },
      };
    default:
      return {
        id: `${name}-id`,
        state: {
          ...inputs,
          ...(typeof inputs.name === 'string' || !type.startsWith('docker:') ? {} : { name: autoName(name) }),
        },
      };
  }
}

/**
 * Results of the provider functions the constructs call; any other call throws, naming the `calls` hook that
 * answers it, so a test cannot miss it.
 */
export function mockCallResult(token: string, inputs: State): State {
  switch (token) {
    case 'aws:index/getCallerIdentity:getCallerIdentity':
      return {
        accountId: MOCK_AWS_ACCOUNT,
        arn: `arn:aws:iam::${MOCK_AWS_ACCOUNT}:user/mock`,
        userId: 'AIDAMOCK',
        id: MOCK_AWS_ACCOUNT,
      };
    case 'gcp:organizations/getProject:getProject':
      return {
        projectId: inputs.projectId,
        number: MOCK_GCP_PROJECT_NUMBER,
        name: inputs.projectId,
        id: `projects/${inputs.projectId}`,
      };
    case 'aws:ecr/getAuthorizationToken:getAuthorizationToken': {
      const endpoint = `https://${MOCK_AWS_ACCOUNT}.dkr.ecr.${inputs.region ?? 'us-east-1'}.amazonaws.com`;
      return {
        authorizationToken: 'QVdTOm1vY2s=',
        userName: 'AWS',
        password: 'mock',
        proxyEndpoint: endpoint,
        expiresAt: '2099-01-01T00:00:00Z',
        id: endpoint,
      };
    }
    case 'gcp:organizations/getClientConfig:getClientConfig':
      return {
        accessToken: 'ya29.mock',
        project: 'mock',
        region: 'us-central1',
        zone: 'us-central1-a',
        id: 'mock',
      };
    case 'gcp:bigquery/getDefaultServiceAccount:getDefaultServiceAccount': {
      const email = `bq-${MOCK_GCP_PROJECT_NUMBER}@bigquery-encryption.iam.gserviceaccount.com`;
      return { project: inputs.project, email, member: `serviceAccount:${email}`, id: email };
    }
    case 'gcp:storage/getProjectServiceAccount:getProjectServiceAccount': {
      const email = `service-${MOCK_GCP_PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com`;
      return { project: inputs.project, emailAddress: email, member: `serviceAccount:${email}`, id: email };
    }
    default:
      throw new Error(
        `mlops-constructs mocks: unexpected provider call ${token}; answer it with a \`calls\` hook ` +
          `({ '${token}': (inputs) => ({ ...outputs the real provider returns }) }) in recordProgram's options ` +
          `or in the module given to \`mlops synth --mocks\``,
      );
  }
}
