import {
  assertNotInFlight, cancel, deploy, DeploymentTarget, describeDeploymentState, isInFlight, listOutputs, SettledHook,
} from './deployment-engine';
import { checkInstanceInputs, requireServiceSpec } from './deployment-spec';
import { resolveVersionUpdate } from './deployment-type';
import { renderInstanceIac } from './iac-rendering';
import { paginate } from './pagination';
import { recordSyncBlocker } from './service-sync-config';
import { setResourceTags, validateCustomerTags } from './tags';
import { getTemplateVersion, recommendedMinorVersion, recommendedVersion, resolveTemplateVersion } from './template-common';
import type { ServiceSpec } from '../../../src/private/spec-schema';
import { conflict, notFound, quotaExceeded, validation } from '../core/errors';
import { withClientToken } from '../core/idempotency';
import type { OperationTable, RequestContext } from '../core/runtime';
import type { AccountState, ServiceInstanceRecord, ServiceRecord, TemplateVersionRecord } from '../core/store';
import { arn } from '../core/store';

/**
 * Service instances (proton-api.md §2 ServiceInstance). Instances are created with their service
 * (service.ts) or one at a time by CreateServiceInstance, and removed only by UpdateService or
 * DeleteService. Their `spec` is the whole ServiceSpec document they were deployed from; the
 * entry named like the instance holds its inputs.
 */

const IAC_DIR = 'instance_infrastructure';
/** Service instances per service (quota L-E8182F7E). */
export const MAX_INSTANCES_PER_SERVICE = 20;

export function getServiceRecord(account: AccountState, name: string): ServiceRecord {
  const service = account.services.get(name);
  if (!service) throw notFound(`Service ${name} not found.`);
  return service;
}

export function getInstanceRecord(account: AccountState, serviceName: string, name: string): ServiceInstanceRecord {
  const instance = getServiceRecord(account, serviceName).instances.get(name);
  if (!instance) throw notFound(`Service instance ${name} of service ${serviceName} not found.`);
  return instance;
}

/** The component attached to an instance, if any. */
export function attachedComponent(account: AccountState, serviceName: string, instanceName: string) {
  return [...account.components.values()].find((c) => c.serviceName === serviceName && c.serviceInstanceName === instanceName);
}

/** The engine's view of a service instance. */
export function instanceTarget(account: AccountState, service: ServiceRecord, instance: ServiceInstanceRecord): DeploymentTarget {
  const version = () => getTemplateVersion(account, 'SERVICE', instance.templateName, instance.templateMajorVersion, instance.templateMinorVersion);
  const env = account.environments.get(instance.environmentName);
  return {
    record: instance,
    resourceType: 'SERVICE_INSTANCE',
    targetKey: `service/${service.name}/service-instance/${instance.name}`,
    environmentName: instance.environmentName,
    serviceName: service.name,
    serviceInstanceName: instance.name,
    state: () => {
      const component = attachedComponent(account, service.name, instance.name);
      return {
        serviceInstance: {
          spec: instance.spec ?? service.spec,
          templateName: instance.templateName,
          templateMajorVersion: instance.templateMajorVersion,
          templateMinorVersion: instance.templateMinorVersion,
          lastSuccessfulEnvironmentDeploymentId: account.environments.get(instance.environmentName)?.lastSucceededDeploymentId,
          lastSuccessfulServicePipelineDeploymentId: service.pipeline?.lastSucceededDeploymentId,
          lastSuccessfulComponentDeploymentIds: component?.lastSucceededDeploymentId ? [component.lastSucceededDeploymentId] : undefined,
        },
      };
    },
    renderIac: () => renderInstanceIac(account, service, instance, version()),
    provisioningEngine: version().bundle?.engines[IAC_DIR] ?? 'CLOUDFORMATION',
    selfManaged: env?.provisioningRepository !== undefined,
  };
}

/**
 * Checks the instance at `index` of a ServiceSpec: its inputs against the version's schema, and
 * its environment: it must exist, have been deployed, and run a template major version the
 * service template version lists in compatibleEnvironmentTemplates.
 */
