// Preflight: every reason a run would fail for want of something outside the definition, found
// before any container starts and reported at once, each with its step, JSON path and a hint.
// Images neither mapped nor present, inputs at fixed URIs that nothing provides, Lambda functions
// with no local handler, step types that need a stub, parameters without values.
import type { SagesimConfig } from '../config.js';
import type { ParameterValue, PipelineDefinition } from '../engine/definition-types.js';
import { convertParameter, didYouMean } from '../engine/parameters.js';
import { type PipelineIo, locateSteps, pipelineIo, seedReads, under } from '../engine/pipeline-io.js';
import { type DefinitionProblem, isSagesimError } from '../errors.js';
import { findManifestFor, loadManifest } from '../fixtures/manifest.js';
import { localImageNameOf } from '../images/build-images.js';
import { imageNotMappedError, resolveImage } from '../images/image-mapping.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { ContainerRuntime } from '../ports/container-engine.js';
import { findLambdaHandler } from '../steps/lambda-executor.js';
import { isStubbed, type StubOptions } from '../steps/stub-executor.js';
import { isUnsupportedStepType, stubAdvice, unsupportedStepMessage } from '../steps/unsupported-executor.js';
import { PreflightError } from './preflight-error.js';
import { stepKind } from '../engine/step-kinds.js';



export interface PreflightOptions {
  readonly definition: PipelineDefinition;
  /** The definition's file: a manifest.json beside it counts as placing its objects. */
  readonly definitionFile?: string;
  readonly config: SagesimConfig;
  /** Values given for parameters (strings from --param are converted). @default {} */
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
  readonly stubs?: StubOptions;
  /** Where inputs are looked for; without it, S3 inputs are not checked. */
  readonly objectStore?: ObjectStore;
  /** Where images are looked for; without it, only mappings are checked. */
  readonly runtime?: ContainerRuntime;
  /** Ctrl-C: the Docker ping stops waiting at once. */
  readonly signal?: AbortSignal;
}

export interface PreflightReport {
  /** What stops the run. */
  readonly problems: readonly DefinitionProblem[];
  /** What may stop it if a condition branch runs. */
  readonly warnings: readonly DefinitionProblem[];
}


export async function preflight(options: PreflightOptions): Promise<PreflightReport> {
  const problems: DefinitionProblem[] = [];
  const warnings: DefinitionProblem[] = [];
  const given = options.parameters ?? {};
  problems.push(...parameterProblems(options.definition, given));
  const io = pipelineIo(options.definition, given);
  const located = locateSteps(options.definition);
  const stubbed = (name: string, type: Parameters<typeof isStubbed>[1]['Type']): boolean => isStubbed(options.stubs, { Name: name, Type: type });

  for (const { step, path, inBranch } of located) {
    if (stubbed(step.Name, step.Type)) continue;
    if (isUnsupportedStepType(step.Type)) {
      const problem: DefinitionProblem = {
        code: 'STEP_TYPE_NOT_LOCAL',
        path,
        step: step.Name,
        // A warning is printed without its hint: it carries the advice itself.
        message: inBranch ? `${unsupportedStepMessage(step.Name, step.Type)} (it fails if its branch runs); ${stubAdvice(step.Name)}` : unsupportedStepMessage(step.Name, step.Type),
        hint: `--stub ${step.Name}, --stubs stubs.json, or --stub-all`,
        harnessHint: `stub it: \`run(definition, { stubs: { ${JSON.stringify(step.Name)}: {} } })\`, or \`stubAll: true\``,
      };
      (inBranch ? warnings : problems).push(problem);
    }
    if (step.Type === 'Lambda' && findLambdaHandler(options.config.lambdas, step.FunctionArn) === undefined) {
      problems.push({
        code: 'LAMBDA_NOT_MAPPED',
        path: `${path}.FunctionArn`,
        step: step.Name,
        message: `Lambda function ${step.FunctionArn} has no local handler`,
        hint: `map it in sagesim.config.json: {"lambdas": {"${step.FunctionArn}": {"kind": "python", "file": "handler.py"}}} (or {"kind": "command", ...}), or stub the step: --stub ${step.Name}`,
        harnessHint: `map it in the environment's config: \`createTestEnvironment({ config: { lambdas: { '${step.FunctionArn}': { kind: 'python', file: 'handler.py' } } } })\`, or stub the step: \`run(definition, { stubs: { ${JSON.stringify(step.Name)}: {} } })\``,
      });
    }
  }

  problems.push(...(await imageProblems(io, options, stubbed)));
  if (options.objectStore) problems.push(...(await inputProblems(io, options, options.objectStore, stubbed)));
  return { problems, warnings };
}

