/**
 * Issue 13's acceptance, run programmatically: the demo platform of examples/app.ts deployed
 * stage by stage with the `cloudformation` backend (`-c cdk-proton:backend=cloudformation`): no
 * custom resource, each environment, service instance and component a nested stack of its
 * rendered template, outputs flowing environment → instance ← component as nested-stack
 * parameters — and not one call to Proton (the emulator's call counts stay empty).
 */
import { App, NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parse } from 'yaml';
import { runnerHarness } from './fixtures/runner-harness';
import { buildDemoApp, DEMO_STACK_NAME, DemoStage } from '../../examples/app';
import { renderEnvironmentIac, renderInstanceIac } from '../../local/emulator/resources/iac-rendering';
import { StackState } from '../../local/runner/operation-context';
import { OperationResult } from '../../local/runner/runner';
import { renderedTemplateAsJson } from '../../src/private/render/cloudformation';

const harness = runnerHarness({ runnerPerTest: false });

function demoApp(stage: DemoStage, backend = 'cloudformation'): App {
  process.env.CDK_VALIDATION = 'false';
  return buildDemoApp(new App({
    context: { 'demo:stage': stage, 'cdk-proton:backend': backend, 'aws:cdk:disable-creation-stack-traces': true },
  }));
}

/** The nested stack resources of the demo stack: `<construct> <status>` by the logical id's prefix. */
function nestedStacks(): string[] {
  const stack = harness.runner.stack(DEMO_STACK_NAME)!;
  return Object.entries(stack.resources)
    .filter(([, r]) => r.type === 'AWS::CloudFormation::Stack')
    .map(([id, r]) => `${id.replace(/StackNestedStackStackNestedStackResource[0-9A-F]{8}$/, '')} ${r.stack!.status}`)
    .sort();
}

/** A nested stack of the demo stack by its logical id's prefix. */
function nested(prefix: string): StackState {
  const stack = harness.runner.stack(DEMO_STACK_NAME)!;
  const [, resource] = Object.entries(stack.resources).find(([id]) => id.startsWith(`${prefix}StackNestedStack`))!;
  return resource.stack!;
}

/**
 * Checks the nested stack operations of an operation: exactly `expected` (in any order: independent
 * nested stacks run side by side), each of `order`'s pairs `[first, then]` in that order.
 */
function expectNested(result: OperationResult, expected: string[], order: Array<[string, string]> = []): void {
  const events = nestedEvents(result);
  expect([...events].sort()).toEqual([...expected].sort());
  for (const [first, then] of order) expect([first, events.indexOf(first) < events.indexOf(then)]).toEqual([first, true]);
}

/** The nested stack operations of an operation, in order: `<construct> <status>`. */
function nestedEvents(result: OperationResult): string[] {
  return result.events
    .filter((e) => e.resourceType === 'AWS::CloudFormation::Stack' && e.logicalId !== e.stackName && /_COMPLETE$/.test(e.status))
    .map((e) => `${e.logicalId.replace(/StackNestedStackStackNestedStackResource[0-9A-F]{8}$/, '')} ${e.status}`);
}

