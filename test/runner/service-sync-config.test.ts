/**
 * End to end: a service sync configuration for a service created outside the stack, deployed by
 * the runner through the REAL bundled handler against the emulator.
 */
import {
  CreateRepositoryCommand, CreateServiceSyncConfigCommand, DeleteServiceSyncConfigCommand, GetServiceCommand, GetServiceSyncConfigCommand,
  ListRepositoriesCommand,
} from '@aws-sdk/client-proton';
import { App, Stack } from 'aws-cdk-lib';
import { runnerHarness } from './fixtures/runner-harness';
import { testApp } from './fixtures/test-app';
import { IRepository, Repository, RepositoryProvider, Service, ServiceSyncConfig } from '../../src';
import { createEnvironment, createEnvironmentTemplate, createService, createServiceTemplate } from '../emulator/rest-fixtures';

const STACK = 'ProtonServiceSync';
const ACCOUNT = '111111111111';
const TYPE = 'Custom::ProtonServiceSyncConfig';
const CONNECTION = `arn:aws:codestar-connections:us-east-1:${ACCOUNT}:connection/2f6c6a0e-1111-4aaa-8bbb-000000000001`;
const SHARED_REPOSITORY = 'acme/shared-ops';

// The SDK treats a Date header more than 5 minutes off as clock skew: the setup advances 10 minutes.
const harness = runnerHarness({ accountId: ACCOUNT, startTimeMs: Date.now() - 5 * 60_000 });

beforeAll(async () => {
  const { proton, emulator } = harness;
  // The synced services exist before the stack, made outside it (as service sync requires).
  await createEnvironmentTemplate(proton, emulator, 'e2e-sync-env');
  await createEnvironment(proton, emulator, 'dev', 'e2e-sync-env', { protonServiceRoleArn: `arn:aws:iam::${ACCOUNT}:role/proton` });
  await createServiceTemplate(proton, emulator, 'e2e-sync-svc', 'e2e-sync-env');
  await createService(proton, emulator, 'synced', 'e2e-sync-svc', [{ name: 'one', environment: 'dev' }]);
  await createService(proton, emulator, 'adopted', 'e2e-sync-svc', [{ name: 'one', environment: 'dev' }]);
  await proton.send(new CreateRepositoryCommand({ provider: 'GITHUB', name: SHARED_REPOSITORY, connectionArn: CONNECTION }));
});

interface Revision {
  readonly serviceName: string;
  readonly branch: string;
  readonly filePath?: string;
  /** Link `acme/e2e-ops` in the stack (default), or use the repository linked outside it. */
  readonly sharedRepository?: boolean;
}

function syncApp(revision: Revision): App {
  const app = testApp();
  const stack = new Stack(app, STACK, { env: { account: ACCOUNT, region: 'us-east-1' } });
  const repository: IRepository = revision.sharedRepository
    ? Repository.fromRepositoryAttributes(stack, 'Ops', { provider: RepositoryProvider.GITHUB, repositoryName: SHARED_REPOSITORY })
    : new Repository(stack, 'Ops', { provider: RepositoryProvider.GITHUB, repositoryName: 'acme/e2e-ops', connectionArn: CONNECTION });
  new ServiceSyncConfig(stack, 'Sync', {
    service: Service.fromServiceName(stack, 'Service', revision.serviceName),
    repository,
    branch: revision.branch,
    filePath: revision.filePath,
  });
  return app;
}

async function syncConfig(serviceName: string) {
  return harness.proton.send(new GetServiceSyncConfigCommand({ serviceName }))
    .then((o) => o.serviceSyncConfig, (e: Error) => (e.name === 'ResourceNotFoundException' ? undefined : Promise.reject(e)));
}

async function linkedRepositories(): Promise<string[]> {
  return ((await harness.proton.send(new ListRepositoriesCommand({}))).repositories ?? []).map((r) => r.name!).sort();
}

const foreign = { serviceName: 'synced', repositoryProvider: 'GITHUB' as const, repositoryName: SHARED_REPOSITORY, branch: 'theirs', filePath: 'ops/proton-ops.yaml' };

