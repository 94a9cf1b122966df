/**
 * The reference CDK app passes cdk-nag's AwsSolutions, HIPAA Security and NIST 800-53 R5 packs and the AWS
 * Control Tower rules, through CDK's own validation plugins (as `npx cdk synth` runs them), and every
 * compliance finding the constructs acknowledge is on the list below, so a new one fails here until someone
 * reviews its reason.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Stack, Validations, type App } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import {
  ACCESS_LOG_REPLICATION_REASON,
  ACCESS_LOG_SSE_S3_REASON,
  REPLICATION_OFF_REASON,
} from '../../lib/blocks/cdk-aws';
import { INLINE_POLICY_REASON } from '../../lib/blocks/cdk-compliance';
import { churnApp } from '../../stacks/cdk/churn-app';
import { awaitingReleaseContext } from '../validators/cdk-templates';

const CDK_JSON = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'cdk.json'), 'utf8'));

function report(app: App): { pluginName: string; conclusion: string; violations: unknown[] }[] {
  const assembly = app.synth();
  return JSON.parse(readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'))
    .pluginReports;
}

/** Every acknowledged rule of a pack: rule id → construct paths, and rule id → the reasons given. */
function acknowledged(root: IConstruct, pack: string) {
  const paths: Record<string, string[]> = {};
  const reasons: Record<string, Set<string>> = {};
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        if (!id.startsWith(`${pack}::`)) continue;
        const rule = id.slice(pack.length + 2);
        (paths[rule] ??= []).push(c.node.path);
        (reasons[rule] ??= new Set()).add(reason);
      }
    }
  }
  for (const list of Object.values(paths)) list.sort();
  return { paths, reasons };
}

describe('the reference CDK app', () => {
  // Exactly what `npx cdk synth` runs: cdk.json's context, the app's plugins.
  const { app, stack } = churnApp({ context: CDK_JSON.context });

  test('deploys to the region of the mlops context', () => {
    expect(CDK_JSON.context.mlops.region).toBe('eu-west-1');
    expect(stack.region).toBe('eu-west-1');
    expect(Stack.of(stack.pipeline).region).toBe('eu-west-1');
    expect(stack.pipeline.spec.platform.region).toBe('eu-west-1');
  });

  test('passes AwsSolutions, HIPAA Security, NIST 800-53 R5 and Control Tower with no unacknowledged finding', () => {
    const reports = report(app);
    expect(reports.map((r) => [r.pluginName, r.conclusion])).toEqual([
      ['AwsSolutions', 'success'],
      ['HIPAA.Security', 'success'],
      ['NIST.800.53.R5', 'success'],
      ['cdk-validator-cfnguard', 'success'],
    ]);
    expect(reports.flatMap((r) => r.violations ?? [])).toEqual([]);
  }, 600_000);

  test('every alarm has an action: the MonitoringStack topic, rollback alarms included, none acknowledged', () => {
    const template = app.synth().getStackByName(stack.stackName).template as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const alarms = Object.values(template.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    const topic = stack.resolve(stack.monitoring.topic!.topicArn);
    expect(alarms.map((a) => [a.Properties.AlarmName, a.Properties.AlarmActions])).toEqual(
      stack.monitoring.alarmNames.map(() => [expect.any(String), [topic]]),
    );
    expect(alarms.map((a) => a.Properties.AlarmName).sort()).toEqual(stack.monitoring.alarmNames);
  }, 600_000);

  test.each(['HIPAA.Security', 'NIST.800.53.R5'])(
    '%s findings acknowledged are the reviewed ones, each with its reason',
    (pack) => {
      const { paths, reasons } = acknowledged(app, pack);
      const buckets = [
        'churn-prod/churn-training/AccessLogs',
        'churn-prod/churn-training/Artifacts',
        'churn-prod/churn-training/Data',
        'churn-prod/churn/AccessLogs',
        'churn-prod/churn/Capture',
      ];
      expect(paths).toEqual({
        [`${pack}-IAMNoInlinePolicy`]: [
          'churn-prod/churn-training/ChampionPolicy',
          'churn-prod/churn-training/PipelinePolicy',
          'churn-prod/churn-training/SchedulerRole',
          'churn-prod/churn-training/TrainingPolicy',
          'churn-prod/churn/ExecutionPolicy',
          'churn-prod/churn/Invoke-churn-api',
        ],
        [`${pack}-S3BucketReplicationEnabled`]: buckets,
        [`${pack}-S3DefaultEncryptionKMS`]: [
          'churn-prod/churn-training/AccessLogs',
          'churn-prod/churn/AccessLogs',
        ],
      });
      expect([...reasons[`${pack}-IAMNoInlinePolicy`]]).toEqual([INLINE_POLICY_REASON]);
      expect([...reasons[`${pack}-S3DefaultEncryptionKMS`]]).toEqual([ACCESS_LOG_SSE_S3_REASON]);
      // Two reasons: the access-log buckets, and the buckets CDK cannot replicate from one stack.
      expect([...reasons[`${pack}-S3BucketReplicationEnabled`]]).toEqual([
        ACCESS_LOG_REPLICATION_REASON,
        REPLICATION_OFF_REASON,
      ]);
      expect(ACCESS_LOG_SSE_S3_REASON).toMatch(
        /^S3 delivers server access logs only to buckets whose default encryption is S3-managed \(SSE-S3\)/,
      );
    },
  );
});

describe('the reference CDK app on a fresh account, awaiting its first release', () => {
  // cdk.json's context and plugins, with a prod stack file that has no mlops:release yet.
  const { app, stack } = churnApp({
    context: {
      ...CDK_JSON.context,
      ...awaitingReleaseContext(mkdtempSync(path.join(tmpdir(), 'mlops-awaiting-'))),
    },
  });

  test('serves nothing and passes AwsSolutions, HIPAA Security, NIST 800-53 R5 and Control Tower', () => {
    expect(stack.endpoint.serving).toBe(false);
    const reports = report(app);
    expect(reports.map((r) => [r.pluginName, r.conclusion])).toEqual([
      ['AwsSolutions', 'success'],
      ['HIPAA.Security', 'success'],
      ['NIST.800.53.R5', 'success'],
      ['cdk-validator-cfnguard', 'success'],
    ]);
    expect(reports.flatMap((r) => r.violations ?? [])).toEqual([]);
  }, 600_000);

  test.each(['HIPAA.Security', 'NIST.800.53.R5'])(
    "%s findings acknowledged are only the pipeline's: the endpoint created nothing to acknowledge",
    (pack) => {
      const { paths } = acknowledged(app, pack);
      expect(paths).toEqual({
        [`${pack}-IAMNoInlinePolicy`]: [
          'churn-prod/churn-training/ChampionPolicy',
          'churn-prod/churn-training/PipelinePolicy',
          'churn-prod/churn-training/SchedulerRole',
          'churn-prod/churn-training/TrainingPolicy',
        ],
        [`${pack}-S3BucketReplicationEnabled`]: [
          'churn-prod/churn-training/AccessLogs',
          'churn-prod/churn-training/Artifacts',
          'churn-prod/churn-training/Data',
        ],
        [`${pack}-S3DefaultEncryptionKMS`]: ['churn-prod/churn-training/AccessLogs'],
      });
    },
  );
});
