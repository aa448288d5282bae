import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  Component, Environment, EnvironmentAccountConnection, EnvironmentAccountConnectionAcceptance, EnvironmentProvisioning, EnvironmentTemplate,
  EnvironmentTemplateVersion, IProtonResource, Service, ServiceInstance, ServiceTemplate, ServiceTemplateVersion, TemplateBundle,
} from '../../src';
import { BUNDLES_DIR } from '../fixtures/bundles/corpus';

const ENV = { account: '123456789012', region: 'us-east-1' };
const ARN = 'arn:aws:proton:us-east-1:123456789012';

function newStack(): Stack {
  return new Stack(new App(), 'TestStack', { env: ENV });
}

/** The event pattern of the one rule of `stack`. */
function patternOf(stack: Stack): unknown {
  const rules = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'));
  expect(rules).toHaveLength(1);
  return (rules[0] as any).Properties.EventPattern;
}

/** Each imported resource, its ARN and the detail type of its status changes (https://docs.aws.amazon.com/proton/latest/userguide/event-bridge.html). */
const RESOURCES: Array<[string, (stack: Stack) => IProtonResource, string, string]> = [
  ['environment template', (s) => EnvironmentTemplate.fromEnvironmentTemplateArn(s, 'R', `${ARN}:environment-template/net`),
    `${ARN}:environment-template/net`, 'AWS Proton Environment Template Status Change'],
  ['environment template version', (s) => EnvironmentTemplateVersion.fromEnvironmentTemplateVersionArn(s, 'R', `${ARN}:environment-template/net:1.2`),
    `${ARN}:environment-template/net:1.2`, 'AWS Proton Environment Template Version Status Change'],
  ['service template', (s) => ServiceTemplate.fromServiceTemplateArn(s, 'R', `${ARN}:service-template/web`),
    `${ARN}:service-template/web`, 'AWS Proton Service Template Status Change'],
  ['service template version', (s) => ServiceTemplateVersion.fromServiceTemplateVersionArn(s, 'R', `${ARN}:service-template/web:2.0`),
    `${ARN}:service-template/web:2.0`, 'AWS Proton Service Template Version Status Change'],
  ['environment', (s) => Environment.fromEnvironmentArn(s, 'R', `${ARN}:environment/dev`),
    `${ARN}:environment/dev`, 'AWS Proton Environment Status Change'],
  ['service', (s) => Service.fromServiceArn(s, 'R', `${ARN}:service/api`),
    `${ARN}:service/api`, 'AWS Proton Service Status Change'],
  ['service instance', (s) => ServiceInstance.fromServiceInstanceArn(s, 'R', `${ARN}:service/api/service-instance/dev`),
    `${ARN}:service/api/service-instance/dev`, 'AWS Proton Service Instance Status Change'],
  ['service pipeline', (s) => Service.fromServiceArn(s, 'R', `${ARN}:service/api`).pipeline,
    `${ARN}:service/api/pipeline`, 'AWS Proton Service Pipeline Status Change'],
  ['component', (s) => Component.fromComponentArn(s, 'R', `${ARN}:component/jobs`),
    `${ARN}:component/jobs`, 'AWS Proton Component Status Change'],
  ['environment account connection', (s) => EnvironmentAccountConnection.fromEnvironmentAccountConnectionArn(s, 'R',
    'arn:aws:proton:us-east-1:210987654321:environment-account-connection/0b7f6a52-9d1c-4c3e-8f00-123456789abc'),
  'arn:aws:proton:us-east-1:210987654321:environment-account-connection/0b7f6a52-9d1c-4c3e-8f00-123456789abc',
  'AWS Proton Environment Account Connection Status Change'],
];

/** The resources Proton deploys: they also have deployment events. */
const DEPLOYED = ['environment', 'service', 'service instance', 'service pipeline', 'component'];

