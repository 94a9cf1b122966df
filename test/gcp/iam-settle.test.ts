/**
 * IAM grants take minutes to apply and the provider does not retry a create refused meanwhile: resources that
 * a service agent encrypts with a freshly granted key, or that start with a freshly granted model, wait for a
 * pause after those grants. The pause itself is tested by running its provider.
 */
import { IAM_SETTLE_SECONDS, settleProvider } from '../../lib/blocks/gcp-iam-settle';
import { MlPipeline } from '../../lib/ml-pipeline/pulumi';
import { ModelEndpoint } from '../../lib/model-endpoint/pulumi';
import { recordProgram } from '../../lib/testing';
import { GCP_STAGING, endpointArgs } from '../helpers';
import { pipelineArgs } from '../ml-pipeline/fixtures';

const SETTLE = 'pulumi-nodejs:dynamic/mlops:IamSettle';
const KEY_GRANT = 'gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember';
const IMAGE = 'europe-west4-docker.pkg.dev/churn-shared-4821/releases/serving@sha256:' + 'c'.repeat(64);

const elapsed = async (run: () => Promise<unknown>) => {
  const start = Date.now();
  await run();
  return Date.now() - start;
};

describe('the pause after fresh grants', () => {
  test('waits on create; waits again only when a grant is added', async () => {
    expect(IAM_SETTLE_SECONDS).toBe(120);
    const inputs = { grants: ['a', 'b'], seconds: 0.3 };
    let created: unknown;
    expect(await elapsed(async () => (created = await settleProvider.create(inputs)))).toBeGreaterThanOrEqual(
      290,
    );
    expect(created).toEqual({ id: 'settled-2', outs: inputs });
    // Same grants in another order: nothing to do, so no update and no wait.
    expect(await settleProvider.diff!('settled-2', inputs, { grants: ['b', 'a'], seconds: 0.3 })).toEqual({
      changes: false,
    });
    const added = { grants: ['a', 'b', 'c'], seconds: 0.3 };
    expect(await settleProvider.diff!('settled-2', inputs, added)).toEqual({ changes: true });
    expect(await elapsed(() => settleProvider.update!('settled-2', inputs, added))).toBeGreaterThanOrEqual(
      290,
    );
    // A grant removed: the set changed, but nothing new must propagate.
    expect(await elapsed(() => settleProvider.update!('settled-2', added, inputs))).toBeLessThan(100);
  });

  test('MlPipeline: every CMEK resource waits for the pause, which follows every agent key grant', async () => {
    const rec = await recordProgram(
      () => new MlPipeline('churn', pipelineArgs(GCP_STAGING, { registry: { servingImage: IMAGE } })),
    );
    const settle = rec.one(SETTLE, 'churn-key-grants-settle');
    expect(settle.dependencies).toEqual(
      rec
        .ofType(KEY_GRANT)
        .map((g) => g.urn)
        .sort(),
    );
    expect(
      rec
        .ofType(KEY_GRANT)
        .map((g) => g.name)
        .sort(),
    ).toEqual([
      'churn-aiplatform-agent-key',
      'churn-artifact-registry-agent-key',
      'churn-run-agent-key',
      'churn-storage-agent-key',
      'churn-workflows-agent-key',
    ]);
    expect(settle.inputs.seconds).toBe(120);
    expect(settle.inputs.grants).toEqual(rec.ofType(KEY_GRANT).map((g) => `${g.name}-id`));
    const waiting = rec.resources.filter((r) => r.dependencies.includes(settle.urn)).map((r) => r.name);
    expect(waiting.sort()).toEqual([
      'churn-artifacts',
      'churn-data',
      'churn-evaluate',
      'churn-images',
      'churn-pipeline',
      'churn-train',
    ]);
  });

  test('ModelEndpoint: the service waits after its key and model grants; the topic after its key grant', async () => {
    const rec = await recordProgram(
      () =>
        new ModelEndpoint(
          'churn',
          endpointArgs(GCP_STAGING, { image: IMAGE, modelDataUrl: 'gs://b/models/v3/' }),
        ),
    );
    const service = rec.one('gcp:cloudrunv2/service:Service');
    const grants = rec.one(SETTLE, 'churn-grants-settle');
    expect(service.dependencies).toContain(grants.urn);
    const byUrn = (urns: string[]) => urns.map((u) => rec.byUrn(u)!.name).sort();
    expect(byUrn(grants.dependencies)).toEqual([
      'churn-capture-publisher',
      'churn-read-model-a0182af5',
      'churn-run-agent-key',
    ]);
    const topicSettle = rec.one(SETTLE, 'churn-pubsub-key-settle');
    expect(byUrn(topicSettle.dependencies)).toEqual(['churn-pubsub-agent-key']);
    expect(rec.one('gcp:pubsub/topic:Topic').dependencies).toContain(topicSettle.urn);
  });
});
