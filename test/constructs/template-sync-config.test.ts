import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EnvironmentTemplate, Repository, RepositoryProvider, ServiceTemplate, SyncedTemplate, TemplateSyncConfig, TemplateType } from '../../src';

const TYPE = 'Custom::ProtonTemplateSyncConfig';
const CONNECTION = 'arn:aws:codestar-connections:us-east-1:123456789012:connection/2f6c6a0e-1111-4aaa-8bbb-000000000001';

function fixture() {
  const stack = new Stack(new App(), 'TestStack', { env: { account: '123456789012', region: 'us-east-1' } });
  const repository = new Repository(stack, 'Repo', { provider: RepositoryProvider.GITHUB, repositoryName: 'acme/templates', connectionArn: CONNECTION });
  const template = new EnvironmentTemplate(stack, 'Template', { environmentTemplateName: 'web' });
  return { stack, repository, template };
}

describe('TemplateSyncConfig', () => {
  test('declares the configuration after the template and the repository; attributes; IAM on "*"', () => {
    const { stack, repository, template } = fixture();
    const sync = new TemplateSyncConfig(stack, 'Sync', { template: SyncedTemplate.environmentTemplate(template), repository, branch: 'main', subdirectory: 'templates' });
    const t = Template.fromStack(stack);
    t.hasResource(TYPE, {
      Properties: {
        ServiceToken: Match.anyValue(),
        ServiceTimeout: '3000',
        TemplateType: 'ENVIRONMENT',
        TemplateName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Template'), 'Name'] },
        RepositoryProvider: 'GITHUB',
        RepositoryName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Repo'), 'Name'] },
        Branch: 'main',
        Subdirectory: 'templates',
      },
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^Repo'), Match.stringLikeRegexp('^Template')]),
    });
    expect(stack.resolve(sync.templateName)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Sync/), 'TemplateName'] });
    expect(sync.templateType).toBe(TemplateType.ENVIRONMENT);
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Effect: 'Allow',
          Action: ['proton:CreateTemplateSyncConfig', 'proton:DeleteTemplateSyncConfig', 'proton:GetTemplateSyncConfig', 'proton:UpdateTemplateSyncConfig'],
          // Sync-config actions support no resource-level permissions.
          Resource: '*',
        }]),
      },
    });
  });

  test('an imported template and repository are referenced by name', () => {
    const stack = new Stack(new App(), 'TestStack', { env: { account: '123456789012', region: 'us-east-1' } });
    new TemplateSyncConfig(stack, 'Sync', {
      template: SyncedTemplate.environmentTemplate(EnvironmentTemplate.fromEnvironmentTemplateName(stack, 'T', 'shared')),
      repository: Repository.fromRepositoryAttributes(stack, 'R', { provider: RepositoryProvider.BITBUCKET, repositoryName: 'acme/shared' }),
      branch: 'main',
    });
    const only = Object.values(Template.fromStack(stack).findResources(TYPE))[0] as any;
    expect(only.Properties).toEqual({
      ServiceToken: expect.anything(),
      ServiceTimeout: '3000',
      TemplateType: 'ENVIRONMENT',
      TemplateName: 'shared',
      RepositoryProvider: 'BITBUCKET',
      RepositoryName: 'acme/shared',
      Branch: 'main',
    });
  });

  test('a service template: type SERVICE, IAM on "*"', () => {
    const { stack, repository } = fixture();
    const template = new ServiceTemplate(stack, 'Svc', { serviceTemplateName: 'web-svc' });
    new TemplateSyncConfig(stack, 'Sync', { template: SyncedTemplate.serviceTemplate(template), repository, branch: 'main' });
    const t = Template.fromStack(stack);
    t.hasResourceProperties(TYPE, { TemplateType: 'SERVICE', TemplateName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Svc'), 'Name'] } });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['proton:CreateTemplateSyncConfig', 'proton:DeleteTemplateSyncConfig', 'proton:GetTemplateSyncConfig', 'proton:UpdateTemplateSyncConfig'],
          Resource: '*',
        })]),
      },
    });
  });

  describe('validation', () => {
    test('throws when the branch is empty or longer than 200 characters', () => {
      const { stack, repository, template } = fixture();
      expect(() => new TemplateSyncConfig(stack, 'A', { template: SyncedTemplate.environmentTemplate(template), repository, branch: '' }))
        .toThrow('branch must be 1 to 200 characters long, got 0 characters. Give at least 1 character(s) or omit branch.');
      expect(() => new TemplateSyncConfig(stack, 'B', { template: SyncedTemplate.environmentTemplate(template), repository, branch: 'b'.repeat(201) }))
        .toThrow('branch must be 1 to 200 characters long, got 201 characters. Shorten it to 200 characters.');
    });

    test('throws when the subdirectory is empty or absolute', () => {
      const { stack, repository, template } = fixture();
      expect(() => new TemplateSyncConfig(stack, 'A', { template: SyncedTemplate.environmentTemplate(template), repository, branch: 'main', subdirectory: '' }))
        .toThrow('subdirectory must be 1 to 4096 characters long, got 0 characters. Give at least 1 character(s) or omit subdirectory.');
      expect(() => new TemplateSyncConfig(stack, 'B', { template: SyncedTemplate.environmentTemplate(template), repository, branch: 'main', subdirectory: '/templates' }))
        .toThrow("subdirectory '/templates' must be relative to the repository root: remove the leading '/'.");
    });
  });
});
