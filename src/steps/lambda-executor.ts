// Lambda steps run a local handler mapped by FunctionArn (or function name) in the configuration:
// a command fed the event JSON on stdin, or a Python file whose handler(event, context) runs in a
// container. The event is the step's resolved Arguments; the result must carry the declared
// OutputParameters with their declared types.
import { MAX_VALUE_DEPTH } from '../engine/definition-limits.js';
import { nestsDeeperThan } from '../engine/json-depth.js';
import { previewJson } from '../engine/json-preview.js';
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LambdaHandlerConfig, SagesimConfig } from '../config.js';
import type { LambdaStep } from '../engine/definition-types.js';
import { type JsonValue, isJsonObject } from '../engine/json.js';
import { StepFailure, StoppedError, assertNever } from '../errors.js';
import type { ContainerRuntime } from '../ports/container-engine.js';
import { metadataOutputs } from './default-properties.js';
import type { StepContext, StepExecutor, StepResult } from './executor.js';
import { type ImageResolver, jobContextOf, jobEnvironment, runJobContainer } from './job-container.js';
import { checkOutputParameters } from './output-parameters.js';
import { LineBuffer } from '../util/line-buffer.js';

/** Image for Python handlers that name none: a sagesim image with Python 3. */
export const DEFAULT_PYTHON_LAMBDA_IMAGE = 'sagesim/sklearn';
/** AWS Lambda's longest timeout. */
export const DEFAULT_LAMBDA_TIMEOUT_SECONDS = 900;
/** AWS Lambda's largest synchronous response. */
const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;
const STDERR_TAIL_LINES = 20;

export interface LambdaExecutorOptions {
  readonly config: SagesimConfig;
  /** Needed for `python` handlers only. */
  readonly runtime?: ContainerRuntime;
  /** The S3 endpoint given to handler containers. */
  readonly s3Endpoint?: string;
  /** Maps a handler's image URI to a local tag. @default the image is used as it is */
  readonly resolveImage?: ImageResolver;
  /** A handler running longer fails the step. @default 900 */
  readonly timeoutSeconds?: number;
}

export class LambdaExecutor implements StepExecutor {
  readonly stepType = 'Lambda' as const;

  constructor(private readonly options: LambdaExecutorOptions) {}

  async execute(context: StepContext): Promise<StepResult> {
    const step = context.step as LambdaStep;
    const handler = findLambdaHandler(this.options.config.lambdas, step.FunctionArn);
    if (!handler) throw notMapped(step);
    const raw = await this.invoke(handler, step, context);
    const values = checkOutputParameters(step.OutputParameters, raw, {
      producer: `Lambda function ${step.FunctionArn}`,
      stepName: step.Name,
      fromStrings: false,
    });
    return {
      properties: {},
      outputParameters: values,
      metadata: { Lambda: { Arn: step.FunctionArn, OutputParameters: metadataOutputs(values) } },
    };
  }

  private async invoke(handler: LambdaHandlerConfig, step: LambdaStep, context: StepContext): Promise<Record<string, JsonValue>> {
    switch (handler.kind) {
      case 'command':
        return this.runCommand(handler.command, step, context);
      case 'python':
        return this.runPython(handler, step, context);
      default:
        return assertNever(handler, 'lambda handler kind');
    }
  }

