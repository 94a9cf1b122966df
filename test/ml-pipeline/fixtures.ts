import type { MlPipelineArgs } from '../../lib/ml-pipeline/args';
import type { PlatformArgs } from '../../lib/core/platform';

export const TRAIN_IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn-train@sha256:aaaa';
export const EVAL_IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn-eval:v3';

export const AWS: PlatformArgs = { cloud: 'aws', region: 'eu-west-1', stage: 'dev' };
export const GCP: PlatformArgs = {
  cloud: 'gcp',
  region: 'europe-west4',
  project: 'churn-prod-1',
  stage: 'dev',
};
export const DOCKER: PlatformArgs = { cloud: 'docker', stage: 'dev' };

/** Valid arguments; tests override what they exercise. */
export function pipelineArgs(
  platform: PlatformArgs,
  overrides: Partial<MlPipelineArgs> = {},
): MlPipelineArgs {
  return {
    platform,
    training: {
      image: TRAIN_IMAGE,
      command: ['python', 'train.py'],
      hyperparameters: { epochs: '10' },
    },
    evaluation: { image: EVAL_IMAGE, command: ['python', 'evaluate.py'] },
    qualityGate: { metric: 'auc', threshold: 0.8 },
    ...overrides,
  };
}
