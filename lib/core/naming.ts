/**
 * Naming rules per cloud, checked before anything is created so a name the cloud would refuse fails fast
 * with the rule spelled out instead of failing halfway through a deploy.
 */
import type { ProblemList } from './validation';

export interface NameRule {
  readonly pattern: RegExp;
  readonly maxLength: number;
  readonly minLength?: number;
  /** The rule in words, used as the fix in validation errors. */
  readonly description: string;
}

export const NAME_RULES = {
  /** SageMaker endpoints, models, pipelines, model package groups. */
  sagemaker: {
    pattern: /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/,
    maxLength: 63,
    description: 'use at most 63 letters, digits and hyphens, starting and ending with a letter or digit',
  },
  /** Cloud Run services: revision names add `-<version>` and must stay within 63 characters. */
  cloudRunService: {
    pattern: /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
    maxLength: 49,
    description:
      'use at most 49 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen',
  },
  /** Service account ids. */
  gcpServiceAccount: {
    pattern: /^[a-z]([-a-z0-9]*[a-z0-9])$/,
    maxLength: 30,
    minLength: 6,
    description: 'use 6 to 30 lowercase letters, digits and hyphens, starting with a letter',
  },
  /** Docker container, network and volume names. */
  docker: {
    pattern: /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/,
    maxLength: 128,
    description: 'use letters, digits, `_`, `.` and `-`, starting with a letter or digit',
  },
  /** Release versions: they become part of Cloud Run revision and container names. */
  version: {
    pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    maxLength: 13,
    description: 'use at most 13 lowercase letters, digits and hyphens (for example `v12` or `2024-06-01`)',
  },
} as const satisfies Record<string, NameRule>;

/** Returns a description of what is wrong with `name` under `rule`, or undefined when it is valid. */
export function nameProblem(name: string, rule: NameRule): string | undefined {
  if (name.length > rule.maxLength)
    return `"${name}" is ${name.length} characters, more than ${rule.maxLength}`;
  if (name.length < (rule.minLength ?? 1))
    return `"${name}" is ${name.length} characters, fewer than ${rule.minLength}`;
  if (!rule.pattern.test(name)) return `"${name}" is not a valid name here`;
  return undefined;
}

/**
 * Checks a release label (ModelEndpoint's `version`, a release's `version`): it becomes part of revision and
 * container names. A missing label is the shape check's to report.
 */
export function checkVersionLabel(problems: ProblemList, path: string, version: string | undefined): void {
  if (version === undefined) return;
  if (version === '') {
    problems.add(path, 'is required', 'give a release label such as `v1`');
    return;
  }
  const problem = nameProblem(version, NAME_RULES.version);
  if (problem) problems.add(path, problem, NAME_RULES.version.description);
}
