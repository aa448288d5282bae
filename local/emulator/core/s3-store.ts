/**
 * In-memory object store behind the S3-compatible endpoint (runtime.ts `ObjectStore`). ETags are
 * the hex MD5 of the body, as S3 computes them for single-part uploads (S3 documentation).
 */
import { createHash } from 'crypto';
import type { Clock, ObjectStore } from './runtime';

interface StoredObject {
  body: Buffer;
  contentType?: string;
  etag: string;
  lastModifiedMs: number;
}

export class InMemoryObjectStore implements ObjectStore {
  private readonly buckets = new Map<string, Map<string, StoredObject>>();

  constructor(private readonly clock: Clock) {}

  public createBucket(bucket: string): void {
    if (!this.buckets.has(bucket)) this.buckets.set(bucket, new Map());
  }

  public hasBucket(bucket: string): boolean {
    return this.buckets.has(bucket);
  }

  public put(bucket: string, key: string, body: Buffer, contentType?: string): { etag: string } {
    const objects = this.objects(bucket);
    const etag = createHash('md5').update(body).digest('hex');
    objects.set(key, { body: Buffer.from(body), contentType, etag, lastModifiedMs: this.clock.nowMs() });
    return { etag };
  }

  public get(bucket: string, key: string) {
    const object = this.buckets.get(bucket)?.get(key);
    return object ? { ...object, body: Buffer.from(object.body) } : undefined;
  }

  public list(bucket: string, prefix = '') {
    return [...this.objects(bucket)]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, o]) => ({ key, size: o.body.length, etag: o.etag, lastModifiedMs: o.lastModifiedMs }));
  }

  public delete(bucket: string, key: string): void {
    this.buckets.get(bucket)?.delete(key);
  }

  /** Buckets and object metadata, without bodies (for the state dump). */
  public dump() {
    return Object.fromEntries(
      [...this.buckets.keys()].map((bucket) => [bucket, this.list(bucket).map(({ key, size, etag }) => ({ key, size, etag }))]),
    );
  }

  private objects(bucket: string): Map<string, StoredObject> {
    const objects = this.buckets.get(bucket);
    if (!objects) throw new Error(`Bucket '${bucket}' does not exist.`);
    return objects;
  }
}
