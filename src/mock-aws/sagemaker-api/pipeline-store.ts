// Pipelines created through the API: `<home>/pipelines/<name>.json`, one file per pipeline holding
// the definition string exactly as the client sent it plus DescribePipeline's metadata. Creation is
// decided by the file system (exclusive create), so two servers on one home cannot both create a name.
import path from 'node:path';
import { createJsonExclusive, listDir, readJsonIfExists, writeJsonAtomic } from '../atomic-json.js';
import { promises as fs } from 'node:fs';

export interface PipelineTag {
  readonly Key: string;
  readonly Value: string;
}

/** What DescribePipeline returns, with times as ISO-8601. */
export interface PipelineRecord {
  readonly PipelineName: string;
  readonly PipelineArn: string;
  readonly PipelineDisplayName: string;
  readonly PipelineDescription?: string;
  readonly RoleArn: string;
  /** The definition JSON string, byte for byte as created or last updated. */
  readonly PipelineDefinition: string;
  readonly PipelineStatus: 'Active' | 'Deleting';
  readonly CreationTime: string;
  readonly LastModifiedTime: string;
  readonly LastRunTime?: string;
  readonly ParallelismConfiguration?: { readonly MaxParallelExecutionSteps: number };
  readonly Tags: readonly PipelineTag[];
  /** Grows by one on every UpdatePipeline. */
  readonly PipelineVersionId: number;
}

export interface PipelineStore {
  /** By name (case-insensitive, as the service matches names) or ARN. */
  get(nameOrArn: string): Promise<PipelineRecord | undefined>;
  /** False when a pipeline of that name already exists. */
  create(record: PipelineRecord): Promise<boolean>;
  put(record: PipelineRecord): Promise<void>;
  /** False when there was nothing to delete. */
  delete(name: string): Promise<boolean>;
  list(): Promise<PipelineRecord[]>;
}

/** `arn:...:pipeline/name` -> `name`; a plain name is returned as is. */
export function pipelineNameFrom(nameOrArn: string): string {
  const match = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:pipeline\/([^/]+)/.exec(nameOrArn);
  return match?.[1] ?? nameOrArn;
}

function key(nameOrArn: string): string {
  return pipelineNameFrom(nameOrArn).toLowerCase();
}

export class FilePipelineStore implements PipelineStore {
  private readonly dir: string;

  constructor(home: string) {
    this.dir = path.join(home, 'pipelines');
  }

  private file(nameOrArn: string): string {
    return path.join(this.dir, `${key(nameOrArn)}.json`);
  }

  async get(nameOrArn: string): Promise<PipelineRecord | undefined> {
    // Names are `[a-zA-Z0-9-]`; anything else cannot name a file of ours.
    if (!/^[a-z0-9-]+$/.test(key(nameOrArn))) return undefined;
    return readJsonIfExists<PipelineRecord>(this.file(nameOrArn));
  }

  async create(record: PipelineRecord): Promise<boolean> {
    return createJsonExclusive(this.file(record.PipelineName), record);
  }

  async put(record: PipelineRecord): Promise<void> {
    await writeJsonAtomic(this.file(record.PipelineName), record);
  }

  async delete(name: string): Promise<boolean> {
    try {
      await fs.rm(this.file(name));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  async list(): Promise<PipelineRecord[]> {
    const names = (await listDir(this.dir)).filter((name) => name.endsWith('.json') && !name.startsWith('.'));
    const records = await Promise.all(names.map((name) => readJsonIfExists<PipelineRecord>(path.join(this.dir, name)).catch(() => undefined)));
    return records.filter((record): record is PipelineRecord => record !== undefined);
  }
}

/** For unit tests of the API layer. */
export class MemoryPipelineStore implements PipelineStore {
  private readonly records = new Map<string, PipelineRecord>();

  async get(nameOrArn: string): Promise<PipelineRecord | undefined> {
    const record = this.records.get(key(nameOrArn));
    return record ? structuredClone(record) : undefined;
  }

  async create(record: PipelineRecord): Promise<boolean> {
    if (this.records.has(key(record.PipelineName))) return false;
    this.records.set(key(record.PipelineName), structuredClone(record));
    return true;
  }

  async put(record: PipelineRecord): Promise<void> {
    this.records.set(key(record.PipelineName), structuredClone(record));
  }

  async delete(name: string): Promise<boolean> {
    return this.records.delete(key(name));
  }

  async list(): Promise<PipelineRecord[]> {
    return [...this.records.values()].map((record) => structuredClone(record));
  }
}
