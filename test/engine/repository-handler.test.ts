import {
  CreateEnvironmentTemplateCommand,
  CreateRepositoryCommand,
  CreateTemplateSyncConfigCommand,
  DeleteRepositoryCommand,
  DeleteTemplateSyncConfigCommand,
  GetRepositoryCommand,
  ListTagsForResourceCommand,
  ProtonClient,
} from '@aws-sdk/client-proton';
import { STACK_ID, createEvent, deleteEvent, updateEvent } from './cfn-events';
import { handlerTest } from './handler-harness';
import { isComplete, onEvent } from '../../lambda/index';
import { ProtonResourceType } from '../../src/custom-resources/contract';

// Virtual time starts now: the SDK treats a Date header more than 5 minutes off as clock skew and retries every error.
const CANARY = 'CANARY-repository-4d1e';
const harness = handlerTest({ startTimeMs: Date.now(), canary: CANARY });
const CONNECTION = 'arn:aws:codestar-connections:us-east-1:111111111111:connection/2f6c6a0e-1111-4aaa-8bbb-000000000001';
const OTHER_CONNECTION = 'arn:aws:codestar-connections:us-east-1:111111111111:connection/2f6c6a0e-1111-4aaa-8bbb-000000000002';

const resource = (logicalId: string) => ({ resourceType: ProtonResourceType.REPOSITORY, logicalId });
const props = (name: string, extra: object = {}) => ({ Provider: 'GITHUB', Name: name, ConnectionArn: CONNECTION, ...extra });

async function getRepository(name: string) {
  return (await harness.proton.send(new GetRepositoryCommand({ provider: 'GITHUB', name }))).repository!;
}

async function tagsOf(arn: string): Promise<Record<string, string>> {
  const out = await harness.proton.send(new ListTagsForResourceCommand({ resourceArn: arn }));
  return Object.fromEntries((out.tags ?? []).map((t) => [t.key!, t.value!]));
}

async function exists(name: string): Promise<boolean> {
  return getRepository(name).then(() => true, (e: Error) => {
    if (e.name === 'ResourceNotFoundException') return false;
    throw e;
  });
}

test('create, tags updated in place, refused same-link replacement, delete, repeated delete', async () => {
  const r = resource('Repo');
  const initial = props('acme/envs', { Tags: { team: 'platform', cost: CANARY } });
  const arn = 'arn:aws:proton:us-east-1:111111111111:repository/github:acme/envs';

  const created = await harness.run(createEvent(r, initial));
  expect(created.onEvent).toEqual({ PhysicalResourceId: 'GITHUB:acme/envs' });
  expect(created.isComplete).toEqual({ IsComplete: true, Data: { Arn: arn, Name: 'acme/envs', Provider: 'GITHUB' } });
  expect(await getRepository('acme/envs')).toEqual({ arn, name: 'acme/envs', provider: 'GITHUB', connectionArn: CONNECTION });
  expect(await tagsOf(arn)).toMatchObject({ 'team': 'platform', 'cdk-proton:stack-id': STACK_ID, 'cdk-proton:logical-id': 'Repo' });

  const retagged = props('acme/envs', { Tags: { team: 'web' } });
  const updated = await harness.run(updateEvent(r, 'GITHUB:acme/envs', initial, retagged));
  expect(updated.onEvent).toEqual({ PhysicalResourceId: 'GITHUB:acme/envs' });
  const tags = await tagsOf(arn);
  expect(tags.team).toBe('web');
  expect(tags).not.toHaveProperty('cost');

  await expect(harness.run(updateEvent(r, 'GITHUB:acme/envs', retagged, { ...retagged, ConnectionArn: OTHER_CONNECTION })))
    .rejects.toThrow(/^Cannot replace the Proton link to repository 'GITHUB:acme\/envs': ConnectionArn changed, which Proton cannot update.*Fix: remove the Repository from the stack and deploy/);
  expect((await getRepository('acme/envs')).connectionArn).toBe(CONNECTION);

  await harness.run(deleteEvent(r, 'GITHUB:acme/envs', retagged));
  expect(await exists('acme/envs')).toBe(false);
  await expect(harness.run(deleteEvent(r, 'GITHUB:acme/envs', retagged))).resolves.toEqual({
    onEvent: { PhysicalResourceId: 'GITHUB:acme/envs' },
    isComplete: { IsComplete: true },
  });
});

