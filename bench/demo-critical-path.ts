/**
 * The demo platform (examples/app.ts) deployed, upgraded, partly removed and destroyed by the
 * local runner through the real bundled handler against the embedded emulator, on its virtual
 * clock with the emulator's default durations; for each operation, side by side from the same run:
 *
 * - the virtual time it took (the runner's clock);
 * - the critical path of Proton's own work: the longest chain, along the stack's dependencies, of
 *   the time Proton spent working on each resource during the operation (from the emulator's
 *   journal of scheduled transitions: a registration, a deployment, a service settling, a delete);
 *   no CloudFormation, handler or polling overhead can make an operation faster than this;
 * - their ratio (the goal: at most 1.15 for the initial deploy and for the destroy);
 * - the Proton calls the handler made, against main before issue 14 (11c67c1, measured with this
 *   script's predecessor on the same app, IAM enforced: 48 initial, 36 upgrade, 21 instance
 *   removal, 8 component removal, 59 destroy).
 *
 *   npx projen bundle && npx ts-node --transpile-only -P test/tsconfig.json bench/demo-critical-path.ts
 *
 * Deterministic: no faults, a manual clock, seeded functions.
 */
import { App } from 'aws-cdk-lib';
import { ratio, runMain, table } from './stats';
import { buildDemoApp, DEMO_STACK_NAME, DEMO_STAGES, DemoStage } from '../examples/app';
import { Emulator, startEmulator, TransitionRecord } from '../local/emulator';
import { LocalRunner, OperationResult } from '../local/runner';
import { ResourceRecord } from '../local/runner/custom-resource';

/** Proton calls per operation on main before issue 14 (11c67c1). */
const CALLS_BEFORE: Record<string, number> = { 'initial': 48, 'upgraded': 36, 'instance-removed': 21, 'component-removed': 8, 'destroy': 59 };

/** Virtual seconds per operation on main before issue 14 (11c67c1: one resource at a time). */
const SECONDS_BEFORE: Record<string, number> = { 'initial': 150, 'upgraded': 110, 'instance-removed': 60, 'component-removed': 20, 'destroy': 60 };

function demoApp(stage: DemoStage): App {
  process.env.CDK_VALIDATION = 'false';
  return buildDemoApp(new App({ context: { 'demo:stage': stage, 'aws:cdk:disable-creation-stack-traces': true } }));
}

/** Whether a transition's label names the Proton resource `physicalId` (a whole path segment). */
function names(label: string, physicalId: string): boolean {
  return label.split(' ').some((word) => word.split('/').includes(physicalId));
}

/**
 * The longest chain of Proton work along the dependencies: each resource weighs the span of the
 * transitions that name it among `transitions` (from the first one's scheduling to the last one's
 * due time).
 */
function criticalPathMs(resources: Record<string, ResourceRecord>, transitions: readonly TransitionRecord[]): number {
  const work = new Map<string, number>();
  for (const [id, record] of Object.entries(resources)) {
    const mine = transitions.filter((t) => record.type.startsWith('Custom::Proton') && names(t.label, record.physicalId));
    work.set(id, mine.length === 0 ? 0 : Math.max(...mine.map((t) => t.dueMs)) - Math.min(...mine.map((t) => t.scheduledAtMs)));
  }
  const longest = new Map<string, number>();
  const visit = (id: string): number => {
    if (!longest.has(id)) {
      const deps = (resources[id]?.dependencies ?? []).filter((d) => d in resources);
      longest.set(id, (work.get(id) ?? 0) + Math.max(0, ...deps.map(visit)));
    }
    return longest.get(id)!;
  };
  return Math.max(0, ...Object.keys(resources).map(visit));
}

interface Measured {
  readonly operation: string;
  readonly virtualMs: number;
  readonly criticalMs: number;
  readonly calls: number;
  /** `Operation×n, ...` */
  readonly callsMade: string;
  readonly realMs: number;
}

async function measure(
  emulator: Emulator, runner: LocalRunner, elapsed: () => number, operation: string, run: () => Promise<OperationResult>,
): Promise<Measured> {
  const before = runner.stack(DEMO_STACK_NAME)?.resources ?? {};
  const journaled = emulator.control.transitions().length;
  emulator.control.resetCallCounts();
  const virtualStart = elapsed();
  const realStart = Date.now();
  const result = await run();
  if (!result.success) throw new Error(`${operation} failed: ${result.events.map((e) => e.reason).filter(Boolean).join(' | ')}`);
  // The stack's resources before and after: what the operation created, changed or deleted.
  const resources = { ...before, ...runner.stack(DEMO_STACK_NAME)?.resources };
  return {
    operation,
    virtualMs: elapsed() - virtualStart,
    criticalMs: criticalPathMs(resources, emulator.control.transitions().slice(journaled)),
    calls: Object.values(emulator.control.callCounts()).reduce((a, b) => a + b, 0),
    callsMade: Object.entries(emulator.control.callCounts()).map(([op, n]) => `${op}×${n}`).join(', '),
    realMs: Date.now() - realStart,
  };
}

async function main(): Promise<void> {
  const emulator = await startEmulator({ clock: 'manual', strict: true });
  let virtualMs = 0;
  const control = {
    advance: (ms: number) => {
      virtualMs += ms;
      emulator.control.advance(ms);
    },
    heldRequests: () => emulator.control.heldRequests(),
    // The handler's calls authorized against its role's policy, as in the demo.
    setIdentity: emulator.control.setIdentity.bind(emulator.control),
  };
  const { endpoint, accountId, region } = emulator;
  const runner = await LocalRunner.start({ emulator: { endpoint, accountId, region, control } });
  const rows: Measured[] = [];
  try {
    for (const stage of DEMO_STAGES) {
      rows.push(await measure(emulator, runner, () => virtualMs, stage, () => runner.deploy(demoApp(stage))));
    }
    rows.push(await measure(emulator, runner, () => virtualMs, 'destroy', () => runner.destroy({ stackNames: [DEMO_STACK_NAME] })));
  } finally {
    await runner.close();
    await emulator.stop();
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  process.stdout.write([
    'demo-critical-path: the demo platform through the local runner + real bundled handler + embedded emulator (virtual time, default durations)',
    '',
    table(
      ['operation', 'took (virtual)', 'Proton critical path', 'ratio', 'Proton calls', 'calls on main', 'took on main', 'real time'],
      rows.map((r) => [
        r.operation, s(r.virtualMs), s(r.criticalMs), ratio(r.virtualMs, r.criticalMs),
        String(r.calls), String(CALLS_BEFORE[r.operation]), `${SECONDS_BEFORE[r.operation]} s`, `${r.realMs} ms`,
      ]),
    ),
    '',
    'ratio = took / critical path (goal: at most 1.15x for the initial deploy and the destroy).',
    'calls on main / took on main: 11c67c1, before issue 14 (one resource at a time, 10 s polls only).',
    '',
    'Proton calls made:',
    ...rows.map((r) => `- ${r.operation}: ${r.callsMade}`),
    '',
  ].join('\n'));
}

runMain(main);
