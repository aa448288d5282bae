/**
 * The chaos suite: the whole demo platform (examples/app.ts: templates, versions, two
 * environments, a service with instances, a component) deployed, upgraded, partly removed and
 * destroyed — as a new user would — by the runner through the REAL bundled handler (each of its
 * calls authorized by the emulator against the handler role's policy as deployed), under each
 * fault class: Proton errors and resets, lost responses, sustained throttling, hung calls, crashes
 * right after a call (nothing re-sends it), a failed deployment that rolls a version update back.
 *
 * Everything runs on the emulator's manual clock with fixed seeds (the faults' and the Lambda
 * functions' random numbers), so each case takes the same path every run. After every stage:
 * no stack in a *_FAILED state, and Proton holds exactly the platform of that stage — one resource
 * per name, nothing more; after the destroy, nothing the app created.
 */
import {
  GetEnvironmentTemplateVersionCommand, ListEnvironmentTemplatesCommand, ListServiceTemplatesCommand, ListTagsForResourceCommand, ProtonClient,
} from '@aws-sdk/client-proton';
import { demoAssembly, expectedPlatform, NETWORK, NOTHING, platform } from './fixtures/demo-platform';
import { DEMO_STACK_NAME, DEMO_STAGES, DemoStage } from '../../examples/app';
import { ProtonState, readProtonState } from '../../examples/proton-state';
import { ChaosSpec, Emulator, startEmulator } from '../../local/emulator';
import { LocalRunner, OperationResult } from '../../local/runner/runner';
import { OwnershipTag } from '../../src/custom-resources/contract';
import { protonClient } from '../emulator/helpers';

type Stage = DemoStage | 'destroy';

let emulator: Emulator;
let proton: ProtonClient;
let runner: LocalRunner;

beforeAll(() => {
  // Synthesized once for the file (not what is measured).
  DEMO_STAGES.forEach(demoAssembly);
});

beforeEach(async () => {
  emulator = await startEmulator({ clock: 'manual', strict: true });
  proton = protonClient(emulator);
  runner = await LocalRunner.start({ emulator, seed: 1 });
});

afterEach(async () => {
  await runner.close();
  proton.destroy();
  await emulator.stop();
});

function run(stage: Stage): Promise<OperationResult> {
  return stage === 'destroy' ? runner.destroy({ stackNames: [DEMO_STACK_NAME] }) : runner.deploy(demoAssembly(stage));
}

/** `logicalId STATUS: first line of the reason` of every failure event of an operation. */
function failures(result: OperationResult): string[] {
  return result.events.filter((e) => e.status.endsWith('_FAILED')).map((e) => `${e.logicalId.replace(/[0-9A-F]{8}$/, '')} ${e.status}: ${e.reason?.split('\n')[0]}`);
}

/** The faults of a case, paused while the test reads Proton (its own calls are not what is tested). */
interface Faults {
  pause(): void;
  resume(): void;
}

const NO_FAULTS: Faults = { pause: () => undefined, resume: () => undefined };

function chaos(spec: ChaosSpec): Faults {
  const faults = {
    pause: () => emulator.control.setChaos(undefined),
    resume: () => emulator.control.setChaos(spec),
  };
  faults.resume();
  return faults;
}

async function protonState(faults: Faults): Promise<ProtonState> {
  faults.pause();
  try {
    return await readProtonState(proton);
  } finally {
    faults.resume();
  }
}

/** No stack in a *_FAILED state, and Proton holds exactly `expected`. */
async function expectSettled(faults: Faults, expected: ProtonState): Promise<void> {
  expect(runner.stack(DEMO_STACK_NAME)?.status ?? 'DELETE_COMPLETE').not.toMatch(/FAILED/);
  expect(await protonState(faults)).toEqual(expected);
}

/** Runs a stage that must succeed, then checks the stack and Proton. */
async function converges(stage: Stage, faults: Faults): Promise<OperationResult> {
  const result = await run(stage);
  expect(failures(result)).toEqual([]);
  expect(result.success).toBe(true);
  await expectSettled(faults, stage === 'destroy' ? NOTHING : expectedPlatform(stage));
  return result;
}

