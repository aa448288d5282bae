import {
  CreateEnvironmentCommand, CreateRepositoryCommand, GetEnvironmentCommand, ListDeploymentsCommand, ListTagsForResourceCommand, ProtonClient,
  UpdateEnvironmentCommand,
} from '@aws-sdk/client-proton';
import { STACK_ID, createEvent, updateEvent } from './cfn-events';
import { handlerTest } from './handler-harness';
import { QUERY_INTERVAL_MS } from './provider-driver';
import { onEvent } from '../../lambda/index';
import { DEPLOYMENT_BUDGET_SECONDS, ProtonResourceType } from '../../src/custom-resources/contract';
import { DURATIONS, ROLE_ARN, envSpec, publishEnvironmentTemplate } from '../emulator/deployment-fixtures';

const CANARY = 'CANARY-5d1e-secret-spec-value';
const fixture = handlerTest({
  durations: DURATIONS,
  canary: CANARY,
  resourceType: ProtonResourceType.ENVIRONMENT,
  setUp: async (proton, emu) => {
    await publishEnvironmentTemplate(proton, emu, 'net');
    await publishEnvironmentTemplate(proton, emu, 'net', { existing: true, major: '1' });
    await publishEnvironmentTemplate(proton, emu, 'net', { existing: true });
    await publishEnvironmentTemplate(proton, emu, 'existing-vpc', { customerManaged: true });
  },
});
const { driver, logged } = fixture;

function props(name: string, overrides: Record<string, unknown> = {}) {
  return {
    Name: name,
    TemplateName: 'net',
    TemplateMajorVersion: '1',
    Spec: envSpec({ vpc_cidr: '10.1.0.0/16' }),
    ProtonServiceRoleArn: ROLE_ARN,
    Description: CANARY,
    ...overrides,
  };
}

async function getEnv(name: string) {
  return (await fixture.proton.send(new GetEnvironmentCommand({ name }))).environment!;
}

async function exists(name: string): Promise<boolean> {
  return getEnv(name).then(() => true, (e: Error) => {
    if (e.name === 'ResourceNotFoundException') return false;
    throw e;
  });
}

async function deploymentsOf(name: string): Promise<string[]> {
  const out = await fixture.proton.send(new ListDeploymentsCommand({ environmentName: name }));
  return (out.deployments ?? []).filter((d) => d.targetResourceType === 'ENVIRONMENT').map((d) => d.deploymentStatus!);
}

function calls(): Record<string, number> {
  return fixture.emu.control.callCounts();
}

test('create waits for the deployment and returns the requested outputs only', async () => {
  const p = props('env-create', { Outputs: ['VpcId'], Tags: { team: 'net' } });
  const created = await driver.create('Env', p);
  expect(created.error).toBeUndefined();
  expect(created.physicalId).toBe('env-create');
  // The deployment takes 10 s of Proton time: the first poll sees IN_PROGRESS, the second SUCCEEDED.
  expect(created.polls).toBe(2);
  expect(created.data).toMatchObject({
    'Arn': 'arn:aws:proton:us-east-1:111111111111:environment/env-create',
    'Name': 'env-create',
    'TemplateMajorVersion': '1',
    'TemplateMinorVersion': '1',
    'Output.VpcId': 'environment/env-create/VpcId',
  });
  expect(created.data).not.toHaveProperty('Output.ClusterName');
  const env = await getEnv('env-create');
  expect(env).toMatchObject({ deploymentStatus: 'SUCCEEDED', protonServiceRoleArn: ROLE_ARN, spec: p.Spec });
  const listed = await fixture.proton.send(new ListTagsForResourceCommand({ resourceArn: env.arn! }));
  const tags = Object.fromEntries((listed.tags ?? []).map((t) => [t.key, t.value]));
  expect(tags).toMatchObject({ 'team': 'net', 'cdk-proton:stack-id': STACK_ID, 'cdk-proton:logical-id': 'Env' });
});

