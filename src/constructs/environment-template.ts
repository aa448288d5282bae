import { ITaggable, Lazy, RemovalPolicy, TagManager } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { EnvironmentTemplateVersion } from './environment-template-version';
import { generatePhysicalName } from './physical-name-util';
import { IProtonResource } from './proton-resource';
import { createTemplateResource } from './template-base';
import { recommendedVersionOf } from './template-version-base';
import { TemplateVersionOptions } from './template-version-options';
import { validateResourceName } from './validation-util';
import { CUSTOMER_MANAGED_PROVISIONING } from '../custom-resources/contract';
import { KINDS, importedIdentity } from '../private/kinds';
import { GRANTS, PermissionTargets, grantTemplateUse } from '../private/permissions';
import { protonArnComponents } from '../private/proton-arns';
import { ProtonResourceBase, protonTags } from '../private/proton-resource';

const KIND = KINDS.environmentTemplate;

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
export interface IEnvironmentTemplate extends IProtonResource {
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

  /**
   * Grants reading this template, its versions and their tags: `proton:GetEnvironmentTemplate`,
   * `GetEnvironmentTemplateVersion`, `ListEnvironmentTemplateVersions` and `ListTagsForResource`.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant;

  /**
   * Grants using this template: reading it (see `grantRead`) and creating environments from it
   * (`proton:CreateEnvironment` on the account's environments, only from this template: condition
   * `proton:EnvironmentTemplate` = its ARN). Creating an environment also needs `iam:PassRole` on
   * the roles it is given, and `proton:TagResource` when it carries tags.
   */
  grantUse(grantee: iam.IGrantable): iam.Grant;
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

  /**
   * How environments of the template are provisioned: its versions' bundles are checked for it.
   * @default EnvironmentTemplateProvisioning.STANDARD
   */
  readonly provisioning?: EnvironmentTemplateProvisioning;
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

abstract class EnvironmentTemplateBase extends ProtonResourceBase implements IEnvironmentTemplate {
  /** @internal */
  public readonly _kind = KIND;
  public abstract readonly environmentTemplateName: string;
  public abstract readonly environmentTemplateArn: string;
  /** How environments of this template are provisioned (decides the layout of its bundles). */
  public abstract readonly provisioning: EnvironmentTemplateProvisioning;

  /** @internal */
  protected get _eventResourceArn(): string {
    return this.environmentTemplateArn;
  }

  /** @internal The template, and its versions (`<template ARN>:<major>.<minor>`) for tagging actions. */
  protected get _grantTargets(): PermissionTargets {
    return { 'environment-template': [this.environmentTemplateArn], 'environment-template-version': [`${this.environmentTemplateArn}:*`] };
  }

  public grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.environmentTemplateArn] });
  }

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this._grant(grantee, GRANTS.environmentTemplate.read);
  }

  public grantUse(grantee: iam.IGrantable): iam.Grant {
    return grantTemplateUse(grantee, this, 'environment', this.environmentTemplateArn);
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
    const { name, arn } = importedIdentity(scope, KIND, attrs.environmentTemplateName, attrs.environmentTemplateArn);
    class Import extends EnvironmentTemplateBase {
      public readonly environmentTemplateName = name;
      public readonly environmentTemplateArn = arn;
      public readonly provisioning = attrs.provisioning ?? EnvironmentTemplateProvisioning.STANDARD;
    }
    return new Import(scope, id, { environmentFromArn: arn });
  }

  public readonly environmentTemplateName: string;
  public readonly environmentTemplateArn: string;
  public readonly provisioning: EnvironmentTemplateProvisioning;

  /** @internal */
  public readonly _nameAtSynth: string;

  /** Tags of the template (`Tags.of(...)` works too). Updated in place. */
  public readonly tags: TagManager = protonTags(KIND);

  constructor(scope: Construct, id: string, props: EnvironmentTemplateProps = {}) {
    super(scope, id, {
      // A generated name needs the construct's path, which exists only once super() has run.
      physicalName: props.environmentTemplateName ?? Lazy.string({ produce: () => generatedName }),
    });
    validateResourceName(KIND.nameProperty, props.environmentTemplateName);

    this.provisioning = props.provisioning ?? EnvironmentTemplateProvisioning.STANDARD;
    const provisioning = this.provisioning === EnvironmentTemplateProvisioning.CUSTOMER_MANAGED ? CUSTOMER_MANAGED_PROVISIONING : undefined;
    const encryptionKey = props.encryptionKey?.keyArn;
    const generatedName = generatePhysicalName(this, { encryptionKey, provisioning }, 100);
    const name = props.environmentTemplateName ?? generatedName;

    this._nameAtSynth = name;
    const resource = createTemplateResource(this, {
      ...props,
      kind: KIND,
      name,
      kindProperties: { Provisioning: provisioning },
      tags: this.tags,
    });

    this.environmentTemplateName = this.getResourceNameAttribute(resource.attr('Name'));
    this.environmentTemplateArn = this.getResourceArnAttribute(resource.attr('Arn'), protonArnComponents(KIND.arnResourceType, this.physicalName));
  }

  /**
   * The template's recommended version (`major.minor`): the highest published version, as read
   * when the last version declared for this template was registered and published. It is
   * refreshed whenever that version is created or replaced, not when versions are only removed.
   * The template must have at least one version.
   *
   * After a rolled-back version update (or a version removed from the app) it can differ from
   * Proton's: Proton deletes a major version's recommended minor version only after the other
   * minor versions of that major, and keeps recommending it while those are still deployed. The
   * delete then fails with a message saying so; Proton's rules make the two impossible to match
   * until those resources move off the older versions.
   *
   * With `Backend.CLOUDFORMATION` it is resolved at synth: the highest published version among
   * those declared in the app.
   */
  public get recommendedVersion(): string {
    return recommendedVersionOf(this, 'environment template');
  }

  /**
   * Adds a version registered from `options.bundle`: a new major version, or the next minor
   * version of `options.majorVersion`.
   */
  public addVersion(id: string, options: TemplateVersionOptions): EnvironmentTemplateVersion {
    return new EnvironmentTemplateVersion(this, id, { ...options, template: this });
  }
}
