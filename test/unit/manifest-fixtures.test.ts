// The shipped example pipelines: valid definitions in the SDK's shape, and manifests that place
// everything those definitions read from S3 (scripts, data, source tarballs) before a run.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../../src/engine/validate.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../src/engine/json.js';
import { findManifestFor, loadManifest, type Manifest } from '../../src/fixtures/manifest.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures');
const NAMES = ['housing', 'model-comparison', 'churn'];

function load(name: string): { definition: JsonObject; manifest: Manifest } {
  const file = path.join(FIXTURES, name, 'pipeline.json');
  const definition = JSON.parse(readFileSync(file, 'utf8')) as JsonObject;
  const manifestFile = findManifestFor(file);
  if (!manifestFile) throw new Error(`no manifest beside ${file}`);
  return { definition, manifest: loadManifest(manifestFile) };
}

/** Every step, including those nested in condition branches. */
function allSteps(steps: readonly JsonValue[]): JsonObject[] {
  const out: JsonObject[] = [];
  for (const step of steps) {
    if (!isJsonObject(step)) continue;
    out.push(step);
    const args = step['Arguments'];
    if (step['Type'] === 'Condition' && isJsonObject(args)) {
      out.push(...allSteps((args['IfSteps'] as JsonValue[]) ?? []), ...allSteps((args['ElseSteps'] as JsonValue[]) ?? []));
    }
  }
  return out;
}

/** S3 URIs a run reads that no step produces: literal processing inputs, parameter defaults, source tarballs. */
function urisReadFromS3(definition: JsonObject): string[] {
  const uris: string[] = [];
  for (const p of definition['Parameters'] as JsonObject[]) {
    if (typeof p['DefaultValue'] === 'string' && p['DefaultValue'].startsWith('s3://')) uris.push(p['DefaultValue']);
  }
  for (const step of allSteps(definition['Steps'] as JsonValue[])) {
    const args = step['Arguments'] as JsonObject;
    for (const input of (args['ProcessingInputs'] as JsonObject[] | undefined) ?? []) {
      const uri = (input['S3Input'] as JsonObject)['S3Uri'];
      if (typeof uri === 'string') uris.push(uri);
    }
    const submit = (args['HyperParameters'] as JsonObject | undefined)?.['sagemaker_submit_directory'];
    if (typeof submit === 'string') uris.push(JSON.parse(submit) as string);
  }
  return uris;
}

describe.each(NAMES)('fixture %s', (name) => {
  const { definition, manifest } = load(name);
  const steps = allSteps(definition['Steps'] as JsonValue[]);

  it('is a valid definition', () => {
    expect(validateDefinition(definition).problems).toEqual([]);
  });

  it('has the top-level shape pipeline.definition() writes', () => {
    expect(Object.keys(definition)).toEqual(['Version', 'Metadata', 'Parameters', 'PipelineExperimentConfig', 'Steps']);
    expect(definition['Version']).toBe('2020-12-01');
    expect(definition['PipelineExperimentConfig']).toEqual({
      ExperimentName: { Get: 'Execution.PipelineName' },
      TrialName: { Get: 'Execution.PipelineExecutionId' },
    });
  });

  it('places every S3 object the pipeline reads', () => {
    const placed = manifest.entries.map((e) => e.uri);
    const missing = urisReadFromS3(definition).filter((uri) => !placed.some((p) => p === uri || (p.endsWith('/') && uri.startsWith(p))));
    expect(missing).toEqual([]);
  });

  it('runs processing scripts that the manifest uploads as the code input', () => {
    for (const step of steps.filter((s) => s['Type'] === 'Processing')) {
      const args = step['Arguments'] as JsonObject;
      const entrypoint = (args['AppSpecification'] as JsonObject)['ContainerEntrypoint'] as string[];
      const script = path.posix.basename(entrypoint[1] ?? '');
      const code = (args['ProcessingInputs'] as JsonObject[]).find((i) => i['InputName'] === 'code');
      const uri = (code?.['S3Input'] as JsonObject)['S3Uri'] as string;
      expect(path.posix.basename(uri), `${String(step['Name'])} runs ${script}`).toBe(script);
      const entry = manifest.entries.find((e) => e.uri === uri);
      expect(entry?.kind === 'file' && path.basename(entry.file)).toBe(script);
    }
  });

  it('ships the script-mode entry point inside its source tarball', () => {
    for (const step of steps.filter((s) => s['Type'] === 'Training')) {
      const hps = (step['Arguments'] as JsonObject)['HyperParameters'] as JsonObject;
      if (typeof hps['sagemaker_program'] !== 'string') continue;
      const program = JSON.parse(hps['sagemaker_program']) as string;
      const tarball = manifest.entries.find((e) => e.uri === JSON.parse(String(hps['sagemaker_submit_directory'])));
      expect(tarball?.kind).toBe('tarball');
      if (tarball?.kind === 'tarball') expect(existsSync(path.join(tarball.directory, program))).toBe(true);
    }
  });

  it('caches and retries every job step that may be cached', () => {
    for (const step of steps.filter((s) => ['Processing', 'Training', 'Tuning', 'Transform'].includes(String(s['Type'])))) {
      expect(step['CacheConfig'], String(step['Name'])).toEqual({ Enabled: true, ExpireAfter: '30d' });
      expect(step['RetryPolicies'], String(step['Name'])).toBeDefined();
    }
  });
});

