/**
 * End to end: a role that holds only the library's grants, deployed by the runner next to the
 * Proton resources it is granted on, then used (a session of it, like sts:AssumeRole) to call
 * Proton through the emulator, which authorizes every call against the role's policies as
 * deployed: what the grants allow passes, everything else is denied with IAM's message.
 */
import * as path from 'path';
import {
  CreateEnvironmentCommand, DeleteEnvironmentCommand, GetEnvironmentCommand, GetServiceCommand, GetServiceInstanceCommand,
  ListEnvironmentOutputsCommand, ListEnvironmentsCommand, ListServiceInstanceOutputsCommand, ProtonClient, UpdateEnvironmentCommand,
  UpdateServiceCommand, UpdateServiceInstanceCommand,
} from '@aws-sdk/client-proton';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { runnerHarness } from './fixtures/runner-harness';
import { testApp } from './fixtures/test-app';
import {
  Environment, EnvironmentProvisioning, EnvironmentSpec, EnvironmentTemplate, Service, ServiceInstanceSpec, ServiceTemplate,
  ServiceTemplatePipelineProvisioning, TemplateBundle,
} from '../../src';
import { BUNDLES_DIR } from '../fixtures/bundles/corpus';

const ACCOUNT = '111111111111';
const STACK = 'GrantsPlatform';
const SERVICE_ROLE = `arn:aws:iam::${ACCOUNT}:role/proton-service`;
const DURATIONS = { registrationMs: 1_000, deploymentMs: 10_000, deletionMs: 5_000, cancellationMs: 5_000, serviceMs: 1_000 };
const arn = (resource: string) => `arn:aws:proton:us-east-1:${ACCOUNT}:${resource}`;

const harness = runnerHarness({ durations: DURATIONS, runnerPerTest: false });

/** Templates, an environment, a service with an instance, and the role `Ci` with grants on them. */
function grantsApp() {
  const app = testApp();
  const stack = new Stack(app, STACK);
  const network = new EnvironmentTemplate(stack, 'Network', { environmentTemplateName: 'g-network' });
  const networkV1 = network.addVersion('V1', { bundle: TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, 'env-cloudformation')) });
  const other = new EnvironmentTemplate(stack, 'Other', { environmentTemplateName: 'g-other' });
  other.addVersion('V1', { bundle: TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, 'env-cloudformation')) });
  const env = new Environment(stack, 'Env', {
    environmentName: 'g-env',
    templateVersion: networkV1,
    spec: EnvironmentSpec.fromInputs({ bucket_prefix: 'first' }),
    provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: iam.Role.fromRoleArn(stack, 'ServiceRole', SERVICE_ROLE) }),
  });
  const web = new ServiceTemplate(stack, 'Web', { serviceTemplateName: 'g-web', pipelineProvisioning: ServiceTemplatePipelineProvisioning.CUSTOMER_MANAGED });
  const webV1 = web.addVersion('V1', {
    bundle: TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, 'svc-without-pipeline')),
    compatibleEnvironmentTemplates: [{ template: network, majorVersion: networkV1.majorVersion }],
  });
  const service = new Service(stack, 'Api', { serviceName: 'g-api', templateVersion: webV1 });
  const main = service.addInstance('main', { environment: env, spec: ServiceInstanceSpec.fromInputs({ message: 'hello' }) });

  const ci = new iam.Role(stack, 'Ci', { assumedBy: new iam.AccountRootPrincipal() });
  env.grantDeploy(ci);
  service.grantRead(ci);
  main.grantDeploy(ci);
  network.grantUse(ci);
  new CfnOutput(stack, 'CiRoleArn', { value: ci.roleArn });
  return app;
}

let ci: ProtonClient;

beforeAll(async () => {
  const deployed = await harness.runner.deploy(grantsApp());
  expect(deployed.success).toBe(true);
  const roleArn = String(harness.runner.stack(STACK)!.outputs.CiRoleArn);
  const credentials = await harness.runner.assumeRole(roleArn, 'ci-job');
  ci = new ProtonClient({ endpoint: harness.emulator.endpoint, region: 'us-east-1', maxAttempts: 1, credentials: credentials! });
}, 120_000);

afterAll(() => ci?.destroy());

