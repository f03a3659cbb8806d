// What a user reads when a run fails for a reason outside the definition: a step script that
// raises, a container killed (137), an image or a Lambda with no local mapping, a missing S3
// input, an S3 endpoint or a Docker engine that does not answer. The real CLI in a child process;
// each failure names the step and the thing at fault and says what to do, and leaves no container.
// What the preflight can see (images, Lambda handlers, inputs at fixed URIs) is refused before the run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunJsonShape } from '../../src/engine/run-record-json.js';
import { DEFINITIONS, type CliResult, containersLabelled, ensureBuilt, removeContainersLabelled, runCli } from './support/real-cli.js';

const definition = (name: string): string => path.join(DEFINITIONS, name);

interface FailedRun {
  readonly result: CliResult;
  readonly executionId: string;
  readonly reason: string;
}

describe('failures a user can read, from the real CLI', { timeout: 180_000 }, () => {
  let root: string;
  const executions: string[] = [];

  beforeAll(() => {
    ensureBuilt();
    root = mkdtempSync(path.join(tmpdir(), 'sagesim-cli-errors-'));
  });

  afterAll(async () => {
    for (const id of executions) await removeContainersLabelled(`sagesim.execution-id=${id}`);
    rmSync(root, { recursive: true, force: true });
  });

  const home = (): string => mkdtempSync(path.join(root, 'home-'));

  /** Runs a definition that must fail in one step, with --json; returns that step's FailureReason. */
  async function failedRun(file: string, extra: readonly string[] = []): Promise<FailedRun> {
    const result = await runCli(['run', definition(file), '--json', '--home', home(), ...extra], { cwd: root });
    let record: RunJsonShape;
    try {
      record = JSON.parse(result.stdout) as RunJsonShape;
    } catch {
      throw new Error(`no JSON record (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
    }
    const executionId = record.PipelineExecutionArn.split('/').pop() ?? '';
    executions.push(executionId);
    expect(record.PipelineExecutionStatus).toBe('Failed');
    const failed = record.PipelineExecutionSteps.find((step) => step.StepStatus === 'Failed');
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).not.toMatch(/^ {4}at /m);
    expect(await containersLabelled(`sagesim.execution-id=${executionId}`)).toEqual([]);
    return { result, executionId, reason: failed?.FailureReason ?? '' };
  }

  it('a step script that raises: step, image, exit code, failure file, last log lines and the logs command', async () => {
    const { reason, executionId } = await failedRun('raises.json');
    expect(reason).toContain('step "Featurize"');
    expect(reason).toContain('sagesim/sklearn:latest (for 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3)');
    expect(reason).toContain('exited with code 1');
    expect(reason).toContain('column price is missing\n');
    expect(reason).toContain('ValueError: column price is missing from the input');
    expect(reason).toContain('loading the data');
    expect(reason).toContain(`sagesim logs ${executionId} Featurize`);
  });

  it('the logs command named in the reason prints the whole log', async () => {
    const dir = home();
    const run = await runCli(['run', definition('raises.json'), '--json', '--home', dir], { cwd: root });
    const id = (JSON.parse(run.stdout) as RunJsonShape).PipelineExecutionArn.split('/').pop() ?? '';
    executions.push(id);
    const logs = await runCli(['logs', id, 'Featurize', '--home', dir], { cwd: root });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('loading the data');
    expect(logs.stdout).toContain('Traceback (most recent call last)');
  });

  it('a container killed with SIGKILL: 137 and what it usually means', async () => {
    const { reason } = await failedRun('killed.json');
    expect(reason).toContain('step "Crunch"');
    expect(reason).toContain('exited with code 137');
    expect(reason).toContain('often out of memory');
    expect(reason).toMatch(/Memory: .*larger instance type/);
    expect(reason).toContain('allocating');
  });

  /** Runs a definition its preflight refuses: exit 2 before any execution or container exists. */
  async function refusedRun(file: string, extra: readonly string[] = []): Promise<CliResult> {
    const result = await runCli(['run', definition(file), '--json', '--home', home(), ...extra], { cwd: root });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('error: preflight:');
    expect(result.stderr).not.toMatch(/^ {4}at /m);
    return result;
  }

  it('an image with no local mapping: refused before the run, with the step, the image and how to map it', async () => {
    const { stderr } = await refusedRun('unmapped-image.json');
    expect(stderr).toContain('IMAGE_NOT_MAPPED  $.Steps[0].Arguments.AppSpecification.ImageUri (step Featurize)');
    expect(stderr).toContain('123456789012.dkr.ecr.us-east-1.amazonaws.com/my-team/featurizer:3');
    expect(stderr).toContain('{"images": {"123456789012.dkr.ecr.us-east-1.amazonaws.com/my-team/featurizer:3": ');
  });

  it('a Lambda with no local handler: refused before the run, with the function, the mapping to add, or a stub', async () => {
    const { stderr } = await refusedRun('lambda.json');
    expect(stderr).toContain('(step Notify)');
    expect(stderr).toContain('arn:aws:lambda:us-east-1:111122223333:function:notify-team');
    expect(stderr).toContain('{"lambdas":');
    expect(stderr).toContain('--stub Notify');
  });

  it('a missing S3 input: refused before the run, with the step, the input and the URI', async () => {
    const { stderr } = await refusedRun('missing-input.json');
    expect(stderr).toContain('S3_INPUT_NOT_FOUND  $.Steps[0].Arguments.ProcessingInputs[0].S3Input.S3Uri (step Featurize)');
    expect(stderr).toContain('s3://sagesim-errors/nothing-here/raw');
    expect(stderr).toMatch(/sagesim s3 cp|manifest\.json/);
  });

  it('an S3 endpoint that does not answer when the inputs are checked: exit 2 with the endpoint and what to check', async () => {
    const result = await runCli(['run', definition('missing-input.json'), '--home', home(), '--s3-endpoint', 'http://127.0.0.1:1'], { cwd: root });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('cannot reach S3 at http://127.0.0.1:1');
    expect(result.stderr).toMatch(/^hint: .*S3 endpoint/m);
    expect(result.stderr).not.toMatch(/^ {4}at /m);
  });

  it('an S3 endpoint that does not answer while the manifest is seeded: exit 2 within seconds, with a hint', async () => {
    const result = await runCli(['run', definition('reads-input/pipeline.json'), '--home', home(), '--s3-endpoint', 'http://127.0.0.1:1'], { cwd: root });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('cannot reach S3 at http://127.0.0.1:1');
    expect(result.stderr).toMatch(/^hint: .*--s3-endpoint/m);
    expect(result.stderr).not.toMatch(/^ {4}at /m);
    expect(result.ms).toBeLessThan(20_000);
  });

  it('Docker not reachable: exit 2 within seconds, saying how to start it', async () => {
    const result = await runCli(['run', definition('quick.json'), '--home', home()], {
      cwd: root,
      env: { DOCKER_HOST: `unix://${path.join(root, 'nothing.sock')}` },
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`cannot reach the Docker engine at ${path.join(root, 'nothing.sock')}`);
    // Preflight lists it with the other problems, its hint indented under it.
    expect(result.stderr).toMatch(/^\s*hint: start Docker/m);
    expect(result.stderr).not.toMatch(/^ {4}at /m);
    expect(result.ms).toBeLessThan(10_000);
  });

  it('a run whose job steps are all stubbed needs no Docker', async () => {
    const result = await runCli(['run', definition('quick.json'), '--stub-all', '--home', home()], {
      cwd: root,
      env: { DOCKER_HOST: `unix://${path.join(root, 'nothing.sock')}` },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Quick\s+Succeeded/);
  });

  it('a pipeline that reads its seeded input succeeds and leaves no container', async () => {
    const result = await runCli(['run', definition('reads-input/pipeline.json'), '--json', '--logs', '--home', home()], { cwd: root });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('rows 2');
    const id = (JSON.parse(result.stdout) as RunJsonShape).PipelineExecutionArn.split('/').pop() ?? '';
    executions.push(id);
    expect(await containersLabelled(`sagesim.execution-id=${id}`)).toEqual([]);
  });
});
