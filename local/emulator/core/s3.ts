/**
 * A path-style S3-compatible endpoint, just enough for template bundles: CreateBucket, HeadBucket,
 * PutObject, GetObject, HeadObject, DeleteObject, ListObjectsV2 (`prefix`, `max-keys`,
 * `continuation-token`, `start-after`).
 *
 * From S3 documentation: request routes, XML bodies (`ListBucketResult`, `Error` with
 * Code/Message/RequestId), error codes and statuses (NoSuchBucket 404, NoSuchKey 404,
 * InvalidBucketName 400, NotImplemented 501), quoted MD5 ETags, `x-amz-request-id`, HEAD errors
 * without a body, and the `aws-chunked` content encoding the v3 SDK uses for streamed uploads
 * with checksum trailers (decoded here; signatures and checksums are not verified).
 * Inferred: creating a bucket that already exists succeeds (S3's us-east-1 behaviour for the
 * owner); signatures are not verified.
 *
 * IAM: a request signed with a registered access key (iam.ts) is authorized against its
 * principal's policies before it runs — the action of the operation (S3's "Required permissions
 * for Amazon S3 API operations": GetObject and HeadObject `s3:GetObject`, PutObject `s3:PutObject`,
 * DeleteObject `s3:DeleteObject`, CreateBucket `s3:CreateBucket`, HeadBucket and ListObjectsV2
 * `s3:ListBucket`) on the object or bucket ARN — and a denied one answers `403 AccessDenied` with
 * S3's same-account message (the resource ARN in quotes; S3 user guide, "Troubleshoot access
 * denied (403 Forbidden) errors"). Inferred: every bucket belongs to the caller's account.
 */
import type * as http from 'http';
import { AuthorizationCheck, IdentityRegistry, accessKeyIdOf, firstDenial } from './iam';
import type { InMemoryObjectStore } from './s3-store';

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const DEFAULT_MAX_KEYS = 1000;

class S3Error extends Error {
  constructor(public readonly code: string, public readonly status: number, message: string, public readonly extra: Record<string, string> = {}) {
    super(message);
  }
}

const noSuchBucket = (bucket: string) =>
  new S3Error('NoSuchBucket', 404, 'The specified bucket does not exist', { BucketName: bucket });
const noSuchKey = (key: string) => new S3Error('NoSuchKey', 404, 'The specified key does not exist.', { Key: key });

export function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** Decodes an `aws-chunked` body: `<hex size>[;ext]\r\n<data>\r\n ... 0\r\n[trailers]\r\n`. */
export function decodeAwsChunked(body: Buffer): Buffer {
  const chunks: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd < 0) throw new S3Error('IncompleteBody', 400, 'The aws-chunked request body ended before its final chunk.');
    const size = parseInt(body.subarray(offset, lineEnd).toString('ascii').split(';')[0], 16);
    if (Number.isNaN(size)) throw new S3Error('InvalidRequest', 400, 'The aws-chunked request body has an invalid chunk header.');
    if (size === 0) return Buffer.concat(chunks);
    chunks.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
}

function isAwsChunked(req: http.IncomingMessage): boolean {
  const encoding = String(req.headers['content-encoding'] ?? '');
  const sha = String(req.headers['x-amz-content-sha256'] ?? '');
  return encoding.split(',').map((s) => s.trim()).includes('aws-chunked') || sha.startsWith('STREAMING-');
}

function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

