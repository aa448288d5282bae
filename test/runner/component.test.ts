/**
 * End to end: directly defined components declared with the library, deployed by the runner
 * through the REAL bundled handler against the emulator: create, update and delete; a failed
 * deployment that rolls the stack back without orphans; a component attached to a service
 * instance, then detached by a second deploy; and the delete order (component, service,
 * environment).
 */
import * as path from 'path';
import { GetComponentCommand, GetEnvironmentCommand } from '@aws-sdk/client-proton';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { requestsOf, runnerHarness } from './fixtures/runner-harness';
import { testApp } from './fixtures/test-app';
import {
  Component, ComponentInfrastructure, ComponentSource, ComponentTemplateLanguage, Environment, EnvironmentProvisioning,
  EnvironmentTemplate, Service, ServiceInstanceSpec, ServiceTemplate, ServiceTemplatePipelineProvisioning, TemplateBundle,
} from '../../src';
import { BUNDLES_DIR } from '../fixtures/bundles/corpus';

const DURATIONS = { registrationMs: 1_000, deploymentMs: 60_000, deletionMs: 30_000, cancellationMs: 20_000, serviceMs: 1_000 };
const TYPE = 'Custom::ProtonComponent';

const harness = runnerHarness({ durations: DURATIONS });

function templateFile(outputs: string[]): string {
  return `Resources:
  Queue:
    Type: AWS::SQS::Queue
Outputs:
${outputs.map((key) => `  ${key}:\n    Value: !Ref Queue\n`).join('')}`;
}

interface AppOptions {
  /** Where the component lives: the environment (standalone) or the service's instance `main`. */
  readonly placement: 'environment' | 'instance';
  readonly outputs?: string[];
  readonly description?: string;
}

/** An environment that hosts components, a service with instance `main` in it, and component `<prefix>-cmp`. */
function componentApp(prefix: string, options: AppOptions): App {
  const app = testApp();
  const stack = new Stack(app, `${prefix}Stack`);
  const envTemplate = new EnvironmentTemplate(stack, 'EnvTemplate', { environmentTemplateName: `${prefix}-env-tmpl` });
  const envVersion = envTemplate.addVersion('V1', { bundle: TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, 'env-cloudformation')) });
  const env = new Environment(stack, 'Env', {
    environmentName: `${prefix}-env`,
    templateVersion: envVersion,
    provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::111111111111:role/proton') }),
    componentRole: iam.Role.fromRoleArn(stack, 'ComponentRole', 'arn:aws:iam::111111111111:role/proton-components'),
  });
  const svcTemplate = new ServiceTemplate(stack, 'SvcTemplate', {
    serviceTemplateName: `${prefix}-svc-tmpl`, pipelineProvisioning: ServiceTemplatePipelineProvisioning.CUSTOMER_MANAGED,
  });
  const svcVersion = svcTemplate.addVersion('V1', {
    bundle: TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, 'svc-without-pipeline')),
    compatibleEnvironmentTemplates: [{ template: envTemplate, majorVersion: envVersion.majorVersion }],
    supportedComponentSources: [ComponentSource.DIRECTLY_DEFINED],
  });
  const service = new Service(stack, 'Svc', { serviceName: `${prefix}-svc`, templateVersion: svcVersion });
  const main = service.addInstance('main', { environment: env, spec: ServiceInstanceSpec.fromInputs({ message: 'hello' }) });
  const outputs = options.outputs ?? ['QueueUrl'];
  const component = new Component(stack, 'Cmp', {
    componentName: `${prefix}-cmp`,
    infrastructure: ComponentInfrastructure.fromString(templateFile(outputs), ComponentTemplateLanguage.CLOUDFORMATION),
    description: options.description,
    ...options.placement === 'environment' ? { environment: env } : { serviceInstance: main },
  });
  new CfnOutput(stack, 'FirstOutput', { value: component.getOutput(outputs[0]) });
  return app;
}

async function getComponent(name: string) {
  return (await harness.proton.send(new GetComponentCommand({ name }))).component!;
}

