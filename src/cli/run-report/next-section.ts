// What to run next: the commands that show more of this execution, its logs, its models and its
// transform output, with the flags (--home ...) that point them at the same sagesim home.
import type { ExecutionRecord, StepRecord } from '../../engine/execution-record.js';
import { stepKind } from '../../engine/step-kinds.js';
import { failedSteps } from './failure-section.js';
import { type Layout, section } from './layout.js';
import { registeredModels } from './model-section.js';
import type { TransformOutput } from './transform-section.js';

export interface NextCommandsOptions {
  /** Flags every command needs to find this run's home, e.g. `--home /tmp/x`. @default '' */
  readonly storeFlags?: string;
  readonly transformOutputs?: readonly TransformOutput[];
}

export function nextSection(record: Readonly<ExecutionRecord>, layout: Layout, options: NextCommandsOptions = {}): string[] {
  // A remote execution's history and logs live in the cloud (or `sagesim serve`), not here.
  if (record.mode !== 'local') return [];
  const flags = options.storeFlags ? ` ${options.storeFlags}` : '';
  const id = record.executionId;
  const commands: [string, string][] = [[`sagesim show ${id}${flags}`, 'every step: arguments, properties, outputs']];
  const logStep = stepToRead(record);
  if (logStep) commands.push([`sagesim logs ${id} ${quote(logStep.stepName)}${flags}`, `the container output of ${logStep.stepName}`]);
  const models = registeredModels(record);
  for (const group of new Set(models.flatMap((model) => (model.group === undefined ? [] : [model.group])))) {
    commands.push([`sagesim models ls ${quote(group)}${flags}`, 'the versions of the model package group']);
  }
  for (const model of models.filter((m) => m.approvalStatus === 'PendingManualApproval')) {
    // `<group>/<version>` names the same package as its ARN, and fits on a line.
    const name = model.group !== undefined && model.version !== undefined ? `${model.group}/${model.version}` : model.arn;
    commands.push([`sagesim models approve ${quote(name)}${flags}`, 'approve the registered model']);
  }
  for (const output of options.transformOutputs ?? []) {
    commands.push([`sagesim s3 ls ${output.uri}${flags}`, 'the batch transform output']);
    const first = output.objects?.[0];
    if (first) commands.push([`sagesim s3 cat ${first.uri}${flags}`, 'its predictions']);
  }
  const commandWidth = Math.max(...commands.map(([command]) => command.length));
  // Explanations go beside the commands when they fit, else they are left out: the commands matter.
  const withNotes = 2 + commandWidth + 2 + Math.max(...commands.map(([, note]) => note.length)) <= layout.width;
  const lines = commands.map(([command, note]) => (withNotes ? `  ${command.padEnd(commandWidth)}  ${layout.style.dim(note)}` : `  ${command}`));
  return section('Next', lines, layout);
}

/** Steps whose log holds a container's output (a Fail or Condition step's log says little). */
const runsContainer = (step: StepRecord): boolean => stepKind(step.stepType).container;

/**
 * The step whose log a user most likely wants: the first failed job, else the first training,
 * else the first job that ran here; none when every job was a cache hit (no container ran).
 */
function stepToRead(record: Readonly<ExecutionRecord>): StepRecord | undefined {
  const failed = failedSteps(record).find((step) => step.logFile !== undefined && runsContainer(step));
  if (failed) return failed;
  const withOutput = record.steps.filter((step) => step.logFile !== undefined && runsContainer(step));
  return withOutput.find((step) => step.stepType === 'Training' || step.stepType === 'Tuning') ?? withOutput[0];
}

/** Step and group names are usually shell-safe; quote the ones that are not. */
function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
