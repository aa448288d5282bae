import {
  CreateEnvironmentTemplateCommand,
  CreateRepositoryCommand,
  CreateServiceInstanceCommand,
  CreateServiceSyncConfigCommand,
  CreateTemplateSyncConfigCommand,
  DeleteEnvironmentTemplateCommand,
  DeleteRepositoryCommand,
  DeleteServiceCommand,
  DeleteServiceSyncConfigCommand,
  DeleteTemplateSyncConfigCommand,
  GetRepositoryCommand,
  GetRepositorySyncStatusCommand,
  GetServiceInstanceSyncStatusCommand,
  GetServiceSyncBlockerSummaryCommand,
  GetServiceSyncConfigCommand,
  GetTemplateSyncConfigCommand,
  GetTemplateSyncStatusCommand,
  ListRepositoriesCommand,
  ListRepositorySyncDefinitionsCommand,
  UpdateServiceCommand,
  UpdateServiceInstanceCommand,
  UpdateServiceSyncBlockerCommand,
  UpdateServiceSyncConfigCommand,
  UpdateTemplateSyncConfigCommand,
} from '@aws-sdk/client-proton';
import { emulatorPerTest } from './helpers';
import { createEnvironment, createEnvironmentTemplate, createService, createServiceTemplate } from './rest-fixtures';
import { EmulatorState } from '../../local/emulator/core/emulator';
import type { RequestContext } from '../../local/emulator/core/runtime';
import type { ServiceInstanceRecord, ServiceRecord } from '../../local/emulator/core/store';
import { hasServiceSyncConfig, operations as serviceSync, recordSyncBlocker } from '../../local/emulator/resources/service-sync-config';

