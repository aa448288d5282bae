import {
  assertNotInFlight, cancel, deploy, DeploymentTarget, describeDeploymentState, listOutputs, undeploy, wasDeleted,
} from './deployment-engine';
import { requireEnvironmentSpec } from './deployment-spec';
import { resolveVersionUpdate } from './deployment-type';
import { renderEnvironmentIac } from './iac-rendering';
import { paginate } from './pagination';
import { repositoryKey } from './repository';
import { deleteResourceTags, setResourceTags, validateCustomerTags } from './tags';
import { getTemplate, getTemplateVersion, resolveTemplateVersion } from './template-common';
import { conflict, notFound, validation } from '../core/errors';
import { nameKeyedCreate } from '../core/idempotency';
import type { OperationTable, RequestContext } from '../core/runtime';
import { arn } from '../core/store';
import type { AccountState, EnvironmentRecord, Output, RepositoryBranch, TemplateVersionRecord } from '../core/store';

/**
 * Environments (proton-api.md §2 Environment): name-keyed idempotent create, deployments through
 * the shared engine, the four UpdateEnvironment deployment types, async idempotent delete.
 *
 * Provisioning (doc): exactly one of `protonServiceRoleArn`, `environmentAccountConnectionId`
 * (a CONNECTED connection to this account for this environment name), `provisioningRepository`
 * (self-managed: settled by NotifyResourceDeploymentStatusChange) or `codebuildRoleArn`; none for
 * a customer-managed template, whose spec inputs are the environment's outputs.
 */

const IAC_DIR = 'infrastructure';

export function getEnvironmentRecord(account: AccountState, name: string): EnvironmentRecord {
  const env = account.environments.get(name);
  if (!env) throw notFound(`Environment ${name} not found.`);
  return env;
}

/** The engine's view of an environment. */
export function environmentTarget(account: AccountState, env: EnvironmentRecord): DeploymentTarget {
  const version = () => getTemplateVersion(account, 'ENVIRONMENT', env.templateName, env.templateMajorVersion, env.templateMinorVersion);
  return {
    record: env,
    resourceType: 'ENVIRONMENT',
    targetKey: `environment/${env.name}`,
    environmentName: env.name,
    state: () => ({
      environment: {
        spec: env.spec,
        templateName: env.templateName,
        templateMajorVersion: env.templateMajorVersion,
        templateMinorVersion: env.templateMinorVersion,
      },
    }),
    renderIac: () => renderEnvironmentIac(env, version(), requireEnvironmentSpec(env.spec ?? 'proton: EnvironmentSpec', version())),
    provisioningEngine: env.provisioning ? 'CLOUDFORMATION' : version().bundle?.engines[IAC_DIR] ?? 'CLOUDFORMATION',
    selfManaged: env.provisioningRepository !== undefined,
    fixedOutputs: env.provisioning === 'CUSTOMER_MANAGED' ? () => customerManagedOutputs(env, version()) : undefined,
  };
}

export function describeEnvironment(env: EnvironmentRecord) {
  return {
    ...summarizeEnvironment(env),
    codebuildRoleArn: env.codebuildRoleArn,
    provisioningRepository: env.provisioningRepository,
    spec: env.spec,
  };
}

function summarizeEnvironment(env: EnvironmentRecord) {
  return {
    ...describeDeploymentState(env),
    name: env.name,
    description: env.description,
    protonServiceRoleArn: env.protonServiceRoleArn,
    environmentAccountConnectionId: env.environmentAccountConnectionId,
    environmentAccountId: env.environmentAccountId,
    componentRoleArn: env.componentRoleArn,
    provisioning: env.provisioning,
  };
}

interface ProvisioningInput {
  protonServiceRoleArn?: string;
  environmentAccountConnectionId?: string;
  provisioningRepository?: RepositoryBranch;
  codebuildRoleArn?: string;
}

const PROVISIONING_MEMBERS = ['protonServiceRoleArn', 'environmentAccountConnectionId', 'provisioningRepository', 'codebuildRoleArn'] as const;

