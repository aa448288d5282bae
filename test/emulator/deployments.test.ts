import {
  CreateEnvironmentCommand, CreateRepositoryCommand, CreateServiceCommand, DeleteDeploymentCommand, DeleteEnvironmentCommand,
  GetDeploymentCommand, GetEnvironmentCommand, GetServiceCommand, ListDeploymentsCommand, ListEnvironmentOutputsCommand,
  ListServiceInstanceOutputsCommand,
  NotifyResourceDeploymentStatusChangeCommand, UpdateEnvironmentCommand,
} from '@aws-sdk/client-proton';
import {
  deployEnvironment, DURATIONS, envSpec, publishServiceTemplate, serviceSpec, deploymentEmulatorPerTest,
} from './deployment-fixtures';

const PREFIX = 'arn:aws:proton:us-east-1:111111111111';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

const fx = deploymentEmulatorPerTest();

const getEnv = async (name = 'dev') => (await fx.proton.send(new GetEnvironmentCommand({ name }))).environment!;
const getDeployment = async (id: string) => (await fx.proton.send(new GetDeploymentCommand({ id }))).deployment!;

describe('deployment records', () => {
  test('each deployment records its target, states and outcome', async () => {
    await deployEnvironment(fx.proton, fx.emu, 'dev', 'base');
    const created = await getEnv();
    await fx.proton.send(new UpdateEnvironmentCommand({ name: 'dev', deploymentType: 'CURRENT_VERSION', spec: envSpec({ size: 3 }) }));
    const updating = await getEnv();
    const deployment = await getDeployment(updating.lastAttemptedDeploymentId!);
    expect(deployment).toEqual({
      id: updating.lastAttemptedDeploymentId,
      arn: `${PREFIX}:deployment/${updating.lastAttemptedDeploymentId}`,
      targetArn: `${PREFIX}:environment/dev`,
      targetResourceType: 'ENVIRONMENT',
      targetResourceCreatedAt: created.createdAt,
      environmentName: 'dev',
      deploymentStatus: 'IN_PROGRESS',
      initialState: { environment: { spec: envSpec(), templateName: 'base', templateMajorVersion: '1', templateMinorVersion: '0' } },
      targetState: { environment: { spec: envSpec({ size: 3 }), templateName: 'base', templateMajorVersion: '1', templateMinorVersion: '0' } },
      lastAttemptedDeploymentId: created.lastAttemptedDeploymentId,
      lastSucceededDeploymentId: created.lastSucceededDeploymentId,
      createdAt: updating.lastDeploymentAttemptedAt,
      lastModifiedAt: updating.lastDeploymentAttemptedAt,
    });
    fx.emu.control.advance(DURATIONS.deploymentMs);
    const done = await getDeployment(deployment.id!);
    expect(done.deploymentStatus).toBe('SUCCEEDED');
    expect(done.completedAt).toEqual(new Date(deployment.createdAt!.getTime() + DURATIONS.deploymentMs));

    const first = await getDeployment(created.lastAttemptedDeploymentId!);
    expect(first.initialState).toBeUndefined();
    expect(first.deploymentStatus).toBe('SUCCEEDED');
    await expect(fx.proton.send(new GetDeploymentCommand({ id: first.id, environmentName: 'prod' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: `Deployment ${first.id} not found.`,
    });
    await expect(fx.proton.send(new GetDeploymentCommand({ id: first.id, serviceInstanceName: 'one' }))).rejects.toMatchObject({
      name: 'ValidationException', message: 'serviceInstanceName needs serviceName to identify the service instance.',
    });
  });

  test('ListDeployments lists newest first, filters by resource names and paginates', async () => {
    await publishServiceTemplate(fx.proton, fx.emu, 'web', 'base');
    await deployEnvironment(fx.proton, fx.emu, 'dev', 'base');
    await fx.proton.send(new CreateServiceCommand({
      name: 'api', templateName: 'web', templateMajorVersion: '1', spec: serviceSpec([{ name: 'one', environment: 'dev' }, { name: 'two', environment: 'dev' }]),
    }));
    fx.emu.control.advance(DURATIONS.deploymentMs);
    await fx.proton.send(new UpdateEnvironmentCommand({ name: 'dev', deploymentType: 'CURRENT_VERSION' }));
    const summary = (d: { targetResourceType?: string; serviceInstanceName?: string }) => `${d.targetResourceType}${d.serviceInstanceName ? `:${d.serviceInstanceName}` : ''}`;
    const all = (await fx.proton.send(new ListDeploymentsCommand({}))).deployments!;
    expect(all.map(summary)).toEqual(['ENVIRONMENT', 'SERVICE_INSTANCE:two', 'SERVICE_INSTANCE:one', 'ENVIRONMENT']);
    expect(all[0]).not.toHaveProperty('targetState');
    expect((await fx.proton.send(new ListDeploymentsCommand({ serviceName: 'api', serviceInstanceName: 'one' }))).deployments!.map(summary))
      .toEqual(['SERVICE_INSTANCE:one']);
    expect((await fx.proton.send(new ListDeploymentsCommand({ serviceName: 'api' }))).deployments!.length).toBe(2);
    expect((await fx.proton.send(new ListDeploymentsCommand({ componentName: 'none' }))).deployments).toEqual([]);
    const page = await fx.proton.send(new ListDeploymentsCommand({ environmentName: 'dev', maxResults: 3 }));
    expect(page.deployments!.map(summary)).toEqual(['ENVIRONMENT', 'SERVICE_INSTANCE:two', 'SERVICE_INSTANCE:one']);
    const rest = await fx.proton.send(new ListDeploymentsCommand({ environmentName: 'dev', maxResults: 3, nextToken: page.nextToken }));
    expect(rest.deployments!.map(summary)).toEqual(['ENVIRONMENT']);
    expect(rest.nextToken).toBeUndefined();
  });

  test('DeleteDeployment removes finished older deployments only; a retry answers {}', async () => {
    await deployEnvironment(fx.proton, fx.emu, 'dev', 'base');
    const first = (await getEnv()).lastAttemptedDeploymentId!;
    await expect(fx.proton.send(new DeleteDeploymentCommand({ id: first }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Deployment ${first} is the latest attempted or succeeded deployment of ${PREFIX}:environment/dev; only older deployments can be deleted.`,
    });
    await fx.proton.send(new UpdateEnvironmentCommand({ name: 'dev', deploymentType: 'CURRENT_VERSION' }));
    const second = (await getEnv()).lastAttemptedDeploymentId!;
    await expect(fx.proton.send(new DeleteDeploymentCommand({ id: second }))).rejects.toMatchObject({
      name: 'ValidationException', message: `Deployment ${second} is IN_PROGRESS; only finished deployments can be deleted.`,
    });
    fx.emu.control.advance(DURATIONS.deploymentMs);
    const { deployment } = await fx.proton.send(new DeleteDeploymentCommand({ id: first }));
    expect(deployment).toMatchObject({ id: first, deploymentStatus: 'SUCCEEDED' });
    await expect(getDeployment(first)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect((await fx.proton.send(new DeleteDeploymentCommand({ id: first }))).deployment).toBeUndefined();
    await expect(fx.proton.send(new DeleteDeploymentCommand({ id: UNKNOWN_ID }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: `Deployment ${UNKNOWN_ID} not found.`,
    });
  });

  test('a deletion is recorded too and ends DELETE_COMPLETE', async () => {
    await deployEnvironment(fx.proton, fx.emu, 'dev', 'base');
    await fx.proton.send(new DeleteEnvironmentCommand({ name: 'dev' }));
    const id = (await getEnv()).lastAttemptedDeploymentId!;
    expect((await getDeployment(id)).deploymentStatus).toBe('DELETE_IN_PROGRESS');
    fx.emu.control.advance(DURATIONS.deletionMs);
    const deletion = await getDeployment(id);
    expect(deletion.deploymentStatus).toBe('DELETE_COMPLETE');
    expect(deletion.targetState).toBeUndefined();
  });
});

describe('NotifyResourceDeploymentStatusChange (self-managed provisioning)', () => {
  const ENV_ARN = `${PREFIX}:environment/dev`;
  const notify = (input: Record<string, unknown>) =>
    fx.proton.send(new NotifyResourceDeploymentStatusChangeCommand({ resourceArn: ENV_ARN, ...input }));

  beforeEach(async () => {
    await fx.proton.send(new CreateRepositoryCommand({
      provider: 'GITHUB', name: 'acme/infra', connectionArn: 'arn:aws:codestar-connections:us-east-1:111111111111:connection/abc',
    }));
    await fx.proton.send(new CreateEnvironmentCommand({
      name: 'dev',
      templateName: 'base',
      templateMajorVersion: '1',
      spec: envSpec(),
      provisioningRepository: { provider: 'GITHUB', name: 'acme/infra', branch: 'main' },
    }));
  });

  test('the environment stays IN_PROGRESS until notified; SUCCEEDED carries the outputs', async () => {
    const env = await getEnv();
    expect(env.provisioningRepository).toEqual({
      arn: `${PREFIX}:repository/github:acme/infra`, provider: 'GITHUB', name: 'acme/infra', branch: 'main',
    });
    fx.emu.control.advance(DURATIONS.deploymentMs * 10);
    expect((await getEnv()).deploymentStatus).toBe('IN_PROGRESS');
    await notify({ status: 'IN_PROGRESS', deploymentId: env.lastAttemptedDeploymentId });
    expect((await getEnv()).deploymentStatus).toBe('IN_PROGRESS');
    await expect(notify({ status: 'SUCCEEDED', deploymentId: UNKNOWN_ID })).rejects.toMatchObject({
      name: 'ConflictException', message: `Deployment ${UNKNOWN_ID} is not the open deployment of ${ENV_ARN} (that is ${env.lastAttemptedDeploymentId}).`,
    });
    await notify({ status: 'SUCCEEDED', deploymentId: env.lastAttemptedDeploymentId, outputs: [{ key: 'VpcId', valueString: 'vpc-9' }] });
    expect(await getEnv()).toMatchObject({ deploymentStatus: 'SUCCEEDED', lastSucceededDeploymentId: env.lastAttemptedDeploymentId });
    expect((await fx.proton.send(new ListEnvironmentOutputsCommand({ environmentName: 'dev' }))).outputs).toEqual([{ key: 'VpcId', valueString: 'vpc-9' }]);
    await expect(notify({ status: 'SUCCEEDED' })).rejects.toMatchObject({
      name: 'ConflictException', message: `${ENV_ARN} has no deployment waiting for a status (deploymentStatus SUCCEEDED).`,
    });
  });

  test('FAILED carries the status message; a self-managed deletion also waits for the notification', async () => {
    await notify({ status: 'FAILED', statusMessage: 'terraform apply failed' });
    expect(await getEnv()).toMatchObject({ deploymentStatus: 'FAILED', deploymentStatusMessage: 'terraform apply failed' });
    await fx.proton.send(new DeleteEnvironmentCommand({ name: 'dev' }));
    fx.emu.control.advance(DURATIONS.deletionMs * 10);
    expect((await getEnv()).deploymentStatus).toBe('DELETE_IN_PROGRESS');
    await notify({ status: 'SUCCEEDED' });
    await expect(getEnv()).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  test('service instances in a self-managed environment are settled by notification too', async () => {
    await notify({ status: 'SUCCEEDED' });
    await publishServiceTemplate(fx.proton, fx.emu, 'web', 'base');
    await fx.proton.send(new CreateServiceCommand({ name: 'api', templateName: 'web', templateMajorVersion: '1', spec: serviceSpec([{ name: 'one', environment: 'dev' }]) }));
    fx.emu.control.advance(DURATIONS.deploymentMs * 10);
    const instanceArn = `${PREFIX}:service/api/service-instance/one`;
    expect((await fx.proton.send(new GetServiceCommand({ name: 'api' }))).service!.status).toBe('CREATE_IN_PROGRESS');
    await notify({ resourceArn: instanceArn, status: 'SUCCEEDED', outputs: [{ key: 'Url', valueString: 'https://api' }] });
    fx.emu.control.advance(DURATIONS.serviceMs);
    expect((await fx.proton.send(new GetServiceCommand({ name: 'api' }))).service!.status).toBe('ACTIVE');
    expect((await fx.proton.send(new ListServiceInstanceOutputsCommand({ serviceName: 'api', serviceInstanceName: 'one' }))).outputs)
      .toEqual([{ key: 'Url', valueString: 'https://api' }]);
  });

  test('refuses AWS-managed resources and unknown ARNs', async () => {
    await deployEnvironment(fx.proton, fx.emu, 'managed', 'base');
    await expect(notify({ resourceArn: `${PREFIX}:environment/managed`, status: 'SUCCEEDED' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: `${PREFIX}:environment/managed is provisioned by Proton, not self-managed: NotifyResourceDeploymentStatusChange is only for resources with a provisioning repository.`,
    });
    await expect(notify({ resourceArn: `${PREFIX}:environment/nope`, status: 'SUCCEEDED' })).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: `No environment, service instance, service pipeline or component has the ARN ${PREFIX}:environment/nope in this account and region.`,
    });
  });

  test('an unlinked provisioning repository is refused', async () => {
    await expect(fx.proton.send(new CreateEnvironmentCommand({
      name: 'other',
      templateName: 'base',
      templateMajorVersion: '1',
      spec: envSpec(),
      provisioningRepository: { provider: 'GITHUB', name: 'acme/unknown', branch: 'main' },
    }))).rejects.toMatchObject({
      name: 'ValidationException', message: 'provisioningRepository GITHUB:acme/unknown is not linked to Proton: create it with CreateRepository first.',
    });
  });
});
