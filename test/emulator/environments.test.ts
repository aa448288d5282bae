import {
  AcceptEnvironmentAccountConnectionCommand, CancelEnvironmentDeploymentCommand, CreateEnvironmentAccountConnectionCommand,
  CreateEnvironmentCommand, DeleteEnvironmentCommand, DeleteEnvironmentTemplateVersionCommand, GetEnvironmentCommand,
  ListEnvironmentOutputsCommand, ListEnvironmentProvisionedResourcesCommand, ListEnvironmentsCommand,
  UpdateEnvironmentCommand, waitUntilEnvironmentDeployed,
} from '@aws-sdk/client-proton';
import {
  advanceClockAfterEachCall, DURATIONS, envSpec, FAST_WAITER, publishEnvironmentTemplate, ROLE_ARN, deploymentEmulatorPerTest,
} from './deployment-fixtures';
import { protonClient } from './helpers';

const ENV_ARN = 'arn:aws:proton:us-east-1:111111111111:environment/dev';
const START = Date.parse('2026-01-01T00:00:00Z') / 1000;

const fx = deploymentEmulatorPerTest();

const create = (overrides: Record<string, unknown> = {}) => fx.proton.send(new CreateEnvironmentCommand({
  name: 'dev', templateName: 'base', templateMajorVersion: '1', spec: envSpec({ size: 2 }), protonServiceRoleArn: ROLE_ARN, ...overrides,
}));
const get = async (name = 'dev') => (await fx.proton.send(new GetEnvironmentCommand({ name }))).environment!;
const outputs = async (deploymentId?: string) =>
  (await fx.proton.send(new ListEnvironmentOutputsCommand({ environmentName: 'dev', deploymentId }))).outputs;

