// Every way a new user can get the command line wrong, run in-process through the CLI shell: each
// answer names the problem (file, JSON path, parameter, step), says what to do on a `hint:` line,
// ends with the documented exit code (2 for any invalid input: usage, config, I/O, an invalid definition; 1 is kept for failed executions), and shows no
// stack trace. None of these needs Docker: DOCKER_HOST points at a socket that does not exist.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { type CapturedIo, captureIo } from './support/capture-io.js';

const SKLEARN = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';

/** A processing step in the SDK's shape; runs only as a stub in these tests. */
function processingStep(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Name: name,
    Type: 'Processing',
    Arguments: {
      ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } },
      AppSpecification: { ImageUri: SKLEARN, ContainerEntrypoint: ['python3', '-c', 'pass'] },
      RoleArn: 'arn:aws:iam::111122223333:role/SageMakerRole',
      ...extra,
    },
  };
}

function pipeline(steps: readonly unknown[], parameters: readonly unknown[] = []): Record<string, unknown> {
  return { Version: '2020-12-01', Metadata: {}, Parameters: parameters, PipelineExperimentConfig: null, Steps: steps };
}

const PARAMETERS = [
  { Name: 'MaxDepth', Type: 'Integer', DefaultValue: 6 },
  { Name: 'Objective', Type: 'String', DefaultValue: 'reg:squarederror', EnumValues: ['reg:squarederror', 'reg:logistic'] },
  { Name: 'Eta', Type: 'Float', DefaultValue: 0.2 },
];

/** The files a case may use, written into its own working directory. */
const FILES: Readonly<Record<string, string>> = {
  'pipeline.json': JSON.stringify(pipeline([processingStep('Prepare'), processingStep('Train', { Environment: { DEPTH: { Get: 'Parameters.MaxDepth' } } })], PARAMETERS)),
  'required.json': JSON.stringify(pipeline([processingStep('Prepare')], [{ Name: 'InputData', Type: 'String' }])),
  'not-json.json': '{\n  "Version": "2020-12-01", "Steps": [\n    {"Name": Prepare}\n  ]\n}\n',
  'old-version.json': JSON.stringify({ ...pipeline([processingStep('Prepare')]), Version: '2019-01-01' }),
  'invalid.json': JSON.stringify(
    pipeline([
      processingStep('bad name!'),
      { Name: 'Mystery', Type: 'Bogus', Arguments: {} },
      processingStep('Train', { Environment: { DEPTH: { Get: 'Parameters.MaxDeth' } } }),
    ]),
  ),
  'bad-default.json': JSON.stringify(pipeline([processingStep('Prepare')], [{ Name: 'MaxDepth', Type: 'Integer', DefaultValue: 1.5 }])),
  'emr.json': JSON.stringify(pipeline([{ Name: 'SparkPrep', Type: 'EMR', Arguments: { ClusterId: 'j-1ABCDEFGHIJKL', StepConfig: {} } }])),
  'params-not-json.json': '{\n  "MaxDepth": 3,\n}\n',
  'params-bad-entry.json': JSON.stringify([{ Name: 'MaxDepth' }]),
  'stubs-not-json.json': '{"Prepare": {"properties": }}',
  'stubs-bad-entry.json': JSON.stringify({ Prepare: 3 }),
  'a-file': 'not a folder',
};

interface Case {
  /** What the user did. */
  readonly label: string;
  readonly args: readonly string[];
  readonly exit: number;
  /** Everything stderr must mention: the thing at fault, and what to do. */
  readonly mentions: readonly (string | RegExp)[];
  /** A sagesim.config.json in the working directory. */
  readonly configFile?: string;
  /** Where the answer is printed. @default 'stderr' */
  readonly stream?: 'stdout' | 'stderr';
}

