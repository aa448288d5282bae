import {
  CreateEnvironmentTemplateCommand, CreateEnvironmentTemplateVersionCommand, CreateServiceTemplateCommand, DeleteEnvironmentTemplateCommand,
  DeleteServiceTemplateCommand, GetEnvironmentTemplateCommand, GetServiceTemplateCommand, ListEnvironmentTemplatesCommand,
  ListServiceTemplatesCommand, ListTagsForResourceCommand, paginateListEnvironmentTemplates, UpdateEnvironmentTemplateCommand,
  UpdateServiceTemplateCommand,
} from '@aws-sdk/client-proton';
import { uploadBundle } from './helpers';
import { BUCKET, ENV_BUNDLE, templateEmulatorFixture } from './template-fixtures';

const fx = templateEmulatorFixture();
const ACCOUNT = '111111111111';
const START = new Date('2026-01-01T00:00:00Z');
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

const createEnvTemplate = (name: string, extra: Partial<{ description: string; displayName: string; provisioning: 'CUSTOMER_MANAGED' }> = {}) =>
  fx.proton.send(new CreateEnvironmentTemplateCommand({ name, ...extra }));

describe('environment templates', () => {
  test('create returns the template; get returns the same; tags are recorded', async () => {
    const created = await fx.proton.send(new CreateEnvironmentTemplateCommand({
      name: 'web-env',
      description: 'VPC and cluster',
      displayName: 'Web environment',
      encryptionKey: KEY_ARN,
      tags: [{ key: 'team', value: 'platform' }],
    }));
    const expected = {
      arn: `arn:aws:proton:us-east-1:${ACCOUNT}:environment-template/web-env`,
      name: 'web-env',
      description: 'VPC and cluster',
      displayName: 'Web environment',
      encryptionKey: KEY_ARN,
      createdAt: START,
      lastModifiedAt: START,
    };
    expect(created.environmentTemplate).toEqual(expected);
    expect((await fx.proton.send(new GetEnvironmentTemplateCommand({ name: 'web-env' }))).environmentTemplate).toEqual(expected);
    const { tags } = await fx.proton.send(new ListTagsForResourceCommand({ resourceArn: expected.arn }));
    expect(tags).toContainEqual({ key: 'team', value: 'platform' });
  });

  test('a customer-managed template echoes provisioning', async () => {
    const { environmentTemplate } = await createEnvTemplate('external', { provisioning: 'CUSTOMER_MANAGED' });
    expect(environmentTemplate?.provisioning).toBe('CUSTOMER_MANAGED');
  });

  test('get of a missing template is ResourceNotFoundException', async () => {
    await expect(fx.proton.send(new GetEnvironmentTemplateCommand({ name: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: "The environment template 'nope' does not exist.",
    });
  });

  test('create is idempotent by name (§6.2)', async () => {
    const first = await createEnvTemplate('web-env', { description: 'd' });
    fx.emu.control.advance(60_000);
    expect(await createEnvTemplate('web-env', { description: 'd' })).toMatchObject({ environmentTemplate: first.environmentTemplate });
    await expect(createEnvTemplate('web-env', { description: 'other' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: "IdempotentParameterMismatch: The name of environment template 'web-env' was already used with different parameters.",
    });
    await fx.proton.send(new UpdateEnvironmentTemplateCommand({ name: 'web-env', displayName: 'Web' }));
    await expect(createEnvTemplate('web-env', { description: 'd' })).rejects.toMatchObject({
      name: 'ConflictException', message: "environment template 'web-env' already exists and was modified since it was created.",
    });
  });

  test('update changes description and displayName only where given', async () => {
    await createEnvTemplate('web-env', { description: 'd', displayName: 'W' });
    fx.emu.control.advance(5_000);
    const { environmentTemplate } = await fx.proton.send(new UpdateEnvironmentTemplateCommand({ name: 'web-env', description: 'new' }));
    expect(environmentTemplate).toMatchObject({ description: 'new', displayName: 'W', createdAt: START, lastModifiedAt: new Date(START.getTime() + 5_000) });
    await expect(fx.proton.send(new UpdateEnvironmentTemplateCommand({ name: 'nope', description: 'x' })))
      .rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  test('list is sorted by name and paginated', async () => {
    for (const name of ['e', 'c', 'a', 'd', 'b']) await createEnvTemplate(name, { description: `${name}!` });
    await fx.proton.send(new CreateServiceTemplateCommand({ name: 'svc' }));
    const pages: string[][] = [];
    for await (const page of paginateListEnvironmentTemplates({ client: fx.proton, pageSize: 2 }, {})) {
      pages.push(page.templates!.map((t) => t.name!));
    }
    expect(pages).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    const first = await fx.proton.send(new ListEnvironmentTemplatesCommand({ maxResults: 1 }));
    expect(first.templates).toEqual([{
      arn: `arn:aws:proton:us-east-1:${ACCOUNT}:environment-template/a`, name: 'a', description: 'a!', createdAt: START, lastModifiedAt: START,
    }]);
    expect(first.nextToken).toEqual(expect.stringMatching(/^[A-Za-z0-9+=/]+$/));
    await expect(fx.proton.send(new ListEnvironmentTemplatesCommand({ nextToken: 'Ym9ndXM=' }))).rejects.toMatchObject({
      name: 'ValidationException', message: "The nextToken 'Ym9ndXM=' is not valid: pass the nextToken returned by the previous call of this operation.",
    });
  });

  test('delete: only without versions; idempotent; missing is ResourceNotFoundException', async () => {
    await createEnvTemplate('web-env');
    const source = { s3: await uploadBundle(fx.emu, BUCKET, 'env.tar.gz', ENV_BUNDLE) };
    await fx.proton.send(new CreateEnvironmentTemplateVersionCommand({ templateName: 'web-env', source }));
    await expect(fx.proton.send(new DeleteEnvironmentTemplateCommand({ name: 'web-env' }))).rejects.toMatchObject({
      name: 'ConflictException',
      message: "The environment template 'web-env' still has versions (1.0); delete them first with DeleteEnvironmentTemplateVersion: "
        + 'minor versions that are not recommended first, the recommended version last.',
    });
    await createEnvTemplate('empty');
    const deleted = await fx.proton.send(new DeleteEnvironmentTemplateCommand({ name: 'empty' }));
    expect(deleted.environmentTemplate).toMatchObject({ name: 'empty', arn: `arn:aws:proton:us-east-1:${ACCOUNT}:environment-template/empty` });
    const retried = await fx.proton.send(new DeleteEnvironmentTemplateCommand({ name: 'empty' }));
    expect(retried.environmentTemplate).toBeUndefined();
    await expect(fx.proton.send(new GetEnvironmentTemplateCommand({ name: 'empty' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(fx.proton.send(new DeleteEnvironmentTemplateCommand({ name: 'never' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: "The environment template 'never' does not exist.",
    });
    await expect(fx.proton.send(new ListTagsForResourceCommand({ resourceArn: deleted.environmentTemplate!.arn }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  test('a deleted name can be created again', async () => {
    await createEnvTemplate('again', { description: 'one' });
    await fx.proton.send(new DeleteEnvironmentTemplateCommand({ name: 'again' }));
    const { environmentTemplate } = await createEnvTemplate('again', { description: 'two' });
    expect(environmentTemplate?.description).toBe('two');
  });
});

describe('service templates', () => {
  test('create/get/update/list/delete', async () => {
    const { serviceTemplate } = await fx.proton.send(new CreateServiceTemplateCommand({
      name: 'api', displayName: 'API', pipelineProvisioning: 'CUSTOMER_MANAGED',
    }));
    expect(serviceTemplate).toEqual({
      arn: `arn:aws:proton:us-east-1:${ACCOUNT}:service-template/api`,
      name: 'api',
      displayName: 'API',
      pipelineProvisioning: 'CUSTOMER_MANAGED',
      createdAt: START,
      lastModifiedAt: START,
    });
    expect((await fx.proton.send(new GetServiceTemplateCommand({ name: 'api' }))).serviceTemplate).toEqual(serviceTemplate);
    expect((await fx.proton.send(new UpdateServiceTemplateCommand({ name: 'api', description: 'x' }))).serviceTemplate?.description).toBe('x');
    expect((await fx.proton.send(new ListServiceTemplatesCommand({}))).templates?.map((t) => t.name)).toEqual(['api']);
    expect((await fx.proton.send(new ListEnvironmentTemplatesCommand({}))).templates).toEqual([]);
    expect((await fx.proton.send(new DeleteServiceTemplateCommand({ name: 'api' }))).serviceTemplate?.name).toBe('api');
    await expect(fx.proton.send(new GetServiceTemplateCommand({ name: 'api' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: "The service template 'api' does not exist.",
    });
  });
});
