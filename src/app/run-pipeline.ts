// Runs a parsed definition on the engine with the application's step wiring: each runnable step
// gets its executor from the typed table, or a stub (--stub, --stub-all, a stubs file), and the
// steps named in `faults` fail as they say first. The one place stubs and faults are decided.
import type { SagesimConfig } from '../config.js';
import { type Clock, systemClock } from '../engine/clock.js';
import type { PipelineDefinition, PipelineStep } from '../engine/definition-types.js';
import { currentOwner } from '../engine/execution-owner.js';
import type { ExecutionOwner, ExecutionRecord } from '../engine/execution-record.js';
import { buildGraph, type PipelineGraph } from '../engine/graph.js';
import type { JsonValue } from '../engine/json.js';
import { type ExecutionOptions, runExecution } from '../engine/scheduler.js';
import type { AssignStep, ExecutorTable, RunnableStep, StepAssignment } from '../engine/step-executor.js';
import { SagesimError } from '../errors.js';
import { systemProcessProbe } from '../ports/process-probe.js';
import { resolveImage } from '../images/image-mapping.js';
import { StubExecutor, isStubbed, type StubOptions } from '../steps/stub-executor.js';
import { type FaultSpec, withFault } from './fault-injection.js';

/** Who runs the steps: an executor for every runnable type, or stubs for all of them. */
export type StepRunners =
  | {
      /** The executor of each runnable step type. */
      readonly executors: ExecutorTable;
      /** Steps that run as stubs. */
      readonly stubs?: StubOptions;
    }
  | {
      readonly executors?: undefined;
      /** Every step runs as a stub: no executor is needed. */
      readonly stubs: StubOptions & { readonly all: true };
    };

/** What a run is given beyond who runs its steps. */
export interface RunPipelineBase extends Omit<ExecutionOptions, 'assign' | 'decorate' | 'owner'> {
  /** The process recorded as running the execution. @default this process */
  readonly owner?: ExecutionOwner;
  /** Steps that fail on their first attempts (the harness's `faults`); a stubbed step fails through its stub. */
  readonly faults?: Readonly<Record<string, FaultSpec>>;
}

export type RunPipelineOptions = RunPipelineBase & StepRunners;

/** Runs the pipeline to its end and returns the final record (also saved in the store). */
export async function runPipeline(options: RunPipelineOptions): Promise<ExecutionRecord> {
  const { executors, stubs, faults, ...execution } = options;
  checkStubNames(buildGraph(options.definition), stubs);
  const assign = assignSteps({ definition: options.definition, config: options.config, clock: options.clock ?? systemClock, executors, stubs });
  const owner = options.owner ?? currentOwner(systemProcessProbe);
  return runExecution({ ...execution, owner, assign, ...(faults && Object.keys(faults).length > 0 ? { decorate: injectFaults(faults) } : {}) });
}

/** Stubs given for steps the pipeline does not have (a typo, most often) are a usage error. */
export function checkStubNames(graph: PipelineGraph, stubs: StubOptions | undefined): void {
  const unknownStubs = Object.keys(stubs?.steps ?? {}).filter((name) => !graph.nodes.has(name));
  if (unknownStubs.length > 0) {
    throw new SagesimError('UNKNOWN_STUB_STEP', `stubs name steps the pipeline does not have: ${unknownStubs.join(', ')}`, {
      source: 'user',
      hint: `steps are: ${[...graph.nodes.keys()].join(', ')}`,
    });
  }
}

interface AssignOptions {
  readonly definition: PipelineDefinition;
  readonly config: SagesimConfig;
  readonly clock: Clock;
  readonly executors: ExecutorTable | undefined;
  readonly stubs: StubOptions | undefined;
}

/** A stubbed step runs the one stub of the execution; any other its type's executor. */
function assignSteps(options: AssignOptions): AssignStep {
  const stub = new StubExecutor({
    stubs: options.stubs ?? {},
    now: () => options.clock.now(),
    definition: options.definition,
    implicitMetricDefinitions: (uri) => implicitMetricDefinitions(uri, options.config),
  });
  return (step: RunnableStep): StepAssignment => {
    if (isStubbed(options.stubs, step) || options.executors === undefined) {
      return { runner: stub, stub: { spec: (stub.specFor(step.Name) ?? {}) as unknown as JsonValue } };
    }
    return { runner: options.executors[step.Type] };
  };
}

/** Each step named in `faults` fails first, unless it is a stub (its stub spec carries the failure). */
function injectFaults(faults: Readonly<Record<string, FaultSpec>>): (step: PipelineStep, assignment: StepAssignment) => StepAssignment {
  return (step, assignment) => {
    const fault = faults[step.Name];
    return fault === undefined || assignment.stub ? assignment : { ...assignment, runner: withFault(assignment.runner, fault) };
  };
}

/** The metrics SageMaker parses for a built-in algorithm's image; none for any other image. */
function implicitMetricDefinitions(uri: string, config: SagesimConfig): readonly { readonly Name: string }[] {
  try {
    return resolveImage(uri, config).builtin?.metricDefinitions ?? [];
  } catch {
    // An unmapped image has no implicit metrics; a stub needs no image to run.
    return [];
  }
}
