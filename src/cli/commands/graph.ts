// `sagesim graph <file> [--format text|mermaid|dot]`: the steps and their dependencies, with
// condition branches labelled True / False.
import path from 'node:path';
import type { Command } from 'commander';
import { SagesimError } from '../../errors.js';
import { buildGraph } from '../../engine/graph.js';
import { GRAPH_FORMATS, type GraphFormat, renderGraph } from '../../engine/graph-render.js';
import { parseDefinition } from '../../engine/load-definition.js';
import { readDefinitionText } from '../../app/definition-file.js';
import type { CliIo } from '../cli-io.js';
import type { CommandModule } from './index.js';

interface GraphFlags {
  readonly format: string;
  readonly json?: boolean;
}

export const graphCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    program
      .command('graph')
      .description('print the pipeline as a graph of steps (text, Mermaid or Graphviz DOT)')
      .argument('<file>', 'the pipeline definition JSON file')
      .option('-f, --format <format>', `output format: ${GRAPH_FORMATS.join(', ')}`, 'text')
      .option('--json', 'the same as --format json: steps with their upstream steps, and the edges')
      .action(async (file: string, flags: GraphFlags) => {
        const format = GRAPH_FORMATS.find((f) => f === (flags.json ? 'json' : flags.format));
        if (!format) {
          throw new SagesimError('INVALID_ARGUMENT', `unknown graph format "${flags.format}"`, {
            source: 'user',
            hint: `use --format ${GRAPH_FORMATS.join(', --format ')}`,
          });
        }
        await printGraph(file, format, io);
      });
  },
};

async function printGraph(file: string, format: GraphFormat, io: CliIo): Promise<void> {
  const definition = parseDefinition(await readDefinitionText(path.resolve(io.cwd, file)), file);
  io.stdout.write(renderGraph(buildGraph(definition), format));
}
