/**
 * The template bundle fixtures, packed exactly as `TemplateBundle.fromDirectory` packs them and
 * uploaded with the S3 client, registered with the emulator: valid ones register, broken ones fail
 * registration with the same problems the synth-time check reports.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CreateEnvironmentTemplateCommand, CreateEnvironmentTemplateVersionCommand, CreateServiceTemplateCommand,
  CreateServiceTemplateVersionCommand, GetEnvironmentTemplateVersionCommand, GetServiceTemplateVersionCommand,
  ProtonClient, UpdateEnvironmentTemplateVersionCommand,
} from '@aws-sdk/client-proton';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3Client } from './helpers';
import { BUCKET, REGISTRATION_MS, templateEmulatorFixture } from './template-fixtures';
import type { Emulator } from '../../local/emulator';
import { TemplateType } from '../../src/constructs/template-bundle';
import { createDeterministicTarGz, readDirectoryFiles } from '../../src/private/deterministic-tar';
import { BROKEN_BUNDLES, BundleKind, BUNDLES_DIR, GENERATED_BROKEN_BUNDLES, VALID_BUNDLES } from '../fixtures/bundles/corpus';

const fx = templateEmulatorFixture();
/** The environment template service versions are compatible with. */
const COMPATIBLE_ENV = 'web-env';

/** Packs the bundle directory `dir` (absolute, or a fixture name) and uploads it. */
async function upload(emu: Emulator, key: string, dir: string): Promise<{ bucket: string; key: string }> {
  const s3 = s3Client(emu);
  try {
    const body = createDeterministicTarGz(readDirectoryFiles(path.resolve(BUNDLES_DIR, dir)));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    return { bucket: BUCKET, key };
  } finally {
    s3.destroy();
  }
}

/** Creates a template of `kind` named `name`, registers the bundle directory as its first version and returns the version once registration ran. */
async function register(proton: ProtonClient, emu: Emulator, name: string, kind: BundleKind, dir: string) {
  const source = { s3: await upload(emu, `${name}.tar.gz`, dir) };
  if (kind.templateType === TemplateType.ENVIRONMENT) {
    await proton.send(new CreateEnvironmentTemplateCommand({ name, provisioning: kind.customerManaged ? 'CUSTOMER_MANAGED' : undefined }));
    await proton.send(new CreateEnvironmentTemplateVersionCommand({ templateName: name, source }));
    emu.control.advance(REGISTRATION_MS);
    return (await proton.send(new GetEnvironmentTemplateVersionCommand({ templateName: name, majorVersion: '1', minorVersion: '0' }))).environmentTemplateVersion!;
  }
  await proton.send(new CreateServiceTemplateCommand({ name, pipelineProvisioning: kind.hasPipeline ? undefined : 'CUSTOMER_MANAGED' }));
  await proton.send(new CreateServiceTemplateVersionCommand({
    templateName: name, source, compatibleEnvironmentTemplates: [{ templateName: COMPATIBLE_ENV, majorVersion: '1' }],
  }));
  emu.control.advance(REGISTRATION_MS);
  return (await proton.send(new GetServiceTemplateVersionCommand({ templateName: name, majorVersion: '1', minorVersion: '0' }))).serviceTemplateVersion!;
}

/** A template name from a fixture name (`broken/env-x` → `broken-env-x`). */
function templateName(fixture: string): string {
  return fixture.replace(/\//g, '-');
}

beforeEach(async () => {
  const s3 = s3Client(fx.emu);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  } finally {
    s3.destroy();
  }
  // Service template versions need a compatible environment template major version.
  await fx.proton.send(new CreateEnvironmentTemplateCommand({ name: COMPATIBLE_ENV }));
  await fx.proton.send(new CreateEnvironmentTemplateVersionCommand({ templateName: COMPATIBLE_ENV, source: { s3: await upload(fx.emu, 'web-env.tar.gz', 'env-cloudformation') } }));
  fx.emu.control.advance(REGISTRATION_MS);
  await fx.proton.send(new UpdateEnvironmentTemplateVersionCommand({ templateName: COMPATIBLE_ENV, majorVersion: '1', minorVersion: '0', status: 'PUBLISHED' }));
});

test.each(VALID_BUNDLES)('$name registers for $kind.description', async ({ name, kind }) => {
  const version = await register(fx.proton, fx.emu, templateName(name), kind, name);
  expect(version).toMatchObject({ status: 'DRAFT', schema: readDirectoryFiles(path.join(BUNDLES_DIR, name)).get('schema/schema.yaml')!.toString('utf8') });
  expect(version.statusMessage).toBeUndefined();
});

test.each(BROKEN_BUNDLES)('$name fails registration with the synth-time problems', async ({ name, kind, problems }) => {
  const template = templateName(name);
  const version = await register(fx.proton, fx.emu, template, kind, name);
  expect(version.status).toBe('REGISTRATION_FAILED');
  // The same problems, in the same order, as the synth-time error of test/constructs/template-bundle.test.ts.
  expect(version.statusMessage).toBe(`The template bundle s3://${BUCKET}/${template}.tar.gz is invalid: ${problems.join('; ')}`);
});

describe('bundles over the size limits', () => {
  let workDir: string;
  beforeEach(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-corpus-test-'));
  });
  afterEach(() => {
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  test.each(GENERATED_BROKEN_BUNDLES)('$name fails registration with the synth-time problems', async ({ name, kind, build, problems }) => {
    const dir = path.join(workDir, name);
    build(dir);
    const version = await register(fx.proton, fx.emu, name, kind, dir);
    expect(version.status).toBe('REGISTRATION_FAILED');
    expect(version.statusMessage).toBe(`The template bundle s3://${BUCKET}/${name}.tar.gz is invalid: ${problems.join('; ')}`);
  });
});
