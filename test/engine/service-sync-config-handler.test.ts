import {
  CreateRepositoryCommand,
  CreateServiceCommand,
  CreateServiceSyncConfigCommand,
  DeleteServiceCommand,
  DeleteServiceSyncConfigCommand,
  GetServiceSyncConfigCommand,
  ProtonClient,
} from '@aws-sdk/client-proton';
import { createEvent, deleteEvent, updateEvent } from './cfn-events';
import { handlerTest } from './handler-harness';
import { onEvent } from '../../lambda/index';
import { ProtonResourceType } from '../../src/custom-resources/contract';
import { protonClient } from '../emulator/helpers';
import { createEnvironment, createEnvironmentTemplate, createServiceTemplate } from '../emulator/rest-fixtures';

// The SDK treats a Date header more than 5 minutes off as clock skew (and retries every error):
// the setup advances the virtual clock by 8 minutes in all, so it starts 4 minutes in the past.
const CONNECTION = 'arn:aws:codestar-connections:us-east-1:111111111111:connection/2f6c6a0e-1111-4aaa-8bbb-000000000001';
const ROLE = 'arn:aws:iam::111111111111:role/proton-service';
const SERVICES = ['web', 'taken', 'foreign', 'race-same', 'race-other', 'replayed', 'first', 'second', 'unlinked', 'gone', 'removed', 'failed'];
const harness = handlerTest({
  startTimeMs: Date.now() - 4 * 60_000,
  canary: 'CANARY-svc-sync-7a1f',
  setUp: async (client, emu) => {
    for (const name of ['acme/ops', 'acme/other']) {
      await client.send(new CreateRepositoryCommand({ provider: 'GITHUB', name, connectionArn: CONNECTION }));
    }
    await createEnvironmentTemplate(client, emu, 'sync-env');
    await createEnvironment(client, emu, 'dev', 'sync-env', { protonServiceRoleArn: ROLE });
    await createServiceTemplate(client, emu, 'sync-svc', 'sync-env');
    const spec = 'proton: ServiceSpec\ninstances:\n  - name: dev\n    environment: dev\n    spec:\n      message: hi\n';
    for (const name of SERVICES) {
      await client.send(new CreateServiceCommand({ name, templateName: 'sync-svc', templateMajorVersion: '1', spec }));
    }
    emu.control.advance(120_000);
  },
});

const resource = (logicalId: string) => ({ resourceType: ProtonResourceType.SERVICE_SYNC_CONFIG, logicalId });
const props = (serviceName: string, extra: object = {}) => ({
  ServiceName: serviceName, RepositoryProvider: 'GITHUB', RepositoryName: 'acme/ops', Branch: 'main', FilePath: 'proton-ops.yaml', ...extra,
});
const theirs = (serviceName: string) => ({
  serviceName, repositoryProvider: 'GITHUB' as const, repositoryName: 'acme/other', branch: 'theirs', filePath: 'ops/proton-ops.yaml',
});

async function config(serviceName: string) {
  return harness.proton.send(new GetServiceSyncConfigCommand({ serviceName })).then(
    (out) => out.serviceSyncConfig,
    (e: Error) => {
      if (e.name === 'ResourceNotFoundException') return undefined;
      throw e;
    },
  );
}

function refusal(serviceName: string): string {
  return `The service '${serviceName}' already has a service sync configuration ('${serviceName}', repository GITHUB:acme/other, branch theirs, `
    + 'file path ops/proton-ops.yaml) that differs from this one and was not made by this stack. cdk-proton never takes over a different configuration: '
    + `delete it first (aws proton delete-service-sync-config --service-name ${serviceName}) or stop declaring this one.`;
}

/**
 * Makes another client create `serviceName`'s configuration with `input` just before the
 * handler's own CreateServiceSyncConfig reaches Proton (after its read found none).
 */
function raceCreate(input: ReturnType<typeof theirs>) {
  type Send = (this: ProtonClient, command: unknown, ...rest: unknown[]) => Promise<unknown>;
  const send = ProtonClient.prototype.send as Send;
  const other = protonClient(harness.emu);
  const racing: Send = async function (command, ...rest) {
    if (this !== other && command instanceof CreateServiceSyncConfigCommand) {
      await send.call(other, new CreateServiceSyncConfigCommand(input));
    }
    return send.call(this, command, ...rest);
  };
  jest.spyOn(ProtonClient.prototype, 'send').mockImplementation(racing as never);
  return other;
}

