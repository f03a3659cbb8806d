// `sagesim inputs <definition>`: what a pipeline needs in S3 before it runs (URIs it reads that
// no step writes), what it writes, and which local image each of its images runs as. How a user
// brings their own pipeline: place what it lists, then `validate --preflight`, then `run`.
import path from 'node:path';
import type { Command } from 'commander';
import type { ParameterValue } from '../../engine/definition-types.js';
import { parseParamAssignments } from '../../engine/parameters.js';
import { readParamsFile } from '../../app/params-file.js';
import { renderTable } from '../../history/table.js';
import type { PipelineInputs } from '../../runtime/check-definition-file.js';
import type { CliIo } from '../cli-io.js';
import { collect } from '../run-session.js';
import { configFromFlags } from '../store-flags.js';
import type { CommandModule } from './index.js';

interface InputsFlags {
  readonly json?: boolean;
  readonly param: string[];
  readonly params?: string;
  readonly config?: string;
}

export const inputsCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    program
      .command('inputs')
      .description('list what a pipeline reads that no step writes (what to seed in S3), what it writes, and the local image of each image URI')
      .argument('<file>', 'the pipeline definition JSON file')
      .option('--param <Name=Value>', 'a parameter value (repeatable); others take their defaults', collect, [])
      .option('--params <file>', 'parameter values from a JSON object file')
      .option('--config <file>', 'config file with image mappings (default ./sagesim.config.json)')
      .option('--json', 'print the lists as JSON')
      .action(async (file: string, flags: InputsFlags) => {
        const config = configFromFlags(flags, io);
        const parameters: Record<string, ParameterValue> = {
          ...(flags.params === undefined ? {} : await readParamsFile(path.resolve(io.cwd, flags.params))),
          ...parseParamAssignments(flags.param),
        };
        // Loaded on use, as every command's heavy parts are (see the README's development notes).
        const { pipelineInputs } = await import('../../runtime/check-definition-file.js');
        const result = await pipelineInputs({ file: path.resolve(io.cwd, file), config, parameters });
        io.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : formatInputs(result));
      });
  },
};

export function formatInputs(result: PipelineInputs): string {
  const out: string[] = [];
  out.push(`Seed before running (read, and no step writes them)${result.manifest ? `; ${path.basename(result.manifest)} beside the definition places those marked` : ''}:`);
  if (result.seed.length === 0) out.push('  nothing: every input is written by a step');
  else out.push(indent(renderTable(['URI', 'KIND', 'STEP', 'PLACED'], result.seed.map((r) => [r.uri, r.kind, r.step, r.placedByManifest ? 'manifest' : '-']))));
  out.push('', 'Written by steps ({...} is known only at run time):');
  if (result.writes.length === 0) out.push('  nothing');
  else out.push(indent(renderTable(['URI', 'STEP'], result.writes.map((w) => [w.uri, w.step]))));
  out.push('', 'Images:');
  if (result.images.length === 0) out.push('  none');
  else out.push(indent(renderTable(['IMAGE', 'STEP', 'RUNS AS'], result.images.map((i) => [i.uri, i.step, i.local ? `${i.local} (${i.mappedBy ?? ''})` : (i.mappedBy ?? 'NOT MAPPED: add it to "images" in sagesim.config.json')]))));
  out.push('', 'Then: place the inputs (`sagesim s3 cp`, or a manifest.json beside the definition), check with `sagesim validate --preflight <definition>`, and run.');
  return `${out.join('\n')}\n`;
}

function indent(table: string): string {
  return table
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
