// California-housing-style synthetic data: the columns, ranges and marginals of sklearn's
// fetch_california_housing, with a price that really depends on income, location, rooms and
// occupancy (plus noise), so a model trained on it learns something. Same seed, same rows.
import { CALIFORNIA_BOUNDS, SETTLEMENTS, isInCalifornia, locationPremium, urbanCore, type LatLon } from './california.js';
import { csvLines, type DatasetOptions } from './dataset-options.js';
import { clamp, createRandom, type Random } from './random.js';

export const HOUSING_COLUMNS = [
  'MedInc',
  'HouseAge',
  'AveRooms',
  'AveBedrms',
  'Population',
  'AveOccup',
  'Latitude',
  'Longitude',
  'MedHouseVal',
] as const;

/** As many rows as the real data set. */
export const HOUSING_DEFAULT_ROWS = 20_640;

/** The real data set caps MedHouseVal at this value (and MedInc at 15.0001). */
export const HOUSING_VALUE_CAP = 5.00001;
export const HOUSING_VALUE_FLOOR = 0.14999;

/** One block group. Units as in the real set: income in $10,000s, value in $100,000s. */
export interface HousingRow {
  readonly MedInc: number;
  readonly HouseAge: number;
  readonly AveRooms: number;
  readonly AveBedrms: number;
  readonly Population: number;
  readonly AveOccup: number;
  readonly Latitude: number;
  readonly Longitude: number;
  readonly MedHouseVal: number;
}

const RURAL_WEIGHT = 0.05;

/** Yields `rows` block groups, the same ones for the same seed. */
export function* housingRows(options: DatasetOptions = {}): Generator<HousingRow> {
  const rows = options.rows ?? HOUSING_DEFAULT_ROWS;
  const random = createRandom(options.seed ?? 42);
  const weights = [...SETTLEMENTS.map((s) => s.weight), RURAL_WEIGHT];
  for (let i = 0; i < rows; i++) yield blockGroup(random, weights);
}

function blockGroup(random: Random, weights: readonly number[]): HousingRow {
  const place = location(random, weights);
  const premium = locationPremium(place);
  const core = urbanCore(place);

  // Richer near the coast and in the metros; lognormal like the real MedInc.
  const medInc = clamp(Math.exp(Math.log(3.1) + 0.5 * premium + random.normal(0, 0.42)), 0.4999, 15.0001);
  const incomeRatio = Math.log(medInc / 3.5);

  // Older housing stock in the old city centres; the real set caps the age at 52.
  const houseAge = clamp(Math.round(22 + 22 * core + random.normal(0, 12)), 1, 52);

  // Bigger homes where incomes are higher, smaller in dense centres; a thin tail of resort areas
  // with very large averages, as the real set has.
  let aveRooms = Math.exp(Math.log(5.35) + 0.22 * incomeRatio - 0.08 * core + random.normal(0, 0.2));
  if (random.bernoulli(0.006)) aveRooms *= Math.exp(Math.abs(random.normal(0, 1.2)));
  aveRooms = clamp(aveRooms, 0.85, 141.9);
  const bedroomShare = clamp(0.21 - 0.012 * (aveRooms - 5) + random.normal(0, 0.02), 0.1, 0.5);
  const aveBedrms = clamp(aveRooms * bedroomShare, 0.333, 34.07);

  const population = clamp(Math.round(Math.exp(random.normal(Math.log(1166), 0.7))), 3, 35_682);
  let aveOccup = Math.exp(Math.log(2.82) - 0.12 * incomeRatio + random.normal(0, 0.2));
  if (random.bernoulli(0.0015)) aveOccup *= Math.exp(random.uniform(1, 4));
  aveOccup = clamp(aveOccup, 0.692, 1243.3);

  const logValue =
    -0.42 +
    0.7 * Math.log(medInc) +
    1.2 * premium +
    0.05 * clamp(aveRooms - 5.3, -3, 3) -
    0.25 * clamp(Math.log(aveOccup / 2.8), -1, 1.5) +
    0.002 * (houseAge - 28) +
    random.normal(0, 0.25);
  const medHouseVal = clamp(Math.exp(logValue), HOUSING_VALUE_FLOOR, HOUSING_VALUE_CAP);

  return {
    MedInc: medInc,
    HouseAge: houseAge,
    AveRooms: aveRooms,
    AveBedrms: aveBedrms,
    Population: population,
    AveOccup: aveOccup,
    Latitude: place.lat,
    Longitude: place.lon,
    MedHouseVal: medHouseVal,
  };
}

/** A point on land: near a settlement (or anywhere, for rural block groups), rounded like the real set. */
function location(random: Random, weights: readonly number[]): LatLon {
  const index = random.weightedIndex(weights);
  const settlement = SETTLEMENTS[index];
  const { minLat, maxLat, minLon, maxLon } = CALIFORNIA_BOUNDS;
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = settlement
      ? { lat: random.normal(settlement.lat, settlement.spread), lon: random.normal(settlement.lon, settlement.spread) }
      : { lat: random.uniform(minLat, maxLat), lon: random.uniform(minLon, maxLon) };
    const rounded = { lat: round(candidate.lat, 2), lon: round(candidate.lon, 2) };
    if (isInCalifornia(rounded)) return rounded;
  }
  // Only reachable with a vanishingly unlucky draw; the settlement's centre is on land.
  return settlement ? { lat: settlement.lat, lon: settlement.lon } : { lat: 36.75, lon: -119.8 };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** One row as CSV fields, with the precision of the real set. */
export function formatHousingRow(row: HousingRow): string {
  return [
    row.MedInc.toFixed(4),
    row.HouseAge.toFixed(1),
    row.AveRooms.toFixed(6),
    row.AveBedrms.toFixed(6),
    row.Population.toFixed(1),
    row.AveOccup.toFixed(6),
    row.Latitude.toFixed(2),
    row.Longitude.toFixed(2),
    row.MedHouseVal >= HOUSING_VALUE_CAP ? String(HOUSING_VALUE_CAP) : row.MedHouseVal.toFixed(3),
  ].join(',');
}

/** CSV lines (header first, no trailing newlines) for streaming large sets to a file. */
export function housingCsvLines(options: DatasetOptions = {}): Generator<string> {
  return csvLines(HOUSING_COLUMNS, housingRows(options), formatHousingRow);
}

/** The whole data set as CSV text with a header line, ending in a newline. */
export function generateHousing(options: DatasetOptions = {}): string {
  return `${[...housingCsvLines(options)].join('\n')}\n`;
}
