import { isInFlight } from './deployment-engine';
import { targetByArn } from './notify';
import { paginate } from './pagination';
import { deleteResourceTags } from './tags';
import { notFound, validation } from '../core/errors';
import type { OperationTable, RequestContext } from '../core/runtime';
import type { AccountState, DeploymentRecord } from '../core/store';

/**
 * Deployment records (proton-api.md §2 "Deployments"): GetDeployment, ListDeployments (newest
 * first, inferred) and DeleteDeployment. DeleteDeployment declares no ConflictException, so
 * deleting a deployment that is still running, or that its resource still points at
 * (lastAttemptedDeploymentId / lastSucceededDeploymentId: its outputs are the resource's outputs),
 * is a ValidationException (inferred). Deleting it again answers `{}` (§6.3 pattern, inferred).
 */

const deletedIds = new WeakMap<AccountState, Set<string>>();

interface NameFilter {
  componentName?: string;
  environmentName?: string;
  serviceName?: string;
  serviceInstanceName?: string;
}

function checkFilter(filter: NameFilter): void {
  if (filter.serviceInstanceName !== undefined && filter.serviceName === undefined) {
    throw validation('serviceInstanceName needs serviceName to identify the service instance.');
  }
}

function matches(d: DeploymentRecord, filter: NameFilter): boolean {
  return (filter.componentName === undefined || d.componentName === filter.componentName)
    && (filter.environmentName === undefined || d.environmentName === filter.environmentName)
    && (filter.serviceName === undefined || d.serviceName === filter.serviceName)
    && (filter.serviceInstanceName === undefined || d.serviceInstanceName === filter.serviceInstanceName);
}

function summarizeDeployment(d: DeploymentRecord) {
  return {
    id: d.id,
    arn: d.arn,
    targetArn: d.targetArn,
    targetResourceType: d.targetResourceType,
    targetResourceCreatedAt: d.targetResourceCreatedAt,
    environmentName: d.environmentName,
    serviceName: d.serviceName,
    serviceInstanceName: d.serviceInstanceName,
    componentName: d.componentName,
    deploymentStatus: d.deploymentStatus,
    lastAttemptedDeploymentId: d.lastAttemptedDeploymentId,
    lastSucceededDeploymentId: d.lastSucceededDeploymentId,
    createdAt: d.createdAt,
    lastModifiedAt: d.lastModifiedAt,
    completedAt: d.completedAt,
  };
}

function describeDeployment(d: DeploymentRecord) {
  return { ...summarizeDeployment(d), deploymentStatusMessage: d.deploymentStatusMessage, initialState: d.initialState, targetState: d.targetState };
}

function getDeployment(input: any, ctx: RequestContext) {
  checkFilter(input);
  const deployment = ctx.account.deployments.get(input.id);
  if (!deployment || !matches(deployment, input)) throw notFound(`Deployment ${input.id} not found.`);
  return { deployment: describeDeployment(deployment) };
}

function listDeployments(input: any, ctx: RequestContext) {
  checkFilter(input);
  const newestFirst = [...ctx.account.deployments.values()].reverse()
    .filter((d) => matches(d, input))
    .sort((a, b) => b.createdAt - a.createdAt);
  const page = paginate(newestFirst, input.maxResults, input.nextToken);
  return { deployments: page.items.map(summarizeDeployment), nextToken: page.nextToken };
}

function deleteDeployment(input: any, ctx: RequestContext) {
  const account = ctx.account;
  const deployment = account.deployments.get(input.id);
  if (!deployment) {
    if (deletedIds.get(account)?.has(input.id)) return {};
    throw notFound(`Deployment ${input.id} not found.`);
  }
  if (isInFlight(deployment.deploymentStatus)) {
    throw validation(`Deployment ${deployment.id} is ${deployment.deploymentStatus}; only finished deployments can be deleted.`);
  }
  const target = targetOrUndefined(ctx, deployment.targetArn);
  if (target && (target.record.lastAttemptedDeploymentId === deployment.id || target.record.lastSucceededDeploymentId === deployment.id)) {
    throw validation(`Deployment ${deployment.id} is the latest attempted or succeeded deployment of ${deployment.targetArn}; only older deployments can be deleted.`);
  }
  account.deployments.delete(deployment.id);
  deleteResourceTags(account, deployment.arn);
  let ids = deletedIds.get(account);
  if (!ids) deletedIds.set(account, ids = new Set());
  ids.add(deployment.id);
  return { deployment: describeDeployment(deployment) };
}

function targetOrUndefined(ctx: RequestContext, targetArn: string) {
  try {
    return targetByArn(ctx, targetArn);
  } catch {
    return undefined;
  }
}

export const operations: OperationTable = {
  GetDeployment: getDeployment,
  ListDeployments: listDeployments,
  DeleteDeployment: deleteDeployment,
};
