import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';
import { ModelEndpoint, MonitoringStack } from '../../lib';
import { GCP_API } from '../../lib/blocks/gcp-apis';
import type { ModelEndpointArgs } from '../../lib/model-endpoint/args';
import {
  gateRolloutOnAlertPolicies,
  settleUngatedRollouts,
} from '../../lib/model-endpoint/gcp-cloud-deploy-gate';
import { resolveModelEndpoint } from '../../lib/model-endpoint/resolve';
import { recordProgram, type Recording } from '../../lib/testing';
import { GCP_DEV, GCP_STAGING, endpointArgs, thrown } from '../helpers';

const PROJECT = 'churn-staging-4821';
const IMAGE = `europe-west4-docker.pkg.dev/${PROJECT}/churn/serving@sha256:` + 'b'.repeat(64);
const SERVICE = 'gcp:cloudrunv2/service:Service';
const PIPELINE = 'gcp:clouddeploy/deliveryPipeline:DeliveryPipeline';
const TARGET = 'gcp:clouddeploy/target:Target';
const AUTOMATION = 'gcp:clouddeploy/automation:Automation';
const PROJECT_IAM = 'gcp:projects/iAMMember:IAMMember';
const ACCOUNT_IAM = 'gcp:serviceaccount/iAMMember:IAMMember';
const PIPELINE_IAM = 'gcp:clouddeploy/deliveryPipelineIamMember:DeliveryPipelineIamMember';
const TARGET_IAM = 'gcp:clouddeploy/targetIamMember:TargetIamMember';
const API = 'gcp:projects/service:Service';
const POLICIES = [`projects/${PROJECT}/alertPolicies/1111`, `projects/${PROJECT}/alertPolicies/2222`];
const EXECUTION = `serviceAccount:churn-staging-deploy@${PROJECT}.iam.gserviceaccount.com`;
const AUTOMATION_SA = `churn-staging-rollout@${PROJECT}.iam.gserviceaccount.com`;
const RUNTIME = `churn-staging-run@${PROJECT}.iam.gserviceaccount.com`;
const MODEL_ACCESS = { bucketName: 'churn-artifacts', prefix: 'runs/' };

const cloudDeployArgs = (extra: Partial<ModelEndpointArgs> = {}, platform = GCP_STAGING) =>
  endpointArgs(platform, {
    image: IMAGE,
    modelDataUrl: 'gs://churn-artifacts/runs/exec-3/model/',
    modelAccess: MODEL_ACCESS,
    ...extra,
    gcp: { rollout: 'cloud-deploy', ...extra.gcp },
  });

/** Records an endpoint whose rollout a MonitoringStack gates on `POLICIES`, as the gcp MonitoringStack does. */
function recordGated(extra: Partial<ModelEndpointArgs> = {}, platform = GCP_STAGING): Promise<Recording> {
  return recordProgram(() => {
    const endpoint = new ModelEndpoint('churn', cloudDeployArgs(extra, platform));
    expect(gateRolloutOnAlertPolicies(endpoint, POLICIES)).toBe(true);
    return { manifest: endpoint.gcp!.cloudDeploy!.serviceManifest };
  });
}

