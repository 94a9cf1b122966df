/**
 * Every call a run of the SageMaker pipeline makes, read from the pipeline definition the stack deploys:
 * which role starts which job, which image each job pulls, which S3 objects it reads and writes, which key
 * operations S3 and SageMaker make for it, its logs and metrics, the property files the pipeline reads and
 * the registration. Nothing is listed by hand, so a new step or output is checked the moment it exists.
 */
import {
  ACCOUNT,
  REGION,
  objectArn,
  pullCalls,
  splitS3,
  via,
  type Assume,
  type Call,
  type IamWorld,
} from './simulate';

type Json = any;

/** One run: its execution id, and what the property files it reads hold. */
export interface Run {
  readonly executionId: string;
  /** Values of `Std:JsonGet` by `<property file>.<path>`, such as `ChampionLookup.inputUri`. */
  readonly properties: Readonly<Record<string, string>>;
}

/** The steps of a definition, condition branches included. */
export function allSteps(definition: Json): Json[] {
  return definition.Steps.flatMap((s: Json) => [
    s,
    ...(s.Arguments.IfSteps ?? []),
    ...(s.Arguments.ElseSteps ?? []),
  ]);
}

/** The job name SageMaker Pipelines gives a step's job in a run (`pipelines-<execution>-<step>-<suffix>`). */
export function jobName(run: Run, step: string): string {
  return `pipelines-${run.executionId}-${step}-Zq8Rk2Lm4N`;
}

/** The value of a pipeline expression in one run. */
export function evaluate(definition: Json, run: Run, value: Json): Json {
  if (typeof value !== 'object' || value === null) return value;
  if ('Get' in value) {
    const path: string = value.Get;
    if (path === 'Execution.PipelineExecutionId') return run.executionId;
    const parameter = /^Parameters\.(.+)$/.exec(path);
    if (parameter) return definition.Parameters.find((p: Json) => p.Name === parameter[1]).DefaultValue;
    const artifact = /^Steps\.([^.]+)\.ModelArtifacts\.S3ModelArtifacts$/.exec(path);
    if (artifact) {
      const train = allSteps(definition).find((s) => s.Name === artifact[1]);
      const output = evaluate(definition, run, train.Arguments.OutputDataConfig.S3OutputPath);
      return `${output}/${jobName(run, artifact[1])}/output/model.tar.gz`;
    }
    throw new Error(`no value for ${path} in a simulated run`);
  }
  if ('Std:Join' in value) {
    const { On, Values } = value['Std:Join'];
    return Values.map((v: Json) => evaluate(definition, run, v)).join(On);
  }
  if ('Std:JsonGet' in value) {
    const file = /PropertyFiles\.(.+)$/.exec(value['Std:JsonGet'].PropertyFile.Get)![1];
    const key = `${file}.${value['Std:JsonGet'].Path}`;
    if (!(key in run.properties)) throw new Error(`the simulated run has no value for ${key}`);
    return run.properties[key];
  }
  throw new Error(`unknown pipeline expression ${JSON.stringify(value)}`);
}

/** The role whose ARN a step names. */
function roleNamed(world: IamWorld, arn: string): string {
  const found = Object.entries(world.roles).find(([, r]) => r.arn === arn);
  if (!found) throw new Error(`the definition names ${arn}, which is none of the stack's roles`);
  return found[0];
}

