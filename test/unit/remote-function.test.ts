// `@step` function steps: finding the user's SDK (a fake Python answers the probe), checking it can
// run the definition, and the container a Training step with the SDK's job driver gets.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobStep } from '../../src/engine/definition-types.js';
import type { JsonObject } from '../../src/engine/json.js';
import { SagesimError, StepFailure } from '../../src/errors.js';
import { MemoryObjectStore } from '../../src/mock-aws/memory-object-store.js';
import { isRemoteFunctionJob, prepareRemoteFunction, SDK_FALLBACK_DIR, SDK_SITE_DIR } from '../../src/steps/remote-function/remote-function-job.js';
import { PROBE_MARKER } from '../../src/steps/remote-function/sdk-probe-script.js';
import { type CommandRunner, type LocatedSdk, PythonSdkLocator, type SdkLocator } from '../../src/steps/remote-function/sdk-locator.js';
import { TrainingExecutor } from '../../src/steps/training-executor.js';
import { executorContext } from './support/executor-context.js';
import { jobDeps } from './support/job-deps.js';

const JOB_DRIVER = ['/bin/bash', '/opt/ml/input/data/sagemaker_remote_function_bootstrap/job_driver.sh'];

const SDK: LocatedSdk = {
  pythonVersion: '3.11',
  sagemakerVersion: '2.230.0',
  botocoreVersion: '1.35.8',
  modules: [
    { name: 'sagemaker', path: '/sdk/src/sagemaker', compiled: false },
    { name: 'botocore', path: '/sdk/site/botocore', compiled: false },
    { name: 'six', path: '/usr/lib/python3/dist-packages/six.py', compiled: false },
    { name: 'yaml', path: '/usr/lib/python3/dist-packages/yaml', compiled: true },
  ],
  distributions: ['/sdk/site/sagemaker-2.230.0.dist-info', '/usr/lib/python3/dist-packages/yaml-6.0.dist-info'],
  source: 'python3 (/usr/bin/python3)',
};

function fakePython(answer: string | { spawnError: string }): { runner: CommandRunner; calls: { command: string; env: Readonly<Record<string, string>> }[] } {
  const calls: { command: string; env: Readonly<Record<string, string>> }[] = [];
  const runner: CommandRunner = (command, _args, env) => {
    calls.push({ command, env });
    if (typeof answer !== 'string') return Promise.resolve({ exitCode: null, stdout: '', stderr: '', spawnError: answer.spawnError });
    return Promise.resolve({ exitCode: 0, stdout: `sagemaker.config INFO - noise\n${answer}\n`, stderr: '' });
  };
  return { runner, calls };
}

describe('finding the user\'s SDK', () => {
  const config = { python: '/venv/bin/python', pythonPath: ['/sdk/site', '/sdk/src'] };

  it('asks the configured Python, with the configured folders on PYTHONPATH, once per run', async () => {
    const answer = { python: '3.11', executable: '/venv/bin/python', sagemaker: '2.230.0', botocore: '1.35.8', modules: SDK.modules, distributions: SDK.distributions };
    const { runner, calls } = fakePython(`${PROBE_MARKER}${JSON.stringify(answer)}`);
    const locator = new PythonSdkLocator(config, runner);
    const [first, second] = await Promise.all([locator.locate(), locator.locate()]);
    expect(first).toBe(second);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.command).toBe('/venv/bin/python');
    expect(calls[0]?.env['PYTHONPATH']).toBe(['/sdk/site', '/sdk/src'].join(path.delimiter));
    expect(calls[0]?.env['AWS_EC2_METADATA_DISABLED']).toBe('true');
    expect(first).toMatchObject({ pythonVersion: '3.11', sagemakerVersion: '2.230.0', botocoreVersion: '1.35.8', modules: SDK.modules });
  });

  it.each([
    ['a Python that does not exist', { spawnError: 'ENOENT' }, /cannot run \/venv\/bin\/python \(ENOENT\)/],
    ['a Python without the SDK', `${PROBE_MARKER}${JSON.stringify({ python: '3.11', error: "ModuleNotFoundError: No module named 'sagemaker'" })}`, /cannot import the SDK: ModuleNotFoundError: No module named 'sagemaker'/],
    ['a Python that crashes', 'Segmentation fault', /exited with 0 without answering/],
  ])('%s is SDK_NOT_FOUND, saying how to point sagesim at an SDK', async (_label, answer, message) => {
    const locator = new PythonSdkLocator(config, fakePython(answer).runner);
    const error = await locator.locate().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SagesimError);
    expect(error).toMatchObject({ code: 'SDK_NOT_FOUND', source: 'user' });
    expect((error as SagesimError).message).toMatch(message);
    expect((error as SagesimError).hint).toMatch(/SAGESIM_SDK_PYTHON=.*SAGESIM_SDK_PYTHONPATH=.*"sagemakerSdk"/);
  });
});

