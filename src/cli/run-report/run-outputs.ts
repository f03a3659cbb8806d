// What the summary needs that the execution record does not hold: the objects a transform wrote,
// listed after the run through a store opened for the purpose (the run's own is closed by then).
import type { SagesimConfig } from '../../config.js';
import type { ExecutionRecord } from '../../engine/execution-record.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { type TransformOutput, listTransformOutputs, transformOutputs } from './transform-section.js';

export interface ListRunOutputsOptions {
  /** Opens the store to list. @default createObjectStore(config): the embedded S3 of config.home in mock mode */
  readonly openStore?: () => Promise<Pick<ObjectStore, 'list'> & AsyncDisposable>;
}

/**
 * The transform outputs of a finished run with their objects. Never throws: when the store cannot
 * be opened or listed, the outputs come back without objects and the summary prints no count.
 */
export async function listRunOutputs(record: Readonly<ExecutionRecord>, config: SagesimConfig, options: ListRunOutputsOptions = {}): Promise<TransformOutput[]> {
  const outputs = transformOutputs(record);
  if (outputs.length === 0) return outputs;
  try {
    await using store = await (options.openStore ?? (async () => (await import('../../mock-aws/s3-client.js')).createObjectStore(config)))();
    return await listTransformOutputs(record, store);
  } catch {
    return outputs;
  }
}

/** `--home <dir> --config <file>` as given on the command line, for the commands the summary suggests. */
export function storeFlagsOf(flags: { readonly home?: string; readonly config?: string }): string {
  const parts: string[] = [];
  if (flags.home !== undefined) parts.push('--home', shellWord(flags.home));
  if (flags.config !== undefined) parts.push('--config', shellWord(flags.config));
  return parts.join(' ');
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
