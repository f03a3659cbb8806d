// Finds the user's SageMaker Python SDK for `@step` function steps: their own Python is asked (the
// probe) what the SDK's runtime imports and from where, once per run. A small port, so unit tests
// give a fake answer and only one implementation spawns a process.
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { SagemakerSdkConfig } from '../../config.js';
import { SagesimError } from '../../errors.js';
import { PROBE_MARKER, SDK_PROBE_SCRIPT } from './sdk-probe-script.js';

/** One top-level Python module (package folder or single file) the SDK's runtime imports. */
export interface SdkModule {
  readonly name: string;
  /** Host path of the package folder or module file. */
  readonly path: string;
  /** Holds compiled extensions (.so): the image's own copy, when it has one, is preferred. */
  readonly compiled: boolean;
}

/** The user's SDK as their Python sees it. */
export interface LocatedSdk {
  /** `major.minor` of the Python that imports it. */
  readonly pythonVersion: string;
  readonly sagemakerVersion: string;
  readonly botocoreVersion: string;
  readonly modules: readonly SdkModule[];
  /** Host paths of `*.dist-info` / `*.egg-info` folders (importlib.metadata reads them). */
  readonly distributions: readonly string[];
  /** How it was found, for messages: the Python and PYTHONPATH used. */
  readonly source: string;
}

export interface SdkLocator {
  /** Throws SagesimError SDK_NOT_FOUND (source user) saying how to point sagesim at an SDK. */
  locate(): Promise<LocatedSdk>;
}

/** How sagesim can be told where the SDK is; every SDK error ends with it. */
export const SDK_HINT =
  'install the SageMaker Python SDK for that Python, or point sagesim at one: SAGESIM_SDK_PYTHON=<python that imports sagemaker> ' +
  '(e.g. a virtualenv\'s bin/python), SAGESIM_SDK_PYTHONPATH=<folders to put on its PYTHONPATH>, or "sagemakerSdk": {"python": ..., "pythonPath": [...]} in sagesim.config.json';

/** Runs a command; resolves with its exit status and output (never rejects for a non-zero exit). */
export type CommandRunner = (
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
) => Promise<{ readonly exitCode: number | null; readonly stdout: string; readonly stderr: string; readonly spawnError?: string }>;

const PROBE_TIMEOUT_MS = 120_000;

export const runCommand: CommandRunner = (command, args, env) =>
  new Promise((resolve) => {
    // The user's environment is inherited on purpose: their PATH, virtualenv and PYTHONPATH
    // decide which SDK their own `python` imports (a PYTHONPATH given here goes first).
    const inherited = process.env['PYTHONPATH'];
    const pythonPath = env['PYTHONPATH'] !== undefined && inherited ? `${env['PYTHONPATH']}${path.delimiter}${inherited}` : env['PYTHONPATH'];
    execFile(command, [...args], { env: { ...process.env, ...env, ...(pythonPath === undefined ? {} : { PYTHONPATH: pythonPath }) }, timeout: PROBE_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const spawnError = error !== null && typeof (error as NodeJS.ErrnoException).code === 'string' ? (error as NodeJS.ErrnoException).code : undefined;
      resolve({
        exitCode: error === null ? 0 : typeof error.code === 'number' ? error.code : null,
        stdout,
        stderr,
        ...(spawnError === undefined ? {} : { spawnError }),
      });
    });
  });

/** Asks `config.python` (with `config.pythonPath` first on PYTHONPATH) once, and remembers. */
export class PythonSdkLocator implements SdkLocator {
  private located: Promise<LocatedSdk> | undefined;

  constructor(
    private readonly config: SagemakerSdkConfig,
    private readonly run: CommandRunner = runCommand,
  ) {}

  locate(): Promise<LocatedSdk> {
    this.located ??= this.probe();
    return this.located;
  }

  private async probe(): Promise<LocatedSdk> {
    const env: Record<string, string> = { AWS_EC2_METADATA_DISABLED: 'true', AWS_DEFAULT_REGION: 'us-east-1' };
    if (this.config.pythonPath.length > 0) env['PYTHONPATH'] = this.config.pythonPath.join(path.delimiter);
    const source = `${this.config.python}${this.config.pythonPath.length > 0 ? ` with PYTHONPATH=${this.config.pythonPath.join(path.delimiter)}` : ''}`;
    const result = await this.run(this.config.python, ['-c', SDK_PROBE_SCRIPT], env);
    if (result.spawnError !== undefined) {
      throw notFound(`cannot run ${this.config.python} (${result.spawnError})`);
    }
    const line = result.stdout.split('\n').find((candidate) => candidate.startsWith(PROBE_MARKER));
    if (line === undefined) {
      const tail = result.stderr.trim().split('\n').slice(-5).join('\n');
      throw notFound(`${source} exited with ${String(result.exitCode)} without answering${tail === '' ? '' : `:\n${tail}`}`);
    }
    const answer = JSON.parse(line.slice(PROBE_MARKER.length)) as ProbeAnswer;
    if (answer.error !== undefined || answer.sagemaker === undefined || answer.botocore === undefined) {
      throw notFound(`${source} (Python ${answer.python}) cannot import the SDK: ${answer.error ?? 'no version reported'}`);
    }
    return {
      pythonVersion: answer.python,
      sagemakerVersion: answer.sagemaker,
      botocoreVersion: answer.botocore,
      modules: answer.modules ?? [],
      distributions: answer.distributions ?? [],
      source: `${source} (${answer.executable ?? this.config.python})`,
    };
  }
}

interface ProbeAnswer {
  readonly python: string;
  readonly executable?: string;
  readonly error?: string;
  readonly sagemaker?: string;
  readonly botocore?: string;
  readonly modules?: readonly SdkModule[];
  readonly distributions?: readonly string[];
}

function notFound(detail: string): SagesimError {
  return new SagesimError('SDK_NOT_FOUND', `it runs the SageMaker Python SDK's own runtime, and sagesim found no SDK: ${detail}`, { source: 'user', hint: SDK_HINT });
}
