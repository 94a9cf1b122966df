import * as pulumi from '@pulumi/pulumi';
import * as s3 from '@pulumi/aws/s3';
import { getVpcOutput } from '@pulumi/aws/ec2/getVpc';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { recordProgram } from '../../lib/testing';

/** A team's own component: one bucket under it. */
class DataLake extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super('team:index:DataLake', name, {}, opts);
    const raw = new s3.Bucket(`${name}-raw`, { forceDestroy: false }, { parent: this });
    this.registerOutputs({ raw: raw.bucket });
  }
}

const tagOwner: pulumi.ResourceTransform = async ({ type, props, opts }) =>
  type === 'aws:s3/bucket:Bucket'
    ? { props: { ...props, tags: { ...props.tags, owner: 'ml-platform' } }, opts }
    : undefined;

describe('Pulumi transforms under the recorder', () => {
  test("a component's transform changes its child's inputs and options before they are recorded", async () => {
    const rec = await recordProgram(() => {
      new DataLake('lake', {
        transforms: [
          tagOwner,
          async ({ props, opts }) => ({ props, opts: pulumi.mergeOptions(opts, { retainOnDelete: true }) }),
        ],
      });
    });
    const bucket = rec.one('aws:s3/bucket:Bucket', 'lake-raw');
    expect(bucket.inputs).toEqual({ forceDestroy: false, tags: { owner: 'ml-platform' } });
    expect(bucket.retainOnDelete).toBe(true);
    expect(rec.one('team:index:DataLake').retainOnDelete).toBe(true);
  });

  test("transforms run in the engine's order: the resource's own, its parents', then the stack's", async () => {
    const seen: string[] = [];
    const mark =
      (who: string): pulumi.ResourceTransform =>
      async ({ type, props, opts }) => {
        if (type !== 'aws:s3/bucket:Bucket') return undefined;
        seen.push(who);
        return { props: { ...props, bucket: `${props.bucket ?? 'b'}-${who}` }, opts };
      };
    const rec = await recordProgram(() => {
      pulumi.runtime.registerResourceTransform(mark('stack'));
      const outer = new pulumi.ComponentResource(
        'team:index:Outer',
        'outer',
        {},
        { transforms: [mark('outer')] },
      );
      const inner = new pulumi.ComponentResource(
        'team:index:Inner',
        'inner',
        {},
        { parent: outer, transforms: [mark('inner')] },
      );
      new s3.Bucket('data', {}, { parent: inner, transforms: [mark('own')] });
    });
    expect(seen).toEqual(['own', 'inner', 'outer', 'stack']);
    expect(rec.one('aws:s3/bucket:Bucket').inputs.bucket).toBe('b-own-inner-outer-stack');
  });

  test('an invoke transform changes the arguments of later provider calls', async () => {
    const seen: unknown[] = [];
    const rec = await recordProgram(
      () => {
        pulumi.runtime.registerInvokeTransform(async ({ token, args, opts }) =>
          token === 'aws:ec2/getVpc:getVpc' ? { args: { ...args, tags: { team: 'ml' } }, opts } : undefined,
        );
        return { vpc: getVpcOutput({ default: true }).id };
      },
      {
        calls: {
          'aws:ec2/getVpc:getVpc': (inputs) => {
            seen.push(inputs);
            return { id: 'vpc-0abc' };
          },
        },
      },
    );
    expect(seen).toEqual([{ default: true, tags: { team: 'ml' } }]);
    expect(rec.outputs).toEqual({ vpc: 'vpc-0abc' });
  });

  test('a transform that throws fails the recording with its message', () => {
    // Outside Jest, which reports the rejected outputs itself: this is what users' programs see.
    const script = `
      const { recordProgram } = require('./dist/lib/testing');
      const s3 = require('@pulumi/aws/s3');
      const refuse = () => { throw new Error('buckets need an owner tag'); };
      recordProgram(() => { new s3.Bucket('data', {}, { transforms: [refuse] }); })
        .then(() => console.log('passed'), (err) => console.log(err.message));`;
    const run = spawnSync(process.execPath, ['-e', script], {
      cwd: path.resolve(__dirname, '..', '..'),
      encoding: 'utf8',
      timeout: 30000,
    });
    expect(run.stdout.trim()).toBe(
      'the program failed under mocks: failed to register new resource data [aws:s3/bucket:Bucket]: transform failed: Error: buckets need an owner tag',
    );
  });
});
