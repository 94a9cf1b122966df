#!/usr/bin/env node
/**
 * The `mlops` command (`mlops --help` says what each command does). Bad input exits 1 with a one-line reason
 * on stderr and prints nothing on stdout.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { ValidationError } from '../core/validation';
import { CliError } from './errors';
import { HELP, USAGE, version } from './help';
import { formatTree, synthStack } from './synth';

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        stack: { type: 'string', short: 's' },
        json: { type: 'boolean' },
        cwd: { type: 'string' },
        mocks: { type: 'string' },
        'show-secrets': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    return fail(`${(err as Error).message.split('\n')[0]}. ${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (positionals[0] !== 'synth' || positionals.length !== 1)
    return fail(
      `${positionals.length === 0 ? 'no command given' : `unknown command "${positionals.join(' ')}"`}. ${USAGE}`,
    );
  if (!values.stack) return fail(`--stack is required. ${USAGE}`);

  // Keep stray program output off stdout so --json prints exactly one JSON object.
  const log = console.log;
  console.log = (...args: unknown[]) => console.error(...args);
  let unhandled: unknown;
  process.on('unhandledRejection', (reason) => (unhandled ??= reason));
  try {
    const cwd = process.cwd();
    const dir = path.resolve(cwd, values.cwd ?? '.');
    // The program runs in its project folder, as under the Pulumi CLI; --mocks is relative to where we started.
    const mocks = values.mocks === undefined ? undefined : path.resolve(cwd, values.mocks);
    process.chdir(dir);
    const result = await synthStack(dir, values.stack, { mocks, showSecrets: values['show-secrets'] });
    if (unhandled) throw unhandled;
    console.log = log;
    process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${formatTree(result)}\n`);
    return 0;
  } catch (err) {
    console.log = log;
    return fail(reason(err));
  }
}

function reason(err: unknown): string {
  if (err instanceof CliError) return err.message;
  // The program may load its own copy of the library (TypeScript sources), so match by shape, not class.
  const invalid = err as Partial<ValidationError>;
  if (invalid?.name === 'ValidationError' && Array.isArray(invalid.problems)) {
    const problems = invalid.problems.map((p) => `${p.path}: ${p.message} (fix: ${p.fix})`);
    return `${invalid.construct} "${invalid.resourceName}" has invalid arguments: ${problems.join('; ')}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `the program failed: ${message.split('\n')[0]}`;
}

function fail(message: string): number {
  process.stderr.write(`mlops: ${message}\n`);
  return 1;
}

/** Exits once stdout and stderr are flushed: output to a pipe is written asynchronously. */
function exit(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv.slice(2)).then(exit, (err) => {
  process.stderr.write(`mlops: ${reason(err)}\n`);
  exit(1);
});
