// The embedded S3 driven by boto3, the client most SageMaker users script against: the machine's
// python3 (a recent boto3, which streams aws-chunked bodies with checksums) and Debian's
// /usr/bin/python3 (boto3 1.26). Each runs the same script and must see what S3 would answer.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedS3, startEmbeddedS3 } from '../../src/mock-aws/embedded-s3.js';

const run = promisify(execFile);

const SCRIPT = String.raw`
import json, sys, os, tempfile, urllib.request
import boto3
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

endpoint, bucket = sys.argv[1], sys.argv[2]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="any-key", aws_secret_access_key="any-secret")
out = {}

def error_of(call):
    try:
        call()
    except ClientError as e:
        return [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
    return None

s3.create_bucket(Bucket=bucket)
out["create_again"] = error_of(lambda: s3.create_bucket(Bucket=bucket))
out["location"] = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
put = s3.put_object(Bucket=bucket, Key="dir/a b+c.txt", Body=b"0123456789", ContentType="text/plain", Metadata={"owner": "me"}, Tagging="k=v")
etag = put["ETag"]
got = s3.get_object(Bucket=bucket, Key="dir/a b+c.txt", Range="bytes=2-4")
out["range"] = [got["Body"].read().decode(), got["ContentRange"], got["ResponseMetadata"]["HTTPStatusCode"]]
head = s3.head_object(Bucket=bucket, Key="dir/a b+c.txt")
out["head"] = [head["ContentType"], head["Metadata"], head["ContentLength"], head["ETag"] == etag]
out["not_modified"] = error_of(lambda: s3.get_object(Bucket=bucket, Key="dir/a b+c.txt", IfNoneMatch=etag))
out["precondition"] = error_of(lambda: s3.get_object(Bucket=bucket, Key="dir/a b+c.txt", IfMatch='"nope"'))
out["invalid_range"] = error_of(lambda: s3.get_object(Bucket=bucket, Key="dir/a b+c.txt", Range="bytes=50-60"))
s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "dir/a b+c.txt"})
out["copy"] = [s3.get_object(Bucket=bucket, Key="copy")["Body"].read().decode(), s3.head_object(Bucket=bucket, Key="copy")["Metadata"]]
out["copy_condition"] = error_of(lambda: s3.copy_object(Bucket=bucket, Key="copy2", CopySource={"Bucket": bucket, "Key": "copy"}, CopySourceIfMatch='"nope"'))
out["tags"] = s3.get_object_tagging(Bucket=bucket, Key="dir/a b+c.txt")["TagSet"]
s3.put_object_tagging(Bucket=bucket, Key="copy", Tagging={"TagSet": [{"Key": "x", "Value": "y & z"}]})
out["tags_put"] = s3.get_object_tagging(Bucket=bucket, Key="copy")["TagSet"]
s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET", "PUT"], "AllowedHeaders": ["*"], "MaxAgeSeconds": 60}]})
out["cors"] = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "copy", "ResponseContentType": "application/x-test"}, ExpiresIn=60)
with urllib.request.urlopen(url) as response:
    out["presigned"] = [response.read().decode(), response.headers["Content-Type"]]
big = os.path.join(tempfile.mkdtemp(), "big.bin")
with open(big, "wb") as f:
    f.write(os.urandom(12 * 1024 * 1024))
config = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
s3.upload_file(big, bucket, "big.bin", Config=config)
back = big + ".back"
s3.download_file(bucket, "big.bin", back, Config=config)
out["multipart"] = [open(big, "rb").read() == open(back, "rb").read(), s3.head_object(Bucket=bucket, Key="big.bin")["ETag"].endswith('-3"')]
deleted = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "copy"}, {"Key": "missing"}]})
out["deleted"] = sorted(d["Key"] for d in deleted.get("Deleted", []))
quiet = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "big.bin"}], "Quiet": True})
out["quiet"] = quiet.get("Deleted", [])
out["not_empty"] = error_of(lambda: s3.delete_bucket(Bucket=bucket))
out["versioning"] = error_of(lambda: s3.get_bucket_versioning(Bucket=bucket))
s3.delete_object(Bucket=bucket, Key="dir/a b+c.txt")
s3.delete_bucket(Bucket=bucket)
out["gone"] = error_of(lambda: s3.head_bucket(Bucket=bucket))
print(json.dumps(out))
`;

const PYTHONS = [
  { label: 'machine python3 (recent boto3)', python: 'python3' },
  ...(existsSync('/usr/bin/python3') ? [{ label: 'Debian /usr/bin/python3 (boto3 1.26)', python: '/usr/bin/python3' }] : []),
];

let root: string;
let s3: EmbeddedS3;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'sagesim-s3-boto3-'));
  s3 = await startEmbeddedS3({ dataDir: path.join(root, 's3') });
});

afterAll(async () => {
  await s3?.close();
  await rm(root, { recursive: true, force: true });
});

describe('the embedded S3 driven by boto3', { timeout: 120_000 }, () => {
  it.each(PYTHONS)('$label sees S3 answers', async ({ python }) => {
    const bucket = `boto3-${path.basename(python).replace(/\W/g, '')}-${PYTHONS.findIndex((entry) => entry.python === python)}`;
    const { stdout } = await run(python, ['-c', SCRIPT, s3.endpoint, bucket], { env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(out).toEqual({
      create_again: null,
      location: null,
      range: ['234', 'bytes 2-4/10', 206],
      head: ['text/plain', { owner: 'me' }, 10, true],
      not_modified: ['304', 304],
      precondition: ['PreconditionFailed', 412],
      invalid_range: ['InvalidRange', 416],
      copy: ['0123456789', { owner: 'me' }],
      copy_condition: ['PreconditionFailed', 412],
      tags: [{ Key: 'k', Value: 'v' }],
      tags_put: [{ Key: 'x', Value: 'y & z' }],
      cors: [{ AllowedHeaders: ['*'], AllowedMethods: ['GET', 'PUT'], AllowedOrigins: ['*'], MaxAgeSeconds: 60 }],
      presigned: ['0123456789', 'application/x-test'],
      multipart: [true, true],
      deleted: ['copy', 'missing'],
      quiet: [],
      not_empty: ['BucketNotEmpty', 409],
      versioning: ['NotImplemented', 501],
      gone: ['404', 404],
    });
  });
});
