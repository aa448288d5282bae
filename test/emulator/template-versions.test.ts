import {
  CreateEnvironmentCommand, CreateEnvironmentTemplateCommand, CreateEnvironmentTemplateVersionCommand, CreateServiceTemplateCommand,
  CreateServiceTemplateVersionCommand,
  DeleteEnvironmentTemplateCommand, DeleteEnvironmentTemplateVersionCommand, GetEnvironmentTemplateCommand, GetEnvironmentTemplateVersionCommand,
  GetServiceTemplateVersionCommand, ListEnvironmentTemplateVersionsCommand, ListServiceTemplateVersionsCommand,
  UpdateEnvironmentTemplateVersionCommand, UpdateServiceTemplateVersionCommand,
  waitUntilEnvironmentTemplateVersionRegistered, waitUntilServiceTemplateVersionRegistered,
} from '@aws-sdk/client-proton';
import { uploadBundle } from './helpers';
import { BUCKET, changed, ENV_BUNDLE, ENV_SCHEMA, REGISTRATION_MS, SVC_BUNDLE, templateEmulatorFixture } from './template-fixtures';

const fx = templateEmulatorFixture();
const ACCOUNT = '111111111111';
const START_MS = Date.parse('2026-01-01T00:00:00Z');
const EIGHT_HOURS_MS = 8 * 60 * 60 * 1000;

let envSource: { s3: { bucket: string; key: string } };
beforeEach(async () => {
  envSource = { s3: await uploadBundle(fx.emu, BUCKET, 'env.tar.gz', ENV_BUNDLE) };
  await fx.proton.send(new CreateEnvironmentTemplateCommand({ name: 'web-env' }));
});

const createEnvVersion = (majorVersion?: string, extra: { clientToken?: string; description?: string } = {}) =>
  fx.proton.send(new CreateEnvironmentTemplateVersionCommand({ templateName: 'web-env', source: envSource, majorVersion, ...extra }));
const getEnvVersion = async (major: string, minor: string) =>
  (await fx.proton.send(new GetEnvironmentTemplateVersionCommand({ templateName: 'web-env', majorVersion: major, minorVersion: minor }))).environmentTemplateVersion!;
const publishEnvVersion = (major: string, minor: string) =>
  fx.proton.send(new UpdateEnvironmentTemplateVersionCommand({ templateName: 'web-env', majorVersion: major, minorVersion: minor, status: 'PUBLISHED' }));
const deleteEnvVersion = (major: string, minor: string) =>
  fx.proton.send(new DeleteEnvironmentTemplateVersionCommand({ templateName: 'web-env', majorVersion: major, minorVersion: minor }));
const recommendedVersion = async () => (await fx.proton.send(new GetEnvironmentTemplateCommand({ name: 'web-env' }))).environmentTemplate!.recommendedVersion;
const listedVersions = async (majorVersion?: string) =>
  (await fx.proton.send(new ListEnvironmentTemplateVersionsCommand({ templateName: 'web-env', majorVersion }))).templateVersions!
    .map((v) => `${v.majorVersion}.${v.minorVersion} ${v.status}${v.recommendedMinorVersion !== undefined ? ` rec=${v.recommendedMinorVersion}` : ''}`);

/** Creates the versions (undefined = new major), lets them register, publishes those marked with `*`. */
async function setUpVersions(plan: string[]): Promise<void> {
  for (const entry of plan) {
    const [major, publish] = [entry.replace('*', ''), entry.endsWith('*')];
    const { environmentTemplateVersion: v } = await createEnvVersion(major === 'new' ? undefined : major);
    fx.emu.control.advance(REGISTRATION_MS);
    if (publish) await publishEnvVersion(v!.majorVersion!, v!.minorVersion!);
  }
}

