/**
 * Least privilege of MlPipeline, proven by IAM policy simulation on what each engine deploys: every call a
 * run makes is allowed (read from the pipeline definition itself), and calls outside the pipeline's
 * buckets, prefixes, repositories, roles and key services are denied.
 */
import { allSteps, evaluate, jobName, pipelineRunRequests, type PipelineRun } from './support/pipeline-calls';
import { cdkReference, pulumiReference, type ReferenceStack } from './support/reference';
import { ACCOUNT, REGION, pullCalls, verdicts, via, type Assume, type Call } from './support/simulate';

type Json = any;

let stacks: ReferenceStack[];
beforeAll(async () => {
  stacks = [await pulumiReference(), cdkReference()];
});

const ENGINES = ['pulumi', 'cdk'] as const;
const stackOf = (engine: (typeof ENGINES)[number]) => stacks.find((s) => s.engine === engine)!;

/** A run whose champion is an approved version an earlier run trained. */
function runWithChampion(stack: ReferenceStack): PipelineRun {
  const train = allSteps(stack.definition).find((s) => s.Name === 'Train');
  const earlier = `${train.Arguments.OutputDataConfig.S3OutputPath}/pipelines-0ld3r4run-Train-Ab12Cd34Ef/output/model.tar.gz`;
  return {
    executionId: 'x7k2m9q4w1z8',
    definition: stack.definition,
    pipelineName: stack.pipelineName,
    properties: { 'ChampionLookup.inputUri': earlier, 'ChampionLookup.found': 'true' },
  };
}

/** The first run of all: nothing is approved, so the evaluation's champion input is the lookup's own output. */
function firstRun(stack: ReferenceStack): PipelineRun {
  const run = { ...runWithChampion(stack), executionId: 'f1rst0run0id', properties: {} };
  const lookup = allSteps(stack.definition).find((s) => s.Name === 'FindChampion');
  const output = evaluate(
    stack.definition,
    run,
    lookup.Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri,
  );
  return { ...run, properties: { 'ChampionLookup.inputUri': output, 'ChampionLookup.found': 'false' } };
}

const ROLES = { pipeline: 'pipeline', scheduler: 'scheduler' };

describe.each(ENGINES)('MlPipeline roles on %s: every call of a run is allowed', (engine) => {
  test('a scheduled run that must beat an approved champion', async () => {
    const stack = stackOf(engine);
    const requests = pipelineRunRequests(stack.world, runWithChampion(stack), ROLES);
    const results = await verdicts(stack.world, requests);
    expect(results.filter(([, decision]) => decision !== 'Allowed')).toEqual([]);
    // The calls the issue names are among them: each job's volume grant, the model write, the lookup, the
    // property files the gate reads, and the schedule.
    expect(results.map(([why]) => why)).toEqual(
      expect.arrayContaining([
        'Train (training job): its role lets SageMaker encrypt the volume',
        'Evaluate (processing job): its role lets SageMaker encrypt the volume',
        'FindChampion (processing job): its role lets SageMaker encrypt the volume',
        'DataQualityBaseline (processing job): its role lets SageMaker encrypt the volume',
        'DataQualityBaseline (processing job) reads input dataset: read',
        'DataQualityBaseline (processing job) writes output baseline statistics.json: write',
        'DataQualityBaseline (processing job) writes output baseline constraints.json: write',
        'Train (training job) writes its model: write',
        'Evaluate (processing job) reads input champion: read',
        'FindChampion: lists the approved versions',
        'FindChampion: reads the newest one',
        'FindChampion (processing job) writes output champion: write',
        'pipeline: reads EvaluationReport',
        'pipeline: reads ChampionLookup',
        "pipeline: hands FindChampion's role to SageMaker",
        'pipeline: sagemaker:CreateModelPackage (registration)',
        'scheduler: starts the pipeline',
      ]),
    );
    const roles = new Set(requests.map((r) => r.role));
    expect([...roles].sort()).toEqual(['champion', 'pipeline', 'scheduler', 'training']);
  });

  test('the first run, when nothing is approved yet', async () => {
    const stack = stackOf(engine);
    const results = await verdicts(stack.world, pipelineRunRequests(stack.world, firstRun(stack), ROLES));
    expect(results.filter(([, decision]) => decision !== 'Allowed')).toEqual([]);
    expect(results.map(([why]) => why)).toContain('Evaluate (processing job) reads input champion: read');
  });
});

