import { IResource, Resource, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { IEnvironmentTemplate } from './environment-template';
import type { IServiceTemplate } from './service-template';
import { TemplateSchema, TemplateType } from './template-bundle';
import { createTemplateVersionResource, validateVersionPart } from './template-version-base';
import { TemplateVersionOptions } from './template-version-options';
import { CompatibleEnvironmentTemplateProperty, ProtonResourceType } from '../custom-resources/contract';


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
export interface IServiceTemplateVersion extends IResource {
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
export class ServiceTemplateVersion extends Resource implements IServiceTemplateVersion {
  /** References an existing version of a service template. */
  public static fromServiceTemplateVersionAttributes(scope: Construct, id: string, attrs: ServiceTemplateVersionAttributes): IServiceTemplateVersion {
    validateVersionPart('majorVersion', attrs.majorVersion);
    validateVersionPart('minorVersion', attrs.minorVersion);
    class Import extends Resource implements IServiceTemplateVersion {
      public readonly template = attrs.template;
      public readonly majorVersion = attrs.majorVersion;
      public readonly minorVersion = attrs.minorVersion;
      public readonly serviceTemplateVersionArn = `${attrs.template.serviceTemplateArn}:${attrs.majorVersion}.${attrs.minorVersion}`;
    }
    return new Import(scope, id);
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
    this.template = props.template;
    const compatible = compatibleEnvironmentTemplates(props.compatibleEnvironmentTemplates);
    // A ServiceTemplate (or an import given pipelineProvisioning) declares it; otherwise standard.
    const pipelineProvisioning = (props.template as { readonly pipelineProvisioning?: string }).pipelineProvisioning;
    const { resource, bundle } = createTemplateVersionResource(this, {
      resourceType: ProtonResourceType.SERVICE_TEMPLATE_VERSION,
      template: props.template,
      templateName: props.template.serviceTemplateName,
      templateArnType: 'service-template',
      bind: { templateType: TemplateType.SERVICE, hasPipeline: pipelineProvisioning !== 'CUSTOMER_MANAGED' },
      options: props,
      extraProperties: {
        CompatibleEnvironmentTemplates: compatible,
        SupportedComponentSources: props.supportedComponentSources,
      },
    });
    this.schema = bundle.schema;
    this._supportedComponentSources = props.supportedComponentSources ?? [];
    this.majorVersion = resource.getAttString('MajorVersion');
    this.minorVersion = resource.getAttString('MinorVersion');
    this.serviceTemplateVersionArn = resource.getAttString('Arn');
    this.templateRecommendedVersion = resource.getAttString('TemplateRecommendedVersion');
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
