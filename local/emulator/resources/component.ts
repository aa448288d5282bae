import {
  assertNotInFlight, cancel, deploy, DeploymentTarget, isInFlight, listOutputs, undeploy, wasDeleted,
} from './deployment-engine';
import { getEnvironmentRecord } from './environment';
import { IacOutcome, renderComponentIac } from './iac-rendering';
import { paginate } from './pagination';
import { attachedComponent, getInstanceRecord } from './service-instance';
import { deleteResourceTags, setResourceTags, validateCustomerTags } from './tags';
import { getTemplateVersion } from './template-common';
import { parseYaml } from '../../../src/private/spec-schema';
import { terraformOutputKeys } from '../../../src/private/template-bundle-rules';
import { conflict, notFound, quotaExceeded, validation } from '../core/errors';
import { withClientToken } from '../core/idempotency';
import type { OperationTable, RequestContext } from '../core/runtime';
import { arn } from '../core/store';
import type { AccountState, ComponentRecord, EnvironmentRecord, ServiceInstanceRecord } from '../core/store';

/**
 * Directly defined components (proton-api.md §2 Component): a manifest plus one IaC file,
 * deployed in an environment, optionally attached to one service instance (both serviceName and
 * serviceInstanceName, or neither). The environment needs a componentRoleArn and an attached
 * instance's template version must list DIRECTLY_DEFINED. Only detached components can be
 * deleted (doc); deletes are async and idempotent like DeleteEnvironment (inferred, §6.4).
 * Each deployment renders the CloudFormation file (`iac-rendering.ts`): its outputs are those of the
 * rendered template, and a render failure fails the deployment. Terraform files are not rendered:
 * their outputs are their `output` blocks.
 */

/** Components per account (quota L-8FBB60E3). */
const MAX_COMPONENTS = 1000;

function getComponentRecord(account: AccountState, name: string): ComponentRecord {
  const component = account.components.get(name);
  if (!component) throw notFound(`Component ${name} not found.`);
  return component;
}

/** Reads the manifest's single template entry: the file's provisioning engine. */
function parseComponentIac(manifest: string): 'CLOUDFORMATION' | 'TERRAFORM' {
  const { value, error } = parseYaml(manifest);
  if (error) throw validation(`The manifest is not valid YAML: ${error}`);
  const templates = (value as any)?.infrastructure?.templates;
  if (!Array.isArray(templates) || templates.length !== 1) {
    throw validation('The manifest must list exactly one template under infrastructure.templates ({file, rendering_engine, template_language}); a component has one IaC file.');
  }
  const language = templates[0]?.template_language;
  if (language === 'terraform') return 'TERRAFORM';
  if (language !== 'cloudformation') {
    throw validation(`The manifest's infrastructure.templates[0].template_language must be cloudformation or terraform, found '${language}'.`);
  }
  return 'CLOUDFORMATION';
}

/** What a deployment of the component provisions: its rendered CloudFormation, or its Terraform outputs. */
function renderComponent(account: AccountState, component: ComponentRecord): IacOutcome {
  if (parseComponentIac(component.manifest) === 'TERRAFORM') return { outputs: terraformOutputKeys(component.templateFile).map((key) => ({ key })) };
  const instance = component.serviceName === undefined ? undefined
    : account.services.get(component.serviceName)?.instances.get(component.serviceInstanceName!);
  const version = instance && account.templateVersions.get(`SERVICE:${instance.templateName}:${instance.templateMajorVersion}.${instance.templateMinorVersion}`);
  return renderComponentIac(account, component, version);
}

export function componentTarget(account: AccountState, component: ComponentRecord): DeploymentTarget {
  return {
    record: component,
    resourceType: 'COMPONENT',
    targetKey: `component/${component.name}`,
    environmentName: component.environmentName,
    serviceName: component.serviceName,
    serviceInstanceName: component.serviceInstanceName,
    componentName: component.name,
    state: () => ({
      component: {
        serviceName: component.serviceName,
        serviceInstanceName: component.serviceInstanceName,
        serviceSpec: component.serviceSpec,
        templateFile: component.templateFile,
      },
    }),
    renderIac: () => renderComponent(account, component),
    provisioningEngine: parseComponentIac(component.manifest),
    selfManaged: false,
  };
}

