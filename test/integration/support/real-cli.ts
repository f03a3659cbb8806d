// The real command line in a child process (`node bin/sagesim.js ...`), as a user runs it: for
// what only a separate process shows (signals, start-up time, a crash), and the containers it
// leaves, found by their labels.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { dockerClient } from './docker.js';

export const REPO = path.resolve(import.meta.dirname, '../../..');
export const DEFINITIONS = path.join(REPO, 'test/integration/definitions');
const BIN = path.join(REPO, 'bin/sagesim.js');

export interface CliResult {
  /** null when a signal ended the process. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** From spawn to exit. */
  readonly ms: number;
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout + stderr; rejects after `timeoutMs` or on exit. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  readonly exited: Promise<CliResult>;
}

export interface StartOptions {
  readonly cwd: string;
  /** Added to a copy of this process's environment without any S3 endpoint or sagesim home. */
  readonly env?: Readonly<Record<string, string>>;
}

/** dist/ is what bin/sagesim.js runs: rebuilt here when a source file is newer (a dev checkout). */
export function ensureBuilt(): void {
  const main = path.join(REPO, 'dist/cli/main.js');
  const built = mtimeOr(main, 0);
  if (built > 0 && newestSource(path.join(REPO, 'src')) <= built) return;
  // Type errors elsewhere do not stop tsc from emitting; a missing main.js does stop us.
  spawnSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', path.join(REPO, 'tsconfig.build.json')], { stdio: 'ignore' });
  if (mtimeOr(main, 0) === 0) throw new Error('cannot build dist/ for the CLI tests: run `npm run build`');
}

/**
 * dist/console-ui, which `npm run build` makes and the package ships: built here when missing or
 * older than web/console (a checkout whose dist/ only ensureBuilt made has none). Written in
 * place, not emptied first, so a server of this checkout serving it meanwhile keeps its files.
 */
export function ensureConsoleBuilt(): void {
  const page = path.join(REPO, 'dist/console-ui/app.js');
  const web = path.join(REPO, 'web/console');
  if (mtimeOr(page, 0) > 0 && newestFile(web) <= mtimeOr(page, 0)) return;
  const out = path.join(REPO, 'dist/console-ui');
  const built = spawnSync(process.execPath, [path.join(REPO, 'scripts/build-console.mjs'), '--out', out], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`cannot build dist/console-ui for the package test: ${built.stderr}`);
}

export function startCli(args: readonly string[], options: StartOptions): CliProcess {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  for (const name of ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'SAGESIM_HOME', 'SAGESIM_DEBUG']) {
    if (!options.env || !(name in options.env)) delete env[name];
  }
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const listener of listeners) listener();
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    changed();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    changed();
  });
  const exited = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      changed();
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
  let done = false;
  void exited.then(() => (done = true), () => (done = true));
  const waitFor = (pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const match = (stdout + stderr).match(pattern);
        if (match) finish(() => resolve(match));
        else if (done) finish(() => reject(new Error(`sagesim exited before printing ${pattern}:\n${stdout}\n${stderr}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${stdout}\n${stderr}`))), timeoutMs);
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        listeners.delete(check);
        settle();
      };
      listeners.add(check);
      check();
    });
  if (child.pid === undefined) throw new Error('cannot start node');
  return { child, pid: child.pid, stdout: () => stdout, stderr: () => stderr, waitFor, exited };
}

export async function runCli(args: readonly string[], options: StartOptions): Promise<CliResult> {
  return startCli(args, options).exited;
}

const docker = dockerClient();

/** Containers (running or not) carrying a label, e.g. `sagesim.execution-id=abc` or `sagesim.pid=123`. */
export async function containersLabelled(label: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [label] } });
}

/** Waits until a container with the label runs; returns its id. */
export async function waitForRunningContainer(label: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const running = (await containersLabelled(label)).find((c) => c.State === 'running');
    if (running) return running.Id;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no running container labelled ${label} within ${timeoutMs} ms`);
}

/** Removes what a failed test may have left, so that one failure does not leak into the machine. */
export async function removeContainersLabelled(label: string): Promise<void> {
  for (const info of await containersLabelled(label)) {
    await docker.getContainer(info.Id).remove({ force: true }).catch(() => undefined);
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function mtimeOr(file: string, fallback: number): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return fallback;
  }
}

function newestSource(dir: string): number {
  return newestFile(dir, '.ts');
}

function newestFile(dir: string, suffix = ''): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestFile(full, suffix));
    else if (entry.name.endsWith(suffix)) newest = Math.max(newest, mtimeOr(full, 0));
  }
  return newest;
}
