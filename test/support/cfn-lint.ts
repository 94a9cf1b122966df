/**
 * Runs AWS's CloudFormation linter (`cfn-lint`, 1.x) over synthesized templates, in one process for all of
 * them, and returns its findings. It checks what CDK's built-in validator does not: values against the
 * resource specifications of the region, intrinsic functions, IAM policy documents, dependencies.
 */
import { requireTool, run } from './tools';

/** One finding of `cfn-lint --format json`. */
export interface CfnLintMatch {
  readonly Rule: { readonly Id: string; readonly Description: string };
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Filename: string;
  readonly Location: { readonly Path?: (string | number)[] };
}

/** The cfn-lint executable; throws with the install command when it is not on PATH. */
export function requireCfnLint(): string {
  return requireTool('cfn-lint', 'Install it into Python 3: `pip install cfn-lint==1.51.*`.');
}

/**
 * Lints `templates` (file paths) for `regions`; returns every finding, errors, warnings and informational.
 * cfn-lint exits with a bit mask of the levels it found (2 error, 4 warning, 8 informational); anything else
 * is a failure to run.
 */
export function cfnLint(templates: string[], regions: string[]): CfnLintMatch[] {
  const result = run(requireCfnLint(), ['--format', 'json', '--regions', ...regions, '--', ...templates]);
  if (result.status === null || (result.status & ~(2 | 4 | 8)) !== 0) {
    throw new Error(
      `cfn-lint failed to run (exit ${result.status}):\n${result.stderr}\n${result.stdout}`.trim(),
    );
  }
  return JSON.parse(result.stdout || '[]') as CfnLintMatch[];
}
