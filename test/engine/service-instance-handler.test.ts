/**
 * `Custom::ProtonServiceInstance` against the emulator: Proton answers ConflictException both
 * while something of the service deploys (wait, then retry) and when it refuses the change (fail
 * at once, with the fix). Removal with a component attached, and creation while the service is busy.
 */
import {
  CreateComponentCommand, CreateServiceCommand, CreateServiceInstanceCommand, DeleteComponentCommand, GetComponentCommand, GetServiceCommand,
  GetServiceInstanceCommand, ListDeploymentsCommand, ListServiceInstancesCommand, UpdateComponentCommand, UpdateServiceCommand,
} from '@aws-sdk/client-proton';
import { createEvent, deleteEvent } from './cfn-events';
import { handlerTest } from './handler-harness';
import { QUERY_INTERVAL_MS } from './provider-driver';
import { clientToken } from '../../lambda/engine/client-token';
import type { OnEventRequest } from '../../lambda/engine/types';
import { isComplete, onEvent } from '../../lambda/index';
import { ProtonResourceType } from '../../src/custom-resources/contract';
import {
  COMPONENT_ROLE_ARN, DURATIONS, deployEnvironment, publishEnvironmentTemplate, publishServiceTemplate, serviceSpec,
} from '../emulator/deployment-fixtures';

const CANARY = 'CANARY-si-3c9d-secret-input';

const MANIFEST = 'infrastructure:\n  templates:\n    - file: "cloudformation.yaml"\n      rendering_engine: jinja\n      template_language: cloudformation\n';
const TEMPLATE_FILE = 'Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n';

const fixture = handlerTest({
  durations: DURATIONS,
  canary: CANARY,
  resourceType: ProtonResourceType.SERVICE_INSTANCE,
  setUp: async (proton, emu) => {
    await publishEnvironmentTemplate(proton, emu, 'si-net');
    await publishServiceTemplate(proton, emu, 'si-web', 'si-net', { components: true });
    await deployEnvironment(proton, emu, 'dev', 'si-net', { componentRoleArn: COMPONENT_ROLE_ARN });
    await deployEnvironment(proton, emu, 'prod', 'si-net', { componentRoleArn: COMPONENT_ROLE_ARN });
  },
});
const { driver } = fixture;

/** The properties of instance `extra` (in prod) of `service`. */
function instanceProps(service: string) {
  return { ServiceName: service, Name: 'extra', Environment: 'prod', Inputs: JSON.stringify({ image: CANARY }) };
}

/** A deployed service on the component-enabled template with instance `main` in dev. */
async function deployService(name: string): Promise<void> {
  await fixture.proton.send(new CreateServiceCommand({ name, templateName: 'si-web', templateMajorVersion: '1', spec: serviceSpec([{ name: 'main', environment: 'dev' }]) }));
  fixture.emu.control.advance(DURATIONS.deploymentMs + DURATIONS.serviceMs);
}

/** Starts an UpdateService adding instance `other` (in dev) next to `main`: the service is UPDATE_IN_PROGRESS. */
async function startAddingOther(service: string): Promise<void> {
  await fixture.proton.send(new UpdateServiceCommand({ name: service, spec: serviceSpec([{ name: 'main', environment: 'dev' }, { name: 'other', environment: 'dev' }]) }));
  expect(await serviceStatus(service)).toBe('UPDATE_IN_PROGRESS');
}

/** A deployed component attached to instance `extra` of `service`. */
async function attachComponent(name: string, service: string): Promise<void> {
  await fixture.proton.send(new CreateComponentCommand({ name, serviceName: service, serviceInstanceName: 'extra', manifest: MANIFEST, templateFile: TEMPLATE_FILE }));
  fixture.emu.control.advance(DURATIONS.deploymentMs);
  expect(await getComponent(name)).toMatchObject({ deploymentStatus: 'SUCCEEDED', serviceName: service, serviceInstanceName: 'extra' });
}

async function getComponent(name: string) {
  return (await fixture.proton.send(new GetComponentCommand({ name }))).component!;
}

async function serviceStatus(name: string): Promise<string | undefined> {
  return (await fixture.proton.send(new GetServiceCommand({ name }))).service?.status;
}

async function instanceNames(service: string): Promise<string[]> {
  return ((await fixture.proton.send(new ListServiceInstancesCommand({ serviceName: service }))).serviceInstances ?? []).map((i) => i.name!).sort();
}

