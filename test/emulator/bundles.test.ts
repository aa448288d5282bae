import {
  CreateEnvironmentTemplateCommand, CreateEnvironmentTemplateVersionCommand, GetEnvironmentTemplateVersionCommand,
} from '@aws-sdk/client-proton';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { s3Client, uploadBundle } from './helpers';
import { BUCKET, CFN_MANIFEST, changed, ENV_BUNDLE, ENV_SCHEMA, REGISTRATION_MS, templateEmulatorFixture } from './template-fixtures';

const fx = templateEmulatorFixture();

/** Registers `source` as a new major of `template` and returns the version once registration has run. */
async function register(source: { bucket: string; key: string }, template = 'web-env') {
  const { environmentTemplateVersion: created } = await fx.proton.send(
    new CreateEnvironmentTemplateVersionCommand({ templateName: template, source: { s3: source } }));
  fx.emu.control.advance(REGISTRATION_MS);
  const { environmentTemplateVersion } = await fx.proton.send(new GetEnvironmentTemplateVersionCommand({
    templateName: template, majorVersion: created!.majorVersion, minorVersion: created!.minorVersion,
  }));
  return environmentTemplateVersion!;
}

beforeEach(async () => {
  await fx.proton.send(new CreateEnvironmentTemplateCommand({ name: 'web-env' }));
});

test('a valid bundle registers as DRAFT, also when wrapped in one top-level directory', async () => {
  expect(await register(await uploadBundle(fx.emu, BUCKET, 'env.tar.gz', ENV_BUNDLE))).toMatchObject({ status: 'DRAFT', schema: ENV_SCHEMA });
  const wrapped = Object.fromEntries(Object.entries(ENV_BUNDLE).map(([path, text]) => [`environment/${path}`, text]));
  expect(await register(await uploadBundle(fx.emu, BUCKET, 'wrapped.tar.gz', wrapped))).toMatchObject({ status: 'DRAFT', schema: ENV_SCHEMA });
});

test('a customer-managed environment template takes a schema-only bundle', async () => {
  await fx.proton.send(new CreateEnvironmentTemplateCommand({ name: 'external', provisioning: 'CUSTOMER_MANAGED' }));
  const schemaOnly = { 'schema/schema.yaml': ENV_SCHEMA.replace('          default: "demo"\n', '') };
  expect(await register(await uploadBundle(fx.emu, BUCKET, 'cm.tar.gz', schemaOnly), 'external')).toMatchObject({ status: 'DRAFT' });
  const failed = await register(await uploadBundle(fx.emu, BUCKET, 'cm-full.tar.gz', ENV_BUNDLE), 'external');
  expect(failed).toMatchObject({
    status: 'REGISTRATION_FAILED',
    statusMessage: 'The template bundle s3://bundles/cm-full.tar.gz is invalid: infrastructure/: a customer-managed environment template bundle '
      + 'contains only schema/schema.yaml; remove the infrastructure directory',
  });
});

test('a missing bucket or object fails registration naming them', async () => {
  expect(await register({ bucket: 'no-such-bucket', key: 'env.tar.gz' })).toMatchObject({
    status: 'REGISTRATION_FAILED',
    statusMessage: "Could not read the template bundle s3://no-such-bucket/env.tar.gz: the bucket 'no-such-bucket' does not exist. "
      + 'Upload the bundle, then create a new template version.',
  });
  await uploadBundle(fx.emu, BUCKET, 'present.tar.gz', ENV_BUNDLE);
  expect(await register({ bucket: BUCKET, key: 'absent.tar.gz' })).toMatchObject({
    status: 'REGISTRATION_FAILED',
    statusMessage: "Could not read the template bundle s3://bundles/absent.tar.gz: there is no object with key 'absent.tar.gz' in bucket 'bundles'. "
      + 'Upload the bundle, then create a new template version.',
  });
});

