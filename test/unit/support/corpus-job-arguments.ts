// The resolved arguments of the job steps of a definition the real SageMaker Python SDK emitted
// (fixtures/sdk-corpus/<release>/<file>): parameters at their defaults, `Steps.<name>.*` read from
// the Describe properties the upstream job's plan derives (a Model step's: its ModelName and
// resolved arguments). What a plan is given in a real run.
import path from 'node:path';
import type { PipelineStep, StepType } from '../../../src/engine/definition-types.js';
import { resolveValue } from '../../../src/engine/expressions.js';
import { flattenSteps } from '../../../src/engine/flatten-steps.js';
import { isJsonObject, type JsonObject } from '../../../src/engine/json.js';
import { loadDefinitionFile } from '../../../src/app/definition-file.js';
import { resolveParameters } from '../../../src/engine/parameters.js';
import type { ResolveContext, StepOutputs } from '../../../src/engine/resolve-context.js';
import { MemoryObjectStore } from '../../../src/mock-aws/memory-object-store.js';
import type { JobPlanFacts } from '../../../src/steps/job-plan.js';
import { planProcessingJob } from '../../../src/steps/processing-plan.js';
import { planTrainingJob } from '../../../src/steps/training-plan.js';
import { EXECUTION } from './executor-context.js';
import { testImages } from './job-deps.js';

export interface CorpusJobStep {
  readonly type: StepType;
  readonly arguments: JsonObject;
  readonly facts: JobPlanFacts;
}

const CORPUS = path.resolve(import.meta.dirname, '../../../fixtures/sdk-corpus');
const JOB_TYPES: readonly StepType[] = ['Processing', 'Training', 'Tuning', 'Model', 'Transform'];
const RUN_TIMES = { creationTime: new Date('2024-05-01T00:00:01Z'), startTime: new Date('2024-05-01T00:00:02Z'), endTime: new Date('2024-05-01T00:00:09Z'), finalMetrics: [] };

/** The job steps of a corpus definition, by name, with their arguments resolved. */
export async function corpusJobSteps(release: string, file: string): Promise<Map<string, CorpusJobStep>> {
  const definition = await loadDefinitionFile(path.join(CORPUS, release, file));
  const parameters = resolveParameters(definition.Parameters ?? [], {});
  const outputs = new Map<string, StepOutputs>();
  const steps = new Map<string, CorpusJobStep>();
  for (const step of flattenSteps(definition.Steps).filter((candidate) => JOB_TYPES.includes(candidate.Type))) {
    const jobName = `pipelines-${EXECUTION.executionId}-${step.Name}-Xy12Ab34Cd`;
    const context: ResolveContext = {
      parameters,
      execution: EXECUTION,
      now: () => EXECUTION.startTime,
      currentStep: { name: step.Name, type: step.Type, jobName },
      stepOutputs: (name) => outputs.get(name),
      objectStore: new MemoryObjectStore(),
    };
    const resolved = await resolveValue(argumentsOf(step), context);
    if (!isJsonObject(resolved)) throw new Error(`${file}: step ${step.Name} has no Arguments object`);
    const facts: JobPlanFacts = { stepName: step.Name, jobName, execution: EXECUTION, resolveImage: testImages };
    steps.set(step.Name, { type: step.Type, arguments: resolved, facts });
    const plan = step.Type === 'Processing' ? planProcessingJob(resolved, facts) : step.Type === 'Training' ? planTrainingJob(resolved, facts) : undefined;
    const properties = plan?.describe(RUN_TIMES, { status: 'Completed' }) ?? (step.Type === 'Model' ? { ...resolved, ModelName: jobName } : undefined);
    if (properties !== undefined) outputs.set(step.Name, { stepType: step.Type, properties, propertyFiles: {}, outputParameters: {} });
  }
  return steps;
}

/** One job step of a corpus definition; throws naming the step when it is not there. */
export async function corpusJobStep(release: string, file: string, stepName: string): Promise<CorpusJobStep> {
  const step = (await corpusJobSteps(release, file)).get(stepName);
  if (step === undefined) throw new Error(`${file} has no job step ${stepName}`);
  return step;
}

function argumentsOf(step: PipelineStep): JsonObject {
  return 'Arguments' in step && isJsonObject(step.Arguments) ? step.Arguments : {};
}
