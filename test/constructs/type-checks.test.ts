import { App, Stack } from 'aws-cdk-lib';
import * as src from '../../src';

/** A second copy of the library, as when an app installs cdk-proton twice (separate module instances). */
function secondCopy(): typeof src {
  let copy: typeof src | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh module instance, as a second installed copy is
    copy = require('../../src');
  });
  return copy!;
}

test('isXxx recognizes constructs of another copy of the library, where instanceof does not', () => {
  const other = secondCopy();
  expect(other.Environment).not.toBe(src.Environment);
  const stack = new Stack(new App(), 'TestStack', { env: { account: '123456789012', region: 'us-east-1' } });
  const template = other.EnvironmentTemplate.fromEnvironmentTemplateName(stack, 'T', 'net');
  const environment = new other.Environment(stack, 'Dev', {
    environmentName: 'dev', template, templateMajorVersion: '1', provisioning: other.EnvironmentProvisioning.customerManaged(),
  });
  expect(environment instanceof src.Environment).toBe(false);
  expect(src.Environment.isEnvironment(environment)).toBe(true);

  const service = new other.Service(stack, 'Api', { serviceName: 'api', template: other.ServiceTemplate.fromServiceTemplateName(stack, 'S', 'web'), templateMajorVersion: '1' });
  service.addInstance('dev', { environment });
  const instance = new other.ServiceInstance(stack, 'Extra', { service, serviceInstanceName: 'extra', environment });
  expect(src.Service.isService(service)).toBe(true);
  expect(src.ServiceInstance.isServiceInstance(instance)).toBe(true);
  // A component of this copy attached to the other copy's service still sees its declared instances,
  // and both copies share the stack's one provider.
  const jobs = new src.Component(stack, 'Jobs', {
    infrastructure: src.ComponentInfrastructure.fromString('Resources:\n  Q:\n    Type: AWS::SQS::Queue\n', src.ComponentTemplateLanguage.CLOUDFORMATION),
    serviceInstance: src.ServiceInstance.fromServiceInstanceName(stack, 'Qa', service, 'qa'),
  });
  expect(jobs.node.validate()).toEqual([expect.stringContaining("service 'TestStack/Api' declares no instance 'qa' (instances: dev)")]);
  expect(stack.node.children.filter((c) => c.node.id === 'cdk-proton.ProtonProvider')).toHaveLength(1);
});

test('isXxx is false for other constructs and values', () => {
  const stack = new Stack(new App(), 'TestStack');
  const imported = src.Environment.fromEnvironmentName(stack, 'Imported', 'dev');
  expect(src.Environment.isEnvironment(imported)).toBe(false);
  expect(src.Environment.isEnvironment(stack)).toBe(false);
  expect(src.Service.isService(undefined)).toBe(false);
  expect(src.Component.isComponent('Component')).toBe(false);
  expect(src.EnvironmentTemplateVersion.isEnvironmentTemplateVersion({})).toBe(false);
  expect(src.ServiceTemplateVersion.isServiceTemplateVersion(null)).toBe(false);
  expect(src.EnvironmentAccountConnection.isEnvironmentAccountConnection(imported)).toBe(false);
});
