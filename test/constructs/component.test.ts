import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, RemovalPolicy, Stack, Stage, Tags } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  Component, ComponentInfrastructure, ComponentProps, ComponentSource, ComponentTemplateLanguage, Environment,
  EnvironmentAccountConnection, EnvironmentProvisioning, EnvironmentTemplate, IService, IServiceInstance, Service,
  ServiceInstance, ServiceInstanceSpec, ServiceTemplate, TemplateBundle,
} from '../../src';
import { BUNDLES_DIR } from '../fixtures/bundles/corpus';

const ENV = { account: '123456789012', region: 'us-east-1' };
const TYPE = 'Custom::ProtonComponent';

const CFN_TEMPLATE = [
  'Resources:',
  '  Queue:',
  '    Type: AWS::SQS::Queue',
  '    Properties:',
  // Renders for a standalone component too (no service_instance): Proton fails a render that prints an undefined value.
  "      QueueName: '{{ component.name }}-{{ service_instance.inputs.message | default(\"standalone\") }}'",
  'Outputs:',
  '  QueueUrl:',
  '    Value: !Ref Queue',
  '  QueueArn:',
  '    Value: !GetAtt Queue.Arn',
  '',
].join('\n');
const CFN_MANIFEST = 'infrastructure:\n  templates:\n    - file: cloudformation.yaml\n      rendering_engine: jinja\n      template_language: cloudformation\n';
const TF_TEMPLATE = 'resource "aws_sqs_queue" "q" {\n  name = var.service_instance.inputs.message\n}\n\noutput "queue_url" {\n  value = aws_sqs_queue.q.url\n}\n';
const TF_MANIFEST = 'infrastructure:\n  templates:\n    - file: main.tf\n      rendering_engine: hcl\n      template_language: terraform\n';

const cfn = () => ComponentInfrastructure.fromString(CFN_TEMPLATE, ComponentTemplateLanguage.CLOUDFORMATION);

/**
 * A stack with environment `dev` (with a component role), `bare` (without), and service `web` (instance `main` in `dev`) on a
 * version supporting components.
 */
function setup(options: { supportedComponentSources?: ComponentSource[] } = { supportedComponentSources: [ComponentSource.DIRECTLY_DEFINED] }) {
  const stack = new Stack(new App(), 'TestStack', { env: ENV });
  const envTemplate = EnvironmentTemplate.fromEnvironmentTemplateName(stack, 'EnvTemplate', 'web-env');
  const componentRole = iam.Role.fromRoleName(stack, 'ComponentRole', 'proton-components');
  const provisioning = EnvironmentProvisioning.customerManaged();
  const dev = new Environment(stack, 'Dev', { environmentName: 'dev', template: envTemplate, templateMajorVersion: '1', provisioning, componentRole });
  const bare = new Environment(stack, 'Bare', { environmentName: 'bare', template: envTemplate, templateMajorVersion: '1', provisioning });
  const version = new ServiceTemplate(stack, 'SvcTemplate', { serviceTemplateName: 'web-svc' }).addVersion('V1', {
    bundle: TemplateBundle.fromDirectory(path.join(BUNDLES_DIR, 'svc-with-pipeline')),
    compatibleEnvironmentTemplates: [{ template: envTemplate, majorVersion: '1' }],
    supportedComponentSources: options.supportedComponentSources,
  });
  const service = new Service(stack, 'Web', { serviceName: 'web', templateVersion: version, instances: [{ name: 'main', environment: dev, spec: ServiceInstanceSpec.fromInputs({ message: 'main' }) }] });
  return { stack, dev, bare, service, version };
}

function component(stack: Stack): any {
  const resources = Object.values(Template.fromStack(stack).findResources(TYPE));
  expect(resources).toHaveLength(1);
  return resources[0];
}

/** The handler role's statements that name `resource` (a Proton ARN suffix in the stack's account and region). */
function statementsOn(stack: Stack, suffix: string): Array<{ Action: string[] | string }> {
  const arn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:proton:us-east-1:123456789012:${suffix}`]] };
  return Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
    .filter((s: any) => [s.Resource].flat().some((r: unknown) => JSON.stringify(r) === JSON.stringify(arn)));
}

const getAtt = (prefix: string, attribute: string) => ({ 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${prefix}`)), attribute] });

