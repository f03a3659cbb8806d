// `sagesim validate <file>`: every problem of a definition at once. Exit 0 valid, 1 invalid,
// 2 when the file is missing or not JSON.
import path from 'node:path';
import type { Command } from 'commander';
import type { PipelineDefinition, PipelineStep } from '../../engine/definition-types.js';
import { readDefinitionText, validateDefinitionText } from '../../engine/load-definition.js';
import { type CliIo, EXIT, ExitCode } from '../cli-io.js';
import { formatProblems } from '../format-problems.js';
import type { CommandModule } from './index.js';

interface ValidateFlags {
  readonly json?: boolean;
}

export const validateCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    program
      .command('validate')
      .description('check a pipeline definition (SDK definition() JSON or a DescribePipeline response) and list every problem')
      .argument('<file>', 'the pipeline definition JSON file')
      .option('--json', 'print the result as JSON')
      .action(async (file: string, flags: ValidateFlags) => {
        await runValidate(file, flags, io);
      });
  },
};

async function runValidate(file: string, flags: ValidateFlags, io: CliIo): Promise<void> {
  const resolved = path.resolve(io.cwd, file);
  const result = validateDefinitionText(await readDefinitionText(resolved), file);
  if (flags.json) {
    const summary = result.definition ? summarize(result.definition) : undefined;
    const shown = { valid: result.problems.length === 0, ...(summary ? { summary } : {}), problems: result.problems, warnings: result.warnings };
    io.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    if (!result.definition) throw new ExitCode(EXIT.failed);
    return;
  }
  if (result.definition) {
    io.stdout.write(`valid: ${summarize(result.definition).text}\n`);
  } else {
    const count = result.problems.length;
    io.stdout.write(formatProblems(`invalid: ${file}: ${count} problem${count === 1 ? '' : 's'}`, result.problems));
  }
  const warnings = result.warnings.length;
  if (warnings > 0) io.stdout.write(formatProblems(`${warnings} warning${warnings === 1 ? '' : 's'}:`, result.warnings));
  if (!result.definition) throw new ExitCode(EXIT.failed);
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