const ACCOUNT = '111111111111';
const CONNECTION = `arn:aws:codestar-connections:us-east-1:${ACCOUNT}:connection/0b7c4d6e-1111-2222-3333-444455556666`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/proton`;

const fx = emulatorPerTest({}, { accountId: ACCOUNT });

const link = (name: string, provider: 'GITHUB' | 'BITBUCKET' | 'GITHUB_ENTERPRISE' = 'GITHUB', encryptionKey?: string) =>
  fx.proton.send(new CreateRepositoryCommand({ provider, name, connectionArn: CONNECTION, encryptionKey }));
const templateSync = (templateName: string, repositoryName = 'acme/templates', subdirectory?: string) => fx.proton.send(new CreateTemplateSyncConfigCommand({
  templateName, templateType: 'ENVIRONMENT', repositoryProvider: 'GITHUB', repositoryName, branch: 'main', subdirectory,
}));

describe('Repository', () => {
  test('links, reads, lists and unlinks a repository', async () => {
    const key = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const created = await link('acme/templates', 'GITHUB', key);
    const repository = {
      arn: `arn:aws:proton:us-east-1:${ACCOUNT}:repository/github:acme/templates`,
      name: 'acme/templates',
      provider: 'GITHUB',
      connectionArn: CONNECTION,
      encryptionKey: key,
    };
    expect(created.repository).toEqual(repository);
    expect((await fx.proton.send(new GetRepositoryCommand({ provider: 'GITHUB', name: 'acme/templates' }))).repository).toEqual(repository);

    await link('acme/pipelines', 'BITBUCKET');
    const listed = await fx.proton.send(new ListRepositoriesCommand({}));
    expect(listed.repositories).toEqual([
      { arn: `arn:aws:proton:us-east-1:${ACCOUNT}:repository/bitbucket:acme/pipelines`, name: 'acme/pipelines', provider: 'BITBUCKET', connectionArn: CONNECTION },
      { arn: repository.arn, name: 'acme/templates', provider: 'GITHUB', connectionArn: CONNECTION },
    ]);

    const deleted = await fx.proton.send(new DeleteRepositoryCommand({ provider: 'GITHUB', name: 'acme/templates' }));
    expect(deleted.repository).toEqual(repository);
    await expect(fx.proton.send(new GetRepositoryCommand({ provider: 'GITHUB', name: 'acme/templates' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: "The repository 'acme/templates' (GITHUB) was not found.",
    });
    await expect(fx.proton.send(new DeleteRepositoryCommand({ provider: 'GITHUB', name: 'acme/templates' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: "The repository 'acme/templates' (GITHUB) was not found.",
    });
  });

  test('the same name of another provider is another repository; the same provider and name is a conflict', async () => {
    await link('acme/templates', 'GITHUB');
    await link('acme/templates', 'GITHUB_ENTERPRISE');
    await expect(link('acme/templates', 'GITHUB')).rejects.toMatchObject({
      name: 'ConflictException', message: "The repository 'acme/templates' (GITHUB) is already linked.",
    });
  });

  test('ListRepositories pages', async () => {
    for (const name of ['acme/a', 'acme/b', 'acme/c']) await link(name);
    const page1 = await fx.proton.send(new ListRepositoriesCommand({ maxResults: 2 }));
    expect(page1.repositories!.map((r) => r.name)).toEqual(['acme/a', 'acme/b']);
    const page2 = await fx.proton.send(new ListRepositoriesCommand({ maxResults: 2, nextToken: page1.nextToken }));
    expect(page2.repositories!.map((r) => r.name)).toEqual(['acme/c']);
    expect(page2.nextToken).toBeUndefined();
  });

  test('a repository used by an environment is not deleted', async () => {
    await link('acme/infra');
    await createEnvironmentTemplate(fx.proton, fx.emu, 'env-tmpl');
    await createEnvironment(fx.proton, fx.emu, 'dev', 'env-tmpl', { provisioningRepository: { provider: 'GITHUB', name: 'acme/infra', branch: 'main' } });
    await expect(fx.proton.send(new DeleteRepositoryCommand({ provider: 'GITHUB', name: 'acme/infra' }))).rejects.toMatchObject({
      name: 'ConflictException',
      message: "The repository 'acme/infra' (GITHUB) can't be deleted: it is used by the environment 'dev' (provisioningRepository). Remove those uses first.",
    });
  });
});

describe('TemplateSyncConfig', () => {
  beforeEach(async () => {
    await link('acme/templates');
    await fx.proton.send(new CreateEnvironmentTemplateCommand({ name: 'env-tmpl' }));
  });

  test('deleting a template deletes its sync configuration; a new template of that name is not synced', async () => {
    await templateSync('env-tmpl');
    await fx.proton.send(new DeleteEnvironmentTemplateCommand({ name: 'env-tmpl' }));
    await fx.proton.send(new CreateEnvironmentTemplateCommand({ name: 'env-tmpl' }));
    await expect(fx.proton.send(new GetTemplateSyncConfigCommand({ templateName: 'env-tmpl', templateType: 'ENVIRONMENT' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: "The environment template 'env-tmpl' has no template sync configuration.",
    });
    await expect(fx.proton.send(new DeleteRepositoryCommand({ provider: 'GITHUB', name: 'acme/templates' }))).resolves.toBeDefined();
  });

  test('creates, reads, updates and deletes the configuration of a template', async () => {
    const config = {
      templateName: 'env-tmpl', templateType: 'ENVIRONMENT', repositoryProvider: 'GITHUB', repositoryName: 'acme/templates', branch: 'main',
    };
    expect((await templateSync('env-tmpl')).templateSyncConfig).toEqual(config);
    expect((await fx.proton.send(new GetTemplateSyncConfigCommand({ templateName: 'env-tmpl', templateType: 'ENVIRONMENT' }))).templateSyncConfig).toEqual(config);

    const updated = await fx.proton.send(new UpdateTemplateSyncConfigCommand({ ...config, templateType: 'ENVIRONMENT', repositoryProvider: 'GITHUB', branch: 'release', subdirectory: 'templates' }));
    expect(updated.templateSyncConfig).toEqual({ ...config, branch: 'release', subdirectory: 'templates' });

    const deleted = await fx.proton.send(new DeleteTemplateSyncConfigCommand({ templateName: 'env-tmpl', templateType: 'ENVIRONMENT' }));
    expect(deleted.templateSyncConfig).toEqual({ ...config, branch: 'release', subdirectory: 'templates' });
    await expect(fx.proton.send(new GetTemplateSyncConfigCommand({ templateName: 'env-tmpl', templateType: 'ENVIRONMENT' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: "The environment template 'env-tmpl' has no template sync configuration.",
    });
  });

  test('one configuration per template', async () => {
    await templateSync('env-tmpl');
    await expect(templateSync('env-tmpl')).rejects.toMatchObject({
      name: 'ConflictException', message: "The environment template 'env-tmpl' already has a template sync configuration; update it instead.",
    });
  });

  test('the template must exist and the repository must be linked', async () => {
    await expect(templateSync('missing')).rejects.toMatchObject({
      name: 'ValidationException',
      message: "The environment template 'missing' does not exist: create the template before its sync configuration (sync never creates templates).",
    });
    await expect(templateSync('env-tmpl', 'acme/unlinked')).rejects.toMatchObject({
      name: 'ValidationException',
      message: "repositoryName names the repository 'acme/unlinked' (GITHUB), which is not linked to AWS Proton. Link it with CreateRepository first.",
    });
    await expect(fx.proton.send(new UpdateTemplateSyncConfigCommand({
      templateName: 'env-tmpl', templateType: 'ENVIRONMENT', repositoryProvider: 'GITHUB', repositoryName: 'acme/templates', branch: 'main',
    }))).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: "The environment template 'env-tmpl' has no template sync configuration." });
  });

  test('nothing syncs offline: GetTemplateSyncStatus reports no attempt', async () => {
    await templateSync('env-tmpl');
    const status = await fx.proton.send(new GetTemplateSyncStatusCommand({ templateName: 'env-tmpl', templateType: 'ENVIRONMENT', templateVersion: '1' }));
    expect(status.latestSync).toBeUndefined();
    expect(status.latestSuccessfulSync).toBeUndefined();
    expect(status.desiredState).toBeUndefined();
    await expect(fx.proton.send(new GetTemplateSyncStatusCommand({ templateName: 'other', templateType: 'SERVICE', templateVersion: '1' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: "The service template 'other' has no template sync configuration.",
    });
  });

  test('a repository used by a template sync configuration is not deleted until the configuration is', async () => {
    await templateSync('env-tmpl');
    await expect(fx.proton.send(new DeleteRepositoryCommand({ provider: 'GITHUB', name: 'acme/templates' }))).rejects.toMatchObject({
      name: 'ConflictException',
      message: "The repository 'acme/templates' (GITHUB) can't be deleted: it is used by the template sync configuration of the environment template 'env-tmpl'. Remove those uses first.",
    });
    await fx.proton.send(new DeleteTemplateSyncConfigCommand({ templateName: 'env-tmpl', templateType: 'ENVIRONMENT' }));
    await fx.proton.send(new DeleteRepositoryCommand({ provider: 'GITHUB', name: 'acme/templates' }));
  });
});

describe('RepositorySync', () => {
  test('sync definitions are the template sync configurations on the repository', async () => {
    await link('acme/templates');
    await link('acme/other');
    for (const name of ['web', 'api', 'elsewhere']) await fx.proton.send(new CreateEnvironmentTemplateCommand({ name }));
    await templateSync('web', 'acme/templates', 'templates');
    await templateSync('api');
    await templateSync('elsewhere', 'acme/other');

    const out = await fx.proton.send(new ListRepositorySyncDefinitionsCommand({ repositoryProvider: 'GITHUB', repositoryName: 'acme/templates', syncType: 'TEMPLATE_SYNC' }));
    expect(out.syncDefinitions).toEqual([
      { branch: 'main', directory: '/', parent: 'acme/templates', target: 'api' },
      { branch: 'main', directory: 'templates', parent: 'acme/templates', target: 'web' },
    ]);
    expect(out.nextToken).toBeUndefined();
  });

  test('only TEMPLATE_SYNC definitions are listed', async () => {
    await expect(fx.proton.send(new ListRepositorySyncDefinitionsCommand({
      repositoryProvider: 'GITHUB', repositoryName: 'acme/templates', syncType: 'SERVICE_SYNC',
    }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: "syncType 'SERVICE_SYNC' is not supported by ListRepositorySyncDefinitions: the only supported value is TEMPLATE_SYNC.",
    });
  });

  test('GetRepositorySyncStatus reports no attempt for a linked repository', async () => {
    await link('acme/templates');
    const status = await fx.proton.send(new GetRepositorySyncStatusCommand({
      repositoryProvider: 'GITHUB', repositoryName: 'acme/templates', branch: 'main', syncType: 'TEMPLATE_SYNC',
    }));
    expect(status.latestSync).toBeUndefined();
    await expect(fx.proton.send(new GetRepositorySyncStatusCommand({
      repositoryProvider: 'GITHUB', repositoryName: 'acme/unlinked', branch: 'main', syncType: 'TEMPLATE_SYNC',
    }))).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: "The repository 'acme/unlinked' (GITHUB) is not linked to AWS Proton." });
  });
});

describe('ServiceSyncConfig', () => {
  const config = { serviceName: 'web', repositoryProvider: 'GITHUB' as const, repositoryName: 'acme/services', branch: 'main', filePath: 'proton-ops.yaml' };

  beforeEach(async () => {
    await link('acme/services');
    await createEnvironmentTemplate(fx.proton, fx.emu, 'env-tmpl');
    await createEnvironment(fx.proton, fx.emu, 'dev', 'env-tmpl', { protonServiceRoleArn: ROLE });
    await createServiceTemplate(fx.proton, fx.emu, 'svc-tmpl', 'env-tmpl');
    await createService(fx.proton, fx.emu, 'web', 'svc-tmpl', [{ name: 'one', environment: 'dev' }]);
  });

  test('creates, reads, updates and deletes the configuration of a service', async () => {
    expect((await fx.proton.send(new CreateServiceSyncConfigCommand(config))).serviceSyncConfig).toEqual(config);
    expect((await fx.proton.send(new GetServiceSyncConfigCommand({ serviceName: 'web' }))).serviceSyncConfig).toEqual(config);
    const updated = await fx.proton.send(new UpdateServiceSyncConfigCommand({ ...config, filePath: 'ops/proton-ops.yaml' }));
    expect(updated.serviceSyncConfig).toEqual({ ...config, filePath: 'ops/proton-ops.yaml' });
    await expect(fx.proton.send(new DeleteRepositoryCommand({ provider: 'GITHUB', name: 'acme/services' }))).rejects.toMatchObject({
      name: 'ConflictException',
      message: "The repository 'acme/services' (GITHUB) can't be deleted: it is used by the service sync configuration of the service 'web'. Remove those uses first.",
    });
    const deleted = await fx.proton.send(new DeleteServiceSyncConfigCommand({ serviceName: 'web' }));
    expect(deleted.serviceSyncConfig).toEqual({ ...config, filePath: 'ops/proton-ops.yaml' });
    await expect(fx.proton.send(new GetServiceSyncConfigCommand({ serviceName: 'web' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: "The service 'web' has no service sync configuration.",
    });
  });

  test('one configuration per existing service', async () => {
    await fx.proton.send(new CreateServiceSyncConfigCommand(config));
    await expect(fx.proton.send(new CreateServiceSyncConfigCommand(config))).rejects.toMatchObject({
      name: 'ConflictException', message: "The service 'web' already has a service sync configuration; update it instead.",
    });
    await expect(fx.proton.send(new CreateServiceSyncConfigCommand({ ...config, serviceName: 'nope' }))).rejects.toMatchObject({
      name: 'ValidationException', message: "The service 'nope' does not exist: create the service before its service sync configuration.",
    });
  });

  const specOf = (...instances: string[]) => ['proton: ServiceSpec', 'instances:', ...instances.flatMap((name) => [
    `  - name: ${name}`, '    environment: dev', '    spec:', '      message: hi',
  ])].join('\n');
  const blockers = async (serviceInstanceName?: string) =>
    (await fx.proton.send(new GetServiceSyncBlockerSummaryCommand({ serviceName: 'web', serviceInstanceName }))).serviceSyncBlockerSummary!.latestBlockers!;

  test('a manual instance update blocks that instance until the blocker is resolved', async () => {
    await fx.proton.send(new CreateServiceSyncConfigCommand(config));
    const { serviceInstance } = await fx.proton.send(new UpdateServiceInstanceCommand({
      serviceName: 'web', name: 'one', deploymentType: 'CURRENT_VERSION', spec: specOf('one'),
    }));
    const blocker = {
      id: expect.any(String),
      type: 'AUTOMATED',
      status: 'ACTIVE',
      createdReason: 'Service instance one of service web was updated manually (UpdateServiceInstance).',
      createdAt: serviceInstance!.lastDeploymentAttemptedAt,
      contexts: [{ key: 'serviceName', value: 'web' }, { key: 'serviceInstanceName', value: 'one' }],
    };
    const [active, ...others] = await blockers('one');
    expect(active).toEqual(blocker);
    expect(others).toEqual([]);
    expect(await blockers()).toEqual([]);

    fx.emu.control.advance(120_000);
    await fx.proton.send(new UpdateServiceInstanceCommand({ serviceName: 'web', name: 'one', deploymentType: 'NONE' }));
    expect(await blockers('one')).toEqual([blocker]);

    const resolved = await fx.proton.send(new UpdateServiceSyncBlockerCommand({ id: active.id, resolvedReason: 'Spec committed to Git' }));
    expect(resolved).toMatchObject({
      serviceName: 'web',
      serviceInstanceName: 'one',
      serviceSyncBlocker: { ...blocker, id: active.id, status: 'RESOLVED', resolvedReason: 'Spec committed to Git', resolvedAt: new Date(blocker.createdAt!.getTime() + 120_000) },
    });
    expect((await blockers('one')).map((b) => b.status)).toEqual(['RESOLVED']);
  });

  test('manual changes of a service without a sync configuration create no blockers', async () => {
    await fx.proton.send(new UpdateServiceInstanceCommand({ serviceName: 'web', name: 'one', deploymentType: 'CURRENT_VERSION', spec: specOf('one') }));
    fx.emu.control.advance(120_000);
    await fx.proton.send(new UpdateServiceCommand({ name: 'web', spec: specOf('one', 'two') }));
    fx.emu.control.advance(120_000);
    expect(await blockers('one')).toEqual([]);
    expect(await blockers()).toEqual([]);
  });

  test('creating an instance blocks it; removing instances or deleting the service blocks the service', async () => {
    await fx.proton.send(new CreateServiceSyncConfigCommand(config));
    await fx.proton.send(new CreateServiceInstanceCommand({ serviceName: 'web', name: 'two', spec: specOf('one', 'two') }));
    expect((await blockers('two')).map((b) => [b.status, b.createdReason])).toEqual([
      ['ACTIVE', 'Service instance two of service web was created manually (CreateServiceInstance).'],
    ]);
    fx.emu.control.advance(120_000);

    await fx.proton.send(new UpdateServiceCommand({ name: 'web', spec: specOf('one') }));
    const [onService] = await blockers();
    expect(onService).toMatchObject({
      status: 'ACTIVE', createdReason: 'Service instances two of service web were deleted manually (UpdateService).', contexts: [{ key: 'serviceName', value: 'web' }],
    });
    await fx.proton.send(new UpdateServiceSyncBlockerCommand({ id: onService.id!, resolvedReason: 'proton-ops.yaml updated' }));
    fx.emu.control.advance(120_000);

    await fx.proton.send(new DeleteServiceCommand({ name: 'web' }));
    expect((await blockers()).map((b) => [b.status, b.createdReason])).toEqual([
      ['ACTIVE', 'Service web and its instances are being deleted manually (DeleteService).'],
      ['RESOLVED', 'Service instances two of service web were deleted manually (UpdateService).'],
    ]);
  });

  test('a deleted service takes its sync configuration and blockers with it', async () => {
    await fx.proton.send(new CreateServiceSyncConfigCommand(config));
    await fx.proton.send(new UpdateServiceInstanceCommand({ serviceName: 'web', name: 'one', deploymentType: 'CURRENT_VERSION', spec: specOf('one') }));
    fx.emu.control.advance(120_000);
    await fx.proton.send(new DeleteServiceCommand({ name: 'web' }));
    fx.emu.control.advance(120_000);

    await createService(fx.proton, fx.emu, 'web', 'svc-tmpl', [{ name: 'one', environment: 'dev' }]);
    await expect(fx.proton.send(new GetServiceSyncConfigCommand({ serviceName: 'web' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: "The service 'web' has no service sync configuration.",
    });
    expect(await blockers('one')).toEqual([]);
    expect(await blockers()).toEqual([]);
    await expect(fx.proton.send(new DeleteRepositoryCommand({ provider: 'GITHUB', name: 'acme/services' }))).resolves.toBeDefined();
  });

  test('sync status and blocker summaries of a synced service start empty', async () => {
    await fx.proton.send(new CreateServiceSyncConfigCommand(config));
    const status = await fx.proton.send(new GetServiceInstanceSyncStatusCommand({ serviceName: 'web', serviceInstanceName: 'one' }));
    expect(status.latestSync).toBeUndefined();
    const summary = await fx.proton.send(new GetServiceSyncBlockerSummaryCommand({ serviceName: 'web', serviceInstanceName: 'one' }));
    expect(summary.serviceSyncBlockerSummary).toEqual({ serviceName: 'web', serviceInstanceName: 'one', latestBlockers: [] });
    await expect(fx.proton.send(new GetServiceSyncBlockerSummaryCommand({ serviceName: 'web', serviceInstanceName: 'two' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: "The service instance 'two' of the service 'web' was not found.",
    });
    await expect(fx.proton.send(new GetServiceInstanceSyncStatusCommand({ serviceName: 'nope', serviceInstanceName: 'one' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: "The service 'nope' was not found.",
    });
    await expect(fx.proton.send(new UpdateServiceSyncBlockerCommand({ id: 'no-such-blocker', resolvedReason: 'fixed' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: "The service sync blocker 'no-such-blocker' was not found.",
    });
  });
});

describe('service sync blockers (recordSyncBlocker, as the service and instance modules call it)', () => {
  const state = () => new EmulatorState({ clock: 'manual', startTimeMs: Date.UTC(2026, 0, 1) });
  const contextOf = (s: EmulatorState): RequestContext => ({
    operation: 'UpdateServiceInstance',
    requestId: 'test',
    accountId: ACCOUNT,
    region: 'us-east-1',
    account: s.accountState(ACCOUNT, 'us-east-1'),
    runtime: s,
    nowSeconds: () => s.clock.nowMs() / 1000,
  });
  const seedService = (ctx: RequestContext, synced: boolean) => {
    const instance = { name: 'one', serviceName: 'web' } as ServiceInstanceRecord;
    ctx.account.services.set('web', { name: 'web', instances: new Map([['one', instance]]) } as ServiceRecord);
    if (synced) {
      ctx.account.serviceSyncConfigs.set('web', {
        serviceName: 'web', repositoryProvider: 'GITHUB', repositoryName: 'acme/services', branch: 'main', filePath: 'proton-ops.yaml',
      });
    }
  };
  const call = (ctx: RequestContext, operation: string, input: object) => serviceSync[operation](input, ctx) as any;

  test('a service without a sync configuration gets no blocker', () => {
    const ctx = contextOf(state());
    seedService(ctx, false);
    expect(hasServiceSyncConfig(ctx.account, 'web')).toBe(false);
    expect(recordSyncBlocker(ctx, 'web', 'one', 'Manual update of service instance one')).toBeUndefined();
    expect(ctx.account.syncBlockers.size).toBe(0);
  });

  test('manual changes block the instance or the service until resolved', () => {
    const s = state();
    const ctx = contextOf(s);
    seedService(ctx, true);
    const start = s.clock.nowMs() / 1000;
    const onInstance = recordSyncBlocker(ctx, 'web', 'one', 'Manual update of service instance one')!;
    expect(recordSyncBlocker(ctx, 'web', 'one', 'Another manual update')).toBe(onInstance);
    s.clock.advance(1000);
    const onService = recordSyncBlocker(ctx, 'web', undefined, 'Service instance two was deleted manually')!;

    expect(call(ctx, 'GetServiceSyncBlockerSummary', { serviceName: 'web', serviceInstanceName: 'one' })).toEqual({
      serviceSyncBlockerSummary: {
        serviceName: 'web',
        serviceInstanceName: 'one',
        latestBlockers: [{
          id: onInstance.id,
          type: 'AUTOMATED',
          status: 'ACTIVE',
          createdReason: 'Manual update of service instance one',
          createdAt: start,
          contexts: [{ key: 'serviceName', value: 'web' }, { key: 'serviceInstanceName', value: 'one' }],
        }],
      },
    });
    expect(call(ctx, 'GetServiceSyncBlockerSummary', { serviceName: 'web' }).serviceSyncBlockerSummary.latestBlockers.map((b: any) => b.id))
      .toEqual([onService.id]);

    s.clock.advance(1000);
    expect(call(ctx, 'UpdateServiceSyncBlocker', { id: onInstance.id, resolvedReason: 'Change merged into Git' })).toEqual({
      serviceName: 'web',
      serviceInstanceName: 'one',
      serviceSyncBlocker: {
        id: onInstance.id,
        type: 'AUTOMATED',
        status: 'RESOLVED',
        createdReason: 'Manual update of service instance one',
        createdAt: start,
        contexts: [{ key: 'serviceName', value: 'web' }, { key: 'serviceInstanceName', value: 'one' }],
        resolvedReason: 'Change merged into Git',
        resolvedAt: start + 2,
      },
    });
    expect(() => call(ctx, 'UpdateServiceSyncBlocker', { id: onInstance.id, resolvedReason: 'again' })).toThrow(
      expect.objectContaining({ type: 'ConflictException', message: `The service sync blocker '${onInstance.id}' is already resolved.` }),
    );

    s.clock.advance(1000);
    const next = recordSyncBlocker(ctx, 'web', 'one', 'Manual update of service instance one')!;
    expect(next.id).not.toEqual(onInstance.id);
    expect(call(ctx, 'GetServiceSyncBlockerSummary', { serviceName: 'web', serviceInstanceName: 'one' }).serviceSyncBlockerSummary.latestBlockers
      .map((b: any) => [b.id, b.status])).toEqual([[next.id, 'ACTIVE'], [onInstance.id, 'RESOLVED']]);
  });
});
