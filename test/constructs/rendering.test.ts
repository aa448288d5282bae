/**
 * Rendering at synth: the corpus (test/fixtures/bundles/render) in an app — an environment, a
 * service with instances and a pipeline, a component — renders with each spec; broken bundles fail
 * with `file:line`, in the bundle alone or once rendered with a spec; TemplateBundle.render previews;
 * resources whose spec is the same share one render, unless the template decides on a name.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  Component, ComponentInfrastructure, ComponentSource, Environment, EnvironmentProvisioning, EnvironmentSpec,
  EnvironmentTemplate, Service, ServiceInstanceSpec, ServicePipelineSpec, ServiceTemplate, ServiceTemplatePipelineProvisioning, TemplateBundle,
} from '../../src';
import { JinjaTemplate } from '../../src/private/render/jinja';
import {
  BROKEN_RENDER_BUNDLES, BUNDLES_DIR, RENDER_COMPONENT_FILE, RENDER_ENVIRONMENT, RENDER_ENVIRONMENT_INPUTS, RENDER_SERVICE, writeBrokenRenderBundle,
} from '../fixtures/bundles/corpus';

const ENV = { account: '111111111111', region: 'us-east-1' };

/** An app with the corpus: environment `net-staging`, service `api` (instance `staging`, a pipeline) and a component on the instance. */
function platform(options: { environmentBundle?: string; serviceBundle?: string; tokenVpcId?: boolean } = {}) {
  const stack = new Stack(new App(), 'Platform', { env: ENV });
  const role = iam.Role.fromRoleName(stack, 'Role', 'proton-service');
  const componentRole = iam.Role.fromRoleName(stack, 'ComponentRole', 'proton-components');
  const network = new EnvironmentTemplate(stack, 'Net', { environmentTemplateName: 'net' });
  const netV1 = network.addVersion('V1', { bundle: TemplateBundle.fromDirectory(options.environmentBundle ?? path.join(BUNDLES_DIR, RENDER_ENVIRONMENT)) });
  const staging = new Environment(stack, 'Staging', {
    environmentName: 'net-staging',
    templateVersion: netV1,
    spec: EnvironmentSpec.fromInputs(RENDER_ENVIRONMENT_INPUTS),
    provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: role }),
    componentRole,
  });
  const web = new ServiceTemplate(stack, 'Web', { serviceTemplateName: 'web' });
  const webV1 = web.addVersion('V1', {
    bundle: TemplateBundle.fromDirectory(options.serviceBundle ?? path.join(BUNDLES_DIR, RENDER_SERVICE)),
    compatibleEnvironmentTemplates: [{ template: network, majorVersion: netV1.majorVersion }],
    supportedComponentSources: [ComponentSource.DIRECTLY_DEFINED],
  });
  const api = new Service(stack, 'Api', {
    serviceName: 'api',
    templateVersion: webV1,
    pipelineSpec: ServicePipelineSpec.fromInputs({ test_command: 'npm test' }),
    repositoryConnectionArn: 'arn:aws:codestar-connections:us-east-1:111111111111:connection/c',
    repositoryId: 'acme/api',
    branchName: 'main',
  });
  const instance = api.addInstance('staging', {
    environment: staging,
    spec: ServiceInstanceSpec.fromInputs({ image: 'nginx:1.27', loadbalancer_type: 'network', vpc_id: options.tokenVpcId ? staging.getOutput('VpcId') : 'vpc-1' }),
  });
  const queue = new Component(stack, 'Queue', {
    componentName: 'api-queue', infrastructure: ComponentInfrastructure.fromFile(RENDER_COMPONENT_FILE), serviceInstance: instance,
  });
  return { stack, staging, api, instance, queue };
}

test('the corpus synthesizes: every IaC file renders with its spec, and getOutput reads outputs the rendered templates produce', () => {
  const { stack, staging, api, instance, queue } = platform();
  staging.getOutput('SubnetCount');
  instance.getOutput('QueueUrl');
  api.pipeline.getOutput('InstanceCount');
  queue.getOutput('QueuePolicyArn');
  expect(() => Template.fromStack(stack)).not.toThrow();
});

