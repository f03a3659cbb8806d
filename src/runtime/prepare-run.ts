// What a local run needs before its first step: the fixture's objects placed in S3 (mock mode),
// and, when a step will really start a container, a reachable Docker engine and sagesim's images.
// Checked up front so that a missing engine is one clear message within seconds, not a failed step.
import type { ParameterValue, PipelineDefinition, PipelineStep } from '../engine/definition-types.js';
import type { Reporter } from '../engine/events.js';
import { flattenSteps } from '../engine/flatten-steps.js';
import { stepKind } from '../engine/step-kinds.js';
import { isJsonObject, type JsonValue } from '../engine/json.js';
import { seedForDefinition } from '../fixtures/manifest.js';
import { ensureImages, localImageNameOf } from '../images/build-images.js';
import { resolveImage } from '../images/image-mapping.js';
import { isStubbed, type StubOptions } from '../steps/stub-executor.js';
import { isUnsupportedStepType, stubAdvice, unsupportedStepMessage } from '../steps/unsupported-executor.js';
import { timeoutsOf } from '../config.js';
import { SagesimError } from '../errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import { canBuildImages } from '../ports/container-engine.js';
import type { RunEnvironment } from './create-environment.js';
import { assertPreflight } from './preflight.js';


export interface PrepareRunOptions {
  readonly definition: PipelineDefinition;
  /** The definition's file: a manifest.json beside it is seeded in mock mode. */
  readonly definitionFile?: string;
  readonly stubs?: StubOptions;
  readonly reporter?: Reporter;
  /** Ctrl-C: stops seeding and image builds; the run then throws the signal's reason. */
  readonly signal?: AbortSignal;
  /** Parameter values given for the run (preflight checks every parameter has one). @default {} */
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
  /**
   * `full`: preflight (preflight.ts) before anything is seeded or started. `step-types`: only
   * refuse step types that cannot run locally (a retry or a reproduction, whose other steps
   * already ran). @default 'full'
   */
  readonly checks?: 'full' | 'step-types';
}

export interface PreparedRun {
  /** Objects the manifest placed (0 when they were already there), or undefined without a manifest. */
  readonly seeded?: { readonly placed: number; readonly skipped: number };
  /** sagesim images built for this run. */
  readonly builtImages: readonly string[];
}

