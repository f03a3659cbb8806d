// Service and bucket operations: ListBuckets, CreateBucket (idempotent for its owner, as in
// us-east-1), DeleteBucket (BucketNotEmpty while it holds objects), GetBucketLocation, and
// DeleteObjects (a `<Delete>` body of up to 1000 keys, Quiet or not).
import { EmbeddedS3Error, noSuchBucket, s3Error, toS3Error } from './embedded-s3-error.js';
import { parseS3Path } from './embedded-s3-names.js';
import { type S3Request, readXmlBody } from './embedded-s3-request.js';
import { OWNER, XMLNS, sendEmpty, sendXml } from './embedded-s3-response.js';
import type { EmbeddedS3Store } from './embedded-s3-store.js';
import { type XmlElement, childText, childrenNamed, malformedXml } from './embedded-s3-xml.js';

const MAX_DELETE_KEYS = 1000;

export async function listBuckets(store: EmbeddedS3Store, request: S3Request): Promise<void> {
  const buckets = await store.listBuckets();
  sendXml(request.res, {
    ListAllMyBucketsResult: {
      '@': { xmlns: XMLNS },
      Owner: OWNER,
      Buckets: { Bucket: buckets.map((bucket) => ({ Name: bucket.name, CreationDate: bucket.creationDate.toISOString() })) },
    },
  });
}

/**
 * CreateBucket. A bucket that exists is the caller's (the emulator has one account), so creating
 * it again succeeds as it does in us-east-1, where S3 answers 200 rather than BucketAlreadyOwnedByYou.
 * A CreateBucketConfiguration body (another region's LocationConstraint) is accepted and ignored.
 */
export async function createBucket(store: EmbeddedS3Store, request: S3Request): Promise<void> {
  const { bucket } = request.address;
  request.body.resume();
  if (!(await store.getBucket(bucket))) await store.putBucket(bucket);
  request.res.setHeader('Location', `/${bucket}`);
  sendEmpty(request.res);
}

export async function deleteBucket(store: EmbeddedS3Store, request: S3Request): Promise<void> {
  const { bucket } = request.address;
  if (!(await store.getBucket(bucket))) throw noSuchBucket(bucket);
  const { objects } = await store.listObjects(bucket, { maxKeys: 1 });
  if (objects.length > 0) throw s3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty', { BucketName: bucket });
  await store.deleteBucket(bucket);
  sendEmpty(request.res, 204);
}

/** Every bucket is in us-east-1, which S3 answers with an empty LocationConstraint. */
export async function getBucketLocation(store: EmbeddedS3Store, request: S3Request): Promise<void> {
  if (!(await store.getBucket(request.address.bucket))) throw noSuchBucket(request.address.bucket);
  sendXml(request.res, { LocationConstraint: { '@': { xmlns: XMLNS } } });
}

interface DeleteOutcome {
  readonly Key: string;
  readonly Code?: string;
  readonly Message?: string;
}

/** DeleteObjects: each key deleted (a missing one counts as deleted, as S3 says); a key S3 refuses is an Error entry. */
export async function deleteObjects(store: EmbeddedS3Store, request: S3Request): Promise<void> {
  const { bucket } = request.address;
  if (!(await store.getBucket(bucket))) throw noSuchBucket(bucket);
  const root = await readXmlBody(request);
  const objects = root.name === 'Delete' ? childrenNamed(root, 'Object') : [];
  if (objects.length === 0 || objects.length > MAX_DELETE_KEYS) throw malformedXml();
  const keys = objects.map((object: XmlElement) => {
    const key = childText(object, 'Key');
    if (key === undefined) throw malformedXml();
    return key;
  });
  const quiet = (childText(root, 'Quiet') ?? '').trim().toLowerCase() === 'true';
  const outcomes: DeleteOutcome[] = [];
  for (const key of keys) outcomes.push(await deleteOne(store, bucket, key));
  sendXml(request.res, {
    DeleteResult: {
      '@': { xmlns: XMLNS },
      Deleted: outcomes.filter((outcome) => outcome.Code === undefined && !quiet).map((outcome) => ({ Key: outcome.Key })),
      Error: outcomes.filter((outcome) => outcome.Code !== undefined).map((outcome) => ({ Key: outcome.Key, Code: outcome.Code, Message: outcome.Message })),
    },
  });
}

async function deleteOne(store: EmbeddedS3Store, bucket: string, key: string): Promise<DeleteOutcome> {
  try {
    // The same checks as a key in a path (length, the bucket's name), never a raw path.
    parseS3Path(`/${bucket}/${encodeURIComponent(key)}`);
    if (key === '') throw s3Error('InvalidArgument', 'The key must not be empty.');
    await store.deleteObject(bucket, key);
    return { Key: key };
  } catch (error) {
    const answer = error instanceof EmbeddedS3Error ? error : toS3Error(error, store.rootDirectory);
    return { Key: key, Code: answer.code, Message: answer.message };
  }
}
