import { describe, expect, it, vi } from 'vitest';
import { createProgressReporter } from '../../src/cli/progress-reporter.js';
import { formatSummary } from '../../src/cli/summary.js';
import { formatDuration } from '../../src/history/format-time.js';
import type { ExecutionRecord, StepRecord } from '../../src/engine/execution-record.js';

function out(isTTY: boolean) {
  let text = '';
  return { stream: { isTTY, columns: 120, write: (chunk: string) => (text += chunk) }, text: () => text };
}

const execution: ExecutionRecord = {
  executionId: 'abc123def456',
  executionArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/p/execution/abc123def456',
  pipelineName: 'p',
  pipelineArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/p',
  status: 'Executing',
  startTime: '2024-06-01T12:00:00.000Z',
  lastModifiedTime: '2024-06-01T12:00:00.000Z',
  parameters: {},
  definition: { Version: '2020-12-01', Parameters: [], Steps: [{ Name: 'TrainModel', Type: 'Training', Arguments: {} }] },
  steps: [],
  mode: 'local',
};

const step = (fields: Partial<StepRecord>): StepRecord => ({ stepName: 'TrainModel', stepType: 'Training', status: 'Executing', attemptCount: 1, metadata: {}, ...fields });

describe('progress in a pipe: one line per transition', () => {
  it('prints time, step and status for each transition', () => {
    const o = out(false);
    const reporter = createProgressReporter({ out: o.stream, now: () => new Date(2024, 5, 1, 12, 0, 1) });
    reporter.executionStarted?.(execution);
    reporter.stepStarted?.({ executionId: 'abc123def456', step: step({}), attempt: 1 });
    reporter.stepFailed?.({ executionId: 'abc123def456', step: step({ failureReason: 'capacity' }), willRetry: true, retryInSeconds: 2 });
    reporter.stepSucceeded?.({ executionId: 'abc123def456', step: step({ status: 'Succeeded', startTime: '2024-06-01T12:00:00.000Z', endTime: '2024-06-01T12:00:03.500Z' }) });
    expect(o.text().split('\n')).toEqual([
      '12:00:01 execution abc123def456 started (p)',
      '12:00:01 TrainModel  Executing (attempt 1)',
      '12:00:01 TrainModel  Failed (attempt 1): capacity; retrying in 2s',
      '12:00:01 TrainModel  Succeeded in 3.5s',
      '',
    ]);
  });
});

describe('progress on a terminal: a live view redrawn in place', () => {
  it('redraws the same block with ANSI cursor moves instead of appending lines', () => {
    const o = out(true);
    const reporter = createProgressReporter({ out: o.stream });
    reporter.executionStarted?.(execution);
    reporter.stepStarted?.({ executionId: 'abc123def456', step: step({}), attempt: 1 });
    reporter.close();
    const first = o.text();
    expect(first).toContain('\x1b[2K');
    expect(first).toMatch(/▶ TrainModel\s+Executing/);
    reporter.stepSucceeded?.({ executionId: 'abc123def456', step: step({ status: 'Succeeded' }) });
    reporter.close();
    const second = o.text().slice(first.length);
    // Moves up over the two lines it drew (title and one step), then draws them again.
    expect(second.startsWith('\x1b[2A')).toBe(true);
    expect(second).toMatch(/✓ TrainModel\s+Succeeded/);
  });

  it('prints warnings once above the block, where later redraws do not overwrite them', () => {
    const o = out(true);
    const reporter = createProgressReporter({ out: { ...o.stream, columns: 0 } });
    reporter.executionStarted?.(execution);
    reporter.warning?.({ code: 'STUB_STAND_IN_PROPERTY_FILE', message: 'stand-in property file' });
    reporter.stepStarted?.({ executionId: 'abc123def456', step: step({}), attempt: 1 });
    reporter.close();
    const first = o.text();
    expect(first).toContain('stand-in property file');
    reporter.close();
    const second = o.text().slice(first.length);
    expect(second.startsWith('\x1b[2A')).toBe(true);
    expect(second).not.toContain('stand-in');
    // A terminal that reports 0 columns still gets whole lines.
    expect(second).toMatch(/Executing +0s\n/);
  });
});

