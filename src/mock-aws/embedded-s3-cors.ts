// Bucket CORS: Put/Get/DeleteBucketCors, the answer to a browser's OPTIONS preflight, and the
// Access-Control-* headers added to a request that carries an Origin a rule allows (what s3rver
// did). Stored as `<bucket>/._S3rver_cors.xml`; a file s3rver wrote holds the same document.
import type { ServerResponse } from 'node:http';
import { noSuchBucket, s3Error } from './embedded-s3-error.js';
import { type S3Request, header, readXmlBody } from './embedded-s3-request.js';
import { XMLNS, sendEmpty, sendXml } from './embedded-s3-response.js';
import type { EmbeddedS3Store } from './embedded-s3-store.js';
import { type XmlElement, type XmlObject, childText, childrenNamed, malformedXml, parseXml, toXml } from './embedded-s3-xml.js';

export interface CorsRule {
  readonly id?: string;
  readonly allowedOrigins: readonly string[];
  readonly allowedMethods: readonly string[];
  readonly allowedHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly maxAgeSeconds?: number;
}

const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'];
const MAX_RULES = 100;
const VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';

/** The rules of a `<CORSConfiguration><CORSRule>...` document, checked as S3 checks them. */
export function parseCors(root: XmlElement): CorsRule[] {
  const rules = root.name === 'CORSConfiguration' ? childrenNamed(root, 'CORSRule') : [];
  if (rules.length === 0 || rules.length > MAX_RULES) throw malformedXml();
  return rules.map((rule) => {
    const texts = (name: string): string[] => childrenNamed(rule, name).map((element) => element.text.trim());
    const allowedOrigins = texts('AllowedOrigin');
    const allowedMethods = texts('AllowedMethod');
    const maxAge = childrenNamed(rule, 'MaxAgeSeconds');
    if (allowedOrigins.length === 0 || allowedMethods.length === 0 || maxAge.length > 1) throw malformedXml();
    for (const method of allowedMethods) {
      if (!METHODS.includes(method)) throw s3Error('InvalidRequest', `Found unsupported HTTP method in CORS config. Unsupported method is ${method.slice(0, 20)}`);
    }
    for (const pattern of [...allowedOrigins, ...texts('AllowedHeader')]) {
      if (pattern.split('*').length > 2) throw s3Error('InvalidRequest', `AllowedOrigin "${pattern.slice(0, 100)}" can not have more than one wildcard.`);
    }
    const maxAgeSeconds = maxAge[0] === undefined ? undefined : Number(maxAge[0].text.trim());
    if (maxAgeSeconds !== undefined && !Number.isInteger(maxAgeSeconds)) throw malformedXml();
    const id = childText(rule, 'ID');
    return { ...(id !== undefined ? { id } : {}), allowedOrigins, allowedMethods, allowedHeaders: texts('AllowedHeader'), exposeHeaders: texts('ExposeHeader'), ...(maxAgeSeconds !== undefined ? { maxAgeSeconds } : {}) };
  });
}

function corsBody(rules: readonly CorsRule[]): XmlObject {
  return {
    CORSConfiguration: {
      '@': { xmlns: XMLNS },
      CORSRule: rules.map((rule) => ({
        ID: rule.id,
        AllowedHeader: rule.allowedHeaders,
        AllowedMethod: rule.allowedMethods,
        AllowedOrigin: rule.allowedOrigins,
        ExposeHeader: rule.exposeHeaders,
        MaxAgeSeconds: rule.maxAgeSeconds,
      })),
    },
  };
}

/** GET, PUT or DELETE `?cors` of a bucket. */
export async function handleBucketCors(store: EmbeddedS3Store, request: S3Request): Promise<void> {
  const { bucket } = request.address;
  if (!(await store.getBucket(bucket))) throw noSuchBucket(bucket);
  if (request.method === 'PUT') {
    const rules = parseCors(await readXmlBody(request));
    await store.putSubresource(bucket, undefined, 'cors', toXml(corsBody(rules)));
    return sendEmpty(request.res);
  }
  if (request.method === 'DELETE') {
    await store.deleteSubresource(bucket, undefined, 'cors');
    return sendEmpty(request.res, 204);
  }
  const rules = await storedRules(store, bucket);
  if (!rules) throw s3Error('NoSuchCORSConfiguration', 'The CORS configuration does not exist', { BucketName: bucket });
  sendXml(request.res, corsBody(rules));
}

