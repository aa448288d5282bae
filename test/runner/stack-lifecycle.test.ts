/**
 * The runner's CloudFormation behaviour with the fixture handler (test/runner/fixtures/handler):
 * real emulator (S3 for assets, manual clock), real Lambda containers, real Provider templates.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { CONSUMER_STACK, FIXTURE_STACK, fixtureApp, FixtureResource } from './fixtures/app';
import { testApp } from './fixtures/test-app';
import { Emulator, startEmulator } from '../../local/emulator';
import { s3Client } from '../../local/runner/assets';
import { TemplateError } from '../../local/runner/intrinsics';
import { CREATE_FAILED_PHYSICAL_ID_MARKER } from '../../local/runner/provider-framework';
import { LocalRunner, OperationResult } from '../../local/runner/runner';

let emulator: Emulator;
let runner: LocalRunner;

beforeAll(async () => {
  emulator = await startEmulator({ clock: 'manual' });
});
afterAll(async () => emulator.stop());
beforeEach(async () => {
  runner = await LocalRunner.start({ emulator });
});
afterEach(async () => runner.close());

/** [RequestType, LogicalResourceId, PhysicalResourceId sent, Status, PhysicalResourceId answered] */
function requests(result: OperationResult): string[][] {
  return result.requests.map(({ request, response }) => [
    request.RequestType, request.LogicalResourceId, request.PhysicalResourceId ?? '-', response.Status, response.PhysicalResourceId,
  ]);
}

/** Stack events and custom resource events, without the stand-ins. */
function customEvents(result: OperationResult): string[] {
  return result.events
    .filter((e) => e.resourceType === 'Custom::Fixture' || e.resourceType === 'AWS::CloudFormation::Stack')
    .map((e) => `${e.logicalId} ${e.status}${e.physicalId && e.resourceType === 'Custom::Fixture' ? ` ${e.physicalId}` : ''}`);
}

const deploy = (resources: FixtureResource[], options = {}) => runner.deploy(fixtureApp(resources, options));

