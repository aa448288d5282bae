import {
  CreateEnvironmentAccountConnectionCommand,
  GetEnvironmentAccountConnectionCommand,
  ListEnvironmentAccountConnectionsCommand,
  ListTagsForResourceCommand,
  ProtonClient,
  RejectEnvironmentAccountConnectionCommand,
} from '@aws-sdk/client-proton';
import { createEvent, deleteEvent, updateEvent } from './cfn-events';
import { handlerTest } from './handler-harness';
import { onEvent } from '../../lambda/index';
import { ProtonResourceType } from '../../src/custom-resources/contract';
import { protonClient } from '../emulator/helpers';

const CANARY = 'CANARY-eac-91b2';
const MANAGEMENT = '111111111111';
const ENVIRONMENT_ACCOUNT = '222222222222';
// Virtual time starts now: the SDK treats a Date header more than 5 minutes off as clock skew and retries every error.
// harness.proton acts as the environment account.
const harness = handlerTest({ startTimeMs: Date.now(), canary: CANARY, clientAccountId: ENVIRONMENT_ACCOUNT });
const ENV_STACK = `arn:aws:cloudformation:us-east-1:${ENVIRONMENT_ACCOUNT}:stack/EnvAccountStack/0c5b2c20-0000-11ef-8000-0a1b2c3d4e5f`;
const role = (name: string) => `arn:aws:iam::${ENVIRONMENT_ACCOUNT}:role/${name}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const resource = (logicalId: string) => ({ resourceType: ProtonResourceType.ENVIRONMENT_ACCOUNT_CONNECTION, logicalId, stackId: ENV_STACK });
const props = (environmentName: string, extra: object = {}) => ({
  ManagementAccountId: MANAGEMENT,
  EnvironmentName: environmentName,
  RoleArn: role('proton-env'),
  ...extra,
});

async function getConnection(id: string) {
  return (await harness.proton.send(new GetEnvironmentAccountConnectionCommand({ id }))).environmentAccountConnection!;
}

async function connectionsOf(environmentName: string) {
  return (await harness.proton.send(new ListEnvironmentAccountConnectionsCommand({ requestedBy: 'ENVIRONMENT_ACCOUNT', environmentName }))).environmentAccountConnections!;
}

test('request, roles updated in place, delete, repeated delete — all from the environment account', async () => {
  const r = resource('Connection');
  const initial = props('prod', { Tags: { purpose: CANARY } });
  const created = await harness.run(createEvent(r, initial), ENVIRONMENT_ACCOUNT);
  const id = created.onEvent.PhysicalResourceId!;
  expect(id).toMatch(UUID);
  const arn = `arn:aws:proton:us-east-1:${ENVIRONMENT_ACCOUNT}:environment-account-connection/${id}`;
  expect(created.isComplete).toEqual({ IsComplete: true, Data: { Id: id, Arn: arn, Status: 'PENDING' } });
  expect(await getConnection(id)).toMatchObject({
    environmentAccountId: ENVIRONMENT_ACCOUNT, managementAccountId: MANAGEMENT, environmentName: 'prod', roleArn: role('proton-env'), status: 'PENDING',
  });
  const tags = (await harness.proton.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags!;
  expect(tags).toEqual(expect.arrayContaining([
    { key: 'cdk-proton:stack-id', value: ENV_STACK },
    { key: 'cdk-proton:logical-id', value: 'Connection' },
  ]));

  const newRoles = props('prod', { RoleArn: role('proton-env-v2'), ComponentRoleArn: role('components'), CodebuildRoleArn: role('codebuild') });
  harness.emu.control.resetCallCounts();
  const updated = await harness.run(updateEvent(r, id, initial, newRoles), ENVIRONMENT_ACCOUNT);
  expect(updated.onEvent).toEqual({ PhysicalResourceId: id });
  expect(harness.emu.control.callCounts().UpdateEnvironmentAccountConnection).toBe(1);
  expect(await getConnection(id)).toMatchObject({ roleArn: role('proton-env-v2'), componentRoleArn: role('components'), codebuildRoleArn: role('codebuild') });

  await expect(harness.run(updateEvent(r, id, newRoles, props('prod', { RoleArn: role('proton-env-v2') })), ENVIRONMENT_ACCOUNT)).rejects.toThrow(
    `Cannot remove ComponentRoleArn, CodebuildRoleArn from environment account connection '${id}': Proton can replace a role of a connection but not remove it. `
    + 'Fix: give another role instead; or delete the connection (remove it from the stack) and request a new one.',
  );

  await harness.run(deleteEvent(r, id, newRoles), ENVIRONMENT_ACCOUNT);
  expect(await connectionsOf('prod')).toEqual([]);
  await expect(harness.run(deleteEvent(r, id, newRoles), ENVIRONMENT_ACCOUNT)).resolves.toEqual({
    onEvent: { PhysicalResourceId: id },
    isComplete: { IsComplete: true },
  });
});

test('the same Create delivered twice returns the same connection (client token)', async () => {
  const event = createEvent(resource('Twice'), props('twice'));
  const first = await harness.run(event, ENVIRONMENT_ACCOUNT);
  const second = await harness.run(event, ENVIRONMENT_ACCOUNT);
  expect(second).toEqual(first);
  expect(await connectionsOf('twice')).toHaveLength(1);
});

test('a connection left by a crashed create is adopted by the next create of the same resource', async () => {
  const r = resource('Crashy');
  const original = ProtonClient.prototype.send;
  const crash = jest.spyOn(ProtonClient.prototype, 'send').mockImplementation(async function (this: ProtonClient, command: any) {
    const result = await (original as any).call(this, command);
    if (command instanceof CreateEnvironmentAccountConnectionCommand) throw new Error('Task timed out after 180.00 seconds');
    return result;
  });
  await expect(harness.run(createEvent(r, props('crashy')), ENVIRONMENT_ACCOUNT)).rejects.toThrow(/Task timed out/);
  crash.mockRestore();
  const [leftover] = await connectionsOf('crashy');

  // CloudFormation's next attempt is a new request: a new client token, and Proton answers Conflict.
  const retry = await harness.run(createEvent(r, props('crashy', { ComponentRoleArn: role('components') })), ENVIRONMENT_ACCOUNT);
  expect(retry.onEvent).toEqual({ PhysicalResourceId: leftover.id });
  expect(await getConnection(leftover.id!)).toMatchObject({ componentRoleArn: role('components') });
  expect(harness.logged.some((l) => l.includes('adopting environment account connection'))).toBe(true);
});

test('a connection requested outside the stack is refused and left untouched', async () => {
  const foreign = (await harness.proton.send(new CreateEnvironmentAccountConnectionCommand({
    managementAccountId: MANAGEMENT, environmentName: 'taken', roleArn: role('theirs'),
  }))).environmentAccountConnection!;
  const error = await harness.run(createEvent(resource('Mine'), props('taken')), ENVIRONMENT_ACCOUNT).catch((e: Error) => e);
  expect((error as Error).message).toMatch(new RegExp(`^Environment 'taken' already has an environment account connection to management account ${MANAGEMENT}, `
    + 'not created by resource Mine of this stack\\. Proton allows one per environment: delete the existing connection .* \\(Proton: ConflictException: '));
  expect(await getConnection(foreign.id!)).toMatchObject({ roleArn: role('theirs'), status: 'PENDING' });
});

test('a new environment name replaces the connection; the cleanup delete removes the old one', async () => {
  const r = resource('Renamed');
  const created = await harness.run(createEvent(r, props('before')), ENVIRONMENT_ACCOUNT);
  const oldId = created.onEvent.PhysicalResourceId!;
  const replaced = await harness.run(updateEvent(r, oldId, props('before'), props('after')), ENVIRONMENT_ACCOUNT);
  const newId = replaced.onEvent.PhysicalResourceId!;
  expect(newId).toMatch(UUID);
  expect(newId).not.toBe(oldId);
  expect(replaced.isComplete.Data).toMatchObject({ Id: newId, Status: 'PENDING' });
  await harness.run(deleteEvent(r, oldId, props('before')), ENVIRONMENT_ACCOUNT);
  expect(await connectionsOf('before')).toEqual([]);
  expect((await connectionsOf('after')).map((c) => c.id)).toEqual([newId]);
});

test('Proton\'s refusal (a role of another account) fails the create with Proton\'s message', async () => {
  const error = await harness.run(createEvent(resource('Wrong'), props('wrong', { RoleArn: 'arn:aws:iam::333333333333:role/elsewhere' })), ENVIRONMENT_ACCOUNT)
    .catch((e: Error) => e);
  expect((error as Error).message).toBe(`Could not request an environment account connection for environment 'wrong' of management account ${MANAGEMENT} `
    + `(Proton: ValidationException: roleArn 'arn:aws:iam::333333333333:role/elsewhere' must be an IAM role of the environment account ${ENVIRONMENT_ACCOUNT}, not of account 333333333333.)`);
});

test('a role update of a rejected connection fails with Proton\'s message', async () => {
  const r = resource('Rejected');
  const created = await harness.run(createEvent(r, props('rejected')), ENVIRONMENT_ACCOUNT);
  const id = created.onEvent.PhysicalResourceId!;
  const management = protonClient(harness.emu, { accountId: MANAGEMENT });
  await management.send(new RejectEnvironmentAccountConnectionCommand({ id }));
  management.destroy();
  await expect(harness.run(updateEvent(r, id, props('rejected'), props('rejected', { RoleArn: role('other') })), ENVIRONMENT_ACCOUNT)).rejects.toThrow(
    `Could not update the roles of environment account connection '${id}' (Proton: ConflictException: The environment account connection '${id}' `
    + 'was rejected and can\'t be used any more; request a new connection instead.)',
  );
});

test('delete of an id that is not a connection id does not call Proton', async () => {
  harness.emu.control.resetCallCounts();
  await harness.run(deleteEvent(resource('Never'), 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED', props('never')), ENVIRONMENT_ACCOUNT);
  expect(harness.emu.control.callCounts()).toEqual({});
});

test('malformed properties are refused naming the property', async () => {
  await expect(onEvent(createEvent(resource('Bad'), { ManagementAccountId: MANAGEMENT, EnvironmentName: 'x' })))
    .rejects.toThrow('Custom::ProtonEnvironmentAccountConnection needs RoleArn or CodebuildRoleArn (or both): Proton provisions the environment with one of them.');
  await expect(onEvent(createEvent(resource('Bad'), { EnvironmentName: 'x', RoleArn: role('r') })))
    .rejects.toThrow('Custom::ProtonEnvironmentAccountConnection property ManagementAccountId is required.');
});
