import { App, Stack, Token } from 'aws-cdk-lib';
import { connectionArnOf, protonArn, protonArnName } from '../../src/private/proton-arns';

const ENV = { account: '123456789012', region: 'us-east-1' };
const ENVIRONMENT = { resourceType: 'environment', property: 'environmentArn', kind: 'environment' };

describe('protonArn', () => {
  test("builds <type>/<name> in the stack's region and account", () => {
    const stack = new Stack(new App(), 'S', { env: ENV });
    expect(stack.resolve(protonArn(stack, 'service', 'api/service-instance/one'))).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':proton:us-east-1:123456789012:service/api/service-instance/one']],
    });
  });

  test('puts a connection in its environment account', () => {
    const stack = new Stack(new App(), 'S', { env: ENV });
    expect(stack.resolve(connectionArnOf(stack, '210987654321', 'abc'))).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':proton:us-east-1:210987654321:environment-account-connection/abc']],
    });
  });
});

describe('protonArnName', () => {
  test('returns the name of an ARN of the expected type', () => {
    expect(protonArnName('arn:aws-cn:proton:cn-north-1:123456789012:environment/prod', ENVIRONMENT)).toBe('prod');
  });

  test('returns the name of an unresolved ARN as a token, unchecked', () => {
    const stack = new Stack(new App(), 'S', { env: ENV });
    const name = protonArnName(Token.asString({ Ref: 'Arn' }), ENVIRONMENT);
    expect(Token.isUnresolved(name)).toBe(true);
    expect(stack.resolve(name)).toEqual({ 'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::Select': [5, { 'Fn::Split': [':', { Ref: 'Arn' }] }] }] }] });
  });

  test.each([
    ['another service', 'arn:aws:iam::123456789012:environment/prod'],
    ['another resource type', 'arn:aws:proton:us-east-1:123456789012:service/prod'],
    ['no name', 'arn:aws:proton:us-east-1:123456789012:environment'],
    ['a child resource', 'arn:aws:proton:us-east-1:123456789012:environment/prod/x'],
  ])('throws when the ARN has %s', (_, arn) => {
    expect(() => protonArnName(arn, ENVIRONMENT))
      .toThrow(`environmentArn '${arn}' is not an environment ARN: expected arn:<partition>:proton:<region>:<account>:environment/<name>.`);
  });

  test('throws with the placeholders and article of the expectation', () => {
    expect(() => protonArnName('arn:aws:proton:us-east-1:123456789012:component/c', {
      resourceType: 'environment-account-connection',
      property: 'connectionArn',
      kind: 'connection',
      accountPlaceholder: '<environment account>',
      namePlaceholder: '<id>',
    })).toThrow("connectionArn 'arn:aws:proton:us-east-1:123456789012:component/c' is not a connection ARN: "
      + 'expected arn:<partition>:proton:<region>:<environment account>:environment-account-connection/<id>.');
  });
});
