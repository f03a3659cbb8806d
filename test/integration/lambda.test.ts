// Lambda steps in a pipeline: a local command handler mapped in sagesim.config.json, and a Python
// handler run in the sagesim/sklearn image; a downstream step reads their typed outputs.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig, type SagesimConfig } from '../../src/config.js';
import { runDefinitionFile } from '../../src/app/run-definition.js';
import { DockerEngine } from '../../src/adapters/docker/docker-engine.js';
import { LambdaExecutor } from '../../src/steps/lambda-executor.js';

const PREPARE_ARN = 'arn:aws:lambda:us-east-1:111122223333:function:prepare';
const SCORE_ARN = 'arn:aws:lambda:us-east-1:111122223333:function:score';

const definition = {
  Version: '2020-12-01',
  Parameters: [{ Name: 'Threshold', Type: 'Float', DefaultValue: 0.7 }],
  Steps: [
    {
      Name: 'Prepare',
      Type: 'Lambda',
      FunctionArn: PREPARE_ARN,
      Arguments: { threshold: { Get: 'Parameters.Threshold' }, rows: [1, 2, 3, 4] },
      OutputParameters: [
        { OutputName: 'count', OutputType: 'Integer' },
        { OutputName: 'label', OutputType: 'String' },
      ],
    },
    {
      Name: 'Score',
      Type: 'Lambda',
      FunctionArn: SCORE_ARN,
      Arguments: { count: { Get: "Steps.Prepare.OutputParameters['count']" }, threshold: { Get: 'Parameters.Threshold' } },
      OutputParameters: [
        { OutputName: 'score', OutputType: 'Float' },
        { OutputName: 'passed', OutputType: 'Boolean' },
      ],
    },
    {
      Name: 'Check',
      Type: 'Condition',
      Arguments: {
        Conditions: [{ Type: 'Equals', LeftValue: { Get: "Steps.Score.OutputParameters['passed']" }, RightValue: true }],
        IfSteps: [],
        ElseSteps: [{ Name: 'TooLow', Type: 'Fail', Arguments: { ErrorMessage: 'score below threshold' } }],
      },
    },
  ],
};

describe('Lambda steps: local command and Python handler in a container', { timeout: 300_000 }, () => {
  let root: string;
  let file: string;
  let config: SagesimConfig;
  let runtime: DockerEngine;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'sagesim-lambda-it-'));
    file = path.join(root, 'pipeline.json');
    await writeFile(file, JSON.stringify(definition));
    await writeFile(
      path.join(root, 'prepare.mjs'),
      [
        "let s = '';",
        "process.stdin.on('data', (d) => (s += d)).on('end', () => {",
        '  const event = JSON.parse(s);',
        "  console.error('preparing ' + event.rows.length + ' rows');",
        "  console.log(JSON.stringify({ count: event.rows.length, label: 'batch-' + event.threshold }));",
        '});',
        '',
      ].join('\n'),
    );
    await writeFile(
      path.join(root, 'score.py'),
      [
        'def lambda_handler(event, context):',
        "    print('scoring in', context.function_name)",
        "    score = event['count'] / 5",
        "    return {'score': score, 'passed': score >= event['threshold']}",
        '',
      ].join('\n'),
    );
    await writeFile(
      path.join(root, 'sagesim.config.json'),
      JSON.stringify({
        lambdas: {
          [PREPARE_ARN]: { kind: 'command', command: [process.execPath, 'prepare.mjs'] },
          score: { kind: 'python', file: 'score.py', handler: 'score.lambda_handler', image: 'sagesim/sklearn:latest' },
        },
      }),
    );
    config = resolveConfig({ cwd: root, home: path.join(root, '.sagesim') });
    runtime = new DockerEngine({ socketPath: config.dockerSocket });
    await runtime.ping();
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function run(threshold: number) {
    const logs: string[] = [];
    const record = await runDefinitionFile({
      file,
      config,
      parameters: { Threshold: threshold },
      reporter: { stepLog: (event) => logs.push(`${event.stepName}: ${event.line}`) },
      environment: { store: 'memory', executors: [new LambdaExecutor({ config, runtime, s3Endpoint: 'http://127.0.0.1:1' })] },
    });
    return { record, logs };
  }

  it('passes typed outputs from a command handler to a Python handler and on to a condition', async () => {
    const { record, logs } = await run(0.7);
    expect(record.status).toBe('Succeeded');
    const prepare = record.steps.find((s) => s.stepName === 'Prepare');
    const score = record.steps.find((s) => s.stepName === 'Score');
    expect(prepare?.outputParameters).toEqual({ count: 4, label: 'batch-0.7' });
    expect(score?.outputParameters).toEqual({ score: 0.8, passed: true });
    expect(score?.metadata.Lambda).toEqual({ Arn: SCORE_ARN, OutputParameters: [{ Name: 'score', Value: '0.8' }, { Name: 'passed', Value: 'true' }] });
    expect(logs).toContain('Prepare: preparing 4 rows');
    expect(logs).toContain('Score: scoring in score');
    expect(await runtime.sweep({ executionId: record.executionId })).toBe(0);
  });

  it('a handler that raises fails its step with the exception', async () => {
    await writeFile(path.join(root, 'score.py'), "def lambda_handler(event, context):\n    raise KeyError('model')\n");
    const { record } = await run(0.7);
    expect(record.status).toBe('Failed');
    expect(record.steps.find((s) => s.stepName === 'Score')).toMatchObject({ status: 'Failed', failureReason: expect.stringContaining("KeyError: 'model'") });
    expect(await runtime.sweep({ executionId: record.executionId })).toBe(0);
  });
});
