// Hyperparameter tuning: how values are sampled, and a tuning step's training jobs, seen through the
// fake runtime (what each job was given, how many ran at once, which one is best).
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { JobStep } from '../../src/engine/definition-types.js';
import type { JsonObject } from '../../src/engine/json.js';
import { StepFailure } from '../../src/errors.js';
import { MemoryObjectStore } from '../../src/mock-aws/memory-object-store.js';
import type { FakeContainer, FakeOutcome } from '../../src/ports/fake-container-engine.js';
import { instanceMemoryBytes } from '../../src/steps/instance-memory.js';
import type { JobDeps } from '../../src/steps/job-container.js';
import { TuningExecutor } from '../../src/steps/tuning-executor.js';
import {
  continuousValue,
  gridCombinations,
  integerValue,
  rankByObjective,
  sampleRandom,
  seededRandom,
  type ParameterRanges,
} from '../../src/steps/tuning-search.js';
import { executorContext } from './support/executor-context.js';
import { XGBOOST_URI, jobDeps } from './support/job-deps.js';

describe('tuning search', () => {
  const ranges: ParameterRanges = {
    integer: [{ name: 'max_depth', min: 2, max: 8, scaling: 'Auto' }],
    continuous: [{ name: 'eta', min: 0.01, max: 1, scaling: 'Logarithmic' }],
    categorical: [{ name: 'booster', values: ['gbtree', 'dart'] }],
  };

  it('samples the same values for the same seed, other values for another seed', () => {
    const a = sampleRandom(ranges, 5, seededRandom(42));
    expect(sampleRandom(ranges, 5, seededRandom(42))).toEqual(a);
    expect(sampleRandom(ranges, 5, seededRandom(43))).not.toEqual(a);
  });

  it('keeps every sampled value inside its range, as strings', () => {
    for (const values of sampleRandom(ranges, 200, seededRandom(7))) {
      const depth = Number(values['max_depth']);
      const eta = Number(values['eta']);
      expect(Number.isInteger(depth) && depth >= 2 && depth <= 8).toBe(true);
      expect(eta >= 0.01 && eta <= 1).toBe(true);
      expect(['gbtree', 'dart']).toContain(values['booster']);
    }
  });

  it.each([
    ['Linear 0..10 at 0.5', { name: 'x', min: 0, max: 10, scaling: 'Linear' as const }, 0.5, 5],
    ['Logarithmic 0.001..10 at 0.5', { name: 'x', min: 0.001, max: 10, scaling: 'Logarithmic' as const }, 0.5, 0.1],
    ['ReverseLogarithmic 0.9..0.999 at 0', { name: 'x', min: 0.9, max: 0.999, scaling: 'ReverseLogarithmic' as const }, 0, 0.999],
  ])('continuous %s', (_label, range, u, expected) => {
    expect(continuousValue(range, u)).toBeCloseTo(expected, 6);
  });

  it('reaches both ends of an integer range', () => {
    const range = { name: 'n', min: 1, max: 3, scaling: 'Linear' as const };
    expect([integerValue(range, 0), integerValue(range, 0.5), integerValue(range, 0.9999)]).toEqual([1, 2, 3]);
  });

  it('grid: every combination, the first range varying slowest, capped by the maximum', () => {
    const grid: ParameterRanges = {
      integer: [],
      continuous: [],
      categorical: [
        { name: 'a', values: ['1', '2'] },
        { name: 'b', values: ['x', 'y', 'z'] },
      ],
    };
    expect(gridCombinations(grid)).toEqual([
      { a: '1', b: 'x' },
      { a: '1', b: 'y' },
      { a: '1', b: 'z' },
      { a: '2', b: 'x' },
      { a: '2', b: 'y' },
      { a: '2', b: 'z' },
    ]);
    expect(gridCombinations(grid, 2)).toHaveLength(2);
  });

  it('grid refuses continuous ranges', () => {
    expect(() => gridCombinations(ranges)).toThrow(/cannot search continuous ranges \(eta\)/);
  });

  it.each([
    ['Minimize', [3, 1, undefined, 2], [1, 2, 3, undefined]],
    ['Maximize', [3, 1, undefined, 2], [3, 2, 1, undefined]],
  ] as const)('ranks best first when the objective is %s; jobs without a value come last', (type, values, expected) => {
    const ranked = rankByObjective(
      values.map((objective) => ({ objective })),
      type,
    );
    expect(ranked.map((r) => r.objective)).toEqual(expected);
  });
});

