/**
 * The backend switch (src/backend.ts) and the cloudformation backend at synth: the context key
 * and the per-stack setting, versions numbered at synth, environments, instances and components as
 * nested stacks of their rendered templates (no custom resource), the warnings for what has no
 * meaning there, and the exact refusals of what it cannot express.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnOutput, CfnParameter, NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { buildDemoApp, DEMO_STACK_NAME } from '../../examples/app';
import {
  AccountSettings, Backend, BackendSetting, Component, ComponentInfrastructure, ComponentSource, ComponentTemplateLanguage, Environment,
  EnvironmentAccountConnection, EnvironmentAccountConnectionAcceptance, EnvironmentProvisioning, EnvironmentSpec, EnvironmentTemplate,
  EnvironmentTemplateProvisioning, EnvironmentTemplateVersion, Repository, RepositoryProvider, Service, ServiceInstance, ServicePipelineSpec,
  ServiceSyncConfig, ServiceTemplate,
  SyncedTemplate, TemplateBundle, TemplateSyncConfig,
} from '../../src';

const CFN = { 'cdk-proton:backend': 'cloudformation' };
const BUNDLES = path.join(__dirname, '..', 'fixtures', 'bundles');
const ENV = { account: '123456789012', region: 'us-east-1' };

interface Platform { app: App; stack: Stack; template: EnvironmentTemplate; version: EnvironmentTemplateVersion }

function platform(context: Record<string, string> = CFN): Platform {
  const app = new App({ context });
  const stack = new Stack(app, 'Platform', { env: ENV });
  const template = new EnvironmentTemplate(stack, 'Buckets', { environmentTemplateName: 'buckets' });
  const version = template.addVersion('V1', { bundle: TemplateBundle.fromDirectory(path.join(BUNDLES, 'env-cloudformation')) });
  return { app, stack, template, version };
}

function warnings(app: App, stackName: string): string[] {
  return app.synth().getStackByName(stackName).messages.filter((m) => m.level === 'warning').map((m) => String(m.entry.data));
}

describe('the switch', () => {
  test('proton by default, cloudformation from the context key, and a per-stack setting wins over the context', () => {
    expect(BackendSetting.of(new Stack(new App(), 'S'))).toBe(Backend.PROTON);
    const app = new App({ context: CFN });
    const fromContext = new Stack(app, 'FromContext');
    const set = new Stack(app, 'Set');
    BackendSetting.set(set, Backend.PROTON);
    expect(BackendSetting.of(fromContext)).toBe(Backend.CLOUDFORMATION);
    expect(BackendSetting.of(set)).toBe(Backend.PROTON);
    // A nested stack has its root stack's backend.
    expect(BackendSetting.of(new NestedStack(set, 'Nested'))).toBe(Backend.PROTON);
  });

  test('a context value that is not a backend fails with the values allowed', () => {
    const stack = new Stack(new App({ context: { 'cdk-proton:backend': 'cfn' } }), 'S');
    expect(() => BackendSetting.of(stack)).toThrow(
      "cdk-proton:backend 'cfn' is not a backend: use 'proton' or 'cloudformation' (e.g. cdk synth -c cdk-proton:backend=cloudformation).");
  });

  test('the setting must come before the constructs, on a root stack', () => {
    const { stack } = platform({});
    expect(() => BackendSetting.set(stack, Backend.CLOUDFORMATION)).toThrow(
      "BackendSetting.set(Platform, cloudformation): stack 'Platform' already holds cdk-proton constructs (Platform/Buckets): set the backend before declaring them.");
    // Setting what the constructs already use is not a change.
    expect(() => BackendSetting.set(stack, Backend.PROTON)).not.toThrow();
    expect(() => BackendSetting.set(new NestedStack(stack, 'Nested'), Backend.PROTON)).toThrow(
      "BackendSetting.set(Platform/Nested, proton): 'Platform/Nested' is a nested stack, which deploys with its parent: set the backend of its root stack 'Platform'.");
  });
});

describe('the demo app with -c cdk-proton:backend=cloudformation', () => {
  const app = buildDemoApp(new App({ context: { ...CFN, 'demo:stage': 'initial' } }));
  const stack = app.node.findChild(DEMO_STACK_NAME) as Stack;
  const assembly = app.synth();
  const nestedStacks = stack.node.findAll().filter(NestedStack.isNestedStack);

  test('has no custom resource and no handler: environments, instances and the component are nested stacks', () => {
    const types = Object.values(assembly.getStackByName(DEMO_STACK_NAME).template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types.filter((t) => t.startsWith('Custom::') || t === 'AWS::Lambda::Function')).toEqual([]);
    expect(nestedStacks.map((s) => s.node.path)).toEqual([
      'ProtonPlatformDemo/Staging/Stack', 'ProtonPlatformDemo/Production/Stack',
      'ProtonPlatformDemo/Api/Instance.staging/Stack', 'ProtonPlatformDemo/Api/Instance.production-1/Stack', 'ProtonPlatformDemo/StagingJobs/Stack',
    ]);
  });

  test("an environment's nested template is its rendered infrastructure; an instance's reads its environment's and its component's outputs as parameters", () => {
    const staging = Template.fromStack(nestedStacks[0]).toJSON();
    expect(staging.Parameters).toBeUndefined();
    expect(staging.Resources.Vpc).toEqual({
      Type: 'AWS::EC2::VPC',
      Properties: { CidrBlock: '10.1.0.0/16', EnableDnsSupport: true, Tags: [{ Key: 'Name', Value: 'demo-staging' }] },
    });
    expect(staging.Resources.SubnetB.Properties.AvailabilityZone).toEqual({ 'Fn::Select': [1, { 'Fn::GetAZs': '' }] });
    expect(staging.Outputs).toEqual({
      VpcId: { Value: { Ref: 'Vpc' } },
      SubnetIds: { Value: { 'Fn::Join': [',', [{ Ref: 'SubnetA' }, { Ref: 'SubnetB' }]] } },
    });
    const instance = Template.fromStack(nestedStacks[2]).toJSON();
    expect(instance.Parameters).toEqual({
      CdkProtonInput0: { Type: 'String', Description: 'environment.outputs.VpcId' },
      CdkProtonInput1: { Type: 'String', Description: 'service_instance.inputs.vpc_id' },
      CdkProtonInput2: { Type: 'String', Description: 'service_instance.components.default.outputs.QueueUrl' },
    });
    expect(instance.Resources.SecurityGroup.Properties.VpcId).toEqual({ Ref: 'CdkProtonInput0' });
    expect(instance.Resources.Config.Properties.Name).toBe('/demo-api/staging/desired-count');
    expect(instance.Resources.JobsQueue.Properties.Value).toEqual({ Ref: 'CdkProtonInput2' });
    const parent = Template.fromStack(stack).toJSON().Resources;
    const instanceResource = parent[stack.getLogicalId(nestedStacks[2].nestedStackResource!)];
    const [staging_, jobs] = [nestedStacks[0], nestedStacks[4]].map((s) => stack.getLogicalId(s.nestedStackResource!));
    expect(instanceResource.Properties.Parameters).toEqual({
      CdkProtonInput0: { 'Fn::GetAtt': [staging_, 'Outputs.VpcId'] },
      CdkProtonInput1: { 'Fn::GetAtt': [staging_, 'Outputs.VpcId'] },
      CdkProtonInput2: { 'Fn::GetAtt': [jobs, 'Outputs.QueueUrl'] },
    });
    expect(instanceResource.DependsOn).toEqual([staging_]);
    expect(parent[jobs].DependsOn).toEqual([staging_]);
  });

  test('every nested template passes cfn-lint', () => {
    const files = nestedStacks.map((s) => path.join(assembly.directory, s.templateFile));
    expect(execFileSync('cfn-lint', ['--', ...files], { encoding: 'utf8' })).toBe('');
  });

  test('warns, with id cdk-proton:backend-ignored, of each prop the backend does not use', () => {
    expect(assembly.getStackByName(DEMO_STACK_NAME).messages.filter((m) => m.level === 'warning').map((m) => String(m.entry.data))).toEqual([
      "displayName of 'ProtonPlatformDemo/NetworkTemplate' is not used by the cloudformation backend: the template creates nothing (its versions are rendered at synth). [ack: cdk-proton:backend-ignored]",
      "description of 'ProtonPlatformDemo/NetworkTemplate' is not used by the cloudformation backend: the template creates nothing (its versions are rendered at synth). [ack: cdk-proton:backend-ignored]",
      "protonServiceRole of 'ProtonPlatformDemo/Staging' is not used by the cloudformation backend: the nested stack deploys with the deploying principal (or the stack's CloudFormation execution role). [ack: cdk-proton:backend-ignored]",
      "componentRole of 'ProtonPlatformDemo/Staging' is not used by the cloudformation backend: components are nested stacks that deploy with the deploying principal (or the stack's CloudFormation execution role). [ack: cdk-proton:backend-ignored]",
      "protonServiceRole of 'ProtonPlatformDemo/Production' is not used by the cloudformation backend: the nested stack deploys with the deploying principal (or the stack's CloudFormation execution role). [ack: cdk-proton:backend-ignored]",
      "componentRole of 'ProtonPlatformDemo/Production' is not used by the cloudformation backend: components are nested stacks that deploy with the deploying principal (or the stack's CloudFormation execution role). [ack: cdk-proton:backend-ignored]",
      "displayName of 'ProtonPlatformDemo/WebServiceTemplate' is not used by the cloudformation backend: the template creates nothing (its versions are rendered at synth). [ack: cdk-proton:backend-ignored]",
    ]);
  });
});

describe('versions at synth', () => {
  test('numbered as Proton numbers a fresh template, in declaration order; the recommended version is the highest published', () => {
    const { stack, template, version } = platform();
    const bundle = TemplateBundle.fromDirectory(path.join(BUNDLES, 'env-cloudformation'));
    const v2 = template.addVersion('V2', { bundle });
    const v11 = template.addVersion('V1_1', { bundle, majorVersion: version.majorVersion });
    const v21 = template.addVersion('V2_1', { bundle, majorVersion: '2', publish: false });
    expect([version, v2, v11, v21].map((v) => `${v.majorVersion}.${v.minorVersion}`)).toEqual(['1.0', '2.0', '1.1', '2.1']);
    expect(stack.resolve(template.recommendedVersion)).toBe('2.0');
    expect(stack.resolve(v21.environmentTemplateVersionArn)).toEqual(
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':proton:us-east-1:123456789012:environment-template/buckets:2.1']] });
    // An environment on major 1 without a minor runs its recommended minor.
    const env = new Environment(stack, 'Env', {
      template, templateMajorVersion: '1', spec: EnvironmentSpec.fromInputs({}), provisioning: EnvironmentProvisioning.customerManaged(),
    });
    expect(env.environmentTemplateMinorVersion).toBe('1');
    expect(() => template.addVersion('V3_0', { bundle, majorVersion: '3' })).toThrow(
      "Template version 'Platform/Buckets/V3_0': majorVersion '3' of template 'Platform/Buckets' has no version declared before this one, so Proton would refuse a minor version of it. Declare its first version (addVersion without majorVersion) first.");
  });
});

describe('refusals, exactly', () => {
  const role = (stack: Stack) => iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::123456789012:role/r');

  test('cross-account', () => {
    const { stack, version } = platform();
    const connection = EnvironmentAccountConnection.fromEnvironmentAccountConnectionAttributes(stack, 'Conn',
      { environmentAccountConnectionId: '0f3e7c2a-1b2c-4d5e-8f90-0123456789ab', environmentAccountId: '222222222222' });
    expect(() => new Environment(stack, 'Prod', { templateVersion: version, provisioning: EnvironmentProvisioning.crossAccount({ connection }) })).toThrow(
      "Environment 'Platform/Prod': cross-account provisioning (EnvironmentProvisioning.crossAccount) cannot be expressed by the cloudformation backend: "
      + "a nested stack deploys in its parent stack's account. Declare the environment in a stack of account 222222222222 "
      + "(new Stack(app, 'Prod', { env: { account: '222222222222' } })) with EnvironmentProvisioning.awsManaged, and remove the connection.");
  });

  test('self-managed', () => {
    const { stack, version } = platform();
    const repository = Repository.fromRepositoryAttributes(stack, 'Repo', { repositoryName: 'acme/infra', provider: RepositoryProvider.GITHUB });
    expect(() => new Environment(stack, 'Dev', { templateVersion: version, provisioning: EnvironmentProvisioning.selfManaged({ repository, branch: 'main' }) })).toThrow(
      "Environment 'Platform/Dev': self-managed provisioning (EnvironmentProvisioning.selfManaged) has Proton open pull requests; the cloudformation backend "
      + 'deploys the rendered template itself. Use EnvironmentProvisioning.awsManaged, or render the template (npx cdk-proton render) into your own pipeline.');
  });

  test('CodeBuild', () => {
    const { stack, version } = platform();
    expect(() => new Environment(stack, 'Dev', { templateVersion: version, provisioning: EnvironmentProvisioning.codeBuild({ role: role(stack) }) })).toThrow(
      "Environment 'Platform/Dev': CodeBuild provisioning is not supported by the cloudformation backend yet: run the bundle's provision commands "
      + 'from your own pipeline, or keep this stack on the proton backend (BackendSetting.set(stack, Backend.PROTON)).');
  });

  test('a Terraform bundle', () => {
    const { stack, template } = platform();
    const terraform = template.addVersion('Tf', { bundle: TemplateBundle.fromDirectory(path.join(BUNDLES, 'env-terraform')) });
    expect(() => new Environment(stack, 'Dev', { templateVersion: terraform, provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: role(stack) }) })).toThrow(
      "Environment 'Platform/Dev': template 'buckets' 2.0 is a Terraform bundle (infrastructure/, rendering_engine hcl); the cloudformation backend deploys CloudFormation only. "
      + 'Apply its .tf files with Terraform (npx cdk-proton render prints the variables Proton generated).');
  });

  test('a bundle provisioned by CodeBuild', () => {
    const { stack, template } = platform();
    const codeBuild = template.addVersion('Cb', { bundle: TemplateBundle.fromDirectory(path.join(BUNDLES, 'env-codebuild')) });
    expect(() => new Environment(stack, 'Dev', { templateVersion: codeBuild, provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: role(stack) }) })).toThrow(
      "Environment 'Platform/Dev' (infrastructure/ of template 'buckets' 2.0): CodeBuild provisioning is not supported by the cloudformation backend yet: "
      + "run the bundle's provision commands from your own pipeline, or keep this stack on the proton backend (BackendSetting.set(stack, Backend.PROTON)).");
  });

  test('a template whose bundle is not in the app', () => {
    const { stack } = platform();
    const imported = EnvironmentTemplate.fromEnvironmentTemplateName(stack, 'Imported', 'network');
    expect(() => new Environment(stack, 'Dev', { template: imported, templateMajorVersion: '1', provisioning: EnvironmentProvisioning.customerManaged() })).toThrow(
      "Environment 'Platform/Dev': the cloudformation backend renders the template at synth and needs its bundle: declare version 1 of template 'network' "
      + 'in this app (template.addVersion(..., { bundle: TemplateBundle.fromDirectory(dir) })).');
  });
});

test('Proton-only constructs are omitted with a warning naming each, and create no handler; reading an attribute of one fails synth', () => {
  const { app, stack, template } = platform();
  const repository = new Repository(stack, 'Repo', {
    provider: RepositoryProvider.GITHUB, repositoryName: 'acme/templates', connectionArn: 'arn:aws:codestar-connections:us-east-1:123456789012:connection/abc',
  });
  new TemplateSyncConfig(stack, 'Sync', { template: SyncedTemplate.environmentTemplate(template), repository, branch: 'main' });
  const connection = new EnvironmentAccountConnection(stack, 'Conn', {
    managementAccountId: '111111111111', environmentName: 'prod', role: iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::123456789012:role/r'),
  });
  const resources = Object.values(Template.fromStack(stack).toJSON().Resources ?? {}) as Array<{ Type: string }>;
  expect(resources.map((r) => r.Type)).toEqual([]);
  expect(warnings(app, 'Platform').filter((w) => w.includes('Proton-only'))).toEqual([
    "The repository 'Platform/Repo' is Proton-only and is omitted by the cloudformation backend. [ack: cdk-proton:backend-ignored]",
    "The template sync configuration 'Platform/Sync' is Proton-only and is omitted by the cloudformation backend. [ack: cdk-proton:backend-ignored]",
    "The environment account connection 'Platform/Conn' is Proton-only and is omitted by the cloudformation backend. [ack: cdk-proton:backend-ignored]",
  ]);
  new CfnOutput(stack, 'ConnectionId', { value: connection.environmentAccountConnectionId });
  expect(() => app.synth({ force: true })).toThrow("The environment account connection 'Platform/Conn' is omitted by the cloudformation backend (Proton-only), "
    + 'so its attribute Id has no value. Do not use it in stacks on the cloudformation backend.');
});

test('a token input becomes a parameter of the nested stack; a decision on it is the renderer\'s synth error', () => {
  const { app, stack, version } = platform();
  const prefix = new CfnParameter(stack, 'Prefix').valueAsString;
  const env = new Environment(stack, 'Dev', {
    environmentName: 'dev',
    templateVersion: version,
    spec: EnvironmentSpec.fromInputs({ bucket_prefix: prefix }),
    provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::123456789012:role/r') }),
  });
  const nested = env.node.findChild('Stack') as NestedStack;
  expect(Template.fromStack(nested).toJSON().Resources.Bucket.Properties.BucketName).toEqual({ 'Fn::Join': ['', [{ Ref: 'CdkProtonInput0' }, '-dev']] });
  expect(Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(nested.nestedStackResource!)].Properties.Parameters)
    .toEqual({ CdkProtonInput0: { Ref: 'Prefix' } });
  expect(warnings(app, 'Platform')).toEqual([
    "protonServiceRole of 'Platform/Dev' is not used by the cloudformation backend: the nested stack deploys with the deploying principal (or the stack's CloudFormation execution role). [ack: cdk-proton:backend-ignored]",
  ]);
});

/** A service template bundle with a pipeline that reads the first instance's output. */
function serviceBundle(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-backend-service-'));
  const manifest = 'infrastructure:\n  templates:\n    - file: "cloudformation.yaml"\n      rendering_engine: jinja\n      template_language: cloudformation\n';
  const files: Record<string, string> = {
    'schema/schema.yaml': [
      'schema:', '  format:', '    openapi: "3.0.0"', '  service_input_type: "SvcInput"', '  pipeline_input_type: "PipeInput"', '  types:',
      '    SvcInput:', '      type: object', '      properties:', '        size:', '          type: string', '          default: "s"',
      '    PipeInput:', '      type: object', '      properties:', '        stage:', '          type: string', '          default: "prod"', '',
    ].join('\n'),
    'instance_infrastructure/manifest.yaml': manifest,
    'instance_infrastructure/cloudformation.yaml': [
      'Resources:', '  Queue:', '    Type: AWS::SQS::Queue', '    Properties:', "      QueueName: '{{ service.name }}-{{ service_instance.name }}'",
      '      Tags:', '        - Key: vpc', "          Value: '{{ environment.outputs.VpcId }}'",
      'Outputs:', '  QueueArn:', '    Value: !GetAtt Queue.Arn', '',
    ].join('\n'),
    'pipeline_infrastructure/manifest.yaml': manifest,
    'pipeline_infrastructure/cloudformation.yaml': [
      'Resources:', '  Topic:', '    Type: AWS::SNS::Topic', '    Properties:', "      TopicName: '{{ service.name }}-{{ pipeline.inputs.stage }}'",
      '      Tags:', '        - Key: first-queue', "          Value: '{{ service_instances[0].outputs.QueueArn }}'",
      'Outputs:', '  TopicArn:', '    Value: !Ref Topic', '',
    ].join('\n'),
  };
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

test("a service's instances (added or declared alone) and its pipeline are nested stacks; the pipeline reads the instances' outputs", () => {
  const app = new App({ context: CFN });
  const stack = new Stack(app, 'Platform', { env: ENV });
  const network = new EnvironmentTemplate(stack, 'Network', { environmentTemplateName: 'network' });
  const v1 = network.addVersion('V1', { bundle: TemplateBundle.fromDirectory(path.join(__dirname, '..', '..', 'examples', 'templates', 'network-v1.0')) });
  const env = new Environment(stack, 'Dev', {
    environmentName: 'dev',
    templateVersion: v1,
    provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: iam.Role.fromRoleArn(stack, 'R', 'arn:aws:iam::123456789012:role/r') }),
    spec: EnvironmentSpec.fromInputs({ vpc_cidr: '10.0.0.0/16', subnet_a_cidr: '10.0.0.0/20', subnet_b_cidr: '10.0.16.0/20' }),
  });
  const template = new ServiceTemplate(stack, 'Queues', { serviceTemplateName: 'queues' });
  const version = template.addVersion('V1', { bundle: TemplateBundle.fromDirectory(serviceBundle()), compatibleEnvironmentTemplates: [{ template: network, majorVersion: '1' }] });
  const service = new Service(stack, 'Api', { serviceName: 'api', templateVersion: version, pipelineSpec: ServicePipelineSpec.fromInputs({ stage: 'beta' }) });
  const one = service.addInstance('one', { environment: env });
  const two = new ServiceInstance(stack, 'Two', { service, serviceInstanceName: 'two', environment: env });
  const topic = service.pipeline.getOutput('TopicArn');

  const nested = (construct: { node: { findChild(id: string): unknown } }, id = 'Stack') => construct.node.findChild(id) as NestedStack;
  const id = (s: NestedStack) => stack.getLogicalId(s.nestedStackResource!);
  const [envStack, oneStack, twoStack, pipelineStack] = [nested(env), nested(one), nested(two), nested(service, 'PipelineStack')];
  expect(Template.fromStack(oneStack).toJSON().Resources.Queue.Properties.QueueName).toBe('api-one');
  expect(Template.fromStack(twoStack).toJSON().Resources.Queue.Properties).toEqual({
    QueueName: 'api-two', Tags: [{ Key: 'vpc', Value: { Ref: 'CdkProtonInput0' } }],
  });
  const pipeline = Template.fromStack(pipelineStack).toJSON();
  expect(pipeline.Parameters).toEqual({ CdkProtonInput0: { Type: 'String', Description: 'service_instances[0].outputs.QueueArn' } });
  expect(pipeline.Resources.Topic.Properties).toEqual({ TopicName: 'api-beta', Tags: [{ Key: 'first-queue', Value: { Ref: 'CdkProtonInput0' } }] });
  const parent = Template.fromStack(stack).toJSON().Resources;
  expect(parent[id(pipelineStack)].Properties.Parameters).toEqual({ CdkProtonInput0: { 'Fn::GetAtt': [id(oneStack), 'Outputs.QueueArn'] } });
  expect(parent[id(pipelineStack)].DependsOn).toEqual([id(oneStack)]);
  expect(parent[id(twoStack)].Properties.Parameters).toEqual({ CdkProtonInput0: { 'Fn::GetAtt': [id(envStack), 'Outputs.VpcId'] } });
  expect(parent[id(twoStack)].DependsOn).toEqual([id(envStack)]);
  expect(stack.resolve(topic)).toEqual({ 'Fn::GetAtt': [id(pipelineStack), 'Outputs.TopicArn'] });
  expect(Object.values(parent).map((r: any) => r.Type)).toEqual(Array(4).fill('AWS::CloudFormation::Stack'));
});

