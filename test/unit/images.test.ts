// resolveImage: SageMaker's image URIs (as the SDK's image_uris.retrieve() produces them) map to
// sagesim's local images, user mappings win, and an unmapped registry image says how to map it.
import { describe, expect, it } from 'vitest';
import { localImageNameOf } from '../../src/images/build-images.js';
import { type MetricDefinition, resolveImage } from '../../src/images/image-mapping.js';
import { SagesimError } from '../../src/errors.js';

const noUserImages = { images: {} };

function errorOf(fn: () => unknown): SagesimError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SagesimError) return error;
    throw error;
  }
  throw new Error('expected a SagesimError');
}

/** Applies a metric definition to a log line as the cloud does: a tab in the log is `#011`. */
function metricValue(definitions: readonly MetricDefinition[], name: string, line: string): number | undefined {
  const definition = definitions.find((d) => d.Name === name);
  if (!definition) throw new Error(`no metric definition ${name}`);
  const match = new RegExp(definition.Regex).exec(line.replaceAll('\t', '#011'));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

describe('resolveImage', () => {
  it.each([
    ['scikit-learn, us-east-1', '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3', 'sagesim/sklearn:latest', 'sklearn'],
    ['scikit-learn, eu-west-1', '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.0-1-cpu-py3', 'sagesim/sklearn:latest', 'sklearn'],
    ['XGBoost 1.7-1, us-west-2', '246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1', 'sagesim/xgboost:latest', 'xgboost'],
    ['XGBoost, China partition', '451049120500.dkr.ecr.cn-northwest-1.amazonaws.com.cn/sagemaker-xgboost:1.5-1', 'sagesim/xgboost:latest', 'xgboost'],
    ['XGBoost, GovCloud', '414596584902.dkr.ecr.us-gov-west-1.amazonaws.com/sagemaker-xgboost:1.7-1', 'sagesim/xgboost:latest', 'xgboost'],
    ['legacy XGBoost repository', '811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:1', 'sagesim/xgboost:latest', 'xgboost'],
    ['XGBoost pinned by digest', `683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost@sha256:${'a'.repeat(64)}`, 'sagesim/xgboost:latest', 'xgboost'],
    ['KNN, us-east-1', '382416733822.dkr.ecr.us-east-1.amazonaws.com/knn:1', 'sagesim/knn:latest', 'knn'],
    ['KNN, ap-southeast-2', '712309505854.dkr.ecr.ap-southeast-2.amazonaws.com/knn:1', 'sagesim/knn:latest', 'knn'],
  ])('maps %s to the local image', (_label, uri, localTag, algorithm) => {
    const resolved = resolveImage(uri, noUserImages);
    expect(resolved).toMatchObject({ localTag, mappedBy: 'shipped', builtin: { algorithm } });
  });

  it('gives the XGBoost image the metric definitions the cloud applies implicitly, matching its per-round lines', () => {
    const resolved = resolveImage('246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1', noUserImages);
    const definitions = resolved.builtin?.metricDefinitions ?? [];
    const line = '[4]\ttrain-rmse:0.25752\tvalidation-rmse:0.35293\tvalidation-mae:1.5e-02';
    expect(metricValue(definitions, 'train:rmse', line)).toBe(0.25752);
    expect(metricValue(definitions, 'validation:rmse', line)).toBe(0.35293);
    expect(metricValue(definitions, 'validation:mae', line)).toBe(0.015);
    expect(metricValue(definitions, 'validation:mape', line)).toBeUndefined();
    expect(definitions.map((d) => d.Name)).toEqual(expect.arrayContaining(['validation:auc', 'validation:error', 'validation:logloss', 'train:mae']));
  });

  it('gives the KNN image test:mse and test:accuracy, matching the algorithm log lines', () => {
    const definitions = resolveImage('382416733822.dkr.ecr.us-east-1.amazonaws.com/knn:1', noUserImages).builtin?.metricDefinitions ?? [];
    const prefix = '[06/08/2018 20:15:33 INFO 140026520049408] ';
    expect(metricValue(definitions, 'test:mse', `${prefix}#test_score (algo-1) : ('mse', 0.013333333333333334)`)).toBeCloseTo(0.013333, 6);
    expect(metricValue(definitions, 'test:accuracy', `${prefix}#test_score (algo-1) : ('accuracy', 0.98666666666666669)`)).toBeCloseTo(0.98667, 5);
    expect(metricValue(definitions, 'test:accuracy', `${prefix}#test_score (algo-1) : ('mse', 0.5)`)).toBeUndefined();
  });

  it('lets an exact user mapping win over the shipped one, keeping the built-in metric definitions', () => {
    const uri = '246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1';
    const resolved = resolveImage(uri, { images: { [uri]: 'my/xgboost:dev' } });
    expect(resolved.localTag).toBe('my/xgboost:dev');
    expect(resolved.mappedBy).toBe('config');
    expect(resolved.builtin?.algorithm).toBe('xgboost');
  });

  it('applies user mappings written as /regex/, and prefers an exact key to a regex', () => {
    const config = {
      images: {
        '/^123456789012\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com\\/team-.*$/': 'team/any:latest',
        '123456789012.dkr.ecr.us-east-1.amazonaws.com/team-train:3': 'team/train:3',
      },
    };
    expect(resolveImage('123456789012.dkr.ecr.eu-west-1.amazonaws.com/team-eval:1', config)).toEqual({ localTag: 'team/any:latest', mappedBy: 'config' });
    expect(resolveImage('123456789012.dkr.ecr.us-east-1.amazonaws.com/team-train:3', config).localTag).toBe('team/train:3');
  });

  it('uses a plain local tag as it is', () => {
    expect(resolveImage('my-team/processing:1.0', noUserImages)).toEqual({ localTag: 'my-team/processing:1.0', mappedBy: 'local' });
    expect(resolveImage('python', noUserImages).localTag).toBe('python');
  });

  it('refuses an unmapped registry image with IMAGE_NOT_MAPPED and says how to map it', () => {
    const uri = '123456789012.dkr.ecr.us-east-1.amazonaws.com/my-training:latest';
    const error = errorOf(() => resolveImage(uri, noUserImages));
    expect(error.code).toBe('IMAGE_NOT_MAPPED');
    expect(error.source).toBe('user');
    expect(error.message).toContain(uri);
    expect(error.hint).toContain('sagesim.config.json');
    expect(error.hint).toContain(`{"images": {"${uri}": `);
  });

  it('runs an unmapped registry image as it is when Docker already has it', () => {
    const uri = 'ghcr.io/acme/trainer:2';
    expect(resolveImage(uri, noUserImages, { isPresent: (tag) => tag === uri })).toEqual({ localTag: uri, mappedBy: 'local' });
  });

  it('does not mistake look-alike repositories for SageMaker images', () => {
    for (const uri of [
      '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn-extension:2.0',
      '68331368837.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1',
      '683313688378.dkr.ecr.us-east-1.example.com/knn:1',
    ]) {
      expect(errorOf(() => resolveImage(uri, noUserImages)).code).toBe('IMAGE_NOT_MAPPED');
    }
  });

  it('reports a user mapping key that is not a valid regular expression', () => {
    expect(errorOf(() => resolveImage('a.b/c:1', { images: { '/[unclosed/': 'x' } })).code).toBe('INVALID_CONFIG');
  });
});

describe('localImageNameOf', () => {
  it.each([
    ['xgboost', 'xgboost'],
    ['sagesim/knn', 'knn'],
    ['sagesim/sklearn:latest', 'sklearn'],
    ['sagesim/sklearn:10c51ec687e9', 'sklearn'],
    ['other/xgboost:latest', undefined],
    ['sagesim/base', undefined],
  ])('%s -> %s', (image, expected) => {
    expect(localImageNameOf(image)).toBe(expected);
  });
});
