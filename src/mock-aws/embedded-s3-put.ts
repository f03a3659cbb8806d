// PutObject and CopyObject: Content-MD5 checked, the headers S3 keeps stored, `x-amz-tagging`
// taken; a copy reads its percent-encoded source, its metadata and tagging directives and its
// `x-amz-copy-source-if-*` conditions.
import { Readable } from 'node:stream';
import { noSuchBucket, noSuchKey, s3Error } from './embedded-s3-error.js';
import { evaluateConditions } from './embedded-s3-get.js';
import { S3StoredObject } from './embedded-s3-object.js';
import { type S3Request, header, parseCopySource } from './embedded-s3-request.js';
import { sendEmpty, sendXml } from './embedded-s3-response.js';
import type { EmbeddedS3Store } from './embedded-s3-store.js';
import { putTagsFromHeader } from './embedded-s3-tagging.js';

export async function putObject(store: EmbeddedS3Store, request: S3Request): Promise<void> {
  const { bucket, key } = request.address;
  const expectedMd5 = contentMd5(header(request, 'content-md5'));
  const object = new S3StoredObject(bucket, key, request.body, request.headers);
  const tagging = header(request, 'x-amz-tagging');
  const { md5 } = await store.putObject(object, expectedMd5);
  await putTagsFromHeader(store, bucket, key, tagging);
  request.res.setHeader('ETag', JSON.stringify(md5));
  sendEmpty(request.res);
}

/** Content-MD5 as hex, or InvalidDigest when it is not the base64 of 16 bytes. */
function contentMd5(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const bytes = /^[A-Za-z0-9+/]{22}==$/.test(raw.trim()) ? Buffer.from(raw.trim(), 'base64') : undefined;
  if (bytes?.length !== 16) throw s3Error('InvalidDigest', 'The Content-MD5 you specified was invalid.', { 'Content-MD5': raw.slice(0, 100) });
  return bytes.toString('hex');
}

export async function copyObject(store: EmbeddedS3Store, request: S3Request): Promise<void> {
  const target = request.address;
  const source = parseCopySource(header(request, 'x-amz-copy-source') ?? '');
  const metadataDirective = directive(request, 'x-amz-metadata-directive');
  const taggingDirective = directive(request, 'x-amz-tagging-directive');
  if (!(await store.getBucket(source.bucket))) throw noSuchBucket(source.bucket);
  const sourceObject = await store.getObject(source.bucket, source.key);
  if (!sourceObject) throw noSuchKey(source.key);
  if (sourceObject.content instanceof Readable) sourceObject.content.destroy();
  evaluateConditions(request, sourceObject.metadata['etag'] ?? '', sourceObject.lastModifiedDate, 'x-amz-copy-source-');
  if (source.bucket === target.bucket && source.key === target.key && metadataDirective === 'COPY') {
    throw s3Error(
      'InvalidRequest',
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  const tags = taggingDirective === 'COPY' ? await store.getSubresource(source.bucket, source.key, 'tagging') : undefined;
  const metadata = await store.copyObject(source, target, metadataDirective === 'REPLACE' ? request.headers : undefined);
  if (taggingDirective === 'COPY') {
    if (tags) await store.putSubresource(target.bucket, target.key, 'tagging', tags);
  } else {
    await putTagsFromHeader(store, target.bucket, target.key, header(request, 'x-amz-tagging'));
  }
  sendXml(request.res, {
    CopyObjectResult: { LastModified: new Date(metadata['last-modified'] ?? 0).toISOString(), ETag: metadata['etag'] },
  });
}

function directive(request: S3Request, name: string): 'COPY' | 'REPLACE' {
  const value = header(request, name) ?? 'COPY';
  if (value !== 'COPY' && value !== 'REPLACE') throw s3Error('InvalidArgument', `Unknown ${name}: ${value.slice(0, 50)}`, { ArgumentName: name });
  return value;
}
