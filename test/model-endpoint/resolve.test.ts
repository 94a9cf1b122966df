import { ValidationError } from '../../lib/core/validation';
import { resolveModelEndpoint, rolloutBakeMinutes } from '../../lib/model-endpoint/resolve';
import { AWS_DEV, AWS_PROD, DOCKER_DEV, ECR_IMAGE, GCP_STAGING, endpointArgs, thrown } from '../helpers';

const resolve = (args: ReturnType<typeof endpointArgs>) => resolveModelEndpoint('churn', args, args.platform);

describe('stage defaults', () => {
  test('prod on aws: canary with rollback, two instances, capture, provisioned', () => {
    const spec = resolve(endpointArgs(AWS_PROD));
    expect(spec.endpointName).toBe('churn-prod');
    expect(spec.rollout).toEqual({
      strategy: 'canary',
      canaryPercent: 10,
      linearStepPercent: 20,
      bakeMinutes: 10,
      autoRollback: true,
      maxLatencyP99Ms: 1000,
      max5xxPerMinute: 0,
    });
    expect([spec.minInstances, spec.maxInstances, spec.serverless, spec.capturePercent]).toEqual([
      2,
      10,
      false,
      10,
    ]);
    expect(spec.aws.instanceType).toBe('ml.m5.xlarge');
    expect(spec.gcp.deletionProtection).toBe(true);
    expect(spec.platform.retainOnDelete).toBe(true);
  });

  test('dev on aws: serverless, all at once, no capture, no rollback alarms', () => {
    const spec = resolve(endpointArgs(AWS_DEV));
    expect([spec.serverless, spec.capturePercent, spec.rollout.strategy, spec.rollout.autoRollback]).toEqual([
      true,
      0,
      'all-at-once',
      false,
    ]);
    expect(spec.aws.serverlessMemoryMb).toBe(2048);
    expect(spec.minInstances).toBe(0);
  });

  test('dev on aws with serverless off keeps one instance: provisioned variants cannot scale to zero', () => {
    expect(resolve(endpointArgs(AWS_DEV, { serverless: false })).minInstances).toBe(1);
  });

  test('staging on gcp: canary, one instance minimum, 20% capture, cpu-medium on Cloud Run', () => {
    const spec = resolve(endpointArgs(GCP_STAGING));
    expect([spec.rollout.strategy, spec.minInstances, spec.maxInstances, spec.capturePercent]).toEqual([
      'canary',
      1,
      4,
      20,
    ]);
    expect([spec.gcp.cpu, spec.gcp.memory, spec.gcp.deletionProtection]).toEqual(['4', '16Gi', false]);
  });

  test('a canary during a gcp rollout keeps 90% on the stable release', () => {
    const spec = resolve(endpointArgs(GCP_STAGING, { version: 'v4', stableRelease: { version: 'v3' } }));
    expect(spec.stableRelease).toEqual({ version: 'v3', trafficPercent: 90 });
  });

  test('challengers take their share; the primary keeps the rest', () => {
    const spec = resolve(
      endpointArgs(AWS_PROD, { challengers: [{ name: 'b', image: ECR_IMAGE, trafficPercent: 25 }] }),
    );
    expect(spec.models.map((m) => [m.variant, m.trafficPercent])).toEqual([
      ['primary', 75],
      ['b', 25],
    ]);
  });

  test('linear rollout bakes every step and the final bake', () => {
    const spec = resolve(
      endpointArgs(AWS_PROD, { rollout: { strategy: 'linear', linearStepPercent: 25, bakeMinutes: 5 } }),
    );
    expect(rolloutBakeMinutes(spec.rollout)).toBe(20);
  });
});

