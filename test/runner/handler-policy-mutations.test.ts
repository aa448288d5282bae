/**
 * Mutation test of the demo's handler policy: with IAM enforced by the emulator, each statement of
 * the policies attached to the handler role, removed in turn from every stage of the demo
 * (examples/app.ts), makes the demo's lifecycle — its stages deployed in order, then destroyed —
 * fail with AccessDenied naming one of that statement's actions. So no statement is superfluous,
 * and none grants what the handler does not need — but for the few the demo cannot need, listed
 * exactly below with the path that needs them.
 *
 * Cost: each mutant runs on its own embedded emulator (virtual time) and stops at its first
 * failed operation; two mutants run at a time.
 */
import { App } from 'aws-cdk-lib';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildDemoApp, DEMO_STACK_NAME, DEMO_STAGES } from '../../examples/app';
import { LocalRunner } from '../../local/runner/runner';

/** Actions the emulator has no service for: the handler's log delivery (Lambda drops the lines, nothing fails). */
const NOT_AUTHORIZED_HERE = /^logs:/;
const PARALLEL_MUTANTS = 2;

/**
 * The statements the demo's lifecycle survives without, exactly (a new survivor, or one of these
 * killed, fails the test), each needed off that path:
 * - a template version's ListEnvironments / ListServiceInstances on "*": only a delete that Proton
 *   defers (a rolled-back version update, a version removed while it is recommended) lists what
 *   still runs on the versions it waits for, to name it in the message
 *   (`lambda/template-version.ts` usersOf; test/runner/chaos.test.ts, 'a failed deployment rolls a
 *   version update back', names them through the handler's policy as deployed);
 * - the service's ListComponents / ListServiceInstances on "*": the service lists its instances
 *   whenever the instance set changes (the upgrade's scale-out), but in the demo the service template
 *   version's statement above grants ListServiceInstances on "*" too, and one role's policies add
 *   up; an app whose service template is declared in another stack has only the service's.
 */
const NOT_NEEDED_BY_THE_DEMO = [
  'cdkprotonProtonProviderRemovalPolicyProtonPlatformDemoNetworkTemplateV1E5946FFAB74F29BB proton:ListEnvironments',
  'cdkprotonProtonProviderRemovalPolicyProtonPlatformDemoWebServiceTemplateV1367F38BFDB1D85EE proton:ListServiceInstances',
  'cdkprotonProtonProviderRemovalPolicyProtonPlatformDemoApiE0E7F167E5FE295E proton:ListComponents,proton:ListServiceInstances',
  'cdkprotonProtonProviderRemovalPolicyProtonPlatformDemoNetworkTemplateV11745D13439150B792 proton:ListEnvironments',
];

interface PolicyStatement {
  readonly Action: string | string[];
  readonly [key: string]: unknown;
}

/** A statement of a handler policy, identified across stages by its policy and its content. */
interface Mutation {
  readonly policy: string;
  readonly key: string;
  readonly actions: string[];
}

const keyOf = (s: PolicyStatement) => JSON.stringify(s);

/** The demo's stages synthesized (the validation plugin off, as in test-app.ts). */
function synthStages(): CloudAssembly[] {
  process.env.CDK_VALIDATION = 'false';
  return DEMO_STAGES.map((stage) => buildDemoApp(new App({ context: { 'demo:stage': stage, 'aws:cdk:disable-creation-stack-traces': true } })).synth());
}

/** The handler role's policies of a stage's template: logical id → statements (live objects of the cached template). */
function handlerPolicies(assembly: CloudAssembly): Map<string, { statements: PolicyStatement[]; document: { Statement: PolicyStatement[] } }> {
  const template = assembly.getStackByName(DEMO_STACK_NAME).template as { Resources: Record<string, any> };
  const policies = new Map<string, { statements: PolicyStatement[]; document: { Statement: PolicyStatement[] } }>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy' || !JSON.stringify(resource.Properties.Roles).includes('cdkprotonProtonProviderHandlerRole')) continue;
    const document = resource.Properties.PolicyDocument;
    policies.set(id, { statements: [...document.Statement], document });
  }
  return policies;
}

