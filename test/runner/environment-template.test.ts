/**
 * End to end: an app using the library's EnvironmentTemplate, deployed by the runner through the
 * REAL bundled handler (assets/lambda/index/index.js, `npx projen bundle`) against the emulator.
 */
import {
  CreateEnvironmentTemplateCommand, GetEnvironmentTemplateCommand, ListEnvironmentTemplatesCommand, ResourceNotFoundException,
} from '@aws-sdk/client-proton';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { runnerHarness } from './fixtures/runner-harness';
import { testApp } from './fixtures/test-app';
import { OperationResult } from '../../local/runner/runner';
import { EnvironmentTemplate, EnvironmentTemplateProps } from '../../src';

const STACK = 'ProtonE2E';
const CANARY = 'canary-7f3c9d2e-never-logged';

const harness = runnerHarness();

function templateApp(props: EnvironmentTemplateProps, customize: (t: EnvironmentTemplate) => void = () => undefined): App {
  const app = testApp();
  const template = new EnvironmentTemplate(new Stack(app, STACK), 'Template', props);
  customize(template);
  return app;
}

function requests(result: OperationResult): string[][] {
  return result.requests
    .filter(({ request }) => request.ResourceType === 'Custom::ProtonEnvironmentTemplate')
    .map(({ request, response }) => [request.RequestType, request.PhysicalResourceId ?? '-', response.Status, response.PhysicalResourceId]);
}

async function getTemplate(name: string) {
  return (await harness.proton.send(new GetEnvironmentTemplateCommand({ name }))).environmentTemplate;
}

/** Everything the runner printed or captured: events (with reasons) and the Lambda logs. */
function everythingLogged(): string {
  return [...harness.runner.events.map((e) => JSON.stringify(e)), ...harness.runner.logs.map((l) => l.line)].join('\n');
}

test('create, update in place, replacement and destroy of an environment template', async () => {
  const created = await harness.runner.deploy(templateApp({ environmentTemplateName: 'e2e-network', displayName: 'Network', description: `first ${CANARY}` }));
  expect(created.success).toBe(true);
  // The physical id is the Proton identity (the template name), not the RequestId.
  expect(requests(created)).toEqual([['Create', '-', 'SUCCESS', 'e2e-network']]);
  expect(created.requests[0].response.Data).toEqual({ Name: 'e2e-network', Arn: 'arn:aws:proton:us-east-1:111111111111:environment-template/e2e-network' });
  expect(await getTemplate('e2e-network')).toMatchObject({ name: 'e2e-network', displayName: 'Network', description: `first ${CANARY}` });

  const updated = await harness.runner.deploy(templateApp({ environmentTemplateName: 'e2e-network', displayName: 'Network v2', description: `second ${CANARY}` }));
  expect(requests(updated)).toEqual([['Update', 'e2e-network', 'SUCCESS', 'e2e-network']]);
  expect(updated.requests[0].request.OldResourceProperties).toMatchObject({ DisplayName: 'Network' });
  expect(await getTemplate('e2e-network')).toMatchObject({ displayName: 'Network v2', description: `second ${CANARY}` });

  const replaced = await harness.runner.deploy(templateApp({ environmentTemplateName: 'e2e-network-b', displayName: 'Network v2' }));
  expect(requests(replaced)).toEqual([
    ['Update', 'e2e-network', 'SUCCESS', 'e2e-network-b'],
    ['Delete', 'e2e-network', 'SUCCESS', 'e2e-network'],
  ]);
  expect(replaced.events.map((e) => e.status)).toContain('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
  await expect(getTemplate('e2e-network')).rejects.toBeInstanceOf(ResourceNotFoundException);
  expect(await getTemplate('e2e-network-b')).toMatchObject({ displayName: 'Network v2' });

  const destroyed = await harness.runner.destroy({ stackNames: [STACK] });
  expect(destroyed.success).toBe(true);
  expect(requests(destroyed)).toEqual([['Delete', 'e2e-network-b', 'SUCCESS', 'e2e-network-b']]);
  expect((await harness.proton.send(new ListEnvironmentTemplatesCommand({}))).templates).toEqual([]);

  // Descriptions and the ResponseURL never reach the logs or the events.
  expect(harness.runner.logs.length).toBeGreaterThan(0);
  expect(everythingLogged()).not.toContain(CANARY);
  expect(everythingLogged()).not.toMatch(/X-Amz-Signature|cloudformation-custom-resource-response/);
});

test('a same-name foreign template fails the create; the stack rolls back and the foreign template is untouched', async () => {
  await harness.proton.send(new CreateEnvironmentTemplateCommand({ name: 'e2e-foreign', displayName: 'Not ours', description: 'owned by someone else' }));
  const deletesBefore = harness.emulator.control.callCounts().DeleteEnvironmentTemplate ?? 0;
  const result = await harness.runner.deploy(templateApp({ environmentTemplateName: 'e2e-foreign', displayName: 'Ours' }));
  expect(result.success).toBe(false);
  expect(harness.runner.stack(STACK)?.status).toBe('ROLLBACK_COMPLETE');
  const failed = result.events.find((e) => e.status === 'CREATE_FAILED')!;
  expect(failed.resourceType).toBe('Custom::ProtonEnvironmentTemplate');
  expect(failed.reason!.split('\n')[0]).toMatch(/^Proton environment template 'e2e-foreign' already exists and was not created by /);
  expect(requests(result).map(([type, , status]) => [type, status])).toEqual([['Create', 'FAILED'], ['Delete', 'SUCCESS']]);
  expect(harness.emulator.control.callCounts().DeleteEnvironmentTemplate ?? 0).toBe(deletesBefore);
  expect(await getTemplate('e2e-foreign')).toMatchObject({ displayName: 'Not ours', description: 'owned by someone else' });
});

test('a failed update rolls back to the old properties', async () => {
  await harness.runner.deploy(templateApp({ environmentTemplateName: 'e2e-rollback', displayName: 'Before' }));
  // Proton rejects a display name over 100 characters (the construct checks it too; the escape hatch bypasses that).
  const result = await harness.runner.deploy(templateApp({ environmentTemplateName: 'e2e-rollback', displayName: 'Before' }, (t) => {
    (t.node.findChild('Resource').node.defaultChild as CfnResource).addPropertyOverride('DisplayName', 'x'.repeat(101));
  }));
  expect(result.success).toBe(false);
  expect(requests(result)).toEqual([
    ['Update', 'e2e-rollback', 'FAILED', 'e2e-rollback'],
    ['Update', 'e2e-rollback', 'SUCCESS', 'e2e-rollback'],
  ]);
  expect(result.requests[1].request).toMatchObject({ ResourceProperties: { DisplayName: 'Before' }, OldResourceProperties: { DisplayName: 'x'.repeat(101) } });
  expect(harness.runner.stack(STACK)?.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect(await getTemplate('e2e-rollback')).toMatchObject({ displayName: 'Before' });
  await harness.runner.destroy({ stackNames: [STACK] });
});
