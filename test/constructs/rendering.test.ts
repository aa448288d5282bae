/**
 * Rendering at synth: the corpus (test/fixtures/bundles/render) in an app — an environment, a
 * service with instances and a pipeline, a component — renders with each spec; broken bundles fail
 * with `file:line`, in the bundle alone or once rendered with a spec; TemplateBundle.render previews.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  Component, ComponentInfrastructure, ComponentSource, Environment, EnvironmentProvisioning, EnvironmentSpec,
  EnvironmentTemplate, Service, ServiceInstanceSpec, ServicePipelineSpec, ServiceTemplate, TemplateBundle,
} from '../../src';
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