describe('removal', () => {
  test('refused by Proton because a settled component is attached: fails in the first round with Proton\'s message and the fix', async () => {
    await deployService('si-refused');
    const p = instanceProps('si-refused');
    expect((await driver.create('Extra', p)).error).toBeUndefined();
    await attachComponent('cmp-refused', 'si-refused');

    fixture.emu.control.resetCallCounts();
    const outcome = await driver.delete('Extra', 'si-refused/extra', p);
    expect(outcome.error?.message).toBe("Cannot remove instance 'extra' of Proton service 'si-refused': Proton refused it while nothing of the service was deploying, "
      + 'which it does while a component is attached to the instance. Fix: detach or delete the component first, in an earlier deployment, '
      + 'or make CloudFormation delete it before the instance (component.node.addDependency(serviceInstance), or put the component in a stack '
      + "that depends on the instance's stack). "
      + "(Proton: ConflictException: Service instance extra of service si-refused can't be removed: component cmp-refused is attached to it. "
      + 'Detach or delete the component first.)');
    // The removal is isComplete's first step (onEvent only reads).
    expect(outcome.polls).toBe(1);
    expect(fixture.emu.control.callCounts().UpdateService).toBe(1);
    expect(fixture.emu.control.callCounts().ListComponents).toBe(1);
    expect(await instanceNames('si-refused')).toEqual(['extra', 'main']);
    expect(await serviceStatus('si-refused')).toBe('ACTIVE');
    expect(await getComponent('cmp-refused')).toMatchObject({ serviceName: 'si-refused', serviceInstanceName: 'extra', deploymentStatus: 'SUCCEEDED' });
  });

  test('while the attached component is being detached (to be deleted): the instance is removed', async () => {
    await deployService('si-detach');
    const p = instanceProps('si-detach');
    expect((await driver.create('Extra', p)).error).toBeUndefined();
    await attachComponent('cmp-detach', 'si-detach');
    await fixture.proton.send(new UpdateComponentCommand({ name: 'cmp-detach', deploymentType: 'CURRENT_VERSION', serviceName: '', serviceInstanceName: '' }));
    expect((await getComponent('cmp-detach')).deploymentStatus).toBe('IN_PROGRESS');

    fixture.emu.control.resetCallCounts();
    const outcome = await driver.delete('Extra', 'si-detach/extra', p);
    expect(outcome.error).toBeUndefined();
    expect(fixture.emu.control.callCounts().UpdateService).toBe(1);
    expect(await instanceNames('si-detach')).toEqual(['main']);
    expect(await serviceStatus('si-detach')).toBe('ACTIVE');
    const component = await getComponent('cmp-detach');
    expect(component.deploymentStatus).toBe('SUCCEEDED');
    expect(component.serviceInstanceName).toBeUndefined();
  });

  test('while the attached component deploys: waits, then removes the instance once the component\'s own delete detached it', async () => {
    await deployService('si-wait');
    const p = instanceProps('si-wait');
    expect((await driver.create('Extra', p)).error).toBeUndefined();
    await attachComponent('cmp-wait', 'si-wait');
    await fixture.proton.send(new UpdateComponentCommand({ name: 'cmp-wait', deploymentType: 'CURRENT_VERSION', templateFile: `${TEMPLATE_FILE}  Topic:\n    Type: AWS::SNS::Topic\n` }));
    expect(await getComponent('cmp-wait')).toMatchObject({ deploymentStatus: 'IN_PROGRESS', serviceInstanceName: 'extra' });

    // The instance's Delete and the component's (CloudFormation runs them in parallel), interleaved
    // deterministically: the component's handler waits for its deployment, then detaches and deletes it.
    fixture.emu.control.resetCallCounts();
    const event = deleteEvent({ resourceType: ProtonResourceType.SERVICE_INSTANCE, logicalId: 'Extra' }, 'si-wait/extra', p);
    const first = await onEvent(event);
    const polled = { ...event, ...first } as OnEventRequest;
    expect(await isComplete(polled)).toEqual({ IsComplete: false });
    expect(fixture.emu.control.callCounts()).toMatchObject({ UpdateService: 1, ListComponents: 1 });
    expect(await instanceNames('si-wait')).toEqual(['extra', 'main']);

    fixture.emu.control.advance(QUERY_INTERVAL_MS);
    await fixture.proton.send(new UpdateComponentCommand({ name: 'cmp-wait', deploymentType: 'CURRENT_VERSION', serviceName: '', serviceInstanceName: '' }));
    expect(await isComplete(polled)).toEqual({ IsComplete: false });
    expect(fixture.emu.control.callCounts().UpdateService).toBe(2);

    fixture.emu.control.advance(QUERY_INTERVAL_MS);
    expect(await getComponent('cmp-wait')).toMatchObject({ deploymentStatus: 'SUCCEEDED' });
    await fixture.proton.send(new DeleteComponentCommand({ name: 'cmp-wait' }));
    let polls = 3;
    while (!(await isComplete(polled)).IsComplete) {
      fixture.emu.control.advance(QUERY_INTERVAL_MS);
      expect(++polls).toBeLessThan(10);
    }
    expect(fixture.emu.control.callCounts().UpdateService).toBe(2);
    expect(await instanceNames('si-wait')).toEqual(['main']);
    expect(await serviceStatus('si-wait')).toBe('ACTIVE');
    const component = await getComponent('cmp-wait');
    expect(component.deploymentStatus).toBe('DELETE_IN_PROGRESS');
    expect(component.serviceInstanceName).toBeUndefined();
  });
});