test('create, update in place, replacement, removal and destroy', async () => {
  const created = await deploy([
    { id: 'A', properties: { Value: 1, Flag: true, Nested: { List: [2, false] } } },
    { id: 'B', properties: { PhysicalId: 'b-1' }, attributeOf: ['From', 'A', 'Echo'] },
  ]);
  expect(created.success).toBe(true);
  const [createA, createB] = created.requests;
  // Create without a returned physical id: the RequestId. Properties arrive as strings.
  expect(createA.response.PhysicalResourceId).toBe(createA.request.RequestId);
  expect(createA.request.ResourceProperties).toEqual({
    ServiceToken: expect.stringMatching(/^arn:aws:lambda:us-east-1:111111111111:function:RunnerFixture-ProviderframeworkonEvent/),
    Value: '1',
    Flag: 'true',
    Nested: { List: ['2', 'false'] },
  });
  expect(createB.request.ResourceProperties.From).toBe('1');
  // The handler ran in its own process with the Lambda environment, not the test's.
  expect(createA.response.Data).toMatchObject({ Region: 'us-east-1', ProtonEndpoint: emulator.endpoint, S3Endpoint: emulator.endpoint, InheritedJest: 'false' });
  expect(runner.logs.map((l) => l.line)).toEqual(expect.arrayContaining([expect.stringMatching(/\tINFO\tonEvent Create A -$/)]));
  const physicalA = createA.response.PhysicalResourceId;

  // The handler code was published to S3 by cdk-assets and the bootstrap bucket created.
  const listed = await s3Client(runner.target).send(new ListObjectsV2Command({ Bucket: 'cdk-hnb659fds-assets-111111111111-us-east-1' }));
  expect(listed.Contents?.map((o) => o.Key)).toEqual(expect.arrayContaining([expect.stringMatching(/^[0-9a-f]{64}\.zip$/)]));

  const updated = await deploy([
    { id: 'A', properties: { Value: 2, Flag: true, Nested: { List: [2, false] } } },
    { id: 'B', properties: { PhysicalId: 'b-1' }, attributeOf: ['From', 'A', 'Echo'] },
  ]);
  expect(requests(updated)).toEqual([
    ['Update', 'A', physicalA, 'SUCCESS', physicalA],
    ['Update', 'B', 'b-1', 'SUCCESS', 'b-1'],
  ]);
  expect(updated.requests[0].request.OldResourceProperties).toMatchObject({ Value: '1' });
  expect(updated.requests[1].request).toMatchObject({ OldResourceProperties: { From: '1' }, ResourceProperties: { From: '2' } });
  // Unchanged resources (roles, functions, the state machine) are untouched.
  expect(updated.events.filter((e) => !['Custom::Fixture', 'AWS::CloudFormation::Stack'].includes(e.resourceType))).toEqual([]);

  const replaced = await deploy([
    { id: 'A', properties: { Value: 2, Flag: true, Nested: { List: [2, false] } } },
    { id: 'B', properties: { PhysicalId: 'b-2' }, attributeOf: ['From', 'A', 'Echo'] },
  ]);
  expect(requests(replaced)).toEqual([
    ['Update', 'B', 'b-1', 'SUCCESS', 'b-2'],
    ['Delete', 'B', 'b-1', 'SUCCESS', 'b-1'],
  ]);
  expect(customEvents(replaced)).toEqual([
    `${FIXTURE_STACK} UPDATE_IN_PROGRESS`,
    'B UPDATE_IN_PROGRESS b-1',
    'B UPDATE_IN_PROGRESS b-2',
    'B UPDATE_COMPLETE b-2',
    `${FIXTURE_STACK} UPDATE_COMPLETE_CLEANUP_IN_PROGRESS`,
    'B DELETE_IN_PROGRESS b-1',
    'B DELETE_COMPLETE b-1',
    `${FIXTURE_STACK} UPDATE_COMPLETE`,
  ]);

  const unchanged = await deploy([
    { id: 'A', properties: { Value: 2, Flag: true, Nested: { List: [2, false] } } },
    { id: 'B', properties: { PhysicalId: 'b-2' }, attributeOf: ['From', 'A', 'Echo'] },
  ]);
  expect(unchanged).toMatchObject({ success: true, events: [], requests: [] });

  const removed = await deploy([{ id: 'A', properties: { Value: 2, Flag: true, Nested: { List: [2, false] } } }]);
  expect(requests(removed)).toEqual([['Delete', 'B', 'b-2', 'SUCCESS', 'b-2']]);
  expect(Object.keys(runner.stack(FIXTURE_STACK)!.resources)).not.toContain('B');

  const destroyed = await runner.destroy({ stackNames: [FIXTURE_STACK] });
  expect(destroyed.success).toBe(true);
  expect(requests(destroyed)).toEqual([['Delete', 'A', physicalA, 'SUCCESS', physicalA]]);
  expect(destroyed.events.at(-1)).toMatchObject({ logicalId: FIXTURE_STACK, status: 'DELETE_COMPLETE' });
  // The custom resource is deleted before the provider functions it needs.
  const deletes = destroyed.events.filter((e) => e.status === 'DELETE_COMPLETE').map((e) => e.logicalId);
  expect(deletes.indexOf('A')).toBeLessThan(deletes.findIndex((id) => id.startsWith('OnEvent')));
  expect(runner.stack(FIXTURE_STACK)).toBeUndefined();
});

test('failed create (onEvent throws): rollback deletes what was created; the CREATE_FAILED marker delete skips the handler', async () => {
  const result = await deploy([
    { id: 'A', properties: { Value: 1 } },
    { id: 'B', properties: { FailOn: 'onEvent', Message: 'Template demo already exists' }, dependsOn: ['A'] },
  ]);
  expect(result.success).toBe(false);
  const physicalA = result.requests[0].response.PhysicalResourceId;
  expect(requests(result)).toEqual([
    ['Create', 'A', '-', 'SUCCESS', physicalA],
    ['Create', 'B', '-', 'FAILED', CREATE_FAILED_PHYSICAL_ID_MARKER],
    ['Delete', 'B', CREATE_FAILED_PHYSICAL_ID_MARKER, 'SUCCESS', CREATE_FAILED_PHYSICAL_ID_MARKER],
    ['Delete', 'A', physicalA, 'SUCCESS', physicalA],
  ]);
  const failed = result.events.find((e) => e.status === 'CREATE_FAILED')!;
  expect(failed.logicalId).toBe('B');
  expect(failed.reason!.split('\n')[0]).toBe('Template demo already exists');
  expect(customEvents(result).filter((e) => e.startsWith(FIXTURE_STACK))).toEqual([
    `${FIXTURE_STACK} CREATE_IN_PROGRESS`, `${FIXTURE_STACK} ROLLBACK_IN_PROGRESS`, `${FIXTURE_STACK} ROLLBACK_COMPLETE`,
  ]);
  expect(runner.logs.filter((l) => /onEvent Delete B/.test(l.line))).toEqual([]);
  expect(runner.stack(FIXTURE_STACK)).toMatchObject({ status: 'ROLLBACK_COMPLETE', resources: {} });

  // A ROLLBACK_COMPLETE stack is replaced by a fresh create on the next deploy.
  const retried = await deploy([{ id: 'A', properties: { Value: 1 } }]);
  expect(requests(retried).map((r) => r.slice(0, 2))).toEqual([['Create', 'A']]);
});

