/** A resolved docker MonitoringStack for the renderer tests: the dev reference system's endpoint and pipeline. */
import * as pulumi from '@pulumi/pulumi';
import { dockerWatchTargets } from '../../lib/model-endpoint/docker-facts';
import { resolveModelEndpoint } from '../../lib/model-endpoint/resolve';
import type { ResolvedMonitoringStack } from '../../lib/monitoring-stack/resolved';
import { DOCKER_DEV, endpointArgs } from '../helpers';

export const RUN = 'churn-training-dev/20261202T030000Z/';

export function dockerSpec(overrides: Partial<ResolvedMonitoringStack> = {}): ResolvedMonitoringStack {
  const endpoint = resolveModelEndpoint(
    'churn',
    endpointArgs(DOCKER_DEV, {
      image: 'localhost:5000/churn/serving:v3',
      modelDataUrl: `/mnt/model-access/${RUN}`,
      modelAccess: { bucketName: 'churn-training-dev-models' },
      capturePercent: 10,
    }),
    DOCKER_DEV,
  );
  return {
    constructName: 'churn-monitoring',
    platform: endpoint.platform,
    tags: { team: 'churn' },
    namePrefix: 'churn-dev',
    endpoint: {
      endpointName: 'churn-dev-gateway',
      isModelEndpoint: true,
      gpu: false,
      capturePercent: 10,
      docker: dockerWatchTargets(endpoint),
    },
    pipeline: {
      retrainTrigger: 'churn-training-dev-runner',
      baselineUri: 'docker-volume://churn-training-dev-artifacts/runs/',
    },
    thresholds: {
      latencyP99Ms: 2000,
      serverErrorPercent: 5,
      clientErrorPercent: 25,
      noTrafficMinutes: 15,
      cpuPercent: 90,
      memoryPercent: 90,
      gpuPercent: 95,
      periodSeconds: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    },
    drift: {
      schedule: 'daily',
      statistic: 'psi',
      threshold: 0.2,
      featureThresholds: { tenure: 0.3 },
      features: [],
      retrain: true,
      baselineUri: `docker-volume://churn-training-dev-models/${RUN}baseline/`,
    },
    notifications: {
      emails: ['oncall@example.com'],
      webhookUrl: pulumi.secret('https://hooks.example.com/services/T000/B000/XXXX'),
      channelIds: [],
    },
    dashboard: true,
    docker: {
      grafanaPort: 3000,
      prometheusPort: 9090,
      alertmanagerPort: 9093,
      smtp: {
        smarthost: 'smtp.example.com:587',
        from: 'mlops@example.com',
        username: 'mlops',
        password: pulumi.secret('s3cret-pass'),
        requireTls: true,
      },
    },
    ...overrides,
  };
}