test("a customer-managed environment has no nested stack: its outputs are its spec's inputs", () => {
  const app = new App({ context: CFN });
  const stack = new Stack(app, 'Platform', { env: ENV });
  const template = new EnvironmentTemplate(stack, 'Existing', { provisioning: EnvironmentTemplateProvisioning.CUSTOMER_MANAGED });
  const version = template.addVersion('V1', { bundle: TemplateBundle.fromDirectory(path.join(BUNDLES, 'env-customer-managed')) });
  const env = new Environment(stack, 'Dev', {
    templateVersion: version,
    provisioning: EnvironmentProvisioning.customerManaged(),
    spec: EnvironmentSpec.fromInputs({ VpcId: 'vpc-0123', ClusterName: 'main' }),
  });
  expect(env.getOutput('VpcId')).toBe('vpc-0123');
  expect(() => env.getOutput('Subnets')).toThrow("Environment 'Platform/Dev': getOutput('Subnets'): a customer-managed environment's outputs are its spec's inputs, "
    + 'and the spec has no input \'Subnets\' (inputs: VpcId, ClusterName). Read one of these, or add it to the spec.');
  expect(Template.fromStack(stack).toJSON().Resources).toBeUndefined();
});

test('a component attached to an instance the service adds after it deploys after that instance', () => {
  const app = new App({ context: CFN });
  const stack = new Stack(app, 'Platform', { env: ENV });
  const network = new EnvironmentTemplate(stack, 'Network', { environmentTemplateName: 'network' });
  const v1 = network.addVersion('V1', { bundle: TemplateBundle.fromDirectory(path.join(__dirname, '..', '..', 'examples', 'templates', 'network-v1.0')) });
  const env = new Environment(stack, 'Dev', {
    environmentName: 'dev',
    templateVersion: v1,
    provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: iam.Role.fromRoleArn(stack, 'R', 'arn:aws:iam::123456789012:role/r') }),
    componentRole: iam.Role.fromRoleArn(stack, 'C', 'arn:aws:iam::123456789012:role/c'),
    spec: EnvironmentSpec.fromInputs({ vpc_cidr: '10.0.0.0/16', subnet_a_cidr: '10.0.0.0/20', subnet_b_cidr: '10.0.16.0/20' }),
  });
  const template = new ServiceTemplate(stack, 'Queues', { serviceTemplateName: 'queues' });
  const version = template.addVersion('V1', {
    bundle: TemplateBundle.fromDirectory(serviceBundle()),
    compatibleEnvironmentTemplates: [{ template: network, majorVersion: '1' }],
    supportedComponentSources: [ComponentSource.DIRECTLY_DEFINED],
  });
  const service = new Service(stack, 'Api', { serviceName: 'api', templateVersion: version, pipelineSpec: ServicePipelineSpec.fromInputs({}) });
  const infrastructure = ComponentInfrastructure.fromString('Resources:\n  Jobs:\n    Type: AWS::SQS::Queue\n', ComponentTemplateLanguage.CLOUDFORMATION);
  const jobs = new Component(stack, 'Jobs', {
    serviceInstance: ServiceInstance.fromServiceInstanceName(stack, 'OneRef', service, 'one'), infrastructure,
  });
  const one = service.addInstance('one', { environment: env });

  const parent = Template.fromStack(stack).toJSON().Resources;
  const id = (construct: { node: { findChild(id: string): unknown } }) => stack.getLogicalId((construct.node.findChild('Stack') as NestedStack).nestedStackResource!);
  expect(parent[id(jobs)].DependsOn).toEqual([id(env), id(one)].sort());
});

