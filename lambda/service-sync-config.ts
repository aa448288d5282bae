import {
  ProtonClient,
  CreateServiceSyncConfigCommand,
  DeleteServiceSyncConfigCommand,
  GetServiceSyncConfigCommand,
  RepositoryProvider,
  ServiceSyncConfig,
  UpdateServiceSyncConfigCommand,
} from '@aws-sdk/client-proton';
import { UpdatePlan, planUpdate } from './engine/resource-handler';
import { SyncConfigHandler, SyncSource } from './engine/sync-config';
import type { IsCompleteRequest } from './engine/types';
import { SERVICE_SYNC_CONFIG_SCHEMA, ServiceSyncConfigData, ServiceSyncConfigProperties } from '../src/custom-resources/contract';

/** A service sync configuration is keyed by its service: another service is another configuration. */
const IMMUTABLE: ReadonlyArray<keyof ServiceSyncConfigProperties> = ['ServiceName'];

/**
 * `Custom::ProtonServiceSyncConfig`: at most one per service, identified by the service's name.
 * Proton's calls are synchronous; an identical existing configuration is taken over, a different
 * one refused (see {@link SyncConfigHandler}). Repository, branch and file path are updated in place.
 */
export class ServiceSyncConfigHandler extends SyncConfigHandler<ServiceSyncConfigProperties, ServiceSyncConfigData, ServiceSyncConfig> {
  protected readonly kind = 'service sync configuration';
  protected readonly pathLabel = 'file path';

  constructor(proton: ProtonClient, event: IsCompleteRequest) {
    super(proton, event, SERVICE_SYNC_CONFIG_SCHEMA);
  }


  protected identity(props: ServiceSyncConfigProperties): string {
    return props.ServiceName;
  }

  protected analyzeUpdate(oldProps: ServiceSyncConfigProperties, newProps: ServiceSyncConfigProperties): UpdatePlan {
    return planUpdate(oldProps, newProps, IMMUTABLE);
  }

  protected describeTarget(): string {
    return `the service '${this.props.ServiceName}'`;
  }

  protected deleteCommand(): string {
    return `aws proton delete-service-sync-config --service-name ${this.props.ServiceName}`;
  }

  protected requestedSource(): SyncSource {
    const p = this.props;
    return { repositoryProvider: p.RepositoryProvider, repositoryName: p.RepositoryName, branch: p.Branch, path: p.FilePath };
  }

  protected sourceOf(config: ServiceSyncConfig): SyncSource {
    return { repositoryProvider: config.repositoryProvider, repositoryName: config.repositoryName, branch: config.branch, path: config.filePath };
  }

  protected dataOf(config: ServiceSyncConfig): ServiceSyncConfigData {
    return { ServiceName: config.serviceName! };
  }

  protected async getConfig(): Promise<ServiceSyncConfig | undefined> {
    return (await this.proton.send(new GetServiceSyncConfigCommand({ serviceName: this.props.ServiceName }))).serviceSyncConfig;
  }

  protected createConfig(): Promise<unknown> {
    return this.proton.send(new CreateServiceSyncConfigCommand(this.input()));
  }

  protected updateConfig(): Promise<unknown> {
    return this.proton.send(new UpdateServiceSyncConfigCommand(this.input()));
  }

  protected deleteConfig(): Promise<unknown> {
    return this.proton.send(new DeleteServiceSyncConfigCommand({ serviceName: this.props.ServiceName }));
  }

  private input() {
    const p = this.props;
    return {
      serviceName: p.ServiceName,
      repositoryProvider: p.RepositoryProvider as RepositoryProvider,
      repositoryName: p.RepositoryName,
      branch: p.Branch,
      filePath: p.FilePath,
    };
  }
}
