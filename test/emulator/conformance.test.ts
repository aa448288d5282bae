/**
 * Acceptance tour: one emulator, the real SDK, every one of the model's operations called at least
 * once on its happy path and at least once with an error the model declares for it. A client
 * middleware records what each call ended with, so the final test proves completeness against the
 * model instead of trusting this script.
 */
import {
  AcceptEnvironmentAccountConnectionCommand, CancelComponentDeploymentCommand, CancelEnvironmentDeploymentCommand,
  CancelServiceInstanceDeploymentCommand, CancelServicePipelineDeploymentCommand, CreateComponentCommand, CreateEnvironmentAccountConnectionCommand,
  CreateEnvironmentCommand, CreateEnvironmentTemplateCommand, CreateEnvironmentTemplateVersionCommand, CreateRepositoryCommand,
  CreateServiceCommand, CreateServiceInstanceCommand, CreateServiceSyncConfigCommand, CreateServiceTemplateCommand,
  CreateServiceTemplateVersionCommand, CreateTemplateSyncConfigCommand, DeleteComponentCommand, DeleteDeploymentCommand,
  DeleteEnvironmentAccountConnectionCommand, DeleteEnvironmentCommand, DeleteEnvironmentTemplateCommand, DeleteEnvironmentTemplateVersionCommand,
  DeleteRepositoryCommand, DeleteServiceCommand, DeleteServiceSyncConfigCommand, DeleteServiceTemplateCommand,
  DeleteServiceTemplateVersionCommand, DeleteTemplateSyncConfigCommand, GetAccountSettingsCommand, GetComponentCommand,
  GetDeploymentCommand, GetEnvironmentAccountConnectionCommand, GetEnvironmentCommand, GetEnvironmentTemplateCommand,
  GetEnvironmentTemplateVersionCommand, GetRepositoryCommand, GetRepositorySyncStatusCommand, GetResourcesSummaryCommand,
  GetServiceCommand, GetServiceInstanceCommand, GetServiceInstanceSyncStatusCommand, GetServiceSyncBlockerSummaryCommand,
  GetServiceSyncConfigCommand, GetServiceTemplateCommand, GetServiceTemplateVersionCommand, GetTemplateSyncConfigCommand,
  GetTemplateSyncStatusCommand, ListComponentOutputsCommand, ListComponentProvisionedResourcesCommand, ListComponentsCommand,
  ListDeploymentsCommand, ListEnvironmentAccountConnectionsCommand, ListEnvironmentOutputsCommand,
  ListEnvironmentProvisionedResourcesCommand, ListEnvironmentsCommand, ListEnvironmentTemplatesCommand,
  ListEnvironmentTemplateVersionsCommand, ListRepositoriesCommand, ListRepositorySyncDefinitionsCommand,
  ListServiceInstanceOutputsCommand, ListServiceInstanceProvisionedResourcesCommand, ListServiceInstancesCommand,
  ListServicePipelineOutputsCommand, ListServicePipelineProvisionedResourcesCommand, ListServicesCommand,
  ListServiceTemplatesCommand, ListServiceTemplateVersionsCommand, ListTagsForResourceCommand,
  NotifyResourceDeploymentStatusChangeCommand, paginateListComponentOutputs, paginateListComponentProvisionedResources,
  paginateListComponents, paginateListDeployments, paginateListEnvironmentAccountConnections, paginateListEnvironmentOutputs,
  paginateListEnvironmentProvisionedResources, paginateListEnvironments, paginateListEnvironmentTemplates,
  paginateListEnvironmentTemplateVersions, paginateListRepositories, paginateListRepositorySyncDefinitions,
  paginateListServiceInstanceOutputs, paginateListServiceInstanceProvisionedResources, paginateListServiceInstances,
  paginateListServicePipelineOutputs, paginateListServicePipelineProvisionedResources, paginateListServices,
  paginateListServiceTemplates, paginateListServiceTemplateVersions,
  paginateListTagsForResource, ProtonClient, ProtonServiceException, RejectEnvironmentAccountConnectionCommand, TagResourceCommand,
  UntagResourceCommand, UpdateAccountSettingsCommand, UpdateComponentCommand, UpdateEnvironmentAccountConnectionCommand,
  UpdateEnvironmentCommand, UpdateEnvironmentTemplateCommand, UpdateEnvironmentTemplateVersionCommand, UpdateServiceCommand,
  UpdateServiceInstanceCommand, UpdateServicePipelineCommand, UpdateServiceSyncBlockerCommand, UpdateServiceSyncConfigCommand,
  UpdateServiceTemplateCommand, UpdateServiceTemplateVersionCommand, UpdateTemplateSyncConfigCommand, waitUntilComponentDeleted,
  waitUntilComponentDeployed, waitUntilEnvironmentDeployed, waitUntilEnvironmentTemplateVersionRegistered, waitUntilServiceCreated,
  waitUntilServiceDeleted, waitUntilServiceInstanceDeployed, waitUntilServicePipelineDeployed, waitUntilServiceTemplateVersionRegistered,
  waitUntilServiceUpdated,
} from '@aws-sdk/client-proton';
import {
  advanceClockAfterEachCall, BUCKET, COMPONENT_ROLE_ARN, DURATIONS, ENV_FILES, envSpec, FAST_WAITER, publishServiceTemplate, ROLE_ARN,
  serviceSpec,
} from './deployment-fixtures';
import { CFN_MANIFEST, protonClient, uploadBundle } from './helpers';
import { startEmulator, type Emulator } from '../../local/emulator';
import { MODEL, OPERATION_NAMES } from '../../local/emulator/core/model';

const MANAGEMENT = '111111111111';
const ENVIRONMENT_ACCOUNT = '222222222222';
const ARN = `arn:aws:proton:us-east-1:${MANAGEMENT}`;
const ENV_ACCOUNT_ROLE = `arn:aws:iam::${ENVIRONMENT_ACCOUNT}:role/proton-env`;
const CONNECTION_ARN = `arn:aws:codestar-connections:us-east-1:${MANAGEMENT}:connection/abc`;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
/** A well-formed token (base64 of text) that no list operation handed out. */
const FOREIGN_TOKEN = Buffer.from('not-an-offset').toString('base64');
const INFRA_REPO = { provider: 'GITHUB' as const, name: 'acme/infra' };
const TEMPLATES_REPO = { provider: 'GITHUB' as const, name: 'acme/templates' };
const COMPONENT_TEMPLATE = `Resources:
  Queue:
    Type: AWS::SQS::Queue
Outputs:
  QueueUrl:
    Value: !Ref Queue
`;

const SUCCESS = 'success';
/** Operation -> outcomes seen by the clients' middleware ('success' or the error's name). */
const outcomes = new Map<string, Set<string>>();

/** Records the outcome of every call `client` makes (waiters' and paginators' calls included). */
function recordOutcomes(client: ProtonClient): ProtonClient {
  client.middlewareStack.add((next, context) => async (args) => {
    const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
    const seen = outcomes.get(operation) ?? new Set<string>();
    outcomes.set(operation, seen);
    try {
      const result = await next(args);
      seen.add(SUCCESS);
      return result;
    } catch (e) {
      seen.add(e instanceof ProtonServiceException ? e.name : `non-service error ${(e as Error).name}`);
      throw e;
    }
  }, { step: 'initialize', name: 'recordConformanceOutcome' });
  return client;
}

let emu: Emulator;
/** The management account (the emulator's default account), without retries. */
let proton: ProtonClient;
/** The environment account of the environment account connections. */
let environmentAccount: ProtonClient;
const extraClients: ProtonClient[] = [];

