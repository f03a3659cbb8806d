// S3's errors as the embedded S3 answers them (`<Error><Code>...`, the status S3 gives the code).
// The one place sagesim reaches s3rver's error model, which its error handler serialises.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export type S3ErrorDetail = Readonly<Record<string, string>>;

const S3rverError = require('s3rver/lib/models/error.js') as new (code: string, message: string, detail?: S3ErrorDetail) => Error & { readonly code: string };

/** An S3 error answer: `code` is S3's (NoSuchKey, InvalidArgument...), `detail` extra XML members. */
export function s3Error(code: string, message: string, detail?: S3ErrorDetail): Error {
  return new S3rverError(code, message, detail);
}

export function noSuchBucket(bucket: string): Error {
  return s3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
}

export function noSuchUpload(uploadId: string): Error {
  return s3Error('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', {
    UploadId: uploadId,
  });
}
