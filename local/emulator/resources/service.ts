import { isDeepStrictEqual } from 'util';
import { deploy, isInFlight, undeploy, wasDeleted } from './deployment-engine';
import { checkPipelineInputs, Inputs, requireServiceSpec } from './deployment-spec';
import { paginate } from './pagination';
import {
  attachedComponent, checkInstance, getServiceRecord, instanceTarget, launchInstance, MAX_INSTANCES_PER_SERVICE,
} from './service-instance';
import { describePipeline, launchPipeline, pipelineTarget } from './service-pipeline';
import { forgetServiceSync, recordSyncBlocker } from './service-sync-config';
import { deleteResourceTags, setResourceTags, validateCustomerTags } from './tags';
import { getTemplateVersion, resolveTemplateVersion } from './template-common';
import type { ServiceSpec } from '../../../src/private/spec-schema';
import { conflict, notFound, quotaExceeded, validation } from '../core/errors';
import { nameKeyedCreate } from '../core/idempotency';
import type { OperationTable, RequestContext } from '../core/runtime';
import { arn } from '../core/store';
import type { AccountState, ServiceRecord, ServiceStatus, TemplateVersionRecord } from '../core/store';

/**
 * Services (proton-api.md §2 Service, §3): a service deploys its instances (and pipeline, when the
 * template version has one) in parallel, and its `status` follows them:
 * - create: `CREATE_IN_PROGRESS` -> `ACTIVE` once every part SUCCEEDED (plus `durations.serviceMs`);
 *   if any part FAILED -> `CREATE_FAILED_CLEANUP_IN_PROGRESS` -> `CREATE_FAILED_CLEANUP_COMPLETE`
 *   (the failed parts keep their FAILED status and message; the plain `CREATE_FAILED` is not used:
 *   Proton cleans up after a failed create, inferred from the enum and the ServiceCreated waiter);
 * - UpdateService (instances added/removed; the pipeline is re-provisioned, doc):
 *   `UPDATE_IN_PROGRESS` -> `ACTIVE`; a new instance failed -> `UPDATE_FAILED_CLEANUP_IN_PROGRESS`
 *   -> `UPDATE_FAILED_CLEANUP_COMPLETE` (new instances removed, spec reverted); the pipeline failed
 *   -> `UPDATE_FAILED` (no rollback); only a removal failed -> `UPDATE_COMPLETE_CLEANUP_FAILED`;
 * - delete: `DELETE_IN_PROGRESS` -> gone once every part is deleted, or `DELETE_FAILED`; the
 *   service's sync configuration and blockers go with it (service-sync-config.ts).
 * Spec updates and deletes of a synced service create a sync blocker on the service.
 */

interface PartResult {
  /** `instance <name>` or `pipeline`. */
  readonly part: string;
  readonly action: 'deploy' | 'delete';
  readonly ok: boolean;
  readonly message?: string;
}

type Launch = (done: (result: PartResult) => void) => void;

/** Starts the parts and calls `finish` once all of them settled. */
function runParts(parts: Launch[], finish: (results: PartResult[]) => void): void {
  const results: PartResult[] = [];
  if (parts.length === 0) finish(results);
  for (const launch of parts) {
    launch((result) => {
      results.push(result);
      if (results.length === parts.length) finish(results);
    });
  }
}

/** Sets the service's final status (and message) after `durations.serviceMs`, then runs `then`. */
function settleService(ctx: RequestContext, service: ServiceRecord, status: ServiceStatus, message?: string, then?: () => void): void {
  const apply = () => {
    if (ctx.account.services.get(service.name) !== service) return;
    service.status = status;
    service.statusMessage = message;
    service.lastModifiedAt = ctx.runtime.clock.nowMs() / 1000;
    then?.();
  };
  ctx.runtime.scheduler.after(ctx.runtime.scenario.durations.serviceMs, `service ${service.name} -> ${status}`, apply);
}

