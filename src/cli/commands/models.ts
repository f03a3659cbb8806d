// `sagesim models ls [group]`, `sagesim models describe <arn>` and `sagesim models approve|reject
// <arn>`: the local model registry that RegisterModel steps write to.
import type { Command } from 'commander';
import { SagesimError } from '../../errors.js';
import { renderTable } from '../../history/table.js';
import { type ModelApprovalStatus, ModelRegistry, isModelApprovalStatus } from '../../mock-aws/model-registry.js';
import { formatTimestamp } from '../../history/format-time.js';
import type { CliIo } from '../cli-io.js';
import { type StoreFlags, configFromFlags } from '../store-flags.js';
import { STUBBED_STEPS_PROPERTY } from '../../steps/register-model-executor.js';
import type { CommandModule } from './index.js';

interface ListFlags extends StoreFlags {
  readonly status?: string;
  readonly json?: boolean;
}

interface DecideFlags extends StoreFlags {
  readonly description?: string;
}

export const modelsCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    const models = program.command('models').description('the local model registry: model packages registered by RegisterModel steps');
    withStore(
      models
        .command('ls')
        .description('list model package versions (all groups, or one), newest first')
        .argument('[group]', 'a model package group name or ARN')
        .option('--status <status>', 'only Approved, Rejected or PendingManualApproval versions')
        .option('--json', 'print ListModelPackages summaries as JSON (in its default order, oldest first)'),
    ).action(async (group: string | undefined, flags: ListFlags) => {
      await list(group, flags, io);
    });
    withStore(models.command('describe').description('print DescribeModelPackage as JSON').argument('<arn>', 'model package ARN (or <group>/<version>)')).action(
      async (arn: string, flags: StoreFlags) => {
        const described = await registryOf(flags, io).describeModelPackage(arn);
        io.stdout.write(`${JSON.stringify(described, null, 2)}\n`);
      },
    );
    for (const [name, status] of [
      ['approve', 'Approved'],
      ['reject', 'Rejected'],
    ] as const) {
      withStore(
        models
          .command(name)
          .description(`set a model package's ModelApprovalStatus to ${status}`)
          .argument('<arn>', 'model package ARN (or <group>/<version>)')
          .option('--description <text>', 'ApprovalDescription'),
      ).action(async (arn: string, flags: DecideFlags) => {
        await decide(arn, status, flags, io);
      });
    }
  },
};

function withStore(command: Command): Command {
  return command
    .option('--home <dir>', 'sagesim home holding the registry (default .sagesim, or SAGESIM_HOME)')
    .option('--config <file>', 'config file (default ./sagesim.config.json)');
}

function registryOf(flags: StoreFlags, io: CliIo): ModelRegistry {
  const config = configFromFlags(flags, io);
  return new ModelRegistry({ home: config.home, region: config.region, accountId: config.accountId });
}

async function list(group: string | undefined, flags: ListFlags, io: CliIo): Promise<void> {
  let status: ModelApprovalStatus | undefined;
  if (flags.status !== undefined) {
    if (!isModelApprovalStatus(flags.status)) {
      throw new SagesimError('INVALID_ARGUMENT', `--status must be Approved, Rejected or PendingManualApproval, got ${JSON.stringify(flags.status)}`, {
        source: 'user',
      });
    }
    status = flags.status;
  }
  const registry = registryOf(flags, io);
  const summaries = [];
  let nextToken: string | undefined;
  do {
    const page = await registry.listModelPackages({
      ...(group === undefined ? {} : { groupName: group }),
      ...(status === undefined ? {} : { approvalStatus: status }),
      ...(nextToken === undefined ? {} : { nextToken }),
    });
    summaries.push(...page.ModelPackageSummaryList);
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  if (flags.json) {
    io.stdout.write(`${JSON.stringify({ ModelPackageSummaryList: summaries }, null, 2)}\n`);
    return;
  }
  if (summaries.length === 0) {
    io.stdout.write(group === undefined ? 'no model packages registered yet\n' : `no model packages in group ${group}\n`);
    return;
  }
  // Newest first, local time, as every listing.
  const newestFirst = [...summaries].sort((a, b) => Date.parse(b.CreationTime) - Date.parse(a.CreationTime) || (b.ModelPackageVersion ?? 0) - (a.ModelPackageVersion ?? 0));
  const rows = newestFirst.map((p) => [p.ModelPackageGroupName, String(p.ModelPackageVersion), p.ModelApprovalStatus, formatTimestamp(p.CreationTime), p.ModelPackageArn]);
  // Packages registered by an execution with stubbed steps hold stand-ins: said beside each.
  const notes = await Promise.all(
    newestFirst.map(async (p) => {
      const stubbed = (await registry.describeModelPackage(p.ModelPackageArn)).CustomerMetadataProperties?.[STUBBED_STEPS_PROPERTY];
      return stubbed === undefined ? '' : `STUB: built on stubbed ${stubbed.split(',').join(', ')}`;
    }),
  );
  if (notes.some((note) => note !== '')) {
    io.stdout.write(renderTable(['GROUP', 'VERSION', 'STATUS', 'CREATED', 'ARN', 'NOTE'], rows.map((row, i) => [...row, notes[i] ?? ''])));
    return;
  }
  io.stdout.write(renderTable(['GROUP', 'VERSION', 'STATUS', 'CREATED', 'ARN'], rows));
}

async function decide(arn: string, status: ModelApprovalStatus, flags: DecideFlags, io: CliIo): Promise<void> {
  const updated = await registryOf(flags, io).updateModelPackage(arn, {
    ModelApprovalStatus: status,
    ...(flags.description === undefined ? {} : { ApprovalDescription: flags.description }),
  });
  io.stdout.write(`${updated.ModelPackageArn}: ${updated.ModelApprovalStatus}\n`);
}
