import {
  CancelServiceInstanceDeploymentCommand, CancelServicePipelineDeploymentCommand, CreateEnvironmentCommand, CreateServiceCommand,
  CreateServiceInstanceCommand, DeleteServiceCommand, DeleteServiceTemplateVersionCommand, GetServiceCommand, GetServiceInstanceCommand,
  ListServiceInstanceOutputsCommand,
  ListServiceInstanceProvisionedResourcesCommand, ListServiceInstancesCommand, ListServicePipelineOutputsCommand, ListServicesCommand,
  ProtonClient, UpdateServiceCommand, UpdateServiceInstanceCommand, UpdateServicePipelineCommand, waitUntilServiceCreated,
  waitUntilServiceDeleted, waitUntilServiceInstanceDeployed, waitUntilServicePipelineDeployed, waitUntilServiceUpdated,
} from '@aws-sdk/client-proton';
import {
  advanceClockAfterEachCall, deployEnvironment, DURATIONS, envSpec, FAST_WAITER, InstanceSpec, publishEnvironmentTemplate,
  publishServiceTemplate, ROLE_ARN, serviceSpec, deploymentEmulatorPerTest,
} from './deployment-fixtures';
import { protonClient } from './helpers';

const PREFIX = 'arn:aws:proton:us-east-1:111111111111';
const DEPLOY_AND_SETTLE = DURATIONS.deploymentMs + DURATIONS.serviceMs;

const fx = deploymentEmulatorPerTest();

beforeEach(async () => {
  await publishServiceTemplate(fx.proton, fx.emu, 'web', 'base');
  await publishServiceTemplate(fx.proton, fx.emu, 'pipe', 'base', { pipeline: true });
  await deployEnvironment(fx.proton, fx.emu, 'dev', 'base');
  await deployEnvironment(fx.proton, fx.emu, 'prod', 'base');
});

const ONE: InstanceSpec = { name: 'one', environment: 'dev' };
const TWO: InstanceSpec = { name: 'two', environment: 'prod' };

const create = (overrides: Record<string, unknown> = {}) => fx.proton.send(new CreateServiceCommand({
  name: 'api', templateName: 'web', templateMajorVersion: '1', spec: serviceSpec([ONE]), ...overrides,
}));
const getService = async (name = 'api') => (await fx.proton.send(new GetServiceCommand({ name }))).service!;
const getInstance = async (name = 'one') => (await fx.proton.send(new GetServiceInstanceCommand({ serviceName: 'api', name }))).serviceInstance!;

/** Runs an SDK waiter with a client that advances the clock by `stepMs` after each poll. */
async function waitWith<T>(stepMs: number, wait: (client: ProtonClient) => Promise<T>): Promise<T> {
  const client = protonClient(fx.emu, { maxAttempts: 1 });
  advanceClockAfterEachCall(client, fx.emu, stepMs);
  try {
    return await wait(client);
  } finally {
    client.destroy();
  }
}

