import { ITaggable, Lazy, RemovalPolicy, TagManager } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { generatePhysicalName } from './physical-name-util';
import { IProtonResource } from './proton-resource';
import { ServiceTemplateVersion, ServiceTemplateVersionOptions } from './service-template-version';
import { createTemplateResource } from './template-base';
import { recommendedVersionOf } from './template-version-base';
import { validateResourceName } from './validation-util';
import { CUSTOMER_MANAGED_PROVISIONING } from '../custom-resources/contract';
import { KINDS, importedIdentity } from '../private/kinds';
import { GRANTS, PermissionTargets, grantTemplateUse } from '../private/permissions';
import { protonArnComponents } from '../private/proton-arns';
import { ProtonResourceBase, protonTags } from '../private/proton-resource';

const KIND = KINDS.serviceTemplate;

/**
 * Who provisions the service pipeline of services created from a template.
 *
 * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateServiceTemplate.html#proton-CreateServiceTemplate-request-pipelineProvisioning
 */
export enum ServiceTemplatePipelineProvisioning {
  /** Proton provisions a service pipeline from the bundle's `pipeline_infrastructure/`. */
  STANDARD = 'STANDARD',
  /** No Proton pipeline: the bundles have no `pipeline_infrastructure/` nor `pipeline_input_type`. */
  CUSTOMER_MANAGED = 'CUSTOMER_MANAGED',
}

/** An AWS Proton service template. */
export interface IServiceTemplate extends IProtonResource {
  /**
   * The name of the service template.
   * @attribute
   */
  readonly serviceTemplateName: string;

  /**
   * The ARN of the service template.
   * @attribute
   */
  readonly serviceTemplateArn: string;

  /** Grants `actions` on this template to `grantee`. */
  grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant;

  /**
   * Grants reading this template, its versions and their tags: `proton:GetServiceTemplate`,
   * `GetServiceTemplateVersion`, `ListServiceTemplateVersions` and `ListTagsForResource`.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant;

  /**
   * Grants using this template: reading it (see `grantRead`) and creating services and service instances
   * from it (`proton:CreateService`, `CreateServiceInstance`, only from this template: condition
   * `proton:ServiceTemplate` = its ARN). A service with a pipeline repository also needs
   * `codestar-connections:PassConnection` on its connection, and a create with tags
   * `proton:TagResource`.
   */
  grantUse(grantee: iam.IGrantable): iam.Grant;
}

/** Attributes of an existing service template: give its name or its ARN. */
export interface ServiceTemplateAttributes {
  /**
   * The template's name.
   * @default - taken from `serviceTemplateArn`
   */
  readonly serviceTemplateName?: string;

  /**
   * The template's ARN.
   * @default - built from `serviceTemplateName` in the stack's account and region
   */
  readonly serviceTemplateArn?: string;

  /**
   * Whether the template has a Proton service pipeline (decides the layout of its bundles).
   * @default ServiceTemplatePipelineProvisioning.STANDARD
   */
  readonly pipelineProvisioning?: ServiceTemplatePipelineProvisioning;
}

/** Properties of a {@link ServiceTemplate}. */
export interface ServiceTemplateProps {
  /**
   * The template's name: 1 to 100 letters, digits, `_` and `-`, starting with a letter or digit.
   * Proton cannot rename a template: changing it replaces the template.
   *
   * @default - a name generated from the construct path and a hash of the properties Proton cannot
   * update (`encryptionKey`, `pipelineProvisioning`), so that a replacement gets a new name
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateServiceTemplate.html#proton-CreateServiceTemplate-request-name
   */
  readonly serviceTemplateName?: string;

  /**
   * The name shown in the Proton console (1 to 100 characters). Updated in place; removing it
   * later sets the display name to the template name (Proton cannot clear a display name).
   *
   * @default - no display name
   */
  readonly displayName?: string;

  /**
   * A description (up to 500 characters). Updated in place.
   *
   * @default - no description
   */
  readonly description?: string;

  /**
   * A customer managed KMS key Proton encrypts the template's data with. Changing it replaces
   * the template.
   *
   * @default - an AWS owned key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Whether services of this template get a Proton service pipeline. Changing it replaces the
   * template.
   *
   * @default ServiceTemplatePipelineProvisioning.STANDARD
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateServiceTemplate.html#proton-CreateServiceTemplate-request-pipelineProvisioning
   */
  readonly pipelineProvisioning?: ServiceTemplatePipelineProvisioning;

  /**
   * What happens to the Proton template when it is removed from the stack (or the stack is
   * deleted). `RETAIN` leaves it in Proton (with its versions).
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

abstract class ServiceTemplateBase extends ProtonResourceBase implements IServiceTemplate {
  /** @internal */
  public readonly _kind = KIND;
  public abstract readonly serviceTemplateName: string;
  public abstract readonly serviceTemplateArn: string;
  /** Whether the template has a Proton service pipeline. */
  public abstract readonly pipelineProvisioning: ServiceTemplatePipelineProvisioning;

