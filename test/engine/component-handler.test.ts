import {
  CreateComponentCommand, CreateServiceCommand, GetComponentCommand, GetDeploymentCommand, ListDeploymentsCommand, ListTagsForResourceCommand,
  UpdateServiceInstanceCommand,
} from '@aws-sdk/client-proton';
import { parse } from 'yaml';
import { STACK_ID, createEvent, deleteEvent, updateEvent } from './cfn-events';
import { handlerTest } from './handler-harness';
import { QUERY_INTERVAL_MS } from './provider-driver';
import type { OnEventRequest } from '../../lambda/engine/types';
import { isComplete, onEvent } from '../../lambda/index';
import { DeploymentBookkeeping, OwnershipTag, ProtonResourceType } from '../../src/custom-resources/contract';
import {
  COMPONENT_ROLE_ARN, DURATIONS, deployEnvironment, publishEnvironmentTemplate, publishServiceTemplate, serviceSpec,
} from '../emulator/deployment-fixtures';

/** In every property the handler must never log or return: template file, manifest, inputs, description. */
const CANARY = 'CANARY-cmp-7a2f-secret';
/** An output value: returned in Data, never logged. */
const OUTPUT_CANARY = 'CANARY-cmp-output-value';

const MANIFEST = `# ${CANARY}
infrastructure:
  templates:
    - file: "cloudformation.yaml"
      rendering_engine: jinja
      template_language: cloudformation
`;

function templateFile(outputs: string[] = ['BucketName']): string {
  return `Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Metadata:
      Note: '${CANARY}'
Outputs:
${outputs.map((key) => `  ${key}:\n    Value: !Ref Bucket\n`).join('')}`;
}

const fixture = handlerTest({
  durations: DURATIONS,
  canary: CANARY,
  logCanaries: [OUTPUT_CANARY],
  resourceType: ProtonResourceType.COMPONENT,
  setUp: async (proton, emu) => {
    await publishEnvironmentTemplate(proton, emu, 'cmp-net');
    await publishServiceTemplate(proton, emu, 'cmp-web', 'cmp-net', { components: true });
    await deployEnvironment(proton, emu, 'dev', 'cmp-net', { componentRoleArn: COMPONENT_ROLE_ARN });
    await deployEnvironment(proton, emu, 'prod', 'cmp-net', { componentRoleArn: COMPONENT_ROLE_ARN });
  },
});
const { driver, logged } = fixture;

/** A standalone component's properties. */
function standalone(name: string, overrides: Record<string, unknown> = {}) {
  return { Name: name, EnvironmentName: 'dev', Manifest: MANIFEST, TemplateFile: templateFile(), Description: `about ${CANARY}`, ...overrides };
}

/** An attached component's properties. */
function attached(name: string, serviceName: string, instance: string, overrides: Record<string, unknown> = {}) {
  return {
    Name: name,
    ServiceName: serviceName,
    ServiceInstanceName: instance,
    ServiceInstanceInputs: JSON.stringify({ image: CANARY }),
    Manifest: MANIFEST,
    TemplateFile: templateFile(),
    ...overrides,
  };
}

/** A deployed service on the component-enabled template, instances `a` and `b` in dev, `p` in prod. */
async function deployService(name: string): Promise<void> {
  await fixture.proton.send(new CreateServiceCommand({
    name,
    templateName: 'cmp-web',
    templateMajorVersion: '1',
    spec: serviceSpec([{ name: 'a', environment: 'dev' }, { name: 'b', environment: 'dev' }, { name: 'p', environment: 'prod' }]),
  }));
  fixture.emu.control.advance(DURATIONS.deploymentMs + DURATIONS.serviceMs);
}

async function getComponent(name: string) {
  return (await fixture.proton.send(new GetComponentCommand({ name }))).component!;
}

async function tagsOf(arn: string): Promise<Record<string, string>> {
  const { tags } = await fixture.proton.send(new ListTagsForResourceCommand({ resourceArn: arn }));
  return Object.fromEntries((tags ?? []).map((t) => [t.key!, t.value!]));
}

