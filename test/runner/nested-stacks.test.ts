/**
 * Nested stacks (`AWS::CloudFormation::Stack`, the CDK's `NestedStack`) in the local runner, with
 * plain aws-cdk-lib apps: the nested template read back from the asset bucket, parameters from the
 * parent, outputs to the parent and to a sibling, stand-ins and custom resources (through the
 * parent's provider, or one inside a nested stack) in nested stacks, updates cleaned up with the
 * parent, failures and rollbacks propagated both ways, the state file and destroy.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnOutput, CfnParameter, CfnResource, CfnStack, Fn, NestedStack, Stack } from 'aws-cdk-lib';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { FIXTURE_STACK, fixtureApp, FixtureOptions, FixtureResource } from './fixtures/app';
import { runnerHarness } from './fixtures/runner-harness';
import { testApp } from './fixtures/test-app';
import { StackEvent } from '../../local/runner/events';
import { TemplateError } from '../../local/runner/intrinsics';
import { nestedParameters, nestedStackIdentity, parseTemplate, readNestedTemplate } from '../../local/runner/nested-stack';
import { STACK_TYPE, StackState } from '../../local/runner/operation-context';
import { CREATE_FAILED_PHYSICAL_ID_MARKER } from '../../local/runner/provider-framework';
import { OperationResult } from '../../local/runner/runner';

const harness = runnerHarness();

/** The logical ids the CDK gives the two NestedStacks' resources in their parent. */
const NETWORK = 'NetworkNestedStackNetworkNestedStackResource0124E108';
const APP = 'AppNestedStackAppNestedStackResource86E0A1A0';
const NESTED_NAME = /^[0-9A-Z]{12,13}$/;

/**
 * Events as `<stack> <resource> <status>[: <reason>]`: stacks and nested stack resources by label
 * (`P` for the parent, `Network` and `App` for the nested stacks), `-` for a stack's own events.
 * Only resources of `types` (all when omitted).
 */
function trace(events: StackEvent[], labels: Record<string, string>, types?: string[]): string[] {
  return events
    .filter((e) => !types || types.includes(e.resourceType))
    .map((e) => {
      const resource = e.logicalId === e.stackName ? '-' : labels[e.logicalId] ?? e.logicalId;
      return `${labels[e.stackName] ?? e.stackName} ${resource} ${e.status}${e.reason ? `: ${e.reason.split('\n')[0]}` : ''}`;
    });
}

/** The nested stack of a parent's resource, as deployed. */
function nested(parent: StackState | undefined, logicalId: string): StackState {
  const stack = parent?.resources[logicalId]?.stack;
  if (!stack) throw new Error(`No nested stack ${logicalId} in ${parent?.stackName}.`);
  return stack;
}

/** The nested stack ids of an operation, by the parent's logical id (from "Resource creation Initiated"). */
function nestedIds(result: OperationResult): Record<string, string> {
  return Object.fromEntries(result.events.filter((e) => e.reason === 'Resource creation Initiated').map((e) => [e.logicalId, e.physicalId!]));
}

/** The stack name in a nested stack id (`arn:...:stack/<name>/<uuid>`). */
function nameOf(stackId: string): string {
  return stackId.split('/')[1];
}

