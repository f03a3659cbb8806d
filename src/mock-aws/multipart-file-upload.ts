// Uploads a local file of known size as an S3 multipart upload, each part streamed from its byte
// range of the file. Unlike lib-storage's Upload, a failed or stopped upload is aborted before the
// call returns (lib-storage rejects at once on abort and aborts later, in the background, which
// a closing CLI cuts short, leaving the parts on disk), and a failed part is sent again from the
// file (the SDK does not retry a streamed body).
import { createReadStream } from 'node:fs';
import { setMaxListeners } from 'node:events';
import {
  AbortMultipartUploadCommand,
  ChecksumAlgorithm,
  CompleteMultipartUploadCommand,
  type CompletedPart,
  CreateMultipartUploadCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';

export interface MultipartFileUploadOptions {
  readonly partSize: number;
  /** Parts in flight at once. */
  readonly queueSize: number;
  /** Stops the upload; it is aborted on S3 before the call rejects. */
  readonly signal?: AbortSignal;
  /** Attempts per part, the first included. @default 3 */
  readonly partAttempts?: number;
}

const MIB = 1024 * 1024;

export async function uploadFileMultipart(client: S3Client, bucket: string, key: string, file: string, size: number, options: MultipartFileUploadOptions): Promise<void> {
  // As lib-storage does: where the client sends flexible checksums (AWS S3), the upload declares
  // CRC32 and every part's checksum goes into CompleteMultipartUpload.
  const checksums = (await client.config.requestChecksumCalculation()) === 'WHEN_SUPPORTED';
  const created = await client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...(checksums ? { ChecksumAlgorithm: ChecksumAlgorithm.CRC32 } : {}) }),
    { abortSignal: options.signal },
  );
  const uploadId = created.UploadId;
  if (uploadId === undefined) throw new Error(`CreateMultipartUpload for ${key} returned no UploadId`);
  const internal = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, internal.signal]) : internal.signal;
  // Every part in flight listens on it (the request and its file stream): not a leak.
  setMaxListeners(Math.max(10, options.queueSize * 4), signal);
  const count = Math.max(1, Math.ceil(size / options.partSize));
  const parts: CompletedPart[] = [];
  let next = 1;
  let failure: unknown;

  const sendPart = async (partNumber: number): Promise<void> => {
    const start = (partNumber - 1) * options.partSize;
    const end = Math.min(size, start + options.partSize) - 1;
    for (let attempt = 1; ; attempt++) {
      try {
        const body = size === 0 ? Buffer.alloc(0) : createReadStream(file, { start, end, highWaterMark: MIB });
        const out = await client.send(
          new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: end - start + 1 }),
          { abortSignal: signal },
        );
        parts[partNumber - 1] = { PartNumber: partNumber, ETag: out.ETag, ...(out.ChecksumCRC32 ? { ChecksumCRC32: out.ChecksumCRC32 } : {}) };
        return;
      } catch (error) {
        if (signal.aborted || attempt >= (options.partAttempts ?? 3) || !isRetryable(error)) throw error;
      }
    }
  };
  const worker = async (): Promise<void> => {
    while (failure === undefined && !signal.aborted && next <= count) {
      const partNumber = next++;
      try {
        await sendPart(partNumber);
      } catch (error) {
        failure ??= error;
        internal.abort(error);
      }
    }
  };

  try {
    // Every worker settles before the upload is aborted: no part lands after the abort.
    await Promise.all(Array.from({ length: Math.min(options.queueSize, count) }, worker));
    if (options.signal?.aborted) throw abortError(options.signal);
    if (failure !== undefined) throw failure;
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }), {
      abortSignal: options.signal,
    });
  } catch (error) {
    // Not under the stop signal: the parts must go even (above all) when the upload was stopped.
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch((abortFailure: unknown) => {
      if (error instanceof Error && error.cause === undefined) error.cause = abortFailure;
    });
    throw error;
  }
}

/** Server errors and dropped connections; not client errors (4xx) or a stop. */
function isRetryable(error: unknown): boolean {
  const { name, $metadata, code } = (error ?? {}) as { name?: string; $metadata?: { httpStatusCode?: number }; code?: string };
  if (name === 'AbortError') return false;
  const status = $metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT';
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return Object.assign(new Error('upload stopped', { cause: reason }), { name: 'AbortError' });
}
