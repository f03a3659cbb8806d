// Selective execution (SelectiveExecutionConfig): which steps run, which reuse the source's
// results, which do not run, and the errors a bad selection gets.
import { describe, expect, it } from 'vitest';
import type { PipelineStep } from '../../src/engine/definition-types.js';
import type { ExecutionRecord } from '../../src/engine/execution-record.js';
import { toDescribePipelineExecution } from '../../src/engine/run-record-json.js';
import { planSelectiveExecution } from '../../src/engine/selective-execution.js';
import { isSagesimError } from '../../src/errors.js';
import { conditionStep, definition, failStep, processingStep, run, statuses, stepOf, testRun, trainingStep } from './support/pipeline-builders.js';

/** The housing pipeline's shape: Preprocess -> Train -> Evaluate -> Check -> (Register, CreateModel -> Transform) | Fail. */
function housingLike(): PipelineStep[] {
  return [
    processingStep('Preprocess'),
    trainingStep('Train', { dependsOn: ['Preprocess'] }),
    processingStep('Evaluate', { dependsOn: ['Train'] }),
    conditionStep(
      'Check',
      [{ Type: 'LessThanOrEqualTo', LeftValue: 1, RightValue: 2 }],
      [trainingStep('Register'), trainingStep('CreateModel'), trainingStep('Transform', { dependsOn: ['CreateModel'] })],
      [failStep('TooBad', 'MSE too high')],
      ['Evaluate'],
    ),
  ];
}

const def = definition(housingLike());

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isSagesimError(error) ? error.code : `not a SagesimError: ${String(error)}`;
  }
  return undefined;
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

async function sourceRun(options: { failAt?: string } = {}): Promise<{ env: ReturnType<typeof testRun>; source: ExecutionRecord }> {
  const env = testRun();
  const source = await run(def, env, { stubs: { all: true, steps: options.failAt ? { [options.failAt]: { fail: { reason: 'broken script' } } } : {} } });
  return { env, source };
}

describe('planning a selective execution', () => {
  it('runs the selection, reuses the unselected steps upstream of it, and does not run those downstream', async () => {
    const { source } = await sourceRun();
    const plan = planSelectiveExecution({ definition: def, pipelineName: 'test-pipeline', selectedSteps: ['Check', 'Evaluate'], source });
    expect(plan.selectedSteps).toEqual(['Evaluate', 'Check']);
    expect(plan.reusedSteps).toEqual(['Preprocess', 'Train']);
    expect(plan.notRunSteps).toEqual(['Register', 'CreateModel', 'Transform', 'TooBad']);
    expect(plan.reuse?.execution).toBe(source);
  });

  it.each([
    ['Train and Check leave Evaluate out', ['Train', 'Check'], 'Evaluate', 'Train -> Evaluate -> Check'],
    ['Preprocess and Evaluate leave Train out', ['Preprocess', 'Evaluate'], 'Train', 'Preprocess -> Train -> Evaluate'],
    ['Preprocess and Transform leave four steps out', ['Preprocess', 'Transform'], 'Train, Evaluate, Check, CreateModel', 'Preprocess -> Train'],
  ])('refuses a selection with a gap: %s', (_label, selected, missing, path) => {
    const run = (): unknown => planSelectiveExecution({ definition: def, pipelineName: 'test-pipeline', selectedSteps: selected });
    expect(codeOf(run)).toBe('SELECTIVE_STEPS_NOT_CONNECTED');
    expect(messageOf(run)).toContain(`missing: ${missing}`);
    expect(messageOf(run)).toContain(path);
  });

  it('accepts steps of parallel branches: no path runs between them', async () => {
    const { source } = await sourceRun();
    const plan = planSelectiveExecution({ definition: def, pipelineName: 'test-pipeline', selectedSteps: ['Register', 'Transform'], source });
    expect(plan.reusedSteps).toEqual(['Preprocess', 'Train', 'Evaluate', 'Check', 'CreateModel']);
    expect(plan.notRunSteps).toEqual(['TooBad']);
  });

  it('needs no source when the selection starts the pipeline', () => {
    const plan = planSelectiveExecution({ definition: def, pipelineName: 'test-pipeline', selectedSteps: ['Preprocess', 'Train'] });
    expect(plan.reusedSteps).toEqual([]);
    expect(plan.reuse).toBeUndefined();
  });

  it('names the steps a selection needs from a source when none is given', () => {
    const plan = (): unknown => planSelectiveExecution({ definition: def, pipelineName: 'test-pipeline', selectedSteps: ['Evaluate'] });
    expect(codeOf(plan)).toBe('SELECTIVE_SOURCE_REQUIRED');
    expect(messageOf(plan)).toContain('Preprocess, Train');
  });

  it.each([
    ['no step', [], 'SELECTIVE_NO_STEPS'],
    ['an unknown step', ['Evaluate', 'Evalute'], 'SELECTIVE_UNKNOWN_STEPS'],
    ['more than 50 steps', Array.from({ length: 51 }, (_, i) => `S${i}`), 'SELECTIVE_TOO_MANY_STEPS'],
  ])('rejects %s', (_label, selected, code) => {
    expect(codeOf(() => planSelectiveExecution({ definition: def, pipelineName: 'test-pipeline', selectedSteps: selected }))).toBe(code);
  });

  it('refuses a source whose needed step did not succeed, naming it and what needs it', async () => {
    const { source } = await sourceRun({ failAt: 'Train' });
    const plan = (): unknown => planSelectiveExecution({ definition: def, pipelineName: 'test-pipeline', selectedSteps: ['Evaluate'], source });
    expect(codeOf(plan)).toBe('SELECTIVE_SOURCE_STEP_UNUSABLE');
    expect(messageOf(plan)).toContain('Train (Failed) is needed by Evaluate');
  });

  it('refuses a source of another pipeline, and one that has not ended', async () => {
    const { source } = await sourceRun();
    expect(codeOf(() => planSelectiveExecution({ definition: def, pipelineName: 'other', selectedSteps: ['Evaluate'], source }))).toBe('SELECTIVE_SOURCE_MISMATCH');
    const running: ExecutionRecord = { ...source, status: 'Executing' };
    expect(codeOf(() => planSelectiveExecution({ definition: def, pipelineName: 'test-pipeline', selectedSteps: ['Evaluate'], source: running }))).toBe('SELECTIVE_SOURCE_NOT_FINISHED');
  });
});

