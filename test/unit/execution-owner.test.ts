// Telling a killed run from a live one: an unfinished local execution whose sagesim process is gone
// from this host can no longer finish, and is recorded Failed with the steps it was running.
import { describe, expect, it } from 'vitest';
import { abandonment, currentOwner, failAbandoned } from '../../src/engine/execution-owner.js';
import type { ExecutionOwner, ExecutionRecord, ExecutionStatus } from '../../src/engine/execution-record.js';
import { type ProcessProbe, systemProcessProbe } from '../../src/ports/process-probe.js';
import { definition, failStep, run } from './support/pipeline-builders.js';

/** A host named `laptop` where only the pids in `alive` run, each started at the tick given. */
function probe(alive: Readonly<Record<number, string | undefined>>): ProcessProbe {
  return { hostname: 'laptop', pid: 1, pidNamespace: 'pid:[1]', alive: (pid) => pid in alive, startOf: (pid) => alive[pid] };
}

function execution(status: ExecutionStatus, owner: ExecutionOwner | undefined, mode: 'local' | 'remote' = 'local'): ExecutionRecord {
  return {
    executionId: 'abc123def456',
    executionArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/p/execution/abc123def456',
    pipelineName: 'p',
    pipelineArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/p',
    status,
    startTime: '2024-06-01T12:00:00.000Z',
    lastModifiedTime: '2024-06-01T12:05:00.000Z',
    parameters: {},
    definition: { Version: '2020-12-01', Parameters: [], Steps: [] },
    steps: [
      { stepName: 'Prepare', stepType: 'Processing', status: 'Succeeded', attemptCount: 1, metadata: {}, startTime: '2024-06-01T12:00:01.000Z', endTime: '2024-06-01T12:01:00.000Z' },
      { stepName: 'Train', stepType: 'Training', status: 'Executing', attemptCount: 1, metadata: {}, startTime: '2024-06-01T12:01:00.000Z' },
      { stepName: 'Evaluate', stepType: 'Processing', status: 'Starting', attemptCount: 1, metadata: {} },
    ],
    mode,
    ...(owner ? { owner } : {}),
  };
}

const OWNER: ExecutionOwner = { pid: 4242, hostname: 'laptop', processStart: '9001' };

describe('abandonment', () => {
  it.each<[string, ExecutionRecord, ProcessProbe, boolean]>([
    ['Executing, owner gone', execution('Executing', OWNER), probe({}), true],
    ['Stopping, owner gone', execution('Stopping', OWNER), probe({}), true],
    ['Executing, owner pid reused by a process started later', execution('Executing', OWNER), probe({ 4242: '12345' }), true],
    ['Executing, owner running', execution('Executing', OWNER), probe({ 4242: '9001' }), false],
    ['Executing, owner running where start times cannot be read', execution('Executing', OWNER), probe({ 4242: undefined }), false],
    ['Executing, owner without a recorded start, pid running', execution('Executing', { pid: 4242, hostname: 'laptop' }), probe({ 4242: '1' }), false],
    ['Executing, owner on another host', execution('Executing', { ...OWNER, hostname: 'ci-runner' }), probe({}), false],
    ['Executing, owner in another PID namespace (a host-network CI container sharing the home)', execution('Executing', { ...OWNER, pidNamespace: 'pid:[2]' }), probe({}), false],
    ['Executing, owner in this PID namespace, gone', execution('Executing', { ...OWNER, pidNamespace: 'pid:[1]' }), probe({}), true],
    ['Executing, owner namespace recorded, this one unknown', execution('Executing', { ...OWNER, pidNamespace: 'pid:[1]' }), { ...probe({}), pidNamespace: undefined }, false],
    ['Executing, written before owners were recorded', execution('Executing', undefined), probe({}), false],
    ['a remote execution being followed', execution('Executing', OWNER, 'remote'), probe({}), false],
    ['Succeeded, owner gone', execution('Succeeded', OWNER), probe({}), false],
    ['Stopped, owner gone', execution('Stopped', OWNER), probe({}), false],
  ])('%s: abandoned = %s', (_label, record, host, abandoned) => {
    expect(abandonment(record, host) !== undefined).toBe(abandoned);
  });

  it('names the process that ended', () => {
    expect(abandonment(execution('Executing', OWNER), probe({}))).toBe('sagesim process 4242 ended before the execution finished (killed?)');
  });
});

describe('failAbandoned', () => {
  it('fails the execution and its unfinished steps, ending them when the owner last wrote the record', () => {
    const reason = 'sagesim process 4242 ended before the execution finished (killed?)';
    const failed = failAbandoned(execution('Executing', OWNER), reason, new Date('2024-06-02T08:00:00.000Z'));
    expect(failed).toMatchObject({ status: 'Failed', failureReason: reason, endTime: '2024-06-01T12:05:00.000Z', lastModifiedTime: '2024-06-02T08:00:00.000Z' });
    expect(failed.steps.map((s) => [s.stepName, s.status, s.failureReason, s.endTime])).toEqual([
      ['Prepare', 'Succeeded', undefined, '2024-06-01T12:01:00.000Z'],
      ['Train', 'Failed', 'sagesim process 4242 ended before the step finished (killed?)', '2024-06-01T12:05:00.000Z'],
      ['Evaluate', 'Failed', 'sagesim process 4242 ended before the step finished (killed?)', '2024-06-01T12:05:00.000Z'],
    ]);
  });
});

describe('the owner of an execution', () => {
  it('is this process, and this process is alive with the start time it recorded', () => {
    const owner = currentOwner(systemProcessProbe);
    expect(owner).toMatchObject({ pid: process.pid, hostname: systemProcessProbe.hostname });
    expect(systemProcessProbe.alive(owner.pid)).toBe(true);
    expect(systemProcessProbe.startOf(owner.pid)).toBe(owner.processStart);
    expect(abandonment(execution('Executing', owner), systemProcessProbe)).toBeUndefined();
  });

  it('is recorded by every local run', async () => {
    const record = await run(definition([failStep('Stop', 'no')]));
    expect(record.owner).toEqual(currentOwner(systemProcessProbe));
  });
});
