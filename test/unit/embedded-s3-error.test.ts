import { describe, expect, it } from 'vitest';
import { noSuchBucket, s3Error } from '../../src/mock-aws/embedded-s3-error.js';

describe('the embedded S3 error model', () => {
  it.each([
    ['NoSuchBucket', 404],
    ['InvalidArgument', 400],
    ['MethodNotAllowed', 405],
    ['InvalidRange', 416],
    ['NotImplemented', 501],
    ['SomethingUnknown', 500],
  ])('answers %s with status %i, as S3 does', (code, status) => {
    expect(s3Error(code, 'm').status).toBe(status);
  });

  it('writes <Error> with the code, message and detail members, XML-escaped', () => {
    expect(noSuchBucket('a<b&c').toXML()).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>a&lt;b&amp;c</BucketName></Error>',
    );
  });

  it('keeps non-ASCII text as UTF-8 rather than HTML entities, which XML does not define', () => {
    expect(s3Error('InvalidArgument', 'clé "x"').toXML()).toContain('<Message>clé &quot;x&quot;</Message>');
  });
});
