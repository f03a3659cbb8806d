// The invariants the definition fuzz suite holds every mutated definition to, in the library and
// at the command line. Each check returns what happened and, when an invariant broke, why: the
// tests assert there is no failure, `npm run bench:fuzz-definitions` counts them.
import type { CliIo } from '../../../src/cli/cli-io.js';
import { runCli } from '../../../src/cli/main.js';
import { buildGraph } from '../../../src/engine/graph.js';
import { validateDefinitionText } from '../../../src/engine/load-definition.js';
import { isSagesimError } from '../../../src/errors.js';
import type { TestEnvironment } from '../../../src/testing/test-environment.js';
import { captureIo } from './capture-io.js';
import type { MutatedDefinition } from './definition-mutations.js';

export interface FuzzResult {
  /** `not-json`, `rejected`, `refused:<CODE>` (a user error before the run), `ran:<status>`, or `exit:<code>`. */
  readonly outcome: string;
  /** Set when an invariant broke. */
  readonly failure?: string;
  readonly ms: number;
}

/** Lines of a JavaScript stack trace (`    at fn (file:///x.js:1:2)`): never shown without --debug. */
export const STACK_TRACE = /^\s+at .*(?:\(|\s)(?:file:|node:|\/).*:\d+:\d+\)?$/m;
const FINAL = new Set(['Succeeded', 'Failed', 'Stopped']);
/** Errors a run of a valid definition may stop at before it starts: they are about the run's inputs. */
const RUN_TIME_REFUSALS = new Set(['INVALID_PARAMETER', 'PARAMETER_WITHOUT_VALUE']);

/**
 * validate accepts or returns coded problems at `$` paths and never throws (text that is not JSON
 * is the coded NOT_JSON); an accepted definition builds a graph and a stubbed run ends
 * Succeeded / Failed / Stopped with every step recorded and no internal error.
 */
export async function checkInLibrary(definition: MutatedDefinition, env: TestEnvironment): Promise<FuzzResult> {
  const started = performance.now();
  const done = (outcome: string, failure?: string): FuzzResult => ({ outcome, ...(failure === undefined ? {} : { failure }), ms: performance.now() - started });
  let result: ReturnType<typeof validateDefinitionText>;
  try {
    result = validateDefinitionText(definition.text, 'fuzz.json');
  } catch (error) {
    if (isSagesimError(error) && error.code === 'NOT_JSON' && error.source === 'user') return done('not-json');
    return done('validate-threw', `validate threw ${describe(error)}`);
  }
  for (const problem of result.problems) {
    if (!problem.code || !problem.path.startsWith('$') || !problem.message) return done('rejected', `malformed problem ${JSON.stringify(problem).slice(0, 300)}`);
  }
  if (result.problems.length > 0) return done('rejected', result.definition ? 'problems and a definition both returned' : undefined);
  const accepted = result.definition;
  if (!accepted) return done('rejected', 'no problems and no definition');

  let steps: number;
  try {
    steps = buildGraph(accepted).nodes.size;
  } catch (error) {
    return done('graph-threw', `graph of an accepted definition threw ${describe(error)}`);
  }
  try {
    const run = await env.run(accepted, { stubAll: true, pipelineName: 'fuzz' });
    if (!FINAL.has(run.status)) return done(`ran:${run.status}`, `run ended ${run.status}`);
    const internal = run.record.steps.find((s) => /internal error/i.test(s.failureReason ?? ''));
    if (internal) return done(`ran:${run.status}`, `step ${internal.stepName}: ${internal.failureReason ?? ''}`);
    if (run.record.steps.length !== steps) return done(`ran:${run.status}`, `${run.record.steps.length} steps recorded, the graph has ${steps}`);
    return done(`ran:${run.status}`);
  } catch (error) {
    // A run may refuse to start only for what the user gives at run time (a parameter with no
    // default); anything else means validate accepted what the engine cannot run.
    if (isSagesimError(error) && error.source === 'user' && RUN_TIME_REFUSALS.has(error.code)) return done(`refused:${error.code}`);
    if (isSagesimError(error)) return done(`refused:${error.code}`, `validate accepted it, the run refused it: ${error.code}: ${error.message.slice(0, 300)}`);
    return done('run-threw', `stubbed run of an accepted definition threw ${describe(error)}`);
  }
}

/** The commands every definition goes through at the command line. */
export const CLI_COMMANDS: readonly (readonly string[])[] = [['validate'], ['graph'], ['run', '--stub-all']];

/** A command's exit and output: exit 0, 1 or 2 only, no internal error, no stack trace. */
export function checkCliOutput(code: number | null, stdout: string, stderr: string): string | undefined {
  if (code === null || ![0, 1, 2].includes(code)) return `exit ${String(code)}: ${stderr.slice(-400)}`;
  const output = `${stdout}\n${stderr}`;
  if (/internal error/i.test(output)) return `internal error: ${output.slice(-400)}`;
  const trace = STACK_TRACE.exec(output);
  if (trace) return `stack trace in the output: ${trace[0]}`;
  return undefined;
}

/** Runs `sagesim <command> <file>` in-process (the CLI shell over the same API), checked. */
export async function checkInProcessCli(command: readonly string[], file: string, cwd: string, home: string): Promise<FuzzResult> {
  const started = performance.now();
  const io: CliIo = captureIo(cwd);
  const args = [...command, file, ...(command[0] === 'run' ? ['--home', home] : [])];
  let code: number;
  try {
    code = await runCli(args, io);
  } catch (error) {
    return { outcome: 'threw', failure: `runCli threw ${describe(error)}`, ms: performance.now() - started };
  }
  const captured = io as ReturnType<typeof captureIo>;
  const failure = checkCliOutput(code, captured.out(), captured.err());
  return { outcome: `exit:${code}`, ...(failure === undefined ? {} : { failure }), ms: performance.now() - started };
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message.slice(0, 300)}\n${(error.stack ?? '').split('\n').slice(1, 6).join('\n')}`;
  return String(error);
}
