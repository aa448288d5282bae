import { CreateEnvironmentTemplateCommand, GetEnvironmentTemplateCommand, ListTagsForResourceCommand, ProtonClient } from '@aws-sdk/client-proton';
import { STACK_ID, createEvent, deleteEvent, updateEvent } from './cfn-events';
import { handlerTest } from './handler-harness';
import type { OnEventRequest } from '../../lambda/engine/types';
import { isComplete, onEvent } from '../../lambda/index';
import { ProtonResourceType } from '../../src/custom-resources/contract';

const CANARY = 'CANARY-7f3a9c-secret-description';
const KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const OTHER_KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/99999999-12ab-34cd-56ef-1234567890ab';

// Every response fits CloudFormation's 4096 bytes, and neither responses nor logs leak the
// description canary or the ResponseURL (checked after each test by the harness).
const harness = handlerTest({ canary: CANARY });
const logged = harness.logged;
const run = (event: OnEventRequest) => harness.run(event);

const resource = (logicalId: string) => ({ resourceType: ProtonResourceType.ENVIRONMENT_TEMPLATE, logicalId });

async function getTemplate(name: string) {
  return (await harness.proton.send(new GetEnvironmentTemplateCommand({ name }))).environmentTemplate!;
}

async function tagsOf(arn: string): Promise<Record<string, string>> {
  const out = await harness.proton.send(new ListTagsForResourceCommand({ resourceArn: arn }));
  return Object.fromEntries((out.tags ?? []).map((t) => [t.key!, t.value!]));
}

async function exists(name: string): Promise<boolean> {
  try {
    await getTemplate(name);
    return true;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return false;
    throw error;
  }
}

test('create, update in place, refused same-name replacement, delete', async () => {
  const r = resource('WebTemplate');
  const props = { Name: 'web-lifecycle', DisplayName: 'Web', Description: CANARY, Tags: { team: 'platform', cost: 'a' } };

  const created = await run(createEvent(r, props));
  const arn = 'arn:aws:proton:us-east-1:111111111111:environment-template/web-lifecycle';
  expect(created.onEvent).toEqual({ PhysicalResourceId: 'web-lifecycle' });
  expect(created.isComplete).toEqual({ IsComplete: true, Data: { Arn: arn, Name: 'web-lifecycle' } });
  expect(await getTemplate('web-lifecycle')).toMatchObject({ displayName: 'Web', description: CANARY });
  expect(await tagsOf(arn)).toMatchObject({
    'team': 'platform',
    'cost': 'a',
    'cdk-proton:stack-id': STACK_ID,
    'cdk-proton:logical-id': 'WebTemplate',
  });

  const newProps = { Name: 'web-lifecycle', DisplayName: 'Web v2', Tags: { team: 'web' } };
  const updated = await run(updateEvent(r, 'web-lifecycle', props, newProps));
  expect(updated.onEvent).toEqual({ PhysicalResourceId: 'web-lifecycle' });
  expect(updated.isComplete.Data).toEqual({ Arn: arn, Name: 'web-lifecycle' });
  const after = await getTemplate('web-lifecycle');
  expect(after.displayName).toBe('Web v2');
  expect(after.description ?? '').toBe('');
  const tags = await tagsOf(arn);
  expect(tags.team).toBe('web');
  expect(tags).not.toHaveProperty('cost');
  expect(tags['cdk-proton:logical-id']).toBe('WebTemplate');

  await expect(run(updateEvent(r, 'web-lifecycle', newProps, { ...newProps, EncryptionKey: KEY_ARN })))
    .rejects.toThrow(/Cannot replace Proton environment template 'web-lifecycle': EncryptionKey changed.*Fix: also change environmentTemplateName, or omit it/);
  expect((await getTemplate('web-lifecycle')).encryptionKey).toBeUndefined();

  const deleted = await run(deleteEvent(r, 'web-lifecycle', newProps));
  expect(deleted.isComplete).toEqual({ IsComplete: true });
  expect(await exists('web-lifecycle')).toBe(false);

  // A repeated Delete (CloudFormation retry) is a success.
  await expect(run(deleteEvent(r, 'web-lifecycle', newProps))).resolves.toEqual({ onEvent: { PhysicalResourceId: 'web-lifecycle' }, isComplete: { IsComplete: true } });
});

test('a replacement under a new name creates the new template; the cleanup delete removes the old one', async () => {
  const r = resource('Replaced');
  const oldProps = { Name: 'replaced-aaaa1111' };
  const newProps = { Name: 'replaced-bbbb2222', Provisioning: 'CUSTOMER_MANAGED' };
  await run(createEvent(r, oldProps));

  const replaced = await run(updateEvent(r, 'replaced-aaaa1111', oldProps, newProps));
  expect(replaced.onEvent).toEqual({ PhysicalResourceId: 'replaced-bbbb2222' });
  expect((await getTemplate('replaced-bbbb2222')).provisioning).toBe('CUSTOMER_MANAGED');
  expect(await exists('replaced-aaaa1111')).toBe(true);

  await run(deleteEvent(r, 'replaced-aaaa1111', oldProps));
  expect(await exists('replaced-aaaa1111')).toBe(false);
  expect(await exists('replaced-bbbb2222')).toBe(true);
});

