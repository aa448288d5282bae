import { App, Stack, Stage } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  Component, ComponentInfrastructure, ComponentTemplateLanguage, Environment, EnvironmentAccountConnection, EnvironmentProvisioning,
  EnvironmentTemplate,
  Repository, RepositoryProvider, Service, ServiceInstance, ServiceTemplate, SyncedTemplate, TemplateSyncConfig,
} from '../../src';

const ENV = { account: '123456789012', region: 'us-east-1' };
const CONNECTION = 'arn:aws:codestar-connections:us-east-1:123456789012:connection/2f6c6a0e-1111-4aaa-8bbb-000000000001';

function environment(stack: Stack, id: string, name: string): Environment {
  const template = EnvironmentTemplate.fromEnvironmentTemplateName(stack, `${id}Template`, 'net');
  return new Environment(stack, id, { environmentName: name, template, templateMajorVersion: '1', provisioning: EnvironmentProvisioning.customerManaged() });
}

function service(stack: Stack, id: string, name: string, instance = 'dev'): Service {
  const template = ServiceTemplate.fromServiceTemplateName(stack, `${id}Template`, 'web');
  const created = new Service(stack, id, { serviceName: name, template, templateMajorVersion: '1' });
  created.addInstance(instance, { environment: Environment.fromEnvironmentName(stack, `${id}Env`, 'dev') });
  return created;
}

const fix = (property: string, importWith: string) => `Give one of them another ${property}, or declare the resource once and refer to it elsewhere `
  + `(pass the construct, or ${importWith}).`;

describe('two constructs of an app declaring the same Proton name in one account and region fail synthesis', () => {
  test('two Services of one stack: the message names both paths, the name and the fix', () => {
    const stack = new Stack(new App(), 'Platform', { env: ENV });
    service(stack, 'Api', 'api');
    expect(() => service(stack, 'Api2', 'api')).toThrow(
      "'Platform/Api2' and 'Platform/Api' both declare the service 'api' (account 123456789012 in us-east-1): Proton names are unique per account "
      + `and region, so the second create would fail at deploy time. ${fix('serviceName', 'Service.fromServiceName')}`);
  });

  test('two Environments in two stacks of one account and region', () => {
    const app = new App();
    environment(new Stack(app, 'One', { env: ENV }), 'Dev', 'dev');
    expect(() => environment(new Stack(app, 'Two', { env: ENV }), 'Dev', 'dev')).toThrow(
      "'Two/Dev' and 'One/Dev' both declare the environment 'dev' (account 123456789012 in us-east-1): Proton names are unique per account "
      + `and region, so the second create would fail at deploy time. ${fix('environmentName', 'Environment.fromEnvironmentName')}`);
  });

  test('two environments in one environment-agnostic stack', () => {
    const stack = new Stack(new App(), 'Agnostic');
    environment(stack, 'A', 'dev');
    expect(() => environment(stack, 'B', 'dev')).toThrow(/^'Agnostic\/B' and 'Agnostic\/A' both declare the environment 'dev' \(stack Agnostic\)/);
  });

  test('templates, components, repositories, connections, template sync configurations and service instances', () => {
    const stack = new Stack(new App(), 'Platform', { env: ENV });
    new EnvironmentTemplate(stack, 'Net', { environmentTemplateName: 'net' });
    expect(() => new EnvironmentTemplate(stack, 'Net2', { environmentTemplateName: 'net' }))
      .toThrow('\'Platform/Net2\' and \'Platform/Net\' both declare the environment template \'net\' (account 123456789012 in us-east-1): Proton names are unique '
        + `per account and region, so the second create would fail at deploy time. ${fix('environmentTemplateName', 'EnvironmentTemplate.fromEnvironmentTemplateName')}`);
    new ServiceTemplate(stack, 'Web', { serviceTemplateName: 'web' });
    expect(() => new ServiceTemplate(stack, 'Web2', { serviceTemplateName: 'web' })).toThrow(/^'Platform\/Web2' and 'Platform\/Web' both declare the service template 'web'/);

    const dev = environment(stack, 'Dev', 'dev');
    const infrastructure = ComponentInfrastructure.fromString('Resources:\n  Q:\n    Type: AWS::SQS::Queue\n', ComponentTemplateLanguage.CLOUDFORMATION);
    const staging = Environment.fromEnvironmentName(stack, 'Staging', 'staging');
    new Component(stack, 'Jobs', { componentName: 'jobs', infrastructure, environment: staging });
    expect(() => new Component(stack, 'Jobs2', { componentName: 'jobs', infrastructure, environment: staging }))
      .toThrow(/^'Platform\/Jobs2' and 'Platform\/Jobs' both declare the component 'jobs'/);

    const repository = new Repository(stack, 'Repo', { provider: RepositoryProvider.GITHUB, repositoryName: 'acme/t', connectionArn: CONNECTION });
    expect(() => new Repository(stack, 'Repo2', { provider: RepositoryProvider.GITHUB, repositoryName: 'acme/t', connectionArn: CONNECTION }))
      .toThrow(/^'Platform\/Repo2' and 'Platform\/Repo' both declare the repository 'GITHUB:acme\/t'/);
    // The same owner/name with another provider is another repository link.
    new Repository(stack, 'Repo3', { provider: RepositoryProvider.BITBUCKET, repositoryName: 'acme/t', connectionArn: CONNECTION });

    const net = EnvironmentTemplate.fromEnvironmentTemplateName(stack, 'NetRef', 'net');
    new TemplateSyncConfig(stack, 'Sync', { template: SyncedTemplate.environmentTemplate(net), repository, branch: 'main' });
    expect(() => new TemplateSyncConfig(stack, 'Sync2', { template: SyncedTemplate.environmentTemplate(net), repository, branch: 'other' }))
      .toThrow(/^'Platform\/Sync2' and 'Platform\/Sync' both declare the template sync configuration 'ENVIRONMENT\/net'/);

    const api = service(stack, 'Api', 'api');
    expect(() => new ServiceInstance(stack, 'Dev2', { service: api, serviceInstanceName: 'dev', environment: dev }))
      .toThrow(/^'Platform\/Dev2' and 'Platform\/Api\/Instance.dev' both declare the service instance 'api\/dev'/);
  });

  test('two connections for one environment of one management account', () => {
    const stack = new Stack(new App(), 'EnvAccount', { env: { account: '210987654321', region: 'us-east-1' } });
    const role = iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::210987654321:role/proton');
    new EnvironmentAccountConnection(stack, 'A', { managementAccountId: '123456789012', environmentName: 'dev', role });
    expect(() => new EnvironmentAccountConnection(stack, 'B', { managementAccountId: '123456789012', environmentName: 'dev', role }))
      .toThrow(/^'EnvAccount\/B' and 'EnvAccount\/A' both declare the environment account connection '123456789012\/dev'/);
  });
});

