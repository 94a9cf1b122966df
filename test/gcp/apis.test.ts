/**
 * A first deploy into a fresh project: every API a construct's resources and lookups call is enabled by the
 * construct, and each of those resources waits for it. Derived from the recorded graph, so a new resource type
 * without an API fact fails here.
 */
import { API_OF_RESOURCE, GCP_API } from '../../lib/blocks/gcp-apis';
import { MlPipeline } from '../../lib/ml-pipeline/pulumi';
import { ModelEndpoint } from '../../lib/model-endpoint/pulumi';
import { recordProgram, type RecordedResource, type Recording } from '../../lib/testing';
import { GCP_STAGING, endpointArgs } from '../helpers';
import { pipelineArgs } from '../ml-pipeline/fixtures';

const SERVICE = 'gcp:projects/service:Service';
const IDENTITY = 'gcp:projects/serviceIdentity:ServiceIdentity';
const SETTLE = 'pulumi-nodejs:dynamic/mlops:IamSettle';
const IMAGE = 'europe-west4-docker.pkg.dev/churn-shared-4821/releases/serving@sha256:' + 'c'.repeat(64);

const pipeline = (enableApis = true) =>
  new MlPipeline(
    'churn-training',
    pipelineArgs(
      { ...GCP_STAGING, enableApis },
      { schedule: 'rate(1 day)', registry: { servingImage: IMAGE } },
    ),
  );
const endpoint = (enableApis = true) =>
  new ModelEndpoint(
    'churn',
    endpointArgs(
      { ...GCP_STAGING, enableApis },
      { image: IMAGE, modelDataUrl: 'gs://churn-artifacts/models/v3/' },
    ),
  );

/** The enabled service of an API, by its construct. */
function serviceOf(rec: Recording, construct: string, api: string): RecordedResource {
  const found = rec
    .ofType(SERVICE)
    .filter((s) => s.inputs.service === api && s.name.startsWith(`${construct}-api-`));
  if (found.length !== 1)
    throw new Error(`expected one ${api} service of ${construct}, found ${found.length}`);
  return found[0];
}

/** Every gcp resource of a construct waits for the API its own creation calls. */
function expectEveryResourceWaitsForItsApi(rec: Recording, construct: string): void {
  const unknownTypes: string[] = [];
  for (const r of rec.resources) {
    if (!r.custom || r.type === SERVICE || r.type === SETTLE || !r.type.startsWith('gcp:')) continue;
    if (r.type === IDENTITY) {
      // An agent exists only once its own service's API is on.
      expect(r.dependencies).toContain(serviceOf(rec, construct, r.inputs.service as string).urn);
      continue;
    }
    const api = API_OF_RESOURCE[r.type];
    if (!api) {
      unknownTypes.push(r.type);
      continue;
    }
    expect({
      resource: r.name,
      waitsFor: r.dependencies.includes(serviceOf(rec, construct, api).urn),
    }).toEqual({
      resource: r.name,
      waitsFor: true,
    });
  }
  expect(unknownTypes).toEqual([]);
}

