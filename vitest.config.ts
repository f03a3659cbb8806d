// Two projects: fast unit tests with fakes, and integration tests against real Docker and S3.
import { accessSync, constants, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// sagesim supports Node >= 20.19; the AWS SDK's notice about its own future Node 22 floor would
// otherwise be printed by every test file that builds a client (bin/sagesim.js does the same).
const QUIET_AWS_SDK = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

// Tests and examples import the harness as a user does (`sagesim/testing`), from the sources here.
// Vitest's default is one worker fewer than the cores: a single worker on a two-core machine,
// where the unit suite then ran file after file on one core. Two workers at least; the unit
// projects share one value (vitest requires it of projects that run side by side).
const UNIT_WORKERS = Math.max(2, availableParallelism() - 1);

// Unit tests make and remove hundreds of temporary homes, stores and files. Where the system has a
// memory file system (/dev/shm on Linux) they go there: on a busy disk, creating, syncing and
// removing them took a fifth of the unit workers' time. Elsewhere, the system's temporary folder.
// One folder per run, removed when vitest exits (with whatever a test left behind), so runs side by
// side do not share it and nothing accumulates in memory. A small /dev/shm (64 MiB in a default
// Docker container, where CI may run) is not used: staging tests write hundreds of megabytes.
const MIN_SHM_BYTES = 2 * 1024 ** 3;
function unitTmpdir(): Record<string, string> {
  try {
    accessSync('/dev/shm', constants.W_OK);
    const space = statfsSync('/dev/shm');
    if (space.bavail * space.bsize < MIN_SHM_BYTES) return {};
    const dir = mkdtempSync(path.join('/dev/shm', 'sagesim-unit-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    return { TMPDIR: dir };
  } catch {
    return {};
  }
}
const UNIT_ENV = { ...QUIET_AWS_SDK, ...unitTmpdir() };

const SELF = {
  'sagesim/testing': fileURLToPath(new URL('./src/testing.ts', import.meta.url)),
};

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias: SELF },
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: ['test/unit/**/*.isolated.test.ts'],
          environment: 'node',
          // One module graph per worker, not per file: importing the modules again for each of 60
          // files took most of the suite's time. Tests share no module state (no singletons);
          // a file that replaces a module with vi.mock is named *.isolated.test.ts and runs below.
          isolate: false,
          maxWorkers: UNIT_WORKERS,
          // Unit tests use fake time; this bound only catches a hang. The default 5 s failed tests
          // on a loaded machine (two cores, another CPU-heavy process beside the suite).
          testTimeout: 60_000,
          env: UNIT_ENV,
        },
      },
      {
        resolve: { alias: SELF },
        test: {
          name: 'unit-isolated',
          include: ['test/unit/**/*.isolated.test.ts'],
          environment: 'node',
          maxWorkers: UNIT_WORKERS,
          testTimeout: 60_000,
          env: UNIT_ENV,
        },
      },
      {
        // Property tests with large budgets (thousands of mutated definitions through the library,
        // hundreds through the CLI): part of `npm test` and CI, kept out of the unit suite, whose
        // purpose is feedback within seconds of a change (`npm run test:unit`).
        resolve: { alias: SELF },
        test: {
          name: 'fuzz',
          include: ['test/fuzz/**/*.test.ts'],
          environment: 'node',
          isolate: false,
          maxWorkers: UNIT_WORKERS,
          testTimeout: 120_000,
          env: UNIT_ENV,
        },
      },
      {
        resolve: { alias: SELF },
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'examples/**/*.test.ts'],
          environment: 'node',
          testTimeout: 600_000,
          hookTimeout: 900_000,
          // Docker-heavy suites share two cores: run files one at a time.
          fileParallelism: false,
          env: { ...QUIET_AWS_SDK, TESTCONTAINERS_RYUK_DISABLED: 'true' },
        },
      },
    ],
  },
});
