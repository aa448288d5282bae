import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import {
  Component, Environment, EnvironmentTemplate, EnvironmentTemplateProvisioning, EnvironmentTemplateVersion, Repository, Service,
  ServiceInstance, ServiceTemplate, ServiceTemplateVersion, TemplateBundle,
} from '../../src';
import { BUNDLES_DIR } from '../fixtures/bundles/corpus';

/** The importing stack is in another account and region than the imported resources. */
function newStack(): Stack {
  return new Stack(new App(), 'TestStack', { env: { account: '111111111111', region: 'us-east-1' } });
}

const FOREIGN = 'arn:aws:proton:eu-west-1:222222222222';

describe('importers keep the account and region of the ARN they are given', () => {
  const cases: Array<[string, (s: Stack) => { readonly env: { account: string; region: string } }, string, Record<string, string>]> = [
    ['Service.fromServiceArn', (s) => Service.fromServiceArn(s, 'I', `${FOREIGN}:service/web`), `${FOREIGN}:service/web`, { serviceName: 'web' }],
    ['Environment.fromEnvironmentArn', (s) => Environment.fromEnvironmentArn(s, 'I', `${FOREIGN}:environment/dev`), `${FOREIGN}:environment/dev`, { environmentName: 'dev' }],
    ['Environment.fromEnvironmentAttributes', (s) => Environment.fromEnvironmentAttributes(s, 'I', { environmentArn: `${FOREIGN}:environment/dev`, environmentName: 'dev' }),
      `${FOREIGN}:environment/dev`, { environmentName: 'dev' }],
    ['Component.fromComponentArn', (s) => Component.fromComponentArn(s, 'I', `${FOREIGN}:component/jobs`), `${FOREIGN}:component/jobs`, { componentName: 'jobs' }],
    ['EnvironmentTemplate.fromEnvironmentTemplateArn', (s) => EnvironmentTemplate.fromEnvironmentTemplateArn(s, 'I', `${FOREIGN}:environment-template/net`),
      `${FOREIGN}:environment-template/net`, { environmentTemplateName: 'net' }],
    ['ServiceTemplate.fromServiceTemplateArn', (s) => ServiceTemplate.fromServiceTemplateArn(s, 'I', `${FOREIGN}:service-template/svc`),
      `${FOREIGN}:service-template/svc`, { serviceTemplateName: 'svc' }],
    ['EnvironmentTemplateVersion.fromEnvironmentTemplateVersionArn', (s) => EnvironmentTemplateVersion.fromEnvironmentTemplateVersionArn(s, 'I', `${FOREIGN}:environment-template/net:3.12`),
      `${FOREIGN}:environment-template/net:3.12`, { majorVersion: '3', minorVersion: '12' }],
    ['ServiceTemplateVersion.fromServiceTemplateVersionArn', (s) => ServiceTemplateVersion.fromServiceTemplateVersionArn(s, 'I', `${FOREIGN}:service-template/svc:1.0`),
      `${FOREIGN}:service-template/svc:1.0`, { majorVersion: '1', minorVersion: '0' }],
    ['ServiceInstance.fromServiceInstanceArn', (s) => ServiceInstance.fromServiceInstanceArn(s, 'I', `${FOREIGN}:service/web/service-instance/dev`),
      `${FOREIGN}:service/web/service-instance/dev`, { serviceInstanceName: 'dev' }],
    ['Repository.fromRepositoryArn', (s) => Repository.fromRepositoryArn(s, 'I', `${FOREIGN}:repository/github_enterprise:acme/templates`),
      `${FOREIGN}:repository/github_enterprise:acme/templates`, { repositoryName: 'acme/templates', repositoryProvider: 'GITHUB_ENTERPRISE' }],
  ];
  test.each(cases)('%s', (_method, importIt, arn, attributes) => {
    const imported = importIt(newStack()) as any;
    expect(imported.env).toEqual({ account: '222222222222', region: 'eu-west-1' });
    const arnProperty = Object.keys(imported).find((key) => key.endsWith('Arn') && typeof imported[key] === 'string' && imported[key].startsWith('arn:'));
    expect(imported[arnProperty!]).toBe(arn);
    for (const [key, value] of Object.entries(attributes)) {
      expect(imported[key]).toBe(value);
    }
  });

  test('a version or instance imported by ARN carries its template or service, also in that account', () => {
    const stack = newStack();
    const version = ServiceTemplateVersion.fromServiceTemplateVersionArn(stack, 'V', `${FOREIGN}:service-template/svc:1.0`);
    expect(version.template.serviceTemplateArn).toBe(`${FOREIGN}:service-template/svc`);
    expect(version.template.env).toEqual({ account: '222222222222', region: 'eu-west-1' });
    const instance = ServiceInstance.fromServiceInstanceArn(stack, 'I', `${FOREIGN}:service/web/service-instance/dev`);
    expect(instance.service.serviceArn).toBe(`${FOREIGN}:service/web`);
    expect(instance.service.serviceName).toBe('web');
    expect(instance.environment).toBeUndefined();
  });

  test('a name alone is taken in the stack\'s account and region', () => {
    const stack = newStack();
    const service = Service.fromServiceName(stack, 'S', 'web');
    expect(stack.resolve(service.serviceArn)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':proton:us-east-1:111111111111:service/web']] });
    const instance = ServiceInstance.fromServiceInstanceName(stack, 'I', service, 'dev');
    expect(stack.resolve(instance.serviceInstanceArn))
      .toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':proton:us-east-1:111111111111:service/web/service-instance/dev']] });
  });
});

