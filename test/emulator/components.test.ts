import {
  CancelComponentDeploymentCommand, CreateComponentCommand, CreateServiceCommand, DeleteComponentCommand, DeleteEnvironmentCommand,
  DeleteServiceCommand, GetComponentCommand, ListComponentOutputsCommand, ListComponentProvisionedResourcesCommand, ListComponentsCommand,
  UpdateComponentCommand, UpdateServiceCommand, UpdateServiceInstanceCommand, waitUntilComponentDeleted,
  waitUntilComponentDeployed,
} from '@aws-sdk/client-proton';
import {
  advanceClockAfterEachCall, COMPONENT_ROLE_ARN, deployEnvironment, DURATIONS, FAST_WAITER,
  publishServiceTemplate, serviceSpec, deploymentEmulatorPerTest,
} from './deployment-fixtures';
import { CFN_MANIFEST, protonClient } from './helpers';

/** Unquoted Jinja on purpose: Proton renders it before CloudFormation parses the YAML. */
const TEMPLATE = `Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: {{ component.name }}-queue
Outputs:
  QueueUrl:
    Value: !Ref Queue
  QueueArn:
    Value: !GetAtt Queue.Arn
`;
const TERRAFORM_MANIFEST = CFN_MANIFEST.replace('cloudformation.yaml', 'main.tf').replace('jinja', 'hcl').replace('cloudformation', 'terraform');
const API_SPEC = serviceSpec([{ name: 'one', environment: 'dev' }, { name: 'two', environment: 'dev' }]);

const fx = deploymentEmulatorPerTest();

beforeEach(async () => {
  await publishServiceTemplate(fx.proton, fx.emu, 'web', 'base', { components: true });
  await publishServiceTemplate(fx.proton, fx.emu, 'plain', 'base');
  await deployEnvironment(fx.proton, fx.emu, 'dev', 'base', { componentRoleArn: COMPONENT_ROLE_ARN });
  await deployEnvironment(fx.proton, fx.emu, 'bare', 'base');
  await fx.proton.send(new CreateServiceCommand({ name: 'api', templateName: 'web', templateMajorVersion: '1', spec: API_SPEC }));
  await fx.proton.send(new CreateServiceCommand({ name: 'legacy', templateName: 'plain', templateMajorVersion: '1', spec: serviceSpec([{ name: 'one', environment: 'dev' }]) }));
  fx.emu.control.advance(DURATIONS.deploymentMs + DURATIONS.serviceMs);
});

const attached = (overrides: Record<string, unknown> = {}) => fx.proton.send(new CreateComponentCommand({
  name: 'queue', manifest: CFN_MANIFEST, templateFile: TEMPLATE, serviceName: 'api', serviceInstanceName: 'one', serviceSpec: API_SPEC, ...overrides,
}));
const detached = (overrides: Record<string, unknown> = {}) => fx.proton.send(new CreateComponentCommand({
  name: 'shared', manifest: CFN_MANIFEST, templateFile: TEMPLATE, environmentName: 'dev', ...overrides,
}));
const get = async (name = 'queue') => (await fx.proton.send(new GetComponentCommand({ name }))).component!;
const update = (input: Record<string, unknown>) =>
  fx.proton.send(new UpdateComponentCommand({ name: 'queue', deploymentType: 'CURRENT_VERSION', ...input }));

