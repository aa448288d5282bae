/**
 * End to end: a repository link, a template sync configuration and the account settings in one
 * stack, deployed by the runner through the REAL bundled handler against the emulator.
 */
import {
  GetAccountSettingsCommand, GetRepositoryCommand, GetTemplateSyncConfigCommand, ListRepositoriesCommand, UpdateAccountSettingsCommand,
} from '@aws-sdk/client-proton';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { runnerHarness } from './fixtures/runner-harness';
import { testApp } from './fixtures/test-app';
import { AccountSettings, EnvironmentTemplate, Repository, RepositoryProvider, SyncedTemplate, TemplateSyncConfig } from '../../src';

const STACK = 'ProtonRepositories';
const ACCOUNT = '111111111111';
const CONNECTION = `arn:aws:codestar-connections:us-east-1:${ACCOUNT}:connection/2f6c6a0e-1111-4aaa-8bbb-000000000001`;

const harness = runnerHarness({ accountId: ACCOUNT });

interface Revision {
  readonly branch: string;
  readonly tags?: Record<string, string>;
  readonly codebuildRole?: boolean;
}

function platformApp(revision: Revision, stackName = STACK): App {
  const app = testApp();
  const stack = new Stack(app, stackName, { env: { account: ACCOUNT, region: 'us-east-1' } });
  const repository = new Repository(stack, 'Templates', { provider: RepositoryProvider.GITHUB, repositoryName: 'acme/e2e-templates', connectionArn: CONNECTION });
  for (const [key, value] of Object.entries(revision.tags ?? {})) repository.tags.setTag(key, value);
  const template = new EnvironmentTemplate(stack, 'Network', { environmentTemplateName: 'e2e-synced-network' });
  new TemplateSyncConfig(stack, 'Sync', { template: SyncedTemplate.environmentTemplate(template), repository, branch: revision.branch });
  new AccountSettings(stack, 'Settings', {
    pipelineServiceRole: new iam.Role(stack, 'PipelineRole', { assumedBy: new iam.ServicePrincipal('proton.amazonaws.com'), roleName: 'e2e-pipeline' }),
    pipelineCodebuildRole: revision.codebuildRole
      ? new iam.Role(stack, 'CodebuildRole', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'), roleName: 'e2e-codebuild' })
      : undefined,
    pipelineProvisioningRepository: { repository, branch: revision.branch },
  });
  return app;
}

async function settings() {
  return (await harness.proton.send(new GetAccountSettingsCommand({}))).accountSettings;
}

async function syncConfig() {
  return harness.proton.send(new GetTemplateSyncConfigCommand({ templateType: 'ENVIRONMENT', templateName: 'e2e-synced-network' }))
    .then((o) => o.templateSyncConfig, (e: Error) => (e.name === 'ResourceNotFoundException' ? undefined : Promise.reject(e)));
}

const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

test('create, update, destroy: a setting changed by hand since survives, the rest is restored', async () => {
  const created = await harness.runner.deploy(platformApp({ branch: 'main', tags: { team: 'platform' } }));
  expect(created.success).toBe(true);
  expect((await harness.proton.send(new GetRepositoryCommand({ provider: 'GITHUB', name: 'acme/e2e-templates' }))).repository).toMatchObject({ connectionArn: CONNECTION });
  expect(await syncConfig()).toMatchObject({ repositoryName: 'acme/e2e-templates', branch: 'main' });
  expect(await settings()).toEqual({
    pipelineServiceRoleArn: role('e2e-pipeline'),
    pipelineProvisioningRepository: expect.objectContaining({ name: 'acme/e2e-templates', branch: 'main' }),
  });

  const updated = await harness.runner.deploy(platformApp({ branch: 'release', tags: { team: 'web' }, codebuildRole: true }));
  expect(updated.success).toBe(true);
  expect(updated.requests.map(({ request }) => [request.ResourceType, request.RequestType]).sort()).toEqual([
    ['Custom::ProtonAccountSettings', 'Update'],
    ['Custom::ProtonRepository', 'Update'],
    ['Custom::ProtonTemplateSyncConfig', 'Update'],
  ]);
  expect(await syncConfig()).toMatchObject({ branch: 'release' });
  expect(await settings()).toMatchObject({ pipelineCodebuildRoleArn: role('e2e-codebuild'), pipelineProvisioningRepository: expect.objectContaining({ branch: 'release' }) });

  // Someone changes the service role by hand: the stack leaves it on delete.
  await harness.proton.send(new UpdateAccountSettingsCommand({ pipelineServiceRoleArn: role('by-hand') }));
  const destroyed = await harness.runner.destroy({ stackNames: [STACK] });
  expect(destroyed.success).toBe(true);
  expect(await settings()).toEqual({ pipelineServiceRoleArn: role('by-hand') });
  expect(await syncConfig()).toBeUndefined();
  expect((await harness.proton.send(new ListRepositoriesCommand({}))).repositories).toEqual([]);
  await harness.proton.send(new UpdateAccountSettingsCommand({ pipelineServiceRoleArn: '' }));
});

test('a setting held by someone else fails the create; the rollback unlinks the repository and leaves the setting', async () => {
  await harness.proton.send(new UpdateAccountSettingsCommand({ pipelineServiceRoleArn: role('theirs') }));
  const result = await harness.runner.deploy(platformApp({ branch: 'main' }));
  expect(result.success).toBe(false);
  expect(harness.runner.stack(STACK)!.status).toBe('ROLLBACK_COMPLETE');
  const failed = result.events.find((e) => e.status === 'CREATE_FAILED' && e.resourceType === 'Custom::ProtonAccountSettings')!;
  expect(failed.reason!.split('\n')[0]).toMatch(/^Refusing to change account settings set outside this stack: PipelineServiceRoleArn is already 'arn:aws:iam::111111111111:role\/theirs'\./);
  expect(await settings()).toEqual({ pipelineServiceRoleArn: role('theirs') });
  expect((await harness.proton.send(new ListRepositoriesCommand({}))).repositories).toEqual([]);
  expect(await syncConfig()).toBeUndefined();
  await harness.proton.send(new UpdateAccountSettingsCommand({ pipelineServiceRoleArn: '' }));
  await harness.runner.destroy({ stackNames: [STACK] });
});

test('a second stack linking the same repository fails; the first stack\'s link is untouched', async () => {
  const app = () => {
    const a = testApp();
    const stack = new Stack(a, 'SecondLink', { env: { account: ACCOUNT, region: 'us-east-1' } });
    new Repository(stack, 'Templates', { provider: RepositoryProvider.GITHUB, repositoryName: 'acme/e2e-templates', connectionArn: CONNECTION });
    return a;
  };
  expect((await harness.runner.deploy(platformApp({ branch: 'main' }))).success).toBe(true);
  const duplicate = await harness.runner.deploy(app());
  expect(duplicate.success).toBe(false);
  const failed = duplicate.events.find((e) => e.status === 'CREATE_FAILED')!;
  expect(failed.reason!.split('\n')[0]).toMatch(/^Proton repository 'GITHUB:acme\/e2e-templates' already exists and was not created by resource Templates[0-9A-F]{8} of this stack/);
  expect(await syncConfig()).toMatchObject({ branch: 'main' });
  expect((await harness.proton.send(new ListRepositoriesCommand({}))).repositories).toHaveLength(1);
  await harness.runner.destroy({ stackNames: ['SecondLink'] });
  expect((await harness.runner.destroy({ stackNames: [STACK] })).success).toBe(true);
  expect(await settings()).toEqual({});
});
