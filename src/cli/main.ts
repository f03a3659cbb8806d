// The CLI is a thin shell over the programmatic API: commander parses, commands call the API,
// and this file maps errors to messages and exit codes.
import { Command, CommanderError } from 'commander';
import { isSagesimError } from '../errors.js';
import { DefinitionError } from '../errors.js';
import { type CliIo, EXIT, ExitCode } from './cli-io.js';
import { COMMANDS } from './commands/index.js';
import { formatProblems } from './format-problems.js';

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = new Command('sagesim')
    .description('Run Amazon SageMaker Pipelines definitions locally, each job step in a real Docker container.')
    .version(VERSION)
    .option('--debug', 'print stack traces of unexpected errors')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError('(run `sagesim <command> --help` for usage)');
  for (const module of COMMANDS) module.register(program, io);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    return reportError(error, io, program.opts<{ debug?: boolean }>().debug === true || io.env['SAGESIM_DEBUG'] === '1');
  }
}

function reportError(error: unknown, io: CliIo, debug: boolean): number {
  if (error instanceof ExitCode) return error.code;
  if (error instanceof CommanderError) {
    // Commander already printed the message (or help/version, which exit 0).
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof DefinitionError) {
    io.stderr.write(formatProblems(error.message, error.problems));
    return EXIT.failed;
  }
  if (isSagesimError(error)) {
    io.stderr.write(`error: ${error.message}\n`);
    if (error.hint) io.stderr.write(`hint: ${error.hint}\n`);
    if (debug && error.source !== 'user' && error.stack) io.stderr.write(`${error.stack}\n`);
    return error.source === 'user' ? EXIT.usage : EXIT.failed;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`internal error: ${message}\n`);
  if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  else io.stderr.write('hint: run again with --debug for the stack trace, and please report it\n');
  return EXIT.internal;
}

const VERSION = '0.1.0';
