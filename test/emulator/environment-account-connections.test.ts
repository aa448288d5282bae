import {
  AcceptEnvironmentAccountConnectionCommand,
  CreateEnvironmentAccountConnectionCommand,
  DeleteEnvironmentAccountConnectionCommand,
  GetEnvironmentAccountConnectionCommand,
  ListEnvironmentAccountConnectionsCommand,
  ListTagsForResourceCommand,
  ProtonClient,
  RejectEnvironmentAccountConnectionCommand,
  UpdateEnvironmentAccountConnectionCommand,
} from '@aws-sdk/client-proton';
import { protonClient } from './helpers';
import { createEnvironment, createEnvironmentTemplate } from './rest-fixtures';
import { startEmulator, type Emulator } from '../../local/emulator';

const MANAGEMENT = '111111111111';
const ENVIRONMENT = '222222222222';
const OTHER = '333333333333';
const ROLE = `arn:aws:iam::${ENVIRONMENT}:role/proton-env`;
const START_SECONDS = Date.UTC(2026, 0, 1) / 1000;

let emu: Emulator;
let management: ProtonClient;
let environment: ProtonClient;
let other: ProtonClient;

const client = (accountId: string) => protonClient(emu, { accountId, maxAttempts: 1 });

beforeEach(async () => {
  emu = await startEmulator({ clock: 'manual', strict: true, startTimeMs: START_SECONDS * 1000 });
  management = client(MANAGEMENT);
  environment = client(ENVIRONMENT);
  other = client(OTHER);
});

afterEach(async () => {
  for (const c of [management, environment, other]) c.destroy();
  await emu.stop();
});

async function request(environmentName = 'prod', extra: { clientToken?: string; componentRoleArn?: string } = {}) {
  const out = await environment.send(new CreateEnvironmentAccountConnectionCommand({
    environmentName,
    managementAccountId: MANAGEMENT,
    roleArn: ROLE,
    ...extra,
  }));
  return out.environmentAccountConnection!;
}

