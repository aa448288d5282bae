import { paginate } from './pagination';
import { accessDenied, notFound, validation } from '../core/errors';
import type { OperationTable, RequestContext } from '../core/runtime';
import { arn as buildArn, type AccountState, type Tag } from '../core/store';

/**
 * Resource tags (proton-api.md §2 Tags, user guide "AWS Proton resources and tagging"):
 * customer tags (≤ 50 per resource, keys unique and case-sensitive) plus the AWS-managed
 * `aws:proton:*` tags Proton adds to the resources it creates (not to environment account
 * connections). `aws:` keys are reserved: customers can neither set nor remove them, and they
 * don't count against the limit. Tags live in `AccountState.tags`, keyed by ARN, in the account
 * that owns the ARN.
 */

/** Customer tags per resource (user guide). */
export const MAX_CUSTOMER_TAGS = 50;
const RESERVED_PREFIX = 'aws:';
const PROTON_ARN = /^arn:(aws|aws-cn|aws-us-gov):proton:([a-z0-9-]+):(\d{12}):(.+)$/;

/**
 * Validates customer tags given to a create call: no reserved `aws:` keys, no key twice.
 * Call it before storing anything, so that a refused create leaves no trace.
 */
export function validateCustomerTags(tags: readonly Tag[] | undefined): void {
  const seen = new Set<string>();
  for (const { key } of tags ?? []) {
    if (isReserved(key)) {
      throw validation(`The tag key '${key}' is not allowed: keys starting with '${RESERVED_PREFIX}' are reserved for AWS. Use a key without that prefix.`);
    }
    if (seen.has(key)) {
      throw validation(`The tag key '${key}' appears more than once in tags: each key can have only one value.`);
    }
    seen.add(key);
  }
}

/**
 * Records the tags of a resource being created: the customer `tags` plus, when `managed` (the
 * default; environment account connections never get them), the AWS-managed `aws:proton:*`
 * tags derived from the ARN and the related records. Call it after storing the record (the
 * managed tags name its template, environment and service).
 */
export function setResourceTags(account: AccountState, arn: string, tags: readonly Tag[] | undefined, managed = true): void {
  validateCustomerTags(tags);
  const resource = PROTON_ARN.exec(arn)?.[4] ?? '';
  const awsManaged = managed && !resource.startsWith('environment-account-connection/') ? managedTags(account, resource) : [];
  account.tags.set(arn, [...awsManaged, ...(tags ?? []).map(({ key, value }) => ({ key, value }))]);
}

/** Forgets the tags of a deleted resource. */
export function deleteResourceTags(account: AccountState, arn: string): void {
  account.tags.delete(arn);
}

function isReserved(key: string): boolean {
  return key.toLowerCase().startsWith(RESERVED_PREFIX);
}

/**
 * The AWS-managed tags of the resource `resource` (an ARN resource part): the account, and the
 * template, environment, service and service instance it belongs to, each as an ARN.
 */
function managedTags(account: AccountState, resource: string): Tag[] {
  const related = new Map<string, string>([['aws:proton:account', `arn:aws:iam::${account.accountId}:root`]]);
  const templateArn = (kind: 'environment' | 'service', name: string) => buildArn(account, `${kind}-template/${name}`);
  const relate = (key: string, arnValue: string | undefined) => {
    if (arnValue) related.set(`aws:proton:${key}`, arnValue);
  };
  let match: RegExpExecArray | null;
  if ((match = /^(environment|service)-template\/([^:]+)/.exec(resource))) {
    relate('template', templateArn(match[1] as 'environment' | 'service', match[2]));
  } else if ((match = /^environment\/(.+)$/.exec(resource))) {
    const environment = account.environments.get(match[1]);
    relate('environment', environment?.arn);
    relate('template', environment && templateArn('environment', environment.templateName));
  } else if ((match = /^service\/([^/]+)(\/.*)?$/.exec(resource))) {
    const service = account.services.get(match[1]);
    relate('service', service?.arn);
    relate('template', service && templateArn('service', service.templateName));
    const instanceName = /^\/service-instance\/(.+)$/.exec(match[2] ?? '')?.[1];
    const instance = instanceName === undefined ? undefined : service?.instances.get(instanceName);
    relate('service-instance', instance?.arn);
    relate('environment', instance && account.environments.get(instance.environmentName)?.arn);
  } else if ((match = /^component\/(.+)$/.exec(resource))) {
    const component = account.components.get(match[1]);
    const service = component?.serviceName === undefined ? undefined : account.services.get(component.serviceName);
    relate('environment', component && account.environments.get(component.environmentName)?.arn);
    relate('service', service?.arn);
    relate('service-instance', component?.serviceInstanceName === undefined ? undefined : service?.instances.get(component.serviceInstanceName)?.arn);
  }
  return [...related].sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => ({ key, value }));
}