test('create, update repository/branch/file path in place, delete, repeated delete', async () => {
  const r = resource('Sync');
  const created = await harness.run(createEvent(r, props('web')));
  expect(created).toEqual({ onEvent: { PhysicalResourceId: 'web' }, isComplete: { IsComplete: true, Data: { ServiceName: 'web' } } });
  expect(await config('web')).toEqual({ serviceName: 'web', repositoryProvider: 'GITHUB', repositoryName: 'acme/ops', branch: 'main', filePath: 'proton-ops.yaml' });

  const moved = props('web', { RepositoryName: 'acme/other', Branch: 'release', FilePath: 'ops/web.yaml' });
  harness.emu.control.resetCallCounts();
  const updated = await harness.run(updateEvent(r, 'web', props('web'), moved));
  expect(updated).toEqual({ onEvent: { PhysicalResourceId: 'web' }, isComplete: { IsComplete: true, Data: { ServiceName: 'web' } } });
  expect(harness.emu.control.callCounts()).toEqual({ UpdateServiceSyncConfig: 1, GetServiceSyncConfig: 1 });
  expect(await config('web')).toEqual({ serviceName: 'web', repositoryProvider: 'GITHUB', repositoryName: 'acme/other', branch: 'release', filePath: 'ops/web.yaml' });

  await harness.run(deleteEvent(r, 'web', moved));
  expect(await config('web')).toBeUndefined();
  // Delivered again (or the configuration deleted by hand meanwhile): ResourceNotFound is success.
  await expect(harness.run(deleteEvent(r, 'web', moved))).resolves.toEqual({ onEvent: { PhysicalResourceId: 'web' }, isComplete: { IsComplete: true } });
  expect(harness.logged.some((line) => line.includes('service sync configuration already gone'))).toBe(true);
});

test('an identical configuration made outside the stack is taken over without a create', async () => {
  await harness.proton.send(new CreateServiceSyncConfigCommand({ ...theirs('taken'), repositoryName: 'acme/ops', branch: 'main', filePath: 'proton-ops.yaml' }));
  harness.emu.control.resetCallCounts();
  const created = await harness.run(createEvent(resource('Taken'), props('taken')));
  expect(created.onEvent).toEqual({ PhysicalResourceId: 'taken' });
  expect(harness.emu.control.callCounts()).toEqual({ GetServiceSyncConfig: 2 });
  expect(harness.logged.some((line) => line.includes('service sync configuration already as requested: taken over'))).toBe(true);
});

test('a different configuration made outside the stack is refused and left untouched', async () => {
  await harness.proton.send(new CreateServiceSyncConfigCommand(theirs('foreign')));
  harness.emu.control.resetCallCounts();
  await expect(harness.run(createEvent(resource('Mine'), props('foreign')))).rejects.toThrow(refusal('foreign'));
  expect(harness.emu.control.callCounts()).toEqual({ GetServiceSyncConfig: 1 });
  expect(await config('foreign')).toEqual(theirs('foreign'));
});

test('a create that loses a race to an identical configuration takes it over', async () => {
  const other = raceCreate({ ...theirs('race-same'), repositoryName: 'acme/ops', branch: 'main', filePath: 'proton-ops.yaml' });
  try {
    harness.emu.control.resetCallCounts();
    const created = await harness.run(createEvent(resource('RaceSame'), props('race-same')));
    expect(created).toEqual({ onEvent: { PhysicalResourceId: 'race-same' }, isComplete: { IsComplete: true, Data: { ServiceName: 'race-same' } } });
    // The other client's create succeeded, the handler's got a ConflictException.
    expect(harness.emu.control.callCounts()).toEqual({ GetServiceSyncConfig: 3, CreateServiceSyncConfig: 2 });
    expect(harness.logged.some((line) => line.includes('service sync configuration created concurrently as requested: taken over'))).toBe(true);
  } finally {
    other.destroy();
  }
});

test('a create that loses a race to a different configuration is refused; the winner is untouched', async () => {
  const other = raceCreate(theirs('race-other'));
  try {
    await expect(harness.run(createEvent(resource('RaceOther'), props('race-other')))).rejects.toThrow(refusal('race-other'));
  } finally {
    other.destroy();
  }
  expect(await config('race-other')).toEqual(theirs('race-other'));
});

