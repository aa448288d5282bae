import { RemovalPolicy, TagManager } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { validateLength } from './validation-util';
import { ProtonContract } from '../custom-resources/contract';
import { ProtonProvider } from '../custom-resources/proton-provider';
import { KINDS } from '../private/kinds';
import { protonArn } from '../private/proton-arns';
import { ProtonCustomResource } from '../private/proton-resource';

/** The two template kinds. */
export type TemplateKind = typeof KINDS.environmentTemplate | typeof KINDS.serviceTemplate;

/** What both template constructs hand to {@link createTemplateResource}. */
export interface TemplateResourceOptions<K extends TemplateKind> {
  readonly kind: K;
  readonly name: string;
  readonly displayName?: string;
  readonly description?: string;
  readonly encryptionKey?: kms.IKey;
  readonly removalPolicy?: RemovalPolicy;
  /** The properties only this kind has (its provisioning). */
  readonly kindProperties: Omit<ProtonContract[K['resourceType']]['properties'], 'Name' | 'DisplayName' | 'Description' | 'EncryptionKey' | 'Tags'>;
  /** The template's tags (checked for reserved prefixes). */
  readonly tags: TagManager;
}

/**
 * Checks the shared properties, allows the handler to manage exactly this template (and use its
 * key) and creates the template's custom resource.
 */
export function createTemplateResource<K extends TemplateKind>(scope: Construct, options: TemplateResourceOptions<K>): ProtonCustomResource<K['resourceType']> {
  validateLength('displayName', options.displayName, 1, 100);
  validateLength('description', options.description, 0, 500);
  const provider = ProtonProvider.getOrCreate(scope);
  const arn = protonArn(scope, options.kind.arnResourceType, options.name);
  provider.allowHandler(scope, options.kind.resourceType, { [options.kind.arnResourceType]: [arn] });
  if (options.encryptionKey) {
    provider.allowKeyUse(options.encryptionKey);
  }
  const [className] = options.kind.importMethod.split('.');
  return new ProtonCustomResource<K['resourceType']>(scope, {
    kind: options.kind,
    properties: {
      Name: options.name,
      DisplayName: options.displayName,
      Description: options.description,
      EncryptionKey: options.encryptionKey?.keyArn,
      // Rendered at synth from the TagManager (a token here); the contract type is what it resolves to.
      Tags: options.tags.renderedTags as unknown as Record<string, string>,
      ...options.kindProperties,
    } as ProtonContract[K['resourceType']]['properties'],
    removalPolicy: options.removalPolicy,
    tags: options.tags,
    identity: { name: options.name, property: options.kind.nameProperty, importWith: `${className}.from${className}Name` },
  });
}
