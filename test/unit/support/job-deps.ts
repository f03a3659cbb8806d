// Dependencies of the container-backed executors for unit tests: the fake runtime, a fixed clock,
// a mock-mode config, and an image map with one built-in algorithm image.
import type { SagesimConfig } from '../../../src/config.js';
import { FakeContainerEngine, type FakeBehaviour } from '../../../src/ports/fake-container-engine.js';
import type { JobDeps, ResolvedJobImage } from '../../../src/steps/job-container.js';

export const TEST_CONFIG: SagesimConfig = Object.freeze<SagesimConfig>({
  cwd: '/tmp',
  home: '/tmp/.sagesim',
  mock: true,
  region: 'us-east-1',
  accountId: '111122223333',
  maxParallel: 2,
  cache: true,
  cacheLikeCloud: false,
  instanceMemory: true,
  gpu: true,
  s3: { kind: 'embedded' },
  images: {},
  lambdas: {},
  dockerSocket: '/fake/docker.sock',
  sagemakerSdk: { python: 'python3', pythonPath: [] },
  debug: false,
  s3StaleUploadHours: 24,
});

export const XGBOOST_URI = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';
export const XGBOOST_METRICS = [
  { Name: 'train:rmse', Regex: '.*\\[[0-9]+\\].*#011train-rmse:([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*' },
  { Name: 'validation:rmse', Regex: '.*\\[[0-9]+\\].*#011validation-rmse:([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*' },
];

export function testImages(uri: string): ResolvedJobImage {
  if (uri === XGBOOST_URI) return { localTag: 'sagesim/xgboost:1.7-1', builtin: { algorithm: 'xgboost', metricDefinitions: XGBOOST_METRICS } };
  return { localTag: uri };
}

/** A clock that moves one second per reading, from 2024-05-01T00:00:00Z. */
export function steppingClock(): () => Date {
  let t = Date.parse('2024-05-01T00:00:00Z');
  return () => new Date((t += 1000));
}

export function jobDeps(behaviour?: FakeBehaviour, overrides: Partial<JobDeps> = {}): JobDeps & { runtime: FakeContainerEngine } {
  const runtime = new FakeContainerEngine(behaviour === undefined ? {} : { behaviour });
  return {
    config: TEST_CONFIG,
    s3Endpoint: 'http://127.0.0.1:4569',
    resolveImage: testImages,
    now: steppingClock(),
    ...overrides,
    runtime: (overrides.runtime as FakeContainerEngine | undefined) ?? runtime,
  };
}
