/**
 * The duplicate path of every create, end to end: each mutating Proton call the handler makes
 * takes effect but its response is lost on the way back (the emulator's `lost-response` fault:
 * the connection is destroyed after the operation ran). The SDK retries the call, and Proton's
 * idempotency — client tokens, name-keyed creates, ownership tags, sync-config takeover — must
 * turn the retry into the original result: the deployment succeeds with exactly one of each
 * resource, and the destroy leaves nothing behind.
 */
import * as path from 'path';
import {
  GetAccountSettingsCommand, GetTemplateSyncConfigCommand, ListComponentsCommand, ListEnvironmentsCommand, ListEnvironmentTemplatesCommand,
  ListEnvironmentTemplateVersionsCommand, ListRepositoriesCommand, ListServiceInstancesCommand, ListServicesCommand, ListServiceTemplatesCommand,
  ListServiceTemplateVersionsCommand,
} from '@aws-sdk/client-proton';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { runnerHarness } from './fixtures/runner-harness';
import { testApp } from './fixtures/test-app';
import {
  AccountSettings, Component, ComponentInfrastructure, ComponentSource, ComponentTemplateLanguage, Environment,
  EnvironmentProvisioning, EnvironmentTemplate, Repository, RepositoryProvider, Service, ServiceInstance, ServiceInstanceSpec,
  ServiceTemplate, ServiceTemplatePipelineProvisioning, SyncedTemplate, TemplateBundle, TemplateSyncConfig,
} from '../../src';
import { BUNDLES_DIR } from '../fixtures/bundles/corpus';

const harness = runnerHarness({
  durations: { registrationMs: 1_000, deploymentMs: 30_000, deletionMs: 10_000, serviceMs: 1_000 },
  runnerPerTest: false,
});

const ACCOUNT = '111111111111';
const CONNECTION = `arn:aws:codestar-connections:us-east-1:${ACCOUNT}:connection/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0`;
const PIPELINE_ROLE = `arn:aws:iam::${ACCOUNT}:role/proton-pipelines`;

/** Every mutating call of the deployment, each losing its first response. */
const LOST_ON_DEPLOY = [
  'CreateEnvironmentTemplate', 'CreateEnvironmentTemplateVersion', 'UpdateEnvironmentTemplateVersion', 'CreateEnvironment',
  'CreateServiceTemplate', 'CreateServiceTemplateVersion', 'UpdateServiceTemplateVersion', 'CreateService', 'CreateServiceInstance',
  'CreateComponent', 'CreateRepository', 'CreateTemplateSyncConfig', 'UpdateAccountSettings',
];

/** Every mutating call of the destroy, each losing its first response. */
const LOST_ON_DESTROY = [
  'DeleteComponent', 'UpdateService', 'DeleteService', 'DeleteEnvironment', 'DeleteServiceTemplateVersion', 'DeleteServiceTemplate',
  'DeleteEnvironmentTemplateVersion', 'DeleteEnvironmentTemplate', 'DeleteTemplateSyncConfig', 'DeleteRepository', 'UpdateAccountSettings',
];

/**
 * A platform in one stack (templates, versions, an environment, a service, a component attached to
 * its instance, a repository link, a template sync configuration, the account settings), and an
 * instance added to that service from a second stack.
 */
