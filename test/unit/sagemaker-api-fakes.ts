// An in-memory engine and a minimal definition loader for the API emulator's unit tests: executions
// start instantly and move only when a test says so.
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PipelineDefinition } from '../../src/engine/definition-types.js';
import type { ExecutionRecord, StepRecord } from '../../src/engine/execution-record.js';
import { executionArn, pipelineArn } from '../../src/engine/identity.js';
import { DefinitionError, SagesimError } from '../../src/errors.js';
import { ModelRegistry } from '../../src/mock-aws/model-registry.js';
import type { CallbackOutcome, ExecutionService, SageMakerApiBackend, StartExecutionRequest } from '../../src/mock-aws/sagemaker-api/api-backend.js';
import { MemoryExecutionNotesStore } from '../../src/mock-aws/sagemaker-api/execution-notes.js';
import { createSageMakerApiHandler } from '../../src/mock-aws/sagemaker-api/http-handler.js';
import { MemoryPipelineStore } from '../../src/mock-aws/sagemaker-api/pipeline-store.js';

export const REGION = 'us-east-1';
export const ACCOUNT = '111122223333';
export const ROLE = 'arn:aws:iam::111122223333:role/SageMakerRole';
export const TOKEN = 'a'.repeat(32);

export class FakeEngine implements ExecutionService {
  readonly records = new Map<string, ExecutionRecord>();
  readonly starts: StartExecutionRequest[] = [];
  readonly stops: string[] = [];
  readonly retries: string[] = [];
  readonly callbacks: { token: string; outcome: CallbackOutcome }[] = [];
  private counter = 0;

  constructor(private readonly now: () => Date) {}

  async start(request: StartExecutionRequest): Promise<ExecutionRecord> {
    this.starts.push(request);
    const executionId = `exec${String(++this.counter).padStart(8, '0')}`;
    const start = new Date(this.now().getTime() + this.counter * 1000).toISOString();
    const record: ExecutionRecord = {
      executionId,
      executionArn: executionArn(REGION, ACCOUNT, request.pipeline.PipelineName, executionId),
      pipelineName: request.pipeline.PipelineName,
      pipelineArn: pipelineArn(REGION, ACCOUNT, request.pipeline.PipelineName),
      ...(request.displayName === undefined ? {} : { displayName: request.displayName }),
      status: 'Executing',
      startTime: start,
      lastModifiedTime: start,
      parameters: { ...request.parameters },
      definition: request.definition,
      steps: [],
      mode: 'local',
      ...(request.selective ? { sourceExecutionArn: request.selective.sourceExecutionArn, selectedSteps: request.selective.selectedSteps } : {}),
    };
    this.records.set(record.executionArn, record);
    return structuredClone(record);
  }

  async retry(record: ExecutionRecord): Promise<ExecutionRecord> {
    this.retries.push(record.executionArn);
    const stored = this.records.get(record.executionArn) as ExecutionRecord;
    stored.status = 'Executing';
    return structuredClone(stored);
  }

  async stop(arn: string): Promise<void> {
    this.stops.push(arn);
    const stored = this.records.get(arn);
    if (stored) stored.status = 'Stopping';
  }

  async get(arn: string): Promise<ExecutionRecord | undefined> {
    const record = this.records.get(arn);
    return record ? structuredClone(record) : undefined;
  }

  async list(): Promise<ExecutionRecord[]> {
    return [...this.records.values()].reverse().map((record) => structuredClone(record));
  }

  async deliverCallback(token: string, outcome: CallbackOutcome): Promise<{ executionArn: string }> {
    for (const record of this.records.values()) {
      const step = record.steps.find((s) => s.stepType === 'Callback' && s.status === 'Executing' && s.metadata.Callback?.CallbackToken === token);
      if (step) {
        this.callbacks.push({ token, outcome });
        return { executionArn: record.executionArn };
      }
    }
    throw new SagesimError('CALLBACK_NOT_FOUND', `no step waits for ${token}`, { source: 'user' });
  }

  /** Test control: set what an execution looks like now. */
  update(arn: string, change: Partial<Pick<ExecutionRecord, 'status' | 'failureReason'>> & { steps?: StepRecord[] }): void {
    const record = this.records.get(arn);
    if (!record) throw new Error(`no execution ${arn}`);
    Object.assign(record, change);
  }
}

/** Loads JSON and checks what the API layer needs; the real loader checks far more. */
export function fakeParseDefinition(text: string, source: string): PipelineDefinition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new DefinitionError([{ code: 'NOT_JSON', path: '$', message: `not JSON: ${(error as Error).message}` }], source);
  }
  const definition = parsed as PipelineDefinition;
  if (definition.Version !== '2020-12-01') {
    throw new DefinitionError([{ code: 'UNSUPPORTED_VERSION', path: '$.Version', message: `unsupported Version ${JSON.stringify(definition.Version)}`, hint: 'use 2020-12-01' }], source);
  }
  return { ...definition, Parameters: definition.Parameters ?? [], Steps: definition.Steps ?? [] };
}

export interface ApiFixture {
  readonly endpoint: string;
  readonly engine: FakeEngine;
  readonly backend: SageMakerApiBackend;
  readonly registry: ModelRegistry;
  /** POSTs one operation; returns status, headers and parsed body. */
  call(operation: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startApi(): Promise<ApiFixture> {
  const clock = { t: Date.parse('2024-05-01T10:00:00.000Z') };
  const now = (): Date => new Date((clock.t += 1000));
  const engine = new FakeEngine(now);
  const home = mkdtempSync(path.join(tmpdir(), 'sagesim-api-'));
  const registry = new ModelRegistry({ home, region: REGION, accountId: ACCOUNT, now });
  const backend: SageMakerApiBackend = {
    region: REGION,
    accountId: ACCOUNT,
    pipelines: new MemoryPipelineStore(),
    executions: engine,
    executionNotes: new MemoryExecutionNotesStore(),
    registry,
    findModel: async (name) =>
      name === 'known-model' ? { ModelName: 'known-model', ModelArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model/known-model`, CreationTime: '2024-05-01T09:00:00.000Z' } : undefined,
    parseDefinition: fakeParseDefinition,
    requestTokens: new Map(),
    now,
  };
  const server: Server = createServer(createSageMakerApiHandler(backend));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    engine,
    backend,
    registry,
    async call(operation, body, headers = {}) {
      const response = await fetch(`${endpoint}/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `SageMaker.${operation}`, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function definition(overrides: Partial<PipelineDefinition> = {}): string {
  return JSON.stringify({
    Version: '2020-12-01',
    Metadata: {},
    Parameters: [
      { Name: 'InstanceCount', Type: 'Integer', DefaultValue: 1 },
      { Name: 'Threshold', Type: 'Float', DefaultValue: 0.5 },
      { Name: 'Mode', Type: 'String', DefaultValue: 'fast', EnumValues: ['fast', 'slow'] },
    ],
    PipelineExperimentConfig: { ExperimentName: { Get: 'Execution.PipelineName' }, TrialName: { Get: 'Execution.PipelineExecutionId' } },
    Steps: [
      { Name: 'Prepare', Type: 'Processing', Arguments: {} },
      { Name: 'Train', Type: 'Training', Arguments: {}, DependsOn: ['Prepare'] },
    ],
    ...overrides,
  });
}