test('stack-level failures carry CloudFormation\'s reason: ROLLBACK_FAILED and DELETE_FAILED name the resources that could not be deleted', async () => {
  const rolledBack = await deploy([
    { id: 'A', properties: { PhysicalId: 'a-1', FailOn: 'Delete', Message: 'still in use' } },
    { id: 'B', properties: { FailOn: 'onEvent', Message: 'refused' }, dependsOn: ['A'] },
  ]);
  expect(rolledBack.events.filter((e) => e.logicalId === FIXTURE_STACK && e.status.endsWith('_FAILED')).map((e) => [e.status, e.reason])).toEqual([
    ['ROLLBACK_FAILED', 'The following resource(s) failed to delete: [A].'],
  ]);

  await deploy([{ id: 'C', properties: { PhysicalId: 'c-1', FailOn: 'Delete', Message: 'still in use' } }], { stackName: 'RunnerFixtureDelete' });
  const destroyed = await runner.destroy({ stackNames: ['RunnerFixtureDelete'] });
  expect(destroyed.events.filter((e) => e.resourceType === 'AWS::CloudFormation::Stack' && e.status.endsWith('_FAILED')).map((e) => [e.status, e.reason])).toEqual([
    ['DELETE_FAILED', 'The following resource(s) failed to delete: [C].'],
  ]);
});

test('failed create (isComplete throws): the rollback Delete carries the physical id onEvent returned', async () => {
  const result = await deploy([{ id: 'A', properties: { PhysicalId: 'a-1', FailOn: 'isComplete', Message: 'deployment FAILED' } }]);
  expect(requests(result)).toEqual([
    ['Create', 'A', '-', 'FAILED', 'a-1'],
    ['Delete', 'A', 'a-1', 'SUCCESS', 'a-1'],
  ]);
  expect(runner.logs.map((l) => l.line)).toEqual(expect.arrayContaining([expect.stringMatching(/\tINFO\tonEvent Delete A a-1$/)]));
});

test('failed update: rollback Update with the old properties, created resources deleted, state unchanged', async () => {
  await deploy([{ id: 'A', properties: { Value: 1 } }, { id: 'B', properties: { PhysicalId: 'b-1', Value: 1 } }]);
  const before = runner.stack(FIXTURE_STACK)!;
  const result = await deploy([
    { id: 'A', properties: { Value: 2 } },
    { id: 'C', properties: { PhysicalId: 'c-1' } },
    { id: 'B', properties: { PhysicalId: 'b-1', Value: 2, FailOn: 'Update', Message: 'spec is invalid' } },
  ]);
  expect(result.success).toBe(false);
  const physicalA = before.resources.A.physicalId;
  expect(requests(result)).toEqual([
    ['Update', 'A', physicalA, 'SUCCESS', physicalA],
    ['Create', 'C', '-', 'SUCCESS', 'c-1'],
    ['Update', 'B', 'b-1', 'FAILED', 'b-1'],
    ['Update', 'B', 'b-1', 'SUCCESS', 'b-1'],
    ['Update', 'A', physicalA, 'SUCCESS', physicalA],
    ['Delete', 'C', 'c-1', 'SUCCESS', 'c-1'],
  ]);
  // The rollback Update sends the old properties, and the failed ones as OldResourceProperties.
  expect(result.requests[3].request.ResourceProperties).toMatchObject({ Value: '1' });
  expect(result.requests[3].request.OldResourceProperties).toMatchObject({ Value: '2', FailOn: 'Update' });
  expect(result.requests[4].request).toMatchObject({ ResourceProperties: { Value: '1' }, OldResourceProperties: { Value: '2' } });
  expect(customEvents(result).filter((e) => e.startsWith(FIXTURE_STACK))).toEqual([
    `${FIXTURE_STACK} UPDATE_IN_PROGRESS`,
    `${FIXTURE_STACK} UPDATE_ROLLBACK_IN_PROGRESS`,
    `${FIXTURE_STACK} UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS`,
    `${FIXTURE_STACK} UPDATE_ROLLBACK_COMPLETE`,
  ]);
  const after = runner.stack(FIXTURE_STACK)!;
  expect(Object.keys(after.resources).sort()).toEqual(Object.keys(before.resources).sort());
  expect(after.resources.A.properties).toEqual(before.resources.A.properties);
});

