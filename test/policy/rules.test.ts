import * as path from 'node:path';
import { ModelEndpoint } from '../../lib';
import { readProject, readStackConfig } from '../../lib/cli/stack-config';
import { ALL_RULES, evaluatePolicies, type GraphResource } from '../../lib/policy';
import { stackPolicies } from '../../lib/policy/pack';
import { recordProgram } from '../../lib/testing';
import { churnSystem } from '../../stacks/pulumi/system';
import { AWS_PROD, endpointArgs } from '../helpers';
import { watched } from '../support/watch';

const project = readProject(path.resolve(__dirname, '..', '..'));

function resource(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  propertyDependencies: Record<string, string[]> = {},
): GraphResource {
  return {
    urn: `urn:pulumi:s::p::${type}::${name}`,
    type,
    name,
    inputs,
    dependencies: Object.values(propertyDependencies).flat(),
    propertyDependencies,
  };
}

describe('policy rules on the reference stacks', () => {
  test.each(['dev', 'staging', 'prod'])('the %s stack breaks no mandatory rule', async (stack) => {
    const rec = await recordProgram(() => churnSystem(), {
      project: project.name,
      stack,
      config: readStackConfig(project, stack),
    });
    const mandatory = evaluatePolicies(rec.resources).filter((v) => v.enforcement === 'mandatory');
    expect(mandatory).toEqual([]);
  });

  test('the docker runner and its scheduler are flagged for mounting the Docker socket, as advice', async () => {
    const rec = await recordProgram(() => churnSystem(), {
      project: project.name,
      stack: 'dev',
      config: readStackConfig(project, 'dev'),
    });
    expect(
      evaluatePolicies(rec.resources).map((v) => [v.rule, v.enforcement, v.urn.split('::').pop()]),
    ).toEqual([
      ['docker-socket', 'advisory', 'churn-training-runner'],
      // The dev stack retrains on a schedule: Ofelia starts the runner through the same socket.
      ['docker-socket', 'advisory', 'churn-training-scheduler'],
    ]);
  });

  test('a throwaway stack is warned that its data goes with it', async () => {
    const rec = await recordProgram(() =>
      watched(new ModelEndpoint('churn', endpointArgs({ ...AWS_PROD, retainOnDelete: false }))),
    );
    const found = evaluatePolicies(rec.resources).map(
      (v) => `${v.rule} ${v.enforcement} ${v.urn.split('::').pop()}`,
    );
    expect(found.sort()).toEqual([
      'stateful-retained advisory churn-access-logs',
      'stateful-retained advisory churn-capture',
      'stateful-retained advisory churn-key',
    ]);
  });
});