/** Runs preflight and throws PreflightError when it found problems; warnings go to `warn`. */
export async function assertPreflight(options: PreflightOptions & { readonly warn?: (problem: DefinitionProblem) => void }): Promise<void> {
  const report = await preflight(options);
  for (const warning of report.warnings) options.warn?.(warning);
  if (report.problems.length > 0) throw new PreflightError(report.problems);
}

function parameterProblems(definition: PipelineDefinition, given: Readonly<Record<string, ParameterValue>>): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const declared = definition.Parameters ?? [];
  const names = declared.map((d) => d.Name);
  for (const name of Object.keys(given)) {
    if (names.includes(name)) continue;
    const suggestion = didYouMean(name, names);
    problems.push({
      code: 'UNKNOWN_PARAMETER',
      path: '$.Parameters',
      message: `unknown parameter "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
      hint: `declared: ${names.join(', ') || '(none)'}`,
    });
  }
  declared.forEach((declaration, i) => {
    const at = `$.Parameters[${i}]`;
    const value = given[declaration.Name];
    if (value === undefined) {
      if (declaration.DefaultValue === undefined) {
        problems.push({
          code: 'PARAMETER_WITHOUT_VALUE',
          path: at,
          message: `parameter "${declaration.Name}" (${declaration.Type}) has no default value and none was given`,
          hint: `give it: --param ${declaration.Name}=<value>, or in --params params.json`,
          harnessHint: `give it: \`run(definition, { parameters: { ${JSON.stringify(declaration.Name)}: <value> } })\``,
        });
      }
      return;
    }
    const converted = typeof value === 'string' ? convertParameter(declaration.Type, value) : value;
    if (typeof converted === 'object') {
      problems.push({
        code: 'INVALID_PARAMETER',
        path: at,
        message: `parameter "${declaration.Name}": ${converted.problem}`,
        hint: `--param ${declaration.Name}=<${declaration.Type}>`,
        harnessHint: `\`parameters: { ${JSON.stringify(declaration.Name)}: <${declaration.Type}> }\``,
      });
    } else if (declaration.EnumValues && !declaration.EnumValues.some((allowed) => allowed === converted)) {
      problems.push({
        code: 'INVALID_PARAMETER',
        path: at,
        message: `parameter "${declaration.Name}" is ${JSON.stringify(converted)}, not one of its EnumValues ${JSON.stringify(declaration.EnumValues)}`,
        hint: `--param ${declaration.Name}=<one of ${declaration.EnumValues.map(String).join(', ')}>`,
        harnessHint: `\`parameters: { ${JSON.stringify(declaration.Name)}: <one of ${declaration.EnumValues.map((allowed) => JSON.stringify(allowed)).join(', ')}> }\``,
      });
    }
  });
  return problems;
}

/** What each image of a step that will start a container runs as; problems for those that cannot. */
async function imageProblems(io: PipelineIo, options: PreflightOptions, stubbed: (name: string, type: PipelineIo['images'][number]['stepType']) => boolean): Promise<DefinitionProblem[]> {
  // Transform steps run the image of a model another step describes.
  const transformRuns = locateSteps(options.definition).some(({ step }) => stepKind(step.Type).image === 'model' && !stubbed(step.Name, step.Type));
  const needed = io.images.filter(
    (image) => image.origin.kind === 'fixed' && !stubbed(image.step, image.stepType) && (stepKind(image.stepType).image === 'arguments' || transformRuns),
  );
  const problems: DefinitionProblem[] = [];
  let dockerDown: string | undefined;
  let dockerHint: string | undefined;
  if (options.runtime && needed.length > 0) {
    try {
      await options.runtime.ping(options.signal ? { signal: options.signal } : {});
    } catch (error) {
      dockerDown = isSagesimError(error) ? error.message : String(error);
      dockerHint = isSagesimError(error) ? error.hint : undefined;
    }
  }
  const present = async (tag: string): Promise<boolean | undefined> => {
    if (!options.runtime || dockerDown !== undefined) return undefined;
    try {
      return await options.runtime.hasImage(tag);
    } catch (error) {
      dockerDown = isSagesimError(error) ? error.message : String(error);
      return undefined;
    }
  };
  const checked = new Map<string, Omit<DefinitionProblem, 'path'> | undefined>();
  for (const image of needed) {
    const key = image.uri;
    let problem = checked.get(key);
    if (!checked.has(key)) {
      problem = await imageProblem(image.uri, options.config, present);
      checked.set(key, problem);
    }
    if (problem) problems.push({ ...problem, path: image.path, step: image.step });
  }
  if (dockerDown !== undefined && needed.length > 0) {
    problems.push({
      code: 'DOCKER_UNAVAILABLE',
      path: '$',
      message: `Docker is needed by ${needed.length} step${needed.length === 1 ? '' : 's'} (${[...new Set(needed.map((image) => image.step))].join(', ')}) and does not answer: ${dockerDown}`,
      hint: dockerHint ?? 'start Docker, or point sagesim at its socket with DOCKER_HOST or "dockerSocket" in sagesim.config.json',
    });
  }
  return problems;
}

