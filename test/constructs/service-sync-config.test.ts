import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Environment, IService, Repository, RepositoryProvider, Service, ServiceInstance, ServiceSyncConfig, ServiceTemplate } from '../../src';

const TYPE = 'Custom::ProtonServiceSyncConfig';
const ENV = { account: '123456789012', region: 'us-east-1' };
const CONNECTION = 'arn:aws:codestar-connections:us-east-1:123456789012:connection/2f6c6a0e-1111-4aaa-8bbb-000000000001';
const ACTIONS = ['proton:CreateServiceSyncConfig', 'proton:DeleteServiceSyncConfig', 'proton:GetServiceSyncConfig', 'proton:UpdateServiceSyncConfig'];

function fixture(app = new App()) {
  const stack = new Stack(app, 'TestStack', { env: ENV });
  const repository = new Repository(stack, 'Repo', { provider: RepositoryProvider.GITHUB, repositoryName: 'acme/ops', connectionArn: CONNECTION });
  const service = Service.fromServiceName(stack, 'Web', 'web');
  return { app, stack, repository, service };
}

/** A `Service` construct of the app with one instance. */
function serviceConstruct(stack: Stack, id: string, serviceName: string): Service {
  return new Service(stack, id, {
    serviceName,
    template: ServiceTemplate.fromServiceTemplateName(stack, `${id}Template`, 'web-svc'),
    templateMajorVersion: '1',
    instances: [{ name: 'dev', environment: Environment.fromEnvironmentName(stack, `${id}Dev`, 'dev') }],
  });
}

/** A `ServiceInstance` construct added to `service`. */
function instanceOf(stack: Stack, id: string, service: IService): ServiceInstance {
  return new ServiceInstance(stack, id, { service, serviceInstanceName: id.toLowerCase(), environment: Environment.fromEnvironmentName(stack, `${id}Env`, 'prod') });
}


function driverError(syncPath: string, service: string, drivers: string, reference: string): string {
  return `ServiceSyncConfig '${syncPath}' syncs ${service} from the repository, but this app also drives its instances through the Proton API: ${drivers}. `
    + "Proton deploys a synced service's instances from the repository's proton-ops file; every change made to them through the API "
    + '(UpdateService, CreateServiceInstance, UpdateServiceInstance) is a manual change that raises a sync blocker, which stops the sync until '
    + 'someone resolves it. Either let the repository drive the instances (create the service outside this app and reference it with '
    + `${reference}, with no Service or ServiceInstance for it here) or remove the ServiceSyncConfig.`;
}

