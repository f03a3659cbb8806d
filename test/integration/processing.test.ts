// A Processing step in real Docker through the embedded S3: a scikit-learn-image script reads its
// staged input and config files and writes outputs that land in S3; a script that raises, and one
// that runs out of memory, fail with reasons a user can act on; no container is left behind.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobStep } from '../../src/engine/definition-types.js';
import type { JsonObject } from '../../src/engine/json.js';
import { StepFailure, StoppedError } from '../../src/errors.js';
import { DEFAULT_PIDS_LIMIT } from '../../src/adapters/docker/container-options.js';
import { jobHarness, SKLEARN_URI, testBucket, type JobHarness } from './support/job-harness.js';

const SCRIPT = `
import json, os, sys
import pandas as pd
config = json.load(open('/opt/ml/config/processingjobconfig.json'))
resource = json.load(open('/opt/ml/config/resourceconfig.json'))
df = pd.read_csv('/opt/ml/processing/input/data/data.csv')
print('rows', len(df), 'host', resource['current_host'], 'job', os.environ['PROCESSING_JOB_NAME'])
print('mode\\t' + os.environ.get('MODE', ''), file=sys.stderr)
os.makedirs('/opt/ml/processing/train', exist_ok=True)
df[df.x < 3].to_csv('/opt/ml/processing/train/train.csv', index=False)
df[df.x >= 3].to_csv('/opt/ml/processing/test/test.csv', index=False)
json.dump({'job': config['ProcessingJobName'], 'inputs': [i['InputName'] for i in config['ProcessingInputs']],
           'has_key': os.environ.get('AWS_ACCESS_KEY_ID'), 'endpoint': os.environ.get('AWS_ENDPOINT_URL')},
          open('/opt/ml/processing/test/meta.json', 'w'))
`;

const FAILING = `
import pandas as pd
print('loading')
def load():
    raise ValueError('column "price" is missing from the input')
load()
`;

/** Leaves links to a host-only file where outputs are uploaded from and where the exit message is read. */
const LINKS_OUT = `
import os, sys
secret = sys.argv[1]
assert not os.path.exists(secret), 'the host file must not be visible in the container'
os.makedirs('/opt/ml/processing/train', exist_ok=True)
open('/opt/ml/processing/train/train.csv', 'w').write('x\\n1\\n')
os.symlink(secret, '/opt/ml/processing/train/stolen.txt')
os.symlink(os.path.dirname(secret), '/opt/ml/processing/test/stolen-dir')
os.makedirs('/opt/ml/output', exist_ok=True)
os.symlink(secret, '/opt/ml/output/message')
# What the container runs with, read from the inside.
status = open('/proc/self/status').read()
no_new_privs = [line.split()[1] for line in status.splitlines() if line.startswith('NoNewPrivs')][0]
pids_max = open('/sys/fs/cgroup/pids.max').read().strip() if os.path.exists('/sys/fs/cgroup/pids.max') else open('/sys/fs/cgroup/pids/pids.max').read().strip()
open('/opt/ml/processing/test/hygiene.txt', 'w').write(f'{no_new_privs} {pids_max}')
`;

function processingStep(bucket: string, code: string, overrides: JsonObject = {}): JobStep {
  return {
    Name: 'Preprocess',
    Type: 'Processing',
    Arguments: {
      ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } },
      AppSpecification: { ImageUri: SKLEARN_URI, ContainerEntrypoint: ['python3', `/opt/ml/processing/input/code/${code}`] },
      RoleArn: 'arn:aws:iam::111122223333:role/SageMakerRole',
      ProcessingInputs: [
        { InputName: 'data', S3Input: { S3Uri: `s3://${bucket}/raw`, LocalPath: '/opt/ml/processing/input/data', S3DataType: 'S3Prefix', S3InputMode: 'File' } },
        { InputName: 'code', S3Input: { S3Uri: `s3://${bucket}/code/${code}`, LocalPath: '/opt/ml/processing/input/code', S3DataType: 'S3Prefix', S3InputMode: 'File' } },
      ],
      ProcessingOutputConfig: {
        Outputs: [
          { OutputName: 'train', S3Output: { S3Uri: `s3://${bucket}/out/train`, LocalPath: '/opt/ml/processing/train', S3UploadMode: 'EndOfJob' } },
          { OutputName: 'test', S3Output: { S3Uri: `s3://${bucket}/out/test`, LocalPath: '/opt/ml/processing/test', S3UploadMode: 'EndOfJob' } },
        ],
      },
      Environment: { MODE: 'full' },
      ...overrides,
    },
  };
}