function tuningArguments(config: JsonObject = {}, definition: JsonObject = {}): JsonObject {
  return {
    HyperParameterTuningJobConfig: {
      Strategy: 'Random',
      HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'validation:rmse' },
      ResourceLimits: { MaxNumberOfTrainingJobs: 6, MaxParallelTrainingJobs: 2 },
      ParameterRanges: {
        ContinuousParameterRanges: [{ Name: 'eta', MinValue: '0.1', MaxValue: '0.5', ScalingType: 'Auto' }],
        IntegerParameterRanges: [{ Name: 'max_depth', MinValue: '1', MaxValue: '10', ScalingType: 'Auto' }],
        CategoricalParameterRanges: [],
      },
      TrainingJobEarlyStoppingType: 'Off',
      ...config,
    },
    TrainingJobDefinition: {
      StaticHyperParameters: { num_round: '10', objective: 'reg:squarederror', _tuning_objective_metric: 'validation:rmse' },
      RoleArn: 'arn:aws:iam::111122223333:role/SageMakerRole',
      OutputDataConfig: { S3OutputPath: 's3://bucket/tuning' },
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
      ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30 },
      AlgorithmSpecification: { TrainingInputMode: 'File', TrainingImage: XGBOOST_URI },
      InputDataConfig: [
        { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bucket/train/' } }, ContentType: 'text/csv', ChannelName: 'train' },
      ],
      ...definition,
    },
  };
}

const step = (args: JsonObject): JobStep => ({ Name: 'Tune', Type: 'Tuning', Arguments: args });

/** A training container whose validation-rmse is a function of its hyperparameters. */
function trainer(rmse: (hp: Record<string, string>) => number | undefined) {
  return async (container: FakeContainer): Promise<FakeOutcome> => {
    const hp = JSON.parse(await readFile(container.hostPath('/opt/ml/input/config/hyperparameters.json'), 'utf8')) as Record<string, string>;
    // Let other jobs start, so parallelism is observable.
    await new Promise((resolve) => setImmediate(resolve));
    await writeFile(container.hostPath('/opt/ml/model/xgboost-model'), JSON.stringify(hp));
    const value = rmse(hp);
    if (value === undefined) return { exitCode: 1 };
    container.log(`[9]\ttrain-rmse:0.1\tvalidation-rmse:${value}`);
    return { exitCode: 0 };
  };
}

async function setup(rmse: (hp: Record<string, string>) => number | undefined, args = tuningArguments(), overrides: Partial<JobDeps> = {}) {
  const objectStore = new MemoryObjectStore();
  await objectStore.put('s3://bucket/train/train.csv', '1,2\n');
  const deps = jobDeps(trainer(rmse), overrides);
  const context = await executorContext(step(args), { objectStore, jobName: 'pipelines-abcdef123456-Tune-Xy12Ab34Cd' });
  return { deps, context, objectStore, execute: () => new TuningExecutor(deps).execute(context) };
}