function createEnvironment(input: any, ctx: RequestContext) {
  const account = ctx.account;
  const existing = account.environments.get(input.name);
  return nameKeyedCreate(existing, `Environment ${input.name}`, input, (env) => ({ environment: describeEnvironment(env) }), (createInput) => {
    validateCustomerTags(input.tags);
    const template = getTemplate(account, 'ENVIRONMENT', input.templateName);
    const version = resolveTemplateVersion(account, 'ENVIRONMENT', input.templateName, input.templateMajorVersion, input.templateMinorVersion);
    requireEnvironmentSpec(input.spec, version);
    const customerManaged = template.provisioning === 'CUSTOMER_MANAGED';
    const given = PROVISIONING_MEMBERS.filter((m) => input[m] !== undefined);
    if (!customerManaged && given.length !== 1) {
      throw validation(`Environment ${input.name} needs exactly one provisioning method, got ${given.length === 0 ? 'none' : given.join(', ')}: `
        + 'pass protonServiceRoleArn (AWS-managed), environmentAccountConnectionId (another account), '
        + 'provisioningRepository (self-managed) or codebuildRoleArn (CodeBuild).');
    }
    if (customerManaged && given.length > 0) {
      throw validation(`Environment template ${input.templateName} is CUSTOMER_MANAGED: don't pass ${given.join(', ')}; the environment provisions nothing.`);
    }
    const now = ctx.nowSeconds();
    const env: EnvironmentRecord = {
      name: input.name,
      arn: arn(ctx, `environment/${input.name}`),
      description: input.description,
      templateName: input.templateName,
      templateMajorVersion: version.majorVersion,
      templateMinorVersion: version.minorVersion,
      spec: input.spec,
      componentRoleArn: input.componentRoleArn,
      provisioning: template.provisioning,
      deploymentStatus: 'IN_PROGRESS',
      outputs: [],
      provisionedResources: [],
      createdAt: now,
      createInput,
      modifiedSinceCreate: false,
    };
    applyProvisioning(ctx, env, input);
    account.environments.set(env.name, env);
    setResourceTags(account, env.arn, input.tags ?? []);
    deploy(ctx, environmentTarget(account, env), { isNew: true });
    return { environment: describeEnvironment(env) };
  });
}

/** Sets the provisioning members given (validated), clearing the alternatives they replace. */
function applyProvisioning(ctx: RequestContext, env: EnvironmentRecord, input: ProvisioningInput): void {
  if (input.protonServiceRoleArn !== undefined && input.environmentAccountConnectionId !== undefined) {
    throw validation('Pass either protonServiceRoleArn or environmentAccountConnectionId, not both.');
  }
  if (input.environmentAccountConnectionId !== undefined) {
    const connection = ctx.runtime.global.environmentAccountConnections.get(input.environmentAccountConnectionId);
    if (!connection || connection.managementAccountId !== ctx.accountId || connection.status !== 'CONNECTED' || connection.environmentName !== env.name) {
      throw validation(`environmentAccountConnectionId '${input.environmentAccountConnectionId}' must be a CONNECTED environment account connection `
        + `with management account ${ctx.accountId} for environment ${env.name}`
        + (connection ? ` (it is ${connection.status}, for environment ${connection.environmentName}).` : ' (no such connection).'));
    }
    env.environmentAccountConnectionId = connection.id;
    env.environmentAccountId = connection.environmentAccountId;
    env.protonServiceRoleArn = undefined;
  }
  if (input.protonServiceRoleArn !== undefined) {
    env.protonServiceRoleArn = input.protonServiceRoleArn;
    env.environmentAccountConnectionId = undefined;
    env.environmentAccountId = undefined;
  }
  if (input.codebuildRoleArn !== undefined) env.codebuildRoleArn = input.codebuildRoleArn;
  if (input.provisioningRepository !== undefined) {
    const { provider, name, branch } = input.provisioningRepository;
    const repository = ctx.account.repositories.get(repositoryKey(provider, name));
    if (!repository) {
      throw validation(`provisioningRepository ${provider}:${name} is not linked to Proton: create it with CreateRepository first.`);
    }
    env.provisioningRepository = { arn: repository.arn, provider, name, branch };
  }
}