describe('ServiceSyncConfig', () => {
  test('declares the configuration of an imported service after the repository; attribute; IAM on the service', () => {
    const { stack, repository, service } = fixture();
    const sync = new ServiceSyncConfig(stack, 'Sync', { service, repository, branch: 'main', filePath: 'ops/web.yaml' });
    const t = Template.fromStack(stack);
    const resources = t.findResources(TYPE);
    expect(Object.values(resources)).toEqual([{
      Type: TYPE,
      Properties: {
        ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^cdkprotonProtonProviderframeworkonEvent/), 'Arn'] },
        ServiceTimeout: '3000',
        ServiceName: 'web',
        RepositoryProvider: 'GITHUB',
        RepositoryName: { 'Fn::GetAtt': [expect.stringMatching(/^Repo/), 'Name'] },
        Branch: 'main',
        FilePath: 'ops/web.yaml',
      },
      // The policy of its sync-config actions (Resource "*"): deleted after the configuration.
      DependsOn: [expect.stringMatching(/^cdkprotonProtonProviderRemovalPolicyTestStackSync/), expect.stringMatching(/^Repo/)],
      UpdateReplacePolicy: 'Delete',
      DeletionPolicy: 'Delete',
    }]);
    expect(stack.resolve(sync.serviceName)).toEqual({ 'Fn::GetAtt': [Object.keys(resources)[0], 'ServiceName'] });
    // Sync-config actions support no resource-level permissions.
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ACTIONS, Resource: '*' }] },
    });
    expect(sync.node.validate()).toEqual([]);
  });

  test('filePath defaults to proton-ops.yaml; an imported repository is referenced by name', () => {
    const { stack, service } = fixture();
    const repository = Repository.fromRepositoryAttributes(stack, 'Shared', { provider: RepositoryProvider.BITBUCKET, repositoryName: 'acme/shared' });
    new ServiceSyncConfig(stack, 'Sync', { service, repository, branch: 'release' });
    expect(Object.values(Template.fromStack(stack).findResources(TYPE)).map((r) => r.Properties)).toEqual([{
      ServiceToken: expect.anything(), ServiceTimeout: '3000', ServiceName: 'web', RepositoryProvider: 'BITBUCKET', RepositoryName: 'acme/shared', Branch: 'release', FilePath: 'proton-ops.yaml',
    }]);
  });

  test('a service imported by ARN: its name in the configuration', () => {
    const { stack, repository } = fixture();
    const service = Service.fromServiceArn(stack, 'ByArn', 'arn:aws:proton:us-east-1:123456789012:service/api');
    new ServiceSyncConfig(stack, 'Sync', { service, repository, branch: 'main' });
    Template.fromStack(stack).hasResourceProperties(TYPE, { ServiceName: 'api' });
  });

  test('an imported service with instances driven elsewhere, and other services driven here, synthesizes cleanly', () => {
    const { stack, repository, service } = fixture();
    const other = serviceConstruct(stack, 'Api', 'api');
    instanceOf(stack, 'ApiExtra', Service.fromServiceName(stack, 'ApiRef', 'api'));
    new ServiceSyncConfig(stack, 'Sync', { service, repository, branch: 'main' });
    // Same name, another region: another service.
    const west = new Stack(stack.node.root as App, 'West', { env: { ...ENV, region: 'us-west-2' } });
    serviceConstruct(west, 'Web', 'web');
    expect(() => Template.fromStack(stack)).not.toThrow();
    expect(other.node.validate()).toEqual([]);
  });

  describe('sync-blocker conflicts', () => {
    test('the synced service is a Service construct of this app', () => {
      const { stack, repository } = fixture();
      const service = serviceConstruct(stack, 'Api', 'api');
      const sync = new ServiceSyncConfig(stack, 'Sync', { service, repository, branch: 'main' });
      expect(sync.node.validate()).toEqual([
        driverError('TestStack/Sync', "service 'api'", "Service 'TestStack/Api'", "Service.fromServiceName(scope, id, 'api')"),
      ]);
      // Created after (deleted before) the service it syncs, when that is a construct of the app.
      expect(sync.node.findChild('Resource').node.dependencies).toEqual([service, repository]);
      expect(() => Template.fromStack(stack)).toThrow(/Validation failed with the following errors:\n\s+\[TestStack\/Sync\] ServiceSyncConfig 'TestStack\/Sync' syncs service 'api'/);
    });

    test('a Service construct of this app has the name of the imported synced service', () => {
      const { stack, repository, service } = fixture();
      serviceConstruct(stack, 'WebService', 'web');
      const sync = new ServiceSyncConfig(stack, 'Sync', { service, repository, branch: 'main' });
      expect(sync.node.validate()).toEqual([
        driverError('TestStack/Sync', "service 'web'", "Service 'TestStack/WebService'", "Service.fromServiceName(scope, id, 'web')"),
      ]);
    });

    test('ServiceInstance constructs on the synced service (same construct, or same name in another stack of the same environment)', () => {
      const { app, stack, repository, service } = fixture();
      instanceOf(stack, 'Extra', service);
      const other = new Stack(app, 'Other', { env: ENV });
      instanceOf(other, 'More', Service.fromServiceName(other, 'WebAgain', 'web'));
      const sync = new ServiceSyncConfig(stack, 'Sync', { service, repository, branch: 'main' });
      expect(sync.node.validate()).toEqual([
        driverError('TestStack/Sync', "service 'web'", "ServiceInstance 'TestStack/Extra', ServiceInstance 'Other/More'", "Service.fromServiceName(scope, id, 'web')"),
      ]);
    });

    test('a service whose name is a token is matched by construct only', () => {
      const { stack, repository } = fixture();
      const name = new CfnParameter(stack, 'ServiceName').valueAsString;
      const service = Service.fromServiceName(stack, 'Dynamic', name);
      instanceOf(stack, 'Extra', service);
      instanceOf(stack, 'Unknown', Service.fromServiceName(stack, 'DynamicAgain', name));
      const sync = new ServiceSyncConfig(stack, 'Sync', { service, repository, branch: 'main' });
      expect(sync.node.validate()).toEqual([
        driverError('TestStack/Sync', "the service of 'TestStack/Dynamic'", "ServiceInstance 'TestStack/Extra'", 'Service.fromServiceName'),
      ]);
    });
  });

  describe('one configuration per service', () => {
    test('two configurations of the same construct: the second is refused', () => {
      const { stack, repository, service } = fixture();
      const first = new ServiceSyncConfig(stack, 'First', { service, repository, branch: 'main' });
      const second = new ServiceSyncConfig(stack, 'Second', { service, repository, branch: 'release' });
      expect(first.node.validate()).toEqual([]);
      expect(second.node.validate()).toEqual([
        "ServiceSyncConfig 'TestStack/Second' syncs service 'web', which ServiceSyncConfig 'TestStack/First' already syncs: "
        + 'Proton allows one service sync configuration per service. Remove one of them.',
      ]);
    });

    test('two configurations of the same literal name in two stacks of the same environment', () => {
      const { app, stack, repository, service } = fixture();
      new ServiceSyncConfig(stack, 'First', { service, repository, branch: 'main' });
      const other = new Stack(app, 'Other', { env: ENV });
      const again = new ServiceSyncConfig(other, 'Again', {
        service: Service.fromServiceName(other, 'Web', 'web'),
        repository: Repository.fromRepositoryAttributes(other, 'Repo', { provider: RepositoryProvider.GITHUB, repositoryName: 'acme/ops' }),
        branch: 'main',
      });
      expect(again.node.validate()).toEqual([
        "ServiceSyncConfig 'Other/Again' syncs service 'web', which ServiceSyncConfig 'TestStack/First' already syncs: "
        + 'Proton allows one service sync configuration per service. Remove one of them.',
      ]);
    });
  });

  describe('validation', () => {
    test('throws when the branch is empty or longer than 200 characters', () => {
      const { stack, repository, service } = fixture();
      expect(() => new ServiceSyncConfig(stack, 'A', { service, repository, branch: '' }))
        .toThrow('branch must be 1 to 200 characters long, got 0 characters. Give at least 1 character(s) or omit branch.');
      expect(() => new ServiceSyncConfig(stack, 'B', { service, repository, branch: 'b'.repeat(201) }))
        .toThrow('branch must be 1 to 200 characters long, got 201 characters. Shorten it to 200 characters.');
    });

    test('throws when the file path is empty, too long or absolute', () => {
      const { stack, repository, service } = fixture();
      expect(() => new ServiceSyncConfig(stack, 'A', { service, repository, branch: 'main', filePath: '' }))
        .toThrow('filePath must be 1 to 4096 characters long, got 0 characters. Give at least 1 character(s) or omit filePath.');
      expect(() => new ServiceSyncConfig(stack, 'B', { service, repository, branch: 'main', filePath: 'f'.repeat(4097) }))
        .toThrow('filePath must be 1 to 4096 characters long, got 4097 characters. Shorten it to 4096 characters.');
      expect(() => new ServiceSyncConfig(stack, 'C', { service, repository, branch: 'main', filePath: '/ops/proton-ops.yaml' }))
        .toThrow("filePath '/ops/proton-ops.yaml' must be relative to the repository root: remove the leading '/'.");
    });
  });
});
