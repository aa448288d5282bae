/**
 * End to end: environments declared with the library, deployed by the runner through the REAL
 * bundled handler (assets/lambda/index/index.js) against the emulator on its virtual clock:
 * outputs, deployment types, injected failures with rollback, the deployment budget, foreign
 * resources, and teardown in Proton's order.
 */
import * as path from 'path';
import {
  CreateEnvironmentCommand, GetEnvironmentCommand, ListDeploymentsCommand, ListEnvironmentsCommand, ResourceNotFoundException,
} from '@aws-sdk/client-proton';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { stringify } from 'yaml';
import { requestsOf, runnerHarness } from './fixtures/runner-harness';
import { testApp } from './fixtures/test-app';
import { OperationResult } from '../../local/runner/runner';
import { Environment, EnvironmentProvisioning, EnvironmentSpec, EnvironmentTemplate, TemplateBundle } from '../../src';
import { BUNDLES_DIR } from '../fixtures/bundles/corpus';

const TYPE = 'Custom::ProtonEnvironment';
const ROLE_ARN = 'arn:aws:iam::111111111111:role/proton-service';
const CANARY = 'canary-91c2e7-spec-never-logged';
const DURATIONS = { registrationMs: 1_000, deploymentMs: 60_000, deletionMs: 30_000, cancellationMs: 20_000, serviceMs: 1_000 };

const harness = runnerHarness({ durations: DURATIONS });
beforeEach(() => harness.emulator.control.setDurations(DURATIONS));

interface AppOptions {
  readonly stack: string;
  readonly envName: string;
  readonly inputs?: Record<string, unknown>;
  readonly outputs?: string[];
}

/** A stack with a template, a version from the env-cloudformation bundle and an environment on it. */
function environmentApp(options: AppOptions): App {
  const app = testApp();
  const stack = new Stack(app, options.stack);
  const template = new EnvironmentTemplate(stack, 'Template', { environmentTemplateName: `${options.envName}-tmpl` });
  const version = template.addVersion('V1', { bundle: TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, 'env-cloudformation')) });
  const env = new Environment(stack, 'Env', {
    environmentName: options.envName,
    templateVersion: version,
    spec: EnvironmentSpec.fromInputs(options.inputs ?? { bucket_prefix: 'first' }),
    provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: iam.Role.fromRoleArn(stack, 'ServiceRole', ROLE_ARN) }),
    description: CANARY,
  });
  for (const key of options.outputs ?? []) {
    new CfnOutput(stack, `Out${key}`, { value: env.getOutput(key) });
  }
  return app;
}

async function getEnv(name: string) {
  return (await harness.proton.send(new GetEnvironmentCommand({ name }))).environment!;
}

async function deployments(name: string): Promise<string[]> {
  const out = await harness.proton.send(new ListDeploymentsCommand({ environmentName: name }));
  return (out.deployments ?? []).filter((d) => d.targetResourceType === 'ENVIRONMENT').map((d) => d.deploymentStatus!);
}

function failureReason(result: OperationResult): string {
  return result.events.find((e) => e.status.endsWith('_FAILED') && e.resourceType === TYPE)!.reason!.split('\n')[0];
}

function specOf(inputs: Record<string, unknown>): string {
  return stringify({ proton: 'EnvironmentSpec', spec: inputs });
}

test('an environment deploys with its outputs, updates its spec, and is torn down before its version and template', async () => {
  const created = await harness.runner.deploy(environmentApp({ stack: 'EnvE2E', envName: 'e2e-dev', outputs: ['BucketName'] }));
  expect(created.success).toBe(true);
  expect(requestsOf(created, TYPE)).toEqual([['Create', 'SUCCESS']]);
  expect(harness.runner.stack('EnvE2E')?.outputs).toMatchObject({ OutBucketName: 'environment/e2e-dev/BucketName' });
  expect(await getEnv('e2e-dev')).toMatchObject({ deploymentStatus: 'SUCCEEDED', spec: specOf({ bucket_prefix: 'first' }), templateMajorVersion: '1' });

  const updated = await harness.runner.deploy(environmentApp({ stack: 'EnvE2E', envName: 'e2e-dev', inputs: { bucket_prefix: 'second' }, outputs: ['BucketName'] }));
  expect(updated.success).toBe(true);
  expect(requestsOf(updated, TYPE)).toEqual([['Update', 'SUCCESS']]);
  expect(await getEnv('e2e-dev')).toMatchObject({ spec: specOf({ bucket_prefix: 'second' }) });
  expect(await deployments('e2e-dev')).toEqual(['SUCCEEDED', 'SUCCEEDED']);

  const destroyed = await harness.runner.destroy({ stackNames: ['EnvE2E'] });
  expect(destroyed.success).toBe(true);
  const deletes = destroyed.requests.map(({ request }) => request.ResourceType);
  expect(deletes.indexOf(TYPE)).toBeLessThan(deletes.indexOf('Custom::ProtonEnvironmentTemplateVersion'));
  expect(deletes.indexOf('Custom::ProtonEnvironmentTemplateVersion')).toBeLessThan(deletes.indexOf('Custom::ProtonEnvironmentTemplate'));
  expect((await harness.proton.send(new ListEnvironmentsCommand({}))).environments?.map((e) => e.name)).not.toContain('e2e-dev');

  const everything = [...harness.runner.events.map((e) => JSON.stringify(e)), ...harness.runner.logs.map((l) => l.line)].join('\n');
  expect(everything).not.toContain(CANARY);
});

