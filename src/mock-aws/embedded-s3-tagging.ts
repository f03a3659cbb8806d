// Object and bucket tagging: Put/Get/DeleteObjectTagging, Put/Get/DeleteBucketTagging and the
// `x-amz-tagging` header of PutObject, with S3's limits (10 tags per object, 50 per bucket, keys
// up to 128 characters, values up to 256, no key twice). Stored as `._S3rver_tagging.xml`.
import { noSuchBucket, noSuchKey, s3Error } from './embedded-s3-error.js';
import { type S3Request, readXmlBody } from './embedded-s3-request.js';
import { XMLNS, sendEmpty, sendXml } from './embedded-s3-response.js';
import type { EmbeddedS3Store } from './embedded-s3-store.js';
import { type XmlElement, childText, childrenNamed, malformedXml, parseXml, toXml } from './embedded-s3-xml.js';

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

const MAX_OBJECT_TAGS = 10;
const MAX_BUCKET_TAGS = 50;

/** The tags of a `<Tagging><TagSet><Tag><Key/><Value/></Tag>...` document, checked. */
export function parseTagging(root: XmlElement, maxTags: number): Tag[] {
  const tagSet = root.name === 'Tagging' ? childrenNamed(root, 'TagSet') : [];
  if (tagSet.length !== 1) throw malformedXml();
  const tags = childrenNamed(tagSet[0] as XmlElement, 'Tag').map((tag) => {
    const key = childText(tag, 'Key');
    if (key === undefined) throw malformedXml();
    return { Key: key, Value: childText(tag, 'Value') ?? '' };
  });
  checkTags(tags, maxTags);
  return tags;
}

function checkTags(tags: readonly Tag[], maxTags: number): void {
  if (tags.length > maxTags) throw s3Error('BadRequest', `Object tags cannot be greater than ${maxTags}`);
  const seen = new Set<string>();
  for (const tag of tags) {
    if (tag.Key.length === 0 || tag.Key.length > 128) throw s3Error('InvalidTag', 'The TagKey you have provided is invalid', { TagKey: tag.Key.slice(0, 200) });
    if (tag.Value.length > 256) throw s3Error('InvalidTag', 'The TagValue you have provided is invalid', { TagKey: tag.Key });
    if (seen.has(tag.Key)) throw s3Error('InvalidTag', 'Cannot provide multiple Tags with the same key', { TagKey: tag.Key });
    seen.add(tag.Key);
  }
}

function taggingXml(tags: readonly Tag[]): string {
  return toXml({ Tagging: { '@': { xmlns: XMLNS }, TagSet: { Tag: tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })) } } });
}

/** Stores (or, without the header, removes) the tags a PutObject or CopyObject sends in `x-amz-tagging`. */
export async function putTagsFromHeader(store: EmbeddedS3Store, bucket: string, key: string, raw: string | undefined): Promise<void> {
  if (raw === undefined || raw === '') {
    await store.deleteSubresource(bucket, key, 'tagging');
    return;
  }
  const tags = [...new URLSearchParams(raw)].map(([name, value]) => ({ Key: name, Value: value }));
  checkTags(tags, MAX_OBJECT_TAGS);
  await store.putSubresource(bucket, key, 'tagging', taggingXml(tags));
}

/** GET, PUT or DELETE `?tagging` of an object (key set) or a bucket. */
export async function handleTagging(store: EmbeddedS3Store, request: S3Request): Promise<void> {
  const { bucket, key } = request.address;
  const objectKey = key === '' ? undefined : key;
  if (!(await store.getBucket(bucket))) throw noSuchBucket(bucket);
  if (objectKey !== undefined && !(await store.existsObject(bucket, objectKey))) throw noSuchKey(objectKey);
  if (request.method === 'PUT') {
    const tags = parseTagging(await readXmlBody(request), objectKey === undefined ? MAX_BUCKET_TAGS : MAX_OBJECT_TAGS);
    await store.putSubresource(bucket, objectKey, 'tagging', taggingXml(tags));
    return sendEmpty(request.res, objectKey === undefined ? 204 : 200);
  }
  if (request.method === 'DELETE') {
    await store.deleteSubresource(bucket, objectKey, 'tagging');
    return sendEmpty(request.res, 204);
  }
  const stored = await store.getSubresource(bucket, objectKey, 'tagging');
  if (stored === null && objectKey === undefined) throw s3Error('NoSuchTagSet', 'The TagSet does not exist', { BucketName: bucket });
  // A file written by s3rver holds the same document; it is read and written back in S3's form.
  const tags = stored === null ? [] : parseTagging(parseXml(stored), Number.MAX_SAFE_INTEGER);
  sendXml(request.res, { Tagging: { '@': { xmlns: XMLNS }, TagSet: { Tag: tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })) } } });
}