export function checkInstance(account: AccountState, spec: ServiceSpec, index: number, version: TemplateVersionRecord): void {
  const entry = spec.instances[index];
  const path = `instances[${index}].environment`;
  const env = account.environments.get(entry.environment);
  if (!env || env.deploymentStatus === 'DELETE_IN_PROGRESS') {
    throw validation(`The spec is invalid: ${path} '${entry.environment}' is not an environment of this account; create it first.`);
  }
  if (env.lastSucceededDeploymentId === undefined) {
    throw validation(`The spec is invalid: ${path} '${entry.environment}' has not been deployed yet (deploymentStatus ${env.deploymentStatus}); wait until it is SUCCEEDED.`);
  }
  const compatible = version.compatibleEnvironmentTemplates ?? [];
  if (!compatible.some((c) => c.templateName === env.templateName && c.majorVersion === env.templateMajorVersion)) {
    throw validation(`The spec is invalid: ${path} '${entry.environment}' uses environment template ${env.templateName} major version ${env.templateMajorVersion}, `
      + `which service template ${version.templateName} version ${version.majorVersion}.${version.minorVersion} is not compatible with `
      + `(compatibleEnvironmentTemplates: ${compatible.map((c) => `${c.templateName}:${c.majorVersion}`).join(', ') || 'none'}).`);
  }
  checkInstanceInputs(spec, index, version);
}

/** Adds an instance record to the service and starts its first deployment. */
export function launchInstance(
  ctx: RequestContext,
  service: ServiceRecord,
  entry: { name: string; environment: string },
  version: TemplateVersionRecord,
  spec: string,
  onSettled?: SettledHook,
): ServiceInstanceRecord {
  const now = ctx.nowSeconds();
  const instance: ServiceInstanceRecord = {
    name: entry.name,
    serviceName: service.name,
    environmentName: entry.environment,
    arn: arn(ctx, `service/${service.name}/service-instance/${entry.name}`),
    templateName: version.templateName,
    templateMajorVersion: version.majorVersion,
    templateMinorVersion: version.minorVersion,
    spec,
    deploymentStatus: 'IN_PROGRESS',
    outputs: [],
    provisionedResources: [],
    createdAt: now,
  };
  service.instances.set(instance.name, instance);
  deploy(ctx, instanceTarget(ctx.account, service, instance), { isNew: true, onSettled });
  return instance;
}

export function describeInstance(instance: ServiceInstanceRecord) {
  return { ...summarizeInstance(instance), spec: instance.spec, lastClientRequestToken: instance.lastClientRequestToken };
}

function summarizeInstance(instance: ServiceInstanceRecord) {
  return {
    ...describeDeploymentState(instance),
    name: instance.name,
    serviceName: instance.serviceName,
    environmentName: instance.environmentName,
  };
}

/** The index of the entry named `name` in a ServiceSpec, or a ValidationException. */
function entryIndex(spec: ServiceSpec, name: string): number {
  const index = spec.instances.findIndex((i) => i.name === name);
  if (index < 0) {
    throw validation(`The spec is invalid: it has no entry for service instance ${name} under instances (${spec.instances.map((i) => i.name).join(', ') || 'none'}).`);
  }
  return index;
}

/** The output a retried client-token call returns: the instance named by `<service>/<instance>`, as it is now. */
function rereadInstance(account: AccountState, resourceKey: string) {
  const [serviceName, name] = resourceKey.split('/');
  const instance = account.services.get(serviceName)?.instances.get(name);
  return instance && { serviceInstance: describeInstance(instance) };
}

