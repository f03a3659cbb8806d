import { describe, expect, it } from 'vitest';
import { listRunOutputs, storeFlagsOf } from '../../src/cli/run-report/run-outputs.js';
import { formatRunSummary } from '../../src/cli/run-report/run-summary.js';
import { formatSummary } from '../../src/cli/summary.js';
import { resolveConfig } from '../../src/config.js';
import type { PipelineStep } from '../../src/engine/definition-types.js';
import type { ExecutionRecord, StepRecord } from '../../src/engine/execution-record.js';
import { MemoryObjectStore } from '../../src/mock-aws/memory-object-store.js';

const ARN = 'arn:aws:sagemaker:us-east-1:111122223333';
const EVALUATION = { regression_metrics: { mse: { value: 0.29213681901546507, standard_deviation: 0.5706 }, rmse: { value: 0.5404968 }, r2: { value: 0.8038571 } } };

const step = (fields: Partial<StepRecord> & Pick<StepRecord, 'stepName' | 'stepType'>): StepRecord => ({
  status: 'Succeeded',
  attemptCount: 1,
  metadata: {},
  startTime: '2024-06-01T12:00:00.000Z',
  endTime: '2024-06-01T12:00:02.000Z',
  ...fields,
});

const condition: PipelineStep = {
  Name: 'CheckMseThreshold',
  Type: 'Condition',
  Arguments: {
    Conditions: [
      {
        Type: 'LessThanOrEqualTo',
        LeftValue: { 'Std:JsonGet': { PropertyFile: { Get: 'Steps.EvaluateModel.PropertyFiles.EvaluationReport' }, Path: 'regression_metrics.mse.value' } },
        RightValue: { Get: 'Parameters.MseThreshold' },
      },
    ],
    IfSteps: [
      { Name: 'Register', Type: 'RegisterModel', Arguments: {} },
      { Name: 'Transform', Type: 'Transform', Arguments: {} },
    ],
    ElseSteps: [{ Name: 'MseTooHigh', Type: 'Fail', Arguments: { ErrorMessage: 'too high' } }],
  },
};

/** A housing-like execution whose condition was True. */
function housing(overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return {
    executionId: 'abc123def456',
    executionArn: `${ARN}:pipeline/housing/execution/abc123def456`,
    pipelineName: 'housing',
    pipelineArn: `${ARN}:pipeline/housing`,
    status: 'Succeeded',
    startTime: '2024-06-01T12:00:00.000Z',
    endTime: '2024-06-01T12:01:05.000Z',
    lastModifiedTime: '2024-06-01T12:01:05.000Z',
    parameters: {},
    definition: {
      Version: '2020-12-01',
      Parameters: [],
      Steps: [
        { Name: 'TrainModel', Type: 'Training', Arguments: {} },
        { Name: 'EvaluateModel', Type: 'Processing', Arguments: {} },
        condition,
      ],
    },
    mode: 'local',
    steps: [
      step({
        stepName: 'TrainModel',
        stepType: 'Training',
        logFile: 'logs/TrainModel.log',
        properties: {
          FinalMetricDataList: [
            { MetricName: 'train:rmse', Value: 0.38299, Timestamp: '2024-06-01T12:00:01.000Z' },
            { MetricName: 'validation:rmse', Value: 0.55513, Timestamp: '2024-06-01T12:00:01.000Z' },
          ],
        },
      }),
      step({ stepName: 'EvaluateModel', stepType: 'Processing', logFile: 'logs/EvaluateModel.log', propertyFiles: { EvaluationReport: EVALUATION } }),
      step({
        stepName: 'CheckMseThreshold',
        stepType: 'Condition',
        metadata: { Condition: { Outcome: 'True' } },
        resolvedArguments: { Conditions: [{ Type: 'LessThanOrEqualTo', LeftValue: 0.29213681901546507, RightValue: 0.5 }] },
      }),
      {
        stepName: 'MseTooHigh',
        stepType: 'Fail',
        status: 'Skipped',
        attemptCount: 0,
        metadata: {},
        skipReason: 'branch not taken: condition CheckMseThreshold evaluated to True and this step is in its ElseSteps',
      },
      step({
        stepName: 'Register',
        stepType: 'RegisterModel',
        metadata: { RegisterModel: { Arn: `${ARN}:model-package/sagesim-housing/1` } },
        properties: { ModelPackageGroupName: 'sagesim-housing', ModelPackageVersion: 1, ModelApprovalStatus: 'PendingManualApproval' },
      }),
      step({
        stepName: 'Transform',
        stepType: 'Transform',
        logFile: 'logs/Transform.log',
        properties: { TransformOutput: { S3OutputPath: 's3://bucket/housing/transform/abc123def456' } },
      }),
    ],
    ...overrides,
  };
}

