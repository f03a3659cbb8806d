// Benchmark: staging a 1 GiB input through the embedded S3 (downloadPrefix) against copying the
// same bytes on disk (fs.cp). Target (issue 3): staging runs at least half as fast as the copy.
// Run: npx tsx bench/steps/staging.ts [--rounds N] [--keep]
// The copy's CPU time is printed too: on a loaded machine, wall times swing with other processes.
import '../quiet-aws-sdk.js';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { cp, mkdir, mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { resolveConfig } from '../../src/config.js';
import { createObjectStore } from '../../src/mock-aws/s3-client.js';
import { downloadPrefix, uploadDir } from '../../src/steps/staging.js';

const MIB = 1024 * 1024;
export const STAGING_TARGET_RATIO = 0.5;

export interface StagingVariant {
  readonly name: string;
  readonly files: number;
  readonly fileSize: number;
}

export const STAGING_VARIANTS: readonly StagingVariant[] = [
  { name: '8 x 128 MiB', files: 8, fileSize: 128 * MIB },
  { name: '1 x 1 GiB', files: 1, fileSize: 1024 * MIB },
];

export interface StagingResult {
  readonly variant: string;
  readonly bytes: number;
  /** Best of the rounds, in seconds. */
  readonly copySeconds: number;
  readonly stagingSeconds: number;
  /** CPU time (user + system, every thread of this process) of the best rounds. */
  readonly copyCpuSeconds: number;
  readonly stagingCpuSeconds: number;
  /** Staging throughput over copy throughput: at least 0.5 meets the target. */
  readonly ratio: number;
  readonly meetsTarget: boolean;
}

export interface StagingBenchOptions {
  /** Timed repetitions of each measurement; the best counts. @default 5 */
  readonly rounds?: number;
  /** Where inputs, S3 data and copies go. @default a new folder in the OS temp dir */
  readonly workDir?: string;
  /** Keep the work folder afterwards. @default false */
  readonly keep?: boolean;
  readonly variants?: readonly StagingVariant[];
  readonly log?: (line: string) => void;
}

export async function benchStaging(options: StagingBenchOptions = {}): Promise<StagingResult[]> {
  const rounds = options.rounds ?? 5;
  const log = options.log ?? (() => undefined);
  const workDir = options.workDir ?? (await mkdtemp(path.join(tmpdir(), 'sagesim-bench-staging-')));
  const results: StagingResult[] = [];
  // The store a `sagesim run` in mock mode stages through: the embedded S3, data under the home.
  const store = await createObjectStore(resolveConfig({ cwd: workDir, home: path.join(workDir, 'home') }, {}));
  try {
    for (const variant of options.variants ?? STAGING_VARIANTS) {
      const input = path.join(workDir, 'input', slug(variant.name));
      const bytes = variant.files * variant.fileSize;
      log(`${variant.name}: generating ${bytes / MIB} MiB of input`);
      await generateInput(input, variant);
      const uri = `s3://bench-staging/${slug(variant.name)}/`;
      log(`${variant.name}: uploading to ${store.description} (not timed)`);
      await uploadDir(store, input, uri);

      // Rounds alternate copy and staging so that load from other processes hits both alike.
      const copy = new Timings();
      const staging = new Timings();
      for (let round = 0; round < rounds; round++) {
        await copy.time(path.join(workDir, 'copy'), (target) => cp(input, target, { recursive: true }));
        await staging.time(
          path.join(workDir, 'staged'),
          async (target) => {
            const summary = await downloadPrefix(store, uri, target);
            if (summary.bytes !== bytes) throw new Error(`staged ${summary.bytes} bytes, expected ${bytes}`);
          },
          // Untimed: a fast transfer of the wrong bytes is no result.
          (target) => assertSameFiles(input, target),
        );
      }
      const copySeconds = copy.best;
      const stagingSeconds = staging.best;
      const ratio = copySeconds / stagingSeconds;
      const result = {
        variant: variant.name,
        bytes,
        copySeconds,
        stagingSeconds,
        copyCpuSeconds: copy.cpuOfBest,
        stagingCpuSeconds: staging.cpuOfBest,
        ratio,
        meetsTarget: ratio >= STAGING_TARGET_RATIO,
      };
      log(formatResult(result));
      results.push(result);
      await rm(input, { recursive: true, force: true });
      await rm(path.join(workDir, 'home', 's3', 'bench-staging'), { recursive: true, force: true });
    }
  } finally {
    await store[Symbol.asyncDispose]();
    if (!options.keep) await rm(workDir, { recursive: true, force: true });
  }
  return results;
}

export function formatResult(result: StagingResult): string {
  const rate = (seconds: number): string => `${(result.bytes / MIB / seconds).toFixed(0)} MiB/s`;
  return (
    `${result.variant}: fs.cp ${result.copySeconds.toFixed(2)} s (${rate(result.copySeconds)}, ${result.copyCpuSeconds.toFixed(2)} s CPU), ` +
    `downloadPrefix ${result.stagingSeconds.toFixed(2)} s (${rate(result.stagingSeconds)}, ${result.stagingCpuSeconds.toFixed(2)} s CPU), ` +
    `ratio ${result.ratio.toFixed(2)}x of copy speed (target >= ${STAGING_TARGET_RATIO}): ${result.meetsTarget ? 'MET' : 'MISSED'}`
  );
}

/** The best wall time of the runs so far, each into a fresh target folder, and its CPU time. */
class Timings {
  best = Infinity;
  cpuOfBest = 0;

  async time(target: string, run: (target: string) => Promise<unknown>, verify?: (target: string) => Promise<void>): Promise<void> {
    await rm(target, { recursive: true, force: true });
    const cpu = process.cpuUsage();
    const started = performance.now();
    await run(target);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    if (seconds < this.best) {
      this.best = seconds;
      this.cpuOfBest = (used.user + used.system) / 1e6;
    }
    await verify?.(target);
    await rm(target, { recursive: true, force: true });
  }
}

/** Incompressible bytes: one random MiB block, varied per MiB so no two blocks repeat. */
async function generateInput(dir: string, variant: StagingVariant): Promise<void> {
  await mkdir(dir, { recursive: true });
  const block = randomBytes(MIB);
  for (let file = 0; file < variant.files; file++) {
    const out = createWriteStream(path.join(dir, `part-${String(file).padStart(3, '0')}.bin`));
    for (let mib = 0; mib < variant.fileSize / MIB; mib++) {
      const chunk = Buffer.from(block);
      chunk.writeUInt32LE(file * 65_536 + mib, 0);
      if (!out.write(chunk)) await once(out, 'drain');
    }
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}

/** Throws unless every file of `expected` is in `actual` with the same bytes, and nothing else is. */
async function assertSameFiles(expected: string, actual: string): Promise<void> {
  const names = (await readdir(expected)).sort();
  const got = (await readdir(actual)).sort();
  if (names.join('/') !== got.join('/')) throw new Error(`staged files ${got.join(', ')}, expected ${names.join(', ')}`);
  const chunk = 8 * MIB;
  const a = Buffer.allocUnsafe(chunk);
  const b = Buffer.allocUnsafe(chunk);
  for (const name of names) {
    const left = await open(path.join(expected, name), 'r');
    const right = await open(path.join(actual, name), 'r');
    try {
      for (let position = 0; ; position += chunk) {
        const [x, y] = await Promise.all([left.read(a, 0, chunk, position), right.read(b, 0, chunk, position)]);
        if (x.bytesRead !== y.bytesRead || !a.subarray(0, x.bytesRead).equals(b.subarray(0, y.bytesRead))) {
          throw new Error(`staged ${name} differs from its source in the ${chunk / MIB} MiB from byte ${position}`);
        }
        if (x.bytesRead === 0) break;
      }
    } finally {
      await Promise.all([left.close(), right.close()]);
    }
  }
}

function slug(name: string): string {
  return name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const roundsIndex = args.indexOf('--rounds');
  const rounds = roundsIndex === -1 ? undefined : Number(args[roundsIndex + 1]);
  const results = await benchStaging({ rounds, keep: args.includes('--keep'), log: (line) => console.log(line) });
  console.log('');
  for (const result of results) console.log(formatResult(result));
  process.exitCode = results.every((result) => result.meetsTarget) ? 0 : 1;
}
