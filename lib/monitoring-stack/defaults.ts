import type { Stage } from '../core/stage';
import type { DriftStatistic } from './args';

/** MonitoringStack defaults by stage: the one place they are written (args.ts documents each). */
export interface MonitoringStageDefaults {
  readonly latencyP99Ms: number;
  readonly serverErrorPercent: number;
  readonly clientErrorPercent: number;
  /** 0 = no no-traffic alarm. */
  readonly noTrafficMinutes: number;
  readonly driftSchedule: 'hourly' | 'daily';
  /** Alarms must have an action here: `notifications` is required. */
  readonly notificationsRequired: boolean;
}

export const MONITORING_STAGE_DEFAULTS: Readonly<Record<Stage, MonitoringStageDefaults>> = {
  dev: {
    latencyP99Ms: 2000,
    serverErrorPercent: 5,
    clientErrorPercent: 25,
    noTrafficMinutes: 0,
    driftSchedule: 'daily',
    notificationsRequired: false,
  },
  staging: {
    latencyP99Ms: 1000,
    serverErrorPercent: 2,
    clientErrorPercent: 10,
    noTrafficMinutes: 60,
    driftSchedule: 'daily',
    notificationsRequired: true,
  },
  prod: {
    latencyP99Ms: 1000,
    serverErrorPercent: 1,
    clientErrorPercent: 10,
    noTrafficMinutes: 15,
    driftSchedule: 'hourly',
    notificationsRequired: true,
  },
};

/** Stage-independent defaults. */
export const MONITORING_DEFAULTS = {
  cpuPercent: 90,
  memoryPercent: 90,
  gpuPercent: 95,
  periodSeconds: 60,
  evaluationPeriods: 5,
  datapointsToAlarm: 3,
  dashboard: true,
  grafanaPort: 3000,
  prometheusPort: 9090,
  alertmanagerPort: 9093,
  smtpRequireTls: true,
  dockerServingPort: 8080,
} as const;

/** The statistic a drift check uses when none is named: Model Monitor's on aws, our job's PSI elsewhere. */
export const DEFAULT_DRIFT_STATISTIC = { aws: 'model-monitor', gcp: 'psi', docker: 'psi' } as const;

/** The default drift threshold of each statistic (design decision 3). */
export const DRIFT_THRESHOLD_DEFAULTS: Readonly<Record<DriftStatistic, number>> = {
  psi: 0.2,
  ks: 0.1,
  'model-monitor': 0.1,
};

/**
 * The largest drift threshold of each statistic (every threshold is above 0): PSI is unbounded (0.25 already reads
 * as a large shift), while a KS distance and Model Monitor's distance lie between 0 and 1, and a threshold of 1
 * could never be exceeded.
 */
export const DRIFT_THRESHOLD_MAX: Readonly<Record<DriftStatistic, { value: number; inclusive: boolean }>> = {
  psi: { value: 10, inclusive: true },
  ks: { value: 1, inclusive: false },
  'model-monitor': { value: 1, inclusive: false },
};

/**
 * Cloud Monitoring's metric-absence window, in whole minutes: 120 s to 23.5 h (the provider's
 * `conditionAbsent.duration`; durations are whole minutes).
 */
export const GCP_ABSENCE_MINUTES = { min: 2, max: 1410 } as const;

/** CloudWatch's limits on an alarm's look-back (`Period * EvaluationPeriods`), from the PutMetricAlarm reference. */
export const CLOUDWATCH_LOOKBACK = {
  /** For periods under an hour: one day. */
  shortPeriodsSeconds: 86400,
  /** Otherwise: seven days. */
  longPeriodsSeconds: 604800,
  /** A period under this is a "short" one. */
  shortPeriodBelowSeconds: 3600,
} as const;
