import {
  CreateEnvironmentAccountConnectionCommand,
  GetEnvironmentAccountConnectionCommand,
} from '@aws-sdk/client-proton';
import { createEvent, deleteEvent, updateEvent } from './cfn-events';
import { handlerTest } from './handler-harness';
import { onEvent } from '../../lambda/index';
import { ProtonResourceType } from '../../src/custom-resources/contract';
import { protonClient } from '../emulator/helpers';

const MANAGEMENT = '111111111111';
const ENVIRONMENT_ACCOUNT = '222222222222';
// Virtual time starts now: the SDK treats a Date header more than 5 minutes off as clock skew and retries every error.
// harness.proton acts as the environment account.
const harness = handlerTest({ startTimeMs: Date.now(), canary: 'CANARY-acceptance-77c1', clientAccountId: ENVIRONMENT_ACCOUNT });

const resource = (logicalId: string) => ({ resourceType: ProtonResourceType.ENVIRONMENT_ACCOUNT_CONNECTION_ACCEPTANCE, logicalId });

/** A connection requested by the environment account (what its stack did). */
async function requested(environmentName: string): Promise<string> {
  const out = await harness.proton.send(new CreateEnvironmentAccountConnectionCommand({
    managementAccountId: MANAGEMENT, environmentName, roleArn: `arn:aws:iam::${ENVIRONMENT_ACCOUNT}:role/proton-env`,
  }));
  return out.environmentAccountConnection!.id!;
}

/** The acceptance of the connection `ENVIRONMENT_ACCOUNT` requested for `environmentName`, by request. */
function byRequest(environmentName: string, decision = 'ACCEPT') {
  return { EnvironmentAccountId: ENVIRONMENT_ACCOUNT, EnvironmentName: environmentName, Decision: decision };
}

async function statusOf(id: string): Promise<string> {
  return (await harness.proton.send(new GetEnvironmentAccountConnectionCommand({ id }))).environmentAccountConnection!.status!;
}

test('accept in the management account; removing the acceptance leaves the connection CONNECTED', async () => {
  const id = await requested('prod');
  const r = resource('Accept');
  const accepted = await harness.run(createEvent(r, { ConnectionId: id, Decision: 'ACCEPT' }), MANAGEMENT);
  expect(accepted.onEvent).toEqual({ PhysicalResourceId: id });
  expect(accepted.isComplete).toEqual({
    IsComplete: true,
    Data: {
      Id: id,
      Arn: `arn:aws:proton:us-east-1:${ENVIRONMENT_ACCOUNT}:environment-account-connection/${id}`,
      Status: 'CONNECTED',
      EnvironmentAccountId: ENVIRONMENT_ACCOUNT,
      EnvironmentName: 'prod',
    },
  });
  expect(await statusOf(id)).toBe('CONNECTED');

  harness.emu.control.resetCallCounts();
  await harness.run(deleteEvent(r, id, { ConnectionId: id, Decision: 'ACCEPT' }), MANAGEMENT);
  expect(harness.emu.control.callCounts()).toEqual({});
  expect(await statusOf(id)).toBe('CONNECTED');
  expect(harness.logged.some((l) => l.includes('Proton has no un-accept'))).toBe(true);
});

test('the same accept delivered twice calls Accept once', async () => {
  const id = await requested('twice');
  const event = createEvent(resource('Twice'), { ConnectionId: id, Decision: 'ACCEPT' });
  harness.emu.control.resetCallCounts();
  const first = await harness.run(event, MANAGEMENT);
  expect(await harness.run(event, MANAGEMENT)).toEqual(first);
  expect(harness.emu.control.callCounts().AcceptEnvironmentAccountConnection).toBe(1);
});

test('reject, then accepting is refused: rejecting is final', async () => {
  const id = await requested('rejected');
  const r = resource('Reject');
  const rejected = await harness.run(createEvent(r, { ConnectionId: id, Decision: 'REJECT' }), MANAGEMENT);
  expect(rejected.isComplete.Data).toMatchObject({ Id: id, Status: 'REJECTED' });
  expect(await statusOf(id)).toBe('REJECTED');

  await expect(harness.run(updateEvent(r, id, { ConnectionId: id, Decision: 'REJECT' }, { ConnectionId: id, Decision: 'ACCEPT' }), MANAGEMENT)).rejects.toThrow(
    `Cannot accept environment account connection '${id}': it was rejected, and rejecting is final. `
    + 'The environment account must request a new connection; accept that one instead.',
  );
  expect(await statusOf(id)).toBe('REJECTED');
});

