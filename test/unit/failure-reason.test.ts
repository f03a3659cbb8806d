// FailureReason must tell the user what failed, why, and where to look next.
import { describe, expect, it } from 'vitest';
import type { ContainerExit } from '../../src/ports/container-engine.js';
import { containerFailureReason, exitCodeMeaning, missingInputReason } from '../../src/steps/failure-reason.js';

const exit = (overrides: Partial<ContainerExit>): ContainerExit => ({
  exitCode: 1,
  oomKilled: false,
  timedOut: false,
  stopped: false,
  logTail: [],
  ...overrides,
});

const base = { stepName: 'Train', executionId: 'abc123def456', imageUri: 'sagesim/sklearn:1.2-1', localImage: 'sagesim/sklearn:1.2-1' };

describe('container failure reasons', () => {
  it('exit 1: names the step, the image, the code, the failure file, the log tail and the logs command', () => {
    const reason = containerFailureReason({
      ...base,
      exit: exit({ exitCode: 1, logTail: ['Traceback (most recent call last):', 'ValueError: bad column'] }),
      failureText: 'ValueError: bad column',
    });
    expect(reason).toContain('step "Train"');
    expect(reason).toContain('image sagesim/sklearn:1.2-1');
    expect(reason).toContain('exited with code 1');
    expect(reason).toContain('Failure file (/opt/ml/output/failure):\n  | ValueError: bad column');
    expect(reason).toContain('Last 2 lines of the log:\n  | Traceback (most recent call last):\n  | ValueError: bad column');
    expect(reason).toContain('sagesim logs abc123def456 Train');
  });

  it('labels a processing exit message by the file it came from, not as the failure file', () => {
    const reason = containerFailureReason({ ...base, exit: exit({ exitCode: 2 }), failureText: 'column "price" is missing', failureFile: '/opt/ml/output/message' });
    expect(reason).toContain('Exit message (/opt/ml/output/message):\n  | column "price" is missing');
    expect(reason).not.toContain('Failure file');
  });

  it('exit 137 with OOMKilled: says the container ran out of memory and what limit it had', () => {
    const reason = containerFailureReason({ ...base, exit: exit({ exitCode: 137, oomKilled: true }), memoryBytes: 64 * 1024 * 1024 });
    expect(reason).toContain('exited with code 137');
    expect(reason).toContain('out of memory');
    expect(reason).toContain('limit 64 MiB');
  });

  it('exit 137 without OOMKilled: killed, often out of memory', () => {
    expect(exitCodeMeaning({ exitCode: 137, oomKilled: false, timedOut: false })).toBe('killed (SIGKILL), often out of memory');
  });

  it('a timeout names MaxRuntimeInSeconds', () => {
    const reason = containerFailureReason({ ...base, exit: exit({ exitCode: 137, timedOut: true }), maxRuntimeSeconds: 30 });
    expect(reason).toContain('was stopped');
    expect(reason).toContain('MaxRuntimeInSeconds (30 s)');
    expect(reason).not.toContain('Memory:');
  });

  it.each([
    [127, /command not found/],
    [139, /segmentation fault/],
    [134, /signal 6/],
    [2, /arguments/],
  ])('exit %i is explained', (code, meaning) => {
    expect(exitCodeMeaning({ exitCode: code, oomKilled: false, timedOut: false })).toMatch(meaning);
  });

  it('quotes only the last 20 lines of the log', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`);
    const reason = containerFailureReason({ ...base, exit: exit({ logTail: lines }) });
    expect(reason).toContain('Last 20 lines of the log');
    expect(reason).toContain('line 49');
    expect(reason).not.toContain('line 29\n');
    expect(reason).toContain('line 30');
  });

  it('names the mapped image and the URI it stands for', () => {
    const reason = containerFailureReason({ ...base, imageUri: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', localImage: 'sagesim/xgboost:1.7-1', exit: exit({}) });
    expect(reason).toContain('image sagesim/xgboost:1.7-1 (for 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1)');
  });

  it('quotes a step name that the shell would split', () => {
    expect(containerFailureReason({ ...base, stepName: 'My Step', exit: exit({}) })).toContain("sagesim logs abc123def456 'My Step'");
  });

  it('a missing input names the step, the input and the URI', () => {
    expect(missingInputReason('Prep', 'raw', 's3://bucket/raw/', 'embedded S3')).toMatch(/step "Prep": input "raw" has no objects at s3:\/\/bucket\/raw\//);
  });
});