describe('summary table', () => {
  it('shows status, duration, cache hit, attempts, outcome and reason per step', () => {
    const record: ExecutionRecord = {
      ...execution,
      status: 'Failed',
      failureReason: 'Step failure: One or multiple steps failed.',
      endTime: '2024-06-01T12:01:05.000Z',
      steps: [
        step({ status: 'Succeeded', startTime: '2024-06-01T12:00:00.000Z', endTime: '2024-06-01T12:00:00.400Z', cacheHit: { sourcePipelineExecutionArn: 'arn:x', sourceStepName: 'TrainModel' } }),
        step({ stepName: 'Check', stepType: 'Condition', status: 'Succeeded', metadata: { Condition: { Outcome: 'False' } } }),
        step({ stepName: 'Register', stepType: 'RegisterModel', status: 'Skipped', attemptCount: 0, skipReason: 'branch not taken' }),
        step({ stepName: 'Stop', stepType: 'Fail', status: 'Failed', attemptCount: 1, failureReason: 'too\nbad' }),
      ],
    };
    const lines = formatSummary(record).split('\n');
    expect(lines[0]).toMatch(/^STEP\s+STATUS\s+DURATION\s+CACHE\s+ATTEMPTS\s+OUTCOME\s+REASON$/);
    expect(lines[1]).toMatch(/^TrainModel\s+Succeeded\s+400ms\s+hit\s+1\s+-$/);
    expect(lines[2]).toMatch(/^Check\s+Succeeded\s+-\s+-\s+1\s+False$/);
    expect(lines[3]).toMatch(/^Register\s+Skipped\s+-\s+-\s+-\s+-\s+branch not taken$/);
    // The table shows the first line of a reason; the failure section below has all of it.
    expect(lines[4]).toMatch(/ too$/);
    expect(lines.join('\n')).toContain('Failure\n  Stop (Fail):\n    too\n    bad\n');
    expect(lines).toContain('Execution abc123def456 Failed in 1m05s: Step failure: One or multiple steps failed.');
  });

  it.each([
    [850, '850ms'],
    [12_300, '12.3s'],
    [245_000, '4m05s'],
    [3_720_000, '1h02m'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('progress wording', () => {
  const conditional: ExecutionRecord = {
    ...execution,
    definition: {
      Version: '2020-12-01',
      Parameters: [],
      Steps: [
        {
          Name: 'Check',
          Type: 'Condition',
          Arguments: { Conditions: [], IfSteps: [{ Name: 'Register', Type: 'RegisterModel', Arguments: {} }], ElseSteps: [{ Name: 'Stop', Type: 'Fail', Arguments: {} }] },
        },
      ],
    },
  };
  const longSkip = 'branch not taken: condition Check evaluated to True and this step is in its ElseSteps';

  it('a skipped step names its condition and outcome in a few words; a cache hit names the execution by id', () => {
    const o = out(false);
    const reporter = createProgressReporter({ out: o.stream, now: () => new Date(2024, 5, 1, 12, 0, 1) });
    reporter.executionStarted?.(conditional);
    reporter.stepCached?.({
      executionId: 'abc123def456',
      step: step({ status: 'Succeeded', cacheHit: { sourcePipelineExecutionArn: `${execution.pipelineArn}/execution/0ld3xecut10n`, sourceStepName: 'TrainModel' } }),
    });
    reporter.stepSucceeded?.({ executionId: 'abc123def456', step: step({ stepName: 'Check', stepType: 'Condition', status: 'Succeeded', metadata: { Condition: { Outcome: 'True' } } }) });
    reporter.stepSkipped?.({ executionId: 'abc123def456', step: step({ stepName: 'Stop', stepType: 'Fail', status: 'Skipped', skipReason: longSkip }) });
    const lines = o.text().split('\n');
    expect(lines).toContain('12:00:01 TrainModel  Succeeded (cache hit from 0ld3xecut10n)');
    expect(lines).toContain('12:00:01 Stop      Skipped: branch not taken (Check: True)');
  });

  it('the live view keeps a multi-line failure reason on its row, so redraws stay aligned', () => {
    const o = out(true);
    const reporter = createProgressReporter({ out: o.stream });
    reporter.executionStarted?.(execution);
    reporter.stepFailed?.({ executionId: 'abc123def456', step: step({ status: 'Failed', failureReason: 'exit 1\nTraceback:\n  boom' }), willRetry: false });
    reporter.close();
    expect(o.text()).toMatch(/✗ TrainModel\s+Failed\s+exit 1 Traceback: boom\n/);
    reporter.close();
    // Two lines drawn (title and the step): the redraw moves up over exactly those.
    expect(o.text()).toContain('\x1b[2A');
  });

  it('the live view shows how long a running step has been running', () => {
    const o = out(true);
    let now = new Date(2024, 5, 1, 12, 0, 0);
    const reporter = createProgressReporter({ out: o.stream, now: () => now });
    reporter.executionStarted?.(execution);
    reporter.stepStarted?.({ executionId: 'abc123def456', step: step({}), attempt: 1 });
    now = new Date(2024, 5, 1, 12, 1, 5);
    reporter.close();
    expect(o.text()).toMatch(/▶ TrainModel\s+Executing 1m05s\n/);
  });

  it('the live view says it is preparing while S3 and images are made ready, and not once the run started', () => {
    vi.useFakeTimers();
    try {
      const o = out(true);
      let now = new Date(2024, 5, 1, 12, 0, 0);
      const reporter = createProgressReporter({ out: o.stream, now: () => now });
      reporter.progress?.({ message: 'sagesim/xgboost: building sagesim/xgboost:abc' });
      now = new Date(2024, 5, 1, 12, 0, 42);
      // The first draw (events are coalesced for 50 ms), then a redraw every second.
      vi.advanceTimersByTime(1050);
      expect(o.text()).toContain('sagesim/xgboost: building sagesim/xgboost:abc\n');
      expect(o.text()).toContain('… preparing 42s\n');
      const before = o.text().length;
      reporter.executionStarted?.(execution);
      reporter.close();
      expect(o.text().slice(before)).not.toContain('preparing');
      // Nothing runs any more: no redraws are left scheduled.
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
