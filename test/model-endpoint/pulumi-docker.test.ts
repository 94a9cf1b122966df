import * as path from 'node:path';
import type * as pulumi from '@pulumi/pulumi';
import { ModelEndpoint } from '../../lib';
import { dockerWatchTargets, gatewayConfig } from '../../lib/model-endpoint/docker-facts';
import { resolveModelEndpoint } from '../../lib/model-endpoint/resolve';
import { recordProgram } from '../../lib/testing';
import { DOCKER_DEV, endpointArgs } from '../helpers';

const CONTAINER = 'docker:index/container:Container';

describe('ModelEndpoint on docker', () => {
  test('one healthy serving container behind a gateway bound to localhost', async () => {
    const rec = await recordProgram(
      () =>
        new ModelEndpoint(
          'churn',
          endpointArgs(DOCKER_DEV, { image: 'localhost:5000/churn:v3', modelDataUrl: '/models/v3' }),
        ),
    );
    const serving = rec.one(CONTAINER, 'churn-primary').inputs as Record<string, any>;
    expect(serving).toMatchObject({
      wait: true,
      waitTimeout: 300,
      memory: 8192,
      cpus: '2',
      restart: 'unless-stopped',
    });
    expect(serving.healthcheck.tests).toEqual([
      'CMD-SHELL',
      'curl -fsS http://localhost:8080/ping || exit 1',
    ]);
    expect(serving.envs).toEqual(['MODEL_DATA_URL=/models/v3', 'MLOPS_MODEL_VERSION=v3']);
    // The per-version alias takes the gateway's traffic; the shared one is how Prometheus finds every container.
    expect(serving.networksAdvanced).toEqual([
      { name: 'churn-dev', aliases: ['churn-dev-primary-v3', 'churn-dev-serving'] },
    ]);
    const gateway = rec.one(CONTAINER, 'churn-gateway');
    expect(gateway.inputs.ports).toEqual([{ internal: 8080, external: 8080, ip: '127.0.0.1' }]);
    expect(gateway.dependencies).toContain(rec.one(CONTAINER, 'churn-primary').urn);
    expect(rec.one('docker:index/remoteImage:RemoteImage', 'churn-gateway-image').inputs.name).toBe(
      'nginx:1.27.5-alpine',
    );
  });

  test('serving containers are auto-named, so a replacement never clashes; the fixed-port gateway goes first', async () => {
    const deleteFirst: Record<string, boolean> = {};
    const transformations = [
      (t: pulumi.ResourceTransformationArgs) => {
        deleteFirst[t.name] = (t.opts as pulumi.CustomResourceOptions).deleteBeforeReplace === true;
        return undefined;
      },
    ];
    const args = endpointArgs(DOCKER_DEV, {
      version: 'v4',
      image: 'localhost:5000/churn:v4',
      rollout: { strategy: 'canary', canaryPercent: 20 },
      stableRelease: { version: 'v3', image: 'localhost:5000/churn:v3' },
    });
    const rec = await recordProgram(() => new ModelEndpoint('churn', args, { transformations }));
    const byName = Object.fromEntries(rec.ofType(CONTAINER).map((c) => [c.name, c.inputs.name]));
    // No name input: the provider auto-names the container, a new name on every replacement.
    expect(Object.keys(byName).sort()).toEqual(['churn-canary', 'churn-gateway', 'churn-stable']);
    expect(byName['churn-gateway']).toBe('churn-dev-gateway');
    expect([byName['churn-stable'], byName['churn-canary']]).toEqual([undefined, undefined]);
    expect([deleteFirst['churn-gateway'], deleteFirst['churn-stable'], deleteFirst['churn-canary']]).toEqual([
      true,
      false,
      false,
    ]);
    const labels = (name: string) =>
      Object.fromEntries(
        (rec.one(CONTAINER, name).inputs.labels as { label: string; value: string }[]).map((l) => [
          l.label,
          l.value,
        ]),
      );
    expect(labels('churn-stable')).toMatchObject({ 'mlops.role': 'stable', 'mlops.version': 'v3' });
    expect(labels('churn-canary')).toMatchObject({ 'mlops.role': 'canary', 'mlops.version': 'v4' });
  });

  test('a canary step weights the gateway 80/20 over per-version aliases re-resolved through Docker DNS', async () => {
    const args = endpointArgs(DOCKER_DEV, {
      version: 'v4',
      image: 'localhost:5000/churn:v4',
      capturePercent: 5,
      rollout: { strategy: 'canary', canaryPercent: 20 },
      stableRelease: { version: 'v3', image: 'localhost:5000/churn:v3' },
    });
    const rec = await recordProgram(() => new ModelEndpoint('churn', args));
    const config = gatewayConfig(resolveModelEndpoint('churn', args, args.platform));
    // The new release's container answers only to its own version's alias: the running gateway cannot
    // reach it; the gateway that replaces it (after the container turns healthy) can.
    const alias = (name: string) =>
      (rec.one('docker:index/container:Container', name).inputs.networksAdvanced as any)[0].aliases;
    expect([alias('churn-stable'), alias('churn-canary')]).toEqual([
      ['churn-dev-stable-v3', 'churn-dev-serving'],
      ['churn-dev-canary-v4', 'churn-dev-serving'],
    ]);
    expect(config).toContain('  resolver 127.0.0.11 valid=2s ipv6=off;');
    expect(config).toContain(
      '  split_clients "$request_id" $model_host {\n    80% churn-dev-stable-v3;\n    * churn-dev-canary-v4;\n  }',
    );
    // A variable in proxy_pass: resolved per request, never once at start.
    expect(config).toContain('      proxy_pass http://$model_host:8080;');
    expect(config).not.toMatch(/^\s*upstream /m);
    // 5% are marked for capture; the serving containers write them with their responses.
    expect(config).toContain('  split_clients "capture$request_id" $capture {\n    5% 1;\n    * 0;\n  }');
    expect(config).toContain('      proxy_set_header X-Mlops-Capture $capture;');
    const canary = rec.one(CONTAINER, 'churn-canary').inputs as Record<string, any>;
    expect(canary.envs).toContain('MLOPS_CAPTURE_DIR=/var/log/mlops');
    expect(canary.volumes).toEqual([{ volumeName: 'churn-dev-capture', containerPath: '/var/log/mlops' }]);
    expect(rec.one(CONTAINER, 'churn-gateway').inputs.volumes).toBeUndefined();
    expect(rec.one('docker:index/volume:Volume').retainOnDelete).toBe(true);
  });

  test('the gateway keeps metrics off its public port and serves stub_status on the network only', async () => {
    const args = endpointArgs(DOCKER_DEV, { image: 'localhost:5000/churn:v3' });
    const spec = resolveModelEndpoint('churn', args, args.platform);
    const config = gatewayConfig(spec);
    expect(config).toContain(
      '    listen 8080;\n    location = /healthz { return 200 "ok"; }\n    location = /metrics { return 404; }\n',
    );
    expect(config).toContain(
      '  server {\n    listen 8081;\n    location = /stub_status { stub_status; }\n    location / { return 404; }\n  }\n}\n',
    );
    expect(dockerWatchTargets(spec)).toEqual({
      network: 'churn-dev',
      servingAlias: 'churn-dev-serving',
      servingPort: 8080,
      gatewayStatusUrl: 'http://churn-dev-gateway:8081/stub_status',
      captureVolume: undefined,
    });
    const rec = await recordProgram(() => new ModelEndpoint('churn', args));
    // Only the public port is published.
    expect(rec.one(CONTAINER, 'churn-gateway').inputs.ports).toEqual([
      { internal: 8080, external: 8080, ip: '127.0.0.1' },
    ]);
    const captured = endpointArgs(DOCKER_DEV, { image: 'localhost:5000/churn:v3', capturePercent: 10 });
    expect(dockerWatchTargets(resolveModelEndpoint('churn', captured, captured.platform)).captureVolume).toBe(
      'churn-dev-capture',
    );
  });

  test('with capture off, a client cannot ask for capture through the gateway', () => {
    const args = endpointArgs(DOCKER_DEV, { image: 'localhost:5000/churn:v3' });
    const config = gatewayConfig(resolveModelEndpoint('churn', args, args.platform));
    expect(config).toContain('      proxy_set_header X-Mlops-Capture 0;');
    expect(config).toContain('    * churn-dev-primary-v3;');
  });
});

