import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  ConnectionDecision, Environment, EnvironmentAccountConnection, EnvironmentAccountConnectionAcceptance, EnvironmentProvisioning, EnvironmentTemplate,
} from '../../src';

const ENV_ACCOUNT = '222222222222';
const MANAGEMENT = '111111111111';
const TYPE = 'Custom::ProtonEnvironmentAccountConnectionAcceptance';
const ID = '0b7f6a52-9d1c-4c3e-8f00-123456789abc';

function managementStack(app = new App()): Stack {
  return new Stack(app, 'MgmtStack', { env: { account: MANAGEMENT, region: 'us-east-1' } });
}

function imported(stack: Stack, connectionId = ID) {
  return EnvironmentAccountConnection.fromEnvironmentAccountConnectionAttributes(stack, 'Connection', { environmentAccountConnectionId: connectionId, environmentAccountId: ENV_ACCOUNT });
}

/**
 * The statements with Proton actions (but the one on the resources the stack created, which every
 * handler policy has). The connection is the environment account's: every permission on it is in
 * the policy the acceptance depends on.
 */
function protonStatements(stack: Stack): any[] {
  return Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement)
    .filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('proton:')) && !s.Condition);
}

const LIST = { Effect: 'Allow', Action: 'proton:ListEnvironmentAccountConnections', Resource: '*' };

const ACTIONS = ['proton:AcceptEnvironmentAccountConnection', 'proton:GetEnvironmentAccountConnection', 'proton:RejectEnvironmentAccountConnection'];

