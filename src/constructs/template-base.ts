import { RemovalPolicy, TagManager } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { validateLength } from './validation-util';
import { ProtonContract } from '../custom-resources/contract';
import { ProtonProvider } from '../custom-resources/proton-provider';
import { usesCloudFormationBackend, warnIgnored } from '../private/cfn-backend/backend';
import { KINDS } from '../private/kinds';
import { protonArn } from '../private/proton-arns';
import { ProtonCustomResource } from '../private/proton-resource';

/** The two template kinds. */
export type TemplateKind = typeof KINDS.environmentTemplate | typeof KINDS.serviceTemplate;

/** The attributes of a template: its custom resource's, or computed at synth in the cloudformation backend. */
export interface TemplateAttributes {
  attr(key: 'Name' | 'Arn'): string;
}

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
export function createTemplateResource<K extends TemplateKind>(scope: Construct, options: TemplateResourceOptions<K>): TemplateAttributes {
  validateLength('displayName', options.displayName, 1, 100);
  validateLength('description', options.description, 0, 500);
  if (usesCloudFormationBackend(scope)) {
    // No custom resource: the template is a name the environments and services render their versions under.
    const why = 'the template creates nothing (its versions are rendered at synth).';
    warnIgnored(scope, 'displayName', options.displayName, why);
    warnIgnored(scope, 'description', options.description, why);
    warnIgnored(scope, 'encryptionKey', options.encryptionKey, why);
    const arn = protonArn(scope, options.kind.arnResourceType, options.name);
    return { attr: (key) => (key === 'Name' ? options.name : arn) };
  }
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
      ...options.kindProperties,
    } as ProtonContract[K['resourceType']]['properties'],
    removalPolicy: options.removalPolicy,
    tags: options.tags,
    identity: { name: options.name, property: options.kind.nameProperty, importWith: `${className}.from${className}Name` },
  });
}