test('a create whose deployment FAILS rolls back cleanly: the environment is deleted', async () => {
  harness.emulator.control.failNextDeployment('environment/e2e-fail', 'Resource handler returned message: VPC limit exceeded');
  const result = await harness.runner.deploy(environmentApp({ stack: 'EnvFailE2E', envName: 'e2e-fail' }));
  expect(result.success).toBe(false);
  expect(harness.runner.stack('EnvFailE2E')?.status).toBe('ROLLBACK_COMPLETE');
  expect(failureReason(result)).toBe("Proton environment 'e2e-fail' deployment FAILED: Resource handler returned message: VPC limit exceeded");
  expect(requestsOf(result, TYPE)).toEqual([['Create', 'FAILED'], ['Delete', 'SUCCESS']]);
  await expect(getEnv('e2e-fail')).rejects.toBeInstanceOf(ResourceNotFoundException);
});

test('a spec update that fails rolls back to the old spec', async () => {
  await harness.runner.deploy(environmentApp({ stack: 'EnvRollbackE2E', envName: 'e2e-rollback' }));
  harness.emulator.control.failNextDeployment('environment/e2e-rollback', 'bucket name already taken');
  const result = await harness.runner.deploy(environmentApp({ stack: 'EnvRollbackE2E', envName: 'e2e-rollback', inputs: { bucket_prefix: 'taken' } }));
  expect(result.success).toBe(false);
  expect(harness.runner.stack('EnvRollbackE2E')?.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect(failureReason(result)).toBe("Proton environment 'e2e-rollback' deployment FAILED: bucket name already taken");
  expect(requestsOf(result, TYPE)).toEqual([['Update', 'FAILED'], ['Update', 'SUCCESS']]);
  expect(await getEnv('e2e-rollback')).toMatchObject({ spec: specOf({ bucket_prefix: 'first' }), deploymentStatus: 'SUCCEEDED' });
  expect(await deployments('e2e-rollback')).toEqual(['SUCCEEDED', 'FAILED', 'SUCCEEDED']);
  await harness.runner.destroy({ stackNames: ['EnvRollbackE2E'] });
});

test('a deployment past the budget is cancelled; the rollback waits for CANCELLED and redeploys the old spec', async () => {
  // Deployments take 3 h until the update has failed; the rollback's deployment takes the usual minute.
  await harness.restartRunner({
    onEvent: (event) => {
      if (event.status === 'UPDATE_FAILED' && event.resourceType === TYPE) harness.emulator.control.setDurations(DURATIONS);
    },
  });
  await harness.runner.deploy(environmentApp({ stack: 'EnvSlowE2E', envName: 'e2e-slow' }));
  harness.emulator.control.setDurations({ deploymentMs: 3 * 60 * 60 * 1000 });
  harness.emulator.control.resetCallCounts();
  const result = await harness.runner.deploy(environmentApp({ stack: 'EnvSlowE2E', envName: 'e2e-slow', inputs: { bucket_prefix: 'slow' } }));
  expect(result.success).toBe(false);
  expect(failureReason(result)).toMatch(/^Proton environment 'e2e-slow' was still deploying after 30 minutes, the budget of one CloudFormation request: cdk-proton cancelled the deployment/);
  expect(harness.emulator.control.callCounts().CancelEnvironmentDeployment).toBe(1);
  expect(requestsOf(result, TYPE)).toEqual([['Update', 'FAILED'], ['Update', 'SUCCESS']]);
  expect(harness.runner.stack('EnvSlowE2E')?.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect(await getEnv('e2e-slow')).toMatchObject({ spec: specOf({ bucket_prefix: 'first' }), deploymentStatus: 'SUCCEEDED' });
  expect(await deployments('e2e-slow')).toEqual(['SUCCEEDED', 'CANCELLED', 'SUCCEEDED']);
  await harness.runner.destroy({ stackNames: ['EnvSlowE2E'] });
});

test('a foreign environment with the same name fails the create and is left untouched', async () => {
  await harness.runner.deploy(environmentApp({ stack: 'EnvOwnerE2E', envName: 'e2e-owner' }));
  await harness.proton.send(new CreateEnvironmentCommand({
    name: 'e2e-foreign', templateName: 'e2e-owner-tmpl', templateMajorVersion: '1', spec: specOf({}), protonServiceRoleArn: ROLE_ARN,
  }));
  harness.emulator.control.advance(DURATIONS.deploymentMs);
  const before = await getEnv('e2e-foreign');
  harness.emulator.control.resetCallCounts();
  const result = await harness.runner.deploy(environmentApp({ stack: 'EnvForeignE2E', envName: 'e2e-foreign' }));
  expect(result.success).toBe(false);
  expect(failureReason(result)).toMatch(/^Proton environment 'e2e-foreign' already exists and was not created by resource Env/);
  expect(harness.emulator.control.callCounts().DeleteEnvironment ?? 0).toBe(0);
  expect(await getEnv('e2e-foreign')).toEqual(before);
});
