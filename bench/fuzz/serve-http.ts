// `npm run bench:fuzz-serve`: malformed HTTP requests (2,000 by default, fixed seed) at the real
// `sagesim serve` in a child process; prints the requests sent, the status code histogram, the
// answers that break the contract (5xx for client input, errors not AWS-shaped), the duration,
// and whether serve is still up. Exits 1 when anything broke the contract.
// BENCH_FUZZ_COUNT and BENCH_FUZZ_SEED change the count and the seed.
import '../quiet-aws-sdk.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureBuilt, startCli } from '../../test/integration/support/real-cli.js';
import { httpRequest } from '../../test/integration/support/raw-http.js';
import { fuzzServe } from '../../test/integration/support/serve-http-fuzz.js';

const COUNT = Number(process.env['BENCH_FUZZ_COUNT'] ?? 2000);
const SEED = Number(process.env['BENCH_FUZZ_SEED'] ?? 20_261_203);

ensureBuilt();
const home = await mkdtemp(path.join(tmpdir(), 'sagesim-bench-fuzz-'));
const serve = startCli(['serve', '--port', '0', '--home', home, '--stub-all', '--quiet'], { cwd: home });
let failed = false;
try {
  const port = Number((await serve.waitFor(/http:\/\/127\.0\.0\.1:(\d+)/, 60_000))[1]);
  const report = await fuzzServe(port, { seed: SEED, count: COUNT });
  const fiveHundreds = Object.entries(report.statuses).filter(([status]) => status.startsWith('5') && status !== '501');
  const alive = (await httpRequest(port, { method: 'POST', path: '/', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'SageMaker.ListPipelines' }, body: '{}' })).status === 200;
  console.log(`sagesim serve under malformed HTTP (seed ${SEED})`);
  console.log(`  requests:        ${report.requests}`);
  console.log(`  duration:        ${(report.ms / 1000).toFixed(1)} s (${(report.requests / (report.ms / 1000)).toFixed(0)} requests/s)`);
  console.log(`  status codes:    ${Object.entries(report.statuses).sort(([a], [b]) => a.localeCompare(b)).map(([status, n]) => `${status}: ${n}`).join(', ')}`);
  console.log(`  5xx (not 501):   ${fiveHundreds.reduce((sum, [, n]) => sum + n, 0)}`);
  console.log(`  contract broken: ${report.problems.length}`);
  for (const { request, problem } of report.problems.slice(0, 20)) console.log(`    ${problem} <- ${request.method} ${request.path.slice(0, 100)} [${request.framing}]`);
  console.log(`  serve still up:  ${alive ? 'yes' : 'NO'}`);
  failed = report.problems.length > 0 || !alive;
} finally {
  serve.child.kill('SIGINT');
  const exit = await serve.exited;
  if (exit.code !== 0) {
    console.log(`  serve exited with ${exit.code ?? exit.signal}: ${exit.stderr.slice(-500)}`);
    failed = true;
  }
  await rm(home, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
