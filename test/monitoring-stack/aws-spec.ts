/** A hand-built resolved aws MonitoringStack (prod, every feature on), for the renderer and IAM tests. */
import * as pulumi from '@pulumi/pulumi';
import type { Platform } from '../../lib/core/platform';
import { renderAws } from '../../lib/monitoring-stack/pulumi-aws';
import type { ResolvedMonitoringStack } from '../../lib/monitoring-stack/resolved';
import { recordProgram } from '../../lib/testing';

export const ACCOUNT = '123456789012';
export const PIPELINE_ARN = `arn:aws:sagemaker:eu-west-1:${ACCOUNT}:pipeline/churn-prod`;
export const EXISTING_TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:oncall`;
export const CAPTURE_KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1111aaaa-2222-bbbb-3333-cccc4444dddd`;
export const PIPELINE_KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/5555aaaa-6666-bbbb-7777-cccc8888dddd`;
export const BASELINE = 's3://churn-prod-artifacts/baseline/exec-42/';

export const PLATFORM: Platform = {
  cloud: 'aws',
  stage: 'prod',
  region: 'eu-west-1',
  tags: {},
  network: {},
  retainOnDelete: true,
  enableApis: true,
  bucketLocation: 'region',
} as unknown as Platform;

export function spec(overrides: Partial<ResolvedMonitoringStack> = {}): ResolvedMonitoringStack {
  return {
    constructName: 'churn-monitor',
    platform: PLATFORM,
    tags: { 'mlops-stage': 'prod', 'mlops-construct': 'churn-monitor' },
    namePrefix: 'churn-prod',
    endpoint: {
      endpointName: 'churn-prod',
      isModelEndpoint: false,
      gpu: false,
      capturePercent: 10,
      vcpus: 4,
      capture: { s3Uri: 's3://churn-capture-bucket/capture/churn-prod', kmsKeyArn: CAPTURE_KEY },
    },
    pipeline: {
      retrainTrigger: PIPELINE_ARN,
      baselineUri: 's3://churn-prod-artifacts/baseline/',
      kmsKeyArn: PIPELINE_KEY,
    },
    thresholds: {
      latencyP99Ms: 1000,
      serverErrorPercent: 1,
      clientErrorPercent: 10,
      noTrafficMinutes: 15,
      cpuPercent: 90,
      memoryPercent: 85,
      gpuPercent: 95,
      periodSeconds: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    },
    drift: {
      schedule: 'hourly',
      statistic: 'model-monitor',
      threshold: 0.1,
      featureThresholds: { tenure: 0.25 },
      features: ['tenure', 'monthly_charges'],
      retrain: true,
      baselineUri: BASELINE,
    },
    notifications: {
      emails: ['oncall@example.com', 'ml-team@example.com'],
      webhookUrl: pulumi.secret('https://hooks.example.com/services/T000/B000/XXXX'),
      topicArn: EXISTING_TOPIC,
      channelIds: [],
    },
    dashboard: true,
    ...overrides,
  };
}

export function record(s: ResolvedMonitoringStack) {
  return recordProgram(() => {
    const parent = new pulumi.ComponentResource('mlops:index:MonitoringStack', s.constructName);
    const rendered = renderAws(s, parent);
    return {
      alarmNames: rendered.alarmNames,
      dashboardUrl: rendered.dashboardUrl,
      notificationTargets: rendered.notificationTargets,
      driftCheck: rendered.driftCheck,
    };
  });
}