const sagemaker = (resource: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${resource}`;
const logs = (resource: string) => `arn:aws:logs:${REGION}:${ACCOUNT}:${resource}`;

/** A job's calls through S3 on objects of an URL: reading or writing one object under it, with the key. */
function readCalls(role: string, url: string, keyArn: string, why: string): Call[] {
  // A prefix input (`S3Prefix`) lists the prefix, then reads each object under it.
  const object =
    url.endsWith('.tar.gz') || url.endsWith('.json') ? url : `${url.replace(/\/$/, '')}/part-0000.csv`;
  const { bucketArn, key } = splitS3(url);
  return [
    {
      why: `${why}: list`,
      role,
      action: 's3:ListBucket',
      resource: bucketArn,
      context: { 's3:prefix': key },
    },
    { why: `${why}: read`, role, action: 's3:GetObject', resource: objectArn(object) },
    { why: `${why}: decrypt`, role, action: 'kms:Decrypt', resource: keyArn, context: via('s3') },
  ];
}

function writeCalls(role: string, object: string, keyArn: string, why: string): Call[] {
  return [
    { why: `${why}: write`, role, action: 's3:PutObject', resource: objectArn(object) },
    { why: `${why}: abort an upload`, role, action: 's3:AbortMultipartUpload', resource: objectArn(object) },
    { why: `${why}: data key`, role, action: 'kms:GenerateDataKey', resource: keyArn, context: via('s3') },
    // SageMaker documents kms:Encrypt on the job's role for an output KmsKeyId.
    { why: `${why}: encrypt`, role, action: 'kms:Encrypt', resource: keyArn, context: via('sagemaker') },
    {
      why: `${why}: describe the key`,
      role,
      action: 'kms:DescribeKey',
      resource: keyArn,
      context: via('sagemaker'),
    },
  ];
}

/** What the pipeline role does to start, watch and stop a job that runs as `role`, and what the job does. */
function jobCalls(
  kind: 'training' | 'processing',
  step: Json,
  run: PipelineRun,
  world: IamWorld,
  pipelineRole: string,
): { calls: Call[]; assumes: Assume[] } {
  const a = step.Arguments;
  const role = roleNamed(world, a.RoleArn);
  const image = kind === 'training' ? a.AlgorithmSpecification.TrainingImage : a.AppSpecification.ImageUri;
  const job = jobName(run, step.Name);
  const jobArn = sagemaker(`${kind}-job/${job.toLowerCase()}`);
  const verb = kind === 'training' ? 'TrainingJob' : 'ProcessingJob';
  const logGroup = kind === 'training' ? '/aws/sagemaker/TrainingJobs' : '/aws/sagemaker/ProcessingJobs';
  const w = `${step.Name} (${kind} job)`;
  const calls: Call[] = [
    ...['Create', 'Describe', 'Stop'].map((v) => ({
      why: `pipeline: ${v}${verb} ${step.Name}`,
      role: pipelineRole,
      action: `sagemaker:${v}${verb}`,
      resource: jobArn,
    })),
    { why: `pipeline: tags ${step.Name}`, role: pipelineRole, action: 'sagemaker:AddTags', resource: jobArn },
    {
      why: `pipeline: hands ${step.Name}'s role to SageMaker`,
      role: pipelineRole,
      action: 'iam:PassRole',
      resource: a.RoleArn,
      context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
    },
    // An image of another account (Model Monitor's analyzer) is pulled by SageMaker itself: its repository
    // grants the SageMaker service, never a job's role.
    ...(imageAccount(image) === ACCOUNT ? pullCalls(role, ecrRepository(image), `${w} pulls its image`) : []),
    {
      why: `${w}: log group`,
      role,
      action: 'logs:CreateLogGroup',
      resource: logs(`log-group:${logGroup}`),
    },
    ...['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) => ({
      why: `${w}: ${action}`,
      role,
      action,
      resource: logs(`log-group:${logGroup}:log-stream:${job}/algo-1-1764637200`),
    })),
    {
      why: `${w}: instance metrics`,
      role,
      action: 'cloudwatch:PutMetricData',
      resource: '*',
      context: { 'cloudwatch:namespace': logGroup },
    },
  ];
  const vpc = kind === 'training' ? a.VpcConfig : a.NetworkConfig?.VpcConfig;
  if (vpc) {
    const eni = `arn:aws:ec2:${REGION}:${ACCOUNT}:network-interface/eni-0a1b2c3d4e5f60718`;
    calls.push(
      ...[
        'ec2:CreateNetworkInterface',
        'ec2:CreateNetworkInterfacePermission',
        'ec2:DeleteNetworkInterface',
      ].map((action) => ({ why: `${w}: ${action} in the VPC`, role, action, resource: eni })),
      ...[
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeVpcs',
        'ec2:DescribeDhcpOptions',
      ].map((action) => ({ why: `${w}: ${action}`, role, action, resource: '*' })),
    );
  }
  const volumeKey =
    kind === 'training'
      ? a.ResourceConfig.VolumeKmsKeyId
      : a.ProcessingResources.ClusterConfig.VolumeKmsKeyId;
  if (volumeKey) {
    for (const r of [pipelineRole, role])
      calls.push({
        why: `${w}: ${r === role ? 'its role' : 'pipeline'} lets SageMaker encrypt the volume`,
        role: r,
        action: 'kms:CreateGrant',
        resource: volumeKey,
        context: { 'kms:GrantIsForAWSResource': 'true' },
      });
    calls.push({
      why: `${w}: pipeline names the volume key`,
      role: pipelineRole,
      action: 'kms:DescribeKey',
      resource: volumeKey,
      context: via('sagemaker'),
    });
  }
  if (kind === 'training') {
    const key = a.OutputDataConfig.KmsKeyId;
    for (const channel of a.InputDataConfig)
      calls.push(
        ...readCalls(
          role,
          evaluate(run.definition, run, channel.DataSource.S3DataSource.S3Uri),
          key,
          `${w} reads channel ${channel.ChannelName}`,
        ),
      );
    calls.push(
      ...writeCalls(
        role,
        evaluate(run.definition, run, { Get: `Steps.${step.Name}.ModelArtifacts.S3ModelArtifacts` }),
        key,
        `${w} writes its model`,
      ),
    );
    if (a.CheckpointConfig) {
      const checkpoints = evaluate(run.definition, run, a.CheckpointConfig.S3Uri);
      calls.push(...writeCalls(role, `${checkpoints}/checkpoint-1.pt`, key, `${w} saves a checkpoint`));
      calls.push(...readCalls(role, `${checkpoints}/`, key, `${w} resumes from its checkpoints`));
    }
  } else {
    const key = a.ProcessingOutputConfig.KmsKeyId;
    for (const input of a.ProcessingInputs ?? [])
      calls.push(
        ...readCalls(
          role,
          evaluate(run.definition, run, input.S3Input.S3Uri),
          key,
          `${w} reads input ${input.InputName}`,
        ),
      );
    for (const output of a.ProcessingOutputConfig.Outputs) {
      const uri = String(evaluate(run.definition, run, output.S3Output.S3Uri)).replace(/\/$/, '');
      // A quality check writes Model Monitor's two baseline files; another job its property file, if any.
      const files =
        step.Type === 'QualityCheck'
          ? ['statistics.json', 'constraints.json']
          : [
              (step.PropertyFiles ?? []).find((f: Json) => f.OutputName === output.OutputName)?.FilePath ??
                'output.json',
            ];
      for (const file of files) {
        const what = files.length > 1 ? `${output.OutputName} ${file}` : output.OutputName;
        calls.push(...writeCalls(role, `${uri}/${file}`, key, `${w} writes output ${what}`));
      }
    }
    for (const property of step.PropertyFiles ?? []) {
      const output = a.ProcessingOutputConfig.Outputs.find((o: Json) => o.OutputName === property.OutputName);
      const uri = String(evaluate(run.definition, run, output.S3Output.S3Uri)).replace(/\/$/, '');
      calls.push(
        {
          why: `pipeline: reads ${property.PropertyFileName}`,
          role: pipelineRole,
          action: 's3:GetObject',
          resource: objectArn(`${uri}/${property.FilePath}`),
        },
        {
          why: `pipeline: decrypts ${property.PropertyFileName}`,
          role: pipelineRole,
          action: 'kms:Decrypt',
          resource: key,
          context: via('s3'),
        },
      );
    }
  }
  const assumes: Assume[] = [
    {
      why: `SageMaker assumes ${role} for ${step.Name}`,
      role,
      service: 'sagemaker.amazonaws.com',
      sourceArn: jobArn,
      sourceAccount: ACCOUNT,
    },
  ];
  return { calls, assumes };
}

