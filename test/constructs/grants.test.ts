/**
 * The grants of environments, services and their pipelines, service instances, components and
 * templates: built from the permissions table (src/private/permissions.ts), the same way on
 * imported and declared resources, exact statements.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Component, Environment, EnvironmentTemplate, Service, ServiceInstance, ServiceTemplate } from '../../src';

const arn = (suffix: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:proton:us-east-1:123456789012:${suffix}`]] });

function setup() {
  const stack = new Stack(new App(), 'Grants', { env: { account: '123456789012', region: 'us-east-1' } });
  const role = new iam.Role(stack, 'Deployer', { assumedBy: new iam.AccountRootPrincipal() });
  return { stack, role };
}

/** The statements of the grantee's policy. */
function statements(stack: Stack): unknown[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  return Object.entries(policies).filter(([id]) => id.startsWith('DeployerDefaultPolicy')).flatMap(([, p]: [string, any]) => p.Properties.PolicyDocument.Statement);
}

const ENVIRONMENT_READ = ['proton:GetEnvironment', 'proton:ListEnvironmentOutputs', 'proton:ListEnvironmentProvisionedResources', 'proton:ListTagsForResource'];

test('environment: grantRead reads, grantDeploy also updates and cancels; both on the environment\'s ARN only', () => {
  const { stack, role } = setup();
  const dev = Environment.fromEnvironmentName(stack, 'Dev', 'dev');
  dev.grantRead(role);
  expect(statements(stack)).toEqual([{ Effect: 'Allow', Action: ENVIRONMENT_READ, Resource: arn('environment/dev') }]);

  const other = setup();
  Environment.fromEnvironmentName(other.stack, 'Dev', 'dev').grantDeploy(other.role);
  expect(statements(other.stack)).toEqual([{
    Effect: 'Allow',
    Action: [...ENVIRONMENT_READ, 'proton:UpdateEnvironment', 'proton:CancelEnvironmentDeployment'].sort(),
    Resource: arn('environment/dev'),
  }]);
});

test('service: the service and its pipeline', () => {
  const { stack, role } = setup();
  Service.fromServiceName(stack, 'Web', 'web').grantDeploy(role);
  expect(statements(stack)).toEqual([{
    Effect: 'Allow',
    Action: [
      'proton:CancelServicePipelineDeployment', 'proton:GetService', 'proton:ListServicePipelineOutputs', 'proton:ListServicePipelineProvisionedResources',
      'proton:ListTagsForResource', 'proton:UpdateService', 'proton:UpdateServicePipeline',
    ],
    Resource: arn('service/web'),
  }]);
});

test('service pipeline: only the pipeline\'s actions, on the service (IAM has no pipeline resource type)', () => {
  const { stack, role } = setup();
  const web = Service.fromServiceArn(stack, 'Web', 'arn:aws:proton:eu-west-1:210987654321:service/web');
  web.pipeline.grantRead(role);
  web.pipeline.grantDeploy(role);
  const read = ['proton:GetService', 'proton:ListServicePipelineOutputs', 'proton:ListServicePipelineProvisionedResources'];
  expect(statements(stack)).toEqual([
    { Effect: 'Allow', Action: read, Resource: 'arn:aws:proton:eu-west-1:210987654321:service/web' },
    {
      Effect: 'Allow',
      Action: [...read, 'proton:CancelServicePipelineDeployment', 'proton:UpdateServicePipeline'].sort(),
      Resource: 'arn:aws:proton:eu-west-1:210987654321:service/web',
    },
  ]);
});

const INSTANCE_DEPLOY = [
  'proton:CancelServiceInstanceDeployment', 'proton:GetServiceInstance', 'proton:ListServiceInstanceOutputs',
  'proton:ListServiceInstanceProvisionedResources', 'proton:ListTagsForResource', 'proton:UpdateServiceInstance',
];

