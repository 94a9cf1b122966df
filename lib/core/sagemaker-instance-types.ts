/**
 * The SageMaker instance types each kind of job accepts, by family: the enums `TrainingInstanceType`,
 * `ProcessingInstanceType` and `ProductionVariantInstanceType` of SageMaker's API model as botocore 1.43.11
 * ships it (`botocore/data/sagemaker/2017-07-24/service-2.json`). A type outside these lists fails at
 * deploy time, so it is refused before anything is created. To refresh the lists, regenerate this file from
 * a newer botocore (see the README's "Arguments" section).
 */
import { closestName } from './did-you-mean';

/** Instance types SageMaker accepts for training jobs (`TrainingInstanceType`), by family. */
export const SAGEMAKER_TRAINING_TYPES: Readonly<Record<string, readonly string[]>> = {
  c4: ['xlarge', '2xlarge', '4xlarge', '8xlarge'],
  c5: ['xlarge', '2xlarge', '4xlarge', '9xlarge', '18xlarge'],
  c5n: ['xlarge', '2xlarge', '4xlarge', '9xlarge', '18xlarge'],
  c6i: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
  c7i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  g4dn: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  g5: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  g6: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  g6e: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  g7e: ['2xlarge', '4xlarge', '8xlarge', '12xlarge', '24xlarge', '48xlarge'],
  m4: ['xlarge', '2xlarge', '4xlarge', '10xlarge', '16xlarge'],
  m5: ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge'],
  m6i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
  m7i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  p2: ['xlarge', '8xlarge', '16xlarge'],
  p3: ['2xlarge', '8xlarge', '16xlarge'],
  p3dn: ['24xlarge'],
  p4d: ['24xlarge'],
  p4de: ['24xlarge'],
  p5: ['4xlarge', '48xlarge'],
  p5e: ['48xlarge'],
  p5en: ['48xlarge'],
  'p6-b200': ['48xlarge'],
  'p6-b300': ['48xlarge'],
  'p6e-gb200': ['36xlarge'],
  r5: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'],
  r5d: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'],
  r7i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  t3: ['medium', 'large', 'xlarge', '2xlarge'],
  trn1: ['2xlarge', '32xlarge'],
  trn1n: ['32xlarge'],
  trn2: ['48xlarge'],
};

/** Instance types SageMaker accepts for processing jobs (`ProcessingInstanceType`), by family. */
export const SAGEMAKER_PROCESSING_TYPES: Readonly<Record<string, readonly string[]>> = {
  c4: ['xlarge', '2xlarge', '4xlarge', '8xlarge'],
  c5: ['xlarge', '2xlarge', '4xlarge', '9xlarge', '18xlarge'],
  c6i: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
  c7i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  g4dn: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  g5: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  g6: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  g6e: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  g7e: ['2xlarge', '4xlarge', '8xlarge', '12xlarge', '24xlarge', '48xlarge'],
  m4: ['xlarge', '2xlarge', '4xlarge', '10xlarge', '16xlarge'],
  m5: ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge'],
  m6i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
  m7i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  p2: ['xlarge', '8xlarge', '16xlarge'],
  p3: ['2xlarge', '8xlarge', '16xlarge'],
  p5: ['4xlarge'],
  r5: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'],
  r5d: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'],
  r7i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  t3: ['medium', 'large', 'xlarge', '2xlarge'],
};

