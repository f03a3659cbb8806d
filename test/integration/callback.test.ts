// A pipeline whose Callback step waits in one "process" (the engine API, as a user's test calls it)
// and is answered from another CLI invocation (`sagesim callback succeed|fail`), through the
// callback mailbox in the shared home folder.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/main.js';
import { resolveConfig, type SagesimConfig } from '../../src/config.js';
import type { ExecutionRecord } from '../../src/engine/execution-record.js';
import { runDefinitionFile } from '../../src/app/run-definition.js';
import { pendingCallbacks } from '../../src/mock-aws/callback-mailbox.js';
import { CallbackExecutor } from '../../src/steps/callback-executor.js';
import { LambdaExecutor } from '../../src/steps/lambda-executor.js';

const LOOKUP_ARN = 'arn:aws:lambda:us-east-1:111122223333:function:lookup-dataset-version';

const definition = {
  Version: '2020-12-01',
  Parameters: [{ Name: 'DatasetName', Type: 'String', DefaultValue: 'customers' }],
  Steps: [
    {
      Name: 'Lookup',
      Type: 'Lambda',
      FunctionArn: LOOKUP_ARN,
      Arguments: { dataset: { Get: 'Parameters.DatasetName' } },
      OutputParameters: [{ OutputName: 'version', OutputType: 'String' }],
    },
    {
      Name: 'Approval',
      Type: 'Callback',
      SqsQueueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/callbacks',
      Arguments: { version: { Get: "Steps.Lookup.OutputParameters['version']" } },
      OutputParameters: [
        { OutputName: 'approved', OutputType: 'Boolean' },
        { OutputName: 'reviewer', OutputType: 'String' },
      ],
    },
    {
      Name: 'IsApproved',
      Type: 'Condition',
      Arguments: {
        Conditions: [{ Type: 'Equals', LeftValue: { Get: "Steps.Approval.OutputParameters['approved']" }, RightValue: true }],
        IfSteps: [],
        ElseSteps: [
          {
            Name: 'Rejected',
            Type: 'Fail',
            Arguments: { ErrorMessage: { 'Std:Join': { On: ' ', Values: ['rejected by', { Get: "Steps.Approval.OutputParameters['reviewer']" }] } } },
          },
        ],
      },
    },
  ],
};

describe('Callback step answered from another CLI invocation', { timeout: 120_000 }, () => {
  let root: string;
  let file: string;
  let config: SagesimConfig;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'sagesim-callback-it-'));
    file = path.join(root, 'pipeline.json');
    await writeFile(file, JSON.stringify(definition));
    const handler = path.join(root, 'lookup.mjs');
    await writeFile(
      handler,
      "let s = ''; process.stdin.on('data', (d) => (s += d)).on('end', () => console.log(JSON.stringify({ version: JSON.parse(s).dataset + '-v3' })));\n",
    );
    config = resolveConfig({ cwd: root, home: path.join(root, '.sagesim'), lambdas: { [LOOKUP_ARN]: { kind: 'command', command: [process.execPath, handler] } } });
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: {}, cwd: root };
    return { code: await runCli(argv, io), stdout, stderr };
  }

  function startRun(warnings: string[]): Promise<ExecutionRecord> {
    return runDefinitionFile({
      file,
      config,
      pipelineName: 'callback-it',
      reporter: { warning: (event) => warnings.push(event.message) },
      environment: {
        store: 'memory',
        executors: [new LambdaExecutor({ config }), new CallbackExecutor({ home: config.home, pollIntervalMs: 100 })],
      },
    });
  }

  async function waitingToken(): Promise<{ token: string; arguments: unknown }> {
    for (let i = 0; i < 600; i++) {
      const [pending] = await pendingCallbacks(config.home);
      if (pending) return pending;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the Callback step never started waiting');
  }

  it('succeeds with the outputs given to `sagesim callback succeed`', async () => {
    const warnings: string[] = [];
    const running = startRun(warnings);
    const pending = await waitingToken();
    expect(pending.arguments).toEqual({ version: 'customers-v3' });
    expect(warnings.join('\n')).toContain(`sagesim callback succeed ${pending.token}`);
    const answer = await cli('callback', 'succeed', pending.token, '--output', 'approved=true', '--output', 'reviewer=ana', '--home', config.home);
    expect(answer.code).toBe(0);
    const record = await running;
    expect(record.status).toBe('Succeeded');
    const approval = record.steps.find((s) => s.stepName === 'Approval');
    expect(approval?.outputParameters).toEqual({ approved: true, reviewer: 'ana' });
    expect(approval?.metadata.Callback?.CallbackToken).toBe(pending.token);
    expect(record.steps.find((s) => s.stepName === 'Rejected')?.status ?? 'Skipped').toBe('Skipped');
  });

  it('takes the else branch when the reviewer says no, and fails the step on `sagesim callback fail`', async () => {
    const first = startRun([]);
    const rejected = await waitingToken();
    expect((await cli('callback', 'succeed', rejected.token, '--output', 'approved=false', '--output', 'reviewer=bo', '--home', config.home)).code).toBe(0);
    const record = await first;
    expect(record.status).toBe('Failed');
    expect(record.steps.find((s) => s.stepName === 'Rejected')?.metadata.Fail?.ErrorMessage).toBe('rejected by bo');

    const second = startRun([]);
    const failed = await waitingToken();
    expect((await cli('callback', 'fail', failed.token, '--reason', 'data drift too high', '--home', config.home)).code).toBe(0);
    const failedRecord = await second;
    expect(failedRecord.status).toBe('Failed');
    expect(failedRecord.steps.find((s) => s.stepName === 'Approval')).toMatchObject({ status: 'Failed', failureReason: expect.stringContaining('data drift too high') });
    expect(await pendingCallbacks(config.home)).toEqual([]);
  });
});