test('the same Create delivered twice creates once', async () => {
  const event = createEvent(resource('Twice'), props('replayed'));
  harness.emu.control.resetCallCounts();
  const first = await harness.run(event);
  expect(await harness.run(event)).toEqual(first);
  expect(harness.emu.control.callCounts().CreateServiceSyncConfig).toBe(1);
});

test('another service replaces the configuration under a new identity; the cleanup delete removes the old one', async () => {
  const r = resource('Moved');
  await harness.run(createEvent(r, props('first')));
  const replaced = await harness.run(updateEvent(r, 'first', props('first'), props('second', { Branch: 'release' })));
  expect(replaced).toEqual({ onEvent: { PhysicalResourceId: 'second' }, isComplete: { IsComplete: true, Data: { ServiceName: 'second' } } });
  expect(await config('first')).toMatchObject({ branch: 'main' });
  await harness.run(deleteEvent(r, 'first', props('first')));
  expect(await config('first')).toBeUndefined();
  expect(await config('second')).toEqual({ serviceName: 'second', repositoryProvider: 'GITHUB', repositoryName: 'acme/ops', branch: 'release', filePath: 'proton-ops.yaml' });
});

test('a service that does not exist fails with Proton\'s message', async () => {
  await expect(harness.run(createEvent(resource('NoService'), props('missing')))).rejects.toThrow(
    "Could not create the service sync configuration of the service 'missing' (Proton: ValidationException: "
    + "The service 'missing' does not exist: create the service before its service sync configuration.)",
  );
});

test('an unlinked repository on update fails with Proton\'s message and keeps the configuration', async () => {
  const r = resource('Unlinked');
  await harness.run(createEvent(r, props('unlinked')));
  await expect(harness.run(updateEvent(r, 'unlinked', props('unlinked'), props('unlinked', { RepositoryName: 'acme/unlinked' })))).rejects.toThrow(
    "Could not update the service sync configuration of the service 'unlinked' (Proton: ValidationException: "
    + "repositoryName names the repository 'acme/unlinked' (GITHUB), which is not linked to AWS Proton. Link it with CreateRepository first.)",
  );
  expect(await config('unlinked')).toMatchObject({ repositoryName: 'acme/ops' });
});

test('a configuration deleted by hand, or with its service, is a successful delete', async () => {
  const byHand = resource('ByHand');
  await harness.run(createEvent(byHand, props('gone')));
  await harness.proton.send(new DeleteServiceSyncConfigCommand({ serviceName: 'gone' }));
  await expect(harness.run(deleteEvent(byHand, 'gone', props('gone')))).resolves.toEqual({ onEvent: { PhysicalResourceId: 'gone' }, isComplete: { IsComplete: true } });

  const withService = resource('WithService');
  await harness.run(createEvent(withService, props('removed')));
  await harness.proton.send(new DeleteServiceCommand({ name: 'removed' }));
  harness.emu.control.advance(60_000);
  harness.emu.control.resetCallCounts();
  await expect(harness.run(deleteEvent(withService, 'removed', props('removed')))).resolves.toEqual({ onEvent: { PhysicalResourceId: 'removed' }, isComplete: { IsComplete: true } });
  expect(harness.emu.control.callCounts()).toEqual({ DeleteServiceSyncConfig: 1 });
});

test('the Delete after a failed Create leaves a configuration of the service alone', async () => {
  await harness.proton.send(new CreateServiceSyncConfigCommand(theirs('failed')));
  harness.emu.control.resetCallCounts();
  // The Provider framework reports a failed Create with the request id as the physical id.
  await harness.run(deleteEvent(resource('Failed'), '0f3e7c2a-failed-create', props('failed')));
  expect(harness.emu.control.callCounts()).toEqual({});
  expect(await config('failed')).toEqual(theirs('failed'));
});

test('malformed properties are refused naming the property', async () => {
  await expect(onEvent(createEvent(resource('Bad'), props('x', { RepositoryProvider: 'GITLAB' }))))
    .rejects.toThrow('Custom::ProtonServiceSyncConfig property RepositoryProvider must be one of GITHUB, GITHUB_ENTERPRISE, BITBUCKET, got "GITLAB".');
  await expect(onEvent(createEvent(resource('Bad'), { ServiceName: 'x', RepositoryProvider: 'GITHUB', RepositoryName: 'acme/ops', Branch: 'main' })))
    .rejects.toThrow(/^Custom::ProtonServiceSyncConfig property FilePath/);
});