beforeAll(async () => {
  emu = await startEmulator({ clock: 'manual', strict: true, durations: DURATIONS });
  proton = recordOutcomes(protonClient(emu, { maxAttempts: 1 }));
  environmentAccount = recordOutcomes(protonClient(emu, { accountId: ENVIRONMENT_ACCOUNT, maxAttempts: 1 }));
});

afterAll(async () => {
  for (const client of [proton, environmentAccount, ...extraClients]) client?.destroy();
  await emu?.stop();
});

/** A recorded client that advances the virtual clock by `stepMs` after each response (for waiters). */
function waiterClient(stepMs: number): ProtonClient {
  const client = recordOutcomes(protonClient(emu, { maxAttempts: 1 }));
  advanceClockAfterEachCall(client, emu, stepMs);
  extraClients.push(client);
  return client;
}

/** Asserts that `call` fails with the modelled error `type` and the message `message` (exact, or matching). */
async function refused(call: Promise<unknown>, type: string, message: string | RegExp): Promise<void> {
  const error = await call.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ProtonServiceException);
  expect((error as ProtonServiceException).name).toBe(type);
  if (typeof message === 'string') expect((error as Error).message).toBe(message);
  else expect((error as Error).message).toMatch(message);
}

/** Every item of every page, and the page count. */
async function collect<T, P>(pages: AsyncIterable<P>, items: (page: P) => T[] | undefined): Promise<{ items: T[]; pages: number }> {
  const all: T[] = [];
  let count = 0;
  for await (const page of pages) {
    count += 1;
    all.push(...items(page) ?? []);
  }
  return { items: all, pages: count };
}

/** The CloudFormation stack the emulator reports as the one provisioned resource of `targetKey`. */
function stackOf(targetKey: string) {
  const name = `AWSProton-${targetKey.replace(/\//g, '-')}`;
  return {
    name,
    provisioningEngine: 'CLOUDFORMATION',
    identifier: expect.stringMatching(new RegExp(`^arn:aws:cloudformation:us-east-1:${MANAGEMENT}:stack/${name}/[0-9a-f-]{36}$`)),
  };
}

const invalidToken = `The nextToken '${FOREIGN_TOKEN}' is not valid: pass the nextToken returned by the previous call of this operation.`;

/** Shared by the steps of the tour. */
const ids = { remoteConnection: '', declinedConnection: '', stagingFirstDeployment: '', stagingLatestDeployment: '', blocker: '' };

