/**
 * The `cdk-proton` command as the npm package ships it: the compiled `lib/cli/cdk-proton.js`
 * named by package.json's `bin`, run with node. (The build compiles lib/ before the tests; when
 * lib/ is missing or older than src/, e.g. `npm test` on a fresh clone, it is compiled first with jsii, as `projen compile` does.)
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TemplateBundle } from '../../src';
import { BUNDLES_DIR, RENDER_ENVIRONMENT, RENDER_SERVICE } from '../fixtures/bundles/corpus';

const ROOT = path.join(__dirname, '..', '..');
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const CLI = path.join(ROOT, PACKAGE.bin['cdk-proton']);

function newestMtime(dir: string): number {
  return Math.max(...fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => fs.statSync(path.join(e.parentPath, e.name)).mtimeMs));
}

beforeAll(() => {
  if (!fs.existsSync(CLI) || fs.statSync(CLI).mtimeMs < newestMtime(path.join(ROOT, 'src'))) {
    execFileSync('npx', ['jsii', '--silence-warnings=reserved-word'], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' } });
  }
}, 600_000);

let workDir: string;
beforeEach(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-proton-cli-'));
});
afterEach(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: workDir, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function specFile(name: string, text: string): string {
  const file = path.join(workDir, name);
  fs.writeFileSync(file, text);
  return file;
}

const SERVICE_SPEC = 'proton: ServiceSpec\ninstances:\n  - name: one\n    environment: net-dev\n    spec: {image: nginx, loadbalancer_type: network}\n';

test('package.json names the compiled command, which starts with a shebang', () => {
  expect(PACKAGE.bin).toEqual({ 'cdk-proton': 'lib/cli/cdk-proton.js' });
  expect(fs.readFileSync(CLI, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
});

test('render prints each file, headed by its path and instance, as TemplateBundle.render renders it', () => {
  const bundle = path.join(BUNDLES_DIR, RENDER_SERVICE);
  const spec = specFile('svc.yaml', SERVICE_SPEC);
  const result = run('render', '--bundle', bundle, '--spec', spec, '--instance', 'one', '--service-name', 'api',
    '--environment-output', 'VpcId=vpc-1', '--environment-output', 'SubnetIds=subnet-1,subnet-2', '--component-output', 'QueueUrl=https://sqs/q');
  const [expected] = TemplateBundle.fromDirectory(bundle).render({
    spec: SERVICE_SPEC, instanceName: 'one', serviceName: 'api', environmentOutputs: { VpcId: 'vpc-1', SubnetIds: 'subnet-1,subnet-2' }, componentOutputs: { QueueUrl: 'https://sqs/q' },
  });
  expect(result).toEqual({ status: 0, stdout: `# instance_infrastructure/cloudformation.yaml (instance one)\n${expected.content}`, stderr: '' });
  expect(expected.content).toContain("    Value: 'https://sqs/q'\n");
});

test('--out writes the rendered files for cfn-lint', () => {
  const out = path.join(workDir, 'rendered');
  const spec = specFile('env.yaml', 'proton: EnvironmentSpec\nspec:\n  tier: prod\n');
  const result = run('render', '--bundle', path.join(BUNDLES_DIR, RENDER_ENVIRONMENT), '--spec', spec, '--environment-name', 'net-prod', '--out', out);
  const file = path.join(out, 'infrastructure', 'cloudformation.yaml');
  expect(result).toEqual({ status: 0, stdout: `${file}\n`, stderr: '' });
  expect(fs.readFileSync(file, 'utf8')).toContain("          Value: 'net-prod'\n        - Key: Tier\n          Value: 'prod'\n");
});

test('a render problem is printed with its file and line, and the exit code is 1', () => {
  const spec = specFile('svc.yaml', SERVICE_SPEC);
  const result = run('render', '--bundle', path.join(BUNDLES_DIR, RENDER_SERVICE), '--spec', spec, '--environment-output', 'VpcId=vpc-1');
  expect(result).toEqual({
    status: 1,
    stdout: '',
    stderr: `Rendering '${path.join(BUNDLES_DIR, RENDER_SERVICE)}' for instance 'one' failed:\n  instance_infrastructure/cloudformation.yaml:13: `
      + "environment.outputs.SubnetIds is undefined: environment.outputs has no 'SubnetIds' (it has: VpcId). Give it a default (| default(...)) or reference a value that exists.\n",
  });
});

test('a usage error prints the usage, and the exit code is 2', () => {
  const result = run('render', '--bundle', 'x');
  expect(result.status).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^render needs --bundle and --spec\.\n\nUsage: cdk-proton render --bundle <dir> --spec <spec.yaml> /);
  expect(run('lint').stderr).toMatch(/^Unknown command 'lint'\.\n/);
});