describe('create', () => {
  test('an attached component takes its environment from the instance and deploys; ComponentDeployed waits for it', async () => {
    const { component } = await attached({ description: 'work queue', clientToken: 'c-1' });
    expect(component).toEqual({
      arn: 'arn:aws:proton:us-east-1:111111111111:component/queue',
      name: 'queue',
      description: 'work queue',
      environmentName: 'dev',
      serviceName: 'api',
      serviceInstanceName: 'one',
      serviceSpec: API_SPEC,
      deploymentStatus: 'IN_PROGRESS',
      lastClientRequestToken: 'c-1',
      createdAt: component!.createdAt,
      lastModifiedAt: component!.createdAt,
      lastAttemptedDeploymentId: component!.lastAttemptedDeploymentId,
      lastDeploymentAttemptedAt: component!.createdAt,
    });
    const client = protonClient(fx.emu, { maxAttempts: 1 });
    advanceClockAfterEachCall(client, fx.emu, DURATIONS.deploymentMs / 2);
    try {
      expect((await waitUntilComponentDeployed({ client, ...FAST_WAITER }, { name: 'queue' })).state).toBe('SUCCESS');
    } finally {
      client.destroy();
    }
    expect((await fx.proton.send(new ListComponentOutputsCommand({ componentName: 'queue' }))).outputs).toEqual([
      { key: 'QueueUrl', valueString: 'component/queue/QueueUrl' },
      { key: 'QueueArn', valueString: 'component/queue/QueueArn' },
    ]);
    expect((await fx.proton.send(new ListComponentProvisionedResourcesCommand({ componentName: 'queue' }))).provisionedResources![0])
      .toMatchObject({ name: 'AWSProton-component-queue', provisioningEngine: 'CLOUDFORMATION' });
  });

  test('is client-token idempotent', async () => {
    const first = (await attached({ clientToken: 't' })).component!;
    expect((await attached({ clientToken: 't' })).component!.lastAttemptedDeploymentId).toBe(first.lastAttemptedDeploymentId);
    await expect(attached({ clientToken: 't', description: 'other' })).rejects.toMatchObject({
      name: 'ValidationException', message: "IdempotentParameterMismatch: The client token 't' was already used with different parameters.",
    });
    await expect(attached({ clientToken: 'u' })).rejects.toMatchObject({ name: 'ConflictException', message: 'Component queue already exists.' });
  });

  test('a Terraform component lists its output blocks', async () => {
    await detached({ manifest: TERRAFORM_MANIFEST, templateFile: 'resource "aws_sqs_queue" "q" {}\noutput "queue_url" {\n  value = aws_sqs_queue.q.url\n}\n' });
    fx.emu.control.advance(DURATIONS.deploymentMs);
    expect((await fx.proton.send(new ListComponentOutputsCommand({ componentName: 'shared' }))).outputs).toEqual([
      { key: 'queue_url', valueString: 'component/shared/queue_url' },
    ]);
    expect((await fx.proton.send(new ListComponentProvisionedResourcesCommand({ componentName: 'shared' }))).provisionedResources![0].provisioningEngine)
      .toBe('TERRAFORM');
  });

  test('refuses invalid attachments, environments and files', async () => {
    const refused = async (p: Promise<unknown>, name: string, message: string) => expect(p).rejects.toMatchObject({ name, message });
    await refused(attached({ serviceInstanceName: undefined }), 'ValidationException',
      'Specify both serviceName and serviceInstanceName to attach a component to a service instance, or neither.');
    await refused(detached({ environmentName: undefined }), 'ValidationException',
      'environmentName is required for a component that is not attached to a service instance (no serviceName and serviceInstanceName).');
    await refused(detached({ serviceSpec: API_SPEC }), 'ValidationException',
      'serviceSpec is allowed only for a component attached to a service instance (pass serviceName and serviceInstanceName).');
    await refused(detached({ environmentName: 'bare' }), 'ValidationException',
      "Environment bare has no componentRoleArn, so it can't host directly defined components; set one with UpdateEnvironment.");
    await refused(attached({ serviceName: 'legacy' }), 'ValidationException',
      "Service instance one of service legacy runs service template plain version 1.0, whose supportedComponentSources don't include DIRECTLY_DEFINED.");
    await refused(attached({ environmentName: 'bare' }), 'ValidationException',
      "environmentName 'bare' doesn't match environment dev of service instance one; omit it for an attached component.");
    await refused(attached({ serviceInstanceName: 'nine' }), 'ResourceNotFoundException', 'Service instance nine of service api not found.');
    await refused(detached({ manifest: 'infrastructure: {}' }), 'ValidationException',
      'The manifest must list exactly one template under infrastructure.templates ({file, rendering_engine, template_language}); a component has one IaC file.');
    await attached();
    await refused(attached({ name: 'second' }), 'ConflictException',
      'Service instance one of service api already has component queue attached; an instance has at most one.');
  });
});