describe('running a selective execution', () => {
  it('re-runs a failed step and what follows it on the results of the steps before it', async () => {
    const { env, source } = await sourceRun({ failAt: 'Evaluate' });
    expect(source.status).toBe('Failed');
    const plan = planSelectiveExecution({
      definition: def,
      pipelineName: 'test-pipeline',
      selectedSteps: ['Evaluate', 'Check', 'Register', 'CreateModel', 'Transform', 'TooBad'],
      source,
    });
    const started: string[] = [];
    const again = await run(def, env, {
      onlySteps: plan.selectedSteps,
      ...(plan.reuse ? { reuse: plan.reuse } : {}),
      reporter: { stepStarted: (event) => started.push(event.step.stepName) },
    });
    expect(again.status).toBe('Succeeded');
    expect(started).toEqual(expect.arrayContaining(['Evaluate', 'Check', 'Register', 'CreateModel', 'Transform']));
    expect(started).not.toContain('Preprocess');
    expect(started).not.toContain('Train');
    expect(stepOf(again, 'Train')).toMatchObject({ status: 'Succeeded', reusedFrom: source.executionArn, properties: stepOf(source, 'Train').properties });
    expect(statuses(again)).toMatchObject({ TooBad: 'Skipped' });
    expect(toDescribePipelineExecution(again).SelectiveExecutionConfig).toEqual({
      SourcePipelineExecutionArn: source.executionArn,
      SelectedSteps: plan.selectedSteps.map((StepName) => ({ StepName })),
    });
  });

  it('does not run unselected steps downstream of the selection', async () => {
    const { env, source } = await sourceRun();
    const plan = planSelectiveExecution({ definition: def, pipelineName: 'test-pipeline', selectedSteps: ['Train'], source });
    const again = await run(def, env, { onlySteps: plan.selectedSteps, ...(plan.reuse ? { reuse: plan.reuse } : {}) });
    expect(statuses(again)).toEqual({
      Preprocess: 'Succeeded',
      Train: 'Succeeded',
      Evaluate: 'Skipped',
      Check: 'Skipped',
      Register: 'Skipped',
      CreateModel: 'Skipped',
      Transform: 'Skipped',
      TooBad: 'Skipped',
    });
    expect(stepOf(again, 'Evaluate').skipReason).toBe('not selected for this execution');
    expect(stepOf(again, 'Train').reusedFrom).toBeUndefined();
  });
});