function failures(results: PartResult[]): string {
  return results.filter((r) => !r.ok).map((r) => `${r.part}: ${r.message ?? 'failed'}`).join('; ');
}

function launchInstancePart(
  ctx: RequestContext,
  service: ServiceRecord,
  entry: { name: string; environment: string },
  version: TemplateVersionRecord,
): Launch {
  return (done) => {
    launchInstance(ctx, service, entry, version, service.spec, (status) =>
      done({ part: `instance ${entry.name}`, action: 'deploy', ok: status === 'SUCCEEDED', message: service.instances.get(entry.name)?.deploymentStatusMessage }));
    // The service's customer tags propagate to a new child (proton-api.md §tags: "to new child resources only").
    const instance = service.instances.get(entry.name);
    const customerTags = (ctx.account.tags.get(service.arn) ?? []).filter((tag) => !tag.key.startsWith('aws:'));
    if (instance && !ctx.account.tags.has(instance.arn)) setResourceTags(ctx.account, instance.arn, customerTags);
  };
}

function removeInstancePart(ctx: RequestContext, service: ServiceRecord, name: string): Launch {
  return (done) => {
    const instance = service.instances.get(name)!;
    undeploy(ctx, instanceTarget(ctx.account, service, instance), (removed) => {
      if (removed) {
        service.instances.delete(name);
        deleteResourceTags(ctx.account, instance.arn);
        forgetServiceSync(ctx.account, service.name, name);
      }
      done({ part: `instance ${name}`, action: 'delete', ok: removed, message: instance.deploymentStatusMessage });
    });
  };
}

function removePipelinePart(ctx: RequestContext, service: ServiceRecord): Launch {
  return (done) => {
    const pipeline = service.pipeline!;
    undeploy(ctx, pipelineTarget(ctx.account, service, pipeline), (removed) => {
      if (removed) service.pipeline = undefined;
      done({ part: 'pipeline', action: 'delete', ok: removed, message: pipeline.deploymentStatusMessage });
    });
  };
}

/** Checks a ServiceSpec's pipeline section and repository members against the template version. */
function checkPipeline(spec: ServiceSpec, version: TemplateVersionRecord, input: any): void {
  const hasPipeline = version.bundle?.hasPipeline ?? false;
  const label = `Service template ${version.templateName} version ${version.majorVersion}.${version.minorVersion}`;
  if (hasPipeline && spec.pipeline === undefined) {
    throw validation(`The spec is invalid: ${label} has a pipeline, so the spec needs a 'pipeline:' section with its inputs.`);
  }
  if (!hasPipeline) {
    if (spec.pipeline !== undefined) {
      throw validation(`The spec is invalid: ${label} has no pipeline; remove the 'pipeline:' section.`);
    }
    const repositoryMembers = ['repositoryConnectionArn', 'repositoryId', 'branchName'].filter((m) => input[m] !== undefined);
    if (repositoryMembers.length > 0) {
      throw validation(`${label} has no pipeline: don't pass ${repositoryMembers.join(', ')}.`);
    }
    return;
  }
  checkPipelineInputs(spec, version);
}

