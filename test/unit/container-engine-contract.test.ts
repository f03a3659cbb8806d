// The ContainerEngine contract against the in-memory fake the unit tests use; the same cases run
// against Docker in test/integration/container-engine-contract.test.ts.
import { vi } from 'vitest';
import { EXECUTION_ID_LABEL } from '../../src/ports/container-engine.js';
import { FakeContainerEngine } from '../../src/ports/fake-container-engine.js';
import { containerEngineContract } from '../contracts/container-engine-contract.js';
import { fakeShell, fakeShellExec } from '../contracts/fake-shell.js';

const IMAGE = 'contract/shell:1';

containerEngineContract('in-memory fake', async () => {
  const engine = new FakeContainerEngine({ images: [IMAGE], behaviours: { [IMAGE]: fakeShell }, exec: fakeShellExec });
  return {
    engine,
    image: IMAGE,
    unreachable: (endpoint) => new FakeContainerEngine({ available: false, endpoint }),
    containersOf: async (executionId) =>
      engine
        .containerIds()
        .map((id) => engine.labelsOf(id) ?? {})
        .filter((labels) => labels[EXECUTION_ID_LABEL] === executionId),
    leaveBehind: async (labels) => void engine.addLeftover(labels),
    // The fake keeps maxRuntimeSeconds with setTimeout: no real second passes in a unit test.
    clock: { install: () => vi.useFakeTimers(), advance: async (ms) => void (await vi.advanceTimersByTimeAsync(ms)), uninstall: () => vi.useRealTimers() },
    close: async () => undefined,
  };
});