describe('each rule catches what it is for', () => {
  const bucket = resource('aws:s3/bucket:Bucket', 'data', {});
  const on = { bucket: [bucket.urn] };

  test.each<[string, GraphResource[], string]>([
    [
      'aws-s3-private',
      [
        bucket,
        resource(
          'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
          'pab',
          {
            blockPublicAcls: true,
            blockPublicPolicy: false,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
          },
          on,
        ),
      ],
      'public access block leaves blockPublicPolicy off',
    ],
    [
      'aws-s3-encrypted',
      [
        bucket,
        resource(
          'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
          'enc',
          { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
          on,
        ),
      ],
      'is encrypted with AES256, not a KMS key',
    ],
    [
      'aws-s3-versioned',
      [
        bucket,
        resource(
          'aws:s3/bucketVersioning:BucketVersioning',
          'v',
          { versioningConfiguration: { status: 'Suspended' } },
          on,
        ),
      ],
      'does not keep object versions',
    ],
    [
      'aws-s3-tls-only',
      [
        bucket,
        resource(
          'aws:s3/bucketPolicy:BucketPolicy',
          'pol',
          {
            policy: JSON.stringify({
              Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject' }],
            }),
          },
          on,
        ),
      ],
      'does not deny requests without TLS',
    ],
    [
      'aws-kms-rotation',
      [resource('aws:kms/key:Key', 'k', { enableKeyRotation: false })],
      'does not rotate its key material',
    ],
    [
      'aws-ecr-immutable-scanned',
      [
        resource('aws:ecr/repository:Repository', 'r', {
          imageTagMutability: 'MUTABLE',
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfigurations: [{ encryptionType: 'KMS' }],
        }),
      ],
      'tags are mutable',
    ],
    [
      'aws-iam-no-admin',
      [
        resource('aws:iam/rolePolicy:RolePolicy', 'p', {
          policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }),
        }),
      ],
      'allows s3:* too broadly',
    ],
    [
      'aws-sagemaker-volume-encrypted',
      [
        resource('aws:sagemaker/endpointConfiguration:EndpointConfiguration', 'c', {
          productionVariants: [{ instanceType: 'ml.m5.large' }],
        }),
      ],
      'encrypts its volumes with no customer key',
    ],
    [
      'aws-sagemaker-guarded-rollout',
      [
        resource('aws:sagemaker/endpoint:Endpoint', 'e', {
          deploymentConfig: { blueGreenUpdatePolicy: { trafficRoutingConfiguration: { type: 'CANARY' } } },
        }),
      ],
      'rolls out CANARY with no rollback alarm',
    ],
    [
      'gcp-bucket-private',
      [
        resource('gcp:storage/bucket:Bucket', 'b', {
          uniformBucketLevelAccess: true,
          publicAccessPrevention: 'inherited',
        }),
      ],
      'public access prevention is not enforced',
    ],
    [
      'gcp-bucket-cmek',
      [resource('gcp:storage/bucket:Bucket', 'b', { versioning: { enabled: true } })],
      'no customer-managed key',
    ],
    [
      'gcp-run-cmek',
      [resource('gcp:cloudrunv2/service:Service', 's', { template: {} })],
      'has no customer-managed key',
    ],
    [
      'gcp-no-public-members',
      [
        resource('gcp:cloudrunv2/serviceIamMember:ServiceIamMember', 'i', {
          role: 'roles/run.invoker',
          member: 'allUsers',
        }),
      ],
      'grants roles/run.invoker to allUsers',
    ],
    [
      'gcp-key-rotation',
      [resource('gcp:kms/cryptoKey:CryptoKey', 'k', {})],
      'does not rotate its key material',
    ],
    [
      'docker-loopback-ports',
      [resource('docker:index/container:Container', 'c', { ports: [{ internal: 80, external: 8080 }] })],
      'publishes port 8080 beyond this machine',
    ],
    [
      'docker-unprivileged',
      [resource('docker:index/container:Container', 'c', { privileged: true })],
      'runs privileged',
    ],
  ])('%s', (id, graph, message) => {
    const rule = ALL_RULES.find((r) => r.id === id)!;
    expect(rule.check(graph).map((v) => v.message)).toEqual([message]);
  });

  test('access-log buckets may use S3-managed keys, but keep versions like any other', () => {
    const logs = resource('aws:s3/bucket:Bucket', 'logs', {});
    const graph = [
      bucket,
      logs,
      resource(
        'aws:s3/bucketLogging:BucketLogging',
        'logging',
        {},
        { bucket: [bucket.urn], targetBucket: [logs.urn] },
      ),
      resource(
        'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
        'enc',
        { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
        { bucket: [logs.urn] },
      ),
    ];
    const rule = (id: string) => ALL_RULES.find((r) => r.id === id)!;
    expect(
      rule('aws-s3-encrypted')
        .check(graph)
        .map((v) => v.urn),
    ).toEqual([bucket.urn]);
    expect(
      rule('aws-s3-versioned')
        .check(graph)
        .map((v) => v.urn),
    ).toEqual([bucket.urn, logs.urn]);
  });

  test('the policy pack reports the same violations from what the engine sends', () => {
    const policy = stackPolicies().find((p) => p.name === 'aws-kms-rotation')!;
    const reported: [string, string | undefined][] = [];
    const key = {
      urn: 'urn:k',
      type: 'aws:kms/key:Key',
      name: 'k',
      props: { enableKeyRotation: false },
      dependencies: [],
      propertyDependencies: {},
    };
    void policy.validateStack({ resources: [key] } as never, (message, urn) => reported.push([message, urn]));
    expect(reported).toEqual([['does not rotate its key material', 'urn:k']]);
    expect(stackPolicies().map((p) => p.name)).not.toContain('stateful-retained');
    expect(policy.enforcementLevel).toBe('mandatory');
  });
});