/** The principal of the session: `assumed-role/<role name>/ci-job`. */
function principal(): string {
  const roleArn = String(harness.runner.stack(STACK)!.outputs.CiRoleArn);
  return `arn:aws:sts::${ACCOUNT}:assumed-role/${roleArn.split('/').pop()}/ci-job`;
}

async function denial(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
  throw new Error('The call was allowed.');
}

const denied = (action: string, resource?: string) =>
  `AccessDeniedException: User: ${principal()} is not authorized to perform: ${action}${resource ? ` on resource: ${resource}` : ''} `
  + `because no identity-based policy allows the ${action} action`;

test('grantDeploy of the environment: read, outputs, update pass; delete is denied', async () => {
  expect((await ci.send(new GetEnvironmentCommand({ name: 'g-env' }))).environment!.deploymentStatus).toBe('SUCCEEDED');
  await ci.send(new ListEnvironmentOutputsCommand({ environmentName: 'g-env' }));
  await ci.send(new UpdateEnvironmentCommand({
    name: 'g-env', deploymentType: 'CURRENT_VERSION', spec: 'proton: EnvironmentSpec\nspec:\n  bucket_prefix: second\n',
  }));
  expect((await harness.proton.send(new GetEnvironmentCommand({ name: 'g-env' }))).environment!.deploymentStatus).toBe('IN_PROGRESS');
  harness.emulator.control.advance(DURATIONS.deploymentMs);
  expect(await denial(ci.send(new DeleteEnvironmentCommand({ name: 'g-env' })))).toBe(denied('proton:DeleteEnvironment', arn('environment/g-env')));
  // A List action has no resource: a grant on one environment does not allow it.
  expect(await denial(ci.send(new ListEnvironmentsCommand({})))).toBe(denied('proton:ListEnvironments'));
});

test('grantRead of the service reads it only; grantDeploy of its instance updates the instance', async () => {
  expect((await ci.send(new GetServiceCommand({ name: 'g-api' }))).service!.status).toBe('ACTIVE');
  expect(await denial(ci.send(new UpdateServiceCommand({ name: 'g-api', description: 'mine now' })))).toBe(denied('proton:UpdateService', arn('service/g-api')));
  await ci.send(new ListServiceInstanceOutputsCommand({ serviceName: 'g-api', serviceInstanceName: 'main' }));
  const instance = (await ci.send(new GetServiceInstanceCommand({ serviceName: 'g-api', name: 'main' }))).serviceInstance!;
  await ci.send(new UpdateServiceInstanceCommand({
    serviceName: 'g-api', name: 'main', deploymentType: 'CURRENT_VERSION', spec: instance.spec!.replace('hello', 'again'),
  }));
  harness.emulator.control.advance(DURATIONS.deploymentMs);
  expect((await harness.proton.send(new GetServiceInstanceCommand({ serviceName: 'g-api', name: 'main' }))).serviceInstance!.spec).toContain('again');
});

test('grantUse of a template: a create from it needs only the role it passes; from another template it is denied', async () => {
  const create = (name: string, templateName: string) => ci.send(new CreateEnvironmentCommand({
    name, templateName, templateMajorVersion: '1', spec: 'proton: EnvironmentSpec\nspec:\n  bucket_prefix: new\n', protonServiceRoleArn: SERVICE_ROLE,
  }));
  // Passing the provisioning role is not part of the template's grant.
  expect(await denial(create('g-new', 'g-network'))).toBe(denied('iam:PassRole', SERVICE_ROLE));
  expect(await denial(create('g-new', 'g-other'))).toBe(denied('proton:CreateEnvironment', arn('environment/g-new')));
  // Without a role to pass, IAM allows the create from the template (Proton then checks the request itself).
  expect(await denial(ci.send(new CreateEnvironmentCommand({
    name: 'g-new', templateName: 'g-network', templateMajorVersion: '1', spec: 'proton: EnvironmentSpec\nspec:\n  bucket_prefix: new\n',
  })))).toBe('ValidationException: Environment g-new needs exactly one provisioning method, got none: pass protonServiceRoleArn (AWS-managed), '
    + 'environmentAccountConnectionId (another account), provisioningRepository (self-managed) or codebuildRoleArn (CodeBuild).');
});
