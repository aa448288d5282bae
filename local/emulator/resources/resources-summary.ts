import { recommendedVersion } from './template-version';
import type { OperationTable } from '../core/runtime';
import type { AccountState, DeploymentStatus, ServiceRecord, TemplateKind } from '../core/store';

/**
 * GetResourcesSummary (proton-api.md §2 ResourcesSummary; model CountsSummary docs): totals of
 * every kind; `failed` for components, services, service instances and pipelines; staleness
 * (`upToDate`, `behindMinor`, `behindMajor`) for services, service instances and pipelines,
 * relative to the recommended version of their template. Environments and templates carry only
 * `total` (model). A service is as stale as its stalest instance or pipeline; a resource whose
 * template has no recommended (published) version counts as up to date.
 */

type Staleness = 'upToDate' | 'behindMinor' | 'behindMajor';
const STALENESS_ORDER: Staleness[] = ['upToDate', 'behindMinor', 'behindMajor'];

interface Versioned {
  templateName: string;
  templateMajorVersion: string;
  templateMinorVersion: string;
}

function staleness(account: AccountState, kind: TemplateKind, resource: Versioned): Staleness {
  const recommended = recommendedVersion(account, kind, resource.templateName);
  if (!recommended) return 'upToDate';
  const [major, minor] = [Number(resource.templateMajorVersion), Number(resource.templateMinorVersion)];
  const [recommendedMajor, recommendedMinor] = recommended.split('.').map(Number);
  if (major < recommendedMajor) return 'behindMajor';
  if (major === recommendedMajor && minor < recommendedMinor) return 'behindMinor';
  return 'upToDate';
}

function stalest(values: Staleness[]): Staleness {
  return values.reduce((worst, s) => (STALENESS_ORDER.indexOf(s) > STALENESS_ORDER.indexOf(worst) ? s : worst), 'upToDate');
}

/** A ResourceCountsSummary with total, failed and staleness counts. */
function stalenessCounts(entries: { staleness: Staleness; failed: boolean }[]) {
  const count = (s: Staleness) => entries.filter((e) => e.staleness === s).length;
  return {
    total: entries.length,
    failed: entries.filter((e) => e.failed).length,
    upToDate: count('upToDate'),
    behindMinor: count('behindMinor'),
    behindMajor: count('behindMajor'),
  };
}

const deploymentFailed = (status: DeploymentStatus) => status === 'FAILED';
const serviceFailed = (service: ServiceRecord) => service.status.includes('FAILED');

export const operations: OperationTable = {
  GetResourcesSummary(_input: object, ctx) {
    const account = ctx.account;
    const services = [...account.services.values()];
    const instanceEntries = services.map((service) => [...service.instances.values()].map((instance) => ({
      staleness: staleness(account, 'SERVICE', instance),
      failed: deploymentFailed(instance.deploymentStatus),
    })));
    const pipelineEntries = services.map((service) => (service.pipeline
      ? [{ staleness: staleness(account, 'SERVICE', service.pipeline), failed: deploymentFailed(service.pipeline.deploymentStatus) }]
      : []));
    const serviceEntries = services.map((service, i) => ({
      staleness: stalest([...instanceEntries[i], ...pipelineEntries[i]].map((e) => e.staleness)),
      failed: serviceFailed(service),
    }));
    const templates = [...account.templates.values()];
    const components = [...account.components.values()];
    return {
      counts: {
        environmentTemplates: { total: templates.filter((t) => t.kind === 'ENVIRONMENT').length },
        serviceTemplates: { total: templates.filter((t) => t.kind === 'SERVICE').length },
        environments: { total: account.environments.size },
        components: { total: components.length, failed: components.filter((c) => deploymentFailed(c.deploymentStatus)).length },
        services: stalenessCounts(serviceEntries),
        serviceInstances: stalenessCounts(instanceEntries.flat()),
        pipelines: stalenessCounts(pipelineEntries.flat()),
      },
    };
  },
};
