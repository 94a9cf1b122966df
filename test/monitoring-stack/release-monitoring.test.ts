/**
 * MonitoringStack and releases: watching a ModelEndpoint that awaits a release renders only who is told (no alarm,
 * dashboard or drift check), on every cloud; a served release's baseline is the drift check's default.
 */
import { MlPipeline, ModelEndpoint, MonitoringStack } from '../../lib';
import type { PlatformArgs } from '../../lib/core/platform';
import { ValidationError } from '../../lib/core/validation';
import { recordProgram } from '../../lib/testing';
import { pipelineArgs } from '../ml-pipeline/fixtures';
import { AWS_PROD, DOCKER_DEV, GCP_STAGING } from '../helpers';

const SHA = 'sha256:' + 'd'.repeat(64);
const DRIFT_IMAGE = `europe-west4-docker.pkg.dev/churn-staging-4821/releases/drift@sha256:${'b'.repeat(64)}`;
const AWAITING = (stack: string) =>
  `awaiting release: no mlops:release in stack ${stack}; promote one with \`npx mlops promote --from <source stack> --to ${stack}\` or set the first with \`npx mlops release set --stack ${stack} --file release.yaml\``;

describe('watching an endpoint that awaits a release', () => {
  const cases: [string, PlatformArgs, string, string[]][] = [
    [
      'aws',
      AWS_PROD,
      'prod',
      [
        'aws:kms/key:Key',
        'aws:sns/topic:Topic',
        'aws:sns/topicPolicy:TopicPolicy',
        'aws:sns/topicSubscription:TopicSubscription',
      ],
    ],
    ['gcp', GCP_STAGING, 'staging', ['gcp:monitoring/notificationChannel:NotificationChannel']],
    [
      'docker',
      DOCKER_DEV,
      'dev',
      [
        'docker:index/container:Container',
        'docker:index/network:Network',
        'docker:index/remoteImage:RemoteImage',
      ],
    ],
  ];

  test.each(cases)(
    '%s: only the notification targets; alarmNames [] and driftCheck says why',
    async (cloud, platform, stack, types) => {
      const rec = await recordProgram(
        () => {
          const pipeline = new MlPipeline('churn-training', pipelineArgs(platform));
          const endpoint = new ModelEndpoint('churn', { platform, pipeline, capturePercent: 10 });
          const monitoring = new MonitoringStack('churn-monitoring', {
            platform,
            endpoint,
            pipeline,
            notifications: cloud === 'docker' ? undefined : { emails: ['ml-oncall@example.com'] },
            drift: {
              features: ['tenure'],
              retrain: true,
              ...(cloud === 'gcp' ? { image: DRIFT_IMAGE } : {}),
            },
          });
          return {
            releaseStatus: endpoint.releaseStatus,
            alarmNames: monitoring.alarmNames,
            dashboardUrl: monitoring.dashboardUrl,
            driftCheck: monitoring.driftCheck,
          };
        },
        { stack },
      );
      expect(rec.outputs).toEqual({
        releaseStatus: AWAITING(stack),
        alarmNames: [],
        dashboardUrl: '',
        driftCheck: 'none: ModelEndpoint "churn" awaits a release, so there is nothing to check yet',
      });
      const monitoring = rec.one('mlops:index:MonitoringStack');
      const children = rec.resources.filter((r) => r.parent === monitoring.urn);
      // gcp turns on the APIs the notification channels need (a `gcp:projects/service:Service` per API).
      const made = [
        ...new Set(children.map((r) => r.type).filter((t) => t !== 'gcp:projects/service:Service')),
      ];
      expect(made.sort()).toEqual(types);
      if (cloud === 'docker')
        expect(
          children.filter((r) => r.type === 'docker:index/container:Container').map((r) => r.name),
        ).toEqual(['churn-monitoring-alertmanager']);
      // The endpoint itself created nothing.
      const endpoint = rec.one('mlops:index:ModelEndpoint');
      expect(rec.resources.filter((r) => r.parent === endpoint.urn)).toEqual([]);
    },
  );
});

describe("the served release's baseline", () => {
  const release = {
    schemaVersion: 1,
    version: 'v6',
    model: { artifact: { uri: 'docker-volume://churn-releases/models/v6/', sha256: SHA } },
    image: `localhost:5000/churn-serving@sha256:${'a'.repeat(64)}`,
  };

  test('is the default drift.baselineUri', async () => {
    const rec = await recordProgram(
      () => {
        const pipeline = new MlPipeline('churn-training', pipelineArgs(DOCKER_DEV));
        const endpoint = new ModelEndpoint('churn', { platform: DOCKER_DEV, pipeline, capturePercent: 10 });
        const monitoring = new MonitoringStack('churn-monitoring', {
          platform: DOCKER_DEV,
          endpoint,
          pipeline,
          drift: { retrain: true },
        });
        return { baseline: monitoring.spec.drift?.baselineUri, driftCheck: monitoring.driftCheck };
      },
      {
        stack: 'dev',
        config: { 'mlops:release': { ...release, baseline: 'docker-volume://churn-releases/baselines/v6/' } },
      },
    );
    expect(rec.outputs).toEqual({
      baseline: 'docker-volume://churn-releases/baselines/v6/',
      driftCheck: 'churn-monitoring-dev-drift',
    });
  });

  test('a drift check without drift.baselineUri over a release without a baseline is an error that says so', async () => {
    let error: unknown;
    await recordProgram(
      () => {
        const pipeline = new MlPipeline('churn-training', pipelineArgs(DOCKER_DEV));
        const endpoint = new ModelEndpoint('churn', { platform: DOCKER_DEV, pipeline, capturePercent: 10 });
        try {
          new MonitoringStack('churn-monitoring', {
            platform: DOCKER_DEV,
            endpoint,
            pipeline,
            drift: { retrain: true },
          });
        } catch (err) {
          error = err;
        }
      },
      { stack: 'dev', config: { 'mlops:release': release } },
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([
      {
        path: 'drift.baselineUri',
        message:
          "is required when the drift check runs: the check compares with the served model version's baseline, and the pipeline's baselineUri is only the prefix of every run's (a ModelEndpoint serving a release gives the release's `baseline` by default, and this one has none: add `baseline` to the release, or give drift.baselineUri)",
        fix: "set drift.baselineUri to the served version's baseline folder: on docker every run writes drift_baseline.json under `<pipeline baselineUri><run id>/baseline/`; use the served run's",
      },
    ]);
  });
});
