import { requireLinkedRepository } from './repository';
import { conflict, notFound, validation } from '../core/errors';
import type { OperationTable, RequestContext } from '../core/runtime';
import type { AccountState, ServiceRecord, ServiceSyncConfigRecord, SyncBlockerRecord } from '../core/store';

/**
 * Service sync (proton-api.md §2 ServiceSyncConfig / sync blockers; user guide "Service sync
 * configurations"): one configuration per service, naming the `proton-ops` file in a linked
 * repository. The emulator has no Git, so nothing ever syncs (GetServiceInstanceSyncStatus
 * reports no attempt), but manual changes of a synced service through the API create sync
 * blockers: on the instance for an instance created or updated through the API, on the service
 * for a service update (UpdateService with a spec) or an instance deletion (UpdateService removing
 * instances, DeleteService) (`recordSyncBlocker`, called by the service and instance modules).
 *
 * A removed service takes its sync configuration and blockers with it, and a removed instance
 * its blockers (`forgetServiceSync`): the configuration is named by the service and has no
 * meaning without it, and a later service or instance of the same name starts unsynced and
 * unblocked (inferred: the API documents no rule; refusing DeleteService while a configuration
 * exists would make the service's own teardown depend on a second call).
 */

/** The create/update input has exactly the members of the stored configuration. */
type ConfigInput = ServiceSyncConfigRecord;

/** Whether the service has a service sync configuration (its manual changes create blockers). */
export function hasServiceSyncConfig(account: AccountState, serviceName: string): boolean {
  return account.serviceSyncConfigs.has(serviceName);
}

/**
 * Records that a manual change through the API blocks service sync: on the instance
 * `serviceInstanceName` (instance created or updated manually), or on the whole service when it
 * is undefined (service updated, instance deleted). Does nothing for a service without a sync
 * configuration, and reuses the target's ACTIVE blocker if it has one.
 *
 * @returns the ACTIVE blocker, or undefined when the service is not synced
 */
export function recordSyncBlocker(
  ctx: RequestContext,
  serviceName: string,
  serviceInstanceName: string | undefined,
  reason: string,
): SyncBlockerRecord | undefined {
  if (!hasServiceSyncConfig(ctx.account, serviceName)) return undefined;
  const active = blockersOf(ctx.account, serviceName, serviceInstanceName).find((b) => b.status === 'ACTIVE');
  if (active) return active;
  const blocker: SyncBlockerRecord = {
    id: ctx.runtime.newId(),
    serviceName,
    serviceInstanceName,
    type: 'AUTOMATED',
    status: 'ACTIVE',
    createdReason: reason,
    createdAt: ctx.nowSeconds(),
    contexts: [
      { key: 'serviceName', value: serviceName },
      ...(serviceInstanceName !== undefined ? [{ key: 'serviceInstanceName', value: serviceInstanceName }] : []),
    ],
  };
  ctx.account.syncBlockers.set(blocker.id, blocker);
  return blocker;
}

/**
 * Forgets the sync state of a removed service (its configuration and all its blockers) or, with
 * `serviceInstanceName`, of one removed instance (the blockers on that instance).
 */
export function forgetServiceSync(account: AccountState, serviceName: string, serviceInstanceName?: string): void {
  for (const [id, blocker] of account.syncBlockers) {
    if (blocker.serviceName !== serviceName) continue;
    if (serviceInstanceName === undefined || blocker.serviceInstanceName === serviceInstanceName) account.syncBlockers.delete(id);
  }
  if (serviceInstanceName === undefined) account.serviceSyncConfigs.delete(serviceName);
}

/** The blockers on the service (instance undefined) or on one instance, newest first. */
function blockersOf(account: AccountState, serviceName: string, serviceInstanceName: string | undefined): SyncBlockerRecord[] {
  return [...account.syncBlockers.values()]
    .filter((b) => b.serviceName === serviceName && b.serviceInstanceName === serviceInstanceName)
    .sort((a, b) => b.createdAt - a.createdAt);
}

function describeBlocker(b: SyncBlockerRecord) {
  return {
    id: b.id,
    type: b.type,
    status: b.status,
    createdReason: b.createdReason,
    createdAt: b.createdAt,
    contexts: b.contexts,
    ...(b.resolvedReason !== undefined ? { resolvedReason: b.resolvedReason } : {}),
    ...(b.resolvedAt !== undefined ? { resolvedAt: b.resolvedAt } : {}),
  };
}