const CASES: readonly Case[] = [
  {
    label: 'a parameter default of the wrong type names the type with its article',
    args: ['validate', 'bad-default.json'],
    exit: 2,
    stream: 'stdout',
    mentions: ['$.Parameters[0].DefaultValue', 'give an Integer DefaultValue'],
  },
  { label: 'validate of a missing definition file', args: ['validate', 'nothere.json'], exit: 2, mentions: ['definition file not found', 'nothere.json'] },
  { label: 'run of a missing definition file', args: ['run', 'nothere.json'], exit: 2, mentions: ['definition file not found', 'nothere.json'] },
  { label: 'a folder given as the definition', args: ['run', '.'], exit: 2, mentions: ['cannot read definition file', 'not of a folder'] },
  {
    label: 'a definition that is not JSON',
    args: ['run', 'not-json.json'],
    exit: 2,
    mentions: ['not-json.json is not JSON (line 3, column 14)', "Unexpected token 'P'"],
  },
  { label: 'a definition with a Version sagesim does not read', args: ['run', 'old-version.json'], exit: 2, mentions: ['UNSUPPORTED_VERSION', '$.Version', '2019-01-01', '2020-12-01'] },
  {
    label: 'an invalid definition lists every problem with its JSON path',
    args: ['run', 'invalid.json'],
    exit: 2,
    mentions: ['problems found', '$.Steps[0].Name', 'bad name!', '$.Steps[1].Type', 'Bogus', '$.Steps[2].Arguments.Environment.DEPTH.Get', 'MaxDeth'],
  },
  {
    label: 'validate of an invalid definition (the problems are its report, on stdout)',
    args: ['validate', 'invalid.json'],
    exit: 2,
    stream: 'stdout',
    mentions: ['$.Steps[0].Name', '$.Steps[1].Type', '$.Steps[2].Arguments.Environment.DEPTH.Get'],
  },
  {
    label: 'a --param mistake in a pipeline that needs Docker is reported before Docker is asked',
    args: ['run', 'pipeline.json', '--param', 'MaxDepth=abc'],
    exit: 2,
    mentions: ['MaxDepth', '"abc" is not an Integer'],
  },
  {
    label: 'an unknown --param name gets a did-you-mean',
    args: ['run', 'pipeline.json', '--stub-all', '--param', 'MaxDeph=3'],
    exit: 2,
    mentions: ['unknown parameter "MaxDeph"', 'did you mean "MaxDepth"', 'MaxDepth, Objective, Eta'],
  },
  { label: 'a --param value of the wrong type', args: ['run', 'pipeline.json', '--stub-all', '--param', 'MaxDepth=abc'], exit: 2, mentions: ['MaxDepth', '"abc" is not an Integer'] },
  { label: 'a Float --param that is not a number', args: ['run', 'pipeline.json', '--stub-all', '--param', 'Eta=fast'], exit: 2, mentions: ['Eta', '"fast" is not a Float'] },
  {
    label: 'a --param value outside EnumValues',
    args: ['run', 'pipeline.json', '--stub-all', '--param', 'Objective=multi:softmax'],
    exit: 2,
    mentions: ['Objective', 'multi:softmax', 'EnumValues', 'reg:logistic'],
  },
  { label: 'a parameter without default and without value', args: ['run', 'required.json', '--stub-all'], exit: 2, mentions: ['InputData', 'no default value'] },
  { label: 'a --param without "="', args: ['run', 'pipeline.json', '--stub-all', '--param', 'MaxDepth'], exit: 2, mentions: ['--param "MaxDepth" is not Name=Value'] },
  { label: 'a --params file that is not JSON', args: ['run', 'pipeline.json', '--stub-all', '--params', 'params-not-json.json'], exit: 2, mentions: ['params-not-json.json is not JSON (line 3, column 1)'] },
  { label: 'a --params list entry without a Value', args: ['run', 'pipeline.json', '--stub-all', '--params', 'params-bad-entry.json'], exit: 2, mentions: ['params-bad-entry.json', 'entry 0'] },
  { label: 'a missing --params file', args: ['run', 'pipeline.json', '--stub-all', '--params', 'nope.json'], exit: 2, mentions: ['nope.json', '--params'] },
  { label: 'a --stub naming a step the pipeline does not have', args: ['run', 'pipeline.json', '--stub', 'Prepar'], exit: 2, mentions: ['Prepar', 'steps are: Prepare, Train'] },
  { label: 'a stubs file that is not JSON', args: ['run', 'pipeline.json', '--stubs', 'stubs-not-json.json'], exit: 2, mentions: ['stubs-not-json.json is not JSON (line 1, column 28)', "Unexpected token '}'"] },
  { label: 'a stubs file whose entry is not an object', args: ['run', 'pipeline.json', '--stubs', 'stubs-bad-entry.json'], exit: 2, mentions: ['stubs-bad-entry.json', 'Prepare: must be an object'] },
  { label: 'a missing stubs file', args: ['run', 'pipeline.json', '--stubs', 'nope.json'], exit: 2, mentions: ['stubs file not found', 'nope.json'] },
  { label: 'an unknown command', args: ['bogus'], exit: 2, mentions: ["unknown command 'bogus'", 'sagesim --help'] },
  { label: 'a misspelt command', args: ['valdate', 'pipeline.json'], exit: 2, mentions: ["unknown command 'valdate'", 'Did you mean validate?'] },
  { label: 'an unknown flag', args: ['run', 'pipeline.json', '--stub-al'], exit: 2, mentions: ["unknown option '--stub-al'", '--stub-all', 'run `sagesim run --help`'] },
  { label: 'an unknown flag of a nested command', args: ['images', 'build', '--forse'], exit: 2, mentions: ["unknown option '--forse'", 'run `sagesim images build --help`'] },
  { label: 'run without a file', args: ['run'], exit: 2, mentions: ["missing required argument 'file'", 'run `sagesim run --help`'] },
  { label: '--max-parallel 0', args: ['run', 'pipeline.json', '--stub-all', '--max-parallel', '0'], exit: 2, mentions: ['--max-parallel must be a whole number of at least 1, got "0"'] },
  { label: '--max-parallel that is not a number', args: ['run', 'pipeline.json', '--stub-all', '--max-parallel', 'lots'], exit: 2, mentions: ['--max-parallel', '"lots"'] },
  {
    label: 'a sagesim.config.json that is not JSON',
    args: ['run', 'pipeline.json', '--stub-all'],
    configFile: '{"images": ',
    exit: 2,
    mentions: ['sagesim.config.json', 'not JSON (line 1, column 12)'],
  },
  {
    label: 'a sagesim.config.json with a misspelt key and values of the wrong type',
    args: ['run', 'pipeline.json', '--stub-all'],
    configFile: JSON.stringify({ imags: {}, maxParallel: 'four', lambdas: { notify: { command: ['node', 'notify.mjs'] } }, $comment: 'documentation is allowed' }),
    exit: 2,
    mentions: ['3 problems', '$.imags is not a setting (did you mean "images"?)', '$.maxParallel', '"four"', '$.lambdas["notify"].kind'],
  },
  { label: 'a --config file that does not exist', args: ['run', 'pipeline.json', '--stub-all', '--config', 'nope.json'], exit: 2, mentions: ['config file not found', 'nope.json', '--config'] },
  {
    label: 'a home that cannot be written (a file where a folder should be)',
    args: ['run', 'pipeline.json', '--stub-all', '--home', 'a-file/home'],
    exit: 2,
    mentions: ['a-file', 'ENOTDIR', '--home'],
  },
  {
    label: 'a step type that does not run locally',
    args: ['run', 'emr.json'],
    exit: 2,
    mentions: ['step "SparkPrep" is an EMR step', 'does not run locally', '--stub SparkPrep'],
  },
  {
    label: 'a pipeline with a container step while Docker is not reachable',
    args: ['run', 'pipeline.json'],
    exit: 2,
    mentions: ['cannot reach the Docker engine', 'nothing.sock', 'start Docker', 'DOCKER_HOST'],
  },
  { label: 'serve on a port that is not one', args: ['serve', '--port', 'http'], exit: 2, mentions: ['--port must be a port number (0-65535), got "http"'] },
  { label: 'exec on a port out of range', args: ['exec', '--port', '70000', '--', 'true'], exit: 2, mentions: ['--port must be a port number (0-65535), got "70000"'] },
  { label: 'graph with an unknown format', args: ['graph', 'pipeline.json', '--format', 'svg'], exit: 2, mentions: ['unknown graph format "svg"', 'mermaid'] },
  { label: 'logs of an execution that does not exist', args: ['logs', 'nope', 'Prepare'], exit: 2, mentions: ['no execution "nope"', 'sagesim ls'] },
  { label: 'show of an execution that does not exist', args: ['show', 'nope'], exit: 2, mentions: ['no execution "nope"', 'sagesim ls'] },
];

