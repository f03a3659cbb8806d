// The real CLI in a child process with its own CPU time measured: a bound like "no run over 10 s"
// holds on CPU time, which a loaded machine does not inflate, while wall time only catches hangs.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO } from './real-cli.js';

const BIN = path.join(REPO, 'bin/sagesim.js');
/** Preloaded into the child: writes its user + system CPU microseconds to fd 3 as it exits. */
const REPORT_CPU =
  "data:text/javascript,import{writeSync}from'node:fs';process.on('exit',()=>{const u=process.cpuUsage();try{writeSync(3,String(u.user+u.system))}catch{}})";

export interface MeasuredCliResult {
  /** null when a signal ended the process (the hang bound, or a crash). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
  /** undefined when the process did not exit normally. */
  readonly cpuMs: number | undefined;
  /** The process was still running after `killAfterMs`. */
  readonly killed: boolean;
}

export function runMeasuredCli(args: readonly string[], cwd: string, killAfterMs: number): Promise<MeasuredCliResult> {
  const env: Record<string, string | undefined> = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  for (const name of ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'SAGESIM_HOME', 'SAGESIM_DEBUG']) delete env[name];
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', REPORT_CPU, BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let cpu = '';
  let killed = false;
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  (child.stdio[3] as NodeJS.ReadableStream | null)?.setEncoding('utf8').on('data', (chunk: string) => (cpu += chunk));
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, killAfterMs);
  return new Promise((resolve, reject) => {
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const micros = Number(cpu);
      resolve({ code, stdout, stderr, wallMs: Date.now() - started, cpuMs: cpu === '' || !Number.isFinite(micros) ? undefined : micros / 1000, killed });
    });
  });
}

/** Runs `tasks` with at most `limit` at once; results in task order. */
export async function inParallel<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < tasks.length; i = next++) results[i] = await (tasks[i] as () => Promise<T>)();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
