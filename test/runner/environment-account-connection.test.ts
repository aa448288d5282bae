/**
 * End to end, across two accounts: the cross-account example's app — both stacks, one per account
 * — deployed by ONE runner sharing one emulator, through the REAL bundled handler. Each stack's
 * handler calls Proton with its own account as the access key id, which the emulator reads as the
 * caller: the request is made by the environment account, the acceptance and the environment by
 * the management account.
 */
import {
  GetEnvironmentAccountConnectionCommand, GetEnvironmentCommand, ListEnvironmentAccountConnectionsCommand, ListEnvironmentTemplatesCommand,
} from '@aws-sdk/client-proton';
import { App, CfnResource } from 'aws-cdk-lib';
import { requestsOf, runnerHarness } from './fixtures/runner-harness';
import { testApp } from './fixtures/test-app';
import {
  buildCrossAccountApp, ENVIRONMENT_ACCOUNT, ENVIRONMENT_STACK_NAME, MANAGEMENT_ACCOUNT, MANAGEMENT_STACK_NAME, ManagementAccountStack, REGION,
} from '../../examples/cross-account';
import { OperationResult } from '../../local/runner/runner';
import { ConnectionDecision } from '../../src';

const ACCEPTANCE = 'Custom::ProtonEnvironmentAccountConnectionAcceptance';
/** The logical id of the example's acceptance. */
const ACCEPTANCE_ID = 'AcceptanceE131C3C5';

const harness = runnerHarness({ accountId: MANAGEMENT_ACCOUNT, region: REGION });
/** Proton as the environment account. */
const envSide = () => harness.protonAs(ENVIRONMENT_ACCOUNT);
/** Proton as the management account (the emulator's own). */
const managementSide = () => harness.proton;

/** The example's app for `environmentName`, with the management account's `decision`. */
function crossAccountApp(environmentName: string, decision = ConnectionDecision.ACCEPT): App {
  const app = testApp();
  app.node.setContext('cross-account:environment-name', environmentName);
  app.node.setContext('cross-account:decision', decision);
  return buildCrossAccountApp(app);
}

/** The connection the environment account requested (its stack's `ConnectionId` output). */
function requestedConnectionId(): string {
  const id = harness.runner.stack(ENVIRONMENT_STACK_NAME)!.outputs.ConnectionId;
  expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  return id as string;
}

async function connection(id: string) {
  return (await envSide().send(new GetEnvironmentAccountConnectionCommand({ id }))).environmentAccountConnection!;
}

/** The index of the first event of `logicalIdPrefix` (of `stackName`) reaching `status`. */
function eventIndex(result: OperationResult, stackName: string, logicalIdPrefix: string, status: string): number {
  const index = result.events.findIndex((e) => e.stackName === stackName && e.logicalId.startsWith(logicalIdPrefix) && e.status === status);
  expect(index).toBeGreaterThanOrEqual(0);
  return index;
}

test('one app, two accounts: request, accept by request, environment deployed through the connection, teardown in the order Proton allows', async () => {
  const deployed = await harness.runner.deploy(crossAccountApp('e2e-prod'));
  expect(deployed.success).toBe(true);
  // In dependency order, each stack in its own account.
  expect(deployed.stacks.map((s) => [s.stackName, s.status, s.stackId.split(':')[4]])).toEqual([
    [ENVIRONMENT_STACK_NAME, 'CREATE_COMPLETE', ENVIRONMENT_ACCOUNT],
    [MANAGEMENT_STACK_NAME, 'CREATE_COMPLETE', MANAGEMENT_ACCOUNT],
  ]);
  const connectionId = requestedConnectionId();
  // Requested by the environment account, accepted by the management account (Proton allows each only to its side).
  expect(await connection(connectionId)).toMatchObject({
    environmentAccountId: ENVIRONMENT_ACCOUNT, managementAccountId: MANAGEMENT_ACCOUNT, environmentName: 'e2e-prod', status: 'CONNECTED',
  });
  expect(requestsOf(deployed, ACCEPTANCE)).toEqual([['Create', 'SUCCESS']]);
  expect(harness.runner.stack(MANAGEMENT_STACK_NAME)!.resources).toMatchObject({ [ACCEPTANCE_ID]: { physicalId: connectionId } });
  expect(harness.runner.stack(MANAGEMENT_STACK_NAME)!.outputs.ConnectionStatus).toBe('CONNECTED');
  expect((await managementSide().send(new GetEnvironmentCommand({ name: 'e2e-prod' }))).environment).toMatchObject({
    environmentAccountConnectionId: connectionId, environmentAccountId: ENVIRONMENT_ACCOUNT, deploymentStatus: 'SUCCEEDED',
  });

  // Rejecting a connection an environment uses is refused by Proton: the management stack rolls back, still CONNECTED.
  const rejected = await harness.runner.deploy(crossAccountApp('e2e-prod', ConnectionDecision.REJECT));
  expect(rejected.success).toBe(false);
  expect(rejected.stacks.map((s) => [s.stackName, s.status])).toEqual([
    [ENVIRONMENT_STACK_NAME, 'CREATE_COMPLETE'],
    [MANAGEMENT_STACK_NAME, 'UPDATE_ROLLBACK_COMPLETE'],
  ]);
  expect(rejected.events.find((e) => e.status === 'UPDATE_FAILED')!.reason!.split('\n')[0]).toBe(
    `Could not reject environment account connection '${connectionId}' (Proton: ConflictException: The environment account connection '${connectionId}' `
    + "is used by the environment(s) 'e2e-prod'; delete the environment(s) before rejecting it.)",
  );
  expect((await connection(connectionId)).status).toBe('CONNECTED');

  // A new role is applied in place by the environment account: same connection, still CONNECTED.
  const app = crossAccountApp('e2e-prod');
  const roleResource = app.node.findChild(ENVIRONMENT_STACK_NAME).node.findChild('ProvisioningRole').node.defaultChild as CfnResource;
  roleResource.addPropertyOverride('RoleName', 'proton-provisioning-v2');
  const updated = await harness.runner.deploy(app);
  expect(updated.success).toBe(true);
  expect(requestsOf(updated, 'Custom::ProtonEnvironmentAccountConnection')).toEqual([['Update', 'SUCCESS']]);
  expect(await connection(connectionId)).toMatchObject({ roleArn: `arn:aws:iam::${ENVIRONMENT_ACCOUNT}:role/proton-provisioning-v2`, status: 'CONNECTED' });

  // Destroy in reverse: the management stack (the environment deleted, the acceptance leaves the
  // connection), then the environment account's stack deletes the connection.
  const destroyed = await harness.runner.destroy(app);
  expect(destroyed.success).toBe(true);
  expect(destroyed.stacks.map((s) => [s.stackName, s.status])).toEqual([
    [MANAGEMENT_STACK_NAME, 'DELETE_COMPLETE'],
    [ENVIRONMENT_STACK_NAME, 'DELETE_COMPLETE'],
  ]);
  expect(eventIndex(destroyed, MANAGEMENT_STACK_NAME, 'Environment', 'DELETE_COMPLETE'))
    .toBeLessThan(eventIndex(destroyed, ENVIRONMENT_STACK_NAME, 'Connection', 'DELETE_COMPLETE'));
  expect(requestsOf(destroyed, 'Custom::ProtonEnvironmentAccountConnection')).toEqual([['Delete', 'SUCCESS']]);
  await expect(managementSide().send(new GetEnvironmentCommand({ name: 'e2e-prod' }))).rejects.toThrow(/not found/);
  for (const [client, requestedBy] of [[envSide(), 'ENVIRONMENT_ACCOUNT'], [managementSide(), 'MANAGEMENT_ACCOUNT']] as const) {
    expect((await client.send(new ListEnvironmentAccountConnectionsCommand({ requestedBy }))).environmentAccountConnections).toEqual([]);
  }
  expect((await managementSide().send(new ListEnvironmentTemplatesCommand({}))).templates).toEqual([]);
  expect([harness.runner.stack(ENVIRONMENT_STACK_NAME), harness.runner.stack(MANAGEMENT_STACK_NAME)]).toEqual([undefined, undefined]);
});