let instanceRefs = 0;
/** Instance `name` of `service`, as a component is attached to it (imported by name: it may be declared later). */
function instanceOf(service: IService, name: string): IServiceInstance {
  return ServiceInstance.fromServiceInstanceName(Stack.of(service), `InstanceRef${instanceRefs++}`, service, name);
}

describe('Component', () => {
  test('a standalone component names its environment and depends on it', () => {
    const { stack, dev } = setup();
    new Component(stack, 'Queue', { componentName: 'queue', infrastructure: cfn(), environment: dev, description: 'A queue' });
    const resource = component(stack);
    expect(resource.Properties).toEqual({
      ServiceToken: expect.anything(),
      ServiceTimeout: '3000',
      Name: 'queue',
      EnvironmentName: getAtt('Dev', 'Name'),
      Manifest: CFN_MANIFEST,
      TemplateFile: CFN_TEMPLATE,
      Description: 'A queue',
    });
    expect(resource.DependsOn).toEqual([expect.stringMatching(/^Dev/)]);
    expect(resource.DeletionPolicy).toBe('Delete');
    expect(statementsOn(stack, 'component/queue')).toEqual([expect.objectContaining({
      Effect: 'Allow',
      Action: [
        'proton:CancelComponentDeployment', 'proton:CreateComponent', 'proton:DeleteComponent', 'proton:GetComponent', 'proton:ListComponentOutputs',
        'proton:ListTagsForResource', 'proton:TagResource', 'proton:UntagResource', 'proton:UpdateComponent',
      ],
    })]);
  });

  test('an attached component names its service instance, takes the instance\'s inputs (declared later) and depends on the service', () => {
    const { stack, dev, service } = setup();
    const queue = new Component(stack, 'Queue', { componentName: 'queue', infrastructure: cfn(), serviceInstance: instanceOf(service, 'dev') });
    service.addInstance('dev', { environment: dev, spec: ServiceInstanceSpec.fromInputs({ message: 'hello' }) });
    const resource = component(stack);
    expect(resource.Properties).toEqual({
      ServiceToken: expect.anything(),
      ServiceTimeout: '3000',
      Name: 'queue',
      ServiceName: getAtt('Web', 'Name'),
      ServiceInstanceName: 'dev',
      Manifest: CFN_MANIFEST,
      TemplateFile: CFN_TEMPLATE,
      ServiceInstanceInputs: '{"message":"hello"}',
    });
    expect(resource.DependsOn).toEqual([expect.stringMatching(/^Web/)]);
    // The instance is the stack's own Service's: the handler reads it as the stack's resource (ownership tag), no statement names it.
    expect(statementsOn(stack, 'service/web/service-instance/dev')).toEqual([]);
    expect(queue.node.validate()).toEqual([]);
    expect(stack.resolve(queue.componentEnvironmentName)).toEqual(getAtt('Queue', 'EnvironmentName'));
    expect(stack.resolve(queue.componentName)).toEqual(getAtt('Queue', 'Name'));
    expect(stack.resolve(queue.componentArn)).toEqual(getAtt('Queue', 'Arn'));
  });

  test('explicit inputs (tokens included) are rendered as a JSON object text and override the instance\'s', () => {
    const { stack, dev, service } = setup();
    service.addInstance('dev', { environment: dev, spec: ServiceInstanceSpec.fromInputs({ message: 'hello' }) });
    new Component(stack, 'Queue', {
      componentName: 'queue', infrastructure: cfn(), serviceInstance: instanceOf(service, 'dev'), serviceInstanceSpec: ServiceInstanceSpec.fromInputs({ message: dev.getOutput('Greeting') }),
    });
    expect(component(stack).Properties.ServiceInstanceInputs).toEqual({
      'Fn::Join': ['', ['{"message":"', getAtt('Dev', 'Output.Greeting'), '"}']],
    });
  });

  test('attached to an imported service: no inputs unless given, not checked against a schema, and the instance ARN uses the imported name', () => {
    const { stack } = setup();
    const imported = Service.fromServiceName(stack, 'Imported', 'legacy');
    new Component(stack, 'A', { componentName: 'a', infrastructure: cfn(), serviceInstance: instanceOf(imported, 'prod') });
    new Component(stack, 'B', { componentName: 'b', infrastructure: cfn(), serviceInstance: instanceOf(imported, 'qa'), serviceInstanceSpec: ServiceInstanceSpec.fromInputs({ anything: 1 }) });
    const [a, b] = Object.values(Template.fromStack(stack).findResources(TYPE));
    expect(a.Properties).toMatchObject({ ServiceName: 'legacy', ServiceInstanceName: 'prod' });
    expect(a.Properties.ServiceInstanceInputs).toBeUndefined();
    expect(b.Properties.ServiceInstanceInputs).toBe('{"anything":1}');
    expect(statementsOn(stack, 'service/legacy/service-instance/prod')).toHaveLength(1);
  });

  test('a generated name is a valid Proton name that changes with the manifest and the environment, not with the IaC file', () => {
    const nameOf = (infrastructure: ComponentInfrastructure, where: 'dev' | 'other') => {
      const { stack, dev } = setup();
      const environment = where === 'dev' ? dev : Environment.fromEnvironmentName(stack, 'Other', 'other');
      new Component(stack, 'Queue', { infrastructure, environment });
      return component(stack).Properties.Name;
    };
    const base = nameOf(cfn(), 'dev');
    expect(base).toMatch(/^TestStack-Queue-[0-9A-F]{8}-[0-9a-f]{8}$/);
    expect(nameOf(ComponentInfrastructure.fromString('Resources:\n  Topic: {Type: AWS::SNS::Topic}\n', ComponentTemplateLanguage.CLOUDFORMATION), 'dev')).toBe(base);
    expect(nameOf(ComponentInfrastructure.fromString(TF_TEMPLATE, ComponentTemplateLanguage.TERRAFORM), 'dev')).not.toBe(base);
    expect(nameOf(cfn(), 'other')).not.toBe(base);
  });

  test('a generated name stays when the component is attached to an instance of its environment (attach and detach update in place)', () => {
    const nameOf = (attached: boolean) => {
      const { stack, dev, service } = setup();
      const placement = attached ? { serviceInstance: instanceOf(service, 'dev') } : { environment: dev };
      new Component(stack, 'Queue', { infrastructure: cfn(), ...placement });
      // Declared after the component: the generated name waits for the instance's environment.
      service.addInstance('dev', { environment: dev, spec: ServiceInstanceSpec.fromInputs({ message: 'hello' }) });
      return component(stack).Properties.Name;
    };
    expect(nameOf(true)).toBe(nameOf(false));
  });

  test('tags from the TagManager and Tags.of travel as a map; reserved prefixes are refused at synth', () => {
    const { stack, dev } = setup();
    const queue = new Component(stack, 'Queue', { componentName: 'queue', infrastructure: cfn(), environment: dev });
    Tags.of(queue).add('team', 'payments');
    queue.tags.setTag('cost-center', '42');
    expect(component(stack).Properties.Tags).toEqual({ 'cost-center': '42', 'team': 'payments' });
    queue.tags.setTag('cdk-proton:owner', 'me');
    expect(queue.node.validate()).toEqual([
      "Tag key(s) cdk-proton:owner of component 'TestStack/Queue' use a reserved prefix (aws:, cdk-proton:): AWS and cdk-proton's ownership tags use them. Rename these tags.",
    ]);
  });

  test('outputs are tokens; only the requested ones are asked for, sorted', () => {
    const { stack, dev } = setup();
    const queue = new Component(stack, 'Queue', { componentName: 'queue', infrastructure: cfn(), environment: dev });
    const url = queue.getOutput('QueueUrl');
    queue.getOutput('QueueArn');
    expect(stack.resolve(url)).toEqual(getAtt('Queue', 'Output.QueueUrl'));
    expect(component(stack).Properties.Outputs).toEqual(['QueueArn', 'QueueUrl']);
  });

  test('the removal policy applies to the custom resource', () => {
    const { stack, dev } = setup();
    new Component(stack, 'Queue', { componentName: 'queue', infrastructure: cfn(), environment: dev, removalPolicy: RemovalPolicy.RETAIN });
    expect(component(stack)).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  describe('getOutput', () => {
    test('throws when the CloudFormation template declares no such output, naming the declared ones', () => {
      const { stack, dev } = setup();
      const queue = new Component(stack, 'Queue', { infrastructure: cfn(), environment: dev });
      expect(() => queue.getOutput('QueueName')).toThrow("Component 'TestStack/Queue': getOutput('QueueName'): the component's cloudformation file declares no output "
        + "'QueueName' (outputs: QueueUrl, QueueArn). Read one of these, or declare it in the template's Outputs section.");
    });

    test('knows the output blocks of a Terraform configuration', () => {
      const { stack, dev } = setup();
      const queue = new Component(stack, 'Queue', { infrastructure: ComponentInfrastructure.fromString(TF_TEMPLATE, ComponentTemplateLanguage.TERRAFORM), environment: dev });
      expect(stack.resolve(queue.getOutput('queue_url'))).toEqual(getAtt('Queue', 'Output.queue_url'));
      expect(() => queue.getOutput('QueueUrl')).toThrow(/declares no output 'QueueUrl' \(outputs: queue_url\)/);
    });

    test('throws when the Terraform configuration has no such output block', () => {
      const { stack, dev } = setup();
      const queue = new Component(stack, 'Queue', {
        infrastructure: ComponentInfrastructure.fromString('resource "aws_sqs_queue" "q" {}\n', ComponentTemplateLanguage.TERRAFORM), environment: dev,
      });
      expect(() => queue.getOutput('queue_url')).toThrow("Component 'TestStack/Queue': getOutput('queue_url'): the component's terraform file declares no output "
        + "'queue_url' (outputs: none). Read one of these, or declare it in an output \"<name>\" block.");
    });

    test('accepts any name when Jinja statements may generate outputs; the render at synth checks it', () => {
      const { stack } = setup();
      const looped = 'Resources:\n  Q: {Type: AWS::SQS::Queue}\nOutputs:\n{% for q in service_instance.inputs.queues %}\n  {{ q }}Url:\n    Value: x\n{% endfor %}\n';
      const infrastructure = ComponentInfrastructure.fromString(looped, ComponentTemplateLanguage.CLOUDFORMATION);
      const legacy = Service.fromServiceName(stack, 'Legacy', 'legacy');
      const queue = new Component(stack, 'Queue', { infrastructure, serviceInstance: instanceOf(legacy, 'one'), serviceInstanceSpec: ServiceInstanceSpec.fromInputs({ queues: ['orders'] }) });
      expect(stack.resolve(queue.getOutput('ordersUrl'))).toEqual(getAtt('Queue', 'Output.ordersUrl'));
      const other = new Component(stack, 'Other', { infrastructure, serviceInstance: instanceOf(legacy, 'two'), serviceInstanceSpec: ServiceInstanceSpec.fromInputs({ queues: ['jobs'] }) });
      other.getOutput('ordersUrl');
      expect(() => Template.fromStack(stack)).toThrow("[TestStack/Other] Component 'TestStack/Other': getOutput('ordersUrl'): the template's IaC file rendered "
        + "with this spec has no output 'ordersUrl' (outputs: jobsUrl). Read one of these, or add it to the template's Outputs.");
    });

    test('throws when the key is not a literal output name', () => {
      const { stack, dev } = setup();
      const queue = new Component(stack, 'Queue', { infrastructure: cfn(), environment: dev });
      expect(() => queue.getOutput('a b')).toThrow("getOutput: 'a b' is not an output name: give the literal name of an output of the component's IaC file (letters, digits, '_', '.', '-'), e.g. 'QueueUrl'.");
    });
  });

  describe('throws when', () => {
    const cases: Array<[string, (s: ReturnType<typeof setup>) => Partial<ComponentProps>, string]> = [
      ['neither environment nor serviceInstance is given', () => ({}),
        "Component 'TestStack/Queue': give environment (a standalone component) or serviceInstance (a component attached to a service instance)."],
      ['both environment and serviceInstance are given', ({ dev, service }) => ({ environment: dev, serviceInstance: instanceOf(service, 'dev') }),
        "Component 'TestStack/Queue': give either environment (a standalone component) or serviceInstance (an attached component), not both: "
        + "an attached component runs in its instance's environment. Remove environment."],
      ['a standalone component has serviceInstanceSpec', ({ dev }) => ({ environment: dev, serviceInstanceSpec: ServiceInstanceSpec.fromInputs({ message: 'm' }) }),
        "Component 'TestStack/Queue': serviceInstanceSpec applies only to a component attached to a service instance (serviceInstance); "
        + 'a standalone component has none. Remove serviceInstanceSpec.'],
      ['the standalone environment has no component role', ({ bare }) => ({ environment: bare }),
        "Component 'TestStack/Queue': environment 'TestStack/Bare' has no component role, so Proton cannot provision directly defined components in it. "
        + 'Give that Environment a componentRole (the componentRole prop): the role Proton provisions components with.'],
      ['serviceInstanceSpec does not match the schema', ({ service }) => ({ serviceInstance: instanceOf(service, 'dev'), serviceInstanceSpec: ServiceInstanceSpec.fromInputs({ message: '', port: 80 }) }),
        "Component 'TestStack/Queue': serviceInstanceSpec does not match the service template version's schema: "
        + 'serviceInstanceSpec.port is not an input of SvcInput (inputs: message); serviceInstanceSpec.message must be at least 1 characters long. Fix these inputs.'],
      ['componentName is not a Proton name', ({ dev }) => ({ environment: dev, componentName: 'my queue' }),
        "componentName 'my queue' is not a valid Proton name: it must be 1 to 100 characters, start with a letter or digit and contain only letters, digits, \"_\" and \"-\" "
        + "(pattern ^[0-9A-Za-z]+[0-9A-Za-z_\\-]*$). Rename it, e.g. 'my-queue'."],
      ['the instance name is not a Proton name', ({ service }) => ({ serviceInstance: instanceOf(service, '-dev') }),
        "serviceInstanceName '-dev' is not a valid Proton name: it must be 1 to 100 characters, start with a letter or digit and contain only letters, digits, \"_\" and \"-\" "
        + "(pattern ^[0-9A-Za-z]+[0-9A-Za-z_\\-]*$). Rename it, e.g. 'dev'."],
      ['the description is too long', ({ dev }) => ({ environment: dev, description: 'd'.repeat(501) }),
        'description must be 0 to 500 characters long, got 501 characters. Shorten it to 500 characters.'],
    ];
    test.each(cases)('%s', (_label, props, message) => {
      const s = setup();
      expect(() => new Component(s.stack, 'Queue', { infrastructure: cfn(), ...props(s) })).toThrow(message);
    });

    test('the service template version does not support directly defined components', () => {
      const { stack, service } = setup({});
      expect(() => new Component(stack, 'Queue', { infrastructure: cfn(), serviceInstance: instanceOf(service, 'dev') })).toThrow(
        "Component 'TestStack/Queue': service 'TestStack/Web' runs service template version 'TestStack/SvcTemplate/V1', whose supportedComponentSources "
        + 'do not include DIRECTLY_DEFINED, so Proton refuses components attached to its instances. '
        + 'Add supportedComponentSources: [ComponentSource.DIRECTLY_DEFINED] to that version.');
    });
  });

  describe('at synth, an attachment to a Service of the app fails when', () => {
    test('the service declares no such instance', () => {
      const { stack, service } = setup();
      const queue = new Component(stack, 'Queue', { infrastructure: cfn(), serviceInstance: instanceOf(service, 'dev') });
      expect(queue.node.validate()).toEqual([
        "Component 'TestStack/Queue': service 'TestStack/Web' declares no instance 'dev' (instances: main). Attach the component to one of them, "
        + "or declare the instance with addInstance('dev', { environment }).",
      ]);
      expect(() => Template.fromStack(stack)).toThrow(/declares no instance 'dev'/);
    });

    test("the instance's environment has no component role", () => {
      const { stack, bare, service } = setup();
      service.addInstance('dev', { environment: bare, spec: ServiceInstanceSpec.fromInputs({ message: 'm' }) });
      const queue = new Component(stack, 'Queue', { infrastructure: cfn(), serviceInstance: instanceOf(service, 'dev') });
      expect(queue.node.validate()).toEqual([
        "Component 'TestStack/Queue': it is attached to instance 'dev', whose environment 'TestStack/Bare' has no component role, "
        + 'so Proton cannot provision directly defined components in it. Give that Environment a componentRole (the componentRole prop): the role Proton provisions components with.',
      ]);
    });
  });

  test('a cross-account environment is not checked for a component role: its connection provides it', () => {
    const { stack } = setup();
    const role = iam.Role.fromRoleName(stack, 'Role', 'r');
    const connection = new EnvironmentAccountConnection(stack, 'Connection', { managementAccountId: '210987654321', environmentName: 'remote', role });
    const remote = new Environment(stack, 'Remote', {
      environmentName: 'remote',
      template: EnvironmentTemplate.fromEnvironmentTemplateName(stack, 'T', 'web-env'),
      templateMajorVersion: '1',
      provisioning: EnvironmentProvisioning.crossAccount({ connection }),
    });
    expect(() => new Component(stack, 'Queue', { infrastructure: cfn(), environment: remote })).not.toThrow();
  });

  describe('imports', () => {
    test('fromComponentName builds the ARN in the stack\'s account and region', () => {
      const { stack } = setup();
      const imported = Component.fromComponentName(stack, 'I', 'queue');
      expect(imported.componentName).toBe('queue');
      expect(stack.resolve(imported.componentArn)).toEqual({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':proton:us-east-1:123456789012:component/queue']],
      });
      expect(() => Component.fromComponentName(stack, 'Bad', 'a/b')).toThrow(/componentName 'a\/b' is not a valid Proton name/);
    });

    test('fromComponentArn reads the name and keeps the ARN', () => {
      const { stack } = setup();
      const arn = 'arn:aws:proton:eu-west-1:111122223333:component/queue';
      const imported = Component.fromComponentArn(stack, 'I', arn);
      expect(imported.componentName).toBe('queue');
      expect(imported.componentArn).toBe(arn);
      expect(imported.env).toEqual({ account: '111122223333', region: 'eu-west-1' });
    });

    test('fromComponentArn accepts a token and throws for an ARN of something else', () => {
      const { stack, dev } = setup();
      const fromToken = Component.fromComponentArn(stack, 'T', dev.getOutput('ComponentArn'));
      expect(stack.resolve(fromToken.componentName)).toEqual({
        'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::Select': [5, { 'Fn::Split': [':', getAtt('Dev', 'Output.ComponentArn')] }] }] }],
      });
      expect(() => Component.fromComponentArn(stack, 'E', 'arn:aws:proton:us-east-1:123456789012:environment/dev')).toThrow(
        "componentArn 'arn:aws:proton:us-east-1:123456789012:environment/dev' is not a component ARN: expected arn:<partition>:proton:<region>:<account>:component/<name>.");
      expect(() => Component.fromComponentArn(stack, 'S', 'arn:aws:proton:us-east-1:123456789012:component/a/b')).toThrow(/is not a component ARN/);
    });
  });
});