function describeConfig(c: ServiceSyncConfigRecord) {
  const { serviceName, repositoryProvider, repositoryName, branch, filePath } = c;
  return { serviceName, repositoryProvider, repositoryName, branch, filePath };
}

function getService(ctx: RequestContext, serviceName: string): ServiceRecord {
  const service = ctx.account.services.get(serviceName);
  if (!service) throw notFound(`The service '${serviceName}' was not found.`);
  return service;
}

function getInstance(ctx: RequestContext, serviceName: string, serviceInstanceName: string) {
  const instance = getService(ctx, serviceName).instances.get(serviceInstanceName);
  if (!instance) throw notFound(`The service instance '${serviceInstanceName}' of the service '${serviceName}' was not found.`);
  return instance;
}

function getConfig(ctx: RequestContext, serviceName: string): ServiceSyncConfigRecord {
  const config = ctx.account.serviceSyncConfigs.get(serviceName);
  if (!config) throw notFound(`The service '${serviceName}' has no service sync configuration.`);
  return config;
}

function toRecord(ctx: RequestContext, input: ConfigInput): ServiceSyncConfigRecord {
  requireLinkedRepository(ctx.account, input.repositoryProvider, input.repositoryName, 'repositoryName');
  return describeConfig(input);
}

export const operations: OperationTable = {
  CreateServiceSyncConfig(input: ConfigInput, ctx) {
    if (!ctx.account.services.has(input.serviceName)) {
      throw validation(`The service '${input.serviceName}' does not exist: create the service before its service sync configuration.`);
    }
    if (hasServiceSyncConfig(ctx.account, input.serviceName)) {
      throw conflict(`The service '${input.serviceName}' already has a service sync configuration; update it instead.`);
    }
    const record = toRecord(ctx, input);
    ctx.account.serviceSyncConfigs.set(record.serviceName, record);
    return { serviceSyncConfig: describeConfig(record) };
  },

  GetServiceSyncConfig(input: { serviceName: string }, ctx) {
    return { serviceSyncConfig: describeConfig(getConfig(ctx, input.serviceName)) };
  },

  UpdateServiceSyncConfig(input: ConfigInput, ctx) {
    getConfig(ctx, input.serviceName);
    const record = toRecord(ctx, input);
    ctx.account.serviceSyncConfigs.set(record.serviceName, record);
    return { serviceSyncConfig: describeConfig(record) };
  },

  DeleteServiceSyncConfig(input: { serviceName: string }, ctx) {
    const config = getConfig(ctx, input.serviceName);
    ctx.account.serviceSyncConfigs.delete(input.serviceName);
    return { serviceSyncConfig: describeConfig(config) };
  },

  GetServiceInstanceSyncStatus(input: { serviceName: string; serviceInstanceName: string }, ctx) {
    getInstance(ctx, input.serviceName, input.serviceInstanceName);
    return {};
  },

  GetServiceSyncBlockerSummary(input: { serviceName: string; serviceInstanceName?: string }, ctx) {
    if (input.serviceInstanceName === undefined) getService(ctx, input.serviceName);
    else getInstance(ctx, input.serviceName, input.serviceInstanceName);
    return {
      serviceSyncBlockerSummary: {
        serviceName: input.serviceName,
        ...(input.serviceInstanceName !== undefined ? { serviceInstanceName: input.serviceInstanceName } : {}),
        latestBlockers: blockersOf(ctx.account, input.serviceName, input.serviceInstanceName).map(describeBlocker),
      },
    };
  },

  UpdateServiceSyncBlocker(input: { id: string; resolvedReason: string }, ctx) {
    const blocker = ctx.account.syncBlockers.get(input.id);
    if (!blocker) throw notFound(`The service sync blocker '${input.id}' was not found.`);
    if (blocker.status === 'RESOLVED') {
      throw conflict(`The service sync blocker '${input.id}' is already resolved.`);
    }
    blocker.status = 'RESOLVED';
    blocker.resolvedReason = input.resolvedReason;
    blocker.resolvedAt = ctx.nowSeconds();
    return {
      serviceName: blocker.serviceName,
      ...(blocker.serviceInstanceName !== undefined ? { serviceInstanceName: blocker.serviceInstanceName } : {}),
      serviceSyncBlocker: describeBlocker(blocker),
    };
  },
};
