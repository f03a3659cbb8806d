// The synthetic data sets by name, for the `sagesim data` command and fixture manifests.
import { churnCsvLines, CHURN_DEFAULT_ROWS } from './churn.js';
import type { DatasetOptions } from './dataset-options.js';
import { housingCsvLines, HOUSING_DEFAULT_ROWS } from './housing.js';

export const DATASET_NAMES = ['housing', 'churn'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export interface DatasetInfo {
  readonly name: DatasetName;
  readonly description: string;
  readonly defaultRows: number;
  /** CSV lines, header first, without line terminators. */
  readonly csvLines: (options: DatasetOptions) => Generator<string>;
}

export const DATASETS: Readonly<Record<DatasetName, DatasetInfo>> = {
  housing: {
    name: 'housing',
    description: 'California-housing-style regression data (label MedHouseVal, in $100,000s)',
    defaultRows: HOUSING_DEFAULT_ROWS,
    csvLines: housingCsvLines,
  },
  churn: {
    name: 'churn',
    description: 'Telco-style customer churn classification data (label Churn, 0 or 1)',
    defaultRows: CHURN_DEFAULT_ROWS,
    csvLines: churnCsvLines,
  },
};

export function isDatasetName(name: string): name is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(name);
}

/** The whole data set as CSV text with a header line, ending in a newline. */
export function generateDataset(name: DatasetName, options: DatasetOptions = {}): string {
  return `${[...DATASETS[name].csvLines(options)].join('\n')}\n`;
}