test('updates choose the deployment type from what changed', async () => {
  const v1 = props('env-types', { TemplateMinorVersion: '0' });
  await driver.create('Env', v1);
  const cases: Array<[string, Record<string, unknown>, string | undefined]> = [
    ['tags only', { Tags: { a: 'b' } }, undefined],
    ['metadata only', { Description: 'new description' }, 'NONE'],
    ['spec', { Spec: envSpec({ vpc_cidr: '10.2.0.0/16' }) }, 'CURRENT_VERSION'],
    ['minor', { TemplateMinorVersion: '1' }, 'MINOR_VERSION'],
    ['major', { TemplateMajorVersion: '2', TemplateMinorVersion: undefined }, 'MAJOR_VERSION'],
  ];
  let current: Record<string, unknown> = v1;
  for (const [label, change, expected] of cases) {
    const next = { ...current, ...change };
    const updateCalls: unknown[] = [];
    const original = ProtonClient.prototype.send;
    const spy = jest.spyOn(ProtonClient.prototype, 'send').mockImplementation(function (this: ProtonClient, command: any) {
      if (command.constructor.name === 'UpdateEnvironmentCommand') updateCalls.push(command.input.deploymentType);
      return (original as any).call(this, command);
    });
    const outcome = await driver.update('Env', 'env-types', current, next);
    spy.mockRestore();
    expect({ label, error: outcome.error?.message, types: updateCalls }).toEqual({ label, error: undefined, types: expected ? [expected] : [] });
    current = next;
  }
  expect(await getEnv('env-types')).toMatchObject({ templateMajorVersion: '2', templateMinorVersion: '0', spec: envSpec({ vpc_cidr: '10.2.0.0/16' }) });
  // Four deployments: the create, CURRENT_VERSION, MINOR_VERSION, MAJOR_VERSION.
  expect(await deploymentsOf('env-types')).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
});

test('an update reads the environment\'s tags once, for both the ownership check and the customer tag sync', async () => {
  const before = props('env-tag-reads', { Tags: { team: 'net' } });
  await driver.create('Env', before);
  fixture.emu.control.resetCallCounts();
  const outcome = await driver.update('Env', 'env-tag-reads', before, { ...before, Tags: { team: 'platform' }, Spec: envSpec({ vpc_cidr: '10.3.0.0/16' }) });
  expect(outcome.error).toBeUndefined();
  expect(calls()).toEqual({
    GetEnvironment: 1 + outcome.polls,
    ListTagsForResource: 1,
    TagResource: 1,
    UpdateEnvironment: 1,
  });
});

test('a lower major version is refused with the fix', async () => {
  const v2 = props('env-down', { TemplateMajorVersion: '2' });
  await driver.create('Env', v2);
  const outcome = await driver.update('Env', 'env-down', v2, { ...v2, TemplateMajorVersion: '1' });
  expect(outcome.error?.message).toBe("Proton environment 'env-down' runs template major version 2; Proton cannot deploy a lower major version (1). "
    + 'Keep major version 2 or higher, or give the resource a new name to create it anew on major version 1.');
});

test('a failed create deployment surfaces Proton\'s message; the rollback delete removes the environment', async () => {
  fixture.emu.control.failNextDeployment('environment/env-fail', 'CREATE_FAILED: VPC limit exceeded');
  const p = props('env-fail');
  const created = await driver.create('Env', p);
  expect(created.physicalId).toBe('env-fail');
  expect(created.error?.message).toBe("Proton environment 'env-fail' deployment FAILED: CREATE_FAILED: VPC limit exceeded");
  const deleted = await driver.delete('Env', 'env-fail', p);
  expect(deleted.error).toBeUndefined();
  // DeleteEnvironment is asynchronous: the delete completes once Proton removed it (5 s).
  expect(deleted.polls).toBe(2);
  expect(await exists('env-fail')).toBe(false);
});

