// Ctrl-C and crashes leave nothing behind: the real CLI in a child process, a step running
// `sleep 60` in sagesim/sklearn, and the containers found by their labels. SIGINT (once or twice)
// and SIGTERM stop the execution and its container (also for run --no-mock and serve); SIGKILL
// leaves a container that the next run sweeps and an execution that the next `ls` records Failed;
// Ctrl-C while S3 is seeded ends the command before any execution exists.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionRecord } from '../../src/engine/execution-record.js';
import { buildImages } from '../../src/images/build-images.js';
import {
  type CliProcess,
  DEFINITIONS,
  containersLabelled,
  ensureBuilt,
  pidAlive,
  removeContainersLabelled,
  runCli,
  startCli,
  waitForRunningContainer,
} from './support/real-cli.js';
import { dockerEngine } from './support/docker.js';

const SLEEP = path.join(DEFINITIONS, 'sleep.json');
const STARTED = /execution ([a-z0-9]{12}) started/;

function readRecord(home: string, executionId: string): ExecutionRecord {
  return JSON.parse(readFileSync(path.join(home, 'executions', executionId, 'execution.json'), 'utf8')) as ExecutionRecord;
}

describe('Ctrl-C and crashes leave nothing behind', { timeout: 240_000 }, () => {
  let root: string;
  const started: CliProcess[] = [];
  const executions: string[] = [];

  beforeAll(() => {
    ensureBuilt();
    root = mkdtempSync(path.join(tmpdir(), 'sagesim-sigint-'));
  });

  afterAll(async () => {
    for (const cli of started) if (pidAlive(cli.pid)) cli.child.kill('SIGKILL');
    for (const id of executions) await removeContainersLabelled(`sagesim.execution-id=${id}`);
    rmSync(root, { recursive: true, force: true });
  });

  const newHome = (): string => mkdtempSync(path.join(root, 'home-'));

  /** Starts `run sleep.json` and waits until its step's container is running. */
  async function runUntilContainerRuns(home: string): Promise<{ cli: CliProcess; executionId: string; label: string }> {
    const cli = startCli(['run', SLEEP, '--home', home], { cwd: root });
    started.push(cli);
    const executionId = (await cli.waitFor(STARTED, 60_000))[1] ?? '';
    executions.push(executionId);
    const label = `sagesim.execution-id=${executionId}`;
    await waitForRunningContainer(label, 60_000);
    return { cli, executionId, label };
  }

  it('SIGINT while a step runs: exit 1 within 15 s, execution and step Stopped, no container left', async () => {
    const home = newHome();
    const { cli, executionId, label } = await runUntilContainerRuns(home);

    const sent = Date.now();
    cli.child.kill('SIGINT');
    const result = await cli.exited;

    expect(result.code, result.stderr).toBe(1);
    expect(Date.now() - sent).toBeLessThan(15_000);
    expect(result.stderr).toContain('stopping the execution');
    expect(result.stderr).not.toMatch(/^ {4}at /m);
    const record = readRecord(home, executionId);
    expect(record.status).toBe('Stopped');
    expect(record.steps.map((s) => [s.stepName, s.status])).toEqual([['Sleep', 'Stopped']]);
    expect(await containersLabelled(label)).toEqual([]);
  });

  it('a second SIGINT while stopping changes nothing: still Stopped, still no container left', async () => {
    const home = newHome();
    const { cli, executionId, label } = await runUntilContainerRuns(home);

    const sent = Date.now();
    cli.child.kill('SIGINT');
    await cli.waitFor(/stopping the execution/, 5_000);
    cli.child.kill('SIGINT');
    const result = await cli.exited;

    expect(result.code, result.stderr).toBe(1);
    expect(Date.now() - sent).toBeLessThan(15_000);
    expect(result.stderr).toContain('still stopping');
    expect(readRecord(home, executionId).status).toBe('Stopped');
    expect(await containersLabelled(label)).toEqual([]);
  });

  it('SIGTERM (timeout, a cancelled CI job, docker stop) while a step runs is handled like SIGINT', async () => {
    const home = newHome();
    const { cli, executionId, label } = await runUntilContainerRuns(home);

    const sent = Date.now();
    cli.child.kill('SIGTERM');
    const result = await cli.exited;

    expect(result.signal, result.stderr).toBeNull();
    expect(result.code, result.stderr).toBe(1);
    expect(Date.now() - sent).toBeLessThan(15_000);
    expect(result.stderr).toContain('SIGTERM: stopping the execution');
    expect(result.stderr).not.toMatch(/^ {4}at /m);
    const record = readRecord(home, executionId);
    expect(record.status).toBe('Stopped');
    expect(record.steps.map((s) => [s.stepName, s.status])).toEqual([['Sleep', 'Stopped']]);
    expect(await containersLabelled(label)).toEqual([]);
  });

  it('SIGTERM to `run --no-mock` stops the execution it submitted to `sagesim serve`; SIGTERM to serve closes it cleanly', async () => {
    const serveHome = newHome();
    const serve = startCli(['serve', '--port', '0', '--home', serveHome, '--quiet'], { cwd: root });
    started.push(serve);
    const endpoint = (await serve.waitFor(/(http:\/\/127\.0\.0\.1:\d+)/, 60_000))[1] ?? '';

    const run = startCli(['run', SLEEP, '--no-mock', '--endpoint-url', endpoint, '--role', 'arn:aws:iam::111122223333:role/SageMakerRole', '--home', newHome()], { cwd: root });
    started.push(run);
    const executionId = (await run.waitFor(/started arn:\S+\/execution\/([a-z0-9]+)/, 60_000))[1] ?? '';
    executions.push(executionId);
    const label = `sagesim.execution-id=${executionId}`;
    await waitForRunningContainer(label, 60_000);

    run.child.kill('SIGTERM');
    const ran = await run.exited;
    expect(ran.signal, ran.stderr).toBeNull();
    expect(ran.code, ran.stderr).toBe(1);
    expect(ran.stderr).toContain('stopping arn:');
    expect(ran.stdout).toMatch(/execution [a-z0-9]{12} Stopped/i);
    // serve writes its records in bursts: give the last one a moment to land.
    await expect.poll(() => readRecord(serveHome, executionId).status, { timeout: 5_000 }).toBe('Stopped');
    expect(await containersLabelled(label)).toEqual([]);

    serve.child.kill('SIGTERM');
    const served = await serve.exited;
    expect(served.signal, served.stderr).toBeNull();
    expect(served.code, served.stderr).toBe(0);
    expect(served.stderr).toContain('stopping: running executions are being stopped');
  });

  it('SIGKILL of the CLI mid-step: the next `ls` shows the execution Failed, the next run sweeps its container', async () => {
    const home = newHome();
    const { cli, executionId, label } = await runUntilContainerRuns(home);

    cli.child.kill('SIGKILL');
    await cli.exited;
    // Nothing could clean up: the container outlives the process that labelled it.
    expect((await containersLabelled(label)).map((c) => c.Labels['sagesim.pid'])).toEqual([String(cli.pid)]);
    expect(readRecord(home, executionId).status).toBe('Executing');

    // The record names its owner; once that process is gone, the execution can never finish.
    const ls = await runCli(['ls', '--home', home], { cwd: root });
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(new RegExp(`^${executionId}\\s.*\\bFailed\\b`, 'm'));
    const reason = `sagesim process ${cli.pid} ended before the execution finished (killed?)`;
    const record = readRecord(home, executionId);
    expect(record).toMatchObject({ status: 'Failed', failureReason: reason });
    expect(record.steps.map((s) => [s.stepName, s.status])).toEqual([['Sleep', 'Failed']]);

    const next = await runCli(['run', path.join(DEFINITIONS, 'quick.json'), '--home', home], { cwd: root });
    expect(next.code, next.stderr).toBe(0);
    expect(await containersLabelled(label)).toEqual([]);
  });

  it('a run that succeeds and one that fails leave no container', async () => {
    const home = newHome();
    for (const [file, code] of [
      ['quick.json', 0],
      ['raises.json', 1],
    ] as const) {
      const result = await runCli(['run', path.join(DEFINITIONS, file), '--home', home], { cwd: root });
      expect(result.code, result.stderr).toBe(code);
      const executionId = STARTED.exec(result.stdout)?.[1] ?? '';
      executions.push(executionId);
      expect(await containersLabelled(`sagesim.execution-id=${executionId}`)).toEqual([]);
    }
  });

  it('SIGINT while S3 is being seeded: exit 1 within 15 s, no execution recorded, nothing running', async () => {
    const home = newHome();
    const cli = startCli(['run', path.join(DEFINITIONS, 'slow-seed/pipeline.json'), '--home', home], { cwd: root });
    started.push(cli);
    await cli.waitFor(/placed s3:\/\/sagesim-slow-seed\/data\/part-00\.csv/, 60_000);

    const sent = Date.now();
    cli.child.kill('SIGINT');
    const result = await cli.exited;

    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(Date.now() - sent).toBeLessThan(15_000);
    expect(result.stderr).toMatch(/^stopped: /m);
    expect(result.stderr).not.toMatch(/^ {4}at /m);
    // Seeding stopped between objects: the last ones were never placed, and no execution began.
    expect(result.stdout).not.toContain('part-19.csv');
    const executionsDir = path.join(home, 'executions');
    expect(existsSync(executionsDir) ? readdirSync(executionsDir) : []).toEqual([]);
    expect(await containersLabelled(`sagesim.pid=${cli.pid}`)).toEqual([]);
  });

  it('Ctrl-C during an image build ends the build at once, with what it was waiting on (debootstrap)', async () => {
    // A stand-in for containers/: its make-rootfs.sh waits on a child, as it waits on debootstrap.
    const containers = path.join(root, 'containers');
    for (const folder of ['base', 'toolkit', 'knn']) mkdirSync(path.join(containers, folder), { recursive: true });
    const marker = `sagesim-sigint-build-${process.pid}`;
    writeFileSync(path.join(containers, 'base', 'make-rootfs.sh'), `echo "debootstrap: bookworm minbase"\n(exec -a ${marker} sleep 60)\n`);
    writeFileSync(path.join(containers, 'toolkit', 'train'), '');
    writeFileSync(path.join(containers, 'knn', 'Dockerfile'), 'ARG BASE\nFROM ${BASE}\n');
    const controller = new AbortController();
    const build = buildImages({
      engine: dockerEngine(),
      containersDir: containers,
      // Never sagesim/*: other tests use those images.
      repositoryPrefix: `sagesim-sigint-${process.pid}`,
      env: { ...process.env, SAGESIM_CACHE_DIR: path.join(root, 'cache'), SAGESIM_BASE_METHOD: 'debootstrap' },
      only: ['knn'],
      signal: controller.signal,
      reporter: { progress: ({ message }) => message.includes('debootstrap: ') && controller.abort() },
    });

    const sent = Date.now();
    await expect(build).rejects.toMatchObject({ code: 'STOPPED' });
    expect(Date.now() - sent).toBeLessThan(5_000);
    expect(processesNamed(marker)).toEqual([]);
  });
});

/** Pids of processes whose command line contains `text`. */
function processesNamed(text: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', text], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