/** The account of an ECR image URI. */
function imageAccount(image: string): string {
  const m = /^(\d{12})\.dkr\.ecr\./.exec(image);
  if (!m) throw new Error(`not an ECR image: ${image}`);
  return m[1];
}

/** The repository ARN of an ECR image URI. */
export function ecrRepository(image: string): string {
  const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([a-z0-9._/-]+?)(?:[:@].*)?$/.exec(image);
  if (!m) throw new Error(`not an ECR image: ${image}`);
  return `arn:aws:ecr:${m[2]}:${m[1]}:repository/${m[3]}`;
}

/** A run of the pipeline: every call, and every role assumption SageMaker makes for it. */
export interface PipelineRun extends Run {
  readonly definition: Json;
  readonly pipelineName: string;
}

/** Every call and assume of one run of the pipeline (and of the schedule that starts it, when there is one). */
export function pipelineRunRequests(
  world: IamWorld,
  run: PipelineRun,
  roles: { pipeline: string; scheduler?: string },
): (Call | Assume)[] {
  const requests: (Call | Assume)[] = [];
  const pipelineArn = sagemaker(`pipeline/${run.pipelineName.toLowerCase()}`);
  if (roles.scheduler) {
    requests.push(
      {
        why: 'Scheduler assumes the scheduler role',
        role: roles.scheduler,
        service: 'scheduler.amazonaws.com',
        sourceArn: `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/default`,
        sourceAccount: ACCOUNT,
      },
      {
        why: 'scheduler: starts the pipeline',
        role: roles.scheduler,
        action: 'sagemaker:StartPipelineExecution',
        resource: pipelineArn,
      },
    );
  }
  requests.push({
    why: 'SageMaker assumes the pipeline role for a run',
    role: roles.pipeline,
    service: 'sagemaker.amazonaws.com',
    sourceArn: `${pipelineArn}/execution/${run.executionId}`,
    sourceAccount: ACCOUNT,
  });
  for (const step of allSteps(run.definition)) {
    // A QualityCheck step runs a processing job (Model Monitor's analyzer) like a Processing step.
    if (step.Type === 'Training' || step.Type === 'Processing' || step.Type === 'QualityCheck') {
      const { calls, assumes } = jobCalls(
        step.Type === 'Training' ? 'training' : 'processing',
        step,
        run,
        world,
        roles.pipeline,
      );
      requests.push(...assumes, ...calls);
      const group = step.Arguments.Environment?.MLOPS_MODEL_GROUP;
      if (step.Name === 'FindChampion') {
        const role = roleNamed(world, step.Arguments.RoleArn);
        requests.push(
          {
            why: 'FindChampion: lists the approved versions',
            role,
            action: 'sagemaker:ListModelPackages',
            resource: '*',
          },
          {
            why: 'FindChampion: reads the newest one',
            role,
            action: 'sagemaker:DescribeModelPackage',
            resource: sagemaker(`model-package/${group.toLowerCase()}/3`),
          },
        );
      }
    }
    if (step.Type === 'RegisterModel') {
      const group = step.Arguments.ModelPackageGroupName.toLowerCase();
      for (const action of [
        'sagemaker:CreateModelPackage',
        'sagemaker:DescribeModelPackage',
        'sagemaker:AddTags',
      ])
        requests.push({
          why: `pipeline: ${action} (registration)`,
          role: roles.pipeline,
          action,
          resource: sagemaker(`model-package/${group}/4`),
        });
    }
  }
  return requests;
}
