import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { TemplateBundle, TemplateBundleBindOptions, TemplateBundleConfig, TemplateType } from '../../src/constructs/template-bundle';
import { contentHash, readDirectoryFiles } from '../../src/private/deterministic-tar';
import { unpackTemplateBundle } from '../../src/private/template-bundle-rules';
import {
  BROKEN_BUNDLES, BUNDLES_DIR, CUSTOMER_MANAGED, ENVIRONMENT, fixtureDir, GENERATED_BROKEN_BUNDLES, SERVICE, SERVICE_WITH_PIPELINE, VALID_BUNDLES,
} from '../fixtures/bundles/corpus';

const ENV = { account: '123456789012', region: 'us-east-1' };
const VERSION_TYPE = 'Test::TemplateVersion';

/** Stands in for a template version: binds the bundle and writes the location where the version would. */
class BundleUser extends Construct {
  public readonly config: TemplateBundleConfig;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, bundle: TemplateBundle, kind: Omit<TemplateBundleBindOptions, 'grantee'>) {
    super(scope, id);
    this.role = new iam.Role(this, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    this.config = bundle.bind(this, { ...kind, grantee: this.role });
    new CfnResource(this, 'Version', { type: VERSION_TYPE, properties: { Bucket: this.config.bucketName, Key: this.config.objectKey } });
  }
}

function synth(bundle: TemplateBundle, kind: Omit<TemplateBundleBindOptions, 'grantee'> = ENVIRONMENT) {
  const app = new App();
  const stack = new Stack(app, 'TestStack', { env: ENV });
  const user = new BundleUser(stack, 'User', bundle, kind);
  const assembly = app.synth();
  const template = Template.fromStack(stack);
  const version = Object.values(template.findResources(VERSION_TYPE))[0] as any;
  return { stack, user, assembly, template, key: version.Properties.Key as string };
}

/** The staged archive of the stack's only file asset. */
function stagedArchive(assembly: ReturnType<App['synth']>): Buffer {
  const files = fs.readdirSync(assembly.directory).filter((f) => f.startsWith('asset.'));
  expect(files).toHaveLength(1);
  return fs.readFileSync(path.join(assembly.directory, files[0]));
}