export async function prepareRun(env: RunEnvironment, options: PrepareRunOptions): Promise<PreparedRun> {
  const containerSteps = flattenSteps(options.definition.Steps).filter(
    (step) => stepKind(step.Type).container && !isStubbed(options.stubs, step),
  );
  const seeds = options.definitionFile !== undefined && env.config.mock && env.s3Endpoint !== undefined;

  // An endpoint that accepts and never answers is one clear message within seconds, not a run
  // (or a preflight listing inputs) that hangs on its first request.
  if (env.config.s3.kind === 'endpoint' && (seeds || containerSteps.length > 0) && canProbe(env.objectStore)) {
    await env.objectStore.probe(timeoutsOf(env.config).s3ProbeMs, options.signal);
  }

  if ((options.checks ?? 'full') === 'full') {
    await assertPreflight({
      definition: options.definition,
      config: env.config,
      ...(options.definitionFile === undefined ? {} : { definitionFile: options.definitionFile }),
      ...(options.parameters ? { parameters: options.parameters } : {}),
      ...(options.stubs ? { stubs: options.stubs } : {}),
      objectStore: env.objectStore,
      // Images are looked up only when a container will start: stub runs need no Docker.
      ...(containerSteps.length > 0 ? { runtime: env.runtime } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      warn: (problem) => options.reporter?.warning?.({ ...(problem.step === undefined ? {} : { stepName: problem.step }), code: problem.code, message: problem.message }),
    });
  } else {
    checkLocalStepTypes(options);
  }

  let seeded: PreparedRun['seeded'];
  if (seeds && options.definitionFile !== undefined) {
    const result = await seedForDefinition(options.definitionFile, env.objectStore, {
      ...(options.reporter ? { reporter: options.reporter } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (result) seeded = { placed: result.placed, skipped: result.skipped };
  }

  if (containerSteps.length === 0) return { ...(seeded ? { seeded } : {}), builtImages: [] };

  options.signal?.throwIfAborted();
  await env.runtime.ping(options.signal ? { signal: options.signal } : {});
  // Containers of a sagesim process that crashed or was killed: removed before we start our own.
  await env.runtime.sweep({ orphaned: true });
  const images = new Set<string>();
  for (const value of [...containerSteps, ...options.definition.Parameters.map((p) => p.DefaultValue ?? null)]) {
    for (const text of strings(value as JsonValue)) {
      const local = sagesimImageFor(text, env);
      if (local) images.add(local);
    }
  }
  // Transform steps run the image of a model created by another step.
  if (containerSteps.some((s) => s.Type === 'Transform')) {
    for (const step of flattenSteps(options.definition.Steps)) {
      if (step.Type !== 'Model' && step.Type !== 'RegisterModel') continue;
      for (const text of strings(step.Arguments as JsonValue)) {
        const local = sagesimImageFor(text, env);
        if (local) images.add(local);
      }
    }
  }
  // A runtime that cannot build images (a hand-made one in a test) leaves a missing image to fail
  // when its step starts (IMAGE_NOT_FOUND, saying how to build it).
  if (!canBuildImages(env.runtime)) return { ...(seeded ? { seeded } : {}), builtImages: [] };
  const built = await ensureImages([...images], {
    engine: env.runtime,
    ...(options.reporter ? { reporter: options.reporter } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { ...(seeded ? { seeded } : {}), builtImages: built.map((b) => b.name) };
}

/**
 * Steps of types that cannot run locally must be stubbed. One that always runs fails the run
 * before it starts; one inside a condition branch only may never run, so it is a warning.
 */
function checkLocalStepTypes(options: PrepareRunOptions): void {
  const always: { readonly name: string; readonly message: string }[] = [];
  const visit = (steps: readonly PipelineStep[], inBranch: boolean): void => {
    for (const step of steps) {
      if (step.Type === 'Condition') {
        visit(step.Arguments.IfSteps ?? [], true);
        visit(step.Arguments.ElseSteps ?? [], true);
      } else if (isUnsupportedStepType(step.Type) && !isStubbed(options.stubs, step)) {
        const message = unsupportedStepMessage(step.Name, step.Type);
        // A warning has no hint: it carries the advice itself.
        if (inBranch) options.reporter?.warning?.({ stepName: step.Name, code: 'STEP_TYPE_NOT_LOCAL', message: `${message} (it will fail if its branch runs); ${stubAdvice(step.Name)}` });
        else always.push({ name: step.Name, message });
      }
    }
  };
  visit(options.definition.Steps, false);
  if (always.length > 0) {
    const names = always.map((step) => step.name);
    throw new SagesimError('STEP_TYPE_NOT_LOCAL', always.map((step) => step.message).join('\n'), {
      source: 'user',
      hint: `stubs stand in for steps that cannot run locally: ${names.map((name) => `--stub ${name}`).join(' ')}, --stubs stubs.json, or --stub-all`,
      harnessHint: `stubs stand in for steps that cannot run locally: \`run(definition, { stubs: { ${names.map((name) => `${JSON.stringify(name)}: {}`).join(', ')} } })\`, or \`stubAll: true\``,
    });
  }
}

function canProbe(store: ObjectStore): store is ObjectStore & { probe(timeoutMs: number, signal?: AbortSignal): Promise<void> } {
  return typeof (store as { probe?: unknown }).probe === 'function';
}

function sagesimImageFor(text: string, env: RunEnvironment): string | undefined {
  if (!/\.dkr\.ecr\.|^sagesim\//.test(text)) return undefined;
  try {
    const { localTag } = resolveImage(text, env.config, { isPresent: () => true });
    return localImageNameOf(localTag) ? localTag : undefined;
  } catch {
    // Not an image we map: the step's executor reports it with the step's name.
    return undefined;
  }
}

function* strings(value: JsonValue): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const item of value) yield* strings(item);
  else if (isJsonObject(value)) for (const item of Object.values(value)) yield* strings(item);
}
