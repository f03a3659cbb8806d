// The programmatic side of `sagesim validate --preflight` and `sagesim inputs`: a definition
// file's preflight against the configured S3 and Docker, and what it reads, writes and runs.
import type { SagesimConfig } from '../config.js';
import type { ParameterValue } from '../engine/definition-types.js';
import { flattenSteps } from '../engine/flatten-steps.js';
import { stepKind } from '../engine/step-kinds.js';
import { parseDefinition } from '../engine/load-definition.js';
import { readDefinitionText } from '../app/definition-file.js';
import { type PipelineIo, type PipelineRead, pipelineIo, seedReads, under } from '../engine/pipeline-io.js';
import { isSagesimError } from '../errors.js';
import { findManifestFor, loadManifest } from '../fixtures/manifest.js';
import { resolveImage } from '../images/image-mapping.js';
import { isStubbed, type StubOptions } from '../steps/stub-executor.js';
import { createRunEnvironment } from './create-environment.js';
import { type PreflightReport, preflight } from './preflight.js';

export interface CheckDefinitionFileOptions {
  readonly file: string;
  readonly config: SagesimConfig;
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
  readonly stubs?: StubOptions;
}

/** Preflight of a definition file as `sagesim run` would do it, without running anything. */
export async function preflightDefinitionFile(options: CheckDefinitionFileOptions): Promise<PreflightReport> {
  const definition = parseDefinition(await readDefinitionText(options.file), options.file);
  await using env = await createRunEnvironment(options.config);
  const runsContainers = flattenSteps(definition.Steps).some(
    (step) => stepKind(step.Type).container && !isStubbed(options.stubs, step),
  );
  return preflight({
    definition,
    definitionFile: options.file,
    config: options.config,
    ...(options.parameters ? { parameters: options.parameters } : {}),
    ...(options.stubs ? { stubs: options.stubs } : {}),
    objectStore: env.objectStore,
    ...(runsContainers ? { runtime: env.runtime } : {}),
  });
}

/** What `sagesim inputs` reports. */
export interface PipelineInputs {
  /** Read at fixed URIs that no step writes: what to place in S3 before a run. */
  readonly seed: readonly (PipelineRead & { readonly placedByManifest: boolean })[];
  /** Every URI a step writes (with placeholders for per-execution parts). */
  readonly writes: PipelineIo['writes'];
  /** Every image a step names and what it runs as locally. */
  readonly images: readonly { readonly uri: string; readonly step: string; readonly path: string; readonly local: string | undefined; readonly mappedBy: string | undefined }[];
  /** The manifest beside the definition, when there is one. */
  readonly manifest: string | undefined;
}

/** What a pipeline reads that nothing produces, what it writes and which images it runs. Offline. */
export async function pipelineInputs(options: Omit<CheckDefinitionFileOptions, 'stubs'>): Promise<PipelineInputs> {
  const definition = parseDefinition(await readDefinitionText(options.file), options.file);
  const io = pipelineIo(definition, options.parameters ?? {});
  const manifest = findManifestFor(options.file);
  let placed: string[] = [];
  try {
    placed = manifest === undefined ? [] : loadManifest(manifest).entries.map((entry) => entry.uri);
  } catch {
    placed = [];
  }
  const seed = seedReads(io).map((read) => ({ ...read, placedByManifest: placed.some((uri) => under(uri, read.uri) || under(read.uri, uri) || uri.startsWith(read.uri)) }));
  const images = io.images.map((image) => {
    if (image.origin.kind !== 'fixed') return { uri: image.uri, step: image.step, path: image.path, local: undefined, mappedBy: 'known at run time' };
    try {
      const resolved = resolveImage(image.uri, options.config, { isPresent: () => false });
      return { uri: image.uri, step: image.step, path: image.path, local: resolved.localTag, mappedBy: resolved.mappedBy };
    } catch (error) {
      if (isSagesimError(error) && error.code === 'IMAGE_NOT_MAPPED') return { uri: image.uri, step: image.step, path: image.path, local: undefined, mappedBy: undefined };
      throw error;
    }
  });
  return { seed, writes: io.writes, images, manifest };
}
