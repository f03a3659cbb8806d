// The property schema of a step type is a fact of its step-kind entry: the root it yields is the
// one the SageMaker Python SDK models the step's `properties` on (workflow/steps.py, automl_step.py,
// condition_step.py, quality_check_step.py, clarify_check_step.py, emr_step.py).
import { describe, expect, it } from 'vitest';
import { STEP_TYPES, type StepType } from '../../src/engine/definition-types.js';
import { checkPropertyPath, propertyRoot } from '../../src/engine/property-schema.js';
import { parsePropertyPath } from '../../src/engine/reference-path.js';
import { STEP_KINDS, type StepKind } from '../../src/engine/step-kinds.js';

function readable(type: StepType, path: string): boolean {
  const segments = parsePropertyPath(`.${path}`);
  if (typeof segments === 'string') throw new Error(`bad path in test: ${path}: ${segments}`);
  return checkPropertyPath(propertyRoot(type), segments).ok;
}

describe('the property schema in the step-kind table', () => {
  it('names a schema for every step type', () => {
    expect(Object.keys(STEP_KINDS).sort()).toEqual([...STEP_TYPES].sort());
    for (const type of STEP_TYPES) expect(STEP_KINDS[type].properties, type).toBeTypeOf('object');
  });

  it('does not compile without one', () => {
    // @ts-expect-error a step kind without its property schema is not a StepKind
    const kind: StepKind = { control: false, runsLocally: true, container: false, image: 'none', retryable: false, reproducible: false, stubbable: false };
    expect(kind.properties).toBeUndefined();
  });

  it.each<[StepType, string]>([
    ['Training', 'ModelArtifacts.S3ModelArtifacts'],
    ['Training', "FinalMetricDataList['validation:rmse'].Value"],
    ['Processing', "ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"],
    ['Processing', 'ProcessingOutputConfig.Outputs[0].S3Output.S3Uri'],
    ['Transform', 'TransformOutput.S3OutputPath'],
    ['Tuning', 'BestTrainingJob.TrainingJobName'],
    ['Tuning', 'TrainingJobSummaries[0].TrainingJobName'],
    ['Model', 'ModelName'],
    ['RegisterModel', 'ModelPackageArn'],
    ['AutoML', 'BestCandidate.CandidateName'],
    ['AutoML', 'BestCandidateProperties.ExplainabilityJsonReportPath'],
    ['Condition', 'Outcome'],
    ['EMR', 'Status.State'],
    ['QualityCheck', 'CalculatedBaselineStatistics'],
    ['ClarifyCheck', 'CalculatedBaselineConstraints'],
  ])('%s steps have %s', (type, path) => {
    expect(readable(type, path)).toBe(true);
  });

  it.each<[StepType, string]>([
    ['Training', 'ProcessingOutputConfig.Outputs[0].S3Output.S3Uri'],
    ['Processing', 'ModelArtifacts.S3ModelArtifacts'],
    ['Model', 'TrainingJobSummaries[0].TrainingJobName'],
    ['Condition', 'ModelName'],
    ['ClarifyCheck', 'CalculatedBaselineStatistics'],
    ['Fail', 'Outcome'],
    ['Lambda', 'Outcome'],
    ['Callback', 'ModelName'],
  ])('%s steps have no %s', (type, path) => {
    expect(readable(type, path)).toBe(false);
  });
});
