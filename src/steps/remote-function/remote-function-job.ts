// `@step` function steps are Training jobs whose entry point is the SDK's job driver: the container
// runs the SDK's own bootstrap and invoke_function, so it needs the `sagemaker` package. sagesim
// mounts the user's SDK (as their Python found it) read-only: pure-Python modules first on
// PYTHONPATH, compiled ones after the image's own packages, so the image's numpy wins over the host's.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SagesimError } from '../../errors.js';
import type { ContainerMount } from '../../ports/container-engine.js';
import { type LocatedSdk, SDK_HINT } from './sdk-locator.js';

/** The channel the SDK uploads its runtime scripts to, and the driver ContainerEntrypoint runs. */
export const RUNTIME_SCRIPTS_CHANNEL = 'sagemaker_remote_function_bootstrap';
const JOB_DRIVER_SUFFIX = `/opt/ml/input/data/${RUNTIME_SCRIPTS_CHANNEL}/job_driver.sh`;

/** Where the SDK's modules appear in the container. */
export const SDK_SITE_DIR = '/opt/sagesim/sdk/site';
export const SDK_FALLBACK_DIR = '/opt/sagesim/sdk/fallback';

/** botocore honours AWS_ENDPOINT_URL (so the runtime reaches sagesim's S3) from 1.31 on. */
const MIN_BOTOCORE: readonly [number, number] = [1, 31];

/** True when a training job's ContainerEntrypoint runs the SDK's remote-function job driver. */
export function isRemoteFunctionJob(entrypoint: readonly string[] | undefined): boolean {
  return entrypoint?.some((part) => part.endsWith(JOB_DRIVER_SUFFIX)) === true;
}

export interface RemoteFunctionSetup {
  readonly mounts: readonly ContainerMount[];
  /** Added to the job's environment (the step's own PYTHONPATH is kept, after the SDK's). */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Checks the located SDK can run what the definition asks (the Python minor version the function
 * was pickled with, a botocore that honours AWS_ENDPOINT_URL) and returns the mounts and
 * environment that put it on the container's PYTHONPATH. `hostDir` receives a sitecustomize.py.
 */
export async function prepareRemoteFunction(options: {
  readonly sdk: LocatedSdk;
  readonly stepName: string;
  readonly containerArguments: readonly string[] | undefined;
  readonly stepEnvironment: Readonly<Record<string, string>>;
  readonly hostDir: string;
  readonly mock: boolean;
}): Promise<RemoteFunctionSetup> {
  const { sdk, stepName } = options;
  const clientPython = argumentValue(options.containerArguments, '--client_python_version');
  if (clientPython !== undefined && clientPython.trim() !== sdk.pythonVersion) {
    throw new SagesimError(
      'SDK_PYTHON_MISMATCH',
      `step "${stepName}": the @step function was serialized by Python ${clientPython.trim()} (the definition's --client_python_version), but the SDK sagesim found runs Python ${sdk.pythonVersion} (${sdk.source})`,
      { source: 'user', hint: `run sagesim with the SDK of a Python ${clientPython.trim()}: ${SDK_HINT}. The job's image must have Python ${clientPython.trim()} too (sagesim's images have 3.11)` },
    );
  }
  if (!atLeast(sdk.botocoreVersion, MIN_BOTOCORE)) {
    throw new SagesimError(
      'SDK_BOTOCORE_TOO_OLD',
      `step "${stepName}": the SDK sagesim found (${sdk.source}) comes with botocore ${sdk.botocoreVersion}, which ignores AWS_ENDPOINT_URL, so the function could not reach sagesim's S3`,
      { source: 'user', hint: `upgrade boto3/botocore to ${MIN_BOTOCORE.join('.')} or later for that Python (the SDK asks for a newer one anyway); ${SDK_HINT}` },
    );
  }

  const compiledNames = new Set(sdk.modules.filter((module) => module.compiled).map((module) => normalize(module.name)));
  const mounts: ContainerMount[] = [];
  const taken = new Set<string>();
  const mount = (hostPath: string, dir: string): void => {
    const name = path.basename(hostPath);
    const containerPath = `${dir}/${name}`;
    // Two distributions can share a folder name only in a broken installation: the first wins.
    if (name === '' || name === '.' || name === '..' || taken.has(containerPath)) return;
    taken.add(containerPath);
    mounts.push({ hostPath, containerPath, readOnly: true });
  };
  for (const module of sdk.modules) mount(module.path, module.compiled ? SDK_FALLBACK_DIR : SDK_SITE_DIR);
  for (const distribution of sdk.distributions) {
    const project = normalize(path.basename(distribution).split('-')[0] ?? '');
    mount(distribution, compiledNames.has(project) ? SDK_FALLBACK_DIR : SDK_SITE_DIR);
  }
  // Python imports sitecustomize from PYTHONPATH at start-up: it appends the compiled modules'
  // folder, so they are used only where the image has no copy of its own.
  const siteCustomize = path.join(options.hostDir, 'sitecustomize.py');
  await writeFile(siteCustomize, `# Written by sagesim: the SDK's compiled dependencies come after the image's own.\nimport sys\nsys.path.append(${JSON.stringify(SDK_FALLBACK_DIR)})\n`);
  mounts.push({ hostPath: siteCustomize, containerPath: `${SDK_SITE_DIR}/sitecustomize.py`, readOnly: true });

  const stepPythonPath = options.stepEnvironment['PYTHONPATH'];
  const env: Record<string, string> = {
    PYTHONPATH: stepPythonPath ? `${SDK_SITE_DIR}:${stepPythonPath}` : SDK_SITE_DIR,
    // Debian's protobuf binds a system library the image lacks; pure Python reads the same data.
    PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION: options.stepEnvironment['PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION'] ?? 'python',
  };
  // No instance metadata service locally: without this, `import sagemaker` waits for it.
  if (options.mock) env['AWS_EC2_METADATA_DISABLED'] = 'true';
  return { mounts, env };
}

/**
 * The SDK's own failure text, with what to do when it is about the image's Python (the SDK's
 * bootstrap compares the container's minor version with the client's).
 */
export function explainRemoteFunctionFailure(failureText: string, imageUri: string, localImage: string): string {
  const mismatch = /Python version found in the container is '([^']+)' which does not match python version '([^']+)'/.exec(failureText);
  if (mismatch === null) return failureText;
  const [, container = '?', client = '?'] = mismatch;
  return `${failureText}\nsagesim: the image ${localImage} (for ${imageUri}) has Python ${container}, the function was serialized by Python ${client}: map ${imageUri} to an image with Python ${client} ("images" in sagesim.config.json), or build the pipeline with Python ${container}.`;
}

function argumentValue(args: readonly string[] | undefined, flag: string): string | undefined {
  if (args === undefined) return undefined;
  const index = args.indexOf(flag);
  return index >= 0 ? args[index + 1] : undefined;
}

function atLeast(version: string, minimum: readonly [number, number]): boolean {
  const [major = 0, minor = 0] = version.split('.').map((part) => Number.parseInt(part, 10));
  return major > minimum[0] || (major === minimum[0] && minor >= minimum[1]);
}

/** PEP 503 normalisation, so `PyYAML` and `pyyaml`, `python_dateutil` and `python-dateutil` match. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}
