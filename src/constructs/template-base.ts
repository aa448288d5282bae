import { CustomResource, RemovalPolicy, TagManager } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { validateLength, validateResourceName } from './validation-util';
import { ProtonResourceTypeName } from '../custom-resources/contract';
import { ProtonProvider } from '../custom-resources/proton-provider';
import { ProtonArnType } from '../private/permissions';
import { protonArn, protonArnName } from '../private/proton-arns';

/** Tag key prefixes reserved for AWS and for cdk-proton's ownership tags. */
const RESERVED_TAG_PREFIXES = ['aws:', 'cdk-proton:'];

/** What differs between the environment and the service template constructs. */
export interface TemplateKind {
  /** `environment template` / `service template`. */
  readonly description: string;
  /** ARN resource type, e.g. `environment-template`. */
  readonly arnResourceType: string;
  /** The construct property of the name, e.g. `environmentTemplateName`. */
  readonly nameProperty: string;
  /** The construct property of the ARN, e.g. `environmentTemplateArn`. */
  readonly arnProperty: string;
  /** The static import method taking attributes, e.g. `fromEnvironmentTemplateAttributes`. */
  readonly fromAttributesMethod: string;
  readonly resourceType: ProtonResourceTypeName;
}

/** The name and ARN of an imported template, from either of them. */
export function importedTemplateIdentity(scope: Construct, kind: TemplateKind, name?: string, arn?: string): { name: string; arn: string } {
  if (arn !== undefined) {
    const nameInArn = protonArnName(arn, { resourceType: kind.arnResourceType, property: kind.arnProperty, kind: kind.description });
    name = name ?? nameInArn;
  } else if (name !== undefined) {
    arn = protonArn(scope, kind.arnResourceType, name);
  } else {
    throw new Error(`${kind.fromAttributesMethod} needs ${kind.nameProperty} or ${kind.arnProperty}: give at least one.`);
  }
  validateResourceName(kind.nameProperty, name);
  return { name, arn };
}

/** What both template constructs hand to {@link createTemplateResource}. */
export interface TemplateResourceOptions {
  readonly name: string;
  readonly displayName?: string;
  readonly description?: string;
  readonly encryptionKey?: kms.IKey;
  readonly removalPolicy?: RemovalPolicy;
  /** The custom resource's properties, typed by the caller with its kind's contract interface. */
  readonly properties: object;
  /** The template's tags (checked for reserved prefixes). */
  readonly tags: TagManager;
}

/**
 * Checks the shared properties, allows the handler to manage exactly this template (and use its
 * key) and creates the template's custom resource.
 */
export function createTemplateResource(scope: Construct, kind: TemplateKind, options: TemplateResourceOptions): CustomResource {
  validateLength('displayName', options.displayName, 1, 100);
  validateLength('description', options.description, 0, 500);
  const provider = ProtonProvider.getOrCreate(scope);
  const arn = protonArn(scope, kind.arnResourceType, options.name);
  provider.allowHandler(scope, kind.resourceType, { [kind.arnResourceType as ProtonArnType]: [arn] });
  if (options.encryptionKey) {
    provider.allowKeyUse(options.encryptionKey);
  }
  const resource = new CustomResource(scope, 'Resource', {
    serviceToken: provider.serviceToken,
    resourceType: kind.resourceType,
    properties: { ...options.properties },
    serviceTimeout: ProtonProvider.SERVICE_TIMEOUT,
    removalPolicy: options.removalPolicy ?? RemovalPolicy.DESTROY,
  });
  scope.node.addValidation({ validate: () => reservedTagProblems(scope, kind, options.tags) });
  return resource;
}

function reservedTagProblems(scope: Construct, kind: TemplateKind, tags: TagManager): string[] {
  const reserved = Object.keys(tags.tagValues()).filter((key) => RESERVED_TAG_PREFIXES.some((prefix) => key.startsWith(prefix)));
  return reserved.length === 0 ? [] : [
    `Tag key(s) ${reserved.join(', ')} of ${kind.description} '${scope.node.path}' use a reserved prefix (${RESERVED_TAG_PREFIXES.join(', ')}): `
    + 'AWS and cdk-proton\'s ownership tags use them. Rename these tags.',
  ];
}