describe('numbering and registration', () => {
  test('no majorVersion creates a new major; majorVersion the next minor of that major', async () => {
    const first = await createEnvVersion(undefined, { description: 'first' });
    expect(first.environmentTemplateVersion).toEqual({
      arn: `arn:aws:proton:us-east-1:${ACCOUNT}:environment-template/web-env:1.0`,
      templateName: 'web-env',
      majorVersion: '1',
      minorVersion: '0',
      description: 'first',
      status: 'REGISTRATION_IN_PROGRESS',
      createdAt: new Date(START_MS),
      lastModifiedAt: new Date(START_MS),
    });
    expect((await createEnvVersion('1')).environmentTemplateVersion).toMatchObject({ majorVersion: '1', minorVersion: '1' });
    expect((await createEnvVersion('1')).environmentTemplateVersion).toMatchObject({ majorVersion: '1', minorVersion: '2' });
    expect((await createEnvVersion()).environmentTemplateVersion).toMatchObject({ majorVersion: '2', minorVersion: '0' });
    await expect(createEnvVersion('5')).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: "The environment template 'web-env' major version 5 does not exist (existing major versions: 1, 2). Omit majorVersion to create a new major version.",
    });
    await expect(fx.proton.send(new CreateEnvironmentTemplateVersionCommand({ templateName: 'nope', source: envSource })))
      .rejects.toMatchObject({ name: 'ResourceNotFoundException', message: "The environment template 'nope' does not exist." });
  });

  test('REGISTRATION_IN_PROGRESS until registrationMs has passed, then DRAFT with the schema', async () => {
    await createEnvVersion();
    fx.emu.control.advance(REGISTRATION_MS - 1);
    expect(await getEnvVersion('1', '0')).toMatchObject({ status: 'REGISTRATION_IN_PROGRESS' });
    fx.emu.control.advance(1);
    const registered = await getEnvVersion('1', '0');
    expect(registered).toMatchObject({ status: 'DRAFT', schema: ENV_SCHEMA, lastModifiedAt: new Date(START_MS + REGISTRATION_MS) });
    expect(registered.statusMessage).toBeUndefined();
    expect(registered.recommendedMinorVersion).toBeUndefined();
  });

  test('the bundle is read when registration runs, not when the version is created', async () => {
    await createEnvVersion();
    fx.emu.control.putObject(BUCKET, 'env.tar.gz', 'replaced by garbage');
    fx.emu.control.advance(REGISTRATION_MS);
    expect(await getEnvVersion('1', '0')).toMatchObject({
      status: 'REGISTRATION_FAILED',
      statusMessage: expect.stringMatching(/^The template bundle s3:\/\/bundles\/env\.tar\.gz could not be unpacked: The template bundle is not a valid tar\.gz archive: /),
    });
  });

  test('the registered waiter polls until DRAFT (clock advanced once the waiter has seen REGISTRATION_IN_PROGRESS)', async () => {
    await createEnvVersion();
    fx.emu.control.resetCallCounts();
    const waiting = waitUntilEnvironmentTemplateVersionRegistered(
      { client: fx.proton, maxWaitTime: 60, minDelay: 0.01, maxDelay: 0.02 },
      { templateName: 'web-env', majorVersion: '1', minorVersion: '0' });
    while ((fx.emu.control.callCounts().GetEnvironmentTemplateVersion ?? 0) < 1) await new Promise((r) => setTimeout(r, 5));
    fx.emu.control.advance(REGISTRATION_MS);
    const result = await waiting;
    expect(result.state).toBe('SUCCESS');
    expect(fx.emu.control.callCounts().GetEnvironmentTemplateVersion).toBeGreaterThanOrEqual(2);
  });

  test('the registered waiter fails on REGISTRATION_FAILED', async () => {
    await fx.proton.send(new CreateEnvironmentTemplateVersionCommand({ templateName: 'web-env', source: { s3: { bucket: BUCKET, key: 'missing.tar.gz' } } }));
    fx.emu.control.advance(REGISTRATION_MS);
    await expect(waitUntilEnvironmentTemplateVersionRegistered(
      { client: fx.proton, maxWaitTime: 60, minDelay: 0.01, maxDelay: 0.02 },
      { templateName: 'web-env', majorVersion: '1', minorVersion: '0' })).rejects.toThrow(
      /^\{"state":"FAILURE".*"statusMessage":"Could not read the template bundle s3:\/\/bundles\/missing.tar.gz: there is no object with key 'missing.tar.gz' in bucket 'bundles'. Upload the bundle, then create a new template version."/);
  });
});

