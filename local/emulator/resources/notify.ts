import { componentTarget } from './component';
import { DeploymentTarget, settleFromNotification } from './deployment-engine';
import { environmentTarget } from './environment';
import { instanceTarget } from './service-instance';
import { pipelineTarget } from './service-pipeline';
import { conflict, notFound, validation } from '../core/errors';
import type { OperationTable, RequestContext } from '../core/runtime';
import type { AccountState } from '../core/store';

/**
 * NotifyResourceDeploymentStatusChange (proton-api.md §2 "Deployments / self-managed notify"):
 * the customer's automation reports the result of a self-managed deployment. `SUCCEEDED` settles
 * the open deployment with the given outputs (a deletion: the resource is removed), `FAILED` with
 * `statusMessage`, `IN_PROGRESS` changes nothing. Inferred rules: only self-managed resources
 * (provisioning repository) are settled this way (ValidationException otherwise); a `deploymentId`
 * other than the resource's open deployment, or no open deployment, is a ConflictException.
 */

/** The deployable resource an ARN of this account names, or ResourceNotFoundException. */
export function targetByArn(ctx: RequestContext, resourceArn: string): DeploymentTarget {
  const account = ctx.account;
  const prefix = `arn:aws:proton:${ctx.region}:${ctx.accountId}:`;
  const resource = resourceArn.startsWith(prefix) ? resourceArn.slice(prefix.length) : undefined;
  const target = resource === undefined ? undefined : targetByResource(account, resource);
  if (!target) throw notFound(`No environment, service instance, service pipeline or component has the ARN ${resourceArn} in this account and region.`);
  return target;
}

function targetByResource(account: AccountState, resource: string): DeploymentTarget | undefined {
  const parts = resource.split('/');
  if (parts.length === 2 && parts[0] === 'environment') {
    const env = account.environments.get(parts[1]);
    return env && environmentTarget(account, env);
  }
  if (parts.length === 2 && parts[0] === 'component') {
    const component = account.components.get(parts[1]);
    return component && componentTarget(account, component);
  }
  const service = parts[0] === 'service' ? account.services.get(parts[1]) : undefined;
  if (!service) return undefined;
  if (parts.length === 3 && parts[2] === 'pipeline') {
    return service.pipeline && pipelineTarget(account, service, service.pipeline);
  }
  if (parts.length === 4 && parts[2] === 'service-instance') {
    const instance = service.instances.get(parts[3]);
    return instance && instanceTarget(account, service, instance);
  }
  return undefined;
}

function notifyResourceDeploymentStatusChange(input: any, ctx: RequestContext) {
  const target = targetByArn(ctx, input.resourceArn);
  if (!target.selfManaged) {
    throw validation(`${input.resourceArn} is provisioned by Proton, not self-managed: NotifyResourceDeploymentStatusChange is only for resources with a provisioning repository.`);
  }
  const open = target.record.lastAttemptedDeploymentId;
  if (input.deploymentId !== undefined && input.deploymentId !== open) {
    throw conflict(`Deployment ${input.deploymentId} is not the open deployment of ${input.resourceArn} (that is ${open ?? 'none'}).`);
  }
  const status = input.status ?? 'IN_PROGRESS';
  if (status === 'IN_PROGRESS') return {};
  const settled = settleFromNotification(ctx.account, target, status === 'SUCCEEDED'
    ? { status: 'SUCCEEDED', outputs: input.outputs ?? [] }
    : { status: 'FAILED', message: input.statusMessage ?? 'The self-managed deployment failed.' });
  if (!settled) {
    throw conflict(`${input.resourceArn} has no deployment waiting for a status (deploymentStatus ${target.record.deploymentStatus}).`);
  }
  return {};
}

export const operations: OperationTable = {
  NotifyResourceDeploymentStatusChange: notifyResourceDeploymentStatusChange,
};
