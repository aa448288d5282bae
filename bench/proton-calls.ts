/**
 * Proton calls per lifecycle step of an `EnvironmentTemplate` and of an `Environment`, against
 * the fewest calls each step could possibly make. Each step deploys (or destroys) a small app with
 * the local CloudFormation runner, through the real bundled handler (`npx projen bundle`),
 * against the embedded emulator; the calls are the difference of the emulator's
 * `control.callCounts()` around the step (a step's setup, e.g. publishing the template version
 * an environment moves to, is deployed before the count starts).
 *
 *   npx ts-node --transpile-only -P test/tsconfig.json bench/proton-calls.ts
 *
 * Also per step: the CloudFormation requests the measured custom resource received and the
 * handler invocations (onEvent / isComplete Lambda functions, counted from their START log
 * lines). Counts are deterministic: no faults, no retries, a manual emulator clock with the
 * emulator's default durations (environment deployment 30 s, deletion 20 s; the provider polls
 * every 10 s).
 */
import * as path from 'path';
import { App, CfnOutput, CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ratio, runMain, table } from './stats';
import { Emulator, startEmulator } from '../local/emulator';
import { LocalRunner, OperationResult } from '../local/runner';
import { Environment, EnvironmentProvisioning, EnvironmentSpec, EnvironmentTemplate, TemplateBundle } from '../src';
import { testApp } from '../test/runner/fixtures/test-app';

interface Step {
  readonly operation: string;
  /** Deployed before the count starts (what the step relies on, not what it measures). */
  readonly setup?: (runner: LocalRunner) => Promise<OperationResult>;
  /** The fewest Proton calls that carry the step out, and which. */
  readonly minimum: number;
  readonly minimumCalls: string;
  readonly run: (runner: LocalRunner) => Promise<OperationResult>;
}

interface Lifecycle {
  readonly title: string;
  /** The stack whose handler functions are counted. */
  readonly stack: string;
  /** The custom resource type whose CloudFormation requests are listed. */
  readonly resourceType: string;
  readonly steps: Step[];
  /** Deployed (or destroyed) after the steps, uncounted. */
  readonly teardown?: (runner: LocalRunner) => Promise<OperationResult>;
  /** What the calls above the minimum are for. */
  readonly notes: string[];
}

// --- EnvironmentTemplate ---------------------------------------------------------------------

const TEMPLATE_STACK = 'ProtonCallsBench';

interface TemplateRevision {
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  readonly tags: Record<string, string>;
  /** A property the handler does not read: changing it makes CloudFormation send an Update. */
  readonly ignored: string;
}

