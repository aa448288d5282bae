/**
 * The CLI (`npm run local -- deploy|destroy --app <cdk.out> --endpoint <url>`) as a process, against
 * an emulator started here: state is kept in `.proton-local/<account>/` next to the assembly, so
 * `destroy` in a later process finds what `deploy` created; failures exit non-zero. The
 * cross-account example is deployed and destroyed by one command each, both accounts' stacks,
 * on the emulator's virtual clock (--virtual-time).
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  GetEnvironmentCommand, ListEnvironmentAccountConnectionsCommand, ListEnvironmentsCommand, ListEnvironmentTemplatesCommand, ProtonClient,
} from '@aws-sdk/client-proton';
import { FIXTURE_STACK, fixtureApp, FixtureResource } from './fixtures/app';
import { testApp } from './fixtures/test-app';
import {
  buildCrossAccountApp, ENVIRONMENT_ACCOUNT, ENVIRONMENT_NAME, ENVIRONMENT_STACK_NAME,
  MANAGEMENT_ACCOUNT, MANAGEMENT_STACK_NAME, REGION, TEMPLATE_NAME,
} from '../../examples/cross-account';
import { DEFAULT_ACCOUNT_ID, Emulator, startEmulator } from '../../local/emulator';

const ROOT = path.join(__dirname, '..', '..');
let emulator: Emulator;
let workDir: string;

beforeAll(async () => {
  emulator = await startEmulator({ clock: 'real' });
});
afterAll(async () => emulator.stop());
beforeEach(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-cli-'));
});
afterEach(() => fs.rmSync(workDir, { recursive: true, force: true }));

function synth(resources: FixtureResource[]): string {
  return fixtureApp(resources, { outdir: path.join(workDir, 'cdk.out') }).synth().directory;
}

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    execFile(
      process.execPath,
      [require.resolve('ts-node/dist/bin.js'), '--transpile-only', '-P', 'test/tsconfig.json', 'local/runner/cli.ts', ...args],
      { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' } },
      (error, stdout, stderr) => resolveRun({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('deploy then destroy in separate processes, with state in .proton-local', async () => {
  const assembly = synth([{ id: 'A', properties: { PhysicalId: 'cli-a' } }]);
  const deployed = await cli('deploy', '--app', assembly, '--endpoint', emulator.endpoint);
  expect(deployed.stderr).not.toMatch(/Error/);
  expect(deployed.code).toBe(0);
  expect(deployed.stdout).toMatch(new RegExp(`${FIXTURE_STACK} \\| \\d\\d:\\d\\d:\\d\\d \\| CREATE_COMPLETE +\\| Custom::Fixture +\\| A`));
  expect(deployed.stdout).toContain(`deploy succeeded\n  ${FIXTURE_STACK}: CREATE_COMPLETE`);
  const stateFile = path.join(workDir, '.proton-local', DEFAULT_ACCOUNT_ID, `${FIXTURE_STACK}.json`);
  expect(JSON.parse(fs.readFileSync(stateFile, 'utf8'))).toMatchObject({
    endpoint: emulator.endpoint,
    stack: { status: 'CREATE_COMPLETE', resources: { A: { physicalId: 'cli-a' } } },
  });

  const destroyed = await cli('destroy', '--app', assembly, '--endpoint', emulator.endpoint);
  expect(destroyed.code).toBe(0);
  expect(destroyed.stdout).toMatch(/DELETE_COMPLETE +\| Custom::Fixture +\| A/);
  expect(fs.existsSync(stateFile)).toBe(false);
  const logs = fs.readdirSync(path.join(workDir, '.proton-local', 'logs'));
  expect(logs.some((f) => f.startsWith(`${FIXTURE_STACK}-OnEvent`))).toBe(true);
});

test('a failed deploy exits 1 and names the failed resource and reason', async () => {
  const assembly = synth([{ id: 'A', properties: { FailOn: 'onEvent', Message: 'nope, not today' } }]);
  const result = await cli('deploy', '--app', assembly, '--endpoint', emulator.endpoint);
  expect(result.code).toBe(1);
  expect(result.stdout).toContain(`deploy FAILED\n  ${FIXTURE_STACK}: ROLLBACK_COMPLETE`);
  expect(result.stdout).toContain('    A CREATE_FAILED: nope, not today');
});

test('usage errors exit 2', async () => {
  const result = await cli('launch', '--app', 'x');
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('Usage: npm run local -- deploy|destroy --app');
});

describe('the cross-account example, one command each for deploy and destroy', () => {
  let virtual: Emulator;
  let assembly: string;
  const client = (accountId: string) => new ProtonClient({ endpoint: virtual.endpoint, region: REGION, credentials: { accessKeyId: accountId, secretAccessKey: 'x' } });

  beforeAll(async () => {
    // Virtual time starts now: the SDK reads a Date header far off the local clock as clock skew.
    virtual = await startEmulator({ clock: 'manual', startTimeMs: Date.now(), strict: true });
  });
  afterAll(async () => virtual.stop());
  beforeEach(() => {
    assembly = buildCrossAccountApp(testApp(path.join(workDir, 'cdk.out'))).synth().directory;
  });

  /** Lines of `stdout` of `stackName`'s events reaching `status` for resources of `resourceType`. */
  function eventLine(stdout: string, stackName: string, status: string, resourceType: string): number {
    const lines = stdout.split('\n');
    const index = lines.findIndex((l) => l.startsWith(`${stackName} |`) && new RegExp(`\\| ${status} +\\| ${resourceType} +\\|`).test(l));
    expect(index).toBeGreaterThanOrEqual(0);
    return index;
  }

  test('deploys both accounts\' stacks, then destroys them in reverse; nothing remains', async () => {
    const management = client(MANAGEMENT_ACCOUNT);
    const environmentAccount = client(ENVIRONMENT_ACCOUNT);
    try {
      const deployed = await cli('deploy', '--app', assembly, '--endpoint', virtual.endpoint, '--virtual-time');
      expect(deployed.code).toBe(0);
      expect(deployed.stdout.slice(deployed.stdout.indexOf('deploy succeeded')).split('\n').slice(0, 7)).toEqual([
        'deploy succeeded',
        `  ${ENVIRONMENT_STACK_NAME}: CREATE_COMPLETE (created 21, updated 0, deleted 0)`,
        '    outputs: ConnectionId',
        `  ${MANAGEMENT_STACK_NAME}: CREATE_COMPLETE (created 24, updated 0, deleted 0)`,
        '    outputs: ConnectionStatus, EnvironmentArn',
        `Lambda logs: ${path.join(workDir, '.proton-local', 'logs')}`,
        '',
      ]);
      // 2 resources of the environment account (role, connection) and 4 of the management account
      // (acceptance, template, version, environment), plus each stack's 18 of the Provider framework
      // and a policy of its own for each resource whose handler needs actions on "*" (the
      // connection; the acceptance and the template version, which names what runs on the versions
      // a deferred delete waits for).
      for (const [account, stackName] of [[ENVIRONMENT_ACCOUNT, ENVIRONMENT_STACK_NAME], [MANAGEMENT_ACCOUNT, MANAGEMENT_STACK_NAME]]) {
        const state = JSON.parse(fs.readFileSync(path.join(workDir, '.proton-local', account, `${stackName}.json`), 'utf8'));
        expect(state.stack.stackId).toMatch(new RegExp(`^arn:aws:cloudformation:${REGION}:${account}:stack/${stackName}/`));
      }
      // The environment account requested the connection, the management account accepted it and deployed the environment through it.
      const [requested] = (await environmentAccount.send(new ListEnvironmentAccountConnectionsCommand({ requestedBy: 'ENVIRONMENT_ACCOUNT' }))).environmentAccountConnections!;
      expect(requested).toMatchObject({ environmentAccountId: ENVIRONMENT_ACCOUNT, managementAccountId: MANAGEMENT_ACCOUNT, environmentName: ENVIRONMENT_NAME, status: 'CONNECTED' });
      expect((await management.send(new GetEnvironmentCommand({ name: ENVIRONMENT_NAME }))).environment).toMatchObject({
        environmentAccountConnectionId: requested.id, environmentAccountId: ENVIRONMENT_ACCOUNT, deploymentStatus: 'SUCCEEDED', templateName: TEMPLATE_NAME,
      });
      // Each account's assets were published to its own asset bucket.
      expect(Object.keys(virtual.control.dump().s3 as Record<string, unknown>).sort()).toEqual([
        `cdk-hnb659fds-assets-${MANAGEMENT_ACCOUNT}-${REGION}`, `cdk-hnb659fds-assets-${ENVIRONMENT_ACCOUNT}-${REGION}`,
      ]);

      const destroyed = await cli('destroy', '--app', assembly, '--endpoint', virtual.endpoint, '--virtual-time');
      expect(destroyed.code).toBe(0);
      expect(destroyed.stdout.slice(destroyed.stdout.indexOf('destroy succeeded')).split('\n').slice(0, 3)).toEqual([
        'destroy succeeded',
        // Each stack's two Provider log groups (handler, waiter) have DeletionPolicy Retain.
        `  ${MANAGEMENT_STACK_NAME}: DELETE_COMPLETE (created 0, updated 0, deleted 22)`,
        `  ${ENVIRONMENT_STACK_NAME}: DELETE_COMPLETE (created 0, updated 0, deleted 19)`,
      ]);
      // Proton's order: the environment is deleted before the environment account deletes its connection.
      expect(eventLine(destroyed.stdout, MANAGEMENT_STACK_NAME, 'DELETE_COMPLETE', 'Custom::ProtonEnvironment'))
        .toBeLessThan(eventLine(destroyed.stdout, ENVIRONMENT_STACK_NAME, 'DELETE_COMPLETE', 'Custom::ProtonEnvironmentAccountConnection'));
      expect((await management.send(new ListEnvironmentsCommand({}))).environments).toEqual([]);
      expect((await management.send(new ListEnvironmentTemplatesCommand({}))).templates).toEqual([]);
      for (const [proton, requestedBy] of [[environmentAccount, 'ENVIRONMENT_ACCOUNT'], [management, 'MANAGEMENT_ACCOUNT']] as const) {
        expect((await proton.send(new ListEnvironmentAccountConnectionsCommand({ requestedBy }))).environmentAccountConnections).toEqual([]);
      }
      expect(fs.readdirSync(path.join(workDir, '.proton-local'))).toEqual(['logs']);
    } finally {
      management.destroy();
      environmentAccount.destroy();
    }
  });
});
