// What the API knows about an execution that the engine's record does not keep: its description,
// the definition text it started from, its ParallelismConfiguration and SelectiveExecutionConfig,
// the parameter values as given.
// Kept beside the pipelines as `<home>/pipelines/executions/<executionId>.json`.
import path from 'node:path';
import { readJsonIfExists, writeJsonAtomic } from '../atomic-json.js';

export interface ExecutionNotes {
  readonly description?: string;
  readonly displayName?: string;
  /** The pipeline's definition string when the execution started, byte for byte. */
  readonly definitionText?: string;
  readonly pipelineVersionId?: number;
  readonly maxParallel?: number;
  readonly selective?: { readonly sourceExecutionArn?: string; readonly selectedSteps: readonly string[] };
  /** PipelineParameters values exactly as StartPipelineExecution was given them ("1.0" stays "1.0"). */
  readonly parameterValues?: Readonly<Record<string, string>>;
}

export interface ExecutionNotesStore {
  get(executionId: string): Promise<ExecutionNotes | undefined>;
  put(executionId: string, notes: ExecutionNotes): Promise<void>;
}

export class FileExecutionNotesStore implements ExecutionNotesStore {
  private readonly dir: string;

  constructor(home: string) {
    this.dir = path.join(home, 'pipelines', 'executions');
  }

  async get(executionId: string): Promise<ExecutionNotes | undefined> {
    if (!/^[A-Za-z0-9-]+$/.test(executionId)) return undefined;
    return readJsonIfExists<ExecutionNotes>(path.join(this.dir, `${executionId}.json`));
  }

  async put(executionId: string, notes: ExecutionNotes): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, `${executionId}.json`), notes);
  }
}

export class MemoryExecutionNotesStore implements ExecutionNotesStore {
  private readonly notes = new Map<string, ExecutionNotes>();

  async get(executionId: string): Promise<ExecutionNotes | undefined> {
    return this.notes.get(executionId);
  }

  async put(executionId: string, notes: ExecutionNotes): Promise<void> {
    this.notes.set(executionId, structuredClone(notes));
  }
}