describe('rendering', () => {
  test('the template file is rendered when the component deploys: a render failure fails the deployment, naming the file and line', async () => {
    await detached({ templateFile: 'Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: {{ service_instance.name }}}\n' });
    fx.emu.control.advance(DURATIONS.deploymentMs);
    expect(await get('shared')).toMatchObject({
      deploymentStatus: 'FAILED',
      deploymentStatusMessage: 'Template rendering failed: cloudformation.yaml:4: service_instance.name is undefined: service_instance is undefined. '
        + 'Give it a default (| default(...)) or reference a value that exists.',
    });
  });

  test("an attached component reads its instance's inputs from the serviceSpec and the environment's outputs; literal outputs keep their value", async () => {
    const templateFile = `Resources:
  Queue:
    Type: AWS::SQS::Queue
{% if service_instance.name == 'one' %}
    Properties: {QueueName: '{{ component.name }}-{{ environment.outputs.ClusterName }}'}
{% endif %}
Outputs:
  Name: {Value: '{{ service.name }}/{{ service_instance.name }} in {{ environment.name }}'}
  Url: {Value: !Ref Queue}
`;
    await attached({ templateFile });
    fx.emu.control.advance(DURATIONS.deploymentMs);
    expect(await get()).toMatchObject({ deploymentStatus: 'SUCCEEDED' });
    expect((await fx.proton.send(new ListComponentOutputsCommand({ componentName: 'queue' }))).outputs).toEqual([
      { key: 'Name', valueString: 'api/one in dev' },
      { key: 'Url', valueString: 'component/queue/Url' },
    ]);
  });
});