function platformApp(): App {
  const app = testApp();
  const stack = new Stack(app, 'LostPlatform');
  const envTemplate = new EnvironmentTemplate(stack, 'EnvTemplate', { environmentTemplateName: 'lr-env-tmpl' });
  const envVersion = envTemplate.addVersion('V1', { bundle: TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, 'env-cloudformation')) });
  const env = new Environment(stack, 'Env', {
    environmentName: 'lr-env',
    templateVersion: envVersion,
    provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: iam.Role.fromRoleArn(stack, 'Role', `arn:aws:iam::${ACCOUNT}:role/proton`) }),
    componentRole: iam.Role.fromRoleArn(stack, 'ComponentRole', `arn:aws:iam::${ACCOUNT}:role/proton-components`),
  });
  const svcTemplate = new ServiceTemplate(stack, 'SvcTemplate', {
    serviceTemplateName: 'lr-svc-tmpl', pipelineProvisioning: ServiceTemplatePipelineProvisioning.CUSTOMER_MANAGED,
  });
  const svcVersion = svcTemplate.addVersion('V1', {
    bundle: TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, 'svc-without-pipeline')),
    compatibleEnvironmentTemplates: [{ template: envTemplate, majorVersion: envVersion.majorVersion }],
    supportedComponentSources: [ComponentSource.DIRECTLY_DEFINED],
  });
  const service = new Service(stack, 'Svc', { serviceName: 'lr-svc', templateVersion: svcVersion });
  const main = service.addInstance('main', { environment: env, spec: ServiceInstanceSpec.fromInputs({ message: 'hello' }) });
  new Component(stack, 'Cmp', {
    componentName: 'lr-cmp',
    infrastructure: ComponentInfrastructure.fromString('Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n', ComponentTemplateLanguage.CLOUDFORMATION),
    serviceInstance: main,
  });
  const repository = new Repository(stack, 'Templates', { provider: RepositoryProvider.GITHUB, repositoryName: 'acme/lr-templates', connectionArn: CONNECTION });
  new TemplateSyncConfig(stack, 'Sync', { template: SyncedTemplate.environmentTemplate(envTemplate), repository, branch: 'main' });
  new AccountSettings(stack, 'Settings', { pipelineServiceRole: iam.Role.fromRoleArn(stack, 'PipelineRole', PIPELINE_ROLE) });
  stack.tags.setTag('team', 'platform');

  const extra = new Stack(app, 'LostInstance');
  extra.addStackDependency(stack);
  new ServiceInstance(extra, 'Extra', {
    service: Service.fromServiceName(extra, 'Svc', 'lr-svc'),
    serviceInstanceName: 'extra',
    environment: Environment.fromEnvironmentName(extra, 'Env', 'lr-env'),
    spec: ServiceInstanceSpec.fromInputs({ message: 'extra' }),
  });
  return app;
}

/** Names of what Proton holds, for the resource kinds of the app. */
async function inventory() {
  const proton = harness.proton;
  const templates = (await proton.send(new ListEnvironmentTemplatesCommand({}))).templates ?? [];
  const serviceTemplates = (await proton.send(new ListServiceTemplatesCommand({}))).templates ?? [];
  const services = (await proton.send(new ListServicesCommand({}))).services ?? [];
  return {
    environmentTemplates: templates.map((t) => t.name),
    environmentTemplateVersions: await Promise.all(templates.map(async (t) => (await proton.send(new ListEnvironmentTemplateVersionsCommand({
      templateName: t.name!, majorVersion: '1',
    }))).templateVersions?.map((v) => `${v.templateName}:${v.majorVersion}.${v.minorVersion} ${v.status}`))),
    environments: ((await proton.send(new ListEnvironmentsCommand({}))).environments ?? []).map((e) => `${e.name} ${e.deploymentStatus}`),
    serviceTemplates: serviceTemplates.map((t) => t.name),
    serviceTemplateVersions: await Promise.all(serviceTemplates.map(async (t) => (await proton.send(new ListServiceTemplateVersionsCommand({
      templateName: t.name!, majorVersion: '1',
    }))).templateVersions?.map((v) => `${v.templateName}:${v.majorVersion}.${v.minorVersion} ${v.status}`))),
    services: services.map((s) => `${s.name} ${s.status}`),
    serviceInstances: (await Promise.all(services.map(async (s) => (await proton.send(new ListServiceInstancesCommand({ serviceName: s.name! })))
      .serviceInstances?.map((i) => `${i.serviceName}/${i.name} ${i.deploymentStatus}`) ?? []))).flat().sort(),
    components: ((await proton.send(new ListComponentsCommand({}))).components ?? []).map((c) => `${c.name} ${c.serviceName}/${c.serviceInstanceName} ${c.deploymentStatus}`),
    repositories: ((await proton.send(new ListRepositoriesCommand({}))).repositories ?? []).map((r) => `${r.provider}:${r.name}`),
    pipelineServiceRoleArn: (await proton.send(new GetAccountSettingsCommand({}))).accountSettings?.pipelineServiceRoleArn,
  };
}

