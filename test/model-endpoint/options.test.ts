import { ModelEndpoint } from '../../lib';
import { recordProgram } from '../../lib/testing';
import { AWS_PROD, DOCKER_DEV, GCP_STAGING, endpointArgs } from '../helpers';
import { watched } from '../support/watch';

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const GCP_KEY = 'projects/churn-staging-4821/locations/europe-west4/keyRings/shared/cryptoKeys/ml';

describe('ModelEndpoint options on aws', () => {
  test('a linear rollout moves 25% a step, baking 5 minutes each', async () => {
    const rec = await recordProgram(() =>
      watched(
        new ModelEndpoint(
          'churn',
          endpointArgs(AWS_PROD, { rollout: { strategy: 'linear', linearStepPercent: 25, bakeMinutes: 5 } }),
        ),
      ),
    );
    expect(
      (rec.one('aws:sagemaker/endpoint:Endpoint').inputs.deploymentConfig as any).blueGreenUpdatePolicy,
    ).toEqual({
      trafficRoutingConfiguration: {
        type: 'LINEAR',
        linearStepSize: { type: 'CAPACITY_PERCENT', value: 25 },
        waitIntervalInSeconds: 300,
      },
      terminationWaitInSeconds: 300,
      maximumExecutionTimeoutInSeconds: 3300,
    });
  });

  test('a VPC puts the model in the subnets and lets the role manage its network interfaces', async () => {
    const platform = {
      ...AWS_PROD,
      network: { subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: ['sg-1'] },
    };
    const rec = await recordProgram(() =>
      watched(new ModelEndpoint('churn', endpointArgs(platform, { aws: { networkIsolation: false } }))),
    );
    expect(rec.one('aws:sagemaker/model:Model').inputs).toMatchObject({
      vpcConfig: { subnets: ['subnet-a', 'subnet-b'], securityGroupIds: ['sg-1'] },
      enableNetworkIsolation: false,
    });
    const doc = JSON.parse(
      rec.one('aws:iam/rolePolicy:RolePolicy', 'churn-execution-policy').inputs.policy as string,
    );
    expect(doc.Statement.find((s: any) => s.Sid === 'AttachToVpc').Action).toContain(
      'ec2:CreateNetworkInterface',
    );
  });

  test('a platform key is used as it is, no key is created, and retainOnDelete false lets data go', async () => {
    const rec = await recordProgram(() =>
      watched(
        new ModelEndpoint('churn', endpointArgs({ ...AWS_PROD, kmsKeyId: KEY_ARN, retainOnDelete: false })),
      ),
    );
    expect(rec.ofType('aws:kms/key:Key')).toEqual([]);
    expect(rec.one('aws:sagemaker/endpointConfiguration:EndpointConfiguration').inputs.kmsKeyArn).toBe(
      KEY_ARN,
    );
    expect(rec.one('aws:s3/bucket:Bucket', 'churn-capture').retainOnDelete).toBe(false);
    // Old endpoint configurations stay whatever the platform says: the endpoint may still use one.
    expect(rec.one('aws:sagemaker/endpointConfiguration:EndpointConfiguration').retainOnDelete).toBe(true);
  });

  test('an explicit instance type, capture share and autoscaling bounds are used as given', async () => {
    const rec = await recordProgram(() =>
      watched(
        new ModelEndpoint(
          'churn',
          endpointArgs(AWS_PROD, {
            aws: { instanceType: 'ml.c5.2xlarge' },
            capturePercent: 50,
            minInstances: 3,
            maxInstances: 6,
            targetConcurrency: 4,
          }),
        ),
      ),
    );
    const config = rec.one('aws:sagemaker/endpointConfiguration:EndpointConfiguration').inputs as any;
    expect(config.productionVariants[0]).toMatchObject({
      instanceType: 'ml.c5.2xlarge',
      initialInstanceCount: 3,
    });
    expect(config.dataCaptureConfig.initialSamplingPercentage).toBe(50);
    expect(rec.one('aws:appautoscaling/target:Target').inputs).toMatchObject({
      minCapacity: 3,
      maxCapacity: 6,
    });
    expect(
      (rec.one('aws:appautoscaling/policy:Policy').inputs as any).targetTrackingScalingPolicyConfiguration
        .targetValue,
    ).toBe(240);
  });
});

describe('ModelEndpoint options on gcp and docker', () => {
  test('gcp: internal ingress, Direct VPC egress and a platform key', async () => {
    const platform = {
      ...GCP_STAGING,
      kmsKeyId: GCP_KEY,
      network: {
        vpcNetwork: 'projects/p/global/networks/ml',
        vpcSubnetwork: 'projects/p/regions/europe-west4/subnetworks/ml',
      },
    };
    const rec = await recordProgram(() =>
      watched(
        new ModelEndpoint(
          'churn',
          endpointArgs(platform, {
            image: 'europe-docker.pkg.dev/p/r/i:1',
            modelDataUrl: undefined,
            gcp: { ingress: 'internal', cpu: '2', memory: '4Gi' },
          }),
        ),
      ),
    );
    const service = rec.one('gcp:cloudrunv2/service:Service').inputs as any;
    expect(service.ingress).toBe('INGRESS_TRAFFIC_INTERNAL_ONLY');
    expect(service.template.vpcAccess).toEqual({
      egress: 'PRIVATE_RANGES_ONLY',
      networkInterfaces: [
        {
          network: 'projects/p/global/networks/ml',
          subnetwork: 'projects/p/regions/europe-west4/subnetworks/ml',
        },
      ],
    });
    expect(service.template.encryptionKey).toBe(GCP_KEY);
    expect(service.template.containers[0].resources.limits).toEqual({ cpu: '2', memory: '4Gi' });
    expect(rec.ofType('gcp:kms/cryptoKey:CryptoKey')).toEqual([]);
  });

  test('docker: a host port and a health check of the user’s choosing; A/B challengers are weighted', async () => {
    const rec = await recordProgram(() =>
      watched(
        new ModelEndpoint(
          'churn',
          endpointArgs(DOCKER_DEV, {
            image: 'localhost:5000/churn:v3',
            docker: {
              hostPort: 9090,
              healthCheck: [
                'CMD',
                'python',
                '-c',
                'import urllib.request as u; u.urlopen("http://localhost:8080/ping")',
              ],
            },
            challengers: [{ name: 'xgb', image: 'localhost:5000/churn-xgb:v1', trafficPercent: 30 }],
          }),
        ),
      ),
    );
    expect(rec.one('docker:index/container:Container', 'churn-gateway').inputs.ports).toEqual([
      { internal: 8080, external: 9090, ip: '127.0.0.1' },
    ]);
    expect(
      (rec.one('docker:index/container:Container', 'churn-primary').inputs.healthcheck as any).tests[0],
    ).toBe('CMD');
    // Serving containers are auto-named (a new release is created before the old one goes) and found by alias.
    const xgb = rec.one('docker:index/container:Container', 'churn-xgb').inputs;
    expect([xgb.name, (xgb.networksAdvanced as any)[0].aliases]).toEqual([
      undefined,
      ['churn-dev-xgb-v3', 'churn-dev-serving'],
    ]);
    const upload = (rec.one('docker:index/container:Container', 'churn-gateway').inputs.uploads as any)[0]
      .content as string;
    expect(upload).toContain(
      '  split_clients "$request_id" $model_host {\n    70% churn-dev-primary-v3;\n    * churn-dev-xgb-v3;\n  }',
    );
  });
});