describe('CreateService', () => {
  test('deploys the instances, then the service becomes ACTIVE after serviceMs', async () => {
    const { service } = await create({ description: 'the api' });
    expect(service).toMatchObject({
      arn: `${PREFIX}:service/api`, name: 'api', description: 'the api', templateName: 'web', status: 'CREATE_IN_PROGRESS', spec: serviceSpec([ONE]),
    });
    expect(service!.pipeline).toBeUndefined();
    const instance = await getInstance();
    expect(instance).toMatchObject({
      arn: `${PREFIX}:service/api/service-instance/one`,
      serviceName: 'api',
      environmentName: 'dev',
      deploymentStatus: 'IN_PROGRESS',
      templateName: 'web',
      templateMajorVersion: '1',
      templateMinorVersion: '0',
      spec: serviceSpec([ONE]),
    });

    fx.emu.control.advance(DURATIONS.deploymentMs);
    expect((await getInstance()).deploymentStatus).toBe('SUCCEEDED');
    expect((await getService()).status).toBe('CREATE_IN_PROGRESS');
    fx.emu.control.advance(DURATIONS.serviceMs);
    expect((await getService()).status).toBe('ACTIVE');
    expect((await fx.proton.send(new ListServiceInstanceOutputsCommand({ serviceName: 'api', serviceInstanceName: 'one' }))).outputs).toEqual([
      { key: 'ServiceUrl', valueString: 'service/api/service-instance/one/ServiceUrl' },
    ]);
    expect((await fx.proton.send(new ListServiceInstanceProvisionedResourcesCommand({ serviceName: 'api', serviceInstanceName: 'one' })))
      .provisionedResources![0]).toMatchObject({ name: 'AWSProton-service-api-service-instance-one', provisioningEngine: 'CLOUDFORMATION' });
  });

  test('the SDK waiters ServiceCreated and ServiceInstanceDeployed see the create through', async () => {
    await create();
    const service = await waitWith(DURATIONS.deploymentMs / 2, (client) => waitUntilServiceCreated({ client, ...FAST_WAITER }, { name: 'api' }));
    expect(service.state).toBe('SUCCESS');
    expect((await getService()).status).toBe('ACTIVE');
    const instance = await waitUntilServiceInstanceDeployed({ client: fx.proton, ...FAST_WAITER }, { serviceName: 'api', name: 'one' });
    expect(instance.state).toBe('SUCCESS');
  });

  test('a template with a pipeline deploys it too, with its outputs; ServicePipelineDeployed waits for it', async () => {
    const spec = serviceSpec([ONE], { stage: 'test' });
    const { service } = await create({ templateName: 'pipe', spec, repositoryConnectionArn: 'arn:aws:codestar-connections:us-east-1:111111111111:connection/abc', repositoryId: 'acme/api', branchName: 'main' });
    expect(service!.pipeline).toMatchObject({ arn: `${PREFIX}:service/api/pipeline`, deploymentStatus: 'IN_PROGRESS', templateName: 'pipe', spec });
    const result = await waitWith(DURATIONS.deploymentMs / 2, (client) =>
      waitUntilServicePipelineDeployed({ client, ...FAST_WAITER }, { name: 'api' }));
    expect(result.state).toBe('SUCCESS');
    expect((await fx.proton.send(new ListServicePipelineOutputsCommand({ serviceName: 'api' }))).outputs).toEqual([
      { key: 'PipelineTopic', valueString: 'service/api/pipeline/PipelineTopic' },
    ]);
    fx.emu.control.advance(DURATIONS.serviceMs);
    expect(await getService()).toMatchObject({ status: 'ACTIVE', repositoryId: 'acme/api', branchName: 'main' });
  });

  test('an instance failure ends CREATE_FAILED_CLEANUP_COMPLETE, and ServiceCreated reports failure', async () => {
    fx.emu.control.failNextDeployment('service/api/service-instance/two', 'Parameter limit exceeded');
    await create({ spec: serviceSpec([ONE, TWO]) });
    fx.emu.control.advance(DURATIONS.deploymentMs);
    expect(await getService()).toMatchObject({ status: 'CREATE_FAILED_CLEANUP_IN_PROGRESS', statusMessage: 'instance two: Parameter limit exceeded' });
    expect(await getInstance('two')).toMatchObject({ deploymentStatus: 'FAILED', deploymentStatusMessage: 'Parameter limit exceeded' });
    expect((await getInstance('one')).deploymentStatus).toBe('SUCCEEDED');
    fx.emu.control.advance(DURATIONS.serviceMs);
    expect((await getService()).status).toBe('CREATE_FAILED_CLEANUP_COMPLETE');
    await expect(waitUntilServiceCreated({ client: fx.proton, ...FAST_WAITER }, { name: 'api' })).rejects.toThrow(/FAILURE/);
  });

  test('validates the spec: inputs by path, environments, compatibility, pipeline section, quota', async () => {
    const refused = (overrides: Record<string, unknown>) => expect(create(overrides)).rejects;
    await refused({ spec: 'proton: ServiceSpec\ninstances:\n  - name: one\n    environment: dev\n    spec:\n      port: 0\n' }).toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/^The spec is invalid for template web version 1\.0: instances\[0\]\.spec\.image is required by SvcInput and has no default; instances\[0\]\.spec\.port /),
    });
    await refused({ spec: serviceSpec([{ name: 'one', environment: 'nowhere' }]) }).toMatchObject({
      name: 'ValidationException', message: "The spec is invalid: instances[0].environment 'nowhere' is not an environment of this account; create it first.",
    });
    await refused({ spec: serviceSpec([]) }).toMatchObject({
      name: 'ValidationException', message: 'The spec is invalid: instances must list at least one service instance ({name, environment, spec}).',
    });
    await refused({ spec: serviceSpec([ONE, ONE]) }).toMatchObject({
      name: 'ValidationException', message: "The spec is invalid: instances[1].name 'one' is already used by instances[0].",
    });
    await refused({ spec: 'proton: ServiceSpec\ninstances:\n  - {name: one, environment: dev, region: eu}\nextra: 1\n' }).toMatchObject({
      name: 'ValidationException',
      message: 'The spec is invalid: extra is not allowed in a ServiceSpec (allowed keys: proton, instances, pipeline); '
        + 'instances[0].region is not allowed (allowed keys: name, environment, spec).',
    });
    await refused({ spec: serviceSpec([ONE], {}) }).toMatchObject({
      name: 'ValidationException', message: "The spec is invalid: Service template web version 1.0 has no pipeline; remove the 'pipeline:' section.",
    });
    await refused({ repositoryId: 'acme/api' }).toMatchObject({
      name: 'ValidationException', message: "Service template web version 1.0 has no pipeline: don't pass repositoryId.",
    });
    await refused({ templateName: 'pipe' }).toMatchObject({
      name: 'ValidationException',
      message: "The spec is invalid: Service template pipe version 1.0 has a pipeline, so the spec needs a 'pipeline:' section with its inputs.",
    });
    const many = Array.from({ length: 21 }, (_, i) => ({ name: `i${i}`, environment: 'dev' }));
    await refused({ spec: serviceSpec(many) }).toMatchObject({
      name: 'ServiceQuotaExceededException', message: 'The spec lists 21 service instances; a service can have at most 20.',
    });
    await publishEnvironmentTemplate(fx.proton, fx.emu, 'elsewhere');
    await deployEnvironment(fx.proton, fx.emu, 'other', 'elsewhere');
    await refused({ spec: serviceSpec([{ name: 'one', environment: 'other' }]) }).toMatchObject({
      name: 'ValidationException',
      message: "The spec is invalid: instances[0].environment 'other' uses environment template elsewhere major version 1, which service template web version 1.0 is not compatible with (compatibleEnvironmentTemplates: base:1).",
    });
    await expect(getService()).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'Service api not found.' });
  });

  test('an environment still being created is not a deployed environment', async () => {
    await fx.proton.send(new CreateEnvironmentCommand({ name: 'late', templateName: 'base', templateMajorVersion: '1', spec: envSpec(), protonServiceRoleArn: ROLE_ARN }));
    await expect(create({ spec: serviceSpec([{ name: 'one', environment: 'late' }]) })).rejects.toMatchObject({
      name: 'ValidationException',
      message: "The spec is invalid: instances[0].environment 'late' has not been deployed yet (deploymentStatus IN_PROGRESS); wait until it is SUCCEEDED.",
    });
  });

  test('is name-keyed idempotent', async () => {
    const first = await create();
    expect((await create()).service).toEqual(first.service);
    await expect(create({ description: 'other' })).rejects.toMatchObject({
      name: 'ValidationException', message: 'IdempotentParameterMismatch: The name of Service api was already used with different parameters.',
    });
    fx.emu.control.advance(DEPLOY_AND_SETTLE);
    await fx.proton.send(new UpdateServiceCommand({ name: 'api', description: 'changed' }));
    await expect(create()).rejects.toMatchObject({ name: 'ConflictException', message: 'Service api already exists and was modified since it was created.' });
  });
});