test('a replacement under another name links the new repository; the cleanup delete unlinks the old one', async () => {
  const r = resource('Moved');
  await harness.run(createEvent(r, props('acme/old')));
  const replaced = await harness.run(updateEvent(r, 'GITHUB:acme/old', props('acme/old'), props('acme/new', { EncryptionKey: 'arn:aws:kms:us-east-1:111111111111:key/k1' })));
  expect(replaced.onEvent).toEqual({ PhysicalResourceId: 'GITHUB:acme/new' });
  expect((await getRepository('acme/new')).encryptionKey).toBe('arn:aws:kms:us-east-1:111111111111:key/k1');
  await harness.run(deleteEvent(r, 'GITHUB:acme/old', props('acme/old')));
  expect(await exists('acme/old')).toBe(false);
  expect(await exists('acme/new')).toBe(true);
});

test('the same Create delivered twice links once', async () => {
  const event = createEvent(resource('Twice'), props('acme/twice'));
  harness.emu.control.resetCallCounts();
  const first = await harness.run(event);
  expect(await harness.run(event)).toEqual(first);
  expect(harness.emu.control.callCounts().CreateRepository).toBe(1);
});

test('a crash after the Proton create, then a replay, adopts the link via its ownership tags', async () => {
  const event = createEvent(resource('Crashy'), props('acme/crashy'));
  // onEvent only names the link; the create is isComplete's.
  expect(await onEvent(event)).toEqual({ PhysicalResourceId: 'GITHUB:acme/crashy' });
  const original = ProtonClient.prototype.send;
  const crash = jest.spyOn(ProtonClient.prototype, 'send').mockImplementation(async function (this: ProtonClient, command: any) {
    const result = await (original as any).call(this, command);
    if (command instanceof CreateRepositoryCommand) throw new Error('Task timed out after 180.00 seconds');
    return result;
  });
  await expect(isComplete({ ...event, PhysicalResourceId: 'GITHUB:acme/crashy' })).rejects.toThrow(/Task timed out/);
  crash.mockRestore();

  harness.emu.control.resetCallCounts();
  const replay = await harness.run(event);
  expect(replay.onEvent).toEqual({ PhysicalResourceId: 'GITHUB:acme/crashy' });
  expect(harness.emu.control.callCounts().CreateRepository ?? 0).toBe(0);
  expect(harness.logged.some((l) => l.includes('adopting repository'))).toBe(true);
});

test('a leftover of this resource with another connection is refused with the fix', async () => {
  const r = resource('Leftover');
  await harness.run(createEvent(r, props('acme/leftover')));
  await expect(harness.run(createEvent(r, props('acme/leftover', { ConnectionArn: OTHER_CONNECTION })))).rejects.toThrow(
    "The Proton link to repository 'GITHUB:acme/leftover' was created by an earlier failed deployment of this resource with a different ConnectionArn, "
    + 'which Proton cannot update. Delete it (aws proton delete-repository) then deploy again.',
  );
});

test('a repository linked outside the stack is refused and never updated or unlinked', async () => {
  await harness.proton.send(new CreateRepositoryCommand({ provider: 'GITHUB', name: 'acme/foreign', connectionArn: CONNECTION, tags: [{ key: 'owner', value: 'them' }] }));
  const r = resource('Mine');
  const mine = props('acme/foreign', { Tags: { owner: 'me' } });
  await expect(harness.run(createEvent(r, mine))).rejects.toThrow(
    /Proton repository 'GITHUB:acme\/foreign' already exists and was not created by resource Mine of this stack.*Repository\.fromRepositoryAttributes/,
  );
  await expect(harness.run(updateEvent(r, 'GITHUB:acme/foreign', mine, { ...mine, Tags: { owner: 'me2' } }))).rejects.toThrow(/not created by resource Mine/);
  await harness.run(deleteEvent(r, 'GITHUB:acme/foreign', mine));
  expect((await tagsOf((await getRepository('acme/foreign')).arn!)).owner).toBe('them');
});