describe('ModelEndpoint on gcp with Cloud Deploy rollouts', () => {
  test('staging canary: one stage on the endpoint target, 10% then stable, each step analysed 10 minutes (the cloud-deploy default, above the staging default of 5) on the gating alert policies', async () => {
    const rec = await recordGated();
    const pipeline = rec.one(PIPELINE).inputs;
    expect(pipeline).toMatchObject({ name: 'churn-staging', location: 'europe-west4', project: PROJECT });
    expect(pipeline.serialPipeline).toEqual({
      stages: [
        {
          targetId: 'churn-staging',
          profiles: [],
          strategy: {
            canary: {
              runtimeConfig: { cloudRun: { automaticTrafficControl: true } },
              canaryDeployment: {
                percentages: [10],
                verify: false,
                analysis: {
                  duration: '600s',
                  googleCloud: { alertPolicyChecks: [{ id: 'alert-policies', alertPolicies: POLICIES }] },
                },
              },
            },
          },
        },
      ],
    });
  });

  test('a real MonitoringStack watching the endpoint gates every step on its latency and server-error policies', async () => {
    const rec = await recordProgram(() => {
      const endpoint = new ModelEndpoint('churn', cloudDeployArgs());
      new MonitoringStack('churn-monitoring', {
        platform: GCP_STAGING,
        endpoint,
        notifications: { emails: ['ml-oncall@example.com'] },
      });
    });
    const policies = rec.ofType('gcp:monitoring/alertPolicy:AlertPolicy');
    const policyName = (what: string) =>
      policies.filter((p) => (p.inputs.displayName as string).includes(`: ${what} above`));
    const latency = policyName('p99 latency');
    const errors = policyName('server errors');
    expect([latency.length, errors.length]).toEqual([1, 1]);
    const pipeline = rec.one(PIPELINE);
    const checks = (pipeline.inputs.serialPipeline as any).stages[0].strategy.canary.canaryDeployment
      .analysis;
    expect(checks.googleCloud.alertPolicyChecks).toHaveLength(1);
    const gated = checks.googleCloud.alertPolicyChecks[0].alertPolicies as string[];
    expect(gated).toHaveLength(2);
    for (const name of gated) expect(name).toMatch(new RegExp(`^projects/${PROJECT}/alertPolicies/`));
    // The analysis reads exactly these two policies' names (not the traffic, client-error or saturation ones): the
    // pipeline waits for them, and they do not wait for it.
    expect([...pipeline.propertyDependencies.serialPipeline].sort()).toEqual(
      [latency[0].urn, errors[0].urn].sort(),
    );
    expect(policies.length).toBeGreaterThan(2);
    for (const p of [latency[0], errors[0]]) expect(p.dependencies).not.toContain(pipeline.urn);
  });

  test('a linear rollout steps every linearStepPercent below 100; all-at-once is a standard rollout, still analysed', async () => {
    const linear = await recordGated({
      rollout: { strategy: 'linear', linearStepPercent: 20, bakeMinutes: 7 },
    });
    const linearStage = (linear.one(PIPELINE).inputs.serialPipeline as any).stages[0];
    expect(linearStage.strategy.canary.canaryDeployment.percentages).toEqual([20, 40, 60, 80]);
    expect(linearStage.strategy.canary.canaryDeployment.analysis.duration).toBe('420s');

    const once = await recordGated({ rollout: { strategy: 'all-at-once' } });
    expect((once.one(PIPELINE).inputs.serialPipeline as any).stages[0].strategy).toEqual({
      standard: {
        verify: false,
        analysis: {
          duration: '600s',
          googleCloud: { alertPolicyChecks: [{ id: 'alert-policies', alertPolicies: POLICIES }] },
        },
      },
    });
  });

  test('the target deploys the Cloud Run service in the endpoint region, as the execution account, with artifacts in the release bucket', async () => {
    const rec = await recordGated();
    const target = rec.one(TARGET);
    expect(target.inputs).toMatchObject({
      name: 'churn-staging',
      location: 'europe-west4',
      project: PROJECT,
      requireApproval: false,
      run: { location: `projects/${PROJECT}/locations/europe-west4` },
      executionConfigs: [
        {
          usages: ['RENDER', 'DEPLOY', 'VERIFY', 'PREDEPLOY', 'POSTDEPLOY'],
          serviceAccount: `churn-staging-deploy@${PROJECT}.iam.gserviceaccount.com`,
          artifactStorage: `gs://churn-staging-releases-${PROJECT}/artifacts`,
        },
      ],
    });
    const bucket = rec.one('gcp:storage/bucket:Bucket', 'churn-releases');
    expect(bucket.inputs).toMatchObject({
      name: `churn-staging-releases-${PROJECT}`,
      location: 'europe-west4',
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      encryption: {
        defaultKmsKeyName: `projects/${PROJECT}/locations/europe-west4/keyRings/churn-staging/cryptoKeys/churn-staging`,
      },
    });
    // The pipeline's stage names the target: the pipeline waits for it.
    expect(rec.one(PIPELINE).dependencies).toContain(target.urn);
  });

  test('the automation advances healthy rollouts and rolls failed ones back, on the endpoint target only', async () => {
    const rec = await recordGated();
    const automation = rec.one(AUTOMATION);
    expect(automation.inputs).toMatchObject({
      name: 'churn-staging-release',
      location: 'europe-west4',
      project: PROJECT,
      deliveryPipeline: 'churn-staging',
      serviceAccount: AUTOMATION_SA,
      selector: { targets: [{ id: 'churn-staging' }] },
    });
    expect(automation.inputs.rules).toEqual([
      { advanceRolloutRule: { id: 'advance' } },
      {
        repairRolloutRule: {
          id: 'rollback',
          repairPhases: [{ rollback: { disableRollbackIfRolloutPending: true } }],
        },
      },
    ]);
    expect(automation.dependencies).toContain(rec.one(PIPELINE).urn);
  });

  test('without autoRollback the automation only advances', async () => {
    const rec = await recordGated({ rollout: { autoRollback: false } });
    expect(rec.one(AUTOMATION).inputs.rules).toEqual([{ advanceRolloutRule: { id: 'advance' } }]);
  });

  test('identities: the execution account runs jobs, reads alerts, develops only this service and acts as its runtime account; the automation operates only this pipeline and target', async () => {
    const rec = await recordGated();
    const projectRoles = rec
      .ofType(PROJECT_IAM)
      .filter((g) => g.inputs.member === EXECUTION)
      .map((g) => [g.inputs.project, g.inputs.role])
      .sort();
    expect(projectRoles).toEqual([
      [PROJECT, 'roles/clouddeploy.jobRunner'],
      [PROJECT, 'roles/monitoring.alertPolicyViewer'],
      [PROJECT, 'roles/serviceusage.serviceUsageConsumer'],
    ]);
    expect(
      rec.one('gcp:cloudrunv2/serviceIamMember:ServiceIamMember', 'churn-deploy-run-developer').inputs,
    ).toEqual({
      name: 'churn-staging',
      location: 'europe-west4',
      project: PROJECT,
      role: 'roles/run.developer',
      member: EXECUTION,
    });
    expect(
      rec
        .ofType(ACCOUNT_IAM)
        .map((g) => [g.inputs.serviceAccountId, g.inputs.role, g.inputs.member])
        .sort(),
    ).toEqual([
      [
        `projects/${PROJECT}/serviceAccounts/churn-staging-deploy@${PROJECT}.iam.gserviceaccount.com`,
        'roles/iam.serviceAccountUser',
        `serviceAccount:${AUTOMATION_SA}`,
      ],
      [`projects/${PROJECT}/serviceAccounts/${RUNTIME}`, 'roles/iam.serviceAccountUser', EXECUTION],
    ]);
    expect(
      rec.one('gcp:storage/bucketIAMMember:BucketIAMMember', 'churn-deploy-release-objects').inputs,
    ).toMatchObject({
      bucket: `churn-staging-releases-${PROJECT}`,
      role: 'roles/storage.objectUser',
      member: EXECUTION,
    });
    for (const type of [PIPELINE_IAM, TARGET_IAM])
      expect(rec.ofType(type).map((g) => [g.inputs.name, g.inputs.role, g.inputs.member])).toEqual([
        ['churn-staging', 'roles/clouddeploy.operator', `serviceAccount:${AUTOMATION_SA}`],
      ]);
    // The target deploys as the execution account once its grants are in place; the automation likewise.
    const target = rec.one(TARGET);
    for (const g of rec.ofType(PROJECT_IAM).filter((p) => p.inputs.member === EXECUTION))
      expect(target.dependencies).toContain(g.urn);
    for (const g of [...rec.ofType(PIPELINE_IAM), ...rec.ofType(TARGET_IAM)])
      expect(rec.one(AUTOMATION).dependencies).toContain(g.urn);
  });

  test('releasers may release to this pipeline and target, act as the execution account and stage sources in the release bucket', async () => {
    const ci = `serviceAccount:ci@${PROJECT}.iam.gserviceaccount.com`;
    const rec = await recordGated({ gcp: { releasers: [ci] } });
    const grants = (type: string) =>
      rec
        .ofType(type)
        .filter((g) => g.inputs.member === ci)
        .map((g) => [g.inputs.role, g.inputs.name ?? g.inputs.bucket ?? g.inputs.serviceAccountId]);
    expect(grants(PIPELINE_IAM)).toEqual([['roles/clouddeploy.releaser', 'churn-staging']]);
    expect(grants(TARGET_IAM)).toEqual([['roles/clouddeploy.releaser', 'churn-staging']]);
    expect(grants(ACCOUNT_IAM)).toEqual([
      [
        'roles/iam.serviceAccountUser',
        `projects/${PROJECT}/serviceAccounts/churn-staging-deploy@${PROJECT}.iam.gserviceaccount.com`,
      ],
    ]);
    expect(grants('gcp:storage/bucketIAMMember:BucketIAMMember')).toEqual([
      ['roles/storage.objectUser', `churn-staging-releases-${PROJECT}`],
    ]);
  });

  test('Pulumi creates the service with the first release and leaves its template and traffic to Cloud Deploy', async () => {
    const ignored: Record<string, string[] | undefined> = {};
    const rec = await recordProgram(() => {
      pulumi.runtime.registerResourceTransform((args) => {
        if (args.type === SERVICE) ignored[args.name] = args.opts.ignoreChanges;
        return undefined;
      });
      const endpoint = new ModelEndpoint('churn', cloudDeployArgs());
      gateRolloutOnAlertPolicies(endpoint, POLICIES);
      new ModelEndpoint(
        'other',
        endpointArgs(GCP_STAGING, { image: IMAGE, modelDataUrl: 'gs://churn-artifacts/models/v3/' }),
      );
    });
    expect(ignored).toEqual({
      'churn-service': ['template', 'traffics', 'client', 'clientVersion', 'ingress', 'labels'],
      'other-service': [],
    });
    const service = rec.one(SERVICE, 'churn-service').inputs as Record<string, any>;
    expect(service.template.revision).toBe('churn-staging-v3');
    expect(service.traffics).toEqual([{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }]);
    // The runtime account reads every release's model under modelAccess (one grant, not one per release that
    // would go with the next `pulumi up`), so a rollback still finds its model.
    expect(
      rec
        .ofType('gcp:storage/bucketIAMMember:BucketIAMMember')
        .filter((g) => g.name.startsWith('churn-read-model'))
        .map((g) => [g.name, g.inputs.bucket, (g.inputs.condition as { expression: string }).expression]),
    ).toEqual([
      [
        'churn-read-model-b3fff8fc',
        'churn-artifacts',
        'resource.name.startsWith("projects/_/buckets/churn-artifacts/objects/runs/") || ' +
          'api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("runs/")',
      ],
    ]);
  });

  test('Cloud Deploy and Cloud Build are enabled first, after Resource Manager, and every Cloud Deploy resource waits for its API', async () => {
    const rec = await recordGated();
    const api = (service: string) => {
      const found = rec
        .ofType(API)
        .filter((s) => s.inputs.service === service && s.name.startsWith('churn-api-'));
      expect(found).toHaveLength(1);
      return found[0];
    };
    const cloudDeploy = api(GCP_API.cloudDeploy);
    expect(cloudDeploy.name).toBe('churn-api-clouddeploy');
    expect(api(GCP_API.cloudBuild).name).toBe('churn-api-cloudbuild');
    expect(cloudDeploy.dependencies).toEqual([api(GCP_API.resourceManager).urn]);
    for (const type of [PIPELINE, TARGET, AUTOMATION, PIPELINE_IAM, TARGET_IAM])
      for (const r of rec.ofType(type)) expect(r.dependencies).toContain(cloudDeploy.urn);
  });

  test('the release manifest is the service the stack declares, without traffic or a revision name, and the release command names the pipeline', async () => {
    let command = '';
    let release = '';
    const rec = await recordProgram(() => {
      const endpoint = new ModelEndpoint('churn', cloudDeployArgs({ environment: { LOG_LEVEL: 'info' } }));
      gateRolloutOnAlertPolicies(endpoint, POLICIES);
      ({ releaseCommand: command, releaseName: release } = endpoint.gcp!.cloudDeploy!);
      return { manifest: endpoint.gcp!.cloudDeploy!.serviceManifest };
    });
    expect(release).toBe('churn-staging-v3');
    expect(command).toBe(
      `gcloud deploy releases create churn-staging-v3 --project=${PROJECT} --region=europe-west4 ` +
        '--delivery-pipeline=churn-staging --from-run-manifest=service.yaml ' +
        `--gcs-source-staging-dir=gs://churn-staging-releases-${PROJECT}/source`,
    );
    const manifest = parse(rec.outputs.manifest as string);
    const labels = { 'mlops-stage': 'staging', 'mlops-construct': 'modelendpoint' };
    expect(manifest).toEqual({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      metadata: {
        name: 'churn-staging',
        labels,
        annotations: { 'run.googleapis.com/ingress': 'all' },
      },
      spec: {
        template: {
          metadata: {
            labels: { ...labels, 'mlops-version': 'v3' },
            annotations: {
              'autoscaling.knative.dev/minScale': '1',
              'autoscaling.knative.dev/maxScale': '4',
              'run.googleapis.com/execution-environment': 'gen2',
              'run.googleapis.com/encryption-key': `projects/${PROJECT}/locations/europe-west4/keyRings/churn-staging/cryptoKeys/churn-staging`,
              'run.googleapis.com/cpu-throttling': 'false',
              'run.googleapis.com/startup-cpu-boost': 'true',
            },
          },
          spec: {
            containerConcurrency: 10,
            serviceAccountName: RUNTIME,
            containers: [
              {
                image: IMAGE,
                ports: [{ containerPort: 8080 }],
                env: [
                  { name: 'LOG_LEVEL', value: 'info' },
                  { name: 'MODEL_DATA_URL', value: 'gs://churn-artifacts/runs/exec-3/model/' },
                  { name: 'MLOPS_MODEL_VERSION', value: 'v3' },
                  { name: 'MLOPS_CAPTURE_TOPIC', value: `projects/${PROJECT}/topics/churn-staging-capture` },
                  { name: 'MLOPS_CAPTURE_PERCENT', value: '20' },
                ],
                resources: { limits: { cpu: '4', memory: '16Gi' } },
                startupProbe: {
                  httpGet: { path: '/ping', port: 8080 },
                  periodSeconds: 10,
                  timeoutSeconds: 5,
                  failureThreshold: 24,
                },
                livenessProbe: {
                  httpGet: { path: '/ping', port: 8080 },
                  periodSeconds: 30,
                  timeoutSeconds: 5,
                  failureThreshold: 3,
                },
              },
            ],
          },
        },
      },
    });
  });

  test('an internal service on a VPC keeps its ingress and network in every release', async () => {
    const rec = await recordGated(
      { gcp: { ingress: 'internal' } },
      { ...GCP_STAGING, network: { vpcSubnetwork: 'projects/p/regions/europe-west4/subnetworks/serving' } },
    );
    const manifest = parse(rec.outputs.manifest as string);
    expect(manifest.metadata.annotations).toEqual({ 'run.googleapis.com/ingress': 'internal' });
    expect(manifest.spec.template.metadata.annotations).toMatchObject({
      'run.googleapis.com/vpc-access-egress': 'private-ranges-only',
      'run.googleapis.com/network-interfaces':
        '[{"subnetwork":"projects/p/regions/europe-west4/subnetworks/serving"}]',
    });
  });

  test('a gate whose policies need longer than a step is analysed is refused, and nothing is created', async () => {
    const error = await recordProgram(() => {
      const endpoint = new ModelEndpoint('churn', cloudDeployArgs({ rollout: { bakeMinutes: 8 } }));
      gateRolloutOnAlertPolicies(endpoint, POLICIES, {
        seconds: 540,
        reason: 'five 60 s periods',
        watcher: 'MonitoringStack "watch"',
      });
    }).catch((e: Error) => e);
    expect((error as Error).message).toBe(
      'ModelEndpoint "churn" has 1 problem in its arguments:\n' +
        '  - rollout.bakeMinutes: ModelEndpoint "churn": each Cloud Deploy step is analysed for 480 s, but the alert policies of MonitoringStack "watch" can open an incident only up to 540 s after a revision starts failing (five 60 s periods), so a failing step would pass. ' +
        'Fix: bake at least 9 minutes per step (rollout.bakeMinutes), or lower MonitoringStack "watch"\'s thresholds.periodSeconds or thresholds.datapointsToAlarm.',
    );
    const rec = await recordProgram(() => {
      const endpoint = new ModelEndpoint('churn', cloudDeployArgs({ rollout: { bakeMinutes: 9 } }));
      gateRolloutOnAlertPolicies(endpoint, POLICIES, { seconds: 540, reason: '', watcher: '' });
    });
    expect(rec.ofType(PIPELINE)).toHaveLength(1);
  });

  test('ungated in staging with autoRollback: the program fails with a ValidationError naming the fix', async () => {
    const error = await recordProgram(() => {
      new ModelEndpoint('churn', cloudDeployArgs());
      settleUngatedRollouts();
    }).catch((e: Error) => e);
    expect((error as Error).message).toBe(
      'ModelEndpoint "churn" has 1 problem in its arguments:\n' +
        '  - rollout.autoRollback: ModelEndpoint "churn": its Cloud Deploy rollout would roll back when the alert policies of a MonitoringStack fire, but no MonitoringStack watches it. ' +
        'Fix: watch it with a MonitoringStack (its latency and server-error alert policies then gate every step), or set rollout.autoRollback false.',
    );
  });

  test('ungated in dev: steps are not analysed; a second gate on an endpoint is refused; other endpoints are not gated', async () => {
    const rec = await recordProgram(() => {
      const endpoint = new ModelEndpoint('churn', cloudDeployArgs({}, GCP_DEV));
      settleUngatedRollouts();
      expect(thrown(() => gateRolloutOnAlertPolicies(endpoint, POLICIES)).message).toBe(
        'ModelEndpoint "churn": its Cloud Deploy rollout is already gated (by another MonitoringStack, or settled ungated at the end of the program). Fix: watch the endpoint with one MonitoringStack, created in the program itself.',
      );
      const plain = new ModelEndpoint(
        'plain',
        endpointArgs(GCP_DEV, { image: IMAGE, modelDataUrl: 'gs://churn-artifacts/models/v3/' }),
      );
      expect(gateRolloutOnAlertPolicies(plain, POLICIES)).toBe(false);
      expect(gateRolloutOnAlertPolicies({ endpointName: 'x' }, POLICIES)).toBe(false);
    });
    // dev: all at once, no bake, no rollback.
    expect((rec.one(PIPELINE).inputs.serialPipeline as any).stages[0].strategy).toEqual({
      standard: { verify: false },
    });
    expect(rec.one(AUTOMATION).inputs.rules).toEqual([{ advanceRolloutRule: { id: 'advance' } }]);
    expect(rec.ofType(PROJECT_IAM).map((g) => g.inputs.role)).toEqual(['roles/clouddeploy.jobRunner']);
  });

  test('the recorder (and so `mlops synth`) settles an ungated rollout as a deploy does: a dev pipeline without analysis', async () => {
    const rec = await recordProgram(() => {
      new ModelEndpoint(
        'churn',
        cloudDeployArgs({ rollout: { strategy: 'canary', bakeMinutes: 5 } }, GCP_DEV),
      );
    });
    expect(
      (rec.one(PIPELINE).inputs.serialPipeline as any).stages[0].strategy.canary.canaryDeployment,
    ).toEqual({
      percentages: [10],
      verify: false,
    });
  });

  test('the default path creates no Cloud Deploy resource and enables no Cloud Deploy API', async () => {
    const rec = await recordProgram(
      () =>
        new ModelEndpoint(
          'churn',
          endpointArgs(GCP_STAGING, { image: IMAGE, modelDataUrl: 'gs://churn-artifacts/models/v3/' }),
        ),
    );
    expect(rec.resources.filter((r) => r.type.startsWith('gcp:clouddeploy/'))).toEqual([]);
    expect(rec.ofType(API).map((s) => s.inputs.service)).not.toContain(GCP_API.cloudDeploy);
  });
});