describe('Tuning executor', () => {
  it('runs MaxNumberOfTrainingJobs training jobs, at most MaxParallelTrainingJobs at once', async () => {
    const { execute, deps } = await setup((hp) => Number(hp['eta']));
    await execute();
    expect(deps.runtime.specs).toHaveLength(6);
    expect(deps.runtime.maxConcurrent).toBe(2);
  });

  it('names training jobs <tuning job>-<nnn>-<8 hex> and puts models where the cloud does', async () => {
    const { execute, objectStore } = await setup((hp) => Number(hp['eta']));
    const result = await execute();
    const summaries = result.properties['TrainingJobSummaries'] as JsonObject[];
    const names = summaries.map((s) => String(s['TrainingJobName'])).sort();
    expect(names[0]).toMatch(/^pipelines-abcdef123456-Tune-Xy12-001-[0-9a-f]{8}$/);
    expect(names[5]).toMatch(/-006-[0-9a-f]{8}$/);
    for (const name of names) expect(await objectStore.exists(`s3://bucket/tuning/${name}/output/model.tar.gz`)).toBe(true);
  });

  it('gives each job the static hyperparameters plus its tuned values', async () => {
    const seen: Record<string, string>[] = [];
    const { execute } = await setup((hp) => {
      seen.push(hp);
      return Number(hp['eta']);
    });
    await execute();
    for (const hp of seen) {
      expect(hp).toMatchObject({ num_round: '10', objective: 'reg:squarederror', _tuning_objective_metric: 'validation:rmse' });
      expect(Number(hp['eta'])).toBeGreaterThanOrEqual(0.1);
      expect(Number.isInteger(Number(hp['max_depth']))).toBe(true);
    }
  });

  it("limits each training job's container to the memory of the definition's instance type", async () => {
    const { execute, deps } = await setup((hp) => Number(hp['eta']), tuningArguments(), { memoryLimit: instanceMemoryBytes });
    await execute();
    expect(deps.runtime.specs.map((spec) => spec.memoryBytes)).toEqual(Array(6).fill(16 * 1024 ** 3));
  });

  it('takes the instance type from HyperParameterTuningResourceConfig (its first InstanceConfigs entry) when there is no ResourceConfig', async () => {
    const args = tuningArguments(
      { ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 } },
      {
        ResourceConfig: null,
        HyperParameterTuningResourceConfig: {
          AllocationStrategy: 'Prioritized',
          InstanceConfigs: [
            { InstanceType: 'ml.c5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 },
            { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 30 },
          ],
        },
      },
    );
    const { execute, deps } = await setup((hp) => Number(hp['eta']), args, { memoryLimit: instanceMemoryBytes });
    const instanceTypes: string[] = [];
    const train = trainer((hp) => Number(hp['eta']));
    deps.runtime.setBehaviour(async (container) => {
      const resources = JSON.parse(await readFile(container.hostPath('/opt/ml/input/config/resourceconfig.json'), 'utf8')) as { current_instance_type: string };
      instanceTypes.push(resources.current_instance_type);
      return train(container);
    });
    await execute();
    expect(instanceTypes).toEqual(['ml.c5.xlarge', 'ml.c5.xlarge']);
    expect(deps.runtime.specs.map((spec) => spec.memoryBytes)).toEqual([8 * 1024 ** 3, 8 * 1024 ** 3]);
  });

  it('BestTrainingJob is the job with the lowest objective when minimizing; summaries are best first', async () => {
    const { execute } = await setup((hp) => Number(hp['eta']));
    const result = await execute();
    const summaries = result.properties['TrainingJobSummaries'] as JsonObject[];
    const values = summaries.map((s) => (s['FinalHyperParameterTuningJobObjectiveMetric'] as JsonObject)['Value'] as number);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    const best = result.properties['BestTrainingJob'] as JsonObject;
    expect(best).toEqual(summaries[0]);
    expect(best).toMatchObject({
      TrainingJobStatus: 'Completed',
      ObjectiveStatus: 'Succeeded',
      FinalHyperParameterTuningJobObjectiveMetric: { MetricName: 'validation:rmse', Value: values[0] },
      TunedHyperParameters: { eta: expect.any(String), max_depth: expect.any(String) },
    });
    expect(Number((best['TunedHyperParameters'] as JsonObject)['eta'])).toBeCloseTo(values[0] ?? NaN, 10);
  });

  it('Maximize puts the highest value first', async () => {
    const args = tuningArguments({ HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:rmse' } });
    const { execute } = await setup((hp) => Number(hp['eta']), args);
    const result = await execute();
    const values = (result.properties['TrainingJobSummaries'] as JsonObject[]).map((s) => (s['FinalHyperParameterTuningJobObjectiveMetric'] as JsonObject)['Value'] as number);
    expect(values).toEqual([...values].sort((a, b) => b - a));
  });

  it('samples the same values for the same RandomSeed', async () => {
    const tuned = async (): Promise<string[]> => {
      const seen: string[] = [];
      const { execute } = await setup((hp) => {
        seen.push(hp['eta'] ?? '');
        return 1;
      }, tuningArguments({ RandomSeed: 1234 }));
      await execute();
      return seen.sort();
    };
    expect(await tuned()).toEqual(await tuned());
  });

  it('Grid runs every categorical combination', async () => {
    const args = tuningArguments({
      Strategy: 'Grid',
      ResourceLimits: { MaxParallelTrainingJobs: 3 },
      ParameterRanges: { CategoricalParameterRanges: [{ Name: 'max_depth', Values: ['2', '4'] }, { Name: 'eta', Values: ['0.1', '0.3'] }] },
    });
    const seen: string[] = [];
    const { execute } = await setup((hp) => {
      seen.push(`${hp['max_depth']}/${hp['eta']}`);
      return Number(hp['eta']) * Number(hp['max_depth']);
    }, args);
    const result = await execute();
    expect(seen.sort()).toEqual(['2/0.1', '2/0.3', '4/0.1', '4/0.3']);
    expect((result.properties['BestTrainingJob'] as JsonObject)['TunedHyperParameters']).toEqual({ max_depth: '2', eta: '0.1' });
  });

  it.each(['Bayesian', 'Hyperband'])('%s runs as Random with a warning', async (strategy) => {
    const { execute, context, deps } = await setup((hp) => Number(hp['eta']), tuningArguments({ Strategy: strategy }));
    await execute();
    expect(context.warnings.some((w) => w.includes(`${strategy} tuning strategy runs as Random`))).toBe(true);
    expect(deps.runtime.specs).toHaveLength(6);
  });

  it('failed training jobs are listed after the others and do not stop the tuning job', async () => {
    const { execute } = await setup((hp) => (Number(hp['max_depth']) > 5 ? undefined : Number(hp['eta'])), tuningArguments({ RandomSeed: 3 }));
    const result = await execute();
    const summaries = result.properties['TrainingJobSummaries'] as JsonObject[];
    const statuses = summaries.map((s) => s['TrainingJobStatus']);
    const firstFailed = statuses.indexOf('Failed');
    expect(firstFailed).toBeGreaterThan(0);
    expect(statuses.slice(firstFailed).every((s) => s === 'Failed')).toBe(true);
    expect(result.properties['TrainingJobStatusCounters']).toMatchObject({ Completed: firstFailed, NonRetryableError: 6 - firstFailed });
  });

  it('fails with the first training failure when no job succeeds', async () => {
    const { execute } = await setup(() => undefined);
    const error = (await execute().catch((e: unknown) => e)) as StepFailure;
    expect(error).toBeInstanceOf(StepFailure);
    expect(error.message).toContain('No training job of tuning job pipelines-abcdef123456-Tune-Xy12 succeeded (6 of 6 failed)');
    expect(error.message).toContain('exited with code 1');
    expect(error.exceptionType).toBeUndefined();
  });

  it('an objective metric that no definition provides is a validation error before any job runs', async () => {
    const args = tuningArguments({ HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'validation:auc-typo' } });
    const { execute, deps } = await setup(() => 1, args);
    await expect(execute()).rejects.toThrow(/objective metric validation:auc-typo is not among the metric definitions/);
    expect(deps.runtime.specs).toHaveLength(0);
  });

  it('returns DescribeHyperParameterTuningJob-shaped properties and TuningJob metadata', async () => {
    const { execute } = await setup((hp) => Number(hp['eta']));
    const result = await execute();
    expect(result.properties).toMatchObject({
      HyperParameterTuningJobName: 'pipelines-abcdef123456-Tune-Xy12',
      HyperParameterTuningJobStatus: 'Completed',
      TrainingJobStatusCounters: { Completed: 6, NonRetryableError: 0 },
      ObjectiveStatusCounters: { Succeeded: 6, Failed: 0 },
    });
    expect(result.metadata?.TuningJob?.Arn).toBe('arn:aws:sagemaker:us-east-1:111122223333:hyper-parameter-tuning-job/pipelines-abcdef123456-tune-xy12');
  });
});