test('an accepted connection is rejected in place when the decision changes', async () => {
  const id = await requested('revoked');
  const r = resource('Revoke');
  await harness.run(createEvent(r, { ConnectionId: id, Decision: 'ACCEPT' }), MANAGEMENT);
  const updated = await harness.run(updateEvent(r, id, { ConnectionId: id, Decision: 'ACCEPT' }, { ConnectionId: id, Decision: 'REJECT' }), MANAGEMENT);
  expect(updated.onEvent).toEqual({ PhysicalResourceId: id });
  expect(updated.isComplete.Data?.Status).toBe('REJECTED');
});

test('a new connection id replaces the acceptance: the new one is accepted, the old one left as it is', async () => {
  const first = await requested('first');
  const second = await requested('second');
  const r = resource('Moved');
  await harness.run(createEvent(r, { ConnectionId: first, Decision: 'ACCEPT' }), MANAGEMENT);
  const replaced = await harness.run(updateEvent(r, first, { ConnectionId: first, Decision: 'ACCEPT' }, { ConnectionId: second, Decision: 'ACCEPT' }), MANAGEMENT);
  expect(replaced.onEvent).toEqual({ PhysicalResourceId: second });
  await harness.run(deleteEvent(r, first, { ConnectionId: first, Decision: 'ACCEPT' }), MANAGEMENT);
  expect([await statusOf(first), await statusOf(second)]).toEqual(['CONNECTED', 'CONNECTED']);
});

test('a connection the environment account has not requested yet fails with the fix', async () => {
  const id = '0b7f6a52-9d1c-4c3e-8f00-123456789abc';
  await expect(harness.run(createEvent(resource('Early'), { ConnectionId: id, Decision: 'ACCEPT' }), MANAGEMENT)).rejects.toThrow(
    `Environment account connection '${id}' was not found in this account and region. The environment account must request it first `
    + '(deploy its EnvironmentAccountConnection before this stack), in this region, naming this account as the management account.',
  );
});

test('accepting from an account that is not the management account fails with Proton\'s message', async () => {
  const id = await requested('wrong-side');
  const error = await harness.run(createEvent(resource('WrongSide'), { ConnectionId: id, Decision: 'ACCEPT' }), ENVIRONMENT_ACCOUNT).catch((e: Error) => e);
  expect((error as Error).message).toBe(`Could not accept environment account connection '${id}' (Proton: AccessDeniedException: Only the management account ${MANAGEMENT} `
    + `can accept the environment account connection '${id}'; account ${ENVIRONMENT_ACCOUNT} can't.)`);
  expect(await statusOf(id)).toBe('PENDING');
});

test('isComplete keeps waiting while the connection is PENDING', async () => {
  const id = await requested('waiting');
  const event = createEvent(resource('Waiting'), { ConnectionId: id, Decision: 'ACCEPT' });
  expect(await harness.isCompleteAs(event, id, MANAGEMENT)).toEqual({ IsComplete: false });
});