describe('nested stacks of stand-ins', () => {
  const PARENT = 'NestedParent';

  /** A parent with a Topic; Network (parameter Stage) with a Role named after it; App with a Role described by Network's. */
  function standInApp(stage: string, extra: 'Queue' | 'Bucket'): App {
    const app = testApp();
    const parent = new Stack(app, PARENT);
    const topic = new CfnResource(parent, 'Topic', { type: 'AWS::SNS::Topic' });
    const network = new NestedStack(parent, 'Network', { parameters: { Stage: stage } });
    const stageParameter = new CfnParameter(network, 'Stage', { type: 'String' });
    stageParameter.overrideLogicalId('Stage');
    const role = new CfnResource(network, 'Role', {
      type: 'AWS::IAM::Role',
      properties: { RoleName: Fn.join('-', [stageParameter.valueAsString, 'app']), Description: topic.ref },
    });
    new CfnResource(network, extra, { type: extra === 'Queue' ? 'AWS::SQS::Queue' : 'AWS::S3::Bucket' });
    const appStack = new NestedStack(parent, 'App');
    new CfnResource(appStack, 'Role', { type: 'AWS::IAM::Role', properties: { Description: role.getAtt('Arn') } });
    new CfnOutput(parent, 'NetworkRoleArn', { value: role.getAtt('Arn').toString() });
    return app;
  }

  test('parameters from the parent, outputs to the parent and a sibling; an update cleaned up with the parent; destroy from the state file', async () => {
    const stateDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'nested-stacks-'));
    try {
      const runner = await harness.restartRunner({ stateDirectory });
      const account = runner.target.accountId;
      const created = await runner.deploy(standInApp('dev', 'Queue'));
      expect(created.success).toBe(true);
      const parent = runner.stack(PARENT)!;
      const network = nested(parent, NETWORK);
      const app = nested(parent, APP);
      const labels = { [PARENT]: 'P', [network.stackName]: 'Network', [app.stackName]: 'App', [NETWORK]: 'Network', [APP]: 'App' };

      // CloudFormation's naming: <parent>-<logical id>-<suffix>; the id is the nested stack's ARN.
      for (const [stack, logicalId] of [[network, NETWORK], [app, APP]] as const) {
        const suffixAt = stack.stackName.lastIndexOf('-');
        expect(stack.stackName.slice(0, suffixAt)).toBe(`${PARENT}-${logicalId}`);
        expect(stack.stackName.slice(suffixAt + 1)).toMatch(NESTED_NAME);
        expect(stack.stackId).toMatch(new RegExp(`^arn:aws:cloudformation:us-east-1:${account}:stack/${stack.stackName}/[0-9a-f-]{36}$`));
        expect(parent.resources[logicalId]).toMatchObject({ type: STACK_TYPE, physicalId: stack.stackId });
      }
      expect(nestedIds(created)).toEqual({ [NETWORK]: network.stackId, [APP]: app.stackId });
      expect(trace(created.events, labels)).toEqual([
        'P - CREATE_IN_PROGRESS: User Initiated',
        'P Topic CREATE_IN_PROGRESS',
        'P Topic CREATE_COMPLETE',
        'P Network CREATE_IN_PROGRESS',
        'P Network CREATE_IN_PROGRESS: Resource creation Initiated',
        'Network - CREATE_IN_PROGRESS: User Initiated',
        'Network Role CREATE_IN_PROGRESS',
        'Network Role CREATE_COMPLETE',
        'Network Queue CREATE_IN_PROGRESS',
        'Network Queue CREATE_COMPLETE',
        'Network - CREATE_COMPLETE',
        'P Network CREATE_COMPLETE',
        'P App CREATE_IN_PROGRESS',
        'P App CREATE_IN_PROGRESS: Resource creation Initiated',
        'App - CREATE_IN_PROGRESS: User Initiated',
        'App Role CREATE_IN_PROGRESS',
        'App Role CREATE_COMPLETE',
        'App - CREATE_COMPLETE',
        'P App CREATE_COMPLETE',
        'P - CREATE_COMPLETE',
      ]);
      // The parent's Topic reached Network as a parameter; Network's role ARN reached App (a sibling) and the parent as outputs.
      const roleArn = `arn:aws:iam::${account}:role/dev-app`;
      expect(network.resources.Role.properties).toEqual({ RoleName: 'dev-app', Description: parent.resources.Topic.physicalId });
      expect(app.resources.Role.properties).toEqual({ Description: roleArn });
      expect(parent.outputs).toEqual({ NetworkRoleArn: roleArn });
      expect(Object.values(parent.resources[NETWORK].attributes)).toContain(roleArn);
      // Pseudo parameters in a nested stack are the nested stack's: generated names start with its name.
      expect(network.resources.Queue.physicalId.startsWith(`${network.stackName}-Queue`.slice(0, 50))).toBe(true);
      // What the parent gave (strings): its own parameter, and the reference the CDK made a parameter.
      expect(network).toMatchObject({
        status: 'CREATE_COMPLETE',
        parameters: { Stage: 'dev', referencetoNestedParentTopicB0C991AERef: parent.resources.Topic.physicalId },
      });
      expect(Object.keys(network.parameters!)).toEqual(['Stage', 'referencetoNestedParentTopicB0C991AERef']);

      const updated = await runner.deploy(standInApp('prod', 'Bucket'));
      expect(updated.success).toBe(true);
      expect(trace(updated.events, labels)).toEqual([
        'P - UPDATE_IN_PROGRESS: User Initiated',
        'P Network UPDATE_IN_PROGRESS',
        'Network - UPDATE_IN_PROGRESS: User Initiated',
        'Network Role UPDATE_IN_PROGRESS',
        'Network Role UPDATE_IN_PROGRESS: Requested update requires the creation of a new physical resource; hence creating one.',
        'Network Role UPDATE_COMPLETE',
        'Network Bucket CREATE_IN_PROGRESS',
        'Network Bucket CREATE_COMPLETE',
        'Network - UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
        'P Network UPDATE_COMPLETE',
        'P App UPDATE_IN_PROGRESS',
        'App - UPDATE_IN_PROGRESS: User Initiated',
        'App Role UPDATE_IN_PROGRESS',
        'App Role UPDATE_COMPLETE',
        'App - UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
        'P App UPDATE_COMPLETE',
        // The nested stacks clean up (delete what they replaced or removed) in the parent's cleanup.
        'P - UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
        'Network Queue DELETE_IN_PROGRESS',
        'Network Queue DELETE_COMPLETE',
        'Network Role DELETE_IN_PROGRESS',
        'Network Role DELETE_COMPLETE',
        'Network - UPDATE_COMPLETE',
        'App - UPDATE_COMPLETE',
        'P - UPDATE_COMPLETE',
      ]);
      const deletedRole = updated.events.find((e) => e.logicalId === 'Role' && e.status === 'DELETE_COMPLETE')!;
      expect(deletedRole).toMatchObject({ stackName: network.stackName, physicalId: 'dev-app' });
      const after = runner.stack(PARENT)!;
      expect(nested(after, NETWORK)).toMatchObject({ stackId: network.stackId, status: 'UPDATE_COMPLETE' });
      expect(Object.keys(nested(after, NETWORK).resources)).toEqual(['Role', 'Bucket']);
      expect(nested(after, NETWORK).resources.Role.physicalId).toBe('prod-app');
      expect(nested(after, APP).resources.Role.properties).toEqual({ Description: `arn:aws:iam::${account}:role/prod-app` });
      expect(after.outputs).toEqual({ NetworkRoleArn: `arn:aws:iam::${account}:role/prod-app` });

      // The state file holds the nested stacks; a new runner destroys them from it, dependents first.
      const saved = JSON.parse(fs.readFileSync(path.join(stateDirectory, account, `${PARENT}.json`), 'utf8'));
      expect(saved.stack.resources[NETWORK].stack.resources.Role.physicalId).toBe('prod-app');
      const destroyed = await (await harness.restartRunner({ stateDirectory })).destroy({ stackNames: [PARENT] });
      expect(destroyed.success).toBe(true);
      expect(trace(destroyed.events, labels)).toEqual([
        'P - DELETE_IN_PROGRESS: User Initiated',
        'P App DELETE_IN_PROGRESS',
        'App - DELETE_IN_PROGRESS: User Initiated',
        'App Role DELETE_IN_PROGRESS',
        'App Role DELETE_COMPLETE',
        'App - DELETE_COMPLETE',
        'P App DELETE_COMPLETE',
        'P Network DELETE_IN_PROGRESS',
        'Network - DELETE_IN_PROGRESS: User Initiated',
        'Network Bucket DELETE_IN_PROGRESS',
        'Network Bucket DELETE_COMPLETE',
        'Network Role DELETE_IN_PROGRESS',
        'Network Role DELETE_COMPLETE',
        'Network - DELETE_COMPLETE',
        'P Network DELETE_COMPLETE',
        'P Topic DELETE_IN_PROGRESS',
        'P Topic DELETE_COMPLETE',
        'P - DELETE_COMPLETE',
      ]);
      expect(fs.existsSync(path.join(stateDirectory, account, `${PARENT}.json`))).toBe(false);
    } finally {
      fs.rmSync(stateDirectory, { recursive: true, force: true });
    }
  });
});

