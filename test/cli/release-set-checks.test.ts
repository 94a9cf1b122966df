/**
 * `mlops release set` refuses what the stack cannot deploy (a release on another cloud or in another cloud's
 * format) and runs the registry-approval check of `mlops promote`; a registry version without its group cannot
 * be checked, so with credentials that check fails and says to name the group.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { formatSet, setRelease } from '../../lib/cli/release';
import { checkRegistryApproval, UNCHECKED_APPROVAL_AT_DEPLOY } from '../../lib/promotion/cloud';
import { evaluateGates } from '../../lib/promotion/gates';
import { parseRelease } from '../../lib/promotion/release-schema';
import { SHA_IMAGE, SHA_MODEL, promotionProject, snapshot } from './promotion-fixture';

const QA = `# qa: aws.
config:
  mlops:cloud: aws
  aws:region: eu-west-1
`;

const ARN = 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-models/3';
const REGISTRY_RELEASE = `schemaVersion: 1
version: v3
model:
  registry:
    group: churn-models
    version: 3
`;

/** Only what the test sets: no credentials or endpoint of this machine leak in. */
function isolatedAwsEnv(credentials: boolean, endpoint?: string): void {
  for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
  const home = mkdtempSync(path.join(tmpdir(), 'mlops-aws-home-'));
  process.env.AWS_CONFIG_FILE = path.join(home, 'no-config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(home, 'no-credentials');
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  if (credentials) {
    process.env.AWS_ACCESS_KEY_ID = 'AKIATESTKEY000000000';
    process.env.AWS_SECRET_ACCESS_KEY = 'test-secret';
  }
  if (endpoint) process.env.AWS_ENDPOINT_URL = endpoint;
}

/** A SageMaker JSON 1.1 endpoint knowing version 3 of churn-models with the given approval status. */
function fakeSageMaker(status: () => string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target']);
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (target === 'SageMaker.ListModelPackages')
        res.end(
          JSON.stringify({
            ModelPackageSummaryList: [
              {
                ModelPackageArn: ARN,
                ModelPackageGroupName: 'churn-models',
                ModelPackageVersion: 3,
                CreationTime: 1764670000,
                ModelPackageStatus: 'Completed',
              },
            ],
          }),
        );
      else if (target === 'SageMaker.DescribeModelPackage')
        res.end(
          JSON.stringify({
            ModelPackageName: 'churn-models',
            ModelPackageArn: ARN,
            CreationTime: 1764670000,
            ModelPackageStatus: 'Completed',
            ModelApprovalStatus: status(),
          }),
        );
      else {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'UnknownOperationException', message: target }));
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${port}` });
    }),
  );
}

describe('mlops release set: only what the stack can deploy', () => {
  test('a docker release into an aws stack is refused with every problem; nothing is written', async () => {
    const release = `schemaVersion: 1
version: v4
model:
  artifact:
    uri: docker-volume://churn-models/run-1/
    sha256: ${SHA_MODEL}