  private async runCommand(command: readonly string[], step: LambdaStep, context: StepContext): Promise<Record<string, JsonValue>> {
    const [program, ...args] = command;
    const described = `Lambda function ${step.FunctionArn} (local command ${JSON.stringify(command.join(' '))})`;
    if (!program) {
      throw new StepFailure(`step "${step.Name}": the handler of ${step.FunctionArn} has an empty command`, { code: 'INVALID_CONFIG', source: 'user' });
    }
    if (context.signal.aborted) throw new StoppedError();
    const timeoutSeconds = this.options.timeoutSeconds ?? DEFAULT_LAMBDA_TIMEOUT_SECONDS;
    const outcome = await new Promise<{ code: number | null; stdout: string; stderrTail: string[]; timedOut: boolean }>((resolve, reject) => {
      const child = spawn(program, args, { cwd: this.options.config.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
      const stdout: Buffer[] = [];
      let stdoutBytes = 0;
      const stderrTail: string[] = [];
      const stderrLines = new LineBuffer();
      let timedOut = false;
      const onStderrLine = (line: string): void => {
        context.log(line);
        stderrTail.push(line);
        if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
      };
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutSeconds * 1000);
      const onAbort = (): void => {
        child.kill('SIGTERM');
      };
      context.signal.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (chunk: Buffer) => {
        stdoutBytes += chunk.length;
        if (stdoutBytes <= MAX_RESPONSE_BYTES) stdout.push(chunk);
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        for (const line of stderrLines.push(chunk)) onStderrLine(line);
      });
      // A handler that ignores its stdin must not fail the step with EPIPE.
      child.stdin.on('error', () => undefined);
      child.stdin.end(JSON.stringify(context.arguments));
      child.on('error', (error) => {
        clearTimeout(timer);
        context.signal.removeEventListener('abort', onAbort);
        reject(
          new StepFailure(`step "${step.Name}": could not start ${described}: ${error.message}`, {
            code: 'LAMBDA_COMMAND_FAILED',
            source: 'user',
            cause: error,
          }),
        );
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        context.signal.removeEventListener('abort', onAbort);
        for (const line of stderrLines.end()) onStderrLine(line);
        resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderrTail, timedOut });
      });
    });
    if (context.signal.aborted) throw new StoppedError();
    if (outcome.timedOut) {
      throw new StepFailure(`step "${step.Name}": ${described} timed out after ${timeoutSeconds} seconds${tail(outcome.stderrTail)}`, {
        code: 'LAMBDA_TIMEOUT',
        source: 'user',
      });
    }
    if (outcome.code !== 0) {
      throw new StepFailure(
        `step "${step.Name}": ${described} failed with exit code ${outcome.code ?? 'none (killed)'}${tail(outcome.stderrTail)}`,
        { code: 'LAMBDA_FAILED', source: 'user' },
      );
    }
    return parseHandlerOutput(outcome.stdout, step, described, context.log);
  }

  private async runPython(
    handler: Extract<LambdaHandlerConfig, { kind: 'python' }>,
    step: LambdaStep,
    context: StepContext,
  ): Promise<Record<string, JsonValue>> {
    const { config, runtime } = this.options;
    const described = `Lambda function ${step.FunctionArn} (${handler.file})`;
    if (!runtime) throw new StepFailure(`step "${step.Name}": ${described} needs a container runtime`, { code: 'NO_CONTAINER_RUNTIME', source: 'sagesim' });
    const file = path.resolve(config.cwd, handler.file);
    const ioDir = path.join(context.workDir, 'lambda');
    await mkdir(ioDir, { recursive: true });
    await writeFile(path.join(ioDir, 'event.json'), JSON.stringify(context.arguments));
    await writeFile(path.join(ioDir, 'bootstrap.py'), PYTHON_BOOTSTRAP);
    const imageUri = handler.image ?? DEFAULT_PYTHON_LAMBDA_IMAGE;
    const localImage = this.options.resolveImage ? this.options.resolveImage(imageUri).localTag : imageUri;
    const functionName = functionNameOf(step.FunctionArn);
    const timeoutSeconds = this.options.timeoutSeconds ?? DEFAULT_LAMBDA_TIMEOUT_SECONDS;
    const handlerName = handler.handler?.split('.').pop() ?? '';
    const exit = await runJobContainer(
      { config, runtime, s3Endpoint: this.options.s3Endpoint ?? '', resolveImage: (uri) => ({ localTag: uri }), now: () => new Date() },
      jobContextOf(context),
      {
        jobName: context.jobName,
        localImage,
        entrypoint: ['python3'],
        command: ['/opt/sagesim/io/bootstrap.py', `/opt/sagesim/function/${path.basename(file)}`, handlerName],
        env: jobEnvironment({ config, s3Endpoint: this.options.s3Endpoint ?? '' }, {}, {
          AWS_LAMBDA_FUNCTION_NAME: functionName,
          SAGESIM_FUNCTION_ARN: step.FunctionArn,
          SAGESIM_TIMEOUT_SECONDS: String(timeoutSeconds),
          PYTHONUNBUFFERED: '1',
        }),
        mounts: [
          { hostPath: path.dirname(file), containerPath: '/opt/sagesim/function', readOnly: true },
          { hostPath: ioDir, containerPath: '/opt/sagesim/io' },
        ],
        networkIsolation: false,
        maxRuntimeSeconds: timeoutSeconds,
      },
    );
    if (exit.exitCode !== 0 || exit.timedOut) {
      const error = await readJson(path.join(ioDir, 'error.json'));
      const reason = isJsonObject(error)
        ? `${String(error['errorType'])}: ${String(error['errorMessage'])}`
        : exit.timedOut
          ? `timed out after ${timeoutSeconds} seconds`
          : `its container (image ${localImage}) exited with code ${exit.exitCode}`;
      throw new StepFailure(`step "${step.Name}": ${described} failed: ${reason}${tail(exit.logTail.slice(-STDERR_TAIL_LINES))}`, {
        code: exit.timedOut ? 'LAMBDA_TIMEOUT' : 'LAMBDA_FAILED',
        source: 'user',
      });
    }
    const text = await readFile(path.join(ioDir, 'result.json'), 'utf8').catch(() => '');
    return parseHandlerOutput(text, step, described, () => undefined);
  }
}

