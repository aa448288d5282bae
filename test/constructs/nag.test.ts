import { Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { EnvironmentTemplate } from '../../src';
import { ProtonProvider } from '../../src/custom-resources/proton-provider';
import { newStack, platformStack } from '../fixtures/platform-stack';

/** `rule — resource` for each unacknowledged finding, so a failure names what to fix. */
function findings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} — ${r.constructPath}: ${v.description}`));
}

test('a stack with environment templates has no unacknowledged AwsSolutions findings', () => {
  const stack = newStack();
  new EnvironmentTemplate(stack, 'Plain', { environmentTemplateName: 'plain' });
  new EnvironmentTemplate(stack, 'Encrypted', { encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }) });
  expect(findings(stack)).toEqual([]);
});

test('a stack with every Proton resource kind has no unacknowledged AwsSolutions findings', () => {
  expect(findings(platformStack())).toEqual([]);
});

test('a stack with every Proton resource kind has no unacknowledged Serverless findings (DLQ, tracing, memory, state machine X-Ray)', () => {
  const stack = platformStack();
  const report = new ServerlessChecks().validateScope(stack);
  expect(report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} — ${r.constructPath}`))).toEqual([]);
});

test('for templates, the handler role acknowledges only the statement on the resources the stack created; the rest sits on the Provider '
  + 'framework and (serverless rules only) on the handler functions', () => {
  const stack = newStack();
  new EnvironmentTemplate(stack, 'Plain', { environmentTemplateName: 'plain' });
  const acknowledged = stack.node.findAll()
    .filter((c) => c.node.metadata.some((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
    .map((c) => c.node.path);
  expect(acknowledged).toEqual([
    'NagStack/cdk-proton.ProtonProvider/HandlerRole',
    // ServerlessChecks: DLQ and tracing (see acknowledgedIds below).
    'NagStack/cdk-proton.ProtonProvider/OnEventHandler',
    'NagStack/cdk-proton.ProtonProvider/IsCompleteHandler',
    'NagStack/cdk-proton.ProtonProvider/Provider',
    'NagStack/cdk-proton.ProtonProvider/Provider/framework-onEvent',
    'NagStack/cdk-proton.ProtonProvider/Provider/framework-isComplete',
    'NagStack/cdk-proton.ProtonProvider/Provider/framework-onTimeout',
    'NagStack/cdk-proton.ProtonProvider/Provider/waiter-state-machine',
  ]);
  const provider = stack.node.findChild('cdk-proton.ProtonProvider');
  expect(acknowledgedIds(provider.node.findChild('HandlerRole'))).toEqual([
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:proton:us-east-1:123456789012:*]',
  ]);
  expect(acknowledgedIds(provider.node.findChild('OnEventHandler'))).toEqual(['Serverless-LambdaDLQ', 'Serverless-LambdaTracing']);
  expect(acknowledgedIds(provider.node.findChild('Provider').node.findChild('framework-onTimeout')))
    .toEqual(['Serverless-LambdaDLQ', 'Serverless-LambdaDefaultMemorySize', 'Serverless-LambdaTracing']);
  expect(acknowledgedIds(provider.node.findChild('Provider').node.findChild('waiter-state-machine'))).toEqual(['Serverless-StepFunctionStateMachineXray']);
});

/** The cdk-nag rule ids acknowledged on `construct`. */
function acknowledgedIds(construct: IConstruct): string[] {
  const ids = construct.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.keys(m.data as Record<string, string>))
    .map((id) => id.replace(/^Annotation::/, ''));
  return [...new Set(ids)].sort();
}

test('the handler role and the removal policies acknowledge exactly the wildcards Proton forces, each for one resource', () => {
  const stack = platformStack();
  const provider = stack.node.findChild('cdk-proton.ProtonProvider');
  expect(acknowledgedIds(provider.node.findChild('HandlerRole'))).toEqual([
    // Only the resources this stack created (ownership-tag condition).
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:proton:us-east-1:123456789012:*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:proton:us-east-1:123456789012:environment-account-connection/*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:proton:us-east-1:123456789012:environment-template/env-tmpl:*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:proton:us-east-1:123456789012:service-template/svc-tmpl:*]',
  ]);
  const removal = provider.node.children.filter((c) => c.node.id.startsWith('RemovalPolicy'));
  expect(Object.fromEntries(removal.map((c) => [c.node.id.replace(/^RemovalPolicyNagStack|[0-9A-F]{8}$/g, ''), acknowledgedIds(c)]))).toEqual({
    // The List*, sync-config, account-settings and connection-create actions have no resource type.
    Svc: ['AwsSolutions-IAM5[Resource::*]'],
    // An instance of an imported service reads the service's other instances when it is removed.
    Extra: [
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:proton:us-east-1:123456789012:service/legacy/service-instance/*]',
    ],
    Sync: ['AwsSolutions-IAM5[Resource::*]'],
    ServiceSync: ['AwsSolutions-IAM5[Resource::*]'],
    Settings: ['AwsSolutions-IAM5[Resource::*]'],
    Connection: ['AwsSolutions-IAM5[Resource::*]'],
    // A template version's delete that Proton defers names what still runs on the versions it waits for.
    EnvTemplateV1: ['AwsSolutions-IAM5[Resource::*]'],
    SvcTemplateV1: ['AwsSolutions-IAM5[Resource::*]'],
    // The acceptance by id names its connection's exact ARN (no wildcard for account 210987654321);
    // the acceptance by request finds the connection at deploy time, among the environment account's.
    AcceptById: ['AwsSolutions-IAM5[Resource::*]'],
    AcceptByRequest: [
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:proton:us-east-1:345678901234:environment-account-connection/*]',
    ],
  });
});

describe('handler policy size', () => {
  /** The Resource lists of the handler role's statements that carry `action`. */
  function resourcesOf(stack: Stack, action: string): unknown[] {
    const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    return policies
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => [s.Action].flat().includes(action))
      .flatMap((s: any) => [s.Resource].flat());
  }
  const arnOf = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:proton:us-east-1:123456789012:${name}`]] });

  test(`lists up to ${ProtonProvider.MAX_EXACT_PROTON_ARNS} Proton ARNs one by one`, () => {
    const stack = newStack();
    for (let i = 0; i < ProtonProvider.MAX_EXACT_PROTON_ARNS; i++) {
      new EnvironmentTemplate(stack, `T${i}`, { environmentTemplateName: `t${i}` });
    }
    const resources = resourcesOf(stack, 'proton:CreateEnvironmentTemplate');
    expect(resources).toHaveLength(ProtonProvider.MAX_EXACT_PROTON_ARNS);
    expect(resources[0]).toEqual(arnOf('environment-template/t0'));
  });

  test('beyond that, renders each resource type as one wildcard in the account and region, acknowledged', () => {
    const stack = newStack();
    const count = ProtonProvider.MAX_EXACT_PROTON_ARNS + 5;
    for (let i = 0; i < count; i++) {
      new EnvironmentTemplate(stack, `T${i}`, { environmentTemplateName: `t${i}` });
    }
    expect(resourcesOf(stack, 'proton:CreateEnvironmentTemplate')).toEqual([arnOf('environment-template/*')]);
    expect(findings(stack)).toEqual([]);
    // IAM limits the inline policies of a role to 10,240 characters in all.
    const handlerPolicyChars = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .filter((p: any) => JSON.stringify(p.Properties.Roles).includes('HandlerRole'))
      .reduce((sum, p: any) => sum + JSON.stringify(p.Properties.PolicyDocument).length, 0);
    expect(handlerPolicyChars).toBeLessThan(10_240);
  });
});