test('an object that is not a tar.gz fails registration', async () => {
  await uploadBundle(fx.emu, BUCKET, 'env.tar.gz', ENV_BUNDLE);
  const s3 = s3Client(fx.emu);
  try {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'notes.txt', Body: 'just some text' }));
  } finally {
    s3.destroy();
  }
  expect(await register({ bucket: BUCKET, key: 'notes.txt' })).toMatchObject({
    status: 'REGISTRATION_FAILED',
    statusMessage: 'The template bundle s3://bundles/notes.txt could not be unpacked: The template bundle is not a valid tar.gz archive: '
      + 'TAR_BAD_ARCHIVE: Unrecognized archive format.',
  });
});

test('the IaC file is not checked at registration: a template that is not YAML even once rendered registers (its deployments fail)', async () => {
  const key = 'template-not-yaml.tar.gz';
  const version = await register(await uploadBundle(fx.emu, BUCKET, key, changed(ENV_BUNDLE, { 'infrastructure/cloudformation.yaml': 'Resources:\n  Bucket: {Type: [\n' })));
  expect(version.status).toBe('DRAFT');
});

describe('broken bundles fail registration with a message naming the file', () => {
  test.each<[string, Record<string, string | undefined>, string]>([
    ['no schema', { 'schema/schema.yaml': undefined }, 'schema/schema.yaml: is missing; every template bundle needs a schema file'],
    ['schema not YAML', { 'schema/schema.yaml': 'schema: {format: [' },
      'schema/schema.yaml: is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] (line 1, column 19)'],
    ['input type not defined', { 'schema/schema.yaml': ENV_SCHEMA.replace('environment_input_type: "EnvInput"', 'environment_input_type: "Other"') },
      "schema/schema.yaml: schema.environment_input_type 'Other' is not defined in schema.types"],
    ['pipeline input type in an environment schema', { 'schema/schema.yaml': ENV_SCHEMA.replace('  types:', '  pipeline_input_type: "EnvInput"\n  types:') },
      'schema/schema.yaml: schema.pipeline_input_type is not allowed in an environment template schema; remove it'],
    ['default not matching its pattern', { 'schema/schema.yaml': ENV_SCHEMA.replace('default: "demo"', 'default: "Not Valid"') },
      "schema/schema.yaml: schema.types.EnvInput.properties.bucket_prefix.default does not match the property's own schema: must match the pattern ^[a-z0-9-]{1,20}$"],
    ['no manifest', { 'infrastructure/manifest.yaml': undefined },
      'infrastructure/manifest.yaml: is missing; every infrastructure directory needs a manifest.yaml listing its template files (infrastructure/ has 1 file(s))'],
    ['unknown rendering engine', { 'infrastructure/manifest.yaml': CFN_MANIFEST.replace('jinja', 'mustache') },
      'infrastructure/manifest.yaml: infrastructure.templates[0].rendering_engine must be one of jinja, hcl, codebuild (found "mustache")'],
    ['template file missing', { 'infrastructure/cloudformation.yaml': undefined, 'infrastructure/template.yaml': 'Resources: {}' },
      'infrastructure/cloudformation.yaml: is listed in infrastructure/manifest.yaml but is not in the bundle'],
    ['service directory in an environment bundle', { 'instance_infrastructure/manifest.yaml': CFN_MANIFEST },
      'instance_infrastructure/: is not part of an environment template bundle (expected schema/ and infrastructure/); remove instance_infrastructure/'],
  ])('%s', async (name, changes, problem) => {
    const key = `${name.replace(/ /g, '-')}.tar.gz`;
    const version = await register(await uploadBundle(fx.emu, BUCKET, key, changed(ENV_BUNDLE, changes)));
    expect(version.status).toBe('REGISTRATION_FAILED');
    expect(version.statusMessage).toBe(`The template bundle s3://bundles/${key} is invalid: ${problem}`);
    expect(version.schema).toBeUndefined();
  });
});