/** Every stage of the platform's life, each converging. */
async function lifecycle(faults: Faults): Promise<void> {
  for (const stage of [...DEMO_STAGES, 'destroy'] as const) {
    await converges(stage, faults);
  }
  faults.pause();
  // Nothing the app created is left, versions included (a template goes only with all its versions).
  expect((await proton.send(new ListEnvironmentTemplatesCommand({}))).templates).toEqual([]);
  expect((await proton.send(new ListServiceTemplatesCommand({}))).templates).toEqual([]);
}

test('Proton errors and resets: a quarter of the calls answer 500 or lose their connection before running', async () => {
  await lifecycle(chaos({ probability: 0.25, kinds: ['internal', 'reset'], seed: 11 }));
}, 120_000);

test('lost responses: half of the mutating calls take effect and lose their answer; every retry lands on the original', async () => {
  await lifecycle(chaos({ probability: 0.5, kinds: ['lost-response'], operations: 'mutating', seed: 7 }));
}, 120_000);

test('sustained throttling (0.5 requests/s, burst 1): a throttle makes the handler wait, it never fails a resource', async () => {
  const limit = { requestsPerSecond: 0.5, burst: 1 };
  emulator.control.setRateLimit(limit);
  await lifecycle({ pause: () => emulator.control.setRateLimit(undefined), resume: () => emulator.control.setRateLimit(limit) });
}, 120_000);

test('hung calls: one call in twenty never answers; each costs its request timeout, then is retried', async () => {
  await lifecycle(chaos({ probability: 0.05, kinds: ['hang'], seed: 5 }));
}, 120_000);

