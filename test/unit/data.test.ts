// The synthetic data sets: deterministic for a seed, shaped like the real sets, and learnable.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHURN_COLUMNS, churnRows, generateChurn, type ChurnRow } from '../../src/data/churn.js';
import { coastLongitude, isInCalifornia } from '../../src/data/california.js';
import { generateDataset } from '../../src/data/datasets.js';
import {
  HOUSING_COLUMNS,
  HOUSING_DEFAULT_ROWS,
  HOUSING_VALUE_CAP,
  generateHousing,
  housingRows,
  type HousingRow,
} from '../../src/data/housing.js';
import { createRandom } from '../../src/data/random.js';

describe('createRandom', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const draw = (seed: number) => {
      const random = createRandom(seed);
      return Array.from({ length: 5 }, () => random.next());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('draws uniforms in [0, 1) and normals with the asked mean and spread', () => {
    const random = createRandom(1);
    const uniforms = Array.from({ length: 20_000 }, () => random.next());
    expect(Math.min(...uniforms)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...uniforms)).toBeLessThan(1);
    const normals = Array.from({ length: 20_000 }, () => random.normal(10, 2));
    const mean = normals.reduce((a, b) => a + b, 0) / normals.length;
    const sd = Math.sqrt(normals.reduce((a, b) => a + (b - mean) ** 2, 0) / normals.length);
    expect(mean).toBeCloseTo(10, 1);
    expect(sd).toBeCloseTo(2, 1);
  });

  it('accepts negative and large seeds, and rejects fractional ones', () => {
    expect(() => createRandom(-1).next()).not.toThrow();
    expect(() => createRandom(2 ** 40).next()).not.toThrow();
    expect(() => createRandom(1.5)).toThrow(RangeError);
  });
});

describe('California outline', () => {
  it.each([
    ['San Francisco', 37.77, -122.42, true],
    ['Fresno', 36.75, -119.8, true],
    ['the Pacific off Monterey', 36.6, -123.0, false],
    ['Las Vegas, Nevada', 36.17, -115.14, false],
    ['Reno, Nevada', 39.53, -119.81, false],
  ])('%s is inside: %s', (_name, lat, lon, inside) => {
    expect(isInCalifornia({ lat, lon })).toBe(inside);
  });

  it('puts the coast further west going north', () => {
    expect(coastLongitude(41)).toBeLessThan(coastLongitude(37.5));
    expect(coastLongitude(37.5)).toBeLessThan(coastLongitude(33));
  });
});

