// The scheduler's state machine on its own: events in, commands out, no executor, store or clock.
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/engine/graph.js';
import { Schedule, type ScheduleCommand } from '../../src/engine/schedule.js';
import { conditionStep, definition, failStep, trainingStep } from './support/pipeline-builders.js';

const chain = buildGraph(definition([trainingStep('A'), trainingStep('B', { dependsOn: ['A'] }), trainingStep('C', { dependsOn: ['B'] })]));
const fan = buildGraph(definition([trainingStep('A'), trainingStep('B'), trainingStep('C'), trainingStep('D', { dependsOn: ['A', 'B', 'C'] })]));

/** Every command `next()` gives now. */
function drain(schedule: Schedule): ScheduleCommand[] {
  const out: ScheduleCommand[] = [];
  for (let command = schedule.next(); command !== undefined; command = schedule.next()) out.push(command);
  return out;
}

describe('the schedule (pure state machine)', () => {
  it('A -> B -> C: starts each step once the one before it succeeded, then ends Succeeded', () => {
    const schedule = new Schedule(chain, { maxParallel: 4 });
    expect(schedule.begin()).toEqual([]);
    expect(drain(schedule)).toEqual([{ kind: 'start', name: 'A' }]);
    expect(schedule.idle).toBe(false);
    expect(schedule.ended('A', { status: 'Succeeded' }, true)).toEqual([]);
    expect(drain(schedule)).toEqual([{ kind: 'start', name: 'B' }]);
    schedule.ended('B', { status: 'Succeeded' }, true);
    expect(drain(schedule)).toEqual([{ kind: 'start', name: 'C' }]);
    schedule.ended('C', { status: 'Succeeded' }, true);
    expect(schedule.idle).toBe(true);
    expect(schedule.end()).toEqual({ commands: [], outcome: 'Succeeded' });
  });

  it('A, B, C -> D with maxParallel 2: two start, the third waits for a free slot', () => {
    const schedule = new Schedule(fan, { maxParallel: 2 });
    schedule.begin();
    expect(drain(schedule)).toEqual([
      { kind: 'start', name: 'A' },
      { kind: 'start', name: 'B' },
    ]);
    schedule.ended('A', { status: 'Succeeded' }, true);
    expect(drain(schedule)).toEqual([{ kind: 'start', name: 'C' }]);
  });

  it('A -> B -> C, A fails: nothing new starts, B and C end Skipped naming A', () => {
    const schedule = new Schedule(chain, { maxParallel: 4 });
    schedule.begin();
    drain(schedule);
    expect(schedule.ended('A', { status: 'Failed' }, true)).toEqual([
      { kind: 'skip', name: 'B', reason: 'upstream step A failed' },
      { kind: 'skip', name: 'C', reason: 'upstream step B was skipped' },
    ]);
    expect(schedule.idle).toBe(true);
    expect(schedule.end()).toEqual({ commands: [], outcome: 'Failed' });
  });

  it('a failure elsewhere lets running steps finish and starts nothing new: the rest are not started', () => {
    const schedule = new Schedule(fan, { maxParallel: 2 });
    schedule.begin();
    drain(schedule);
    schedule.ended('A', { status: 'Failed' }, true);
    expect(drain(schedule)).toEqual([]);
    expect(schedule.idle).toBe(false);
    schedule.ended('B', { status: 'Succeeded' }, true);
    expect(schedule.idle).toBe(true);
    expect(schedule.end()).toEqual({
      commands: [
        { kind: 'skip', name: 'C', reason: 'not started: step A failed' },
        { kind: 'skip', name: 'D', reason: 'upstream step A failed' },
      ],
      outcome: 'Failed',
    });
  });

  it('a stop: nothing new starts, the steps not started are skipped and the outcome is Stopped', () => {
    const schedule = new Schedule(fan, { maxParallel: 2 });
    schedule.begin();
    drain(schedule);
    schedule.stop();
    schedule.ended('A', { status: 'Succeeded' }, true);
    expect(drain(schedule)).toEqual([]);
    schedule.ended('B', { status: 'Stopped' }, true);
    expect(schedule.idle).toBe(true);
    expect(schedule.end()).toEqual({
      commands: [
        { kind: 'skip', name: 'C', reason: 'not started: the execution was stopped' },
        { kind: 'skip', name: 'D', reason: expect.stringContaining('B') },
      ],
      outcome: 'Stopped',
    });
  });

  it('a Condition picks its branch: the other branch is skipped', () => {
    const graph = buildGraph(
      definition([trainingStep('Train'), conditionStep('Check', [{ Type: 'Equals', LeftValue: 1, RightValue: 1 }], [trainingStep('Register')], [failStep('Stop', 'no')], ['Train'])]),
    );
    const schedule = new Schedule(graph, { maxParallel: 4 });
    schedule.begin();
    drain(schedule);
    schedule.ended('Train', { status: 'Succeeded' }, true);
    expect(drain(schedule)).toEqual([{ kind: 'start', name: 'Check' }]);
    const released = schedule.ended('Check', { status: 'Succeeded', outcome: true }, true);
    expect(released).toEqual([{ kind: 'skip', name: 'Stop', reason: expect.stringContaining('Check') }]);
    expect(drain(schedule)).toEqual([{ kind: 'start', name: 'Register' }]);
  });

  it('selective: A reused, B selected, C neither: A is reused, B starts, C is skipped as not selected', () => {
    const schedule = new Schedule(chain, { maxParallel: 4, selected: new Set(['B']), reused: new Set(['A']) });
    schedule.begin();
    expect(drain(schedule)).toEqual([{ kind: 'reuse', name: 'A' }]);
    expect(schedule.ended('A', { status: 'Succeeded' }, false)).toEqual([]);
    expect(drain(schedule)).toEqual([{ kind: 'start', name: 'B' }]);
    expect(schedule.ended('B', { status: 'Succeeded' }, true)).toEqual([{ kind: 'skip', name: 'C', reason: 'not selected for this execution' }]);
    expect(schedule.end().outcome).toBe('Succeeded');
  });

  it('a chain of 20,000 skipped steps cascades without exhausting the stack', () => {
    const steps = Array.from({ length: 20_000 }, (_, i) => trainingStep(`S${i}`, i === 0 ? {} : { dependsOn: [`S${i - 1}`] }));
    const schedule = new Schedule(buildGraph(definition(steps)), { maxParallel: 1 });
    schedule.begin();
    drain(schedule);
    expect(schedule.ended('S0', { status: 'Failed' }, true)).toHaveLength(19_999);
  });
});