test('removing the display name sets it to the template name (Proton cannot clear it)', async () => {
  const r = resource('Display');
  const props = { Name: 'display-keep', DisplayName: 'Shown' };
  await run(createEvent(r, props));
  const updated = await run(updateEvent(r, 'display-keep', props, { Name: 'display-keep' }));
  expect(updated.onEvent).toEqual({ PhysicalResourceId: 'display-keep' });
  expect((await getTemplate('display-keep')).displayName).toBe('display-keep');
});

test('the same Create delivered twice yields one template', async () => {
  const event = createEvent(resource('Twice'), { Name: 'twice', Description: CANARY });
  harness.emu.control.resetCallCounts();
  const first = await run(event);
  const second = await run(event);
  expect(second).toEqual(first);
  expect(harness.emu.control.callCounts().CreateEnvironmentTemplate).toBe(1);
  expect(await exists('twice')).toBe(true);
});

test('a crash after the Proton create, then a replay, adopts the template via its ownership tags', async () => {
  const event = createEvent(resource('Crashy'), { Name: 'crashy', DisplayName: 'Crashy', Tags: { a: '1' } });
  // onEvent only names the template; the create is isComplete's.
  expect(await onEvent(event)).toEqual({ PhysicalResourceId: 'crashy' });
  const original = ProtonClient.prototype.send;
  const crash = jest.spyOn(ProtonClient.prototype, 'send').mockImplementation(async function (this: ProtonClient, command: any) {
    const result = await (original as any).call(this, command);
    if (command instanceof CreateEnvironmentTemplateCommand) {
      throw new Error('Task timed out after 180.00 seconds');
    }
    return result;
  });
  await expect(isComplete({ ...event, PhysicalResourceId: 'crashy' })).rejects.toThrow(/Task timed out/);
  crash.mockRestore();

  harness.emu.control.resetCallCounts();
  const replay = await run(event);
  expect(replay.onEvent).toEqual({ PhysicalResourceId: 'crashy' });
  expect(replay.isComplete.Data?.Name).toBe('crashy');
  expect(harness.emu.control.callCounts().CreateEnvironmentTemplate ?? 0).toBe(0);
  expect(await exists('crashy')).toBe(true);
  expect(logged.some((l) => l.includes('adopting environment template'))).toBe(true);
});

test('a pre-existing foreign template with the same name is refused and left untouched', async () => {
  await harness.proton.send(new CreateEnvironmentTemplateCommand({ name: 'foreign', description: 'theirs', displayName: 'Theirs', tags: [{ key: 'owner', value: 'someone' }] }));
  const before = await getTemplate('foreign');
  const beforeTags = await tagsOf(before.arn!);
  const r = resource('Mine');
  const props = { Name: 'foreign', DisplayName: 'Mine', Description: CANARY, Tags: { owner: 'me' } };

  await expect(run(createEvent(r, props))).rejects.toThrow(
    /Proton environment template 'foreign' already exists and was not created by resource Mine of this stack.*EnvironmentTemplate\.fromEnvironmentTemplateName\(scope, id, 'foreign'\)/,
  );
  // Neither an update nor a delete that names it touches it.
  await expect(run(updateEvent(r, 'foreign', props, { ...props, DisplayName: 'Mine 2' }))).rejects.toThrow(/already exists and was not created by resource Mine/);
  await run(deleteEvent(r, 'foreign', props));

  expect(await getTemplate('foreign')).toEqual(before);
  expect(await tagsOf(before.arn!)).toEqual(beforeTags);
});

test('a template of the same stack but another logical id is foreign too', async () => {
  await run(createEvent(resource('First'), { Name: 'shared-name' }));
  await expect(run(createEvent(resource('Second'), { Name: 'shared-name' }))).rejects.toThrow(/not created by resource Second/);
});

test('delete after a create that failed before any Proton call succeeds without calling Proton', async () => {
  const r = resource('NeverCreated');
  harness.emu.control.resetCallCounts();
  for (const physicalId of ['AWSCDK::CustomResourceProviderFramework::CREATE_FAILED', '0f3e7c2a-1b2c-4d5e-8f90-000000000999']) {
    await expect(run(deleteEvent(r, physicalId, { Name: 'never-created' }))).resolves.toEqual({
      onEvent: { PhysicalResourceId: physicalId },
      isComplete: { IsComplete: true },
    });
  }
  expect(harness.emu.control.callCounts()).toEqual({});
});