function createServiceInstance(input: any, ctx: RequestContext) {
  const account = ctx.account;
  const { clientToken, ...params } = input;
  return withClientToken(ctx, clientToken, params, () => {
    validateCustomerTags(input.tags);
    const service = getServiceRecord(account, input.serviceName);
    if (service.status !== 'ACTIVE') {
      throw conflict(`Service ${service.name} has status ${service.status}; instances can be added only to an ACTIVE service.`);
    }
    if (service.instances.has(input.name)) {
      throw conflict(`Service ${service.name} already has an instance named ${input.name}.`);
    }
    if (service.instances.size >= MAX_INSTANCES_PER_SERVICE) {
      throw quotaExceeded(`Service ${service.name} already has ${service.instances.size} instances, the maximum (${MAX_INSTANCES_PER_SERVICE}).`);
    }
    const major = input.templateMajorVersion ?? service.templateMajorVersion;
    const version = resolveTemplateVersion(account, 'SERVICE', service.templateName, major, input.templateMinorVersion);
    const spec = requireServiceSpec(input.spec);
    const index = entryIndex(spec, input.name);
    checkInstance(account, spec, index, version);
    const instance = launchInstance(ctx, service, spec.instances[index], version, input.spec);
    instance.lastClientRequestToken = clientToken;
    service.modifiedSinceCreate = true;
    setResourceTags(account, instance.arn, input.tags ?? []);
    recordSyncBlocker(ctx, service.name, instance.name, `Service instance ${instance.name} of service ${service.name} was created manually (CreateServiceInstance).`);
    return { resourceKey: `${service.name}/${instance.name}`, output: { serviceInstance: describeInstance(instance) } };
  }, (key) => rereadInstance(account, key));
}

function updateServiceInstance(input: any, ctx: RequestContext) {
  const account = ctx.account;
  const { clientToken, ...params } = input;
  return withClientToken(ctx, clientToken, params, () => {
    const service = getServiceRecord(account, input.serviceName);
    const instance = getInstanceRecord(account, service.name, input.name);
    const description = `Service instance ${instance.name} of service ${service.name}`;
    assertNotInFlight(instance, description);
    const component = attachedComponent(account, service.name, instance.name);
    if (component && isInFlight(component.deploymentStatus)) {
      throw conflict(`${description} can't be updated while its attached component ${component.name} has deploymentStatus ${component.deploymentStatus}.`);
    }
    const version = resolveVersionUpdate(account, 'SERVICE', description, instance, input);
    const specText: string = input.spec ?? instance.spec ?? service.spec;
    if (version) {
      const spec = requireServiceSpec(specText);
      const index = entryIndex(spec, instance.name);
      if (spec.instances[index].environment !== instance.environmentName) {
        throw validation(`The spec is invalid: instances[${index}].environment must stay '${instance.environmentName}'; a service instance can't move to another environment.`);
      }
      checkInstanceInputs(spec, index, version);
    }
    instance.lastClientRequestToken = clientToken;
    service.modifiedSinceCreate = true;
    recordSyncBlocker(ctx, service.name, instance.name, `${description} was updated manually (UpdateServiceInstance).`);
    if (version) {
      deploy(ctx, instanceTarget(account, service, instance), {
        isNew: false,
        apply: () => {
          instance.templateMajorVersion = version.majorVersion;
          instance.templateMinorVersion = version.minorVersion;
          instance.spec = specText;
        },
      });
    }
    return { resourceKey: `${service.name}/${instance.name}`, output: { serviceInstance: describeInstance(instance) } };
  }, (key) => rereadInstance(account, key));
}

type InstanceFilterKey =
  | 'name' | 'deploymentStatus' | 'templateName' | 'serviceName' | 'deployedTemplateVersionStatus'
  | 'environmentName' | 'lastDeploymentAttemptedAtBefore' | 'lastDeploymentAttemptedAtAfter' | 'createdAtBefore' | 'createdAtAfter';

/**
 * ListServiceInstances filters (model enum, lower camel): entries with the same key are
 * alternatives, different keys must all match (inferred). Time filters take RFC 3339 values.
 * `deployedTemplateVersionStatus` compares the instance's version with the template's
 * recommended one: `UP_TO_DATE`, `BEHIND_MINOR` or `BEHIND_MAJOR` (inferred values).
 */
function matchesFilter(account: AccountState, instance: ServiceInstanceRecord, key: InstanceFilterKey, value: string): boolean {
  switch (key) {
    case 'name': return instance.name === value;
    case 'deploymentStatus': return instance.deploymentStatus === value;
    case 'templateName': return instance.templateName === value;
    case 'serviceName': return instance.serviceName === value;
    case 'environmentName': return instance.environmentName === value;
    case 'deployedTemplateVersionStatus': return versionStatus(account, instance) === value;
    case 'lastDeploymentAttemptedAtBefore': return (instance.lastDeploymentAttemptedAt ?? instance.createdAt) < timeFilter(key, value);
    case 'lastDeploymentAttemptedAtAfter': return (instance.lastDeploymentAttemptedAt ?? instance.createdAt) > timeFilter(key, value);
    case 'createdAtBefore': return instance.createdAt < timeFilter(key, value);
    case 'createdAtAfter': return instance.createdAt > timeFilter(key, value);
  }
}

