/**
 * End to end: the ServiceInstance construct adding an instance to a service another stack
 * created, deployed by the runner through the REAL bundled handler against the emulator: create
 * with outputs, an input update (CURRENT_VERSION), a tag-only update without a deployment, an
 * unchanged redeploy that calls nothing, a failed update rolled back, a retained instance adopted
 * again by its resource, removal with UpdateService, and the refusal to remove a service's last
 * instance. The tests run in order against one emulator and build on each other's state.
 */
import * as path from 'path';
import {
  GetServiceCommand, GetServiceInstanceCommand, ListServiceInstancesCommand, ListTagsForResourceCommand, UpdateServiceCommand,
} from '@aws-sdk/client-proton';
import { App, CfnOutput, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { mutationCounts, requestsOf, runnerHarness } from './fixtures/runner-harness';
import { testApp } from './fixtures/test-app';
import { OperationResult } from '../../local/runner/runner';
import {
  Environment, EnvironmentProvisioning, EnvironmentTemplate, Service, ServiceInstance, ServiceInstanceSpec, ServiceTemplate,
  ServiceTemplatePipelineProvisioning, TemplateBundle,
} from '../../src';
import { ProtonProvider } from '../../src/custom-resources/proton-provider';
import { BUNDLES_DIR } from '../fixtures/bundles/corpus';

const DURATIONS = { registrationMs: 1_000, deploymentMs: 20_000, deletionMs: 10_000, cancellationMs: 5_000, serviceMs: 1_000 };
const TYPE = 'Custom::ProtonServiceInstance';
const BASE_STACK = 'siBase';
const INSTANCE_STACK = 'siInstance';
const SERVICE = 'si-svc';
const ENVIRONMENT = 'si-env';

const harness = runnerHarness({ durations: DURATIONS, runnerPerTest: false });

beforeAll(async () => {
  const base = await harness.runner.deploy(baseApp());
  expect(base.success).toBe(true);
}, 120_000);

/** The environment, the templates and the service (with its instance 'main') the instances are added to. */
function baseApp(): App {
  const app = testApp();
  const stack = new Stack(app, BASE_STACK);
  const envTemplate = new EnvironmentTemplate(stack, 'EnvTemplate', { environmentTemplateName: 'si-env-tmpl' });
  const envVersion = envTemplate.addVersion('V1', { bundle: TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, 'env-cloudformation')) });
  const env = new Environment(stack, 'Env', {
    environmentName: ENVIRONMENT,
    templateVersion: envVersion,
    provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::111111111111:role/proton') }),
  });
  const svcTemplate = new ServiceTemplate(stack, 'SvcTemplate', {
    serviceTemplateName: 'si-svc-tmpl', pipelineProvisioning: ServiceTemplatePipelineProvisioning.CUSTOMER_MANAGED,
  });
  const svcVersion = svcTemplate.addVersion('V1', {
    bundle: TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, 'svc-without-pipeline')),
    compatibleEnvironmentTemplates: [{ template: envTemplate, majorVersion: envVersion.majorVersion }],
  });
  const service = new Service(stack, 'Svc', { serviceName: SERVICE, templateVersion: svcVersion });
  service.addInstance('main', { environment: env, spec: ServiceInstanceSpec.fromInputs({ message: 'main' }) });
  return app;
}

interface InstanceDeclaration {
  readonly name: string;
  readonly message: string;
  readonly tags?: Record<string, string>;
  readonly removalPolicy?: RemovalPolicy;
}

/** A second stack adding `instances` to the base stack's service (imported by name). */
function instanceApp(...instances: InstanceDeclaration[]): App {
  const app = testApp();
  const stack = new Stack(app, INSTANCE_STACK);
  // The stack keeps its provider when it declares no instance (as a stack with other Proton resources would).
  ProtonProvider.getOrCreate(stack);
  const service = Service.fromServiceName(stack, 'Svc', SERVICE);
  const environment = Environment.fromEnvironmentName(stack, 'Env', ENVIRONMENT);
  for (const declared of instances) {
    const construct = new ServiceInstance(stack, `Instance-${declared.name}`, {
      service,
      environment,
      serviceInstanceName: declared.name,
      spec: ServiceInstanceSpec.fromInputs({ message: declared.message }),
      removalPolicy: declared.removalPolicy,
    });
    for (const [key, value] of Object.entries(declared.tags ?? {})) Tags.of(construct).add(key, value);
    new CfnOutput(stack, `Parameter${declared.name}`, { value: construct.getOutput('ParameterName') });
    new CfnOutput(stack, `Arn${declared.name}`, { value: construct.serviceInstanceArn });
  }
  return app;
}