describe('UpdateService', () => {
  beforeEach(async () => {
    await create();
    fx.emu.control.advance(DEPLOY_AND_SETTLE);
  });

  test('a description-only update stays ACTIVE without deploying', async () => {
    const before = await getInstance();
    const { service } = await fx.proton.send(new UpdateServiceCommand({ name: 'api', description: 'v2' }));
    expect(service).toMatchObject({ status: 'ACTIVE', description: 'v2' });
    expect((await getInstance()).lastAttemptedDeploymentId).toBe(before.lastAttemptedDeploymentId);
  });

  test('adding and removing instances: UPDATE_IN_PROGRESS, then ACTIVE; ServiceUpdated waits for it', async () => {
    const { service } = await fx.proton.send(new UpdateServiceCommand({ name: 'api', spec: serviceSpec([ONE, TWO]) }));
    expect(service!.status).toBe('UPDATE_IN_PROGRESS');
    expect((await getInstance('two')).deploymentStatus).toBe('IN_PROGRESS');
    const result = await waitWith(DURATIONS.deploymentMs / 2, (client) => waitUntilServiceUpdated({ client, ...FAST_WAITER }, { name: 'api' }));
    expect(result.state).toBe('SUCCESS');
    expect((await getInstance('two')).deploymentStatus).toBe('SUCCEEDED');

    await fx.proton.send(new UpdateServiceCommand({ name: 'api', spec: serviceSpec([TWO]) }));
    expect((await getInstance('one')).deploymentStatus).toBe('DELETE_IN_PROGRESS');
    fx.emu.control.advance(DURATIONS.deletionMs);
    await expect(getInstance('one')).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'Service instance one of service api not found.' });
    fx.emu.control.advance(DURATIONS.serviceMs);
    expect(await getService()).toMatchObject({ status: 'ACTIVE', spec: serviceSpec([TWO]) });
  });

  test('refuses edits of existing instances, removing every instance, and updates while in progress', async () => {
    await expect(fx.proton.send(new UpdateServiceCommand({ name: 'api', spec: serviceSpec([{ ...ONE, port: 8080 }]) }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'The spec is invalid: instances[0] changes the existing service instance one; UpdateService only adds or removes instances, use UpdateServiceInstance to change one.',
    });
    await expect(fx.proton.send(new UpdateServiceCommand({ name: 'api', spec: serviceSpec([]) }))).rejects.toMatchObject({
      name: 'ValidationException', message: 'The spec is invalid: service api must keep at least one service instance.',
    });
    await fx.proton.send(new UpdateServiceCommand({ name: 'api', spec: serviceSpec([ONE, TWO]) }));
    await expect(fx.proton.send(new UpdateServiceCommand({ name: 'api', description: 'x' }))).rejects.toMatchObject({
      name: 'ConflictException', message: 'Service api has status UPDATE_IN_PROGRESS; wait until it finishes, then retry.',
    });
  });

  test('a failed new instance ends UPDATE_FAILED_CLEANUP_COMPLETE: it is removed and the spec reverted', async () => {
    fx.emu.control.failNextDeployment('service/api/service-instance/two', 'boom');
    await fx.proton.send(new UpdateServiceCommand({ name: 'api', spec: serviceSpec([ONE, TWO]) }));
    fx.emu.control.advance(DURATIONS.deploymentMs);
    expect(await getService()).toMatchObject({ status: 'UPDATE_FAILED_CLEANUP_IN_PROGRESS', statusMessage: 'instance two: boom' });
    fx.emu.control.advance(DURATIONS.serviceMs);
    expect(await getService()).toMatchObject({ status: 'UPDATE_FAILED_CLEANUP_COMPLETE', spec: serviceSpec([ONE]) });
    await expect(getInstance('two')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(waitUntilServiceUpdated({ client: fx.proton, ...FAST_WAITER }, { name: 'api' })).rejects.toThrow(/FAILURE/);
  });

  test('a failed removal ends UPDATE_COMPLETE_CLEANUP_FAILED with the instance DELETE_FAILED', async () => {
    await fx.proton.send(new UpdateServiceCommand({ name: 'api', spec: serviceSpec([ONE, TWO]) }));
    fx.emu.control.advance(DEPLOY_AND_SETTLE);
    fx.emu.control.failNextDeletion('service/api/service-instance/one', 'stack busy');
    await fx.proton.send(new UpdateServiceCommand({ name: 'api', spec: serviceSpec([TWO]) }));
    fx.emu.control.advance(DURATIONS.deletionMs + DURATIONS.serviceMs);
    expect(await getService()).toMatchObject({ status: 'UPDATE_COMPLETE_CLEANUP_FAILED', statusMessage: 'instance one: stack busy' });
    expect(await getInstance('one')).toMatchObject({ deploymentStatus: 'DELETE_FAILED', deploymentStatusMessage: 'stack busy' });
  });
});

