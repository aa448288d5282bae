/**
 * Entry point of the cdk-proton custom-resource handler: one bundle, two Lambda handlers
 * (`index.onEvent`, `index.isComplete`) for the Provider framework, one dispatch on the
 * CloudFormation `ResourceType` to the handler class of each Proton resource.
 *
 * A failure reaches CloudFormation as its message alone: the Provider framework would append the
 * error's stack trace (minified frames of this bundle) to the reason; the trace goes to the
 * function's log instead.
 */
import type { ProtonClient } from '@aws-sdk/client-proton';
import type { Context } from 'aws-lambda';
import { AccountSettingsHandler } from './account-settings';
import { ComponentHandler } from './component';
import { log } from './engine/log';
import { createProtonClient } from './engine/proton-client';
import type { LifecycleHandler } from './engine/resource-handler';
import { SynchronousResourceHandler } from './engine/synchronous-resource';
import type { IsCompleteRequest, IsCompleteResponse, OnEventRequest, OnEventResponse } from './engine/types';
import { EnvironmentHandler } from './environment';
import { EnvironmentAccountConnectionHandler } from './environment-account-connection';
import { EnvironmentAccountConnectionAcceptanceHandler } from './environment-account-connection-acceptance';
import { EnvironmentTemplateHandler } from './environment-template';
import { REPOSITORY } from './repository';
import { ServiceHandler } from './service';
import { ServiceInstanceHandler } from './service-instance';
import { ServiceSyncConfigHandler } from './service-sync-config';
import { ServiceTemplateHandler } from './service-template';
import { TemplateSyncConfigHandler } from './template-sync-config';
import { EnvironmentTemplateVersionHandler, ServiceTemplateVersionHandler } from './template-version';
import { ProtonResourceType, ProtonResourceTypeName } from '../src/custom-resources/contract';

type HandlerFactory = (proton: ProtonClient, event: IsCompleteRequest) => LifecycleHandler;

const HANDLERS: Record<ProtonResourceTypeName, HandlerFactory> = {
  [ProtonResourceType.ENVIRONMENT_TEMPLATE]: (proton, event) => new EnvironmentTemplateHandler(proton, event),
  [ProtonResourceType.ENVIRONMENT]: (proton, event) => new EnvironmentHandler(proton, event),
  [ProtonResourceType.SERVICE]: (proton, event) => new ServiceHandler(proton, event),
  [ProtonResourceType.SERVICE_INSTANCE]: (proton, event) => new ServiceInstanceHandler(proton, event),
  [ProtonResourceType.REPOSITORY]: (proton, event) => new SynchronousResourceHandler(REPOSITORY, proton, event),
  [ProtonResourceType.ENVIRONMENT_ACCOUNT_CONNECTION]: (proton, event) => new EnvironmentAccountConnectionHandler(proton, event),
  [ProtonResourceType.ENVIRONMENT_ACCOUNT_CONNECTION_ACCEPTANCE]: (proton, event) => new EnvironmentAccountConnectionAcceptanceHandler(proton, event),
  [ProtonResourceType.ACCOUNT_SETTINGS]: (proton, event) => new AccountSettingsHandler(proton, event),
  [ProtonResourceType.TEMPLATE_SYNC_CONFIG]: (proton, event) => new TemplateSyncConfigHandler(proton, event),
  [ProtonResourceType.SERVICE_SYNC_CONFIG]: (proton, event) => new ServiceSyncConfigHandler(proton, event),
  [ProtonResourceType.ENVIRONMENT_TEMPLATE_VERSION]: (proton, event) => new EnvironmentTemplateVersionHandler(proton, event),
  [ProtonResourceType.SERVICE_TEMPLATE]: (proton, event) => new ServiceTemplateHandler(proton, event),
  [ProtonResourceType.SERVICE_TEMPLATE_VERSION]: (proton, event) => new ServiceTemplateVersionHandler(proton, event),
  [ProtonResourceType.COMPONENT]: (proton, event) => new ComponentHandler(proton, event),
};

function handlerFor(event: IsCompleteRequest, context: Context | undefined): LifecycleHandler {
  const factory = (HANDLERS as Record<string, HandlerFactory | undefined>)[event.ResourceType];
  if (factory === undefined) {
    throw new Error(`Unsupported resource type '${event.ResourceType}': this handler serves ${Object.keys(HANDLERS).join(', ')}.`);
  }
  return factory(createProtonClient(), event).inInvocation(context);
}

/** Runs `call`; a failure is logged with its trace and rethrown as its message alone. */
async function reported<T>(phase: string, event: IsCompleteRequest, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    log(`${phase} failed`, { logicalId: event.LogicalResourceId, requestId: event.RequestId, errorName: e.name, stack: e.stack });
    const reported_ = new Error(e.message);
    reported_.stack = `Error: ${e.message}`;
    throw reported_;
  }
}

export async function onEvent(event: OnEventRequest, context?: Context): Promise<OnEventResponse> {
  return reported('onEvent', event, () => handlerFor(event, context).onEvent());
}

export async function isComplete(event: IsCompleteRequest, context?: Context): Promise<IsCompleteResponse> {
  return reported('isComplete', event, () => handlerFor(event, context).isComplete());
}