/**
 * The handler configured for a function: by the exact FunctionArn, else by the function name
 * (with its qualifier, then without), else by a configured ARN naming the same function.
 */
export function findLambdaHandler(
  lambdas: Readonly<Record<string, LambdaHandlerConfig>>,
  functionArn: string,
): LambdaHandlerConfig | undefined {
  if (lambdas[functionArn]) return lambdas[functionArn];
  const { name, qualifier } = parseFunction(functionArn);
  if (qualifier && lambdas[`${name}:${qualifier}`]) return lambdas[`${name}:${qualifier}`];
  if (lambdas[name]) return lambdas[name];
  for (const [key, handler] of Object.entries(lambdas)) {
    if (key.startsWith('arn:') && parseFunction(key).name === name) return handler;
  }
  return undefined;
}

/** `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]` (or a bare name) -> the name. */
export function functionNameOf(functionArn: string): string {
  return parseFunction(functionArn).name;
}

function parseFunction(functionArn: string): { name: string; qualifier?: string } {
  const match = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::([^:]+))?$/.exec(functionArn);
  if (match?.[1]) return match[2] ? { name: match[1], qualifier: match[2] } : { name: match[1] };
  const [name = functionArn, qualifier] = functionArn.split(':');
  return qualifier ? { name, qualifier } : { name };
}

function notMapped(step: LambdaStep): StepFailure {
  const example = JSON.stringify({ lambdas: { [step.FunctionArn]: { kind: 'command', command: ['python3', 'handler.py'] } } });
  return new StepFailure(
    `step "${step.Name}": Lambda function ${step.FunctionArn} has no local handler. ` +
      `Map it in sagesim.config.json, e.g. ${example} (the command reads the event JSON on stdin and prints a JSON object), ` +
      `or {"kind": "python", "file": "lambda_function.py", "handler": "lambda_handler"}; or stub the step: --stub ${step.Name}`,
    { code: 'LAMBDA_NOT_MAPPED', source: 'user' },
  );
}

