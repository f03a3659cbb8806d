// Child process of cache-index-processes.test.ts: records `count` cache entries under one key in
// the home given as argument, all at once, as a busy sagesim run would.
import { FileExecutionStore } from '../../../src/store/file-execution-store.js';

const [home, writer, count] = process.argv.slice(2);
const store = new FileExecutionStore({ home: home ?? '' });
await Promise.all(
  Array.from({ length: Number(count) }, (_, i) =>
    store.recordCacheEntry({
      pipelineName: 'p',
      key: 'k',
      stepName: `step-${i}`,
      stepType: 'Processing',
      executionId: `writer-${writer ?? '?'}`,
      executionArn: `arn:writer-${writer ?? '?'}`,
      finishedAt: new Date().toISOString(),
      properties: {},
      propertyFiles: {},
      outputParameters: {},
      metadata: {},
    }),
  ),
);
