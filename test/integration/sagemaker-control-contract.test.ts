// The SageMakerControl contract against the AWS SDK adapter (the one `run --no-mock` uses), on
// `sagesim serve`'s SageMaker API and on moto's server: where both implement a call, they agree.
// The fake's run is test/unit/sagemaker-control-contract.test.ts.
import { createSdkControl } from '../../src/remote/sagemaker-control.js';
import { describeSageMakerControlContract } from '../contracts/sagemaker-control-contract.js';
import { startTestServe } from './serve-helpers.js';
import { HAS_MOTO, startMoto } from './support/moto-server.js';

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

if (HAS_MOTO) {
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
