import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  ComponentSource, EnvironmentTemplate, ServiceTemplate, ServiceTemplatePipelineProvisioning, ServiceTemplateVersion, TemplateBundle,
} from '../../src';
import { BUNDLES_DIR } from '../fixtures/bundles/corpus';

const ENV = { account: '123456789012', region: 'us-east-1' };
const TYPE = 'Custom::ProtonServiceTemplateVersion';
const bundle = (name: string) => TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, name));

function setup() {
  const stack = new Stack(new App(), 'TestStack', { env: ENV });
  const envTemplate = new EnvironmentTemplate(stack, 'Env', { environmentTemplateName: 'web-env' });
  const envVersion = envTemplate.addVersion('V1', { bundle: bundle('env-cloudformation') });
  const template = new ServiceTemplate(stack, 'Svc', { serviceTemplateName: 'web-svc' });
  return { stack, envTemplate, envVersion, template };
}

describe('ServiceTemplateVersion', () => {
  test('writes compatible environment templates (name + major) and component sources', () => {
    const { stack, envTemplate, envVersion, template } = setup();
    const other = EnvironmentTemplate.fromEnvironmentTemplateName(stack, 'Other', 'other-env');
    const version = template.addVersion('V1', {
      bundle: bundle('svc-with-pipeline'),
      compatibleEnvironmentTemplates: [{ template: envTemplate, majorVersion: envVersion.majorVersion }, { template: other, majorVersion: '2' }],
      supportedComponentSources: [ComponentSource.DIRECTLY_DEFINED],
    });
    const [[, resource]] = Object.entries(Template.fromStack(stack).findResources(TYPE)) as Array<[string, any]>;
    expect(resource.Properties).toMatchObject({
      TemplateName: { 'Fn::GetAtt': [expect.stringMatching(/^Svc/), 'Name'] },
      Publish: true,
      CompatibleEnvironmentTemplates: [
        { TemplateName: { 'Fn::GetAtt': [expect.stringMatching(/^Env[0-9A-F]{8}$/), 'Name'] }, MajorVersion: { 'Fn::GetAtt': [expect.stringMatching(/^EnvV1/), 'MajorVersion'] } },
        { TemplateName: 'other-env', MajorVersion: '2' },
      ],
      SupportedComponentSources: ['DIRECTLY_DEFINED'],
    });
    expect(version.schema?.pipelineInputType?.name).toBeDefined();
    expect(stack.resolve(version.serviceTemplateVersionArn)['Fn::GetAtt'][1]).toBe('Arn');
  });

  test('throws when compatibleEnvironmentTemplates is empty, too long, or lists a major twice', () => {
    const { envTemplate, template } = setup();
    const options = { bundle: bundle('svc-with-pipeline') };
    expect(() => template.addVersion('None', { ...options, compatibleEnvironmentTemplates: [] }))
      .toThrow('compatibleEnvironmentTemplates must list 1 to 10 environment template major versions, got 0. '
        + 'Give the environment templates (and their major versions) whose environments this service can run in.');
    const eleven = Array.from({ length: 11 }, (_, i) => ({ template: envTemplate, majorVersion: String(i) }));
    expect(() => template.addVersion('Eleven', { ...options, compatibleEnvironmentTemplates: eleven })).toThrow(/got 11\./);
    const imported = EnvironmentTemplate.fromEnvironmentTemplateName(template, 'Imported', 'web-env-2');
    expect(() => template.addVersion('Twice', { ...options, compatibleEnvironmentTemplates: [{ template: imported, majorVersion: '1' }, { template: imported, majorVersion: '1' }] }))
      .toThrow("compatibleEnvironmentTemplates[1]: environment template 'web-env-2' major version 1 is listed twice. Remove the duplicate.");
    expect(() => template.addVersion('BadMajor', { ...options, compatibleEnvironmentTemplates: [{ template: imported, majorVersion: 'one' }] }))
      .toThrow(/^compatibleEnvironmentTemplates\[0\]\.majorVersion 'one' is not a Proton version number/);
  });

  test('an imported template without a pipeline takes bundles without one; imports of versions build the ARN', () => {
    const stack = new Stack(new App(), 'TestStack', { env: ENV });
    const env = EnvironmentTemplate.fromEnvironmentTemplateName(stack, 'Env', 'web-env');
    const imported = ServiceTemplate.fromServiceTemplateAttributes(stack, 'Svc', {
      serviceTemplateName: 'existing-svc', pipelineProvisioning: ServiceTemplatePipelineProvisioning.CUSTOMER_MANAGED,
    });
    new ServiceTemplateVersion(stack, 'V1', { template: imported, bundle: bundle('svc-without-pipeline'), compatibleEnvironmentTemplates: [{ template: env, majorVersion: '1' }] });
    Template.fromStack(stack).hasResourceProperties(TYPE, { TemplateName: 'existing-svc' });
    const version = ServiceTemplateVersion.fromServiceTemplateVersionAttributes(stack, 'Existing', { template: imported, majorVersion: '1', minorVersion: '4' });
    expect(stack.resolve(version.serviceTemplateVersionArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':proton:us-east-1:123456789012:service-template/existing-svc:1.4']],
    });
  });
});