describe('GCP APIs', () => {
  test('MlPipeline enables every API it uses, once, kept enabled on delete, and everything waits for them', async () => {
    const rec = await recordProgram(() => pipeline());
    const services = rec.ofType(SERVICE);
    expect(services.map((s) => [s.name, s.inputs.service]).sort()).toEqual(
      [
        ['churn-training-api-aiplatform', GCP_API.vertex],
        ['churn-training-api-artifactregistry', GCP_API.artifactRegistry],
        ['churn-training-api-cloudkms', GCP_API.kms],
        ['churn-training-api-cloudresourcemanager', GCP_API.resourceManager],
        ['churn-training-api-cloudscheduler', GCP_API.scheduler],
        ['churn-training-api-containerscanning', GCP_API.containerScanning],
        ['churn-training-api-iam', GCP_API.iam],
        ['churn-training-api-logging', GCP_API.logging],
        ['churn-training-api-run', GCP_API.run],
        ['churn-training-api-storage', GCP_API.storage],
        ['churn-training-api-workflowexecutions', GCP_API.workflowExecutions],
        ['churn-training-api-workflows', GCP_API.workflows],
      ].sort(),
    );
    for (const s of services)
      expect(s.inputs).toEqual({
        project: 'churn-staging-4821',
        service: s.inputs.service,
        disableOnDestroy: false,
        disableDependentServices: false,
      });
    expectEveryResourceWaitsForItsApi(rec, 'churn-training');
  });

  test.each([
    ['MlPipeline', 'churn-training', pipeline],
    ['ModelEndpoint', 'churn', endpoint],
  ] as const)(
    '%s enables Resource Manager first: every other API waits for it (the provider reads the project through it)',
    async (_kind, construct, make) => {
      const rec = await recordProgram(() => make());
      const crm = serviceOf(rec, construct, GCP_API.resourceManager);
      expect(crm.dependencies).toEqual([]);
      const others = rec.ofType(SERVICE).filter((s) => s.urn !== crm.urn);
      expect(others.length).toBeGreaterThan(4);
      expect(others.map((s) => [s.name, s.dependencies])).toEqual(others.map((s) => [s.name, [crm.urn]]));
    },
  );

  test('the service agent lookups wait for the APIs: the agents grants carry the API dependency', async () => {
    const rec = await recordProgram(() => pipeline());
    const keyGrant = (name: string) => rec.one('gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember', name);
    // Cloud Storage's agent comes from a lookup on the storage API.
    expect(keyGrant('churn-training-storage-agent-key').propertyDependencies.member).toContain(
      serviceOf(rec, 'churn-training', GCP_API.storage).urn,
    );
    // Cloud Run's agent is named after the project number (a Resource Manager lookup) and exists once run is on.
    const runMember = keyGrant('churn-training-run-agent-key').propertyDependencies.member;
    expect(runMember).toContain(serviceOf(rec, 'churn-training', GCP_API.run).urn);
    expect(runMember).toContain(serviceOf(rec, 'churn-training', GCP_API.resourceManager).urn);
    expect(keyGrant('churn-training-run-agent-key').inputs.member).toBe(
      'serviceAccount:service-123456789@serverless-robot-prod.iam.gserviceaccount.com',
    );
  });

  test('ModelEndpoint enables what it uses; Pub/Sub only when it captures', async () => {
    const rec = await recordProgram(() => endpoint());
    expect(
      rec
        .ofType(SERVICE)
        .map((s) => s.inputs.service)
        .sort(),
    ).toEqual(
      [
        GCP_API.kms,
        GCP_API.resourceManager,
        GCP_API.iam,
        GCP_API.pubsub,
        GCP_API.run,
        GCP_API.storage,
      ].sort(),
    );
    expectEveryResourceWaitsForItsApi(rec, 'churn');
    const dev = await recordProgram(
      () =>
        new ModelEndpoint(
          'churn',
          endpointArgs({ ...GCP_STAGING, stage: 'dev' }, { image: IMAGE, modelDataUrl: undefined }),
        ),
    );
    expect(dev.ofType(SERVICE).map((s) => s.inputs.service)).not.toContain(GCP_API.pubsub);
  });

  test('two constructs in one program each own their services: no URN clash, nothing disabled on delete', async () => {
    const rec = await recordProgram(() => {
      pipeline();
      endpoint();
    });
    const run = rec.ofType(SERVICE).filter((s) => s.inputs.service === GCP_API.run);
    expect(run.map((s) => s.name).sort()).toEqual(['churn-api-run', 'churn-training-api-run']);
    expect(new Set(rec.urns()).size).toBe(rec.resources.length);
    // Each construct's children wait for its own: removing one construct leaves the other's graph intact.
    expect(rec.one('gcp:cloudrunv2/service:Service').dependencies).toContain(
      serviceOf(rec, 'churn', GCP_API.run).urn,
    );
  });

  test('platform.enableApis false: no services, and nothing else changes', async () => {
    const [on, off] = [await recordProgram(() => pipeline(true)), await recordProgram(() => pipeline(false))];
    expect(off.ofType(SERVICE)).toEqual([]);
    expect(off.urns()).toEqual(on.urns().filter((u) => !u.includes(`${SERVICE}::`)));
    const endpointOff = await recordProgram(() => endpoint(false));
    expect(endpointOff.ofType(SERVICE)).toEqual([]);
  });
});