function createService(input: any, ctx: RequestContext) {
  const account = ctx.account;
  return nameKeyedCreate(account.services.get(input.name), `Service ${input.name}`, input, (s) => ({ service: describeService(s) }), (createInput) => {
    validateCustomerTags(input.tags);
    const version = resolveTemplateVersion(account, 'SERVICE', input.templateName, input.templateMajorVersion, input.templateMinorVersion);
    const spec = requireServiceSpec(input.spec);
    if (spec.instances.length === 0) {
      throw validation('The spec is invalid: instances must list at least one service instance ({name, environment, spec}).');
    }
    if (spec.instances.length > MAX_INSTANCES_PER_SERVICE) {
      throw quotaExceeded(`The spec lists ${spec.instances.length} service instances; a service can have at most ${MAX_INSTANCES_PER_SERVICE}.`);
    }
    spec.instances.forEach((_, i) => checkInstance(account, spec, i, version));
    checkPipeline(spec, version, input);

    const now = ctx.nowSeconds();
    const service: ServiceRecord = {
      name: input.name,
      arn: arn(ctx, `service/${input.name}`),
      description: input.description,
      templateName: version.templateName,
      templateMajorVersion: version.majorVersion,
      templateMinorVersion: version.minorVersion,
      spec: input.spec,
      status: 'CREATE_IN_PROGRESS',
      branchName: input.branchName,
      repositoryConnectionArn: input.repositoryConnectionArn,
      repositoryId: input.repositoryId,
      instances: new Map(),
      createdAt: now,
      lastModifiedAt: now,
      createInput,
      modifiedSinceCreate: false,
    };
    account.services.set(service.name, service);
    setResourceTags(account, service.arn, input.tags ?? []);
    const parts = spec.instances.map((entry) => launchInstancePart(ctx, service, entry, version));
    if (version.bundle?.hasPipeline) {
      parts.push((done) => launchPipeline(ctx, service, version, (status) =>
        done({ part: 'pipeline', action: 'deploy', ok: status === 'SUCCEEDED', message: service.pipeline?.deploymentStatusMessage })));
    }
    runParts(parts, (results) => {
      if (results.every((r) => r.ok)) {
        settleService(ctx, service, 'ACTIVE');
      } else {
        service.status = 'CREATE_FAILED_CLEANUP_IN_PROGRESS';
        service.statusMessage = failures(results);
        settleService(ctx, service, 'CREATE_FAILED_CLEANUP_COMPLETE', service.statusMessage);
      }
    });
    for (const instance of service.instances.values()) setResourceTags(account, instance.arn, input.tags ?? []);
    return { service: describeService(service) };
  });
}

/** The inputs of instance `name` in a stored ServiceSpec text. */
function storedInputs(specText: string | undefined, name: string): Inputs | undefined {
  if (specText === undefined) return undefined;
  return requireServiceSpec(specText).instances.find((i) => i.name === name)?.inputs;
}

/** `${Proton::CURRENT_VAL}` keeps the current value of an input (doc). */
function sameInputs(next: Inputs, current: Inputs | undefined): boolean {
  const resolved = Object.fromEntries(Object.entries(next).map(([k, v]) => [k, v === '${Proton::CURRENT_VAL}' ? current?.[k] : v]));
  return isDeepStrictEqual(resolved, current ?? {});
}

function assertServiceSettled(service: ServiceRecord): void {
  if (service.status.endsWith('_IN_PROGRESS')) {
    throw conflict(`Service ${service.name} has status ${service.status}; wait until it finishes, then retry.`);
  }
}

