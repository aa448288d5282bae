import {
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  GetRepositoryCommand,
  Repository,
  RepositoryProvider,
} from '@aws-sdk/client-proton';
import { failure, isProtonError } from './engine/errors';
import { log } from './engine/log';
import { createOrAdopt, getOrUndefined, requireOwned } from './engine/name-keyed-create';
import { deleteIfOwned } from './engine/owned-delete';
import { PropertyReader } from './engine/properties';
import { ResourceHandler, UpdatePlan, planUpdate } from './engine/resource-handler';
import { assertCustomerTags, syncCustomerTags, toProtonTags } from './engine/tags';
import { REPOSITORY_PROVIDERS, RepositoryData, RepositoryProperties } from '../src/custom-resources/contract';

const KIND = 'repository';

/** Proton has no UpdateRepository: everything but the tags replaces the link. */
const IMMUTABLE: ReadonlyArray<keyof RepositoryProperties> = ['Provider', 'Name', 'ConnectionArn', 'EncryptionKey'];

/** Physical id of a repository link: `<provider>:<owner/name>` (Proton's key). */
export function repositoryId(provider: string, name: string): string {
  return `${provider}:${name}`;
}

/**
 * `Custom::ProtonRepository`: a link to a Git repository through a CodeStar connection.
 * Proton's create and delete are synchronous (the create is made by the first isComplete, once
 * CloudFormation knows the physical id); a link is adopted on a replay only when it carries
 * this resource's ownership tags, and a link still in use cannot be deleted (Proton refuses).
 */
export class RepositoryHandler extends ResourceHandler<RepositoryProperties, RepositoryData> {
  protected parseProperties(reader: PropertyReader): RepositoryProperties {
    return {
      Provider: reader.requiredOneOf('Provider', REPOSITORY_PROVIDERS),
      Name: reader.requiredString('Name'),
      ConnectionArn: reader.requiredString('ConnectionArn'),
      EncryptionKey: reader.optionalString('EncryptionKey'),
      Tags: reader.optionalStringMap('Tags'),
    };
  }

  protected identity(props: RepositoryProperties): string {
    return repositoryId(props.Provider, props.Name);
  }

  protected analyzeUpdate(oldProps: RepositoryProperties, newProps: RepositoryProperties): UpdatePlan {
    return planUpdate(oldProps, newProps, IMMUTABLE);
  }

  protected sameIdentityReplacementMessage(id: string, reasons: readonly string[]): string {
    return `Cannot replace the Proton link to repository '${id}': ${reasons.join(', ')} changed, which Proton cannot update, `
      + 'and a repository can be linked only once (CloudFormation creates the replacement before deleting the original). '
      + 'Fix: remove the Repository from the stack and deploy (this unlinks it; its users must be removed first), '
      + 'then add it back with the new properties; or revert the change.';
  }

  protected async onCreate(): Promise<string> {
    assertCustomerTags(this.props.Tags ?? {});
    return this.identity(this.props);
  }

  protected async onUpdateInPlace(_oldProps: RepositoryProperties, id: string): Promise<void> {
    const { existing, tags } = await requireOwned(this.proton, this.event, {
      kind: KIND,
      name: id,
      importHint: 'Repository.fromRepositoryAttributes(scope, id, {...})',
      goneMessage: `The Proton link to repository '${id}' no longer exists; it was deleted outside CloudFormation. `
        + 'Remove the Repository from the stack and add it again to link it again.',
      get: () => this.get(this.props.Provider, this.props.Name),
    });
    await syncCustomerTags(this.proton, existing.arn!, tags, this.props.Tags ?? {});
  }

  protected deleteStep(id: string): Promise<boolean> {
    const { Provider: provider, Name: name } = this.props;
    return deleteIfOwned(this.proton, this.event, {
      kind: 'repository link',
      name: id,
      get: () => this.get(provider, name),
      arnOf: (repository) => repository.arn!,
      proceed: async () => {
        try {
          await this.proton.send(new DeleteRepositoryCommand({ provider: provider as RepositoryProvider, name }));
        } catch (error) {
          if (isProtonError(error, 'ResourceNotFoundException')) throw error;
          const hint = isProtonError(error, 'ConflictException')
            ? ': it is still used. Delete or change its users first (template and service sync configurations, environments provisioned through it, '
              + 'the account settings\' pipeline provisioning repository), e.g. by making them depend on the Repository construct so that CloudFormation deletes them first'
            : '';
          throw failure(`Could not delete the Proton link to repository '${id}'${hint}`, error);
        }
        log('deleted repository link', { name: id });
        return 'gone';
      },
    });
  }

  protected async isCreateComplete(id: string): Promise<RepositoryData> {
    const repository = this.creating ? await this.createOrAdopt() : await this.get(this.props.Provider, this.props.Name);
    if (repository === undefined) {
      throw failure(`The Proton link to repository '${id}' disappeared right after it was written: it was deleted outside CloudFormation.`);
    }
    return { Arn: repository.arn!, Name: repository.name!, Provider: repository.provider! };
  }

  private async createOrAdopt(): Promise<Repository> {
    const props = this.props;
    const { resource } = await createOrAdopt(this.proton, this.event, {
      kind: KIND,
      name: this.identity(props),
      importHint: `Repository.fromRepositoryAttributes(scope, id, { provider: RepositoryProvider.${props.Provider}, repositoryName: '${props.Name}' })`,
      get: () => this.get(props.Provider, props.Name),
      create: async (ownership) => {
        const response = await this.proton.send(new CreateRepositoryCommand({
          provider: props.Provider as RepositoryProvider,
          name: props.Name,
          connectionArn: props.ConnectionArn,
          encryptionKey: props.EncryptionKey,
          tags: toProtonTags({ ...props.Tags, ...ownership }),
        }));
        return response.repository!;
      },
      adopt: async (existing, tags) => {
        this.assertSameImmutables(existing);
        await syncCustomerTags(this.proton, existing.arn!, tags, props.Tags ?? {});
      },
    }, this.invocation);
    return resource;
  }

  private get(provider: string, name: string): Promise<Repository | undefined> {
    const command = new GetRepositoryCommand({ provider: provider as RepositoryProvider, name });
    return getOrUndefined(async () => (await this.proton.send(command)).repository!);
  }

  /** A link left by an earlier attempt must match what is asked now: Proton cannot update it. */
  private assertSameImmutables(existing: Repository): void {
    const differing = [
      existing.connectionArn !== this.props.ConnectionArn ? 'ConnectionArn' : undefined,
      (existing.encryptionKey ?? undefined) !== this.props.EncryptionKey ? 'EncryptionKey' : undefined,
    ].filter((x): x is string => x !== undefined);
    if (differing.length > 0) {
      throw failure(`The Proton link to repository '${this.identity(this.props)}' was created by an earlier failed deployment of this resource with a different `
        + `${differing.join(' and ')}, which Proton cannot update. Delete it (aws proton delete-repository) then deploy again.`);
    }
  }
}