describe('events', () => {
  describe.each(RESOURCES)('%s', (kind, importIt, arn, detailType) => {
    test('onEvent: every Proton event naming the resource, with the given target', () => {
      const stack = newStack();
      const topic = new sns.Topic(stack, 'Topic');
      const rule = importIt(stack).onEvent('Events', { target: new targets.SnsTopic(topic), ruleName: 'proton-events' });
      expect(rule).toBeInstanceOf(events.Rule);
      expect(patternOf(stack)).toEqual({ source: ['aws.proton'], resources: [arn] });
      Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
        Name: 'proton-events',
        Targets: [{ Arn: { Ref: Match.stringLikeRegexp('^Topic') }, Id: 'Target0' }],
      });
    });

    test('onStatusChange: its status-change detail type', () => {
      const stack = newStack();
      importIt(stack).onStatusChange('Status', { eventPattern: { detail: { status: ['DELETE_FAILED'] } } });
      expect(patternOf(stack)).toEqual({
        'source': ['aws.proton'], 'resources': [arn], 'detail-type': [detailType], 'detail': { status: ['DELETE_FAILED'] },
      });
    });

    const deployed = DEPLOYED.includes(kind);
    test(deployed ? 'onDeploymentStatusChange: the deployment events naming it' : 'has no onDeploymentStatusChange (Proton deploys nothing for it)', () => {
      const stack = newStack();
      const resource = importIt(stack) as IProtonResource & { onDeploymentStatusChange?: (id: string) => events.Rule };
      if (!deployed) {
        expect(resource.onDeploymentStatusChange).toBeUndefined();
        return;
      }
      resource.onDeploymentStatusChange!('Deployments');
      expect(patternOf(stack)).toEqual({ 'source': ['aws.proton'], 'resources': [arn], 'detail-type': ['AWS Proton Deployment Status Change'] });
    });
  });

  test('constructs of the app filter on their ARN attribute; instances added to a Service on theirs', () => {
    const stack = newStack();
    const template = new EnvironmentTemplate(stack, 'Net', { environmentTemplateName: 'net' });
    const version = template.addVersion('V1', { bundle: TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, 'env-cloudformation')) });
    const dev = new Environment(stack, 'Dev', { environmentName: 'dev', templateVersion: version, provisioning: EnvironmentProvisioning.customerManaged() });
    dev.onStatusChange('DevStatus');
    version.onStatusChange('VersionStatus');
    const api = Service.fromServiceName(stack, 'Api', 'api');
    const extra = new ServiceInstance(stack, 'Extra', { service: api, serviceInstanceName: 'extra', environment: dev });
    extra.onDeploymentStatusChange('ExtraDeployments');
    const patterns = Object.fromEntries(Object.entries(Template.fromStack(stack).findResources('AWS::Events::Rule'))
      .map(([id, rule]: [string, any]) => [id.replace(/[0-9A-F]{8}$/, ''), rule.Properties.EventPattern]));
    expect(patterns).toEqual({
      DevDevStatus: {
        'source': ['aws.proton'],
        'resources': [{ 'Fn::GetAtt': [expect.stringMatching(/^Dev/), 'Arn'] }],
        'detail-type': ['AWS Proton Environment Status Change'],
      },
      NetV1VersionStatus: {
        'source': ['aws.proton'],
        'resources': [{ 'Fn::GetAtt': [expect.stringMatching(/^NetV1/), 'Arn'] }],
        'detail-type': ['AWS Proton Environment Template Version Status Change'],
      },
      ExtraExtraDeployments: {
        'source': ['aws.proton'],
        'resources': [{ 'Fn::GetAtt': [expect.stringMatching(/^Extra/), 'Arn'] }],
        'detail-type': ['AWS Proton Deployment Status Change'],
      },
    });
  });

  test('an instance added to a Service and an acceptance filter on their ARNs', () => {
    const stack = newStack();
    const api = Service.fromServiceArn(stack, 'Api', `${ARN}:service/api`);
    const dev = Environment.fromEnvironmentName(stack, 'Dev', 'dev');
    const acceptance = new EnvironmentAccountConnectionAcceptance(stack, 'Accept', { environmentAccountId: '210987654321', environmentName: 'dev' });
    acceptance.onStatusChange('Connection');
    const instance = ServiceInstance.fromServiceInstanceName(stack, 'Dev2', api, 'dev');
    instance.onEvent('InstanceEvents');
    void dev;
    const patterns = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule')).map((r: any) => r.Properties.EventPattern);
    expect(patterns).toEqual([
      {
        'source': ['aws.proton'],
        'resources': [{ 'Fn::GetAtt': [expect.stringMatching(/^Accept/), 'Arn'] }],
        'detail-type': ['AWS Proton Environment Account Connection Status Change'],
      },
      { source: ['aws.proton'], resources: [`${ARN}:service/api/service-instance/dev`] },
    ]);
  });
});
