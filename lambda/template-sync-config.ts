import {
  ProtonClient,
  CreateTemplateSyncConfigCommand,
  DeleteTemplateSyncConfigCommand,
  GetTemplateSyncConfigCommand,
  RepositoryProvider,
  TemplateSyncConfig,
  TemplateType,
  UpdateTemplateSyncConfigCommand,
} from '@aws-sdk/client-proton';
import { UpdatePlan, planUpdate } from './engine/resource-handler';
import { SyncConfigHandler, SyncSource } from './engine/sync-config';
import type { IsCompleteRequest } from './engine/types';
import { TEMPLATE_SYNC_CONFIG_SCHEMA, TemplateSyncConfigData, TemplateSyncConfigProperties } from '../src/custom-resources/contract';

/** A sync configuration is keyed by its template: another template is another configuration. */
const IMMUTABLE: ReadonlyArray<keyof TemplateSyncConfigProperties> = ['TemplateType', 'TemplateName'];

/**
 * `Custom::ProtonTemplateSyncConfig`: at most one per template, keyed (and identified) by
 * `<templateType>:<templateName>`. Proton's calls are synchronous; an identical existing
 * configuration is taken over, a different one refused (see {@link SyncConfigHandler}).
 */
export class TemplateSyncConfigHandler extends SyncConfigHandler<TemplateSyncConfigProperties, TemplateSyncConfigData, TemplateSyncConfig> {
  protected readonly kind = 'template sync configuration';
  protected readonly pathLabel = 'subdirectory';

  constructor(proton: ProtonClient, event: IsCompleteRequest) {
    super(proton, event, TEMPLATE_SYNC_CONFIG_SCHEMA);
  }


  protected identity(props: TemplateSyncConfigProperties): string {
    return `${props.TemplateType}:${props.TemplateName}`;
  }

  protected analyzeUpdate(oldProps: TemplateSyncConfigProperties, newProps: TemplateSyncConfigProperties): UpdatePlan {
    return planUpdate(oldProps, newProps, IMMUTABLE);
  }

  protected describeTarget(): string {
    return `the ${this.props.TemplateType.toLowerCase()} template '${this.props.TemplateName}'`;
  }

  protected deleteCommand(): string {
    return 'aws proton delete-template-sync-config';
  }

  protected requestedSource(): SyncSource {
    const p = this.props;
    return { repositoryProvider: p.RepositoryProvider, repositoryName: p.RepositoryName, branch: p.Branch, path: p.Subdirectory };
  }

  protected sourceOf(config: TemplateSyncConfig): SyncSource {
    return { repositoryProvider: config.repositoryProvider, repositoryName: config.repositoryName, branch: config.branch, path: config.subdirectory };
  }

  protected dataOf(config: TemplateSyncConfig): TemplateSyncConfigData {
    return { TemplateType: config.templateType!, TemplateName: config.templateName! };
  }

  protected async getConfig(): Promise<TemplateSyncConfig | undefined> {
    return (await this.proton.send(new GetTemplateSyncConfigCommand(this.key()))).templateSyncConfig;
  }

  protected createConfig(): Promise<unknown> {
    return this.proton.send(new CreateTemplateSyncConfigCommand(this.input()));
  }

  protected updateConfig(): Promise<unknown> {
    return this.proton.send(new UpdateTemplateSyncConfigCommand(this.input()));
  }

  protected deleteConfig(): Promise<unknown> {
    return this.proton.send(new DeleteTemplateSyncConfigCommand(this.key()));
  }

  private key() {
    return { templateType: this.props.TemplateType as TemplateType, templateName: this.props.TemplateName };
  }

  private input() {
    const p = this.props;
    return {
      ...this.key(),
      repositoryProvider: p.RepositoryProvider as RepositoryProvider,
      repositoryName: p.RepositoryName,
      branch: p.Branch,
      subdirectory: p.Subdirectory,
    };
  }
}
