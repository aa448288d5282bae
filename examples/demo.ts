/**
 * `npm run demo`: deploy the platform of examples/app.ts with the local CloudFormation runner to
 * an embedded Proton emulator, stage by stage — the initial platform, the environment template's
 * minor upgrade with both environments moved onto it and a third service instance, that instance
 * removed and a component detached from its instance, the component removed — showing what
 * Proton holds after each; then destroy the stack and show that nothing is left. Every call the
 * handler makes is authorized by the emulator against the handler role's policy as deployed.
 * Exits non-zero if any step fails.
 *
 * `npm run demo -- --backend cloudformation`: the same app with the context
 * `cdk-proton:backend=cloudformation`: no custom resource; environments, service instances and
 * the component are nested stacks of their rendered templates, shown after each step; at the end
 * the emulator's Proton call count is shown, and must be zero.
 */
import * as path from 'path';
import { ProtonClient } from '@aws-sdk/client-proton';
import { App } from 'aws-cdk-lib';
import { buildDemoApp, DEMO_STACK_NAME, DEMO_STAGES, DemoStage } from './app';
import { formatProtonState, readProtonState } from './proton-state';
import { startEmulator } from '../local/emulator';
import { consoleReporter, LocalRunner, OperationResult, summarize } from '../local/runner';
import { StackState } from '../local/runner/operation-context';

const OUTDIR = path.join(__dirname, 'cdk.out');

const STAGE_TITLES: Record<DemoStage, string> = {
  'initial': 'Deploy the platform: network template 1.0, two environments, service template 1.0, service with two instances, '
    + 'a job queue component attached to the staging instance',
  'upgraded': 'Publish network template 1.1 (backward compatible), move both environments onto it, add the service instance production-2',
  'instance-removed': 'Remove the service instance production-2 and detach the job queue from the staging instance',
  'component-removed': 'Remove the job queue from the stack (CloudFormation deletes it in its cleanup phase)',
};

function heading(text: string): void {
  process.stdout.write(`\n=== ${text}\n`);
}

/** `--backend cloudformation` selects the cloudformation backend; anything else is an error. */
function backendArgument(args: string[]): 'proton' | 'cloudformation' {
  if (args.length === 0) return 'proton';
  if (args.length === 2 && args[0] === '--backend' && (args[1] === 'proton' || args[1] === 'cloudformation')) return args[1];
  throw new Error(`Usage: npm run demo [-- --backend proton|cloudformation], got: ${args.join(' ')}`);
}

function synth(stage: DemoStage, backend: string): App {
  heading(`Synthesize examples/app.ts (demo:stage=${stage}, cdk-proton:backend=${backend}) into ${path.relative(process.cwd(), OUTDIR)}`);
  return buildDemoApp(new App({ outdir: OUTDIR, context: { 'demo:stage': stage, 'cdk-proton:backend': backend } }));
}

/** The nested stacks of the demo stack: name, status and output keys (never values). */
function showNestedStacks(stack: StackState | undefined): void {
  heading('Nested stacks (cloudformation backend)');
  const nested = Object.values(stack?.resources ?? {}).flatMap((r) => (r.stack ? [r.stack] : []));
  const lines = nested.map((s) => `  ${s.stackName}: ${s.status}; outputs ${Object.keys(s.outputs).sort().join(', ') || '(none)'}`);
  process.stdout.write(`${(lines.length > 0 ? lines : ['  none']).join('\n')}\n`);
}

function check(action: string, result: OperationResult): void {
  process.stdout.write(`${summarize(action, result).join('\n')}\n`);
  if (!result.success) throw new Error(`${action} failed (see the events above).`);
}

async function showProton(proton: ProtonClient): Promise<void> {
  heading('Proton state (through @aws-sdk/client-proton)');
  process.stdout.write(`${formatProtonState(await readProtonState(proton)).join('\n')}\n`);
}

async function main(): Promise<void> {
  const backend = backendArgument(process.argv.slice(2));
  if (backend === 'cloudformation') return cloudFormationDemo();
  const reporter = consoleReporter();
  const runner = await LocalRunner.start({ onEvent: reporter.event, onMessage: reporter.message });
  process.stdout.write(`Embedded Proton emulator at ${runner.endpoint} (virtual time)\n`);
  const proton = new ProtonClient({ endpoint: runner.endpoint, region: runner.target.region, credentials: runner.target.credentials });
  try {
    for (const [i, stage] of DEMO_STAGES.entries()) {
      const app = synth(stage, backend);
      heading(`Step ${i + 1}/${DEMO_STAGES.length + 1}: ${STAGE_TITLES[stage]}`);
      check(`deploy (${stage})`, await runner.deploy(app));
      await showProton(proton);
    }
    heading(`Step ${DEMO_STAGES.length + 1}/${DEMO_STAGES.length + 1}: Destroy ${DEMO_STACK_NAME}`);
    check('destroy', await runner.destroy({ stackNames: [DEMO_STACK_NAME] }));
    await showProton(proton);
  } finally {
    proton.destroy();
    await runner.close();
  }
}

/** The same stages with the cloudformation backend: nested stacks, and no call to Proton. */
async function cloudFormationDemo(): Promise<void> {
  const reporter = consoleReporter();
  const emulator = await startEmulator({ clock: 'manual' });
  const runner = await LocalRunner.start({ emulator, onEvent: reporter.event, onMessage: reporter.message });
  process.stdout.write(`Embedded Proton emulator at ${runner.endpoint} (virtual time): the cloudformation backend must not call it\n`);
  try {
    emulator.control.resetCallCounts();
    for (const [i, stage] of DEMO_STAGES.entries()) {
      const app = synth(stage, 'cloudformation');
      heading(`Step ${i + 1}/${DEMO_STAGES.length + 1}: ${STAGE_TITLES[stage]}`);
      check(`deploy (${stage})`, await runner.deploy(app));
      showNestedStacks(runner.stack(DEMO_STACK_NAME));
    }
    heading(`Step ${DEMO_STAGES.length + 1}/${DEMO_STAGES.length + 1}: Destroy ${DEMO_STACK_NAME}`);
    check('destroy', await runner.destroy({ stackNames: [DEMO_STACK_NAME] }));
    const calls = emulator.control.callCounts();
    const total = Object.values(calls).reduce((sum, n) => sum + n, 0);
    heading(`Proton API calls: ${total}`);
    if (total > 0) throw new Error(`the cloudformation backend called Proton: ${JSON.stringify(calls)}`);
  } finally {
    await runner.close();
    await emulator.stop();
  }
}

main().then(
  () => process.stdout.write('\nDemo complete.\n'),
  (error: Error) => {
    process.stderr.write(`\nDemo failed: ${error.message}\n`);
    process.exit(1);
  },
);