describe('conformance tour over all Proton operations', () => {
  test('environment templates and versions', async () => {
    const { environmentTemplate } = await proton.send(new CreateEnvironmentTemplateCommand({ name: 'base', description: 'base env' }));
    expect(environmentTemplate).toMatchObject({ name: 'base', arn: `${ARN}:environment-template/base`, description: 'base env' });
    await refused(proton.send(new CreateEnvironmentTemplateCommand({ name: 'base', description: 'another' })), 'ValidationException',
      'IdempotentParameterMismatch: The name of environment template \'base\' was already used with different parameters.');
    await proton.send(new CreateEnvironmentTemplateCommand({ name: 'spare' }));

    const source = await uploadBundle(emu, BUCKET, 'base-1.tar.gz', ENV_FILES);
    const created = await proton.send(new CreateEnvironmentTemplateVersionCommand({ templateName: 'base', source: { s3: source } }));
    expect(created.environmentTemplateVersion).toMatchObject({ majorVersion: '1', minorVersion: '0', status: 'REGISTRATION_IN_PROGRESS' });
    await refused(proton.send(new CreateEnvironmentTemplateVersionCommand({ templateName: 'missing', source: { s3: source } })),
      'ResourceNotFoundException', /^The environment template 'missing' does not exist/);

    const registered = await waitUntilEnvironmentTemplateVersionRegistered(
      { client: waiterClient(DURATIONS.registrationMs), ...FAST_WAITER }, { templateName: 'base', majorVersion: '1', minorVersion: '0' });
    expect(registered.state).toBe('SUCCESS');
    const { environmentTemplateVersion: draft } = await proton.send(new GetEnvironmentTemplateVersionCommand({
      templateName: 'base', majorVersion: '1', minorVersion: '0',
    }));
    expect(draft).toMatchObject({ status: 'DRAFT', arn: `${ARN}:environment-template/base:1.0` });
    await refused(proton.send(new GetEnvironmentTemplateVersionCommand({ templateName: 'base', majorVersion: '1', minorVersion: '9' })),
      'ResourceNotFoundException', 'The environment template \'base\' version 1.9 does not exist.');

    const published = await proton.send(new UpdateEnvironmentTemplateVersionCommand({
      templateName: 'base', majorVersion: '1', minorVersion: '0', status: 'PUBLISHED',
    }));
    expect(published.environmentTemplateVersion).toMatchObject({ status: 'PUBLISHED', recommendedMinorVersion: '0' });
    await refused(proton.send(new UpdateEnvironmentTemplateVersionCommand({ templateName: 'base', majorVersion: '1', minorVersion: '0', status: 'DRAFT' })),
      'ValidationException', /^Cannot change the status of the environment template 'base' version 1\.0 from PUBLISHED to DRAFT: /);

    expect((await proton.send(new GetEnvironmentTemplateCommand({ name: 'base' }))).environmentTemplate).toMatchObject({ recommendedVersion: '1.0' });
    await refused(proton.send(new GetEnvironmentTemplateCommand({ name: 'missing' })), 'ResourceNotFoundException',
      'The environment template \'missing\' does not exist.');
    const updated = await proton.send(new UpdateEnvironmentTemplateCommand({ name: 'base', displayName: 'Base' }));
    expect(updated.environmentTemplate).toMatchObject({ name: 'base', displayName: 'Base' });
    await refused(proton.send(new UpdateEnvironmentTemplateCommand({ name: 'missing', displayName: 'x' })), 'ResourceNotFoundException',
      'The environment template \'missing\' does not exist.');

    const templates = await collect(paginateListEnvironmentTemplates({ client: proton, pageSize: 1 }, {}), (p) => p.templates);
    expect(templates).toEqual({ pages: 2, items: [expect.objectContaining({ name: 'base' }), expect.objectContaining({ name: 'spare' })] });
    await refused(proton.send(new ListEnvironmentTemplatesCommand({ nextToken: FOREIGN_TOKEN })), 'ValidationException', invalidToken);
    const versions = await collect(paginateListEnvironmentTemplateVersions({ client: proton }, { templateName: 'base' }), (p) => p.templateVersions);
    expect(versions.items.map((v) => `${v.majorVersion}.${v.minorVersion}:${v.status}`)).toEqual(['1.0:PUBLISHED']);
    await refused(proton.send(new ListEnvironmentTemplateVersionsCommand({ templateName: 'missing' })), 'ResourceNotFoundException',
      /^The environment template 'missing' does not exist/);

    await refused(proton.send(new DeleteEnvironmentTemplateCommand({ name: 'base' })), 'ConflictException',
      /^The environment template 'base' still has versions \(1\.0\); delete them first/);
  });

  test('service templates and versions', async () => {
    await publishServiceTemplate(proton, emu, 'web', 'base', { components: true });
    await publishServiceTemplate(proton, emu, 'pipe', 'base', { pipeline: true });
    await refused(proton.send(new CreateServiceTemplateCommand({ name: 'web', description: 'another' })), 'ValidationException',
      'IdempotentParameterMismatch: The name of service template \'web\' was already used with different parameters.');
    const source = await uploadBundle(emu, BUCKET, 'orphan.tar.gz', ENV_FILES);
    await refused(proton.send(new CreateServiceTemplateVersionCommand({
      templateName: 'missing', source: { s3: source }, compatibleEnvironmentTemplates: [{ templateName: 'base', majorVersion: '1' }],
    })), 'ResourceNotFoundException', /^The service template 'missing' does not exist/);

    const registered = await waitUntilServiceTemplateVersionRegistered(
      { client: proton, ...FAST_WAITER }, { templateName: 'web', majorVersion: '1', minorVersion: '0' });
    expect(registered.state).toBe('SUCCESS');
    const { serviceTemplateVersion } = await proton.send(new GetServiceTemplateVersionCommand({ templateName: 'web', majorVersion: '1', minorVersion: '0' }));
    expect(serviceTemplateVersion).toMatchObject({
      status: 'PUBLISHED', supportedComponentSources: ['DIRECTLY_DEFINED'], compatibleEnvironmentTemplates: [{ templateName: 'base', majorVersion: '1' }],
    });
    await refused(proton.send(new GetServiceTemplateVersionCommand({ templateName: 'web', majorVersion: '2', minorVersion: '0' })),
      'ResourceNotFoundException', 'The service template \'web\' version 2.0 does not exist.');
    await refused(proton.send(new UpdateServiceTemplateVersionCommand({ templateName: 'web', majorVersion: '1', minorVersion: '0', status: 'DRAFT' })),
      'ValidationException', /^Cannot change the status of the service template 'web' version 1\.0 from PUBLISHED to DRAFT: /);

    expect((await proton.send(new GetServiceTemplateCommand({ name: 'pipe' }))).serviceTemplate).toMatchObject({ recommendedVersion: '1.0' });
    expect((await proton.send(new GetServiceTemplateCommand({ name: 'web' }))).serviceTemplate).toMatchObject({ pipelineProvisioning: 'CUSTOMER_MANAGED' });
    await refused(proton.send(new GetServiceTemplateCommand({ name: 'missing' })), 'ResourceNotFoundException', 'The service template \'missing\' does not exist.');
    const updated = await proton.send(new UpdateServiceTemplateCommand({ name: 'web', description: 'web services' }));
    expect(updated.serviceTemplate).toMatchObject({ name: 'web', description: 'web services' });
    await refused(proton.send(new UpdateServiceTemplateCommand({ name: 'missing', description: 'x' })), 'ResourceNotFoundException',
      'The service template \'missing\' does not exist.');

    const templates = await collect(paginateListServiceTemplates({ client: proton, pageSize: 1 }, {}), (p) => p.templates);
    expect({ pages: templates.pages, names: templates.items.map((t) => t.name) }).toEqual({ pages: 2, names: ['pipe', 'web'] });
    await refused(proton.send(new ListServiceTemplatesCommand({ nextToken: FOREIGN_TOKEN })), 'ValidationException', invalidToken);
    const versions = await collect(paginateListServiceTemplateVersions({ client: proton }, { templateName: 'pipe' }), (p) => p.templateVersions);
    expect(versions.items.map((v) => `${v.majorVersion}.${v.minorVersion}:${v.status}`)).toEqual(['1.0:PUBLISHED']);
    await refused(proton.send(new ListServiceTemplateVersionsCommand({ templateName: 'missing' })), 'ResourceNotFoundException',
      /^The service template 'missing' does not exist/);

    await refused(proton.send(new DeleteServiceTemplateCommand({ name: 'web' })), 'ConflictException',
      /^The service template 'web' still has versions \(1\.0\); delete them first/);
  });

  test('repositories, repository sync and account settings', async () => {
    const { repository } = await proton.send(new CreateRepositoryCommand({ ...INFRA_REPO, connectionArn: CONNECTION_ARN }));
    expect(repository).toMatchObject({ ...INFRA_REPO, arn: `${ARN}:repository/github:acme/infra`, connectionArn: CONNECTION_ARN });
    await refused(proton.send(new CreateRepositoryCommand({ ...INFRA_REPO, connectionArn: CONNECTION_ARN })), 'ConflictException',
      'The repository \'acme/infra\' (GITHUB) is already linked.');
    await proton.send(new CreateRepositoryCommand({ ...TEMPLATES_REPO, connectionArn: CONNECTION_ARN }));

    expect((await proton.send(new GetRepositoryCommand(TEMPLATES_REPO))).repository).toMatchObject(TEMPLATES_REPO);
    await refused(proton.send(new GetRepositoryCommand({ provider: 'GITHUB', name: 'acme/nothing' })), 'ResourceNotFoundException',
      'The repository \'acme/nothing\' (GITHUB) was not found.');
    const repositories = await collect(paginateListRepositories({ client: proton, pageSize: 1 }, {}), (p) => p.repositories);
    expect({ pages: repositories.pages, names: repositories.items.map((r) => r.name) }).toEqual({ pages: 2, names: ['acme/infra', 'acme/templates'] });
    await refused(proton.send(new ListRepositoriesCommand({ nextToken: FOREIGN_TOKEN })), 'ValidationException', invalidToken);

    const status = await proton.send(new GetRepositorySyncStatusCommand({
      repositoryProvider: 'GITHUB', repositoryName: 'acme/infra', branch: 'main', syncType: 'TEMPLATE_SYNC',
    }));
    expect(status.latestSync).toBeUndefined();
    await refused(proton.send(new GetRepositorySyncStatusCommand({
      repositoryProvider: 'GITHUB', repositoryName: 'acme/nothing', branch: 'main', syncType: 'TEMPLATE_SYNC',
    })), 'ResourceNotFoundException', 'The repository \'acme/nothing\' (GITHUB) is not linked to AWS Proton.');

    const settings = await proton.send(new UpdateAccountSettingsCommand({ pipelineServiceRoleArn: ROLE_ARN }));
    expect(settings.accountSettings).toEqual({ pipelineServiceRoleArn: ROLE_ARN });
    await refused(proton.send(new UpdateAccountSettingsCommand({
      deletePipelineProvisioningRepository: true, pipelineProvisioningRepository: { ...INFRA_REPO, branch: 'main' },
    })), 'ValidationException', /^deletePipelineProvisioningRepository is true and pipelineProvisioningRepository is set: /);
    expect((await proton.send(new GetAccountSettingsCommand({}))).accountSettings).toEqual({ pipelineServiceRoleArn: ROLE_ARN });
    // GetAccountSettings has no input a semantic check could reject: its declared InternalServerException comes from a fault.
    emu.control.injectFault('GetAccountSettings', { kind: 'internal' });
    await refused(proton.send(new GetAccountSettingsCommand({})), 'InternalServerException', 'An internal error occurred (injected fault).');
  });

  test('environments, their deployments and self-managed notifications', async () => {
    const { environment } = await proton.send(new CreateEnvironmentCommand({
      name: 'dev', templateName: 'base', templateMajorVersion: '1', spec: envSpec(), protonServiceRoleArn: ROLE_ARN, componentRoleArn: COMPONENT_ROLE_ARN,
    }));
    expect(environment).toMatchObject({ name: 'dev', deploymentStatus: 'IN_PROGRESS', templateMinorVersion: '0' });
    await refused(proton.send(new CreateEnvironmentCommand({
      name: 'nowhere', templateName: 'missing', templateMajorVersion: '1', spec: envSpec(), protonServiceRoleArn: ROLE_ARN,
    })), 'ResourceNotFoundException', /^The environment template 'missing' .*does not exist/);
    const deployed = await waitUntilEnvironmentDeployed({ client: waiterClient(DURATIONS.deploymentMs), ...FAST_WAITER }, { name: 'dev' });
    expect(deployed.state).toBe('SUCCESS');

    await proton.send(new CreateEnvironmentCommand({
      name: 'staging', templateName: 'base', templateMajorVersion: '1', spec: envSpec(), protonServiceRoleArn: ROLE_ARN,
    }));
    emu.control.advance(DURATIONS.deploymentMs);
    const staging = (await proton.send(new GetEnvironmentCommand({ name: 'staging' }))).environment!;
    expect(staging.deploymentStatus).toBe('SUCCEEDED');
    ids.stagingFirstDeployment = staging.lastSucceededDeploymentId!;
    await refused(proton.send(new GetEnvironmentCommand({ name: 'missing' })), 'ResourceNotFoundException', 'Environment missing not found.');

    const { environment: updating } = await proton.send(new UpdateEnvironmentCommand({
      name: 'staging', deploymentType: 'CURRENT_VERSION', spec: envSpec({ size: 2 }),
    }));
    expect(updating).toMatchObject({ deploymentStatus: 'IN_PROGRESS', spec: envSpec({ size: 2 }) });
    await refused(proton.send(new UpdateEnvironmentCommand({ name: 'staging', deploymentType: 'CURRENT_VERSION', spec: envSpec({ size: 3 }) })),
      'ConflictException', 'Environment staging has deploymentStatus IN_PROGRESS; wait until its current deployment finishes, then retry.');
    emu.control.advance(DURATIONS.deploymentMs);
    await proton.send(new UpdateEnvironmentCommand({ name: 'staging', deploymentType: 'CURRENT_VERSION', spec: envSpec({ size: 4 }) }));
    const { environment: cancelling } = await proton.send(new CancelEnvironmentDeploymentCommand({ environmentName: 'staging' }));
    expect(cancelling!.deploymentStatus).toBe('CANCELLING');
    ids.stagingLatestDeployment = cancelling!.lastAttemptedDeploymentId!;
    emu.control.advance(DURATIONS.cancellationMs);
    await refused(proton.send(new CancelEnvironmentDeploymentCommand({ environmentName: 'staging' })), 'ConflictException',
      'Environment staging has deploymentStatus CANCELLED; only an IN_PROGRESS deployment can be cancelled.');

    const environments = await collect(paginateListEnvironments({ client: proton, pageSize: 1 }, {}), (p) => p.environments);
    expect(environments.items.map((e) => `${e.name}:${e.deploymentStatus}`)).toEqual(['dev:SUCCEEDED', 'staging:CANCELLED']);
    expect(environments.pages).toBe(2);
    await refused(proton.send(new ListEnvironmentsCommand({ nextToken: FOREIGN_TOKEN })), 'ValidationException', invalidToken);

    const outputs = await collect(paginateListEnvironmentOutputs({ client: proton }, { environmentName: 'dev' }), (p) => p.outputs);
    expect(outputs).toEqual({
      pages: 1,
      items: [{ key: 'VpcId', valueString: 'environment/dev/VpcId' }, { key: 'ClusterName', valueString: 'dev-cluster' }],
    });
    await refused(proton.send(new ListEnvironmentOutputsCommand({ environmentName: 'missing' })), 'ResourceNotFoundException', 'Environment missing not found.');
    const resources = await collect(paginateListEnvironmentProvisionedResources({ client: proton }, { environmentName: 'dev' }),
      (p) => p.provisionedResources);
    expect(resources).toEqual({ pages: 1, items: [stackOf('environment/dev')] });
    await refused(proton.send(new ListEnvironmentProvisionedResourcesCommand({ environmentName: 'missing' })), 'ResourceNotFoundException',
      'Environment missing not found.');

    const selfManaged = await proton.send(new CreateEnvironmentCommand({
      name: 'selfmanaged', templateName: 'base', templateMajorVersion: '1', spec: envSpec(), provisioningRepository: { ...INFRA_REPO, branch: 'main' },
    }));
    emu.control.advance(DURATIONS.deploymentMs);
    expect((await proton.send(new GetEnvironmentCommand({ name: 'selfmanaged' }))).environment!.deploymentStatus).toBe('IN_PROGRESS');
    await proton.send(new NotifyResourceDeploymentStatusChangeCommand({
      resourceArn: selfManaged.environment!.arn, status: 'SUCCEEDED', outputs: [{ key: 'VpcId', valueString: 'vpc-1' }],
    }));
    expect((await proton.send(new GetEnvironmentCommand({ name: 'selfmanaged' }))).environment!.deploymentStatus).toBe('SUCCEEDED');
    await refused(proton.send(new NotifyResourceDeploymentStatusChangeCommand({ resourceArn: selfManaged.environment!.arn, status: 'SUCCEEDED' })),
      'ConflictException', `${ARN}:environment/selfmanaged has no deployment waiting for a status (deploymentStatus SUCCEEDED).`);
    await refused(proton.send(new DeleteRepositoryCommand(INFRA_REPO)), 'ConflictException',
      'The repository \'acme/infra\' (GITHUB) can\'t be deleted: it is used by the environment \'selfmanaged\' (provisioningRepository). Remove those uses first.');
  });

  test('environment account connections across two accounts', async () => {
    const request = (environmentName: string) => environmentAccount.send(new CreateEnvironmentAccountConnectionCommand({
      environmentName, managementAccountId: MANAGEMENT, roleArn: ENV_ACCOUNT_ROLE,
    }));
    const remote = (await request('remote')).environmentAccountConnection!;
    expect(remote).toMatchObject({ status: 'PENDING', environmentAccountId: ENVIRONMENT_ACCOUNT, managementAccountId: MANAGEMENT });
    ids.remoteConnection = remote.id!;
    await refused(request('remote'), 'ConflictException',
      new RegExp(`^The environment 'remote' of management account ${MANAGEMENT} already has the environment account connection '${remote.id}'`));
    emu.control.advance(1_000);
    ids.declinedConnection = (await request('declined')).environmentAccountConnection!.id!;

    expect((await proton.send(new GetEnvironmentAccountConnectionCommand({ id: ids.remoteConnection }))).environmentAccountConnection)
      .toMatchObject({ environmentName: 'remote' });
    await refused(proton.send(new GetEnvironmentAccountConnectionCommand({ id: UNKNOWN_ID })), 'ResourceNotFoundException',
      `The environment account connection '${UNKNOWN_ID}' was not found.`);
    const listed = await collect(paginateListEnvironmentAccountConnections({ client: proton, pageSize: 1 }, { requestedBy: 'MANAGEMENT_ACCOUNT' }),
      (p) => p.environmentAccountConnections);
    expect({ pages: listed.pages, names: listed.items.map((c) => c.environmentName) }).toEqual({ pages: 2, names: ['remote', 'declined'] });
    await refused(proton.send(new ListEnvironmentAccountConnectionsCommand({ requestedBy: 'MANAGEMENT_ACCOUNT', nextToken: FOREIGN_TOKEN })),
      'ValidationException', invalidToken);

    const componentRole = `arn:aws:iam::${ENVIRONMENT_ACCOUNT}:role/components`;
    const updated = await environmentAccount.send(new UpdateEnvironmentAccountConnectionCommand({
      id: ids.remoteConnection, componentRoleArn: componentRole,
    }));
    expect(updated.environmentAccountConnection).toMatchObject({ componentRoleArn: componentRole, status: 'PENDING' });
    await refused(proton.send(new UpdateEnvironmentAccountConnectionCommand({ id: ids.remoteConnection, componentRoleArn: componentRole })),
      'AccessDeniedException', new RegExp(`^Only the environment account ${ENVIRONMENT_ACCOUNT} can update the environment account connection`));

    const accepted = await proton.send(new AcceptEnvironmentAccountConnectionCommand({ id: ids.remoteConnection }));
    expect(accepted.environmentAccountConnection!.status).toBe('CONNECTED');
    const rejected = await proton.send(new RejectEnvironmentAccountConnectionCommand({ id: ids.declinedConnection }));
    expect(rejected.environmentAccountConnection!.status).toBe('REJECTED');
    await refused(proton.send(new AcceptEnvironmentAccountConnectionCommand({ id: ids.declinedConnection })), 'ConflictException',
      `The environment account connection '${ids.declinedConnection}' was rejected and can't be accepted; the environment account must request a new connection.`);

    const { environment } = await proton.send(new CreateEnvironmentCommand({
      name: 'remote', templateName: 'base', templateMajorVersion: '1', spec: envSpec(), environmentAccountConnectionId: ids.remoteConnection,
    }));
    expect(environment).toMatchObject({ environmentAccountId: ENVIRONMENT_ACCOUNT, environmentAccountConnectionId: ids.remoteConnection });
    emu.control.advance(DURATIONS.deploymentMs);
    await refused(proton.send(new RejectEnvironmentAccountConnectionCommand({ id: ids.remoteConnection })), 'ConflictException',
      `The environment account connection '${ids.remoteConnection}' is used by the environment(s) 'remote'; delete the environment(s) before rejecting it.`);

    const deleted = await environmentAccount.send(new DeleteEnvironmentAccountConnectionCommand({ id: ids.declinedConnection }));
    expect(deleted.environmentAccountConnection).toMatchObject({ id: ids.declinedConnection, status: 'REJECTED' });
    await refused(proton.send(new DeleteEnvironmentAccountConnectionCommand({ id: ids.remoteConnection })), 'AccessDeniedException',
      new RegExp(`^Only the environment account ${ENVIRONMENT_ACCOUNT} can delete the environment account connection`));
  });

  test('services, instances, pipelines and service sync', async () => {
    const apiSpec = serviceSpec([{ name: 'one', environment: 'dev' }]);
    const { service } = await proton.send(new CreateServiceCommand({ name: 'api', templateName: 'web', templateMajorVersion: '1', spec: apiSpec }));
    expect(service).toMatchObject({ name: 'api', status: 'CREATE_IN_PROGRESS' });
    await refused(proton.send(new CreateServiceCommand({ name: 'ghost', templateName: 'missing', templateMajorVersion: '1', spec: apiSpec })),
      'ResourceNotFoundException', /^The service template 'missing' .*does not exist/);
    const created = await waitUntilServiceCreated(
      { client: waiterClient(DURATIONS.deploymentMs + DURATIONS.serviceMs), ...FAST_WAITER }, { name: 'api' });
    expect(created.state).toBe('SUCCESS');

    const pipedSpec = serviceSpec([{ name: 'p1', environment: 'dev' }], { stage: 'test' });
    await proton.send(new CreateServiceCommand({
      name: 'piped',
      templateName: 'pipe',
      templateMajorVersion: '1',
      spec: pipedSpec,
      repositoryConnectionArn: CONNECTION_ARN,
      repositoryId: 'acme/api',
      branchName: 'main',
    }));
    const pipeline = await waitUntilServicePipelineDeployed({ client: waiterClient(DURATIONS.deploymentMs), ...FAST_WAITER }, { name: 'piped' });
    expect(pipeline.state).toBe('SUCCESS');
    emu.control.advance(DURATIONS.serviceMs);

    expect((await proton.send(new GetServiceCommand({ name: 'piped' }))).service).toMatchObject({ status: 'ACTIVE', branchName: 'main' });
    await refused(proton.send(new GetServiceCommand({ name: 'missing' })), 'ResourceNotFoundException', 'Service missing not found.');
    const services = await collect(paginateListServices({ client: proton, pageSize: 1 }, {}), (p) => p.services);
    expect({ pages: services.pages, names: services.items.map((s) => `${s.name}:${s.status}`) }).toEqual({ pages: 2, names: ['api:ACTIVE', 'piped:ACTIVE'] });
    await refused(proton.send(new ListServicesCommand({ nextToken: FOREIGN_TOKEN })), 'ValidationException', invalidToken);

    const twoInstances = serviceSpec([{ name: 'one', environment: 'dev' }, { name: 'two', environment: 'dev' }]);
    expect((await proton.send(new UpdateServiceCommand({ name: 'api', spec: twoInstances }))).service!.status).toBe('UPDATE_IN_PROGRESS');
    await refused(proton.send(new UpdateServiceCommand({ name: 'api', description: 'busy' })), 'ConflictException',
      'Service api has status UPDATE_IN_PROGRESS; wait until it finishes, then retry.');
    const serviceUpdated = await waitUntilServiceUpdated(
      { client: waiterClient(DURATIONS.deploymentMs + DURATIONS.serviceMs), ...FAST_WAITER }, { name: 'api' });
    expect(serviceUpdated.state).toBe('SUCCESS');

    const threeInstances = serviceSpec([{ name: 'one', environment: 'dev' }, { name: 'two', environment: 'dev' }, { name: 'three', environment: 'dev' }]);
    const { serviceInstance } = await proton.send(new CreateServiceInstanceCommand({ serviceName: 'api', name: 'three', spec: threeInstances }));
    expect(serviceInstance).toMatchObject({ name: 'three', environmentName: 'dev', deploymentStatus: 'IN_PROGRESS' });
    const instanceDeployed = await waitUntilServiceInstanceDeployed(
      { client: waiterClient(DURATIONS.deploymentMs), ...FAST_WAITER }, { serviceName: 'api', name: 'three' });
    expect(instanceDeployed.state).toBe('SUCCESS');
    await refused(proton.send(new CreateServiceInstanceCommand({ serviceName: 'api', name: 'three', spec: threeInstances })), 'ConflictException',
      'Service api already has an instance named three.');

    expect((await proton.send(new GetServiceInstanceCommand({ serviceName: 'api', name: 'two' }))).serviceInstance!.deploymentStatus).toBe('SUCCEEDED');
    await refused(proton.send(new GetServiceInstanceCommand({ serviceName: 'api', name: 'missing' })), 'ResourceNotFoundException',
      'Service instance missing of service api not found.');
    const instances = await collect(paginateListServiceInstances({ client: proton, pageSize: 2 }, { serviceName: 'api', sortBy: 'name' }),
      (p) => p.serviceInstances);
    expect({ pages: instances.pages, names: instances.items.map((i) => i.name) }).toEqual({ pages: 2, names: ['one', 'three', 'two'] });
    await refused(proton.send(new ListServiceInstancesCommand({ serviceName: 'missing' })), 'ResourceNotFoundException', 'Service missing not found.');

    const syncConfig = { serviceName: 'api', repositoryProvider: 'GITHUB' as const, repositoryName: 'acme/infra', branch: 'main', filePath: 'proton-ops.yaml' };
    expect((await proton.send(new CreateServiceSyncConfigCommand(syncConfig))).serviceSyncConfig).toEqual(syncConfig);
    await refused(proton.send(new CreateServiceSyncConfigCommand(syncConfig)), 'ConflictException',
      'The service \'api\' already has a service sync configuration; update it instead.');
    expect((await proton.send(new GetServiceSyncConfigCommand({ serviceName: 'api' }))).serviceSyncConfig).toEqual(syncConfig);
    await refused(proton.send(new GetServiceSyncConfigCommand({ serviceName: 'piped' })), 'ResourceNotFoundException',
      'The service \'piped\' has no service sync configuration.');
    const release = { ...syncConfig, branch: 'release' };
    expect((await proton.send(new UpdateServiceSyncConfigCommand(release))).serviceSyncConfig).toEqual(release);
    await refused(proton.send(new UpdateServiceSyncConfigCommand({ ...release, serviceName: 'piped' })), 'ResourceNotFoundException',
      'The service \'piped\' has no service sync configuration.');

    // A manual instance update of a synced service blocks its sync; the update is then cancelled.
    const { serviceInstance: updatingOne } = await proton.send(new UpdateServiceInstanceCommand({
      serviceName: 'api', name: 'one', deploymentType: 'CURRENT_VERSION', spec: threeInstances,
    }));
    expect(updatingOne!.deploymentStatus).toBe('IN_PROGRESS');
    await refused(proton.send(new UpdateServiceInstanceCommand({ serviceName: 'api', name: 'one', deploymentType: 'CURRENT_VERSION', spec: threeInstances })),
      'ConflictException', 'Service instance one of service api has deploymentStatus IN_PROGRESS; wait until its current deployment finishes, then retry.');
    const cancelled = await proton.send(new CancelServiceInstanceDeploymentCommand({ serviceName: 'api', serviceInstanceName: 'one' }));
    expect(cancelled.serviceInstance!.deploymentStatus).toBe('CANCELLING');
    emu.control.advance(DURATIONS.cancellationMs);
    await refused(proton.send(new CancelServiceInstanceDeploymentCommand({ serviceName: 'api', serviceInstanceName: 'one' })), 'ConflictException',
      'Service instance one of service api has deploymentStatus CANCELLED; only an IN_PROGRESS deployment can be cancelled.');

    const { serviceSyncBlockerSummary } = await proton.send(new GetServiceSyncBlockerSummaryCommand({ serviceName: 'api', serviceInstanceName: 'one' }));
    expect(serviceSyncBlockerSummary!.latestBlockers).toEqual([expect.objectContaining({ type: 'AUTOMATED', status: 'ACTIVE' })]);
    ids.blocker = serviceSyncBlockerSummary!.latestBlockers![0].id!;
    await refused(proton.send(new GetServiceSyncBlockerSummaryCommand({ serviceName: 'missing' })), 'ResourceNotFoundException',
      'The service \'missing\' was not found.');
    const resolved = await proton.send(new UpdateServiceSyncBlockerCommand({ id: ids.blocker, resolvedReason: 'intended' }));
    expect(resolved).toMatchObject({ serviceName: 'api', serviceInstanceName: 'one', serviceSyncBlocker: { status: 'RESOLVED', resolvedReason: 'intended' } });
    await refused(proton.send(new UpdateServiceSyncBlockerCommand({ id: ids.blocker, resolvedReason: 'again' })), 'ConflictException',
      `The service sync blocker '${ids.blocker}' is already resolved.`);
    const syncStatus = await proton.send(new GetServiceInstanceSyncStatusCommand({ serviceName: 'api', serviceInstanceName: 'one' }));
    expect(syncStatus.latestSync).toBeUndefined();
    await refused(proton.send(new GetServiceInstanceSyncStatusCommand({ serviceName: 'api', serviceInstanceName: 'missing' })),
      'ResourceNotFoundException', 'The service instance \'missing\' of the service \'api\' was not found.');
    expect((await proton.send(new DeleteServiceSyncConfigCommand({ serviceName: 'api' }))).serviceSyncConfig).toEqual(release);
    await refused(proton.send(new DeleteServiceSyncConfigCommand({ serviceName: 'api' })), 'ResourceNotFoundException',
      'The service \'api\' has no service sync configuration.');

    const three = { serviceName: 'api', serviceInstanceName: 'three' };
    const instanceOutputs = await collect(paginateListServiceInstanceOutputs({ client: proton }, three), (p) => p.outputs);
    expect(instanceOutputs).toEqual({ pages: 1, items: [{ key: 'ServiceUrl', valueString: 'service/api/service-instance/three/ServiceUrl' }] });
    await refused(proton.send(new ListServiceInstanceOutputsCommand({ serviceName: 'api', serviceInstanceName: 'missing' })),
      'ResourceNotFoundException', 'Service instance missing of service api not found.');
    const instanceResources = await collect(paginateListServiceInstanceProvisionedResources({ client: proton }, three),
      (p) => p.provisionedResources);
    expect(instanceResources).toEqual({ pages: 1, items: [stackOf('service/api/service-instance/three')] });
    await refused(proton.send(new ListServiceInstanceProvisionedResourcesCommand({ serviceName: 'api', serviceInstanceName: 'missing' })),
      'ResourceNotFoundException', 'Service instance missing of service api not found.');

    const noPipeline = 'Service api has no pipeline (its template version has no pipeline_infrastructure).';
    const { pipeline: updating } = await proton.send(new UpdateServicePipelineCommand({ serviceName: 'piped', deploymentType: 'CURRENT_VERSION', spec: pipedSpec }));
    expect(updating!.deploymentStatus).toBe('IN_PROGRESS');
    await refused(proton.send(new UpdateServicePipelineCommand({ serviceName: 'api', deploymentType: 'CURRENT_VERSION', spec: apiSpec })),
      'ResourceNotFoundException', noPipeline);
    const { pipeline: cancelling } = await proton.send(new CancelServicePipelineDeploymentCommand({ serviceName: 'piped' }));
    expect(cancelling!.deploymentStatus).toBe('CANCELLING');
    emu.control.advance(DURATIONS.cancellationMs);
    await refused(proton.send(new CancelServicePipelineDeploymentCommand({ serviceName: 'piped' })), 'ConflictException',
      'The pipeline of service piped has deploymentStatus CANCELLED; only an IN_PROGRESS deployment can be cancelled.');
    const pipelineOutputs = await collect(paginateListServicePipelineOutputs({ client: proton }, { serviceName: 'piped' }), (p) => p.outputs);
    expect(pipelineOutputs).toEqual({ pages: 1, items: [{ key: 'PipelineTopic', valueString: 'service/piped/pipeline/PipelineTopic' }] });
    await refused(proton.send(new ListServicePipelineOutputsCommand({ serviceName: 'api' })), 'ResourceNotFoundException', noPipeline);
    const pipelineResources = await collect(paginateListServicePipelineProvisionedResources({ client: proton }, { serviceName: 'piped' }),
      (p) => p.provisionedResources);
    expect(pipelineResources).toEqual({ pages: 1, items: [stackOf('service/piped/pipeline')] });
    await refused(proton.send(new ListServicePipelineProvisionedResourcesCommand({ serviceName: 'api' })), 'ResourceNotFoundException', noPipeline);

    await refused(proton.send(new DeleteEnvironmentCommand({ name: 'dev' })), 'ConflictException',
      /^Environment dev can't be deleted: service instances .* are deployed to it\. Remove them from their services first\.$/);
    await refused(proton.send(new DeleteServiceTemplateVersionCommand({ templateName: 'web', majorVersion: '1', minorVersion: '0' })),
      'ConflictException', /^The service template 'web' version 1\.0 is used by /);
    await refused(proton.send(new DeleteEnvironmentTemplateVersionCommand({ templateName: 'base', majorVersion: '1', minorVersion: '0' })),
      'ConflictException', /^The environment template 'base' version 1\.0 is used by /);
  });

  test('components', async () => {
    const serviceSpecOfApi = (await proton.send(new GetServiceCommand({ name: 'api' }))).service!.spec!;
    const attached = { name: 'queue', manifest: CFN_MANIFEST, templateFile: COMPONENT_TEMPLATE, serviceName: 'api', serviceInstanceName: 'three', serviceSpec: serviceSpecOfApi };
    const { component } = await proton.send(new CreateComponentCommand(attached));
    expect(component).toMatchObject({ name: 'queue', environmentName: 'dev', deploymentStatus: 'IN_PROGRESS' });
    await refused(proton.send(new CreateComponentCommand(attached)), 'ConflictException', 'Component queue already exists.');
    const deployed = await waitUntilComponentDeployed({ client: waiterClient(DURATIONS.deploymentMs), ...FAST_WAITER }, { name: 'queue' });
    expect(deployed.state).toBe('SUCCESS');
    await proton.send(new CreateComponentCommand({ name: 'shared', manifest: CFN_MANIFEST, templateFile: COMPONENT_TEMPLATE, environmentName: 'dev' }));
    emu.control.advance(DURATIONS.deploymentMs);

    expect((await proton.send(new GetComponentCommand({ name: 'shared' }))).component).toMatchObject({ deploymentStatus: 'SUCCEEDED' });
    await refused(proton.send(new GetComponentCommand({ name: 'missing' })), 'ResourceNotFoundException', 'Component missing not found.');
    const components = await collect(paginateListComponents({ client: proton, pageSize: 1 }, {}), (p) => p.components);
    expect({ pages: components.pages, names: components.items.map((c) => c.name) }).toEqual({ pages: 2, names: ['queue', 'shared'] });
    await refused(proton.send(new ListComponentsCommand({ nextToken: FOREIGN_TOKEN })), 'ValidationException', invalidToken);

    const outputs = await collect(paginateListComponentOutputs({ client: proton }, { componentName: 'queue' }), (p) => p.outputs);
    expect(outputs).toEqual({ pages: 1, items: [{ key: 'QueueUrl', valueString: 'component/queue/QueueUrl' }] });
    await refused(proton.send(new ListComponentOutputsCommand({ componentName: 'missing' })), 'ResourceNotFoundException', 'Component missing not found.');
    const resources = await collect(paginateListComponentProvisionedResources({ client: proton }, { componentName: 'queue' }), (p) => p.provisionedResources);
    expect(resources).toEqual({ pages: 1, items: [stackOf('component/queue')] });
    await refused(proton.send(new ListComponentProvisionedResourcesCommand({ componentName: 'missing' })), 'ResourceNotFoundException',
      'Component missing not found.');

    await refused(proton.send(new DeleteServiceCommand({ name: 'api' })), 'ConflictException',
      'Service api can\'t be deleted: service instances three have components attached. Detach or delete the components first.');
    await refused(proton.send(new DeleteComponentCommand({ name: 'queue' })), 'ConflictException',
      /^Component queue is attached to service instance three of service api; /);

    const changedTemplate = COMPONENT_TEMPLATE.replace('QueueUrl', 'Url');
    const { component: updating } = await proton.send(new UpdateComponentCommand({
      name: 'queue', deploymentType: 'CURRENT_VERSION', templateFile: changedTemplate,
    }));
    expect(updating!.deploymentStatus).toBe('IN_PROGRESS');
    await refused(proton.send(new UpdateComponentCommand({ name: 'queue', deploymentType: 'CURRENT_VERSION', templateFile: changedTemplate })),
      'ConflictException', 'Component queue has deploymentStatus IN_PROGRESS; wait until its current deployment finishes, then retry.');
    expect((await proton.send(new CancelComponentDeploymentCommand({ componentName: 'queue' }))).component!.deploymentStatus).toBe('CANCELLING');
    emu.control.advance(DURATIONS.cancellationMs);
    await refused(proton.send(new CancelComponentDeploymentCommand({ componentName: 'queue' })), 'ConflictException',
      'Component queue has deploymentStatus CANCELLED; only an IN_PROGRESS deployment can be cancelled.');

    const detached = await proton.send(new UpdateComponentCommand({ name: 'queue', deploymentType: 'CURRENT_VERSION', serviceName: '', serviceInstanceName: '' }));
    expect(detached.component!.serviceName).toBeUndefined();
    emu.control.advance(DURATIONS.deploymentMs);
    expect((await proton.send(new DeleteComponentCommand({ name: 'queue' }))).component!.deploymentStatus).toBe('DELETE_IN_PROGRESS');
    const deleted = await waitUntilComponentDeleted({ client: waiterClient(DURATIONS.deletionMs), ...FAST_WAITER }, { name: 'queue' });
    expect(deleted.state).toBe('SUCCESS');
    await proton.send(new DeleteComponentCommand({ name: 'shared' }));
    emu.control.advance(DURATIONS.deletionMs);
  });

  test('deployments', async () => {
    const deployments = await collect(paginateListDeployments({ client: proton, pageSize: 1 }, { environmentName: 'staging' }), (p) => p.deployments);
    expect(deployments.items.map((d) => d.deploymentStatus)).toEqual(['CANCELLED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(deployments.items[2].id).toBe(ids.stagingFirstDeployment);
    await refused(proton.send(new ListDeploymentsCommand({ serviceInstanceName: 'one' })), 'ValidationException',
      'serviceInstanceName needs serviceName to identify the service instance.');

    const { deployment } = await proton.send(new GetDeploymentCommand({ id: ids.stagingLatestDeployment, environmentName: 'staging' }));
    expect(deployment).toMatchObject({ targetResourceType: 'ENVIRONMENT', deploymentStatus: 'CANCELLED', targetArn: `${ARN}:environment/staging` });
    await refused(proton.send(new GetDeploymentCommand({ id: UNKNOWN_ID })), 'ResourceNotFoundException', `Deployment ${UNKNOWN_ID} not found.`);

    const deleted = await proton.send(new DeleteDeploymentCommand({ id: ids.stagingFirstDeployment }));
    expect(deleted.deployment).toMatchObject({ id: ids.stagingFirstDeployment, deploymentStatus: 'SUCCEEDED' });
    await refused(proton.send(new DeleteDeploymentCommand({ id: ids.stagingLatestDeployment })), 'ValidationException',
      `Deployment ${ids.stagingLatestDeployment} is the latest attempted or succeeded deployment of ${ARN}:environment/staging; only older deployments can be deleted.`);
  });

  test('template sync configurations and repository sync definitions', async () => {
    const config = { templateName: 'base', templateType: 'ENVIRONMENT' as const, repositoryProvider: 'GITHUB' as const, repositoryName: 'acme/templates', branch: 'main' };
    expect((await proton.send(new CreateTemplateSyncConfigCommand(config))).templateSyncConfig).toEqual(config);
    await refused(proton.send(new CreateTemplateSyncConfigCommand(config)), 'ConflictException',
      'The environment template \'base\' already has a template sync configuration; update it instead.');
    const noConfig = 'The service template \'web\' has no template sync configuration.';
    expect((await proton.send(new GetTemplateSyncConfigCommand({ templateName: 'base', templateType: 'ENVIRONMENT' }))).templateSyncConfig).toEqual(config);
    await refused(proton.send(new GetTemplateSyncConfigCommand({ templateName: 'web', templateType: 'SERVICE' })), 'ResourceNotFoundException', noConfig);
    const release = { ...config, branch: 'release', subdirectory: 'templates' };
    expect((await proton.send(new UpdateTemplateSyncConfigCommand(release))).templateSyncConfig).toEqual(release);
    await refused(proton.send(new UpdateTemplateSyncConfigCommand({ ...release, templateName: 'web', templateType: 'SERVICE' })),
      'ResourceNotFoundException', noConfig);
    const status = await proton.send(new GetTemplateSyncStatusCommand({ templateName: 'base', templateType: 'ENVIRONMENT', templateVersion: '1' }));
    expect(status.latestSync).toBeUndefined();
    await refused(proton.send(new GetTemplateSyncStatusCommand({ templateName: 'web', templateType: 'SERVICE', templateVersion: '1' })),
      'ResourceNotFoundException', noConfig);

    const definitions = await collect(paginateListRepositorySyncDefinitions({ client: proton },
      { repositoryProvider: 'GITHUB', repositoryName: 'acme/templates', syncType: 'TEMPLATE_SYNC' }), (p) => p.syncDefinitions);
    expect(definitions).toEqual({ pages: 1, items: [{ branch: 'release', directory: 'templates', parent: 'acme/templates', target: 'base' }] });
    await refused(proton.send(new ListRepositorySyncDefinitionsCommand({ repositoryProvider: 'GITHUB', repositoryName: 'acme/templates', syncType: 'SERVICE_SYNC' })),
      'ValidationException', 'syncType \'SERVICE_SYNC\' is not supported by ListRepositorySyncDefinitions: the only supported value is TEMPLATE_SYNC.');

    expect((await proton.send(new DeleteTemplateSyncConfigCommand({ templateName: 'base', templateType: 'ENVIRONMENT' }))).templateSyncConfig).toEqual(release);
    await refused(proton.send(new DeleteTemplateSyncConfigCommand({ templateName: 'base', templateType: 'ENVIRONMENT' })), 'ResourceNotFoundException',
      'The environment template \'base\' has no template sync configuration.');
  });

  test('tags and the resources summary', async () => {
    const devArn = `${ARN}:environment/dev`;
    const missingArn = `${ARN}:environment/missing`;
    await proton.send(new TagResourceCommand({ resourceArn: devArn, tags: [{ key: 'team', value: 'platform' }] }));
    await refused(proton.send(new TagResourceCommand({ resourceArn: missingArn, tags: [{ key: 'team', value: 'x' }] })), 'ResourceNotFoundException',
      `The resource '${missingArn}' was not found.`);
    const tags = await collect(paginateListTagsForResource({ client: proton, pageSize: 1 }, { resourceArn: devArn }), (p) => p.tags);
    expect(tags.items).toEqual(expect.arrayContaining([{ key: 'team', value: 'platform' }, { key: 'aws:proton:environment', value: devArn }]));
    expect(tags.pages).toBe(tags.items.length);
    await refused(proton.send(new ListTagsForResourceCommand({ resourceArn: missingArn })), 'ResourceNotFoundException',
      `The resource '${missingArn}' was not found.`);
    await proton.send(new UntagResourceCommand({ resourceArn: devArn, tagKeys: ['team'] }));
    expect((await proton.send(new ListTagsForResourceCommand({ resourceArn: devArn }))).tags!.map((t) => t.key)).not.toContain('team');
    await refused(proton.send(new UntagResourceCommand({ resourceArn: devArn, tagKeys: ['aws:proton:environment'] })), 'ValidationException',
      'The tag key \'aws:proton:environment\' can\'t be removed: tags starting with \'aws:\' are managed by AWS.');

    const { counts } = await proton.send(new GetResourcesSummaryCommand({}));
    const current = { failed: 0, behindMinor: 0, behindMajor: 0 };
    expect(counts).toEqual({
      environmentTemplates: { total: 2 },
      serviceTemplates: { total: 2 },
      environments: { total: 4 },
      components: { total: 0, failed: 0 },
      services: { total: 2, upToDate: 2, ...current },
      serviceInstances: { total: 4, upToDate: 4, ...current },
      pipelines: { total: 1, upToDate: 1, ...current },
    });
    // GetResourcesSummary has no input: its declared ThrottlingException comes from a fault.
    emu.control.injectFault('GetResourcesSummary', { kind: 'throttle' });
    await refused(proton.send(new GetResourcesSummaryCommand({})), 'ThrottlingException', 'Rate exceeded');
  });

  test('teardown in dependency order', async () => {
    await proton.send(new DeleteServiceCommand({ name: 'piped' }));
    expect((await proton.send(new DeleteServiceCommand({ name: 'api' }))).service!.status).toBe('DELETE_IN_PROGRESS');
    const deleted = await waitUntilServiceDeleted({ client: waiterClient(DURATIONS.deletionMs + DURATIONS.serviceMs), ...FAST_WAITER }, { name: 'api' });
    expect(deleted.state).toBe('SUCCESS');
    expect(await proton.send(new DeleteServiceCommand({ name: 'api' }))).not.toHaveProperty('service');

    for (const name of ['dev', 'staging', 'remote']) {
      expect((await proton.send(new DeleteEnvironmentCommand({ name }))).environment!.deploymentStatus).toBe('DELETE_IN_PROGRESS');
    }
    await proton.send(new DeleteEnvironmentCommand({ name: 'selfmanaged' }));
    await proton.send(new NotifyResourceDeploymentStatusChangeCommand({ resourceArn: `${ARN}:environment/selfmanaged`, status: 'SUCCEEDED' }));
    emu.control.advance(DURATIONS.deletionMs);
    const left = await collect(paginateListEnvironments({ client: proton }, {}), (p) => p.environments);
    expect(left.items).toEqual([]);

    const eac = await environmentAccount.send(new DeleteEnvironmentAccountConnectionCommand({ id: ids.remoteConnection }));
    expect(eac.environmentAccountConnection).toMatchObject({ id: ids.remoteConnection, status: 'CONNECTED' });
    for (const templateName of ['web', 'pipe']) {
      await proton.send(new DeleteServiceTemplateVersionCommand({ templateName, majorVersion: '1', minorVersion: '0' }));
      expect((await proton.send(new DeleteServiceTemplateCommand({ name: templateName }))).serviceTemplate).toMatchObject({ name: templateName });
    }
    const version = await proton.send(new DeleteEnvironmentTemplateVersionCommand({ templateName: 'base', majorVersion: '1', minorVersion: '0' }));
    expect(version.environmentTemplateVersion).toMatchObject({ majorVersion: '1', minorVersion: '0' });
    for (const name of ['base', 'spare']) {
      expect((await proton.send(new DeleteEnvironmentTemplateCommand({ name }))).environmentTemplate).toMatchObject({ name });
    }
    for (const repository of [INFRA_REPO, TEMPLATES_REPO]) {
      expect((await proton.send(new DeleteRepositoryCommand(repository))).repository).toMatchObject(repository);
    }
    await refused(proton.send(new DeleteRepositoryCommand(INFRA_REPO)), 'ResourceNotFoundException',
      'The repository \'acme/infra\' (GITHUB) was not found.');
  });

  test('every model operation succeeded and failed with one of its declared errors', () => {
    const withOutcome = (accept: (outcome: string) => boolean) =>
      [...outcomes].filter(([, seen]) => [...seen].some(accept)).map(([operation]) => operation).sort();
    expect(OPERATION_NAMES).toHaveLength(87);
    expect(withOutcome((o) => o === SUCCESS)).toEqual([...OPERATION_NAMES].sort());
    expect(withOutcome((o) => o !== SUCCESS)).toEqual([...OPERATION_NAMES].sort());

    const undeclared = [...outcomes].flatMap(([operation, seen]) => [...seen]
      .filter((o) => o !== SUCCESS && !MODEL.operations[operation]?.errors.includes(o))
      .map((o) => `${operation}: ${o}`));
    expect(undeclared).toEqual([]);
    // Server errors only where a fault was injected: strict output validation never answered 500.
    expect(withOutcome((o) => o === 'InternalServerException')).toEqual(['GetAccountSettings']);

    // The emulator received every operation too (the middleware saw nothing the server didn't).
    expect(Object.keys(emu.control.callCounts()).sort()).toEqual([...OPERATION_NAMES].sort());
  });
});