describe('update', () => {
  beforeEach(async () => {
    await attached();
    fx.emu.control.advance(DURATIONS.deploymentMs);
  });

  test('NONE changes only the description', async () => {
    const before = await get();
    const { component } = await update({ deploymentType: 'NONE', description: 'renamed' });
    expect(component).toMatchObject({ description: 'renamed', deploymentStatus: 'SUCCEEDED', lastAttemptedDeploymentId: before.lastAttemptedDeploymentId });
    await expect(update({ deploymentType: 'NONE', templateFile: TEMPLATE })).rejects.toMatchObject({
      name: 'ValidationException', message: "deploymentType NONE changes only the description; don't pass templateFile (use CURRENT_VERSION to deploy).",
    });
  });

  test('CURRENT_VERSION redeploys a new template file; its outputs follow the new file', async () => {
    await update({ templateFile: TEMPLATE.replace('QueueArn', 'QueueName') });
    expect((await get()).deploymentStatus).toBe('IN_PROGRESS');
    await expect(update({ description: 'again' })).rejects.toMatchObject({
      name: 'ConflictException', message: 'Component queue has deploymentStatus IN_PROGRESS; wait until its current deployment finishes, then retry.',
    });
    await expect(fx.proton.send(new UpdateServiceInstanceCommand({ serviceName: 'api', name: 'one', deploymentType: 'CURRENT_VERSION' }))).rejects.toMatchObject({
      name: 'ConflictException', message: "Service instance one of service api can't be updated while its attached component queue has deploymentStatus IN_PROGRESS.",
    });
    fx.emu.control.advance(DURATIONS.deploymentMs);
    expect((await fx.proton.send(new ListComponentOutputsCommand({ componentName: 'queue' }))).outputs!.map((o) => o.key)).toEqual(['QueueUrl', 'QueueName']);
  });

  test('detach with "", reattach elsewhere only once detached; a cancelled detach restores the attachment', async () => {
    await expect(update({ serviceName: 'api', serviceInstanceName: 'two' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Component queue is attached to service instance one of service api; detach it first (serviceName and serviceInstanceName "") before attaching it to another instance.',
    });
    await update({ serviceName: '', serviceInstanceName: '' });
    await fx.proton.send(new CancelComponentDeploymentCommand({ componentName: 'queue' }));
    fx.emu.control.advance(DURATIONS.cancellationMs);
    expect(await get()).toMatchObject({ deploymentStatus: 'CANCELLED', serviceName: 'api', serviceInstanceName: 'one', serviceSpec: API_SPEC });

    const { component } = await update({ serviceName: '', serviceInstanceName: '' });
    expect(component).toMatchObject({ environmentName: 'dev' });
    expect(component!.serviceName).toBeUndefined();
    expect(component!.serviceSpec).toBeUndefined();
    fx.emu.control.advance(DURATIONS.deploymentMs);
    await update({ serviceName: 'api', serviceInstanceName: 'two', serviceSpec: API_SPEC });
    expect(await get()).toMatchObject({ serviceName: 'api', serviceInstanceName: 'two' });
  });
});

describe('delete and dependencies', () => {
  beforeEach(async () => {
    await attached();
    fx.emu.control.advance(DURATIONS.deploymentMs);
  });

  test('an attached component blocks its deletion, the service deletion, the instance removal and the environment deletion', async () => {
    await expect(fx.proton.send(new DeleteComponentCommand({ name: 'queue' }))).rejects.toMatchObject({
      name: 'ConflictException',
      message: 'Component queue is attached to service instance one of service api; detach it first with UpdateComponent (deploymentType CURRENT_VERSION, serviceName and serviceInstanceName "").',
    });
    await expect(fx.proton.send(new DeleteServiceCommand({ name: 'api' }))).rejects.toMatchObject({
      name: 'ConflictException', message: "Service api can't be deleted: service instances one have components attached. Detach or delete the components first.",
    });
    await expect(fx.proton.send(new UpdateServiceCommand({ name: 'api', spec: serviceSpec([{ name: 'two', environment: 'dev' }]) }))).rejects.toMatchObject({
      name: 'ConflictException',
      message: "Service instance one of service api can't be removed: component queue is attached to it. Detach or delete the component first.",
    });
    await expect(fx.proton.send(new DeleteEnvironmentCommand({ name: 'dev' }))).rejects.toMatchObject({
      name: 'ConflictException',
      message: "Environment dev can't be deleted: service instances api/one, api/two, legacy/one are deployed to it. Remove them from their services first.",
    });
  });

  test('a detached component deletes asynchronously and idempotently; ComponentDeleted succeeds on RNF', async () => {
    await update({ serviceName: '', serviceInstanceName: '' });
    fx.emu.control.advance(DURATIONS.deploymentMs);
    const { component } = await fx.proton.send(new DeleteComponentCommand({ name: 'queue' }));
    expect(component!.deploymentStatus).toBe('DELETE_IN_PROGRESS');
    expect((await fx.proton.send(new DeleteComponentCommand({ name: 'queue' }))).component!.deploymentStatus).toBe('DELETE_IN_PROGRESS');
    const client = protonClient(fx.emu, { maxAttempts: 1 });
    advanceClockAfterEachCall(client, fx.emu, DURATIONS.deletionMs / 2);
    try {
      expect((await waitUntilComponentDeleted({ client, ...FAST_WAITER }, { name: 'queue' })).state).toBe('SUCCESS');
    } finally {
      client.destroy();
    }
    expect((await fx.proton.send(new DeleteComponentCommand({ name: 'queue' }))).component).toBeUndefined();
    await expect(fx.proton.send(new DeleteComponentCommand({ name: 'never' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'Component never not found.' });
  });

  test('the environment refuses deletion while a detached component is in it', async () => {
    await fx.proton.send(new DeleteServiceCommand({ name: 'legacy' }));
    await update({ serviceName: '', serviceInstanceName: '' });
    fx.emu.control.advance(DURATIONS.deploymentMs);
    await fx.proton.send(new DeleteServiceCommand({ name: 'api' }));
    fx.emu.control.advance(DURATIONS.deletionMs);
    await expect(fx.proton.send(new DeleteEnvironmentCommand({ name: 'dev' }))).rejects.toMatchObject({
      name: 'ConflictException', message: "Environment dev can't be deleted: components queue are in it. Delete them first.",
    });
  });

  test('an injected deletion failure ends DELETE_FAILED, and ComponentDeleted reports failure', async () => {
    await update({ serviceName: '', serviceInstanceName: '' });
    fx.emu.control.advance(DURATIONS.deploymentMs);
    fx.emu.control.failNextDeletion('component/queue', 'queue not empty');
    await fx.proton.send(new DeleteComponentCommand({ name: 'queue' }));
    fx.emu.control.advance(DURATIONS.deletionMs);
    expect(await get()).toMatchObject({ deploymentStatus: 'DELETE_FAILED', deploymentStatusMessage: 'queue not empty' });
    await expect(waitUntilComponentDeleted({ client: fx.proton, ...FAST_WAITER }, { name: 'queue' })).rejects.toThrow(/FAILURE/);
  });
});

test('ListComponents filters by environment and attachment', async () => {
  await attached();
  await detached();
  const names = async (input: Record<string, unknown>) => (await fx.proton.send(new ListComponentsCommand(input))).components!.map((c) => c.name);
  expect(await names({})).toEqual(['queue', 'shared']);
  expect(await names({ environmentName: 'dev' })).toEqual(['queue', 'shared']);
  expect(await names({ serviceName: 'api', serviceInstanceName: 'one' })).toEqual(['queue']);
  expect(await names({ environmentName: 'bare' })).toEqual([]);
});
