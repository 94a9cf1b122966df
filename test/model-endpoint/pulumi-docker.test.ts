import { ModelEndpoint } from '../../lib';
import { gatewayConfig } from '../../lib/model-endpoint/docker-facts';
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
      name: 'churn-dev-v3',
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
    const gateway = rec.one(CONTAINER, 'churn-gateway');
    expect(gateway.inputs.ports).toEqual([{ internal: 8080, external: 8080, ip: '127.0.0.1' }]);
    expect(gateway.dependencies).toContain(rec.one(CONTAINER, 'churn-primary').urn);
    expect(rec.one('docker:index/remoteImage:RemoteImage', 'churn-gateway-image').inputs.name).toBe(
      'nginx:1.27.5-alpine',
    );
  });

  test('a canary step runs both releases and weights the gateway 80/20, capturing 5% with bodies', async () => {
    const args = endpointArgs(DOCKER_DEV, {
      version: 'v4',
      image: 'localhost:5000/churn:v4',
      capturePercent: 5,
      rollout: { strategy: 'canary', canaryPercent: 20 },
      stableRelease: { version: 'v3', image: 'localhost:5000/churn:v3' },
    });
    const rec = await recordProgram(() => new ModelEndpoint('churn', args));
    expect(
      rec
        .ofType(CONTAINER)
        .map((c) => c.inputs.name)
        .sort(),
    ).toEqual(['churn-dev-gateway', 'churn-dev-v3', 'churn-dev-v4']);
    const config = gatewayConfig(resolveModelEndpoint('churn', args, args.platform));
    expect(config).toContain(
      '  split_clients "$request_id" $model_upstream {\n    80% stable;\n    * canary;\n  }',
    );
    expect(config).toContain('upstream stable { server churn-dev-v3:8080; }');
    expect(config).toContain('upstream canary { server churn-dev-v4:8080; }');
    expect(config).toContain('    5% 1;');
    expect(config).toContain('access_log /var/log/mlops/capture.log capture if=$capture;');
    expect(rec.one('docker:index/volume:Volume').retainOnDelete).toBe(true);
  });
});