function failureReason(result: OperationResult, status: string): string | undefined {
  return result.events.find((e) => e.status === status && e.resourceType === TYPE)?.reason?.split('\n')[0];
}

async function instance(name: string) {
  return (await harness.proton.send(new GetServiceInstanceCommand({ serviceName: SERVICE, name }))).serviceInstance!;
}

async function instanceNames(): Promise<string[]> {
  const listed = await harness.proton.send(new ListServiceInstancesCommand({ serviceName: SERVICE }));
  return listed.serviceInstances!.map((i) => i.name!).sort();
}

function specOf(name: string, message: string): string {
  return `proton: ServiceSpec\ninstances:\n  - name: ${name}\n    environment: ${ENVIRONMENT}\n    spec:\n      message: ${message}\n`;
}

test('create adds the instance to the other stack\'s service; input updates redeploy it, tag updates do not, no change calls nothing; a failed update rolls back', async () => {
  harness.emulator.control.resetCallCounts();
  const created = await harness.runner.deploy(instanceApp({ name: 'extra', message: 'first' }));
  expect(created.success).toBe(true);
  expect(requestsOf(created, TYPE)).toEqual([['Create', 'SUCCESS']]);
  expect(mutationCounts(harness.emulator)).toEqual({ CreateServiceInstance: 1 });
  expect(harness.runner.stack(INSTANCE_STACK)?.outputs).toEqual({
    Parameterextra: `service/${SERVICE}/service-instance/extra/ParameterName`,
    Arnextra: `arn:aws:proton:us-east-1:111111111111:service/${SERVICE}/service-instance/extra`,
  });
  expect(await instance('extra')).toMatchObject({ deploymentStatus: 'SUCCEEDED', environmentName: ENVIRONMENT, spec: specOf('extra', 'first') });
  expect(await instanceNames()).toEqual(['extra', 'main']);

  harness.emulator.control.resetCallCounts();
  const updated = await harness.runner.deploy(instanceApp({ name: 'extra', message: 'second' }));
  expect(updated.success).toBe(true);
  expect(requestsOf(updated, TYPE)).toEqual([['Update', 'SUCCESS']]);
  expect(mutationCounts(harness.emulator)).toEqual({ UpdateServiceInstance: 1 });
  expect(await instance('extra')).toMatchObject({ deploymentStatus: 'SUCCEEDED', spec: specOf('extra', 'second') });
  expect((await instance('main')).spec).toBe(specOf('main', 'main'));

  harness.emulator.control.resetCallCounts();
  const tagged = await harness.runner.deploy(instanceApp({ name: 'extra', message: 'second', tags: { team: 'payments' } }));
  expect(tagged.success).toBe(true);
  expect(requestsOf(tagged, TYPE)).toEqual([['Update', 'SUCCESS']]);
  expect(mutationCounts(harness.emulator)).toEqual({ TagResource: 1 });
  expect(harness.emulator.control.callCounts().ListTagsForResource).toBe(1);
  const tags = (await harness.proton.send(new ListTagsForResourceCommand({ resourceArn: (await instance('extra')).arn! }))).tags!;
  expect(tags).toContainEqual({ key: 'team', value: 'payments' });

  harness.emulator.control.resetCallCounts();
  const unchanged = await harness.runner.deploy(instanceApp({ name: 'extra', message: 'second', tags: { team: 'payments' } }));
  expect(unchanged.success).toBe(true);
  expect(unchanged.requests).toEqual([]);
  expect(harness.emulator.control.callCounts()).toEqual({});

  harness.emulator.control.failNextDeployment(`service/${SERVICE}/service-instance/extra`, 'health check failed');
  harness.emulator.control.resetCallCounts();
  const failed = await harness.runner.deploy(instanceApp({ name: 'extra', message: 'third', tags: { team: 'payments' } }));
  expect(failed.success).toBe(false);
  expect(harness.runner.stack(INSTANCE_STACK)?.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect(requestsOf(failed, TYPE)).toEqual([['Update', 'FAILED'], ['Update', 'SUCCESS']]);
  expect(failureReason(failed, 'UPDATE_FAILED')).toBe(`Proton service instance '${SERVICE}/extra' deployment FAILED: health check failed`);
  // The failed deployment, then the rollback's redeployment of the old inputs.
  expect(mutationCounts(harness.emulator)).toEqual({ UpdateServiceInstance: 2 });
  expect(await instance('extra')).toMatchObject({ deploymentStatus: 'SUCCEEDED', spec: specOf('extra', 'second') });
}, 120_000);

test('a retained instance taken back into the stack is adopted by its resource, not created again', async () => {
  const retained = { name: 'kept', message: 'one', removalPolicy: RemovalPolicy.RETAIN };
  expect((await harness.runner.deploy(instanceApp(retained))).success).toBe(true);
  const removed = await harness.runner.deploy(instanceApp());
  expect(removed.success).toBe(true);
  expect(removed.events.filter((e) => e.resourceType === TYPE).map((e) => e.status)).toEqual(['DELETE_SKIPPED']);
  expect(await instanceNames()).toEqual(['kept', 'main']);

  harness.emulator.control.resetCallCounts();
  const readopted = await harness.runner.deploy(instanceApp({ ...retained, message: 'two' }));
  expect(readopted.success).toBe(true);
  expect(requestsOf(readopted, TYPE)).toEqual([['Create', 'SUCCESS']]);
  // The resource finds the instance its own earlier create made (ownership tags) and converges it.
  expect(mutationCounts(harness.emulator)).toEqual({ UpdateServiceInstance: 1 });
  expect(await instance('kept')).toMatchObject({ deploymentStatus: 'SUCCEEDED', spec: specOf('kept', 'two') });
  expect(harness.runner.stack(INSTANCE_STACK)?.outputs.Parameterkept).toBe(`service/${SERVICE}/service-instance/kept/ParameterName`);
}, 120_000);

test('removing the instance from the stack removes it with UpdateService; the service keeps its other instances', async () => {
  // 'kept' (retained) leaves the stack and stays in Proton.
  expect((await harness.runner.deploy(instanceApp({ name: 'gone', message: 'bye' }))).success).toBe(true);
  expect(await instanceNames()).toEqual(['gone', 'kept', 'main']);
  harness.emulator.control.resetCallCounts();
  const removed = await harness.runner.deploy(instanceApp());
  expect(removed.success).toBe(true);
  expect(requestsOf(removed, TYPE)).toEqual([['Delete', 'SUCCESS']]);
  expect(mutationCounts(harness.emulator)).toEqual({ UpdateService: 1 });
  // The removal completes once Proton finished the UpdateService, not merely once the instance is gone.
  expect((await harness.proton.send(new GetServiceCommand({ name: SERVICE }))).service!.status).toBe('ACTIVE');
  expect(await instanceNames()).toEqual(['kept', 'main']);
  expect((await instance('main')).spec).toBe(specOf('main', 'main'));
}, 120_000);

test('the last instance of a service is not removed: the delete fails with the fix', async () => {
  // Right after the previous test's removal: its delete completed only once the service was ACTIVE again.
  expect((await harness.runner.deploy(instanceApp({ name: 'last', message: 'alone' }))).success).toBe(true);
  // The other instances are removed outside CloudFormation: 'last' becomes the service's only instance.
  await harness.proton.send(new UpdateServiceCommand({ name: SERVICE, spec: specOf('last', 'alone') }));
  harness.emulator.control.advance(DURATIONS.deletionMs + DURATIONS.serviceMs);
  expect(await instanceNames()).toEqual(['last']);

  harness.emulator.control.resetCallCounts();
  const destroyed = await harness.runner.destroy({ stackNames: [INSTANCE_STACK] });
  expect(destroyed.success).toBe(false);
  expect(harness.runner.stack(INSTANCE_STACK)?.status).toBe('DELETE_FAILED');
  expect(failureReason(destroyed, 'DELETE_FAILED')).toBe(`Cannot remove instance 'last' of Proton service '${SERVICE}': it is the service's last instance, `
    + 'and a service keeps at least one. Delete the service instead, or add another instance first.');
  expect(mutationCounts(harness.emulator)).toEqual({});
  expect(await instanceNames()).toEqual(['last']);
}, 120_000);