describe('what a @step job container gets', () => {
  it('recognises the SDK\'s job driver as the entry point', () => {
    expect(isRemoteFunctionJob(JOB_DRIVER)).toBe(true);
    expect(isRemoteFunctionJob(['python3', 'train.py'])).toBe(false);
    expect(isRemoteFunctionJob(undefined)).toBe(false);
  });

  it('mounts pure-Python modules first on PYTHONPATH and compiled ones after the image\'s own', async () => {
    const hostDir = await mkdtemp(path.join(tmpdir(), 'rf-'));
    const setup = await prepareRemoteFunction({ sdk: SDK, stepName: 'generate', containerArguments: ['--client_python_version', '3.11'], stepEnvironment: { PYTHONPATH: '/opt/ml/code' }, hostDir, mock: true });
    expect(setup.mounts).toEqual(
      expect.arrayContaining([
        { hostPath: '/sdk/src/sagemaker', containerPath: `${SDK_SITE_DIR}/sagemaker`, readOnly: true },
        { hostPath: '/usr/lib/python3/dist-packages/six.py', containerPath: `${SDK_SITE_DIR}/six.py`, readOnly: true },
        { hostPath: '/usr/lib/python3/dist-packages/yaml', containerPath: `${SDK_FALLBACK_DIR}/yaml`, readOnly: true },
        { hostPath: '/sdk/site/sagemaker-2.230.0.dist-info', containerPath: `${SDK_SITE_DIR}/sagemaker-2.230.0.dist-info`, readOnly: true },
        { hostPath: '/usr/lib/python3/dist-packages/yaml-6.0.dist-info', containerPath: `${SDK_FALLBACK_DIR}/yaml-6.0.dist-info`, readOnly: true },
        { hostPath: path.join(hostDir, 'sitecustomize.py'), containerPath: `${SDK_SITE_DIR}/sitecustomize.py`, readOnly: true },
      ]),
    );
    expect(setup.mounts.every((mount) => mount.readOnly)).toBe(true);
    expect(await readFile(path.join(hostDir, 'sitecustomize.py'), 'utf8')).toContain(`sys.path.append("${SDK_FALLBACK_DIR}")`);
    expect(setup.env).toMatchObject({ PYTHONPATH: `${SDK_SITE_DIR}:/opt/ml/code`, AWS_EC2_METADATA_DISABLED: 'true' });
  });

  it('refuses an SDK of another Python minor version than the one that serialized the function', async () => {
    const hostDir = await mkdtemp(path.join(tmpdir(), 'rf-'));
    const error = await prepareRemoteFunction({ sdk: SDK, stepName: 'generate', containerArguments: ['--client_python_version', '3.12'], stepEnvironment: {}, hostDir, mock: true }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SDK_PYTHON_MISMATCH', source: 'user' });
    expect((error as SagesimError).message).toMatch(/serialized by Python 3\.12 .* runs Python 3\.11/);
    expect((error as SagesimError).hint).toMatch(/SDK of a Python 3\.12/);
  });

  it('refuses a botocore that ignores AWS_ENDPOINT_URL', async () => {
    const hostDir = await mkdtemp(path.join(tmpdir(), 'rf-'));
    const error = await prepareRemoteFunction({ sdk: { ...SDK, botocoreVersion: '1.29.165' }, stepName: 'generate', containerArguments: [], stepEnvironment: {}, hostDir, mock: true }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SDK_BOTOCORE_TOO_OLD', source: 'user' });
    expect((error as SagesimError).message).toMatch(/botocore 1\.29\.165, which ignores AWS_ENDPOINT_URL/);
  });
});

describe('a Training step running the SDK\'s job driver', () => {
  const args: JsonObject = {
    AlgorithmSpecification: {
      TrainingImage: 'sagesim/sklearn:latest',
      TrainingInputMode: 'File',
      ContainerEntrypoint: JOB_DRIVER,
      ContainerArguments: ['--s3_base_uri', 's3://bucket/p', '--region', 'us-east-1', '--client_python_version', '3.11'],
    },
    InputDataConfig: [{ ChannelName: 'sagemaker_remote_function_bootstrap', DataSource: { S3DataSource: { S3Uri: 's3://bucket/p/sagemaker_remote_function_bootstrap', S3DataType: 'S3Prefix' } } }],
    OutputDataConfig: { S3OutputPath: 's3://bucket/p/exec/generate/results' },
    ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 30 },
    StoppingCondition: { MaxRuntimeInSeconds: 86400 },
    Environment: { REMOTE_FUNCTION_SECRET_KEY: 'k' },
  };
  const step: JobStep = { Name: 'generate', Type: 'Training', Arguments: args };

  async function run(sdk: SdkLocator | undefined) {
    const objectStore = new MemoryObjectStore();
    await objectStore.put('s3://bucket/p/sagemaker_remote_function_bootstrap/job_driver.sh', 'echo hi\n');
    const deps = jobDeps(undefined, sdk === undefined ? {} : { sdk });
    const context = await executorContext(step, { objectStore });
    const outcome = await new TrainingExecutor(deps).execute(context).catch((caught: unknown) => caught);
    return { outcome, spec: deps.runtime.specs[0] };
  }

  it('runs the driver with the SDK mounted and on PYTHONPATH', async () => {
    const { outcome, spec } = await run({ locate: () => Promise.resolve(SDK) });
    expect(outcome).not.toBeInstanceOf(Error);
    expect(spec?.entrypoint).toEqual(JOB_DRIVER);
    expect(spec?.env).toMatchObject({ PYTHONPATH: SDK_SITE_DIR, REMOTE_FUNCTION_SECRET_KEY: 'k', AWS_ENDPOINT_URL: 'http://127.0.0.1:4569' });
    expect(spec?.mounts).toContainEqual({ hostPath: '/sdk/src/sagemaker', containerPath: `${SDK_SITE_DIR}/sagemaker`, readOnly: true });
  });

  it('fails as the user\'s error, before any container, when no SDK is found', async () => {
    const missing = new SagesimError('SDK_NOT_FOUND', 'it runs the SageMaker Python SDK\'s own runtime, and sagesim found no SDK: cannot run python3 (ENOENT)', { source: 'user', hint: 'point sagesim at one' });
    const { outcome, spec } = await run({ locate: () => Promise.reject(missing) });
    expect(spec).toBeUndefined();
    expect(outcome).toBeInstanceOf(StepFailure);
    expect(outcome).toMatchObject({ code: 'SDK_NOT_FOUND', source: 'user' });
    expect((outcome as StepFailure).message).toBe(
      "ClientError: step \"generate\" is a @step function step: it runs the SageMaker Python SDK's own runtime, and sagesim found no SDK: cannot run python3 (ENOENT) (point sagesim at one)",
    );
  });
});

describe('the SDK\'s failure about the image\'s Python', () => {
  it('FailureReason keeps the SDK\'s text and says what to do', async () => {
    const failing = jobDeps(
      async (container) => {
        await writeFile(
          container.hostPath('/opt/ml/output/failure'),
          "RuntimeEnvironmentError: Python version found in the container is '3.11' which does not match python version '3.12' on the local client. Please make sure that the python version used in the training container is same as the local python version.",
        );
        return { exitCode: 1 };
      },
      { sdk: { locate: () => Promise.resolve({ ...SDK, pythonVersion: '3.12' }) } },
    );
    const step: JobStep = {
      Name: 'generate',
      Type: 'Training',
      Arguments: {
        AlgorithmSpecification: { TrainingImage: 'sagesim/sklearn:latest', TrainingInputMode: 'File', ContainerEntrypoint: JOB_DRIVER, ContainerArguments: ['--client_python_version', '3.12'] },
        OutputDataConfig: { S3OutputPath: 's3://bucket/p/results' },
        ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 30 },
      },
    };
    const error = await new TrainingExecutor(failing).execute(await executorContext(step)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StepFailure);
    expect((error as StepFailure).message).toContain("Python version found in the container is '3.11'");
    expect((error as StepFailure).message).toContain('sagesim: the image sagesim/sklearn:latest (for sagesim/sklearn:latest) has Python 3.11, the function was serialized by Python 3.12: map sagesim/sklearn:latest to an image with Python 3.12');
  });
});