describe('custom resources in nested stacks', () => {
  const FIXTURE_TYPES = ['Custom::Fixture', STACK_TYPE];
  const deploy = (resources: FixtureResource[], options: FixtureOptions = {}) => harness.runner.deploy(fixtureApp(resources, options));

  /** [RequestType, LogicalResourceId, PhysicalResourceId sent, Status, PhysicalResourceId answered] */
  function requests(result: OperationResult): string[][] {
    return result.requests.map(({ request, response }) => [
      request.RequestType, request.LogicalResourceId, request.PhysicalResourceId ?? '-', response.Status, response.PhysicalResourceId,
    ]);
  }

  test('a failing nested resource fails its stack (CREATE_FAILED) and the parent\'s resource; the parent\'s rollback deletes the nested stacks', async () => {
    const result = await deploy([
      { id: 'A1', nestedStack: 'Network', properties: { PhysicalId: 'a1', Value: { Ref: 'Stage' } } },
      { id: 'B1', nestedStack: 'App', properties: { FailOn: 'onEvent', Message: 'Bucket name taken' }, attributeOf: ['From', 'A1', 'Echo'] },
    ], { nestedParameters: { Network: { Stage: 'dev' } } });
    expect(result.success).toBe(false);
    const ids = nestedIds(result);
    const labels = { [FIXTURE_STACK]: 'P', [nameOf(ids[NETWORK])]: 'Network', [nameOf(ids[APP])]: 'App', [NETWORK]: 'Network', [APP]: 'App' };
    expect(trace(result.events, labels, FIXTURE_TYPES)).toEqual([
      'P - CREATE_IN_PROGRESS: User Initiated',
      'P Network CREATE_IN_PROGRESS',
      'P Network CREATE_IN_PROGRESS: Resource creation Initiated',
      'Network - CREATE_IN_PROGRESS: User Initiated',
      'Network A1 CREATE_IN_PROGRESS',
      'Network A1 CREATE_COMPLETE',
      'Network - CREATE_COMPLETE',
      'P Network CREATE_COMPLETE',
      'P App CREATE_IN_PROGRESS',
      'P App CREATE_IN_PROGRESS: Resource creation Initiated',
      'App - CREATE_IN_PROGRESS: User Initiated',
      'App B1 CREATE_IN_PROGRESS',
      'App B1 CREATE_FAILED: Bucket name taken',
      'App - CREATE_FAILED: The following resource(s) failed to create: [B1].',
      `P App CREATE_FAILED: Embedded stack ${ids[APP]} was not successfully created: The following resource(s) failed to create: [B1].`,
      `P - ROLLBACK_IN_PROGRESS: The following resource(s) failed to create: [${APP}]. Rollback requested by user.`,
      'P App DELETE_IN_PROGRESS',
      'App - DELETE_IN_PROGRESS: User Initiated',
      'App B1 DELETE_IN_PROGRESS',
      'App B1 DELETE_COMPLETE',
      'App - DELETE_COMPLETE',
      'P App DELETE_COMPLETE',
      'P Network DELETE_IN_PROGRESS',
      'Network - DELETE_IN_PROGRESS: User Initiated',
      'Network A1 DELETE_IN_PROGRESS',
      'Network A1 DELETE_COMPLETE',
      'Network - DELETE_COMPLETE',
      'P Network DELETE_COMPLETE',
      'P - ROLLBACK_COMPLETE',
    ]);
    // Through the parent's provider, as requests of the nested stacks (their ids), with the parameter and the sibling's output.
    expect(requests(result)).toEqual([
      ['Create', 'A1', '-', 'SUCCESS', 'a1'],
      ['Create', 'B1', '-', 'FAILED', CREATE_FAILED_PHYSICAL_ID_MARKER],
      ['Delete', 'B1', CREATE_FAILED_PHYSICAL_ID_MARKER, 'SUCCESS', CREATE_FAILED_PHYSICAL_ID_MARKER],
      ['Delete', 'A1', 'a1', 'SUCCESS', 'a1'],
    ]);
    expect(result.requests.map((r) => r.request.StackId)).toEqual([ids[NETWORK], ids[APP], ids[APP], ids[NETWORK]]);
    expect(result.requests[0].request.ResourceProperties).toMatchObject({ Value: 'dev' });
    expect(result.requests[1].request.ResourceProperties).toMatchObject({ From: 'dev' });
    expect(harness.runner.logs.filter((l) => /onEvent Delete B1/.test(l.line))).toEqual([]);
    expect(harness.runner.stack(FIXTURE_STACK)).toMatchObject({ status: 'ROLLBACK_COMPLETE', resources: {} });
  });

  test('updates roll back both ways: a parent failure rolls back the nested stacks it updated; a nested failure fails and rolls back the parent', async () => {
    const v1: FixtureResource[] = [
      { id: 'A1', nestedStack: 'Network', properties: { PhysicalId: 'a1', Value: { Ref: 'Stage' } } },
      { id: 'A2', nestedStack: 'Network', properties: { PhysicalId: 'a2' } },
      { id: 'B1', nestedStack: 'App', properties: { PhysicalId: 'b1', Value: 'b' }, attributeOf: ['From', 'A1', 'Echo'] },
      { id: 'P1', properties: { PhysicalId: 'p1' }, attributeOf: ['From', 'B1', 'Echo'] },
    ];
    const dev = { nestedParameters: { Network: { Stage: 'dev' } } };
    const prod = { nestedParameters: { Network: { Stage: 'prod' } } };
    expect((await deploy(v1, dev)).success).toBe(true);
    const before = harness.runner.stack(FIXTURE_STACK)!;
    const [network, app] = [nested(before, NETWORK), nested(before, APP)];
    const labels = { [FIXTURE_STACK]: 'P', [network.stackName]: 'Network', [app.stackName]: 'App', [NETWORK]: 'Network', [APP]: 'App' };
    expect(before.resources.P1.properties.From).toBe('b');

    // The parent fails after both nested stacks updated (Network replaced A2 and created A3): each rolls back.
    const parentFails = await deploy([
      v1[0], { ...v1[1], properties: { PhysicalId: 'a2b' } }, { id: 'A3', nestedStack: 'Network', properties: { PhysicalId: 'a3' } }, v1[2],
      { ...v1[3], properties: { PhysicalId: 'p1', FailOn: 'Update', Message: 'parent refused' } },
    ], prod);
    expect(parentFails.success).toBe(false);
    expect(requests(parentFails)).toEqual([
      ['Update', 'A1', 'a1', 'SUCCESS', 'a1'],
      ['Update', 'A2', 'a2', 'SUCCESS', 'a2b'],
      ['Create', 'A3', '-', 'SUCCESS', 'a3'],
      ['Update', 'B1', 'b1', 'SUCCESS', 'b1'],
      ['Update', 'P1', 'p1', 'FAILED', 'p1'],
      ['Update', 'P1', 'p1', 'SUCCESS', 'p1'],
      ['Update', 'B1', 'b1', 'SUCCESS', 'b1'],
      ['Update', 'A1', 'a1', 'SUCCESS', 'a1'],
      ['Delete', 'A3', 'a3', 'SUCCESS', 'a3'],
      ['Delete', 'A2', 'a2b', 'SUCCESS', 'a2b'],
    ]);
    expect(parentFails.requests[7].request).toMatchObject({ ResourceProperties: { Value: 'dev' }, OldResourceProperties: { Value: 'prod' } });
    expect(trace(parentFails.events, labels, FIXTURE_TYPES)).toEqual([
      'P - UPDATE_IN_PROGRESS: User Initiated',
      'P Network UPDATE_IN_PROGRESS',
      'Network - UPDATE_IN_PROGRESS: User Initiated',
      'Network A1 UPDATE_IN_PROGRESS',
      'Network A1 UPDATE_COMPLETE',
      'Network A2 UPDATE_IN_PROGRESS',
      'Network A2 UPDATE_IN_PROGRESS: Requested update requires the creation of a new physical resource; hence creating one.',
      'Network A2 UPDATE_COMPLETE',
      'Network A3 CREATE_IN_PROGRESS',
      'Network A3 CREATE_COMPLETE',
      'Network - UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
      'P Network UPDATE_COMPLETE',
      'P App UPDATE_IN_PROGRESS',
      'App - UPDATE_IN_PROGRESS: User Initiated',
      'App B1 UPDATE_IN_PROGRESS',
      'App B1 UPDATE_COMPLETE',
      'App - UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
      'P App UPDATE_COMPLETE',
      'P P1 UPDATE_IN_PROGRESS',
      'P P1 UPDATE_FAILED: parent refused',
      'P - UPDATE_ROLLBACK_IN_PROGRESS: The following resource(s) failed to update: [P1].',
      'P P1 UPDATE_IN_PROGRESS',
      'P P1 UPDATE_COMPLETE',
      'P App UPDATE_IN_PROGRESS',
      'App - UPDATE_ROLLBACK_IN_PROGRESS',
      'App B1 UPDATE_IN_PROGRESS',
      'App B1 UPDATE_COMPLETE',
      'App - UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
      'App - UPDATE_ROLLBACK_COMPLETE',
      'P App UPDATE_COMPLETE',
      'P Network UPDATE_IN_PROGRESS',
      'Network - UPDATE_ROLLBACK_IN_PROGRESS',
      'Network A1 UPDATE_IN_PROGRESS',
      'Network A1 UPDATE_COMPLETE',
      'Network - UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
      'Network A3 DELETE_IN_PROGRESS',
      'Network A3 DELETE_COMPLETE',
      'Network A2 DELETE_IN_PROGRESS',
      'Network A2 DELETE_COMPLETE',
      'Network - UPDATE_ROLLBACK_COMPLETE',
      'P Network UPDATE_COMPLETE',
      'P - UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
      'P - UPDATE_ROLLBACK_COMPLETE',
    ]);
    // The replaced A2 was never deleted (the nested cleanup waits for the parent): the rollback keeps it.
    const rolledBack = harness.runner.stack(FIXTURE_STACK)!;
    expect(rolledBack.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(nested(rolledBack, NETWORK)).toMatchObject({ status: 'UPDATE_ROLLBACK_COMPLETE', stackId: network.stackId, parameters: network.parameters });
    expect(network.parameters?.Stage).toBe('dev');
    expect(Object.values(nested(rolledBack, NETWORK).resources).filter((r) => r.type === 'Custom::Fixture').map((r) => [r.physicalId, r.properties.Value]))
      .toEqual([['a1', 'dev'], ['a2', undefined]]);
    expect(nested(rolledBack, APP).status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(rolledBack.resources[NETWORK].attributes).toEqual(before.resources[NETWORK].attributes);

    // A nested resource fails: its stack rolls back, the parent's resource fails with the nested stack's reason, the parent rolls back.
    const nestedFails = await deploy([v1[0], v1[1], { ...v1[2], properties: { PhysicalId: 'b1', Value: 'b', FailOn: 'Update', Message: 'spec is invalid' } }, v1[3]], prod);
    expect(nestedFails.success).toBe(false);
    expect(requests(nestedFails)).toEqual([
      ['Update', 'A1', 'a1', 'SUCCESS', 'a1'],
      ['Update', 'B1', 'b1', 'FAILED', 'b1'],
      ['Update', 'B1', 'b1', 'SUCCESS', 'b1'],
      ['Update', 'A1', 'a1', 'SUCCESS', 'a1'],
    ]);
    expect(trace(nestedFails.events, labels, FIXTURE_TYPES)).toEqual([
      'P - UPDATE_IN_PROGRESS: User Initiated',
      'P Network UPDATE_IN_PROGRESS',
      'Network - UPDATE_IN_PROGRESS: User Initiated',
      'Network A1 UPDATE_IN_PROGRESS',
      'Network A1 UPDATE_COMPLETE',
      'Network - UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
      'P Network UPDATE_COMPLETE',
      'P App UPDATE_IN_PROGRESS',
      'App - UPDATE_IN_PROGRESS: User Initiated',
      'App B1 UPDATE_IN_PROGRESS',
      'App B1 UPDATE_FAILED: spec is invalid',
      'App - UPDATE_ROLLBACK_IN_PROGRESS: The following resource(s) failed to update: [B1].',
      `P App UPDATE_FAILED: Embedded stack ${app.stackId} was not successfully updated. Currently in UPDATE_ROLLBACK_IN_PROGRESS with reason: `
        + 'The following resource(s) failed to update: [B1].',
      `P - UPDATE_ROLLBACK_IN_PROGRESS: The following resource(s) failed to update: [${APP}].`,
      'P App UPDATE_IN_PROGRESS',
      'App B1 UPDATE_IN_PROGRESS',
      'App B1 UPDATE_COMPLETE',
      'App - UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
      'App - UPDATE_ROLLBACK_COMPLETE',
      'P App UPDATE_COMPLETE',
      'P Network UPDATE_IN_PROGRESS',
      'Network - UPDATE_ROLLBACK_IN_PROGRESS',
      'Network A1 UPDATE_IN_PROGRESS',
      'Network A1 UPDATE_COMPLETE',
      'Network - UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
      'Network - UPDATE_ROLLBACK_COMPLETE',
      'P Network UPDATE_COMPLETE',
      'P - UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
      'P - UPDATE_ROLLBACK_COMPLETE',
    ]);

    // The same update without the failures: the replaced A2 is deleted in Network's cleanup, within the parent's.
    const succeeds = await deploy([
      v1[0], { ...v1[1], properties: { PhysicalId: 'a2b' } }, { id: 'A3', nestedStack: 'Network', properties: { PhysicalId: 'a3' } }, v1[2], v1[3],
    ], prod);
    expect(succeeds.success).toBe(true);
    expect(requests(succeeds)).toEqual([
      ['Update', 'A1', 'a1', 'SUCCESS', 'a1'],
      ['Update', 'A2', 'a2', 'SUCCESS', 'a2b'],
      ['Create', 'A3', '-', 'SUCCESS', 'a3'],
      ['Update', 'B1', 'b1', 'SUCCESS', 'b1'],
      ['Delete', 'A2', 'a2', 'SUCCESS', 'a2'],
    ]);
    expect(trace(succeeds.events, labels, FIXTURE_TYPES).slice(-6)).toEqual([
      'P - UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
      'Network A2 DELETE_IN_PROGRESS',
      'Network A2 DELETE_COMPLETE',
      'Network - UPDATE_COMPLETE',
      'App - UPDATE_COMPLETE',
      'P - UPDATE_COMPLETE',
    ]);

    const destroyed = await harness.runner.destroy({ stackNames: [FIXTURE_STACK] });
    expect(destroyed.success).toBe(true);
    expect(requests(destroyed)).toEqual([
      ['Delete', 'P1', 'p1', 'SUCCESS', 'p1'],
      ['Delete', 'B1', 'b1', 'SUCCESS', 'b1'],
      ['Delete', 'A3', 'a3', 'SUCCESS', 'a3'],
      ['Delete', 'A2', 'a2b', 'SUCCESS', 'a2b'],
      ['Delete', 'A1', 'a1', 'SUCCESS', 'a1'],
    ]);
  });

  test('a provider inside a nested stack serves the nested stack and, through its outputs, the parent', async () => {
    const result = await deploy([
      { id: 'T1', nestedStack: 'Tools', properties: { PhysicalId: 't1', Value: 'from-tools' } },
      { id: 'P1', properties: { PhysicalId: 'p1' }, attributeOf: ['From', 'T1', 'Echo'] },
    ], { providerStack: 'Tools' });
    expect(result.success).toBe(true);
    const parent = harness.runner.stack(FIXTURE_STACK)!;
    const tools = Object.values(parent.resources).find((r) => r.type === STACK_TYPE)!.stack!;
    const onEvent = Object.values(tools.resources).find((r) => r.type === 'AWS::Lambda::Function' && r.properties.Handler === 'framework.onEvent')!;
    expect(onEvent.physicalId.startsWith(`${tools.stackName}-Providerframewor`.slice(0, 50))).toBe(true);
    const sent = result.requests.map(({ request, response }) => [request.LogicalResourceId, request.StackId, request.ServiceToken, response.Status]);
    expect(sent).toEqual([
      ['T1', tools.stackId, onEvent.attributes.Arn, 'SUCCESS'],
      ['P1', parent.stackId, onEvent.attributes.Arn, 'SUCCESS'],
    ]);
    expect(result.requests[1].request.ResourceProperties.From).toBe('from-tools');
    const destroyed = await harness.runner.destroy({ stackNames: [FIXTURE_STACK] });
    expect(requests(destroyed)).toEqual([['Delete', 'P1', 'p1', 'SUCCESS', 'p1'], ['Delete', 'T1', 't1', 'SUCCESS', 't1']]);
  });

  test('a nested resource that fails to delete fails its stack and the parent\'s resource; what is left stays in the state', async () => {
    expect((await deploy([{ id: 'A1', nestedStack: 'Network', properties: { PhysicalId: 'a1', FailOn: 'Delete', Message: 'still in use' } }])).success).toBe(true);
    const network = nested(harness.runner.stack(FIXTURE_STACK), NETWORK);
    const destroyed = await harness.runner.destroy({ stackNames: [FIXTURE_STACK] });
    expect(destroyed.success).toBe(false);
    const labels = { [FIXTURE_STACK]: 'P', [network.stackName]: 'Network', [NETWORK]: 'Network' };
    expect(trace(destroyed.events, labels, FIXTURE_TYPES)).toEqual([
      'P - DELETE_IN_PROGRESS: User Initiated',
      'P Network DELETE_IN_PROGRESS',
      'Network - DELETE_IN_PROGRESS: User Initiated',
      'Network A1 DELETE_IN_PROGRESS',
      'Network A1 DELETE_FAILED: still in use',
      'Network - DELETE_FAILED: The following resource(s) failed to delete: [A1].',
      `P Network DELETE_FAILED: Embedded stack ${network.stackId} was not successfully deleted: The following resource(s) failed to delete: [A1].`,
      `P - DELETE_FAILED: The following resource(s) failed to delete: [${NETWORK}].`,
    ]);
    const left = harness.runner.stack(FIXTURE_STACK)!;
    expect(left.status).toBe('DELETE_FAILED');
    expect(nested(left, NETWORK)).toMatchObject({ status: 'DELETE_FAILED', statusReason: 'The following resource(s) failed to delete: [A1].' });
    expect(Object.keys(nested(left, NETWORK).resources)).toEqual(['A1']);
  });
});

describe('nested templates read from their TemplateURL', () => {
  const PARENT = 'YamlParent';
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nested-yaml-'));
    fs.writeFileSync(path.join(dir, 'network.yaml'), [
      'Parameters:',
      '  Env: { Type: String }',
      '  Zones: { Type: CommaDelimitedList, Default: "a,b" }',
      'Conditions:',
      '  IsProd: !Equals [!Ref Env, prod]',
      'Resources:',
      '  Role:',
      '    Type: AWS::IAM::Role',
      '    Properties:',
      '      RoleName: !Sub "${Env}-network"',
      '      Description: !Join [":", [!Select [1, !Ref Zones], !Ref "AWS::StackName"]]',
      '  ProdOnly:',
      '    Type: AWS::SQS::Queue',
      '    Condition: IsProd',
      'Outputs:',
      '  RoleArn:',
      '    Value: !GetAtt Role.Arn',
      '',
    ].join('\n'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A parent with a CfnStack of the YAML template (an S3 asset), and what `extra` adds. */
  function yamlApp(extra: (parent: Stack, yaml: CfnStack, url: string) => void = () => undefined): App {
    const app = testApp();
    const parent = new Stack(app, PARENT);
    const template = new Asset(parent, 'Template', { path: path.join(dir, 'network.yaml') });
    const yaml = new CfnStack(parent, 'Network', { templateUrl: template.httpUrl, parameters: { Env: 'dev' } });
    new CfnOutput(parent, 'RoleArn', { value: yaml.getAtt('Outputs.RoleArn').toString() });
    extra(parent, yaml, template.httpUrl);
    return app;
  }

  test('a YAML template with short-form intrinsics; a missing output, a missing object and a missing parameter fail like CloudFormation', async () => {
    const runner = harness.runner;
    const account = runner.target.accountId;
    expect((await runner.deploy(yamlApp())).success).toBe(true);
    const parent = runner.stack(PARENT)!;
    const network = nested(parent, 'Network');
    expect(parent.outputs).toEqual({ RoleArn: `arn:aws:iam::${account}:role/dev-network` });
    expect(Object.keys(network.resources)).toEqual(['Role']);
    expect(network.resources.Role.properties).toEqual({ RoleName: 'dev-network', Description: `b:${network.stackName}` });

    /** The failure of an update that adds `extra`, and the parent's status after it. */
    const failure = async (extra: (parent: Stack, yaml: CfnStack, url: string) => void) => {
      const result = await runner.deploy(yamlApp(extra));
      const failed = result.events.find((e) => e.status.endsWith('_FAILED'))!;
      return [failed.logicalId, failed.status, failed.reason, runner.stack(PARENT)!.status];
    };
    expect(await failure((p, yaml) => new CfnResource(p, 'Reader', { type: 'AWS::SNS::Topic', properties: { Name: yaml.getAtt('Outputs.Nope') } })))
      .toEqual(['Reader', 'CREATE_FAILED', 'Template error: resource Network does not support attribute type Outputs.Nope in Fn::GetAtt', 'UPDATE_ROLLBACK_COMPLETE']);
    const missingUrl = (p: Stack) => `https://s3.${p.region}.${p.urlSuffix}/cdk-hnb659fds-assets-${p.account}-${p.region}/missing.json`;
    expect(await failure((p) => new CfnStack(p, 'Missing', { templateUrl: missingUrl(p) })))
      .toEqual(['Missing', 'CREATE_FAILED', 'S3 error: The specified key does not exist.', 'UPDATE_ROLLBACK_COMPLETE']);
    expect(await failure((p, _yaml, url) => new CfnStack(p, 'NoEnv', { templateUrl: url })))
      .toEqual(['NoEnv', 'CREATE_FAILED', 'Parameters: [Env] must have values', 'UPDATE_ROLLBACK_COMPLETE']);
    // Nothing of the failed updates was created: the nested stack is as it was.
    expect(nested(runner.stack(PARENT), 'Network')).toEqual(network);
  });

  test('a nested stack created by a failed update is deleted by its rollback; one removed from the template is deleted in the cleanup', async () => {
    const runner = harness.runner;
    expect((await runner.deploy(yamlApp())).success).toBe(true);
    const extra = (reader: boolean) => (p: Stack, _yaml: CfnStack, url: string) => {
      const stack = new CfnStack(p, 'Extra', { templateUrl: url, parameters: { Env: 'prod' } });
      if (reader) new CfnResource(p, 'Reader', { type: 'AWS::SNS::Topic', properties: { Name: stack.getAtt('Outputs.Nope') } });
    };
    const failed = await runner.deploy(yamlApp(extra(true)));
    expect(failed.success).toBe(false);
    const labels = { [PARENT]: 'P', [nameOf(nestedIds(failed).Extra)]: 'Extra' };
    expect(trace(failed.events, labels)).toEqual([
      'P - UPDATE_IN_PROGRESS: User Initiated',
      'P Extra CREATE_IN_PROGRESS',
      'P Extra CREATE_IN_PROGRESS: Resource creation Initiated',
      'Extra - CREATE_IN_PROGRESS: User Initiated',
      'Extra Role CREATE_IN_PROGRESS',
      'Extra Role CREATE_COMPLETE',
      'Extra ProdOnly CREATE_IN_PROGRESS',
      'Extra ProdOnly CREATE_COMPLETE',
      'Extra - CREATE_COMPLETE',
      'P Extra CREATE_COMPLETE',
      'P Reader CREATE_FAILED: Template error: resource Extra does not support attribute type Outputs.Nope in Fn::GetAtt',
      'P - UPDATE_ROLLBACK_IN_PROGRESS: The following resource(s) failed to create: [Reader].',
      'P - UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
      'P Extra DELETE_IN_PROGRESS',
      'Extra - DELETE_IN_PROGRESS: User Initiated',
      'Extra ProdOnly DELETE_IN_PROGRESS',
      'Extra ProdOnly DELETE_COMPLETE',
      'Extra Role DELETE_IN_PROGRESS',
      'Extra Role DELETE_COMPLETE',
      'Extra - DELETE_COMPLETE',
      'P Extra DELETE_COMPLETE',
      'P - UPDATE_ROLLBACK_COMPLETE',
    ]);
    expect(Object.keys(runner.stack(PARENT)!.resources)).toEqual(['Network']);

    const added = await runner.deploy(yamlApp(extra(false)));
    expect(added.success).toBe(true);
    const extraName = nameOf(nestedIds(added).Extra);
    expect(extraName).not.toBe(nameOf(nestedIds(failed).Extra));
    const removed = await runner.deploy(yamlApp());
    expect(trace(removed.events, { [PARENT]: 'P', [extraName]: 'Extra' })).toEqual([
      'P - UPDATE_IN_PROGRESS: User Initiated',
      'P - UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
      'P Extra DELETE_IN_PROGRESS',
      'Extra - DELETE_IN_PROGRESS: User Initiated',
      'Extra ProdOnly DELETE_IN_PROGRESS',
      'Extra ProdOnly DELETE_COMPLETE',
      'Extra Role DELETE_IN_PROGRESS',
      'Extra Role DELETE_COMPLETE',
      'Extra - DELETE_COMPLETE',
      'P Extra DELETE_COMPLETE',
      'P - UPDATE_COMPLETE',
    ]);
  });

  test('template, URL and parameter errors carry CloudFormation\'s messages', async () => {
    expect(() => parseTemplate('{ "Resources": ')).toThrow(/^Template format error: JSON not well-formed\. \(/);
    expect(() => parseTemplate('Resources: [a')).toThrow(/^Template format error: YAML not well-formed\. \(/);
    expect(() => parseTemplate('- a list')).toThrow('Template format error: not a JSON or YAML object.');
    await expect(readNestedTemplate('https://example.com/bucket/t.json', harness.runner.target)).rejects.toThrow(new TemplateError('TemplateURL must be a supported URL.'));
    await expect(readNestedTemplate({ 'Fn::Join': [] }, harness.runner.target)).rejects.toThrow('TemplateURL must be a supported URL.');
    const template = parseTemplate('{"Parameters": {"A": {"Type": "String"}, "B": {"Type": "String", "Default": "b"}}, "Resources": {}}');
    expect(nestedParameters(template, { A: 1, B: true })).toEqual({ A: '1', B: 'true' });
    expect(() => nestedParameters(template, { A: 'a', C: 'c', D: 'd' })).toThrow('Parameters: [C, D] do not exist in the template');
    expect(() => nestedParameters(template, undefined)).toThrow('Parameters: [A] must have values');
    expect(() => nestedParameters(template, { A: ['x'] })).toThrow('Value of property Parameters must be an object with String (or simple type) properties');
  });

  test('nested stack names: <parent>-<logical id> cut at 86 characters, a 12 or 13 character suffix', () => {
    const pseudo = {
      accountId: '111111111111',
      region: 'us-east-1',
      partition: 'aws',
      urlSuffix: 'amazonaws.com',
      stackName: 'MediaLakeStack',
      stackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/MediaLakeStack/1',
    };
    const logicalId = 'MediaLakeApiGatewayStackNestedStackMediaLakeApiGatewayStackNestedStackResource5DE8A8F3';
    const { stackName, stackId } = nestedStackIdentity(pseudo, logicalId);
    expect(stackName).toMatch(/^MediaLakeStack-MediaLakeApiGatewayStackNestedStackMediaLakeApiGatewayStackNestedStackR-[0-9A-Z]{12,13}$/);
    // A fresh suffix for each nested stack created, like CloudFormation's.
    expect(nestedStackIdentity(pseudo, logicalId).stackName).not.toBe(stackName);
    expect(nestedStackIdentity({ ...pseudo, stackName: 'Short' }, 'Network').stackName).toMatch(/^Short-Network-[0-9A-Z]{12,13}$/);
    expect(stackId).toMatch(new RegExp(`^arn:aws:cloudformation:us-east-1:111111111111:stack/${stackName}/[0-9a-f-]{36}$`));
  });
});
