// Configuration is resolved once, at the edge: defaults <- config file <- environment <- flags,
// into a frozen object passed down. No other module reads process.env.
import { readFileSync, existsSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { parseConfigFile } from './config-file.js';
import { notJsonDetail } from './engine/json-error-position.js';
import { SagesimError } from './errors.js';

/** How a Lambda step's FunctionArn runs locally. */
export type LambdaHandlerConfig =
  /** A local command fed the event JSON on stdin; prints the output parameters as JSON on stdout. */
  | { readonly kind: 'command'; readonly command: readonly string[] }
  /** A Python file with `handler(event, context)`, run in a container of the given image. */
  | { readonly kind: 'python'; readonly file: string; readonly handler?: string; readonly image?: string };

export type S3Config =
  /** sagesim's embedded S3 emulator on 127.0.0.1, data kept under the home folder. */
  | { readonly kind: 'embedded' }
  /** Any S3 endpoint: LocalStack, MinIO, or AWS itself. */
  | { readonly kind: 'endpoint'; readonly url: string };

/** Where `@step` function steps get the SageMaker Python SDK's runtime: the user's own installation. */
export interface SagemakerSdkConfig {
  /** The Python that imports the user's SDK. @default 'python3' (or SAGESIM_SDK_PYTHON) */
  readonly python: string;
  /**
   * Folders put first on that Python's PYTHONPATH, e.g. an unpacked SDK tree's `site` and `src`.
   * @default [] (or SAGESIM_SDK_PYTHONPATH, path-delimiter separated)
   */
  readonly pythonPath: readonly string[];
}

/**
 * How long sagesim waits on Docker and S3 before it gives up with an error naming the peer.
 * Waiting for a running container to end is never bounded (a job may run for hours); S3 transfers
 * are bounded by idleness (no byte flowing), not by length.
 */
export interface TimeoutSettings {
  /** The ping that checks the engine answers before a run. @default 3000 */
  readonly dockerPingMs: number;
  /** Any other engine call (create, start, inspect, stop, remove, list). @default 30000 */
  readonly dockerApiMs: number;
  /** Opening a connection to S3. @default 5000 */
  readonly s3ConnectMs: number;
  /** The request that checks an S3 endpoint answers before a run. @default 3000 */
  readonly s3ProbeMs: number;
  /** An S3 request whose connection carries no byte for this long fails. @default 60000 */
  readonly s3IdleMs: number;
}

export const DEFAULT_TIMEOUTS: TimeoutSettings = Object.freeze({
  dockerPingMs: 3000,
  dockerApiMs: 30_000,
  s3ConnectMs: 5000,
  s3ProbeMs: 3000,
  s3IdleMs: 60_000,
});

/** The configured timeouts, defaults filled in (a config built by hand may leave them out). */
export function timeoutsOf(config: Pick<SagesimConfig, 'timeouts'>): TimeoutSettings {
  return { ...DEFAULT_TIMEOUTS, ...config.timeouts };
}

export interface SagesimConfig {
  /** Working directory relative paths are resolved against. */
  readonly cwd: string;
  /** Where executions, the model registry, logs and embedded S3 data live. @default `<cwd>/.sagesim` */
  readonly home: string;
  /** Mock mode: no AWS account, embedded S3, dummy credentials in containers. @default true */
  readonly mock: boolean;
  /** @default 'us-east-1' */
  readonly region: string;
  /** Account id used in the ARNs of local executions. @default '111122223333' */
  readonly accountId: string;
  /** Steps run at once at most. @default the number of cores */
  readonly maxParallel: number;
  /** Step caching (CacheConfig). `--no-cache` turns it off. @default true */
  readonly cache: boolean;
  /**
   * Reuse a cache entry when the step's arguments match, as the cloud does, even when an object it
   * read was replaced at the same URI since (`--cache-like-cloud`). By default sagesim also
   * compares the identity (ETag, or size and time) of every object the step read. @default false
   */
  readonly cacheLikeCloud: boolean;
  /**
   * Limit each job container to the memory of its instance type (`ml.t3.medium`: 4 GiB), so a job
   * that runs out of memory in SageMaker does here too. `--no-instance-memory` turns it off.
   * @default true
   */
  readonly instanceMemory: boolean;
  /**
   * Jobs of GPU instance types (`ml.g*`, `ml.p*`, `local_gpu`) get their GPUs from the engine; false
   * runs them on the CPU. `--no-gpu` turns it off. @default true (or SAGESIM_GPU)
   */
  readonly gpu: boolean;
  readonly s3: S3Config;
  /** Extra image mappings: SageMaker image URI (or a regex between slashes) -> local image tag. */
  readonly images: Readonly<Record<string, string>>;
  /** Lambda steps: FunctionArn (or function name) -> local handler. */
  readonly lambdas: Readonly<Record<string, LambdaHandlerConfig>>;
  /** Docker engine socket. @default '/var/run/docker.sock' (or DOCKER_HOST) */
  readonly dockerSocket: string;
  /** The SageMaker Python SDK that `@step` function steps run with. */
  readonly sagemakerSdk: SagemakerSdkConfig;
  /**
   * A folder of wheels pip installs from inside training containers (a source directory's
   * requirements.txt, a @step function's dependencies): containers reach no package index offline.
   * @default none (or SAGESIM_PIP_WHEELS)
   */
  readonly pipWheels?: string;
  /** Print stacks of unexpected errors. @default false */
  readonly debug: boolean;
  /**
   * The embedded S3 removes multipart uploads started longer ago than this (a client that died
   * mid-upload left them), when it starts and every hour while it runs. @default 24
   */
  readonly s3StaleUploadHours: number;
  /** @default DEFAULT_TIMEOUTS (resolveConfig always fills it in) */
  readonly timeouts?: TimeoutSettings;
}

/**
 * The settings both the config file and a caller (flags, the API) may give, the caller's winning;
 * each is described on SagesimConfig.
 */
interface LayeredSettings {
  readonly home?: string;
  readonly region?: string;
  readonly maxParallel?: number;
  readonly cache?: boolean;
  readonly cacheLikeCloud?: boolean;
  readonly instanceMemory?: boolean;
  readonly gpu?: boolean;
  readonly s3Endpoint?: string;
  readonly images?: Record<string, string>;
  readonly lambdas?: Record<string, LambdaHandlerConfig>;
  /** Any of the timeouts, in milliseconds. */
  readonly timeouts?: Partial<TimeoutSettings>;
}

/** What the config file (`sagesim.config.json` in cwd, or `--config`) may hold. */
export interface ConfigFile extends LayeredSettings {
  readonly accountId?: string;
  readonly dockerSocket?: string;
  readonly s3StaleUploadHours?: number;
  readonly sagemakerSdk?: { readonly python?: string; readonly pythonPath?: readonly string[] };
  readonly pipWheels?: string;
}

/** Values given on the command line or by a caller of the API; they win over everything. */
export interface ConfigOverrides extends LayeredSettings {
  readonly cwd?: string;
  readonly configFile?: string;
  readonly mock?: boolean;
  readonly debug?: boolean;
}

export const CONFIG_FILE_NAME = 'sagesim.config.json';

export function resolveConfig(
  overrides: ConfigOverrides = {},
  env: Readonly<Record<string, string | undefined>> = {},
): SagesimConfig {
  const cwd = path.resolve(overrides.cwd ?? '.');
  const file = readConfigFile(overrides.configFile ? path.resolve(cwd, overrides.configFile) : path.join(cwd, CONFIG_FILE_NAME), overrides.configFile !== undefined);
  const home = path.resolve(cwd, overrides.home ?? env['SAGESIM_HOME'] ?? file.home ?? '.sagesim');
  const endpoint = overrides.s3Endpoint ?? env['AWS_ENDPOINT_URL_S3'] ?? env['AWS_ENDPOINT_URL'] ?? file.s3Endpoint;
  const maxParallel = overrides.maxParallel ?? numberFromEnv(env, 'SAGESIM_MAX_PARALLEL') ?? file.maxParallel ?? Math.max(1, cpus().length);
  if (!Number.isInteger(maxParallel) || maxParallel < 1) {
    throw new SagesimError('INVALID_CONFIG', `max-parallel must be a whole number of at least 1, got ${maxParallel}`, {
      source: 'user',
      hint: 'check SAGESIM_MAX_PARALLEL and "maxParallel" in sagesim.config.json',
      harnessHint: 'give createTestEnvironment `config: { maxParallel: <n> }` with n a whole number of at least 1 (or fix "maxParallel" in ./sagesim.config.json)',
    });
  }
  const dockerHost = env['DOCKER_HOST'];
  const dockerSocket =
    file.dockerSocket ?? (dockerHost?.startsWith('unix://') ? dockerHost.slice('unix://'.length) : '/var/run/docker.sock');
  const config: SagesimConfig = {
    cwd,
    home,
    mock: overrides.mock ?? true,
    region: overrides.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? file.region ?? 'us-east-1',
    accountId: file.accountId ?? '111122223333',
    maxParallel,
    cache: overrides.cache ?? file.cache ?? true,
    cacheLikeCloud: overrides.cacheLikeCloud ?? file.cacheLikeCloud ?? false,
    instanceMemory: overrides.instanceMemory ?? file.instanceMemory ?? true,
    gpu: overrides.gpu ?? booleanFromEnv(env, 'SAGESIM_GPU') ?? file.gpu ?? true,
    s3: endpoint ? { kind: 'endpoint', url: endpoint } : { kind: 'embedded' },
    images: Object.freeze({ ...file.images, ...overrides.images }),
    lambdas: Object.freeze({ ...file.lambdas, ...overrides.lambdas }),
    dockerSocket,
    sagemakerSdk: Object.freeze(sagemakerSdkConfig(cwd, file, env)),
    ...pipWheels(cwd, env['SAGESIM_PIP_WHEELS'] || file.pipWheels),
    debug: overrides.debug ?? env['SAGESIM_DEBUG'] === '1',
    s3StaleUploadHours: file.s3StaleUploadHours ?? 24,
    timeouts: Object.freeze({ ...DEFAULT_TIMEOUTS, ...file.timeouts, ...overrides.timeouts }),
  };
  return Object.freeze(config);
}

function pipWheels(cwd: string, folder: string | undefined): { pipWheels?: string } {
  return folder === undefined || folder === '' ? {} : { pipWheels: path.resolve(cwd, folder) };
}

function sagemakerSdkConfig(cwd: string, file: ConfigFile, env: Readonly<Record<string, string | undefined>>): SagemakerSdkConfig {
  const fromEnv = env['SAGESIM_SDK_PYTHONPATH'];
  const configured = fromEnv !== undefined && fromEnv !== '' ? fromEnv.split(path.delimiter).filter((entry) => entry !== '') : (file.sagemakerSdk?.pythonPath ?? []);
  return {
    python: env['SAGESIM_SDK_PYTHON'] || file.sagemakerSdk?.python || 'python3',
    pythonPath: Object.freeze(configured.map((entry) => path.resolve(cwd, entry))),
  };
}

function readConfigFile(file: string, required: boolean): ConfigFile {
  if (!existsSync(file)) {
    if (required) throw new SagesimError('CONFIG_NOT_FOUND', `config file not found: ${file}`, { source: 'user', hint: `check the path given to --config (without it, sagesim reads ./${CONFIG_FILE_NAME} when there is one)` });
    return {};
  }
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
    return parseConfigFile(JSON.parse(text), file);
  } catch (cause) {
    if (cause instanceof SagesimError) throw cause;
    const problem = text === undefined ? (cause as Error).message : `not JSON${notJsonDetail(text, cause)}`;
    throw new SagesimError('INVALID_CONFIG', `cannot read config file ${file}: ${problem}`, {
      source: 'user',
      hint: `${CONFIG_FILE_NAME} must be a JSON object, e.g. {"images": {"<ecr uri>": "my/image:tag"}}`,
      cause,
    });
  }
}

function booleanFromEnv(env: Readonly<Record<string, string | undefined>>, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  return !['0', 'false', 'no', 'off'].includes(raw);
}

function numberFromEnv(env: Readonly<Record<string, string | undefined>>, name: string): number | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : Number(raw);
}
