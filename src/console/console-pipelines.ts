// The console's pipelines page: pipelines created through the API (CreatePipeline), and those
// known only from their local runs (`sagesim run` creates no pipeline record), each with its
// parameters, its definition and its latest execution.
import type { ParameterDeclaration, PipelineDefinition } from '../engine/definition-types.js';
import type { ExecutionRecord } from '../engine/execution-record.js';
import type { JsonValue } from '../engine/json.js';
import type { PipelineRecord } from '../mock-aws/sagemaker-api/pipeline-store.js';
import type { PipelineView } from './console-views.js';

/** `executions` newest first, as the store lists them. */
export function pipelineViews(pipelines: readonly PipelineRecord[], executions: readonly ExecutionRecord[]): PipelineView[] {
  const byPipeline = new Map<string, ExecutionRecord[]>();
  for (const execution of executions) {
    const list = byPipeline.get(execution.pipelineName) ?? [];
    list.push(execution);
    byPipeline.set(execution.pipelineName, list);
  }
  const views: PipelineView[] = [];
  for (const pipeline of pipelines) {
    const definition = parseDefinitionText(pipeline.PipelineDefinition);
    views.push({
      name: pipeline.PipelineName,
      arn: pipeline.PipelineArn,
      ...(pipeline.PipelineDisplayName && pipeline.PipelineDisplayName !== pipeline.PipelineName ? { displayName: pipeline.PipelineDisplayName } : {}),
      ...(pipeline.PipelineDescription === undefined ? {} : { description: pipeline.PipelineDescription }),
      source: 'api',
      ...describeDefinition(definition),
      lastModifiedTime: pipeline.LastModifiedTime,
      ...latest(byPipeline.get(pipeline.PipelineName)),
    });
  }
  const known = new Set(pipelines.map((p) => p.PipelineName));
  for (const [name, runs] of byPipeline) {
    if (known.has(name)) continue;
    const newest = runs[0] as ExecutionRecord;
    views.push({ name, source: 'runs', ...describeDefinition(newest.definition as unknown as JsonValue), ...latest(runs) });
  }
  return views.sort((a, b) => a.name.localeCompare(b.name));
}

function latest(runs: readonly ExecutionRecord[] | undefined): Pick<PipelineView, 'executionCount' | 'lastExecution'> {
  const newest = runs?.[0];
  return {
    executionCount: runs?.length ?? 0,
    ...(newest ? { lastExecution: { executionId: newest.executionId, status: newest.status, startTime: newest.startTime } } : {}),
  };
}

function describeDefinition(definition: JsonValue): Pick<PipelineView, 'parameters' | 'stepCount' | 'definition'> {
  const parsed = definition as Partial<PipelineDefinition> | null;
  const parameters = Array.isArray(parsed?.Parameters) ? (parsed.Parameters as readonly ParameterDeclaration[]) : [];
  let stepCount = 0;
  const visit = (steps: unknown): void => {
    if (!Array.isArray(steps)) return;
    for (const step of steps as { Type?: unknown; Arguments?: { IfSteps?: unknown; ElseSteps?: unknown } }[]) {
      stepCount++;
      if (step.Type === 'Condition') {
        visit(step.Arguments?.IfSteps);
        visit(step.Arguments?.ElseSteps);
      }
    }
  };
  visit(parsed?.Steps);
  return { parameters, stepCount, definition };
}

function parseDefinitionText(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    // CreatePipeline validated it; an unreadable one still shows, as text.
    return text;
  }
}