test('the demo platform deploys, upgrades, loses an instance, detaches and removes its component and is destroyed as nested stacks, without one Proton call', async () => {
  harness.emulator.control.resetCallCounts();
  const initial = await harness.runner.deploy(demoApp('initial'));
  expect(initial.events.filter((e) => e.reason && /FAILED/.test(e.status)).map((e) => `${e.logicalId}: ${e.reason}`)).toEqual([]);
  expect(initial.success).toBe(true);
  expect(initial.requests).toEqual([]);
  expectNested(initial, [
    'Staging CREATE_COMPLETE',
    'Production CREATE_COMPLETE',
    'StagingJobs CREATE_COMPLETE',
    'ApiInstancestaging CREATE_COMPLETE',
    'ApiInstanceproduction1 CREATE_COMPLETE',
  ], [
    // Environments first, the component before the instance that reads its outputs.
    ['Staging CREATE_COMPLETE', 'StagingJobs CREATE_COMPLETE'],
    ['StagingJobs CREATE_COMPLETE', 'ApiInstancestaging CREATE_COMPLETE'],
    ['Production CREATE_COMPLETE', 'ApiInstanceproduction1 CREATE_COMPLETE'],
  ]);
  expect(nestedStacks()).toEqual([
    'ApiInstanceproduction1 CREATE_COMPLETE', 'ApiInstancestaging CREATE_COMPLETE', 'Production CREATE_COMPLETE',
    'Staging CREATE_COMPLETE', 'StagingJobs CREATE_COMPLETE',
  ]);
  // Outputs flow: the environment's VpcId into its instances, the component's queue into the staging instance.
  const stagingVpc = nested('Staging').outputs.VpcId;
  expect(nested('ApiInstancestaging').parameters).toEqual({
    CdkProtonInput0: stagingVpc, CdkProtonInput1: stagingVpc, CdkProtonInput2: nested('StagingJobs').outputs.QueueUrl,
  });
  expect(nested('ApiInstanceproduction1').parameters).toEqual({
    CdkProtonInput0: nested('Production').outputs.VpcId, CdkProtonInput1: nested('Production').outputs.VpcId,
  });
  expect(harness.runner.stack(DEMO_STACK_NAME)!.outputs).toEqual({
    NetworkTemplateRecommendedVersion: '1.0',
    StagingJobsQueueUrl: nested('StagingJobs').outputs.QueueUrl,
  });

  const upgraded = await harness.runner.deploy(demoApp('upgraded'));
  expect(upgraded.success).toBe(true);
  // 1.1 re-renders both environments (MINOR_VERSION: in place); production-2 is created.
  expectNested(upgraded, [
    'Staging UPDATE_COMPLETE',
    'Production UPDATE_COMPLETE',
    'ApiInstanceproduction2 CREATE_COMPLETE',
  ], [['Production UPDATE_COMPLETE', 'ApiInstanceproduction2 CREATE_COMPLETE']]);
  expect(nested('Staging').resources.Vpc.properties).toEqual({
    CidrBlock: '10.1.0.0/16', EnableDnsSupport: true, EnableDnsHostnames: true, Tags: [{ Key: 'Name', Value: 'demo-staging' }],
  });
  expect(harness.runner.stack(DEMO_STACK_NAME)!.outputs.NetworkTemplateRecommendedVersion).toBe('1.1');

  const removed = await harness.runner.deploy(demoApp('instance-removed'));
  expect(removed.success).toBe(true);
  // The detached component renders the same template (it reads names only): unchanged; the staging instance is re-rendered without its queue.
  expectNested(removed, [
    'ApiInstancestaging UPDATE_COMPLETE',
    'ApiInstanceproduction2 DELETE_COMPLETE',
  ], [['ApiInstancestaging UPDATE_COMPLETE', 'ApiInstanceproduction2 DELETE_COMPLETE']]);
  expect(Object.keys(nested('ApiInstancestaging').resources).sort()).toEqual(['ClientSecurityGroup', 'Config', 'SecurityGroup']);

  const componentRemoved = await harness.runner.deploy(demoApp('component-removed'));
  expect(componentRemoved.success).toBe(true);
  expectNested(componentRemoved, ['StagingJobs DELETE_COMPLETE']);

  const destroyed = await harness.runner.destroy({ stackNames: [DEMO_STACK_NAME] });
  expect(destroyed.success).toBe(true);
  expectNested(destroyed, [
    'ApiInstanceproduction1 DELETE_COMPLETE',
    'ApiInstancestaging DELETE_COMPLETE',
    'Production DELETE_COMPLETE',
    'Staging DELETE_COMPLETE',
  ], [['ApiInstanceproduction1 DELETE_COMPLETE', 'Production DELETE_COMPLETE'], ['ApiInstancestaging DELETE_COMPLETE', 'Staging DELETE_COMPLETE']]);
  expect(harness.runner.stack(DEMO_STACK_NAME)).toBeUndefined();
  expect(harness.emulator.control.callCounts()).toEqual({});
}, 120_000);

