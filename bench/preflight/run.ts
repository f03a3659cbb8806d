// `npm run bench:preflight`: the preflight of fixtures/housing with its images present (issue 12:
// under 2 s). Measures, in one run: the preflight itself against the embedded S3 (seeded) and
// the Docker engine, the same with the embedded S3 started and stopped around it (what
// `sagesim validate --preflight` adds), and prints the ratio of each to the 2-second target.
import '../quiet-aws-sdk.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../../src/config.js';
import { parseDefinition } from '../../src/engine/load-definition.js';
import { readDefinitionText } from '../../src/app/definition-file.js';
import { seedForDefinition } from '../../src/fixtures/manifest.js';
import { preflightDefinitionFile } from '../../src/runtime/check-definition-file.js';
import { createRunEnvironment } from '../../src/runtime/create-environment.js';
import { preflight } from '../../src/runtime/preflight.js';

const TARGET_MS = 2000;
const ROUNDS = 5;
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FILE = path.join(REPO, 'fixtures/housing/pipeline.json');

const root = await mkdtemp(path.join(tmpdir(), 'sagesim-bench-preflight-'));
let met = true;
try {
  const config = resolveConfig({ cwd: root, home: path.join(root, '.sagesim') }, {});
  const definition = parseDefinition(await readDefinitionText(FILE), FILE);
  {
    await using env = await createRunEnvironment(config);
    await seedForDefinition(FILE, env.objectStore);
    const times: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const started = performance.now();
      const report = await preflight({ definition, definitionFile: FILE, config, objectStore: env.objectStore, runtime: env.runtime });
      times.push(performance.now() - started);
      if (report.problems.length > 0) throw new Error(`housing should pass its preflight: ${report.problems.map((p) => p.message).join('; ')}`);
    }
    const median = [...times].sort((a, b) => a - b)[Math.floor(ROUNDS / 2)] ?? 0;
    console.log(`preflight of housing (S3 up, Docker answering): median ${median.toFixed(0)} ms of ${ROUNDS}: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
    console.log(`  ratio to the 2 s target: ${(median / TARGET_MS).toFixed(3)} (target <= 1)`);
    met &&= median < TARGET_MS;
  }
  const started = performance.now();
  const report = await preflightDefinitionFile({ file: FILE, config });
  const whole = performance.now() - started;
  console.log(`validate --preflight of housing, embedded S3 started and stopped: ${whole.toFixed(0)} ms (${report.problems.length} problems)`);
  console.log(`  ratio to the 2 s target: ${(whole / TARGET_MS).toFixed(3)} (target <= 1)`);
  met &&= whole < TARGET_MS;
} finally {
  await rm(root, { recursive: true, force: true });
}
console.log(met ? 'target met' : 'target missed');
process.exitCode = met ? 0 : 1;
