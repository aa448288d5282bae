import {
  CreateComponentCommand, CreateServiceCommand, GetComponentCommand, GetServiceCommand, GetServiceInstanceCommand, ListServiceInstancesCommand,
  UpdateServiceCommand, UpdateServicePipelineCommand,
} from '@aws-sdk/client-proton';
import { createEvent } from './cfn-events';
import { handlerTest } from './handler-harness';
import { ProtonResourceType } from '../../src/custom-resources/contract';
import { COMPONENT_ROLE_ARN, DURATIONS, deployEnvironment, publishEnvironmentTemplate, publishServiceTemplate, serviceSpec } from '../emulator/deployment-fixtures';

const CANARY = 'CANARY-svc-4b7e-secret-input';

const fixture = handlerTest({
  durations: DURATIONS,
  canary: CANARY,
  resourceType: ProtonResourceType.SERVICE,
  setUp: async (proton, emu) => {
    await publishEnvironmentTemplate(proton, emu, 'svc-net');
    await publishServiceTemplate(proton, emu, 'web', 'svc-net');
    await publishServiceTemplate(proton, emu, 'web', 'svc-net', { existing: true, major: '1' });
    await publishServiceTemplate(proton, emu, 'web-pipe', 'svc-net', { pipeline: true });
    await deployEnvironment(proton, emu, 'dev', 'svc-net');
    await deployEnvironment(proton, emu, 'prod', 'svc-net');
  },
});
const { driver } = fixture;

function instance(name: string, environment: string, inputs: Record<string, unknown> = { image: CANARY }) {
  return { Name: name, Environment: environment, Inputs: JSON.stringify(inputs) };
}

function props(name: string, overrides: Record<string, unknown> = {}) {
  return { Name: name, TemplateName: 'web', TemplateMajorVersion: '1', TemplateMinorVersion: '0', Instances: [instance('dev', 'dev')], ...overrides };
}

async function getInstance(service: string, name: string) {
  return (await fixture.proton.send(new GetServiceInstanceCommand({ serviceName: service, name }))).serviceInstance!;
}

async function instanceNames(service: string): Promise<string[]> {
  return ((await fixture.proton.send(new ListServiceInstancesCommand({ serviceName: service }))).serviceInstances ?? []).map((i) => i.name!).sort();
}

test('create waits for the service and returns requested instance outputs', async () => {
  const p = props('svc-create', { Instances: [instance('dev', 'dev'), instance('prod', 'prod')], InstanceOutputs: ['prod.ServiceUrl'] });
  const created = await driver.create('Svc', p);
  expect(created.error).toBeUndefined();
  expect(created.physicalId).toBe('svc-create');
  expect(created.data).toMatchObject({
    'Arn': 'arn:aws:proton:us-east-1:111111111111:service/svc-create',
    'Name': 'svc-create',
    'Output.prod.ServiceUrl': 'service/svc-create/service-instance/prod/ServiceUrl',
  });
  expect(Object.keys(created.data!).filter((k) => k.startsWith('Output.'))).toEqual(['Output.prod.ServiceUrl']);
  expect((await fixture.proton.send(new GetServiceCommand({ name: 'svc-create' }))).service?.status).toBe('ACTIVE');
  expect(await instanceNames('svc-create')).toEqual(['dev', 'prod']);
});

