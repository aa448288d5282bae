import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import {
  AccountSettings, Component, ComponentInfrastructure, ComponentSource, ComponentTemplateLanguage,
  EnvironmentAccountConnection, EnvironmentAccountConnectionAcceptance, Environment, EnvironmentProvisioning, EnvironmentTemplate,
  Repository, RepositoryProvider, Service, ServiceSyncConfig, ServiceTemplate, ServiceTemplatePipelineProvisioning,
  SyncedTemplate, TemplateBundle, TemplateSyncConfig,
} from '../../src';
import { ProtonProvider } from '../../src/custom-resources/proton-provider';
import { BUNDLES_DIR } from '../fixtures/bundles/corpus';

/** `rule — resource` for each unacknowledged finding, so a failure names what to fix. */
function findings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} — ${r.constructPath}: ${v.description}`));
}

function newStack(): Stack {
  return new Stack(new App(), 'NagStack', { env: { account: '123456789012', region: 'us-east-1' } });
}

/** A stack with every kind of Proton resource the library declares. */
function platformStack(): Stack {
  const stack = newStack();
  const envTemplate = new EnvironmentTemplate(stack, 'EnvTemplate', { environmentTemplateName: 'env-tmpl' });
  const envVersion = envTemplate.addVersion('V1', { bundle: TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, 'env-cloudformation')) });
  const role = new iam.Role(stack, 'ProtonRole', { assumedBy: new iam.ServicePrincipal('proton.amazonaws.com') });
  const env = new Environment(stack, 'Env', {
    environmentName: 'env', templateVersion: envVersion, provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: role }), componentRole: role,
  });
  const svcTemplate = new ServiceTemplate(stack, 'SvcTemplate', {
    serviceTemplateName: 'svc-tmpl', pipelineProvisioning: ServiceTemplatePipelineProvisioning.CUSTOMER_MANAGED,
  });
  const svcVersion = svcTemplate.addVersion('V1', {
    bundle: TemplateBundle.fromS3(s3.Bucket.fromBucketName(stack, 'Bundles', 'bundles'), 'svc.tar.gz'),
    compatibleEnvironmentTemplates: [{ template: envTemplate, majorVersion: envVersion.majorVersion }],
    supportedComponentSources: [ComponentSource.DIRECTLY_DEFINED],
  });
  const service = new Service(stack, 'Svc', { serviceName: 'svc', templateVersion: svcVersion });
  const dev = service.addInstance('dev', { environment: env });
  new Component(stack, 'Component', {
    serviceInstance: dev,
    infrastructure: ComponentInfrastructure.fromString('Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n', ComponentTemplateLanguage.CLOUDFORMATION),
  });
  const repository = new Repository(stack, 'Repo', {
    provider: RepositoryProvider.GITHUB,
    repositoryName: 'org/templates',
    connectionArn: 'arn:aws:codestar-connections:us-east-1:123456789012:connection/0b1c2d3e',
  });
  new TemplateSyncConfig(stack, 'Sync', { template: SyncedTemplate.environmentTemplate(envTemplate), repository, branch: 'main' });
  new ServiceSyncConfig(stack, 'ServiceSync', { service: Service.fromServiceName(stack, 'Synced', 'synced'), repository, branch: 'main' });
  new AccountSettings(stack, 'Settings', { pipelineServiceRole: role });
  new EnvironmentAccountConnection(stack, 'Connection', { managementAccountId: '210987654321', environmentName: 'remote', role });
  new EnvironmentAccountConnectionAcceptance(stack, 'AcceptById', {
    connection: EnvironmentAccountConnection.fromEnvironmentAccountConnectionAttributes(stack, 'Requested', {
      environmentAccountConnectionId: '0b7f6a52-9d1c-4c3e-8f00-123456789abc', environmentAccountId: '210987654321',
    }),
  });
  new EnvironmentAccountConnectionAcceptance(stack, 'AcceptByRequest', { environmentAccountId: '345678901234', environmentName: 'env' });
  return stack;
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

test('acknowledgements sit on the Provider framework and (serverless rules only) on the handler functions, never on the handler role, for templates', () => {
  const stack = newStack();
  new EnvironmentTemplate(stack, 'Plain', { environmentTemplateName: 'plain' });
  const acknowledged = stack.node.findAll()
    .filter((c) => c.node.metadata.some((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
    .map((c) => c.node.path);
  expect(acknowledged).toEqual([
    // ServerlessChecks: DLQ and tracing (see acknowledgementsOf below).
    'NagStack/cdk-proton.ProtonProvider/OnEventHandler',
    'NagStack/cdk-proton.ProtonProvider/IsCompleteHandler',
    'NagStack/cdk-proton.ProtonProvider/Provider',
    'NagStack/cdk-proton.ProtonProvider/Provider/framework-onEvent',
    'NagStack/cdk-proton.ProtonProvider/Provider/framework-isComplete',
    'NagStack/cdk-proton.ProtonProvider/Provider/framework-onTimeout',
    'NagStack/cdk-proton.ProtonProvider/Provider/waiter-state-machine',
  ]);
  const acknowledgementsOf = (constructPath: string) => stack.node.findAll().find((c) => c.node.path === constructPath)!.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.keys(m.data as Record<string, string>)).map((id) => id.replace(/^Annotation::/, '')).sort();
  expect(acknowledgementsOf('NagStack/cdk-proton.ProtonProvider/OnEventHandler')).toEqual(['Serverless-LambdaDLQ', 'Serverless-LambdaTracing']);
  expect(acknowledgementsOf('NagStack/cdk-proton.ProtonProvider/Provider/framework-onTimeout'))
    .toEqual(['Serverless-LambdaDLQ', 'Serverless-LambdaDefaultMemorySize', 'Serverless-LambdaTracing']);
  expect(acknowledgementsOf('NagStack/cdk-proton.ProtonProvider/Provider/waiter-state-machine')).toEqual(['Serverless-StepFunctionStateMachineXray']);
  // The handler role alone is clean: every statement names exact ARNs, no wildcard.
  const report = new AwsSolutionsChecks().validateScope(stack.node.findChild('cdk-proton.ProtonProvider').node.findChild('HandlerRole'));
  expect(report.violations).toEqual([]);
});

test('the handler role acknowledges exactly the wildcards Proton forces, each for one resource', () => {
  const stack = platformStack();
  const role = stack.node.findChild('cdk-proton.ProtonProvider').node.findChild('HandlerRole');
  const ids = role.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.keys(m.data as Record<string, string>))
    .map((id) => id.replace(/^Annotation::/, ''));
  expect([...new Set(ids)].sort()).toEqual([
    // List* and account-settings actions have no resource type (acknowledged once per use).
    'AwsSolutions-IAM5[Resource::*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:proton:us-east-1:123456789012:environment-account-connection/*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:proton:us-east-1:123456789012:environment-template/env-tmpl:*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:proton:us-east-1:123456789012:service-template/svc-tmpl:*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:proton:us-east-1:123456789012:service/svc/*]',
    // The acceptance by request finds the connection at deploy time, among the environment account's;
    // the acceptance by id names its connection's exact ARN (no wildcard for account 210987654321).
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:proton:us-east-1:345678901234:environment-account-connection/*]',
  ]);
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
    const policyChars = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .map((p: any) => JSON.stringify(p.Properties.PolicyDocument).length);
    expect(Math.max(...policyChars)).toBeLessThan(10_240);
  });
});
