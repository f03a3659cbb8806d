// The CLI is a thin shell over the programmatic API: commander parses, commands call the API,
// and this file maps errors to messages and exit codes.
import { Command, CommanderError } from 'commander';
import { DefinitionError, StoppedError, isSagesimError } from '../errors.js';
import { FILE_SYSTEM_ERRNO, exitCodeOf, isFileSystemError } from '../errors/exit-code-of.js';
import { type CliIo, EXIT, ExitCode } from './cli-io.js';
import { COMMANDS } from './commands/index.js';
import { formatProblems } from './format-problems.js';
import { withInvocation } from './invocation.js';

export { detectInvocation } from './invocation.js';

export async function runCli(argv: readonly string[], given: CliIo): Promise<number> {
  const invocation = given.invocation ?? 'sagesim';
  const io: CliIo = { ...given, stdout: withInvocation(given.stdout, invocation), stderr: withInvocation(given.stderr, invocation) };
  const program = new Command('sagesim')
    .description('Run Amazon SageMaker Pipelines definitions locally, each job step in a real Docker container.')
    .version(VERSION)
    .option('--debug', 'print stack traces of unexpected errors')
    .option('--home <dir>', 'sagesim home: executions, logs, models, S3 data (default .sagesim, or SAGESIM_HOME)')
    .option('--config <file>', 'config file (default ./sagesim.config.json)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError('hint: run `sagesim --help` for the commands, `sagesim <command> --help` for their options');
  for (const module of COMMANDS) module.register(program, io);
  for (const command of program.commands) nameHelpInHint(command, 'sagesim');
  program.hook('preAction', (_program, action) => passGlobalOptions(program, action));

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    return reportError(error, io, program.opts<{ debug?: boolean }>().debug === true || io.env['SAGESIM_DEBUG'] === '1');
  }
}

/**
 * Global options go before or after the command (`sagesim --home x ls`, `sagesim ls --home x`), as
 * with aws, kubectl and docker. Commander gives them to the program wherever they stand; the
 * command that declares them gets them from there.
 */
function passGlobalOptions(program: Command, action: Command): void {
  for (const name of GLOBAL_OPTIONS) {
    const value: unknown = program.getOptionValue(name);
    if (value === undefined || action.getOptionValue(name) !== undefined) continue;
    if (action.options.some((option) => option.attributeName() === name)) action.setOptionValue(name, value);
  }
}

const GLOBAL_OPTIONS = ['home', 'config'] as const;

/** A usage error in a command points at that command's own help (`sagesim images build --help`). */
function nameHelpInHint(command: Command, parent: string): void {
  const invocation = `${parent} ${command.name()}`;
  command.showHelpAfterError(`hint: run \`${invocation} --help\` for its ${command.commands.length > 0 ? 'commands' : 'options'}`);
  for (const sub of command.commands) nameHelpInHint(sub, invocation);
}

function reportError(error: unknown, io: CliIo, debug: boolean): number {
  if (error instanceof ExitCode) return error.code;
  if (error instanceof CommanderError) {
    // Commander already printed the message (or help/version, which exit 0).
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  const exit = exitCodeOf(error);
  if (error instanceof DefinitionError) {
    // Invalid input, like a bad flag: nothing ran (a script can tell it from a failed execution);
    // a run refused by its preflight (PreflightError) likewise.
    io.stderr.write(formatProblems(`error: ${error.message}`, error.problems));
  } else if (error instanceof StoppedError) {
    // Ctrl-C before the execution existed (starting S3, seeding, building images): nothing ran.
    io.stderr.write(`stopped: ${error.message}\n`);
  } else if (isSagesimError(error)) {
    io.stderr.write(`error: ${error.message}\n`);
    if (error.hint) io.stderr.write(`hint: ${error.hint}\n`);
    if (debug && error.source !== 'user' && error.stack) io.stderr.write(`${error.stack}\n`);
  } else if (isFileSystemError(error)) {
    io.stderr.write(`error: cannot ${error.syscall} ${error.path}: ${FILE_SYSTEM_ERRNO[error.code] ?? error.code} (${error.code})\n`);
    io.stderr.write(`hint: ${FILE_SYSTEM_HINT}\n`);
    if (debug && error.stack) io.stderr.write(`${error.stack}\n`);
  } else {
    io.stderr.write(`internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    else io.stderr.write('hint: run again with --debug for the stack trace, and please report it\n');
  }
  return exit;
}

const FILE_SYSTEM_HINT =
  'check that the path exists and is writable; sagesim keeps executions, logs and its S3 data under its home (--home or SAGESIM_HOME, default ./.sagesim)';

const VERSION = '0.1.0';
