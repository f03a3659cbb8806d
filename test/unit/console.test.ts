// The console's server side without a browser: the views it builds from execution records, its
// HTTP routes (assets, JSON, what it refuses), and the live event stream.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleHandler, createConsoleHandler } from '../../src/console/console-handler.js';
import { CONSOLE_PREFIX, isConsolePath } from '../../src/console/console-paths.js';
import { executionSummary, executionView, metricsOf, stepDetail } from '../../src/console/console-views.js';
import type { ExecutionRecord } from '../../src/engine/execution-record.js';
import type { MemoryExecutionStore } from '../../src/store/memory-execution-store.js';
import { MemoryPipelineStore } from '../../src/mock-aws/sagemaker-api/pipeline-store.js';
import { conditionStep, definition, failStep, processingStep, run, testRun, trainingStep } from './support/pipeline-builders.js';

/** Prep -> Train -> Check (1 < 2): if [Register <- Train], else [Stop]. */
async function branchingRun(): Promise<{ record: ExecutionRecord; store: MemoryExecutionStore }> {
  const env = testRun();
  const record = await run(
    definition([
      processingStep('Prep'),
      trainingStep('Train', { dependsOn: ['Prep'] }),
      conditionStep('Check', [{ Type: 'LessThan', LeftValue: 1, RightValue: 2 }], [processingStep('Register', { dependsOn: ['Train'] })], [failStep('Stop', 'too high')], ['Train']),
    ]),
    env,
  );
  return { record, store: env.store as MemoryExecutionStore };
}

describe('console views', () => {
  it('lay out every step of the definition with its run state, the branch taken, and the skipped branch', async () => {
    const { record } = await branchingRun();
    const view = executionView(record);
    expect(view.steps.map((s) => [s.name, s.status])).toEqual([
      ['Prep', 'Succeeded'],
      ['Train', 'Succeeded'],
      ['Check', 'Succeeded'],
      ['Register', 'Succeeded'],
      ['Stop', 'Skipped'],
    ]);
    expect(view.steps.find((s) => s.name === 'Check')?.conditionOutcome).toBe('True');
    expect(view.steps.find((s) => s.name === 'Register')?.branch).toEqual({ condition: 'Check', outcome: 'if' });
    expect(view.edges).toEqual(
      expect.arrayContaining([
        { from: 'Prep', to: 'Train', kind: 'depends-on' },
        { from: 'Check', to: 'Register', kind: 'if' },
        { from: 'Check', to: 'Stop', kind: 'else' },
      ]),
    );
    expect(executionSummary(record)).toMatchObject({ status: 'Succeeded', stepTotal: 5, stepCounts: { Succeeded: 4, Skipped: 1 } });
  });

  it('show a step the execution has not reached as Pending', async () => {
    const { record } = await branchingRun();
    const partial = { ...record, status: 'Executing' as const, steps: record.steps.filter((s) => s.stepName === 'Prep') };
    expect(executionView(partial).steps.map((s) => s.status)).toEqual(['Succeeded', 'Pending', 'Pending', 'Pending', 'Pending']);
  });

  it('mark steps the record says ran as stubs or missed the cache, and only those', async () => {
    const { record } = await branchingRun();
    const marked = {
      ...record,
      // The run itself is stubbed: only Train keeps the marks here.
      steps: record.steps.map(({ stubbed: _stubbed, ...s }) => (s.stepName === 'Train' ? { ...s, stubbed: true, cacheMissReason: 'an input changed' } : s)),
    } as ExecutionRecord;
    const steps = executionView(marked).steps;
    expect(steps.filter((s) => s.stubbed).map((s) => s.name)).toEqual(['Train']);
    expect(steps.find((s) => s.name === 'Train')?.cacheMissReason).toBe('an input changed');
  });

  it('give a step its declaration, resolved arguments, properties and metrics', async () => {
    const { record } = await branchingRun();
    const detail = stepDetail(record, 'Train', 'line 1\nline 2');
    expect(detail?.definition).toMatchObject({ Name: 'Train', Type: 'Training' });
    expect(detail?.resolvedArguments).toMatchObject({ HyperParameters: { max_depth: '5' } });
    expect(detail?.properties).toHaveProperty('TrainingJobName');
    expect(detail?.logTail).toBe('line 1\nline 2');
    expect(stepDetail(record, 'Nope', '')).toBeUndefined();
    expect(metricsOf({ FinalMetricDataList: [{ MetricName: 'validation:rmse', Value: 0.25 }, { Value: 3 }] })).toEqual([{ name: 'validation:rmse', value: 0.25 }]);
  });
});