/**
 * A nested template with its parameters given values: each `CdkProtonInput<n>` (its Description
 * names what it stands for) replaced by `valueOf(label)`, the `Fn::Join`s of plain strings joined.
 */
function substituted(template: any, valueOf: (label: string) => string): unknown {
  const { Parameters: parameters, ...body } = template;
  const values = Object.fromEntries(Object.entries(parameters ?? {}).map(([name, p]: [string, any]) => [name, valueOf(p.Description)]));
  const walk = (v: any): any => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    if (Object.keys(v).length === 1 && typeof v.Ref === 'string' && v.Ref in values) return values[v.Ref];
    const out = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    const join = out['Fn::Join'];
    if (Object.keys(out).length === 1 && Array.isArray(join) && join[0] === '' && join[1].every((x: unknown) => typeof x === 'string')) return join[1].join('');
    return out;
  };
  return walk(body);
}

test('parity: the nested templates of an environment and an instance equal what the emulator renders when the proton backend deploys the same app', async () => {
  const deployed = await harness.runner.deploy(demoApp('initial', 'proton'));
  expect(deployed.success).toBe(true);
  const [account] = Object.values((harness.emulator.control.dump() as any).accounts) as any[];
  const version = (kind: string, name: string) => account.templateVersions[`${kind}:${name}:1.0`];
  const environment = account.environments['demo-staging'];
  const service = account.services['demo-api'];
  const instance = service.instances.staging;
  const maps = { ...account, environments: new Map(Object.entries(account.environments)), components: new Map(Object.entries(account.components)) };
  const emulatorEnvironment = renderEnvironmentIac(environment, version('ENVIRONMENT', 'demo-network'), parse(environment.spec).spec) as { text: string };
  const emulatorInstance = renderInstanceIac(maps, service, instance, version('SERVICE', 'demo-web-service')) as { text: string };

  // The emulator's render of the instance holds the queue URL of its component.
  expect(emulatorInstance.text).toContain(`Value: '${account.components['demo-api-staging-jobs'].outputs.find((o: any) => o.key === 'QueueUrl').valueString}'`);

  const app = demoApp('initial');
  const stack = app.node.findChild(DEMO_STACK_NAME) as Stack;
  const declared = stack.node.findAll().filter(NestedStack.isNestedStack);
  const nestedTemplate = (path: string) => Template.fromStack(declared.find((s) => s.node.path === path)!).toJSON();
  type Outputs = { outputs: Array<{ key: string; valueString: string }> };
  const output = (record: Outputs, key: string) => record.outputs.find((o) => o.key === key)!.valueString;
  const component = account.components['demo-api-staging-jobs'];
  const labels: Record<string, string> = {
    'environment.outputs.VpcId': output(environment, 'VpcId'),
    'service_instance.inputs.vpc_id': output(environment, 'VpcId'),
    'service_instance.components.default.outputs.QueueUrl': output(component, 'QueueUrl'),
  };
  expect(substituted(nestedTemplate(`${DEMO_STACK_NAME}/Staging/Stack`), (label) => labels[label]))
    .toEqual(renderedTemplateAsJson(emulatorEnvironment.text));
  expect(substituted(nestedTemplate(`${DEMO_STACK_NAME}/Api/Instance.staging/Stack`), (label) => labels[label]))
    .toEqual(renderedTemplateAsJson(emulatorInstance.text));
  expect((await harness.runner.destroy({ stackNames: [DEMO_STACK_NAME] })).success).toBe(true);
}, 120_000);
