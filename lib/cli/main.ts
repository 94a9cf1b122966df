#!/usr/bin/env node
/**
 * The `mlops` command. `mlops synth --stack NAME [--json] [--cwd DIR]` prints a stack's resources, offline.
 * Bad input exits non-zero with a one-line reason and prints nothing on stdout.
 */
import { parseArgs } from 'node:util';
import type { ValidationError } from '../core/validation';
import { CliError } from './stack-config';
import { formatTree, synthStack } from './synth';

const USAGE = 'usage: mlops synth --stack NAME [--json] [--cwd DIR]';

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
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return fail(`${(err as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals[0] !== 'synth' || positionals.length !== 1)
    return fail(`unknown command "${positionals.join(' ')}". ${USAGE}`);
  if (!values.stack) return fail(`--stack is required. ${USAGE}`);

  // Keep stray program output off stdout so --json prints exactly one JSON object.
  const log = console.log;
  console.log = (...args: unknown[]) => console.error(...args);
  let unhandled: unknown;
  process.on('unhandledRejection', (reason) => (unhandled ??= reason));
  try {
    const result = await synthStack(values.cwd ?? process.cwd(), values.stack);
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`mlops: ${reason(err)}\n`);
    process.exit(1);
  },
);