describe('publishing and the recommended version', () => {
  test('the highest published major and its highest published minor are recommended', async () => {
    await setUpVersions(['new']);
    expect(await recommendedVersion()).toBeUndefined();
    const published = await publishEnvVersion('1', '0');
    expect(published.environmentTemplateVersion).toMatchObject({ status: 'PUBLISHED', recommendedMinorVersion: '0' });
    expect(await recommendedVersion()).toBe('1.0');
    await setUpVersions(['1*', '1', 'new']);
    expect(await recommendedVersion()).toBe('1.1');
    expect(await listedVersions()).toEqual(['1.1 PUBLISHED rec=1', '2.0 DRAFT']);
    expect(await listedVersions('1')).toEqual(['1.0 PUBLISHED rec=1', '1.1 PUBLISHED rec=1', '1.2 DRAFT rec=1']);
    await publishEnvVersion('2', '0');
    expect(await recommendedVersion()).toBe('2.0');
    expect(await listedVersions()).toEqual(['1.1 PUBLISHED rec=1', '2.0 PUBLISHED rec=0']);
  });

  test('the only status change is DRAFT to PUBLISHED', async () => {
    await setUpVersions(['new*']);
    await expect(fx.proton.send(new UpdateEnvironmentTemplateVersionCommand({
      templateName: 'web-env', majorVersion: '1', minorVersion: '0', status: 'DRAFT',
    }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: "Cannot change the status of the environment template 'web-env' version 1.0 from PUBLISHED to DRAFT: "
        + 'the only status change allowed is DRAFT to PUBLISHED (publish a version once its registration finished).',
    });
    await createEnvVersion('1');
    await expect(publishEnvVersion('1', '1')).rejects.toMatchObject({
      name: 'ValidationException', message: expect.stringContaining('from REGISTRATION_IN_PROGRESS to PUBLISHED'),
    });
    const { environmentTemplateVersion } = await fx.proton.send(new UpdateEnvironmentTemplateVersionCommand({
      templateName: 'web-env', majorVersion: '1', minorVersion: '1', description: 'still registering',
    }));
    expect(environmentTemplateVersion).toMatchObject({ description: 'still registering', status: 'REGISTRATION_IN_PROGRESS' });
    await expect(publishEnvVersion('1', '9')).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: "The environment template 'web-env' version 1.9 does not exist.",
    });
  });
});

