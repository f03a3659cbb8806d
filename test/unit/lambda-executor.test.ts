import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LambdaHandlerConfig, resolveConfig } from '../../src/config.js';
import type { LambdaStep } from '../../src/engine/definition-types.js';
import { FakeContainerEngine } from '../../src/ports/fake-container-engine.js';
import { LambdaExecutor, findLambdaHandler } from '../../src/steps/lambda-executor.js';
import { executorContext } from './support/executor-context.js';

const ARN = 'arn:aws:lambda:us-east-1:111122223333:function:evaluate-model';
let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'sagesim-lambda-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const step: LambdaStep = {
  Name: 'Evaluate',
  Type: 'Lambda',
  FunctionArn: ARN,
  OutputParameters: [
    { OutputName: 'accuracy', OutputType: 'Float' },
    { OutputName: 'passed', OutputType: 'Boolean' },
    { OutputName: 'label' },
  ],
  Arguments: { threshold: 0.8, model: 's3://b/model.tar.gz' },
};

/** A node one-liner as the local command (node is always there when the tests run). */
function nodeCommand(source: string): LambdaHandlerConfig {
  return { kind: 'command', command: [process.execPath, '-e', source] };
}

function executor(lambdas: Record<string, LambdaHandlerConfig>, runtime?: FakeContainerEngine, timeoutSeconds?: number): LambdaExecutor {
  const config = resolveConfig({ cwd, home: path.join(cwd, '.sagesim'), lambdas });
  return new LambdaExecutor({ config, ...(runtime ? { runtime } : {}), s3Endpoint: 'http://127.0.0.1:4569', ...(timeoutSeconds ? { timeoutSeconds } : {}) });
}

const ECHO_OUTPUTS = `
let input = '';
process.stdin.on('data', (d) => (input += d)).on('end', () => {
  const event = JSON.parse(input);
  console.error('evaluating ' + event.model);
  console.log('some progress line');
  console.log(JSON.stringify({ accuracy: 0.91, passed: 0.91 > event.threshold, label: 'good', extra: [1] }));
});`;

describe('Lambda step: command handler', () => {
  it('feeds the resolved arguments on stdin and returns the declared outputs', async () => {
    const context = await executorContext(step);
    const result = await executor({ [ARN]: nodeCommand(ECHO_OUTPUTS) }).execute(context);
    expect(result.outputParameters).toEqual({ accuracy: 0.91, passed: true, label: 'good' });
    expect(result.metadata).toEqual({
      Lambda: {
        Arn: ARN,
        OutputParameters: [
          { Name: 'accuracy', Value: '0.91' },
          { Name: 'passed', Value: 'true' },
          { Name: 'label', Value: 'good' },
        ],
      },
    });
    expect(context.logs).toContain('evaluating s3://b/model.tar.gz');
    expect(context.logs).toContain('some progress line');
  });

  it('finds the handler by function name too', async () => {
    const result = await executor({ 'evaluate-model': nodeCommand(ECHO_OUTPUTS) }).execute(await executorContext(step));
    expect(result.outputParameters?.['label']).toBe('good');
  });

  it('fails when a declared output is missing or mistyped', async () => {
    const handler = nodeCommand(`console.log(JSON.stringify({ accuracy: '0.9', label: 'x' }))`);
    const failure = executor({ [ARN]: handler }).execute(await executorContext(step));
    await expect(failure).rejects.toMatchObject({ name: 'StepFailure', code: 'INVALID_OUTPUT_PARAMETER_VALUES' });
    await expect(failure).rejects.toThrow('output "accuracy" must be a Float, got "0.9"');
    await expect(failure).rejects.toThrow('output "passed" (Boolean) is missing');
  });

  it('fails with the exit code and the last lines of stderr when the command fails', async () => {
    const handler = nodeCommand(`console.error('Traceback: boom'); process.exit(3)`);
    const failure = executor({ [ARN]: handler }).execute(await executorContext(step));
    await expect(failure).rejects.toMatchObject({ code: 'LAMBDA_FAILED' });
    await expect(failure).rejects.toThrow(/exit code 3[\s\S]*Traceback: boom/);
  });

  it('fails when the command prints no JSON object', async () => {
    const failure = executor({ [ARN]: nodeCommand(`console.log('[1, 2]')`) }).execute(await executorContext(step));
    await expect(failure).rejects.toThrow('returned [1,2]; a Lambda step needs a JSON object');
    const empty = executor({ [ARN]: nodeCommand('') }).execute(await executorContext(step));
    await expect(empty).rejects.toThrow('did not print a JSON object (its output was empty)');
  });

  it('fails clearly when the command does not exist', async () => {
    const failure = executor({ [ARN]: { kind: 'command', command: ['/nonexistent/handler'] } }).execute(await executorContext(step));
    await expect(failure).rejects.toMatchObject({ code: 'LAMBDA_COMMAND_FAILED' });
    await expect(failure).rejects.toThrow('ENOENT');
  });

  it('kills a command that outlives the timeout', async () => {
    const failure = executor({ [ARN]: nodeCommand('setTimeout(() => {}, 60000)') }, undefined, 0.2).execute(await executorContext(step));
    await expect(failure).rejects.toMatchObject({ code: 'LAMBDA_TIMEOUT' });
  });

  it('stops the command when the execution is stopped', async () => {
    const context = await executorContext(step);
    const running = executor({ [ARN]: nodeCommand('setTimeout(() => {}, 60000)') }).execute(context);
    setTimeout(() => context.controller.abort(), 50);
    await expect(running).rejects.toMatchObject({ name: 'StoppedError' });
  });

  it('names the function and suggests a mapping or a stub when none is configured', async () => {
    const failure = executor({}).execute(await executorContext(step));
    await expect(failure).rejects.toMatchObject({ code: 'LAMBDA_NOT_MAPPED', source: 'user' });
    await expect(failure).rejects.toThrow(ARN);
    await expect(failure).rejects.toThrow('sagesim.config.json');
    await expect(failure).rejects.toThrow('--stub Evaluate');
  });
});

