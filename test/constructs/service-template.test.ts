import * as path from 'path';
import { App, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EnvironmentTemplate, ServiceTemplate, ServiceTemplatePipelineProvisioning, TemplateBundle } from '../../src';
import { BUNDLES_DIR } from '../fixtures/bundles/corpus';

const ENV = { account: '123456789012', region: 'us-east-1' };
const TYPE = 'Custom::ProtonServiceTemplate';

function newStack(): Stack {
  return new Stack(new App(), 'TestStack', { env: ENV });
}

function arnOf(name: string) {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:proton:us-east-1:123456789012:service-template/${name}`]] };
}

describe('ServiceTemplate', () => {
  test('declares the custom resource with every property; the handler may manage exactly this template', () => {
    const stack = newStack();
    const template = new ServiceTemplate(stack, 'Template', {
      serviceTemplateName: 'web-svc',
      displayName: 'Web',
      description: 'Web services',
      pipelineProvisioning: ServiceTemplatePipelineProvisioning.CUSTOMER_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Tags.of(template).add('team', 'platform');
    const synthesized = Template.fromStack(stack);
    synthesized.hasResource(TYPE, {
      Properties: {
        Name: 'web-svc', DisplayName: 'Web', Description: 'Web services', PipelineProvisioning: 'CUSTOMER_MANAGED', Tags: { team: 'platform' },
      },
      DeletionPolicy: 'Retain',
    });
    const statements = Object.values(synthesized.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements.find((s: any) => [s.Action].flat().includes('proton:CreateServiceTemplate')).Resource).toEqual([arnOf('web-svc')]);
    expect(template.pipelineProvisioning).toBe(ServiceTemplatePipelineProvisioning.CUSTOMER_MANAGED);
    expect(stack.resolve(template.serviceTemplateName)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Template/), 'Name'] });
  });

  test('standard pipeline provisioning writes no PipelineProvisioning; a generated name changes with it', () => {
    const stack = newStack();
    const a = new ServiceTemplate(stack, 'A');
    const b = new ServiceTemplate(stack, 'B', { pipelineProvisioning: ServiceTemplatePipelineProvisioning.CUSTOMER_MANAGED });
    const resources = Object.values(Template.fromStack(stack).findResources(TYPE)).map((r: any) => r.Properties);
    expect(resources[0]).toEqual({ ServiceToken: expect.anything(), ServiceTimeout: '3000', Name: expect.stringMatching(/^TestStack-A-[0-9A-F]{8}-[0-9a-f]{8}$/) });
    expect(resources[1]).toMatchObject({ PipelineProvisioning: 'CUSTOMER_MANAGED', Name: expect.stringMatching(/^TestStack-B-[0-9A-F]{8}-[0-9a-f]{8}$/) });
    expect(a.pipelineProvisioning).toBe(ServiceTemplatePipelineProvisioning.STANDARD);
    expect(b.pipelineProvisioning).toBe(ServiceTemplatePipelineProvisioning.CUSTOMER_MANAGED);
  });

  test('addVersion checks the bundle for the pipeline provisioning', () => {
    const stack = newStack();
    const env = { template: new EnvironmentTemplate(stack, 'Env'), majorVersion: '1' };
    const withPipeline = new ServiceTemplate(stack, 'WithPipeline');
    const withoutPipeline = new ServiceTemplate(stack, 'WithoutPipeline', { pipelineProvisioning: ServiceTemplatePipelineProvisioning.CUSTOMER_MANAGED });
    const bundle = (name: string) => TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, name));
    expect(() => withPipeline.addVersion('V1', { bundle: bundle('svc-with-pipeline'), compatibleEnvironmentTemplates: [env] })).not.toThrow();
    expect(() => withoutPipeline.addVersion('V1', { bundle: bundle('svc-without-pipeline'), compatibleEnvironmentTemplates: [env] })).not.toThrow();
    expect(() => withPipeline.addVersion('V2', { bundle: bundle('svc-without-pipeline'), compatibleEnvironmentTemplates: [env] }))
      .toThrow(/^Invalid template bundle '.*svc-without-pipeline' for a service template with a pipeline:/);
    expect(() => withoutPipeline.addVersion('V2', { bundle: bundle('svc-with-pipeline'), compatibleEnvironmentTemplates: [env] }))
      .toThrow(/^Invalid template bundle '.*svc-with-pipeline' for a service template without a pipeline:/);
  });

  test('throws when the name is not a Proton name or the display name is too long', () => {
    expect(() => new ServiceTemplate(newStack(), 'T', { serviceTemplateName: 'web svc' })).toThrow(/^serviceTemplateName 'web svc' is not a valid Proton name/);
    expect(() => new ServiceTemplate(newStack(), 'T', { displayName: '' })).toThrow('displayName must be 1 to 100 characters long, got 0 characters. Give at least 1 character(s) or omit displayName.');
  });

  test('throws when a tag uses a reserved prefix', () => {
    const stack = newStack();
    const template = new ServiceTemplate(stack, 'T');
    Tags.of(template).add('cdk-proton:stack-id', 'x');
    expect(() => Template.fromStack(stack)).toThrow(/Tag key\(s\) cdk-proton:stack-id of service template 'TestStack\/T' use a reserved prefix/);
  });

  test('imports by name and ARN; grantRead covers the template and its versions', () => {
    const stack = newStack();
    const byName = ServiceTemplate.fromServiceTemplateName(stack, 'ByName', 'existing-svc');
    const byArn = ServiceTemplate.fromServiceTemplateArn(stack, 'ByArn', 'arn:aws:proton:us-east-1:123456789012:service-template/other-svc');
    expect(byArn.serviceTemplateName).toBe('other-svc');
    expect(stack.resolve(byName.serviceTemplateArn)).toEqual(arnOf('existing-svc'));
    expect(() => ServiceTemplate.fromServiceTemplateArn(stack, 'Bad', 'arn:aws:proton:us-east-1:123456789012:environment-template/x'))
      .toThrow(/^serviceTemplateArn '.*' is not a service template ARN/);
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    byName.grantRead(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        // Version actions are authorized on the template; only the versions' tags on the versions.
        Statement: [
          {
            Effect: 'Allow',
            Action: ['proton:GetServiceTemplate', 'proton:GetServiceTemplateVersion', 'proton:ListServiceTemplateVersions', 'proton:ListTagsForResource'],
            Resource: arnOf('existing-svc'),
          },
          {
            Effect: 'Allow',
            Action: 'proton:ListTagsForResource',
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':proton:us-east-1:123456789012:service-template/existing-svc:*']] },
          },
        ],
      },
    });
  });
});
