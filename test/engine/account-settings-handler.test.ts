import { CreateRepositoryCommand, GetAccountSettingsCommand, UpdateAccountSettingsCommand } from '@aws-sdk/client-proton';
import { createEvent, deleteEvent, updateEvent } from './cfn-events';
import { handlerTest } from './handler-harness';
import { onEvent } from '../../lambda/index';
import { ProtonResourceType } from '../../src/custom-resources/contract';

// Virtual time starts now: the SDK treats a Date header more than 5 minutes off as clock skew and retries every error.
const harness = handlerTest({
  startTimeMs: Date.now(),
  canary: 'CANARY-settings-3f0a',
  setUp: async (proton) => {
    await proton.send(new CreateRepositoryCommand({ provider: 'GITHUB', name: 'acme/pipelines', connectionArn: CONNECTION }));
  },
});

const ID = 'account-settings:us-east-1:111111111111';
const role = (name: string) => `arn:aws:iam::111111111111:role/${name}`;
const REPO = { Provider: 'GITHUB', Name: 'acme/pipelines', Branch: 'main' };
const CONNECTION = 'arn:aws:codestar-connections:us-east-1:111111111111:connection/2f6c6a0e-1111-4aaa-8bbb-000000000001';

let counter = 0;
let r: { resourceType: string; logicalId: string };
beforeEach(async () => {
  // Account settings are account-wide: each test starts from an account without any.
  await harness.proton.send(new UpdateAccountSettingsCommand({ pipelineServiceRoleArn: '', pipelineCodebuildRoleArn: '', deletePipelineProvisioningRepository: true }));
  counter += 1;
  r = { resourceType: ProtonResourceType.ACCOUNT_SETTINGS, logicalId: `Settings${counter}` };
});

async function settings() {
  return (await harness.proton.send(new GetAccountSettingsCommand({}))).accountSettings;
}

const all = { PipelineServiceRoleArn: role('pipeline'), PipelineCodebuildRoleArn: role('codebuild'), PipelineProvisioningRepository: REPO };

test('create sets every declared setting; delete restores the account to no settings', async () => {
  const created = await harness.run(createEvent(r, all));
  expect(created.onEvent).toEqual({ PhysicalResourceId: ID });
  expect(created.isComplete).toEqual({
    IsComplete: true,
    Data: {
      PipelineServiceRoleArn: role('pipeline'),
      PipelineCodebuildRoleArn: role('codebuild'),
      PipelineProvisioningRepositoryArn: 'arn:aws:proton:us-east-1:111111111111:repository/github:acme/pipelines',
    },
  });
  expect(await settings()).toEqual({
    pipelineServiceRoleArn: role('pipeline'),
    pipelineCodebuildRoleArn: role('codebuild'),
    pipelineProvisioningRepository: { arn: 'arn:aws:proton:us-east-1:111111111111:repository/github:acme/pipelines', provider: 'GITHUB', name: 'acme/pipelines', branch: 'main' },
  });

  await harness.run(deleteEvent(r, ID, all));
  expect(await settings()).toEqual({});
});

test('delete leaves settings the stack does not declare, and those changed since outside the stack', async () => {
  await harness.proton.send(new UpdateAccountSettingsCommand({ pipelineCodebuildRoleArn: role('theirs') }));
  const mine = { PipelineServiceRoleArn: role('pipeline'), PipelineProvisioningRepository: REPO };
  await harness.run(createEvent(r, mine));
  await harness.proton.send(new UpdateAccountSettingsCommand({ pipelineServiceRoleArn: role('changed-by-hand') }));

  harness.emu.control.resetCallCounts();
  await harness.run(deleteEvent(r, ID, mine));
  expect(harness.emu.control.callCounts()).toEqual({ GetAccountSettings: 1, UpdateAccountSettings: 1 });
  expect(await settings()).toEqual({ pipelineServiceRoleArn: role('changed-by-hand'), pipelineCodebuildRoleArn: role('theirs') });
});

test('create refuses to replace a value set outside the stack, and changes nothing', async () => {
  await harness.proton.send(new UpdateAccountSettingsCommand({ pipelineServiceRoleArn: role('theirs') }));
  await expect(harness.run(createEvent(r, all))).rejects.toThrow(
    `Refusing to change account settings set outside this stack: PipelineServiceRoleArn is already '${role('theirs')}'. `
    + 'The stack restores what it changed on delete and would lose these values. Fix: declare the same value, '
    + 'or clear the setting first (aws proton update-account-settings), or stop declaring it.',
  );
  expect(await settings()).toEqual({ pipelineServiceRoleArn: role('theirs') });
});

test('the same Create delivered twice updates once; a value already as declared is taken over', async () => {
  const event = createEvent(r, { PipelineServiceRoleArn: role('pipeline') });
  harness.emu.control.resetCallCounts();
  const first = await harness.run(event);
  expect(await harness.run(event)).toEqual(first);
  expect(harness.emu.control.callCounts().UpdateAccountSettings).toBe(1);
});

test('update: a changed setting is set, a setting no longer declared is released, a new one is set', async () => {
  const before = { PipelineServiceRoleArn: role('pipeline'), PipelineCodebuildRoleArn: role('codebuild') };
  await harness.run(createEvent(r, before));
  const after = { PipelineServiceRoleArn: role('pipeline-v2'), PipelineProvisioningRepository: REPO };
  harness.emu.control.resetCallCounts();
  const updated = await harness.run(updateEvent(r, ID, before, after));
  expect(updated.onEvent).toEqual({ PhysicalResourceId: ID });
  expect(harness.emu.control.callCounts().UpdateAccountSettings).toBe(1);
  expect(await settings()).toEqual({
    pipelineServiceRoleArn: role('pipeline-v2'),
    pipelineProvisioningRepository: expect.objectContaining({ name: 'acme/pipelines', branch: 'main' }),
  });
});

test('an update that starts declaring a setting set outside the stack is refused', async () => {
  await harness.run(createEvent(r, { PipelineServiceRoleArn: role('pipeline') }));
  await harness.proton.send(new UpdateAccountSettingsCommand({ pipelineCodebuildRoleArn: role('theirs') }));
  await expect(harness.run(updateEvent(r, ID, { PipelineServiceRoleArn: role('pipeline') }, all)))
    .rejects.toThrow(`Refusing to change account settings set outside this stack: PipelineCodebuildRoleArn is already '${role('theirs')}'.`);
  expect(await settings()).toEqual({ pipelineServiceRoleArn: role('pipeline'), pipelineCodebuildRoleArn: role('theirs') });
});

test('a repository that is not linked fails with Proton\'s message', async () => {
  const error = await harness.run(createEvent(r, { PipelineProvisioningRepository: { ...REPO, Name: 'acme/unlinked' } })).catch((e: Error) => e);
  expect((error as Error).message).toBe('Could not update the Proton account settings (Proton: ValidationException: pipelineProvisioningRepository names the repository '
    + "'acme/unlinked' (GITHUB), which is not linked to AWS Proton. Link it with CreateRepository first.)");
  expect(await settings()).toEqual({});
});

test('malformed properties are refused naming the property', async () => {
  await expect(onEvent(createEvent(r, { PipelineProvisioningRepository: { Provider: 'GITHUB', Name: 'acme/x' } })))
    .rejects.toThrow('Custom::ProtonAccountSettings.PipelineProvisioningRepository property Branch is required.');
});