describe('create', () => {
  test('while the service is UPDATE_IN_PROGRESS: deferred, then created once it is ACTIVE, with the same client token', async () => {
    await deployService('si-busy');
    await startAddingOther('si-busy');

    fixture.emu.control.resetCallCounts();
    const event = createEvent({ resourceType: ProtonResourceType.SERVICE_INSTANCE, logicalId: 'Extra' }, instanceProps('si-busy'));
    const outcome = await driver.run(event);
    expect(outcome.error).toBeUndefined();
    expect(outcome.physicalId).toBe('si-busy/extra');
    expect(outcome.data).toMatchObject({ Arn: 'arn:aws:proton:us-east-1:111111111111:service/si-busy/service-instance/extra', Name: 'extra', ServiceName: 'si-busy' });
    expect(outcome.polls).toBeGreaterThan(2);
    // The create waited for the busy service, then made one call once it was ACTIVE.
    expect(fixture.emu.control.callCounts().CreateServiceInstance).toBe(1);
    const instance = (await fixture.proton.send(new GetServiceInstanceCommand({ serviceName: 'si-busy', name: 'extra' }))).serviceInstance!;
    expect(instance.deploymentStatus).toBe('SUCCEEDED');
    expect(instance.lastClientRequestToken).toBe(clientToken(event, 'create'));
    const deployments = (await fixture.proton.send(new ListDeploymentsCommand({ serviceName: 'si-busy', serviceInstanceName: 'extra' }))).deployments ?? [];
    expect(deployments.map((d) => d.deploymentStatus)).toEqual(['SUCCEEDED']);
    expect(await instanceNames('si-busy')).toEqual(['extra', 'main', 'other']);
  });

  test('a service busy past the budget fails the deferred create', async () => {
    await deployService('si-slow');
    fixture.emu.control.setDurations({ deploymentMs: 2 * 60 * 60 * 1000 });
    await startAddingOther('si-slow');

    fixture.emu.control.resetCallCounts();
    const outcome = await driver.create('Extra', instanceProps('si-slow'));
    expect(outcome.error?.message).toBe("Proton service instance 'si-slow/extra' did not finish within 30 minutes, the budget of one CloudFormation request: "
      + 'it could not be added yet, its service is still UPDATE_IN_PROGRESS. Check the resource in the Proton console, then deploy again.');
    expect(fixture.emu.control.callCounts().CreateServiceInstance ?? 0).toBe(0);
    expect(await instanceNames('si-slow')).toEqual(['main', 'other']);
  });

  test('an instance of that name that is not ours fails at once, even while the service is busy', async () => {
    await deployService('si-foreign');
    await fixture.proton.send(new CreateServiceInstanceCommand({
      serviceName: 'si-foreign', name: 'extra', spec: serviceSpec([{ name: 'extra', environment: 'prod' }]),
    }));
    fixture.emu.control.advance(DURATIONS.deploymentMs);
    await startAddingOther('si-foreign');

    fixture.emu.control.resetCallCounts();
    const outcome = await driver.create('Extra', instanceProps('si-foreign'));
    expect(outcome.error?.message).toBe("Proton service instance 'si-foreign/extra' already exists and was not created by resource Extra of this stack "
      + '(its cdk-proton ownership tags are missing or name another stack/resource). cdk-proton never adopts, updates or deletes a service instance it did not create. '
      + 'To use the existing service instance, reference it with the Service construct of the service that owns it instead of creating it; to create a new one, choose another name.');
    expect(outcome.polls).toBe(0);
    expect(fixture.emu.control.callCounts().CreateServiceInstance ?? 0).toBe(0);
  });

  test('a Conflict while nothing deploys (the service failed) fails at once with Proton\'s message', async () => {
    await deployService('si-failed');
    fixture.emu.control.failNextDeployment('service/si-failed/service-instance/other', 'image not found');
    await startAddingOther('si-failed');
    fixture.emu.control.advance(DURATIONS.deploymentMs + DURATIONS.serviceMs);
    expect(await serviceStatus('si-failed')).toBe('UPDATE_FAILED_CLEANUP_COMPLETE');

    fixture.emu.control.resetCallCounts();
    const outcome = await driver.create('Extra', instanceProps('si-failed'));
    expect(outcome.error?.message).toBe("Could not add instance 'extra' to Proton service 'si-failed' (Proton: ConflictException: "
      + 'Service si-failed has status UPDATE_FAILED_CLEANUP_COMPLETE; instances can be added only to an ACTIVE service.)');
    // The create is isComplete's first step.
    expect(outcome.polls).toBe(1);
    expect(fixture.emu.control.callCounts().CreateServiceInstance).toBe(1);
    expect(await instanceNames('si-failed')).toEqual(['main']);
  });
});
