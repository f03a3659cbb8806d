// Runs a fixture pipeline the way a user does (`sagesim run fixtures/<name>/pipeline.json --json`),
// in-process, against its own temporary sagesim home, and reads back what a user would look at:
// the JSON on stdout, the summary on stderr, the execution record, S3 objects, leftover containers.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import type { CliIo } from '../../../src/cli/cli-io.js';
import { runCli } from '../../../src/cli/main.js';
import { resolveConfig, type SagesimConfig } from '../../../src/config.js';
import type { ExecutionRecord, StepRecord } from '../../../src/engine/execution-record.js';
import { FileExecutionStore } from '../../../src/store/file-execution-store.js';
import type { RunJsonShape } from '../../../src/engine/run-record-json.js';
import { createObjectStore } from '../../../src/mock-aws/s3-client.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** `fixtures/<name>/pipeline.json`, absolute. */
export function fixturePipeline(name: 'housing' | 'model-comparison' | 'churn'): string {
  return path.join(REPO, 'fixtures', name, 'pipeline.json');
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface FixtureRun extends CliResult {
  /** stdout of `run --json`: DescribePipelineExecution + steps. */
  readonly json: RunJsonShape;
  /** The record the execution store kept (properties, property files, resolved arguments). */
  readonly record: ExecutionRecord;
  /** How long the command took, in seconds. */
  readonly seconds: number;
}

export interface FixtureHome extends AsyncDisposable {
  readonly root: string;
  readonly config: SagesimConfig;
  /** Execution ids of every run so far (for the leaked-container check). */
  readonly executionIds: readonly string[];
  /** `sagesim <argv> --home <home>` in-process. */
  cli(...argv: string[]): Promise<CliResult>;
  /** `sagesim run <pipeline> --json` with `--param Name=Value` for each parameter. */
  run(pipeline: string, parameters?: Readonly<Record<string, string | number>>): Promise<FixtureRun>;
  /** Every object under an S3 prefix of this home's embedded S3, with its text. */
  objects(prefixUri: string): Promise<{ uri: string; text: string }[]>;
  /** Containers that carry the label of one of this home's executions, running or not. */
  leftoverContainers(): Promise<string[]>;
}

export async function fixtureHome(prefix: string): Promise<FixtureHome> {
  const root = await mkdtemp(path.join(tmpdir(), `sagesim-${prefix}-`));
  const home = path.join(root, '.sagesim');
  const config = resolveConfig({ cwd: root, home }, {});
  const executionIds: string[] = [];

  const cli = async (...argv: string[]): Promise<CliResult> => {
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      env: {},
      cwd: root,
    };
    const code = await runCli([...argv, '--home', home], io);
    return { code, stdout, stderr };
  };

  return {
    root,
    config,
    executionIds,
    cli,
    async run(pipeline, parameters = {}) {
      const started = Date.now();
      const params = Object.entries(parameters).flatMap(([name, value]) => ['--param', `${name}=${value}`]);
      const result = await cli('run', pipeline, '--json', ...params);
      const seconds = (Date.now() - started) / 1000;
      let json: RunJsonShape;
      try {
        json = JSON.parse(result.stdout) as RunJsonShape;
      } catch {
        throw new Error(`run printed no JSON (exit ${result.code}):\n${result.stderr}`);
      }
      const id = json.PipelineExecutionArn.split('/').at(-1) ?? '';
      executionIds.push(id);
      const record = await new FileExecutionStore({ home }).find(id);
      return { ...result, json, record, seconds };
    },
    async objects(prefixUri) {
      await using store = await createObjectStore(config);
      const listed = await store.list(prefixUri);
      return await Promise.all(listed.map(async (object) => ({ uri: object.uri, text: (await store.get(object.uri)).toString('utf8') })));
    },
    async leftoverContainers() {
      if (executionIds.length === 0) return [];
      const docker = new Docker({ socketPath: config.dockerSocket });
      // Docker ANDs label filters: one question per execution.
      const perExecution = await Promise.all(
        executionIds.map((id) => docker.listContainers({ all: true, filters: { label: [`sagesim.execution-id=${id}`] } })),
      );
      return perExecution.flat().map((c) => `${c.Id.slice(0, 12)} ${c.Labels['sagesim.execution-id'] ?? ''} ${c.State}`);
    },
    [Symbol.asyncDispose]: () => rm(root, { recursive: true, force: true }),
  };
}

/** A step of a record by name; fails the test with the names there are when it is missing. */
export function stepOf(record: Readonly<ExecutionRecord>, name: string): StepRecord {
  const step = record.steps.find((s) => s.stepName === name);
  if (!step) throw new Error(`no step ${name} in ${record.executionId}: ${record.steps.map((s) => s.stepName).join(', ')}`);
  return step;
}

/** Lines with content, as a prediction or CSV row count. */
export function countLines(text: string): number {
  return text.split('\n').filter((line) => line.trim() !== '').length;
}
