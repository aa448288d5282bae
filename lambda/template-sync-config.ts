import {
  CreateTemplateSyncConfigCommand,
  DeleteTemplateSyncConfigCommand,
  GetTemplateSyncConfigCommand,
  RepositoryProvider,
  TemplateSyncConfig,
  TemplateType,
  UpdateTemplateSyncConfigCommand,
} from '@aws-sdk/client-proton';
import { failure, isProtonError } from './engine/errors';
import { log } from './engine/log';
import { getOrUndefined } from './engine/name-keyed-create';
import { PropertyReader } from './engine/properties';
import { ResourceHandler, UpdatePlan, planUpdate } from './engine/resource-handler';
import { REPOSITORY_PROVIDERS, TEMPLATE_TYPES, TemplateSyncConfigData, TemplateSyncConfigProperties } from '../src/custom-resources/contract';

/** A sync configuration is keyed by its template: another template is another configuration. */
const IMMUTABLE: ReadonlyArray<keyof TemplateSyncConfigProperties> = ['TemplateType', 'TemplateName'];

/**
 * `Custom::ProtonTemplateSyncConfig`: at most one per template, keyed (and identified) by
 * `<templateType>:<templateName>`. Proton's calls are synchronous.
 *
 * Sync configurations carry no tags, so ownership cannot be recorded: on create, an existing
 * configuration identical to the requested one is taken over (a replayed create, or an equivalent
 * configuration — deleting either is the same change), and a different one is refused untouched.
 */
export class TemplateSyncConfigHandler extends ResourceHandler<TemplateSyncConfigProperties, TemplateSyncConfigData> {
  protected parseProperties(reader: PropertyReader): TemplateSyncConfigProperties {
    return {
      TemplateType: reader.requiredOneOf('TemplateType', TEMPLATE_TYPES),
      TemplateName: reader.requiredString('TemplateName'),
      RepositoryProvider: reader.requiredOneOf('RepositoryProvider', REPOSITORY_PROVIDERS),
      RepositoryName: reader.requiredString('RepositoryName'),
      Branch: reader.requiredString('Branch'),
      Subdirectory: reader.optionalString('Subdirectory'),
    };
  }

  protected identity(props: TemplateSyncConfigProperties): string {
    return `${props.TemplateType}:${props.TemplateName}`;
  }

  protected analyzeUpdate(oldProps: TemplateSyncConfigProperties, newProps: TemplateSyncConfigProperties): UpdatePlan {
    return planUpdate(oldProps, newProps, IMMUTABLE);
  }

  /** Never used: the immutable properties are the identity. */
  protected sameIdentityReplacementMessage(id: string, reasons: readonly string[]): string {
    return `Cannot replace the template sync configuration '${id}': ${reasons.join(', ')} changed.`;
  }

  protected async onCreate(): Promise<string> {
    const id = this.identity(this.props);
    const existing = await this.get();
    if (existing !== undefined) {
      this.assertSameConfig(existing, id);
      log('template sync configuration already as requested: taken over', { name: id });
      return id;
    }
    try {
      await this.proton.send(new CreateTemplateSyncConfigCommand(this.input()));
      log('created template sync configuration', { name: id });
    } catch (error) {
      const raced = isProtonError(error, 'ConflictException') ? await this.get() : undefined;
      if (raced === undefined) {
        throw failure(`Could not create the template sync configuration of ${this.describeTemplate()}`, error);
      }
      this.assertSameConfig(raced, id);
    }
    return id;
  }

  protected async onUpdateInPlace(_oldProps: TemplateSyncConfigProperties, id: string): Promise<void> {
    try {
      await this.proton.send(new UpdateTemplateSyncConfigCommand(this.input()));
      log('updated template sync configuration', { name: id });
    } catch (error) {
      throw failure(`Could not update the template sync configuration of ${this.describeTemplate()}`, error);
    }
  }

  protected async onDeleteOwned(id: string): Promise<void> {
    try {
      await this.proton.send(new DeleteTemplateSyncConfigCommand({
        templateType: this.props.TemplateType as TemplateType,
        templateName: this.props.TemplateName,
      }));
      log('deleted template sync configuration', { name: id });
    } catch (error) {
      if (isProtonError(error, 'ResourceNotFoundException')) {
        log('template sync configuration already gone', { name: id });
        return;
      }
      throw failure(`Could not delete the template sync configuration of ${this.describeTemplate()}`, error);
    }
  }

  protected async isCreateComplete(id: string): Promise<TemplateSyncConfigData> {
    const config = await this.get();
    if (config === undefined) {
      throw failure(`The template sync configuration '${id}' disappeared right after it was written: it was deleted outside CloudFormation.`);
    }
    return { TemplateType: config.templateType!, TemplateName: config.templateName! };
  }

  private input() {
    const p = this.props;
    return {
      templateType: p.TemplateType as TemplateType,
      templateName: p.TemplateName,
      repositoryProvider: p.RepositoryProvider as RepositoryProvider,
      repositoryName: p.RepositoryName,
      branch: p.Branch,
      subdirectory: p.Subdirectory,
    };
  }

  private describeTemplate(): string {
    return `the ${this.props.TemplateType.toLowerCase()} template '${this.props.TemplateName}'`;
  }

  private get(): Promise<TemplateSyncConfig | undefined> {
    return getOrUndefined(async () => (await this.proton.send(new GetTemplateSyncConfigCommand({
      templateType: this.props.TemplateType as TemplateType,
      templateName: this.props.TemplateName,
    }))).templateSyncConfig);
  }

  private assertSameConfig(existing: TemplateSyncConfig, id: string): void {
    const p = this.props;
    const same = existing.repositoryProvider === p.RepositoryProvider && existing.repositoryName === p.RepositoryName
      && existing.branch === p.Branch && (existing.subdirectory ?? undefined) === p.Subdirectory;
    if (!same) {
      throw failure(`${capitalize(this.describeTemplate())} already has a template sync configuration ('${id}', repository ${existing.repositoryProvider}:${existing.repositoryName}, `
        + `branch ${existing.branch}) that differs from this one and was not made by this stack. cdk-proton never takes over a different configuration: `
        + 'delete it first (aws proton delete-template-sync-config) or stop declaring this one.');
    }
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