describe('Lambda step: python handler', () => {
  it('runs the bootstrap in a labelled container with the event mounted, and reads its result', async () => {
    await writeFile(path.join(cwd, 'evaluate.py'), 'def lambda_handler(event, context):\n    return {}\n');
    const runtime = new FakeContainerEngine({
      behaviour: async (container) => {
        const event = JSON.parse(await readFile(container.hostPath('/opt/sagesim/io/event.json'), 'utf8')) as { threshold: number };
        const bootstrap = await readFile(container.hostPath('/opt/sagesim/io/bootstrap.py'), 'utf8');
        expect(bootstrap).toContain('result = function(event, Context())');
        await writeFile(container.hostPath('/opt/sagesim/io/result.json'), JSON.stringify({ accuracy: 0.5, passed: event.threshold < 0.5, label: 'x' }));
      },
    });
    const result = await executor({ [ARN]: { kind: 'python', file: 'evaluate.py', handler: 'evaluate.lambda_handler' } }, runtime).execute(
      await executorContext(step),
    );
    expect(result.outputParameters).toEqual({ accuracy: 0.5, passed: false, label: 'x' });
    const [spec] = runtime.specs;
    expect(spec?.image).toBe('sagesim/sklearn');
    expect(spec?.entrypoint).toEqual(['python3']);
    expect(spec?.command).toEqual(['/opt/sagesim/io/bootstrap.py', '/opt/sagesim/function/evaluate.py', 'lambda_handler']);
    expect(spec?.labels['sagesim.execution-id']).toBe('abcdef123456');
    expect(spec?.env['AWS_ENDPOINT_URL']).toBe('http://127.0.0.1:4569');
    expect(spec?.env['AWS_LAMBDA_FUNCTION_NAME']).toBe('evaluate-model');
    expect(spec?.mounts).toContainEqual({ hostPath: cwd, containerPath: '/opt/sagesim/function', readOnly: true });
    expect(runtime.leftovers).toBe(0);
  });

  it('reports the handler exception the bootstrap recorded', async () => {
    await writeFile(path.join(cwd, 'evaluate.py'), '');
    const runtime = new FakeContainerEngine({
      behaviour: async (container) => {
        await writeFile(container.hostPath('/opt/sagesim/io/error.json'), JSON.stringify({ errorType: 'KeyError', errorMessage: "'model'" }));
        container.log('Traceback (most recent call last):');
        return { exitCode: 1 };
      },
    });
    const failure = executor({ [ARN]: { kind: 'python', file: 'evaluate.py', image: 'my/python:3' } }, runtime).execute(await executorContext(step));
    await expect(failure).rejects.toMatchObject({ code: 'LAMBDA_FAILED' });
    await expect(failure).rejects.toThrow(`KeyError: 'model'`);
    expect(runtime.specs[0]?.image).toBe('my/python:3');
  });
});

describe('findLambdaHandler', () => {
  const handler: LambdaHandlerConfig = { kind: 'command', command: ['x'] };
  it.each([
    ['exact ARN', { [ARN]: handler }, ARN],
    ['function name', { 'evaluate-model': handler }, ARN],
    ['qualified name', { 'evaluate-model:prod': handler }, `${ARN}:prod`],
    ['unqualified mapping for a qualified ARN', { 'evaluate-model': handler }, `${ARN}:prod`],
    ['ARN in another region', { 'arn:aws:lambda:eu-west-1:999:function:evaluate-model': handler }, ARN],
    ['bare name in the definition', { [ARN]: handler }, 'evaluate-model'],
  ])('matches by %s', (_label, lambdas, arn) => {
    expect(findLambdaHandler(lambdas, arn)).toBe(handler);
  });

  it('does not match another function', () => {
    expect(findLambdaHandler({ other: handler }, ARN)).toBeUndefined();
  });
});