/** Instance types SageMaker accepts for endpoint production variants (`ProductionVariantInstanceType`), by family. */
export const SAGEMAKER_SERVING_TYPES: Readonly<Record<string, readonly string[]>> = {
  c4: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge'],
  c5: ['large', 'xlarge', '2xlarge', '4xlarge', '9xlarge', '18xlarge'],
  c5d: ['large', 'xlarge', '2xlarge', '4xlarge', '9xlarge', '18xlarge'],
  c6g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  c6gd: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  c6gn: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  c6i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
  c6in: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
  c7g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  c7i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  c8g: [
    'medium',
    'large',
    'xlarge',
    '2xlarge',
    '4xlarge',
    '8xlarge',
    '12xlarge',
    '16xlarge',
    '24xlarge',
    '48xlarge',
  ],
  dl1: ['24xlarge'],
  g4dn: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  g5: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  g6: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  g6e: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  g7e: ['2xlarge', '4xlarge', '8xlarge', '12xlarge', '24xlarge', '48xlarge'],
  inf1: ['xlarge', '2xlarge', '6xlarge', '24xlarge'],
  inf2: ['xlarge', '8xlarge', '24xlarge', '48xlarge'],
  m4: ['xlarge', '2xlarge', '4xlarge', '10xlarge', '16xlarge'],
  m5: ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge'],
  m5d: ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge'],
  m6g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  m6gd: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  m6i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
  m7i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  m8g: [
    'medium',
    'large',
    'xlarge',
    '2xlarge',
    '4xlarge',
    '8xlarge',
    '12xlarge',
    '16xlarge',
    '24xlarge',
    '48xlarge',
  ],
  p2: ['xlarge', '8xlarge', '16xlarge'],
  p3: ['2xlarge', '8xlarge', '16xlarge'],
  p4d: ['24xlarge'],
  p4de: ['24xlarge'],
  p5: ['4xlarge', '48xlarge'],
  p5e: ['48xlarge'],
  p5en: ['48xlarge'],
  'p6-b200': ['48xlarge'],
  'p6-b300': ['48xlarge'],
  'p6e-gb200': ['36xlarge'],
  r5: ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge'],
  r5d: ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge'],
  r6g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  r6gd: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  r6i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
  r7gd: ['medium', 'large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  r7i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  r8g: [
    'medium',
    'large',
    'xlarge',
    '2xlarge',
    '4xlarge',
    '8xlarge',
    '12xlarge',
    '16xlarge',
    '24xlarge',
    '48xlarge',
  ],
  t2: ['medium', 'large', 'xlarge', '2xlarge'],
  trn1: ['2xlarge', '32xlarge'],
  trn1n: ['32xlarge'],
  trn2: ['48xlarge'],
};

const SIZE_WORD = /^(nano|micro|small|medium|large|\d*xlarge)$/;

/** Which SageMaker job an instance type is for. */
export type SageMakerInstanceUse = 'training' | 'processing' | 'serving';

const TYPES: Readonly<Record<SageMakerInstanceUse, Readonly<Record<string, readonly string[]>>>> = {
  training: SAGEMAKER_TRAINING_TYPES,
  processing: SAGEMAKER_PROCESSING_TYPES,
  serving: SAGEMAKER_SERVING_TYPES,
};

const USE_WORDS: Readonly<Record<SageMakerInstanceUse, string>> = {
  training: 'training jobs',
  processing: 'processing jobs (the evaluation)',
  serving: 'endpoints',
};

/** Every instance type SageMaker accepts for `use`. */
export function sagemakerInstanceTypes(use: SageMakerInstanceUse): string[] {
  return Object.entries(TYPES[use]).flatMap(([family, sizes]) => sizes.map((s) => `ml.${family}.${s}`));
}

/**
 * What is wrong with a SageMaker instance type for `use`, with the fix; undefined when SageMaker accepts
 * it there.
 */
export function sagemakerInstanceTypeProblem(
  use: SageMakerInstanceUse,
  instanceType: string,
): { message: string; fix: string } | undefined {
  const families = TYPES[use];
  const m = /^ml\.([a-z0-9-]+)\.([a-z0-9]+)$/.exec(instanceType);
  if (!m) {
    const prefixed = `ml.${instanceType}`;
    const valid =
      /^ml\.[a-z0-9-]+\.[a-z0-9]+$/.test(prefixed) && !sagemakerInstanceTypeProblem(use, prefixed);
    return {
      message: `"${instanceType}" is not a SageMaker instance type`,
      fix: valid
        ? `did you mean \`${prefixed}\`? SageMaker types start with \`ml.\``
        : 'use a type such as `ml.m5.xlarge`',
    };
  }
  const [, family, size] = m;
  const sizes = families[family];
  if (!sizes)
    return {
      message: `"${instanceType}": SageMaker has no ${family} instances for ${USE_WORDS[use]}`,
      fix: `use one of the families ${Object.keys(families).join(', ')}`,
    };
  if (!sizes.includes(size)) {
    // A misspelt size word (`xlarg`), not another real size: suggesting `4xlarge` for `8xlarge` would mislead.
    const near = SIZE_WORD.test(size) ? undefined : closestName(size, sizes);
    return {
      message: `"${instanceType}": SageMaker offers ${family} for ${USE_WORDS[use]} only in sizes ${sizes.join(', ')}`,
      fix: `${near ? `did you mean \`ml.${family}.${near}\`? ` : ''}use one of ${sizes.map((s) => `ml.${family}.${s}`).join(', ')}`,
    };
  }
  return undefined;
}