describe('housing data', () => {
  const rows = [...housingRows({ rows: 8000, seed: 42 })];

  it('has the header of sklearn fetch_california_housing with the target last', () => {
    const [header] = generateHousing({ rows: 1 }).split('\n');
    expect(header).toBe('MedInc,HouseAge,AveRooms,AveBedrms,Population,AveOccup,Latitude,Longitude,MedHouseVal');
    expect(HOUSING_COLUMNS).toHaveLength(9);
  });

  it('has 20,640 rows by default, one line each, ending in a newline', () => {
    const csv = generateHousing();
    expect(HOUSING_DEFAULT_ROWS).toBe(20_640);
    expect(csv.endsWith('\n')).toBe(true);
    expect(csv.trimEnd().split('\n')).toHaveLength(20_641);
  });

  it('is the same text for the same seed and different text for another seed', () => {
    expect(generateHousing({ rows: 200, seed: 3 })).toBe(generateHousing({ rows: 200, seed: 3 }));
    expect(generateHousing({ rows: 200, seed: 3 })).not.toBe(generateHousing({ rows: 200, seed: 4 }));
  });

  it('keeps a prefix stable when more rows are asked for', () => {
    const short = generateHousing({ rows: 50, seed: 9 });
    expect(generateHousing({ rows: 100, seed: 9 }).startsWith(short.trimEnd())).toBe(true);
  });

  it.each([
    ['MedInc', 0.4999, 15.0001],
    ['HouseAge', 1, 52],
    ['AveRooms', 0.8, 142],
    ['AveBedrms', 0.33, 35],
    ['Population', 3, 35_682],
    ['AveOccup', 0.69, 1244],
    ['Latitude', 32.54, 41.95],
    ['Longitude', -124.35, -114.31],
    ['MedHouseVal', 0.14999, 5.00001],
  ] as const)('keeps %s within [%s, %s] like the real set', (column, min, max) => {
    const values = rows.map((row) => row[column]);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(min);
    expect(Math.max(...values)).toBeLessThanOrEqual(max);
  });

  it('has marginals close to the real set (median income ~3.5, median value ~1.8, a few percent capped)', () => {
    expect(median(rows.map((r) => r.MedInc))).toBeGreaterThan(2.8);
    expect(median(rows.map((r) => r.MedInc))).toBeLessThan(4.2);
    expect(median(rows.map((r) => r.MedHouseVal))).toBeGreaterThan(1.4);
    expect(median(rows.map((r) => r.MedHouseVal))).toBeLessThan(2.2);
    const capped = rows.filter((r) => r.MedHouseVal >= HOUSING_VALUE_CAP).length / rows.length;
    expect(capped).toBeGreaterThan(0.01);
    expect(capped).toBeLessThan(0.1);
    expect(median(rows.map((r) => r.AveOccup))).toBeGreaterThan(2.4);
    expect(median(rows.map((r) => r.AveOccup))).toBeLessThan(3.3);
  });

  it('writes capped values as 5.00001, as the real set does', () => {
    const capped = generateHousing({ rows: 3000, seed: 42 })
      .trimEnd()
      .split('\n')
      .slice(1)
      .filter((line) => line.endsWith(',5.00001'));
    expect(capped.length).toBeGreaterThan(0);
  });

  it('keeps every column in range and every block group on land, whatever the seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), (seed) => {
        for (const row of housingRows({ rows: 40, seed })) {
          expect(isInCalifornia({ lat: row.Latitude, lon: row.Longitude })).toBe(true);
          expect(row.MedHouseVal).toBeGreaterThanOrEqual(0.14999);
          expect(row.MedHouseVal).toBeLessThanOrEqual(HOUSING_VALUE_CAP);
          expect(row.MedInc).toBeLessThanOrEqual(15.0001);
          expect(Number.isInteger(row.HouseAge) && row.HouseAge >= 1 && row.HouseAge <= 52).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('places every block group on land', () => {
    expect(rows.filter((row) => !isInCalifornia({ lat: row.Latitude, lon: row.Longitude }))).toEqual([]);
  });

  it('prices rise with income and near the coast', () => {
    expect(correlation(rows.map((r) => r.MedInc), rows.map((r) => r.MedHouseVal))).toBeGreaterThan(0.5);
    const inland = (r: HousingRow) => r.Longitude - coastLongitude(r.Latitude);
    const coastal = rows.filter((r) => inland(r) < 0.3).map((r) => r.MedHouseVal);
    const valley = rows.filter((r) => inland(r) > 1.5).map((r) => r.MedHouseVal);
    expect(median(coastal)).toBeGreaterThan(1.3 * median(valley));
  });

  it('is learnable: least squares on a few features reaches R² > 0.5 on held-back rows', () => {
    const features = (r: HousingRow) => [1, r.MedInc, Math.log(r.AveOccup), Math.min(r.AveRooms, 12), r.HouseAge, r.Latitude, r.Longitude];
    const train = rows.slice(0, 6000);
    const test = rows.slice(6000);
    const weights = leastSquares(train.map(features), train.map((r) => r.MedHouseVal));
    const predicted = test.map((r) => dot(weights, features(r)));
    expect(rSquared(test.map((r) => r.MedHouseVal), predicted)).toBeGreaterThan(0.5);
  });
});

describe('churn data', () => {
  const rows = [...churnRows({ rows: 6000, seed: 42 })];

  it('has its header with the label Churn last', () => {
    const [header] = generateChurn({ rows: 1 }).split('\n');
    expect(header).toBe(CHURN_COLUMNS.join(','));
    expect(CHURN_COLUMNS.at(-1)).toBe('Churn');
  });

  it('is deterministic for a seed', () => {
    expect(generateChurn({ rows: 300, seed: 5 })).toBe(generateChurn({ rows: 300, seed: 5 }));
    expect(generateChurn({ rows: 300, seed: 5 })).not.toBe(generateChurn({ rows: 300, seed: 6 }));
    expect(generateDataset('churn', { rows: 10, seed: 5 })).toBe(generateChurn({ rows: 10, seed: 5 }));
  });

  it('has about a quarter positive', () => {
    const rate = rows.filter((r) => r.Churn === 1).length / rows.length;
    expect(rate).toBeGreaterThan(0.18);
    expect(rate).toBeLessThan(0.32);
  });

  it('keeps values in their ranges and categories in their sets', () => {
    const outOfRange = rows.filter(
      (row) =>
        row.tenure < 1 ||
        row.tenure > 72 ||
        row.MonthlyCharges < 18.25 ||
        row.MonthlyCharges > 118.75 ||
        row.TotalCharges < row.MonthlyCharges ||
        !['Month-to-month', 'One year', 'Two year'].includes(row.Contract) ||
        (row.InternetService === 'No' && row.TechSupport !== 'No'),
    );
    expect(outOfRange).toEqual([]);
  });

  it('churns more on month-to-month contracts than on two-year ones', () => {
    const rate = (contract: ChurnRow['Contract']) => {
      const group = rows.filter((r) => r.Contract === contract);
      return group.filter((r) => r.Churn === 1).length / group.length;
    };
    expect(rate('Month-to-month')).toBeGreaterThan(3 * rate('Two year'));
  });

  it('is learnable: logistic regression beats the majority baseline by a clear margin', () => {
    const features = (r: ChurnRow) => [
      1,
      r.tenure / 72,
      r.MonthlyCharges / 100,
      r.Contract === 'Month-to-month' ? 1 : 0,
      r.Contract === 'Two year' ? 1 : 0,
      r.InternetService === 'Fiber optic' ? 1 : 0,
      r.TechSupport === 'Yes' ? 1 : 0,
      r.PaymentMethod === 'Electronic check' ? 1 : 0,
      r.SeniorCitizen,
      r.SupportCalls,
    ];
    const train = rows.slice(0, 4500);
    const test = rows.slice(4500);
    const weights = logisticRegression(train.map(features), train.map((r) => r.Churn));
    const correct = test.filter((r) => (dot(weights, features(r)) > 0 ? 1 : 0) === r.Churn).length;
    const accuracy = correct / test.length;
    const positives = test.filter((r) => r.Churn === 1).length / test.length;
    const baseline = Math.max(positives, 1 - positives);
    expect(accuracy).toBeGreaterThan(baseline + 0.04);
  });
});

// --- small numeric helpers (closed forms, no dependencies) ---

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function correlation(x: readonly number[], y: readonly number[]): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  x.forEach((xi, i) => {
    const yi = y[i] ?? 0;
    sxy += (xi - mx) * (yi - my);
    sxx += (xi - mx) ** 2;
    syy += (yi - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a.reduce((sum, ai, i) => sum + ai * (b[i] ?? 0), 0);
}

function rSquared(actual: readonly number[], predicted: readonly number[]): number {
  const mean = actual.reduce((a, b) => a + b, 0) / actual.length;
  const residual = actual.reduce((sum, y, i) => sum + (y - (predicted[i] ?? 0)) ** 2, 0);
  const total = actual.reduce((sum, y) => sum + (y - mean) ** 2, 0);
  return 1 - residual / total;
}

/** Solves A x = b by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] ?? 0]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = col + 1; r < n; r++) {
      const f = m[r]![col]! / m[col]![col]!;
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let c = r + 1; c < n; c++) s -= m[r]![c]! * x[c]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

/** Normal equations: (XᵀWX) w = Xᵀ W y, with optional row weights. */
function weightedNormalEquations(x: readonly number[][], y: readonly number[], rowWeights?: readonly number[]): number[] {
  const k = x[0]?.length ?? 0;
  const xtx = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const xty = new Array<number>(k).fill(0);
  x.forEach((row, i) => {
    const w = rowWeights?.[i] ?? 1;
    for (let p = 0; p < k; p++) {
      xty[p]! += w * row[p]! * (y[i] ?? 0);
      for (let q = 0; q < k; q++) xtx[p]![q]! += w * row[p]! * row[q]!;
    }
  });
  return solve(xtx, xty);
}

function leastSquares(x: readonly number[][], y: readonly number[]): number[] {
  return weightedNormalEquations(x, y);
}

/** Newton's method (iteratively reweighted least squares). */
function logisticRegression(x: readonly number[][], y: readonly number[]): number[] {
  let weights = new Array<number>(x[0]?.length ?? 0).fill(0);
  for (let iteration = 0; iteration < 12; iteration++) {
    const p = x.map((row) => 1 / (1 + Math.exp(-dot(weights, row))));
    const w = p.map((pi) => Math.max(pi * (1 - pi), 1e-6));
    const z = x.map((row, i) => dot(weights, row) + ((y[i] ?? 0) - p[i]!) / w[i]!);
    weights = weightedNormalEquations(x, z, w);
  }
  return weights;
}