function versionStatus(account: AccountState, instance: ServiceInstanceRecord): string {
  const [major] = (recommendedVersion(account, 'SERVICE', instance.templateName) ?? '0.0').split('.');
  if (Number(major) > Number(instance.templateMajorVersion)) return 'BEHIND_MAJOR';
  const minor = recommendedMinorVersion(account, 'SERVICE', instance.templateName, instance.templateMajorVersion);
  return Number(minor ?? 0) > Number(instance.templateMinorVersion) ? 'BEHIND_MINOR' : 'UP_TO_DATE';
}

function timeFilter(key: string, value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw validation(`The value '${value}' of filter ${key} is not an RFC 3339 timestamp (e.g. 2026-01-31T12:00:00Z).`);
  }
  return ms / 1000;
}

const SORT_KEYS: Record<string, (i: ServiceInstanceRecord) => string | number> = {
  name: (i) => i.name,
  deploymentStatus: (i) => i.deploymentStatus,
  templateName: (i) => i.templateName,
  serviceName: (i) => i.serviceName,
  environmentName: (i) => i.environmentName,
  lastDeploymentAttemptedAt: (i) => i.lastDeploymentAttemptedAt ?? i.createdAt,
  createdAt: (i) => i.createdAt,
};

function listServiceInstances(input: any, ctx: RequestContext) {
  const account = ctx.account;
  if (input.serviceName !== undefined) getServiceRecord(account, input.serviceName);
  const filters: { key?: InstanceFilterKey; value?: string }[] = input.filters ?? [];
  const byKey = new Map<InstanceFilterKey, string[]>();
  for (const f of filters) {
    if (f.key === undefined || f.value === undefined) {
      throw validation('Each ListServiceInstances filter needs both key and value.');
    }
    byKey.set(f.key, [...byKey.get(f.key) ?? [], f.value]);
  }
  const sortKey = SORT_KEYS[input.sortBy ?? 'serviceName'];
  const direction = input.sortOrder === 'DESCENDING' ? -1 : 1;
  const compare = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  const instances = [...account.services.values()]
    .filter((s) => input.serviceName === undefined || s.name === input.serviceName)
    .flatMap((s) => [...s.instances.values()])
    .filter((i) => [...byKey].every(([key, values]) => values.some((v) => matchesFilter(account, i, key, v))))
    .sort((a, b) => direction * (compare(sortKey(a), sortKey(b)) || compare(a.serviceName, b.serviceName) || compare(a.name, b.name)));
  const page = paginate(instances, input.maxResults, input.nextToken);
  return { serviceInstances: page.items.map(summarizeInstance), nextToken: page.nextToken };
}

export const operations: OperationTable = {
  CreateServiceInstance: createServiceInstance,
  GetServiceInstance: (input, ctx) => ({ serviceInstance: describeInstance(getInstanceRecord(ctx.account, input.serviceName, input.name)) }),
  ListServiceInstances: listServiceInstances,
  UpdateServiceInstance: updateServiceInstance,
  CancelServiceInstanceDeployment: (input, ctx) => {
    const service = getServiceRecord(ctx.account, input.serviceName);
    const instance = getInstanceRecord(ctx.account, service.name, input.serviceInstanceName);
    cancel(ctx, instanceTarget(ctx.account, service, instance), `Service instance ${instance.name} of service ${service.name}`);
    return { serviceInstance: describeInstance(instance) };
  },
  ListServiceInstanceOutputs: (input, ctx) => {
    const service = getServiceRecord(ctx.account, input.serviceName);
    const instance = getInstanceRecord(ctx.account, service.name, input.serviceInstanceName);
    return { outputs: listOutputs(ctx.account, instanceTarget(ctx.account, service, instance), input.deploymentId) };
  },
  ListServiceInstanceProvisionedResources: (input, ctx) => ({
    provisionedResources: getInstanceRecord(ctx.account, input.serviceName, input.serviceInstanceName).provisionedResources,
  }),
};
