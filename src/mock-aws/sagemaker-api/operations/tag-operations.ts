// AddTags / ListTags for pipelines: the SageMaker Python SDK's `upsert(tags=...)` merges tags with
// them after it falls back to UpdatePipeline. Other resources carry no tags here.
import type { AddTagsInput, AddTagsOutput, ListTagsInput, ListTagsOutput } from '@aws-sdk/client-sagemaker';
import type { SageMakerApiBackend } from '../api-backend.js';
import { paginate } from '../pagination.js';

export async function addTags(input: AddTagsInput, backend: SageMakerApiBackend): Promise<AddTagsOutput> {
  const arn = input.ResourceArn as string;
  const tags = (input.Tags ?? []).map((tag) => ({ Key: tag.Key ?? '', Value: tag.Value ?? '' }));
  const pipeline = arn.includes(':pipeline/') && !arn.includes('/execution/') ? await backend.pipelines.get(arn) : undefined;
  if (pipeline) {
    const keys = new Set(tags.map((tag) => tag.Key));
    await backend.pipelines.put({ ...pipeline, Tags: [...pipeline.Tags.filter((tag) => !keys.has(tag.Key)), ...tags] });
  }
  return { Tags: tags };
}

export async function listTags(input: ListTagsInput, backend: SageMakerApiBackend): Promise<ListTagsOutput> {
  const arn = input.ResourceArn as string;
  const pipeline = arn.includes(':pipeline/') && !arn.includes('/execution/') ? await backend.pipelines.get(arn) : undefined;
  const page = paginate(pipeline?.Tags ?? [], input, `ListTags:${arn}`);
  return { Tags: page.items.map((tag) => ({ ...tag })), NextToken: page.nextToken };
}
