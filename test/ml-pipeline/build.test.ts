/** Building the training image from a Dockerfile in the user's repository, on every target. */
import { cpSync, mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { contextTag } from '../../lib/blocks/build-context';
import { ValidationError } from '../../lib/core/validation';
import { MlPipeline as CdkMlPipeline, type MlPipelineProps } from '../../lib/cdk';
import { MlPipeline } from '../../lib/ml-pipeline/pulumi';
import { recordProgram, type Recording } from '../../lib/testing';
import { CDK_TEST_CONTEXT } from '../helpers';
import { AWS, DOCKER, GCP, pipelineArgs } from './fixtures';

type Json = Record<string, any>;
const CONTEXT = 'templates/training';
const build = {
  training: { build: { context: CONTEXT }, command: ['python', 'train.py'] },
  evaluation: { command: ['python', 'evaluate.py'] },
};
const buildImage = (rec: Recording) => rec.one('docker:index/image:Image');

describe('contextTag', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-ctx-'));
  cpSync(CONTEXT, dir, { recursive: true });
  const tag = () => contextTag(dir, path.join(dir, 'Dockerfile'));

  test('is stable for the same content, changes with it, and ignores node_modules', () => {
    const first = tag();
    expect(first).toMatch(/^ctx-[0-9a-f]{12}$/);
    expect(tag()).toBe(first);
    mkdirSync(path.join(dir, 'node_modules'));
    writeFileSync(path.join(dir, 'node_modules', 'x.js'), 'ignored');
    expect(tag()).toBe(first);
    writeFileSync(path.join(dir, 'train.py'), '# changed\n', { flag: 'a' });
    expect(tag()).not.toBe(first);
  });
});

describe('MlPipeline training.build', () => {
  test('aws: builds for linux/amd64, pushes to the pipeline ECR repository with an ECR token, and runs the pushed digest', async () => {
    const rec = await recordProgram(() => new MlPipeline('churn', pipelineArgs(AWS, build)));
    const image = buildImage(rec).inputs as Json;
    const tag = contextTag(path.resolve(CONTEXT), path.resolve(CONTEXT, 'Dockerfile'), {
      target: undefined,
      buildArgs: {},
    });
    expect(image).toEqual({
      buildOnPreview: false,
      skipPush: false,
      imageName: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn-dev:${tag}`,
      build: { context: CONTEXT, dockerfile: `${CONTEXT}/Dockerfile`, platform: 'linux/amd64', args: {} },
      registry: {
        server: 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com',
        username: 'AWS',
        password: 'mock',
      },
    });
    const definition = JSON.parse(
      rec.one('aws:sagemaker/pipeline:Pipeline').inputs.pipelineDefinition as string,
    );
    const step = (name: string) => definition.Steps.find((s: { Name: string }) => s.Name === name);
    const digest = step('Train').Arguments.AlgorithmSpecification.TrainingImage;
    expect(digest).toMatch(
      /^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/churn-dev@sha256:[0-9a-f]{64}$/,
    );
    expect(step('Evaluate').Arguments.AppSpecification.ImageUri).toBe(digest);
    expect(
      step('QualityGate').Arguments.IfSteps[0].Arguments.InferenceSpecification.Containers[0].Image,
    ).toBe(digest);
    expect(rec.ofType('docker:index/remoteImage:RemoteImage')).toEqual([]);
  });

  test('gcp: pushes to Artifact Registry with the OAuth token and the jobs run the pushed digest', async () => {
    const rec = await recordProgram(() => new MlPipeline('churn', pipelineArgs(GCP, build)));
    expect((buildImage(rec).inputs as Json).registry).toEqual({
      server: 'europe-west4-docker.pkg.dev',
      username: 'oauth2accesstoken',
      password: 'ya29.mock',
    });
    expect((buildImage(rec).inputs as Json).imageName).toMatch(
      /^europe-west4-docker\.pkg\.dev\/churn-prod-1\/churn-dev\/training:ctx-[0-9a-f]{12}$/,
    );
    const train = rec.ofType('gcp:cloudrunv2/job:Job').find((j) => j.name.endsWith('-train'))!;
    expect((train.inputs as Json).template.template.containers[0].image).toMatch(
      /^europe-west4-docker\.pkg\.dev\/churn-prod-1\/churn-dev\/training@sha256:/,
    );
  });

  test('docker: pushes to the local registry once it is up; the runner needs no pull', async () => {
    const rec = await recordProgram(() => new MlPipeline('churn', pipelineArgs(DOCKER, build)));
    const image = buildImage(rec);
    expect((image.inputs as Json).imageName).toMatch(
      /^localhost:5000\/churn-dev\/training:ctx-[0-9a-f]{12}$/,
    );
    expect(image.dependencies).toContain(rec.one('docker:index/container:Container', 'churn-registry').urn);
    expect(rec.ofType('docker:index/remoteImage:RemoteImage').map((r) => r.name)).not.toContain(
      'churn-training-image',
    );
  });

  test('CDK: the build is an image asset that the training and evaluation steps run', () => {
    const app = new App({ context: CDK_TEST_CONTEXT });
    const stack = new Stack(app, 'churn', { env: { account: '123456789012', region: 'eu-west-1' } });
    new CdkMlPipeline(stack, 'churn', pipelineArgs(AWS, build) as MlPipelineProps);
    const body = JSON.stringify(
      Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::Pipeline'))[0],
    );
    expect(body).toMatch(/cdk-hnb659fds-container-assets-123456789012-eu-west-1:[0-9a-f]{64}/);
  });

  test('image and build together, or a context that is not there, are refused before anything is created', async () => {
    const rec = await recordProgram(() => {
      for (const training of [
        { image: 'repo/train:1', build: { context: CONTEXT } },
        { build: { context: 'no/such/folder' } },
      ]) {
        expect(() => new MlPipeline('churn', pipelineArgs(AWS, { training }))).toThrow(ValidationError);
      }
    });
    expect(rec.resources).toEqual([]);
    expect(
      () => new MlPipeline('x', pipelineArgs(AWS, { training: { build: { context: 'no/such/folder' } } })),
    ).toThrow(`training.build: the build context ${path.resolve('no/such/folder')} is not a folder`);
  });
});
