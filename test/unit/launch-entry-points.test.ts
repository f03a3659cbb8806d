// One table of selective-execution and retry cases, run through the three ways an execution starts:
// the CLI (`run --from --steps`, `retry`), the harness (`env.run({ steps, from })`, `env.retry`) and
// `serve` (StartPipelineExecution with SelectiveExecutionConfig, RetryPipelineExecution). All three
// go through one launcher, so they must agree on what runs, what is reused and what is refused.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DescribePipelineExecutionCommand,
  CreatePipelineCommand,
  RetryPipelineExecutionCommand,
  SageMakerClient,
  StartPipelineExecutionCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { resolveConfig } from '../../src/config.js';
import type { PipelineDefinition } from '../../src/engine/definition-types.js';
import type { ExecutionRecord } from '../../src/engine/execution-record.js';
import { FileExecutionStore } from '../../src/store/file-execution-store.js';
import { isSagesimError } from '../../src/errors.js';
import { startServe } from '../../src/mock-aws/serve.js';
import type { StubOptions, StubSpec } from '../../src/steps/stub-executor.js';
import { createTestEnvironment } from '../../src/testing/test-environment.js';
import { captureIo } from './support/capture-io.js';
import { definition, trainingStep } from './support/pipeline-builders.js';

const PIPELINE = 'abc';
/** A -> B -> C, three job steps joined by data edges (DependsOn here). */
const DEFINITION: PipelineDefinition = definition([
  trainingStep('A'),
  trainingStep('B', { dependsOn: ['A'] }),
  trainingStep('C', { dependsOn: ['B'] }),
]);
const FAIL = (step: string): Record<string, StubSpec> => ({ [step]: { fail: { reason: `${step} broke` } } });

/** What an entry point did: an execution (read back from the store), or a refusal. */
type Outcome = { readonly execution: ExecutionRecord } | { readonly refused: string };

/** The three edges, each over its own home. Stubs are given per call: every job step is a stub. */
interface EntryPoint {
  /** Runs the whole pipeline; `fail` makes those steps fail. */
  run(fail: Record<string, StubSpec>): Promise<Outcome>;
  selective(from: string, steps: readonly string[], fail?: Record<string, StubSpec>): Promise<Outcome>;
  retry(execution: string): Promise<Outcome>;
}

const homes: string[] = [];
afterAll(() => {
  for (const dir of homes) rmSync(dir, { recursive: true, force: true });
});
function newHome(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sagesim-launch-'));
  homes.push(dir);
  return dir;
}
async function stored(home: string, id: string): Promise<ExecutionRecord> {
  return new FileExecutionStore({ home }).find(id);
}

function cliEntryPoint(): EntryPoint {
  const cwd = newHome();
  const home = path.join(cwd, 'home');
  writeFileSync(path.join(cwd, 'pipeline.json'), JSON.stringify(DEFINITION));
  const cli = async (args: string[], fail: Record<string, StubSpec> = {}): Promise<Outcome> => {
    writeFileSync(path.join(cwd, 'stubs.json'), JSON.stringify(fail));
    const io = captureIo(cwd);
    const code = await runCli([...args, '--stub-all', '--stubs', 'stubs.json', '--json', '--home', home], io);
    if (code === 2) return { refused: io.err() };
    const arn = (JSON.parse(io.out()) as { PipelineExecutionArn: string }).PipelineExecutionArn;
    return { execution: await stored(home, arn.slice(arn.lastIndexOf('/') + 1)) };
  };
  return {
    run: (fail) => cli(['run', 'pipeline.json', '--pipeline-name', PIPELINE], fail),
    selective: (from, steps, fail) => cli(['run', 'pipeline.json', '--pipeline-name', PIPELINE, '--from', from, '--steps', steps.join(',')], fail),
    retry: (execution) => cli(['retry', execution]),
  };
}

function harnessEntryPoint(): EntryPoint {
  const home = newHome();
  const outcome = async (run: () => Promise<{ executionId: string }>): Promise<Outcome> => {
    try {
      return { execution: await stored(home, (await run()).executionId) };
    } catch (error) {
      if (isSagesimError(error) && error.source === 'user') return { refused: `${error.message} (${error.hint ?? ''})` };
      throw error;
    }
  };
  const envPromise = createTestEnvironment({ home });
  return {
    run: async (fail) => outcome(async () => (await envPromise).run(DEFINITION, { pipelineName: PIPELINE, stubs: fail })),
    selective: async (from, steps, fail = {}) => outcome(async () => (await envPromise).run(DEFINITION, { pipelineName: PIPELINE, from, steps, stubs: fail })),
    retry: async (execution) => outcome(async () => (await envPromise).retry(execution)),
  };
}