describe('by request: the connection the environment account requested for the environment', () => {
  test('exactly one pending request is found and accepted; the physical id is its id', async () => {
    const id = await requested('by-request');
    harness.emu.control.resetCallCounts();
    const accepted = await harness.run(createEvent(resource('ByRequest'), byRequest('by-request')), MANAGEMENT);
    expect(accepted.onEvent).toEqual({ PhysicalResourceId: id });
    expect(accepted.isComplete.Data).toMatchObject({ Id: id, Status: 'CONNECTED', EnvironmentAccountId: ENVIRONMENT_ACCOUNT, EnvironmentName: 'by-request' });
    expect(harness.emu.control.callCounts()).toMatchObject({ ListEnvironmentAccountConnections: 1, AcceptEnvironmentAccountConnection: 1 });
    expect(await statusOf(id)).toBe('CONNECTED');
  });

  test('a replayed create finds the connection it accepted (CONNECTED) and accepts nothing again', async () => {
    const id = await requested('replayed');
    const event = createEvent(resource('Replayed'), byRequest('replayed'));
    const first = await harness.run(event, MANAGEMENT);
    harness.emu.control.resetCallCounts();
    expect(await harness.run(event, MANAGEMENT)).toEqual(first);
    expect(first.onEvent).toEqual({ PhysicalResourceId: id });
    expect(harness.emu.control.callCounts().AcceptEnvironmentAccountConnection).toBeUndefined();
  });

  test('no request yet fails saying the environment account must deploy its connection first, naming the accounts that did request', async () => {
    const thirdAccount = protonClient(harness.emu, { accountId: '333333333333' });
    try {
      await thirdAccount.send(new CreateEnvironmentAccountConnectionCommand({
        managementAccountId: MANAGEMENT, environmentName: 'not-yet', roleArn: 'arn:aws:iam::333333333333:role/proton-env',
      }));
    } finally {
      thirdAccount.destroy();
    }
    harness.emu.control.resetCallCounts();
    await expect(harness.run(createEvent(resource('NotYet'), byRequest('not-yet')), MANAGEMENT)).rejects.toThrow(
      `Found no pending connection requested by environment account ${ENVIRONMENT_ACCOUNT} for environment 'not-yet' in this account and region. `
      + 'The environment account must deploy its EnvironmentAccountConnection first (naming this account as the management account and this environment name, '
      + "in this region): deploy its stack before this one. Requests for 'not-yet' come from account(s) 333333333333.",
    );
    expect(harness.emu.control.callCounts()).toEqual({ ListEnvironmentAccountConnections: 2 });
  });

  test('only a rejected request: ACCEPT fails (rejecting is final), REJECT is already done', async () => {
    const id = await requested('only-rejected');
    await harness.run(createEvent(resource('First'), { ConnectionId: id, Decision: 'REJECT' }), MANAGEMENT);
    await expect(harness.run(createEvent(resource('Accept'), byRequest('only-rejected')), MANAGEMENT)).rejects.toThrow(
      `Cannot accept the connection environment account ${ENVIRONMENT_ACCOUNT} requested for environment 'only-rejected': it was rejected ('${id}'), `
      + 'and rejecting is final. The environment account must request a new connection; this stack then accepts that one.',
    );
    harness.emu.control.resetCallCounts();
    const rejected = await harness.run(createEvent(resource('Reject'), byRequest('only-rejected', 'REJECT')), MANAGEMENT);
    expect(rejected.onEvent).toEqual({ PhysicalResourceId: id });
    expect(rejected.isComplete.Data?.Status).toBe('REJECTED');
    expect(harness.emu.control.callCounts().RejectEnvironmentAccountConnection).toBeUndefined();
  });

  test('naming the accepted connection by id instead of by request is an in-place update of the same connection', async () => {
    const id = await requested('renamed');
    const r = resource('Renamed');
    await harness.run(createEvent(r, byRequest('renamed')), MANAGEMENT);
    const updated = await harness.run(updateEvent(r, id, byRequest('renamed'), { ConnectionId: id, Decision: 'ACCEPT' }), MANAGEMENT);
    expect(updated.onEvent).toEqual({ PhysicalResourceId: id });
    expect(updated.isComplete.Data?.Status).toBe('CONNECTED');
  });

  test('the connection is named one way: by id, or by both EnvironmentAccountId and EnvironmentName', async () => {
    const type = 'Custom::ProtonEnvironmentAccountConnectionAcceptance';
    const id = '0b7f6a52-9d1c-4c3e-8f00-123456789abc';
    await expect(onEvent(createEvent(resource('Neither'), { Decision: 'ACCEPT' }))).rejects.toThrow(
      `${type} needs ConnectionId, or EnvironmentAccountId and EnvironmentName together (the request to accept).`);
    await expect(onEvent(createEvent(resource('Half'), { EnvironmentName: 'prod', Decision: 'ACCEPT' }))).rejects.toThrow(
      `${type} needs ConnectionId, or EnvironmentAccountId and EnvironmentName together (the request to accept).`);
    await expect(onEvent(createEvent(resource('Both'), { ConnectionId: id, ...byRequest('prod') }))).rejects.toThrow(
      `${type} names the connection by ConnectionId or by its request (EnvironmentAccountId and EnvironmentName), not both.`);
    await expect(onEvent(createEvent(resource('BadAccount'), { ...byRequest('prod'), EnvironmentAccountId: '2222' }))).rejects.toThrow(
      `${type} property EnvironmentAccountId must be a 12-digit account id, got '2222'.`);
  });
});

test('malformed properties are refused naming the property', async () => {
  await expect(onEvent(createEvent(resource('Bad'), { ConnectionId: 'prod', Decision: 'ACCEPT' }))).rejects.toThrow(
    "Custom::ProtonEnvironmentAccountConnectionAcceptance property ConnectionId must be an environment account connection id (a lowercase UUID), got 'prod'.",
  );
  await expect(onEvent(createEvent(resource('Bad'), { ConnectionId: '0b7f6a52-9d1c-4c3e-8f00-123456789abc', Decision: 'MAYBE' }))).rejects.toThrow(
    'Custom::ProtonEnvironmentAccountConnectionAcceptance property Decision must be one of ACCEPT, REJECT, got "MAYBE".',
  );
});
