import { App, CfnParameter, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Repository, RepositoryProvider } from '../../src';

const ENV = { account: '123456789012', region: 'us-east-1' };
const TYPE = 'Custom::ProtonRepository';
const CONNECTION = 'arn:aws:codestar-connections:us-east-1:123456789012:connection/2f6c6a0e-1111-4aaa-8bbb-000000000001';

function newStack(): Stack {
  return new Stack(new App(), 'TestStack', { env: ENV });
}

function statements(template: Template): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

describe('Repository', () => {
  test('declares the link with every property; attributes come from the custom resource', () => {
    const stack = newStack();
    const repo = new Repository(stack, 'Repo', { provider: RepositoryProvider.GITHUB, repositoryName: 'acme/envs', connectionArn: CONNECTION });
    const template = Template.fromStack(stack);
    template.hasResource(TYPE, {
      Properties: { ServiceToken: Match.anyValue(), ServiceTimeout: '3000', Provider: 'GITHUB', Name: 'acme/envs', ConnectionArn: CONNECTION },
      DeletionPolicy: 'Delete',
    });
    const only = Object.values(template.findResources(TYPE))[0] as any;
    expect(Object.keys(only.Properties).sort()).toEqual(['ConnectionArn', 'Name', 'Provider', 'ServiceTimeout', 'ServiceToken']);
    expect(stack.resolve(repo.repositoryName)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Repo/), 'Name'] });
    expect(stack.resolve(repo.repositoryArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Repo/), 'Arn'] });
    expect(repo.repositoryProvider).toBe(RepositoryProvider.GITHUB);
  });

  test('IAM: the exact link ARN (provider lower-case) and PassConnection on the exact connection', () => {
    const stack = newStack();
    new Repository(stack, 'Repo', { provider: RepositoryProvider.GITHUB_ENTERPRISE, repositoryName: 'acme/envs', connectionArn: CONNECTION });
    // (Without the statement on the resources the stack created, which every handler policy has.)
    expect(statements(Template.fromStack(stack)).filter((s) => [s.Action].flat().some((a: string) => /^(proton|codestar)/.test(a)) && !s.Condition)).toEqual([
      {
        Effect: 'Allow',
        Action: ['proton:CreateRepository', 'proton:DeleteRepository', 'proton:GetRepository', 'proton:ListTagsForResource', 'proton:TagResource', 'proton:UntagResource'],
        Resource: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':proton:us-east-1:123456789012:repository/github_enterprise:acme/envs']] }],
      },
      // AWS's operations table: CreateRepository passes the connection (no UseConnection).
      { Effect: 'Allow', Action: 'codestar-connections:PassConnection', Resource: [CONNECTION] },
    ]);
  });

  test('an encryption key, tags and the removal policy', () => {
    const stack = newStack();
    const repo = new Repository(stack, 'Repo', {
      provider: RepositoryProvider.BITBUCKET,
      repositoryName: 'acme/envs',
      connectionArn: CONNECTION,
      encryptionKey: new kms.Key(stack, 'Key'),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Tags.of(stack).add('team', 'platform');
    repo.tags.setTag('cost', '42');
    Template.fromStack(stack).hasResource(TYPE, {
      Properties: { EncryptionKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] }, Tags: { team: 'platform', cost: '42' } },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('imports by provider and name, in the stack\'s account; importing creates no provider', () => {
    const stack = newStack();
    const repo = Repository.fromRepositoryAttributes(stack, 'Imported', { provider: RepositoryProvider.GITHUB, repositoryName: 'acme/shared' });
    expect(repo.repositoryName).toBe('acme/shared');
    expect(stack.resolve(repo.repositoryArn)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':proton:us-east-1:123456789012:repository/github:acme/shared']] });
    expect(stack.node.tryFindChild('cdk-proton.ProtonProvider')).toBeUndefined();
  });

  test('accepts token names and connection ARNs (checked by Proton at deploy time)', () => {
    const stack = newStack();
    expect(() => new Repository(stack, 'Repo', {
      provider: RepositoryProvider.GITHUB,
      repositoryName: new CfnParameter(stack, 'Name').valueAsString,
      connectionArn: new CfnParameter(stack, 'Conn').valueAsString,
    })).not.toThrow();
  });

  describe('validation', () => {
    test('throws when repositoryName is not owner/name', () => {
      expect(() => new Repository(newStack(), 'R', { provider: RepositoryProvider.GITHUB, repositoryName: 'envs', connectionArn: CONNECTION })).toThrow(
        "repositoryName 'envs' is not a valid repository name: give it as 'owner/name' (1 to 100 characters), e.g. 'my-org/proton-templates'.",
      );
      expect(() => Repository.fromRepositoryAttributes(newStack(), 'I', { provider: RepositoryProvider.GITHUB, repositoryName: `acme/${'x'.repeat(100)}` }))
        .toThrow(/is not a valid repository name/);
    });

    test('throws when connectionArn is not a CodeStar connection ARN', () => {
      expect(() => new Repository(newStack(), 'R', {
        provider: RepositoryProvider.GITHUB, repositoryName: 'acme/envs', connectionArn: 'arn:aws:iam::123456789012:role/x',
      })).toThrow("connectionArn 'arn:aws:iam::123456789012:role/x' is not an AWS CodeStar connection ARN: expected arn:<partition>:codestar-connections:<region>:<account>:connection/<id>");
    });

    test('throws when a tag key uses a reserved prefix', () => {
      const stack = newStack();
      const repo = new Repository(stack, 'R', { provider: RepositoryProvider.GITHUB, repositoryName: 'acme/envs', connectionArn: CONNECTION });
      repo.tags.setTag('aws:owner', 'x');
      expect(() => Template.fromStack(stack)).toThrow(/Tag key\(s\) aws:owner of repository 'TestStack\/R' use a reserved prefix \(aws:, cdk-proton:\)/);
    });
  });
});
