// `npm run bench:steps`: the three step benchmarks of issue 3, measured in one run:
//   - a no-op processing step through sagesim vs a bare `docker run` (target <= 1.2x),
//   - staging a 1 GiB input from S3 vs copying the same bytes on disk (target >= 0.5x the speed),
//   - three independent 10-second steps with --max-parallel 3 vs 1 (target <= 0.4x).
// Each prints its measurements; the last lines are the ratios against their targets.
// `--only noop|staging|parallel` runs one of them.
import '../quiet-aws-sdk.js';
import { benchNoopProcessing, formatNoopResult } from './noop-processing.js';
import { benchParallel, formatParallelResult } from './parallel.js';
import { benchStaging, formatResult as formatStagingResult } from './staging.js';

const args = process.argv.slice(2);
const onlyIndex = args.indexOf('--only');
const only = onlyIndex === -1 ? undefined : args[onlyIndex + 1];
const log = (line: string): void => console.log(line);
const summary: string[] = [];
let allMet = true;

if (only === undefined || only === 'noop') {
  const result = await benchNoopProcessing({ log });
  summary.push(formatNoopResult(result));
  allMet &&= result.meetsTarget;
}
if (only === undefined || only === 'staging') {
  for (const result of await benchStaging({ log })) {
    summary.push(formatStagingResult(result));
    allMet &&= result.meetsTarget;
  }
}
if (only === undefined || only === 'parallel') {
  const result = await benchParallel({ log });
  summary.push(formatParallelResult(result));
  allMet &&= result.meetsTarget;
}

console.log('\n== step benchmarks (measured in this run)');
for (const line of summary) console.log(line);
console.log(allMet ? 'all targets met' : 'some targets missed');
process.exitCode = allMet ? 0 : 1;
