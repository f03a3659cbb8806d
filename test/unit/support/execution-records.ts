// An execution record as a store keeps it, for tests and benches that write records directly (as
// `sagesim run` in another process would): pipeline `p` unless told, no steps, an empty definition.
import type { ExecutionRecord } from '../../../src/engine/execution-record.js';

/** A record of `executionId`, `Executing` since 2024-01-01 unless `fields` say otherwise. */
export function executionRecord(executionId: string, fields: Partial<ExecutionRecord> = {}): ExecutionRecord {
  const pipelineName = fields.pipelineName ?? 'p';
  const pipelineArn = `arn:aws:sagemaker:us-east-1:111122223333:pipeline/${pipelineName}`;
  const startTime = fields.startTime ?? '2024-01-01T00:00:00.000Z';
  return {
    executionId,
    executionArn: `${pipelineArn}/execution/${executionId}`,
    pipelineName,
    pipelineArn,
    status: 'Executing',
    startTime,
    lastModifiedTime: startTime,
    parameters: {},
    definition: { Version: '2020-12-01', Parameters: [], Steps: [] },
    steps: [],
    mode: 'local',
    ...fields,
  };
}
