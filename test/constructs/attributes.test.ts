import { App, Stack, Tags } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  Environment, EnvironmentAccountConnection, EnvironmentProvisioning, EnvironmentTemplate, Repository, RepositoryProvider, Service, ServiceInstance,
  ServiceInstanceSpec, ServicePipelineSpec, ServiceTemplate,
} from '../../src';

const ENV = { account: '123456789012', region: 'us-east-1' };
const getAtt = (prefix: string, attribute: string) => ({ 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${prefix}`)), attribute] });

function setup() {
  const app = new App();
  const stack = new Stack(app, 'TestStack', { env: ENV });
  const template = EnvironmentTemplate.fromEnvironmentTemplateName(stack, 'Net', 'net');
  const dev = new Environment(stack, 'Dev', { environmentName: 'dev', template, templateMajorVersion: '1', provisioning: EnvironmentProvisioning.customerManaged() });
  const api = new Service(stack, 'Api', { serviceName: 'api', template: ServiceTemplate.fromServiceTemplateName(stack, 'Web', 'web'), templateMajorVersion: '1' });
  return { app, stack, dev, api };
}

test('the deployed template version of an environment and the status of a connection are attributes', () => {
  const { stack, dev } = setup();
  expect(stack.resolve(dev.environmentTemplateMajorVersion)).toEqual(getAtt('Dev', 'TemplateMajorVersion'));
  expect(stack.resolve(dev.environmentTemplateMinorVersion)).toEqual(getAtt('Dev', 'TemplateMinorVersion'));
  const envAccount = new Stack(new App(), 'EnvAccount', { env: { ...ENV, account: '210987654321' } });
  const connection = new EnvironmentAccountConnection(envAccount, 'Connection', {
    managementAccountId: '123456789012', environmentName: 'dev', role: iam.Role.fromRoleArn(envAccount, 'Role', 'arn:aws:iam::210987654321:role/proton'),
  });
  expect(envAccount.resolve(connection.environmentAccountConnectionStatus)).toEqual(getAtt('Connection', 'Status'));
});

test('names and ARNs of constructs are resolvable from another account (physical names known at synth)', () => {
  const { app, dev, api } = setup();
  const instance = api.addInstance('dev', { environment: dev, spec: ServiceInstanceSpec.fromInputs({ port: 80 }) });
  const repository = new Repository(dev.stack, 'Repo', {
    provider: RepositoryProvider.GITHUB, repositoryName: 'acme/templates', connectionArn: 'arn:aws:codestar-connections:us-east-1:123456789012:connection/abc',
  });
  const extra = new ServiceInstance(dev.stack, 'Extra', { service: api, serviceInstanceName: 'extra', environment: dev });
  const elsewhere = new Stack(app, 'Elsewhere', { env: { account: '210987654321', region: 'eu-west-1' } });
  const partition = { Ref: 'AWS::Partition' };
  expect(elsewhere.resolve(dev.environmentName)).toBe('dev');
  expect(elsewhere.resolve(dev.environmentArn)).toEqual({ 'Fn::Join': ['', ['arn:', partition, ':proton:us-east-1:123456789012:environment/dev']] });
  expect(elsewhere.resolve(repository.repositoryName)).toBe('acme/templates');
  expect(elsewhere.resolve(repository.repositoryArn)).toEqual({ 'Fn::Join': ['', ['arn:', partition, ':proton:us-east-1:123456789012:repository/github:acme/templates']] });
  expect(elsewhere.resolve(extra.serviceInstanceName)).toBe('extra');
  expect(elsewhere.resolve(extra.serviceInstanceArn))
    .toEqual({ 'Fn::Join': ['', ['arn:', partition, ':proton:us-east-1:123456789012:service/api/service-instance/extra']] });
  expect(instance.serviceInstanceName).toBe('dev');
  expect(elsewhere.resolve(instance.serviceInstanceArn))
    .toEqual({ 'Fn::Join': ['', ['arn:', partition, ':proton:us-east-1:123456789012:service/api/service-instance/dev']] });
  expect(elsewhere.resolve(api.pipeline.servicePipelineArn)).toEqual({ 'Fn::Join': ['', ['arn:', partition, ':proton:us-east-1:123456789012:service/api/pipeline']] });
});

test('the instances of a Service are IServiceInstances with their service, environment and outputs', () => {
  const { stack, dev, api } = setup();
  const instance = api.addInstance('dev', { environment: dev });
  expect(api.instance('dev')).toBe(instance);
  expect(instance.service).toBe(api);
  expect(instance.environment).toBe(dev);
  expect(stack.resolve(instance.getOutput('Url'))).toEqual(getAtt('Api', 'Output.dev.Url'));
  expect(stack.resolve(api.pipeline.getOutput('Topic'))).toEqual(getAtt('Api', 'PipelineOutput.Topic'));
  expect(() => Service.fromServiceName(stack, 'Other', 'other').pipeline.getOutput('Topic'))
    .toThrow("getOutput('Topic'): service 'TestStack/Other' is imported, so this app does not read its pipeline's outputs. Read the outputs of the pipeline of a Service this app declares.");
  Template.fromStack(stack).hasResourceProperties('Custom::ProtonService', { InstanceOutputs: ['dev.Url'], PipelineOutputs: ['Topic'] });
});

test('pipeline specs render as the PipelineInputs property', () => {
  const stack = new Stack(new App(), 'TestStack', { env: ENV });
  const api = new Service(stack, 'Api', {
    serviceName: 'api',
    template: ServiceTemplate.fromServiceTemplateName(stack, 'Web', 'web'),
    templateMajorVersion: '1',
    pipelineSpec: ServicePipelineSpec.fromInputs({ test_command: 'make test' }),
  });
  api.addInstance('dev', { environment: Environment.fromEnvironmentName(stack, 'Dev', 'dev') });
  Template.fromStack(stack).hasResourceProperties('Custom::ProtonService', { PipelineInputs: '{"test_command":"make test"}' });
});

describe('reserved tag keys fail synthesis for every tagged construct', () => {
  test.each([
    ['service', (s: ReturnType<typeof setup>) => s.api, "service 'TestStack/Api'"],
    ['service instance', (s: ReturnType<typeof setup>) => new ServiceInstance(s.stack, 'Extra', { service: s.api, serviceInstanceName: 'extra', environment: s.dev }),
      "service instance 'TestStack/Extra'"],
    ['environment', (s: ReturnType<typeof setup>) => s.dev, "environment 'TestStack/Dev'"],
  ])('%s', (_kind, pick, what) => {
    const s = setup();
    s.api.addInstance('dev', { environment: s.dev });
    Tags.of(pick(s)).add('cdk-proton:owner', 'me');
    expect(() => Template.fromStack(s.stack)).toThrow(`Tag key(s) cdk-proton:owner of ${what} use a reserved prefix (aws:, cdk-proton:): `
      + "AWS and cdk-proton's ownership tags use them. Rename these tags.");
  });
});