describe('console paths', () => {
  it.each([
    ['/_sagesim/ui/', true],
    ['/_sagesim/ui', true],
    ['/_sagesim/ui/api/executions', true],
    ['/_sagesim/uix', false],
    ['/my-bucket/_sagesim/ui/', false],
    ['/', false],
  ])('%s belongs to the console: %s', (url, expected) => {
    expect(isConsolePath(url)).toBe(expected);
  });
});

describe('console HTTP routes', () => {
  let server: Server;
  let base: string;
  let assets: string;
  let handler: ConsoleHandler;
  let record: ExecutionRecord;

  beforeAll(async () => {
    const ran = await branchingRun();
    record = ran.record;
    const store = ran.store;
    assets = mkdtempSync(path.join(tmpdir(), 'sagesim-console-assets-'));
    writeFileSync(path.join(assets, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(path.join(assets, 'app.js'), 'export {};');
    handler = createConsoleHandler({
      executions: { get: async (arn) => (arn === record.executionArn ? record : undefined), list: async () => [record] },
      store,
      pipelines: new MemoryPipelineStore(),
      registry: {
        listModelPackageGroups: async () => ({ ModelPackageGroupSummaryList: [] }),
        listModelPackages: async () => ({ ModelPackageSummaryList: [] }),
        describeModelPackage: async () => {
          throw new Error('no packages');
        },
      },
      assetsDir: assets,
    });
    server = createServer((req, res) => handler.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    handler?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    rmSync(assets, { recursive: true, force: true });
  });

  it('serves the page at the prefix, and redirects the prefix without its slash', async () => {
    const page = await fetch(`${base}${CONSOLE_PREFIX}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const bare = await fetch(`${base}/_sagesim/ui`, { redirect: 'manual' });
    expect([bare.status, bare.headers.get('location')]).toEqual([301, CONSOLE_PREFIX]);
    expect((await fetch(`${base}${CONSOLE_PREFIX}app.js`)).headers.get('content-type')).toContain('javascript');
  });

  it.each([
    ['a name outside the bundle', 'package.json'],
    ['an encoded path out of the folder', '%2e%2e%2fpackage.json'],
    ['a nested path', 'sub/app.js'],
  ])('refuses %s', async (_label, name) => {
    expect((await fetch(`${base}${CONSOLE_PREFIX}${name}`)).status).toBe(404);
  });

  it('answers the executions list, one execution, a step and its log as JSON', async () => {
    const list = (await (await fetch(`${base}${CONSOLE_PREFIX}api/executions`)).json()) as { executionId: string }[];
    expect(list.map((e) => e.executionId)).toEqual([record.executionId]);
    const view = (await (await fetch(`${base}${CONSOLE_PREFIX}api/executions/${record.executionId}`)).json()) as { steps: unknown[] };
    expect(view.steps).toHaveLength(5);
    const step = await fetch(`${base}${CONSOLE_PREFIX}api/executions/${record.executionId}/steps/Train`);
    expect(step.status).toBe(200);
    expect((await fetch(`${base}${CONSOLE_PREFIX}api/executions/${record.executionId}/steps/Nope`)).status).toBe(404);
    expect((await fetch(`${base}${CONSOLE_PREFIX}api/executions/zzz`)).status).toBe(404);
  });

  it('answers, for a page told which executions changed, the summaries of those that exist', async () => {
    const asked = await fetch(`${base}${CONSOLE_PREFIX}api/executions?ids=${record.executionId},zzz9`);
    expect(((await asked.json()) as { executionId: string }[]).map((e) => e.executionId)).toEqual([record.executionId]);
    const tooMany = Array.from({ length: 101 }, (_, i) => `e${i}`).join(',');
    expect((await fetch(`${base}${CONSOLE_PREFIX}api/executions?ids=${tooMany}`)).status).toBe(400);
  });

  it('is read-only: actions go through the SageMaker API', async () => {
    const response = await fetch(`${base}${CONSOLE_PREFIX}api/executions`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(405);
    expect(((await response.json()) as { error: string }).error).toContain('X-Amz-Target');
  });

  it('streams the ids of executions that change, as server-sent events', async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}${CONSOLE_PREFIX}api/events`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let received = '';
    handler.events.reporter().stepSucceeded?.({ executionId: 'abc123', step: record.steps[0] as ExecutionRecord['steps'][number] });
    while (!received.includes('event: change')) {
      const { value, done } = await reader.read();
      if (done) break;
      received += decoder.decode(value);
    }
    controller.abort();
    expect(received).toContain('data: {"executionIds":["abc123"]}');
  });
});
