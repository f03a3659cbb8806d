// The SageMakerControl contract against the AWS SDK adapter (the one `run --no-mock` uses), on
// `sagesim serve`'s SageMaker API and on moto's server: where both implement a call, they agree.
// The fake's run is test/unit/sagemaker-control-contract.test.ts.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { createSdkControl } from '../../src/remote/sagemaker-control.js';
import { describeSageMakerControlContract } from '../contracts/sagemaker-control-contract.js';
import { startTestServe } from './serve-helpers.js';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

describeSageMakerControlContract({
  name: 'AWS SDK adapter on sagesim serve',
  open: async () => {
    // The Lambda step is a stub; the Callback step waits for a real answer (which never comes).
    const fixture = await startTestServe({ stubs: { all: false, steps: { Notify: {} } }, callbacks: true });
    const control = createSdkControl({ region: 'us-east-1', endpoint: fixture.serve.endpoint, credentials });
    return {
      control,
      region: 'us-east-1',
      pause,
      close: async () => {
        control.destroy();
        await fixture.close();
      },
    };
  },
});

const MOTO = spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore' }).status === 0;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startMoto(): Promise<{ endpoint: string; process: ChildProcess }> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  // Up when it answers; moto takes a few seconds to import on a loaded machine.
  for (let i = 0; i < 240; i++) {
    if (await fetch(endpoint).then(() => true, () => false)) return { endpoint, process: child };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill('SIGTERM');
  throw new Error(`moto did not start on ${endpoint}`);
}

if (MOTO) {
  describeSageMakerControlContract({
    name: "AWS SDK adapter on moto's server",
    open: async () => {
      const moto = await startMoto();
      const control = createSdkControl({ region: 'us-east-1', endpoint: moto.endpoint, credentials });
      return {
        control,
        region: 'us-east-1',
        pause,
        close: async () => {
          control.destroy();
          moto.process.kill('SIGTERM');
        },
      };
    },
    gaps: {
      'pipeline ARN is lowercased': 'moto keeps the case of the name',
      'unknown pipeline is ResourceNotFound': 'moto answers ValidationException "Could not find pipeline"',
      'unknown execution is ResourceNotFound': 'moto answers ValidationException, and has no ListPipelineExecutionSteps or StopPipelineExecution',
      'undeclared parameter is refused': 'moto does not check parameters',
      'lists the steps of an execution': 'moto has no ListPipelineExecutionSteps',
      'a Fail step fails the execution': 'moto runs nothing (executions are Succeeded at once)',
      'stops a running execution': 'moto runs nothing (executions are Succeeded at once) and has no StopPipelineExecution',
    },
  });
}
