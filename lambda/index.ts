/**
 * Entry point of the cdk-proton custom-resource handler: one bundle, two Lambda handlers
 * (`index.onEvent`, `index.isComplete`) for the Provider framework, one dispatch on the
 * CloudFormation `ResourceType` to the handler class of each Proton resource.
 */
import type { ProtonClient } from '@aws-sdk/client-proton';
import { createProtonClient } from './engine/proton-client';
import type { LifecycleHandler } from './engine/resource-handler';
import type { IsCompleteRequest, IsCompleteResponse, OnEventRequest, OnEventResponse } from './engine/types';
import { EnvironmentTemplateHandler } from './environment-template';
import { ProtonResourceType, ProtonResourceTypeName } from '../src/custom-resources/contract';

type HandlerFactory = (proton: ProtonClient, event: IsCompleteRequest) => LifecycleHandler;

const HANDLERS: Record<ProtonResourceTypeName, HandlerFactory> = {
  [ProtonResourceType.ENVIRONMENT_TEMPLATE]: (proton, event) => new EnvironmentTemplateHandler(proton, event),
};

function handlerFor(event: IsCompleteRequest): LifecycleHandler {
  const factory = (HANDLERS as Record<string, HandlerFactory | undefined>)[event.ResourceType];
  if (factory === undefined) {
    throw new Error(`Unsupported resource type '${event.ResourceType}': this handler serves ${Object.keys(HANDLERS).join(', ')}.`);
  }
  return factory(createProtonClient(), event);
}

export async function onEvent(event: OnEventRequest): Promise<OnEventResponse> {
  return handlerFor(event).onEvent();
}

export async function isComplete(event: IsCompleteRequest): Promise<IsCompleteResponse> {
  return handlerFor(event).isComplete();
}