test('a failed spec update fails with Proton\'s message; the rollback update redeploys the old spec', async () => {
  const before = props('env-rollback');
  await driver.create('Env', before);
  const after = { ...before, Spec: envSpec({ vpc_cidr: '10.9.0.0/16' }) };
  fixture.emu.control.failNextDeployment('environment/env-rollback', 'subnet conflict');
  const failed = await driver.update('Env', 'env-rollback', before, after);
  expect(failed.error?.message).toBe("Proton environment 'env-rollback' deployment FAILED: subnet conflict");

  const rolledBack = await driver.update('Env', 'env-rollback', after, before);
  expect(rolledBack.error).toBeUndefined();
  expect(await getEnv('env-rollback')).toMatchObject({ spec: before.Spec, deploymentStatus: 'SUCCEEDED' });
  expect(await deploymentsOf('env-rollback')).toEqual(['SUCCEEDED', 'FAILED', 'SUCCEEDED']);
});

test('a deployment past the budget is cancelled and reported; the rollback waits for CANCELLED and redeploys the old spec', async () => {
  const before = props('env-slow');
  await driver.create('Env', before);
  fixture.emu.control.setDurations({ deploymentMs: 2 * 60 * 60 * 1000 });
  fixture.emu.control.resetCallCounts();
  const after = { ...before, Spec: envSpec({ vpc_cidr: '10.3.0.0/16' }) };
  const slow = await driver.update('Env', 'env-slow', before, after);
  expect(slow.error?.message).toMatch(/^Proton environment 'env-slow' was still deploying after 30 minutes, the budget of one CloudFormation request: cdk-proton cancelled the deployment/);
  // Measured on Proton's clock: the first poll past the budget cancels (well before the provider's 210 polls).
  expect(slow.polls).toBe(DEPLOYMENT_BUDGET_SECONDS * 1000 / QUERY_INTERVAL_MS + 2);
  expect(calls().CancelEnvironmentDeployment).toBe(1);
  expect((await getEnv('env-slow')).deploymentStatus).toBe('CANCELLING');

  fixture.emu.control.setDurations(DURATIONS);
  const rolledBack = await driver.update('Env', 'env-slow', after, before);
  expect(rolledBack.error).toBeUndefined();
  expect(await getEnv('env-slow')).toMatchObject({ spec: before.Spec, deploymentStatus: 'SUCCEEDED' });
  expect(await deploymentsOf('env-slow')).toEqual(['SUCCEEDED', 'CANCELLED', 'SUCCEEDED']);
});

test('a rollback update cancels the failed update still in flight', async () => {
  const before = props('env-inflight');
  await driver.create('Env', before);
  fixture.emu.control.setDurations({ deploymentMs: 60 * 60 * 1000 });
  const after = { ...before, Spec: envSpec({ vpc_cidr: '10.4.0.0/16' }) };
  // The forward update is started but CloudFormation gives up on it (e.g. another resource failed).
  const forward = await driver.run(
    updateEvent({ resourceType: ProtonResourceType.ENVIRONMENT, logicalId: 'Env' }, 'env-inflight', before, after), 1);
  expect(forward.error?.message).toBe('Operation timed out');
  expect((await getEnv('env-inflight')).deploymentStatus).toBe('IN_PROGRESS');
  fixture.emu.control.setDurations(DURATIONS);
  fixture.emu.control.resetCallCounts();
  const rolledBack = await driver.update('Env', 'env-inflight', after, before);
  expect(rolledBack.error).toBeUndefined();
  expect(calls().CancelEnvironmentDeployment).toBe(1);
  expect(await deploymentsOf('env-inflight')).toEqual(['SUCCEEDED', 'CANCELLED', 'SUCCEEDED']);
  expect((await getEnv('env-inflight')).spec).toBe(before.Spec);
});

