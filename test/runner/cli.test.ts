/**
 * The CLI (`npm run local -- deploy|destroy --app <cdk.out> --endpoint <url>`) as a process, against
 * an emulator started here: state is kept in `.proton-local/` next to the assembly, so `destroy`
 * in a later process finds what `deploy` created; failures exit non-zero.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FIXTURE_STACK, fixtureApp, FixtureResource } from './fixtures/app';
import { Emulator, startEmulator } from '../../local/emulator';

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
  const stateFile = path.join(workDir, '.proton-local', `${FIXTURE_STACK}.json`);
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
