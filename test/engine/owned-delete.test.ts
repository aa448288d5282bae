/**
 * The one delete mechanism (lambda/engine/owned-delete.ts) — get → owned? → delete — for the
 * resources Proton deletes asynchronously. A resource that goes away between the handler's read
 * and its next call is a successful delete (finding 4: "the delete-completion check reads the
 * resource and then lists its tags; if the delete finishes between the two calls, the
 * ResourceNotFound is reported as DELETE_FAILED"). The race is made deterministic with the real
 * emulator, whose ListTagsForResource first lets the resource be deleted (by the emulator's own
 * operations, as an earlier attempt's delete finishing would).
 */
import { CreateComponentCommand, CreateEnvironmentCommand, CreateServiceCommand, ListTagsForResourceCommand } from '@aws-sdk/client-proton';
import { STACK_ID, deleteEvent } from './cfn-events';
import { handlerTest } from './handler-harness';
import { composeOperations } from '../../local/emulator/core/operations';
import type { OperationTable, RequestContext } from '../../local/emulator/core/runtime';
import { RESOURCE_MODULES } from '../../local/emulator/resources';
import { OwnershipTag, ProtonResourceType } from '../../src/custom-resources/contract';
import {
  COMPONENT_ROLE_ARN, DURATIONS, ROLE_ARN, envSpec, publishEnvironmentTemplate, publishServiceTemplate, serviceSpec,
} from '../emulator/deployment-fixtures';

const CANARY = 'CANARY-owned-delete';
const real = composeOperations(RESOURCE_MODULES);

/** Runs once, right before the next ListTagsForResource: what happens between the handler's read and its tag listing. */
let meanwhile: ((ctx: RequestContext) => unknown) | undefined;
const operations: OperationTable = {
  ...real,
  ListTagsForResource: (input, ctx) => {
    const interfere = meanwhile;
    meanwhile = undefined;
    interfere?.(ctx);
    return real.ListTagsForResource(input, ctx);
  },
};

const fixture = handlerTest({
  durations: DURATIONS,
  operations,
  canary: CANARY,
  setUp: async (proton, emu) => {
    await publishEnvironmentTemplate(proton, emu, 'race-net');
    await publishServiceTemplate(proton, emu, 'race-web', 'race-net');
  },
});

const ownership = (logicalId: string) => [{ key: OwnershipTag.STACK_ID, value: STACK_ID }, { key: OwnershipTag.LOGICAL_ID, value: logicalId }];

/** Deletes `name` with the emulator's own operation, then lets Proton finish it. */
function deletedMeanwhile(operation: string, input: object, settleMs: number) {
  return (ctx: RequestContext) => {
    real[operation](input, ctx);
    ctx.runtime.clock.advance(settleMs);
  };
}

async function environment(name: string, logicalId: string): Promise<void> {
  await fixture.proton.send(new CreateEnvironmentCommand({
    name,
    templateName: 'race-net',
    templateMajorVersion: '1',
    spec: envSpec(),
    protonServiceRoleArn: ROLE_ARN,
    componentRoleArn: COMPONENT_ROLE_ARN,
    tags: ownership(logicalId),
  }));
  fixture.emu.control.advance(DURATIONS.deploymentMs);
}

const envProps = (name: string) => ({ Name: name, TemplateName: 'race-net', TemplateMajorVersion: '1', Spec: envSpec(), ProtonServiceRoleArn: ROLE_ARN });

test('an environment deleted between the read and the tag listing is deleted: success, not DELETE_FAILED', async () => {
  await environment('race-env', 'Env');
  meanwhile = deletedMeanwhile('DeleteEnvironment', { name: 'race-env' }, DURATIONS.deletionMs);
  const deleted = await fixture.driverFor(ProtonResourceType.ENVIRONMENT).run(deleteEvent({ resourceType: ProtonResourceType.ENVIRONMENT, logicalId: 'Env' }, 'race-env', envProps('race-env')));
  expect(deleted.error).toBeUndefined();
  expect(meanwhile).toBeUndefined();
  expect(fixture.logged.some((line) => line.includes('environment gone while being deleted'))).toBe(true);
});

test('a service deleted between the read and the tag listing is deleted: success, not DELETE_FAILED', async () => {
  await environment('race-svc-env', 'SvcEnv');
  await fixture.proton.send(new CreateServiceCommand({
    name: 'race-svc', templateName: 'race-web', templateMajorVersion: '1', spec: serviceSpec([{ name: 'a', environment: 'race-svc-env' }]), tags: ownership('Svc'),
  }));
  fixture.emu.control.advance(DURATIONS.deploymentMs + DURATIONS.serviceMs);
  meanwhile = deletedMeanwhile('DeleteService', { name: 'race-svc' }, DURATIONS.deletionMs + DURATIONS.serviceMs);
  const props = {
    Name: 'race-svc', TemplateName: 'race-web', TemplateMajorVersion: '1', Instances: [{ Name: 'a', Environment: 'race-svc-env', Inputs: '{}' }],
  };
  const deleted = await fixture.driverFor(ProtonResourceType.SERVICE).run(deleteEvent({ resourceType: ProtonResourceType.SERVICE, logicalId: 'Svc' }, 'race-svc', props));
  expect(deleted.error).toBeUndefined();
  expect(meanwhile).toBeUndefined();
  expect(fixture.logged.some((line) => line.includes('service gone while being deleted'))).toBe(true);
});

test('a component deleted between the read and the tag listing is deleted: success, not DELETE_FAILED', async () => {
  await environment('race-cmp-env', 'CmpEnv');
  const manifest = 'infrastructure:\n  templates:\n    - file: "cloudformation.yaml"\n      rendering_engine: jinja\n      template_language: cloudformation\n';
  const templateFile = 'Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n';
  await fixture.proton.send(new CreateComponentCommand({ name: 'race-cmp', environmentName: 'race-cmp-env', manifest, templateFile, tags: ownership('Cmp') }));
  fixture.emu.control.advance(DURATIONS.deploymentMs);
  meanwhile = deletedMeanwhile('DeleteComponent', { name: 'race-cmp' }, DURATIONS.deletionMs);
  const props = { Name: 'race-cmp', EnvironmentName: 'race-cmp-env', Manifest: manifest, TemplateFile: templateFile };
  const deleted = await fixture.driverFor(ProtonResourceType.COMPONENT).run(deleteEvent({ resourceType: ProtonResourceType.COMPONENT, logicalId: 'Cmp' }, 'race-cmp', props));
  expect(deleted.error).toBeUndefined();
  expect(meanwhile).toBeUndefined();
  expect(fixture.logged.some((line) => line.includes('component gone while being deleted'))).toBe(true);
  // Nothing of it is left: its tags went with it.
  await expect(fixture.proton.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:proton:us-east-1:111111111111:component/race-cmp' })))
    .rejects.toMatchObject({ name: 'ResourceNotFoundException' });
});