/** Nothing here may need Docker: an engine that does not exist proves it. */
function testIo(cwd: string): CapturedIo {
  return captureIo(cwd, { DOCKER_HOST: `unix://${path.join(cwd, 'nothing.sock')}` });
}

const dirs: string[] = [];
function workDir(configFile?: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sagesim-cli-errors-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(FILES)) writeFileSync(path.join(dir, name), text);
  if (configFile !== undefined) writeFileSync(path.join(dir, 'sagesim.config.json'), configFile);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs with the case's own home unless it brings one. */
async function cli(args: readonly string[], cwd: string): Promise<{ code: number; io: CapturedIo }> {
  const io = testIo(cwd);
  const withHome = args.includes('--home') || args.length < 2 || ['validate', 'graph'].includes(args[0] ?? '') ? args : [...args, '--home', path.join(cwd, 'home')];
  const code = await runCli(withHome, io);
  return { code, io };
}

describe('a user error on the command line', { timeout: 30_000 }, () => {
  it.each(CASES)('$label: exit $exit, names the problem, says what to do', async ({ args, exit, mentions, configFile, stream }) => {
    const { code, io } = await cli(args, workDir(configFile));
    const stderr = stream === 'stdout' ? io.out() : io.err();
    for (const mention of mentions) {
      if (typeof mention === 'string') expect(stderr).toContain(mention);
      else expect(stderr).toMatch(mention);
    }
    expect(stderr).toMatch(/^\s*hint: \S/m);
    expect(stderr).not.toMatch(/^ {4}at /m);
    expect(stderr).not.toContain('internal error');
    expect(code, stderr).toBe(exit);
  });

  it('is answered from the refused connection when Docker is not reachable, not after a timeout', async () => {
    // Docker timeouts far beyond the test's own bound: only the refusal can answer in time. (A
    // wall-clock bound of 10 s here could fail on a loaded machine without anything being wrong.)
    const slowTimeouts = JSON.stringify({ timeouts: { dockerPingMs: 3_600_000, dockerApiMs: 3_600_000 } });
    const { code, io } = await cli(['run', 'pipeline.json'], workDir(slowTimeouts));
    expect(io.err()).toContain('cannot reach the Docker engine');
    expect(code).toBe(2);
  });

  it('shows no stack trace for a user error even with --debug', async () => {
    const { code, io } = await cli(['--debug', 'run', 'pipeline.json', '--stub-all', '--param', 'MaxDepth=abc'], workDir());
    expect(code).toBe(2);
    expect(io.err()).not.toMatch(/^ {4}at /m);
  });

  it('shows the stack of a file-system error with --debug, and only then', async () => {
    const cwd = workDir();
    const plain = await cli(['run', 'pipeline.json', '--stub-all', '--home', 'a-file/home'], cwd);
    const debug = await cli(['--debug', 'run', 'pipeline.json', '--stub-all', '--home', 'a-file/home'], cwd);
    expect(plain.io.err()).not.toMatch(/^ {4}at /m);
    expect(debug.io.err()).toMatch(/^ {4}at /m);
    expect(debug.code).toBe(2);
  });

  it('does not leave a half-made execution behind when the parameters are wrong', async () => {
    const cwd = workDir();
    await cli(['run', 'pipeline.json', '--stub-all', '--param', 'MaxDepth=abc'], cwd);
    const ls = await cli(['ls', '--home', path.join(cwd, 'home')], cwd);
    expect(ls.code).toBe(0);
    expect(ls.io.out()).toContain('No executions yet');
  });
});

describe('what does not need Docker', { timeout: 30_000 }, () => {
  it('runs a pipeline whose job steps are all stubbed without reaching Docker', async () => {
    const cwd = workDir();
    const { code, io } = await cli(['run', 'pipeline.json', '--stub-all'], cwd);
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    expect(io.out()).toMatch(/Prepare\s+Succeeded/);
  });

  it('validates and graphs a definition without a home or Docker', async () => {
    const cwd = workDir();
    expect((await cli(['validate', 'pipeline.json'], cwd)).code).toBe(0);
    expect((await cli(['graph', 'pipeline.json'], cwd)).code).toBe(0);
  });
});
