/**
 * Fixtures for the deployment tests (environments, services, components, deployments): templates
 * registered and published through the real SDK from small bundles, and deployed environments.
 */
import {
  CreateEnvironmentCommand, CreateEnvironmentTemplateCommand, CreateEnvironmentTemplateVersionCommand,
  CreateServiceTemplateCommand, CreateServiceTemplateVersionCommand, ProtonClient,
  UpdateEnvironmentTemplateVersionCommand, UpdateServiceTemplateVersionCommand,
} from '@aws-sdk/client-proton';
import { stringify } from 'yaml';
import { CFN_MANIFEST, emulatorPerTest, schemaFile, uploadBundle, type EmulatorAndClient } from './helpers';
import type { Emulator } from '../../local/emulator';

/** Simulated durations of the deployment tests (virtual ms). */
export const DURATIONS = {
  registrationMs: 1_000,
  deploymentMs: 10_000,
  deletionMs: 5_000,
  cancellationMs: 2_000,
  serviceMs: 1_000,
};

/**
 * Registers hooks that start, for each test, a fresh emulator (manual clock, strict, the test
 * durations) and a client without retries, and publish environment template `base` in it.
 * Read `fixture.emu` and `fixture.proton` inside tests and hooks registered after this call.
 */
export function deploymentEmulatorPerTest(): EmulatorAndClient {
  const fixture = emulatorPerTest({ durations: DURATIONS });
  beforeEach(async () => {
    await publishEnvironmentTemplate(fixture.proton, fixture.emu, 'base');
  });
  return fixture;
}

/**
 * Advances the emulator's clock by `ms` after every response `client` receives, so an SDK waiter
 * sees the in-progress state on its first poll and the settled state on a later one.
 */
export function advanceClockAfterEachCall(client: ProtonClient, emu: Emulator, ms: number): void {
  client.middlewareStack.add((next) => async (args) => {
    const result = await next(args);
    emu.control.advance(ms);
    return result;
  }, { step: 'initialize', name: 'advanceEmulatorClock' });
}

/** Waiter options that poll every second (the SDK's minimum) for at most 30 s. */
export const FAST_WAITER = { minDelay: 1, maxDelay: 1, maxWaitTime: 30 };

export const ROLE_ARN = 'arn:aws:iam::111111111111:role/proton-service';
export const COMPONENT_ROLE_ARN = 'arn:aws:iam::111111111111:role/proton-components';
export const BUCKET = 'proton-bundles';

export const ENV_FILES = {
  'schema/schema.yaml': schemaFile({ environment_input_type: 'EnvInput' }, {
    EnvInput: `      properties:
        vpc_cidr:
          type: string
          default: "10.0.0.0/16"
          pattern: "^\\\\d+\\\\.\\\\d+\\\\.\\\\d+\\\\.\\\\d+/\\\\d+$"
        size:
          type: integer
          minimum: 1
          maximum: 10
`,
  }),
  'infrastructure/manifest.yaml': CFN_MANIFEST,
  'infrastructure/cloudformation.yaml': `Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: '{{ environment.inputs.vpc_cidr }}'
Outputs:
  VpcId:
    Value: !Ref Vpc
  ClusterName:
    Value: '{{ environment.name }}-cluster'
`,
};

const CUSTOMER_MANAGED_ENV_FILES = {
  'schema/schema.yaml': schemaFile({ environment_input_type: 'ExistingStack' }, {
    ExistingStack: `      properties:
        VpcId:
          type: string
      required: [VpcId]
`,
  }),
};

function serviceFiles(withPipeline: boolean): Record<string, string> {
  const files: Record<string, string> = {
    'schema/schema.yaml': schemaFile({ service_input_type: 'SvcInput', ...(withPipeline ? { pipeline_input_type: 'PipeInput' } : {}) }, {
      SvcInput: `      properties:
        image:
          type: string
          minLength: 1
        port:
          type: integer
          default: 80
          minimum: 1
          maximum: 65535
      required: [image]
`,
      ...(withPipeline ? {
        PipeInput: `      properties:
        stage:
          type: string
          default: "build"
`,
      } : {}),
    }),
    'instance_infrastructure/manifest.yaml': CFN_MANIFEST,
    'instance_infrastructure/cloudformation.yaml': `Resources:
  Param:
    Type: AWS::SSM::Parameter
    Properties:
      Type: String
      Value: '{{ service_instance.inputs.image }} in {{ environment.outputs.VpcId }}'
Outputs:
  ServiceUrl:
    Value: !Ref Param
`,
  };
  if (withPipeline) {
    files['pipeline_infrastructure/manifest.yaml'] = CFN_MANIFEST;
    files['pipeline_infrastructure/cloudformation.yaml'] = `Resources:
  Topic:
    Type: AWS::SNS::Topic
Outputs:
  PipelineTopic:
    Value: !Ref Topic
`;
  }
  return files;
}