/**
 * The tags of the existing Proton resource `resourceArn`, or the error the caller gets: a
 * non-Proton ARN is invalid, another account's ARN is not the caller's to tag (AccessDenied),
 * and an ARN naming nothing (in this region) is not found.
 */
function taggedResource(ctx: RequestContext, resourceArn: string): { tags: Tag[] } {
  const match = PROTON_ARN.exec(resourceArn);
  if (!match) {
    throw validation(`The resourceArn '${resourceArn}' is not an AWS Proton ARN (arn:aws:proton:<region>:<account>:<resource>).`);
  }
  const [, , region, accountId, resource] = match;
  if (accountId !== ctx.accountId) {
    throw accessDenied(`The resource '${resourceArn}' belongs to account ${accountId}; account ${ctx.accountId} can only tag its own AWS Proton resources.`);
  }
  if (region !== ctx.region || !resourceExists(ctx, resourceArn, resource)) {
    throw notFound(`The resource '${resourceArn}' was not found.`);
  }
  return { tags: ctx.account.tags.get(resourceArn) ?? [] };
}

function resourceExists(ctx: RequestContext, resourceArn: string, resource: string): boolean {
  const account = ctx.account;
  if (resource.startsWith('environment-account-connection/')) {
    return [...ctx.runtime.global.environmentAccountConnections.values()].some((c) => c.arn === resourceArn);
  }
  // A major version (`...-template/<name>:<major>`) exists while one of its minor versions does.
  const isVersionOrMajor = (versionArn: string) => versionArn === resourceArn || versionArn.startsWith(`${resourceArn}.`);
  const services = [...account.services.values()];
  const records: { arn: string }[] = [
    ...account.templates.values(),
    ...account.environments.values(),
    ...services,
    ...services.flatMap((s) => [...s.instances.values(), ...(s.pipeline ? [s.pipeline] : [])]),
    ...account.components.values(),
    ...account.repositories.values(),
    ...account.deployments.values(),
  ];
  return records.some((r) => r.arn === resourceArn)
    || [...account.templateVersions.values()].some((v) => isVersionOrMajor(v.arn));
}

function customerKeys(tags: Tag[]): string[] {
  return tags.filter((t) => !isReserved(t.key)).map((t) => t.key);
}

export const operations: OperationTable = {
  TagResource(input: { resourceArn: string; tags: Tag[] }, ctx) {
    const { tags: current } = taggedResource(ctx, input.resourceArn);
    validateCustomerTags(input.tags);
    const updated = new Map(current.map((t) => [t.key, t.value]));
    for (const { key, value } of input.tags) updated.set(key, value);
    const next = [...updated].map(([key, value]) => ({ key, value }));
    const count = customerKeys(next).length;
    if (count > MAX_CUSTOMER_TAGS) {
      throw validation(`The resource '${input.resourceArn}' would have ${count} customer tags; at most ${MAX_CUSTOMER_TAGS} are allowed (tags starting with '${RESERVED_PREFIX}' don't count). Remove tags with UntagResource first.`);
    }
    ctx.account.tags.set(input.resourceArn, next);
    return {};
  },

  UntagResource(input: { resourceArn: string; tagKeys: string[] }, ctx) {
    const { tags: current } = taggedResource(ctx, input.resourceArn);
    const reserved = input.tagKeys.find(isReserved);
    if (reserved !== undefined) {
      throw validation(`The tag key '${reserved}' can't be removed: tags starting with '${RESERVED_PREFIX}' are managed by AWS.`);
    }
    const removed = new Set(input.tagKeys);
    ctx.account.tags.set(input.resourceArn, current.filter((t) => !removed.has(t.key)));
    return {};
  },

  ListTagsForResource(input: { resourceArn: string; maxResults?: number; nextToken?: string }, ctx) {
    const { tags } = taggedResource(ctx, input.resourceArn);
    const page = paginate(tags, input.maxResults, input.nextToken);
    return { tags: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  },
};
