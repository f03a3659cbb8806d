// The SageMakerControl contract against the in-memory fake (the AWS SDK adapter's runs, on
// `sagesim serve` and on moto, are in test/integration/sagemaker-control-contract.test.ts).
import { MemorySageMakerControl } from '../../src/remote/memory-sagemaker-control.js';
import { describeSageMakerControlContract } from '../contracts/sagemaker-control-contract.js';

describeSageMakerControlContract({
  name: 'in-memory fake',
  open: async () => ({ control: new MemorySageMakerControl(), region: 'us-east-1', pause: async () => undefined, close: async () => undefined }),
});