test('REJECT rejects the request for good: a later ACCEPT fails and the management stack rolls back', async () => {
  const rejected = await harness.runner.deploy(crossAccountApp('e2e-rejected', ConnectionDecision.REJECT));
  expect(rejected.success).toBe(true);
  const connectionId = requestedConnectionId();
  expect(requestsOf(rejected, ACCEPTANCE)).toEqual([['Create', 'SUCCESS']]);
  expect((await connection(connectionId)).status).toBe('REJECTED');
  expect(harness.runner.stack(MANAGEMENT_STACK_NAME)!.outputs).toEqual({ ConnectionStatus: 'REJECTED' });
  await expect(managementSide().send(new GetEnvironmentCommand({ name: 'e2e-rejected' }))).rejects.toThrow(/not found/);

  const accepted = await harness.runner.deploy(crossAccountApp('e2e-rejected'));
  expect(accepted.success).toBe(false);
  const failed = accepted.events.find((e) => e.status === 'UPDATE_FAILED')!;
  expect([failed.logicalId, failed.reason!.split('\n')[0]]).toEqual([
    ACCEPTANCE_ID,
    `Cannot accept environment account connection '${connectionId}': it was rejected, and rejecting is final. `
    + 'The environment account must request a new connection; accept that one instead.',
  ]);
  expect(harness.runner.stack(MANAGEMENT_STACK_NAME)!.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect((await connection(connectionId)).status).toBe('REJECTED');

  expect((await harness.runner.destroy(crossAccountApp('e2e-rejected', ConnectionDecision.REJECT))).success).toBe(true);
  expect((await envSide().send(new ListEnvironmentAccountConnectionsCommand({ requestedBy: 'ENVIRONMENT_ACCOUNT' }))).environmentAccountConnections).toEqual([]);
});

test('accepting before the environment account requested the connection fails the stack with the fix', async () => {
  const app = testApp();
  new ManagementAccountStack(app, MANAGEMENT_STACK_NAME, {
    env: { account: MANAGEMENT_ACCOUNT, region: REGION }, environmentAccountId: ENVIRONMENT_ACCOUNT, environmentName: 'e2e-early', decision: ConnectionDecision.ACCEPT,
  });
  const result = await harness.runner.deploy(app);
  expect(result.success).toBe(false);
  expect(harness.runner.stack(MANAGEMENT_STACK_NAME)!.status).toBe('ROLLBACK_COMPLETE');
  const failed = result.events.find((e) => e.status === 'CREATE_FAILED')!;
  expect(failed.reason!.split('\n')[0]).toBe(`Found no pending connection requested by environment account ${ENVIRONMENT_ACCOUNT} for environment 'e2e-early' `
    + 'in this account and region. The environment account must deploy its EnvironmentAccountConnection first (naming this account as the management account '
    + 'and this environment name, in this region): deploy its stack before this one.');
  expect((await harness.runner.destroy(app)).success).toBe(true);
});
