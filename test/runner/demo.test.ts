/**
 * The quick start's demo (`npm run demo`), run programmatically: the platform of examples/app.ts
 * deployed stage by stage by the runner through the REAL bundled handler against the emulator on
 * its virtual clock, with the Proton state asserted after each stage and after the destroy.
 */
import { GetServiceInstanceCommand } from '@aws-sdk/client-proton';
import { demoAssembly, expectedPlatform, NOTHING } from './fixtures/demo-platform';
import { runnerHarness } from './fixtures/runner-harness';
import { DEMO_STACK_NAME } from '../../examples/app';
import { readProtonState } from '../../examples/proton-state';
import { OperationResult } from '../../local/runner/runner';

const harness = runnerHarness({ runnerPerTest: false });

/** The Proton custom resource requests of an operation: `Type LogicalIdPrefix Status`. */
function protonRequests(result: OperationResult): string[] {
  return result.requests
    .filter(({ request }) => request.ResourceType.startsWith('Custom::Proton'))
    .map(({ request, response }) => `${request.RequestType} ${request.LogicalResourceId.replace(/[0-9A-F]{8}$/, '')} ${response.Status}`);
}

async function instanceSpec(name: string): Promise<string> {
  return (await harness.proton.send(new GetServiceInstanceCommand({ serviceName: 'demo-api', name }))).serviceInstance!.spec!;
}

test('the demo platform deploys with a component attached to an instance, upgrades its environments to 1.1 and scales out, loses that instance and detaches the component, removes it, and is destroyed without leftovers', async () => {
  const initial = await harness.runner.deploy(demoAssembly('initial'));
  expect(initial.success).toBe(true);
  expect(protonRequests(initial)).toEqual([
    // As they complete: independent resources deploy at the same time, as CloudFormation does.
    'Create NetworkTemplate SUCCESS',
    'Create WebServiceTemplate SUCCESS',
    'Create NetworkTemplateV1 SUCCESS',
    'Create WebServiceTemplateV1 SUCCESS',
    'Create Staging SUCCESS',
    'Create Production SUCCESS',
    'Create Api SUCCESS',
    'Create StagingJobs SUCCESS',
  ]);
  expect(await readProtonState(harness.proton)).toEqual(expectedPlatform('initial'));
  expect(harness.runner.stack(DEMO_STACK_NAME)!.outputs).toEqual({
    NetworkTemplateRecommendedVersion: '1.0',
    StagingJobsQueueUrl: 'component/demo-api-staging-jobs/QueueUrl',
  });
  // Each instance's vpc_id input is its environment's VpcId output (the emulator's value names its origin).
  expect(await instanceSpec('staging')).toContain('vpc_id: environment/demo-staging/VpcId');
  expect(await instanceSpec('production-1')).toContain('vpc_id: environment/demo-production/VpcId');

  const upgraded = await harness.runner.deploy(demoAssembly('upgraded'));
  expect(upgraded.success).toBe(true);
  expect(protonRequests(upgraded)).toEqual([
    'Create NetworkTemplateV11 SUCCESS',
    'Update Staging SUCCESS',
    'Update Production SUCCESS',
    'Update Api SUCCESS',
  ]);
  expect(await readProtonState(harness.proton)).toEqual(expectedPlatform('upgraded'));
  expect(harness.runner.stack(DEMO_STACK_NAME)!.outputs).toEqual({
    NetworkTemplateRecommendedVersion: '1.1',
    StagingJobsQueueUrl: 'component/demo-api-staging-jobs/QueueUrl',
  });

  const removed = await harness.runner.deploy(demoAssembly('instance-removed'));
  expect(removed.success).toBe(true);
  // The detached component no longer depends on the service: both updates run at the same time.
  expect(protonRequests(removed)).toEqual(['Update StagingJobs SUCCESS', 'Update Api SUCCESS']);
  expect(await readProtonState(harness.proton)).toEqual(expectedPlatform('instance-removed'));

  // The component leaves the stack: deleted in the cleanup phase, when the handler's policy no longer
  // names it (its ownership tag still lets the handler delete it).
  const componentRemoved = await harness.runner.deploy(demoAssembly('component-removed'));
  expect(componentRemoved.success).toBe(true);
  expect(protonRequests(componentRemoved)).toEqual(['Delete StagingJobs SUCCESS']);
  expect(await readProtonState(harness.proton)).toEqual(expectedPlatform('component-removed'));
  expect(harness.runner.stack(DEMO_STACK_NAME)!.outputs).toEqual({ NetworkTemplateRecommendedVersion: '1.1' });

  const destroyed = await harness.runner.destroy({ stackNames: [DEMO_STACK_NAME] });
  expect(destroyed.success).toBe(true);
  expect(protonRequests(destroyed)).toEqual([
    'Delete Api SUCCESS',
    'Delete WebServiceTemplateV1 SUCCESS',
    'Delete WebServiceTemplate SUCCESS',
    'Delete Production SUCCESS',
    'Delete Staging SUCCESS',
    'Delete NetworkTemplateV11 SUCCESS',
    'Delete NetworkTemplateV1 SUCCESS',
    'Delete NetworkTemplate SUCCESS',
  ]);
  expect(harness.runner.stack(DEMO_STACK_NAME)).toBeUndefined();
  expect(await readProtonState(harness.proton)).toEqual(NOTHING);
}, 120_000);
