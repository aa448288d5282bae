import * as path from 'path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  EnvironmentTemplate, EnvironmentTemplateProvisioning, EnvironmentTemplateVersion, TemplateBundle,
} from '../../src';
import { BUNDLES_DIR } from '../fixtures/bundles/corpus';

const ENV = { account: '123456789012', region: 'us-east-1' };
const TYPE = 'Custom::ProtonEnvironmentTemplateVersion';
const bundleDir = (name: string) => path.join(BUNDLES_DIR, name);

function newStack(): Stack {
  return new Stack(new App(), 'TestStack', { env: ENV });
}

function versionResources(template: Template): Array<[string, any]> {
  return Object.entries(template.findResources(TYPE));
}

describe('EnvironmentTemplateVersion', () => {
  test('addVersion declares the version with the bundle object, publish and the template name', () => {
    const stack = newStack();
    const template = new EnvironmentTemplate(stack, 'Template', { environmentTemplateName: 'web-env' });
    const version = template.addVersion('V1', { bundle: TemplateBundle.fromDirectory(bundleDir('env-cloudformation')), description: 'first' });
    const synthesized = Template.fromStack(stack);
    synthesized.hasResource(TYPE, {
      Properties: {
        TemplateName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Template'), 'Name'] },
        SourceBucket: 'cdk-hnb659fds-assets-123456789012-us-east-1',
        SourceKey: Match.stringLikeRegexp('^[0-9a-f]{64}\\.gz$'),
        Description: 'first',
        Publish: true,
        MajorVersion: Match.absent(),
      },
      DeletionPolicy: 'Delete',
      // No other version; only the policy holding its handler's actions on "*" (the ListEnvironments
      // of a delete that Proton defers), deleted after the version.
      DependsOn: [Match.stringLikeRegexp('^cdkprotonProtonProviderRemovalPolicyTestStackTemplateV1[0-9A-F]{16}$')],
    });
    expect(stack.resolve(version.majorVersion)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^TemplateV1[0-9A-F]{8}$/), 'MajorVersion'] });
    expect(stack.resolve(version.minorVersion)['Fn::GetAtt'][1]).toBe('MinorVersion');
    expect(stack.resolve(version.environmentTemplateVersionArn)['Fn::GetAtt'][1]).toBe('Arn');
    expect(version.schema?.environmentInputType?.name).toBe('EnvInput');
  });

  test('versions of a template are chained in declaration order; the recommended version reads the last one', () => {
    const stack = newStack();
    const template = new EnvironmentTemplate(stack, 'Template', { environmentTemplateName: 'web-env' });
    const bundle = TemplateBundle.fromDirectory(bundleDir('env-cloudformation'));
    const v1 = template.addVersion('V1', { bundle });
    const v2 = template.addVersion('V2', { bundle, majorVersion: '1' });
    new EnvironmentTemplateVersion(stack, 'Standalone', { template, bundle });
    const synthesized = Template.fromStack(stack);
    const [[id1], [id2, r2], [, r3]] = versionResources(synthesized);
    // Each also depends on the policy holding its handler's actions on "*".
    expect(r2.DependsOn).toEqual([expect.stringMatching(/^cdkprotonProtonProviderRemovalPolicyTestStackTemplateV2[0-9A-F]{16}$/), id1]);
    expect(r2.Properties.MajorVersion).toBe('1');
    expect(r3.DependsOn).toEqual([expect.stringMatching(/^cdkprotonProtonProviderRemovalPolicyTestStackStandalone[0-9A-F]{16}$/), id2]);
    expect(stack.resolve(template.recommendedVersion)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Standalone[0-9A-F]{8}$/), 'TemplateRecommendedVersion'] });
    expect(stack.resolve(v1.templateRecommendedVersion)).not.toEqual(stack.resolve(v2.templateRecommendedVersion));
  });

  test('the handler may manage the template\'s versions and read the bundle object only', () => {
    const stack = newStack();
    const template = new EnvironmentTemplate(stack, 'Template', { environmentTemplateName: 'web-env' });
    template.addVersion('V1', { bundle: TemplateBundle.fromDirectory(bundleDir('env-cloudformation')) });
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const arn = (suffix: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:proton:us-east-1:123456789012:environment-template/${suffix}`]] });
    // Version actions are authorized on the template (Service Authorization Reference); only tagging names versions.
    expect(statements).toContainEqual({
      Action: [
        'proton:CreateEnvironmentTemplateVersion', 'proton:DeleteEnvironmentTemplateVersion', 'proton:GetEnvironmentTemplate',
        'proton:GetEnvironmentTemplateVersion', 'proton:ListEnvironmentTemplateVersions', 'proton:UpdateEnvironmentTemplateVersion',
      ],
      Effect: 'Allow',
      Resource: [arn('web-env')],
    });
    // Untag: a version taken back clears its pending-deletion tag.
    expect(statements).toContainEqual({
      Action: ['proton:ListTagsForResource', 'proton:TagResource', 'proton:UntagResource'], Effect: 'Allow', Resource: [arn('web-env:*')],
    });
    // A delete that Proton defers names the environments still on the versions it waits for (no resource type: "*").
    expect(statements).toContainEqual({ Action: 'proton:ListEnvironments', Effect: 'Allow', Resource: '*' });
    const s3Statement = statements.find((s: any) => s.Action === 's3:GetObject');
    expect(JSON.stringify(s3Statement.Resource)).toMatch(/\/[0-9a-f]{64}\.gz"/);
  });

  test('a customer-managed template checks its bundles for the customer-managed layout', () => {
    const stack = newStack();
    const template = new EnvironmentTemplate(stack, 'Template', { provisioning: EnvironmentTemplateProvisioning.CUSTOMER_MANAGED });
    expect(() => template.addVersion('Ok', { bundle: TemplateBundle.fromDirectory(bundleDir('env-customer-managed')) })).not.toThrow();
    expect(() => template.addVersion('Bad', { bundle: TemplateBundle.fromDirectory(bundleDir('env-cloudformation')) }))
      .toThrow(/^Invalid template bundle '.*env-cloudformation' for a customer-managed environment template:/);
  });

  test('throws when the bundle does not fit an environment template', () => {
    const template = new EnvironmentTemplate(newStack(), 'Template');
    expect(() => template.addVersion('V1', { bundle: TemplateBundle.fromDirectory(bundleDir('svc-with-pipeline')) }))
      .toThrow(/^Invalid template bundle '.*svc-with-pipeline' for an environment template:/);
  });

  test('throws when majorVersion is not a version number', () => {
    const template = new EnvironmentTemplate(newStack(), 'Template');
    const bundle = TemplateBundle.fromDirectory(bundleDir('env-cloudformation'));
    expect(() => template.addVersion('V1', { bundle, majorVersion: '01' }))
      .toThrow("majorVersion '01' is not a Proton version number: use digits without leading zeros, such as '1' or '0' (pattern ^(0|[1-9]\\d*)$, at most 20 digits).");
    expect(() => template.addVersion('V2', { bundle, majorVersion: 'v1' })).toThrow(/^majorVersion 'v1' is not a Proton version number/);
  });

  test('throws when the description is longer than 500 characters', () => {
    const template = new EnvironmentTemplate(newStack(), 'Template');
    expect(() => template.addVersion('V1', { bundle: TemplateBundle.fromDirectory(bundleDir('env-cloudformation')), description: 'x'.repeat(501) }))
      .toThrow('description must be 0 to 500 characters long, got 501 characters. Shorten it to 500 characters.');
  });

  test('publish false and RETAIN are passed through; a bundle from S3 is not checked at synth', () => {
    const stack = newStack();
    const template = EnvironmentTemplate.fromEnvironmentTemplateName(stack, 'Imported', 'existing-env');
    const bucket = s3.Bucket.fromBucketName(stack, 'Bundles', 'my-bundles');
    const version = new EnvironmentTemplateVersion(stack, 'V1', {
      template, bundle: TemplateBundle.fromS3(bucket, 'env/v1.tar.gz'), publish: false, removalPolicy: RemovalPolicy.RETAIN,
    });
    expect(version.schema).toBeUndefined();
    Template.fromStack(stack).hasResource(TYPE, {
      Properties: { TemplateName: 'existing-env', SourceBucket: 'my-bundles', SourceKey: 'env/v1.tar.gz', Publish: false },
      DeletionPolicy: 'Retain',
    });
  });

  test('recommendedVersion throws at synth when the template has no versions', () => {
    const stack = newStack();
    const template = new EnvironmentTemplate(stack, 'Template');
    expect(() => stack.resolve(template.recommendedVersion))
      .toThrow("recommendedVersion of environment template 'TestStack/Template' is used, but the template has no versions: add one with addVersion().");
  });

  test('imports a version by template and numbers', () => {
    const stack = newStack();
    const template = EnvironmentTemplate.fromEnvironmentTemplateName(stack, 'Imported', 'existing-env');
    const version = EnvironmentTemplateVersion.fromEnvironmentTemplateVersionAttributes(stack, 'V', { template, majorVersion: '2', minorVersion: '3' });
    expect(version.majorVersion).toBe('2');
    expect(version.minorVersion).toBe('3');
    expect(stack.resolve(version.environmentTemplateVersionArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':proton:us-east-1:123456789012:environment-template/existing-env:2.3']],
    });
    expect(() => EnvironmentTemplateVersion.fromEnvironmentTemplateVersionAttributes(stack, 'Bad', { template, majorVersion: '1', minorVersion: '1.0' }))
      .toThrow(/^minorVersion '1\.0' is not a Proton version number/);
  });
});