/** The whole output as JSON, else its last non-empty line (earlier lines are the handler's prints). */
function parseHandlerOutput(text: string, step: LambdaStep, described: string, log: (line: string) => void): Record<string, JsonValue> {
  const candidates = [text];
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const last = lines.at(-1);
  if (last !== undefined && last !== text) candidates.push(last);
  for (const candidate of candidates) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(candidate);
    } catch {
      continue;
    }
    if (isJsonObject(parsed)) {
      if (nestsDeeperThan(parsed, MAX_VALUE_DEPTH)) {
        throw new StepFailure(`step "${step.Name}": ${described} returned output parameters nested more than ${MAX_VALUE_DEPTH} levels deep`, { code: 'INVALID_OUTPUT_PARAMETER_VALUES', source: 'user' });
      }
      if (candidate !== text) for (const line of lines.slice(0, -1)) log(line);
      return parsed;
    }
    throw new StepFailure(`step "${step.Name}": ${described} returned ${previewJson(parsed, 500)}; a Lambda step needs a JSON object of output parameters`, {
      code: 'INVALID_OUTPUT_PARAMETER_VALUES',
      source: 'user',
    });
  }
  const shown = text.length > 500 ? `${text.slice(0, 500)}...` : text;
  throw new StepFailure(
    `step "${step.Name}": ${described} did not print a JSON object${text.trim() === '' ? ' (its output was empty)' : `: ${JSON.stringify(shown)}`}`,
    { code: 'INVALID_OUTPUT_PARAMETER_VALUES', source: 'user' },
  );
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function tail(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `. Last lines of its output:\n${lines.map((l) => `  | ${l}`).join('\n')}`;
}

/** Runs handler(event, context) the way the AWS Lambda Python runtime does, with files for I/O. */
const PYTHON_BOOTSTRAP = String.raw`# sagesim Lambda bootstrap: imports the handler file, calls handler(event, context).
import importlib.util, json, os, sys, time, traceback, uuid

IO_DIR = '/opt/sagesim/io'


def fail(kind, message, trace):
    with open(os.path.join(IO_DIR, 'error.json'), 'w') as f:
        json.dump({'errorType': kind, 'errorMessage': message, 'stackTrace': trace}, f)
    print('[ERROR] %s: %s' % (kind, message), file=sys.stderr)
    for line in trace:
        print(line, file=sys.stderr)
    sys.exit(1)


class Context:
    def __init__(self):
        self.function_name = os.environ.get('AWS_LAMBDA_FUNCTION_NAME', 'function')
        self.function_version = '$LATEST'
        self.invoked_function_arn = os.environ.get('SAGESIM_FUNCTION_ARN', '')
        self.memory_limit_in_mb = '128'
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = '/aws/lambda/' + self.function_name
        self.log_stream_name = 'sagesim'
        self._deadline = time.time() + float(os.environ.get('SAGESIM_TIMEOUT_SECONDS', '900'))

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.time()) * 1000))


path, handler_name = sys.argv[1], sys.argv[2]
try:
    sys.path.insert(0, os.path.dirname(path))
    spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
except Exception as error:
    fail('Runtime.ImportModuleError', 'Unable to import module %r: %s' % (path, error), traceback.format_exc().splitlines())

names = [handler_name] if handler_name else ['handler', 'lambda_handler']
function = next((getattr(module, n) for n in names if callable(getattr(module, n, None))), None)
if function is None:
    fail('Runtime.HandlerNotFound', 'no function %s in %s' % (' or '.join(names), path), [])

with open(os.path.join(IO_DIR, 'event.json')) as f:
    event = json.load(f)
try:
    result = function(event, Context())
except Exception as error:
    fail(type(error).__name__, str(error), traceback.format_exc().splitlines())
try:
    text = json.dumps(result)
except (TypeError, ValueError) as error:
    fail('Runtime.MarshalError', 'Unable to marshal response: %s' % error, [])
with open(os.path.join(IO_DIR, 'result.json'), 'w') as f:
    f.write(text)
`;
