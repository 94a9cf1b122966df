import type { Stage } from '../core/stage';
import type { ComputeSize } from '../core/sizes';
import type { RolloutStrategy } from './args';

/** ModelEndpoint defaults by stage: the one place they are written. */
export interface EndpointStageDefaults {
  readonly size: ComputeSize;
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly strategy: RolloutStrategy;
  readonly bakeMinutes: number;
  readonly autoRollback: boolean;
  readonly serverless: boolean;
  readonly capturePercent: number;
  readonly deletionProtection: boolean;
}

export const ENDPOINT_STAGE_DEFAULTS: Readonly<Record<Stage, EndpointStageDefaults>> = {
  dev: {
    size: 'cpu-small',
    minInstances: 0,
    maxInstances: 2,
    strategy: 'all-at-once',
    bakeMinutes: 0,
    autoRollback: false,
    serverless: true,
    capturePercent: 0,
    deletionProtection: false,
  },
  staging: {
    size: 'cpu-medium',
    minInstances: 1,
    maxInstances: 4,
    strategy: 'canary',
    bakeMinutes: 5,
    autoRollback: true,
    serverless: false,
    capturePercent: 20,
    deletionProtection: false,
  },
  prod: {
    size: 'cpu-medium',
    minInstances: 2,
    maxInstances: 10,
    strategy: 'canary',
    bakeMinutes: 10,
    autoRollback: true,
    serverless: false,
    capturePercent: 10,
    deletionProtection: true,
  },
};

/** Stage-independent defaults. */
export const ENDPOINT_DEFAULTS = {
  canaryPercent: 10,
  linearStepPercent: 20,
  targetConcurrency: 10,
  maxLatencyP99Ms: 1000,
  max5xxPerMinute: 0,
  port: 8080,
  serverlessMaxConcurrency: 20,
  dockerHostPort: 8080,
  /**
   * The AWS provider waits about 60 minutes for an endpoint update; a rollout's bake time must leave room
   * for provisioning the new fleet, so it is capped below that.
   */
  awsMaxRolloutMinutes: 45,
} as const;
