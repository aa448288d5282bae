import {
  Arn,
  ArnFormat,
  CustomResource,
  IResource,
  ITaggable,
  Lazy,
  RemovalPolicy,
  Resource,
  Stack,
  TagManager,
  TagType,
  Token,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { generatePhysicalName } from './physical-name-util';
import { validateLength, validateResourceName } from './validation-util';
import {
  CUSTOMER_MANAGED_PROVISIONING,
  EnvironmentTemplateProperties,
  ProtonResourceType,
} from '../custom-resources/contract';
import { ProtonProvider } from '../custom-resources/proton-provider';

/** ARN resource type of environment templates (`arn:…:proton:…:environment-template/<name>`). */
const ARN_RESOURCE_TYPE = 'environment-template';

/** Proton actions on an environment template (and on its tags) that the handler performs. */
const HANDLER_ACTIONS = [
  'proton:CreateEnvironmentTemplate',
  'proton:GetEnvironmentTemplate',
  'proton:UpdateEnvironmentTemplate',
  'proton:DeleteEnvironmentTemplate',
  'proton:TagResource',
  'proton:UntagResource',
  'proton:ListTagsForResource',
];

/** Tag key prefixes reserved for AWS and for cdk-proton's ownership tags. */
const RESERVED_TAG_PREFIXES = ['aws:', 'cdk-proton:'];

/**
 * How the infrastructure of environments created from a template is provisioned.
 *
 * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateEnvironmentTemplate.html#proton-CreateEnvironmentTemplate-request-provisioning
 */
export enum EnvironmentTemplateProvisioning {
  /** Proton provisions the infrastructure from the template's infrastructure as code. */
  STANDARD = 'STANDARD',
  /**
   * The infrastructure is provisioned outside Proton (customer managed); the template's bundles
   * only describe the infrastructure's outputs.
   */
  CUSTOMER_MANAGED = 'CUSTOMER_MANAGED',
}

/** An AWS Proton environment template. */
export interface IEnvironmentTemplate extends IResource {
  /**
   * The name of the environment template.
   * @attribute
   */
  readonly environmentTemplateName: string;

  /**
   * The ARN of the environment template.
   * @attribute
   */
  readonly environmentTemplateArn: string;

  /** Grants `actions` on this template to `grantee`. */
  grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant;

  /** Grants reading this template, its versions and its tags. */
  grantRead(grantee: iam.IGrantable): iam.Grant;
}

/** Attributes of an existing environment template: give its name or its ARN. */
export interface EnvironmentTemplateAttributes {
  /**
   * The template's name.
   * @default - taken from `environmentTemplateArn`
   */
  readonly environmentTemplateName?: string;

  /**
   * The template's ARN.
   * @default - built from `environmentTemplateName` in the stack's account and region
   */
  readonly environmentTemplateArn?: string;
}

/** Properties of an {@link EnvironmentTemplate}. */
export interface EnvironmentTemplateProps {
  /**
   * The template's name: 1 to 100 letters, digits, `_` and `-`, starting with a letter or digit.
   * Proton cannot rename a template: changing it replaces the template.
   *
   * @default - a name generated from the construct path and a hash of the properties Proton cannot
   * update (`encryptionKey`, `provisioning`), so that a replacement gets a new name
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateEnvironmentTemplate.html#proton-CreateEnvironmentTemplate-request-name
   */
  readonly environmentTemplateName?: string;

  /**
   * The name shown in the Proton console (1 to 100 characters). Updated in place; removing it
   * later sets the display name to the template name (Proton cannot clear a display name).
   *
   * @default - no display name
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateEnvironmentTemplate.html#proton-CreateEnvironmentTemplate-request-displayName
   */
  readonly displayName?: string;

  /**
   * A description (up to 500 characters). Updated in place.
   *
   * @default - no description
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateEnvironmentTemplate.html#proton-CreateEnvironmentTemplate-request-description
   */
  readonly description?: string;

  /**
   * A customer managed KMS key Proton encrypts the template's data with. Proton cannot change it:
   * changing it replaces the template. The handler is allowed `kms:DescribeKey` on the key and
   * `kms:CreateGrant` through Proton; the key policy must allow the same if the key lives in
   * another account.
   *
   * @default - an AWS owned key
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateEnvironmentTemplate.html#proton-CreateEnvironmentTemplate-request-encryptionKey
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * How environments of this template are provisioned. Proton cannot change it: changing it
   * replaces the template.
   *
   * @default EnvironmentTemplateProvisioning.STANDARD
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateEnvironmentTemplate.html#proton-CreateEnvironmentTemplate-request-provisioning
   */
  readonly provisioning?: EnvironmentTemplateProvisioning;

  /**
   * What happens to the Proton template when it is removed from the stack (or the stack is
   * deleted). `RETAIN` leaves it in Proton (with its versions).
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

abstract class EnvironmentTemplateBase extends Resource implements IEnvironmentTemplate {
  public abstract readonly environmentTemplateName: string;
  public abstract readonly environmentTemplateArn: string;

  public grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.environmentTemplateArn] });
  }

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'proton:GetEnvironmentTemplate',
        'proton:ListEnvironmentTemplateVersions',
        'proton:GetEnvironmentTemplateVersion',
        'proton:ListTagsForResource',
      ],
      // Versions have ARNs `<template arn>:<major>.<minor>`.
      resourceArns: [this.environmentTemplateArn, `${this.environmentTemplateArn}:*`],
    });
  }
}

/**
 * An AWS Proton environment template, created through a cdk-proton custom resource.
 *
 * Display name, description and tags are updated in place; the name, the encryption key and the
 * provisioning cannot change in Proton and replace the template. Versions are added with the
 * template-version constructs.
 *
 * @resource Custom::ProtonEnvironmentTemplate
 * @see https://docs.aws.amazon.com/proton/latest/userguide/ag-templates.html
 */
export class EnvironmentTemplate extends EnvironmentTemplateBase implements ITaggable {
  /** References an existing environment template by name, in the stack's account and region. */
  public static fromEnvironmentTemplateName(scope: Construct, id: string, environmentTemplateName: string): IEnvironmentTemplate {
    return EnvironmentTemplate.fromEnvironmentTemplateAttributes(scope, id, { environmentTemplateName });
  }

  /** References an existing environment template by ARN. */
  public static fromEnvironmentTemplateArn(scope: Construct, id: string, environmentTemplateArn: string): IEnvironmentTemplate {
    return EnvironmentTemplate.fromEnvironmentTemplateAttributes(scope, id, { environmentTemplateArn });
  }

  /** References an existing environment template by name or ARN. */
  public static fromEnvironmentTemplateAttributes(scope: Construct, id: string, attrs: EnvironmentTemplateAttributes): IEnvironmentTemplate {
    const stack = Stack.of(scope);
    let name = attrs.environmentTemplateName;
    let arn = attrs.environmentTemplateArn;
    if (arn !== undefined) {
      const parts = Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME);
      if (!Token.isUnresolved(arn) && (parts.service !== 'proton' || parts.resource !== ARN_RESOURCE_TYPE || !parts.resourceName)) {
        throw new Error(`environmentTemplateArn '${arn}' is not an environment template ARN: expected `
          + `arn:<partition>:proton:<region>:<account>:${ARN_RESOURCE_TYPE}/<name>.`);
      }
      name = name ?? parts.resourceName!;
    } else if (name !== undefined) {
      arn = stack.formatArn({ service: 'proton', resource: ARN_RESOURCE_TYPE, resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    } else {
      throw new Error('fromEnvironmentTemplateAttributes needs environmentTemplateName or environmentTemplateArn: give at least one.');
    }
    validateResourceName('environmentTemplateName', name);

    class Import extends EnvironmentTemplateBase {
      public readonly environmentTemplateName = name!;
      public readonly environmentTemplateArn = arn!;
    }
    return new Import(scope, id, { environmentFromArn: arn });
  }

  public readonly environmentTemplateName: string;
  public readonly environmentTemplateArn: string;

  /** Tags of the template (`Tags.of(...)` works too). Updated in place. */
  public readonly tags: TagManager = new TagManager(TagType.MAP, ProtonResourceType.ENVIRONMENT_TEMPLATE);

  constructor(scope: Construct, id: string, props: EnvironmentTemplateProps = {}) {
    super(scope, id, {
      // A generated name needs the construct's path, which exists only once super() has run.
      physicalName: props.environmentTemplateName ?? Lazy.string({ produce: () => generatedName }),
    });
    validateResourceName('environmentTemplateName', props.environmentTemplateName);
    validateLength('displayName', props.displayName, 1, 100);
    validateLength('description', props.description, 0, 500);

    const provisioning = props.provisioning === EnvironmentTemplateProvisioning.CUSTOMER_MANAGED ? CUSTOMER_MANAGED_PROVISIONING : undefined;
    const encryptionKey = props.encryptionKey?.keyArn;
    const generatedName = generatePhysicalName(this, { encryptionKey, provisioning }, 100);
    const name = props.environmentTemplateName ?? generatedName;

    const provider = ProtonProvider.getOrCreate(this);
    const arnAtSynth = Stack.of(this).formatArn({ service: 'proton', resource: ARN_RESOURCE_TYPE, resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    provider.allowManage([arnAtSynth], HANDLER_ACTIONS);
    if (props.encryptionKey) {
      provider.allowKeyUse(props.encryptionKey);
    }

    const properties: EnvironmentTemplateProperties = {
      Name: name,
      DisplayName: props.displayName,
      Description: props.description,
      EncryptionKey: encryptionKey,
      Provisioning: provisioning,
      // Rendered at synth from the TagManager (a token here); the contract type is what it resolves to.
      Tags: this.tags.renderedTags as unknown as Record<string, string>,
    };
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: ProtonResourceType.ENVIRONMENT_TEMPLATE,
      properties: { ...properties },
      serviceTimeout: ProtonProvider.SERVICE_TIMEOUT,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });

    this.environmentTemplateName = this.getResourceNameAttribute(resource.getAttString('Name'));
    this.environmentTemplateArn = this.getResourceArnAttribute(resource.getAttString('Arn'), {
      service: 'proton',
      resource: ARN_RESOURCE_TYPE,
      resourceName: this.physicalName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    this.node.addValidation({ validate: () => this.validateTags() });
  }

  private validateTags(): string[] {
    const reserved = Object.keys(this.tags.tagValues()).filter((key) => RESERVED_TAG_PREFIXES.some((prefix) => key.startsWith(prefix)));
    return reserved.length === 0 ? [] : [
      `Tag key(s) ${reserved.join(', ')} of environment template '${this.node.path}' use a reserved prefix (${RESERVED_TAG_PREFIXES.join(', ')}): `
      + 'AWS and cdk-proton\'s ownership tags use them. Rename these tags.',
    ];
  }
}
