/**
 * Finding the external validators the tests run (Terraform, cfn-lint). A missing tool fails the test that
 * needs it with the fix: these validators are part of `npm test`, never skipped.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';

/** The absolute path of `name` on PATH; throws with the install hint when it is not there. */
export function requireTool(name: string, install: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    throw new Error(
      `${name} is not on PATH: this validator is part of npm test and cannot be skipped. ${install}`,
    );
  }
  return path;
}

/** Runs a command to completion and returns its output; throws with its stderr when it cannot start. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: options.timeoutMs ?? 300_000,
  });
  if (result.error) throw new Error(`${command} ${args.join(' ')} could not run: ${result.error.message}`);
  return result;
}

/** Throws with the command's output when it exited non-zero. */
export function check(result: SpawnSyncReturns<string>, what: string): SpawnSyncReturns<string> {
  if (result.status !== 0) {
    throw new Error(`${what} failed (exit ${result.status}):\n${result.stderr}\n${result.stdout}`.trim());
  }
  return result;
}