function describeComponent(component: ComponentRecord) {
  return {
    ...summarizeComponent(component),
    description: component.description,
    serviceSpec: component.serviceSpec,
    lastClientRequestToken: component.lastClientRequestToken,
  };
}

function summarizeComponent(component: ComponentRecord) {
  return {
    arn: component.arn,
    name: component.name,
    environmentName: component.environmentName,
    serviceName: component.serviceName,
    serviceInstanceName: component.serviceInstanceName,
    createdAt: component.createdAt,
    lastModifiedAt: component.lastModifiedAt,
    deploymentStatus: component.deploymentStatus,
    deploymentStatusMessage: component.deploymentStatusMessage,
    lastAttemptedDeploymentId: component.lastAttemptedDeploymentId,
    lastSucceededDeploymentId: component.lastSucceededDeploymentId,
    lastDeploymentAttemptedAt: component.lastDeploymentAttemptedAt,
    lastDeploymentSucceededAt: component.lastDeploymentSucceededAt,
  };
}

/** Checks that the environment accepts components (a componentRoleArn is set). */
function checkEnvironment(env: EnvironmentRecord): void {
  if (!env.componentRoleArn) {
    throw validation(`Environment ${env.name} has no componentRoleArn, so it can't host directly defined components; set one with UpdateEnvironment.`);
  }
}

/** The instance a component attaches to: it must allow DIRECTLY_DEFINED components and have none. */
function attachableInstance(account: AccountState, serviceName: string, instanceName: string, componentName: string): ServiceInstanceRecord {
  const instance = getInstanceRecord(account, serviceName, instanceName);
  const version = getTemplateVersion(account, 'SERVICE', instance.templateName, instance.templateMajorVersion, instance.templateMinorVersion);
  if (!(version.supportedComponentSources ?? []).includes('DIRECTLY_DEFINED')) {
    throw validation(`Service instance ${instanceName} of service ${serviceName} runs service template ${version.templateName} version `
      + `${version.majorVersion}.${version.minorVersion}, whose supportedComponentSources don't include DIRECTLY_DEFINED.`);
  }
  const other = attachedComponent(account, serviceName, instanceName);
  if (other && other.name !== componentName) {
    throw conflict(`Service instance ${instanceName} of service ${serviceName} already has component ${other.name} attached; an instance has at most one.`);
  }
  return instance;
}

/** Both attachment names or neither (doc). */
function checkAttachmentPair(serviceName: string | undefined, serviceInstanceName: string | undefined): void {
  if ((serviceName === undefined) !== (serviceInstanceName === undefined) || (serviceName === '') !== (serviceInstanceName === '')) {
    throw validation('Specify both serviceName and serviceInstanceName to attach a component to a service instance, or neither.');
  }
}