test('every create and publish call whose response is lost is retried into the original result: one of each resource', async () => {
  for (const operation of LOST_ON_DEPLOY) harness.emulator.control.injectFault(operation, { kind: 'lost-response' });
  harness.emulator.control.resetCallCounts();

  const deployed = await harness.runner.deploy(platformApp());

  expect(deployed.events.filter((e) => e.status.endsWith('_FAILED')).map((e) => `${e.logicalId}: ${e.reason?.split('\n')[0]}`)).toEqual([]);
  expect(deployed.success).toBe(true);
  // Every fault was met (each operation ran at least twice: the lost call and its retry).
  expect(harness.emulator.control.dump().pendingFaults).toEqual({});
  const counts = harness.emulator.control.callCounts();
  expect(LOST_ON_DEPLOY.filter((operation) => (counts[operation] ?? 0) < 2)).toEqual([]);
  expect(await inventory()).toEqual({
    environmentTemplates: ['lr-env-tmpl'],
    environmentTemplateVersions: [['lr-env-tmpl:1.0 PUBLISHED']],
    environments: ['lr-env SUCCEEDED'],
    serviceTemplates: ['lr-svc-tmpl'],
    serviceTemplateVersions: [['lr-svc-tmpl:1.0 PUBLISHED']],
    services: ['lr-svc ACTIVE'],
    serviceInstances: ['lr-svc/extra SUCCEEDED', 'lr-svc/main SUCCEEDED'],
    components: ['lr-cmp lr-svc/main SUCCEEDED'],
    repositories: ['GITHUB:acme/lr-templates'],
    pipelineServiceRoleArn: PIPELINE_ROLE,
  });
  expect((await harness.proton.send(new GetTemplateSyncConfigCommand({ templateName: 'lr-env-tmpl', templateType: 'ENVIRONMENT' })))
    .templateSyncConfig).toMatchObject({ repositoryName: 'acme/lr-templates', branch: 'main' });
}, 300_000);

test('every delete and removal whose response is lost is retried into the original result: nothing is left', async () => {
  for (const operation of LOST_ON_DESTROY) harness.emulator.control.injectFault(operation, { kind: 'lost-response' });

  const destroyed = await harness.runner.destroy({ stackNames: ['LostInstance', 'LostPlatform'] });

  expect(destroyed.events.filter((e) => e.status.endsWith('_FAILED')).map((e) => `${e.logicalId}: ${e.reason?.split('\n')[0]}`)).toEqual([]);
  expect(destroyed.success).toBe(true);
  // The stack that depends on the other goes first, although it was named first.
  expect(destroyed.requests[0].request.ResourceType).toBe('Custom::ProtonServiceInstance');
  expect(harness.emulator.control.dump().pendingFaults).toEqual({});
  expect(await inventory()).toEqual({
    environmentTemplates: [],
    environmentTemplateVersions: [],
    environments: [],
    serviceTemplates: [],
    serviceTemplateVersions: [],
    services: [],
    serviceInstances: [],
    components: [],
    repositories: [],
    pipelineServiceRoleArn: undefined,
  });
  await expect(harness.proton.send(new GetTemplateSyncConfigCommand({ templateName: 'lr-env-tmpl', templateType: 'ENVIRONMENT' })))
    .rejects.toMatchObject({ name: 'ResourceNotFoundException' });
}, 300_000);