  /** @internal */
  protected get _eventResourceArn(): string {
    return this.serviceTemplateArn;
  }

  /** @internal The template, and its versions (`<template ARN>:<major>.<minor>`) for tagging actions. */
  protected get _grantTargets(): PermissionTargets {
    return { 'service-template': [this.serviceTemplateArn], 'service-template-version': [`${this.serviceTemplateArn}:*`] };
  }

  public grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.serviceTemplateArn] });
  }

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this._grant(grantee, GRANTS.serviceTemplate.read);
  }

  public grantUse(grantee: iam.IGrantable): iam.Grant {
    return grantTemplateUse(grantee, this, 'service', this.serviceTemplateArn);
  }
}

/**
 * An AWS Proton service template, created through a cdk-proton custom resource.
 *
 * Display name, description and tags are updated in place; the name, the encryption key and the
 * pipeline provisioning cannot change in Proton and replace the template. Versions are added
 * with {@link ServiceTemplate.addVersion}.
 *
 * @resource Custom::ProtonServiceTemplate
 * @see https://docs.aws.amazon.com/proton/latest/userguide/ag-templates.html
 */
export class ServiceTemplate extends ServiceTemplateBase implements ITaggable {
  /** References an existing service template by name, in the stack's account and region. */
  public static fromServiceTemplateName(scope: Construct, id: string, serviceTemplateName: string): IServiceTemplate {
    return ServiceTemplate.fromServiceTemplateAttributes(scope, id, { serviceTemplateName });
  }

  /** References an existing service template by ARN. */
  public static fromServiceTemplateArn(scope: Construct, id: string, serviceTemplateArn: string): IServiceTemplate {
    return ServiceTemplate.fromServiceTemplateAttributes(scope, id, { serviceTemplateArn });
  }

  /** References an existing service template by name or ARN. */
  public static fromServiceTemplateAttributes(scope: Construct, id: string, attrs: ServiceTemplateAttributes): IServiceTemplate {
    const { name, arn } = importedIdentity(scope, KIND, attrs.serviceTemplateName, attrs.serviceTemplateArn);
    class Import extends ServiceTemplateBase {
      public readonly serviceTemplateName = name;
      public readonly serviceTemplateArn = arn;
      public readonly pipelineProvisioning = attrs.pipelineProvisioning ?? ServiceTemplatePipelineProvisioning.STANDARD;
    }
    return new Import(scope, id, { environmentFromArn: arn });
  }

  public readonly serviceTemplateName: string;
  public readonly serviceTemplateArn: string;
  public readonly pipelineProvisioning: ServiceTemplatePipelineProvisioning;

  /** @internal */
  public readonly _nameAtSynth: string;

  /** Tags of the template (`Tags.of(...)` works too). Updated in place. */
  public readonly tags: TagManager = protonTags(KIND);

  constructor(scope: Construct, id: string, props: ServiceTemplateProps = {}) {
    super(scope, id, {
      // A generated name needs the construct's path, which exists only once super() has run.
      physicalName: props.serviceTemplateName ?? Lazy.string({ produce: () => generatedName }),
    });
    validateResourceName(KIND.nameProperty, props.serviceTemplateName);

    this.pipelineProvisioning = props.pipelineProvisioning ?? ServiceTemplatePipelineProvisioning.STANDARD;
    const customerManaged = this.pipelineProvisioning === ServiceTemplatePipelineProvisioning.CUSTOMER_MANAGED;
    const pipelineProvisioning = customerManaged ? CUSTOMER_MANAGED_PROVISIONING : undefined;
    const encryptionKey = props.encryptionKey?.keyArn;
    const generatedName = generatePhysicalName(this, { encryptionKey, pipelineProvisioning }, 100);
    const name = props.serviceTemplateName ?? generatedName;

    this._nameAtSynth = name;
    const resource = createTemplateResource(this, {
      ...props,
      kind: KIND,
      name,
      kindProperties: { PipelineProvisioning: pipelineProvisioning },
      tags: this.tags,
    });

    this.serviceTemplateName = this.getResourceNameAttribute(resource.attr('Name'));
    this.serviceTemplateArn = this.getResourceArnAttribute(resource.attr('Arn'), protonArnComponents(KIND.arnResourceType, this.physicalName));
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
    return recommendedVersionOf(this, 'service template');
  }

  /**
   * Adds a version registered from `options.bundle`: a new major version, or the next minor
   * version of `options.majorVersion`.
   */
  public addVersion(id: string, options: ServiceTemplateVersionOptions): ServiceTemplateVersion {
    return new ServiceTemplateVersion(this, id, { ...options, template: this });
  }
}
