// Moved to ports/fake-container-engine.ts. Kept while branches written against the old path land;
// import FakeContainerEngine from ports/fake-container-engine.ts in new code.
export {
  FakeContainerEngine as FakeContainerRuntime,
  hostPathOf,
  type FakeBehaviour,
  type FakeContainer,
  type FakeContainerEngineOptions as FakeContainerRuntimeOptions,
  type FakeOutcome,
} from '../ports/fake-container-engine.js';
