// A hint suggests what to type or call next, in the words of whoever reads it: the CLI's user gets
// the command as they started sagesim (`sagesim ...` or `npx sagesim ...`), a program using the
// library gets `npx sagesim ...` (sagesim is its dependency), and a test using `sagesim/testing`
// gets the harness's option where it has one (`run(definition, { from, steps })`, not `--from`).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { PROJECT_INVOCATION, SAGESIM_COMMANDS, inCommandWords } from '../../src/errors/command-words.js';
import { DefinitionError, SagesimError } from '../../src/errors.js';
import { MemoryExecutionStore } from '../../src/store/memory-execution-store.js';
import { hintInMessage } from '../../src/testing/hint-in-message.js';
import type { PipelineDefinition } from '../../src/engine/definition-types.js';
import { createTestEnvironment, isSagesimError } from '../../src/testing.js';
import { captureIo } from './support/capture-io.js';

const ABALONE = path.resolve(import.meta.dirname, '../../fixtures/definitions/abalone.json');

/** What `work` threw (it must throw). */
async function thrown(work: () => Promise<unknown>): Promise<SagesimError> {
  try {
    await work();
  } catch (error) {
    if (isSagesimError(error)) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('commands in a text, as an invocation starts them', () => {
  it.each([
    ['the CLI words, for npx', 'run `sagesim images build`', 'npx sagesim', 'run `npx sagesim images build`'],
    ['a project user\'s words, for a global install', 'run `npx sagesim images build`', 'sagesim', 'run `sagesim images build`'],
    ['already rendered: unchanged', 'run `npx sagesim ls`', 'npx sagesim', 'run `npx sagesim ls`'],
    ['in parentheses', 'retry it (sagesim retry)', 'npx sagesim', 'retry it (npx sagesim retry)'],
    ['an image name', 'sagesim/sklearn comes from `sagesim images build`', 'npx sagesim', 'sagesim/sklearn comes from `npx sagesim images build`'],
    ['prose', 'sagesim keeps versioned packages only', 'npx sagesim', 'sagesim keeps versioned packages only'],
  ])('%s', (_label, text, invocation, expected) => {
    expect(inCommandWords(text, invocation)).toBe(expected);
  });

  it('knows every command of the CLI, in its order', () => {
    const program = new Command('sagesim');
    for (const module of COMMANDS) module.register(program, captureIo(process.cwd()));
    expect(program.commands.map((command) => command.name())).toEqual([...SAGESIM_COMMANDS]);
  });
});

describe('a hint read through the library', () => {
  it('names the command as a project with sagesim as a dependency types it', async () => {
    const error = await thrown(() => new MemoryExecutionStore().find('nope'));
    expect(error.code).toBe('EXECUTION_NOT_FOUND');
    expect(error.hint).toContain('`npx sagesim ls`');
  });

  it('so do the hints of every problem of a refused definition', () => {
    const error = new DefinitionError([
      { code: 'S3_INPUT_NOT_FOUND', path: '$.a', message: 'a', hint: '`sagesim inputs <definition>` lists every input' },
      { code: 'S3_INPUT_NOT_FOUND', path: '$.b', message: 'b', hint: 'seed it: `sagesim s3 cp f s3://b/k`', harnessHint: 'or `sagesim inputs`' },
    ]);
    expect(error.problems.map((problem) => problem.hint)).toEqual(['`npx sagesim inputs <definition>` lists every input', 'seed it: `npx sagesim s3 cp f s3://b/k`']);
    expect(error.problems[1]?.harnessHint).toBe('or `npx sagesim inputs`');
  });
});

describe('the same error through the CLI and through the harness', () => {
  const homes: string[] = [];
  afterAll(async () => {
    await Promise.all(homes.map((home) => rm(home, { recursive: true, force: true })));
  });

  async function succeededExecution(): Promise<{ home: string; executionId: string }> {
    const home = await mkdtemp(path.join(tmpdir(), 'sagesim-hints-'));
    homes.push(home);
    await using env = await createTestEnvironment({ home });
    const result = await env.run(ABALONE);
    expect(result.status).toBe('Succeeded');
    return { home, executionId: result.executionId };
  }

  it('retrying a Succeeded execution: the CLI suggests `run --from --steps`, the harness `run(definition, { from, steps })`', async () => {
    const { home, executionId } = await succeededExecution();

    for (const [invocation, expected] of [
      [undefined, 'hint: run the pipeline again, or re-run some steps with `sagesim run <file> --from <execution> --steps A,B`\n'],
      ['npx sagesim', 'hint: run the pipeline again, or re-run some steps with `npx sagesim run <file> --from <execution> --steps A,B`\n'],
    ] as const) {
      const io = captureIo(home);
      expect(await runCli(['retry', executionId, '--home', home], { ...io, ...(invocation === undefined ? {} : { invocation }) })).toBe(2);
      expect(io.err()).toContain(expected);
    }

    await using env = await createTestEnvironment({ home });
    const error = await thrown(() => env.retry(executionId));
    expect(error.code).toBe('RETRY_NOT_ALLOWED');
    expect(error.hint).toBe("run the pipeline again, or re-run some steps: `env.run(definition, { from: result, steps: ['A', 'B'] })`");
    // Test runners print the message: the harness's hint is in it, and no CLI flag.
    expect(error.message).toContain(`hint: ${error.hint}`);
    expect(error.message).not.toContain('--from');
  });

  it('an unknown execution: the CLI suggests `sagesim ls`, the harness `env.executions()`', async () => {
    const { home } = await succeededExecution();
    const io = captureIo(home);
    expect(await runCli(['retry', 'nope', '--home', home], io)).toBe(2);
    expect(io.err()).toContain('hint: list executions with `sagesim ls`');

    await using env = await createTestEnvironment({ home });
    const error = await thrown(() => env.retry('nope'));
    expect(error.code).toBe('EXECUTION_NOT_FOUND');
    expect(error.message).toContain('`env.executions()` lists the executions of this environment');
  });

  it('a selective run without a source names the harness option `from`', async () => {
    await using env = await createTestEnvironment();
    const error = await thrown(() => env.run(ABALONE, { steps: ['AbaloneEval'] }));
    expect(error.code).toBe('SELECTIVE_SOURCE_REQUIRED');
    expect(error.message).toContain('give run() `from`');
    expect(error.message).not.toContain('--from');
  });

  it('a bad setting given to createTestEnvironment names its `config` option, in the message', async () => {
    const error = await thrown(() => createTestEnvironment({ config: { maxParallel: 0 } }));
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toContain('hint: give createTestEnvironment `config: { maxParallel: <n> }`');
  });

  it('a missing S3 object read by a test names `env.s3.put`, not `sagesim s3 cp`', async () => {
    await using env = await createTestEnvironment();
    const error = await thrown(() => env.s3.json('s3://bucket/missing.json'));
    expect(error.code).toBe('S3_NOT_FOUND');
    expect(error.message).toContain('`await env.s3.put(uri, body)`');
    expect(error.message).not.toContain('s3 cp');
  });

  it('a refused definition lists each problem with the harness\'s hint: `parameters`, not --param', async () => {
    const definition: PipelineDefinition = {
      Version: '2020-12-01',
      Parameters: [
        { Name: 'Threshold', Type: 'Float' },
        { Name: 'Mode', Type: 'String', DefaultValue: 'fast', EnumValues: ['fast', 'slow'] },
      ],
      Steps: [{ Name: 'Stop', Type: 'Fail', Arguments: { ErrorMessage: 'stop' } }],
    } as unknown as PipelineDefinition;
    await using env = await createTestEnvironment();
    const error = await thrown(() => env.run(definition, { parameters: { Mode: 'medium' } }));
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.message).toContain('parameter "Threshold" (Float) has no default value');
    expect(error.message).toContain('hint: give it: `run(definition, { parameters: { "Threshold": <value> } })`');
    expect(error.message).toContain('hint: `parameters: { "Mode": <one of "fast", "slow"> }`');
    expect(error.message).not.toContain('--param');
    expect((error as DefinitionError).problems.map((problem) => problem.hint)).toEqual([
      'give it: `run(definition, { parameters: { "Threshold": <value> } })`',
      '`parameters: { "Mode": <one of "fast", "slow"> }`',
    ]);
  });
});

describe('a step type that cannot run locally, run with stubAll: false', () => {
  const definition = {
    Version: '2020-12-01',
    Parameters: [],
    Steps: [{ Name: 'SparkPrep', Type: 'EMR', Arguments: { ClusterId: 'j-1', StepConfig: { HadoopJarStep: { Jar: 'command-runner.jar' } } } }],
  } as unknown as PipelineDefinition;

  it('the harness says how to stub it with its options, and no CLI flag', async () => {
    await using env = await createTestEnvironment();
    const error = await thrown(() => env.run(definition, { stubAll: false }));
    expect(error.code).toBe('STEP_TYPE_NOT_LOCAL');
    expect(error.message).toContain('step "SparkPrep" is an EMR step, which does not run locally');
    expect(error.message).toContain('`run(definition, { stubs: { "SparkPrep": {} } })`, or `stubAll: true`');
    expect(error.message).not.toContain('--stub');
  });
});

describe('the harness renders an error it passes on', () => {
  it('a hint without harness words keeps its command, as a project user types it', () => {
    const error = hintInMessage(new SagesimError('S3_INPUT_NOT_FOUND', 'no input', { source: 'user', hint: 'list inputs with `sagesim inputs <definition>`' }));
    expect((error as Error).message).toBe(`no input\n  hint: list inputs with \`${PROJECT_INVOCATION} inputs <definition>\``);
  });

  it('an error whose message holds its hint already is passed on as it is', () => {
    const original = new SagesimError('TEST_UNKNOWN_STEP', 'no step X; steps are: A', { source: 'user', hint: 'steps are: A' });
    expect(hintInMessage(original)).toBe(original);
  });
});