test('a minor-version update delivered twice waits for its own deployment instead of cancelling it', async () => {
  const before = props('env-resent', { TemplateMinorVersion: '0' });
  await driver.create('Env', before);
  fixture.emu.control.resetCallCounts();
  const after = { ...before, TemplateMinorVersion: '1' };
  const event = updateEvent({ resourceType: ProtonResourceType.ENVIRONMENT, logicalId: 'Env' }, 'env-resent', before, after);
  // The first delivery starts the MINOR_VERSION deployment; the same request, delivered again,
  // finds it running what the request asks (only the minor version differs from the old properties).
  await onEvent(event);
  expect((await getEnv('env-resent')).deploymentStatus).toBe('IN_PROGRESS');
  const resent = await driver.run(event);
  expect(resent.error).toBeUndefined();
  expect(calls().CancelEnvironmentDeployment ?? 0).toBe(0);
  expect(calls().UpdateEnvironment).toBe(1);
  expect(await getEnv('env-resent')).toMatchObject({ templateMinorVersion: '1', deploymentStatus: 'SUCCEEDED' });
  expect(await deploymentsOf('env-resent')).toEqual(['SUCCEEDED', 'SUCCEEDED']);
});

test('an update while a foreign deployment runs waits for it instead of cancelling it', async () => {
  const before = props('env-busy');
  await driver.create('Env', before);
  await fixture.proton.send(new UpdateEnvironmentCommand({
    name: 'env-busy', deploymentType: 'CURRENT_VERSION', spec: envSpec({ vpc_cidr: '10.5.0.0/16' }),
  }));
  fixture.emu.control.resetCallCounts();
  const after = { ...before, Spec: envSpec({ vpc_cidr: '10.6.0.0/16' }) };
  const updated = await driver.update('Env', 'env-busy', before, after);
  expect(updated.error).toBeUndefined();
  expect(calls().CancelEnvironmentDeployment ?? 0).toBe(0);
  expect(await deploymentsOf('env-busy')).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  expect((await getEnv('env-busy')).spec).toBe(after.Spec);
});

test('an output the template does not produce fails the deployment, naming the produced ones', async () => {
  const outcome = await driver.create('Env', props('env-nooutput', { Outputs: ['VpcId', 'SubnetIds'] }));
  expect(outcome.error?.message).toBe("Proton environment 'env-nooutput' has no output 'SubnetIds': its template produced ClusterName, VpcId. "
    + "Read only outputs the template declares (getOutput), or add them to the template's infrastructure as code.");
});

test('many long outputs stay within the response budget or fail clearly', async () => {
  const keys = Array.from({ length: 40 }, (_, i) => `Out${i}`);
  fixture.emu.control.setOutputs('environment/env-big', Object.fromEntries(keys.map((k) => [k, 'v'.repeat(200)])));
  const outcome = await driver.create('Env', props('env-big', { Outputs: keys }));
  expect(outcome.error?.message).toMatch(/^Custom::ProtonEnvironment response Data is \d+ bytes, over the 2048-byte budget of a CloudFormation response\.$/);
});

test('a customer-managed environment returns the outputs its spec carries', async () => {
  const outcome = await driver.create('Env', {
    Name: 'env-cm', TemplateName: 'existing-vpc', TemplateMajorVersion: '1', Spec: envSpec({ VpcId: 'vpc-123' }), Outputs: ['VpcId'],
  });
  expect(outcome.error).toBeUndefined();
  expect(outcome.polls).toBe(1);
  expect(outcome.data?.['Output.VpcId']).toBe('vpc-123');
});

test('a self-managed environment completes once Proton accepted it, without waiting for the pull request', async () => {
  await fixture.proton.send(new CreateRepositoryCommand({
    provider: 'GITHUB', name: 'acme/infra', connectionArn: 'arn:aws:codestar-connections:us-east-1:111111111111:connection/2b3c4d5e-0000-1111-2222-333344445555',
  }));
  const p = {
    Name: 'env-self',
    TemplateName: 'net',
    TemplateMajorVersion: '1',
    Spec: envSpec(),
    ProvisioningRepository: { Provider: 'GITHUB', Name: 'acme/infra', Branch: 'main' },
  };
  const outcome = await driver.create('Env', p);
  expect(outcome.error).toBeUndefined();
  expect(outcome.polls).toBe(1);
  expect((await getEnv('env-self')).deploymentStatus).toBe('IN_PROGRESS');
  expect(logged.some((l) => l.includes('self-managed deployment accepted'))).toBe(true);
  await expect(driver.create('Other', { ...p, Name: 'env-self-2', Outputs: ['VpcId'] })).resolves.toMatchObject({
    error: new Error("Environment 'env-self-2' is self-managed (ProvisioningRepository): cdk-proton does not wait for the pull request Proton opens, "
      + 'so its outputs are never available; remove the requested outputs VpcId.'),
  });
});