test('crashes right after a call, never re-sent: each stage is rolled back or retried, nothing is orphaned or duplicated', async () => {
  // Initial deploy: the handler dies right after CreateEnvironment (finding 3). CloudFormation knew
  // the environment's name before it was created: the rollback deletes it, and the stack with it.
  emulator.control.injectFault('CreateEnvironment', { kind: 'crash', match: '"demo-staging"' });
  const crashed = await run('initial');
  expect(crashed.success).toBe(false);
  expect(failures(crashed)).toEqual([expect.stringMatching(/^Staging CREATE_FAILED: Error: RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: killed$/)]);
  expect(runner.stack(DEMO_STACK_NAME)?.status).toBe('ROLLBACK_COMPLETE');
  expect(await protonState(NO_FAULTS)).toEqual(NOTHING);
  // A create whose every answer is lost (never re-sent with an answer) is resolved by reading: the environment is this stack's.
  emulator.control.injectFault('CreateEnvironment', { kind: 'lost-response', count: 8, match: '"demo-production"' });
  await converges('initial', NO_FAULTS);
  expect(emulator.control.dump().pendingFaults).toEqual({});

  // Upgrade: the handler dies right after CreateEnvironmentTemplateVersion (finding 2). The update
  // rolls back; the draft it left carries this resource's tags and bundle.
  emulator.control.injectFault('CreateEnvironmentTemplateVersion', { kind: 'crash' });
  const upgrade = await run('upgraded');
  expect(upgrade.success).toBe(false);
  expect(runner.stack(DEMO_STACK_NAME)?.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  emulator.control.advance(10_000);
  expect(await protonState(NO_FAULTS)).toEqual(platform(['1.0 PUBLISHED', '1.1 DRAFT'], '1.0', expectedPlatform('initial').services[0].instances));
  // The next deploy takes the draft back instead of registering 1.2.
  await converges('upgraded', NO_FAULTS);

  // Removal: the handler dies right after the UpdateService that removes an instance; the update
  // rolls back (the instance is added again), and the removal is deployed again.
  emulator.control.injectFault('UpdateService', { kind: 'crash' });
  const removal = await run('instance-removed');
  expect(removal.success).toBe(false);
  expect(runner.stack(DEMO_STACK_NAME)?.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  await converges('instance-removed', NO_FAULTS);

  // Destroy: the handler dies right after DeleteEnvironment. CloudFormation reports the delete
  // failed (nothing can report for a dead handler); deleting again finishes the job.
  emulator.control.injectFault('DeleteEnvironment', { kind: 'crash', match: '"demo-production"' });
  const destroy = await run('destroy');
  expect(destroy.success).toBe(false);
  expect(runner.stack(DEMO_STACK_NAME)?.status).toBe('DELETE_FAILED');
  await converges('destroy', NO_FAULTS);
}, 120_000);

test('a failed deployment rolls a version update back: Proton keeps the new version, recommended; the stack says why, and takes it back next time', async () => {
  await converges('initial', NO_FAULTS);
  // The upgrade publishes 1.1 and moves the environments onto it; staging's deployment fails (finding 1).
  emulator.control.failNextDeployment('environment/demo-staging', 'subnet conflict');
  const upgrade = await run('upgraded');
  expect(upgrade.success).toBe(false);
  // The reason is the message alone: no handler stack trace (finding 10; the trace is in the function's log).
  expect(upgrade.events.find((e) => e.status === 'UPDATE_FAILED')!.reason)
    .toMatch(/^Proton environment 'demo-staging' deployment FAILED: subnet conflict\n\nLogs: \/aws\/lambda\/\S+\n$/);
  expect(runner.logs.some((l) => l.line.includes('"message":"isComplete failed"') && l.line.includes('"stack":"Error: Proton environment'))).toBe(true);
  expect(runner.stack(DEMO_STACK_NAME)?.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect(failures(upgrade)).toEqual([
    "Staging UPDATE_FAILED: Proton environment 'demo-staging' deployment FAILED: subnet conflict",
    // The rollback's cleanup cannot delete 1.1, and says why (CloudFormation carries on).
    `NetworkTemplateV11 DELETE_FAILED: Proton keeps environment template version ${NETWORK}:1.1: it is recommended over version(s) 1.0, and Proton `
    + 'deletes a major version\'s recommended minor version only after the other minor versions of that major, which are still deployed '
    + '(environment demo-production, environment demo-staging). So Proton keeps recommending it (recommended version: 1.1) — new resources '
    + 'that name only the major version get it — even where the stack\'s recommendedVersion attribute, from its last successful deployment, '
    + 'names another version: Proton\'s rules make the two impossible to match until those versions are gone. cdk-proton marked the version '
    + 'for deletion: it is deleted with the last of them (or with the template), and taken back if the stack declares it again (same bundle).',
  ]);
  // Both environments are back on 1.0; Proton still recommends 1.1, marked for deletion; the stack's output says 1.0.
  expect(await protonState(NO_FAULTS)).toEqual(platform(['1.0 PUBLISHED', '1.1 PUBLISHED'], '1.1', expectedPlatform('initial').services[0].instances, 'attached', '1.0'));
  expect(runner.stack(DEMO_STACK_NAME)!.outputs.NetworkTemplateRecommendedVersion).toBe('1.0');
  expect(await pendingDeletion('1')).toBe('true');

  // Deployed again, the upgrade takes 1.1 back (no 1.2): the stack and Proton agree on 1.1.
  await converges('upgraded', NO_FAULTS);
  expect(runner.stack(DEMO_STACK_NAME)!.outputs.NetworkTemplateRecommendedVersion).toBe('1.1');
  expect(await pendingDeletion('1')).toBeUndefined();
  await converges('instance-removed', NO_FAULTS);
  await converges('destroy', NO_FAULTS);
}, 120_000);

/** The pending-deletion tag of network template version 1.<minor>. */
async function pendingDeletion(minorVersion: string): Promise<string | undefined> {
  const version = (await proton.send(new GetEnvironmentTemplateVersionCommand({ templateName: NETWORK, majorVersion: '1', minorVersion }))).environmentTemplateVersion!;
  const tags = (await proton.send(new ListTagsForResourceCommand({ resourceArn: version.arn! }))).tags ?? [];
  return tags.find((t) => t.key === OwnershipTag.PENDING_DELETION)?.value;
}