function createComponent(input: any, ctx: RequestContext) {
  const account = ctx.account;
  const { clientToken, ...params } = input;
  return withClientToken(ctx, clientToken, params, () => {
    validateCustomerTags(input.tags);
    if (account.components.has(input.name)) throw conflict(`Component ${input.name} already exists.`);
    if (account.components.size >= MAX_COMPONENTS) throw quotaExceeded(`This account already has ${MAX_COMPONENTS} components, the maximum.`);
    checkAttachmentPair(input.serviceName, input.serviceInstanceName);
    let environmentName: string = input.environmentName;
    if (input.serviceName !== undefined) {
      const instance = attachableInstance(account, input.serviceName, input.serviceInstanceName, input.name);
      if (environmentName !== undefined && environmentName !== instance.environmentName) {
        throw validation(`environmentName '${environmentName}' doesn't match environment ${instance.environmentName} of service instance ${instance.name}; omit it for an attached component.`);
      }
      environmentName = instance.environmentName;
    } else {
      if (environmentName === undefined) {
        throw validation('environmentName is required for a component that is not attached to a service instance (no serviceName and serviceInstanceName).');
      }
      if (input.serviceSpec !== undefined) {
        throw validation('serviceSpec is allowed only for a component attached to a service instance (pass serviceName and serviceInstanceName).');
      }
    }
    checkEnvironment(getEnvironmentRecord(account, environmentName));
    parseComponentIac(input.manifest);
    const now = ctx.nowSeconds();
    const component: ComponentRecord = {
      name: input.name,
      arn: arn(ctx, `component/${input.name}`),
      description: input.description,
      environmentName,
      serviceName: input.serviceName,
      serviceInstanceName: input.serviceInstanceName,
      serviceSpec: input.serviceSpec,
      manifest: input.manifest,
      templateFile: input.templateFile,
      lastClientRequestToken: clientToken,
      deploymentStatus: 'IN_PROGRESS',
      outputs: [],
      provisionedResources: [],
      createdAt: now,
      lastModifiedAt: now,
    };
    account.components.set(component.name, component);
    setResourceTags(account, component.arn, input.tags ?? []);
    deploy(ctx, componentTarget(account, component), { isNew: true });
    return { resourceKey: component.name, output: { component: describeComponent(component) } };
  }, (name) => {
    const component = account.components.get(name);
    return component && { component: describeComponent(component) };
  });
}

function updateComponent(input: any, ctx: RequestContext) {
  const account = ctx.account;
  const { clientToken, ...params } = input;
  return withClientToken(ctx, clientToken, params, () => {
    const component = getComponentRecord(account, input.name);
    assertNotInFlight(component, `Component ${component.name}`);
    if (component.serviceName !== undefined) {
      const instance = account.services.get(component.serviceName)?.instances.get(component.serviceInstanceName!);
      if (instance && isInFlight(instance.deploymentStatus)) {
        throw conflict(`Component ${component.name} can't be updated while its service instance ${instance.name} has deploymentStatus ${instance.deploymentStatus}.`);
      }
    }
    component.lastClientRequestToken = clientToken;
    if (input.deploymentType === 'NONE') {
      const refused = ['serviceSpec', 'templateFile', 'serviceName', 'serviceInstanceName'].filter((m) => input[m] !== undefined);
      if (refused.length > 0) {
        throw validation(`deploymentType NONE changes only the description; don't pass ${refused.join(', ')} (use CURRENT_VERSION to deploy).`);
      }
      if (input.description !== undefined) component.description = input.description;
      component.lastModifiedAt = ctx.nowSeconds();
      return { resourceKey: component.name, output: { component: describeComponent(component) } };
    }
    const attachment = nextAttachment(account, component, input);
    if (input.serviceSpec !== undefined && attachment.serviceName === undefined) {
      throw validation('serviceSpec is allowed only for a component attached to a service instance.');
    }
    checkEnvironment(getEnvironmentRecord(account, component.environmentName));
    if (input.description !== undefined) component.description = input.description;
    component.lastModifiedAt = ctx.nowSeconds();
    deploy(ctx, componentTarget(account, component), {
      isNew: false,
      apply: () => {
        component.serviceName = attachment.serviceName;
        component.serviceInstanceName = attachment.serviceInstanceName;
        if (input.templateFile !== undefined) component.templateFile = input.templateFile;
        component.serviceSpec = attachment.serviceName === undefined ? undefined : input.serviceSpec ?? component.serviceSpec;
      },
    });
    return { resourceKey: component.name, output: { component: describeComponent(component) } };
  }, (name) => {
    const component = account.components.get(name);
    return component && { component: describeComponent(component) };
  });
}

