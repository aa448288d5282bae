import { CreateRepositoryCommand, DeleteRepositoryCommand, GetRepositoryCommand, Repository } from '@aws-sdk/client-proton';
import type { SynchronousKind } from './engine/synchronous-resource';
import { REPOSITORY_SCHEMA, RepositoryData } from '../src/custom-resources/contract';

/**
 * `Custom::ProtonRepository`: a link to a Git repository through a CodeStar connection, keyed by
 * `<provider>:<owner/name>`. Proton's create and delete are synchronous and it has no update.
 */
export const REPOSITORY: SynchronousKind<typeof REPOSITORY_SCHEMA, Repository, RepositoryData> = {
  schema: REPOSITORY_SCHEMA,
  noun: 'Proton link to repository',
  kind: 'repository',
  construct: 'Repository',
  deleteCommand: 'aws proton delete-repository',
  users: 'template and service sync configurations, environments provisioned through it, the account settings\' pipeline provisioning repository',
  identity: (p) => `${p.Provider}:${p.Name}`,
  importHint: (p) => `Repository.fromRepositoryAttributes(scope, id, { provider: RepositoryProvider.${p.Provider}, repositoryName: '${p.Name}' })`,
  get: async (proton, p) => (await proton.send(new GetRepositoryCommand({ provider: p.Provider, name: p.Name }))).repository!,
  create: async (proton, p, tags) => (await proton.send(new CreateRepositoryCommand({
    provider: p.Provider, name: p.Name, connectionArn: p.ConnectionArn, encryptionKey: p.EncryptionKey, tags,
  }))).repository!,
  delete: (proton, p) => proton.send(new DeleteRepositoryCommand({ provider: p.Provider, name: p.Name })),
  stored: { ConnectionArn: (r) => r.connectionArn, EncryptionKey: (r) => r.encryptionKey },
  data: (r) => ({ Arn: r.arn!, Name: r.name!, Provider: r.provider! }),
};
