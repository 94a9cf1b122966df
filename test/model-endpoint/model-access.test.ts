import * as pulumi from '@pulumi/pulumi';
import { MlPipeline, ModelEndpoint } from '../../lib';
import { recordProgram } from '../../lib/testing';
import { AWS_PROD, DOCKER_DEV, GCP_STAGING, endpointArgs, thrown } from '../helpers';
import { pipelineArgs } from '../ml-pipeline/fixtures';
import { watched } from '../support/watch';

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const REPOSITORY = 'arn:aws:ecr:eu-west-1:123456789012:repository/churn-training-prod';

describe('modelAccess: serving artifacts kept elsewhere', () => {
  test('aws: the execution role reads the prefix and decrypts with the given key', async () => {
    const rec = await recordProgram(() =>
      watched(
        new ModelEndpoint('churn', {
          platform: AWS_PROD,
          version: 'v3',
          aws: {
            modelPackageArn: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3',
            imageRepositoryArn: pulumi.output(REPOSITORY),
          },
          modelAccess: { bucketName: pulumi.output('churn-artifacts'), prefix: 'models/', kmsKeyId: KEY },
        }),
      ),
    );
    const doc = JSON.parse(
      rec.one('aws:iam/rolePolicy:RolePolicy', 'churn-execution-policy').inputs.policy as string,
    );
    const bySid = Object.fromEntries(doc.Statement.map((s: { Sid: string }) => [s.Sid, s]));
    expect(bySid.ReadModelArtifacts.Resource).toEqual(['arn:aws:s3:::churn-artifacts/models/*']);
    expect(bySid.DecryptModelArtifacts).toEqual({
      Sid: 'DecryptModelArtifacts',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:DescribeKey'],
      Resource: KEY,
      Condition: {
        StringEquals: {
          'kms:ViaService': ['s3.eu-west-1.amazonaws.com', 'sagemaker.eu-west-1.amazonaws.com'],
        },
      },
    });
    // The package's image is pulled from the repository named for it, and from no other.
    expect(bySid.PullServingImages.Resource).toEqual([REPOSITORY]);
    expect(rec.one('aws:sagemaker/model:Model').inputs.primaryContainer).toEqual({
      modelPackageName: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3',
      environment: { MLOPS_MODEL_VERSION: 'v3' },
    });
  });

  test('aws: a challenger beside a registry version serves its own image', async () => {
    const rec = await recordProgram(() =>
      watched(
        new ModelEndpoint('churn', {
          platform: AWS_PROD,
          version: 'v3',
          aws: {
            modelPackageArn: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3',
            imageRepositoryArn: REPOSITORY,
          },
          modelAccess: { bucketName: 'churn-artifacts', prefix: 'models/' },
          challengers: [
            {
              name: 'b',
              image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn-b:1',
              trafficPercent: 10,
            },
          ],
        }),
      ),
    );
    const containers = Object.fromEntries(
      rec.ofType('aws:sagemaker/model:Model').map((m) => [m.name, m.inputs.primaryContainer]),
    );
    expect(containers).toEqual({
      'churn-primary-model': {
        modelPackageName: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3',
        environment: { MLOPS_MODEL_VERSION: 'v3' },
      },
      'churn-b-model': {
        image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn-b:1',
        environment: { MLOPS_MODEL_VERSION: 'v3' },
      },
    });
    const doc = JSON.parse(
      rec.one('aws:iam/rolePolicy:RolePolicy', 'churn-execution-policy').inputs.policy as string,
    );
    // Each variant's repository: the package's (named) and the challenger's (read from its image).
    expect(doc.Statement.find((s: { Sid: string }) => s.Sid === 'PullServingImages').Resource).toEqual([
      'arn:aws:ecr:eu-west-1:123456789012:repository/churn-b',
      REPOSITORY,
    ]);
  });

  test('gcp: the runtime account may view the bucket', async () => {
    const rec = await recordProgram(() =>
      watched(
        new ModelEndpoint(
          'churn',
          endpointArgs(GCP_STAGING, {
            image: 'europe-docker.pkg.dev/p/r/i:1',
            modelDataUrl: undefined,
            modelAccess: { bucketName: 'churn-artifacts' },
          }),
        ),
      ),
    );
    expect(
      rec.one('gcp:storage/bucketIAMMember:BucketIAMMember', 'churn-read-model-836b2be2').inputs,
    ).toEqual({
      bucket: 'churn-artifacts',
      role: 'roles/storage.objectViewer',
      member: 'serviceAccount:churn-staging-run@churn-staging-4821.iam.gserviceaccount.com',
    });
  });

  test('docker: the volume is mounted read-only in every serving container', async () => {
    const rec = await recordProgram(() =>
      watched(
        new ModelEndpoint(
          'churn',
          endpointArgs(DOCKER_DEV, {
            image: 'localhost:5000/churn:v3',
            modelAccess: { bucketName: 'churn-models' },
          }),
        ),
      ),
    );
    expect(rec.one('docker:index/container:Container', 'churn-primary').inputs.volumes).toEqual([
      { volumeName: 'churn-models', containerPath: '/mnt/model-access', readOnly: true },
    ]);
  });

  test('a prefix must be a key prefix', () => {
    const err = thrown(() =>
      watched(
        new ModelEndpoint(
          'churn',
          endpointArgs(AWS_PROD, { modelAccess: { bucketName: 'b', prefix: '/models' } }),
        ),
      ),
    );
    expect(err.message).toContain(
      'modelAccess.prefix: "/models" is not a key prefix. Fix: use a prefix such as `models/` (no leading `/`, ending in `/`)',
    );
  });
});

describe('MlPipeline.registeredModelArn', () => {
  test('names a version of the pipeline model group on aws', async () => {
    let arn: pulumi.Output<string> | undefined;
    await recordProgram(() => {
      arn = new MlPipeline(
        'churn-training',
        pipelineArgs({ cloud: 'aws', region: 'eu-west-1', stage: 'prod' }),
      ).registeredModelArn(3);
    });
    const value = await new Promise((resolve) => arn!.apply(resolve));
    expect(value).toBe('arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-training-prod/3');
  });

  test('refuses other clouds and non-versions with the fix', async () => {
    await recordProgram(() => {
      const gcp = new MlPipeline(
        'churn-training',
        pipelineArgs({ cloud: 'gcp', region: 'europe-west4', project: 'churn-staging-4821', stage: 'dev' }),
      );
      expect(() => gcp.registeredModelArn(1)).toThrow(
        'registeredModelArn needs aws, but the pipeline runs on gcp. Fix: serve the artifact under artifactBucketUri with modelDataUrl.',
      );
      const aws = new MlPipeline(
        'churn-aws',
        pipelineArgs({ cloud: 'aws', region: 'eu-west-1', stage: 'dev' }),
      );
      expect(() => aws.registeredModelArn(0)).toThrow('registeredModelArn(0) is not a version number');
    });
  });
});