function sectionOf(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(title);
  if (start < 0) return [];
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

describe('the summary at the end of a run', () => {
  it('lists the training metrics of each Training step', () => {
    expect(sectionOf(formatSummary(housing()), 'Training')).toEqual(['  TrainModel  train:rmse = 0.383, validation:rmse = 0.5551']);
  });

  it('shows a property file as one list: the first path in full, the others shortened', () => {
    expect(sectionOf(formatSummary(housing()), 'Evaluation')).toEqual([
      '  EvaluateModel / EvaluationReport: regression_metrics.mse.value = 0.2921,',
      '    mse.standard_deviation = 0.5706, rmse = 0.5405, r2 = 0.8039',
    ]);
  });

  it('gives a property file of several objects one line per object, hides "NaN" and counts long strings', () => {
    const report = {
      winner: { name: 'sklearn-gbm', rmse: 0.5313, model_data_url: 's3://bucket/models/gbm/pipelines-abc-TrainSklearnGBM-xyz/output/model.tar.gz' },
      models: { knn: { rmse: 0.6876 }, xgboost: { rmse: 0.5443 } },
      binary_classification_metrics: { accuracy: { value: 0.81, standard_deviation: 'NaN' } },
    };
    const record = housing();
    record.steps[1] = { ...(record.steps[1] as StepRecord), propertyFiles: { ComparisonReport: report } };
    expect(sectionOf(formatSummary(record), 'Evaluation')).toEqual([
      '  EvaluateModel / ComparisonReport',
      '    winner: name = sklearn-gbm, rmse = 0.5313',
      '    models.knn: rmse = 0.6876',
      '    models.xgboost: rmse = 0.5443',
      '    binary_classification_metrics: accuracy.value = 0.81',
      '    … 1 more (sagesim show abc123def456 --step EvaluateModel)',
    ]);
  });

  it('shows each condition with its outcome, the values compared and where they came from', () => {
    expect(sectionOf(formatSummary(housing()), 'Conditions')).toEqual([
      '  CheckMseThreshold  True  0.2921 <= 0.5  (regression_metrics.mse.value <= MseThreshold)',
    ]);
  });

  it('says which branch a skipped step was in, in a few words', () => {
    const row = formatSummary(housing()).split('\n').find((line) => line.startsWith('MseTooHigh'));
    expect(row).toMatch(/Skipped .* branch not taken \(CheckMseThreshold: True\)$/);
  });

  it('gives the registered model package: group, version, approval status and ARN', () => {
    expect(sectionOf(formatSummary(housing()), 'Registered models')).toEqual([
      '  Register  sagesim-housing version 1, PendingManualApproval',
      `    ${ARN}:model-package/sagesim-housing/1`,
    ]);
  });

  it('says where the transform output is and how many objects it holds', () => {
    const text = formatSummary(housing(), {
      transformOutputs: [
        {
          stepName: 'Transform',
          uri: 's3://bucket/housing/transform/abc123def456/',
          objects: [{ uri: 's3://bucket/housing/transform/abc123def456/test.csv.out', key: 'housing/transform/abc123def456/test.csv.out', size: 2048 }],
        },
      ],
    });
    expect(sectionOf(text, 'Transform output')).toEqual(['  Transform  s3://bucket/housing/transform/abc123def456/  1 object, 2.0 KiB']);
    expect(sectionOf(text, 'Next')).toContain('  sagesim s3 cat s3://bucket/housing/transform/abc123def456/test.csv.out');
  });

  it('suggests what to run next, with the flags that find this home', () => {
    expect(sectionOf(formatSummary(housing(), { storeFlags: '--home /tmp/x' }), 'Next')).toEqual([
      '  sagesim show abc123def456 --home /tmp/x',
      '  sagesim logs abc123def456 TrainModel --home /tmp/x',
      '  sagesim models ls sagesim-housing --home /tmp/x',
      '  sagesim models approve sagesim-housing/1 --home /tmp/x',
      '  sagesim s3 ls s3://bucket/housing/transform/abc123def456/ --home /tmp/x',
    ]);
  });

  it('adds what each command is for when the terminal is wide enough', () => {
    const next = sectionOf(formatSummary(housing(), { width: 120 }), 'Next');
    expect(next[0]).toMatch(/^ {2}sagesim show abc123def456 +every step: arguments, properties, outputs$/);
  });

  it('prints the first failure in full and points the logs command at the failed job', () => {
    const record = housing({ status: 'Failed', failureReason: 'Step failure: One or multiple steps failed.' });
    record.steps[0] = {
      ...(record.steps[0] as StepRecord),
      status: 'Failed',
      endTime: '2024-06-01T12:00:01.000Z',
      failureReason: 'AlgorithmError: training exited with code 1\nlast log lines:\n  ValueError: bad input',
    };
    record.steps[1] = { ...(record.steps[1] as StepRecord), status: 'Failed', endTime: '2024-06-01T12:00:03.000Z', failureReason: 'second\nfailure' };
    const text = formatSummary(record);
    expect(sectionOf(text, 'Failures')).toEqual([
      '  TrainModel (Training):',
      '    AlgorithmError: training exited with code 1',
      '    last log lines:',
      '      ValueError: bad input',
      '  EvaluateModel (Processing): second',
    ]);
    expect(sectionOf(text, 'Next')).toContain('  sagesim logs abc123def456 TrainModel');
    expect(text).toContain('Execution abc123def456 Failed in 1m05s: Step failure: One or multiple steps failed.');
  });

  it('suggests no logs command when every job was a cache hit and only a Fail or Condition step has a log', () => {
    const record = housing();
    record.steps = record.steps.map((s) =>
      s.stepType === 'Condition' || s.stepType === 'Fail' ? { ...s, logFile: `logs/${s.stepName}.log` } : { ...s, logFile: undefined },
    );
    expect(sectionOf(formatSummary(record), 'Next').some((line) => line.includes('sagesim logs'))).toBe(false);
  });

  it('suggests no local commands for an execution that ran remotely', () => {
    expect(formatSummary(housing({ mode: 'remote' }))).not.toContain('\nNext\n');
  });

  it('uses colour only when asked (a terminal), and then only around words', () => {
    expect(formatSummary(housing())).not.toContain('\x1b[');
    const coloured = formatSummary(housing(), { color: true });
    expect(coloured).toContain('\x1b[32mSucceeded\x1b[39m');
    // Colour does not shift the columns: without escapes, the text is the plain one.
    expect(coloured.replace(new RegExp(String.raw`\x1b\[\d+m`, 'g'), '')).toBe(formatSummary(housing()));
  });

  it.each([80, 100, 120])('keeps the sections within %i columns (commands and ARNs excepted)', (width) => {
    const text = formatSummary(housing(), { width });
    const beforeNext = text.slice(0, text.indexOf('\nNext\n'));
    // A word longer than the line (an ARN) is not broken.
    const wrappable = beforeNext.split('\n').filter((line) => line.trim().includes(' '));
    for (const line of wrappable) expect(line.length, line).toBeLessThanOrEqual(width);
  });

  it('moves reasons under their row when the terminal is too narrow for a REASON column', () => {
    const lines = formatSummary(housing(), { width: 70 }).split('\n');
    const row = lines.findIndex((line) => line.startsWith('MseTooHigh'));
    expect(lines[0]).not.toContain('REASON');
    expect(lines[row + 1]).toBe('    branch not taken (CheckMseThreshold: True)');
  });

  it('tableOnly keeps the step table and the execution line', () => {
    const text = formatSummary(housing(), { tableOnly: true });
    expect(text).not.toContain('Training\n');
    expect(text).toContain('Execution abc123def456 Succeeded in 1m05s');
  });
});

describe('Tuning steps in the training section', () => {
  it('shows the best job, its objective and the hyperparameters that won', () => {
    const record = housing();
    record.steps[0] = step({
      stepName: 'TuneXGBoost',
      stepType: 'Tuning',
      properties: {
        TrainingJobStatusCounters: { Completed: 3, InProgress: 0, RetryableError: 0, NonRetryableError: 1, Stopped: 0 },
        BestTrainingJob: {
          TrainingJobName: 'pipelines-abc-TuneXGBoo-002-1a2b3c4d',
          TunedHyperParameters: { max_depth: '5', eta: '0.10677299939561635' },
          FinalHyperParameterTuningJobObjectiveMetric: { Type: 'Minimize', MetricName: 'validation:rmse', Value: 0.54709 },
        },
      },
    });
    expect(sectionOf(formatSummary(record), 'Training')).toEqual([
      '  TuneXGBoost  best validation:rmse = 0.5471 (Minimize, 3 of 4 jobs completed)',
      '               with max_depth = 5, eta = 0.1068',
      '               training job pipelines-abc-TuneXGBoo-002-1a2b3c4d',
    ]);
  });
});

describe('listing the transform output after the run', () => {
  const config = resolveConfig({ cwd: '/tmp', home: '/tmp/sagesim-summary-test' }, {});

  it('counts the objects under each Transform step output path', async () => {
    const store = new MemoryObjectStore();
    await store.put('s3://bucket/housing/transform/abc123def456/a.csv.out', '1\n2\n');
    await store.put('s3://bucket/housing/transform/abc123def456/b.csv.out', '3\n');
    await store.put('s3://bucket/housing/transform/other/c.csv.out', '4\n');
    let disposed = false;
    const outputs = await listRunOutputs(housing(), config, {
      openStore: async () => Object.assign(store, { [Symbol.asyncDispose]: async () => void (disposed = true) }),
    });
    expect(outputs.map((o) => [o.stepName, o.uri, o.objects?.length])).toEqual([['Transform', 's3://bucket/housing/transform/abc123def456/', 2]]);
    expect(disposed).toBe(true);
  });

  it('leaves the count out when the store cannot be opened, rather than failing the run', async () => {
    const outputs = await listRunOutputs(housing(), config, {
      openStore: () => Promise.reject(new Error('port in use')),
    });
    expect(outputs).toEqual([{ stepName: 'Transform', uri: 's3://bucket/housing/transform/abc123def456/' }]);
  });

  it('does not open a store when no Transform step ran', async () => {
    const record = housing();
    record.steps.pop();
    const outputs = await listRunOutputs(record, config, { openStore: () => Promise.reject(new Error('must not be called')) });
    expect(outputs).toEqual([]);
  });

  it('formats for the stream it writes to: colour on a terminal unless NO_COLOR, plain in a pipe', async () => {
    const openStore = async () => Object.assign(new MemoryObjectStore(), { [Symbol.asyncDispose]: async () => undefined });
    const tty = { write: () => true, isTTY: true, columns: 100 };
    const coloured = await formatRunSummary(housing(), { config, out: tty, env: {}, flags: { home: '/tmp/my home' }, openStore });
    expect(coloured).toContain('\x1b[');
    expect(coloured).toContain("sagesim show abc123def456 --home '/tmp/my home'");
    expect(await formatRunSummary(housing(), { config, out: tty, env: { NO_COLOR: '1' }, flags: {}, openStore })).not.toContain('\x1b[');
    expect(await formatRunSummary(housing(), { config, out: { write: () => true }, env: {}, flags: {}, openStore })).not.toContain('\x1b[');
  });

  it.each([
    [{}, ''],
    [{ home: '/tmp/x' }, '--home /tmp/x'],
    [{ home: '.sagesim', config: 'my config.json' }, "--home .sagesim --config 'my config.json'"],
  ])('repeats the store flags %j as %j', (flags, text) => {
    expect(storeFlagsOf(flags)).toBe(text);
  });
});

describe('the step table in a pipe or a log', () => {
  it('keeps a long multi-line failure reason to its first line, cut to 160 columns', () => {
    const record = housing({ status: 'Failed' });
    const reason = `AlgorithmError: ${'x'.repeat(300)}\nLast 3 lines of the log:\n  | boom`;
    record.steps[0] = { ...(record.steps[0] as StepRecord), status: 'Failed', failureReason: reason };
    const row = formatSummary(record).split('\n').find((line) => line.startsWith('TrainModel '));
    expect(row).toHaveLength(160);
    expect(row).toMatch(/Failed .* AlgorithmError: x+…$/);
  });
});