describe('client token idempotency (§6.1)', () => {
  test('same token and parameters return the same version; other parameters are a mismatch', async () => {
    const first = await createEnvVersion(undefined, { clientToken: 'token-1', description: 'd' });
    fx.emu.control.advance(REGISTRATION_MS);
    const again = await createEnvVersion(undefined, { clientToken: 'token-1', description: 'd' });
    expect(again.environmentTemplateVersion).toMatchObject({ arn: first.environmentTemplateVersion!.arn, status: 'DRAFT' });
    expect(await listedVersions()).toEqual(['1.0 DRAFT']);
    await expect(createEnvVersion(undefined, { clientToken: 'token-1', description: 'other' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: "IdempotentParameterMismatch: The client token 'token-1' was already used with different parameters.",
    });
  });

  test('after 8 hours the token is forgotten: a new version', async () => {
    await createEnvVersion(undefined, { clientToken: 'token-1' });
    fx.emu.control.advance(EIGHT_HOURS_MS - 1);
    expect((await createEnvVersion(undefined, { clientToken: 'token-1' })).environmentTemplateVersion?.majorVersion).toBe('1');
    fx.emu.control.advance(1);
    expect((await createEnvVersion(undefined, { clientToken: 'token-1' })).environmentTemplateVersion?.majorVersion).toBe('2');
  });

  test('after the version was deleted: a new version, even when it gets the same number', async () => {
    await createEnvVersion(undefined, { clientToken: 'token-1' });
    fx.emu.control.advance(REGISTRATION_MS);
    await deleteEnvVersion('1', '0');
    const recreated = await createEnvVersion(undefined, { clientToken: 'token-1' });
    expect(recreated.environmentTemplateVersion).toMatchObject({ majorVersion: '1', minorVersion: '0', status: 'REGISTRATION_IN_PROGRESS' });
    fx.emu.control.advance(REGISTRATION_MS);
    await deleteEnvVersion('1', '0');
    await createEnvVersion(undefined, { clientToken: 'other' });
    await createEnvVersion();
    expect((await createEnvVersion(undefined, { clientToken: 'token-1' })).environmentTemplateVersion).toMatchObject({ majorVersion: '3' });
  });
});

describe('delete rules (§6.5)', () => {
  test('a recommended minor goes only after the other minors of its major', async () => {
    await setUpVersions(['new*', '1*', '1', 'new*', '2']);
    await expect(deleteEnvVersion('1', '1')).rejects.toMatchObject({
      name: 'ConflictException',
      message: "The environment template 'web-env' version 1.1 is the recommended minor version of major version 1 and other minor versions "
        + 'of that major exist (1.0, 1.2); delete them first with DeleteEnvironmentTemplateVersion.',
    });
    expect((await deleteEnvVersion('1', '0')).environmentTemplateVersion).toMatchObject({ majorVersion: '1', minorVersion: '0', status: 'PUBLISHED' });
    await deleteEnvVersion('1', '2');
    await deleteEnvVersion('1', '1');
    await expect(deleteEnvVersion('2', '0')).rejects.toMatchObject({
      name: 'ConflictException', message: expect.stringContaining('version 2.0 is the recommended minor version of major version 2 and other minor versions of that major exist (2.1)'),
    });
    await deleteEnvVersion('2', '1');
    await deleteEnvVersion('2', '0');
    expect(await listedVersions()).toEqual([]);
    await fx.proton.send(new DeleteEnvironmentTemplateCommand({ name: 'web-env' }));
  });

  test("the major holding the template's recommended version goes last", async () => {
    await setUpVersions(['new*', 'new*']);
    await expect(deleteEnvVersion('2', '0')).rejects.toMatchObject({
      name: 'ConflictException',
      message: "The environment template 'web-env' version 2.0 is the recommended version of the environment template 'web-env' and other versions exist (1.0); "
        + 'delete them first with DeleteEnvironmentTemplateVersion.',
    });
    await deleteEnvVersion('1', '0');
    await deleteEnvVersion('2', '0');
  });

  test('unpublished majors and failed versions can go in any order', async () => {
    await setUpVersions(['new', '1', 'new']);
    await deleteEnvVersion('1', '0');
    await deleteEnvVersion('2', '0');
    await deleteEnvVersion('1', '1');
  });

  test('not while an environment uses it', async () => {
    await setUpVersions(['new*']);
    await fx.proton.send(new CreateEnvironmentCommand({
      name: 'dev',
      templateName: 'web-env',
      templateMajorVersion: '1',
      spec: 'proton: EnvironmentSpec\nspec: {}\n',
      protonServiceRoleArn: `arn:aws:iam::${ACCOUNT}:role/ProtonService`,
    }));
    await expect(deleteEnvVersion('1', '0')).rejects.toMatchObject({
      name: 'ConflictException',
      message: "The environment template 'web-env' version 1.0 is used by environments; update them to another version or delete them first.",
    });
  });

  test('not while registering', async () => {
    await createEnvVersion();
    await expect(deleteEnvVersion('1', '0')).rejects.toMatchObject({
      name: 'ConflictException',
      message: "The environment template 'web-env' version 1.0 is still registering (REGISTRATION_IN_PROGRESS); wait until it is DRAFT or REGISTRATION_FAILED, then delete it.",
    });
  });

  test('deletes are idempotent; a version that never existed is ResourceNotFoundException', async () => {
    await setUpVersions(['new']);
    await deleteEnvVersion('1', '0');
    expect((await deleteEnvVersion('1', '0')).environmentTemplateVersion).toBeUndefined();
    await expect(getEnvVersion('1', '0')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(deleteEnvVersion('1', '1')).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: "The environment template 'web-env' version 1.1 does not exist.",
    });
  });
});

