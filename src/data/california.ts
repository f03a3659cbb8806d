// A coarse outline of California and where its people live, so synthetic block groups fall on
// land (coast to inland) and their prices carry the coastal and metro premiums a model can learn.

export interface LatLon {
  readonly lat: number;
  readonly lon: number;
}

/** The bounding box of the real data set (sklearn's fetch_california_housing). */
export const CALIFORNIA_BOUNDS = { minLat: 32.54, maxLat: 41.95, minLon: -124.35, maxLon: -114.31 } as const;

// The Pacific coast, south to north, as (latitude, longitude) corners of a polyline.
const COAST: readonly (readonly [number, number])[] = [
  [32.54, -117.12],
  [33.0, -117.28],
  [33.45, -117.7],
  [33.75, -118.3],
  [34.0, -118.5],
  [34.05, -118.95],
  [34.4, -119.7],
  [34.45, -120.45],
  [35.0, -120.63],
  [35.6, -121.15],
  [36.3, -121.9],
  [36.6, -121.95],
  [37.0, -122.2],
  [37.5, -122.5],
  [37.8, -122.52],
  [38.3, -123.05],
  [39.0, -123.7],
  [39.8, -123.85],
  [40.4, -124.35],
  [41.0, -124.15],
  [41.95, -124.2],
];

// The eastern border: the Colorado River, the Nevada diagonal, then the 120th meridian.
const EAST: readonly (readonly [number, number])[] = [
  [32.54, -114.72],
  [34.3, -114.31],
  [35.0, -114.63],
  [39.0, -120.0],
  [41.95, -120.0],
];

function interpolate(line: readonly (readonly [number, number])[], lat: number): number {
  const first = line[0];
  const last = line[line.length - 1];
  if (!first || !last) throw new Error('empty polyline');
  if (lat <= first[0]) return first[1];
  for (let i = 1; i < line.length; i++) {
    const a = line[i - 1];
    const b = line[i];
    if (a && b && lat <= b[0]) return a[1] + ((b[1] - a[1]) * (lat - a[0])) / (b[0] - a[0]);
  }
  return last[1];
}

/** Longitude of the coast at a latitude. */
export function coastLongitude(lat: number): number {
  return interpolate(COAST, lat);
}

/** Whether a point lies inside the outline (between the coast and the eastern border). */
export function isInCalifornia(point: LatLon): boolean {
  const { minLat, maxLat } = CALIFORNIA_BOUNDS;
  if (point.lat < minLat || point.lat > maxLat) return false;
  return point.lon >= coastLongitude(point.lat) && point.lon <= interpolate(EAST, point.lat);
}

/** Degrees of longitude inland from the coast (0 on the shore). */
export function inlandDistance(point: LatLon): number {
  return Math.max(0, point.lon - coastLongitude(point.lat));
}

/** Where block groups are drawn from: population centres with a spread, and a weight. */
export interface Settlement extends LatLon {
  readonly name: string;
  readonly weight: number;
  /** Standard deviation of the spread, in degrees. */
  readonly spread: number;
}

export const SETTLEMENTS: readonly Settlement[] = [
  { name: 'Los Angeles', lat: 34.05, lon: -118.25, weight: 0.27, spread: 0.28 },
  { name: 'Orange County', lat: 33.7, lon: -117.85, weight: 0.08, spread: 0.15 },
  { name: 'Inland Empire', lat: 34.0, lon: -117.35, weight: 0.08, spread: 0.25 },
  { name: 'San Diego', lat: 32.8, lon: -117.1, weight: 0.08, spread: 0.18 },
  { name: 'San Francisco and Oakland', lat: 37.8, lon: -122.3, weight: 0.08, spread: 0.15 },
  { name: 'San Jose and the Peninsula', lat: 37.4, lon: -122.0, weight: 0.07, spread: 0.15 },
  { name: 'Contra Costa', lat: 37.95, lon: -122.0, weight: 0.03, spread: 0.15 },
  { name: 'Sacramento', lat: 38.6, lon: -121.4, weight: 0.06, spread: 0.2 },
  { name: 'Stockton and Modesto', lat: 37.8, lon: -121.1, weight: 0.035, spread: 0.25 },
  { name: 'Fresno', lat: 36.75, lon: -119.8, weight: 0.035, spread: 0.25 },
  { name: 'Bakersfield', lat: 35.37, lon: -119.02, weight: 0.025, spread: 0.2 },
  { name: 'Santa Barbara and Ventura', lat: 34.35, lon: -119.3, weight: 0.03, spread: 0.2 },
  { name: 'Central Coast', lat: 36.2, lon: -121.3, weight: 0.025, spread: 0.45 },
  { name: 'North Coast', lat: 40.4, lon: -123.9, weight: 0.01, spread: 0.5 },
  { name: 'Redding and Chico', lat: 40.0, lon: -122.0, weight: 0.02, spread: 0.5 },
  { name: 'Sierra foothills', lat: 38.4, lon: -120.6, weight: 0.015, spread: 0.4 },
  { name: 'Deserts', lat: 33.4, lon: -116.0, weight: 0.02, spread: 0.5 },
];

/** Old city centres: houses are older there. */
const CORES: readonly LatLon[] = [
  { lat: 37.78, lon: -122.42 },
  { lat: 37.8, lon: -122.27 },
  { lat: 34.05, lon: -118.25 },
  { lat: 33.77, lon: -118.19 },
  { lat: 38.58, lon: -121.49 },
  { lat: 32.72, lon: -117.16 },
];

function gaussianBump(point: LatLon, centre: LatLon, sd: number): number {
  const d2 = (point.lat - centre.lat) ** 2 + (point.lon - centre.lon) ** 2;
  return Math.exp(-d2 / (2 * sd * sd));
}

/** 1 in an old city centre, falling to 0 a few tens of kilometres away. */
export function urbanCore(point: LatLon): number {
  return Math.max(...CORES.map((core) => gaussianBump(point, core, 0.2)));
}

/**
 * How much more (in log price) a home is worth here than the state's baseline: the coast, the Bay
 * Area and Southern California's coastal metros push it up, the Central Valley and the far north
 * pull it down.
 */
export function locationPremium(point: LatLon): number {
  const inland = inlandDistance(point);
  const coastal = 0.45 * Math.exp(-inland / 0.35);
  const bayArea = 0.45 * gaussianBump(point, { lat: 37.6, lon: -122.2 }, 0.45);
  const losAngeles = 0.2 * gaussianBump(point, { lat: 34.0, lon: -118.3 }, 0.5);
  const sanDiego = 0.15 * gaussianBump(point, { lat: 32.9, lon: -117.2 }, 0.35);
  const valley = -0.25 / (1 + Math.exp(-(inland - 1.2) / 0.3));
  const north = -0.1 * Math.min(1, Math.max(0, (point.lat - 38.5) / 3));
  return coastal + bayArea + losAngeles + sanDiego + valley + north;
}