test('create, update (description: NONE; template file: a new deployment), destroy before the environment', async () => {
  const created = await harness.runner.deploy(componentApp('cu', { placement: 'environment' }));
  expect(created.events.filter((e) => e.status.endsWith('_FAILED')).map((e) => `${e.logicalId}: ${e.reason?.split('\n')[0]}`)).toEqual([]);
  expect(requestsOf(created, TYPE)).toEqual([['Create', 'SUCCESS']]);
  expect(harness.runner.stack('cuStack')?.outputs).toMatchObject({ FirstOutput: 'component/cu-cmp/QueueUrl' });
  const first = await getComponent('cu-cmp');
  expect(first).toMatchObject({ environmentName: 'cu-env', deploymentStatus: 'SUCCEEDED' });

  harness.emulator.control.resetCallCounts();
  const described = await harness.runner.deploy(componentApp('cu', { placement: 'environment', description: 'queues of the team' }));
  expect(requestsOf(described, TYPE)).toEqual([['Update', 'SUCCESS']]);
  expect(harness.emulator.control.callCounts().UpdateComponent).toBe(1);
  expect(await getComponent('cu-cmp')).toMatchObject({ description: 'queues of the team', lastAttemptedDeploymentId: first.lastAttemptedDeploymentId });

  const redeployed = await harness.runner.deploy(componentApp('cu', { placement: 'environment', description: 'queues of the team', outputs: ['QueueArn'] }));
  expect(requestsOf(redeployed, TYPE)).toEqual([['Update', 'SUCCESS']]);
  expect(harness.runner.stack('cuStack')?.outputs).toMatchObject({ FirstOutput: 'component/cu-cmp/QueueArn' });
  expect((await getComponent('cu-cmp')).lastAttemptedDeploymentId).not.toBe(first.lastAttemptedDeploymentId);

  const destroyed = await harness.runner.destroy({ stackNames: ['cuStack'] });
  expect(destroyed.success).toBe(true);
  const order = destroyed.requests.map(({ request }) => request.ResourceType);
  expect(order.indexOf(TYPE)).toBeLessThan(order.indexOf('Custom::ProtonEnvironment'));
  await expect(harness.proton.send(new GetComponentCommand({ name: 'cu-cmp' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
}, 300_000);

test('a failed component deployment rolls the stack back and leaves nothing behind', async () => {
  harness.emulator.control.failNextDeployment('component/fl-cmp', 'Queue name already exists');
  const result = await harness.runner.deploy(componentApp('fl', { placement: 'environment' }));
  expect(result.success).toBe(false);
  expect(harness.runner.stack('flStack')?.status).toBe('ROLLBACK_COMPLETE');
  const reason = result.events.find((e) => e.status === 'CREATE_FAILED' && e.resourceType === TYPE)!.reason!.split('\n')[0];
  expect(reason).toBe("Proton component 'fl-cmp' deployment FAILED: Queue name already exists");
  expect(requestsOf(result, TYPE)).toEqual([['Create', 'FAILED'], ['Delete', 'SUCCESS']]);
  await expect(harness.proton.send(new GetComponentCommand({ name: 'fl-cmp' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  await expect(harness.proton.send(new GetEnvironmentCommand({ name: 'fl-env' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
}, 300_000);

test('a component attached to an instance is detached by the next deploy; destroy deletes component, service, environment in that order', async () => {
  const created = await harness.runner.deploy(componentApp('at', { placement: 'instance' }));
  expect(created.events.filter((e) => e.status.endsWith('_FAILED')).map((e) => `${e.logicalId}: ${e.reason?.split('\n')[0]}`)).toEqual([]);
  expect(await getComponent('at-cmp')).toMatchObject({ environmentName: 'at-env', serviceName: 'at-svc', serviceInstanceName: 'main', deploymentStatus: 'SUCCEEDED' });
  expect((await getComponent('at-cmp')).serviceSpec).toContain('message: hello');

  harness.emulator.control.resetCallCounts();
  const detached = await harness.runner.deploy(componentApp('at', { placement: 'environment' }));
  expect(requestsOf(detached, TYPE)).toEqual([['Update', 'SUCCESS']]);
  expect(harness.emulator.control.callCounts().UpdateComponent).toBe(1);
  const component = await getComponent('at-cmp');
  expect(component).toMatchObject({ environmentName: 'at-env', deploymentStatus: 'SUCCEEDED' });
  expect(component.serviceName).toBeUndefined();

  const reattached = await harness.runner.deploy(componentApp('at', { placement: 'instance' }));
  expect(requestsOf(reattached, TYPE)).toEqual([['Update', 'SUCCESS']]);
  expect(await getComponent('at-cmp')).toMatchObject({ serviceName: 'at-svc', serviceInstanceName: 'main' });

  harness.emulator.control.resetCallCounts();
  const destroyed = await harness.runner.destroy({ stackNames: ['atStack'] });
  expect(destroyed.success).toBe(true);
  expect(harness.emulator.control.callCounts()).toMatchObject({ UpdateComponent: 1, DeleteComponent: 1 });
  const order = destroyed.requests.map(({ request }) => request.ResourceType);
  expect(order.indexOf(TYPE)).toBeLessThan(order.indexOf('Custom::ProtonService'));
  expect(order.indexOf('Custom::ProtonService')).toBeLessThan(order.indexOf('Custom::ProtonEnvironment'));
  await expect(harness.proton.send(new GetComponentCommand({ name: 'at-cmp' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
}, 300_000);
