/**
 * Fixtures for the tests of the emulator's account-level resources (tags, sync, summary, EACs):
 * published templates, deployed environments and services, built through the real API.
 */
import {
  CreateEnvironmentCommand,
  CreateEnvironmentTemplateCommand,
  CreateEnvironmentTemplateVersionCommand,
  CreateServiceCommand,
  CreateServiceTemplateCommand,
  CreateServiceTemplateVersionCommand,
  type ProtonClient,
  UpdateEnvironmentTemplateVersionCommand,
  UpdateServiceTemplateVersionCommand,
} from '@aws-sdk/client-proton';
import { CFN_MANIFEST, schemaFile, uploadBundle } from './helpers';
import type { Emulator } from '../../local/emulator';

const ENVIRONMENT_BUNDLE = {
  'schema/schema.yaml': schemaFile({ environment_input_type: 'EnvInput' }, {
    EnvInput: `      properties:
        prefix:
          type: string
          default: "demo"
`,
  }),
  'infrastructure/manifest.yaml': CFN_MANIFEST,
  'infrastructure/cloudformation.yaml': `Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: '{{ environment.inputs.prefix }}-{{ environment.name }}'
Outputs:
  BucketName:
    Value: !Ref Bucket
`,
};

const SERVICE_BUNDLE = {
  'schema/schema.yaml': schemaFile({ service_input_type: 'SvcInput' }, {
    SvcInput: `      properties:
        message:
          type: string
          default: "hello"
`,
  }),
  'instance_infrastructure/manifest.yaml': CFN_MANIFEST,
  'instance_infrastructure/cloudformation.yaml': `Resources:
  Param:
    Type: AWS::SSM::Parameter
    Properties:
      Type: String
      Value: '{{ service_instance.inputs.message }} in {{ environment.outputs.BucketName }}'
`,
};

/** Longer than any default simulated duration (registration, deployment, service transitions). */
const SETTLE_MS = 120_000;
let bundles = 0;

async function upload(emu: Emulator, files: Record<string, string>) {
  bundles += 1;
  return uploadBundle(emu, 'rest-fixture-bundles', `bundle-${bundles}.tar.gz`, files);
}

/**
 * Registers and publishes a new version of an environment template (creating the template
 * first if `create`); `majorVersion` omitted = a new major version.
 */
export async function publishEnvironmentTemplateVersion(proton: ProtonClient, emu: Emulator, templateName: string, majorVersion?: string) {
  const source = await upload(emu, ENVIRONMENT_BUNDLE);
  const created = await proton.send(new CreateEnvironmentTemplateVersionCommand({ templateName, majorVersion, source: { s3: source } }));
  const { majorVersion: major, minorVersion: minor } = created.environmentTemplateVersion!;
  emu.control.advance(SETTLE_MS);
  await proton.send(new UpdateEnvironmentTemplateVersionCommand({ templateName, majorVersion: major, minorVersion: minor, status: 'PUBLISHED' }));
  return { major: major!, minor: minor! };
}

export async function publishServiceTemplateVersion(
  proton: ProtonClient, emu: Emulator, templateName: string, environmentTemplateName: string, majorVersion?: string,
) {
  const source = await upload(emu, SERVICE_BUNDLE);
  const created = await proton.send(new CreateServiceTemplateVersionCommand({
    templateName, majorVersion, source: { s3: source }, compatibleEnvironmentTemplates: [{ templateName: environmentTemplateName, majorVersion: '1' }],
  }));
  const { majorVersion: major, minorVersion: minor } = created.serviceTemplateVersion!;
  emu.control.advance(SETTLE_MS);
  await proton.send(new UpdateServiceTemplateVersionCommand({ templateName, majorVersion: major, minorVersion: minor, status: 'PUBLISHED' }));
  return { major: major!, minor: minor! };
}

export async function createEnvironmentTemplate(proton: ProtonClient, emu: Emulator, name: string) {
  await proton.send(new CreateEnvironmentTemplateCommand({ name }));
  await publishEnvironmentTemplateVersion(proton, emu, name);
}

export async function createServiceTemplate(proton: ProtonClient, emu: Emulator, name: string, environmentTemplateName: string) {
  await proton.send(new CreateServiceTemplateCommand({ name, pipelineProvisioning: 'CUSTOMER_MANAGED' }));
  await publishServiceTemplateVersion(proton, emu, name, environmentTemplateName);
}

/** Deploys environment `name` from major version 1 of `templateName` and waits until it settles. */
export async function createEnvironment(
  proton: ProtonClient, emu: Emulator, name: string, templateName: string,
  access: (
    | { protonServiceRoleArn: string }
    | { environmentAccountConnectionId: string }
    | { provisioningRepository: { provider: 'GITHUB'; name: string; branch: string } }
  ) & { componentRoleArn?: string },
) {
  await proton.send(new CreateEnvironmentCommand({
    name, templateName, templateMajorVersion: '1', spec: 'proton: EnvironmentSpec\nspec:\n  prefix: demo\n', ...access,
  }));
  emu.control.advance(SETTLE_MS);
}

/** Deploys service `name` (major 1 of `templateName`) with one instance per environment and waits. */
export async function createService(
  proton: ProtonClient, emu: Emulator, name: string, templateName: string, instances: { name: string; environment: string }[],
) {
  const spec = ['proton: ServiceSpec', 'instances:', ...instances.flatMap((i) => [
    `  - name: ${i.name}`, `    environment: ${i.environment}`, '    spec:', '      message: hi',
  ])].join('\n');
  await proton.send(new CreateServiceCommand({ name, templateName, templateMajorVersion: '1', spec }));
  emu.control.advance(SETTLE_MS);
}
