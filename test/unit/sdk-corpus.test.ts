// The corpus of definitions made by the real SageMaker Python SDK (fixtures/sdk-corpus/<release>/):
// each validates, and each runs with every job step stubbed to the outcome SageMaker would give.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../../src/engine/validate.js';
import { loadManifest } from '../../src/fixtures/manifest.js';
import { createTestEnvironment } from '../../src/testing.js';
import type { TestStub } from '../../src/testing.js';

const CORPUS = path.resolve(import.meta.dirname, '../../fixtures/sdk-corpus');
const RELEASES = readdirSync(CORPUS).filter((name) => /^\d+\.\d+\.\d+$/.test(name)).sort();
const PIPELINES = ['housing', 'churn', 'tuning', 'showcase'] as const;
type Pipeline = (typeof PIPELINES)[number];
const file = (release: string, pipeline: Pipeline): string => path.join(CORPUS, release, `${pipeline}.json`);

/** Releases before 2.204.0 write Not with "Expression", which SageMaker rejects. */
const writesLegacyNot = (release: string): boolean => {
  const [major, minor] = release.split('.').map(Number) as [number, number];
  return major === 2 && minor < 204;
};

interface Scenario {
  readonly label: string;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly stubs: Readonly<Record<string, TestStub>>;
  readonly status: 'Succeeded' | 'Failed';
  /** Steps expected Succeeded (or Failed for a Fail step) and Skipped. */
  readonly ran: readonly string[];
  readonly skipped: readonly string[];
  readonly failureReason?: string;
}

const housingReport = (mse: number): Record<string, TestStub> => ({ EvaluateHousingModel: { propertyFiles: { EvaluationReport: { regression_metrics: { mse: { value: mse } } } } } });
const churnReport = (accuracy: number): Record<string, TestStub> => ({
  EvaluateChurnModel: { propertyFiles: { ChurnEvaluationReport: { binary_classification_metrics: { accuracy: { value: accuracy } } } } },
});
const showcase = (approved: boolean, score = 0.9): Record<string, TestStub> => ({
  LookupDataset: { outputParameters: { version: 'v3', score: 0.87 } },
  Featurize: { propertyFiles: { FeatureReport: { quality: { score } } } },
  ApproveFeatures: { outputParameters: { approved } },
  NotifyReady: { outputParameters: { version: 'v3' } },
});

const SCENARIOS: Record<Pipeline, readonly Scenario[]> = {
  housing: [
    {
      label: 'a good model is registered, created and used for the batch transform',
      stubs: housingReport(0.3),
      status: 'Succeeded',
      ran: ['PreprocessHousingData', 'TrainHousingModel', 'EvaluateHousingModel', 'CheckMse', 'RegisterHousingModel-RegisterModel', 'CreateHousingModel-CreateModel', 'PredictHousingTest'],
      skipped: ['MseTooHigh'],
    },
    {
      label: 'an MSE above MseThreshold (given as "0.25") ends in the Fail step',
      parameters: { MseThreshold: '0.25' },
      stubs: housingReport(0.3),
      status: 'Failed',
      ran: ['CheckMse', 'MseTooHigh'],
      skipped: ['RegisterHousingModel-RegisterModel', 'PredictHousingTest'],
      failureReason: 'MSE above the threshold 0.25',
    },
  ],
  churn: [
    {
      label: 'an accurate model is repacked by the SDK step, then registered',
      stubs: churnReport(0.81),
      status: 'Succeeded',
      ran: ['TrainChurnModel', 'CheckChurnAccuracy', 'RegisterChurnModel-RepackModel-0', 'RegisterChurnModel-RegisterModel'],
      skipped: [],
    },
    {
      label: 'an inaccurate model is neither repacked nor registered, and the execution succeeds',
      stubs: churnReport(0.5),
      status: 'Succeeded',
      ran: ['CheckChurnAccuracy'],
      skipped: ['RegisterChurnModel-RepackModel-0', 'RegisterChurnModel-RegisterModel'],
    },
  ],
  tuning: [
    {
      label: 'the tuning fan-out, then the best model registered',
      parameters: { MaxJobs: '3' },
      stubs: {},
      status: 'Succeeded',
      ran: ['PreprocessForTuning', 'TuneHousingModel', 'RegisterBestModel-RegisterModel'],
      skipped: [],
    },
  ],
  showcase: [
    {
      label: 'approved features pass the Not/In/Or gate and the second Lambda runs',
      parameters: { SkipGate: 'False', Mode: 'fast' },
      stubs: showcase(true),
      status: 'Succeeded',
      ran: ['LookupDataset', 'Featurize', 'ApproveFeatures', 'CheckFeatures', 'NotifyReady'],
      skipped: ['FeaturesRejected'],
    },
    {
      label: 'rejected features end in the Fail step, its message joining the Lambda output and the execution ARN',
      parameters: { SkipGate: 'True' },
      stubs: showcase(false),
      status: 'Failed',
      ran: ['CheckFeatures', 'FeaturesRejected'],
      skipped: ['NotifyReady'],
      failureReason: 'features of v3 rejected in arn:aws:sagemaker:',
    },
  ],
};

describe.each(RELEASES)('SDK %s corpus', (release) => {
  it('holds every pipeline', () => {
    expect(readdirSync(path.join(CORPUS, release)).sort()).toEqual([...PIPELINES.map((p) => `${p}.json`), 'manifest.json'].sort());
  });

  it('has a manifest that loads, naming files that exist', () => {
    expect(loadManifest(path.join(CORPUS, release, 'manifest.json')).entries.length).toBeGreaterThan(0);
  });

  it.each(PIPELINES)('%s validates', (pipeline) => {
    const result = validateDefinition(JSON.parse(readFileSync(file(release, pipeline), 'utf8')));
    expect(result.problems).toEqual([]);
    const legacy = pipeline === 'showcase' && writesLegacyNot(release);
    expect(result.warnings.map((w) => w.code)).toEqual(legacy ? ['LEGACY_NOT_EXPRESSION'] : []);
  });

  const cases = PIPELINES.flatMap((pipeline) => SCENARIOS[pipeline].map((scenario) => [`${pipeline}: ${scenario.label}`, pipeline, scenario] as const));
  it.each(cases)('%s', async (_label, pipeline, scenario) => {
    await using env = await createTestEnvironment();
    const result = await env.run(file(release, pipeline), { stubAll: true, stubs: scenario.stubs, parameters: scenario.parameters ?? {}, seed: false });
    expect(result.status, result.failureReason).toBe(scenario.status);
    for (const step of scenario.ran) expect(result.step(step).status, step).not.toBe('Skipped');
    for (const step of scenario.skipped) expect(result.step(step).status, step).toBe('Skipped');
    if (scenario.failureReason !== undefined) {
      const failStep = scenario.ran.at(-1) as string;
      expect(result.step(failStep).failureReason).toContain(scenario.failureReason);
    }
  });
});
