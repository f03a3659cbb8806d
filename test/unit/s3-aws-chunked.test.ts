// The embedded S3 decodes `aws-chunked` upload bodies (SigV4 streaming, checksum trailers) so
// that objects hold the payload, not its framing.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AwsChunkedDecoder, isAwsChunked, unchunkHeaders } from '../../src/mock-aws/aws-chunked-decoder.js';

async function decode(pieces: readonly (string | Buffer)[]): Promise<string> {
  const out: Buffer[] = [];
  const decoder = Readable.from(pieces.map((piece) => Buffer.from(piece))).pipe(new AwsChunkedDecoder());
  for await (const chunk of decoder) out.push(chunk as Buffer);
  return Buffer.concat(out).toString();
}

/** Splits a body into pieces of `size` bytes, as a socket may deliver it. */
function split(body: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < body.length; i += size) out.push(body.slice(i, i + size));
  return out;
}

const signed = '5;chunk-signature=aaaa\r\nhello\r\n6;chunk-signature=bbbb\r\n world\r\n0;chunk-signature=cccc\r\n\r\n';
const trailer = '5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n';

describe('AwsChunkedDecoder', () => {
  it.each([
    ['SigV4 streaming chunks', signed],
    ['unsigned chunks with a checksum trailer', trailer],
  ])('yields the payload of %s', async (_label, body) => {
    expect(await decode([body])).toBe('hello world');
  });

  it.each([1, 2, 3, 7, 13])('yields the same payload when the body arrives in %i-byte pieces', async (size) => {
    expect(await decode(split(signed, size))).toBe('hello world');
    expect(await decode(split(trailer, size))).toBe('hello world');
  });

  it('decodes a large chunk without changing a byte', async () => {
    const payload = Buffer.alloc(3 * 65_536 + 17, 0xab);
    const body = Buffer.concat([Buffer.from(`${payload.length.toString(16)}\r\n`), payload, Buffer.from('\r\n0\r\n\r\n')]);
    const out: Buffer[] = [];
    for await (const chunk of Readable.from([body.subarray(0, 1000), body.subarray(1000)]).pipe(new AwsChunkedDecoder())) out.push(chunk as Buffer);
    expect(Buffer.concat(out).equals(payload)).toBe(true);
  });

  it('fails on a body that ends before its last chunk', async () => {
    await expect(decode(['5\r\nhel'])).rejects.toThrow(/ended early/);
  });

  it('fails on a malformed chunk header', async () => {
    await expect(decode(['zz\r\nhello\r\n0\r\n\r\n'])).rejects.toThrow(/malformed/);
  });
});

describe('aws-chunked headers', () => {
  it.each([
    ['content-encoding aws-chunked', { 'content-encoding': 'aws-chunked' }, true],
    ['a streaming payload hash', { 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' }, true],
    ['gzip, aws-chunked', { 'content-encoding': 'gzip, aws-chunked' }, true],
    ['a plain upload', { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, false],
  ])('recognises %s: %j -> %s', (_label, headers, expected) => {
    expect(isAwsChunked(headers)).toBe(expected);
  });

  it('rewrites the headers as for a plain upload of the decoded payload', () => {
    const headers: Record<string, string | undefined> = {
      'content-length': '120',
      'content-encoding': 'gzip, aws-chunked',
      'x-amz-decoded-content-length': '11',
      'x-amz-trailer': 'x-amz-checksum-crc32',
    };
    unchunkHeaders(headers);
    expect(headers).toEqual({ 'content-length': '11', 'content-encoding': 'gzip' });
  });
});
