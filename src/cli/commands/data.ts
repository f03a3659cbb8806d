// `sagesim data housing|churn [--rows N] [--seed S] [--out file.csv]`: the synthetic data sets
// the example pipelines train on, as CSV with a header, on stdout or into a file.
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { DATASET_NAMES, DATASETS, type DatasetName } from '../../data/datasets.js';
import { SagesimError } from '../../errors.js';
import type { CliIo } from '../cli-io.js';
import type { CommandModule } from './index.js';

interface DataFlags {
  readonly rows?: string;
  readonly seed?: string;
  readonly out?: string;
}

export const dataCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    const data = program
      .command('data')
      .description('write a synthetic data set as CSV (the example pipelines train on these)');
    for (const name of DATASET_NAMES) {
      const info = DATASETS[name];
      data
        .command(name)
        .description(info.description)
        .option('--rows <n>', `number of data rows (default ${info.defaultRows})`)
        .option('--seed <s>', 'seed: the same seed gives the same rows (default 42)')
        .option('-o, --out <file>', 'write to this file instead of stdout')
        .action(async (flags: DataFlags) => {
          await writeDataset(name, flags, io);
        });
    }
  },
};

async function writeDataset(name: DatasetName, flags: DataFlags, io: CliIo): Promise<void> {
  const rows = flags.rows === undefined ? DATASETS[name].defaultRows : parseWhole('--rows', flags.rows, 1);
  const seed = flags.seed === undefined ? 42 : parseWhole('--seed', flags.seed, Number.MIN_SAFE_INTEGER);
  const lines = DATASETS[name].csvLines({ rows, seed });

  if (flags.out === undefined) {
    // Batches of lines keep the number of writes low without building the whole text first.
    let batch: string[] = [];
    for (const line of lines) {
      batch.push(line);
      if (batch.length === 1000) {
        io.stdout.write(`${batch.join('\n')}\n`);
        batch = [];
      }
    }
    if (batch.length > 0) io.stdout.write(`${batch.join('\n')}\n`);
    return;
  }

  const file = path.resolve(io.cwd, flags.out);
  try {
    await pipeline(
      Readable.from((function* () {
        for (const line of lines) yield `${line}\n`;
      })()),
      createWriteStream(file),
    );
  } catch (cause) {
    throw new SagesimError('OUTPUT_NOT_WRITABLE', `cannot write ${file}: ${(cause as Error).message}`, {
      source: 'user',
      hint: 'check that the folder exists and is writable',
      cause,
    });
  }
  io.stderr.write(`wrote ${rows} ${name} rows (seed ${seed}) to ${file}\n`);
}

function parseWhole(flag: string, raw: string, min: number): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(value) || value < min) {
    throw new SagesimError('INVALID_ARGUMENT', `${flag} must be a whole number${min === 1 ? ' of at least 1' : ''}, got ${JSON.stringify(raw)}`, {
      source: 'user',
      hint: `e.g. ${flag} ${min > 0 ? 1000 : 42}`,
    });
  }
  return value;
}