/** The component's deployments, oldest first, as (attachment, status) of their target state. */
async function deploymentsOf(name: string): Promise<Array<{ id: string; serviceInstanceName?: string; status: string }>> {
  const { deployments } = await fixture.proton.send(new ListDeploymentsCommand({ componentName: name }));
  const details = await Promise.all((deployments ?? []).map(
    async (d) => (await fixture.proton.send(new GetDeploymentCommand({ id: d.id! }))).deployment!,
  ));
  return details
    .sort((x, y) => x.createdAt!.getTime() - y.createdAt!.getTime())
    .map((d) => ({ id: d.id!, serviceInstanceName: d.targetState?.component?.serviceInstanceName, status: d.deploymentStatus! }));
}

describe('create', () => {
  test('a standalone component: client token, ownership tags, outputs in Data', async () => {
    fixture.emu.control.setOutputs('component/cmp-solo', { BucketName: OUTPUT_CANARY });
    fixture.emu.control.resetCallCounts();
    const created = await driver.create('Cmp', standalone('cmp-solo', { Tags: { team: 'blue' }, Outputs: ['BucketName'] }));
    expect(created.error).toBeUndefined();
    expect(created.physicalId).toBe('cmp-solo');
    expect(created.data).toEqual({
      'Arn': 'arn:aws:proton:us-east-1:111111111111:component/cmp-solo',
      'Name': 'cmp-solo',
      'EnvironmentName': 'dev',
      'Output.BucketName': OUTPUT_CANARY,
      // onEvent only reads: the request's start on Proton's clock tells isComplete's first call, which creates the component.
      [DeploymentBookkeeping.STARTED_AT]: expect.stringMatching(/^\d+$/),
    });
    expect(fixture.emu.control.callCounts().CreateComponent).toBe(1);
    const component = await getComponent('cmp-solo');
    expect(component).toMatchObject({ environmentName: 'dev', deploymentStatus: 'SUCCEEDED', description: `about ${CANARY}` });
    expect(component.serviceName).toBeUndefined();
    expect(component.serviceSpec).toBeUndefined();
    expect(component.lastClientRequestToken).toMatch(/^[0-9a-f]{64}$/);
    expect(await tagsOf(component.arn!)).toMatchObject({ team: 'blue', [OwnershipTag.STACK_ID]: STACK_ID, [OwnershipTag.LOGICAL_ID]: 'Cmp' });
  });

  test('an attached component renders its instance\'s view into serviceSpec', async () => {
    await deployService('cmp-svc1');
    const created = await driver.create('Cmp', attached('cmp-att', 'cmp-svc1', 'p', { Outputs: ['BucketName'] }));
    expect(created.error).toBeUndefined();
    expect(created.data).toMatchObject({ 'EnvironmentName': 'prod', 'Output.BucketName': 'component/cmp-att/BucketName' });
    const component = await getComponent('cmp-att');
    expect(component).toMatchObject({ environmentName: 'prod', serviceName: 'cmp-svc1', serviceInstanceName: 'p', deploymentStatus: 'SUCCEEDED' });
    expect(parse(component.serviceSpec!)).toEqual({ proton: 'ServiceSpec', instances: [{ name: 'p', environment: 'prod', spec: { image: CANARY } }] });
  });

  test('a requested output the template does not produce fails the create, naming the produced ones', async () => {
    const created = await driver.create('Cmp', standalone('cmp-noout', { Outputs: ['Missing'] }));
    expect(created.error?.message).toBe("Proton component 'cmp-noout' has no output 'Missing': its template produced BucketName. "
      + 'Read only outputs the template declares (getOutput), or add them to the template\'s infrastructure as code.');
  });

  test('an attachment to an unknown instance fails before anything is created', async () => {
    await deployService('cmp-svc-unknown');
    fixture.emu.control.resetCallCounts();
    const created = await driver.create('Cmp', attached('cmp-lost', 'cmp-svc-unknown', 'zz'));
    expect(created.error?.message).toBe("Could not read service instance 'zz' of Proton service 'cmp-svc-unknown', which Custom::ProtonComponent 'cmp-lost' attaches to "
      + '(Proton: ResourceNotFoundException: Service instance zz of service cmp-svc-unknown not found.)');
    expect(fixture.emu.control.callCounts().CreateComponent ?? 0).toBe(0);
  });

  test('a replayed Create adopts the component created by its first attempt', async () => {
    const event = createEvent({ resourceType: ProtonResourceType.COMPONENT, logicalId: 'Cmp' }, standalone('cmp-replay'));
    expect((await driver.run(event)).error).toBeUndefined();
    const first = await getComponent('cmp-replay');
    fixture.emu.control.resetCallCounts();
    const replayed = await driver.run(event);
    expect(replayed.error).toBeUndefined();
    expect(replayed.physicalId).toBe('cmp-replay');
    expect(fixture.emu.control.callCounts().CreateComponent ?? 0).toBe(0);
    expect(fixture.emu.control.callCounts().UpdateComponent ?? 0).toBe(0);
    expect((await getComponent('cmp-replay')).lastAttemptedDeploymentId).toBe(first.lastAttemptedDeploymentId);
  });

  test('a component this resource did not create is refused and left untouched', async () => {
    await fixture.proton.send(new CreateComponentCommand({ name: 'cmp-foreign', environmentName: 'dev', manifest: MANIFEST, templateFile: templateFile() }));
    fixture.emu.control.advance(DURATIONS.deploymentMs);
    const before = await getComponent('cmp-foreign');
    const tagsBefore = await tagsOf(before.arn!);
    expect(Object.keys(tagsBefore).filter((key) => key.startsWith('cdk-proton:'))).toEqual([]);
    fixture.emu.control.resetCallCounts();
    const created = await driver.create('Cmp', standalone('cmp-foreign', { Tags: { team: 'red' } }));
    expect(created.error?.message).toBe("Proton component 'cmp-foreign' already exists and was not created by resource Cmp of this stack "
      + '(its cdk-proton ownership tags are missing or name another stack/resource). cdk-proton never adopts, updates or deletes a component it did not create. '
      + "To use the existing component, reference it with Component.fromComponentName(this, 'Id', 'cmp-foreign') instead of creating it; to create a new one, choose another name.");
    const calls = fixture.emu.control.callCounts();
    expect(Object.keys(calls).filter((op) => !op.startsWith('Get') && !op.startsWith('List'))).toEqual([]);
    expect(await getComponent('cmp-foreign')).toEqual(before);
    expect(await tagsOf(before.arn!)).toEqual(tagsBefore);

    const deleted = await driver.delete('Cmp', 'cmp-foreign', standalone('cmp-foreign'));
    expect(deleted.error).toBeUndefined();
    expect(fixture.emu.control.callCounts().DeleteComponent ?? 0).toBe(0);
    expect(await getComponent('cmp-foreign')).toEqual(before);
  });

  test('a failed deployment fails the create with Proton\'s message', async () => {
    fixture.emu.control.failNextDeployment('component/cmp-fail', 'Bucket name already taken');
    const created = await driver.create('Cmp', standalone('cmp-fail'));
    expect(created.error?.message).toBe("Proton component 'cmp-fail' deployment FAILED: Bucket name already taken");
    const deleted = await driver.delete('Cmp', 'cmp-fail', standalone('cmp-fail'));
    expect(deleted.error).toBeUndefined();
    await expect(fixture.proton.send(new GetComponentCommand({ name: 'cmp-fail' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  test('properties: attachment names go together; a standalone component needs its environment', async () => {
    const half = await driver.create('Cmp', standalone('cmp-half', { ServiceName: 'svc' }));
    expect(half.error?.message).toBe("Custom::ProtonComponent 'cmp-half': properties ServiceName and ServiceInstanceName go together "
      + '(both to attach the component to a service instance, neither for a standalone component); got only ServiceName.');
    const homeless = await driver.create('Cmp', standalone('cmp-homeless', { EnvironmentName: undefined }));
    expect(homeless.error?.message).toBe("Custom::ProtonComponent 'cmp-homeless': property EnvironmentName is required for a component "
      + 'that is not attached to a service instance (no ServiceName and ServiceInstanceName).');
    const inputs = await driver.create('Cmp', standalone('cmp-inputs', { ServiceInstanceInputs: '{}' }));
    expect(inputs.error?.message).toBe("Custom::ProtonComponent 'cmp-inputs': property ServiceInstanceInputs applies only to a component attached "
      + 'to a service instance; set ServiceName and ServiceInstanceName, or remove ServiceInstanceInputs.');
  });
});

describe('update', () => {
  test('a description-only change is a NONE update: no new deployment', async () => {
    const before = standalone('cmp-desc');
    await driver.create('Cmp', before);
    const deployed = await getComponent('cmp-desc');
    fixture.emu.control.resetCallCounts();
    const updated = await driver.update('Cmp', 'cmp-desc', before, { ...before, Description: `new ${CANARY}` });
    expect(updated.error).toBeUndefined();
    expect(updated.polls).toBe(1);
    expect(fixture.emu.control.callCounts().UpdateComponent).toBe(1);
    const component = await getComponent('cmp-desc');
    expect(component.description).toBe(`new ${CANARY}`);
    expect(component.lastAttemptedDeploymentId).toBe(deployed.lastAttemptedDeploymentId);
  });

  test('a changed template file redeploys (CURRENT_VERSION) and returns the new outputs', async () => {
    const before = standalone('cmp-tpl', { Outputs: ['BucketName'] });
    await driver.create('Cmp', before);
    const deployed = await getComponent('cmp-tpl');
    fixture.emu.control.resetCallCounts();
    const after = { ...before, TemplateFile: templateFile(['BucketName', 'BucketArn']), Outputs: ['BucketName', 'BucketArn'] };
    const updated = await driver.update('Cmp', 'cmp-tpl', before, after);
    expect(updated.error).toBeUndefined();
    expect(updated.data).toMatchObject({ 'Output.BucketArn': 'component/cmp-tpl/BucketArn', 'Output.BucketName': 'component/cmp-tpl/BucketName' });
    expect(fixture.emu.control.callCounts().UpdateComponent).toBe(1);
    const component = await getComponent('cmp-tpl');
    expect(component.lastAttemptedDeploymentId).not.toBe(deployed.lastAttemptedDeploymentId);
    expect(component.lastSucceededDeploymentId).toBe(component.lastAttemptedDeploymentId);
    expect((await deploymentsOf('cmp-tpl')).map((d) => d.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
  });

  test('changed instance inputs redeploy the attached component with the new serviceSpec', async () => {
    await deployService('cmp-svc-inputs');
    const before = attached('cmp-inp', 'cmp-svc-inputs', 'a');
    await driver.create('Cmp', before);
    fixture.emu.control.resetCallCounts();
    const updated = await driver.update('Cmp', 'cmp-inp', before, { ...before, ServiceInstanceInputs: JSON.stringify({ image: 'nginx:2', port: 81 }) });
    expect(updated.error).toBeUndefined();
    expect(fixture.emu.control.callCounts().UpdateComponent).toBe(1);
    expect(parse((await getComponent('cmp-inp')).serviceSpec!)).toEqual({
      proton: 'ServiceSpec', instances: [{ name: 'a', environment: 'dev', spec: { image: 'nginx:2', port: 81 } }],
    });
  });

  test('a tags-only change syncs the tags and calls no UpdateComponent', async () => {
    const before = standalone('cmp-tags', { Tags: { team: 'blue', cost: '1' } });
    await driver.create('Cmp', before);
    fixture.emu.control.resetCallCounts();
    const updated = await driver.update('Cmp', 'cmp-tags', before, { ...before, Tags: { team: 'green' } });
    expect(updated.error).toBeUndefined();
    expect(fixture.emu.control.callCounts().UpdateComponent ?? 0).toBe(0);
    const tags = await tagsOf((await getComponent('cmp-tags')).arn!);
    expect(tags).toMatchObject({ team: 'green', [OwnershipTag.LOGICAL_ID]: 'Cmp' });
    expect(tags.cost).toBeUndefined();
  });

  test('detach: an attached component becomes standalone in one deployment', async () => {
    await deployService('cmp-svc-detach');
    const before = attached('cmp-det', 'cmp-svc-detach', 'a', { EnvironmentName: undefined });
    await driver.create('Cmp', before);
    fixture.emu.control.resetCallCounts();
    const updated = await driver.update('Cmp', 'cmp-det', before, standalone('cmp-det', { Description: undefined }));
    expect(updated.error).toBeUndefined();
    expect(fixture.emu.control.callCounts().UpdateComponent).toBe(1);
    const component = await getComponent('cmp-det');
    expect(component).toMatchObject({ environmentName: 'dev', deploymentStatus: 'SUCCEEDED' });
    expect(component.serviceName).toBeUndefined();
    expect(component.serviceSpec).toBeUndefined();
    expect((await deploymentsOf('cmp-det')).map((d) => d.serviceInstanceName)).toEqual(['a', undefined]);
  });

  test('attach: a standalone component is attached in one deployment', async () => {
    await deployService('cmp-svc-attach');
    const before = standalone('cmp-atc', { Description: undefined });
    await driver.create('Cmp', before);
    fixture.emu.control.resetCallCounts();
    const updated = await driver.update('Cmp', 'cmp-atc', before, attached('cmp-atc', 'cmp-svc-attach', 'b'));
    expect(updated.error).toBeUndefined();
    expect(fixture.emu.control.callCounts().UpdateComponent).toBe(1);
    expect(await getComponent('cmp-atc')).toMatchObject({ serviceName: 'cmp-svc-attach', serviceInstanceName: 'b', deploymentStatus: 'SUCCEEDED' });
    expect((await deploymentsOf('cmp-atc')).map((d) => d.serviceInstanceName)).toEqual([undefined, 'b']);
  });

  test('moving to another instance detaches, waits for that deployment, then attaches', async () => {
    await deployService('cmp-svc-move');
    const before = attached('cmp-mv', 'cmp-svc-move', 'a');
    await driver.create('Cmp', before);
    fixture.emu.control.resetCallCounts();
    const updated = await driver.update('Cmp', 'cmp-mv', before, attached('cmp-mv', 'cmp-svc-move', 'b', { Outputs: ['BucketName'] }));
    expect(updated.error).toBeUndefined();
    expect(updated.data?.['Output.BucketName']).toBe('component/cmp-mv/BucketName');
    expect(fixture.emu.control.callCounts().UpdateComponent).toBe(2);
    expect(await getComponent('cmp-mv')).toMatchObject({ serviceName: 'cmp-svc-move', serviceInstanceName: 'b', deploymentStatus: 'SUCCEEDED' });
    const deployments = await deploymentsOf('cmp-mv');
    expect(deployments.map((d) => [d.serviceInstanceName, d.status])).toEqual([['a', 'SUCCEEDED'], [undefined, 'SUCCEEDED'], ['b', 'SUCCEEDED']]);
  });

  test('every step of a move is idempotent: each onEvent and isComplete call repeated at the same moment starts nothing twice', async () => {
    await deployService('cmp-svc-replay');
    const before = attached('cmp-rp', 'cmp-svc-replay', 'a');
    await driver.create('Cmp', before);
    fixture.emu.control.resetCallCounts();
    const event = updateEvent({ resourceType: ProtonResourceType.COMPONENT, logicalId: 'Cmp' }, 'cmp-rp', before, attached('cmp-rp', 'cmp-svc-replay', 'b'));
    await onEvent(event);
    const replayed = await onEvent(event);
    expect(fixture.emu.control.callCounts().UpdateComponent).toBe(1);
    const merged = { ...event, ...replayed } as OnEventRequest;
    let polls = 0;
    for (;;) {
      const once = await isComplete(merged);
      const twice = await isComplete(merged);
      expect(twice.IsComplete).toBe(once.IsComplete);
      if (once.IsComplete) break;
      expect(++polls).toBeLessThan(10);
      fixture.emu.control.advance(QUERY_INTERVAL_MS);
    }
    expect(fixture.emu.control.callCounts().UpdateComponent).toBe(2);
    expect((await deploymentsOf('cmp-rp')).map((d) => [d.serviceInstanceName, d.status])).toEqual([['a', 'SUCCEEDED'], [undefined, 'SUCCEEDED'], ['b', 'SUCCEEDED']]);
  });

  test('a move whose detach fails stops with Proton\'s message; the rollback attaches the component back', async () => {
    await deployService('cmp-svc-move-fail');
    const before = attached('cmp-mvf', 'cmp-svc-move-fail', 'a');
    await driver.create('Cmp', before);
    fixture.emu.control.failNextDeployment('component/cmp-mvf', 'stack is stuck');
    fixture.emu.control.resetCallCounts();
    const updated = await driver.update('Cmp', 'cmp-mvf', before, attached('cmp-mvf', 'cmp-svc-move-fail', 'b'));
    expect(updated.error?.message).toBe("Proton component 'cmp-mvf' deployment FAILED: stack is stuck");
    expect(fixture.emu.control.callCounts().UpdateComponent).toBe(1);
    const failed = await getComponent('cmp-mvf');
    expect(failed).toMatchObject({ deploymentStatus: 'FAILED', deploymentStatusMessage: 'stack is stuck' });
    expect(failed.serviceName).toBeUndefined();

    const rolledBack = await driver.update('Cmp', 'cmp-mvf', attached('cmp-mvf', 'cmp-svc-move-fail', 'b'), before);
    expect(rolledBack.error).toBeUndefined();
    expect(await getComponent('cmp-mvf')).toMatchObject({ serviceName: 'cmp-svc-move-fail', serviceInstanceName: 'a', deploymentStatus: 'SUCCEEDED' });
  });

  test('moving to an instance of another environment is refused before any change', async () => {
    await deployService('cmp-svc-env');
    const before = attached('cmp-env', 'cmp-svc-env', 'a');
    await driver.create('Cmp', before);
    fixture.emu.control.resetCallCounts();
    const updated = await driver.update('Cmp', 'cmp-env', before, attached('cmp-env', 'cmp-svc-env', 'p'));
    expect(updated.error?.message).toBe("Proton component 'cmp-env' is in environment 'dev' and cannot move to service instance 'p' of service 'cmp-svc-env' "
      + "in environment 'prod': Proton cannot move a component to another environment. Fix: also change componentName to create the component anew there, "
      + 'or revert the change.');
    expect(fixture.emu.control.callCounts().UpdateComponent ?? 0).toBe(0);
  });

  test('a changed manifest or environment is a replacement, refused under the same name', async () => {
    const before = standalone('cmp-repl');
    await driver.create('Cmp', before);
    const manifest = await driver.update('Cmp', 'cmp-repl', before, { ...before, Manifest: MANIFEST.replace('jinja', 'jinja ') });
    expect(manifest.error?.message).toBe("Cannot replace Proton component 'cmp-repl': Manifest changed, which Proton cannot update in place, "
      + "and the replacement would reuse the name 'cmp-repl' (CloudFormation creates the replacement before deleting the original, and Proton names are unique). "
      + 'Fix: also change componentName, or omit it so that cdk-proton generates a new name for every replacement; or revert the change.');
    const moved = await driver.update('Cmp', 'cmp-repl', before, { ...before, EnvironmentName: 'prod' });
    expect(moved.error?.message).toMatch(/^Cannot replace Proton component 'cmp-repl': EnvironmentName changed, which Proton cannot update in place/);
  });

  test('a replacement under a new name creates the new component in the new environment', async () => {
    const before = standalone('cmp-old');
    await driver.create('Cmp', before);
    const replaced = await driver.update('Cmp', 'cmp-old', before, standalone('cmp-new', { EnvironmentName: 'prod' }));
    expect(replaced.error).toBeUndefined();
    expect(replaced.physicalId).toBe('cmp-new');
    expect(await getComponent('cmp-new')).toMatchObject({ environmentName: 'prod', deploymentStatus: 'SUCCEEDED' });
  });

  test('an update deployment past the 30-minute budget is cancelled', async () => {
    const before = standalone('cmp-slow');
    await driver.create('Cmp', before);
    fixture.emu.control.setDurations({ deploymentMs: 2 * 60 * 60 * 1000 });
    fixture.emu.control.resetCallCounts();
    const updated = await driver.update('Cmp', 'cmp-slow', before, { ...before, TemplateFile: templateFile(['Other']) });
    expect(updated.error?.message).toMatch(/^Proton component 'cmp-slow' was still deploying after 30 minutes, the budget of one CloudFormation request: /);
    expect(fixture.emu.control.callCounts().CancelComponentDeployment).toBe(1);
    fixture.emu.control.advance(DURATIONS.cancellationMs);
    expect((await getComponent('cmp-slow')).deploymentStatus).toBe('CANCELLED');
  });
});

describe('delete', () => {
  test('a standalone component is deleted asynchronously; the request waits until it is gone', async () => {
    const p = standalone('cmp-del');
    await driver.create('Cmp', p);
    fixture.emu.control.resetCallCounts();
    const deleted = await driver.delete('Cmp', 'cmp-del', p);
    expect(deleted.error).toBeUndefined();
    expect(deleted.polls).toBeGreaterThan(1);
    expect(fixture.emu.control.callCounts().DeleteComponent).toBe(1);
    expect(fixture.emu.control.callCounts().UpdateComponent ?? 0).toBe(0);
    await expect(fixture.proton.send(new GetComponentCommand({ name: 'cmp-del' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect((await driver.delete('Cmp', 'cmp-del', p)).error).toBeUndefined();
  });

  test('an attached component is detached first, then deleted', async () => {
    await deployService('cmp-svc-del');
    const p = attached('cmp-adel', 'cmp-svc-del', 'a');
    await driver.create('Cmp', p);
    fixture.emu.control.resetCallCounts();
    const deleted = await driver.delete('Cmp', 'cmp-adel', p);
    expect(deleted.error).toBeUndefined();
    expect(fixture.emu.control.callCounts()).toMatchObject({ UpdateComponent: 1, DeleteComponent: 1 });
    await expect(fixture.proton.send(new GetComponentCommand({ name: 'cmp-adel' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  test('the detach waits for a deployment of the instance that Proton reports as a conflict', async () => {
    await deployService('cmp-svc-busy');
    const p = attached('cmp-busy', 'cmp-svc-busy', 'a');
    await driver.create('Cmp', p);
    await fixture.proton.send(new UpdateServiceInstanceCommand({
      serviceName: 'cmp-svc-busy', name: 'a', deploymentType: 'CURRENT_VERSION', spec: serviceSpec([{ name: 'a', environment: 'dev', image: 'nginx:2' }]),
    }));
    fixture.emu.control.resetCallCounts();
    const deleted = await driver.delete('Cmp', 'cmp-busy', p);
    expect(deleted.error).toBeUndefined();
    // Refused by the first poll, accepted once the instance's deployment finished.
    expect(fixture.emu.control.callCounts()).toMatchObject({ UpdateComponent: 2, DeleteComponent: 1 });
    expect(logged.some((line) => line.includes('deployment deferred: Proton reported a conflict'))).toBe(true);
    await expect(fixture.proton.send(new GetComponentCommand({ name: 'cmp-busy' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  test('DELETE_FAILED fails the delete with Proton\'s message', async () => {
    const p = standalone('cmp-delfail');
    await driver.create('Cmp', p);
    fixture.emu.control.failNextDeletion('component/cmp-delfail', 'bucket not empty');
    const deleted = await driver.delete('Cmp', 'cmp-delfail', p);
    expect(deleted.error?.message).toBe("Could not delete Proton component 'cmp-delfail': DELETE_FAILED: bucket not empty");
  });

  test('a physical id that is not ours is skipped without any Proton call', async () => {
    const p = standalone('cmp-keep');
    await driver.create('Cmp', p);
    fixture.emu.control.resetCallCounts();
    const event = deleteEvent({ resourceType: ProtonResourceType.COMPONENT, logicalId: 'Cmp' }, '2f0c6e1a-request-id', p);
    const deleted = await driver.run(event);
    expect(deleted.error).toBeUndefined();
    expect(fixture.emu.control.callCounts()).toEqual({});
    expect((await getComponent('cmp-keep')).deploymentStatus).toBe('SUCCEEDED');
  });

  test('a component created by another resource is skipped', async () => {
    const p = standalone('cmp-other');
    await driver.create('Owner', p);
    fixture.emu.control.resetCallCounts();
    const deleted = await driver.delete('Intruder', 'cmp-other', p);
    expect(deleted.error).toBeUndefined();
    expect(fixture.emu.control.callCounts().DeleteComponent ?? 0).toBe(0);
    expect(logged.some((line) => line.includes('delete skipped: component not created by this resource'))).toBe(true);
    expect((await getComponent('cmp-other')).deploymentStatus).toBe('SUCCEEDED');
  });
});
