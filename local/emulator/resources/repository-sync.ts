import { repositoryKey } from './repository';
import { notFound, validation } from '../core/errors';
import type { OperationTable } from '../core/runtime';
import type { RepositoryProvider } from '../core/store';

/**
 * Repository sync (proton-api.md §2 RepositorySync). The emulator has no Git, so a repository
 * is never synced: GetRepositorySyncStatus reports no attempt. The sync definitions are those
 * of the template sync configurations on the repository: `parent` the repository it syncs
 * from, `target` the template it syncs to, `directory` the configured subdirectory (`/` when
 * the whole repository is searched).
 */

type SyncType = 'TEMPLATE_SYNC' | 'SERVICE_SYNC';

interface RepositoryInput {
  repositoryProvider: RepositoryProvider;
  repositoryName: string;
  syncType: SyncType;
}

export const operations: OperationTable = {
  GetRepositorySyncStatus(input: RepositoryInput & { branch: string }, ctx) {
    if (!ctx.account.repositories.has(repositoryKey(input.repositoryProvider, input.repositoryName))) {
      throw notFound(`The repository '${input.repositoryName}' (${input.repositoryProvider}) is not linked to AWS Proton.`);
    }
    return {};
  },

  ListRepositorySyncDefinitions(input: RepositoryInput & { nextToken?: string }, ctx) {
    if (input.syncType !== 'TEMPLATE_SYNC') {
      throw validation(`syncType '${input.syncType}' is not supported by ListRepositorySyncDefinitions: the only supported value is TEMPLATE_SYNC.`);
    }
    const syncDefinitions = [...ctx.account.templateSyncConfigs.values()]
      .filter((c) => c.repositoryProvider === input.repositoryProvider && c.repositoryName === input.repositoryName)
      .sort((a, b) => a.templateName.localeCompare(b.templateName) || a.templateType.localeCompare(b.templateType))
      .map((c) => ({ branch: c.branch, directory: c.subdirectory ?? '/', parent: c.repositoryName, target: c.templateName }));
    return { syncDefinitions };
  },
};