describe('ComponentInfrastructure', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'component-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, body: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, body);
    return file;
  };

  test.each([
    ['queue.yaml', CFN_TEMPLATE, CFN_MANIFEST, ComponentTemplateLanguage.CLOUDFORMATION],
    ['queue.YML', CFN_TEMPLATE, CFN_MANIFEST, ComponentTemplateLanguage.CLOUDFORMATION],
    ['queue.json', '{"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}', CFN_MANIFEST, ComponentTemplateLanguage.CLOUDFORMATION],
    ['queue.tf', TF_TEMPLATE, TF_MANIFEST, ComponentTemplateLanguage.TERRAFORM],
  ])('fromFile(%s) reads the file and tells its language from the extension', (name, body, manifest, language) => {
    const infrastructure = ComponentInfrastructure.fromFile(write(name, body));
    expect(infrastructure).toMatchObject({ templateFile: body, manifest, language });
  });

  test('fromFile takes the language when the extension does not tell it', () => {
    const file = write('queue.hcl', TF_TEMPLATE);
    expect(() => ComponentInfrastructure.fromFile(file)).toThrow(
      `ComponentInfrastructure.fromFile('${file}'): cannot tell the template language from the extension '.hcl' (known: .yaml, .yml, .json, .tf). `
      + 'Pass language, e.g. ComponentTemplateLanguage.TERRAFORM.');
    expect(ComponentInfrastructure.fromFile(file, ComponentTemplateLanguage.TERRAFORM).manifest).toBe(TF_MANIFEST);
  });

  test('fromFile throws when the file cannot be read', () => {
    const file = path.join(dir, 'missing.yaml');
    expect(() => ComponentInfrastructure.fromFile(file)).toThrow(
      `ComponentInfrastructure.fromFile('${file}'): cannot read the file: ENOENT: no such file or directory, open '${file}'. Give the path of the component's IaC file.`);
  });

  test.each([
    ['the file is empty', ' \n', ComponentTemplateLanguage.TERRAFORM,
      'ComponentInfrastructure.fromString: the terraform file is empty. Give the component\'s infrastructure (at least one resource).'],
    ['the file is longer than Proton accepts', `# ${'x'.repeat(51_199)}`, ComponentTemplateLanguage.TERRAFORM,
      'ComponentInfrastructure.fromString: the terraform file has 51201 characters; Proton accepts at most 51200. '
      + 'Shorten it, or move shared infrastructure into the environment or service templates.'],
    ['the CloudFormation template is not YAML', 'Resources:\n  Queue: [\n', ComponentTemplateLanguage.CLOUDFORMATION,
      'ComponentInfrastructure.fromString: the CloudFormation template is not valid YAML: Flow sequence in block collection must be sufficiently indented '
      + "and end with a ] (line 3, column 1). Fix the template (Jinja markup such as '{{ service_instance.inputs.name }}' is allowed)."],
  ])('fromString throws when %s', (_label, body, language, message) => {
    expect(() => ComponentInfrastructure.fromString(body, language)).toThrow(message);
  });

  test('fromString throws for a language that is not a ComponentTemplateLanguage', () => {
    expect(() => ComponentInfrastructure.fromString(TF_TEMPLATE, 'hcl' as ComponentTemplateLanguage)).toThrow(
      "ComponentInfrastructure.fromString: unknown language 'hcl'. Give ComponentTemplateLanguage.CLOUDFORMATION or ComponentTemplateLanguage.TERRAFORM.");
  });

  test('a CloudFormation template with unquoted Jinja is accepted, and exactly 51,200 characters is within the limit', () => {
    expect(ComponentInfrastructure.fromString('Resources:\n  Queue:\n    Type: {{ service_instance.inputs.type }}\n', ComponentTemplateLanguage.CLOUDFORMATION).templateFile)
      .toContain('{{');
    expect(() => ComponentInfrastructure.fromString(`# ${'x'.repeat(51_198)}`, ComponentTemplateLanguage.TERRAFORM)).not.toThrow();
  });
});