describe('validation', () => {
  const cases: [string, ReturnType<typeof endpointArgs>, string][] = [
    ['missing image', endpointArgs(AWS_PROD, { image: undefined }), 'image: is required'],
    ['bad version', endpointArgs(AWS_PROD, { version: 'V 3' }), 'version: "V 3" is not a valid name here'],
    [
      'canary above 50',
      endpointArgs(AWS_PROD, { rollout: { canaryPercent: 60 } }),
      'rollout.canaryPercent: 60 is not a whole number from 1 to 50',
    ],
    [
      'linear step below 10',
      endpointArgs(AWS_PROD, { rollout: { linearStepPercent: 5 } }),
      'rollout.linearStepPercent: 5 is not a whole number from 10 to 50',
    ],
    [
      'rollout too long for the provider',
      endpointArgs(AWS_PROD, { rollout: { strategy: 'linear', linearStepPercent: 10, bakeMinutes: 10 } }),
      'rollout.bakeMinutes: a linear rollout baking 10 minutes per step takes 100 minutes',
    ],
    [
      'serverless with GPU',
      endpointArgs(AWS_DEV, { size: 'gpu-small' }),
      'serverless: SageMaker Serverless Inference has no GPU',
    ],
    [
      'serverless with capture',
      endpointArgs(AWS_DEV, { capturePercent: 5 }),
      'capturePercent: SageMaker Serverless Inference has no data capture',
    ],
    [
      'serverless with challengers',
      endpointArgs(AWS_DEV, { challengers: [{ name: 'b', image: ECR_IMAGE, trafficPercent: 10 }] }),
      'challengers: a SageMaker serverless endpoint serves a single variant',
    ],
    [
      'serverless in a VPC',
      endpointArgs({ ...AWS_DEV, network: { subnetIds: ['subnet-1'], securityGroupIds: ['sg-1'] } }),
      'serverless: SageMaker Serverless Inference cannot run in a VPC',
    ],
    [
      'zero instances provisioned',
      endpointArgs(AWS_PROD, { minInstances: 0 }),
      'minInstances: a provisioned SageMaker endpoint cannot scale to zero instances',
    ],
    [
      'min above max',
      endpointArgs(AWS_PROD, { minInstances: 5, maxInstances: 3 }),
      'minInstances: 5 is more than maxInstances (3)',
    ],
    [
      'port other than 8080 on aws',
      endpointArgs(AWS_PROD, { port: 9000 }),
      'port: SageMaker sends requests to port 8080, not 9000',
    ],
    [
      'challengers on gcp',
      endpointArgs(GCP_STAGING, { challengers: [{ name: 'b', image: ECR_IMAGE, trafficPercent: 10 }] }),
      'challengers: Cloud Run serves one container template per service',
    ],
    [
      'challenger shares of 100',
      endpointArgs(AWS_PROD, {
        challengers: [
          { name: 'b', image: ECR_IMAGE, trafficPercent: 60 },
          { name: 'c', image: ECR_IMAGE, trafficPercent: 40 },
        ],
      }),
      'challengers: the challengers take 100% of traffic together',
    ],
    [
      'challenger named primary',
      endpointArgs(AWS_PROD, { challengers: [{ name: 'primary', image: ECR_IMAGE, trafficPercent: 10 }] }),
      'challengers[0].name: "primary" is already used',
    ],
    [
      'public invoker on gcp',
      endpointArgs(GCP_STAGING, { invokers: ['allUsers'] }),
      'invokers[0]: allUsers would make the model callable by anyone',
    ],
    [
      'role ARN as aws invoker',
      endpointArgs(AWS_PROD, { invokers: ['arn:aws:iam::1:role/x'] }),
      'invokers[0]: "arn:aws:iam::1:role/x" is not an IAM role name',
    ],
    [
      'stable release without image on docker',
      endpointArgs(DOCKER_DEV, {
        version: 'v4',
        rollout: { strategy: 'canary' },
        stableRelease: { version: 'v3' },
      }),
      'stableRelease.image: is required on docker',
    ],
    [
      'stable release with all-at-once',
      endpointArgs(GCP_STAGING, {
        version: 'v4',
        rollout: { strategy: 'all-at-once' },
        stableRelease: { version: 'v3' },
      }),
      'stableRelease: an all-at-once rollout sends all traffic to the new release',
    ],
    [
      'stable release equal to version',
      endpointArgs(GCP_STAGING, { stableRelease: { version: 'v3' } }),
      'stableRelease.version: is the same as version (v3)',
    ],
    [
      'reserved environment variable',
      endpointArgs(AWS_PROD, { environment: { MODEL_DATA_URL: 'x' } }),
      'environment.MODEL_DATA_URL: is reserved',
    ],
    [
      'endpoint name too long for Cloud Run',
      endpointArgs(GCP_STAGING, { endpointName: 'a'.repeat(50) }),
      'endpointName: "' + 'a'.repeat(50) + '" is 50 characters, more than 49',
    ],
    [
      'gpu-large on Cloud Run',
      endpointArgs(GCP_STAGING, { size: 'gpu-large' }),
      'size: gpu-large has no Cloud Run equivalent',
    ],
    [
      'missing region on aws',
      endpointArgs({ cloud: 'aws', stage: 'prod' }),
      'platform.region: is required on aws',
    ],
    [
      'missing project on gcp',
      endpointArgs({ cloud: 'gcp', stage: 'dev', region: 'europe-west4' }),
      'platform.project: is required on gcp',
    ],
    [
      'invalid gcp label',
      endpointArgs({ ...GCP_STAGING, tags: { Team: 'ml' } }),
      'platform.tags.Team: "Team" is not a valid label key',
    ],
    [
      'package and image together',
      endpointArgs(AWS_PROD, {
        aws: { modelPackageArn: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3' },
      }),
      'aws.modelPackageArn: a model package carries its own image and artifact',
    ],
  ];

  test.each(cases)('%s', (_label, args, message) => {
    const err = thrown(() => resolve(args));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toContain(message);
  });

  test('every problem is reported at once, each with its fix', () => {
    const err = thrown(() =>
      resolve(endpointArgs(AWS_PROD, { image: undefined, port: 9000, rollout: { canaryPercent: 0 } })),
    ) as ValidationError;
    expect(err.problems.map((p) => p.path)).toEqual(['image', 'rollout.canaryPercent', 'port']);
    expect(err.message.split('\n')[0]).toBe('ModelEndpoint "churn" has 3 problems in its arguments:');
    expect(err.problems[0].fix).toBe('give the serving image, preferably by digest (`repo@sha256:...`)');
  });

  test('a default name the cloud refuses points at the construct name and endpointName', () => {
    const err = thrown(() =>
      resolveModelEndpoint('churn_model', endpointArgs(AWS_PROD), AWS_PROD),
    ) as ValidationError;
    expect(err.problems).toEqual([
      {
        path: 'endpointName',
        message: 'the default name "churn_model-prod" is not a valid name here for an endpoint on aws',
        fix: 'rename the construct, or set `endpointName` (use at most 63 letters, digits and hyphens, starting and ending with a letter or digit)',
      },
    ]);
  });

  test('no platform names the config keys that would provide one', () => {
    const err = thrown(() =>
      resolveModelEndpoint('churn', { version: 'v1', image: 'x' }, undefined),
    ) as ValidationError;
    expect(err.problems).toEqual([
      {
        path: 'platform',
        message: 'no platform was given and none is configured',
        fix: 'pass `platform: { cloud, stage, region }`, or set `mlops:cloud` in the Pulumi stack config (CDK: context key `mlops`)',
      },
    ]);
  });

  test('values known only at deploy time are skipped, not guessed', () => {
    const output = { __pulumiOutput: true } as unknown as string;
    expect(() => resolve(endpointArgs(GCP_STAGING, { invokers: [output] }))).not.toThrow();
  });
});

/** The problems of untyped arguments (stack config, JSON), as `path: message. Fix: fix`. */
function problemsOf(args: Record<string, unknown>, platform: unknown = AWS_PROD): string[] {
  const err = thrown(() => resolveModelEndpoint('churn', args as never, platform as never));
  expect(err).toBeInstanceOf(ValidationError);
  return (err as ValidationError).problems.map((p) => `${p.path}: ${p.message}. Fix: ${p.fix}`);
}

describe('strict arguments from config and JSON', () => {
  const base = { version: 'v3', image: ECR_IMAGE };

  test('a string where a list belongs is refused, not iterated', () => {
    expect(problemsOf({ ...base, invokers: 'fraud-api' })).toEqual([
      'invokers: is the string "fraud-api", not a list of strings. Fix: give a list of strings, such as `["churn-api"]`',
    ]);
  });

  test('challengers as an object, or with null elements, are refused', () => {
    expect(problemsOf({ ...base, challengers: { name: 'b', image: ECR_IMAGE, trafficPercent: 10 } })).toEqual(
      [
        'challengers: is an object, not a list of objects. Fix: give a list of objects, such as `[{ name: "candidate", image, trafficPercent: 10 }]`',
      ],
    );
    expect(problemsOf({ ...base, challengers: [null] })).toEqual([
      'challengers[0]: is null. Fix: remove it, or give an object',
    ]);
    expect(problemsOf({ ...base, challengers: [{ name: 'b', image: ECR_IMAGE }] })).toEqual([
      'challengers[0].trafficPercent: is required. Fix: give a number, such as `10`',
    ]);
  });

  test('a version YAML read as a number says so, rather than "is required"', () => {
    expect(problemsOf({ ...base, version: 3 })).toEqual([
      'version: is the number 3, not a string. Fix: give a string, such as `"v3"` (quote it; in YAML write "3", not 3)',
    ]);
  });

  test('NaN and Infinity never pass', () => {
    expect(
      problemsOf({
        ...base,
        minInstances: Number.NaN,
        maxInstances: Number.POSITIVE_INFINITY,
        rollout: { canaryPercent: Number.NEGATIVE_INFINITY },
      }),
    ).toEqual([
      'minInstances: is NaN, not a number. Fix: give a number',
      'maxInstances: is Infinity, not a number. Fix: give a number',
      'rollout.canaryPercent: is -Infinity, not a number. Fix: give a number',
    ]);
  });

  test('numbers written as strings, and environment values that are not strings, are refused', () => {
    expect(problemsOf({ ...base, capturePercent: '10', environment: { WORKERS: 4, DEBUG: false } })).toEqual([
      'capturePercent: is the string "10", not a number. Fix: give a number (without quotes; in YAML write 10, not "10")',
      'environment.WORKERS: is the number 4, not a string. Fix: give a string (quote it; in YAML write "4", not 4)',
      'environment.DEBUG: is the boolean false, not a string. Fix: give a string',
    ]);
  });

  test('misspelt keys are reported with the key they were meant to be, nested ones too', () => {
    expect(
      problemsOf({
        ...base,
        minInstance: 2,
        rolout: { strategy: 'canary' },
        aws: { instanceTyp: 'ml.m5.large' },
      }),
    ).toEqual([
      'minInstance: is not a known argument. Fix: did you mean `minInstances`?',
      'rolout: is not a known argument. Fix: did you mean `rollout`?',
      'aws.instanceTyp: is not a known argument. Fix: did you mean `instanceType`?',
    ]);
    expect(problemsOf({ ...base, rollout: { stratgy: 'canary' } }, AWS_PROD)).toEqual([
      'rollout.stratgy: is not a known argument. Fix: did you mean `strategy`?',
    ]);
  });

  test('platform keys and values are shape-checked too', () => {
    expect(problemsOf(base, { ...AWS_PROD, stag: 'prod', retainOnDelete: 'false' })).toEqual([
      'platform.stag: is not a known argument. Fix: did you mean `stage`?',
      'platform.retainOnDelete: is the string "false", not true or false. Fix: give true or false',
    ]);
  });

  test('arguments that are not an object are refused', () => {
    expect(problemsOf([] as never)).toEqual([
      'args: no arguments were given. Fix: pass at least `{ version, image }`',
    ]);
  });

  test('an instance type SageMaker does not serve on is refused offline', () => {
    expect(problemsOf({ ...base, aws: { instanceType: 'ml.p3dn.24xlarge' } })).toEqual([
      'aws.instanceType: "ml.p3dn.24xlarge": SageMaker has no p3dn instances for endpoints. Fix: use one of the families ' +
        'c4, c5, c5d, c6g, c6gd, c6gn, c6i, c6in, c7g, c7i, c8g, dl1, g4dn, g5, g6, g6e, g7e, inf1, inf2, m4, m5, m5d, m6g, m6gd, m6i, m7i, m8g, p2, p3, p4d, p4de, p5, p5e, p5en, p6-b200, p6-b300, p6e-gb200, r5, r5d, r6g, r6gd, r6i, r7gd, r7i, r8g, t2, trn1, trn1n, trn2',
    ]);
  });

  test('aws refuses environment values longer than SageMaker takes', () => {
    expect(problemsOf({ ...base, environment: { CONFIG: 'x'.repeat(1025) } })).toEqual([
      'environment.CONFIG: the value is 1025 bytes; SageMaker takes at most 1024. Fix: pass large values in a file the container reads',
    ]);
  });

  test('a registry version needs its image repository, and both ARNs are checked', () => {
    const access = { bucketName: 'churn-artifacts', prefix: 'models/' };
    expect(
      problemsOf({
        version: 'v3',
        modelAccess: access,
        aws: { modelPackageArn: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn' },
      }),
    ).toEqual([
      "aws.imageRepositoryArn: is required with aws.modelPackageArn: the endpoint's role may pull only from the package's image repository. Fix: give the ECR repository ARN of the package's image (an MlPipeline's registry)",
      'aws.modelPackageArn: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn" is not a versioned model package ARN. Fix: give `arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>`, such as `MlPipeline.registeredModelArn(3)`',
    ]);
    const spec = resolveModelEndpoint(
      'churn',
      {
        version: 'v3',
        modelAccess: access,
        aws: {
          modelPackageArn: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3',
          imageRepositoryArn: 'arn:aws:ecr:eu-west-1:123456789012:repository/churn-training-prod',
        },
      },
      AWS_PROD,
    );
    expect(spec.aws.imageRepositoryArn).toBe(
      'arn:aws:ecr:eu-west-1:123456789012:repository/churn-training-prod',
    );
  });

  test('aws and gcp need a stage: without one the stack would get dev defaults silently', () => {
    expect(problemsOf(base, { cloud: 'aws', region: 'eu-west-1' })).toEqual([
      "platform.stage: is required on aws: without it the stack would silently get dev's defaults (no deletion protection, no rollback alarms, scale to zero). Fix: set `stage` to one of dev, staging, prod (stack config `mlops:stage`; CDK: `stage` in context key `mlops`)",
    ]);
    expect(resolveModelEndpoint('churn', base, { cloud: 'docker' }).platform.stage).toBe('dev');
  });

  test('the default name carries the stack when it is not the stage, and stays when it is', () => {
    expect(resolveModelEndpoint('churn', base, AWS_PROD, { stack: 'prod' }).endpointName).toBe('churn-prod');
    expect(resolveModelEndpoint('churn', base, AWS_DEV, { stack: 'alice-dev' }).endpointName).toBe(
      'churn-alice-dev',
    );
    expect(
      resolveModelEndpoint('churn', { ...base, endpointName: 'churn-dev' }, AWS_DEV, { stack: 'alice-dev' })
        .endpointName,
    ).toBe('churn-dev');
  });
});