function updateService(input: any, ctx: RequestContext) {
  const account = ctx.account;
  const service = getServiceRecord(account, input.name);
  assertServiceSettled(service);
  if (input.spec === undefined) {
    if (input.description !== undefined) service.description = input.description;
    service.lastModifiedAt = ctx.nowSeconds();
    service.modifiedSinceCreate = true;
    return { service: describeService(service) };
  }
  if (service.pipeline && isInFlight(service.pipeline.deploymentStatus)) {
    throw conflict(`Service ${service.name} can't be updated while its pipeline has deploymentStatus ${service.pipeline.deploymentStatus}; wait until it finishes, then retry.`);
  }
  const spec = requireServiceSpec(input.spec);
  const plan = planInstanceChanges(account, service, spec);
  const currentPipeline = service.pipeline && requireServiceSpec(service.pipeline.spec ?? service.spec).pipeline;
  if (service.pipeline && spec.pipeline !== undefined && !sameInputs(spec.pipeline, currentPipeline)) {
    throw validation(`The spec is invalid: UpdateService can't change the pipeline's inputs of service ${service.name}; use UpdateServicePipeline.`);
  }
  if (input.description !== undefined) service.description = input.description;
  service.lastModifiedAt = ctx.nowSeconds();
  service.modifiedSinceCreate = true;
  recordSyncBlocker(ctx, service.name, undefined, plan.removed.length > 0
    ? `Service instances ${plan.removed.join(', ')} of service ${service.name} were deleted manually (UpdateService).`
    : `The spec of service ${service.name} was updated manually (UpdateService).`);
  if (plan.added.length === 0 && plan.removed.length === 0) {
    service.spec = input.spec;
    return { service: describeService(service) };
  }

  const previousSpec = service.spec;
  service.spec = input.spec;
  service.status = 'UPDATE_IN_PROGRESS';
  service.statusMessage = undefined;
  const version = getTemplateVersion(account, 'SERVICE', service.templateName, service.templateMajorVersion, service.templateMinorVersion);
  const parts = [
    ...plan.added.map((entry) => launchInstancePart(ctx, service, entry, version)),
    ...plan.removed.map((name) => removeInstancePart(ctx, service, name)),
  ];
  const pipeline = service.pipeline;
  if (pipeline) {
    parts.push((done) => deploy(ctx, pipelineTarget(account, service, pipeline), {
      isNew: false,
      apply: () => { pipeline.spec = input.spec; },
      onSettled: (status) => done({ part: 'pipeline', action: 'deploy', ok: status === 'SUCCEEDED', message: pipeline.deploymentStatusMessage }),
    }));
  }
  runParts(parts, (results) => {
    const failed = results.filter((r) => !r.ok);
    if (failed.some((r) => r.action === 'deploy' && r.part !== 'pipeline')) {
      service.status = 'UPDATE_FAILED_CLEANUP_IN_PROGRESS';
      service.statusMessage = failures(results);
      settleService(ctx, service, 'UPDATE_FAILED_CLEANUP_COMPLETE', service.statusMessage, () => {
        for (const entry of plan.added) {
          const instance = service.instances.get(entry.name);
          if (instance) deleteResourceTags(account, instance.arn);
          service.instances.delete(entry.name);
        }
        service.spec = previousSpec;
      });
    } else if (failed.some((r) => r.part === 'pipeline')) {
      settleService(ctx, service, 'UPDATE_FAILED', failures(results));
    } else if (failed.length > 0) {
      settleService(ctx, service, 'UPDATE_COMPLETE_CLEANUP_FAILED', failures(results));
    } else {
      settleService(ctx, service, 'ACTIVE');
    }
  });
  return { service: describeService(service) };
}

/**
 * What an UpdateService spec changes: instances added and removed. Existing instances must keep
 * their environment and inputs (edit them with UpdateServiceInstance, doc); at least one must
 * remain; an instance with an attached component can't be removed.
 */
function planInstanceChanges(account: AccountState, service: ServiceRecord, spec: ServiceSpec) {
  const version = getTemplateVersion(account, 'SERVICE', service.templateName, service.templateMajorVersion, service.templateMinorVersion);
  const added: { name: string; environment: string }[] = [];
  spec.instances.forEach((entry, i) => {
    const existing = service.instances.get(entry.name);
    if (!existing) {
      checkInstance(account, spec, i, version);
      added.push(entry);
    } else if (existing.environmentName !== entry.environment || !sameInputs(entry.inputs, storedInputs(existing.spec ?? service.spec, entry.name))) {
      throw validation(`The spec is invalid: instances[${i}] changes the existing service instance ${entry.name}; `
        + 'UpdateService only adds or removes instances, use UpdateServiceInstance to change one.');
    }
  });
  const kept = new Set(spec.instances.map((i) => i.name));
  const removed = [...service.instances.keys()].filter((name) => !kept.has(name));
  if (spec.instances.length === 0) {
    throw validation(`The spec is invalid: service ${service.name} must keep at least one service instance.`);
  }
  if (spec.instances.length > MAX_INSTANCES_PER_SERVICE) {
    throw quotaExceeded(`The spec lists ${spec.instances.length} service instances; a service can have at most ${MAX_INSTANCES_PER_SERVICE}.`);
  }
  for (const name of removed) {
    const component = attachedComponent(account, service.name, name);
    if (component) {
      throw conflict(`Service instance ${name} of service ${service.name} can't be removed: component ${component.name} is attached to it. Detach or delete the component first.`);
    }
    const instance = service.instances.get(name)!;
    if (isInFlight(instance.deploymentStatus)) {
      throw conflict(`Service instance ${name} of service ${service.name} can't be removed while its deploymentStatus is ${instance.deploymentStatus}.`);
    }
  }
  return { added, removed };
}