test('account settings, a service sync configuration and a connection acceptance are omitted with a warning naming each, and create nothing', () => {
  const app = new App({ context: CFN });
  const stack = new Stack(app, 'Platform', { env: ENV });
  const repository = Repository.fromRepositoryAttributes(stack, 'Repo', { provider: RepositoryProvider.GITHUB, repositoryName: 'acme/services' });
  new AccountSettings(stack, 'Settings', { pipelineServiceRole: iam.Role.fromRoleArn(stack, 'PipelineRole', 'arn:aws:iam::123456789012:role/p') });
  new ServiceSyncConfig(stack, 'ServiceSync', { service: Service.fromServiceName(stack, 'Api', 'api'), repository, branch: 'main' });
  new EnvironmentAccountConnectionAcceptance(stack, 'Accept', { environmentAccountId: '222222222222', environmentName: 'prod' });
  expect(Template.fromStack(stack).toJSON().Resources).toBeUndefined();
  expect(warnings(app, 'Platform')).toEqual([
    "The account settings 'Platform/Settings' is Proton-only and is omitted by the cloudformation backend. [ack: cdk-proton:backend-ignored]",
    "The service sync configuration 'Platform/ServiceSync' is Proton-only and is omitted by the cloudformation backend. [ack: cdk-proton:backend-ignored]",
    "The environment account connection acceptance 'Platform/Accept' is Proton-only and is omitted by the cloudformation backend. [ack: cdk-proton:backend-ignored]",
  ]);
});
