// A tuning job's plan from its CreateHyperParameterTuningJob arguments alone: the objective, the
// tuned values of each training job, how many run at once and the arguments each training job gets,
// including for the arguments the real SageMaker Python SDK 2.230.0 emits.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/engine/json.js';
import type { JobPlanFacts } from '../../src/steps/job-plan.js';
import { planTrainingJob } from '../../src/steps/training-plan.js';
import { planTuningJob, tuningJobName } from '../../src/steps/tuning-plan.js';
import { stepFailureOf } from './support/step-failure-of.js';
import { corpusJobStep } from './support/corpus-job-arguments.js';
import { EXECUTION } from './support/executor-context.js';
import { XGBOOST_URI, testImages } from './support/job-deps.js';

const JOB = 'pipelines-abcdef123456-Tune-Xy12Ab34Cd';
const FACTS: JobPlanFacts = { stepName: 'Tune', jobName: JOB, execution: EXECUTION, resolveImage: testImages };

function tuningArguments(config: JsonObject = {}, definition: JsonObject = {}): JsonObject {
  return {
    HyperParameterTuningJobConfig: {
      Strategy: 'Grid',
      HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'validation:rmse' },
      ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 },
      ParameterRanges: { CategoricalParameterRanges: [{ Name: 'max_depth', Values: ['3', '5'] }] },
      ...config,
    },
    TrainingJobDefinition: {
      AlgorithmSpecification: { TrainingImage: XGBOOST_URI, TrainingInputMode: 'File' },
      StaticHyperParameters: { num_round: '10' },
      OutputDataConfig: { S3OutputPath: 's3://bucket/models' },
      ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge' },
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3Uri: 's3://bucket/train/' } } }],
      ...definition,
    },
  };
}

describe('planTuningJob', () => {
  it('cuts the tuning job name to 32 characters without a trailing dash', () => {
    expect(tuningJobName(JOB)).toBe('pipelines-abcdef123456-Tune-Xy12');
    expect(tuningJobName('pipelines-abcdef123456-Tunexyzw-Xy12')).toBe('pipelines-abcdef123456-Tunexyzw');
  });

  it('grid: one training job per combination, MaxParallelTrainingJobs at once, the static hyperparameters beside the tuned ones', () => {
    const plan = planTuningJob(tuningArguments(), FACTS);
    expect(plan.trials).toEqual([{ max_depth: '3' }, { max_depth: '5' }]);
    expect(plan.maxParallel).toBe(2);
    expect(plan.objective).toEqual({ type: 'Minimize', metricName: 'validation:rmse' });
    const args = plan.trainingArguments({ max_depth: '5' });
    expect(args['HyperParameters']).toEqual({ num_round: '10', max_depth: '5' });
    expect(args['StaticHyperParameters']).toBeUndefined();
    // What a training job of the tuning job gets is a plan like any other training job's.
    expect(planTrainingJob(args, { ...FACTS, jobName: `${plan.tuningName}-001-abcd1234` }).inputs.map((input) => input.name)).toEqual(['train']);
  });

  it('Bayesian runs as Random with a seed (the same values each time), and says so', () => {
    const first = planTuningJob(tuningArguments({ Strategy: 'Bayesian', ParameterRanges: { IntegerParameterRanges: [{ Name: 'max_depth', MinValue: '2', MaxValue: '9' }] } }), FACTS);
    const again = planTuningJob(tuningArguments({ Strategy: 'Bayesian', ParameterRanges: { IntegerParameterRanges: [{ Name: 'max_depth', MinValue: '2', MaxValue: '9' }] } }), FACTS);
    expect(first.trials).toHaveLength(4);
    expect(again.trials).toEqual(first.trials);
    expect(first.warnings[0]?.code).toBe('TUNING_STRATEGY_AS_RANDOM');
    expect(first.warnings[0]?.message).toMatch(/^step "Tune": the Bayesian tuning strategy runs as Random locally \(seed \d+\)$/);
    expect(first.config['Strategy']).toBe('Bayesian');
  });

  it('gives each training job the first instance of HyperParameterTuningResourceConfig when there is no ResourceConfig', () => {
    const plan = planTuningJob(
      tuningArguments({}, { ResourceConfig: null, HyperParameterTuningResourceConfig: { InstanceConfigs: [{ InstanceType: 'ml.c5.2xlarge', InstanceCount: 1, VolumeSizeInGB: 5 }], VolumeKmsKeyId: 'k' } }),
      FACTS,
    );
    const args = plan.trainingArguments({ max_depth: '3' });
    expect(args['ResourceConfig']).toEqual({ InstanceType: 'ml.c5.2xlarge', InstanceCount: 1, VolumeSizeInGB: 5, VolumeKmsKeyId: 'k' });
    expect(args['HyperParameterTuningResourceConfig']).toBeUndefined();
  });

  it.each([
    ['an objective no metric definition measures', { HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'auc' } }, 'the objective metric auc is not among the metric definitions'],
    ['an objective type that is neither Minimize nor Maximize', { HyperParameterTuningJobObjective: { Type: 'Best', MetricName: 'validation:rmse' } }, 'must be Minimize or Maximize, got Best'],
    ['an unknown strategy', { Strategy: 'Exhaustive' }, 'Strategy must be Bayesian, Random, Hyperband or Grid'],
    ['a range whose bound is not a number', { ParameterRanges: { ContinuousParameterRanges: [{ Name: 'eta', MinValue: 'low', MaxValue: '1' }] } }, 'eta: MinValue must be a number'],
  ])('%s fails the step as a ValidationException', (_label, config, text) => {
    const error = stepFailureOf(() => planTuningJob(tuningArguments(config as JsonObject), FACTS));
    expect(error).toMatchObject({ code: 'INVALID_STEP_ARGUMENTS', source: 'user' });
    expect(error.message).toContain(text);
  });

  it('plans the SDK tuning pipeline: Random over eta and max_depth, the resource config from HyperParameterTuningResourceConfig (2.230.0)', async () => {
    const step = await corpusJobStep('2.230.0', 'tuning.json', 'TuneHousingModel');
    const plan = planTuningJob(step.arguments, step.facts);
    expect(plan.objective).toEqual({ type: 'Minimize', metricName: 'validation:rmse' });
    expect(plan.warnings).toEqual([]);
    expect(plan.trials.length).toBeGreaterThan(0);
    for (const tuned of plan.trials) {
      expect(Object.keys(tuned).sort()).toEqual(['eta', 'max_depth']);
      expect(Number(tuned['eta'])).toBeGreaterThanOrEqual(0.1);
      expect(Number(tuned['eta'])).toBeLessThanOrEqual(0.5);
    }
    const args = plan.trainingArguments(plan.trials[0] ?? {});
    expect(args['ResourceConfig']).toEqual({ InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 });
    expect(args['HyperParameters']).toMatchObject({ objective: 'reg:squarederror', num_round: '20' });
  });
});