describe('service template versions', () => {
  let svcSource: { s3: { bucket: string; key: string } };
  beforeEach(async () => {
    svcSource = { s3: await uploadBundle(fx.emu, BUCKET, 'svc.tar.gz', SVC_BUNDLE) };
    await fx.proton.send(new CreateServiceTemplateCommand({ name: 'api', pipelineProvisioning: 'CUSTOMER_MANAGED' }));
    await setUpVersions(['new*']);
  });
  const createSvcVersion = (compatibleEnvironmentTemplates: { templateName: string; majorVersion: string }[]) =>
    fx.proton.send(new CreateServiceTemplateVersionCommand({
      templateName: 'api', source: svcSource, compatibleEnvironmentTemplates, supportedComponentSources: ['DIRECTLY_DEFINED'],
    }));

  test('create, register, publish; compatible environment templates and component sources are kept', async () => {
    const { serviceTemplateVersion } = await createSvcVersion([{ templateName: 'web-env', majorVersion: '1' }]);
    expect(serviceTemplateVersion).toMatchObject({
      arn: `arn:aws:proton:us-east-1:${ACCOUNT}:service-template/api:1.0`,
      status: 'REGISTRATION_IN_PROGRESS',
      compatibleEnvironmentTemplates: [{ templateName: 'web-env', majorVersion: '1' }],
      supportedComponentSources: ['DIRECTLY_DEFINED'],
    });
    const result = waitUntilServiceTemplateVersionRegistered({ client: fx.proton, maxWaitTime: 60, minDelay: 0.01, maxDelay: 0.02 },
      { templateName: 'api', majorVersion: '1', minorVersion: '0' });
    fx.emu.control.advance(REGISTRATION_MS);
    expect((await result).state).toBe('SUCCESS');
    const updated = await fx.proton.send(new UpdateServiceTemplateVersionCommand({
      templateName: 'api', majorVersion: '1', minorVersion: '0', status: 'PUBLISHED', supportedComponentSources: [],
    }));
    expect(updated.serviceTemplateVersion).toMatchObject({ status: 'PUBLISHED', recommendedMinorVersion: '0' });
    expect(updated.serviceTemplateVersion?.supportedComponentSources).toBeUndefined();
    const got = await fx.proton.send(new GetServiceTemplateVersionCommand({ templateName: 'api', majorVersion: '1', minorVersion: '0' }));
    expect(got.serviceTemplateVersion?.schema).toBe(SVC_BUNDLE['schema/schema.yaml']);
    const listed = await fx.proton.send(new ListServiceTemplateVersionsCommand({ templateName: 'api' }));
    expect(listed.templateVersions?.map((v) => `${v.majorVersion}.${v.minorVersion} ${v.status}`)).toEqual(['1.0 PUBLISHED']);
  });

  test('compatible environment templates must exist with that major version', async () => {
    await expect(createSvcVersion([{ templateName: 'nope', majorVersion: '1' }])).rejects.toMatchObject({
      name: 'ValidationException',
      message: "compatibleEnvironmentTemplates[0]: the environment template 'nope' does not exist. Create it (and a version) first.",
    });
    await expect(createSvcVersion([{ templateName: 'web-env', majorVersion: '1' }, { templateName: 'web-env', majorVersion: '2' }])).rejects.toMatchObject({
      name: 'ValidationException', message: "compatibleEnvironmentTemplates[1]: the environment template 'web-env' has no major version 2.",
    });
    await expect(createSvcVersion([{ templateName: 'web-env', majorVersion: '1' }, { templateName: 'web-env', majorVersion: '1' }])).rejects.toMatchObject({
      name: 'ValidationException', message: "compatibleEnvironmentTemplates[1]: environment template 'web-env' major version 1 is listed more than once.",
    });
    await createSvcVersion([{ templateName: 'web-env', majorVersion: '1' }]);
    await expect(fx.proton.send(new UpdateServiceTemplateVersionCommand({
      templateName: 'api', majorVersion: '1', minorVersion: '0', compatibleEnvironmentTemplates: [{ templateName: 'web-env', majorVersion: '3' }],
    }))).rejects.toMatchObject({ name: 'ValidationException', message: "compatibleEnvironmentTemplates[0]: the environment template 'web-env' has no major version 3." });
  });

  test('a service bundle must match the template: a pipeline template needs pipeline_infrastructure/', async () => {
    await fx.proton.send(new CreateServiceTemplateCommand({ name: 'with-pipeline' }));
    await fx.proton.send(new CreateServiceTemplateVersionCommand({
      templateName: 'with-pipeline', source: svcSource, compatibleEnvironmentTemplates: [{ templateName: 'web-env', majorVersion: '1' }],
    }));
    fx.emu.control.advance(REGISTRATION_MS);
    const got = await fx.proton.send(new GetServiceTemplateVersionCommand({ templateName: 'with-pipeline', majorVersion: '1', minorVersion: '0' }));
    expect(got.serviceTemplateVersion).toMatchObject({
      status: 'REGISTRATION_FAILED',
      statusMessage: 'The template bundle s3://bundles/svc.tar.gz is invalid: pipeline_infrastructure/manifest.yaml: is missing; every infrastructure directory '
        + 'needs a manifest.yaml listing its template files (pipeline_infrastructure/ has 0 file(s)); schema/schema.yaml: schema.pipeline_input_type is required '
        + 'because the service template has a pipeline (it was created without pipelineProvisioning CUSTOMER_MANAGED)',
    });
    expect(got.serviceTemplateVersion?.schema).toBeUndefined();
  });

  test('a minor version must keep the schema backward compatible', async () => {
    await createSvcVersion([{ templateName: 'web-env', majorVersion: '1' }]);
    fx.emu.control.advance(REGISTRATION_MS);
    const incompatible = changed(SVC_BUNDLE, {
      'schema/schema.yaml': SVC_BUNDLE['schema/schema.yaml'].replace('      required: [message]', '        port:\n          type: number\n      required: [message, port]'),
    });
    const source = { s3: await uploadBundle(fx.emu, BUCKET, 'svc-1.1.tar.gz', incompatible) };
    await fx.proton.send(new CreateServiceTemplateVersionCommand({
      templateName: 'api', majorVersion: '1', source, compatibleEnvironmentTemplates: [{ templateName: 'web-env', majorVersion: '1' }],
    }));
    fx.emu.control.advance(REGISTRATION_MS);
    const got = await fx.proton.send(new GetServiceTemplateVersionCommand({ templateName: 'api', majorVersion: '1', minorVersion: '1' }));
    expect(got.serviceTemplateVersion).toMatchObject({
      status: 'REGISTRATION_FAILED',
      statusMessage: 'The template bundle s3://bundles/svc-1.1.tar.gz is invalid: schema/schema.yaml: the schema of a minor version must be backward compatible '
        + "with the earlier minor versions of major version 1, but new input 'port' of service_input_type is required and has no default (compared with version 1.0). "
        + 'Create a new major version instead (omit majorVersion).',
    });
    await fx.proton.send(new CreateServiceTemplateVersionCommand({
      templateName: 'api', source, compatibleEnvironmentTemplates: [{ templateName: 'web-env', majorVersion: '1' }],
    }));
    fx.emu.control.advance(REGISTRATION_MS);
    expect((await fx.proton.send(new GetServiceTemplateVersionCommand({ templateName: 'api', majorVersion: '2', minorVersion: '0' })))
      .serviceTemplateVersion?.status).toBe('DRAFT');
  });
});