/**
 * The attachment after an UpdateComponent: names omitted keep it, `""` for both detaches, names
 * attach a detached component to an instance of its environment; moving an attached component
 * to another instance directly is refused (detach first, doc).
 */
function nextAttachment(account: AccountState, component: ComponentRecord, input: any): { serviceName?: string; serviceInstanceName?: string } {
  checkAttachmentPair(input.serviceName, input.serviceInstanceName);
  if (input.serviceName === undefined) return { serviceName: component.serviceName, serviceInstanceName: component.serviceInstanceName };
  if (input.serviceName === '') return {};
  if (component.serviceName === input.serviceName && component.serviceInstanceName === input.serviceInstanceName) {
    return { serviceName: component.serviceName, serviceInstanceName: component.serviceInstanceName };
  }
  if (component.serviceName !== undefined) {
    throw validation(`Component ${component.name} is attached to service instance ${component.serviceInstanceName} of service ${component.serviceName}; `
      + 'detach it first (serviceName and serviceInstanceName "") before attaching it to another instance.');
  }
  const instance = attachableInstance(account, input.serviceName, input.serviceInstanceName, component.name);
  if (instance.environmentName !== component.environmentName) {
    throw validation(`Service instance ${instance.name} of service ${input.serviceName} is in environment ${instance.environmentName}, `
      + `but component ${component.name} is in environment ${component.environmentName}.`);
  }
  return { serviceName: input.serviceName, serviceInstanceName: input.serviceInstanceName };
}

function deleteComponent(input: any, ctx: RequestContext) {
  const account = ctx.account;
  const component = account.components.get(input.name);
  if (!component) {
    if (wasDeleted(account, arn(ctx, `component/${input.name}`))) return {};
    throw notFound(`Component ${input.name} not found.`);
  }
  if (component.deploymentStatus === 'DELETE_IN_PROGRESS') return { component: describeComponent(component) };
  assertNotInFlight(component, `Component ${component.name}`);
  if (component.serviceName !== undefined) {
    throw conflict(`Component ${component.name} is attached to service instance ${component.serviceInstanceName} of service ${component.serviceName}; `
      + 'detach it first with UpdateComponent (deploymentType CURRENT_VERSION, serviceName and serviceInstanceName "").');
  }
  undeploy(ctx, componentTarget(account, component), (removed) => {
    if (!removed) return;
    account.components.delete(component.name);
    deleteResourceTags(account, component.arn);
  });
  return { component: describeComponent(component) };
}

export const operations: OperationTable = {
  CreateComponent: createComponent,
  GetComponent: (input, ctx) => ({ component: describeComponent(getComponentRecord(ctx.account, input.name)) }),
  ListComponents: (input, ctx) => {
    const components = [...ctx.account.components.values()]
      .filter((c) => (input.environmentName === undefined || c.environmentName === input.environmentName)
        && (input.serviceName === undefined || c.serviceName === input.serviceName)
        && (input.serviceInstanceName === undefined || c.serviceInstanceName === input.serviceInstanceName))
      .sort((a, b) => a.name.localeCompare(b.name));
    const page = paginate(components, input.maxResults, input.nextToken);
    return { components: page.items.map(summarizeComponent), nextToken: page.nextToken };
  },
  UpdateComponent: updateComponent,
  DeleteComponent: deleteComponent,
  CancelComponentDeployment: (input, ctx) => {
    const component = getComponentRecord(ctx.account, input.componentName);
    cancel(ctx, componentTarget(ctx.account, component), `Component ${component.name}`);
    return { component: describeComponent(component) };
  },
  ListComponentOutputs: (input, ctx) => {
    const component = getComponentRecord(ctx.account, input.componentName);
    return { outputs: listOutputs(ctx.account, componentTarget(ctx.account, component), input.deploymentId) };
  },
  ListComponentProvisionedResources: (input, ctx) => ({
    provisionedResources: getComponentRecord(ctx.account, input.componentName).provisionedResources,
  }),
};