describe('CreateEnvironmentAccountConnection', () => {
  test('creates a PENDING connection owned by the environment account', async () => {
    const eac = await request('prod', { componentRoleArn: `arn:aws:iam::${ENVIRONMENT}:role/components` });

    expect(eac.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(eac).toEqual({
      arn: `arn:aws:proton:us-east-1:${ENVIRONMENT}:environment-account-connection/${eac.id}`,
      id: eac.id,
      environmentAccountId: ENVIRONMENT,
      managementAccountId: MANAGEMENT,
      environmentName: 'prod',
      status: 'PENDING',
      roleArn: ROLE,
      componentRoleArn: `arn:aws:iam::${ENVIRONMENT}:role/components`,
      requestedAt: new Date(START_SECONDS * 1000),
      lastModifiedAt: new Date(START_SECONDS * 1000),
    });
  });

  test('records customer tags but no AWS-managed tags', async () => {
    const out = await environment.send(new CreateEnvironmentAccountConnectionCommand({
      environmentName: 'prod', managementAccountId: MANAGEMENT, roleArn: ROLE, tags: [{ key: 'team', value: 'platform' }],
    }));
    const tags = await environment.send(new ListTagsForResourceCommand({ resourceArn: out.environmentAccountConnection!.arn }));
    expect(tags.tags).toEqual([{ key: 'team', value: 'platform' }]);
  });

  test('the same client token and parameters return the original connection', async () => {
    const first = await request('prod', { clientToken: 'token-1' });
    emu.control.advance(60_000);
    const again = await request('prod', { clientToken: 'token-1' });
    expect(again).toEqual(first);
    const list = await environment.send(new ListEnvironmentAccountConnectionsCommand({ requestedBy: 'ENVIRONMENT_ACCOUNT' }));
    expect(list.environmentAccountConnections).toHaveLength(1);
  });

  test('the same client token with other parameters is an IdempotentParameterMismatch', async () => {
    await request('prod', { clientToken: 'token-1' });
    await expect(request('staging', { clientToken: 'token-1' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: "IdempotentParameterMismatch: The client token 'token-1' was already used with different parameters.",
    });
  });

  test('a second connection for the same environment of the same management account is a conflict', async () => {
    const first = await request('prod');
    await expect(request('prod')).rejects.toMatchObject({
      name: 'ConflictException',
      message: `The environment 'prod' of management account ${MANAGEMENT} already has the environment account connection '${first.id}' (PENDING). Delete it before requesting another one.`,
    });
  });

  test('a rejected connection does not block a new request', async () => {
    const first = await request('prod');
    await management.send(new RejectEnvironmentAccountConnectionCommand({ id: first.id }));
    const second = await request('prod');
    expect(second.id).not.toEqual(first.id);
    expect(second.status).toEqual('PENDING');
  });

  test('refuses the calling account as management account', async () => {
    await expect(management.send(new CreateEnvironmentAccountConnectionCommand({
      environmentName: 'prod', managementAccountId: MANAGEMENT, roleArn: `arn:aws:iam::${MANAGEMENT}:role/r`,
    }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: `managementAccountId '${MANAGEMENT}' is the calling account: request the connection from the environment account, naming a different management account.`,
    });
  });

  test('refuses a role of another account', async () => {
    await expect(environment.send(new CreateEnvironmentAccountConnectionCommand({
      environmentName: 'prod', managementAccountId: MANAGEMENT, roleArn: `arn:aws:iam::${OTHER}:role/r`,
    }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: `roleArn 'arn:aws:iam::${OTHER}:role/r' must be an IAM role of the environment account ${ENVIRONMENT}, not of account ${OTHER}.`,
    });
  });

  test('accepts a CodeBuild role alone and reports it as roleArn', async () => {
    const codebuild = `arn:aws:iam::${ENVIRONMENT}:role/codebuild`;
    const out = await environment.send(new CreateEnvironmentAccountConnectionCommand({
      environmentName: 'prod', managementAccountId: MANAGEMENT, codebuildRoleArn: codebuild,
    }));
    expect(out.environmentAccountConnection).toMatchObject({ codebuildRoleArn: codebuild, roleArn: codebuild, status: 'PENDING' });
  });

  test('requires roleArn or codebuildRoleArn', async () => {
    await expect(environment.send(new CreateEnvironmentAccountConnectionCommand({
      environmentName: 'prod', managementAccountId: MANAGEMENT,
    }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Either roleArn or codebuildRoleArn is required: Proton needs a role of the environment account to provision the environment.',
    });
  });
});

describe('Get and List', () => {
  test('both accounts see the connection; a third account does not', async () => {
    const eac = await request();
    const fromEnvironment = await environment.send(new GetEnvironmentAccountConnectionCommand({ id: eac.id }));
    const fromManagement = await management.send(new GetEnvironmentAccountConnectionCommand({ id: eac.id }));
    expect(fromEnvironment.environmentAccountConnection).toEqual(eac);
    expect(fromManagement.environmentAccountConnection).toEqual(eac);
    await expect(other.send(new GetEnvironmentAccountConnectionCommand({ id: eac.id }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: `The environment account connection '${eac.id}' was not found.`,
    });
  });

  test('requestedBy selects the side of the caller, with filters and pages', async () => {
    const prod = await request('prod');
    emu.control.advance(1000);
    const staging = await request('staging');
    emu.control.advance(1000);
    const dev = await request('dev');
    await management.send(new AcceptEnvironmentAccountConnectionCommand({ id: staging.id }));

    const asManagement = await management.send(new ListEnvironmentAccountConnectionsCommand({ requestedBy: 'MANAGEMENT_ACCOUNT' }));
    expect(asManagement.environmentAccountConnections!.map((c) => c.id)).toEqual([prod.id, staging.id, dev.id]);
    expect(asManagement.nextToken).toBeUndefined();
    expect(asManagement.environmentAccountConnections![0]).toEqual({
      arn: prod.arn,
      id: prod.id,
      environmentAccountId: ENVIRONMENT,
      managementAccountId: MANAGEMENT,
      environmentName: 'prod',
      status: 'PENDING',
      roleArn: ROLE,
      requestedAt: prod.requestedAt,
      lastModifiedAt: prod.lastModifiedAt,
    });
    const managementAsEnvironment = await management.send(new ListEnvironmentAccountConnectionsCommand({ requestedBy: 'ENVIRONMENT_ACCOUNT' }));
    expect(managementAsEnvironment.environmentAccountConnections).toEqual([]);

    const connected = await environment.send(new ListEnvironmentAccountConnectionsCommand({ requestedBy: 'ENVIRONMENT_ACCOUNT', statuses: ['CONNECTED'] }));
    expect(connected.environmentAccountConnections!.map((c) => c.id)).toEqual([staging.id]);
    const byName = await environment.send(new ListEnvironmentAccountConnectionsCommand({ requestedBy: 'ENVIRONMENT_ACCOUNT', environmentName: 'dev' }));
    expect(byName.environmentAccountConnections!.map((c) => c.id)).toEqual([dev.id]);

    const page1 = await management.send(new ListEnvironmentAccountConnectionsCommand({ requestedBy: 'MANAGEMENT_ACCOUNT', maxResults: 2 }));
    expect(page1.environmentAccountConnections!.map((c) => c.id)).toEqual([prod.id, staging.id]);
    const page2 = await management.send(new ListEnvironmentAccountConnectionsCommand({
      requestedBy: 'MANAGEMENT_ACCOUNT', maxResults: 2, nextToken: page1.nextToken,
    }));
    expect(page2.environmentAccountConnections!.map((c) => c.id)).toEqual([dev.id]);
    expect(page2.nextToken).toBeUndefined();
  });
});

describe('Accept and Reject', () => {
  test('the management account accepts a pending connection; accepting again changes nothing', async () => {
    const eac = await request();
    emu.control.advance(5000);
    const accepted = await management.send(new AcceptEnvironmentAccountConnectionCommand({ id: eac.id }));
    expect(accepted.environmentAccountConnection).toEqual({ ...eac, status: 'CONNECTED', lastModifiedAt: new Date((START_SECONDS + 5) * 1000) });
    emu.control.advance(5000);
    const again = await management.send(new AcceptEnvironmentAccountConnectionCommand({ id: eac.id }));
    expect(again.environmentAccountConnection).toEqual(accepted.environmentAccountConnection);
  });

  test('the environment account can neither accept nor reject', async () => {
    const eac = await request();
    await expect(environment.send(new AcceptEnvironmentAccountConnectionCommand({ id: eac.id }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: `Only the management account ${MANAGEMENT} can accept the environment account connection '${eac.id}'; account ${ENVIRONMENT} can't.`,
    });
    await expect(environment.send(new RejectEnvironmentAccountConnectionCommand({ id: eac.id }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: `Only the management account ${MANAGEMENT} can reject the environment account connection '${eac.id}'; account ${ENVIRONMENT} can't.`,
    });
  });

  test('REJECTED is final', async () => {
    const eac = await request();
    const rejected = await management.send(new RejectEnvironmentAccountConnectionCommand({ id: eac.id }));
    expect(rejected.environmentAccountConnection!.status).toEqual('REJECTED');
    await expect(management.send(new AcceptEnvironmentAccountConnectionCommand({ id: eac.id }))).rejects.toMatchObject({
      name: 'ConflictException',
      message: `The environment account connection '${eac.id}' was rejected and can't be accepted; the environment account must request a new connection.`,
    });
    await expect(environment.send(new UpdateEnvironmentAccountConnectionCommand({ id: eac.id, roleArn: ROLE }))).rejects.toMatchObject({
      name: 'ConflictException',
      message: `The environment account connection '${eac.id}' was rejected and can't be used any more; request a new connection instead.`,
    });
    const again = await management.send(new RejectEnvironmentAccountConnectionCommand({ id: eac.id }));
    expect(again.environmentAccountConnection).toEqual(rejected.environmentAccountConnection);
  });

  test('a connection used by an environment of the management account can not be rejected', async () => {
    const eac = await request('prod');
    await management.send(new AcceptEnvironmentAccountConnectionCommand({ id: eac.id }));
    await createEnvironmentTemplate(management, emu, 'env-tmpl');
    await createEnvironment(management, emu, 'prod', 'env-tmpl', { environmentAccountConnectionId: eac.id! });
    await expect(management.send(new RejectEnvironmentAccountConnectionCommand({ id: eac.id }))).rejects.toMatchObject({
      name: 'ConflictException',
      message: `The environment account connection '${eac.id}' is used by the environment(s) 'prod'; delete the environment(s) before rejecting it.`,
    });
    const deleted = await environment.send(new DeleteEnvironmentAccountConnectionCommand({ id: eac.id }));
    expect(deleted.environmentAccountConnection!.status).toEqual('CONNECTED');
  });

  test('a connected connection no environment uses can be rejected', async () => {
    const eac = await request();
    await management.send(new AcceptEnvironmentAccountConnectionCommand({ id: eac.id }));
    const rejected = await management.send(new RejectEnvironmentAccountConnectionCommand({ id: eac.id }));
    expect(rejected.environmentAccountConnection!.status).toEqual('REJECTED');
  });
});

describe('UpdateEnvironmentAccountConnection', () => {
  test('the environment account replaces role ARNs; the status is unchanged', async () => {
    const eac = await request();
    await management.send(new AcceptEnvironmentAccountConnectionCommand({ id: eac.id }));
    emu.control.advance(2000);
    const newRole = `arn:aws:iam::${ENVIRONMENT}:role/proton-env-2`;
    const codebuild = `arn:aws:iam::${ENVIRONMENT}:role/codebuild`;
    const updated = await environment.send(new UpdateEnvironmentAccountConnectionCommand({
      id: eac.id, roleArn: newRole, codebuildRoleArn: codebuild,
    }));
    expect(updated.environmentAccountConnection).toEqual({
      ...eac, status: 'CONNECTED', roleArn: newRole, codebuildRoleArn: codebuild, lastModifiedAt: new Date((START_SECONDS + 2) * 1000),
    });
  });

  test('the management account can not update', async () => {
    const eac = await request();
    await expect(management.send(new UpdateEnvironmentAccountConnectionCommand({ id: eac.id, roleArn: ROLE }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: `Only the environment account ${ENVIRONMENT} can update the environment account connection '${eac.id}'; account ${MANAGEMENT} can't.`,
    });
  });
});

describe('DeleteEnvironmentAccountConnection', () => {
  test('only the environment account deletes; a retried delete returns an empty response', async () => {
    const eac = await request();
    await management.send(new AcceptEnvironmentAccountConnectionCommand({ id: eac.id }));
    await expect(management.send(new DeleteEnvironmentAccountConnectionCommand({ id: eac.id }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: `Only the environment account ${ENVIRONMENT} can delete the environment account connection '${eac.id}'; account ${MANAGEMENT} can't.`,
    });

    const deleted = await environment.send(new DeleteEnvironmentAccountConnectionCommand({ id: eac.id }));
    expect(deleted.environmentAccountConnection).toEqual({ ...eac, status: 'CONNECTED' });
    const retried = await environment.send(new DeleteEnvironmentAccountConnectionCommand({ id: eac.id }));
    expect(retried.environmentAccountConnection).toBeUndefined();

    await expect(management.send(new GetEnvironmentAccountConnectionCommand({ id: eac.id }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(environment.send(new ListTagsForResourceCommand({ resourceArn: eac.arn }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: `The resource '${eac.arn}' was not found.`,
    });
  });

  test('an id that never existed is not found', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    await expect(environment.send(new DeleteEnvironmentAccountConnectionCommand({ id }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: `The environment account connection '${id}' was not found.`,
    });
  });

  test('a client token whose connection was deleted creates a new connection', async () => {
    const first = await request('prod', { clientToken: 'token-1' });
    await environment.send(new DeleteEnvironmentAccountConnectionCommand({ id: first.id }));
    const second = await request('prod', { clientToken: 'token-1' });
    expect(second.id).not.toEqual(first.id);
  });
});
