/**
 * Whether anything of a Proton service is deploying. Proton answers ConflictException both while
 * something deploys (wait, then retry) and when it refuses a change (fail at once, with the fix);
 * handlers tell the two apart by asking this right after the Conflict.
 */
import { GetServiceCommand, paginateListComponents, paginateListServiceInstances } from '@aws-sdk/client-proton';
import type { ProtonClient, ServiceInstanceSummary } from '@aws-sdk/client-proton';
import { deploymentPhase } from './deployment';
import { failure } from './errors';

/** Where a service (its own status, not its instances') stands. */
export type ServicePhase = 'in-progress' | 'active' | 'failed';

const SERVICE_PHASES: Record<string, ServicePhase> = {
  CREATE_IN_PROGRESS: 'in-progress',
  UPDATE_IN_PROGRESS: 'in-progress',
  DELETE_IN_PROGRESS: 'in-progress',
  CREATE_FAILED_CLEANUP_IN_PROGRESS: 'in-progress',
  UPDATE_FAILED_CLEANUP_IN_PROGRESS: 'in-progress',
  ACTIVE: 'active',
  CREATE_FAILED_CLEANUP_COMPLETE: 'failed',
  CREATE_FAILED_CLEANUP_FAILED: 'failed',
  CREATE_FAILED: 'failed',
  UPDATE_FAILED_CLEANUP_COMPLETE: 'failed',
  UPDATE_FAILED_CLEANUP_FAILED: 'failed',
  UPDATE_FAILED: 'failed',
  UPDATE_COMPLETE_CLEANUP_FAILED: 'failed',
  DELETE_FAILED: 'failed',
};

/** Maps Proton's ServiceStatus; an unknown status fails the request rather than waiting forever. */
export function servicePhase(status: string | undefined, what: string): ServicePhase {
  const phase = SERVICE_PHASES[status ?? ''];
  if (phase === undefined) {
    throw failure(`${what} has status '${status}', which cdk-proton does not know (known: ${Object.keys(SERVICE_PHASES).join(', ')}).`);
  }
  return phase;
}

/** Every instance of a service, as ListServiceInstances summarizes them. */
export async function listServiceInstances(proton: ProtonClient, serviceName: string): Promise<ServiceInstanceSummary[]> {
  const summaries: ServiceInstanceSummary[] = [];
  for await (const page of paginateListServiceInstances({ client: proton }, { serviceName })) {
    summaries.push(...page.serviceInstances ?? []);
  }
  return summaries;
}

/**
 * Whether the service, its pipeline, one of its instances — or, with `componentsOf`, a component
 * attached to that instance (e.g. one being detached or deleted in parallel) — is deploying, as
 * Proton reports it now.
 */
export async function isServiceDeploying(proton: ProtonClient, serviceName: string, componentsOf?: string): Promise<boolean> {
  const what = `Proton service '${serviceName}'`;
  const service = (await proton.send(new GetServiceCommand({ name: serviceName }))).service!;
  if (servicePhase(service.status, what) === 'in-progress') return true;
  if (service.pipeline && deploymentPhase(service.pipeline.deploymentStatus, `${what} pipeline`) === 'in-progress') return true;
  const instances = await listServiceInstances(proton, serviceName);
  if (instances.some((i) => deploymentPhase(i.deploymentStatus, `${what} instance '${i.name}'`) === 'in-progress')) return true;
  if (componentsOf === undefined) return false;
  for await (const page of paginateListComponents({ client: proton }, { serviceName, serviceInstanceName: componentsOf })) {
    if ((page.components ?? []).some((c) => deploymentPhase(c.deploymentStatus, `Proton component '${c.name}'`) === 'in-progress')) return true;
  }
  return false;
}