let workDir: string;
beforeEach(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'template-bundle-test-'));
});
afterEach(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** Copies a fixture into the work directory (to change it, or to pack it from another place). */
function copyFixture(name: string, to: string): string {
  fs.cpSync(path.join(BUNDLES_DIR, name), to, { recursive: true });
  return to;
}

describe('TemplateBundle.fromDirectory', () => {
  test.each(VALID_BUNDLES)('$name is a valid bundle for $kind.description', ({ name, kind }) => {
    const { key, assembly } = synth(TemplateBundle.fromDirectory(fixtureDir(name)), kind);
    const files = readDirectoryFiles(path.join(BUNDLES_DIR, name));
    // The object key is the content hash (which CDK hashes once more): the same content keeps its key.
    expect(key).toBe(`${sha256(contentHash(files))}.gz`);
    expect(unpackTemplateBundle(stagedArchive(assembly))).toEqual(files);
  });

  test('publishes the bundle as a file asset in the bootstrap bucket', () => {
    const { template, key } = synth(TemplateBundle.fromDirectory(fixtureDir('env-cloudformation')));
    template.hasResourceProperties(VERSION_TYPE, {
      Bucket: 'cdk-hnb659fds-assets-123456789012-us-east-1',
      Key: key,
    });
  });

  test('grants the caller s3:GetObject on the bundle object only', () => {
    const { template, key } = synth(TemplateBundle.fromDirectory(fixtureDir('env-cloudformation')));
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual([{
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::cdk-hnb659fds-assets-123456789012-us-east-1/${key}`]] },
    }]);
  });

  test('the schema is available with its input types', () => {
    const env = synth(TemplateBundle.fromDirectory(fixtureDir('env-cloudformation'))).user.config.schema!;
    expect(env.yaml).toBe(fs.readFileSync(path.join(BUNDLES_DIR, 'env-cloudformation', 'schema', 'schema.yaml'), 'utf8'));
    expect(env.environmentInputType).toEqual({ name: 'EnvInput', propertyNames: ['bucket_prefix', 'retention_days'], requiredPropertyNames: [] });
    expect(env.serviceInputType).toBeUndefined();
    expect(env.pipelineInputType).toBeUndefined();

    const svc = synth(TemplateBundle.fromDirectory(fixtureDir('svc-with-pipeline')), SERVICE_WITH_PIPELINE).user.config.schema!;
    expect(svc.environmentInputType).toBeUndefined();
    expect(svc.serviceInputType).toEqual({ name: 'SvcInput', propertyNames: ['message'], requiredPropertyNames: ['message'] });
    expect(svc.pipelineInputType).toEqual({ name: 'PipeInput', propertyNames: ['test_command'], requiredPropertyNames: [] });
  });

  test('one bundle can be used by several versions, each checked for its own kind', () => {
    const bundle = TemplateBundle.fromDirectory(fixtureDir('svc-with-pipeline'));
    const stack = new Stack(new App(), 'TestStack', { env: ENV });
    const first = new BundleUser(stack, 'First', bundle, SERVICE_WITH_PIPELINE);
    const second = new BundleUser(stack, 'Second', bundle, SERVICE_WITH_PIPELINE);
    expect(stack.resolve(second.config.objectKey)).toBe(stack.resolve(first.config.objectKey));
    expect(() => new BundleUser(stack, 'Third', bundle, SERVICE)).toThrow(/^Invalid template bundle '.*svc-with-pipeline' for a service template without a pipeline:\n {2}pipeline_infrastructure\/: /);
  });

  test('leaves excluded files out of the bundle and out of its hash', () => {
    const dir = copyFixture('env-cloudformation', path.join(workDir, 'bundle'));
    const plain = synth(TemplateBundle.fromDirectory(dir)).key;
    fs.writeFileSync(path.join(dir, 'README.md'), '# notes\n');
    fs.writeFileSync(path.join(dir, 'infrastructure', 'cloudformation.yaml.swp'), 'editor state');
    expect(synth(TemplateBundle.fromDirectory(dir)).key).not.toBe(plain);
    const excluded = synth(TemplateBundle.fromDirectory(dir, { exclude: ['README.md', '*.swp'] }));
    expect(excluded.key).toBe(plain);
    expect([...unpackTemplateBundle(stagedArchive(excluded.assembly)).keys()].sort())
      .toEqual(['infrastructure/cloudformation.yaml', 'infrastructure/manifest.yaml', 'schema/schema.yaml']);
  });

  test('a changed file changes the object key', () => {
    const dir = copyFixture('env-cloudformation', path.join(workDir, 'bundle'));
    const before = synth(TemplateBundle.fromDirectory(dir)).key;
    fs.appendFileSync(path.join(dir, 'infrastructure', 'cloudformation.yaml'), '  Extra:\n    Value: x\n');
    expect(synth(TemplateBundle.fromDirectory(dir)).key).not.toBe(before);
  });

  test('determinism: the same directory from another place, with other file times and from another working directory, gives the same bytes and asset hash', () => {
    const first = copyFixture('svc-with-pipeline', path.join(workDir, 'a', 'bundle'));
    const second = copyFixture('svc-with-pipeline', path.join(workDir, 'b', 'nested', 'bundle'));
    for (const file of readDirectoryFiles(first).keys()) {
      fs.utimesSync(path.join(first, file), new Date('2001-01-01T00:00:00Z'), new Date('2001-01-01T00:00:00Z'));
      fs.utimesSync(path.join(second, file), new Date('2031-06-15T12:34:56Z'), new Date('2031-06-15T12:34:56Z'));
    }
    const cwd = process.cwd();
    let runs: ReturnType<typeof synth>[];
    try {
      process.chdir(path.join(workDir, 'a'));
      const a = synth(TemplateBundle.fromDirectory('bundle'), SERVICE_WITH_PIPELINE);
      process.chdir(path.join(workDir, 'b', 'nested'));
      const b = synth(TemplateBundle.fromDirectory(path.join('.', 'bundle')), SERVICE_WITH_PIPELINE);
      runs = [a, b];
    } finally {
      process.chdir(cwd);
    }
    expect(runs[1].key).toBe(runs[0].key);
    expect(stagedArchive(runs[1].assembly).equals(stagedArchive(runs[0].assembly))).toBe(true);
    const assetHashes = runs.map(({ stack, assembly }) => fileAssetHashes(assembly.directory, stack));
    expect(assetHashes[1]).toEqual(assetHashes[0]);
    expect(assetHashes[0]).toEqual([sha256(contentHash(readDirectoryFiles(first)))]);
  });

  describe('broken bundles fail synth with every problem and its file', () => {
    test.each(BROKEN_BUNDLES)('$name', ({ name, kind, problems }) => {
      const dir = fixtureDir(name);
      expect(() => synth(TemplateBundle.fromDirectory(dir), kind)).toThrow(
        new Error(`Invalid template bundle '${dir}' for ${kind.description}:\n${problems.map((p) => `  ${p}`).join('\n')}`),
      );
    });
  });

  describe("Proton's size limits", () => {
    test.each(GENERATED_BROKEN_BUNDLES)('$name', ({ name, kind, build, problems }) => {
      const dir = path.join(workDir, name);
      build(dir);
      expect(() => synth(TemplateBundle.fromDirectory(dir), kind)).toThrow(
        new Error(`Invalid template bundle '${dir}' for ${kind.description}:\n${problems.map((p) => `  ${p}`).join('\n')}`),
      );
    });

    test('throws when the packed bundle is larger than 10 MB', () => {
      const dir = copyFixture('env-cloudformation', path.join(workDir, 'bundle'));
      // Random bytes do not compress: six 1.9 MB files make an archive over 10 MB, each file within its limit.
      for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(dir, `blob-${i}.bin`), crypto.randomBytes(1_900_000));
      expect(() => synth(TemplateBundle.fromDirectory(dir))).toThrow(new RegExp(
        `^Invalid template bundle '${escape(dir)}' for an environment template:\\n {2}The template bundle is \\d{8} bytes; bundles are limited to 10485760 bytes \\(10 MB\\)\\.$`,
      ));
    });
  });

  test('throws when the directory does not exist', () => {
    const missing = path.join(workDir, 'nope');
    expect(() => TemplateBundle.fromDirectory(missing)).toThrow(`TemplateBundle.fromDirectory: '${missing}' is not a directory (resolved to ${missing}). `
      + 'Give the path of the directory holding schema/schema.yaml and the infrastructure directories.');
  });

  test('throws when the directory holds a link out of it', () => {
    const dir = copyFixture('env-cloudformation', path.join(workDir, 'bundle'));
    fs.writeFileSync(path.join(workDir, 'elsewhere.yaml'), 'x: 1\n');
    fs.symlinkSync(path.join(workDir, 'elsewhere.yaml'), path.join(dir, 'infrastructure', 'extra.yaml'));
    expect(() => synth(TemplateBundle.fromDirectory(dir))).toThrow(/infrastructure\/extra\.yaml is a symbolic link to .*elsewhere\.yaml, outside .*bundle; copy the file into the directory instead\.$/);
  });
});

describe('TemplateBundle.fromS3', () => {
  test('passes the bucket and key through, grants s3:GetObject on that object only, and has no schema', () => {
    const bucket = s3.Bucket.fromBucketName(new Stack(), 'Bucket', 'my-bundles');
    const { template, user } = synth(TemplateBundle.fromS3(bucket, 'env/v1.tar.gz'), CUSTOMER_MANAGED);
    template.hasResourceProperties(VERSION_TYPE, { Bucket: 'my-bundles', Key: 'env/v1.tar.gz' });
    expect(user.config.schema).toBeUndefined();
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual([{
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::my-bundles/env/v1.tar.gz']] },
    }]);
  });

  test('grants kms:Decrypt on the key of a bucket encrypted with a customer managed key', () => {
    const stack = new Stack();
    const key = new kms.Key(stack, 'Key');
    const bucket = s3.Bucket.fromBucketAttributes(stack, 'Bucket', { bucketName: 'my-bundles', encryptionKey: key });
    const { template } = synth(TemplateBundle.fromS3(bucket, 'env/v1.tar.gz'), CUSTOMER_MANAGED);
    const actions = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
      .map((statement: any) => statement.Action);
    expect(actions).toEqual(['s3:GetObject', 'kms:Decrypt']);
  });

  test.each(['', 'k'.repeat(1025)])('throws when the key is not 1 to 1024 characters (%#)', (key) => {
    const bucket = s3.Bucket.fromBucketName(new Stack(), 'Bucket', 'my-bundles');
    expect(() => TemplateBundle.fromS3(bucket, key))
      .toThrow(`TemplateBundle.fromS3: key must be 1 to 1024 characters long, got ${key.length}. Give the object key of the bundle.`);
  });
});

describe('bind', () => {
  const bucket = () => s3.Bucket.fromBucketName(new Stack(), 'Bucket', 'my-bundles');

  test('throws when customerManaged is given for a service template', () => {
    expect(() => synth(TemplateBundle.fromS3(bucket(), 'k'), { templateType: TemplateType.SERVICE, customerManaged: true }))
      .toThrow('TemplateBundle.bind: customerManaged applies to environment templates only; a service template has hasPipeline instead.');
  });

  test('throws when hasPipeline is given for an environment template', () => {
    expect(() => synth(TemplateBundle.fromDirectory(fixtureDir('env-cloudformation')), { templateType: TemplateType.ENVIRONMENT, hasPipeline: true }))
      .toThrow('TemplateBundle.bind: hasPipeline applies to service templates only; an environment template has customerManaged instead.');
  });
});

/** The hashes of the file assets staged from `asset.*` files (the stack template is an asset too). */
function fileAssetHashes(assemblyDir: string, stack: Stack): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(assemblyDir, `${stack.artifactId}.assets.json`), 'utf8'));
  return Object.entries(manifest.files as Record<string, { source: { path: string } }>)
    .filter(([, entry]) => entry.source.path.startsWith('asset.'))
    .map(([hash]) => hash);
}

function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
