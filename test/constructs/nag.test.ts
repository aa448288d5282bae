import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
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
  service.addInstance('dev', { environment: env });
  new Component(stack, 'Component', {
    service,
    serviceInstanceName: 'dev',
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

test('for templates, the handler role acknowledges only the statement on the resources the stack created; the rest sits on the Provider framework', () => {
  const stack = newStack();
  new EnvironmentTemplate(stack, 'Plain', { environmentTemplateName: 'plain' });
  const acknowledged = stack.node.findAll()
    .filter((c) => c.node.metadata.some((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
    .map((c) => c.node.path);
  expect(acknowledged).toEqual(['NagStack/cdk-proton.ProtonProvider/HandlerRole', 'NagStack/cdk-proton.ProtonProvider/Provider']);
  expect(acknowledgedIds(stack.node.findChild('cdk-proton.ProtonProvider').node.findChild('HandlerRole'))).toEqual([
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:proton:us-east-1:123456789012:*]',
  ]);
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
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:proton:us-east-1:123456789012:service/svc/service-instance/*]',
  ]);
  const removal = provider.node.children.filter((c) => c.node.id.startsWith('RemovalPolicy'));
  expect(Object.fromEntries(removal.map((c) => [c.node.id.replace(/^RemovalPolicyNagStack|[0-9A-F]{8}$/g, ''), acknowledgedIds(c)]))).toEqual({
    // The List*, sync-config, account-settings and connection-create actions have no resource type.
    Svc: ['AwsSolutions-IAM5[Resource::*]'],
    Component: [],
    Sync: ['AwsSolutions-IAM5[Resource::*]'],
    ServiceSync: ['AwsSolutions-IAM5[Resource::*]'],
    Settings: ['AwsSolutions-IAM5[Resource::*]'],
    Connection: ['AwsSolutions-IAM5[Resource::*]'],
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
