import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  Environment, EnvironmentProvisioning, EnvironmentTemplate, Service, ServiceInstanceSpec, ServicePipelineSpec, ServiceTemplate,
  TemplateBundle,
} from '../../src';
import { BUNDLES_DIR } from '../fixtures/bundles/corpus';

const ENV = { account: '123456789012', region: 'us-east-1' };
const TYPE = 'Custom::ProtonService';
const bundle = (name: string) => TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, name));

function setup() {
  const stack = new Stack(new App(), 'TestStack', { env: ENV });
  const envTemplate = EnvironmentTemplate.fromEnvironmentTemplateName(stack, 'EnvTemplate', 'web-env');
  const dev = new Environment(stack, 'Dev', { environmentName: 'dev', template: envTemplate, templateMajorVersion: '1', provisioning: EnvironmentProvisioning.customerManaged() });
  const prod = Environment.fromEnvironmentName(stack, 'Prod', 'prod');
  const template = new ServiceTemplate(stack, 'Svc', { serviceTemplateName: 'web-svc' });
  const version = template.addVersion('V1', {
    bundle: bundle('svc-with-pipeline'),
    compatibleEnvironmentTemplates: [{ template: envTemplate, majorVersion: '1' }],
  });
  return { stack, dev, prod, version };
}

function serviceProps(stack: Stack): any {
  return Object.values(Template.fromStack(stack).findResources(TYPE))[0];
}

