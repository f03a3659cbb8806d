// A thousand malformed HTTP requests (fixed seed) at `sagesim serve`: it stays up, every answer is
// AWS-shaped (S3: XML <Error><Code>; SageMaker: JSON with __type) and no client input gets a 500.
// `npm run bench:fuzz-serve` runs the full count and prints the figures.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { type ServeHandle, startServe } from '../../src/mock-aws/serve.js';
import { httpRequest } from './support/raw-http.js';
import { fuzzServe } from './support/serve-http-fuzz.js';

const SEED = 20_261_203;
const COUNT = 1000;

let home: string;
let serve: ServeHandle;

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'sagesim-serve-fuzz-'));
  serve = await startServe({ config: resolveConfig({ cwd: home, home }, {}), port: 0, stubs: { all: true, steps: {} } });
});

afterAll(async () => {
  await serve?.close();
  await rm(home, { recursive: true, force: true });
});

describe('sagesim serve under malformed HTTP', { timeout: 300_000 }, () => {
  it(`answers ${COUNT} malformed requests AWS-shaped, never 500, and stays up`, async () => {
    const report = await fuzzServe(serve.port, { seed: SEED, count: COUNT });
    expect(report.requests).toBe(COUNT);
    // Deep enough to mean something: some requests got past the checks and were served.
    expect(report.statuses['200'] ?? 0).toBeGreaterThan(20);
    expect(Object.keys(report.statuses).filter((status) => status.startsWith('4')).length).toBeGreaterThan(3);
    expect(report.problems.map(({ request, problem }) => `${problem} <- ${request.method} ${request.path.slice(0, 120)} [${request.framing}] ${request.headers.map(([n, v]) => `${n}: ${v}`).join('; ').slice(0, 200)} body=${JSON.stringify(request.body.toString('latin1').slice(0, 80))}`)).toEqual([]);
    // Still serving both APIs.
    const listed = await httpRequest(serve.port, { method: 'POST', path: '/', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'SageMaker.ListPipelines' }, body: '{}' });
    expect(listed.status).toBe(200);
    expect((await httpRequest(serve.port, { method: 'PUT', path: '/after-fuzz/k', body: 'v' })).status).toBe(200);
    expect((await httpRequest(serve.port, { method: 'GET', path: '/after-fuzz/k' })).body).toBe('v');
  });
});
