// A script-mode source directory's requirements.txt in real Docker: installed with pip before the
// entry point from the `pipWheels` folder; offline without it, the failure names the file and says
// how to give the wheels.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { create as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobStep } from '../../src/engine/definition-types.js';
import { StepFailure } from '../../src/errors.js';
import { jobHarness, SKLEARN_URI, testBucket, type JobHarness } from './support/job-harness.js';
import { xgboostTrainingArguments, regressionCsv } from './support/xgboost-job.js';

/** Writes a minimal pure-Python wheel (what `pip download` would have fetched) into `dir`. */
function writeWheel(dir: string): void {
  const script = String.raw`
import base64, hashlib, sys, zipfile
files = {
    "sagesim_hello/__init__.py": b"def greet():\n    return 'hi from a local wheel'\n",
    "sagesim_hello-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: sagesim-hello\nVersion: 1.0\n",
    "sagesim_hello-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: sagesim-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
def record(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (name, digest, len(data))
lines = [record(n, d) for n, d in files.items()] + ["sagesim_hello-1.0.dist-info/RECORD,,"]
with zipfile.ZipFile(sys.argv[1] + "/sagesim_hello-1.0-py3-none-any.whl", "w") as wheel:
    for name, data in files.items():
        wheel.writestr(name, data)
    wheel.writestr("sagesim_hello-1.0.dist-info/RECORD", "\n".join(lines) + "\n")
`;
  execFileSync('python3', ['-c', script, dir]);
}

describe('requirements.txt in a script-mode source directory', { timeout: 300_000 }, () => {
  let harness: JobHarness;
  let bucket: string;
  let wheels: string;

  beforeAll(async () => {
    harness = await jobHarness();
    bucket = testBucket();
    await harness.store.put(`s3://${bucket}/data/train/train.csv`, regressionCsv(20, 1));
    await harness.store.put(`s3://${bucket}/data/validation/validation.csv`, regressionCsv(10, 2));
    const src = await mkdtemp(path.join(harness.root, 'src-'));
    await writeFile(path.join(src, 'train.py'), 'import sagesim_hello\nprint("hello says", sagesim_hello.greet())\n');
    await writeFile(path.join(src, 'requirements.txt'), 'sagesim-hello==1.0\n');
    await createTar({ gzip: true, file: path.join(src, 'sourcedir.tar.gz'), cwd: src }, ['train.py', 'requirements.txt']);
    await harness.store.put(`s3://${bucket}/code/sourcedir.tar.gz`, await readFile(path.join(src, 'sourcedir.tar.gz')));
    wheels = path.join(harness.root, 'wheels');
    await mkdir(wheels);
    writeWheel(wheels);
  });

  afterAll(async () => {
    await harness?.close();
  });

  const step = (): JobStep => ({
    Name: 'TrainWithRequirements',
    Type: 'Training',
    Arguments: {
      ...xgboostTrainingArguments(bucket, { sagemaker_program: '"train.py"', sagemaker_submit_directory: `"s3://${bucket}/code/sourcedir.tar.gz"` }),
      AlgorithmSpecification: { TrainingImage: SKLEARN_URI, TrainingInputMode: 'File' },
    },
  });

  it('installs them from the pipWheels folder before the entry point runs', async () => {
    const context = await harness.context(step());
    const result = await harness.executor('Training', { config: { ...harness.config, pipWheels: wheels } }).execute(context);
    expect(result.properties['TrainingJobStatus']).toBe('Completed');
    expect(context.logs).toContain('Successfully installed sagesim-hello-1.0');
    expect(context.logs).toContain('hello says hi from a local wheel');
    expect(await harness.runtime.sweep({ executionId: context.execution.executionId })).toBe(0);
  });

  it('offline without wheels: InstallRequirementsError naming requirements.txt and how to give a wheel folder', async () => {
    const context = await harness.context(step());
    const error = (await harness.executor('Training').execute(context).catch((e: unknown) => e)) as StepFailure;
    expect(error).toBeInstanceOf(StepFailure);
    expect(error.message).toContain('InstallRequirementsError:');
    expect(error.message).toContain('No matching distribution found for sagesim-hello==1.0');
    expect(error.message).toMatch(/pip could not install requirements\.txt \(from s3:\/\/.*\/code\/sourcedir\.tar\.gz\)/);
    expect(error.message).toContain('"pipWheels": "<folder>"');
    expect(context.logs).not.toContain('hello says hi from a local wheel');
    expect(await harness.runtime.sweep({ executionId: context.execution.executionId })).toBe(0);
  });
});