function deleteService(input: any, ctx: RequestContext) {
  const account = ctx.account;
  const service = account.services.get(input.name);
  if (!service) {
    if (wasDeleted(account, arn(ctx, `service/${input.name}`))) return {};
    throw notFound(`Service ${input.name} not found.`);
  }
  if (service.status === 'DELETE_IN_PROGRESS') return { service: describeService(service) };
  assertServiceSettled(service);
  const withComponents = [...service.instances.keys()].filter((name) => attachedComponent(account, service.name, name));
  if (withComponents.length > 0) {
    throw conflict(`Service ${service.name} can't be deleted: service instances ${withComponents.join(', ')} have components attached. Detach or delete the components first.`);
  }
  const busy = [...service.instances.values(), ...service.pipeline ? [service.pipeline] : []]
    .filter((part) => isInFlight(part.deploymentStatus) && part.deploymentStatus !== 'DELETE_IN_PROGRESS');
  if (busy.length > 0) {
    throw conflict(`Service ${service.name} can't be deleted while a deployment of its instances or pipeline is in progress; wait until it finishes, then retry.`);
  }
  service.status = 'DELETE_IN_PROGRESS';
  service.statusMessage = undefined;
  service.lastModifiedAt = ctx.nowSeconds();
  recordSyncBlocker(ctx, service.name, undefined, `Service ${service.name} and its instances are being deleted manually (DeleteService).`);
  const parts = [...service.instances.keys()].map((name) => removeInstancePart(ctx, service, name));
  if (service.pipeline) parts.push(removePipelinePart(ctx, service));
  runParts(parts, (results) => {
    if (results.every((r) => r.ok)) {
      account.services.delete(service.name);
      deleteResourceTags(account, service.arn);
      forgetServiceSync(account, service.name);
    } else {
      service.status = 'DELETE_FAILED';
      service.statusMessage = failures(results);
      service.lastModifiedAt = ctx.runtime.clock.nowMs() / 1000;
    }
  });
  return { service: describeService(service) };
}

export function describeService(service: ServiceRecord) {
  return {
    ...summarizeService(service),
    spec: service.spec,
    branchName: service.branchName,
    repositoryConnectionArn: service.repositoryConnectionArn,
    repositoryId: service.repositoryId,
    pipeline: service.pipeline && describePipeline(service.pipeline),
  };
}

function summarizeService(service: ServiceRecord) {
  return {
    arn: service.arn,
    name: service.name,
    description: service.description,
    templateName: service.templateName,
    status: service.status,
    statusMessage: service.statusMessage,
    createdAt: service.createdAt,
    lastModifiedAt: service.lastModifiedAt,
  };
}

export const operations: OperationTable = {
  CreateService: createService,
  GetService: (input, ctx) => ({ service: describeService(getServiceRecord(ctx.account, input.name)) }),
  ListServices: (input, ctx) => {
    const services = [...ctx.account.services.values()].sort((a, b) => a.name.localeCompare(b.name));
    const page = paginate(services, input.maxResults, input.nextToken);
    return { services: page.items.map(summarizeService), nextToken: page.nextToken };
  },
  UpdateService: updateService,
  DeleteService: deleteService,
};