describe('Component attached to an instance declared by a ServiceInstance of the app', () => {
  const INSTANCE_TYPE = 'Custom::ProtonServiceInstance';

  /** An environment `prod` and two separate imports of service `api`, in `stack`. */
  function imports(stack: Stack) {
    return {
      environment: Environment.fromEnvironmentName(stack, 'Prod', 'prod'),
      api: Service.fromServiceName(stack, 'Api', 'api'),
      apiAgain: Service.fromServiceName(stack, 'ApiAgain', 'api'),
    };
  }

  /** The logical ids of the stack's ServiceInstance resources. */
  function instanceIds(stack: Stack): string[] {
    return Object.keys(Template.fromStack(stack).findResources(INSTANCE_TYPE));
  }

  test('depends on a ServiceInstance declared before it', () => {
    const stack = new Stack(new App(), 'TestStack', { env: ENV });
    const { environment, api } = imports(stack);
    new ServiceInstance(stack, 'Extra', { service: api, environment, serviceInstanceName: 'extra' });
    new Component(stack, 'Queue', { componentName: 'queue', infrastructure: cfn(), serviceInstance: instanceOf(api, 'extra') });
    const [extra] = instanceIds(stack);
    expect(extra).toMatch(/^Extra/);
    expect(component(stack).DependsOn).toContain(extra);
  });

  test('depends on a ServiceInstance declared after it, through another import of the same service', () => {
    const stack = new Stack(new App(), 'TestStack', { env: ENV });
    const { environment, api, apiAgain } = imports(stack);
    new Component(stack, 'Queue', { componentName: 'queue', infrastructure: cfn(), serviceInstance: instanceOf(api, 'extra') });
    new ServiceInstance(stack, 'Extra', { service: apiAgain, environment, serviceInstanceName: 'extra' });
    const [extra] = instanceIds(stack);
    expect(component(stack).DependsOn).toContain(extra);
  });

  test('attached through an import of a service the app declares with Service: depends on that Service (its instances are its resource)', () => {
    const { stack } = setup();
    const imported = Service.fromServiceName(stack, 'WebRef', 'web');
    new Component(stack, 'Queue', { componentName: 'queue', infrastructure: cfn(), serviceInstance: instanceOf(imported, 'main') });
    // (Besides the removal policy of the handler's statement on the instance, which the import names.)
    expect(component(stack).DependsOn).toEqual([expect.stringMatching(/^cdkprotonProtonProviderRemovalPolicy/), expect.stringMatching(/^Web[0-9A-F]{8}$/)]);
    // Another instance name of that service: nothing to order after.
    const other = setup();
    new Component(other.stack, 'Queue', {
      componentName: 'queue', infrastructure: cfn(), serviceInstance: instanceOf(Service.fromServiceName(other.stack, 'WebRef', 'web'), 'absent'),
    });
    expect(component(other.stack).DependsOn).toEqual([expect.stringMatching(/^cdkprotonProtonProviderRemovalPolicy/)]);
  });

  test('depends on no other instance: another name, another service, the same service name in another account', () => {
    const app = new App();
    const stack = new Stack(app, 'TestStack', { env: ENV });
    const { environment, api } = imports(stack);
    new Component(stack, 'Queue', { componentName: 'queue', infrastructure: cfn(), serviceInstance: instanceOf(api, 'extra') });
    new ServiceInstance(stack, 'Other', { service: api, environment, serviceInstanceName: 'other' });
    new ServiceInstance(stack, 'Worker', { service: Service.fromServiceName(stack, 'WorkerService', 'worker'), environment, serviceInstanceName: 'extra' });
    const elsewhere = new Stack(app, 'Elsewhere', { env: { account: '210987654321', region: 'us-east-1' } });
    const remote = imports(elsewhere);
    new ServiceInstance(elsewhere, 'Extra', { service: remote.api, environment: remote.environment, serviceInstanceName: 'extra' });

    expect(instanceIds(stack)).toHaveLength(2);
    const dependsOn: string[] = component(stack).DependsOn ?? [];
    for (const id of instanceIds(stack)) {
      expect(dependsOn).not.toContain(id);
    }
    expect(app.synth().getStackByName('TestStack').dependencies.map((d) => d.id)).not.toContain('Elsewhere');
  });

  test("in another stack of the app: the component's stack depends on the instance's stack", () => {
    const app = new App();
    const instances = new Stack(app, 'Instances', { env: ENV });
    const components = new Stack(app, 'Components', { env: ENV });
    const { environment, api } = imports(instances);
    new Component(components, 'Queue', {
      componentName: 'queue', infrastructure: cfn(), serviceInstance: instanceOf(Service.fromServiceName(components, 'Api', 'api'), 'extra'),
    });
    new ServiceInstance(instances, 'Extra', { service: api, environment, serviceInstanceName: 'extra' });

    const assembly = app.synth();
    expect(assembly.getStackByName('Components').dependencies.map((d) => d.id)).toContain('Instances');
    expect(assembly.getStackByName('Instances').dependencies.map((d) => d.id)).not.toContain('Components');
    // A dependency across stacks is the stacks', not a DependsOn in the component's template.
    expect(component(components).DependsOn ?? []).not.toContainEqual(expect.stringMatching(/^Extra/));
  });

  test('in another stage (a separate cloud assembly): no dependency, which could not cross the stage', () => {
    const app = new App();
    const instances = new Stack(new Stage(app, 'Base'), 'Instances', { env: ENV });
    const components = new Stack(new Stage(app, 'Apps'), 'Components', { env: ENV });
    const { environment, api } = imports(instances);
    new ServiceInstance(instances, 'Extra', { service: api, environment, serviceInstanceName: 'extra' });
    new Component(components, 'Queue', {
      componentName: 'queue', infrastructure: cfn(), serviceInstance: instanceOf(Service.fromServiceName(components, 'Api', 'api'), 'extra'),
    });
    expect(components.dependencies).toEqual([]);
    expect(() => Template.fromStack(components)).not.toThrow();
  });
});
