import { App, CfnParameter, Stack, Tags } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EnvironmentAccountConnection, EnvironmentAccountConnectionAcceptance } from '../../src';

const ENV_ACCOUNT = '222222222222';
const MANAGEMENT = '111111111111';
const TYPE = 'Custom::ProtonEnvironmentAccountConnection';
const ID = '0b7f6a52-9d1c-4c3e-8f00-123456789abc';

function newStack(): Stack {
  return new Stack(new App(), 'EnvStack', { env: { account: ENV_ACCOUNT, region: 'us-east-1' } });
}

function role(stack: Stack, id: string, account = ENV_ACCOUNT): iam.IRole {
  return iam.Role.fromRoleArn(stack, id, `arn:aws:iam::${account}:role/${id}`);
}

/** Statements with Proton or IAM actions, but the one on the resources the stack created (ownership-tag condition) every handler policy has. */
function statements(template: Template): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement)
    .filter((s: any) => [s.Action].flat().some((a: string) => /^(proton|iam):/.test(a))
      && !JSON.stringify(s.Condition ?? {}).includes('aws:ResourceTag/cdk-proton:stack-id'));
}

describe('EnvironmentAccountConnection', () => {
  test('declares the request with its roles; attributes come from the custom resource', () => {
    const stack = newStack();
    const connection = new EnvironmentAccountConnection(stack, 'Connection', {
      managementAccountId: MANAGEMENT,
      environmentName: 'prod',
      role: role(stack, 'ProvisioningRole'),
      componentRole: role(stack, 'ComponentRole'),
      codebuildRole: role(stack, 'CodebuildRole'),
    });
    Tags.of(connection).add('team', 'platform');
    const template = Template.fromStack(stack);
    template.hasResource(TYPE, {
      Properties: {
        ServiceToken: Match.anyValue(),
        ServiceTimeout: '3000',
        ManagementAccountId: MANAGEMENT,
        EnvironmentName: 'prod',
        RoleArn: `arn:aws:iam::${ENV_ACCOUNT}:role/ProvisioningRole`,
        ComponentRoleArn: `arn:aws:iam::${ENV_ACCOUNT}:role/ComponentRole`,
        CodebuildRoleArn: `arn:aws:iam::${ENV_ACCOUNT}:role/CodebuildRole`,
        Tags: { team: 'platform' },
      },
      DeletionPolicy: 'Delete',
    });
    expect(stack.resolve(connection.environmentAccountConnectionId)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Connection/), 'Id'] });
    expect(stack.resolve(connection.environmentAccountConnectionArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Connection/), 'Arn'] });
    expect(connection.managementAccountId).toBe(MANAGEMENT);
  });

  test('IAM: this account\'s connections (ids are unknown at synth), Create and List on "*", PassRole to Proton on exactly the roles', () => {
    const stack = newStack();
    new EnvironmentAccountConnection(stack, 'Connection', { managementAccountId: MANAGEMENT, environmentName: 'prod', codebuildRole: role(stack, 'CodebuildRole') });
    const connections = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:proton:us-east-1:${ENV_ACCOUNT}:environment-account-connection/*`]] };
    expect(statements(Template.fromStack(stack))).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'proton:DeleteEnvironmentAccountConnection', 'proton:GetEnvironmentAccountConnection',
          'proton:ListTagsForResource', 'proton:TagResource', 'proton:UntagResource', 'proton:UpdateEnvironmentAccountConnection',
        ],
        Resource: [connections],
      },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Condition: { StringEquals: { 'iam:PassedToService': 'proton.amazonaws.com' } },
        Resource: [`arn:aws:iam::${ENV_ACCOUNT}:role/CodebuildRole`],
      },
      // CreateEnvironmentAccountConnection has no resource type (the id does not exist yet).
      { Effect: 'Allow', Action: ['proton:CreateEnvironmentAccountConnection', 'proton:ListEnvironmentAccountConnections'], Resource: '*' },
    ]);
  });

  test('imports by id and environment account, or by ARN', () => {
    const stack = new Stack(new App(), 'Mgmt', { env: { account: MANAGEMENT, region: 'us-east-1' } });
    const byAttrs = EnvironmentAccountConnection.fromEnvironmentAccountConnectionAttributes(stack, 'ByAttrs', {
      environmentAccountConnectionId: ID, environmentAccountId: ENV_ACCOUNT,
    });
    expect(byAttrs.environmentAccountConnectionId).toBe(ID);
    expect(stack.resolve(byAttrs.environmentAccountConnectionArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:proton:us-east-1:${ENV_ACCOUNT}:environment-account-connection/${ID}`]],
    });
    expect(byAttrs.env.account).toBe(ENV_ACCOUNT);
    const byArn = EnvironmentAccountConnection.fromEnvironmentAccountConnectionArn(stack, 'ByArn', `arn:aws:proton:us-east-1:${ENV_ACCOUNT}:environment-account-connection/${ID}`);
    expect(byArn.environmentAccountConnectionId).toBe(ID);
    expect(byArn.env.account).toBe(ENV_ACCOUNT);
  });

  test('both halves have no unacknowledged AwsSolutions findings', () => {
    const app = new App();
    const envStack = newStack();
    new EnvironmentAccountConnection(envStack, 'Connection', { managementAccountId: MANAGEMENT, environmentName: 'prod', role: role(envStack, 'R') });
    const mgmt = new Stack(app, 'Mgmt', { env: { account: MANAGEMENT, region: 'us-east-1' } });
    const imported = (id: string, connectionId: string) => EnvironmentAccountConnection.fromEnvironmentAccountConnectionAttributes(mgmt, id, {
      environmentAccountConnectionId: connectionId, environmentAccountId: ENV_ACCOUNT,
    });
    new EnvironmentAccountConnectionAcceptance(mgmt, 'Exact', { connection: imported('A', ID) });
    new EnvironmentAccountConnectionAcceptance(mgmt, 'Late', { connection: imported('B', new CfnParameter(mgmt, 'Id').valueAsString) });
    for (const stack of [envStack, mgmt]) {
      const report = new AwsSolutionsChecks().validateScope(stack);
      expect(report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} — ${r.constructPath}`))).toEqual([]);
    }
  });

  describe('validation', () => {
    test('throws when managementAccountId is not 12 digits', () => {
      const stack = newStack();
      expect(() => new EnvironmentAccountConnection(stack, 'C', { managementAccountId: '1111', environmentName: 'prod', role: role(stack, 'R') }))
        .toThrow("managementAccountId '1111' is not an AWS account id: give the 12 digits, e.g. '123456789012'.");
    });

    test('throws when managementAccountId is the stack\'s own account', () => {
      const stack = newStack();
      expect(() => new EnvironmentAccountConnection(stack, 'C', { managementAccountId: ENV_ACCOUNT, environmentName: 'prod', role: role(stack, 'R') }))
        .toThrow(`managementAccountId '${ENV_ACCOUNT}' is this stack's own account: an environment account connection links two accounts.`);
    });

    test('throws when neither role nor codebuildRole is given', () => {
      const stack = newStack();
      expect(() => new EnvironmentAccountConnection(stack, 'C', { managementAccountId: MANAGEMENT, environmentName: 'prod', componentRole: role(stack, 'R') }))
        .toThrow('EnvironmentAccountConnection needs role or codebuildRole (or both): Proton provisions the environment in this account with one of them.');
    });

    test('throws when a role belongs to another account', () => {
      const stack = newStack();
      expect(() => new EnvironmentAccountConnection(stack, 'C', { managementAccountId: MANAGEMENT, environmentName: 'prod', role: role(stack, 'Mgmt', MANAGEMENT) }))
        .toThrow(`role 'EnvStack/Mgmt' belongs to account ${MANAGEMENT}, not to this stack's account ${ENV_ACCOUNT}: Proton assumes the roles of a connection in the environment account.`);
    });

    test('throws when environmentName is not a Proton name', () => {
      const stack = newStack();
      expect(() => new EnvironmentAccountConnection(stack, 'C', { managementAccountId: MANAGEMENT, environmentName: 'prod env', role: role(stack, 'R') }))
        .toThrow(/environmentName 'prod env' is not a valid Proton name/);
    });

    test('accepts tokens for the account and the environment name', () => {
      const stack = newStack();
      expect(() => new EnvironmentAccountConnection(stack, 'C', {
        managementAccountId: new CfnParameter(stack, 'Mgmt').valueAsString,
        environmentName: new CfnParameter(stack, 'Env').valueAsString,
        role: role(stack, 'R'),
      })).not.toThrow();
    });

    test('throws when a tag key uses a reserved prefix', () => {
      const stack = newStack();
      const c = new EnvironmentAccountConnection(stack, 'C', { managementAccountId: MANAGEMENT, environmentName: 'prod', role: role(stack, 'R') });
      c.tags.setTag('cdk-proton:logical-id', 'forged');
      expect(() => Template.fromStack(stack)).toThrow(/Tag key\(s\) cdk-proton:logical-id of environment account connection 'EnvStack\/C' use a reserved prefix/);
    });

    test('throws when an imported id or ARN is malformed', () => {
      const stack = newStack();
      expect(() => EnvironmentAccountConnection.fromEnvironmentAccountConnectionAttributes(stack, 'A', { environmentAccountConnectionId: 'prod', environmentAccountId: ENV_ACCOUNT }))
        .toThrow(/^environmentAccountConnectionId 'prod' is not an environment account connection id: expected a lowercase UUID/);
      expect(() => EnvironmentAccountConnection.fromEnvironmentAccountConnectionAttributes(stack, 'B', { environmentAccountConnectionId: ID, environmentAccountId: 'acct' }))
        .toThrow("environmentAccountId 'acct' is not an AWS account id: give the 12 digits, e.g. '123456789012'.");
      expect(() => EnvironmentAccountConnection.fromEnvironmentAccountConnectionArn(stack, 'C', `arn:aws:proton:us-east-1:${ENV_ACCOUNT}:environment/prod`))
        .toThrow(`environmentAccountConnectionArn 'arn:aws:proton:us-east-1:${ENV_ACCOUNT}:environment/prod' is not an environment account connection ARN`);
    });
  });
});