test('isComplete that never completes within totalTimeout fails "Operation timed out" on the virtual clock', async () => {
  const started = Date.now();
  const result = await deploy([{ id: 'A', properties: { PhysicalId: 'a-1', Never: true } }], {
    queryInterval: Duration.seconds(30),
    totalTimeout: Duration.minutes(10),
  });
  const failed = result.events.find((e) => e.status === 'CREATE_FAILED')!;
  const began = result.events.find((e) => e.logicalId === 'A' && e.status === 'CREATE_IN_PROGRESS')!;
  expect(failed).toMatchObject({ logicalId: 'A', reason: 'Operation timed out', physicalId: 'a-1' });
  expect(Date.parse(failed.timestamp) - Date.parse(began.timestamp)).toBe(10 * 60 * 1000);
  // 1 + totalTimeout/queryInterval isComplete calls.
  expect(runner.logs.filter((l) => /\tINFO\tisComplete Create A a-1$/.test(l.line))).toHaveLength(21);
  expect(requests(result)).toEqual([['Create', 'A', '-', 'FAILED', 'a-1'], ['Delete', 'A', 'a-1', 'SUCCESS', 'a-1']]);
  expect(Date.now() - started).toBeLessThan(60_000);
});

test('a response over 4096 bytes fails the resource like CloudFormation', async () => {
  const result = await deploy([{ id: 'A', properties: { PhysicalId: 'a-1', BigData: true } }]);
  expect(result.events.find((e) => e.status === 'CREATE_FAILED')).toMatchObject({ logicalId: 'A', reason: 'Response object is too long.' });
});

test('a handler that outlives its Lambda timeout fails the request with Lambda\'s message, and its container is replaced', async () => {
  const result = await deploy([{ id: 'A', properties: { Hang: true } }], { functionTimeout: Duration.seconds(5) });
  const failed = result.events.find((e) => e.status === 'CREATE_FAILED')!;
  expect(failed.logicalId).toBe('A');
  expect(failed.reason!.split('\n')[0]).toMatch(/^Error: \S+ [0-9a-f-]{36} Task timed out after 5\.00 seconds$/);
  expect(requests(result)).toEqual([
    ['Create', 'A', '-', 'FAILED', CREATE_FAILED_PHYSICAL_ID_MARKER],
    ['Delete', 'A', CREATE_FAILED_PHYSICAL_ID_MARKER, 'SUCCESS', CREATE_FAILED_PHYSICAL_ID_MARKER],
  ]);
  // The timed-out container was discarded: the next invocation starts a fresh one (module state starts over).
  const next = await deploy([{ id: 'B', properties: { PhysicalId: 'b-1' } }], { functionTimeout: Duration.seconds(5) });
  expect(next.requests[0].response).toMatchObject({ Status: 'SUCCESS', Data: { Invocations: '1' } });
});

test('stacks deploy in dependency order with cross-stack exports, and are destroyed in reverse', async () => {
  const app = () => fixtureApp([{ id: 'A', properties: { PhysicalId: 'a-1', Value: 'shared' } }], {
    consumer: [{ id: 'C', properties: { PhysicalId: 'c-1' }, attributeOf: ['From', 'A', 'Echo'] }],
  });
  const deployed = await runner.deploy(app());
  expect(deployed.success).toBe(true);
  expect(deployed.stacks.map((s) => s.stackName)).toEqual([FIXTURE_STACK, CONSUMER_STACK]);
  // The consumer's ServiceToken and property are Fn::ImportValue of the first stack's exports.
  expect(requests(deployed)).toEqual([['Create', 'A', '-', 'SUCCESS', 'a-1'], ['Create', 'C', '-', 'SUCCESS', 'c-1']]);
  expect(deployed.requests[1].request.ResourceProperties.From).toBe('shared');
  expect(Object.keys(runner.stack(FIXTURE_STACK)!.exports)).toHaveLength(2);

  const destroyed = await runner.destroy(app());
  expect(destroyed.stacks.map((s) => [s.stackName, s.status])).toEqual([[CONSUMER_STACK, 'DELETE_COMPLETE'], [FIXTURE_STACK, 'DELETE_COMPLETE']]);
  expect(requests(destroyed)).toEqual([['Delete', 'C', 'c-1', 'SUCCESS', 'c-1'], ['Delete', 'A', 'a-1', 'SUCCESS', 'a-1']]);
});

test('a template without Resources is refused like CloudFormation refuses it: nothing is deployed', async () => {
  const app = testApp();
  new CfnOutput(new Stack(app, 'OutputsOnly'), 'Greeting', { value: 'hello' });
  expect(app.synth().getStackByName('OutputsOnly').template.Resources).toBeUndefined();
  const refused = await runner.deploy(app).then(() => undefined, (error: unknown) => error);
  expect(refused).toBeInstanceOf(TemplateError);
  expect((refused as Error).message).toBe('Template format error: At least one Resources member must be defined.');
  expect(runner.stack('OutputsOnly')).toBeUndefined();
});
