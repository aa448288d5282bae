/**
 * End to end: a service whose template has a pipeline, deployed by the runner through the REAL
 * bundled handler against the emulator: create with a pipeline output, a pipeline input update
 * (UpdateServicePipeline), a failed pipeline deployment rolled back, and a pipeline deployment
 * that outlives the 30-minute budget, cancelled on the emulator's virtual clock.
 * The tests run in order against one emulator and build on each other's state.
 */
import * as path from 'path';
import { GetServiceCommand } from '@aws-sdk/client-proton';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { mutationCounts, requestsOf, runnerHarness } from './fixtures/runner-harness';
import { testApp } from './fixtures/test-app';
import { OperationResult } from '../../local/runner/runner';
import {
  Environment, EnvironmentProvisioning, EnvironmentTemplate, Service, ServiceInstanceSpec, ServicePipelineSpec, ServiceTemplate,
  TemplateBundle,
} from '../../src';
import { DEPLOYMENT_BUDGET_SECONDS } from '../../src/custom-resources/contract';
import { BUNDLES_DIR } from '../fixtures/bundles/corpus';

const DURATIONS = { registrationMs: 1_000, deploymentMs: 20_000, deletionMs: 10_000, cancellationMs: 5_000, serviceMs: 1_000 };
const TYPE = 'Custom::ProtonService';
const STACK = 'plStack';
const SERVICE = 'pl-svc';
const CONNECTION = 'arn:aws:codestar-connections:us-east-1:111111111111:connection/2d3b7a2e-0d1c-4c2f-9a57-0c1f2b3c4d5e';

const harness = runnerHarness({ durations: DURATIONS, runnerPerTest: false });
afterEach(() => harness.emulator.control.setDurations(DURATIONS));

/** One environment and a service with a pipeline (STANDARD pipeline provisioning: Proton deploys it). */
function pipelineApp(testCommand: string): App {
  const app = testApp();
  const stack = new Stack(app, STACK);
  const envTemplate = new EnvironmentTemplate(stack, 'EnvTemplate', { environmentTemplateName: 'pl-env-tmpl' });
  const envVersion = envTemplate.addVersion('V1', { bundle: TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, 'env-cloudformation')) });
  const env = new Environment(stack, 'Env', {
    environmentName: 'pl-env',
    templateVersion: envVersion,
    provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::111111111111:role/proton') }),
  });
  const svcTemplate = new ServiceTemplate(stack, 'SvcTemplate', { serviceTemplateName: 'pl-svc-tmpl' });
  const svcVersion = svcTemplate.addVersion('V1', {
    bundle: TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, 'svc-with-pipeline')),
    compatibleEnvironmentTemplates: [{ template: envTemplate, majorVersion: envVersion.majorVersion }],
  });
  const service = new Service(stack, 'Svc', {
    serviceName: SERVICE,
    templateVersion: svcVersion,
    pipelineSpec: ServicePipelineSpec.fromInputs({ test_command: testCommand }),
    repositoryConnectionArn: CONNECTION,
    repositoryId: 'example/app',
    branchName: 'main',
  });
  service.addInstance('main', { environment: env, spec: ServiceInstanceSpec.fromInputs({ message: 'hello' }) });
  new CfnOutput(stack, 'PipelineProject', { value: service.pipeline.getOutput('ProjectName') });
  return app;
}

function updateFailure(result: OperationResult): string | undefined {
  return result.events.find((e) => e.status === 'UPDATE_FAILED' && e.resourceType === TYPE)?.reason?.split('\n')[0];
}

async function pipeline() {
  return (await harness.proton.send(new GetServiceCommand({ name: SERVICE }))).service!.pipeline!;
}

function specWith(testCommand: string): string {
  return `proton: ServiceSpec\npipeline:\n  test_command: ${testCommand}\ninstances:\n  - name: main\n    environment: pl-env\n    spec:\n      message: hello\n`;
}

