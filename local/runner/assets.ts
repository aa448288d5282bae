/**
 * Asset publishing to the endpoint's S3, with the CDK's own publisher (@aws-cdk/cdk-assets-lib):
 * the same zip, object keys and existence checks as `cdk deploy`, uploaded through a real S3
 * client (path-style, dummy credentials) to the local endpoint. Creating the buckets the asset
 * manifest names is the local equivalent of `cdk bootstrap`.
 */
import * as path from 'path';
import { AssetManifest, AssetPublishing, EventType, FileManifestEntry, IAws, IPublishProgress, IS3Client } from '@aws-cdk/cdk-assets-lib';
import { CreateBucketCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { EnvironmentPlaceholders } from 'aws-cdk-lib/cx-api';
import { AwsTarget } from './target';

/** A file asset as published: where its source is in the assembly and where it went in S3. */
export interface PublishedAsset {
  readonly bucket: string;
  readonly key: string;
  /** Absolute path of the asset's source (a directory for zip-packaged assets). */
  readonly sourcePath: string;
  readonly packaging: 'file' | 'zip';
}

export function s3Client(target: AwsTarget): S3Client {
  return new S3Client({
    endpoint: target.endpoint,
    region: target.region,
    forcePathStyle: true,
    credentials: target.credentials,
  });
}

/** Publishes every file asset of an asset manifest; returns what was published. */
export async function publishAssets(manifestFile: string, target: AwsTarget, log: (line: string) => void): Promise<PublishedAsset[]> {
  const manifest = AssetManifest.fromFile(manifestFile);
  const files = manifest.entries.filter((e): e is FileManifestEntry => e instanceof FileManifestEntry);
  const unsupported = manifest.entries.filter((e) => !(e instanceof FileManifestEntry));
  if (unsupported.length > 0) {
    throw new Error(
      `The local runner publishes file assets only; ${manifestFile} has container image assets (${unsupported.map((e) => e.id.assetId).join(', ')}).`,
    );
  }
  const client = s3Client(target);
  const published = files.map((entry) => describe(entry, manifest.directory, target));
  for (const bucket of new Set(published.map((p) => p.bucket))) {
    await ensureBucket(client, bucket, log);
  }
  const publishing = new AssetPublishing(manifest, {
    aws: localAws(client, target),
    publishInParallel: false,
    throwOnError: true,
    progressListener: {
      onPublishEvent: (type: EventType, event: IPublishProgress) => {
        if (type === EventType.UPLOAD || type === EventType.FOUND || type === EventType.FAIL) log(`assets: ${event.message}`);
      },
    },
  });
  await publishing.publish();
  return published;
}

function describe(entry: FileManifestEntry, directory: string, target: AwsTarget): PublishedAsset {
  const destination = EnvironmentPlaceholders.replace(entry.destination, {
    accountId: target.accountId,
    region: entry.destination.region ?? target.region,
    partition: target.partition,
  });
  return {
    bucket: destination.bucketName,
    key: destination.objectKey,
    sourcePath: path.resolve(directory, entry.source.path ?? ''),
    packaging: entry.source.packaging === 'zip' ? 'zip' : 'file',
  };
}

/** The local "bootstrap": the asset bucket exists. */
async function ensureBucket(client: S3Client, bucket: string, log: (line: string) => void): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (e) {
    if ((e as Error).name !== 'NotFound' && (e as Error).name !== 'NoSuchBucket') throw e;
    log(`bootstrap: creating asset bucket ${bucket}`);
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}

/**
 * The publisher's view of AWS: the target account and region, and an S3 client for the local
 * endpoint. The local S3 has no bucket policies or encryption settings: a bucket that answers
 * HeadBucket is "ours", and every bucket is unencrypted.
 */
function localAws(client: S3Client, target: AwsTarget): IAws {
  const account = { accountId: target.accountId, partition: target.partition };
  const s3: IS3Client = {
    getBucketLocation: async (input) => {
      try {
        await client.send(new HeadBucketCommand({ Bucket: input.Bucket }));
      } catch (e) {
        if ((e as Error).name === 'NotFound') throw Object.assign(new Error(`No bucket named ${input.Bucket}`), { name: 'NoSuchBucket' });
        throw e;
      }
      return { $metadata: {}, LocationConstraint: undefined };
    },
    getBucketEncryption: async () => ({ $metadata: {}, ServerSideEncryptionConfiguration: { Rules: [] } }),
    listObjectsV2: (input) => client.send(new ListObjectsV2Command(input)),
    upload: async (input) => {
      const body = await readBody(input.Body);
      const output = await client.send(new PutObjectCommand({ Bucket: input.Bucket, Key: input.Key, Body: body, ContentType: input.ContentType }));
      return { $metadata: output.$metadata, Bucket: input.Bucket, Key: input.Key, ETag: output.ETag };
    },
  };
  return {
    discoverPartition: async () => target.partition,
    discoverDefaultRegion: async () => target.region,
    discoverCurrentAccount: async () => account,
    discoverTargetAccount: async () => account,
    s3Client: async () => s3,
    ecrClient: async () => {
      throw new Error('The local runner does not publish container image assets.');
    },
    secretsManagerClient: async () => {
      throw new Error('The local runner does not read secrets.');
    },
  };
}

async function readBody(body: unknown): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