test('a token input used as a value renders; the outputs read are checked for each resource', () => {
  const { stack, staging, instance } = platform({ tokenVpcId: true });
  staging.getOutput('Subnets');
  instance.getOutput('Url');
  expect(() => Template.fromStack(stack)).toThrow([
    "[Platform/Staging] Environment 'Platform/Staging': getOutput('Subnets'): the template's infrastructure/ rendered with this spec has no output "
    + "'Subnets' (outputs: VpcId, SubnetIds, SubnetCount, Tier). Read one of these, or add it to the template's Outputs.",
    "[Platform/Api] Service 'Platform/Api', instance 'staging': getOutput('Url'): the template's instance_infrastructure/ rendered with this spec has no "
    + "output 'Url' (outputs: LoadBalancerType, Endpoint, VpcId, QueueUrl). Read one of these, or add it to the template's Outputs.",
  ].join('\n  '));
});

describe('broken bundles fail synth with file:line', () => {
  let workDir: string;
  beforeEach(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rendering-test-'));
  });
  afterEach(() => {
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  test.each(BROKEN_RENDER_BUNDLES)('$name', (broken) => {
    const dir = path.join(workDir, broken.name);
    writeBrokenRenderBundle(broken, dir);
    const bundles = broken.base === RENDER_ENVIRONMENT ? { environmentBundle: dir } : { serviceBundle: dir };
    if (broken.foundBy === 'bundle') {
      const kind = broken.base === RENDER_ENVIRONMENT ? 'an environment template' : 'a service template with a pipeline';
      expect(() => platform(bundles)).toThrow(`Invalid template bundle '${dir}' for ${kind}:\n  ${broken.problem}`);
    } else {
      const { stack } = platform({ ...bundles, tokenVpcId: true });
      expect(() => Template.fromStack(stack)).toThrow(`[Platform/Api] Service 'Platform/Api', instance 'staging': ${broken.problem}`);
    }
  });
});

describe('TemplateBundle.render', () => {
  const environment = TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, RENDER_ENVIRONMENT));
  const service = TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, RENDER_SERVICE));
  const serviceSpec = 'proton: ServiceSpec\ninstances:\n  - name: one\n    environment: net-dev\n    spec: {image: nginx}\n  - name: two\n    environment: net-prod\n    spec: {image: nginx, loadbalancer_type: none}\n';

  test('renders an environment bundle for a spec, with the schema defaults', () => {
    const [file, ...rest] = environment.render({ spec: 'proton: EnvironmentSpec\nspec:\n  tier: staging\n', environmentName: 'net-dev' });
    expect(rest).toEqual([]);
    expect(file.path).toBe('infrastructure/cloudformation.yaml');
    expect(file.outputKeys).toEqual(['VpcId', 'SubnetIds', 'SubnetCount', 'Tier']);
    expect(file.content).toContain("Description: A VPC for environment net-dev\n\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: '10.0.0.0/16'\n");
    expect(file.content).toContain("  Subnet2:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref Vpc\n      CidrBlock: '10.0.16.0/20'\n      AvailabilityZone: !Select [1, !GetAZs '']\n");
    expect(file.content).not.toContain('Subnet3');
    expect(file.content).toContain("      Value: '{\"team\": \"platform\"}'\n");
    expect(file.content).toContain("      - [!Ref Subnet1, !Ref Subnet2]\n  SubnetCount:\n    Value: '2'\n  Tier:\n    Value: 'staging'\n");
  });

  test('renders every instance and the pipeline; an instance with its environment and component outputs', () => {
    expect(service.render({ spec: serviceSpec }).map((f) => [f.path, f.instanceName])).toEqual([
      ['instance_infrastructure/cloudformation.yaml', 'one'],
      ['instance_infrastructure/cloudformation.yaml', 'two'],
      ['pipeline_infrastructure/cloudformation.yaml', undefined],
    ]);
    const [two] = service.render({
      spec: serviceSpec,
      instanceName: 'two',
      serviceName: 'api',
      environmentOutputs: { VpcId: 'vpc-9', SubnetIds: 'subnet-1,subnet-2' },
      componentOutputs: { QueueUrl: 'https://sqs/q', PolicyArn: 'arn:aws:iam::111111111111:policy/queue' },
    });
    expect(two.content).toContain("      Name: 'api-two'\n      \n      Type: gateway\n      \n      Subnets: !Split [',', 'subnet-1,subnet-2']\n");
    expect(two.content).toContain('        - arn:aws:iam::aws:policy/CloudWatchLogsFullAccess\n        - "arn:aws:iam::111111111111:policy/queue"\n');
    expect(two.content).toContain('          Environment:\n            - Name: "QueueUrl"\n              Value: "https://sqs/q"\n            - Name: "PolicyArn"\n');
    expect(two.content).toContain('        Variables:\n          "QueueUrl": "https://sqs/q"\n          "PolicyArn": "arn:aws:iam::111111111111:policy/queue"\n');
    expect(two.content).toContain("  QueueUrl:\n    Value: 'https://sqs/q'\n");
  });

  test('throws with file and line, and for a spec that does not match the schema', () => {
    expect(() => service.render({ spec: serviceSpec, instanceName: 'one', environmentOutputs: { VpcId: 'vpc-9' } })).toThrow(
      `Rendering '${path.join(BUNDLES_DIR, RENDER_SERVICE)}' for instance 'one' failed:\n  instance_infrastructure/cloudformation.yaml:13: environment.outputs.SubnetIds `
      + "is undefined: environment.outputs has no 'SubnetIds' (it has: VpcId). Give it a default (| default(...)) or reference a value that exists.");
    expect(() => service.render({ spec: serviceSpec, instanceName: 'three' })).toThrow("The spec has no instance 'three' (instances: one, two).");
    expect(() => environment.render({ spec: 'proton: EnvironmentSpec\nspec:\n  tier: qa\n' })).toThrow(
      'The spec does not match the bundle\'s schema: spec.tier must be one of "dev", "staging", "prod".');
  });
});

