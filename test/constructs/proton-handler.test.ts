import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { EnvironmentTemplate, ProtonHandler } from '../../src';

const ENV = { account: '123456789012', region: 'us-east-1' };

function newStack(): Stack {
  return new Stack(new App(), 'TestStack', { env: ENV });
}

/** Every function of the provider: the two handlers and the framework's three. */
function functions(template: Template): Record<string, any> {
  return template.findResources('AWS::Lambda::Function');
}

function findings(stack: Stack, pack: AwsSolutionsChecks | ServerlessChecks): string[] {
  return pack.validateScope(stack).violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} — ${r.constructPath}`));
}

describe('ProtonHandler.configure', () => {
  test('memory, VPC, security groups, permissions boundary, log retention and removal, tracing', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const securityGroup = new ec2.SecurityGroup(stack, 'HandlerSg', { vpc });
    const boundary = iam.ManagedPolicy.fromManagedPolicyName(stack, 'Boundary', 'proton-boundary');
    ProtonHandler.configure(stack, {
      memorySize: 512,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
      permissionsBoundary: boundary,
      logRetention: logs.RetentionDays.ONE_MONTH,
      logRemovalPolicy: RemovalPolicy.DESTROY,
      tracing: lambda.Tracing.ACTIVE,
      environment: { AWS_ENDPOINT_URL_PROTON: 'https://proton.example.internal' },
    });
    new EnvironmentTemplate(stack, 'Net', { environmentTemplateName: 'net' });
    const template = Template.fromStack(stack);

    const all = Object.entries(functions(template));
    expect(all).toHaveLength(5);
    const handlers = all.filter(([id]) => /^cdkprotonProtonProvider(OnEvent|IsComplete)Handler/.test(id));
    expect(handlers).toHaveLength(2);
    for (const [, fn] of handlers) {
      expect(fn.Properties).toMatchObject({
        MemorySize: 512, TracingConfig: { Mode: 'Active' }, Environment: { Variables: { AWS_ENDPOINT_URL_PROTON: 'https://proton.example.internal' } },
      });
    }
    const sg = { 'Fn::GetAtt': [expect.stringMatching(/^HandlerSg/), 'GroupId'] };
    for (const [, fn] of all) {
      expect(fn.Properties.VpcConfig).toEqual({
        SecurityGroupIds: [sg],
        SubnetIds: [{ Ref: expect.stringMatching(/^VpcPrivateSubnet1Subnet/) }, { Ref: expect.stringMatching(/^VpcPrivateSubnet2Subnet/) }],
      });
    }
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(logGroups).toHaveLength(2);
    for (const group of logGroups as any[]) {
      expect(group).toMatchObject({ Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    }
    const roles = Object.values(template.findResources('AWS::IAM::Role')) as any[];
    expect(roles.length).toBeGreaterThanOrEqual(4);
    for (const role of roles) {
      expect(role.Properties.PermissionsBoundary).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::123456789012:policy/proton-boundary']] });
    }
    // Every cdk-nag finding on the configured provider is addressed or acknowledged with a reason.
    expect(findings(stack, new ServerlessChecks())).toEqual([]);
    expect(findings(stack, new AwsSolutionsChecks()).filter((f) => f.includes('cdk-proton.ProtonProvider'))).toEqual([]);
  });

  test('defaults: 256 MiB, no VPC, no tracing, logs kept a year and retained', () => {
    const stack = newStack();
    new EnvironmentTemplate(stack, 'Net', { environmentTemplateName: 'net' });
    const template = Template.fromStack(stack);
    const handlers = Object.entries(functions(template)).filter(([id]) => /Handler/.test(id)).map(([, fn]) => fn.Properties);
    expect(handlers.map((p) => [p.MemorySize, p.VpcConfig, p.TracingConfig])).toEqual([[256, undefined, undefined], [256, undefined, undefined]]);
    for (const group of Object.values(template.findResources('AWS::Logs::LogGroup')) as any[]) {
      expect(group).toMatchObject({ Properties: { RetentionInDays: 365 }, DeletionPolicy: 'Retain' });
    }
    expect(findings(stack, new ServerlessChecks())).toEqual([]);
  });

  test.each([
    ['after the stack declared a Proton resource', (stack: Stack) => {
      new EnvironmentTemplate(stack, 'Net', { environmentTemplateName: 'net' });
      ProtonHandler.configure(stack, { memorySize: 512 });
    }, "ProtonHandler.configure: the Proton handler of stack 'TestStack' already exists (the stack declares a Proton resource, which created it with "
      + "the default options). Call ProtonHandler.configure(stack, options) before declaring the stack's first Proton resource."],
    ['with a memory size Lambda does not offer', (stack: Stack) => ProtonHandler.configure(stack, { memorySize: 64 }),
      'memorySize 64 is not a Lambda memory size: give 128 to 10240 (MiB).'],
    ['with subnets but no VPC', (stack: Stack) => ProtonHandler.configure(stack, { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }),
      'vpcSubnets and securityGroups apply to functions in a VPC: give vpc too, or remove them.'],
  ])('throws when called %s', (_label, act, message) => {
    expect(() => act(newStack())).toThrow(message);
  });
});
