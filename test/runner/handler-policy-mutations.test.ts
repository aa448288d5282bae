/**
 * Mutation test of the demo's handler policy: with IAM enforced by the emulator, each statement of
 * the policies attached to the handler role, removed in turn from every stage of the demo
 * (examples/app.ts), makes the demo's lifecycle — its stages deployed in order, then destroyed —
 * fail with AccessDenied naming one of that statement's actions. So no statement is superfluous,
 * and none grants what the handler does not need. Two statements that grant the same action on "*"
 * at the same time (listed exactly below) are each removed alone and then together.
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
 * killed, fails the test): pairs of statements of two policies that grant the same action on "*"
 * at the same time (one role's policies add up), so neither alone is needed. Each pair removed
 * together must fail the lifecycle with AccessDenied naming the shared action:
 * - ListEnvironments of both environment template versions: the destroy deletes version 1.1 while
 *   1.0 exists, Proton defers it (a major version's recommended minor version goes last), and the
 *   handler names what still runs on the versions it waits for (`lambda/template-version.ts`
 *   usersOf);
 * - ListServiceInstances of the service template version (the same, for service instances) and of
 *   the service (which lists its instances whenever the instance set changes: the upgrade's
 *   scale-out).
 */
const REDUNDANT_PAIRS: ReadonlyArray<{ readonly statements: readonly [string, string]; readonly action: string }> = [
  {
    statements: [
      'cdkprotonProtonProviderRemovalPolicyProtonPlatformDemoNetworkTemplateV1E5946FFAB74F29BB proton:ListEnvironments',
      'cdkprotonProtonProviderRemovalPolicyProtonPlatformDemoNetworkTemplateV11745D13439150B792 proton:ListEnvironments',
    ],
    action: 'proton:ListEnvironments',
  },
  {
    statements: [
      'cdkprotonProtonProviderRemovalPolicyProtonPlatformDemoWebServiceTemplateV1367F38BFDB1D85EE proton:ListServiceInstances',
      'cdkprotonProtonProviderRemovalPolicyProtonPlatformDemoApiE0E7F167E5FE295E proton:ListComponents,proton:ListServiceInstances',
    ],
    action: 'proton:ListServiceInstances',
  },
];
const NOT_NEEDED_BY_THE_DEMO = REDUNDANT_PAIRS.flatMap((pair) => pair.statements);

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

test('every statement of the demo\'s handler policy is needed, alone or with the one other statement granting its action on "*": without it, a deploy, update or destroy fails with AccessDenied naming its action', async () => {
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
  // one set of stage assemblies per parallel lane. A mutant removes one statement, or several.
  const lanes = [assemblies, ...Array.from({ length: PARALLEL_MUTANTS - 1 }, synthStages)];
  const run = async (mutants: Mutation[][]): Promise<Map<Mutation[], string[]>> => {
    const queue = [...mutants];
    const results = new Map<Mutation[], string[]>();
    await Promise.all(lanes.map(async (lane) => {
      const policiesOf = lane.map(handlerPolicies);
      for (let mutant = queue.shift(); mutant !== undefined; mutant = queue.shift()) {
        for (const policies of policiesOf) {
          for (const [id, policy] of policies) {
            const removed = new Set(mutant.filter((m) => m.policy === id).map((m) => m.key));
            policy.document.Statement = policy.statements.filter((s) => !removed.has(keyOf(s)));
          }
        }
        results.set(mutant, await lifecycle(lane));
        for (const policies of policiesOf) {
          for (const policy of policies.values()) policy.document.Statement = [...policy.statements];
        }
      }
    }));
    return results;
  };
  const singles = [...mutations.values()].map((m) => [m]);
  const singleOutcomes = await run(singles);
  const outcomes = new Map(singles.map((mutant) => [mutant[0], singleOutcomes.get(mutant)!]));

  const survivors = [...mutations.values()]
    .filter((m) => !outcomes.get(m)!.some((reason) => m.actions.some((action) => reason.includes(`is not authorized to perform: ${action}`))))
    .map((m) => `${m.policy} ${m.actions.join(',')}: ${outcomes.get(m)!.join(' | ') || 'the lifecycle succeeded'}`);
  expect(survivors.sort()).toEqual(NOT_NEEDED_BY_THE_DEMO.map((s) => `${s}: the lifecycle succeeded`).sort());
  const killedBy = [...mutations.values()].filter((m) => !NOT_NEEDED_BY_THE_DEMO.includes(`${m.policy} ${m.actions.join(',')}`)).map((m) => {
    const denial = outcomes.get(m)!.find((reason) => m.actions.some((action) => reason.includes(`is not authorized to perform: ${action}`)))!;
    const action = /is not authorized to perform: (\S+)/.exec(denial)![1];
    return `  ${m.actions.length > 3 ? `${m.actions.slice(0, 3).join(', ')}, ... (${m.actions.length})` : m.actions.join(', ')}: ${denial.split(':')[0]} denied ${action}`;
  });
  // Each redundant pair removed together is killed by the action both grant.
  const nameOf = (m: Mutation) => `${m.policy} ${m.actions.join(',')}`;
  const pairs = REDUNDANT_PAIRS.map((pair) => pair.statements.map((name) => [...mutations.values()].find((m) => nameOf(m) === name)!));
  const pairOutcomes = await run(pairs);
  expect(pairs.map((pair, i) => {
    const denial = pairOutcomes.get(pair)!.find((reason) => reason.includes(`is not authorized to perform: ${REDUNDANT_PAIRS[i].action}`));
    return `${REDUNDANT_PAIRS[i].action}: ${denial ? 'denied' : pairOutcomes.get(pair)!.join(' | ') || 'the lifecycle succeeded'}`;
  })).toEqual(REDUNDANT_PAIRS.map((pair) => `${pair.action}: denied`));
  // eslint-disable-next-line no-console
  console.log(`${killedBy.length} mutants of the demo's handler policy killed in ${((Date.now() - started) / 1000).toFixed(1)} s:\n${killedBy.join('\n')}`);
}, 600_000);
