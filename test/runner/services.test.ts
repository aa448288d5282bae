/**
 * End to end: services with instances declared with the library, deployed by the runner through
 * the REAL bundled handler against the emulator: parallel creates under throttling, outputs,
 * an instance update that fails and rolls back, and teardown (services before environments).
 */
import * as fs from 'fs';
import * as path from 'path';
import { GetServiceInstanceCommand, ListServiceInstancesCommand, ListServicesCommand, ProtonClient } from '@aws-sdk/client-proton';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { testApp } from './fixtures/test-app';
import { Emulator, startEmulator } from '../../local/emulator';
import { LocalRunner, OperationResult } from '../../local/runner/runner';
import {
  Environment, EnvironmentProvisioning, EnvironmentTemplate, Service, ServiceTemplate, ServiceTemplatePipelineProvisioning, TemplateBundle,
} from '../../src';
import { BUNDLES_DIR } from '../fixtures/bundles/corpus';

const BUNDLE = path.join(__dirname, '..', '..', 'assets', 'lambda', 'index', 'index.js');
const DURATIONS = { registrationMs: 1_000, deploymentMs: 60_000, deletionMs: 30_000, cancellationMs: 20_000, serviceMs: 1_000 };
const TYPE = 'Custom::ProtonService';

let emulator: Emulator;
let proton: ProtonClient;
let runner: LocalRunner;

beforeAll(async () => {
  if (!fs.existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npx projen bundle\` first.`);
  emulator = await startEmulator({ clock: 'manual', strict: true, durations: DURATIONS });
  proton = new ProtonClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: '111111111111', secretAccessKey: 'x' } });
});
afterAll(async () => {
  proton.destroy();
  await emulator.stop();
});
beforeEach(async () => {
  runner = await LocalRunner.start({ emulator });
});
afterEach(async () => runner.close());

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
    const instance = service.addInstance('main', { environment: env, inputs: { message: message(i) } });
    if (i === 0) new CfnOutput(stack, 'FirstParameter', { value: instance.getOutput('ParameterName') });
  }
  return app;
}

function serviceRequests(result: OperationResult): string[][] {
  return result.requests
    .filter(({ request }) => request.ResourceType === TYPE)
    .map(({ request, response }) => [request.RequestType, response.Status]);
}

test('20 services created in parallel under injected throttling all converge, without duplicates; destroy deletes them before the environment', async () => {
  // Throttling on the calls every service makes (each throttled call is retried by the SDK with backoff).
  for (const operation of ['CreateService', 'GetService', 'ListServiceInstances', 'GetServiceInstance']) {
    emulator.control.injectFault(operation, { kind: 'throttle', count: 4 });
  }
  emulator.control.resetCallCounts();
  const created = await runner.deploy(servicesApp('par', 20));
  expect(emulator.control.dump().pendingFaults).toEqual({});
  expect(created.events.filter((e) => e.status.endsWith('_FAILED')).map((e) => `${e.logicalId}: ${e.reason?.split('\n')[0]}`)).toEqual([]);
  expect(created.success).toBe(true);
  expect(serviceRequests(created)).toEqual(Array.from({ length: 20 }, () => ['Create', 'SUCCESS']));
  expect(runner.stack('parStack')?.outputs).toMatchObject({ FirstParameter: 'service/par-svc-0/service-instance/main/ParameterName' });
  const services = (await proton.send(new ListServicesCommand({}))).services!.map((s) => s.name!).filter((n) => n.startsWith('par-'));
  expect(services.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `par-svc-${i}`).sort());
  const instances = (await proton.send(new ListServiceInstancesCommand({}))).serviceInstances!.filter((i) => i.serviceName!.startsWith('par-'));
  expect(instances).toHaveLength(20);

  const destroyed = await runner.destroy({ stackNames: ['parStack'] });
  expect(destroyed.success).toBe(true);
  const order = destroyed.requests.map(({ request }) => request.ResourceType);
  expect(order.lastIndexOf(TYPE)).toBeLessThan(order.indexOf('Custom::ProtonEnvironment'));
}, 300_000);

test('an instance update that fails rolls back to the old inputs', async () => {
  await runner.deploy(servicesApp('rb', 1, () => 'first'));
  emulator.control.failNextDeployment('service/rb-svc-0/service-instance/main', 'container crashed');
  const result = await runner.deploy(servicesApp('rb', 1, () => 'second'));
  expect(result.success).toBe(false);
  expect(runner.stack('rbStack')?.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect(serviceRequests(result)).toEqual([['Update', 'FAILED'], ['Update', 'SUCCESS']]);
  const reason = result.events.find((e) => e.status === 'UPDATE_FAILED' && e.resourceType === TYPE)!.reason!.split('\n')[0];
  expect(reason).toBe("Proton service 'rb-svc-0' instance 'main' deployment FAILED: container crashed");
  const instance = (await proton.send(new GetServiceInstanceCommand({ serviceName: 'rb-svc-0', name: 'main' }))).serviceInstance!;
  expect(instance).toMatchObject({ deploymentStatus: 'SUCCEEDED' });
  expect(instance.spec).toContain('message: first');
  await runner.destroy({ stackNames: ['rbStack'] });
});