describe('Processing step in Docker', { timeout: 300_000 }, () => {
  let harness: JobHarness;
  let bucket: string;

  beforeAll(async () => {
    harness = await jobHarness();
    bucket = testBucket();
    await harness.store.put(`s3://${bucket}/raw/data.csv`, 'x,y\n1,10\n2,20\n3,30\n4,40\n');
    await harness.store.put(`s3://${bucket}/code/preprocess.py`, SCRIPT);
    await harness.store.put(`s3://${bucket}/code/failing.py`, FAILING);
    await harness.store.put(`s3://${bucket}/code/links-out.py`, LINKS_OUT);
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('stages inputs, runs the script, uploads the outputs and leaves no container behind', async () => {
    const context = await harness.context(processingStep(bucket, 'preprocess.py'));
    const result = await harness.executor('Processing').execute(context);

    expect((await harness.store.get(`s3://${bucket}/out/train/train.csv`)).toString()).toBe('x,y\n1,10\n2,20\n');
    expect((await harness.store.get(`s3://${bucket}/out/test/test.csv`)).toString()).toBe('x,y\n3,30\n4,40\n');
    const meta = JSON.parse((await harness.store.get(`s3://${bucket}/out/test/meta.json`)).toString()) as JsonObject;
    expect(meta).toEqual({ job: context.jobName, inputs: ['data', 'code'], has_key: 'sagesim', endpoint: harness.store.endpoint });
    expect(context.logs).toContain(`rows 4 host algo-1 job ${context.jobName}`);
    expect(context.logs).toContain('mode\tfull');
    expect(result.properties).toMatchObject({ ProcessingJobName: context.jobName, ProcessingJobStatus: 'Completed' });
    expect(await harness.runtime.sweep({ executionId: context.execution.executionId })).toBe(0);
  });

  it('a link a step leaves to a host-only file is neither uploaded nor read as the exit message', async () => {
    const hostDir = await mkdtemp(path.join(tmpdir(), 'sagesim-host-only-'));
    const secret = path.join(hostDir, 'credentials');
    await writeFile(secret, 'host secret');
    try {
      const step = processingStep(bucket, 'links-out.py');
      const app = step.Arguments['AppSpecification'] as JsonObject;
      app['ContainerEntrypoint'] = ['python3', '/opt/ml/processing/input/code/links-out.py', secret];
      // Its own prefix: the other tests write under out/.
      for (const output of (step.Arguments['ProcessingOutputConfig'] as { Outputs: { S3Output: { S3Uri: string } }[] }).Outputs) {
        output.S3Output.S3Uri = output.S3Output.S3Uri.replace('/out/', '/links/');
      }
      const context = await harness.context(step);
      const result = await harness.executor('Processing').execute(context);

      const uploaded = (await harness.store.list(`s3://${bucket}/links/`)).map((o) => o.key).sort();
      expect(uploaded).toEqual(['links/test/hygiene.txt', 'links/train/train.csv']);
      for (const key of uploaded) expect((await harness.store.get(`s3://${bucket}/${key}`)).toString()).not.toContain('host secret');
      expect(result.properties['ExitMessage']).toBe('');
      const log = context.logs.join('\n');
      expect(log).toMatch(/output "train": not uploaded: stolen.txt: symbolic link to .*credentials leads out of the folder/);
      expect(log).toMatch(/output "test": not uploaded: stolen-dir: symbolic link/);
      expect(log).toContain('/opt/ml/output/message is a symbolic link: not read');
      // The job container ran without new privileges and under the pids limit.
      expect((await harness.store.get(`s3://${bucket}/links/test/hygiene.txt`)).toString()).toBe(`1 ${DEFAULT_PIDS_LIMIT}`);
      expect(await harness.runtime.sweep({ executionId: context.execution.executionId })).toBe(0);
    } finally {
      await rm(hostDir, { recursive: true, force: true });
    }
  });

  it('a script that raises: FailureReason has the exit code, the traceback and the logs command', async () => {
    const context = await harness.context(processingStep(bucket, 'failing.py'));
    const error = (await harness.executor('Processing').execute(context).catch((e: unknown) => e)) as StepFailure;
    expect(error).toBeInstanceOf(StepFailure);
    expect(error.exceptionType).toBeUndefined();
    expect(error.message).toContain('exited with code 1');
    expect(error.message).toContain('ValueError: column "price" is missing from the input');
    expect(error.message).toContain(`sagesim logs ${context.execution.executionId} Preprocess`);
    expect(await harness.runtime.sweep({ executionId: context.execution.executionId })).toBe(0);
  });

  it('a container killed by its memory limit is reported as 137, out of memory', async () => {
    const step = processingStep(bucket, 'failing.py', {
      AppSpecification: { ImageUri: SKLEARN_URI, ContainerEntrypoint: ['python3', '-c', "print('allocating', flush=True); x = bytearray(500 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096])"] },
      ProcessingInputs: [],
      ProcessingOutputConfig: { Outputs: [] },
    });
    const context = await harness.context(step);
    const executor = harness.executor('Processing', { memoryLimit: () => 64 * 1024 * 1024 });
    const error = (await executor.execute(context).catch((e: unknown) => e)) as StepFailure;
    expect(error).toBeInstanceOf(StepFailure);
    expect(error.message).toContain('exited with code 137');
    expect(error.message).toContain('out of memory');
    expect(error.message).toContain('limit 64 MiB');
    expect(await harness.runtime.sweep({ executionId: context.execution.executionId })).toBe(0);
  });

  it('a missing input fails before any container starts, naming the input and URI', async () => {
    const step = processingStep(bucket, 'preprocess.py');
    (step.Arguments['ProcessingInputs'] as JsonObject[])[0] = {
      InputName: 'data',
      S3Input: { S3Uri: `s3://${bucket}/nothing-here`, LocalPath: '/opt/ml/processing/input/data', S3DataType: 'S3Prefix', S3InputMode: 'File' },
    };
    const context = await harness.context(step);
    await expect(harness.executor('Processing').execute(context)).rejects.toThrow(`input "data" has no objects at s3://${bucket}/nothing-here`);
  });

  it('stopping the execution stops and removes the container', async () => {
    const step = processingStep(bucket, 'preprocess.py', {
      AppSpecification: { ImageUri: SKLEARN_URI, ContainerEntrypoint: ['python3', '-c', "import time; print('started', flush=True); time.sleep(120)"] },
      ProcessingInputs: [],
      ProcessingOutputConfig: { Outputs: [] },
    });
    const context = await harness.context(step);
    const running = harness.executor('Processing').execute({ ...context, log: (line) => (line === 'started' ? context.controller.abort() : undefined) });
    const started = Date.now();
    await expect(running).rejects.toBeInstanceOf(StoppedError);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await harness.runtime.sweep({ executionId: context.execution.executionId })).toBe(0);
  });
});