describe('EnvironmentAccountConnectionAcceptance', () => {
  test('accepts by default; attributes come from the custom resource; IAM names the exact connection', () => {
    const stack = managementStack();
    const acceptance = new EnvironmentAccountConnectionAcceptance(stack, 'Accept', { connection: imported(stack) });
    Template.fromStack(stack).hasResource(TYPE, {
      Properties: { ServiceToken: Match.anyValue(), ServiceTimeout: '3000', ConnectionId: ID, Decision: 'ACCEPT' },
    });
    for (const [attr, name] of [['environmentAccountConnectionId', 'Id'], ['environmentAccountConnectionArn', 'Arn'], ['environmentAccountId', 'EnvironmentAccountId'],
      ['environmentName', 'EnvironmentName'], ['environmentAccountConnectionStatus', 'Status']] as const) {
      expect(stack.resolve(acceptance[attr])).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Accept/), name] });
    }
    expect(protonStatements(stack)).toEqual([{
      Effect: 'Allow',
      Action: ACTIONS,
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:proton:us-east-1:${ENV_ACCOUNT}:environment-account-connection/${ID}`]] },
    }, LIST]);
  });

  test('rejects when asked', () => {
    const stack = managementStack();
    new EnvironmentAccountConnectionAcceptance(stack, 'Reject', { connection: imported(stack), decision: ConnectionDecision.REJECT });
    Template.fromStack(stack).hasResourceProperties(TYPE, { Decision: 'REJECT' });
  });

  test('an id known only at deploy time: the environment account\'s connections, acknowledged', () => {
    const stack = managementStack();
    new EnvironmentAccountConnectionAcceptance(stack, 'Accept', { connection: imported(stack, new CfnParameter(stack, 'ConnectionId').valueAsString) });
    expect(protonStatements(stack)).toEqual([{
      Effect: 'Allow',
      Action: ACTIONS,
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:proton:us-east-1:${ENV_ACCOUNT}:environment-account-connection/*`]] },
    }, LIST]);
    Template.fromStack(stack).hasResourceProperties(TYPE, { ConnectionId: { Ref: 'ConnectionId' } });
  });

  test('an Environment provisioned through the acceptance is created after it, with the accepted connection\'s id', () => {
    const stack = managementStack();
    const acceptance = new EnvironmentAccountConnectionAcceptance(stack, 'Accept', { connection: imported(stack) });
    new Environment(stack, 'Prod', {
      environmentName: 'prod',
      template: EnvironmentTemplate.fromEnvironmentTemplateName(stack, 'Template', 'network'),
      templateMajorVersion: '1',
      provisioning: EnvironmentProvisioning.crossAccount({ connection: acceptance }),
    });
    Template.fromStack(stack).hasResourceProperties('Custom::ProtonEnvironment', {
      EnvironmentAccountConnectionId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Accept'), 'Id'] },
    });
  });

  test('by request: the environment account and environment name, the handler may list connections and decide those of that account', () => {
    const stack = managementStack();
    new EnvironmentAccountConnectionAcceptance(stack, 'Accept', { environmentAccountId: ENV_ACCOUNT, environmentName: 'prod' });
    const resources = Template.fromStack(stack).findResources(TYPE);
    expect(Object.values(resources).map((r: any) => r.Properties)).toEqual([{
      ServiceToken: expect.anything(), ServiceTimeout: '3000', EnvironmentAccountId: ENV_ACCOUNT, EnvironmentName: 'prod', Decision: 'ACCEPT',
    }]);
    expect(protonStatements(stack)).toEqual([
      {
        Effect: 'Allow',
        Action: ACTIONS,
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:proton:us-east-1:${ENV_ACCOUNT}:environment-account-connection/*`]] },
      },
      LIST,
    ]);
  });

  describe('validation', () => {
    test.each([
      ['neither', {}, 'got neither'],
      ['only environmentAccountId', { environmentAccountId: ENV_ACCOUNT }, `got environmentAccountId '${ENV_ACCOUNT}'`],
      ['only environmentName', { environmentName: 'prod' }, "got environmentName 'prod'"],
    ])('throws when the connection is named by %s', (_name, props, got) => {
      const stack = managementStack();
      expect(() => new EnvironmentAccountConnectionAcceptance(stack, 'Accept', props)).toThrow(
        `EnvironmentAccountConnectionAcceptance needs connection, or environmentAccountId and environmentName together (the request to accept); ${got}.`,
      );
    });

    test('throws when the connection is named both by id and by request', () => {
      const stack = managementStack();
      expect(() => new EnvironmentAccountConnectionAcceptance(stack, 'Accept', { connection: imported(stack), environmentAccountId: ENV_ACCOUNT, environmentName: 'prod' }))
        .toThrow('EnvironmentAccountConnectionAcceptance names the connection one way: connection (its id), or environmentAccountId and environmentName '
          + '(its request), not both. Remove connection to accept by request, or remove environmentAccountId and environmentName.');
    });

    test('throws on a malformed environment account or name, or the stack\'s own account', () => {
      expect(() => new EnvironmentAccountConnectionAcceptance(managementStack(), 'Accept', { environmentAccountId: '2222', environmentName: 'prod' }))
        .toThrow("environmentAccountId '2222' is not an AWS account id: give the 12 digits, e.g. '123456789012'.");
      expect(() => new EnvironmentAccountConnectionAcceptance(managementStack(), 'Accept', { environmentAccountId: ENV_ACCOUNT, environmentName: 'my env' }))
        .toThrow("environmentName 'my env' is not a valid Proton name");
      expect(() => new EnvironmentAccountConnectionAcceptance(managementStack(), 'Accept', { environmentAccountId: MANAGEMENT, environmentName: 'prod' }))
        .toThrow(`environmentAccountId is account ${MANAGEMENT}, this stack's own account: a connection is accepted in the management account it names.`);
    });

    test('throws when given the environment account\'s own construct', () => {
      const app = new App();
      const envStack = new Stack(app, 'EnvStack', { env: { account: ENV_ACCOUNT, region: 'us-east-1' } });
      const connection = new EnvironmentAccountConnection(envStack, 'Connection', {
        managementAccountId: MANAGEMENT, environmentName: 'prod', role: iam.Role.fromRoleArn(envStack, 'R', `arn:aws:iam::${ENV_ACCOUNT}:role/r`),
      });
      expect(() => new EnvironmentAccountConnectionAcceptance(managementStack(app), 'Accept', { connection })).toThrow(
        "connection 'EnvStack/Connection' is the environment account's own construct: the acceptance belongs to the management account's stack",
      );
    });

    test('throws when the connection was requested by the stack\'s own account', () => {
      const stack = new Stack(new App(), 'Same', { env: { account: ENV_ACCOUNT, region: 'us-east-1' } });
      expect(() => new EnvironmentAccountConnectionAcceptance(stack, 'Accept', { connection: imported(stack) })).toThrow(
        `connection '${ID}' was requested by account ${ENV_ACCOUNT}, this stack's own account: a connection is accepted in the management account it names.`,
      );
    });
  });
});
