/**
 * End to end: services with instances declared with the library, deployed by the runner through
 * the REAL bundled handler against the emulator: parallel creates under throttling, outputs,
 * an instance update that fails and rolls back, and teardown (services before environments).
 */
import * as path from 'path';
import { GetServiceInstanceCommand, ListServiceInstancesCommand, ListServicesCommand } from '@aws-sdk/client-proton';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { requestsOf, runnerHarness } from './fixtures/runner-harness';
import { testApp } from './fixtures/test-app';
import {
  Environment, EnvironmentProvisioning, EnvironmentTemplate, Service, ServiceInstanceSpec, ServiceTemplate,
  ServiceTemplatePipelineProvisioning, TemplateBundle,
} from '../../src';
import { BUNDLES_DIR } from '../fixtures/bundles/corpus';

const DURATIONS = { registrationMs: 1_000, deploymentMs: 60_000, deletionMs: 30_000, cancellationMs: 20_000, serviceMs: 1_000 };
const TYPE = 'Custom::ProtonService';

const harness = runnerHarness({ durations: DURATIONS });

/** One environment and `count` services with one instance each in it; `message(i)` is service i's input. */
function servicesApp(prefix: string, count: number, message: (i: number) => string = () => 'hello'): App {
  const app = testApp();
  const stack = new Stack(app, `${prefix}Stack`);
  const envTemplate = new EnvironmentTemplate(stack, 'EnvTemplate', { environmentTemplateName: `${prefix}-env-tmpl` });
  const envVersion = envTemplate.addVersion('V1', { bundle: TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, 'env-cloudformation')) });
  const env = new Environment(stack, 'Env', {
    environmentName: `${prefix}-env`,
    templateVersion: envVersion,
    provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::111111111111:role/proton') }),
  });
  const svcTemplate = new ServiceTemplate(stack, 'SvcTemplate', {
    serviceTemplateName: `${prefix}-svc-tmpl`, pipelineProvisioning: ServiceTemplatePipelineProvisioning.CUSTOMER_MANAGED,
  });
  const svcVersion = svcTemplate.addVersion('V1', {
    bundle: TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, 'svc-without-pipeline')),
    compatibleEnvironmentTemplates: [{ template: envTemplate, majorVersion: envVersion.majorVersion }],
  });
  for (let i = 0; i < count; i++) {
    const service = new Service(stack, `Svc${i}`, { serviceName: `${prefix}-svc-${i}`, templateVersion: svcVersion });
    const instance = service.addInstance('main', { environment: env, spec: ServiceInstanceSpec.fromInputs({ message: message(i) }) });
    if (i === 0) new CfnOutput(stack, 'FirstParameter', { value: instance.getOutput('ParameterName') });
  }
  return app;
}

test('20 services created in parallel under injected throttling all converge, without duplicates; destroy deletes them before the environment', async () => {
  // Throttling on the calls every service makes (each throttled call is retried by the SDK with backoff).
  for (const operation of ['CreateService', 'GetService', 'ListServiceInstances', 'GetServiceInstance']) {
    harness.emulator.control.injectFault(operation, { kind: 'throttle', count: 4 });
  }
  harness.emulator.control.resetCallCounts();
  const created = await harness.runner.deploy(servicesApp('par', 20));
  expect(harness.emulator.control.dump().pendingFaults).toEqual({});
  expect(created.events.filter((e) => e.status.endsWith('_FAILED')).map((e) => `${e.logicalId}: ${e.reason?.split('\n')[0]}`)).toEqual([]);
  expect(created.success).toBe(true);
  expect(requestsOf(created, TYPE)).toEqual(Array.from({ length: 20 }, () => ['Create', 'SUCCESS']));
  expect(harness.runner.stack('parStack')?.outputs).toMatchObject({ FirstParameter: 'service/par-svc-0/service-instance/main/ParameterName' });
  const services = (await harness.proton.send(new ListServicesCommand({}))).services!.map((s) => s.name!).filter((n) => n.startsWith('par-'));
  expect(services.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `par-svc-${i}`).sort());
  const instances = (await harness.proton.send(new ListServiceInstancesCommand({}))).serviceInstances!.filter((i) => i.serviceName!.startsWith('par-'));
  expect(instances).toHaveLength(20);

  const destroyed = await harness.runner.destroy({ stackNames: ['parStack'] });
  expect(destroyed.success).toBe(true);
  const order = destroyed.requests.map(({ request }) => request.ResourceType);
  expect(order.lastIndexOf(TYPE)).toBeLessThan(order.indexOf('Custom::ProtonEnvironment'));
}, 300_000);

test('an instance update that fails rolls back to the old inputs', async () => {
  await harness.runner.deploy(servicesApp('rb', 1, () => 'first'));
  harness.emulator.control.failNextDeployment('service/rb-svc-0/service-instance/main', 'container crashed');
  const result = await harness.runner.deploy(servicesApp('rb', 1, () => 'second'));
  expect(result.success).toBe(false);
  expect(harness.runner.stack('rbStack')?.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect(requestsOf(result, TYPE)).toEqual([['Update', 'FAILED'], ['Update', 'SUCCESS']]);
  const reason = result.events.find((e) => e.status === 'UPDATE_FAILED' && e.resourceType === TYPE)!.reason!.split('\n')[0];
  expect(reason).toBe("Proton service 'rb-svc-0' instance 'main' deployment FAILED: container crashed");
  const instance = (await harness.proton.send(new GetServiceInstanceCommand({ serviceName: 'rb-svc-0', name: 'main' }))).serviceInstance!;
  expect(instance).toMatchObject({ deploymentStatus: 'SUCCEEDED' });
  expect(instance.spec).toContain('message: first');
  await harness.runner.destroy({ stackNames: ['rbStack'] });
});