test('create deploys the pipeline and reads its output; changed pipeline inputs redeploy it with UpdateServicePipeline', async () => {
  const created = await harness.runner.deploy(pipelineApp('npm test'));
  expect(created.success).toBe(true);
  expect(requestsOf(created, TYPE)).toEqual([['Create', 'SUCCESS']]);
  expect(harness.runner.stack(STACK)?.outputs).toEqual({ PipelineProject: `service/${SERVICE}/pipeline/ProjectName` });
  const service = (await harness.proton.send(new GetServiceCommand({ name: SERVICE }))).service!;
  expect(service).toMatchObject({ status: 'ACTIVE', repositoryConnectionArn: CONNECTION, repositoryId: 'example/app', branchName: 'main' });
  expect(service.pipeline).toMatchObject({ deploymentStatus: 'SUCCEEDED', spec: specWith('npm test') });

  harness.emulator.control.resetCallCounts();
  const updated = await harness.runner.deploy(pipelineApp('npm run ci'));
  expect(updated.success).toBe(true);
  expect(requestsOf(updated, TYPE)).toEqual([['Update', 'SUCCESS']]);
  expect(mutationCounts(harness.emulator)).toEqual({ UpdateServicePipeline: 1 });
  expect(await pipeline()).toMatchObject({ deploymentStatus: 'SUCCEEDED', spec: specWith('npm run ci') });
}, 120_000);

test('a failed pipeline deployment fails the update with Proton\'s message; the rollback restores the pipeline inputs', async () => {
  harness.emulator.control.failNextDeployment(`service/${SERVICE}/pipeline`, 'buildspec is invalid');
  harness.emulator.control.resetCallCounts();
  const failed = await harness.runner.deploy(pipelineApp('npm run broken'));
  expect(failed.success).toBe(false);
  expect(harness.runner.stack(STACK)?.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect(requestsOf(failed, TYPE)).toEqual([['Update', 'FAILED'], ['Update', 'SUCCESS']]);
  expect(updateFailure(failed)).toBe(`Proton service '${SERVICE}' pipeline deployment FAILED: buildspec is invalid`);
  // The failed deployment, then the rollback's redeployment of the old inputs.
  expect(mutationCounts(harness.emulator)).toEqual({ UpdateServicePipeline: 2 });
  expect(await pipeline()).toMatchObject({ deploymentStatus: 'SUCCEEDED', spec: specWith('npm run ci') });
}, 120_000);

test('a pipeline deployment that outlives the budget is cancelled and the update fails; the rollback settles on the restored inputs', async () => {
  // The update's pipeline deployment would take two hours.
  harness.emulator.control.setDurations({ deploymentMs: 2 * 60 * 60 * 1000 });
  harness.emulator.control.resetCallCounts();
  const wallClockStart = Date.now();
  const slow = await harness.runner.deploy(pipelineApp('npm run slow'));
  expect(slow.success).toBe(false);
  expect(harness.runner.stack(STACK)?.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect(requestsOf(slow, TYPE)).toEqual([['Update', 'FAILED'], ['Update', 'SUCCESS']]);
  expect(updateFailure(slow)).toBe(`Proton service '${SERVICE}' pipeline was still deploying after ${DEPLOYMENT_BUDGET_SECONDS / 60} minutes, `
    + 'the budget of one CloudFormation request: cdk-proton cancelled the deployment. Find out why it is slow in the Proton console, then deploy again.');
  // The update fails at the first poll past the budget, on the runner's (virtual) clock.
  const at = (status: string) => Date.parse(slow.events.find((e) => e.resourceType === TYPE && e.status === status)!.timestamp);
  const elapsedSeconds = (at('UPDATE_FAILED') - at('UPDATE_IN_PROGRESS')) / 1000;
  expect(elapsedSeconds).toBeGreaterThan(DEPLOYMENT_BUDGET_SECONDS);
  expect(elapsedSeconds).toBeLessThanOrEqual(DEPLOYMENT_BUDGET_SECONDS + 60);
  // Cancelling restores the pipeline's previous inputs: the rollback update has nothing to deploy.
  expect(mutationCounts(harness.emulator)).toEqual({ UpdateServicePipeline: 1, CancelServicePipelineDeployment: 1 });
  expect(await pipeline()).toMatchObject({ deploymentStatus: 'CANCELLED', deploymentStatusMessage: 'User initiated cancellation.', spec: specWith('npm run ci') });
  // Half an hour of Proton time passed on the virtual clock, not on the wall clock.
  expect(Date.now() - wallClockStart).toBeLessThan(DEPLOYMENT_BUDGET_SECONDS * 1000);
}, 120_000);
