// Metric definitions are applied to log lines as SageMaker applies them to CloudWatch logs.
import { describe, expect, it } from 'vitest';
import { MetricCollector, compileMetricRegex, mergeMetricDefinitions } from '../../src/steps/metrics.js';

const clock = (): (() => Date) => {
  let t = Date.parse('2024-05-01T00:00:00Z');
  return () => new Date((t += 1000));
};

// The regexes SageMaker ships for built-in XGBoost: they expect the TAB as CloudWatch writes it.
const XGBOOST = [
  { Name: 'train:rmse', Regex: '.*\\[[0-9]+\\].*#011train-rmse:([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*' },
  { Name: 'validation:rmse', Regex: '.*\\[[0-9]+\\].*#011validation-rmse:([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*' },
];

describe('metric collection', () => {
  it('matches a TAB in the log as #011 in the regex and keeps the last value of each metric', () => {
    const collector = new MetricCollector(XGBOOST, clock());
    collector.observe('[0]\ttrain-rmse:2.5\tvalidation-rmse:2.9');
    collector.observe('[1]\ttrain-rmse:1.25\tvalidation-rmse:1.5e-1');
    expect(collector.finalMetrics()).toEqual([
      { MetricName: 'train:rmse', Value: 1.25, Timestamp: '2024-05-01T00:00:03.000Z' },
      { MetricName: 'validation:rmse', Value: 0.15, Timestamp: '2024-05-01T00:00:04.000Z' },
    ]);
  });

  it('leaves out metrics that never appeared', () => {
    const collector = new MetricCollector(XGBOOST, clock());
    collector.observe('[0]\ttrain-rmse:2.5');
    expect(collector.finalMetrics().map((m) => m.MetricName)).toEqual(['train:rmse']);
  });

  it('searches anywhere in the line, like re.search', () => {
    const collector = new MetricCollector([{ Name: 'loss', Regex: 'loss=([0-9.]+)' }], clock());
    collector.observe('epoch 3 loss=0.42 acc=0.9');
    expect(collector.finalMetrics()[0]?.Value).toBe(0.42);
  });

  it('accepts Python named groups', () => {
    const regex = compileMetricRegex({ Name: 'acc', Regex: 'acc=(?P<value>[0-9.]+) (?P=value)' });
    expect(regex.exec('acc=0.5 0.5')?.[1]).toBe('0.5');
  });

  it('ignores values that are not finite numbers', () => {
    const collector = new MetricCollector([{ Name: 'loss', Regex: 'loss=(\\S+)' }], clock());
    collector.observe('loss=0.3');
    collector.observe('loss=nan');
    expect(collector.finalMetrics()[0]?.Value).toBe(0.3);
  });

  it('rejects a regex that does not compile, naming the metric', () => {
    expect(() => new MetricCollector([{ Name: 'bad', Regex: '([0-9]' }])).toThrow(/metric bad: invalid regex/);
  });

  it('adds the image built-in definitions after the user ones; a user definition wins by name', () => {
    const merged = mergeMetricDefinitions([{ Name: 'validation:rmse', Regex: 'mine:([0-9.]+)' }], XGBOOST);
    expect(merged).toEqual([{ Name: 'validation:rmse', Regex: 'mine:([0-9.]+)' }, XGBOOST[0]]);
  });
});