function serveEntryPoint(): EntryPoint {
  const home = newHome();
  const config = resolveConfig({ home, cwd: home, mock: true }, {});
  let created = false;
  /** One server per call, so each call has its own stubs; they share the home. */
  const withServe = async (fail: Record<string, StubSpec>, call: (client: SageMakerClient) => Promise<string>): Promise<Outcome> => {
    const stubs: StubOptions = { all: true, steps: fail };
    let arn: string;
    {
      await using serve = await startServe({ config, port: 0, stubs });
      const client = new SageMakerClient({ endpoint: serve.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
      try {
        if (!created) {
          await client.send(new CreatePipelineCommand({ PipelineName: PIPELINE, PipelineDefinition: JSON.stringify(DEFINITION), RoleArn: 'arn:aws:iam::111122223333:role/r' }));
          created = true;
        }
        try {
          arn = await call(client);
        } catch (error) {
          const name = (error as { name?: string }).name ?? '';
          if (name === 'ValidationException' || name === 'ConflictException') return { refused: `${name}: ${(error as Error).message}` };
          throw error;
        }
        // Wait for the end (no clock involved: the stubbed execution ends on its own).
        for (;;) {
          const described = await client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
          if (described.PipelineExecutionStatus !== 'Executing' && described.PipelineExecutionStatus !== 'Stopping') break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } finally {
        client.destroy();
      }
    }
    // Closing the server waited for the execution's last write to the store.
    return { execution: await stored(home, arn.slice(arn.lastIndexOf('/') + 1)) };
  };
  const arnOf = async (id: string): Promise<string> => (await stored(home, id)).executionArn;
  return {
    run: (fail) => withServe(fail, async (client) => (await client.send(new StartPipelineExecutionCommand({ PipelineName: PIPELINE }))).PipelineExecutionArn ?? ''),
    selective: (from, steps, fail = {}) =>
      withServe(fail, async (client) => {
        const source = await arnOf(from);
        const started = await client.send(
          new StartPipelineExecutionCommand({
            PipelineName: PIPELINE,
            SelectiveExecutionConfig: { SourcePipelineExecutionArn: source, SelectedSteps: steps.map((StepName) => ({ StepName })) },
          }),
        );
        return started.PipelineExecutionArn ?? '';
      }),
    retry: (execution) =>
      withServe({}, async (client) => (await client.send(new RetryPipelineExecutionCommand({ PipelineExecutionArn: await arnOf(execution) }))).PipelineExecutionArn ?? ''),
  };
}

/** Step statuses as a user reads them: `B Succeeded`, `A Succeeded (reused)`, `C Skipped (not selected ...)`. */
function summary(outcome: Outcome): string[] {
  if ('refused' in outcome) throw new Error(`expected an execution, the request was refused: ${outcome.refused}`);
  const record = outcome.execution;
  return [
    `execution ${record.status}`,
    ...record.steps
      .map((step) => `${step.stepName} ${step.status}${step.reusedFrom ? ' (reused)' : ''}${step.skipReason ? ` (${step.skipReason})` : ''}`)
      .sort(),
  ];
}
function executionId(outcome: Outcome): string {
  if ('refused' in outcome) throw new Error(`the source run was refused: ${outcome.refused}`);
  return outcome.execution.executionId;
}

interface Case {
  readonly name: string;
  /** Makes the source execution and asks for the second one. */
  readonly act: (entry: EntryPoint) => Promise<{ source: Outcome; outcome: Outcome }>;
  /** The second execution's steps, or the refusal's words. */
  readonly expected: { readonly steps: readonly string[] } | { readonly refusal: RegExp };
}

const CASES: readonly Case[] = [
  {
    name: 'A -> B -> C, selecting B of a succeeded run: A reused, B runs, C does not run',
    act: async (entry) => {
      const source = await entry.run({});
      return { source, outcome: await entry.selective(executionId(source), ['B']) };
    },
    expected: { steps: ['execution Succeeded', 'A Succeeded (reused)', 'B Succeeded', 'C Skipped (not selected for this execution)'] },
  },
  {
    name: 'selecting B of a run that failed at A is refused: A has no result to reuse',
    act: async (entry) => {
      const source = await entry.run(FAIL('A'));
      return { source, outcome: await entry.selective(executionId(source), ['B']) };
    },
    expected: { refusal: /has no result to reuse for a step the selection needs:\s+A \(Failed\) is needed by B/ },
  },
  {
    name: 'selecting A and C leaves a gap and is refused, naming B',
    act: async (entry) => {
      const source = await entry.run({});
      return { source, outcome: await entry.selective(executionId(source), ['A', 'C']) };
    },
    expected: { refusal: /missing: B \(A -> B -> C\)/ },
  },
  {
    name: 'selecting a step the pipeline does not have is refused, listing the steps',
    act: async (entry) => {
      const source = await entry.run({});
      return { source, outcome: await entry.selective(executionId(source), ['D']) };
    },
    expected: { refusal: /the pipeline has no step D.*steps are: A, B, C/s },
  },
  {
    name: 'retrying a run that failed at B keeps A and runs B and C',
    act: async (entry) => {
      const source = await entry.run(FAIL('B'));
      return { source, outcome: await entry.retry(executionId(source)) };
    },
    expected: { steps: ['execution Succeeded', 'A Succeeded', 'B Succeeded', 'C Succeeded'] },
  },
  {
    name: 'retrying a selective run that failed keeps it selective: C still does not run',
    act: async (entry) => {
      const source = await entry.run({});
      const selective = await entry.selective(executionId(source), ['B'], FAIL('B'));
      return { source, outcome: await entry.retry(executionId(selective)) };
    },
    expected: { steps: ['execution Succeeded', 'A Succeeded (reused)', 'B Succeeded', 'C Skipped (not selected for this execution)'] },
  },
  {
    name: 'retrying a succeeded run is refused',
    act: async (entry) => {
      const source = await entry.run({});
      return { source, outcome: await entry.retry(executionId(source)) };
    },
    expected: { refusal: /is Succeeded: only (a )?Failed or Stopped execution/ },
  },
];

const ENTRY_POINTS: Readonly<Record<string, () => EntryPoint>> = {
  cli: cliEntryPoint,
  harness: harnessEntryPoint,
  serve: serveEntryPoint,
};

describe.each(Object.keys(ENTRY_POINTS))('through %s', (entryName) => {
  it.each(CASES)('$name', async ({ act, expected }) => {
    const entry = (ENTRY_POINTS[entryName] as () => EntryPoint)();
    const { outcome } = await act(entry);
    if ('steps' in expected) expect(summary(outcome)).toEqual(expected.steps);
    else expect('refused' in outcome ? outcome.refused : `not refused: ${summary(outcome).join(', ')}`).toMatch(expected.refusal);
  });
});