describe('Service', () => {
  test('declares instances (props and addInstance) with their inputs as JSON, and depends on their environments', () => {
    const { stack, dev, prod, version } = setup();
    const service = new Service(stack, 'Web', {
      serviceName: 'web',
      templateVersion: version,
      instances: [{ name: 'dev', environment: dev, spec: ServiceInstanceSpec.fromInputs({ message: 'hello dev' }) }],
      pipelineSpec: ServicePipelineSpec.fromInputs({ test_command: 'make test' }),
      repositoryConnectionArn: 'arn:aws:codestar-connections:us-east-1:123456789012:connection/abc',
      repositoryId: 'acme/web',
      branchName: 'main',
    });
    service.addInstance('prod', { environment: prod, spec: ServiceInstanceSpec.fromInputs({ message: 'hello prod' }) });
    const resource = serviceProps(stack);
    expect(resource.Properties).toMatchObject({
      Name: 'web',
      TemplateMajorVersion: { 'Fn::GetAtt': [expect.stringMatching(/^SvcV1/), 'MajorVersion'] },
      Instances: [
        { Name: 'dev', Environment: { 'Fn::GetAtt': [expect.stringMatching(/^Dev/), 'Name'] }, Inputs: '{"message":"hello dev"}' },
        { Name: 'prod', Environment: 'prod', Inputs: '{"message":"hello prod"}' },
      ],
      PipelineInputs: '{"test_command":"make test"}',
      RepositoryId: 'acme/web',
      BranchName: 'main',
    });
    expect(resource.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^Dev/), expect.stringMatching(/^SvcV1/)]));
  });

  test('instance and pipeline outputs are tokens; only the requested ones are asked for', () => {
    const { stack, dev, version } = setup();
    const service = new Service(stack, 'Web', { serviceName: 'web', templateVersion: version, instances: [{ name: 'dev', environment: dev, spec: ServiceInstanceSpec.fromInputs({ message: 'm' }) }] });
    const url = service.instance('dev').getOutput('ParameterName');
    const topic = service.pipeline.getOutput('ProjectName');
    expect(stack.resolve(url)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Web/), 'Output.dev.ParameterName'] });
    expect(stack.resolve(topic)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Web/), 'PipelineOutput.ProjectName'] });
    expect(serviceProps(stack).Properties).toMatchObject({ InstanceOutputs: ['dev.ParameterName'], PipelineOutputs: ['ProjectName'] });
    expect(() => service.instance('qa')).toThrow("Service 'TestStack/Web' has no instance 'qa' (instances: dev).");
  });

  describe('throws when inputs do not match the schema, naming the instance and the path', () => {
    const corpus: Array<[string, Record<string, unknown>, string]> = [
      ['a required input is missing', {}, "instance 'dev' do not match the template version's schema: instances[0].spec.message is required by SvcInput and has no default"],
      ['a string is too long', { message: 'x'.repeat(101) }, "instance 'dev' do not match the template version's schema: instances[0].spec.message must be at most 100 characters long"],
      ['an input is unknown', { message: 'm', port: 80 }, "instance 'dev' do not match the template version's schema: instances[0].spec.port is not an input of SvcInput (inputs: message)"],
    ];
    test.each(corpus)('%s', (_label, inputs, message) => {
      const { stack, dev, version } = setup();
      expect(() => new Service(stack, 'Web', { templateVersion: version, instances: [{ name: 'dev', environment: dev, spec: ServiceInstanceSpec.fromInputs(inputs) }] }))
        .toThrow(`Service 'TestStack/Web': the inputs of ${message}. Fix these inputs.`);
    });

    test('pipeline inputs of the wrong type', () => {
      const { stack, dev, version } = setup();
      expect(() => new Service(stack, 'Web', { templateVersion: version, pipelineSpec: ServicePipelineSpec.fromInputs({ test_command: 3 }), instances: [{ name: 'dev', environment: dev, spec: ServiceInstanceSpec.fromInputs({ message: 'm' }) }] }))
        .toThrow("Service 'TestStack/Web': the inputs of the pipeline do not match the template version's schema: pipeline.test_command must be of type string. Fix these inputs.");
    });
  });

  test('throws on duplicate instances, missing repository members, and validates at least one instance', () => {
    const { stack, dev, version } = setup();
    const service = new Service(stack, 'Web', { templateVersion: version, instances: [{ name: 'dev', environment: dev, spec: ServiceInstanceSpec.fromInputs({ message: 'm' }) }] });
    expect(() => service.addInstance('dev', { environment: dev, spec: ServiceInstanceSpec.fromInputs({ message: 'm' }) }))
      .toThrow("Service 'TestStack/Web' already has an instance named 'dev': instance names are unique in a service. Choose another name.");
    expect(() => new Service(stack, 'Partial', { templateVersion: version, repositoryId: 'acme/web' }))
      .toThrow("Give repositoryConnectionArn, repositoryId and branchName together (the pipeline's source repository), or none of them.");
    expect(() => new Service(stack, 'BadConnection', {
      templateVersion: version, repositoryConnectionArn: 'arn:aws:iam::123456789012:role/x', repositoryId: 'acme/web', branchName: 'main',
    })).toThrow("repositoryConnectionArn 'arn:aws:iam::123456789012:role/x' is not an AWS CodeStar connection ARN: expected "
      + 'arn:<partition>:codestar-connections:<region>:<account>:connection/<id> (create the connection in the console or with AWS::CodeStarConnections::Connection).');
    new Service(stack, 'Empty', { templateVersion: version });
    expect(() => Template.fromStack(stack)).toThrow(/Service 'TestStack\/Empty' has no instances: Proton needs at least one/);
  });

  test('the handler may manage only this service, its instances and pipeline', () => {
    const { stack, dev, version } = setup();
    new Service(stack, 'Web', { serviceName: 'web', templateVersion: version, instances: [{ name: 'dev', environment: dev, spec: ServiceInstanceSpec.fromInputs({ message: 'm' }) }] });
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const arn = (suffix: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:proton:us-east-1:123456789012:${suffix}`]] });
    expect(statements).toContainEqual({
      Action: [
        'proton:CancelServicePipelineDeployment', 'proton:CreateService', 'proton:DeleteService', 'proton:GetService', 'proton:ListServiceInstanceOutputs',
        'proton:ListServicePipelineOutputs', 'proton:ListTagsForResource', 'proton:TagResource', 'proton:UntagResource', 'proton:UpdateService',
        'proton:UpdateServicePipeline',
      ],
      Effect: 'Allow',
      Resource: [arn('service/web')],
    });
    // Its instances carry its ownership tags: no statement names them (the ownership-tag statement covers them).
    expect(JSON.stringify(statements)).not.toContain('service-instance');
    // ListServiceInstances and ListComponents support no resource-level permissions.
    expect(statements).toContainEqual({ Action: ['proton:ListComponents', 'proton:ListServiceInstances'], Effect: 'Allow', Resource: '*' });
  });
});
