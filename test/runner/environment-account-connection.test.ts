/**
 * End to end, across two accounts: the cross-account example's stacks deployed by two runners
 * sharing one emulator — one per account (each handler's requests carry its account as the
 * access key id, which the emulator reads as the caller) — through the REAL bundled handler.
 */
import * as fs from 'fs';
import * as path from 'path';
import { GetEnvironmentAccountConnectionCommand, GetEnvironmentCommand, ListEnvironmentAccountConnectionsCommand, ProtonClient } from '@aws-sdk/client-proton';
import { App, CfnResource } from 'aws-cdk-lib';
import { testApp } from './fixtures/test-app';
import {
  ENVIRONMENT_ACCOUNT, ENVIRONMENT_STACK_NAME, EnvironmentAccountStack, MANAGEMENT_ACCOUNT, MANAGEMENT_STACK_NAME, ManagementAccountStack, REGION,
} from '../../examples/cross-account';
import { Emulator, startEmulator } from '../../local/emulator';
import { LocalRunner, OperationResult } from '../../local/runner/runner';
import { ConnectionDecision } from '../../src';

const BUNDLE = path.join(__dirname, '..', '..', 'assets', 'lambda', 'index', 'index.js');

let emulator: Emulator;
let envSide: ProtonClient;
let managementSide: ProtonClient;
let environmentRunner: LocalRunner;
let managementRunner: LocalRunner;

beforeAll(async () => {
  if (!fs.existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npx projen bundle\` first.`);
  emulator = await startEmulator({ clock: 'manual', strict: true, accountId: MANAGEMENT_ACCOUNT, region: REGION });
  envSide = new ProtonClient({ endpoint: emulator.endpoint, region: REGION, credentials: { accessKeyId: ENVIRONMENT_ACCOUNT, secretAccessKey: 'x' } });
  managementSide = new ProtonClient({ endpoint: emulator.endpoint, region: REGION, credentials: { accessKeyId: MANAGEMENT_ACCOUNT, secretAccessKey: 'x' } });
});
afterAll(async () => {
  envSide.destroy();
  managementSide.destroy();
  await emulator.stop();
});
beforeEach(async () => {
  environmentRunner = await LocalRunner.start({ emulator, accountId: ENVIRONMENT_ACCOUNT });
  managementRunner = await LocalRunner.start({ emulator, accountId: MANAGEMENT_ACCOUNT });
});
afterEach(async () => {
  await environmentRunner.close();
  await managementRunner.close();
});

function environmentApp(environmentName: string, customize: (stack: EnvironmentAccountStack) => void = () => undefined): App {
  const app = testApp();
  customize(new EnvironmentAccountStack(app, ENVIRONMENT_STACK_NAME, { env: { account: ENVIRONMENT_ACCOUNT, region: REGION }, environmentName }));
  return app;
}

function managementApp(connectionId: string, decision: ConnectionDecision, environmentName = 'unused', withEnvironment = false): App {
  const app = testApp();
  new ManagementAccountStack(app, MANAGEMENT_STACK_NAME, {
    env: { account: MANAGEMENT_ACCOUNT, region: REGION },
    connectionId,
    decision,
    environmentName,
    bundleDirectory: withEnvironment ? path.join(__dirname, '..', 'fixtures', 'bundles', 'env-cloudformation') : undefined,
  });
  return app;
}

function requests(result: OperationResult, resourceType: string): string[][] {
  return result.requests
    .filter(({ request }) => request.ResourceType === resourceType)
    .map(({ request, response }) => [request.RequestType, response.Status]);
}

/** The `ConnectionId` output of the deployed environment account stack. */
function requestedConnectionId(): string {
  const id = environmentRunner.stack(ENVIRONMENT_STACK_NAME)!.outputs.ConnectionId;
  expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  return id as string;
}

async function connection(id: string) {
  return (await envSide.send(new GetEnvironmentAccountConnectionCommand({ id }))).environmentAccountConnection!;
}