async function imageProblem(uri: string, config: SagesimConfig, present: (tag: string) => Promise<boolean | undefined>): Promise<Omit<DefinitionProblem, 'path'> | undefined> {
  let localTag: string;
  try {
    localTag = resolveImage(uri, config, { isPresent: () => false }).localTag;
  } catch (error) {
    if (!isSagesimError(error) || error.code !== 'IMAGE_NOT_MAPPED') throw error;
    // A registry address nobody mapped still runs when the user pulled it under that name.
    if ((await present(uri)) === true) return undefined;
    const notMapped = imageNotMappedError(uri);
    return {
      code: 'IMAGE_NOT_MAPPED',
      message: notMapped.message,
      ...(notMapped.hint ? { hint: notMapped.hint } : {}),
      harnessHint: `map it in the environment's config, e.g. \`createTestEnvironment({ docker: true, config: { images: { '${uri}': 'my/local-image:tag' } } })\`, then build or pull that local image`,
    };
  }
  // sagesim builds its own images before the first container starts.
  if (localImageNameOf(localTag)) return undefined;
  const found = await present(localTag);
  if (found !== false) return undefined;
  return {
    code: 'IMAGE_NOT_FOUND',
    message: `image ${uri} maps to ${localTag}, which is not present in Docker`,
    hint: `build or pull ${localTag} (\`docker build -t ${localTag} .\`), or change its mapping in sagesim.config.json "images"`,
    harnessHint: `build or pull ${localTag} (\`docker build -t ${localTag} .\`), or change its mapping: \`createTestEnvironment({ config: { images: { ... } } })\``,
  };
}

/** Inputs at fixed URIs that no step produces, the manifest does not place and S3 does not hold. */
async function inputProblems(
  io: PipelineIo,
  options: PreflightOptions,
  store: ObjectStore,
  stubbed: (name: string, type: PipelineIo['images'][number]['stepType']) => boolean,
): Promise<DefinitionProblem[]> {
  const typeOf = new Map(locateSteps(options.definition).map(({ step }) => [step.Name, step.Type]));
  const placed = manifestUris(options.definitionFile);
  const problems: DefinitionProblem[] = [];
  for (const read of seedReads(io)) {
    const type = typeOf.get(read.step);
    if (type === undefined || stubbed(read.step, type)) continue;
    if (placed.some((uri) => under(uri, read.uri) || under(read.uri, uri) || uri.startsWith(read.uri))) continue;
    const found = read.kind === 'S3Prefix' ? (await store.list(read.uri)).some((o) => !o.key.endsWith('/')) : await store.exists(read.uri);
    if (found) continue;
    problems.push({
      code: 'S3_INPUT_NOT_FOUND',
      path: read.path,
      step: read.step,
      message: `${read.uri} is read by step ${read.step}, but no step writes it and ${store.description} has ${read.kind === 'S3Prefix' ? 'no object under it' : 'no such object'}`,
      hint: `seed it: \`sagesim s3 cp ${looksLikeFolder(read) ? '--recursive <local folder>' : '<local file>'} ${read.uri}\`, or list it in a manifest.json beside the definition (\`sagesim inputs <definition>\` lists every input to seed)`,
      harnessHint: `place it before the run: \`await env.s3.put('${looksLikeFolder(read) ? `${read.uri.replace(/\/?$/, '/')}<key>` : read.uri}', body)\`, or seed a manifest that lists it: \`run(definition, { seed: 'manifest.json' })\` (\`sagesim inputs <definition>\` lists every input to seed)`,
    });
  }
  return problems;
}

function manifestUris(definitionFile: string | undefined): string[] {
  const file = definitionFile === undefined ? undefined : findManifestFor(definitionFile);
  if (file === undefined) return [];
  try {
    return loadManifest(file).entries.map((entry) => entry.uri);
  } catch {
    // A broken manifest fails the run when it is seeded, with its own problems listed.
    return [];
  }
}

/** A prefix input ending in a slash or in a name without an extension is most likely a folder. */
function looksLikeFolder(read: { readonly uri: string; readonly kind: string }): boolean {
  if (read.kind !== 'S3Prefix') return false;
  const last = read.uri.endsWith('/') ? '' : (read.uri.split('/').pop() ?? '');
  return !last.includes('.');
}