test('throttling and 5xx on every call converge', async () => {
  const r = resource('Throttled');
  const props = { Name: 'throttled', DisplayName: 'T', Tags: { a: '1' } };
  // Every operation each phase calls gets a throttle then a 5xx before it succeeds.
  const faultEach = (...ops: string[]) => {
    for (const op of ops) {
      harness.emu.control.injectFault(op, { kind: 'throttle', count: 1 });
      harness.emu.control.injectFault(op, { kind: 'internal', count: 1 });
    }
  };
  faultEach('GetEnvironmentTemplate', 'CreateEnvironmentTemplate');
  await run(createEvent(r, props));
  faultEach('GetEnvironmentTemplate', 'ListTagsForResource', 'UpdateEnvironmentTemplate', 'TagResource', 'UntagResource');
  await run(updateEvent(r, 'throttled', props, { ...props, DisplayName: 'T2', Tags: { b: '2' } }));
  expect((await getTemplate('throttled')).displayName).toBe('T2');
  faultEach('GetEnvironmentTemplate', 'ListTagsForResource', 'DeleteEnvironmentTemplate');
  await run(deleteEvent(r, 'throttled', props));
  expect(await exists('throttled')).toBe(false);
  // Every injected fault was consumed: each call really was retried.
  expect(harness.emu.control.dump().pendingFaults).toEqual({});
});

test('a Proton error fails the request with Proton\'s message, within the response limit', async () => {
  const r = resource('TooManyTags');
  const tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'.repeat(256)]));
  const error = await run(createEvent(r, { Name: 'too-many-tags', Tags: tags })).catch((e: Error) => e);
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).toMatch(/^Could not create Proton environment template 'too-many-tags' \(Proton: ValidationException: .* \[truncated\]$/s);
  expect((error as Error).message).toHaveLength(1024);
});

test('an unknown resource type is refused by name', async () => {
  const event = createEvent({ resourceType: 'Custom::ProtonNothing', logicalId: 'X' }, {});
  await expect(onEvent(event)).rejects.toThrow(/^Unsupported resource type 'Custom::ProtonNothing': this handler serves Custom::ProtonEnvironmentTemplate, (Custom::Proton\w+, )*Custom::Proton\w+\.$/);
});

test('malformed properties are refused naming the property', async () => {
  await expect(onEvent(createEvent(resource('Bad'), { Name: 'bad', Provisioning: 'SELF' })))
    .rejects.toThrow("Provisioning must be CUSTOMER_MANAGED or absent (standard provisioning), got 'SELF'.");
  await expect(onEvent(createEvent(resource('Bad'), { DisplayName: 'x' })))
    .rejects.toThrow('Custom::ProtonEnvironmentTemplate property Name is required.');
  // The service template's provisioning member is checked the same way, under its own name; an Update checks the old properties too.
  const serviceTemplate = { resourceType: ProtonResourceType.SERVICE_TEMPLATE, logicalId: 'BadService' };
  await expect(onEvent(createEvent(serviceTemplate, { Name: 'bad', PipelineProvisioning: 'SELF' })))
    .rejects.toThrow("PipelineProvisioning must be CUSTOMER_MANAGED or absent (standard provisioning), got 'SELF'.");
  await expect(onEvent(updateEvent(serviceTemplate, 'bad', { Name: 'bad', PipelineProvisioning: 'NONE' }, { Name: 'bad' })))
    .rejects.toThrow("PipelineProvisioning must be CUSTOMER_MANAGED or absent (standard provisioning), got 'NONE'.");
});

test('a leftover of this resource with another immutable property is refused with the fix', async () => {
  const r = resource('Leftover');
  await run(createEvent(r, { Name: 'leftover', EncryptionKey: KEY_ARN }));
  await expect(run(createEvent(r, { Name: 'leftover', EncryptionKey: OTHER_KEY_ARN }))).rejects.toThrow(
    "Proton environment template 'leftover' was created by an earlier failed deployment of this resource with a different EncryptionKey, "
    + 'which Proton cannot update. Delete it (aws proton delete-environment-template) or change environmentTemplateName, then deploy again.',
  );
  expect((await getTemplate('leftover')).encryptionKey).toBe(KEY_ARN);
});

test('each phase makes exactly the Proton calls it needs', async () => {
  const r = resource('Counted');
  const props = { Name: 'counted', DisplayName: 'C', Tags: { a: '1' } };
  const control = harness.emu.control;

  control.resetCallCounts();
  await run(createEvent(r, props));
  // The create answers with the template: no read after it.
  expect(control.callCounts()).toEqual({ GetEnvironmentTemplate: 1, CreateEnvironmentTemplate: 1 });

  control.resetCallCounts();
  await run(updateEvent(r, 'counted', props, { ...props, DisplayName: 'C2', Tags: { b: '2' } }));
  expect(control.callCounts()).toEqual({
    GetEnvironmentTemplate: 2,
    ListTagsForResource: 1,
    UpdateEnvironmentTemplate: 1,
    UntagResource: 1,
    TagResource: 1,
  });

  control.resetCallCounts();
  await run(updateEvent(r, 'counted', props, props));
  expect(control.callCounts()).toEqual({ GetEnvironmentTemplate: 1 });

  control.resetCallCounts();
  await run(deleteEvent(r, 'counted', props));
  expect(control.callCounts()).toEqual({ GetEnvironmentTemplate: 1, ListTagsForResource: 1, DeleteEnvironmentTemplate: 1 });
});
