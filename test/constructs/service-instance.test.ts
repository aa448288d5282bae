import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
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

  test('the handler may manage only this instance; what its removal needs of the service is in a policy the instance depends on', () => {
    const { stack, service, environment } = setup();
    new ServiceInstance(stack, 'Extra', { service, environment, serviceInstanceName: 'extra' });
    const template = Template.fromStack(stack);
    const policies = template.findResources('AWS::IAM::Policy');
    const arn = (suffix: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:proton:us-east-1:123456789012:${suffix}`]] });
    expect(Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement)).toContainEqual({
      Action: [
        'proton:CancelServiceInstanceDeployment', 'proton:CreateServiceInstance', 'proton:GetServiceInstance', 'proton:ListServiceInstanceOutputs',
        'proton:ListTagsForResource', 'proton:TagResource', 'proton:UntagResource', 'proton:UpdateServiceInstance',
      ],
      Effect: 'Allow',
      Resource: [arn('service/web/service-instance/extra')],
    });
    const [removalId, removal] = Object.entries(policies).find(([id]) => id.startsWith('cdkprotonProtonProviderRemovalPolicy'))!;
    expect((removal as any).Properties.PolicyDocument.Statement).toEqual([
      // The service is not this stack's: the removal (UpdateService with the other instances) needs it, and reads the others.
      { Action: ['proton:GetService', 'proton:ListServiceInstanceOutputs', 'proton:UpdateService'], Effect: 'Allow', Resource: arn('service/web') },
      { Action: ['proton:ListComponents', 'proton:ListServiceInstances'], Effect: 'Allow', Resource: '*' },
      { Action: 'proton:GetServiceInstance', Effect: 'Allow', Resource: arn('service/web/service-instance/*') },
    ]);
    template.hasResource(TYPE, { DependsOn: Match.arrayWith([removalId]) });
  });

  test('throws when the instance name or an output name is invalid', () => {
    const { stack, service, environment } = setup();
    expect(() => new ServiceInstance(stack, 'Bad', { service, environment, serviceInstanceName: 'bad name' })).toThrow(/^serviceInstanceName 'bad name' is not a valid Proton name/);
    const instance = new ServiceInstance(stack, 'Ok', { service, environment, serviceInstanceName: 'ok' });
    expect(() => instance.getOutput('a b')).toThrow(/^getOutput: 'a b' is not an output name/);
  });
});
