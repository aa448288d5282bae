import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AccountSettings, EnvironmentTemplate, Repository, RepositoryProvider, SyncedTemplate, TemplateSyncConfig } from '../../src';

const ENV = { account: '123456789012', region: 'us-east-1' };
const TYPE = 'Custom::ProtonAccountSettings';
const CONNECTION = 'arn:aws:codestar-connections:us-east-1:123456789012:connection/2f6c6a0e-1111-4aaa-8bbb-000000000001';

function newStack(app = new App(), id = 'TestStack', env: { account?: string; region?: string } | undefined = ENV): Stack {
  return new Stack(app, id, { env });
}

function role(stack: Stack, name: string): iam.IRole {
  return iam.Role.fromRoleArn(stack, name, `arn:aws:iam::123456789012:role/${name}`);
}

describe('AccountSettings', () => {
  test('declares only the settings given; the repository by provider, name and branch; attributes', () => {
    const stack = newStack();
    const repository = new Repository(stack, 'Repo', { provider: RepositoryProvider.GITHUB, repositoryName: 'acme/pipelines', connectionArn: CONNECTION });
    const settings = new AccountSettings(stack, 'Settings', {
      pipelineServiceRole: role(stack, 'PipelineRole'),
      pipelineProvisioningRepository: { repository, branch: 'main' },
    });
    const template = Template.fromStack(stack);
    const only = Object.values(template.findResources(TYPE))[0] as any;
    expect(only.Properties).toEqual({
      ServiceToken: expect.anything(),
      ServiceTimeout: '3000',
      PipelineServiceRoleArn: 'arn:aws:iam::123456789012:role/PipelineRole',
      PipelineProvisioningRepository: { Provider: 'GITHUB', Name: { 'Fn::GetAtt': [expect.stringMatching(/^Repo/), 'Name'] }, Branch: 'main' },
    });
    for (const [attr, name] of [['pipelineServiceRoleArn', 'PipelineServiceRoleArn'], ['pipelineCodebuildRoleArn', 'PipelineCodebuildRoleArn'],
      ['pipelineProvisioningRepositoryArn', 'PipelineProvisioningRepositoryArn']] as const) {
      expect(stack.resolve(settings[attr])).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Settings/), name] });
    }
  });

  test('IAM: account settings on "*" (acknowledged, in the policy the settings depend on), PassRole to Proton on exactly the roles', () => {
    const stack = newStack();
    const repository = Repository.fromRepositoryAttributes(stack, 'Repo', { provider: RepositoryProvider.GITHUB, repositoryName: 'acme/pipelines' });
    new AccountSettings(stack, 'Settings', {
      pipelineServiceRole: role(stack, 'PipelineRole'),
      pipelineCodebuildRole: role(stack, 'CodebuildRole'),
      pipelineProvisioningRepository: { repository, branch: 'main' },
    });
    const template = Template.fromStack(stack);
    // No resource-level permissions: in a policy of its own, deleted after the settings are cleared.
    const removal = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith('cdkprotonProtonProviderRemovalPolicy'));
    expect(removal.map(([, p]) => p.Properties.PolicyDocument.Statement)).toEqual([
      [{ Effect: 'Allow', Action: ['proton:GetAccountSettings', 'proton:UpdateAccountSettings'], Resource: '*' }],
    ]);
    template.hasResource(TYPE, { DependsOn: Match.arrayWith([removal[0][0]]) });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Condition: { StringEquals: { 'iam:PassedToService': 'proton.amazonaws.com' } },
          Resource: ['arn:aws:iam::123456789012:role/PipelineRole', 'arn:aws:iam::123456789012:role/CodebuildRole'],
        }]),
      },
    });
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} — ${r.constructPath}`))).toEqual([]);
  });

  test('one per account and region: other accounts, regions and environment-agnostic stacks are separate', () => {
    const app = new App();
    const settings = (stack: Stack) => new AccountSettings(stack, 'Settings', { pipelineServiceRole: role(stack, 'PipelineRole') });
    settings(newStack(app, 'A'));
    settings(newStack(app, 'B', { account: '210987654321', region: 'us-east-1' }));
    settings(newStack(app, 'C', { account: '123456789012', region: 'eu-west-1' }));
    settings(newStack(app, 'D', {}));
    expect(() => settings(newStack(app, 'E', {}))).not.toThrow();
  });

  describe('validation', () => {
    test('throws when a second AccountSettings is declared for the same account and region, in any stack of the app', () => {
      const app = new App();
      const first = newStack(app, 'First');
      new AccountSettings(first, 'Settings', { pipelineServiceRole: role(first, 'PipelineRole') });
      const second = newStack(app, 'Second');
      expect(() => new AccountSettings(second, 'More', { pipelineCodebuildRole: role(second, 'CodebuildRole') })).toThrow(
        "AccountSettings 'Second/More' duplicates 'First/Settings': Proton has one set of account settings per account and region "
        + '(account 123456789012 in us-east-1). Declare all the settings in one AccountSettings.',
      );
    });

    test('throws when two are declared in one environment-agnostic stack', () => {
      const stack = newStack(new App(), 'Agnostic', {});
      new AccountSettings(stack, 'One', { pipelineServiceRole: role(stack, 'PipelineRole') });
      expect(() => new AccountSettings(stack, 'Two', { pipelineServiceRole: role(stack, 'Other') }))
        .toThrow("AccountSettings 'Agnostic/Two' duplicates 'Agnostic/One': Proton has one set of account settings per account and region (stack Agnostic).");
    });

    test('throws when no setting is given', () => {
      expect(() => new AccountSettings(newStack(), 'Settings', {})).toThrow(
        'AccountSettings needs at least one of pipelineServiceRole, pipelineCodebuildRole, pipelineProvisioningRepository: it manages only the settings it is given.',
      );
    });

    test('throws when the branch is empty or too long', () => {
      const stack = newStack();
      const repository = Repository.fromRepositoryAttributes(stack, 'Repo', { provider: RepositoryProvider.GITHUB, repositoryName: 'acme/pipelines' });
      expect(() => new AccountSettings(stack, 'Settings', { pipelineProvisioningRepository: { repository, branch: '' } }))
        .toThrow('pipelineProvisioningRepository.branch must be 1 to 200 characters long, got 0 characters.');
    });
  });
});

describe('all account-level constructs together', () => {
  test('have no unacknowledged AwsSolutions findings', () => {
    const stack = newStack();
    const repository = new Repository(stack, 'Repo', { provider: RepositoryProvider.GITHUB, repositoryName: 'acme/templates', connectionArn: CONNECTION });
    const template = new EnvironmentTemplate(stack, 'Template', { environmentTemplateName: 'web' });
    new TemplateSyncConfig(stack, 'Sync', { template: SyncedTemplate.environmentTemplate(template), repository, branch: 'main' });
    new AccountSettings(stack, 'Settings', { pipelineServiceRole: role(stack, 'PipelineRole'), pipelineProvisioningRepository: { repository, branch: 'main' } });
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} — ${r.constructPath}`))).toEqual([]);
  });
});