test('switching between self-managed and managed provisioning is a replacement, refused under the same name', async () => {
  const managed = props('env-switch');
  await driver.create('Env', managed);
  const outcome = await driver.update('Env', 'env-switch', managed, {
    ...managed, ProtonServiceRoleArn: undefined, ProvisioningRepository: { Provider: 'GITHUB', Name: 'acme/infra', Branch: 'main' },
  });
  expect(outcome.error?.message).toMatch(/^Cannot replace Proton environment 'env-switch': ProvisioningRepository changed, which Proton cannot update in place.*Fix: also change environmentName/);
});

test('delete waits for a running deployment, then for Proton to remove the environment', async () => {
  fixture.emu.control.setDurations({ deploymentMs: 60_000 });
  const p = props('env-delete-busy');
  const created = await driver.run(createEvent({ resourceType: ProtonResourceType.ENVIRONMENT, logicalId: 'Env' }, p), 1);
  expect(created.error?.message).toBe('Operation timed out');
  fixture.emu.control.resetCallCounts();
  const deleted = await driver.delete('Env', 'env-delete-busy', p);
  expect(deleted.error).toBeUndefined();
  expect(await exists('env-delete-busy')).toBe(false);
  expect(calls().DeleteEnvironment).toBe(1);
});

test('a failed delete surfaces Proton\'s message', async () => {
  const p = props('env-delete-fail');
  await driver.create('Env', p);
  fixture.emu.control.failNextDeletion('environment/env-delete-fail', 'stack DELETE_FAILED: bucket not empty');
  const deleted = await driver.delete('Env', 'env-delete-fail', p);
  expect(deleted.error?.message).toBe("Could not delete Proton environment 'env-delete-fail': DELETE_FAILED: stack DELETE_FAILED: bucket not empty");
});

test('a foreign environment with the same name is refused and never touched', async () => {
  await fixture.proton.send(new CreateEnvironmentCommand({
    name: 'env-foreign', templateName: 'net', templateMajorVersion: '1', spec: envSpec(), protonServiceRoleArn: ROLE_ARN,
  }));
  fixture.emu.control.advance(DURATIONS.deploymentMs);
  const before = await getEnv('env-foreign');
  const p = props('env-foreign');
  const created = await driver.create('Env', p);
  expect(created.error?.message).toMatch(/^Proton environment 'env-foreign' already exists and was not created by resource Env of this stack.*Environment\.fromEnvironmentName\(scope, id, 'env-foreign'\)/);
  const deleted = await driver.delete('Env', 'env-foreign', p);
  expect(deleted.error).toBeUndefined();
  expect(await getEnv('env-foreign')).toEqual(before);
});

test('the same Create delivered twice yields one environment and one deployment', async () => {
  const event = createEvent({ resourceType: ProtonResourceType.ENVIRONMENT, logicalId: 'Twice' }, props('env-twice'));
  const first = await driver.run(event);
  const second = await driver.run(event);
  expect(first.error).toBeUndefined();
  expect(second.error).toBeUndefined();
  expect(await deploymentsOf('env-twice')).toEqual(['SUCCEEDED']);
});

test('delete after a create that failed before any Proton call does not call Proton', async () => {
  fixture.emu.control.resetCallCounts();
  const outcome = await driver.delete('Env', 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED', props('never'));
  expect(outcome.error).toBeUndefined();
  expect(calls()).toEqual({});
});
