// `sagesim run <file>`: runs a pipeline definition locally and prints its progress, a summary,
// and with --json the record shaped like DescribePipelineExecution + ListPipelineExecutionSteps.
import path from 'node:path';
import type { Command } from 'commander';
import type { ParameterValue } from '../../engine/definition-types.js';
import { parseParamAssignments } from '../../engine/parameters.js';
import { readParamsFile } from '../../app/params-file.js';
import { type SelectiveRunOptions, runDefinitionFile } from '../../app/run-definition.js';
import { SagesimError } from '../../errors.js';
import type { CliIo } from '../cli-io.js';
import { type LocalRunFlags, addLocalRunOptions, collect, executeWithProgress, localRunOverrides, stubOptionsFromFlags } from '../run-session.js';
import { configFromFlags } from '../store-flags.js';
import type { CommandModule } from './index.js';
import { type RemoteRunFlags, addRemoteRunOptions, runRemoteFromCli } from './run-remote.js';

interface RunFlags extends LocalRunFlags {
  readonly param: string[];
  readonly params?: string;
  readonly json?: boolean;
  readonly home?: string;
  readonly config?: string;
  readonly s3Endpoint?: string;
  readonly pipelineName?: string;
  readonly logs?: boolean;
  readonly from?: string;
  readonly steps?: string;
}

export const runCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    addRemoteRunOptions(
      addLocalRunOptions(
        program
          .command('run')
          .description('run a pipeline definition: locally in mock mode (embedded S3, each job step in a Docker container), or on SageMaker with --no-mock')
          .argument('<file>', 'pipeline definition JSON (pipeline.definition()) or a DescribePipeline response')
          .option('--param <Name=Value>', 'a parameter value (repeatable)', collect, [])
          .option('--params <file>', 'parameter values from a JSON object file ({"Name": value}); --param wins'),
      )
      .option('--json', 'print the final execution as JSON (DescribePipelineExecution + steps) on stdout')
      .option('--home <dir>', 'sagesim home holding executions (default .sagesim, or SAGESIM_HOME)')
      .option('--config <file>', `config file (default ./sagesim.config.json)`)
      .option('--s3-endpoint <url>', 'use this S3 (LocalStack, MinIO...) instead of the embedded emulator (default AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL)')
      .option('--pipeline-name <name>', 'pipeline name (default: the file name)')
      .option('--logs', 'print step log lines with the progress')
      .option('--steps <A,B>', 'run only these steps (SelectiveExecutionConfig); the others upstream reuse the results of --from')
      .option('--from <execution>', 'the execution (id, ARN or unique prefix) whose results the unselected steps reuse'),
    ).action(async (file: string, flags: RunFlags & RemoteRunFlags) => {
      // --no-mock: submitted to SageMaker (or --endpoint-url) by src/remote, followed from here.
      if (flags.mock === false) await runRemoteFromCli(file, flags, io);
      else await run(file, flags, io);
    });
  },
};

async function run(definitionFile: string, flags: RunFlags, io: CliIo): Promise<void> {
  const config = configFromFlags(flags, io, {
    ...(flags.s3Endpoint === undefined ? {} : { s3Endpoint: flags.s3Endpoint }),
    ...localRunOverrides(flags),
  });
  const parameters: Record<string, ParameterValue> = {
    ...(flags.params === undefined ? {} : await readParamsFile(path.resolve(io.cwd, flags.params))),
    ...parseParamAssignments(flags.param),
  };
  const stubs = await stubOptionsFromFlags(flags, io);
  const file = path.resolve(io.cwd, definitionFile);
  await executeWithProgress(io, flags, config, (reporter, signal) =>
    runDefinitionFile({
      file,
      config,
      parameters,
      ...(flags.pipelineName === undefined ? {} : { pipelineName: flags.pipelineName }),
      stubs,
      ...selectiveOptions(flags),
      reporter,
      signal,
    }),
  );
}

function selectiveOptions(flags: RunFlags): { selective?: SelectiveRunOptions } {
  if (flags.steps === undefined) {
    if (flags.from !== undefined) {
      throw new SagesimError('INVALID_ARGUMENT', '--from needs --steps: the steps to run again', { source: 'user', hint: 'e.g. --from <execution> --steps EvaluateModel,CheckMseThreshold' });
    }
    return {};
  }
  const steps = flags.steps.split(',').map((name) => name.trim()).filter((name) => name !== '');
  return { selective: { steps, ...(flags.from === undefined ? {} : { from: flags.from }) } };
}
