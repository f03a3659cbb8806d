// Which operation a request to the embedded S3 is: its method, whether it names the service, a
// bucket or an object, and its subresource (`?tagging`, `?uploads`...). A subresource S3 knows and
// the emulator does not implement is NotImplemented (501); a method no operation takes is
// MethodNotAllowed (405).
import { answerPreflight, handleBucketCors } from './embedded-s3-cors.js';
import { createBucket, deleteBucket, deleteObjects, getBucketLocation, listBuckets } from './embedded-s3-buckets.js';
import { noSuchBucket, noSuchKey, notImplemented, s3Error } from './embedded-s3-error.js';
import { getObject } from './embedded-s3-get.js';
import { listBucket } from './embedded-s3-list.js';
import { abortUpload, completeUpload, createUpload, listParts, uploadPart } from './embedded-s3-multipart.js';
import { copyObject, putObject } from './embedded-s3-put.js';
import { type S3Request, first, header } from './embedded-s3-request.js';
import { OWNER, XMLNS, sendEmpty, sendXml } from './embedded-s3-response.js';
import type { EmbeddedS3Store } from './embedded-s3-store.js';
import { handleTagging } from './embedded-s3-tagging.js';
import { listUploads } from './embedded-s3-uploads.js';
import type { XmlObject } from './embedded-s3-xml.js';

type Operation = (store: EmbeddedS3Store, request: S3Request) => Promise<void>;

/** Every subresource of S3's REST API: naming one selects an operation other than the plain one. */
const SUBRESOURCES: readonly string[] = [
  'accelerate', 'acl', 'analytics', 'attributes', 'cors', 'delete', 'encryption', 'intelligent-tiering', 'inventory', 'legal-hold',
  'lifecycle', 'location', 'logging', 'metadataConfiguration', 'metadataTable', 'metrics', 'notification', 'object-lock',
  'ownershipControls', 'policy', 'policyStatus', 'publicAccessBlock', 'renameObject', 'replication', 'requestPayment', 'restore',
  'retention', 'select', 'session', 'tagging', 'torrent', 'uploadId', 'uploads', 'versioning', 'versions', 'website',
];

const BUCKET_OPERATIONS: Readonly<Record<string, Operation>> = {
  'GET ': listing,
  'HEAD ': listing,
  'PUT ': createBucket,
  'DELETE ': deleteBucket,
  'OPTIONS ': answerPreflight,
  'POST ': () => Promise.reject(notImplemented('request (POST Object, a browser form upload)')),
  'GET location': getBucketLocation,
  'GET uploads': async (store, request) => sendXml(request.res, (await listUploads(store, request.address.bucket, request.query)) as XmlObject),
  'POST delete': deleteObjects,
  'GET cors': handleBucketCors,
  'PUT cors': handleBucketCors,
  'DELETE cors': handleBucketCors,
  'GET tagging': handleTagging,
  'PUT tagging': handleTagging,
  'DELETE tagging': handleTagging,
};

const OBJECT_OPERATIONS: Readonly<Record<string, Operation>> = {
  'GET ': getObject,
  'HEAD ': getObject,
  'PUT ': async (store, request) => {
    await ensureBucket(store, request);
    await (header(request, 'x-amz-copy-source') !== undefined ? copyObject(store, request) : putObject(store, request));
  },
  'DELETE ': deleteObject,
  'OPTIONS ': answerPreflight,
  'POST uploads': async (store, request) => {
    await ensureBucket(store, request);
    await createUpload(store, request);
  },
  'PUT uploadId': async (store, request) => {
    if (header(request, 'x-amz-copy-source') !== undefined) throw notImplemented('header (x-amz-copy-source on UploadPart, UploadPartCopy)');
    await uploadPart(store, request);
  },
  'POST uploadId': completeUpload,
  'GET uploadId': async (store, request) => sendXml(request.res, (await listParts(store, uploadOf(request), request.query)) as XmlObject),
  'DELETE uploadId': async (store, request) => {
    await abortUpload(store, uploadOf(request));
    sendEmpty(request.res, 204);
  },
  'GET tagging': handleTagging,
  'PUT tagging': handleTagging,
  'DELETE tagging': handleTagging,
  'GET acl': objectAcl,
};

export async function route(store: EmbeddedS3Store, request: S3Request): Promise<void> {
  const { bucket, key } = request.address;
  const subresource = subresourceOf(request);
  const method = request.method;
  if (bucket === '') {
    if ((method === 'GET' || method === 'HEAD') && subresource === '') return listBuckets(store, request);
    throw methodNotAllowed(method, 'SERVICE');
  }
  const operations = key === '' ? BUCKET_OPERATIONS : OBJECT_OPERATIONS;
  const operation = operations[`${method} ${subresource}`];
  if (operation) return operation(store, request);
  if (subresource !== '' && ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'].includes(method)) throw notImplemented(`parameter (?${subresource})`);
  throw methodNotAllowed(method, key === '' ? 'BUCKET' : 'OBJECT');
}

function subresourceOf(request: S3Request): string {
  const named = SUBRESOURCES.filter((name) => name in request.query);
  if (named.length > 1) {
    throw s3Error('InvalidArgument', `Conflicting query string parameters: ${named.join(', ')}`, { ArgumentName: 'ResourceType', ArgumentValue: named[0] ?? '' });
  }
  return named[0] ?? '';
}

function methodNotAllowed(method: string, resourceType: string): Error {
  return s3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', { Method: method.slice(0, 20), ResourceType: resourceType });
}

/** Buckets are created on first write, as sagesim's runs expect of their output locations. */
async function ensureBucket(store: EmbeddedS3Store, request: S3Request): Promise<void> {
  if (!(await store.getBucket(request.address.bucket))) await store.putBucket(request.address.bucket);
}

async function listing(store: EmbeddedS3Store, request: S3Request): Promise<void> {
  const body = await listBucket(store, request.address.bucket, request);
  if (body) sendXml(request.res, body as XmlObject);
  else sendEmpty(request.res);
}

async function deleteObject(store: EmbeddedS3Store, request: S3Request): Promise<void> {
  if (!(await store.getBucket(request.address.bucket))) throw noSuchBucket(request.address.bucket);
  await store.deleteObject(request.address.bucket, request.address.key);
  sendEmpty(request.res, 204);
}

function uploadOf(request: S3Request): { bucket: string; key: string; uploadId: string } {
  return { ...request.address, uploadId: first(request.query['uploadId']) ?? '' };
}

/** GetObjectAcl: the one owner has full control (ACLs are not kept). */
async function objectAcl(store: EmbeddedS3Store, request: S3Request): Promise<void> {
  const { bucket, key } = request.address;
  if (!(await store.getBucket(bucket))) throw noSuchBucket(bucket);
  if (!(await store.existsObject(bucket, key))) throw noSuchKey(key);
  sendXml(request.res, {
    AccessControlPolicy: {
      '@': { xmlns: XMLNS },
      Owner: OWNER,
      AccessControlList: {
        Grant: {
          Grantee: { '@': { 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance', 'xsi:type': 'CanonicalUser' }, ...OWNER },
          Permission: 'FULL_CONTROL',
        },
      },
    },
  });
}
