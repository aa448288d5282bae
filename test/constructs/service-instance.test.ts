import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Environment, Service, ServiceInstance, ServiceInstanceSpec } from '../../src';

const ENV = { account: '123456789012', region: 'us-east-1' };
const TYPE = 'Custom::ProtonServiceInstance';

function setup() {
  const stack = new Stack(new App(), 'TestStack', { env: ENV });
  const service = Service.fromServiceName(stack, 'Svc', 'web');
  const environment = Environment.fromEnvironmentName(stack, 'Prod', 'prod');
  return { stack, service, environment };
}

describe('ServiceInstance', () => {
  test('declares the instance of an imported service with its inputs and requested outputs', () => {
    const { stack, service, environment } = setup();
    const instance = new ServiceInstance(stack, 'Extra', {
      service, environment, serviceInstanceName: 'extra', spec: ServiceInstanceSpec.fromInputs({ image: 'nginx' }), templateMajorVersion: '2',
    });
    const url = instance.getOutput('ServiceUrl');
    expect(stack.resolve(url)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Extra/), 'Output.ServiceUrl'] });
    Template.fromStack(stack).hasResourceProperties(TYPE, {
      ServiceName: 'web', Name: 'extra', Environment: 'prod', Inputs: '{"image":"nginx"}', TemplateMajorVersion: '2', Outputs: ['ServiceUrl'],
    });
  });

  test('the handler may manage only this instance and update its service', () => {
    const { stack, service, environment } = setup();
    new ServiceInstance(stack, 'Extra', { service, environment, serviceInstanceName: 'extra' });
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(expect.objectContaining({
      Action: expect.arrayContaining(['proton:CreateServiceInstance', 'proton:UpdateService']),
      Resource: [
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':proton:us-east-1:123456789012:service/web']] },
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':proton:us-east-1:123456789012:service/web/service-instance/extra']] },
      ],
    }));
  });

  test('throws when the instance name or an output name is invalid', () => {
    const { stack, service, environment } = setup();
    expect(() => new ServiceInstance(stack, 'Bad', { service, environment, serviceInstanceName: 'bad name' })).toThrow(/^serviceInstanceName 'bad name' is not a valid Proton name/);
    const instance = new ServiceInstance(stack, 'Ok', { service, environment, serviceInstanceName: 'ok' });
    expect(() => instance.getOutput('a b')).toThrow(/^getOutput: 'a b' is not an output name/);
  });
});