describe('create', () => {
  test('deploys asynchronously: IN_PROGRESS until deploymentMs has passed, then SUCCEEDED with outputs', async () => {
    const { environment } = await create({ description: 'the dev environment', componentRoleArn: 'arn:aws:iam::111111111111:role/c' });
    expect(environment).toEqual({
      arn: ENV_ARN,
      name: 'dev',
      description: 'the dev environment',
      createdAt: new Date(START * 1000 + DURATIONS.registrationMs),
      deploymentStatus: 'IN_PROGRESS',
      templateName: 'base',
      templateMajorVersion: '1',
      templateMinorVersion: '0',
      protonServiceRoleArn: ROLE_ARN,
      componentRoleArn: 'arn:aws:iam::111111111111:role/c',
      spec: envSpec({ size: 2 }),
      lastAttemptedDeploymentId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      lastDeploymentAttemptedAt: environment!.createdAt,
      lastDeploymentSucceededAt: environment!.createdAt,
    });
    expect(await outputs()).toEqual([]);

    fx.emu.control.advance(DURATIONS.deploymentMs - 1);
    expect((await get()).deploymentStatus).toBe('IN_PROGRESS');
    fx.emu.control.advance(1);
    const deployed = await get();
    expect(deployed.deploymentStatus).toBe('SUCCEEDED');
    expect(deployed.lastSucceededDeploymentId).toBe(environment!.lastAttemptedDeploymentId);
    expect(deployed.lastDeploymentSucceededAt).toEqual(new Date(START * 1000 + DURATIONS.registrationMs + DURATIONS.deploymentMs));
    expect(await outputs()).toEqual([
      { key: 'VpcId', valueString: 'environment/dev/VpcId' },
      { key: 'ClusterName', valueString: 'dev-cluster' },
    ]);
    expect((await fx.proton.send(new ListEnvironmentProvisionedResourcesCommand({ environmentName: 'dev' }))).provisionedResources).toEqual([{
      name: 'AWSProton-environment-dev',
      identifier: `arn:aws:cloudformation:us-east-1:111111111111:stack/AWSProton-environment-dev/${environment!.lastAttemptedDeploymentId}`,
      provisioningEngine: 'CLOUDFORMATION',
    }]);
  });

  test('waitUntilEnvironmentDeployed polls until SUCCEEDED', async () => {
    await create();
    const waiter = protonClient(fx.emu, { maxAttempts: 1 });
    advanceClockAfterEachCall(waiter, fx.emu, DURATIONS.deploymentMs / 2);
    try {
      const result = await waitUntilEnvironmentDeployed({ client: waiter, ...FAST_WAITER }, { name: 'dev' });
      expect(result.state).toBe('SUCCESS');
      expect((await get()).deploymentStatus).toBe('SUCCEEDED');
    } finally {
      waiter.destroy();
    }
  });

  test('an injected deployment failure ends FAILED with its message, and the waiter reports failure', async () => {
    fx.emu.control.failNextDeployment('environment/dev', 'Resource handler returned message: "VPC limit exceeded"');
    await create();
    fx.emu.control.advance(DURATIONS.deploymentMs);
    const env = await get();
    expect(env.deploymentStatus).toBe('FAILED');
    expect(env.deploymentStatusMessage).toBe('Resource handler returned message: "VPC limit exceeded"');
    expect(env.lastSucceededDeploymentId).toBeUndefined();
    await expect(waitUntilEnvironmentDeployed({ client: fx.proton, ...FAST_WAITER }, { name: 'dev' })).rejects.toThrow(/FAILURE/);
  });

  test('scenario output overrides replace generated values and may add keys', async () => {
    fx.emu.control.setOutputs('environment/dev', { VpcId: 'vpc-0abc', Extra: 'x' });
    await create();
    fx.emu.control.advance(DURATIONS.deploymentMs);
    expect(await outputs()).toEqual([
      { key: 'VpcId', valueString: 'vpc-0abc' },
      { key: 'ClusterName', valueString: 'dev-cluster' },
      { key: 'Extra', valueString: 'x' },
    ]);
  });

  test('is name-keyed idempotent: same input returns the environment, other input or a modified environment is refused', async () => {
    const first = (await create()).environment!;
    const again = (await create()).environment!;
    expect(again.lastAttemptedDeploymentId).toBe(first.lastAttemptedDeploymentId);
    await expect(create({ spec: envSpec({ size: 3 }) })).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'IdempotentParameterMismatch: The name of Environment dev was already used with different parameters.',
    });
    fx.emu.control.advance(DURATIONS.deploymentMs);
    await fx.proton.send(new UpdateEnvironmentCommand({ name: 'dev', deploymentType: 'NONE', description: 'changed' }));
    await expect(create()).rejects.toMatchObject({
      name: 'ConflictException', message: 'Environment dev already exists and was modified since it was created.',
    });
  });

  test('validates the spec against the template schema, naming the path', async () => {
    await expect(create({ spec: envSpec({ size: 11 }) })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/^The spec is invalid for template base version 1\.0: spec\.size .*10/),
    });
    await expect(create({ spec: envSpec({ colour: 'red' }) })).rejects.toMatchObject({
      name: 'ValidationException', message: expect.stringContaining('spec.colour is not an input of EnvInput'),
    });
    await expect(create({ spec: 'proton: ServiceSpec\n' })).rejects.toMatchObject({
      name: 'ValidationException', message: 'The spec is invalid: proton must be \'EnvironmentSpec\' (found string "ServiceSpec").',
    });
    await expect(create({ spec: 'proton: [' })).rejects.toMatchObject({
      name: 'ValidationException', message: expect.stringMatching(/^The spec is not valid YAML: /),
    });
    await expect(fx.proton.send(new GetEnvironmentCommand({ name: 'dev' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  test('needs exactly one provisioning method', async () => {
    await expect(create({ protonServiceRoleArn: undefined })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/^Environment dev needs exactly one provisioning method, got none: pass protonServiceRoleArn/),
    });
    await expect(create({ codebuildRoleArn: 'arn:aws:iam::111111111111:role/cb' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/^Environment dev needs exactly one provisioning method, got protonServiceRoleArn, codebuildRoleArn/),
    });
    await expect(create({ protonServiceRoleArn: undefined, environmentAccountConnectionId: '0b7c4d6e-1111-2222-3333-444455556666' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: "environmentAccountConnectionId '0b7c4d6e-1111-2222-3333-444455556666' must be a CONNECTED environment account connection with management account 111111111111 for environment dev (no such connection).",
    });
  });

  test('an environment account connection provisions into the connected account', async () => {
    const envAccount = protonClient(fx.emu, { accountId: '222222222222', maxAttempts: 1 });
    try {
      const { environmentAccountConnection: eac } = await envAccount.send(new CreateEnvironmentAccountConnectionCommand({
        environmentName: 'dev', managementAccountId: '111111111111', roleArn: 'arn:aws:iam::222222222222:role/proton',
      }));
      await expect(create({ protonServiceRoleArn: undefined, environmentAccountConnectionId: eac!.id })).rejects.toMatchObject({
        name: 'ValidationException',
        message: `environmentAccountConnectionId '${eac!.id}' must be a CONNECTED environment account connection with management account 111111111111 `
          + 'for environment dev (it is PENDING, for environment dev).',
      });
      await fx.proton.send(new AcceptEnvironmentAccountConnectionCommand({ id: eac!.id }));
      const { environment } = await create({ protonServiceRoleArn: undefined, environmentAccountConnectionId: eac!.id });
      expect(environment).toMatchObject({ environmentAccountConnectionId: eac!.id, environmentAccountId: '222222222222' });
      expect(environment!.protonServiceRoleArn).toBeUndefined();
    } finally {
      envAccount.destroy();
    }
  });

  test('a template version in use by an environment cannot be deleted', async () => {
    await create();
    await expect(fx.proton.send(new DeleteEnvironmentTemplateVersionCommand({ templateName: 'base', majorVersion: '1', minorVersion: '0' }))).rejects.toMatchObject({
      name: 'ConflictException', message: expect.stringContaining('is used by environments'),
    });
  });

  test('refuses an unknown template and an unpublished version', async () => {
    await expect(create({ templateName: 'nope' })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(create({ templateMajorVersion: '2' })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  test('a customer-managed environment is SUCCEEDED at once with its spec as outputs', async () => {
    await publishEnvironmentTemplate(fx.proton, fx.emu, 'external', { customerManaged: true });
    const { environment } = await create({ templateName: 'external', protonServiceRoleArn: undefined, spec: envSpec({ VpcId: 'vpc-123' }) });
    expect(environment!.provisioning).toBe('CUSTOMER_MANAGED');
    expect(environment!.deploymentStatus).toBe('SUCCEEDED');
    expect(await outputs()).toEqual([{ key: 'VpcId', valueString: 'vpc-123' }]);
    expect((await fx.proton.send(new ListEnvironmentProvisionedResourcesCommand({ environmentName: 'dev' }))).provisionedResources).toEqual([]);
    await expect(create({ name: 'other', templateName: 'external', spec: envSpec({ VpcId: 'v' }) })).rejects.toMatchObject({
      name: 'ValidationException',
      message: "Environment template external is CUSTOMER_MANAGED: don't pass protonServiceRoleArn; the environment provisions nothing.",
    });
  });
});

describe('update', () => {
  beforeEach(async () => {
    await create();
    fx.emu.control.advance(DURATIONS.deploymentMs);
  });

  test('NONE changes metadata only, without a deployment', async () => {
    const before = await get();
    const { environment } = await fx.proton.send(new UpdateEnvironmentCommand({ name: 'dev', deploymentType: 'NONE', description: 'new' }));
    expect(environment!.description).toBe('new');
    expect(environment!.deploymentStatus).toBe('SUCCEEDED');
    expect(environment!.lastAttemptedDeploymentId).toBe(before.lastAttemptedDeploymentId);
    await expect(fx.proton.send(new UpdateEnvironmentCommand({ name: 'dev', deploymentType: 'NONE', spec: envSpec() }))).rejects.toMatchObject({
      name: 'ValidationException', message: expect.stringMatching(/^deploymentType NONE updates metadata only/),
    });
  });

  test('CURRENT_VERSION redeploys with the new spec and refuses version members', async () => {
    const before = await get();
    const { environment } = await fx.proton.send(new UpdateEnvironmentCommand({ name: 'dev', deploymentType: 'CURRENT_VERSION', spec: envSpec({ size: 5 }) }));
    expect(environment!.deploymentStatus).toBe('IN_PROGRESS');
    expect(environment!.spec).toBe(envSpec({ size: 5 }));
    expect(environment!.lastAttemptedDeploymentId).not.toBe(before.lastAttemptedDeploymentId);
    expect(environment!.lastSucceededDeploymentId).toBe(before.lastSucceededDeploymentId);
    await expect(fx.proton.send(new UpdateEnvironmentCommand({ name: 'dev', deploymentType: 'NONE', description: 'x' }))).rejects.toMatchObject({
      name: 'ConflictException',
      message: 'Environment dev has deploymentStatus IN_PROGRESS; wait until its current deployment finishes, then retry.',
    });
    fx.emu.control.advance(DURATIONS.deploymentMs);
    expect((await get()).lastSucceededDeploymentId).toBe(environment!.lastAttemptedDeploymentId);
    await expect(fx.proton.send(new UpdateEnvironmentCommand({ name: 'dev', deploymentType: 'CURRENT_VERSION', templateMinorVersion: '0' }))).rejects.toMatchObject({
      name: 'ValidationException', message: expect.stringMatching(/^deploymentType CURRENT_VERSION redeploys Environment dev on 1\.0: don't pass/),
    });
  });

  test('MINOR_VERSION moves to the recommended minor; MAJOR_VERSION needs a higher major', async () => {
    await publishEnvironmentTemplate(fx.proton, fx.emu, 'base', { existing: true, major: '1' });
    const minor = await fx.proton.send(new UpdateEnvironmentCommand({ name: 'dev', deploymentType: 'MINOR_VERSION' }));
    expect([minor.environment!.templateMajorVersion, minor.environment!.templateMinorVersion]).toEqual(['1', '1']);
    fx.emu.control.advance(DURATIONS.deploymentMs);
    await expect(fx.proton.send(new UpdateEnvironmentCommand({ name: 'dev', deploymentType: 'MAJOR_VERSION' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Template base has no published major version higher than 1, which Environment dev uses; publish one or use MINOR_VERSION.',
    });
    await expect(fx.proton.send(new UpdateEnvironmentCommand({ name: 'dev', deploymentType: 'MAJOR_VERSION', templateMajorVersion: '1' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: "deploymentType MAJOR_VERSION needs a templateMajorVersion higher than 1 (the one Environment dev uses), got '1'.",
    });
    await publishEnvironmentTemplate(fx.proton, fx.emu, 'base', { existing: true });
    const major = await fx.proton.send(new UpdateEnvironmentCommand({ name: 'dev', deploymentType: 'MAJOR_VERSION' }));
    expect([major.environment!.templateMajorVersion, major.environment!.templateMinorVersion]).toEqual(['2', '0']);
  });

  test('cancelling an update deployment ends CANCELLED and restores the previous spec', async () => {
    await fx.proton.send(new UpdateEnvironmentCommand({ name: 'dev', deploymentType: 'CURRENT_VERSION', spec: envSpec({ size: 7 }) }));
    const { environment } = await fx.proton.send(new CancelEnvironmentDeploymentCommand({ environmentName: 'dev' }));
    expect(environment!.deploymentStatus).toBe('CANCELLING');
    fx.emu.control.advance(DURATIONS.cancellationMs);
    const env = await get();
    expect(env.deploymentStatus).toBe('CANCELLED');
    expect(env.deploymentStatusMessage).toBe('User initiated cancellation.');
    expect(env.spec).toBe(envSpec({ size: 2 }));
    await expect(fx.proton.send(new CancelEnvironmentDeploymentCommand({ environmentName: 'dev' }))).rejects.toMatchObject({
      name: 'ConflictException', message: 'Environment dev has deploymentStatus CANCELLED; only an IN_PROGRESS deployment can be cancelled.',
    });
  });

  test('a deployment that completes before the cancellation keeps its result', async () => {
    fx.emu.control.setDurations({ cancellationMs: DURATIONS.deploymentMs * 2 });
    await fx.proton.send(new UpdateEnvironmentCommand({ name: 'dev', deploymentType: 'CURRENT_VERSION', spec: envSpec({ size: 7 }) }));
    await fx.proton.send(new CancelEnvironmentDeploymentCommand({ environmentName: 'dev' }));
    fx.emu.control.advance(DURATIONS.deploymentMs);
    expect((await get()).deploymentStatus).toBe('SUCCEEDED');
    fx.emu.control.advance(DURATIONS.deploymentMs);
    const env = await get();
    expect(env.deploymentStatus).toBe('SUCCEEDED');
    expect(env.spec).toBe(envSpec({ size: 7 }));
  });

  test('outputs of an earlier deployment stay listed by deploymentId', async () => {
    const first = (await get()).lastSucceededDeploymentId!;
    fx.emu.control.setOutputs('environment/dev', { VpcId: 'vpc-2' });
    await fx.proton.send(new UpdateEnvironmentCommand({ name: 'dev', deploymentType: 'CURRENT_VERSION' }));
    fx.emu.control.advance(DURATIONS.deploymentMs);
    expect(await outputs()).toEqual([
      { key: 'VpcId', valueString: 'vpc-2' },
      { key: 'ClusterName', valueString: 'dev-cluster' },
    ]);
    expect(await outputs(first)).toEqual([
      { key: 'VpcId', valueString: 'environment/dev/VpcId' },
      { key: 'ClusterName', valueString: 'dev-cluster' },
    ]);
    await expect(outputs('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: 'Deployment 00000000-0000-4000-8000-000000000000 of environment/dev not found.',
    });
  });

  test('cancelling the create deployment is refused', async () => {
    await create({ name: 'other' });
    await expect(fx.proton.send(new CancelEnvironmentDeploymentCommand({ environmentName: 'other' }))).rejects.toMatchObject({
      name: 'ConflictException', message: expect.stringMatching(/^Environment other is being created; only an update deployment can be cancelled/),
    });
  });
});

describe('delete', () => {
  test('is asynchronous and idempotent: detail while DELETE_IN_PROGRESS, {} afterwards, RNF for unknown names', async () => {
    await create();
    fx.emu.control.advance(DURATIONS.deploymentMs);
    const { environment } = await fx.proton.send(new DeleteEnvironmentCommand({ name: 'dev' }));
    expect(environment!.deploymentStatus).toBe('DELETE_IN_PROGRESS');
    const retry = await fx.proton.send(new DeleteEnvironmentCommand({ name: 'dev' }));
    expect(retry.environment!.deploymentStatus).toBe('DELETE_IN_PROGRESS');
    fx.emu.control.advance(DURATIONS.deletionMs);
    await expect(get()).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'Environment dev not found.' });
    const after = await fx.proton.send(new DeleteEnvironmentCommand({ name: 'dev' }));
    expect(after.environment).toBeUndefined();
    await expect(fx.proton.send(new DeleteEnvironmentCommand({ name: 'never' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  test('an injected deletion failure ends DELETE_FAILED, and a retry can delete', async () => {
    await create();
    fx.emu.control.advance(DURATIONS.deploymentMs);
    fx.emu.control.failNextDeletion('environment/dev', 'Stack deletion failed');
    await fx.proton.send(new DeleteEnvironmentCommand({ name: 'dev' }));
    fx.emu.control.advance(DURATIONS.deletionMs);
    const env = await get();
    expect([env.deploymentStatus, env.deploymentStatusMessage]).toEqual(['DELETE_FAILED', 'Stack deletion failed']);
    await fx.proton.send(new DeleteEnvironmentCommand({ name: 'dev' }));
    fx.emu.control.advance(DURATIONS.deletionMs);
    await expect(get()).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  test('is refused while the environment is deploying', async () => {
    await create();
    await expect(fx.proton.send(new DeleteEnvironmentCommand({ name: 'dev' }))).rejects.toMatchObject({ name: 'ConflictException' });
  });
});

test('ListEnvironments filters by template major version and paginates by name', async () => {
  await publishEnvironmentTemplate(fx.proton, fx.emu, 'other');
  for (const name of ['c', 'a', 'b']) await create({ name });
  await create({ name: 'z', templateName: 'other' });
  const page1 = await fx.proton.send(new ListEnvironmentsCommand({ maxResults: 2, environmentTemplates: [{ templateName: 'base', majorVersion: '1' }] }));
  expect(page1.environments!.map((e) => e.name)).toEqual(['a', 'b']);
  expect(page1.environments![0]).not.toHaveProperty('spec');
  const page2 = await fx.proton.send(new ListEnvironmentsCommand({ maxResults: 2, nextToken: page1.nextToken, environmentTemplates: [{ templateName: 'base', majorVersion: '1' }] }));
  expect(page2.environments!.map((e) => e.name)).toEqual(['c']);
  expect(page2.nextToken).toBeUndefined();
  expect((await fx.proton.send(new ListEnvironmentsCommand({}))).environments!.map((e) => e.name)).toEqual(['a', 'b', 'c', 'z']);
});