describe('the reference program on docker', () => {
  const RUN_V1 = 'churn-training-dev/20261201T030000Z/';
  const RUN_V2 = 'churn-training-dev/20261202T030000Z/';
  /** A schema 1 release of a run in the models volume, without an image (dev serves the one it builds). */
  const dockerRelease = (version: string, run: string) => ({
    schemaVersion: 1,
    version,
    model: {
      artifact: {
        uri: `docker-volume://churn-training-dev-models/${run}`,
        sha256: `sha256:${'3c'.repeat(32)}`,
      },
    },
  });

  test('serves what the runner registers, each release its own model, from an image pushed after the registry is up', async () => {
    const { readProject, readStackConfig } = await import('../../lib/cli/stack-config');
    const { churnSystem } = await import('../../stacks/pulumi/system');
    const root = path.resolve(__dirname, '..', '..');
    const project = readProject(root);
    const rec = await recordProgram(() => churnSystem(), {
      project: project.name,
      stack: 'dev',
      config: {
        ...readStackConfig(project, 'dev'),
        'mlops:release': dockerRelease('v2', RUN_V2),
        'mlops:stableRelease': dockerRelease('v1', RUN_V1),
        'churn:rollout': { strategy: 'canary', canaryPercent: 30 },
      },
    });
    const env = (name: string) =>
      Object.fromEntries(
        (rec.one(CONTAINER, name).inputs.envs as string[]).map((e) => [
          e.split('=')[0],
          e.slice(e.indexOf('=') + 1),
        ]),
      );
    expect(env('churn-stable')).toMatchObject({
      MODEL_DATA_URL: `/mnt/model-access/${RUN_V1}`,
      MLOPS_MODEL_VERSION: 'v1',
    });
    expect(env('churn-canary')).toMatchObject({
      MODEL_DATA_URL: `/mnt/model-access/${RUN_V2}`,
      MLOPS_MODEL_VERSION: 'v2',
    });
    expect(rec.one(CONTAINER, 'churn-canary').inputs.volumes).toEqual([
      { volumeName: 'churn-training-dev-models', containerPath: '/mnt/model-access', readOnly: true },
    ]);
    // The serving image is built from templates/serving and pushed to the pipeline's registry, after it runs;
    // both releases pull that digest.
    const build = rec.one('docker:index/image:Image', 'churn-serving-build');
    expect(build.inputs).toMatchObject({
      build: { context: 'templates/serving', dockerfile: 'templates/serving/Dockerfile' },
      registry: { server: 'localhost:5000' },
    });
    expect(String(build.inputs.imageName)).toMatch(/^localhost:5000\/churn\/serving:ctx-[0-9a-f]{12}$/);
    expect(build.dependencies).toContain(rec.one(CONTAINER, 'churn-training-registry').urn);
    const pulled = rec
      .ofType('docker:index/remoteImage:RemoteImage')
      .filter((i) => /churn-(stable|canary)-image/.test(i.name));
    expect(pulled.map((i) => i.dependencies.includes(build.urn))).toEqual([true, true]);
    expect(pulled.map((i) => String(i.inputs.name))).toEqual([
      expect.stringMatching(/^localhost:5000\/churn\/serving@sha256:[0-9a-f]{64}$/),
      expect.stringMatching(/^localhost:5000\/churn\/serving@sha256:[0-9a-f]{64}$/),
    ]);
  });

  test('the first deploy, before any model is trained, creates the pipeline and an endpoint that serves nothing', async () => {
    const { readProject, readStackConfig } = await import('../../lib/cli/stack-config');
    const { churnSystem } = await import('../../stacks/pulumi/system');
    const project = readProject(path.resolve(__dirname, '..', '..'));
    const rec = await recordProgram(() => churnSystem(), {
      project: project.name,
      stack: 'dev',
      config: readStackConfig(project, 'dev'),
    });
    const [endpoint] = rec.ofType('mlops:index:ModelEndpoint');
    expect(rec.resources.filter((r) => r.parent === endpoint.urn)).toEqual([]);
    // The training image, and the serving image the first release will name by digest.
    expect(
      rec
        .ofType('docker:index/image:Image')
        .map((i) => i.name)
        .sort(),
    ).toEqual(['churn-serving-build', 'churn-training-training-build']);
  });
});
