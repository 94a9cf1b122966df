import * as pulumi from '@pulumi/pulumi';
import { MockMonitor } from '@pulumi/pulumi/runtime/mocks';
import { getCallerIdentityOutput } from '@pulumi/aws/getCallerIdentity';
import * as s3 from '@pulumi/aws/s3';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { recordProgram } from '../../lib/testing';

describe('recordProgram', () => {
  test('the Pulumi runtime internals it relies on still exist (pinned @pulumi/pulumi)', () => {
    expect(typeof MockMonitor.prototype.registerResource).toBe('function');
    expect(typeof pulumi.runtime.setMockOptions).toBe('function');
    expect(typeof (pulumi.runtime as unknown as { waitForRPCs: unknown }).waitForRPCs).toBe('function');
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
      'mlops-constructs mocks: unexpected provider call aws:ec2/getVpc:getVpc',
    );
    const rec = await recordProgram(() =>
      getCallerIdentityOutput({}).apply((id) => new s3.Bucket(`b-${id.accountId}`, {})),
    );
    expect(rec.one('aws:s3/bucket:Bucket').name).toBe('b-123456789012');
  });

  test('a program whose provider call the mocks refuse fails with that reason, instead of hanging or passing', () => {
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
      'the program failed under mocks: mlops-constructs mocks: unexpected provider call aws:ec2/getVpc:getVpc; add it to mockCallResult with the outputs the real provider returns',
    );
  });
});