describe('Cloud Deploy rollout validation', () => {
  const problems = (args: ModelEndpointArgs) =>
    thrown(() => resolveModelEndpoint('churn', args, args.platform)).message;

  test('what Cloud Deploy owning the rollout rules out, all at once', () => {
    const message = problems(
      cloudDeployArgs({
        version: 'v4',
        modelAccess: undefined,
        size: 'gpu-small',
        stableRelease: { version: 'v3' },
        rollout: { bakeMinutes: 2 },
        gcp: { releasers: ['allUsers', 'ci@example.com'] },
      }),
    );
    expect(message).toContain(
      "stableRelease: Cloud Deploy owns the service's traffic with `gcp.rollout: 'cloud-deploy'`: a rollout is one Cloud Deploy release, which the delivery pipeline steps from the serving revision to the new one. Fix: remove `stableRelease`, and create a Cloud Deploy release of the new version instead",
    );
    expect(message).toContain(
      "size: with `gcp.rollout: 'cloud-deploy'` every release is a Cloud Run service manifest, and the GPU fields of that manifest are not confirmed by Cloud Run's YAML reference. Fix: use a CPU size, or `gcp.rollout: 'pulumi'` for a GPU endpoint",
    );
    expect(message).toContain(
      "modelAccess: is required with `gcp.rollout: 'cloud-deploy'`: Cloud Deploy may roll back to an earlier release, whose model must stay readable, while the endpoint would grant only the model it is given now. Fix: give `modelAccess: { bucketName, prefix }` covering every release's model, such as an MlPipeline's artifact bucket and `runs/`",
    );
    expect(message).toContain(
      "rollout.bakeMinutes: 2 minutes is too short to analyse a step: the MonitoringStack's latency and 5xx policies open an incident up to 420 s after a revision starts failing (a Cloud Run metric delay of up to 180 s after sampling + one 60 s alignment period + a condition duration of 3 × 60 s), so a shorter analysis passes a failing step. Fix: bake at least 7 minutes per step, or set `rollout.autoRollback: false`",
    );
    expect(message).toContain(
      'gcp.releasers[0]: allUsers would let anyone release to this endpoint. Fix: name the CI service account or group that releases',
    );
    expect(message).toContain(
      'gcp.releasers[1]: "ci@example.com" is not an IAM member. Fix: use a member such as `serviceAccount:ci@project.iam.gserviceaccount.com`',
    );
  });

  test('releasers without Cloud Deploy, a release bucket name Cloud Storage refuses, and an unknown mode', () => {
    expect(
      problems(endpointArgs(GCP_STAGING, { image: IMAGE, gcp: { releasers: ['group:ml@example.com'] } })),
    ).toContain(
      "gcp.releasers: is used only when Cloud Deploy rolls releases out. Fix: set `gcp.rollout: 'cloud-deploy'`, or remove `gcp.releasers`",
    );
    expect(problems(cloudDeployArgs({ endpointName: 'churn-' + 'x'.repeat(40) }))).toContain(
      `endpointName: "churn-${'x'.repeat(40)}-releases-${PROJECT}" must be 3 to 63 characters long for Cloud Storage (the Cloud Deploy release bucket is named \`<endpoint>-releases-<project>\`)`,
    );
    expect(problems(cloudDeployArgs({ gcp: { rollout: 'argo' as 'pulumi' } }))).toContain('gcp.rollout');
  });

  test('the analysed bake: at least 7 minutes (420 s until an incident can open); 10 by default in cloud-deploy mode', () => {
    const bake = (
      rollout: ModelEndpointArgs['rollout'],
      platform = GCP_STAGING,
      gcp?: ModelEndpointArgs['gcp'],
    ) =>
      resolveModelEndpoint('churn', cloudDeployArgs({ rollout, gcp }, platform), platform).rollout
        .bakeMinutes;
    expect(problems(cloudDeployArgs({ rollout: { bakeMinutes: 6 } }))).toContain(
      'rollout.bakeMinutes: 6 minutes is too short to analyse a step',
    );
    expect(bake({ bakeMinutes: 7 })).toBe(7);
    // Staging's stage default (5) is raised where Cloud Deploy analyses the steps, not elsewhere.
    expect(bake(undefined)).toBe(10);
    expect(bake({ autoRollback: false })).toBe(5);
    expect(bake(undefined, GCP_STAGING, { rollout: 'pulumi' })).toBe(5);
    expect(
      resolveModelEndpoint('churn', endpointArgs(GCP_STAGING, { image: IMAGE }), GCP_STAGING).rollout
        .bakeMinutes,
    ).toBe(5);
  });

  test('the default mode resolves to pulumi, with no Cloud Deploy spec; cloud-deploy resolves names and steps', () => {
    const plain = resolveModelEndpoint('churn', endpointArgs(GCP_STAGING, { image: IMAGE }), GCP_STAGING);
    expect(plain.gcp.rollout).toBe('pulumi');
    expect(plain.gcp.cloudDeploy).toBeUndefined();
    const spec = resolveModelEndpoint(
      'churn',
      cloudDeployArgs({ rollout: { canaryPercent: 25 } }),
      GCP_STAGING,
    );
    expect(spec.gcp.rollout).toBe('cloud-deploy');
    expect(spec.gcp.cloudDeploy).toEqual({
      pipelineName: 'churn-staging',
      targetName: 'churn-staging',
      automationName: 'churn-staging-release',
      releaseName: 'churn-staging-v3',
      percentages: [25],
      analysisDuration: '600s',
      analysisSeconds: 600,
      autoRollback: true,
      gateRequired: true,
      releaseBucketName: `churn-staging-releases-${PROJECT}`,
      executionAccountId: 'churn-staging-deploy',
      automationAccountId: 'churn-staging-rollout',
      releasers: [],
    });
  });
});