/**
 * Runs the demo's lifecycle on a fresh emulator, up to its first failed operation; the reasons of
 * every resource that failed on the way (a delete that fails in an update's cleanup phase does not
 * fail the update: CloudFormation carries on, and the resource is left behind).
 */
async function lifecycle(assemblies: CloudAssembly[]): Promise<string[]> {
  const runner = await LocalRunner.start();
  const reasons: string[] = [];
  try {
    const operations = [...assemblies.map((assembly) => () => runner.deploy(assembly)), () => runner.destroy({ stackNames: [DEMO_STACK_NAME] })];
    for (const operation of operations) {
      const result = await operation();
      reasons.push(...result.events.filter((e) => e.status.endsWith('_FAILED') && e.reason).map((e) => `${e.logicalId}: ${e.reason!.split('\n')[0]}`));
      if (!result.success) break;
    }
    return reasons;
  } finally {
    await runner.close();
  }
}

test('every statement of the demo\'s handler policy but the few it cannot need is needed: without it, a deploy, update or destroy fails with AccessDenied naming its action', async () => {
  const started = Date.now();
  const assemblies = synthStages();
  const stages = assemblies.map(handlerPolicies);
  const mutations = new Map<string, Mutation>();
  for (const policies of stages) {
    for (const [policy, { statements }] of policies) {
      for (const statement of statements) {
        const actions = [statement.Action].flat();
        if (actions.every((a) => NOT_AUTHORIZED_HERE.test(a))) continue;
        mutations.set(`${policy} ${keyOf(statement)}`, { policy, key: keyOf(statement), actions });
      }
    }
  }
  expect(mutations.size).toBeGreaterThan(10);

  // Each mutant edits the cached templates, so mutants of one assembly set run one after the other:
  // one set of stage assemblies per parallel lane.
  const lanes = [assemblies, ...Array.from({ length: PARALLEL_MUTANTS - 1 }, synthStages)];
  const queue = [...mutations.values()];
  const outcomes = new Map<Mutation, string[]>();
  await Promise.all(lanes.map(async (lane) => {
    const policiesOf = lane.map(handlerPolicies);
    for (let mutation = queue.shift(); mutation !== undefined; mutation = queue.shift()) {
      for (const policies of policiesOf) {
        const policy = policies.get(mutation.policy);
        if (policy) policy.document.Statement = policy.statements.filter((s) => keyOf(s) !== mutation!.key);
      }
      outcomes.set(mutation, await lifecycle(lane));
      for (const policies of policiesOf) {
        for (const policy of policies.values()) policy.document.Statement = [...policy.statements];
      }
    }
  }));

  const survivors = [...mutations.values()]
    .filter((m) => !outcomes.get(m)!.some((reason) => m.actions.some((action) => reason.includes(`is not authorized to perform: ${action}`))))
    .map((m) => `${m.policy} ${m.actions.join(',')}: ${outcomes.get(m)!.join(' | ') || 'the lifecycle succeeded'}`);
  expect(survivors).toEqual(NOT_NEEDED_BY_THE_DEMO.map((s) => `${s}: the lifecycle succeeded`));
  const killedBy = [...mutations.values()].filter((m) => !NOT_NEEDED_BY_THE_DEMO.includes(`${m.policy} ${m.actions.join(',')}`)).map((m) => {
    const denial = outcomes.get(m)!.find((reason) => m.actions.some((action) => reason.includes(`is not authorized to perform: ${action}`)))!;
    const action = /is not authorized to perform: (\S+)/.exec(denial)![1];
    return `  ${m.actions.length > 3 ? `${m.actions.slice(0, 3).join(', ')}, ... (${m.actions.length})` : m.actions.join(', ')}: ${denial.split(':')[0]} denied ${action}`;
  });
  // eslint-disable-next-line no-console
  console.log(`${killedBy.length} mutants of the demo's handler policy killed in ${((Date.now() - started) / 1000).toFixed(1)} s:\n${killedBy.join('\n')}`);
}, 600_000);
