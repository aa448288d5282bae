/**
 * The rendering corpus (test/fixtures/bundles/render) registered and deployed by the emulator:
 * each deployment renders its IaC with the real spec, the environment's outputs and the
 * component's, and reports the rendered literal outputs; the broken bundles register, and their
 * deployments fail with the problem the synth-time check reports (test/constructs/rendering.test.ts).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CreateComponentCommand, CreateEnvironmentCommand, CreateEnvironmentTemplateCommand, CreateEnvironmentTemplateVersionCommand,
  CreateServiceCommand, CreateServiceTemplateCommand, CreateServiceTemplateVersionCommand, GetComponentCommand, GetEnvironmentCommand,
  GetServiceInstanceCommand, ListComponentOutputsCommand, ListEnvironmentOutputsCommand, ListServiceInstanceOutputsCommand,
  ListServicePipelineOutputsCommand, UpdateEnvironmentTemplateVersionCommand, UpdateServiceInstanceCommand, UpdateServiceTemplateVersionCommand,
} from '@aws-sdk/client-proton';
import { stringify } from 'yaml';
import { BUCKET, COMPONENT_ROLE_ARN, DURATIONS, ROLE_ARN } from './deployment-fixtures';
import { emulatorPerTest, uploadBundle } from './helpers';
import { readDirectoryFiles } from '../../src/private/deterministic-tar';
import {
  BROKEN_RENDER_BUNDLES, BUNDLES_DIR, RENDER_COMPONENT_FILE, RENDER_ENVIRONMENT, RENDER_ENVIRONMENT_INPUTS, RENDER_SERVICE, writeBrokenRenderBundle,
} from '../fixtures/bundles/corpus';

const fx = emulatorPerTest({ durations: DURATIONS });
const CFN_MANIFEST = 'infrastructure:\n  templates:\n    - file: cloudformation.yaml\n      rendering_engine: jinja\n      template_language: cloudformation\n';

function filesOf(dir: string): Record<string, string> {
  return Object.fromEntries([...readDirectoryFiles(dir)].map(([p, body]) => [p, body.toString('utf8')]));
}

async function publishEnvironmentTemplate(dir: string): Promise<void> {
  await fx.proton.send(new CreateEnvironmentTemplateCommand({ name: 'net' }));
  const source = { s3: await uploadBundle(fx.emu, BUCKET, 'net.tar.gz', filesOf(dir)) };
  await fx.proton.send(new CreateEnvironmentTemplateVersionCommand({ templateName: 'net', source }));
  fx.emu.control.advance(DURATIONS.registrationMs);
  await fx.proton.send(new UpdateEnvironmentTemplateVersionCommand({ templateName: 'net', majorVersion: '1', minorVersion: '0', status: 'PUBLISHED' }));
}

async function publishServiceTemplate(dir: string): Promise<void> {
  await fx.proton.send(new CreateServiceTemplateCommand({ name: 'web' }));
  const source = { s3: await uploadBundle(fx.emu, BUCKET, 'web.tar.gz', filesOf(dir)) };
  await fx.proton.send(new CreateServiceTemplateVersionCommand({
    templateName: 'web', source, compatibleEnvironmentTemplates: [{ templateName: 'net', majorVersion: '1' }], supportedComponentSources: ['DIRECTLY_DEFINED'],
  }));
  fx.emu.control.advance(DURATIONS.registrationMs);
  await fx.proton.send(new UpdateServiceTemplateVersionCommand({ templateName: 'web', majorVersion: '1', minorVersion: '0', status: 'PUBLISHED' }));
}

async function deployEnvironment(inputs: Record<string, unknown>): Promise<void> {
  await fx.proton.send(new CreateEnvironmentCommand({
    name: 'net-staging',
    templateName: 'net',
    templateMajorVersion: '1',
    spec: stringify({ proton: 'EnvironmentSpec', spec: inputs }),
    protonServiceRoleArn: ROLE_ARN,
    componentRoleArn: COMPONENT_ROLE_ARN,
  }));
  fx.emu.control.advance(DURATIONS.deploymentMs);
}

const SERVICE_SPEC = stringify({
  proton: 'ServiceSpec',
  pipeline: { test_command: 'npm test' },
  instances: [
    { name: 'staging', environment: 'net-staging', spec: { image: 'nginx:1.27', loadbalancer_type: 'network', vpc_id: 'vpc-literal' } },
    { name: 'canary', environment: 'net-staging', spec: { image: 'nginx:1.27' } },
  ],
});

async function createService(): Promise<void> {
  await fx.proton.send(new CreateServiceCommand({
    name: 'api',
    templateName: 'web',
    templateMajorVersion: '1',
    spec: SERVICE_SPEC,
    repositoryConnectionArn: 'arn:aws:codestar-connections:us-east-1:111111111111:connection/c',
    repositoryId: 'acme/api',
    branchName: 'release',
  }));
  fx.emu.control.advance(DURATIONS.serviceMs + DURATIONS.deploymentMs);
}

const instanceOutputs = async (name: string) =>
  (await fx.proton.send(new ListServiceInstanceOutputsCommand({ serviceName: 'api', serviceInstanceName: name }))).outputs;

test('the corpus deploys: each deployment renders with the spec and the outputs of the environment and the component', async () => {
  await publishEnvironmentTemplate(path.join(BUNDLES_DIR, RENDER_ENVIRONMENT));
  await publishServiceTemplate(path.join(BUNDLES_DIR, RENDER_SERVICE));
  await deployEnvironment(RENDER_ENVIRONMENT_INPUTS);
  expect((await fx.proton.send(new GetEnvironmentCommand({ name: 'net-staging' }))).environment?.deploymentStatus).toBe('SUCCEEDED');
  expect((await fx.proton.send(new ListEnvironmentOutputsCommand({ environmentName: 'net-staging' }))).outputs).toEqual([
    { key: 'VpcId', valueString: 'environment/net-staging/VpcId' },
    { key: 'SubnetIds', valueString: 'environment/net-staging/SubnetIds' },
    { key: 'SubnetCount', valueString: '3' },
    { key: 'Tier', valueString: 'prod' },
  ]);

  await createService();
  expect(await instanceOutputs('staging')).toEqual([
    { key: 'LoadBalancerType', valueString: 'network' },
    { key: 'Endpoint', valueString: 'service/api/service-instance/staging/Endpoint' },
    { key: 'VpcId', valueString: 'environment/net-staging/VpcId' },
    { key: 'QueueUrl', valueString: 'none' },
  ]);
  expect((await instanceOutputs('canary'))![0]).toEqual({ key: 'LoadBalancerType', valueString: 'application' });
  expect((await fx.proton.send(new ListServicePipelineOutputsCommand({ serviceName: 'api' }))).outputs).toEqual([
    { key: 'RepositoryName', valueString: 'service/api/pipeline/RepositoryName' },
    { key: 'InstanceCount', valueString: '2' },
    { key: 'Branch', valueString: 'release' },
  ]);

  await fx.proton.send(new CreateComponentCommand({
    name: 'api-queue',
    manifest: CFN_MANIFEST,
    templateFile: fs.readFileSync(RENDER_COMPONENT_FILE, 'utf8'),
    serviceName: 'api',
    serviceInstanceName: 'staging',
    serviceSpec: SERVICE_SPEC,
  }));
  fx.emu.control.advance(DURATIONS.deploymentMs);
  expect((await fx.proton.send(new GetComponentCommand({ name: 'api-queue' }))).component?.deploymentStatus).toBe('SUCCEEDED');
  expect((await fx.proton.send(new ListComponentOutputsCommand({ componentName: 'api-queue' }))).outputs).toEqual([
    { key: 'QueueUrl', valueString: 'component/api-queue/QueueUrl' },
    { key: 'QueuePolicyArn', valueString: 'component/api-queue/QueuePolicyArn' },
    { key: 'Region', valueString: 'eu-west-1' },
  ]);

  // The instance's next deployment renders with its component's outputs.
  await fx.proton.send(new UpdateServiceInstanceCommand({ serviceName: 'api', name: 'staging', deploymentType: 'CURRENT_VERSION', spec: SERVICE_SPEC }));
  fx.emu.control.advance(DURATIONS.deploymentMs);
  expect(await instanceOutputs('staging')).toContainEqual({ key: 'QueueUrl', valueString: 'component/api-queue/QueueUrl' });
});

describe('broken bundles register, and their deployments fail with the synth-time problem', () => {
  let workDir: string;
  beforeEach(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'render-corpus-'));
  });
  afterEach(() => {
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  test.each(BROKEN_RENDER_BUNDLES.filter((b) => b.failsDeployment))('$name', async (broken) => {
    const dir = path.join(workDir, broken.name);
    writeBrokenRenderBundle(broken, dir);
    const message = `Template rendering failed: ${broken.problem}`;
    if (broken.base === RENDER_ENVIRONMENT) {
      await publishEnvironmentTemplate(dir);
      // The schema's defaults, as the synth-time check of the bundle alone renders with.
      await deployEnvironment({});
      expect((await fx.proton.send(new GetEnvironmentCommand({ name: 'net-staging' }))).environment)
        .toMatchObject({ deploymentStatus: 'FAILED', deploymentStatusMessage: message });
      return;
    }
    await publishEnvironmentTemplate(path.join(BUNDLES_DIR, RENDER_ENVIRONMENT));
    await publishServiceTemplate(dir);
    await deployEnvironment(RENDER_ENVIRONMENT_INPUTS);
    await createService();
    expect((await fx.proton.send(new GetServiceInstanceCommand({ serviceName: 'api', name: 'staging' }))).serviceInstance)
      .toMatchObject({ deploymentStatus: 'FAILED', deploymentStatusMessage: message });
  });
});
