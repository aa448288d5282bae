/**
 * What Proton holds, read through `@aws-sdk/client-proton`: templates with their versions,
 * environments, services and their instances, components. Names, versions, statuses and output key names
 * only: never specs, schemas, descriptions or output values. Shared by the demo (which prints it)
 * and its test (which asserts it).
 */
import {
  ListComponentOutputsCommand, ListComponentsCommand, ListEnvironmentOutputsCommand, ListEnvironmentsCommand, ListEnvironmentTemplatesCommand,
  ListEnvironmentTemplateVersionsCommand, ListServiceInstancesCommand, ListServicesCommand, ListServiceTemplatesCommand,
  ListServiceTemplateVersionsCommand, ProtonClient,
} from '@aws-sdk/client-proton';

export interface TemplateState {
  readonly kind: 'environment' | 'service';
  readonly name: string;
  readonly recommendedVersion?: string;
  /** `major.minor status`, in version order. */
  readonly versions: string[];
}

export interface EnvironmentState {
  readonly name: string;
  /** `template major.minor`. */
  readonly templateVersion: string;
  readonly deploymentStatus: string;
  /** The output keys of the last successful deployment (values are never read out). */
  readonly outputKeys: string[];
}

export interface ServiceInstanceState {
  readonly name: string;
  readonly environment: string;
  readonly templateVersion: string;
  readonly deploymentStatus: string;
}

export interface ServiceState {
  readonly name: string;
  readonly templateName: string;
  readonly status: string;
  readonly instances: ServiceInstanceState[];
}

export interface ComponentState {
  readonly name: string;
  readonly environment: string;
  /** `service/instance` of an attached component; absent when standalone. */
  readonly attachedTo?: string;
  readonly deploymentStatus: string;
  /** The output keys of the last successful deployment (values are never read out). */
  readonly outputKeys: string[];
}

export interface ProtonState {
  readonly templates: TemplateState[];
  readonly environments: EnvironmentState[];
  readonly services: ServiceState[];
  readonly components: ComponentState[];
}

function byName<T extends { readonly name: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => a.name.localeCompare(b.name));
}