describe('housing', () => {
  const { definition } = load('housing');
  const steps = allSteps(definition['Steps'] as JsonValue[]);
  const byName = (name: string) => steps.find((s) => s['Name'] === name) as JsonObject;

  it('gates registration on the evaluation MSE and fails with the measured MSE otherwise', () => {
    const condition = byName('CheckMseThreshold')['Arguments'] as JsonObject;
    expect(condition['Conditions']).toEqual([
      {
        Type: 'LessThanOrEqualTo',
        LeftValue: {
          'Std:JsonGet': { PropertyFile: { Get: 'Steps.EvaluateModel.PropertyFiles.EvaluationReport' }, Path: 'regression_metrics.mse.value' },
        },
        RightValue: { Get: 'Parameters.MseThreshold' },
      },
    ]);
    expect((condition['IfSteps'] as JsonObject[]).map((s) => s['Type'])).toEqual(['RegisterModel', 'Model', 'Transform']);
    expect((condition['ElseSteps'] as JsonObject[]).map((s) => s['Type'])).toEqual(['Fail']);
    expect(JSON.stringify(byName('MseAboveThreshold'))).toContain('regression_metrics.mse.value');
  });

  it('passes parameters to the XGBoost hyperparameters the way the SDK does (to_string joins)', () => {
    const hps = (byName('TrainModel')['Arguments'] as JsonObject)['HyperParameters'] as JsonObject;
    expect(hps['max_depth']).toEqual({ 'Std:Join': { On: '', Values: [{ Get: 'Parameters.MaxDepth' }] } });
    expect(hps['objective']).toBe('reg:squarederror');
  });
});

describe('model-comparison', () => {
  const { definition } = load('model-comparison');
  const steps = allSteps(definition['Steps'] as JsonValue[]);

  it('trains XGBoost, KNN and a scikit-learn GBM and tunes XGBoost, all after preprocessing only', () => {
    const trainers = steps.filter((s) => s['Type'] === 'Training' || s['Type'] === 'Tuning').map((s) => s['Name']);
    expect(trainers).toEqual(['TrainXGBoost', 'TrainKNN', 'TrainSklearnGBM', 'TuneXGBoost']);
  });

  it('writes script-mode hyperparameters as JSON-encoded strings, as the SKLearn estimator does', () => {
    const gbm = steps.find((s) => s['Name'] === 'TrainSklearnGBM') as JsonObject;
    const hps = (gbm['Arguments'] as JsonObject)['HyperParameters'] as JsonObject;
    expect(hps['sagemaker_program']).toBe('"train_gbm.py"');
    expect(hps['sagemaker_region']).toBe('"us-east-1"');
    expect(hps['n-estimators']).toBe('200');
  });

  it('registers the winner named in the comparison property file', () => {
    const register = steps.find((s) => s['Type'] === 'RegisterModel') as JsonObject;
    const container = (((register['Arguments'] as JsonObject)['InferenceSpecification'] as JsonObject)['Containers'] as JsonObject[])[0];
    expect(container?.['ModelDataUrl']).toEqual({
      'Std:JsonGet': { PropertyFile: { Get: 'Steps.CompareModels.PropertyFiles.ComparisonReport' }, Path: 'winner.model_data_url' },
    });
  });
});
