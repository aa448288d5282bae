/**
 * Every resource module's operation table, keyed by module name. `startEmulator` composes them
 * with core/operations.ts, which fails at startup unless each of the model's 87 operations is
 * implemented exactly once (shared mechanisms such as deployment-engine.ts and
 * template-registration.ts implement no operation themselves).
 */
import { operations as accountSettings } from './account-settings';
import { operations as component } from './component';
import { operations as deployment } from './deployment';
import { operations as environment } from './environment';
import { operations as environmentAccountConnection } from './environment-account-connection';
import { operations as environmentTemplate } from './environment-template';
import { operations as notify } from './notify';
import { operations as repository } from './repository';
import { operations as repositorySync } from './repository-sync';
import { operations as resourcesSummary } from './resources-summary';
import { operations as service } from './service';
import { operations as serviceInstance } from './service-instance';
import { operations as servicePipeline } from './service-pipeline';
import { operations as serviceSyncConfig } from './service-sync-config';
import { operations as serviceTemplate } from './service-template';
import { operations as tags } from './tags';
import { operations as templateSyncConfig } from './template-sync-config';
import { operations as templateVersion } from './template-version';
import type { OperationTable } from '../core/runtime';

export const RESOURCE_MODULES: Record<string, OperationTable> = {
  'account-settings': accountSettings,
  'component': component,
  'deployment': deployment,
  'environment': environment,
  'environment-account-connection': environmentAccountConnection,
  'environment-template': environmentTemplate,
  'notify': notify,
  'repository': repository,
  'repository-sync': repositorySync,
  'resources-summary': resourcesSummary,
  'service': service,
  'service-instance': serviceInstance,
  'service-pipeline': servicePipeline,
  'service-sync-config': serviceSyncConfig,
  'service-template': serviceTemplate,
  'tags': tags,
  'template-sync-config': templateSyncConfig,
  'template-version': templateVersion,
};