function versionOrder(a: string, b: string): number {
  const [aMajor, aMinor] = a.split(/[. ]/).map(Number);
  const [bMajor, bMinor] = b.split(/[. ]/).map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

async function environmentTemplates(proton: ProtonClient): Promise<TemplateState[]> {
  const { templates = [] } = await proton.send(new ListEnvironmentTemplatesCommand({}));
  return Promise.all(templates.map(async (t): Promise<TemplateState> => {
    const majors = (await proton.send(new ListEnvironmentTemplateVersionsCommand({ templateName: t.name! }))).templateVersions ?? [];
    const versions: string[] = [];
    for (const major of majors) {
      const minors = await proton.send(new ListEnvironmentTemplateVersionsCommand({ templateName: t.name!, majorVersion: major.majorVersion }));
      versions.push(...(minors.templateVersions ?? []).map((v) => `${v.majorVersion}.${v.minorVersion} ${v.status}`));
    }
    return { kind: 'environment', name: t.name!, recommendedVersion: t.recommendedVersion, versions: versions.sort(versionOrder) };
  }));
}

async function serviceTemplates(proton: ProtonClient): Promise<TemplateState[]> {
  const { templates = [] } = await proton.send(new ListServiceTemplatesCommand({}));
  return Promise.all(templates.map(async (t): Promise<TemplateState> => {
    const majors = (await proton.send(new ListServiceTemplateVersionsCommand({ templateName: t.name! }))).templateVersions ?? [];
    const versions: string[] = [];
    for (const major of majors) {
      const minors = await proton.send(new ListServiceTemplateVersionsCommand({ templateName: t.name!, majorVersion: major.majorVersion }));
      versions.push(...(minors.templateVersions ?? []).map((v) => `${v.majorVersion}.${v.minorVersion} ${v.status}`));
    }
    return { kind: 'service', name: t.name!, recommendedVersion: t.recommendedVersion, versions: versions.sort(versionOrder) };
  }));
}

async function environments(proton: ProtonClient): Promise<EnvironmentState[]> {
  const { environments: list = [] } = await proton.send(new ListEnvironmentsCommand({}));
  return Promise.all(list.map(async (e): Promise<EnvironmentState> => {
    const { outputs = [] } = await proton.send(new ListEnvironmentOutputsCommand({ environmentName: e.name! }));
    return {
      name: e.name!,
      templateVersion: `${e.templateName} ${e.templateMajorVersion}.${e.templateMinorVersion}`,
      deploymentStatus: e.deploymentStatus!,
      outputKeys: outputs.map((o) => o.key!).sort(),
    };
  }));
}

async function services(proton: ProtonClient): Promise<ServiceState[]> {
  const { services: list = [] } = await proton.send(new ListServicesCommand({}));
  return Promise.all(list.map(async (s): Promise<ServiceState> => {
    const { serviceInstances = [] } = await proton.send(new ListServiceInstancesCommand({ serviceName: s.name! }));
    return {
      name: s.name!,
      templateName: s.templateName!,
      status: s.status!,
      instances: byName(serviceInstances.map((i) => ({
        name: i.name!,
        environment: i.environmentName!,
        templateVersion: `${i.templateName} ${i.templateMajorVersion}.${i.templateMinorVersion}`,
        deploymentStatus: i.deploymentStatus!,
      }))),
    };
  }));
}

async function components(proton: ProtonClient): Promise<ComponentState[]> {
  const { components: list = [] } = await proton.send(new ListComponentsCommand({}));
  return Promise.all(list.map(async (c): Promise<ComponentState> => {
    const { outputs = [] } = await proton.send(new ListComponentOutputsCommand({ componentName: c.name! }));
    return {
      name: c.name!,
      environment: c.environmentName!,
      ...c.serviceName ? { attachedTo: `${c.serviceName}/${c.serviceInstanceName}` } : {},
      deploymentStatus: c.deploymentStatus!,
      outputKeys: outputs.map((o) => o.key!).sort(),
    };
  }));
}

/** Reads the whole account's Proton state, each list sorted by name. */
export async function readProtonState(proton: ProtonClient): Promise<ProtonState> {
  const [envTemplates, svcTemplates, envs, svcs, comps] = await Promise.all([
    environmentTemplates(proton), serviceTemplates(proton), environments(proton), services(proton), components(proton),
  ]);
  return {
    templates: [...byName(envTemplates), ...byName(svcTemplates)],
    environments: byName(envs),
    services: byName(svcs),
    components: byName(comps),
  };
}

/** The state as indented lines for the console. */
export function formatProtonState(state: ProtonState): string[] {
  const lines: string[] = [];
  for (const t of state.templates) {
    lines.push(`  ${t.kind} template ${t.name}: recommended ${t.recommendedVersion ?? '(none)'}; versions ${t.versions.join(', ') || '(none)'}`);
  }
  for (const e of state.environments) {
    lines.push(`  environment ${e.name}: ${e.templateVersion}, ${e.deploymentStatus}; outputs ${e.outputKeys.join(', ') || '(none)'}`);
  }
  for (const s of state.services) {
    lines.push(`  service ${s.name} (${s.templateName}): ${s.status}, ${s.instances.length} instance(s)`);
    for (const i of s.instances) {
      lines.push(`    instance ${i.name} in ${i.environment}: ${i.templateVersion}, ${i.deploymentStatus}`);
    }
  }
  for (const c of state.components) {
    const where = c.attachedTo ? `attached to ${c.attachedTo} in ${c.environment}` : `standalone in ${c.environment}`;
    lines.push(`  component ${c.name}: ${where}, ${c.deploymentStatus}; outputs ${c.outputKeys.join(', ') || '(none)'}`);
  }
  return lines.length > 0 ? lines : ['  nothing: no templates, environments, services or components'];
}
