import { paginate } from './pagination';
import { deleteResourceTags, setResourceTags, validateCustomerTags } from './tags';
import { conflict, notFound, validation } from '../core/errors';
import type { OperationTable, RequestContext } from '../core/runtime';
import { arn, type AccountState, type RepositoryProvider, type RepositoryRecord, type Tag } from '../core/store';

/**
 * Repository links (proton-api.md §2 Repository): a link to a Git repository through a
 * CodeStar connection, keyed by (provider, name). Sync configurations, environments with
 * self-managed provisioning and the account's pipeline settings use them; a link in use can't
 * be deleted.
 */

export function repositoryKey(provider: RepositoryProvider, name: string): string {
  return `${provider}:${name}`;
}

/**
 * The linked repository (provider, name), for operations that need one: a missing link is a
 * ValidationException naming `member` (those operations don't declare ResourceNotFound).
 */
export function requireLinkedRepository(account: AccountState, provider: RepositoryProvider, name: string, member: string): RepositoryRecord {
  const repository = account.repositories.get(repositoryKey(provider, name));
  if (!repository) {
    throw validation(`${member} names the repository '${name}' (${provider}), which is not linked to AWS Proton. Link it with CreateRepository first.`);
  }
  return repository;
}

function summarizeRepository(r: RepositoryRecord) {
  return { arn: r.arn, name: r.name, provider: r.provider, connectionArn: r.connectionArn };
}

function describeRepository(r: RepositoryRecord) {
  return {
    ...summarizeRepository(r),
    ...(r.encryptionKey !== undefined ? { encryptionKey: r.encryptionKey } : {}),
  };
}

function getRepository(ctx: RequestContext, provider: RepositoryProvider, name: string): RepositoryRecord {
  const repository = ctx.account.repositories.get(repositoryKey(provider, name));
  if (!repository) throw notFound(`The repository '${name}' (${provider}) was not found.`);
  return repository;
}

/** What uses the repository, each described for an error message. */
function usersOf(account: AccountState, r: RepositoryRecord): string[] {
  const isThis = (provider: RepositoryProvider | undefined, name: string | undefined) => provider === r.provider && name === r.name;
  const pipelineRepository = account.accountSettings?.pipelineProvisioningRepository;
  return [
    ...[...account.templateSyncConfigs.values()].filter((c) => isThis(c.repositoryProvider, c.repositoryName))
      .map((c) => `the template sync configuration of the ${c.templateType.toLowerCase()} template '${c.templateName}'`),
    ...[...account.serviceSyncConfigs.values()].filter((c) => isThis(c.repositoryProvider, c.repositoryName))
      .map((c) => `the service sync configuration of the service '${c.serviceName}'`),
    ...[...account.environments.values()].filter((e) => isThis(e.provisioningRepository?.provider, e.provisioningRepository?.name))
      .map((e) => `the environment '${e.name}' (provisioningRepository)`),
    ...(isThis(pipelineRepository?.provider, pipelineRepository?.name) ? ['the account settings (pipelineProvisioningRepository)'] : []),
  ];
}

export const operations: OperationTable = {
  CreateRepository(input: { provider: RepositoryProvider; name: string; connectionArn: string; encryptionKey?: string; tags?: Tag[] }, ctx) {
    const key = repositoryKey(input.provider, input.name);
    if (ctx.account.repositories.has(key)) {
      throw conflict(`The repository '${input.name}' (${input.provider}) is already linked.`);
    }
    validateCustomerTags(input.tags);
    const record: RepositoryRecord = {
      provider: input.provider,
      name: input.name,
      arn: arn(ctx, `repository/${input.provider.toLowerCase()}:${input.name}`),
      connectionArn: input.connectionArn,
      encryptionKey: input.encryptionKey,
    };
    ctx.account.repositories.set(key, record);
    setResourceTags(ctx.account, record.arn, input.tags);
    return { repository: describeRepository(record) };
  },

  GetRepository(input: { provider: RepositoryProvider; name: string }, ctx) {
    return { repository: describeRepository(getRepository(ctx, input.provider, input.name)) };
  },

  ListRepositories(input: { maxResults?: number; nextToken?: string }, ctx) {
    const all = [...ctx.account.repositories.values()].sort((a, b) => a.arn.localeCompare(b.arn));
    const page = paginate(all, input.maxResults, input.nextToken);
    return {
      repositories: page.items.map(summarizeRepository),
      ...(page.nextToken ? { nextToken: page.nextToken } : {}),
    };
  },

  DeleteRepository(input: { provider: RepositoryProvider; name: string }, ctx) {
    const repository = getRepository(ctx, input.provider, input.name);
    const users = usersOf(ctx.account, repository);
    if (users.length > 0) {
      throw conflict(`The repository '${repository.name}' (${repository.provider}) can't be deleted: it is used by ${users.join(', ')}. Remove those uses first.`);
    }
    ctx.account.repositories.delete(repositoryKey(repository.provider, repository.name));
    deleteResourceTags(ctx.account, repository.arn);
    return { repository: describeRepository(repository) };
  },
};