async function storedRules(store: EmbeddedS3Store, bucket: string): Promise<CorsRule[] | undefined> {
  const xml = await store.getSubresource(bucket, undefined, 'cors');
  return xml === null ? undefined : parseCors(parseXml(xml));
}

function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const [head = '', tail] = (ignoreCase ? pattern.toLowerCase() : pattern).split('*');
  const text = ignoreCase ? value.toLowerCase() : value;
  return tail === undefined ? text === head : text.length >= head.length + tail.length && text.startsWith(head) && text.endsWith(tail);
}

function matchRule(rules: readonly CorsRule[], origin: string, method: string): CorsRule | undefined {
  return rules.find((rule) => rule.allowedOrigins.some((pattern) => wildcard(pattern, origin, false)) && rule.allowedMethods.includes(method.toUpperCase()));
}

/** An OPTIONS preflight of a bucket or object, answered as S3 answers it (403 CORSResponse when no rule allows it). */
export async function answerPreflight(store: EmbeddedS3Store, request: S3Request): Promise<void> {
  const origin = header(request, 'origin');
  const method = header(request, 'access-control-request-method');
  if (!origin) throw s3Error('BadRequest', 'Insufficient information. Origin request header needed.');
  if (!method) throw s3Error('BadRequest', 'Invalid Access-Control-Request-Method: null');
  if (!(await store.getBucket(request.address.bucket))) throw noSuchBucket(request.address.bucket);
  const rules = await storedRules(store, request.address.bucket);
  if (!rules) throw s3Error('CORSResponse', 'CORS is not enabled for this bucket.');
  const asked = (header(request, 'access-control-request-headers') ?? '').split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
  const rule = matchRule(rules, origin, method);
  const allowed = rule ? asked.filter((name) => rule.allowedHeaders.some((pattern) => wildcard(pattern, name, true))) : [];
  if (!rule || allowed.length < asked.length) {
    throw s3Error('CORSResponse', "This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.");
  }
  const { res } = request;
  res.setHeader('Access-Control-Allow-Origin', rule.allowedOrigins.includes('*') ? '*' : origin);
  res.setHeader('Access-Control-Allow-Methods', rule.allowedMethods.join(', '));
  if (asked.length > 0) res.setHeader('Access-Control-Allow-Headers', allowed.join(', '));
  if (rule.exposeHeaders.length > 0) res.setHeader('Access-Control-Expose-Headers', rule.exposeHeaders.join(', '));
  if (rule.maxAgeSeconds !== undefined) res.setHeader('Access-Control-Max-Age', String(rule.maxAgeSeconds));
  res.setHeader('Vary', VARY);
  sendEmpty(res);
}

/**
 * The Access-Control-* headers of a bucket or object request from a browser (one with an Origin
 * a rule allows for its method). Requests without an Origin (every SDK's) never read the rules.
 */
export async function addCorsHeaders(store: EmbeddedS3Store, request: S3Request, res: ServerResponse): Promise<void> {
  const origin = header(request, 'origin');
  if (!origin || request.address.bucket === '' || !(await store.getBucket(request.address.bucket))) return;
  const rules = await storedRules(store, request.address.bucket).catch(() => undefined);
  const rule = rules && matchRule(rules, origin, request.method);
  if (!rule) return;
  res.setHeader('Access-Control-Allow-Origin', rule.allowedOrigins.includes('*') ? '*' : origin);
  if (rule.exposeHeaders.length > 0) res.setHeader('Access-Control-Expose-Headers', rule.exposeHeaders.join(', '));
  if (rule.maxAgeSeconds !== undefined) res.setHeader('Access-Control-Max-Age', String(rule.maxAgeSeconds));
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Vary', VARY);
}
