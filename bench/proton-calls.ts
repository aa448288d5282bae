/**
 * Proton calls per `EnvironmentTemplate` lifecycle step, against the fewest calls that step could
 * possibly make. Each step deploys (or destroys) a one-template app with the local CloudFormation
 * runner, through the real bundled handler (`npx projen bundle`), against the embedded emulator;
 * the calls are the difference of the emulator's `control.callCounts()` around the step.
 *
 *   npx ts-node --transpile-only -P test/tsconfig.json bench/proton-calls.ts
 *
 * Also per step: the CloudFormation requests the custom resource received and the handler
 * invocations (onEvent / isComplete Lambda functions, counted from their START log lines).
 * Counts are deterministic: no faults, no retries, a manual emulator clock.
 */
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { ratio, runMain, table } from './stats';
import { startEmulator } from '../local/emulator';
import { LocalRunner, OperationResult } from '../local/runner';
import { EnvironmentTemplate } from '../src';
import { testApp } from '../test/runner/fixtures/test-app';

const STACK = 'ProtonCallsBench';

interface TemplateRevision {
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  readonly tags: Record<string, string>;
  /** A property the handler does not read: changing it makes CloudFormation send an Update. */
  readonly ignored: string;
}

interface Step {
  readonly operation: string;
  /** The fewest Proton calls that carry the step out, and which. */
  readonly minimum: number;
  readonly minimumCalls: string;
  readonly run: (runner: LocalRunner) => Promise<OperationResult>;
}

function app(revision: TemplateRevision): App {
  const result = testApp();
  const template = new EnvironmentTemplate(new Stack(result, STACK), 'Template', {
    environmentTemplateName: revision.name,
    displayName: revision.displayName,
    description: revision.description,
  });
  for (const [key, value] of Object.entries(revision.tags)) template.tags.setTag(key, value);
  (template.node.findChild('Resource').node.defaultChild as CfnResource).addPropertyOverride('BenchIgnored', revision.ignored);
  return result;
}

const created: TemplateRevision = { name: 'bench-network', displayName: 'Network', description: 'first', tags: { team: 'a' }, ignored: '1' };
const renamed: TemplateRevision = { ...created, displayName: 'Network v2', description: 'second' };
const retagged: TemplateRevision = { ...renamed, tags: { team: 'b' } };
const ignoredChange: TemplateRevision = { ...retagged, ignored: '2' };
const replaced: TemplateRevision = { ...ignoredChange, name: 'bench-network-b' };

const STEPS: Step[] = [
  { operation: 'create', minimum: 1, minimumCalls: 'CreateEnvironmentTemplate', run: (r) => r.deploy(app(created)) },
  {
    operation: 'update in place: display name + description',
    minimum: 1,
    minimumCalls: 'UpdateEnvironmentTemplate',
    run: (r) => r.deploy(app(renamed)),
  },
  { operation: 'update in place: tag value', minimum: 1, minimumCalls: 'TagResource', run: (r) => r.deploy(app(retagged)) },
  { operation: 'no-op update (changed property the handler ignores)', minimum: 0, minimumCalls: '-', run: (r) => r.deploy(app(ignoredChange)) },
  { operation: 'redeploy unchanged (CloudFormation sends nothing)', minimum: 0, minimumCalls: '-', run: (r) => r.deploy(app(ignoredChange)) },
  {
    operation: 'replacement (new name)',
    minimum: 2,
    minimumCalls: 'CreateEnvironmentTemplate + DeleteEnvironmentTemplate',
    run: (r) => r.deploy(app(replaced)),
  },
  { operation: 'delete', minimum: 1, minimumCalls: 'DeleteEnvironmentTemplate', run: (r) => r.destroy({ stackNames: [STACK] }) },
];

/** Calls made between two `callCounts()` snapshots, as `Name×n` sorted by name. */
function callDiff(before: Record<string, number>, after: Record<string, number>): { total: number; text: string } {
  const diff = Object.entries(after)
    .map(([op, n]) => [op, n - (before[op] ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b));
  return { total: diff.reduce((sum, [, n]) => sum + n, 0), text: diff.map(([op, n]) => `${op}×${n}`).join(', ') || '-' };
}

async function main(): Promise<void> {
  const emulator = await startEmulator({ clock: 'manual', strict: true });
  const runner = await LocalRunner.start({ emulator });
  /** Function name → 'onEvent' | 'isComplete', from the deployed stack's handler functions. */
  const handlerKinds = new Map<string, string>();
  const rows: string[][] = [];
  try {
    for (const step of STEPS) {
      const countsBefore = emulator.control.callCounts();
      const firstLog = runner.logs.length;
      const result = await step.run(runner);
      if (!result.success) throw new Error(`Step '${step.operation}' failed: ${result.events.map((e) => e.reason).filter(Boolean).join(' | ')}`);
      for (const [logicalId, resource] of Object.entries(runner.stack(STACK)?.resources ?? {})) {
        if (resource.type !== 'AWS::Lambda::Function') continue;
        if (logicalId.includes('OnEventHandler')) handlerKinds.set(resource.physicalId, 'onEvent');
        if (logicalId.includes('IsCompleteHandler')) handlerKinds.set(resource.physicalId, 'isComplete');
      }
      const invocations = (kind: string) => runner.logs.slice(firstLog)
        .filter((l) => l.line.startsWith('START RequestId:') && handlerKinds.get(l.functionName) === kind).length;
      const calls = callDiff(countsBefore, emulator.control.callCounts());
      const requestTypes = result.requests
        .filter(({ request }) => request.ResourceType === 'Custom::ProtonEnvironmentTemplate')
        .map(({ request }) => request.RequestType);
      rows.push([
        step.operation,
        requestTypes.join('+') || '-',
        `${invocations('onEvent')}/${invocations('isComplete')}`,
        String(calls.total),
        String(step.minimum),
        step.minimum === 0 ? (calls.total === 0 ? '=' : `+${calls.total}`) : ratio(calls.total, step.minimum),
        calls.text,
      ]);
    }
  } finally {
    await runner.close();
    await emulator.stop();
  }

  process.stdout.write([
    'proton-calls: one EnvironmentTemplate through the local runner + real bundled handler + embedded emulator',
    '',
    table(['step', 'CFN requests', 'onEvent/isComplete', 'Proton calls', 'minimum', 'vs minimum', 'calls made'], rows, [1, 6]),
    '',
    'Minimum = the one write the step needs (create: CreateEnvironmentTemplate; update: UpdateEnvironmentTemplate or',
    'TagResource; replacement: Create + Delete; delete: DeleteEnvironmentTemplate). What the guards add:',
    '- create: GetEnvironmentTemplate before the create (create-or-adopt: a replayed or retried Create finds the',
    '  template its first attempt made, by its ownership tags, instead of failing on the name) and one in isComplete',
    '  (the Data: Arn, Name).',
    '- update / delete: GetEnvironmentTemplate + ListTagsForResource first (the template must still exist and carry this',
    '  stack\'s ownership tags: a foreign same-name template is never updated or deleted); update\'s isComplete re-reads it.',
    '- no-op update: only the isComplete read (the handler compares old and new properties and calls nothing in onEvent);',
    '  an unchanged redeploy never reaches the handler.',
    '',
  ].join('\n'));
}

runMain(main);
