import { Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { IEnvironmentTemplate } from './environment-template';
import { IProtonResource } from './proton-resource';
import { IServiceTemplate, ServiceTemplate } from './service-template';
import { TemplateSchema, TemplateType } from './template-bundle';
import { createTemplateVersionResource, parseTemplateVersionArn, validateVersionPart } from './template-version-base';
import { TemplateVersionOptions } from './template-version-options';
import { CompatibleEnvironmentTemplateProperty } from '../custom-resources/contract';
import { KINDS } from '../private/kinds';
import { ProtonResourceBase, isMarked, markAs } from '../private/proton-resource';

const KIND = KINDS.serviceTemplateVersion;

/** Proton's limits of `compatibleEnvironmentTemplates`. */
const COMPATIBLE_MIN = 1;
const COMPATIBLE_MAX = 10;

/**
 * Where components attached to service instances of a version may come from.
 *
 * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateServiceTemplateVersion.html#proton-CreateServiceTemplateVersion-request-supportedComponentSources
 */
export enum ComponentSource {
  /** Components defined directly (CreateComponent with a template file). */
  DIRECTLY_DEFINED = 'DIRECTLY_DEFINED',
}

/** A major version of an environment template that services of a version can run on. */
export interface CompatibleEnvironmentTemplate {
  /** The environment template. */
  readonly template: IEnvironmentTemplate;
  /** Its major version, e.g. `'1'` or an environment template version's `majorVersion`. */
  readonly majorVersion: string;
}

/** Options of {@link ServiceTemplate.addVersion}. */
export interface ServiceTemplateVersionOptions extends TemplateVersionOptions {
  /**
   * The environment template major versions (1 to 10) whose environments service instances of
   * this version can run in. Updated in place.
   *
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateServiceTemplateVersion.html#proton-CreateServiceTemplateVersion-request-compatibleEnvironmentTemplates
   */
  readonly compatibleEnvironmentTemplates: CompatibleEnvironmentTemplate[];

  /**
   * Where components attached to service instances of this version may come from. Updated in
   * place.
   *
   * @default - components cannot be attached
   */
  readonly supportedComponentSources?: ComponentSource[];
}

/** Properties of a {@link ServiceTemplateVersion}. */
export interface ServiceTemplateVersionProps extends ServiceTemplateVersionOptions {
  /** The service template to add the version to. */
  readonly template: IServiceTemplate;
}

/** A version (`major.minor`) of an AWS Proton service template. */
export interface IServiceTemplateVersion extends IProtonResource {
  /** The template the version belongs to. */
  readonly template: IServiceTemplate;

  /**
   * The major version number, e.g. `1`.
   * @attribute
   */
  readonly majorVersion: string;

  /**
   * The minor version number, e.g. `0`.
   * @attribute
   */
  readonly minorVersion: string;

  /**
   * The ARN of the version (`…:service-template/<name>:<major>.<minor>`).
   * @attribute
   */
  readonly serviceTemplateVersionArn: string;
}

/** Attributes of an existing service template version. */
export interface ServiceTemplateVersionAttributes {
  /** The template the version belongs to. */
  readonly template: IServiceTemplate;
  /** The major version number, e.g. `1`. */
  readonly majorVersion: string;
  /** The minor version number, e.g. `0`. */
  readonly minorVersion: string;
}

abstract class ServiceTemplateVersionBase extends ProtonResourceBase implements IServiceTemplateVersion {
  /** @internal */
  public readonly _kind = KIND;
  public abstract readonly template: IServiceTemplate;
  public abstract readonly majorVersion: string;
  public abstract readonly minorVersion: string;
  public abstract readonly serviceTemplateVersionArn: string;
  /** @internal */
  protected get _eventResourceArn(): string {
    return this.serviceTemplateVersionArn;
  }
}

/**
 * A version of an AWS Proton service template, registered from a template bundle and published
 * once registered. The bundle is checked for the template's pipeline provisioning.
 *
 * Numbering, replacement and deletion work as for {@link EnvironmentTemplateVersion}; the
 * compatible environment templates and component sources are updated in place.
 *
 * @resource Custom::ProtonServiceTemplateVersion
 * @see https://docs.aws.amazon.com/proton/latest/userguide/ag-template-versions.html
 */
export class ServiceTemplateVersion extends ServiceTemplateVersionBase {
  /** Whether `x` is a `ServiceTemplateVersion` construct (of any copy of this library). */
  public static isServiceTemplateVersion(x: any): x is ServiceTemplateVersion {
    return isMarked(x, 'ServiceTemplateVersion');
  }

  /** References an existing version of a service template. */
  public static fromServiceTemplateVersionAttributes(scope: Construct, id: string, attrs: ServiceTemplateVersionAttributes): IServiceTemplateVersion {
    validateVersionPart('majorVersion', attrs.majorVersion);
    validateVersionPart('minorVersion', attrs.minorVersion);
    const arn = `${attrs.template.serviceTemplateArn}:${attrs.majorVersion}.${attrs.minorVersion}`;
    class Import extends ServiceTemplateVersionBase {
      public readonly template = attrs.template;
      public readonly majorVersion = attrs.majorVersion;
      public readonly minorVersion = attrs.minorVersion;
      public readonly serviceTemplateVersionArn = arn;
    }
    return new Import(scope, id, { environmentFromArn: arn });
  }

  /**
   * References an existing version by its ARN (`…:service-template/<name>:<major>.<minor>`, in the
   * ARN's account and region).
   */
  public static fromServiceTemplateVersionArn(scope: Construct, id: string, serviceTemplateVersionArn: string): IServiceTemplateVersion {
    const parts = parseTemplateVersionArn(serviceTemplateVersionArn, KIND, 'serviceTemplateVersionArn');
    const template = ServiceTemplate.fromServiceTemplateArn(scope, `${id}Template`, parts.templateArn);
    return ServiceTemplateVersion.fromServiceTemplateVersionAttributes(scope, id, { template, ...parts });
  }

  public readonly template: IServiceTemplate;
  public readonly majorVersion: string;
  public readonly minorVersion: string;
  public readonly serviceTemplateVersionArn: string;

  /**
   * The template's recommended version (`major.minor`) right after this version was registered
   * and published.
   * @attribute
   */
  public readonly templateRecommendedVersion: string;

  /**
   * The bundle's schema, checked at synth time.
   * @default - unknown (a bundle from S3)
   */
  public readonly schema?: TemplateSchema;

  /** @internal Where components attached to instances of this version may come from. */
  public readonly _supportedComponentSources: readonly ComponentSource[];

  constructor(scope: Construct, id: string, props: ServiceTemplateVersionProps) {
    super(scope, id);
    markAs(this, 'ServiceTemplateVersion');
    this.template = props.template;
    const compatible = compatibleEnvironmentTemplates(props.compatibleEnvironmentTemplates);
    // A ServiceTemplate (or an import given pipelineProvisioning) declares it; otherwise standard.
    const pipelineProvisioning = (props.template as { readonly pipelineProvisioning?: string }).pipelineProvisioning;
    const { resource, bundle } = createTemplateVersionResource(this, {
      kind: KIND,
      template: props.template,
      templateName: props.template.serviceTemplateName,
      bind: { templateType: TemplateType.SERVICE, hasPipeline: pipelineProvisioning !== 'CUSTOMER_MANAGED' },
      options: props,
      extraProperties: {
        CompatibleEnvironmentTemplates: compatible,
        SupportedComponentSources: props.supportedComponentSources,
      },
    });
    this.schema = bundle.schema;
    this._supportedComponentSources = props.supportedComponentSources ?? [];
    this.majorVersion = resource.attr('MajorVersion');
    this.minorVersion = resource.attr('MinorVersion');
    this.serviceTemplateVersionArn = resource.attr('Arn');
    this.templateRecommendedVersion = resource.attr('TemplateRecommendedVersion');
  }
}

function compatibleEnvironmentTemplates(entries: CompatibleEnvironmentTemplate[]): CompatibleEnvironmentTemplateProperty[] {
  if (entries.length < COMPATIBLE_MIN || entries.length > COMPATIBLE_MAX) {
    throw new Error(`compatibleEnvironmentTemplates must list ${COMPATIBLE_MIN} to ${COMPATIBLE_MAX} environment template major versions, `
      + `got ${entries.length}. Give the environment templates (and their major versions) whose environments this service can run in.`);
  }
  const seen = new Set<string>();
  return entries.map((entry, i) => {
    validateVersionPart(`compatibleEnvironmentTemplates[${i}].majorVersion`, entry.majorVersion);
    const name = entry.template.environmentTemplateName;
    const key = `${name}:${entry.majorVersion}`;
    if (!Token.isUnresolved(name) && !Token.isUnresolved(entry.majorVersion)) {
      if (seen.has(key)) {
        throw new Error(`compatibleEnvironmentTemplates[${i}]: environment template '${name}' major version ${entry.majorVersion} is listed twice. Remove the duplicate.`);
      }
      seen.add(key);
    }
    return { TemplateName: name, MajorVersion: entry.majorVersion };
  });
}