describe('importers throw', () => {
  const cases: Array<[string, (s: Stack) => unknown, string]> = [
    ['on an ARN of another resource type', (s) => Service.fromServiceArn(s, 'I', `${FOREIGN}:environment/web`),
      "serviceArn 'arn:aws:proton:eu-west-1:222222222222:environment/web' is not a service ARN: expected arn:<partition>:proton:<region>:<account>:service/<name>."],
    ['when the name and the ARN disagree', (s) => Environment.fromEnvironmentAttributes(s, 'I', { environmentName: 'prod', environmentArn: `${FOREIGN}:environment/dev` }),
      "Environment.fromEnvironmentAttributes: environmentName 'prod' is not the name in environmentArn 'arn:aws:proton:eu-west-1:222222222222:environment/dev' ('dev'). "
      + 'Give one of them, or both for the same environment.'],
    ['without name and ARN', (s) => Environment.fromEnvironmentAttributes(s, 'I', {}),
      'Environment.fromEnvironmentAttributes needs environmentName or environmentArn: give at least one.'],
    ['on a version ARN without a version', (s) => EnvironmentTemplateVersion.fromEnvironmentTemplateVersionArn(s, 'I', `${FOREIGN}:environment-template/net`),
      "environmentTemplateVersionArn 'arn:aws:proton:eu-west-1:222222222222:environment-template/net' is not an environment template version ARN: "
      + 'expected arn:<partition>:proton:<region>:<account>:environment-template/<name>:<major>.<minor>.'],
    ['on an instance ARN without an instance', (s) => ServiceInstance.fromServiceInstanceArn(s, 'I', `${FOREIGN}:service/web`),
      "serviceInstanceArn 'arn:aws:proton:eu-west-1:222222222222:service/web' is not a service instance ARN: "
      + 'expected arn:<partition>:proton:<region>:<account>:service/<service>/service-instance/<instance>.'],
    ['on an instance without service or name', (s) => ServiceInstance.fromServiceInstanceAttributes(s, 'I', { serviceInstanceName: 'dev' }),
      'ServiceInstance.fromServiceInstanceAttributes needs serviceInstanceArn, or service and serviceInstanceName: give one of them.'],
    ['on a repository ARN of an unknown provider', (s) => Repository.fromRepositoryArn(s, 'I', `${FOREIGN}:repository/gitlab:acme/templates`),
      "repositoryArn 'arn:aws:proton:eu-west-1:222222222222:repository/gitlab:acme/templates' is not a repository link ARN: expected "
      + 'arn:<partition>:proton:<region>:<account>:repository/<provider>:<owner>/<name>, e.g. arn:aws:proton:us-east-1:123456789012:repository/github:my-org/templates '
      + '(provider github, github_enterprise or bitbucket).'],
    ['on getOutput of an imported instance', (s) => ServiceInstance.fromServiceInstanceArn(s, 'I', `${FOREIGN}:service/web/service-instance/dev`).getOutput('Url'),
      "getOutput('Url'): service instance 'TestStack/I' is imported, so this app does not read its outputs. "
      + 'Read the outputs of an instance this app declares (Service.addInstance or new ServiceInstance), or pass the value in another way.'],
  ];
  test.each(cases)('%s', (_label, act, message) => {
    expect(() => act(newStack())).toThrow(message);
  });
});

describe('attributes', () => {
  test('an imported environment template declares its provisioning: its versions\' bundles are checked for it', () => {
    const stack = newStack();
    const customerManaged = EnvironmentTemplate.fromEnvironmentTemplateAttributes(stack, 'Cm', {
      environmentTemplateName: 'cm', provisioning: EnvironmentTemplateProvisioning.CUSTOMER_MANAGED,
    });
    expect(customerManaged).toMatchObject({ provisioning: EnvironmentTemplateProvisioning.CUSTOMER_MANAGED });
    // A standard bundle (with infrastructure/) is refused for a customer-managed template.
    expect(() => new EnvironmentTemplateVersion(stack, 'V', { template: customerManaged, bundle: TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, 'env-cloudformation')) }))
      .toThrow(/a customer-managed environment template bundle contains only schema\/schema.yaml; remove the infrastructure directory/);
    const standard = EnvironmentTemplate.fromEnvironmentTemplateName(stack, 'Std', 'std');
    expect(standard).toMatchObject({ provisioning: EnvironmentTemplateProvisioning.STANDARD });
  });
});
