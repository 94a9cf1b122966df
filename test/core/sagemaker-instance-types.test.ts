import { SIZE_FACTS } from '../../lib/core/sizes';
import {
  sagemakerInstanceTypeProblem,
  sagemakerInstanceTypes,
} from '../../lib/core/sagemaker-instance-types';

describe('SageMaker instance types (botocore 1.43.11 enums)', () => {
  it('holds every type of each enum', () => {
    // TrainingInstanceType, ProcessingInstanceType, ProductionVariantInstanceType in the service model.
    expect(sagemakerInstanceTypes('training')).toHaveLength(145);
    expect(sagemakerInstanceTypes('processing')).toHaveLength(127);
    expect(sagemakerInstanceTypes('serving')).toHaveLength(271);
  });

  it('accepts every type the portable sizes map to, for its use', () => {
    for (const facts of Object.values(SIZE_FACTS)) {
      expect(sagemakerInstanceTypeProblem('serving', facts.aws.servingInstance)).toBeUndefined();
      expect(sagemakerInstanceTypeProblem('training', facts.aws.trainingInstance)).toBeUndefined();
      expect(sagemakerInstanceTypeProblem('processing', facts.aws.trainingInstance)).toBeUndefined();
    }
  });

  it('refuses a family SageMaker does not offer for the use, naming the families', () => {
    // Graviton (m6g) serves but does not train; inf2 serves only.
    expect(sagemakerInstanceTypeProblem('training', 'ml.m6g.large')?.message).toBe(
      '"ml.m6g.large": SageMaker has no m6g instances for training jobs',
    );
    expect(sagemakerInstanceTypeProblem('serving', 'ml.m6g.large')).toBeUndefined();
    expect(sagemakerInstanceTypeProblem('processing', 'ml.inf2.xlarge')?.fix).toMatch(
      /^use one of the families c4, c5, c6i, /,
    );
  });

  it('refuses a size the family does not have, listing the sizes', () => {
    expect(sagemakerInstanceTypeProblem('training', 'ml.m5.8xlarge')).toEqual({
      message:
        '"ml.m5.8xlarge": SageMaker offers m5 for training jobs only in sizes large, xlarge, 2xlarge, 4xlarge, 12xlarge, 24xlarge',
      fix: 'use one of ml.m5.large, ml.m5.xlarge, ml.m5.2xlarge, ml.m5.4xlarge, ml.m5.12xlarge, ml.m5.24xlarge',
    });
  });

  it('suggests the nearest type for a typo', () => {
    expect(sagemakerInstanceTypeProblem('serving', 'ml.m5.xlarg')).toEqual({
      message:
        '"ml.m5.xlarg": SageMaker offers m5 for endpoints only in sizes large, xlarge, 2xlarge, 4xlarge, 12xlarge, 24xlarge',
      fix: 'did you mean `ml.m5.xlarge`? use one of ml.m5.large, ml.m5.xlarge, ml.m5.2xlarge, ml.m5.4xlarge, ml.m5.12xlarge, ml.m5.24xlarge',
    });
    expect(sagemakerInstanceTypeProblem('serving', 'm5.xlarge')).toEqual({
      message: '"m5.xlarge" is not a SageMaker instance type',
      fix: 'did you mean `ml.m5.xlarge`? SageMaker types start with `ml.`',
    });
  });
});
