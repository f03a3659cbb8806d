// SelectiveExecutionConfig semantics: the selected steps run; the unselected steps upstream of them
// are not run, their results (properties, property files, condition outcomes) come from a source
// execution; unselected steps downstream of the selection, or beside it, do not run at all.
// The selection must hold every step on any path between two selected steps.
import { type ErrorCode, SagesimError } from '../errors.js';
import type { PipelineDefinition } from './definition-types.js';
import type { ExecutionRecord } from './execution-record.js';
import { buildGraph, type PipelineGraph } from './graph.js';
import type { ReuseSteps } from './scheduler.js';

/** The API's limit on SelectedSteps. */
export const MAX_SELECTED_STEPS = 50;

export interface SelectiveExecutionPlan {
  /** The steps that run, in the pipeline's topological order. */
  readonly selectedSteps: readonly string[];
  /** Unselected steps upstream of a selected one: their results are copied from the source. */
  readonly reusedSteps: readonly string[];
  /** Unselected steps that neither run nor are copied (downstream of the selection, or unrelated). */
  readonly notRunSteps: readonly string[];
  /** What `runPipeline` takes as `reuse` (undefined when nothing is copied). */
  readonly reuse: ReuseSteps | undefined;
}

export interface PlanSelectiveExecutionOptions {
  readonly definition: PipelineDefinition;
  /** The pipeline the new execution belongs to; the source must be an execution of it. */
  readonly pipelineName: string;
  /** Step names as the user gave them (duplicates are ignored). */
  readonly selectedSteps: readonly string[];
  /**
   * The reference execution. Required when a selected step has unselected upstream steps; it must
   * have ended Succeeded or Failed, as SageMaker requires.
   */
  readonly source?: ExecutionRecord;
}

/**
 * Checks a selection against the definition and the source execution and says what runs, what is
 * copied and what does not run. Throws SagesimError (source `user`) with one of the codes
 * `SELECTIVE_NO_STEPS`, `SELECTIVE_TOO_MANY_STEPS`, `SELECTIVE_UNKNOWN_STEPS`,
 * `SELECTIVE_STEPS_NOT_CONNECTED`, `SELECTIVE_SOURCE_REQUIRED`, `SELECTIVE_SOURCE_MISMATCH`,
 * `SELECTIVE_SOURCE_NOT_FINISHED`, `SELECTIVE_SOURCE_STEP_UNUSABLE`.
 */
export function planSelectiveExecution(options: PlanSelectiveExecutionOptions): SelectiveExecutionPlan {
  const graph = buildGraph(options.definition);
  const steps = [...graph.nodes.keys()];
  const wanted = [...new Set(options.selectedSteps.map((name) => name.trim()).filter((name) => name !== ''))];
  if (wanted.length === 0) {
    throw userError('SELECTIVE_NO_STEPS', 'select at least one step to run', `steps are: ${steps.join(', ')}`);
  }
  if (wanted.length > MAX_SELECTED_STEPS) {
    throw userError('SELECTIVE_TOO_MANY_STEPS', `${wanted.length} steps selected; SageMaker accepts at most ${MAX_SELECTED_STEPS}`, 'run the whole pipeline instead');
  }
  const unknown = wanted.filter((name) => !graph.nodes.has(name));
  if (unknown.length > 0) {
    throw userError('SELECTIVE_UNKNOWN_STEPS', `the pipeline has no step${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`, `steps are: ${steps.join(', ')}`);
  }

  const selected = new Set(wanted);
  const ancestors = reach(graph, wanted, (name) => graph.upstream(name));
  const descendants = reach(graph, wanted, (name) => graph.downstream(name));
  const missing = graph.order.filter((name) => !selected.has(name) && ancestors.has(name) && descendants.has(name));
  if (missing.length > 0) {
    const example = pathThrough(graph, selected, missing[0] as string);
    throw userError(
      'SELECTIVE_STEPS_NOT_CONNECTED',
      `the selection must include every step on a path between two selected steps; missing: ${missing.join(', ')}${example ? ` (${example.join(' -> ')})` : ''}`,
      `select them too: --steps ${graph.order.filter((name) => selected.has(name) || missing.includes(name)).join(',')}`,
    );
  }

  const reusedSteps = graph.order.filter((name) => !selected.has(name) && ancestors.has(name));
  const notRunSteps = graph.order.filter((name) => !selected.has(name) && !ancestors.has(name));
  const selectedSteps = graph.order.filter((name) => selected.has(name));
  const source = options.source;
  if (reusedSteps.length > 0 && !source) {
    throw userError(
      'SELECTIVE_SOURCE_REQUIRED',
      `the selected steps need the results of ${reusedSteps.join(', ')}, which are not selected: name the execution to take them from`,
      'give --from <execution id, ARN or unique prefix> (see `sagesim ls`)',
      'give run() `from`: an earlier result, or an execution id, ARN or unique prefix (`env.executions()` lists them)',
    );
  }
  if (source) checkSource(source, options.pipelineName, reusedSteps, graph, selected);
  return {
    selectedSteps,
    reusedSteps,
    notRunSteps,
    reuse: source && reusedSteps.length > 0 ? { execution: source, steps: reusedSteps } : undefined,
  };
}

