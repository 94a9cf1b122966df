import * as pulumi from '@pulumi/pulumi';
import { MockMonitor } from '@pulumi/pulumi/runtime/mocks';
import { getCallerIdentityOutput } from '@pulumi/aws/getCallerIdentity';
import * as s3 from '@pulumi/aws/s3';
import * as ec2 from '@pulumi/aws/ec2';
import { getVpcOutput } from '@pulumi/aws/ec2/getVpc';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { recordProgram } from '../../lib/testing';

describe('recordProgram', () => {
  test('the Pulumi runtime internals it relies on still exist (pinned @pulumi/pulumi)', () => {
    expect(typeof MockMonitor.prototype.registerResource).toBe('function');
    expect(typeof pulumi.runtime.setMockOptions).toBe('function');
    expect(typeof (pulumi.runtime as unknown as { waitForRPCs: unknown }).waitForRPCs).toBe('function');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(typeof require('@pulumi/pulumi/runtime/state').getStore).toBe('function');
  });

  test('records parent, dependencies, retainOnDelete, resolved inputs and computed outputs', async () => {
    const rec = await recordProgram(
      () => {
        const parent = new pulumi.ComponentResource('test:index:Parent', 'p');
        const bucket = new s3.Bucket('data', { region: 'eu-west-1' }, { parent, retainOnDelete: true });
        new s3.BucketVersioning(
          'data-versioning',
          { bucket: bucket.bucket, versioningConfiguration: { status: 'Enabled' } },
          { parent },
        );
      },
      { project: 'proj', stack: 'dev' },
    );
    const bucket = rec.one('aws:s3/bucket:Bucket');
    expect(bucket).toMatchObject({
      urn: 'urn:pulumi:dev::proj::test:index:Parent$aws:s3/bucket:Bucket::data',
      parent: 'urn:pulumi:dev::proj::test:index:Parent::p',
      retainOnDelete: true,
      custom: true,
      inputs: { region: 'eu-west-1' },
    });
    const versioning = rec.one('aws:s3/bucketVersioning:BucketVersioning');
    expect(versioning.dependencies).toEqual([bucket.urn]);
    expect(versioning.inputs.bucket).toMatch(/^data-[0-9a-f]{7}$/);
  });

  test('registrations made inside applies are waited for', async () => {
    const rec = await recordProgram(() => {
      const first = new s3.Bucket('first', {});
      first.bucket.apply((name) => new s3.Bucket(`after-${name.length}`, {}));
    });
    expect(
      rec
        .ofType('aws:s3/bucket:Bucket')
        .map((r) => r.name)
        .sort(),
    ).toEqual(['after-13', 'first']);
  });

  test('stack config is visible to the program, keyed namespace:key', async () => {
    let seen: unknown;
    await recordProgram(() => (seen = new pulumi.Config('mlops').getObject('tags')), {
      config: { 'mlops:tags': { team: 'ml' } },
    });
    expect(seen).toEqual({ team: 'ml' });
  });

  test('a provider call the mocks do not know fails instead of returning nothing', async () => {
    const { mockCallResult } = await import('../../lib/testing/mock-outputs');
    expect(() => mockCallResult('aws:ec2/getVpc:getVpc', {})).toThrow(
      "mlops-constructs mocks: unexpected provider call aws:ec2/getVpc:getVpc; answer it with a `calls` hook ({ 'aws:ec2/getVpc:getVpc': (inputs) => ({ ...outputs the real provider returns }) }) in recordProgram's options or in the module given to `mlops synth --mocks`",
    );
    const rec = await recordProgram(() =>
      getCallerIdentityOutput({}).apply((id) => new s3.Bucket(`b-${id.accountId}`, {})),
    );
    expect(rec.one('aws:s3/bucket:Bucket').name).toBe('b-123456789012');
  });

  test('a program whose provider call the mocks refuse fails with that reason and names the hook', () => {
    // Run outside Jest, which reports the rejected outputs itself: this is what users' programs see.
    const script = `
      const { recordProgram } = require('./dist/lib/testing');
      const { getVpcOutput } = require('@pulumi/aws/ec2/getVpc');
      const s3 = require('@pulumi/aws/s3');
      recordProgram(() => { getVpcOutput({ default: true }).apply((v) => new s3.Bucket('b-' + v.id, {})); })
        .then(() => console.log('passed'), (err) => console.log(err.message));`;
    const run = spawnSync(process.execPath, ['-e', script], {
      cwd: path.resolve(__dirname, '..', '..'),
      encoding: 'utf8',
      timeout: 30000,
    });
    expect(run.stdout.trim()).toBe(
      "the program failed under mocks: mlops-constructs mocks: unexpected provider call aws:ec2/getVpc:getVpc; answer it with a `calls` hook ({ 'aws:ec2/getVpc:getVpc': (inputs) => ({ ...outputs the real provider returns }) }) in recordProgram's options or in the module given to `mlops synth --mocks`",
    );
  });

  test("the team's own provider calls and resources are answered by its hooks", async () => {
    const seen: unknown[] = [];
    const rec = await recordProgram(
      () => {
        const vpc = getVpcOutput({ tags: { team: 'ml' } });
        const group = new ec2.SecurityGroup('endpoints', { vpcId: vpc.id });
        new s3.Bucket('logs', { tags: { sg: group.arn, cidr: vpc.cidrBlock } });
        return { groupArn: group.arn, groupId: group.id };
      },
      {
        calls: {
          'aws:ec2/getVpc:getVpc': (inputs) => {
            seen.push(inputs);
            return { id: 'vpc-0abc', cidrBlock: '10.20.0.0/16' };
          },
        },
        resources: (type, name) =>
          type === 'aws:ec2/securityGroup:SecurityGroup'
            ? { id: 'sg-0123', arn: `arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0123-${name}` }
            : undefined,
      },
    );
    expect(seen).toEqual([{ tags: { team: 'ml' } }]);
    expect(rec.one('aws:ec2/securityGroup:SecurityGroup').inputs).toEqual({
      description: 'Managed by Pulumi',
      vpcId: 'vpc-0abc',
    });
    expect(rec.one('aws:s3/bucket:Bucket').inputs.tags).toEqual({
      sg: 'arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0123-endpoints',
      cidr: '10.20.0.0/16',
    });
    expect(rec.outputs).toEqual({
      groupArn: 'arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0123-endpoints',
      groupId: 'sg-0123',
    });
  });

  test('the exports are resolved, and secret ones are named', async () => {
    const rec = await recordProgram(() => {
      const bucket = new s3.Bucket('data', {});
      return {
        name: bucket.bucket,
        urls: [pulumi.interpolate`s3://${bucket.bucket}`],
        token: pulumi.secret('t0k'),
      };
    });
    expect(rec.outputs).toEqual({ name: 'data-a17c9aa', urls: ['s3://data-a17c9aa'], token: 't0k' });
    expect(rec.secretOutputs).toEqual(['token']);
  });
});

describe('a program that throws after registering', () => {
  class Lake extends pulumi.ComponentResource {
    constructor(name: string) {
      super('team:index:Lake', name, {});
      const raw = new s3.Bucket(`${name}-raw`, {}, { parent: this });
      this.registerOutputs({ raw: raw.bucket });
    }
  }

  test('fails with its own error, and the next recording holds only its own resources', async () => {
    const failure = new Error('the wrapper refused: missing cost centre');
    await expect(
      recordProgram(() => {
        new Lake('first');
        throw failure;
      }),
    ).rejects.toBe(failure);
    const next = await recordProgram(() => new s3.Bucket('second', {}), { project: 'next', stack: 'ci' });
    expect(next.urns()).toEqual(['urn:pulumi:ci::next::aws:s3/bucket:Bucket::second']);
  });

  test('an async program that rejects fails the same way', async () => {
    await expect(
      recordProgram(async () => {
        new Lake('third');
        await Promise.resolve();
        throw new Error('late refusal');
      }),
    ).rejects.toThrow('late refusal');
    const next = await recordProgram(() => new s3.Bucket('fourth', {}));
    expect(next.urns()).toEqual(['urn:pulumi:test::mlops::aws:s3/bucket:Bucket::fourth']);
  });
});