function sendXml(res: http.ServerResponse, status: number, xml: string): void {
  const body = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

function sendError(req: http.IncomingMessage, res: http.ServerResponse, error: S3Error, requestId: string): void {
  if (req.method === 'HEAD') {
    res.statusCode = error.status;
    res.end();
    return;
  }
  const extra = Object.entries(error.extra).map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`).join('');
  sendXml(res, error.status, `<Error><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message>${extra}<RequestId>${requestId}</RequestId></Error>`);
}

function listObjectsV2(store: InMemoryObjectStore, bucket: string, query: URLSearchParams): string {
  const prefix = query.get('prefix') ?? '';
  const maxKeys = Math.min(Number(query.get('max-keys') ?? DEFAULT_MAX_KEYS), DEFAULT_MAX_KEYS);
  if (!Number.isInteger(maxKeys) || maxKeys < 0) throw new S3Error('InvalidArgument', 400, 'max-keys must be an integer between 0 and 1000.');
  const token = query.get('continuation-token');
  const after = token !== null ? Buffer.from(token, 'base64').toString('utf-8') : query.get('start-after') ?? '';
  const all = store.list(bucket, prefix).filter((o) => o.key > after);
  const page = all.slice(0, maxKeys);
  const truncated = all.length > page.length;
  const contents = page
    .map((o) => `<Contents><Key>${escapeXml(o.key)}</Key><LastModified>${isoDate(o.lastModifiedMs)}</LastModified>`
      + `<ETag>&quot;${o.etag}&quot;</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`)
    .join('');
  const next = truncated ? `<NextContinuationToken>${Buffer.from(page[page.length - 1].key).toString('base64')}</NextContinuationToken>` : '';
  const echoedToken = token !== null ? `<ContinuationToken>${escapeXml(token)}</ContinuationToken>` : '';
  return `<ListBucketResult xmlns="${XMLNS}"><Name>${escapeXml(bucket)}</Name><Prefix>${escapeXml(prefix)}</Prefix>`
    + `<KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>`
    + `${echoedToken}${next}${contents}</ListBucketResult>`;
}

function handle(store: InMemoryObjectStore, req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const [, bucketPart = '', ...keyParts] = url.pathname.split('/');
  const bucket = decodeURIComponent(bucketPart);
  const key = decodeURIComponent(keyParts.join('/'));
  const method = req.method ?? 'GET';
  if (!bucket) throw new S3Error('NotImplemented', 501, 'Listing buckets is not supported by this emulator.');

  if (!key) {
    if (method === 'PUT') {
      if (!BUCKET_NAME.test(bucket)) throw new S3Error('InvalidBucketName', 400, 'The specified bucket is not valid.', { BucketName: bucket });
      store.createBucket(bucket);
      res.setHeader('Location', `/${bucket}`);
      res.end();
      return;
    }
    if (!store.hasBucket(bucket)) throw noSuchBucket(bucket);
    if (method === 'HEAD') {
      res.end();
      return;
    }
    if (method === 'GET' && url.searchParams.get('list-type') === '2') {
      sendXml(res, 200, listObjectsV2(store, bucket, url.searchParams));
      return;
    }
    throw new S3Error('NotImplemented', 501, `${method} on a bucket is not supported by this emulator (only CreateBucket, HeadBucket, ListObjectsV2).`);
  }

  if (!store.hasBucket(bucket)) throw noSuchBucket(bucket);
  switch (method) {
    case 'PUT': {
      const content = isAwsChunked(req) ? decodeAwsChunked(body) : body;
      const { etag } = store.put(bucket, key, content, req.headers['content-type']);
      res.setHeader('ETag', `"${etag}"`);
      res.end();
      return;
    }
    case 'GET':
    case 'HEAD': {
      const object = store.get(bucket, key);
      if (!object) throw noSuchKey(key);
      res.setHeader('Content-Type', object.contentType ?? 'binary/octet-stream');
      res.setHeader('Content-Length', object.body.length);
      res.setHeader('ETag', `"${object.etag}"`);
      res.setHeader('Last-Modified', httpDate(object.lastModifiedMs));
      res.end(method === 'GET' ? object.body : undefined);
      return;
    }
    case 'DELETE':
      store.delete(bucket, key);
      res.statusCode = 204;
      res.end();
      return;
    default:
      throw new S3Error('NotImplemented', 501, `${method} on an object is not supported by this emulator.`);
  }
}

/** The action and resource IAM authorizes an S3 request on. */
function authorizationOf(req: http.IncomingMessage, accountId: string): AuthorizationCheck {
  const [, bucketPart = '', ...keyParts] = new URL(req.url ?? '/', 'http://localhost').pathname.split('/');
  const bucket = decodeURIComponent(bucketPart);
  const key = decodeURIComponent(keyParts.join('/'));
  const method = req.method ?? 'GET';
  if (!bucket) return { action: 's3:ListAllMyBuckets', resource: '*', resourceAccountId: accountId };
  if (!key) {
    const action = method === 'PUT' ? 's3:CreateBucket' : 's3:ListBucket';
    return { action, resource: `arn:aws:s3:::${bucket}`, resourceAccountId: accountId };
  }
  const action = method === 'PUT' ? 's3:PutObject' : method === 'DELETE' ? 's3:DeleteObject' : 's3:GetObject';
  return { action, resource: `arn:aws:s3:::${bucket}/${key}`, resourceAccountId: accountId };
}

/** Handles one S3 request whose body has been read. */
export async function handleS3Request(
  store: InMemoryObjectStore,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
  requestId: string,
  identities?: IdentityRegistry,
): Promise<void> {
  res.setHeader('x-amz-request-id', requestId);
  try {
    const identity = identities?.get(accessKeyIdOf(req.headers.authorization));
    if (identity) {
      const denial = await firstDenial(identity, [authorizationOf(req, identity.accountId)], true);
      if (denial !== undefined) throw new S3Error('AccessDenied', 403, denial);
    }
    handle(store, req, res, body);
  } catch (e) {
    if (!(e instanceof S3Error)) throw e;
    sendError(req, res, e, requestId);
  }
}