describe('the same name is allowed where Proton keeps them apart', () => {
  test('other accounts or regions, environment-agnostic stacks, other stages, other services\' instances', () => {
    const app = new App();
    environment(new Stack(app, 'Virginia', { env: ENV }), 'Dev', 'dev');
    environment(new Stack(app, 'Ireland', { env: { ...ENV, region: 'eu-west-1' } }), 'Dev', 'dev');
    environment(new Stack(app, 'Other', { env: { ...ENV, account: '210987654321' } }), 'Dev', 'dev');
    // Two environment-agnostic stacks may be deployed to different accounts.
    environment(new Stack(app, 'AgnosticA'), 'Dev', 'dev');
    environment(new Stack(app, 'AgnosticB'), 'Dev', 'dev');
    // A stage is its own cloud assembly.
    environment(new Stack(new Stage(app, 'Beta'), 'Virginia', { env: ENV }), 'Dev', 'dev');
    const stack = new Stack(app, 'Services', { env: ENV });
    service(stack, 'Api', 'api', 'dev');
    service(stack, 'Web', 'web', 'dev');
    // The check runs when a construct is declared: each declaration above would have thrown.
    expect(stack.node.findAll().filter(Service.isService).map((s) => s.node.path)).toEqual(['Services/Api', 'Services/Web']);
  });

  test('generated names are not compared (they derive from the unique construct path)', () => {
    const stack = new Stack(new App(), 'Platform', { env: ENV });
    const a = new EnvironmentTemplate(stack, 'A');
    const b = new EnvironmentTemplate(stack, 'B');
    const nameOf = (t: EnvironmentTemplate) => stack.resolve((t as unknown as { _nameAtSynth: string })._nameAtSynth);
    expect(nameOf(a)).toMatch(/^Platform-A-[0-9A-F]{8}-[0-9a-f]{8}$/);
    expect(nameOf(b)).toMatch(/^Platform-B-[0-9A-F]{8}-[0-9a-f]{8}$/);
  });
});
