// `sagesim rm <execution...>` and `sagesim prune`: remove executions, their logs, reproductions,
// step-cache entries and the S3 objects they wrote (see history/remove-executions.ts for what is
// and is not touched). Both show what goes and ask first; --force skips the question (needed
// without a terminal), --dry-run only shows.
import type { Command } from 'commander';
import { FileExecutionStore } from '../../store/file-execution-store.js';
import type { ExecutionRecord } from '../../engine/execution-record.js';
import { SagesimError } from '../../errors.js';
import { type RemovalPlan, applyRemoval, planRemoval } from '../../history/remove-executions.js';
import type { CliIo } from '../cli-io.js';
import { configFromFlags } from '../store-flags.js';
import type { CommandModule } from './index.js';
import { ask } from '../ask.js';

interface RemoveFlags {
  readonly home?: string;
  readonly config?: string;
  readonly force?: boolean;
  readonly dryRun?: boolean;
  readonly keepS3?: boolean;
}

interface PruneFlags extends RemoveFlags {
  readonly olderThan?: string;
  readonly keep?: string;
  readonly status?: string;
}

const FINISHED = ['Succeeded', 'Failed', 'Stopped'] as const;

export const rmCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    withRemovalOptions(
      program
        .command('rm')
        .description('remove executions: their record, logs, reproductions, cache entries and the S3 objects they wrote')
        .argument('<execution...>', 'execution ids, ARNs or unique prefixes (see `sagesim ls`)'),
    ).action(async (references: string[], flags: RemoveFlags) => {
      const config = configFromFlags(flags, io);
      const store = new FileExecutionStore({ home: config.home });
      const records: ExecutionRecord[] = [];
      for (const reference of references) records.push(await store.find(reference));
      const running = records.filter((record) => record.status === 'Executing');
      if (running.length > 0) {
        throw new SagesimError('EXECUTION_RUNNING', `cannot remove ${running.map((r) => r.executionId).join(', ')}: still Executing`, {
          source: 'user',
          hint: 'stop it first (Ctrl-C in its terminal, or StopPipelineExecution through `sagesim serve`)',
        });
      }
      await remove(records, flags, io);
    });
    withRemovalOptions(
      program
        .command('prune')
        .description('remove finished executions (all, or by age, status, or keeping the newest), with their logs, cache entries and S3 objects')
        .option('--older-than <age>', 'only executions started longer ago than this: 30m, 12h, 7d')
        .option('--keep <n>', 'keep the newest n finished executions')
        .option('--status <status>', `only executions with this status: ${FINISHED.join(', ')}`),
    ).action(async (flags: PruneFlags) => {
      const config = configFromFlags(flags, io);
      const store = new FileExecutionStore({ home: config.home });
      await remove(selectForPrune(await store.list(), flags, new Date()), flags, io);
    });
  },
};

function withRemovalOptions(command: Command): Command {
  return command
    .option('-f, --force', 'do not ask (needed without a terminal)')
    .option('--dry-run', 'show what would be removed, remove nothing')
    .option('--keep-s3', 'leave the S3 objects the executions wrote')
    .option('--home <dir>', 'sagesim home holding executions (default .sagesim, or SAGESIM_HOME)')
    .option('--config <file>', 'config file (default ./sagesim.config.json)');
}

/** Finished executions (newest first, as the store lists them) that the prune flags select. */
export function selectForPrune(records: readonly ExecutionRecord[], flags: Pick<PruneFlags, 'olderThan' | 'keep' | 'status'>, now: Date): ExecutionRecord[] {
  const status = flags.status;
  if (status !== undefined && !(FINISHED as readonly string[]).includes(status)) {
    throw new SagesimError('INVALID_ARGUMENT', `--status must be one of ${FINISHED.join(', ')}, got ${JSON.stringify(status)}`, { source: 'user', hint: 'running executions are never pruned' });
  }
  const keep = flags.keep === undefined ? 0 : Number(flags.keep);
  if (!Number.isSafeInteger(keep) || keep < 0) throw new SagesimError('INVALID_ARGUMENT', `--keep must be a whole number, got ${JSON.stringify(flags.keep)}`, { source: 'user', hint: 'e.g. --keep 10' });
  const maxAge = flags.olderThan === undefined ? undefined : parseAge(flags.olderThan);
  const finished = records.filter((record) => record.status !== 'Executing');
  return finished
    .slice(keep)
    .filter((record) => status === undefined || record.status === status)
    .filter((record) => maxAge === undefined || now.getTime() - Date.parse(record.startTime) > maxAge);
}

/** `90s`, `30m`, `12h`, `7d` in milliseconds. */
export function parseAge(text: string): number {
  const match = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (!match) throw new SagesimError('INVALID_ARGUMENT', `--older-than must be a number and a unit (s, m, h, d), got ${JSON.stringify(text)}`, { source: 'user', hint: 'e.g. --older-than 7d' });
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

async function remove(records: readonly ExecutionRecord[], flags: RemoveFlags, io: CliIo): Promise<void> {
  if (records.length === 0) {
    io.stdout.write('nothing to remove\n');
    return;
  }
  const config = configFromFlags(flags, io);
  const needsS3 = flags.keepS3 !== true && records.some((record) => record.mode === 'local');
  // The AWS SDK loads on use.
  await using objectStore = needsS3 ? await (await import('../../mock-aws/s3-client.js')).createObjectStore(config) : undefined;
  const context = { home: config.home, ...(objectStore ? { objectStore } : {}) };
  const plans: RemovalPlan[] = [];
  for (const record of records) plans.push(await planRemoval(record, context));
  io.stdout.write(describePlans(plans, records, flags.dryRun === true));
  if (flags.dryRun) return;
  if (!flags.force) {
    const interactive = io.stdin !== undefined && (io.stdin as { isTTY?: boolean }).isTTY === true && io.stdout.isTTY === true;
    if (!interactive) {
      throw new SagesimError('CONFIRMATION_NEEDED', `not removing ${plans.length} execution${plans.length === 1 ? '' : 's'} without a confirmation`, {
        source: 'user',
        hint: 'pass --force to remove them (or --dry-run to only list them)',
      });
    }
    if (!/^y(es)?$/i.test((await ask(io, 'Remove them? [y/N] ')).trim())) {
      io.stdout.write('nothing removed\n');
      return;
    }
  }
  await applyRemoval(plans, context);
  const objects = plans.reduce((sum, plan) => sum + plan.objects.length, 0);
  io.stdout.write(`removed ${plans.length} execution${plans.length === 1 ? '' : 's'}${objects > 0 ? ` and ${objects} S3 object${objects === 1 ? '' : 's'}` : ''}\n`);
}

function describePlans(plans: readonly RemovalPlan[], records: readonly ExecutionRecord[], dryRun: boolean): string {
  const lines = [`${dryRun ? 'would remove' : 'to remove'}:`];
  plans.forEach((plan, index) => {
    const record = records[index];
    lines.push(`  ${plan.executionId}  ${record?.pipelineName ?? ''}  ${record?.status ?? ''}  ${plan.objects.length} S3 object${plan.objects.length === 1 ? '' : 's'}`);
    if (dryRun) for (const uri of plan.objects) lines.push(`    ${uri}`);
  });
  return `${lines.join('\n')}\n`;
}