describe('one render per distinct bundle and spec: names are stand-ins', () => {
  const MANIFEST = 'infrastructure:\n  templates:\n    - file: "cloudformation.yaml"\n      rendering_engine: jinja\n      template_language: cloudformation\n';
  const schema = (key: string, properties: string) => `schema:\n  format:\n    openapi: "3.0.0"\n  ${key}: "Input"\n  types:\n    Input:\n      type: object\n`
    + `      properties:\n${properties}`;
  const INSTANCE_TEMPLATE = 'Resources:\n  Group:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n'
    + "      GroupDescription: '{{ service.name }} {{ service_instance.name | proton_cfn_sanitize }} in {{ environment.name }}'\n"
    + "      VpcId: '{{ service_instance.inputs.vpc_id }}'\n"
    + "Outputs:\n  {{ service.name | replace('-', '') }}GroupId:\n    Value: !Ref Group\n";
  let workDir: string;
  beforeEach(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rendering-test-'));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  function bundle(name: string, files: { readonly [file: string]: string }): TemplateBundle {
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(workDir, name, file)), { recursive: true });
      fs.writeFileSync(path.join(workDir, name, file), text);
    }
    return TemplateBundle.fromDirectory(path.join(workDir, name));
  }

  /**
   * Environments with these names on one template version and the same spec, and a service
   * `svc-<environment>` with one instance `main` on each (its input a token); and a spy on the
   * renders, which happen at synth (after the bundles' own checks).
   */
  function platformOf(names: readonly string[], environmentTemplate: string) {
    const stack = new Stack(new App(), 'Platform', { env: ENV });
    const role = iam.Role.fromRoleName(stack, 'Role', 'proton-service');
    const network = new EnvironmentTemplate(stack, 'Net', { environmentTemplateName: 'net' });
    const netV1 = network.addVersion('V1', {
      bundle: bundle('env', {
        'schema/schema.yaml': schema('environment_input_type', '        tier:\n          type: string\n          default: dev\n'),
        'infrastructure/manifest.yaml': MANIFEST,
        'infrastructure/cloudformation.yaml': environmentTemplate,
      }),
    });
    const web = new ServiceTemplate(stack, 'Web', { serviceTemplateName: 'web', pipelineProvisioning: ServiceTemplatePipelineProvisioning.CUSTOMER_MANAGED });
    const webV1 = web.addVersion('V1', {
      bundle: bundle('svc', {
        'schema/schema.yaml': schema('service_input_type', '        vpc_id:\n          type: string\n      required: [vpc_id]\n'),
        'instance_infrastructure/manifest.yaml': MANIFEST,
        'instance_infrastructure/cloudformation.yaml': INSTANCE_TEMPLATE,
      }),
      compatibleEnvironmentTemplates: [{ template: network, majorVersion: netV1.majorVersion }],
    });
    const created = names.map((name) => {
      const environment = new Environment(stack, name, {
        environmentName: name,
        templateVersion: netV1,
        spec: EnvironmentSpec.fromInputs({}),
        provisioning: EnvironmentProvisioning.awsManaged({ protonServiceRole: role }),
      });
      const service = new Service(stack, `Svc-${name}`, { serviceName: `svc-${name}`, templateVersion: webV1 });
      const instance = service.addInstance('main', { environment, spec: ServiceInstanceSpec.fromInputs({ vpc_id: environment.getOutput('Tier') }) });
      return { environment, instance };
    });
    const renders = jest.spyOn(JinjaTemplate.prototype, 'render');
    /** How many times the template of this text was rendered. */
    const rendersOf = (text: string) => renders.mock.contexts.filter((template) => template === JinjaTemplate.parse(text)).length;
    return { stack, created, renders, rendersOf };
  }

  const PLAIN_ENVIRONMENT = 'Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n'
    + "      Tags:\n        - Key: Name\n          Value: '{{ environment.name | proton_cfn_sanitize }}'\n"
    + "Outputs:\n  VpcId:\n    Value: !Ref Vpc\n  Tier:\n    Value: '{{ environment.inputs.tier }}'\n";

  test('environments whose spec is the same render once; each reads the outputs of its name', () => {
    const environmentTemplate = PLAIN_ENVIRONMENT.replace('  VpcId:', "  {{ environment.name | replace('-', '') }}VpcId:");
    const { stack, created, rendersOf } = platformOf(['net-1', 'net-2', 'net-3'], environmentTemplate);
    created.forEach(({ environment }, i) => environment.getOutput(`net${i + 1}VpcId`));
    created[1].environment.getOutput('net1VpcId');
    expect(() => Template.fromStack(stack)).toThrow(
      "[Platform/net-2] Environment 'Platform/net-2': getOutput('net1VpcId'): the template's infrastructure/ rendered with this spec has no output "
      + "'net1VpcId' (outputs: net2VpcId, Tier). Read one of these, or add it to the template's Outputs.");
    expect(rendersOf(environmentTemplate)).toBe(1);
  });

  test('service instances whose spec and environment outputs are the same render once; each reads the outputs of its names', () => {
    const { stack, created, renders, rendersOf } = platformOf(['net-1', 'net-2', 'net-3'], PLAIN_ENVIRONMENT);
    created.forEach(({ instance }, i) => instance.getOutput(`svcnet${i + 1}GroupId`));
    created[2].instance.getOutput('svcnet1GroupId');
    expect(() => Template.fromStack(stack)).toThrow(
      "[Platform/Svc-net-3] Service 'Platform/Svc-net-3', instance 'main': getOutput('svcnet1GroupId'): the template's instance_infrastructure/ rendered with "
      + "this spec has no output 'svcnet1GroupId' (outputs: svcnet3GroupId). Read one of these, or add it to the template's Outputs.");
    expect(rendersOf(PLAIN_ENVIRONMENT)).toBe(1);
    expect(rendersOf(INSTANCE_TEMPLATE)).toBe(1);
    expect(renders).toHaveBeenCalledTimes(2);
  });

  test('a template that decides on a name renders for each name, with the result of that name', () => {
    const environmentTemplate = "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n{% if environment.name == 'prod' %}\n  Alarm:\n    Type: AWS::CloudWatch::Alarm\n"
      + "{% endif %}\nOutputs:\n  VpcId:\n    Value: !Ref Vpc\n  Tier:\n    Value: '{{ environment.inputs.tier }}'\n"
      + "{% if environment.name == 'prod' %}\n  AlarmArn:\n    Value: !GetAtt Alarm.Arn\n{% endif %}\n";
    const { stack, created, rendersOf } = platformOf(['dev', 'prod', 'test'], environmentTemplate);
    created.forEach(({ environment }) => environment.getOutput('AlarmArn'));
    expect(() => Template.fromStack(stack)).toThrow([
      "[Platform/dev] Environment 'Platform/dev': getOutput('AlarmArn'): the template's infrastructure/ rendered with this spec has no output "
      + "'AlarmArn' (outputs: VpcId, Tier). Read one of these, or add it to the template's Outputs.",
      "[Platform/test] Environment 'Platform/test': getOutput('AlarmArn'): the template's infrastructure/ rendered with this spec has no output "
      + "'AlarmArn' (outputs: VpcId, Tier). Read one of these, or add it to the template's Outputs.",
    ].join('\n  '));
    // The render with stand-ins stops at the decision; then one render per name.
    expect(rendersOf(environmentTemplate)).toBe(4);
  });
});