function checkSource(source: ExecutionRecord, pipelineName: string, reused: readonly string[], graph: PipelineGraph, selected: ReadonlySet<string>): void {
  if (source.pipelineName.toLowerCase() !== pipelineName.toLowerCase()) {
    throw userError(
      'SELECTIVE_SOURCE_MISMATCH',
      `execution ${source.executionId} belongs to pipeline ${source.pipelineName}, not ${pipelineName}`,
      `pick an execution of ${pipelineName} (sagesim ls), or run with --pipeline-name ${source.pipelineName}`,
      `take \`from\` an execution of ${pipelineName} (\`env.executions()\` lists them), or run with \`pipelineName: '${source.pipelineName}'\``,
    );
  }
  if (source.status !== 'Succeeded' && source.status !== 'Failed') {
    throw userError(
      'SELECTIVE_SOURCE_NOT_FINISHED',
      `execution ${source.executionId} is ${source.status}; a selective execution takes its results from one that Succeeded or Failed`,
      source.status === 'Stopped' ? 'retry it (sagesim retry), or pick another execution' : 'wait for it to end',
      source.status === 'Stopped' ? 'retry it (`env.retry(result)`), or pick another execution' : undefined,
    );
  }
  const problems: string[] = [];
  for (const name of reused) {
    const step = source.steps.find((s) => s.stepName === name);
    const status = step?.status ?? 'absent';
    if (status === 'Succeeded') continue;
    const needs = graph.downstream(name).filter((next) => selected.has(next) || reused.includes(next));
    problems.push(`${name} (${status === 'absent' ? 'not in that execution' : status}${step?.skipReason ? `: ${step.skipReason}` : ''}) is needed by ${needs.join(', ')}`);
  }
  if (problems.length > 0) {
    throw userError(
      'SELECTIVE_SOURCE_STEP_UNUSABLE',
      `execution ${source.executionId} has no result to reuse for ${problems.length === 1 ? 'a step' : `${problems.length} steps`} the selection needs:\n  ${problems.join('\n  ')}`,
      'select those steps too, or pick a source execution where they succeeded',
    );
  }
}

/** Every step reachable from `start` (excluded) by repeatedly following `next`. */
function reach(graph: PipelineGraph, start: readonly string[], next: (name: string) => readonly string[]): Set<string> {
  const seen = new Set<string>();
  const queue = start.flatMap((name) => next(name));
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (seen.has(name) || !graph.nodes.has(name)) continue;
    seen.add(name);
    queue.push(...next(name));
  }
  return seen;
}

/** A path selected -> ... -> `through` -> ... -> selected, to show the user why a step is needed. */
function pathThrough(graph: PipelineGraph, selected: ReadonlySet<string>, through: string): string[] | undefined {
  const up = shortestPath(through, (name) => graph.upstream(name), (name) => selected.has(name));
  const down = shortestPath(through, (name) => graph.downstream(name), (name) => selected.has(name));
  if (!up || !down) return undefined;
  return [...up.reverse(), ...down.slice(1)];
}

function shortestPath(from: string, next: (name: string) => readonly string[], isGoal: (name: string) => boolean): string[] | undefined {
  const previous = new Map<string, string>();
  const queue = [from];
  const seen = new Set([from]);
  while (queue.length > 0) {
    const name = queue.shift() as string;
    if (name !== from && isGoal(name)) {
      const out = [name];
      for (let at = previous.get(name); at !== undefined; at = previous.get(at)) out.push(at);
      return out.reverse();
    }
    for (const following of next(name)) {
      if (seen.has(following)) continue;
      seen.add(following);
      previous.set(following, name);
      queue.push(following);
    }
  }
  return undefined;
}

/** `harnessHint`: the same advice in the words of `sagesim/testing`, where they differ. */
function userError(code: ErrorCode, message: string, hint: string, harnessHint?: string): SagesimError {
  return new SagesimError(code, message, { source: 'user', hint, ...(harnessHint === undefined ? {} : { harnessHint }) });
}
