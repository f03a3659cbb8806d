// The summary as `sagesim run` and `sagesim retry` print it: sized and coloured for the stream
// it goes to, with the transform outputs listed and the suggested commands pointing at this home.
import type { SagesimConfig } from '../../config.js';
import type { ExecutionRecord } from '../../engine/execution-record.js';
import type { OutputStream } from '../cli-io.js';
import { formatSummary } from '../summary.js';
import { type ListRunOutputsOptions, listRunOutputs, storeFlagsOf } from './run-outputs.js';

export interface RunSummaryOptions extends ListRunOutputsOptions {
  readonly config: SagesimConfig;
  /** Where the summary is written: its width and whether it is a terminal decide the layout. */
  readonly out: OutputStream;
  /** NO_COLOR turns colour off even on a terminal. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The run's --home and --config, repeated in the suggested commands. */
  readonly flags: { readonly home?: string; readonly config?: string };
}

export async function formatRunSummary(record: Readonly<ExecutionRecord>, options: RunSummaryOptions): Promise<string> {
  const color = options.out.isTTY === true && (options.env['NO_COLOR'] ?? '') === '' && options.env['TERM'] !== 'dumb';
  return formatSummary(record, {
    ...(options.out.columns === undefined ? {} : { width: options.out.columns }),
    color,
    transformOutputs: await listRunOutputs(record, options.config, options.openStore ? { openStore: options.openStore } : {}),
    storeFlags: storeFlagsOf(options.flags),
  });
}