test('adding and removing instances goes through UpdateService; a changed instance through UpdateServiceInstance', async () => {
  const v1 = props('svc-update');
  await driver.create('Svc', v1);

  fixture.emu.control.resetCallCounts();
  const v2 = { ...v1, Instances: [instance('dev', 'dev'), instance('prod', 'prod')] };
  expect((await driver.update('Svc', 'svc-update', v1, v2)).error).toBeUndefined();
  expect(await instanceNames('svc-update')).toEqual(['dev', 'prod']);
  expect(fixture.emu.control.callCounts()).toMatchObject({ UpdateService: 1 });
  expect(fixture.emu.control.callCounts().UpdateServiceInstance ?? 0).toBe(0);

  fixture.emu.control.resetCallCounts();
  const v3 = { ...v2, Instances: [instance('dev', 'dev', { image: 'nginx:2', port: 8080 }), instance('prod', 'prod')] };
  expect((await driver.update('Svc', 'svc-update', v2, v3)).error).toBeUndefined();
  expect(fixture.emu.control.callCounts()).toMatchObject({ UpdateServiceInstance: 1 });
  expect(fixture.emu.control.callCounts().UpdateService ?? 0).toBe(0);
  expect(await getInstance('svc-update', 'dev')).toMatchObject({ deploymentStatus: 'SUCCEEDED' });

  fixture.emu.control.resetCallCounts();
  const v4 = { ...v3, TemplateMinorVersion: '1' };
  expect((await driver.update('Svc', 'svc-update', v3, v4)).error).toBeUndefined();
  expect(fixture.emu.control.callCounts().UpdateServiceInstance).toBe(2);
  expect(await getInstance('svc-update', 'prod')).toMatchObject({ templateMinorVersion: '1' });

  const v5 = { ...v4, Instances: [instance('prod', 'prod')] };
  expect((await driver.update('Svc', 'svc-update', v4, v5)).error).toBeUndefined();
  expect(await instanceNames('svc-update')).toEqual(['prod']);

  const deleted = await driver.delete('Svc', 'svc-update', v5);
  expect(deleted.error).toBeUndefined();
  await expect(fixture.proton.send(new GetServiceCommand({ name: 'svc-update' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
});

test('a failed instance deployment fails the create with Proton\'s message', async () => {
  fixture.emu.control.failNextDeployment('service/svc-fail/service-instance/dev', 'image not found');
  const created = await driver.create('Svc', props('svc-fail'));
  expect(created.error?.message).toBe("Proton service 'svc-fail' CREATE_FAILED_CLEANUP_COMPLETE: instance dev: image not found");
  expect((await driver.delete('Svc', 'svc-fail', props('svc-fail'))).error).toBeUndefined();
});

test('a failed instance update fails with Proton\'s message; the rollback redeploys the old inputs', async () => {
  const before = props('svc-rollback');
  await driver.create('Svc', before);
  const after = { ...before, Instances: [instance('dev', 'dev', { image: 'broken' })] };
  fixture.emu.control.failNextDeployment('service/svc-rollback/service-instance/dev', 'crash loop');
  const failed = await driver.update('Svc', 'svc-rollback', before, after);
  expect(failed.error?.message).toBe("Proton service 'svc-rollback' instance 'dev' deployment FAILED: crash loop");
  const rolledBack = await driver.update('Svc', 'svc-rollback', after, before);
  expect(rolledBack.error).toBeUndefined();
  const dev = await getInstance('svc-rollback', 'dev');
  expect(dev.deploymentStatus).toBe('SUCCEEDED');
  expect(dev.spec).toContain(CANARY);
});

test('an instance deployment past the budget is cancelled', async () => {
  const before = props('svc-slow');
  await driver.create('Svc', before);
  fixture.emu.control.setDurations({ deploymentMs: 2 * 60 * 60 * 1000 });
  fixture.emu.control.resetCallCounts();
  const after = { ...before, Instances: [instance('dev', 'dev', { image: 'slow' })] };
  const slow = await driver.update('Svc', 'svc-slow', before, after);
  expect(slow.error?.message).toMatch(/^Proton service 'svc-slow' instance 'dev' was still deploying after 30 minutes/);
  expect(fixture.emu.control.callCounts().CancelServiceInstanceDeployment).toBe(1);
});

test('a changed pipeline spec goes through UpdateServicePipeline; pipeline outputs are returned', async () => {
  const p = props('svc-pipe', { TemplateName: 'web-pipe', TemplateMinorVersion: undefined, PipelineInputs: JSON.stringify({ stage: 'build' }), PipelineOutputs: ['PipelineTopic'] });
  const created = await driver.create('Svc', p);
  expect(created.error).toBeUndefined();
  expect(created.data?.['PipelineOutput.PipelineTopic']).toBe('service/svc-pipe/pipeline/PipelineTopic');
  fixture.emu.control.resetCallCounts();
  const next = { ...p, PipelineInputs: JSON.stringify({ stage: 'test' }) };
  expect((await driver.update('Svc', 'svc-pipe', p, next)).error).toBeUndefined();
  expect(fixture.emu.control.callCounts().UpdateServicePipeline).toBe(1);
  expect((await fixture.proton.send(new GetServiceCommand({ name: 'svc-pipe' }))).service?.pipeline?.spec).toContain('stage: test');
});

test('changing the template is a replacement, refused under the same name', async () => {
  const p = props('svc-replace');
  await driver.create('Svc', p);
  const outcome = await driver.update('Svc', 'svc-replace', p, { ...p, TemplateName: 'web-pipe' });
  expect(outcome.error?.message).toMatch(/^Cannot replace Proton service 'svc-replace': TemplateName changed.*Fix: also change serviceName/);
});

test('moving an instance to another environment is refused with the fix', async () => {
  const p = props('svc-move');
  await driver.create('Svc', p);
  const outcome = await driver.update('Svc', 'svc-move', p, { ...p, Instances: [instance('dev', 'prod')] });
  expect(outcome.error?.message).toBe("Proton service 'svc-move': instance(s) 'dev' cannot move to another environment (Proton cannot move an instance). "
    + 'Give the instance a new name to create it in the new environment (the old one is removed).');
});

test('removing an instance Proton refuses (a component is attached) fails at once with Proton\'s message and the fix', async () => {
  await publishServiceTemplate(fixture.proton, fixture.emu, 'web-cmp', 'svc-net', { components: true });
  await deployEnvironment(fixture.proton, fixture.emu, 'cmp-dev', 'svc-net', { componentRoleArn: COMPONENT_ROLE_ARN });
  const before = props('svc-cmp', { TemplateName: 'web-cmp', TemplateMinorVersion: undefined, Instances: [instance('a', 'cmp-dev'), instance('b', 'cmp-dev')] });
  expect((await driver.create('Svc', before)).error).toBeUndefined();
  await fixture.proton.send(new CreateComponentCommand({
    name: 'cmp-b',
    serviceName: 'svc-cmp',
    serviceInstanceName: 'b',
    manifest: 'infrastructure:\n  templates:\n    - file: "cloudformation.yaml"\n      rendering_engine: jinja\n      template_language: cloudformation\n',
    templateFile: 'Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n',
  }));
  fixture.emu.control.advance(DURATIONS.deploymentMs);
  expect((await fixture.proton.send(new GetComponentCommand({ name: 'cmp-b' }))).component?.deploymentStatus).toBe('SUCCEEDED');

  fixture.emu.control.resetCallCounts();
  const after = { ...before, Instances: [instance('a', 'cmp-dev')] };
  const outcome = await driver.update('Svc', 'svc-cmp', before, after);
  expect(outcome.error?.message).toBe("Proton refused to add or remove instances of Proton service 'svc-cmp' while nothing of the service was deploying. "
    + "A component attached to a removed instance ('b') must be detached or removed in an earlier deployment, then the instance removed in the next one: "
    + 'CloudFormation deletes a removed Component only after the service update, in its cleanup phase. '
    + "(Proton: ConflictException: Service instance b of service svc-cmp can't be removed: component cmp-b is attached to it. Detach or delete the component first.)");
  expect(outcome.polls).toBe(1);
  expect(fixture.emu.control.callCounts().UpdateService).toBe(1);
  expect(await instanceNames('svc-cmp')).toEqual(['a', 'b']);
  expect((await fixture.proton.send(new GetComponentCommand({ name: 'cmp-b' }))).component).toMatchObject({ serviceName: 'svc-cmp', serviceInstanceName: 'b' });
});

test('adding an instance while the pipeline deploys waits for it (Conflict while busy), then adds it', async () => {
  const before = props('svc-pipe-busy', { TemplateName: 'web-pipe', TemplateMinorVersion: undefined, PipelineInputs: JSON.stringify({ stage: 'build' }) });
  expect((await driver.create('Svc', before)).error).toBeUndefined();
  await fixture.proton.send(new UpdateServicePipelineCommand({
    serviceName: 'svc-pipe-busy', deploymentType: 'CURRENT_VERSION', spec: serviceSpec([{ name: 'dev', environment: 'dev', image: CANARY }], { stage: 'build' }),
  }));
  fixture.emu.control.resetCallCounts();
  const after = { ...before, Instances: [instance('dev', 'dev'), instance('prod', 'prod')] };
  const outcome = await driver.update('Svc', 'svc-pipe-busy', before, after);
  expect(outcome.error).toBeUndefined();
  expect(outcome.polls).toBeGreaterThan(2);
  expect(fixture.emu.control.callCounts().UpdateService).toBe(2);
  expect(await instanceNames('svc-pipe-busy')).toEqual(['dev', 'prod']);
});

describe('Custom::ProtonServiceInstance (an instance added to an existing service)', () => {
  const instances = fixture.driverFor(ProtonResourceType.SERVICE_INSTANCE);

  function instanceProps(overrides: Record<string, unknown> = {}) {
    return { ServiceName: 'svc-host', Name: 'extra', Environment: 'prod', Inputs: JSON.stringify({ image: CANARY }), Outputs: ['ServiceUrl'], ...overrides };
  }

  test('create with a client token, update its inputs, remove it through UpdateService', async () => {
    await driver.create('Host', props('svc-host'));
    fixture.emu.control.resetCallCounts();
    const created = await instances.create('Extra', instanceProps());
    expect(created.error).toBeUndefined();
    expect(created.physicalId).toBe('svc-host/extra');
    expect(created.data).toMatchObject({
      'Arn': 'arn:aws:proton:us-east-1:111111111111:service/svc-host/service-instance/extra',
      'Name': 'extra',
      'ServiceName': 'svc-host',
      'Output.ServiceUrl': 'service/svc-host/service-instance/extra/ServiceUrl',
    });
    expect(fixture.emu.control.callCounts().CreateServiceInstance).toBe(1);
    expect((await getInstance('svc-host', 'extra')).lastClientRequestToken).toMatch(/^[0-9a-f]{64}$/);

    const next = instanceProps({ Inputs: JSON.stringify({ image: 'nginx:3' }) });
    const updated = await instances.update('Extra', 'svc-host/extra', instanceProps(), next);
    expect(updated.error).toBeUndefined();
    expect((await getInstance('svc-host', 'extra')).spec).toContain('nginx:3');

    const removed = await instances.delete('Extra', 'svc-host/extra', next);
    expect(removed.error).toBeUndefined();
    expect(await instanceNames('svc-host')).toEqual(['dev']);
  });

  test('a replayed create adopts the instance; a foreign one with the same name is refused', async () => {
    await driver.create('Host', props('svc-host2'));
    const event = createEvent({ resourceType: ProtonResourceType.SERVICE_INSTANCE, logicalId: 'Extra' }, instanceProps({ ServiceName: 'svc-host2' }));
    expect((await instances.run(event)).error).toBeUndefined();
    fixture.emu.control.resetCallCounts();
    expect((await instances.run(event)).error).toBeUndefined();
    expect(fixture.emu.control.callCounts().CreateServiceInstance ?? 0).toBe(0);
    const foreign = await instances.create('Other', instanceProps({ ServiceName: 'svc-host2' }));
    expect(foreign.error?.message).toMatch(/^Proton service instance 'svc-host2\/extra' already exists and was not created by resource Other/);
  });

  test('removing the last instance of a service is refused with the fix', async () => {
    await fixture.proton.send(new CreateServiceCommand({
      name: 'svc-imported', templateName: 'web', templateMajorVersion: '1', spec: serviceSpec([{ name: 'dev', environment: 'dev' }]),
    }));
    fixture.emu.control.advance(DURATIONS.deploymentMs + DURATIONS.serviceMs);
    const p = instanceProps({ ServiceName: 'svc-imported', Outputs: [] });
    expect((await instances.create('Extra', p)).error).toBeUndefined();
    await fixture.proton.send(new UpdateServiceCommand({ name: 'svc-imported', spec: serviceSpec([{ name: 'extra', environment: 'prod', image: CANARY }]) }));
    fixture.emu.control.advance(DURATIONS.deletionMs + DURATIONS.serviceMs);
    expect(await instanceNames('svc-imported')).toEqual(['extra']);
    const outcome = await instances.delete('Extra', 'svc-imported/extra', p);
    expect(outcome.error?.message).toBe("Cannot remove instance 'extra' of Proton service 'svc-imported': it is the service's last instance, and a service keeps at least one. "
      + 'Delete the service instead, or add another instance first.');
  });
});
