/**
 * Every kind of Proton resource the library declares, in one table: how messages name it, its
 * custom resource type, its ARN resource type, its naming properties and its EventBridge
 * status-change event. The constructs, their imports and the shared mechanics
 * (`proton-resource.ts`) read it; adding a kind starts with a row here.
 */
import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { CONNECTION_ARN_RESOURCE_TYPE, REPOSITORY_ARN_RESOURCE_TYPE, protonArn, protonArnName } from './proton-arns';
import type { ProtonKind } from './proton-resource';
import { validateResourceName } from '../constructs/validation-util';
import { ProtonResourceType } from '../custom-resources/contract';

/** A kind whose resources are named (or identified) in their ARN: what its importers need. */
export interface NamedProtonKind extends ProtonKind {
  /** The construct property of the name, e.g. `environmentName`. */
  readonly nameProperty: string;
  /** The construct property of the ARN, e.g. `environmentArn`. */
  readonly arnProperty: string;
  /** The static method importing one by attributes, for messages, e.g. `Environment.fromEnvironmentAttributes`. */
  readonly importMethod: string;
}

/** Detail types: https://docs.aws.amazon.com/proton/latest/userguide/event-bridge.html */
export const KINDS = {
  environmentTemplate: {
    description: 'environment template',
    resourceType: ProtonResourceType.ENVIRONMENT_TEMPLATE,
    arnResourceType: 'environment-template',
    statusChangeDetailType: 'AWS Proton Environment Template Status Change',
    nameProperty: 'environmentTemplateName',
    arnProperty: 'environmentTemplateArn',
    importMethod: 'EnvironmentTemplate.fromEnvironmentTemplateAttributes',
  },
  environmentTemplateVersion: {
    description: 'environment template version',
    resourceType: ProtonResourceType.ENVIRONMENT_TEMPLATE_VERSION,
    arnResourceType: 'environment-template',
    statusChangeDetailType: 'AWS Proton Environment Template Version Status Change',
  },
  serviceTemplate: {
    description: 'service template',
    resourceType: ProtonResourceType.SERVICE_TEMPLATE,
    arnResourceType: 'service-template',
    statusChangeDetailType: 'AWS Proton Service Template Status Change',
    nameProperty: 'serviceTemplateName',
    arnProperty: 'serviceTemplateArn',
    importMethod: 'ServiceTemplate.fromServiceTemplateAttributes',
  },
  serviceTemplateVersion: {
    description: 'service template version',
    resourceType: ProtonResourceType.SERVICE_TEMPLATE_VERSION,
    arnResourceType: 'service-template',
    statusChangeDetailType: 'AWS Proton Service Template Version Status Change',
  },
  environment: {
    description: 'environment',
    resourceType: ProtonResourceType.ENVIRONMENT,
    arnResourceType: 'environment',
    statusChangeDetailType: 'AWS Proton Environment Status Change',
    nameProperty: 'environmentName',
    arnProperty: 'environmentArn',
    importMethod: 'Environment.fromEnvironmentAttributes',
  },
  service: {
    description: 'service',
    resourceType: ProtonResourceType.SERVICE,
    arnResourceType: 'service',
    statusChangeDetailType: 'AWS Proton Service Status Change',
    nameProperty: 'serviceName',
    arnProperty: 'serviceArn',
    importMethod: 'Service.fromServiceAttributes',
  },
  serviceInstance: {
    description: 'service instance',
    resourceType: ProtonResourceType.SERVICE_INSTANCE,
    arnResourceType: 'service',
    statusChangeDetailType: 'AWS Proton Service Instance Status Change',
  },
  servicePipeline: {
    description: 'service pipeline',
    resourceType: ProtonResourceType.SERVICE,
    arnResourceType: 'service',
    statusChangeDetailType: 'AWS Proton Service Pipeline Status Change',
  },
  component: {
    description: 'component',
    resourceType: ProtonResourceType.COMPONENT,
    arnResourceType: 'component',
    statusChangeDetailType: 'AWS Proton Component Status Change',
    nameProperty: 'componentName',
    arnProperty: 'componentArn',
    importMethod: 'Component.fromComponentAttributes',
  },
  repository: {
    description: 'repository',
    resourceType: ProtonResourceType.REPOSITORY,
    arnResourceType: REPOSITORY_ARN_RESOURCE_TYPE,
  },
  environmentAccountConnection: {
    description: 'environment account connection',
    resourceType: ProtonResourceType.ENVIRONMENT_ACCOUNT_CONNECTION,
    arnResourceType: CONNECTION_ARN_RESOURCE_TYPE,
    statusChangeDetailType: 'AWS Proton Environment Account Connection Status Change',
  },
  environmentAccountConnectionAcceptance: {
    description: 'environment account connection acceptance',
    resourceType: ProtonResourceType.ENVIRONMENT_ACCOUNT_CONNECTION_ACCEPTANCE,
    arnResourceType: CONNECTION_ARN_RESOURCE_TYPE,
    statusChangeDetailType: 'AWS Proton Environment Account Connection Status Change',
  },
  accountSettings: {
    description: 'account settings',
    resourceType: ProtonResourceType.ACCOUNT_SETTINGS,
    arnResourceType: '',
  },
  templateSyncConfig: {
    description: 'template sync configuration',
    resourceType: ProtonResourceType.TEMPLATE_SYNC_CONFIG,
    arnResourceType: '',
  },
  serviceSyncConfig: {
    description: 'service sync configuration',
    resourceType: ProtonResourceType.SERVICE_SYNC_CONFIG,
    arnResourceType: '',
  },
} as const satisfies Record<string, ProtonKind | NamedProtonKind>;

/**
 * The name and ARN of an imported resource, from either of them. An ARN keeps its own account and
 * region (never rebuilt from the name); a name alone is taken in the scope's account and region.
 */
export function importedIdentity(scope: IConstruct, kind: NamedProtonKind, name?: string, arn?: string): { name: string; arn: string } {
  if (arn !== undefined) {
    const nameInArn = protonArnName(arn, { resourceType: kind.arnResourceType, property: kind.arnProperty, kind: kind.description });
    if (name !== undefined && !Token.isUnresolved(name) && !Token.isUnresolved(nameInArn) && name !== nameInArn) {
      throw new Error(`${kind.importMethod}: ${kind.nameProperty} '${name}' is not the name in ${kind.arnProperty} '${arn}' ('${nameInArn}'). `
        + `Give one of them, or both for the same ${kind.description}.`);
    }
    name = name ?? nameInArn;
  } else if (name !== undefined) {
    arn = protonArn(scope, kind.arnResourceType, name);
  } else {
    throw new Error(`${kind.importMethod} needs ${kind.nameProperty} or ${kind.arnProperty}: give at least one.`);
  }
  validateResourceName(kind.nameProperty, name);
  return { name, arn };
}