test('deleting a link still in use fails with Proton\'s message and a hint; it succeeds once unused', async () => {
  const r = resource('Used');
  await harness.run(createEvent(r, props('acme/used')));
  await harness.proton.send(new CreateEnvironmentTemplateCommand({ name: 'synced-env' }));
  await harness.proton.send(new CreateTemplateSyncConfigCommand({
    templateName: 'synced-env', templateType: 'ENVIRONMENT', repositoryProvider: 'GITHUB', repositoryName: 'acme/used', branch: 'main',
  }));
  const error = await harness.run(deleteEvent(r, 'GITHUB:acme/used', props('acme/used'))).catch((e: Error) => e);
  expect((error as Error).message).toMatch(/^Could not delete the Proton link to repository 'GITHUB:acme\/used': it is still used\. Delete or change its users first .* \(Proton: ConflictException: The repository 'acme\/used' \(GITHUB\) can't be deleted: it is used by the template sync configuration of the environment template 'synced-env'/);
  expect(await exists('acme/used')).toBe(true);

  await harness.proton.send(new DeleteTemplateSyncConfigCommand({ templateName: 'synced-env', templateType: 'ENVIRONMENT' }));
  await harness.run(deleteEvent(r, 'GITHUB:acme/used', props('acme/used')));
  expect(await exists('acme/used')).toBe(false);
});

test('delete after a create that failed before any Proton call does not call Proton', async () => {
  harness.emu.control.resetCallCounts();
  await harness.run(deleteEvent(resource('Never'), 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED', props('acme/never')));
  expect(harness.emu.control.callCounts()).toEqual({});
});

test('throttling and 5xx converge', async () => {
  const r = resource('Throttled');
  for (const op of ['GetRepository', 'CreateRepository']) {
    harness.emu.control.injectFault(op, { kind: 'throttle', count: 1 });
    harness.emu.control.injectFault(op, { kind: 'internal', count: 1 });
  }
  await harness.run(createEvent(r, props('acme/throttled')));
  expect(await exists('acme/throttled')).toBe(true);
  expect(harness.emu.control.dump().pendingFaults).toEqual({});
});

test('malformed properties are refused naming the property', async () => {
  await expect(onEvent(createEvent(resource('Bad'), props('acme/bad', { Provider: 'GITLAB' }))))
    .rejects.toThrow('Custom::ProtonRepository property Provider must be one of GITHUB, GITHUB_ENTERPRISE, BITBUCKET, got "GITLAB".');
  await expect(onEvent(createEvent(resource('Bad'), { Provider: 'GITHUB', Name: 'acme/bad' })))
    .rejects.toThrow('Custom::ProtonRepository property ConnectionArn is required.');
});

test('a tags update of a link deleted outside CloudFormation fails naming the fix; the keys Proton has no value for are left out', async () => {
  const r = resource('Gone');
  const before = props('acme/gone', { Tags: { team: 'a' } });
  await harness.run(createEvent(r, before));
  await harness.proton.send(new DeleteRepositoryCommand({ provider: 'GITHUB', name: 'acme/gone' }));
  await expect(harness.run(updateEvent(r, 'GITHUB:acme/gone', before, props('acme/gone', { Tags: { team: 'b' } })))).rejects.toThrow(
    "The Proton link to repository 'GITHUB:acme/gone' no longer exists; it was deleted outside CloudFormation. "
    + 'Remove the Repository from the stack and add it again to create it again.',
  );
  harness.emu.control.resetCallCounts();
  // No EncryptionKey in the properties: none is sent, and an update adding one is a replacement (other name: allowed).
  await harness.run(createEvent(resource('NoKey'), props('acme/nokey')));
  expect((await getRepository('acme/nokey')).encryptionKey).toBeUndefined();
  await expect(harness.run(updateEvent(resource('NoKey'), 'GITHUB:acme/nokey', props('acme/nokey'), props('acme/nokey', { EncryptionKey: 'arn:aws:kms:us-east-1:111111111111:key/k2' }))))
    .rejects.toThrow(/^Cannot replace the Proton link to repository 'GITHUB:acme\/nokey': EncryptionKey changed, which Proton cannot update, and the replacement would be the same repository/);
});