/**
 * Registers and publishes an environment template version: the template is created first unless
 * `existing`; `major` omitted = a new major version, given = the next minor of that major.
 */
export async function publishEnvironmentTemplate(
  proton: ProtonClient,
  emu: Emulator,
  name: string,
  options: { customerManaged?: boolean; existing?: boolean; major?: string; files?: Record<string, string> } = {},
): Promise<{ major: string; minor: string }> {
  if (!options.existing) {
    await proton.send(new CreateEnvironmentTemplateCommand({ name, provisioning: options.customerManaged ? 'CUSTOMER_MANAGED' : undefined }));
  }
  const files = options.files ?? (options.customerManaged ? CUSTOMER_MANAGED_ENV_FILES : ENV_FILES);
  const source = await uploadBundle(emu, BUCKET, `${name}-${Math.random().toString(36).slice(2)}.tar.gz`, files);
  const { environmentTemplateVersion: v } = await proton.send(new CreateEnvironmentTemplateVersionCommand({
    templateName: name, majorVersion: options.major, source: { s3: source },
  }));
  emu.control.advance(DURATIONS.registrationMs);
  await proton.send(new UpdateEnvironmentTemplateVersionCommand({
    templateName: name, majorVersion: v!.majorVersion, minorVersion: v!.minorVersion, status: 'PUBLISHED',
  }));
  return { major: v!.majorVersion!, minor: v!.minorVersion! };
}

/**
 * Registers and publishes a service template version compatible with `envTemplate` major 1
 * (`existing` and `major` as for environment templates).
 */
export async function publishServiceTemplate(
  proton: ProtonClient,
  emu: Emulator,
  name: string,
  envTemplate: string,
  options: { pipeline?: boolean; components?: boolean; existing?: boolean; major?: string } = {},
): Promise<{ major: string; minor: string }> {
  const pipeline = options.pipeline ?? false;
  if (!options.existing) {
    await proton.send(new CreateServiceTemplateCommand({ name, pipelineProvisioning: pipeline ? undefined : 'CUSTOMER_MANAGED' }));
  }
  const source = await uploadBundle(emu, BUCKET, `${name}-${Math.random().toString(36).slice(2)}.tar.gz`, serviceFiles(pipeline));
  const { serviceTemplateVersion: v } = await proton.send(new CreateServiceTemplateVersionCommand({
    templateName: name,
    majorVersion: options.major,
    source: { s3: source },
    compatibleEnvironmentTemplates: [{ templateName: envTemplate, majorVersion: '1' }],
    supportedComponentSources: options.components ? ['DIRECTLY_DEFINED'] : undefined,
  }));
  emu.control.advance(DURATIONS.registrationMs);
  await proton.send(new UpdateServiceTemplateVersionCommand({
    templateName: name, majorVersion: v!.majorVersion, minorVersion: v!.minorVersion, status: 'PUBLISHED',
  }));
  return { major: v!.majorVersion!, minor: v!.minorVersion! };
}

export function envSpec(inputs: Record<string, unknown> = {}): string {
  return stringify({ proton: 'EnvironmentSpec', spec: inputs });
}

export interface InstanceSpec {
  readonly name: string;
  readonly environment: string;
  readonly image?: string;
  readonly port?: number;
}

export function serviceSpec(instances: InstanceSpec[], pipeline?: Record<string, unknown>): string {
  return stringify({
    proton: 'ServiceSpec',
    ...pipeline ? { pipeline } : {},
    instances: instances.map((i) => ({
      name: i.name,
      environment: i.environment,
      spec: { image: i.image ?? 'nginx', ...i.port !== undefined ? { port: i.port } : {} },
    })),
  });
}

/** Creates an AWS-managed environment on `template` 1 and lets its deployment succeed. */
export async function deployEnvironment(
  proton: ProtonClient,
  emu: Emulator,
  name: string,
  template: string,
  options: { componentRoleArn?: string } = {},
): Promise<void> {
  await proton.send(new CreateEnvironmentCommand({
    name,
    templateName: template,
    templateMajorVersion: '1',
    spec: envSpec(),
    protonServiceRoleArn: ROLE_ARN,
    componentRoleArn: options.componentRoleArn,
  }));
  emu.control.advance(DURATIONS.deploymentMs);
}
