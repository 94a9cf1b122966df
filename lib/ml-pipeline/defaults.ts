import type { Stage } from '../core/stage';
import type { ComputeSize } from '../core/sizes';

/** MlPipeline defaults by stage: the one place they are written. */
export interface PipelineStageDefaults {
  readonly trainingSize: ComputeSize;
  /** Spot training where the cloud has it (aws). */
  readonly spot: boolean;
  readonly requireApproval: boolean;
  /** `none`: retrain only on demand. */
  readonly schedule: string;
  readonly retentionDays: number;
}

export const PIPELINE_STAGE_DEFAULTS: Readonly<Record<Stage, PipelineStageDefaults>> = {
  dev: { trainingSize: 'cpu-small', spot: true, requireApproval: false, schedule: 'none', retentionDays: 30 },
  staging: {
    trainingSize: 'cpu-medium',
    spot: true,
    requireApproval: true,
    schedule: 'rate(7 days)',
    retentionDays: 90,
  },
  prod: {
    trainingSize: 'cpu-medium',
    spot: false,
    requireApproval: true,
    schedule: 'rate(7 days)',
    retentionDays: 365,
  },
};

/** Stage-independent defaults. */
export const PIPELINE_DEFAULTS = {
  dataPrefix: 'training/',
  evaluationSize: 'cpu-small' as ComputeSize,
  metricsFile: 'evaluation.json',
  comparison: 'greater-than-or-equal',
  instanceCount: 1,
  maxRuntimeMinutes: 120,
  /** Spot waits up to this many times the run time for capacity and interruptions. */
  spotWaitFactor: 2,
  volumeSizeGb: 30,
  dockerRegistryPort: 5000,
} as const;
