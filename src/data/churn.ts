// Telco-style customer churn: contracts, tenure, charges, support calls -> Churn 0/1, about a
// quarter positive, with effects a classifier learns (month-to-month, short tenure, fibre without
// tech support, electronic cheques and many support calls churn more). Same seed, same rows.
import { csvLines, type DatasetOptions } from './dataset-options.js';
import { clamp, createRandom, type Random } from './random.js';

export const CHURN_COLUMNS = [
  'tenure',
  'MonthlyCharges',
  'TotalCharges',
  'Contract',
  'InternetService',
  'TechSupport',
  'PaymentMethod',
  'SeniorCitizen',
  'SupportCalls',
  'Churn',
] as const;

/** As many customers as the IBM Telco sample. */
export const CHURN_DEFAULT_ROWS = 7_043;

export const CONTRACTS = ['Month-to-month', 'One year', 'Two year'] as const;
export const INTERNET_SERVICES = ['DSL', 'Fiber optic', 'No'] as const;
export const PAYMENT_METHODS = [
  'Electronic check',
  'Mailed check',
  'Bank transfer (automatic)',
  'Credit card (automatic)',
] as const;

export interface ChurnRow {
  /** Months with the company, 1..72. */
  readonly tenure: number;
  readonly MonthlyCharges: number;
  readonly TotalCharges: number;
  readonly Contract: (typeof CONTRACTS)[number];
  readonly InternetService: (typeof INTERNET_SERVICES)[number];
  readonly TechSupport: 'Yes' | 'No';
  readonly PaymentMethod: (typeof PAYMENT_METHODS)[number];
  readonly SeniorCitizen: 0 | 1;
  readonly SupportCalls: number;
  readonly Churn: 0 | 1;
}

/** Yields `rows` customers, the same ones for the same seed. */
export function* churnRows(options: DatasetOptions = {}): Generator<ChurnRow> {
  const rows = options.rows ?? CHURN_DEFAULT_ROWS;
  const random = createRandom(options.seed ?? 42);
  for (let i = 0; i < rows; i++) yield customer(random);
}

function customer(random: Random): ChurnRow {
  // New sign-ups, a broad middle, and a loyal block near the 72-month maximum.
  const cohort = random.weightedIndex([0.3, 0.45, 0.25]);
  const tenure =
    cohort === 0 ? 1 + Math.floor(random.uniform(0, 12)) : cohort === 1 ? 1 + Math.floor(random.uniform(0, 72)) : 55 + Math.floor(random.uniform(0, 18));

  // Long-standing customers are the ones on long contracts.
  const loyalty = tenure / 72;
  const contract = CONTRACTS[random.weightedIndex([1.1 - 0.9 * loyalty, 0.2 + 0.3 * loyalty, 0.05 + 0.6 * loyalty])] ?? 'Month-to-month';
  const internet = INTERNET_SERVICES[random.weightedIndex([0.34, 0.44, 0.22])] ?? 'DSL';
  const techSupport = internet !== 'No' && random.bernoulli(internet === 'DSL' ? 0.45 : 0.3) ? 'Yes' : 'No';
  const payment = PAYMENT_METHODS[random.weightedIndex([0.34, 0.23, 0.22, 0.21])] ?? 'Mailed check';
  const senior = random.bernoulli(0.16) ? 1 : 0;

  const base = internet === 'No' ? random.uniform(18.25, 26) : internet === 'DSL' ? random.uniform(25, 85) : random.uniform(68, 112);
  const monthly = round2(clamp(base + (techSupport === 'Yes' ? 5 : 0) + random.normal(0, 2), 18.25, 118.75));
  const total = round2(Math.max(monthly, tenure * monthly * (1 + random.normal(0, 0.03))));

  const callRate = 0.8 + (internet === 'Fiber optic' && techSupport === 'No' ? 1.0 : 0) + (senior ? 0.4 : 0);
  const supportCalls = Math.min(12, poisson(random, callRate));

  const logit =
    -1.85 +
    (contract === 'Month-to-month' ? 1.4 : contract === 'Two year' ? -1.2 : 0) -
    0.035 * tenure +
    (internet === 'Fiber optic' ? 0.75 : internet === 'No' ? -0.6 : 0) +
    (techSupport === 'Yes' ? -0.55 : 0) +
    (payment === 'Electronic check' ? 0.55 : 0) +
    0.35 * senior +
    0.38 * supportCalls +
    0.008 * (monthly - 65);
  const churn = random.bernoulli(1 / (1 + Math.exp(-logit))) ? 1 : 0;

  return {
    tenure,
    MonthlyCharges: monthly,
    TotalCharges: total,
    Contract: contract,
    InternetService: internet,
    TechSupport: techSupport,
    PaymentMethod: payment,
    SeniorCitizen: senior,
    SupportCalls: supportCalls,
    Churn: churn,
  };
}

// Knuth's method: fine for the small rates used here.
function poisson(random: Random, rate: number): number {
  const limit = Math.exp(-rate);
  let k = 0;
  let product = random.next();
  while (product > limit) {
    k++;
    product *= random.next();
  }
  return k;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export function formatChurnRow(row: ChurnRow): string {
  return [
    String(row.tenure),
    row.MonthlyCharges.toFixed(2),
    row.TotalCharges.toFixed(2),
    row.Contract,
    row.InternetService,
    row.TechSupport,
    row.PaymentMethod,
    String(row.SeniorCitizen),
    String(row.SupportCalls),
    String(row.Churn),
  ].join(',');
}

/** CSV lines (header first, no trailing newlines) for streaming large sets to a file. */
export function churnCsvLines(options: DatasetOptions = {}): Generator<string> {
  return csvLines(CHURN_COLUMNS, churnRows(options), formatChurnRow);
}

/** The whole data set as CSV text with a header line, ending in a newline. */
export function generateChurn(options: DatasetOptions = {}): string {
  return `${[...churnCsvLines(options)].join('\n')}\n`;
}
