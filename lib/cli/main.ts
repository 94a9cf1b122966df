#!/usr/bin/env node
/**
 * The `mlops` command (`mlops --help` says what each command does). Bad input exits 1 with a one-line reason
 * on stderr and prints nothing on stdout.
 */
import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ValidationError } from '../core/validation';
import { DIGEST_USAGE } from './digest';
import { CliError } from './errors';
import { HELP, PROMOTE_USAGE, RELEASE_USAGE, SYNTH_USAGE, USAGE, version } from './help';

// Each command loads its own modules when it runs (synth needs the Pulumi SDK, the others do not).
type Options = NonNullable<ParseArgsConfig['options']>;
const CWD: Options = { cwd: { type: 'string' } };
const JSON_OPT: Options = { json: { type: 'boolean' } };
const STACK: Options = { stack: { type: 'string', short: 's' } };

/** Every option of every command, to find the command whatever order the arguments come in. */
function allOptions(): Options {
  return {
    ...STACK,
    ...CWD,
    ...JSON_OPT,
    ...promoteOptions(),
    mocks: { type: 'string' },
    'show-secrets': { type: 'boolean' },
    file: { type: 'string' },
    expect: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
  };
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: allOptions() });
  } catch (err) {
    return fail(`${firstLine(err)}. ${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return print(HELP);
  if (values.version) return print(version());
  switch (positionals[0]) {
    case undefined:
      return fail(`no command given. ${USAGE}`);
    case 'synth':
      return synth(argv);
    case 'promote':
      return run(argv, PROMOTE_USAGE, promoteOptions(), 1, promoteCommand);
    case 'release':
      return releaseCommand(argv, positionals[1]);
    case 'digest':
      return run(argv, DIGEST_USAGE, { expect: { type: 'string' } }, 2, digestCommand);
    default:
      return fail(`unknown command "${positionals.join(' ')}". ${USAGE}`);
  }
}

type Parsed = { values: Record<string, string | boolean | undefined>; positionals: string[] };

/** Parses a command's own options (strictly: an option of another command is refused) and runs it. */
async function run(
  argv: string[],
  usage: string,
  options: Options,
  positionals: number,
  fn: (parsed: Parsed) => Promise<number> | number,
): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options }) as Parsed;
  } catch (err) {
    return fail(`${firstLine(err)}. usage: ${usage}`);
  }
  if (parsed.positionals.length !== positionals)
    return fail(
      `${parsed.positionals.length > positionals ? `unexpected "${parsed.positionals.slice(positionals).join(' ')}"` : 'missing arguments'}. usage: ${usage}`,
    );
  try {
    return await fn(parsed);
  } catch (err) {
    return fail(reason(err, false));
  }
}

function projectDir(values: Parsed['values']): string {
  return path.resolve(process.cwd(), (values.cwd as string | undefined) ?? '.');
}

function promoteOptions(): Options {
  return {
    from: { type: 'string' },
    to: { type: 'string' },
    policy: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'approved-by': { type: 'string' },
    'alarms-evidence': { type: 'string' },
    'alertmanager-url': { type: 'string' },
    'plan-out': { type: 'string' },
    ...CWD,
    ...JSON_OPT,
  };
}

async function promoteCommand({ values }: Parsed): Promise<number> {
  const { formatPromotion, promote, promotionJson } = await import('./promote');
  const missing = ['from', 'to'].filter((k) => !values[k]);
  if (missing.length > 0)
    throw new CliError(
      `${missing.map((m) => `--${m}`).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required. usage: ${PROMOTE_USAGE}`,
    );
  const cwd = process.cwd();
  // Files named on the command line are relative to where the command runs; --plan-out too.
  const fromCwd = (key: string) => (values[key] ? path.resolve(cwd, values[key] as string) : undefined);
  const result = await promote({
    projectDir: projectDir(values),
    from: values.from as string,
    to: values.to as string,
    policyFile: fromCwd('policy'),
    dryRun: values['dry-run'] === true,
    approvedBy: values['approved-by'] as string | undefined,
    alarmsEvidence: fromCwd('alarms-evidence'),
    alertmanagerUrl: values['alertmanager-url'] as string | undefined,
    planOut: fromCwd('plan-out'),
  });
  print(values.json ? JSON.stringify(promotionJson(result)) : formatPromotion(result, cwd));
  return result.exitCode;
}

async function releaseCommand(argv: string[], sub: string | undefined): Promise<number> {
  const { finishRelease, formatSet, formatShow, setRelease, showRelease } = await import('./release');
  switch (sub) {
    case 'show':
      return run(argv, RELEASE_USAGE, { ...STACK, ...CWD, ...JSON_OPT }, 2, ({ values }) => {
        const result = showRelease(projectDir(values), required(values, 'stack', RELEASE_USAGE));
        return print(
          values.json ? JSON.stringify({ ...result, release: result.release ?? null }) : formatShow(result),
        );
      });
    case 'set':
      return run(
        argv,
        RELEASE_USAGE,
        { ...STACK, ...CWD, file: { type: 'string' }, 'approved-by': { type: 'string' } },
        2,
        async ({ values }) => {
          const stack = required(values, 'stack', RELEASE_USAGE);
          const file = path.resolve(process.cwd(), required(values, 'file', RELEASE_USAGE));
          const result = await setRelease(projectDir(values), stack, file, {
            approvedBy: values['approved-by'] as string | undefined,
          });
          return print(formatSet(result, process.cwd()));
        },
      );
    case 'finish':
      return run(argv, RELEASE_USAGE, { ...STACK, ...CWD }, 2, ({ values }) => {
        const stack = required(values, 'stack', RELEASE_USAGE);
        const result = finishRelease(projectDir(values), stack);
        return print(
          result.removed === undefined
            ? `stack ${stack}: no mlops:stableRelease; nothing to finish, nothing was written`
            : `stack ${stack}: removed mlops:stableRelease from ${path.relative(process.cwd(), result.file) || result.file}; the next deploy serves only mlops:release`,
        );
      });
    default:
      return fail(
        `${sub === undefined ? 'release needs show, set or finish' : `unknown command "release ${sub}"`}. usage: ${RELEASE_USAGE}`,
      );
  }
}

async function digestCommand({ values, positionals }: Parsed): Promise<number> {
  const { formatDigestResult, runDigestCommand } = await import('./digest');
  const args = { path: positionals[1], expect: values.expect as string | undefined };
  const result = await runDigestCommand(args);
  const line = formatDigestResult(args, result);
  if (!result.ok) return fail(line);
  return print(line);
}

function required(values: Parsed['values'], key: string, usage: string): string {
  const value = values[key];
  if (typeof value !== 'string' || value === '') throw new CliError(`--${key} is required. usage: ${usage}`);
  return value;
}

async function synth(argv: string[]): Promise<number> {
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
      },
    });
  } catch (err) {
    return fail(`${firstLine(err)}. ${SYNTH_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) return fail(`unknown command "${positionals.join(' ')}". ${USAGE}`);
  if (!values.stack) return fail(`--stack is required. ${SYNTH_USAGE}`);

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
    const { synthStack, formatTree } = await import('./synth');
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

/** The one-line reason of a failure; `program`: the error came from running the user's Pulumi program. */
function reason(err: unknown, program = true): string {
  if (err instanceof CliError) return err.message;
  // The program may load its own copy of the library (TypeScript sources), so match by shape, not class.
  const invalid = err as Partial<ValidationError>;
  if (invalid?.name === 'ValidationError' && Array.isArray(invalid.problems)) {
    const problems = invalid.problems.map((p) => `${p.path}: ${p.message} (fix: ${p.fix})`);
    const what =
      invalid.construct === 'Release'
        ? `${invalid.resourceName} is not a valid release`
        : `${invalid.construct} "${invalid.resourceName}" has invalid arguments`;
    return `${what}: ${problems.join('; ')}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return program ? `the program failed: ${message.split('\n')[0]}` : message.split('\n')[0];
}

const firstLine = (err: unknown) => (err as Error).message.split('\n')[0];

function print(text: string): 0 {
  process.stdout.write(`${text}\n`);
  return 0;
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
  process.stderr.write(`mlops: ${reason(err, false)}\n`);
  exit(1);
});