test('request in the environment account, accept and provision an environment from the management account, update the role, tear down', async () => {
  const requested = await environmentRunner.deploy(environmentApp('e2e-prod'));
  expect(requested.success).toBe(true);
  const connectionId = requestedConnectionId();
  expect(await connection(connectionId)).toMatchObject({
    environmentAccountId: ENVIRONMENT_ACCOUNT, managementAccountId: MANAGEMENT_ACCOUNT, environmentName: 'e2e-prod', status: 'PENDING',
  });

  const accepted = await managementRunner.deploy(managementApp(connectionId, ConnectionDecision.ACCEPT, 'e2e-prod', true));
  expect(accepted.success).toBe(true);
  expect(requests(accepted, 'Custom::ProtonEnvironmentAccountConnectionAcceptance')).toEqual([['Create', 'SUCCESS']]);
  expect(managementRunner.stack(MANAGEMENT_STACK_NAME)!.outputs.ConnectionStatus).toBe('CONNECTED');
  expect((await connection(connectionId)).status).toBe('CONNECTED');
  // The management account's environment is provisioned in the environment account through the connection.
  expect((await managementSide.send(new GetEnvironmentCommand({ name: 'e2e-prod' }))).environment).toMatchObject({
    environmentAccountConnectionId: connectionId, environmentAccountId: ENVIRONMENT_ACCOUNT, deploymentStatus: 'SUCCEEDED',
  });

  // Rejecting a connection an environment uses is refused by Proton: the stack rolls back, still CONNECTED.
  const rejected = await managementRunner.deploy(managementApp(connectionId, ConnectionDecision.REJECT, 'e2e-prod', true));
  expect(rejected.success).toBe(false);
  expect(rejected.events.find((e) => e.status === 'UPDATE_FAILED')!.reason!.split('\n')[0]).toBe(
    `Could not reject environment account connection '${connectionId}' (Proton: ConflictException: The environment account connection '${connectionId}' `
    + "is used by the environment(s) 'e2e-prod'; delete the environment(s) before rejecting it.)",
  );
  expect((await connection(connectionId)).status).toBe('CONNECTED');

  // A new role is applied in place: same connection, still CONNECTED.
  const updated = await environmentRunner.deploy(environmentApp('e2e-prod', (stack) => {
    (stack.node.findChild('ProvisioningRole').node.defaultChild as CfnResource).addPropertyOverride('RoleName', 'proton-provisioning-v2');
  }));
  expect(updated.success).toBe(true);
  expect(requests(updated, 'Custom::ProtonEnvironmentAccountConnection')).toEqual([['Update', 'SUCCESS']]);
  expect(await connection(connectionId)).toMatchObject({ roleArn: `arn:aws:iam::${ENVIRONMENT_ACCOUNT}:role/proton-provisioning-v2`, status: 'CONNECTED' });

  // Removing the acceptance (after the environment) leaves the connection CONNECTED; only the environment account deletes it.
  expect((await managementRunner.destroy({ stackNames: [MANAGEMENT_STACK_NAME] })).success).toBe(true);
  expect((await connection(connectionId)).status).toBe('CONNECTED');
  await expect(managementSide.send(new GetEnvironmentCommand({ name: 'e2e-prod' }))).rejects.toThrow(/not found/);
  expect((await environmentRunner.destroy({ stackNames: [ENVIRONMENT_STACK_NAME] })).success).toBe(true);
  const left = await envSide.send(new ListEnvironmentAccountConnectionsCommand({ requestedBy: 'ENVIRONMENT_ACCOUNT', environmentName: 'e2e-prod' }));
  expect(left.environmentAccountConnections).toEqual([]);
});

test('rejecting is final: a later ACCEPT fails and the stack rolls back to REJECT', async () => {
  await environmentRunner.deploy(environmentApp('e2e-rejected'));
  const connectionId = requestedConnectionId();

  const rejected = await managementRunner.deploy(managementApp(connectionId, ConnectionDecision.REJECT));
  expect(rejected.success).toBe(true);
  expect((await connection(connectionId)).status).toBe('REJECTED');

  const accepted = await managementRunner.deploy(managementApp(connectionId, ConnectionDecision.ACCEPT));
  expect(accepted.success).toBe(false);
  const failed = accepted.events.find((e) => e.status === 'UPDATE_FAILED')!;
  expect(failed.reason!.split('\n')[0]).toBe(`Cannot accept environment account connection '${connectionId}': it was rejected, and rejecting is final. `
    + 'The environment account must request a new connection; accept that one instead.');
  expect(managementRunner.stack(MANAGEMENT_STACK_NAME)!.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect((await connection(connectionId)).status).toBe('REJECTED');

  await managementRunner.destroy({ stackNames: [MANAGEMENT_STACK_NAME] });
  await environmentRunner.destroy({ stackNames: [ENVIRONMENT_STACK_NAME] });
});

test('accepting before the environment account requested the connection fails the stack with the fix', async () => {
  const result = await managementRunner.deploy(managementApp('0b7f6a52-9d1c-4c3e-8f00-123456789abc', ConnectionDecision.ACCEPT));
  expect(result.success).toBe(false);
  expect(managementRunner.stack(MANAGEMENT_STACK_NAME)!.status).toBe('ROLLBACK_COMPLETE');
  const failed = result.events.find((e) => e.status === 'CREATE_FAILED')!;
  expect(failed.reason!.split('\n')[0]).toMatch(/^Environment account connection '0b7f6a52-9d1c-4c3e-8f00-123456789abc' was not found in this account and region\. The environment account must request it first/);
  await managementRunner.destroy({ stackNames: [MANAGEMENT_STACK_NAME] });
});