test('create, update branch and file path in place, destroy: the service outlives its configuration', async () => {
  const created = await harness.runner.deploy(syncApp({ serviceName: 'synced', branch: 'main' }));
  expect(created.success).toBe(true);
  expect(await syncConfig('synced')).toEqual({
    serviceName: 'synced', repositoryProvider: 'GITHUB', repositoryName: 'acme/e2e-ops', branch: 'main', filePath: 'proton-ops.yaml',
  });

  const updated = await harness.runner.deploy(syncApp({ serviceName: 'synced', branch: 'release', filePath: 'ops/synced.yaml' }));
  expect(updated.success).toBe(true);
  expect(updated.requests.map(({ request }) => [request.ResourceType, request.RequestType, 'PhysicalResourceId' in request ? request.PhysicalResourceId : undefined]))
    .toEqual([[TYPE, 'Update', 'synced']]);
  expect(await syncConfig('synced')).toEqual({
    serviceName: 'synced', repositoryProvider: 'GITHUB', repositoryName: 'acme/e2e-ops', branch: 'release', filePath: 'ops/synced.yaml',
  });

  const destroyed = await harness.runner.destroy({ stackNames: [STACK] });
  expect(destroyed.success).toBe(true);
  expect(await syncConfig('synced')).toBeUndefined();
  expect((await harness.proton.send(new GetServiceCommand({ name: 'synced' }))).service).toMatchObject({ name: 'synced', status: 'ACTIVE' });
  expect(await linkedRepositories()).toEqual([SHARED_REPOSITORY]);
});

test('a different configuration made by hand fails the create and is left untouched; after deleting it, a re-deploy succeeds', async () => {
  await harness.proton.send(new CreateServiceSyncConfigCommand(foreign));
  const failed = await harness.runner.deploy(syncApp({ serviceName: 'synced', branch: 'main' }));
  expect(failed.success).toBe(false);
  expect(harness.runner.stack(STACK)!.status).toBe('ROLLBACK_COMPLETE');
  const event = failed.events.find((e) => e.status === 'CREATE_FAILED' && e.resourceType === TYPE)!;
  expect(event.reason!.split('\n')[0]).toBe("The service 'synced' already has a service sync configuration ('synced', repository GITHUB:acme/shared-ops, "
    + 'branch theirs, file path ops/proton-ops.yaml) that differs from this one and was not made by this stack. cdk-proton never takes over a different '
    + 'configuration: delete it first (aws proton delete-service-sync-config --service-name synced) or stop declaring this one.');
  expect(await syncConfig('synced')).toEqual(foreign);
  // The rollback unlinked the stack's repository; the configuration's own repository is untouched.
  expect(await linkedRepositories()).toEqual([SHARED_REPOSITORY]);

  // The fix the message names, then the same deployment again.
  await harness.proton.send(new DeleteServiceSyncConfigCommand({ serviceName: 'synced' }));
  const retried = await harness.runner.deploy(syncApp({ serviceName: 'synced', branch: 'main' }));
  expect(retried.success).toBe(true);
  expect(await syncConfig('synced')).toMatchObject({ repositoryName: 'acme/e2e-ops', branch: 'main' });
  expect((await harness.runner.destroy({ stackNames: [STACK] })).success).toBe(true);
  expect(await syncConfig('synced')).toBeUndefined();
});

test('a configuration already as declared is taken over without a create, then managed by the stack', async () => {
  const declared = { ...foreign, serviceName: 'adopted', branch: 'main', filePath: 'proton-ops.yaml' };
  await harness.proton.send(new CreateServiceSyncConfigCommand(declared));
  harness.emulator.control.resetCallCounts();
  const created = await harness.runner.deploy(syncApp({ serviceName: 'adopted', branch: 'main', sharedRepository: true }));
  expect(created.success).toBe(true);
  expect(harness.emulator.control.callCounts().CreateServiceSyncConfig).toBeUndefined();
  expect(await syncConfig('adopted')).toEqual(declared);

  expect((await harness.runner.destroy({ stackNames: [STACK] })).success).toBe(true);
  expect(await syncConfig('adopted')).toBeUndefined();
  expect(await linkedRepositories()).toEqual([SHARED_REPOSITORY]);
});
