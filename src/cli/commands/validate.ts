// `sagesim validate <file>`: every problem of a definition at once. Exit 0 valid, 1 invalid,
// 2 when the file is missing or not JSON.
import path from 'node:path';
import type { Command } from 'commander';
import type { ParameterValue, PipelineDefinition, PipelineStep } from '../../engine/definition-types.js';
import { parseParamAssignments } from '../../engine/parameters.js';
import { readParamsFile } from '../../app/params-file.js';
import type { PreflightReport } from '../../runtime/preflight.js';
import { validateDefinitionText } from '../../engine/load-definition.js';
import { readDefinitionText } from '../../app/definition-file.js';
import { type CliIo, EXIT, ExitCode } from '../cli-io.js';
import { formatProblems } from '../format-problems.js';
import { collect } from '../run-session.js';
import { configFromFlags } from '../store-flags.js';
import type { CommandModule } from './index.js';

interface ValidateFlags {
  readonly json?: boolean;
  readonly preflight?: boolean;
  readonly param: string[];
  readonly params?: string;
  readonly home?: string;
  readonly config?: string;
  readonly s3Endpoint?: string;
}

export const validateCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    program
      .command('validate')
      .description('check a pipeline definition (SDK definition() JSON or a DescribePipeline response) and list every problem')
      .argument('<file>', 'the pipeline definition JSON file')
      .option('--json', 'print the result as JSON')
      .option('--preflight', 'also check what a run needs (images mapped or present, inputs in S3, Lambda handlers, stubs, parameter values), as `run` does before starting; for CI')
      .option('--param <Name=Value>', 'with --preflight: a parameter value (repeatable)', collect, [])
      .option('--params <file>', 'with --preflight: parameter values from a JSON object file')
      .option('--home <dir>', 'with --preflight: sagesim home whose S3 holds the inputs (default .sagesim, or SAGESIM_HOME)')
      .option('--config <file>', 'with --preflight: config file (default ./sagesim.config.json)')
      .option('--s3-endpoint <url>', 'with --preflight: look for inputs in this S3 instead of the embedded one')
      .action(async (file: string, flags: ValidateFlags) => {
        await runValidate(file, flags, io);
      });
  },
};

async function runValidate(file: string, flags: ValidateFlags, io: CliIo): Promise<void> {
  const resolved = path.resolve(io.cwd, file);
  const result = validateDefinitionText(await readDefinitionText(resolved), file);
  // Preflight only for a valid definition: its problems would only repeat the definition's.
  const report = result.definition && flags.preflight ? await runPreflight(resolved, flags, io) : undefined;
  const ready = result.definition !== undefined && (report === undefined || report.problems.length === 0);
  if (flags.json) {
    const summary = result.definition ? summarize(result.definition) : undefined;
    const preflight = report ? { preflight: { ready: report.problems.length === 0, problems: report.problems, warnings: report.warnings } } : {};
    const shown = { valid: result.problems.length === 0, ...(summary ? { summary } : {}), problems: result.problems, warnings: result.warnings, ...preflight };
    io.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    // Invalid input (the definition, or what a run of it would need): 2, as a bad flag.
  if (!ready) throw new ExitCode(EXIT.usage);
    return;
  }
  if (result.definition) {
    io.stdout.write(`valid: ${summarize(result.definition).text}\n`);
    if (report) {
      const count = report.problems.length;
      if (count === 0) io.stdout.write('preflight: ready to run\n');
      else io.stdout.write(formatProblems(`preflight: ${count} problem${count === 1 ? '' : 's'} would stop a run`, report.problems));
      if (report.warnings.length > 0) io.stdout.write(formatProblems('preflight warnings (condition branches):', report.warnings));
    }
  } else {
    const count = result.problems.length;
    io.stdout.write(formatProblems(`invalid: ${file}: ${count} problem${count === 1 ? '' : 's'}`, result.problems));
  }
  const warnings = result.warnings.length;
  if (warnings > 0) io.stdout.write(formatProblems(`${warnings} warning${warnings === 1 ? '' : 's'}:`, result.warnings));
  // Invalid input (the definition, or what a run of it would need): 2, as a bad flag.
  if (!ready) throw new ExitCode(EXIT.usage);
}

async function runPreflight(file: string, flags: ValidateFlags, io: CliIo): Promise<PreflightReport> {
  const config = configFromFlags(flags, io, flags.s3Endpoint === undefined ? {} : { s3Endpoint: flags.s3Endpoint });
  const parameters: Record<string, ParameterValue> = {
    ...(flags.params === undefined ? {} : await readParamsFile(path.resolve(io.cwd, flags.params))),
    ...parseParamAssignments(flags.param),
  };
  // Loaded on use: it starts S3 and asks Docker, which plain `validate` never needs.
  const { preflightDefinitionFile } = await import('../../runtime/check-definition-file.js');
  return preflightDefinitionFile({ file, config, parameters });
}

/** Counts for the one-line summary: steps (and how many sit in condition branches), parameters. */
export function summarize(definition: PipelineDefinition): { steps: number; branchSteps: number; parameters: number; text: string } {
  let steps = 0;
  let branchSteps = 0;
  const visit = (list: readonly PipelineStep[], inBranch: boolean): void => {
    for (const step of list) {
      steps += 1;
      if (inBranch) branchSteps += 1;
      if (step.Type === 'Condition') {
        visit(step.Arguments.IfSteps ?? [], true);
        visit(step.Arguments.ElseSteps ?? [], true);
      }
    }
  };
  visit(definition.Steps, false);
  const parameters = definition.Parameters?.length ?? 0;
  const text =
    `pipeline with ${steps} step${steps === 1 ? '' : 's'}` +
    `${branchSteps ? ` (${branchSteps} in condition branches)` : ''}, ` +
    `${parameters} parameter${parameters === 1 ? '' : 's'}`;
  return { steps, branchSteps, parameters, text };
}