function templateApp(revision: TemplateRevision): App {
  const result = testApp();
  const template = new EnvironmentTemplate(new Stack(result, TEMPLATE_STACK), 'Template', {
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

const TEMPLATE_LIFECYCLE: Lifecycle = {
  title: 'one EnvironmentTemplate',
  stack: TEMPLATE_STACK,
  resourceType: 'Custom::ProtonEnvironmentTemplate',
  steps: [
    { operation: 'create', minimum: 1, minimumCalls: 'CreateEnvironmentTemplate', run: (r) => r.deploy(templateApp(created)) },
    {
      operation: 'update in place: display name + description',
      minimum: 1,
      minimumCalls: 'UpdateEnvironmentTemplate',
      run: (r) => r.deploy(templateApp(renamed)),
    },
    { operation: 'update in place: tag value', minimum: 1, minimumCalls: 'TagResource', run: (r) => r.deploy(templateApp(retagged)) },
    { operation: 'no-op update (changed property the handler ignores)', minimum: 0, minimumCalls: '-', run: (r) => r.deploy(templateApp(ignoredChange)) },
    { operation: 'redeploy unchanged (CloudFormation sends nothing)', minimum: 0, minimumCalls: '-', run: (r) => r.deploy(templateApp(ignoredChange)) },
    {
      operation: 'replacement (new name)',
      minimum: 2,
      minimumCalls: 'CreateEnvironmentTemplate + DeleteEnvironmentTemplate',
      run: (r) => r.deploy(templateApp(replaced)),
    },
    { operation: 'delete', minimum: 1, minimumCalls: 'DeleteEnvironmentTemplate', run: (r) => r.destroy({ stackNames: [TEMPLATE_STACK] }) },
  ],
  notes: [
    'Minimum = the one write the step needs (create: CreateEnvironmentTemplate; update: UpdateEnvironmentTemplate or',
    'TagResource; replacement: Create + Delete; delete: DeleteEnvironmentTemplate). What the guards add:',
    '- create: GetEnvironmentTemplate before the create (create-or-adopt: a replayed or retried Create finds the',
    '  template its first attempt made, by its ownership tags, instead of failing on the name) and one in isComplete',
    '  (the Data: Arn, Name).',
    '- update / delete: GetEnvironmentTemplate + ListTagsForResource first (the template must still exist and carry this',
    '  stack\'s ownership tags: a foreign same-name template is never updated or deleted); update\'s isComplete re-reads it.',
    '- no-op update: only the isComplete read (the handler compares old and new properties and calls nothing in onEvent);',
    '  an unchanged redeploy never reaches the handler.',
  ],
};

// --- Environment -----------------------------------------------------------------------------

const PLATFORM_STACK = 'ProtonCallsBenchPlatform';
const ENVIRONMENT_STACK = 'ProtonCallsBenchEnvironment';
const NETWORK_TEMPLATE = 'bench-calls-network';
const TEMPLATES_DIR = path.join(__dirname, '..', 'examples', 'templates');

/** The template and its versions 1.0 (and 1.1), in their own stack: not what is measured. */
function platformApp(minorVersions: number): App {
  const result = testApp();
  const template = new EnvironmentTemplate(new Stack(result, PLATFORM_STACK), 'Network', { environmentTemplateName: NETWORK_TEMPLATE });
  const v1 = template.addVersion('V1', { bundle: TemplateBundle.fromDirectory(path.join(TEMPLATES_DIR, 'network-v1.0')) });
  if (minorVersions > 1) {
    template.addVersion('V1_1', { bundle: TemplateBundle.fromDirectory(path.join(TEMPLATES_DIR, 'network-v1.1')), majorVersion: v1.majorVersion });
  }
  return result;
}

/** One environment on `bench-calls-network` 1.<minor>, its VpcId output read by the app. */
function environmentApp(minorVersion: string, vpcCidr: string): App {
  const result = testApp();
  const stack = new Stack(result, ENVIRONMENT_STACK);
  const environment = new Environment(stack, 'Environment', {
    environmentName: 'bench-calls-env',
    template: EnvironmentTemplate.fromEnvironmentTemplateName(stack, 'Network', NETWORK_TEMPLATE),
    templateMajorVersion: '1',
    templateMinorVersion: minorVersion,
    spec: EnvironmentSpec.fromInputs({ vpc_cidr: vpcCidr }),
    provisioning: EnvironmentProvisioning.awsManaged({
      protonServiceRole: iam.Role.fromRoleArn(stack, 'ProtonServiceRole', 'arn:aws:iam::111111111111:role/proton-service'),
    }),
  });
  new CfnOutput(stack, 'VpcId', { value: environment.getOutput('VpcId') });
  return result;
}

const ENVIRONMENT_LIFECYCLE: Lifecycle = {
  title: 'one Environment (template and versions deployed in another stack, uncounted)',
  stack: ENVIRONMENT_STACK,
  resourceType: 'Custom::ProtonEnvironment',
  steps: [
    {
      operation: 'create (1.0, one output read)',
      setup: (r) => r.deploy(platformApp(1)),
      minimum: 3,
      minimumCalls: 'CreateEnvironment + GetEnvironment + ListEnvironmentOutputs',
      run: (r) => r.deploy(environmentApp('0', '10.1.0.0/16')),
    },
    {
      operation: 'spec update (CURRENT_VERSION)',
      minimum: 3,
      minimumCalls: 'UpdateEnvironment + GetEnvironment + ListEnvironmentOutputs',
      run: (r) => r.deploy(environmentApp('0', '10.2.0.0/16')),
    },
    {
      operation: 'minor upgrade 1.0 -> 1.1 (MINOR_VERSION)',
      setup: (r) => r.deploy(platformApp(2)),
      minimum: 3,
      minimumCalls: 'UpdateEnvironment + GetEnvironment + ListEnvironmentOutputs',
      run: (r) => r.deploy(environmentApp('1', '10.2.0.0/16')),
    },
    {
      operation: 'delete',
      minimum: 2,
      minimumCalls: 'DeleteEnvironment + GetEnvironment',
      run: (r) => r.destroy({ stackNames: [ENVIRONMENT_STACK] }),
    },
  ],
  teardown: (r) => r.destroy({ stackNames: [PLATFORM_STACK] }),
  notes: [
    'Minimum = the write, one read that sees the deployment (or deletion) finished, and the outputs the app reads',
    '(create / update: Create|UpdateEnvironment + GetEnvironment + ListEnvironmentOutputs; delete: DeleteEnvironment +',
    'GetEnvironment answering ResourceNotFound). What the handler adds:',
    '- create: GetEnvironment before the create (create-or-adopt, as for templates); then one GetEnvironment per',
    '  isComplete poll until the deployment settles (4 polls for a 30 s deployment at the 10 s interval).',
    '- update: GetEnvironment + ListTagsForResource first (the environment must exist and carry this stack\'s ownership',
    '  tags), a second ListTagsForResource to sync the customer tags (it could reuse the first: one call saved), polls.',
    '- delete: GetEnvironment + ListTagsForResource first, then each isComplete poll re-reads the environment and its',
    '  tags (ownership re-checked) until ResourceNotFound.',
    'The polls grow with the deployment\'s duration; everything else is fixed per step.',
  ],
};

// --- Measurement -----------------------------------------------------------------------------

/** Calls made between two `callCounts()` snapshots, as `Name×n` sorted by name. */
function callDiff(before: Record<string, number>, after: Record<string, number>): { total: number; text: string } {
  const diff = Object.entries(after)
    .map(([op, n]) => [op, n - (before[op] ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b));
  return { total: diff.reduce((sum, [, n]) => sum + n, 0), text: diff.map(([op, n]) => `${op}×${n}`).join(', ') || '-' };
}

function check(what: string, result: OperationResult): void {
  if (!result.success) throw new Error(`${what} failed: ${result.events.map((e) => e.reason).filter(Boolean).join(' | ')}`);
}

/** One table row per step of `lifecycle`. */
async function measure(emulator: Emulator, runner: LocalRunner, lifecycle: Lifecycle): Promise<string[][]> {
  /** Function name → 'onEvent' | 'isComplete', from the measured stack's handler functions. */
  const handlerKinds = new Map<string, string>();
  const rows: string[][] = [];
  for (const step of lifecycle.steps) {
    if (step.setup) check(`Setup of step '${step.operation}'`, await step.setup(runner));
    const countsBefore = emulator.control.callCounts();
    const firstLog = runner.logs.length;
    const result = await step.run(runner);
    check(`Step '${step.operation}'`, result);
    for (const [logicalId, resource] of Object.entries(runner.stack(lifecycle.stack)?.resources ?? {})) {
      if (resource.type !== 'AWS::Lambda::Function') continue;
      if (logicalId.includes('OnEventHandler')) handlerKinds.set(resource.physicalId, 'onEvent');
      if (logicalId.includes('IsCompleteHandler')) handlerKinds.set(resource.physicalId, 'isComplete');
    }
    const invocations = (kind: string) => runner.logs.slice(firstLog)
      .filter((l) => l.line.startsWith('START RequestId:') && handlerKinds.get(l.functionName) === kind).length;
    const calls = callDiff(countsBefore, emulator.control.callCounts());
    const requestTypes = result.requests
      .filter(({ request }) => request.ResourceType === lifecycle.resourceType)
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
  if (lifecycle.teardown) check(`Teardown of ${lifecycle.title}`, await lifecycle.teardown(runner));
  return rows;
}

async function main(): Promise<void> {
  const emulator = await startEmulator({ clock: 'manual', strict: true });
  const runner = await LocalRunner.start({ emulator });
  const sections: string[] = [];
  try {
    for (const lifecycle of [TEMPLATE_LIFECYCLE, ENVIRONMENT_LIFECYCLE]) {
      const rows = await measure(emulator, runner, lifecycle);
      sections.push([
        `proton-calls: ${lifecycle.title} through the local runner + real bundled handler + embedded emulator`,
        '',
        table(['step', 'CFN requests', 'onEvent/isComplete', 'Proton calls', 'minimum', 'vs minimum', 'calls made'], rows, [1, 6]),
        '',
        ...lifecycle.notes,
        '',
      ].join('\n'));
    }
  } finally {
    await runner.close();
    await emulator.stop();
  }
  process.stdout.write(sections.join('\n'));
}

runMain(main);