describe('DeleteService', () => {
  test('deletes instances and pipeline asynchronously; idempotent; ServiceDeleted succeeds on RNF', async () => {
    await create({ templateName: 'pipe', spec: serviceSpec([ONE, TWO], {}) });
    fx.emu.control.advance(DEPLOY_AND_SETTLE);
    const { service } = await fx.proton.send(new DeleteServiceCommand({ name: 'api' }));
    expect(service!.status).toBe('DELETE_IN_PROGRESS');
    expect(service!.pipeline!.deploymentStatus).toBe('DELETE_IN_PROGRESS');
    expect((await getInstance('two')).deploymentStatus).toBe('DELETE_IN_PROGRESS');
    expect((await fx.proton.send(new DeleteServiceCommand({ name: 'api' }))).service!.status).toBe('DELETE_IN_PROGRESS');
    const result = await waitWith(DURATIONS.deletionMs, (client) => waitUntilServiceDeleted({ client, ...FAST_WAITER }, { name: 'api' }));
    expect(result.state).toBe('SUCCESS');
    expect((await fx.proton.send(new DeleteServiceCommand({ name: 'api' }))).service).toBeUndefined();
    await expect(fx.proton.send(new DeleteServiceCommand({ name: 'never' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'Service never not found.' });
  });

  test('a failed instance deletion ends DELETE_FAILED', async () => {
    await create();
    fx.emu.control.advance(DEPLOY_AND_SETTLE);
    fx.emu.control.failNextDeletion('service/api/service-instance/one', 'cannot delete');
    await fx.proton.send(new DeleteServiceCommand({ name: 'api' }));
    fx.emu.control.advance(DURATIONS.deletionMs);
    expect(await getService()).toMatchObject({ status: 'DELETE_FAILED', statusMessage: 'instance one: cannot delete' });
    await expect(waitUntilServiceDeleted({ client: fx.proton, ...FAST_WAITER }, { name: 'api' })).rejects.toThrow(/FAILURE/);
  });
});

describe('service instances', () => {
  beforeEach(async () => {
    await create();
    fx.emu.control.advance(DEPLOY_AND_SETTLE);
  });

  const createInstance = (clientToken: string, spec = serviceSpec([TWO])) =>
    fx.proton.send(new CreateServiceInstanceCommand({ serviceName: 'api', name: 'two', spec, clientToken }));

  test('CreateServiceInstance adds one instance; the client token makes it idempotent', async () => {
    const { serviceInstance } = await createInstance('token-1');
    expect(serviceInstance).toMatchObject({ name: 'two', environmentName: 'prod', deploymentStatus: 'IN_PROGRESS', lastClientRequestToken: 'token-1' });
    const again = await createInstance('token-1');
    expect(again.serviceInstance!.lastAttemptedDeploymentId).toBe(serviceInstance!.lastAttemptedDeploymentId);
    await expect(createInstance('token-1', serviceSpec([{ ...TWO, image: 'other' }]))).rejects.toMatchObject({
      name: 'ValidationException', message: "IdempotentParameterMismatch: The client token 'token-1' was already used with different parameters.",
    });
    await expect(createInstance('token-2')).rejects.toMatchObject({ name: 'ConflictException', message: 'Service api already has an instance named two.' });
    await expect(fx.proton.send(new CreateServiceInstanceCommand({ serviceName: 'api', name: 'three', spec: serviceSpec([TWO]) }))).rejects.toMatchObject({
      name: 'ValidationException', message: 'The spec is invalid: it has no entry for service instance three under instances (two).',
    });
    fx.emu.control.advance(DURATIONS.deploymentMs);
    expect((await getInstance('two')).deploymentStatus).toBe('SUCCEEDED');
  });

  test('UpdateServiceInstance deploys a new spec (client-token idempotent) and can be cancelled', async () => {
    const spec = serviceSpec([{ ...ONE, port: 8080 }]);
    const update = (clientToken: string, s = spec) =>
      fx.proton.send(new UpdateServiceInstanceCommand({ serviceName: 'api', name: 'one', deploymentType: 'CURRENT_VERSION', spec: s, clientToken }));
    const { serviceInstance } = await update('u-1');
    expect(serviceInstance).toMatchObject({ deploymentStatus: 'IN_PROGRESS', spec, lastClientRequestToken: 'u-1' });
    expect((await update('u-1')).serviceInstance!.lastAttemptedDeploymentId).toBe(serviceInstance!.lastAttemptedDeploymentId);
    await expect(update('u-2')).rejects.toMatchObject({
      name: 'ConflictException', message: 'Service instance one of service api has deploymentStatus IN_PROGRESS; wait until its current deployment finishes, then retry.',
    });
    const cancelled = await fx.proton.send(new CancelServiceInstanceDeploymentCommand({ serviceName: 'api', serviceInstanceName: 'one' }));
    expect(cancelled.serviceInstance!.deploymentStatus).toBe('CANCELLING');
    fx.emu.control.advance(DURATIONS.cancellationMs);
    expect(await getInstance()).toMatchObject({ deploymentStatus: 'CANCELLED', deploymentStatusMessage: 'User initiated cancellation.', spec: serviceSpec([ONE]) });
    await expect(update('u-3', serviceSpec([{ ...ONE, port: 70000 }]))).rejects.toMatchObject({
      name: 'ValidationException', message: expect.stringMatching(/^The spec is invalid for template web version 1\.0: instances\[0\]\.spec\.port /),
    });
    await expect(update('u-4', serviceSpec([{ ...ONE, environment: 'prod' }]))).rejects.toMatchObject({
      name: 'ValidationException', message: "The spec is invalid: instances[0].environment must stay 'dev'; a service instance can't move to another environment.",
    });
  });

  test('MINOR_VERSION moves an instance to the recommended minor; versions in use cannot be deleted', async () => {
    await publishServiceTemplate(fx.proton, fx.emu, 'web', 'base', { existing: true, major: '1' });
    const deleteVersion = (minorVersion: string) =>
      fx.proton.send(new DeleteServiceTemplateVersionCommand({ templateName: 'web', majorVersion: '1', minorVersion }));
    await expect(deleteVersion('0')).rejects.toMatchObject({ name: 'ConflictException', message: expect.stringContaining('is used by service instances or service pipelines') });
    const { serviceInstance } = await fx.proton.send(new UpdateServiceInstanceCommand({ serviceName: 'api', name: 'one', deploymentType: 'MINOR_VERSION' }));
    expect([serviceInstance!.templateMajorVersion, serviceInstance!.templateMinorVersion]).toEqual(['1', '1']);
    fx.emu.control.advance(DURATIONS.deploymentMs);
    await deleteVersion('0');
    await expect(deleteVersion('1')).rejects.toMatchObject({ name: 'ConflictException', message: expect.stringContaining('is used by service instances or service pipelines') });
  });

  test('ListServiceInstances filters, sorts and paginates', async () => {
    await createInstance('t');
    fx.emu.control.advance(DURATIONS.deploymentMs);
    await create({ name: 'batch', spec: serviceSpec([TWO]) });
    const list = async (input: Record<string, unknown>) =>
      (await fx.proton.send(new ListServiceInstancesCommand(input))).serviceInstances!.map((i) => `${i.serviceName}/${i.name}`);
    expect(await list({})).toEqual(['api/one', 'api/two', 'batch/two']);
    expect(await list({ sortBy: 'environmentName', sortOrder: 'DESCENDING' })).toEqual(['batch/two', 'api/two', 'api/one']);
    expect(await list({ serviceName: 'api' })).toEqual(['api/one', 'api/two']);
    expect(await list({ filters: [{ key: 'deploymentStatus', value: 'IN_PROGRESS' }] })).toEqual(['batch/two']);
    expect(await list({ filters: [{ key: 'environmentName', value: 'prod' }, { key: 'name', value: 'two' }] })).toEqual(['api/two', 'batch/two']);
    expect(await list({ filters: [{ key: 'createdAtAfter', value: '2026-01-01T00:00:30Z' }] })).toEqual(['api/two', 'batch/two']);
    expect(await list({ filters: [{ key: 'deployedTemplateVersionStatus', value: 'UP_TO_DATE' }] })).toEqual(['api/one', 'api/two', 'batch/two']);
    const page = await fx.proton.send(new ListServiceInstancesCommand({ maxResults: 2 }));
    expect(page.serviceInstances!.map((i) => i.name)).toEqual(['one', 'two']);
    const rest = await fx.proton.send(new ListServiceInstancesCommand({ maxResults: 2, nextToken: page.nextToken }));
    expect(rest.serviceInstances!.map((i) => `${i.serviceName}/${i.name}`)).toEqual(['batch/two']);
    await expect(list({ filters: [{ key: 'createdAtBefore', value: 'yesterday' }] })).rejects.toMatchObject({
      name: 'ValidationException', message: "The value 'yesterday' of filter createdAtBefore is not an RFC 3339 timestamp (e.g. 2026-01-31T12:00:00Z).",
    });
    expect((await fx.proton.send(new ListServicesCommand({}))).services!.map((s) => [s.name, s.status])).toEqual([['api', 'ACTIVE'], ['batch', 'CREATE_IN_PROGRESS']]);
  });
});

describe('service pipeline', () => {
  beforeEach(async () => {
    await create({ templateName: 'pipe', spec: serviceSpec([ONE], { stage: 'build' }) });
    fx.emu.control.advance(DEPLOY_AND_SETTLE);
  });

  test('UpdateServicePipeline redeploys with the pipeline spec; a cancel restores it', async () => {
    const spec = serviceSpec([ONE], { stage: 'release' });
    const { pipeline } = await fx.proton.send(new UpdateServicePipelineCommand({ serviceName: 'api', deploymentType: 'CURRENT_VERSION', spec }));
    expect(pipeline).toMatchObject({ deploymentStatus: 'IN_PROGRESS', spec });
    await fx.proton.send(new CancelServicePipelineDeploymentCommand({ serviceName: 'api' }));
    fx.emu.control.advance(DURATIONS.cancellationMs);
    expect((await getService()).pipeline).toMatchObject({ deploymentStatus: 'CANCELLED', spec: serviceSpec([ONE], { stage: 'build' }) });
    await fx.proton.send(new UpdateServicePipelineCommand({ serviceName: 'api', deploymentType: 'CURRENT_VERSION', spec }));
    fx.emu.control.advance(DURATIONS.deploymentMs);
    expect((await getService()).pipeline).toMatchObject({ deploymentStatus: 'SUCCEEDED', spec });
  });

  test('UpdateService cannot change the pipeline inputs', async () => {
    await expect(fx.proton.send(new UpdateServiceCommand({ name: 'api', spec: serviceSpec([ONE, TWO], { stage: 'x' }) }))).rejects.toMatchObject({
      name: 'ValidationException', message: "The spec is invalid: UpdateService can't change the pipeline's inputs of service api; use UpdateServicePipeline.",
    });
  });

  test('a service without a pipeline has none to update', async () => {
    await create({ name: 'plain' });
    await expect(fx.proton.send(new UpdateServicePipelineCommand({ serviceName: 'plain', deploymentType: 'CURRENT_VERSION', spec: serviceSpec([ONE]) })))
      .rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'Service plain has no pipeline (its template version has no pipeline_infrastructure).' });
  });
});
