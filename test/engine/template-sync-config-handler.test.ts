import {
  CreateEnvironmentTemplateCommand,
  CreateRepositoryCommand,
  CreateServiceTemplateCommand,
  CreateTemplateSyncConfigCommand,
  GetTemplateSyncConfigCommand,
} from '@aws-sdk/client-proton';
import { createEvent, deleteEvent, updateEvent } from './cfn-events';
import { handlerTest } from './handler-harness';
import { onEvent } from '../../lambda/index';
import { ProtonResourceType } from '../../src/custom-resources/contract';

// Virtual time starts now: the SDK treats a Date header more than 5 minutes off as clock skew and retries every error.
const CONNECTION = 'arn:aws:codestar-connections:us-east-1:111111111111:connection/2f6c6a0e-1111-4aaa-8bbb-000000000001';
const harness = handlerTest({
  startTimeMs: Date.now(),
  canary: 'CANARY-sync-5e2d',
  setUp: async (client) => {
    for (const name of ['acme/templates', 'acme/other']) {
      await client.send(new CreateRepositoryCommand({ provider: 'GITHUB', name, connectionArn: CONNECTION }));
    }
    for (const name of ['web-env', 'replayed', 'foreign-env', 'same-env', 'first', 'second']) {
      await client.send(new CreateEnvironmentTemplateCommand({ name }));
    }
    await client.send(new CreateServiceTemplateCommand({ name: 'web-svc' }));
  },
});

const resource = (logicalId: string) => ({ resourceType: ProtonResourceType.TEMPLATE_SYNC_CONFIG, logicalId });
const props = (templateName: string, extra: object = {}) => ({
  TemplateType: 'ENVIRONMENT', TemplateName: templateName, RepositoryProvider: 'GITHUB', RepositoryName: 'acme/templates', Branch: 'main', ...extra,
});

async function config(templateType: 'ENVIRONMENT' | 'SERVICE', templateName: string) {
  return harness.proton.send(new GetTemplateSyncConfigCommand({ templateType, templateName })).then(
    (out) => out.templateSyncConfig,
    (e: Error) => {
      if (e.name === 'ResourceNotFoundException') return undefined;
      throw e;
    },
  );
}

test('create, update repository/branch/subdirectory in place, delete, repeated delete', async () => {
  const r = resource('Sync');
  const created = await harness.run(createEvent(r, props('web-env')));
  expect(created.onEvent).toEqual({ PhysicalResourceId: 'ENVIRONMENT:web-env' });
  expect(created.isComplete).toEqual({ IsComplete: true, Data: { TemplateType: 'ENVIRONMENT', TemplateName: 'web-env' } });

  const moved = props('web-env', { RepositoryName: 'acme/other', Branch: 'release', Subdirectory: 'templates' });
  const updated = await harness.run(updateEvent(r, 'ENVIRONMENT:web-env', props('web-env'), moved));
  expect(updated.onEvent).toEqual({ PhysicalResourceId: 'ENVIRONMENT:web-env' });
  expect(await config('ENVIRONMENT', 'web-env')).toEqual({
    templateType: 'ENVIRONMENT', templateName: 'web-env', repositoryProvider: 'GITHUB', repositoryName: 'acme/other', branch: 'release', subdirectory: 'templates',
  });

  await harness.run(deleteEvent(r, 'ENVIRONMENT:web-env', moved));
  expect(await config('ENVIRONMENT', 'web-env')).toBeUndefined();
  await expect(harness.run(deleteEvent(r, 'ENVIRONMENT:web-env', moved))).resolves.toEqual({
    onEvent: { PhysicalResourceId: 'ENVIRONMENT:web-env' },
    isComplete: { IsComplete: true },
  });
});

test('a service template\'s sync configuration', async () => {
  const created = await harness.run(createEvent(resource('SvcSync'), props('web-svc', { TemplateType: 'SERVICE' })));
  expect(created.onEvent).toEqual({ PhysicalResourceId: 'SERVICE:web-svc' });
  expect(await config('SERVICE', 'web-svc')).toMatchObject({ branch: 'main' });
});

test('another template replaces the configuration; the cleanup delete removes the old one', async () => {
  const r = resource('Moved');
  await harness.run(createEvent(r, props('first')));
  const replaced = await harness.run(updateEvent(r, 'ENVIRONMENT:first', props('first'), props('second')));
  expect(replaced.onEvent).toEqual({ PhysicalResourceId: 'ENVIRONMENT:second' });
  await harness.run(deleteEvent(r, 'ENVIRONMENT:first', props('first')));
  expect(await config('ENVIRONMENT', 'first')).toBeUndefined();
  expect(await config('ENVIRONMENT', 'second')).toBeDefined();
});

test('the same Create delivered twice creates once', async () => {
  const event = createEvent(resource('Twice'), props('replayed'));
  harness.emu.control.resetCallCounts();
  const first = await harness.run(event);
  expect(await harness.run(event)).toEqual(first);
  expect(harness.emu.control.callCounts().CreateTemplateSyncConfig).toBe(1);
});

test('a different configuration made outside the stack is refused and left untouched', async () => {
  await harness.proton.send(new CreateTemplateSyncConfigCommand({
    templateType: 'ENVIRONMENT', templateName: 'foreign-env', repositoryProvider: 'GITHUB', repositoryName: 'acme/other', branch: 'theirs',
  }));
  await expect(harness.run(createEvent(resource('Mine'), props('foreign-env')))).rejects.toThrow(
    "The environment template 'foreign-env' already has a template sync configuration ('ENVIRONMENT:foreign-env', repository GITHUB:acme/other, branch theirs) "
    + 'that differs from this one and was not made by this stack. cdk-proton never takes over a different configuration: '
    + 'delete it first (aws proton delete-template-sync-config) or stop declaring this one.',
  );
  expect(await config('ENVIRONMENT', 'foreign-env')).toMatchObject({ branch: 'theirs' });
});

test('a template that does not exist fails with Proton\'s message', async () => {
  const error = await harness.run(createEvent(resource('NoTemplate'), props('missing'))).catch((e: Error) => e);
  expect((error as Error).message).toBe("Could not create the template sync configuration of the environment template 'missing' (Proton: ValidationException: "
    + "The environment template 'missing' does not exist: create the template before its sync configuration (sync never creates templates).)");
});

test('an unlinked repository on update fails with Proton\'s message and keeps the configuration', async () => {
  const r = resource('Unlinked');
  await harness.run(createEvent(r, props('same-env')));
  await expect(harness.run(updateEvent(r, 'ENVIRONMENT:same-env', props('same-env'), props('same-env', { RepositoryName: 'acme/unlinked' }))))
    .rejects.toThrow(/^Could not update the template sync configuration of the environment template 'same-env' \(Proton: ValidationException: repositoryName names the repository 'acme\/unlinked'/);
  expect(await config('ENVIRONMENT', 'same-env')).toMatchObject({ repositoryName: 'acme/templates' });
});

test('malformed properties are refused naming the property', async () => {
  await expect(onEvent(createEvent(resource('Bad'), props('x', { TemplateType: 'COMPONENT' }))))
    .rejects.toThrow('Custom::ProtonTemplateSyncConfig property TemplateType must be one of ENVIRONMENT, SERVICE, got "COMPONENT".');
});
