/** What every arg group's check of a MonitoringStack shares: its inputs, and checks used by more than one group. */
import type * as pulumi from '@pulumi/pulumi';
import type { Platform } from '../core/platform';
import type { ResolveInputs } from '../core/resolve-inputs';
import type { Cloud } from '../core/stage';
import { isKnown, knownString, type ProblemList } from '../core/validation';
import type { MonitoringStackArgs } from './args';
import type { MonitoringStageDefaults } from './defaults';
import type { ResolvedMonitoringStack } from './resolved';

export type Inputs = ResolveInputs<MonitoringStackArgs, MonitoringStageDefaults>;
export type Pipeline = NonNullable<ResolvedMonitoringStack['pipeline']>;

export const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;
export const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
export const NOTIFICATION_CHANNEL = /^projects\/[^/]+\/notificationChannels\/[^/]+$/;
export const PUBSUB_TOPIC = /^projects\/[^/]+\/topics\/[^/]+$/;
export const SMARTHOST = /^[A-Za-z0-9.-]+:\d{1,5}$/;
export const BASELINE_SCHEMES: Record<Cloud, { prefixes: readonly string[]; example: string }> = {
  aws: { prefixes: ['s3://'], example: '`s3://<artifact bucket>/baseline/<execution id>/`' },
  gcp: { prefixes: ['gs://'], example: '`gs://<artifact bucket>/runs/<run id>/baseline/`' },
  docker: {
    prefixes: ['docker-volume://'],
    example: '`docker-volume://<artifact volume>/runs/<run id>/baseline/`',
  },
};

export function checkSameCloud(
  problems: ProblemList,
  path: string,
  what: string,
  cloud: Cloud,
  platform: Platform,
): void {
  if (cloud !== platform.cloud)
    problems.add(
      path,
      `${what} runs on ${cloud}, but this MonitoringStack deploys to ${platform.cloud}`,
      `watch it from a MonitoringStack on ${cloud} (platform.cloud: ${cloud}), in the endpoint's stack`,
    );
}

export function checkRange(
  problems: ProblemList,
  path: string,
  value: number | undefined,
  min: number,
  max: number,
): void {
  if (value === undefined || !isKnown(value)) return;
  if (value < min || value > max)
    problems.add(path, `${value} is not from ${min} to ${max}`, `use a number from ${min} to ${max}`);
}

export function checkBaselineScheme(
  problems: ProblemList,
  path: string,
  value: pulumi.Input<string> | undefined,
  cloud: Cloud,
): void {
  const uri = knownString(value);
  if (uri === undefined) return;
  const scheme = BASELINE_SCHEMES[cloud];
  if (!scheme.prefixes.some((prefix) => uri.startsWith(prefix)))
    problems.add(
      path,
      `"${uri}" is not a baseline location on ${cloud}`,
      `give a folder such as ${scheme.example}`,
    );
}

export function checkKnownPattern(
  problems: ProblemList,
  path: string,
  value: pulumi.Input<string> | undefined,
  pattern: RegExp,
  expected: string,
): void {
  const known = knownString(value);
  if (known !== undefined && !pattern.test(known))
    problems.add(path, `"${known}" is not ${expected.replace(/ such as.*$/, '')}`, `give ${expected}`);
}