test('service instance: the same grants on a ServiceInstance, an instance of a Service and an import; outputs and resources name the service too', () => {
  const { stack, role } = setup();
  const instance = new ServiceInstance(stack, 'Extra', {
    service: Service.fromServiceName(stack, 'Web', 'web'), environment: Environment.fromEnvironmentName(stack, 'Dev', 'dev'), serviceInstanceName: 'extra',
  });
  instance.grantDeploy(role);
  // The instance's ARN is its resource's attribute: the grant follows the instance.
  expect(statements(stack)).toEqual([
    { Effect: 'Allow', Action: INSTANCE_DEPLOY, Resource: stack.resolve(instance.serviceInstanceArn) },
    { Effect: 'Allow', Action: ['proton:ListServiceInstanceOutputs', 'proton:ListServiceInstanceProvisionedResources'], Resource: arn('service/web') },
  ]);
  expect(stack.resolve(instance.serviceInstanceArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Extra/), 'Arn'] });

  const imported = setup();
  ServiceInstance.fromServiceInstanceArn(imported.stack, 'Extra', 'arn:aws:proton:eu-west-1:210987654321:service/web/service-instance/extra')
    .grantDeploy(imported.role);
  // In the ARN's account and region.
  expect(statements(imported.stack)).toEqual([
    { Effect: 'Allow', Action: INSTANCE_DEPLOY, Resource: 'arn:aws:proton:eu-west-1:210987654321:service/web/service-instance/extra' },
    {
      Effect: 'Allow',
      Action: ['proton:ListServiceInstanceOutputs', 'proton:ListServiceInstanceProvisionedResources'],
      Resource: 'arn:aws:proton:eu-west-1:210987654321:service/web',
    },
  ]);

  const other = setup();
  const template = ServiceTemplate.fromServiceTemplateName(other.stack, 'Tmpl', 'web-tmpl');
  const service = new Service(other.stack, 'Web', { serviceName: 'web', template, templateMajorVersion: '1' });
  service.addInstance('extra', { environment: Environment.fromEnvironmentName(other.stack, 'Dev', 'dev') }).grantRead(other.role);
  // The service's ARN is its resource's attribute here: the grant follows the service.
  const serviceArn = other.stack.resolve(service.serviceArn);
  expect(statements(other.stack)).toEqual([
    {
      Effect: 'Allow',
      Action: ['proton:GetServiceInstance', 'proton:ListServiceInstanceOutputs', 'proton:ListServiceInstanceProvisionedResources', 'proton:ListTagsForResource'],
      Resource: { 'Fn::Join': ['', [serviceArn, '/service-instance/extra']] },
    },
    { Effect: 'Allow', Action: ['proton:ListServiceInstanceOutputs', 'proton:ListServiceInstanceProvisionedResources'], Resource: serviceArn },
  ]);
});

test('component', () => {
  const { stack, role } = setup();
  Component.fromComponentName(stack, 'Jobs', 'jobs').grantRead(role);
  expect(statements(stack)).toEqual([{
    Effect: 'Allow',
    Action: ['proton:GetComponent', 'proton:ListComponentOutputs', 'proton:ListComponentProvisionedResources', 'proton:ListTagsForResource'],
    Resource: arn('component/jobs'),
  }]);
});

test('grantUse of an environment template: read it, and create environments only from it (no TagResource, no PassRole)', () => {
  const { stack, role } = setup();
  EnvironmentTemplate.fromEnvironmentTemplateName(stack, 'Net', 'net').grantUse(role);
  expect(statements(stack)).toEqual([
    {
      Effect: 'Allow',
      Action: ['proton:GetEnvironmentTemplate', 'proton:GetEnvironmentTemplateVersion', 'proton:ListEnvironmentTemplateVersions', 'proton:ListTagsForResource'],
      Resource: arn('environment-template/net'),
    },
    { Effect: 'Allow', Action: 'proton:ListTagsForResource', Resource: arn('environment-template/net:*') },
    {
      Effect: 'Allow',
      Action: 'proton:CreateEnvironment',
      Condition: { StringEquals: { 'proton:EnvironmentTemplate': arn('environment-template/net') } },
      Resource: arn('environment/*'),
    },
  ]);
});

test('grantUse of a service template: services and their instances only from it, in the template\'s account and region', () => {
  const { stack, role } = setup();
  const template = ServiceTemplate.fromServiceTemplateArn(stack, 'Web', 'arn:aws:proton:eu-west-1:210987654321:service-template/web');
  template.grantUse(role);
  const theirs = (suffix: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:proton:eu-west-1:210987654321:${suffix}`]] });
  const condition = { StringEquals: { 'proton:ServiceTemplate': 'arn:aws:proton:eu-west-1:210987654321:service-template/web' } };
  expect(statements(stack)).toEqual([
    {
      Effect: 'Allow',
      Action: ['proton:GetServiceTemplate', 'proton:GetServiceTemplateVersion', 'proton:ListServiceTemplateVersions', 'proton:ListTagsForResource'],
      Resource: 'arn:aws:proton:eu-west-1:210987654321:service-template/web',
    },
    { Effect: 'Allow', Action: 'proton:ListTagsForResource', Resource: 'arn:aws:proton:eu-west-1:210987654321:service-template/web:*' },
    { Effect: 'Allow', Action: 'proton:CreateService', Condition: condition, Resource: theirs('service/*') },
    { Effect: 'Allow', Action: 'proton:CreateServiceInstance', Condition: condition, Resource: theirs('service/*/service-instance/*') },
  ]);
});