/** Calls the pipeline's roles must never be able to make. */
function deniedRequests(stack: ReferenceStack): (Call | Assume)[] {
  const { artifacts, data } = stack.buckets;
  const key = stack.keys.pipeline;
  const roleArn = (role: string) => stack.world.roles[role].arn;
  const obj = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;
  const sm = (resource: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${resource}`;
  const otherRepository = `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/payments-model`;
  const released = obj(artifacts, 'models/pipelines-0ld3r4run-Train-Ab12Cd34Ef/output/model.tar.gz');
  return [
    // Another bucket, another prefix.
    {
      why: 'training reads another bucket',
      role: 'training',
      action: 's3:GetObject',
      resource: obj('payments-data', 'train.csv'),
    },
    {
      why: 'training writes another bucket',
      role: 'training',
      action: 's3:PutObject',
      resource: obj('payments-data', 'x'),
    },
    {
      why: 'training reads data outside its prefix',
      role: 'training',
      action: 's3:GetObject',
      resource: obj(data, 'hr/salaries.csv'),
    },
    {
      why: 'training lists data outside its prefix',
      role: 'training',
      action: 's3:ListBucket',
      resource: `arn:aws:s3:::${data}`,
      context: { 's3:prefix': 'hr/' },
    },
    {
      why: 'training writes the data bucket',
      role: 'training',
      action: 's3:PutObject',
      resource: obj(data, 'training/poisoned.csv'),
    },
    {
      why: 'training writes outside its artifact prefixes',
      role: 'training',
      action: 's3:PutObject',
      resource: obj(artifacts, 'released/model.tar.gz'),
    },
    {
      why: 'training writes a model outside pipeline job folders',
      role: 'training',
      action: 's3:PutObject',
      resource: obj(artifacts, 'models/handmade/model.tar.gz'),
    },
    { why: 'training deletes a model', role: 'training', action: 's3:DeleteObject', resource: released },
    {
      why: 'training lists the whole artifact bucket',
      role: 'training',
      action: 's3:ListBucket',
      resource: `arn:aws:s3:::${artifacts}`,
      context: { 's3:prefix': '' },
    },
    {
      why: 'the champion lookup reads a model',
      role: 'champion',
      action: 's3:GetObject',
      resource: released,
    },
    {
      why: 'the champion lookup overwrites a released model',
      role: 'champion',
      action: 's3:PutObject',
      resource: released,
    },
    {
      why: 'the champion lookup reads the data',
      role: 'champion',
      action: 's3:GetObject',
      resource: obj(data, 'training/part-0000.csv'),
    },
    {
      why: 'the pipeline writes the artifact bucket',
      role: 'pipeline',
      action: 's3:PutObject',
      resource: obj(artifacts, 'evaluations/x/evaluation.json'),
    },
    // Non-TLS access: the bucket policy refuses it whatever the role may do.
    {
      why: 'training reads its data without TLS',
      role: 'training',
      action: 's3:GetObject',
      resource: obj(data, 'training/part-0000.csv'),
      context: { 'aws:SecureTransport': 'false' },
    },
    {
      why: 'training writes its model without TLS',
      role: 'training',
      action: 's3:PutObject',
      resource: obj(artifacts, 'models/pipelines-x-Train-y/output/model.tar.gz'),
      context: { 'aws:SecureTransport': 'false' },
    },
    {
      why: 'the pipeline reads a report without TLS',
      role: 'pipeline',
      action: 's3:GetObject',
      resource: obj(artifacts, 'evaluations/x/evaluation.json'),
      context: { 'aws:SecureTransport': 'false' },
    },
    // Another repository.
    ...pullCalls('training', otherRepository, 'training pulls another repository').filter(
      (c) => c.resource !== '*',
    ),
    ...pullCalls('champion', otherRepository, 'the champion lookup pulls another repository').filter(
      (c) => c.resource !== '*',
    ),
    {
      why: 'training pushes an image',
      role: 'training',
      action: 'ecr:PutImage',
      resource: stack.servedRepositoryArn,
    },
    // PassRole of another role, or to another service.
    {
      why: 'the pipeline passes another role',
      role: 'pipeline',
      action: 'iam:PassRole',
      resource: `arn:aws:iam::${ACCOUNT}:role/admin`,
      context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
    },
    {
      why: 'the pipeline passes the training role to Lambda',
      role: 'pipeline',
      action: 'iam:PassRole',
      resource: roleArn('training'),
      context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
    },
    {
      why: 'the pipeline passes its own role',
      role: 'pipeline',
      action: 'iam:PassRole',
      resource: roleArn('pipeline'),
      context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
    },
    {
      why: 'training passes a role',
      role: 'training',
      action: 'iam:PassRole',
      resource: roleArn('training'),
      context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
    },
    // The key outside its services, or for what a role never does.
    {
      why: 'training decrypts with the key directly',
      role: 'training',
      action: 'kms:Decrypt',
      resource: key,
    },
    {
      why: 'training decrypts through another service',
      role: 'training',
      action: 'kms:Decrypt',
      resource: key,
      context: { 'kms:ViaService': `lambda.${REGION}.amazonaws.com` },
    },
    {
      why: 'training makes a data key in another region',
      role: 'training',
      action: 'kms:GenerateDataKey',
      resource: key,
      context: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' },
    },
    {
      why: 'training grants the key to a principal',
      role: 'training',
      action: 'kms:CreateGrant',
      resource: key,
      context: { 'kms:GrantIsForAWSResource': 'false' },
    },
    {
      why: 'the pipeline encrypts with the key',
      role: 'pipeline',
      action: 'kms:Encrypt',
      resource: key,
      context: via('s3'),
    },
    {
      why: 'the pipeline makes a data key',
      role: 'pipeline',
      action: 'kms:GenerateDataKey',
      resource: key,
      context: via('s3'),
    },
    { why: 'the pipeline decrypts directly', role: 'pipeline', action: 'kms:Decrypt', resource: key },
    {
      why: 'training uses another key',
      role: 'training',
      action: 'kms:Decrypt',
      resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/0000aaaa-0000-0000-0000-000000000000`,
      context: via('s3'),
    },
    // Metrics outside SageMaker's namespace for the role; AWS/ namespaces are reserved.
    {
      why: 'training publishes to a custom namespace',
      role: 'training',
      action: 'cloudwatch:PutMetricData',
      resource: '*',
      context: { 'cloudwatch:namespace': 'Payments' },
    },
    {
      why: 'training publishes as AWS/SageMaker',
      role: 'training',
      action: 'cloudwatch:PutMetricData',
      resource: '*',
      context: { 'cloudwatch:namespace': 'AWS/SageMaker' },
    },
    {
      why: 'training publishes as the endpoints',
      role: 'training',
      action: 'cloudwatch:PutMetricData',
      resource: '*',
      context: { 'cloudwatch:namespace': '/aws/sagemaker/Endpoints' },
    },
    // The registry: only the lookup reads it, only the pipeline writes it, and only this group.
    {
      why: 'training lists the registry',
      role: 'training',
      action: 'sagemaker:ListModelPackages',
      resource: '*',
    },
    {
      why: 'the champion lookup reads another group',
      role: 'champion',
      action: 'sagemaker:DescribeModelPackage',
      resource: sm('model-package/payments-prod/1'),
    },
    {
      why: 'the champion lookup approves a version',
      role: 'champion',
      action: 'sagemaker:UpdateModelPackage',
      resource: sm(`model-package/${stack.pipelineName}/3`),
    },
    {
      why: 'the pipeline registers into another group',
      role: 'pipeline',
      action: 'sagemaker:CreateModelPackage',
      resource: sm('model-package/payments-prod/1'),
    },
    {
      why: 'the pipeline starts a job outside pipelines',
      role: 'pipeline',
      action: 'sagemaker:CreateTrainingJob',
      resource: sm('training-job/handmade-job'),
    },
    {
      why: 'the pipeline deploys an endpoint',
      role: 'pipeline',
      action: 'sagemaker:CreateEndpoint',
      resource: sm('endpoint/backdoor'),
    },
    // The schedule starts this pipeline only.
    {
      why: 'the scheduler starts another pipeline',
      role: 'scheduler',
      action: 'sagemaker:StartPipelineExecution',
      resource: sm('pipeline/payments-prod'),
    },
    // Trust: only SageMaker and Scheduler, for this account's own resources (confused deputy).
    {
      why: 'SageMaker assumes the training role for another account',
      role: 'training',
      service: 'sagemaker.amazonaws.com',
      sourceArn: `arn:aws:sagemaker:${REGION}:210987654321:training-job/pipelines-x-train-y`,
      sourceAccount: '210987654321',
    },
    {
      why: 'SageMaker assumes the training role for a notebook',
      role: 'training',
      service: 'sagemaker.amazonaws.com',
      sourceArn: sm('notebook-instance/dev'),
      sourceAccount: ACCOUNT,
    },
    {
      why: 'SageMaker assumes the training role for a hand-made job',
      role: 'training',
      service: 'sagemaker.amazonaws.com',
      sourceArn: sm('training-job/handmade-job'),
      sourceAccount: ACCOUNT,
    },
    {
      why: 'SageMaker assumes the champion role for a training job',
      role: 'champion',
      service: 'sagemaker.amazonaws.com',
      sourceArn: sm(`training-job/${jobName({ executionId: 'x', properties: {} }, 'Train').toLowerCase()}`),
      sourceAccount: ACCOUNT,
    },
    {
      why: 'SageMaker assumes the pipeline role for another pipeline',
      role: 'pipeline',
      service: 'sagemaker.amazonaws.com',
      sourceArn: sm('pipeline/payments-prod/execution/x'),
      sourceAccount: ACCOUNT,
    },
    {
      why: 'SageMaker assumes the pipeline role for an endpoint',
      role: 'pipeline',
      service: 'sagemaker.amazonaws.com',
      sourceArn: sm('endpoint/churn-prod'),
      sourceAccount: ACCOUNT,
    },
    {
      why: 'Scheduler assumes the scheduler role for another account',
      role: 'scheduler',
      service: 'scheduler.amazonaws.com',
      sourceArn: `arn:aws:scheduler:${REGION}:210987654321:schedule-group/default`,
      sourceAccount: '210987654321',
    },
    {
      why: 'Scheduler assumes the scheduler role for another group',
      role: 'scheduler',
      service: 'scheduler.amazonaws.com',
      sourceArn: `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/payments`,
      sourceAccount: ACCOUNT,
    },
    {
      why: 'Lambda assumes the training role',
      role: 'training',
      service: 'lambda.amazonaws.com',
      sourceArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:x`,
      sourceAccount: ACCOUNT,
    },
  ];
}

describe.each(ENGINES)('MlPipeline roles on %s: calls outside the pipeline are denied', (engine) => {
  test('another bucket, prefix, repository, role, service, key use, namespace or trust', async () => {
    const stack = stackOf(engine);
    const results = await verdicts(stack.world, deniedRequests(stack));
    expect(results.filter(([, decision]) => decision === 'Allowed')).toEqual([]);
    // Non-TLS requests are refused by the bucket policy itself, not merely not granted.
    expect(results.filter(([why]) => why.includes('without TLS'))).toEqual([
      ['training reads its data without TLS', 'ExplicitlyDenied'],
      ['training writes its model without TLS', 'ExplicitlyDenied'],
      ['the pipeline reads a report without TLS', 'ExplicitlyDenied'],
    ]);
  });
});

describe('released model artifacts', () => {
  test.each(ENGINES)(
    '%s: only roles whose every job runs network-isolated may write models/; the lookup, which has network, may not',
    async (engine) => {
      const stack = stackOf(engine);
      const released = `arn:aws:s3:::${stack.buckets.artifacts}/models/pipelines-0ld3r4run-Train-Ab12Cd34Ef/output/model.tar.gz`;
      const writers: string[] = [];
      for (const role of ['pipeline', 'training', 'champion', 'scheduler', 'execution']) {
        const [[, decision]] = await verdicts(stack.world, [
          { why: role, role, action: 's3:PutObject', resource: released },
        ]);
        if (decision === 'Allowed') writers.push(role);
      }
      // IAM cannot tell one run from another: every run's training jobs share the role, and SageMaker uploads
      // each job's model as that role. What keeps a later run from replacing a released model is that no
      // code runs with that role and a network: every job of the training role is network-isolated, so only
      // SageMaker writes, to `models/<this run's job name>/`.
      expect(writers).toEqual(['training']);
      const jobs = allSteps(stack.definition).filter(
        (s: Json) => s.Arguments.RoleArn === stack.world.roles.training.arn,
      );
      expect(
        jobs.map((s: Json) => [
          s.Name,
          s.Arguments.EnableNetworkIsolation ?? s.Arguments.NetworkConfig.EnableNetworkIsolation,
        ]),
      ).toEqual([
        // Model Monitor's analyzer runs as the training role too, isolated like the others.
        ['DataQualityBaseline', true],
        ['Train', true],
        ['Evaluate', true],
      ]);
    },
  );
});

test('both engines decide every call the same way', async () => {
  const decisions = await Promise.all(
    stacks.map(async (stack) => [
      ...(await verdicts(stack.world, pipelineRunRequests(stack.world, runWithChampion(stack), ROLES))),
      ...(await verdicts(stack.world, deniedRequests(stack))),
    ]),
  );
  expect(decisions[1]).toEqual(decisions[0]);
});
