/**
 * Sizes SageMaker's API refuses beyond, from its service model as botocore 1.43.11 ships it
 * (`botocore/data/sagemaker/2017-07-24/service-2.json`): the shapes named beside each value.
 */
import type { ProblemList } from './validation';

export const SAGEMAKER_LIMITS = {
  /** `EnvironmentMap` (CreateModel): entries, and bytes per key and per value. */
  servingEnvironment: { entries: 100, keyLength: 1024, valueLength: 1024 },
  /** `TrainingEnvironmentMap`. */
  trainingEnvironment: { entries: 100, keyLength: 512, valueLength: 512 },
  /** `HyperParameters`. */
  hyperparameters: { entries: 100, keyLength: 256, valueLength: 2500 },
  /** `TrainingContainerEntrypoint` and `ContainerEntrypoint` (processing): 1 to 100 strings of at most 256. */
  entrypoint: { entries: 100, itemLength: 256 },
} as const;

/** Reports a map SageMaker would refuse: too many entries, or a key or value too long. */
export function checkSageMakerMap(
  problems: ProblemList,
  path: string,
  map: Readonly<Record<string, unknown>>,
  limit: { readonly entries: number; readonly keyLength: number; readonly valueLength: number },
): void {
  const keys = Object.keys(map);
  if (keys.length > limit.entries)
    problems.add(
      path,
      `has ${keys.length} entries; SageMaker takes at most ${limit.entries}`,
      'move the rest into a file the container reads',
    );
  for (const key of keys) {
    const value = map[key];
    if (Buffer.byteLength(key) > limit.keyLength)
      problems.add(`${path}.${key}`, `the name is longer than ${limit.keyLength} bytes`, 'shorten the name');
    if (typeof value === 'string' && Buffer.byteLength(value) > limit.valueLength)
      problems.add(
        `${path}.${key}`,
        `the value is ${Buffer.byteLength(value)} bytes; SageMaker takes at most ${limit.valueLength}`,
        'pass large values in a file the container reads',
      );
  }
}

/** Reports a container entrypoint SageMaker would refuse. */
export function checkSageMakerEntrypoint(
  problems: ProblemList,
  path: string,
  command: readonly string[],
): void {
  const { entries, itemLength } = SAGEMAKER_LIMITS.entrypoint;
  if (command.length > entries)
    problems.add(
      path,
      `has ${command.length} parts; SageMaker takes at most ${entries}`,
      'move arguments into a script',
    );
  command.forEach((part, i) => {
    if (Buffer.byteLength(part) > itemLength)
      problems.add(
        `${path}[${i}]`,
        `is longer than ${itemLength} bytes`,
        'move it into a script the command runs',
      );
    // SageMaker's API model gives entrypoint strings the pattern `.*`, matched whole: no line breaks.
    if (/[\r\n]/.test(part))
      problems.add(
        `${path}[${i}]`,
        'contains a line break, which SageMaker refuses',
        'move it into a script the command runs',
      );
  });
}
