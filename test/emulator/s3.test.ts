import { Readable } from 'stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import * as tar from 'tar';
import { emulatorFixture, makeBundle, s3Client, uploadBundle } from './helpers';
import { decodeAwsChunked } from '../../local/emulator/core/s3';

const fixture = emulatorFixture({ operations: {}, partial: true });

describe('S3-compatible store, with the real S3 client (path-style)', () => {
  test('create a bucket, put, head, get an object', async () => {
    const s3 = s3Client(fixture.emu);
    await s3.send(new CreateBucketCommand({ Bucket: 'bundles' }));
    await s3.send(new HeadBucketCommand({ Bucket: 'bundles' }));
    const put = await s3.send(new PutObjectCommand({ Bucket: 'bundles', Key: 'env/v1 bundle.tar.gz', Body: Buffer.from('hello'), ContentType: 'application/gzip' }));
    expect(put.ETag).toBe('"5d41402abc4b2a76b9719d911017c592"');
    expect(put.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const head = await s3.send(new HeadObjectCommand({ Bucket: 'bundles', Key: 'env/v1 bundle.tar.gz' }));
    expect(head).toMatchObject({ ContentLength: 5, ContentType: 'application/gzip', ETag: '"5d41402abc4b2a76b9719d911017c592"' });
    expect(head.LastModified).toEqual(new Date(Date.UTC(2026, 0, 1)));

    const get = await s3.send(new GetObjectCommand({ Bucket: 'bundles', Key: 'env/v1 bundle.tar.gz' }));
    expect(await get.Body!.transformToString()).toBe('hello');
  });

  test('a streamed upload (aws-chunked with a checksum trailer) is stored decoded', async () => {
    const s3 = s3Client(fixture.emu);
    await s3.send(new CreateBucketCommand({ Bucket: 'streams' }));
    const content = 'x'.repeat(70_000) + 'end';
    await s3.send(new PutObjectCommand({
      Bucket: 'streams',
      Key: 'big.txt',
      Body: Readable.from([Buffer.from(content.slice(0, 40_000)), Buffer.from(content.slice(40_000))]),
      ContentLength: content.length,
    }));
    const get = await s3.send(new GetObjectCommand({ Bucket: 'streams', Key: 'big.txt' }));
    expect(await get.Body!.transformToString()).toBe(content);
  });

  test('ListObjectsV2 with prefix and pagination', async () => {
    const s3 = s3Client(fixture.emu);
    await s3.send(new CreateBucketCommand({ Bucket: 'listing' }));
    for (const key of ['a/1', 'a/2', 'a/3', 'b/1']) {
      await s3.send(new PutObjectCommand({ Bucket: 'listing', Key: key, Body: key }));
    }
    const all = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'a/' }));
    expect(all.Contents?.map((o) => [o.Key, o.Size])).toEqual([['a/1', 3], ['a/2', 3], ['a/3', 3]]);
    expect(all.KeyCount).toBe(3);
    expect(all.IsTruncated).toBe(false);

    const page1 = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 2 }));
    expect(page1.Contents?.map((o) => o.Key)).toEqual(['a/1', 'a/2']);
    expect(page1.IsTruncated).toBe(true);
    const page2 = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 2, ContinuationToken: page1.NextContinuationToken }));
    expect(page2.Contents?.map((o) => o.Key)).toEqual(['a/3', 'b/1']);
    expect(page2.IsTruncated).toBe(false);

    await s3.send(new DeleteObjectCommand({ Bucket: 'listing', Key: 'b/1' }));
    const after = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'b/' }));
    expect(after.KeyCount).toBe(0);
    expect(after.Contents).toBeUndefined();
  });

  test('NoSuchKey, NoSuchBucket, NotFound (HEAD), InvalidBucketName', async () => {
    const s3 = s3Client(fixture.emu);
    await s3.send(new CreateBucketCommand({ Bucket: 'errors' }));
    await expect(s3.send(new GetObjectCommand({ Bucket: 'errors', Key: 'nope' }))).rejects.toMatchObject({
      name: 'NoSuchKey',
      message: 'The specified key does not exist.',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' }))).rejects.toMatchObject({
      name: 'NoSuchBucket',
      message: 'The specified bucket does not exist',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(s3.send(new ListObjectsV2Command({ Bucket: 'no-such-bucket' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
    await expect(s3.send(new PutObjectCommand({ Bucket: 'no-such-bucket', Key: 'k', Body: 'x' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'errors', Key: 'nope' }))).rejects.toMatchObject({
      name: 'NotFound',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' }))).rejects.toMatchObject({
      name: 'InvalidBucketName',
      $metadata: { httpStatusCode: 400 },
    });
  });

  test('the raw error body is S3 XML with the request id', async () => {
    const res = await fetch(`${fixture.emu.endpoint}/no-such-bucket/k`);
    expect(res.status).toBe(404);
    const requestId = res.headers.get('x-amz-request-id');
    expect(await res.text()).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>'
      + `<BucketName>no-such-bucket</BucketName><RequestId>${requestId}</RequestId></Error>`,
    );
  });

  test('control.putObject is visible through S3; makeBundle/uploadBundle produce a readable tar.gz', async () => {
    fixture.emu.control.putObject('seeded', 'k.txt', 'seeded body');
    const s3 = s3Client(fixture.emu);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'seeded', Key: 'k.txt' }));
    expect(await got.Body!.transformToString()).toBe('seeded body');

    const files = { 'schema/schema.yaml': 'schema:\n  format:\n    openapi: "3.0.0"\n', 'infrastructure/manifest.yaml': 'infrastructure:\n  templates: []\n' };
    expect(makeBundle(files).equals(makeBundle(files))).toBe(true);
    await uploadBundle(fixture.emu, 'bundles2', 'v1.tar.gz', files);
    const bundle = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'bundles2', Key: 'v1.tar.gz' }))).Body!.transformToByteArray());
    const entries: Record<string, string> = {};
    await new Promise<void>((resolve, reject) => {
      const parser = new tar.Parser({
        onReadEntry: (entry) => {
          const chunks: Buffer[] = [];
          entry.on('data', (c: Buffer) => chunks.push(c));
          entry.on('end', () => { entries[entry.path] = Buffer.concat(chunks).toString(); });
        },
      });
      parser.on('end', resolve);
      parser.on('error', reject);
      parser.end(bundle);
    });
    expect(entries).toEqual(files);
  });
});

describe('decodeAwsChunked (unit)', () => {
  test('joins chunks and drops extensions and trailers', () => {
    const body = Buffer.from('5;chunk-signature=abc\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n');
    expect(decodeAwsChunked(body).toString()).toBe('hello world');
  });

  test('a truncated body is rejected', () => {
    expect(() => decodeAwsChunked(Buffer.from('5\r\nhello\r\n'))).toThrow('The aws-chunked request body ended before its final chunk.');
  });
});
