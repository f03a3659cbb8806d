// `sagesim ls`: the executions in the store, newest first.
import type { Command } from 'commander';
import { stubbedSteps } from '../../engine/execution-record.js';
import { FileExecutionStore } from '../../store/file-execution-store.js';
import { toDescribePipelineExecution } from '../../engine/run-record-json.js';
import { SagesimError } from '../../errors.js';
import { formatExecutionList } from '../../history/format-execution-list.js';
import type { CliIo } from '../cli-io.js';
import { configFromFlags } from '../store-flags.js';
import type { CommandModule } from './index.js';

interface LsFlags {
  readonly home?: string;
  readonly config?: string;
  readonly pipeline?: string;
  readonly limit?: string;
  readonly json?: boolean;
}

export const lsCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    program
      .command('ls')
      .description('list executions, newest first (id, pipeline, status, start, duration)')
      .option('--pipeline <name>', 'only executions of this pipeline')
      .option('--limit <n>', 'at most this many executions')
      .option('--json', 'print them as JSON (DescribePipelineExecution shapes)')
      .option('--home <dir>', 'sagesim home holding executions (default .sagesim, or SAGESIM_HOME)')
      .option('--config <file>', 'config file (default ./sagesim.config.json)')
      .action(async (flags: LsFlags) => {
        const config = configFromFlags(flags, io);
        const store = new FileExecutionStore({ home: config.home });
        let records = await store.list();
        if (flags.pipeline !== undefined) records = records.filter((record) => record.pipelineName.toLowerCase() === flags.pipeline?.toLowerCase());
        if (flags.limit !== undefined) records = records.slice(0, parseLimit(flags.limit));
        if (flags.json) io.stdout.write(`${JSON.stringify(records.map((record) => ({ ExecutionId: record.executionId, PipelineName: record.pipelineName, ...toDescribePipelineExecution(record), ...(record.endTime ? { EndTime: record.endTime } : {}), StubbedSteps: stubbedSteps(record) })), null, 2)}\n`);
        else io.stdout.write(formatExecutionList(records, io.env['TZ'] ? { timeZone: io.env['TZ'] } : {}));
      });
  },
};

function parseLimit(raw: string): number {
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new SagesimError('INVALID_ARGUMENT', `--limit must be a whole number of at least 1, got ${JSON.stringify(raw)}`, { source: 'user', hint: 'e.g. --limit 20' });
  }
  return value;
}