image: localhost:5000/churn/serving@${SHA_IMAGE}
baseline: docker-volume://churn-models/run-1/baseline/
`;
    const dir = promotionProject({ 'Pulumi.qa.yaml': QA, 'release.yaml': release });
    const before = snapshot(dir);
    const file = path.join(dir, 'release.yaml');
    await expect(setRelease(dir, 'qa', file)).rejects.toThrow(
      [
        `Release "release file ${file} for stack qa (aws)" has 3 problems in its arguments:`,
        `  - image: "localhost:5000/churn/serving@${SHA_IMAGE}" is not in a aws registry, but stack qa runs on aws. Fix: give the image stack qa serves.`,
        '  - model.artifact.uri: "docker-volume://churn-models/run-1/" is on docker, but stack qa runs on aws. Fix: give the model stack qa serves.',
        '  - baseline: "docker-volume://churn-models/run-1/baseline/" is not an absolute aws folder URI ending in /. Fix: give the absolute URI of the baseline folder in stack qa\'s store.',
      ].join('\n'),
    );
    expect(snapshot(dir)).toEqual(before);
  });

  test('a registry release into a docker stack is refused: docker has no model registry', async () => {
    const dir = promotionProject({ 'registry.yaml': REGISTRY_RELEASE });
    const before = snapshot(dir);
    await expect(setRelease(dir, 'prod', path.join(dir, 'registry.yaml'))).rejects.toThrow(
      'model.registry: names SageMaker model package version 3, but docker has no model registry. Fix: give `model.artifact: { uri, sha256 }` on docker instead.',
    );
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('registry approval (mlops release set and the registry-approval gate)', () => {
  const saved = { ...process.env };
  let approval = 'PendingManualApproval';
  let sagemaker: { server: Server; url: string };
  beforeAll(async () => {
    sagemaker = await fakeSageMaker(() => approval);
  });
  afterAll(async () => {
    process.env = saved;
    await new Promise((resolve) => sagemaker.server.close(resolve));
  });

  test('with credentials, an unapproved version is refused: exit 1, nothing written', async () => {
    isolatedAwsEnv(true, sagemaker.url);
    approval = 'PendingManualApproval';
    const dir = promotionProject({ 'Pulumi.qa.yaml': QA, 'release.yaml': REGISTRY_RELEASE });
    const before = snapshot(dir);
    const file = path.join(dir, 'release.yaml');
    await expect(setRelease(dir, 'qa', file)).rejects.toThrow(
      `release file ${file}: FAIL registry-approval: model package group churn-models version 3 is PendingManualApproval, not Approved: SageMaker deploys only Approved versions; approve it with \`aws sagemaker update-model-package --model-package-arn ${ARN} --model-approval-status Approved\`; nothing was written`,
    );
    expect(snapshot(dir)).toEqual(before);
  });

  test('with credentials, an Approved version is set and the verdict printed', async () => {
    isolatedAwsEnv(true, sagemaker.url);
    approval = 'Approved';
    const dir = promotionProject({ 'Pulumi.qa.yaml': QA, 'release.yaml': REGISTRY_RELEASE });
    const result = await setRelease(dir, 'qa', path.join(dir, 'release.yaml'), {
      now: new Date('2026-12-02T10:00:00Z'),
    });
    expect(formatSet(result, dir)).toBe(
      'PASS registry-approval: model package group churn-models version 3 is Approved\nstack qa: release v3 set in Pulumi.qa.yaml',
    );
    expect(readFileSync(path.join(dir, 'Pulumi.qa.yaml'), 'utf8')).toBe(
      `${QA}  mlops:release:\n    schemaVersion: 1\n    version: v3\n    model:\n      registry:\n        group: churn-models\n        version: 3\n    releasedAt: "2026-12-02T10:00:00Z"\n`,
    );
  });

  test('without credentials the version is set, and the verdict says it was not checked', async () => {
    isolatedAwsEnv(false);
    const dir = promotionProject({ 'Pulumi.qa.yaml': QA, 'release.yaml': REGISTRY_RELEASE });
    const result = await setRelease(dir, 'qa', path.join(dir, 'release.yaml'));
    expect(result.written).toBe(true);
    expect(result.registryApproval).toBe(
      `PASS registry-approval: not checked: no AWS credentials (the SDK's default chain found none) to read model package group churn-models version 3; ${UNCHECKED_APPROVAL_AT_DEPLOY}`,
    );
  });

  // A schema 0 release (modelPackageVersion, no group) is the one that reaches the gate without a group.
  const legacy = parseRelease({ version: 'v3', modelPackageVersion: 3 }, 'mlops:release of stack qa');
  const gate = (registryApproval: Awaited<ReturnType<typeof checkRegistryApproval>>) =>
    evaluateGates({
      gates: {},
      source: { stack: 'qa', release: legacy, cloud: 'aws' },
      target: { stack: 'prod' },
      now: new Date('2026-12-02T10:00:00Z'),
      registryApproval,
    });

  test('a version without its group fails the gate with credentials, saying to name the group', async () => {
    isolatedAwsEnv(true, sagemaker.url);
    const evidence = await checkRegistryApproval('aws', { region: 'eu-west-1', version: 3 });
    expect(gate(evidence)).toEqual([
      {
        gate: 'registry-approval',
        verdict: 'fail',
        reason:
          "cannot check the approval of model package version 3: the release names no model package group (fix: add `model.registry.group`, the serving pipeline's SageMaker model package group such as `churn-models`, to the release)",
      },
    ]);
  });

  test('a version without its group passes as not checked without credentials', async () => {
    isolatedAwsEnv(false);
    const evidence = await checkRegistryApproval('aws', { region: 'eu-west-1', version: 3 });
    expect(gate(evidence)).toEqual([
      {
        gate: 'registry-approval',
        verdict: 'pass',
        reason: `not checked: no AWS credentials (the SDK's default chain found none), and the release names no model package group to find model package version 3 in; ${UNCHECKED_APPROVAL_AT_DEPLOY}`,
      },
    ]);
  });
});

test('promote: a schema 0 registry release without a group cannot be written to the target as schema 1', async () => {
  const { promote } = await import('../../lib/promotion/promote');
  const store = `  mlops:releaseStore:\n    images: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn\n    models: s3://churn-artifacts/releases/\n`;
  const dir = promotionProject({
    'Pulumi.qa.yaml': `${QA}${store}  mlops:release:\n    version: v3\n    modelPackageVersion: 3\n`,
    'Pulumi.prod.yaml': `${QA}${store}`,
    'promotion.yaml': '{}\n',
  });
  writeFileSync(path.join(dir, 'promotion.yaml'), 'default: {}\n');
  const before = snapshot(dir);
  const result = await promote({ projectDir: dir, from: 'qa', to: 'prod' });
  expect(result.exitCode).toBe(1);
  expect(result.gates).toEqual([
    {
      gate: 'schema',
      verdict: 'fail',
      reason:
        "release v3 to be written as schema 1 is not a valid release: model.registry.group: is missing: without the model package group the approval of the version cannot be checked (fix: give the SageMaker model package group the version is registered in, the serving pipeline's (such as `churn-models`)); promotedFrom.model.registry.group: is missing: without the model package group the approval of the version cannot be checked (fix: give the SageMaker model package group the version is registered in, the serving pipeline's (such as `churn-models`))",
    },
  ]);
  expect(snapshot(dir)).toEqual(before);
});
