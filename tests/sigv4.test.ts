/** SigV4 for the direct HEAD/PUT path: AWS's published example, and S3's key encoding. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { EMPTY_SHA256, encodeKeyPath, SigV4Signer } from '../main/engine/upload/destinations/sigv4.ts';

describe('SigV4', () => {
  test("signs AWS's example GET Object request (S3 API reference, Authorization header) as AWS does", () => {
    const headers: Record<string, string> = { host: 'examplebucket.s3.amazonaws.com', range: 'bytes=0-9' };
    new SigV4Signer('us-east-1').sign(
      { method: 'GET', path: '/test.txt', headers, payloadSha256: EMPTY_SHA256 },
      { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
      Date.UTC(2013, 4, 24),
    );
    assert.equal(headers['x-amz-date'], '20130524T000000Z');
    assert.equal(headers['x-amz-content-sha256'], EMPTY_SHA256);
    assert.equal(
      headers.authorization,
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });

  test('a session token is sent and signed', () => {
    const headers: Record<string, string> = { host: 'h' };
    new SigV4Signer('eu-west-1').sign(
      { method: 'HEAD', path: '/k', headers, payloadSha256: EMPTY_SHA256 },
      { accessKeyId: 'AK', secretAccessKey: 'SK', sessionToken: 'TOKEN' },
      Date.UTC(2025, 0, 1),
    );
    assert.equal(headers['x-amz-security-token'], 'TOKEN');
    assert.match(
      headers.authorization ?? '',
      /SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,/,
    );
  });

  test('keys are encoded per segment as S3 signs them: RFC 3986, slashes kept', () => {
    assert.equal(encodeKeyPath('test$file.text'), 'test%24file.text');
    assert.equal(encodeKeyPath('a b/ü+(1)*!.jpg'), 'a%20b/%C3%BC%2B%281%29%2A%21.jpg');
    assert.equal(encodeKeyPath('site//cam/~x_y-z.bin'), 'site//cam/~x_y-z.bin');
  });
});