function updateEnvironment(input: any, ctx: RequestContext) {
  const account = ctx.account;
  const env = getEnvironmentRecord(account, input.name);
  assertNotInFlight(env, `Environment ${env.name}`);
  const given = PROVISIONING_MEMBERS.filter((m) => input[m] !== undefined);
  if (env.provisioningRepository && given.some((m) => m !== 'provisioningRepository')) {
    throw validation(`Environment ${env.name} is self-managed: pass provisioningRepository only, not ${given.join(', ')}.`);
  }
  if (!env.provisioningRepository && input.provisioningRepository !== undefined) {
    throw validation(`Environment ${env.name} is not self-managed: provisioningRepository can't be set on it; pass protonServiceRoleArn, environmentAccountConnectionId or codebuildRoleArn.`);
  }
  if (env.provisioning === 'CUSTOMER_MANAGED' && given.length > 0) {
    throw validation(`Environment ${env.name} is CUSTOMER_MANAGED: don't pass ${given.join(', ')}.`);
  }
  const target = resolveVersionUpdate(account, 'ENVIRONMENT', `Environment ${env.name}`, env, input);
  if (target) requireEnvironmentSpec(input.spec ?? env.spec ?? '', target);

  applyProvisioning(ctx, env, input);
  if (input.componentRoleArn !== undefined) env.componentRoleArn = input.componentRoleArn;
  if (input.description !== undefined) env.description = input.description;
  env.modifiedSinceCreate = true;
  if (target) {
    deploy(ctx, environmentTarget(account, env), {
      isNew: false,
      apply: () => {
        env.templateMajorVersion = target.majorVersion;
        env.templateMinorVersion = target.minorVersion;
        if (input.spec !== undefined) env.spec = input.spec;
      },
    });
  }
  return { environment: describeEnvironment(env) };
}

function deleteEnvironment(input: any, ctx: RequestContext) {
  const account = ctx.account;
  const env = account.environments.get(input.name);
  if (!env) {
    if (wasDeleted(account, arn(ctx, `environment/${input.name}`))) return {};
    throw notFound(`Environment ${input.name} not found.`);
  }
  if (env.deploymentStatus === 'DELETE_IN_PROGRESS') return { environment: describeEnvironment(env) };
  assertNotInFlight(env, `Environment ${env.name}`);
  const instances = [...account.services.values()].flatMap((s) =>
    [...s.instances.values()].filter((i) => i.environmentName === env.name).map((i) => `${s.name}/${i.name}`));
  if (instances.length > 0) {
    throw conflict(`Environment ${env.name} can't be deleted: service instances ${instances.join(', ')} are deployed to it. Remove them from their services first.`);
  }
  const components = [...account.components.values()].filter((c) => c.environmentName === env.name).map((c) => c.name);
  if (components.length > 0) {
    throw conflict(`Environment ${env.name} can't be deleted: components ${components.join(', ')} are in it. Delete them first.`);
  }
  undeploy(ctx, environmentTarget(account, env), (removed) => {
    if (!removed) return;
    account.environments.delete(env.name);
    deleteResourceTags(account, env.arn);
  });
  return { environment: describeEnvironment(env) };
}

function customerManagedOutputs(env: EnvironmentRecord, version: TemplateVersionRecord): Output[] {
  const inputs = requireEnvironmentSpec(env.spec ?? '', version);
  return Object.entries(inputs).map(([key, value]) => ({ key, valueString: String(value) }));
}

export const operations: OperationTable = {
  CreateEnvironment: createEnvironment,
  GetEnvironment: (input, ctx) => ({ environment: describeEnvironment(getEnvironmentRecord(ctx.account, input.name)) }),
  ListEnvironments: (input, ctx) => {
    const filters: { templateName: string; majorVersion: string }[] | undefined = input.environmentTemplates;
    const matching = [...ctx.account.environments.values()]
      .filter((env) => !filters?.length || filters.some((f) => f.templateName === env.templateName && f.majorVersion === env.templateMajorVersion))
      .sort((a, b) => a.name.localeCompare(b.name));
    const page = paginate(matching, input.maxResults, input.nextToken);
    return { environments: page.items.map(summarizeEnvironment), nextToken: page.nextToken };
  },
  UpdateEnvironment: updateEnvironment,
  DeleteEnvironment: deleteEnvironment,
  CancelEnvironmentDeployment: (input, ctx) => {
    const env = getEnvironmentRecord(ctx.account, input.environmentName);
    cancel(ctx, environmentTarget(ctx.account, env), `Environment ${env.name}`);
    return { environment: describeEnvironment(env) };
  },
  ListEnvironmentOutputs: (input, ctx) => {
    const env = getEnvironmentRecord(ctx.account, input.environmentName);
    return { outputs: listOutputs(ctx.account, environmentTarget(ctx.account, env), input.deploymentId) };
  },
  ListEnvironmentProvisionedResources: (input, ctx) => ({
    provisionedResources: getEnvironmentRecord(ctx.account, input.environmentName).provisionedResources,
  }),
};
