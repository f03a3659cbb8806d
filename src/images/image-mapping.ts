// SageMaker image URIs -> local images: the user's mappings (sagesim.config.json "images") first,
// then the shipped containers/images.json, whose entries also carry the metric definitions the
// cloud applies implicitly for its built-in algorithms.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SagesimConfig } from '../config.js';
import { SagesimError } from '../errors.js';
import { containersDir } from './containers-dir.js';

/** A metric definition as CreateTrainingJob takes it; `#011` in Regex stands for a tab. */
export interface MetricDefinition {
  readonly Name: string;
  readonly Regex: string;
}

export type BuiltinAlgorithm = 'xgboost' | 'knn' | 'sklearn';

/** What a SageMaker image URI runs as locally. */
export interface ResolvedImage {
  /** The Docker image to run, e.g. `sagesim/xgboost:latest`. */
  readonly localTag: string;
  /** Set when the URI is one of SageMaker's own images: the algorithm and its implicit metric definitions. */
  readonly builtin?: {
    readonly algorithm: BuiltinAlgorithm;
    readonly metricDefinitions: readonly MetricDefinition[];
  };
  /** Which rule decided `localTag`. */
  readonly mappedBy: 'config' | 'shipped' | 'local';
}

/** One entry of containers/images.json. */
export interface ShippedImageEntry {
  readonly name: string;
  /** A regular expression over the whole URI. */
  readonly pattern: string;
  readonly localImage: string;
  readonly builtin?: { readonly algorithm: BuiltinAlgorithm; readonly metricDefinitions: readonly MetricDefinition[] };
}

export interface ShippedImageMapping {
  readonly images: readonly ShippedImageEntry[];
}

export interface ResolveImageOptions {
  /** The mapping to use instead of containers/images.json (tests). */
  readonly shipped?: ShippedImageMapping;
  /**
   * Tells whether a Docker image of that exact name is present locally: an unmapped registry
   * address that is present (e.g. pulled by the user) runs as it is. @default nothing is present
   */
  readonly isPresent?: (tag: string) => boolean;
}

/** Reads containers/images.json (or another file of the same shape). */
export function loadShippedMapping(file = path.join(containersDir(), 'images.json')): ShippedImageMapping {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as ShippedImageMapping;
  if (!Array.isArray(parsed.images)) {
    throw new SagesimError('INVALID_IMAGE_MAPPING', `${file} has no "images" list`);
  }
  return parsed;
}

let shippedCache: ShippedImageMapping | undefined;
function defaultShipped(): ShippedImageMapping {
  shippedCache ??= loadShippedMapping();
  return shippedCache;
}

/**
 * Resolves the image of a step. Throws SagesimError `IMAGE_NOT_MAPPED` (saying how to map it) for a
 * registry address that no mapping covers and that is not present locally; a plain local tag
 * (`my/image:tag`) is used as it is.
 */
export function resolveImage(uri: string, config: Pick<SagesimConfig, 'images'>, options: ResolveImageOptions = {}): ResolvedImage {
  const shipped = options.shipped ?? defaultShipped();
  const shippedEntry = shipped.images.find((entry) => new RegExp(entry.pattern).test(uri));
  const builtin = shippedEntry?.builtin ? { builtin: shippedEntry.builtin } : {};
  const userTag = userMapping(uri, config.images);
  if (userTag !== undefined) return { localTag: userTag, mappedBy: 'config', ...builtin };
  if (shippedEntry) return { localTag: shippedEntry.localImage, mappedBy: 'shipped', ...builtin };
  if (!isRegistryAddress(uri) || options.isPresent?.(uri) === true) return { localTag: uri, mappedBy: 'local' };
  throw imageNotMappedError(uri);
}

/** The error for an image that is neither mapped nor present; the container runtime reuses it. */
export function imageNotMappedError(uri: string): SagesimError {
  return new SagesimError('IMAGE_NOT_MAPPED', `image ${uri} is not mapped to a local image and is not present in Docker`, {
    source: 'user',
    hint:
      `map it in sagesim.config.json, e.g. {"images": {"${uri}": "my/local-image:tag"}} ` +
      '(a key between slashes is a regular expression over the URI), then build or pull that local image; ' +
      "sagesim's own images (sagesim/sklearn, sagesim/xgboost, sagesim/knn) come from `sagesim images build`",
  });
}

/** An exact key wins over a /regex/ key; among regex keys, the first listed that matches. */
function userMapping(uri: string, images: Readonly<Record<string, string>>): string | undefined {
  const exact = images[uri];
  if (exact !== undefined) return exact;
  for (const [key, tag] of Object.entries(images)) {
    if (key.length > 2 && key.startsWith('/') && key.endsWith('/') && userRegex(key).test(uri)) return tag;
  }
  return undefined;
}

function userRegex(key: string): RegExp {
  try {
    return new RegExp(key.slice(1, -1));
  } catch (cause) {
    throw new SagesimError('INVALID_CONFIG', `the image mapping key ${key} is not a valid regular expression: ${(cause as Error).message}`, {
      source: 'user',
      hint: 'keys of "images" in sagesim.config.json are exact image URIs, or JavaScript regular expressions between slashes',
      cause,
    });
  }
}

/**
 * `host/repo:tag` where host has a dot or a port, or is localhost (Docker's own rule for telling a
 * registry from a Docker Hub namespace).
 */
function isRegistryAddress(uri: string): boolean {
  const slash = uri.indexOf('/');
  if (slash < 0) return false;
  const first = uri.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost';
}
