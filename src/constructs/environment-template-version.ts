import { Construct } from 'constructs';
import { EnvironmentTemplate, IEnvironmentTemplate } from './environment-template';
import { IProtonResource } from './proton-resource';
import { TemplateSchema, TemplateType } from './template-bundle';
import { createTemplateVersionResource, parseTemplateVersionArn, validateVersionPart } from './template-version-base';
import { TemplateVersionOptions } from './template-version-options';
import { CUSTOMER_MANAGED_PROVISIONING } from '../custom-resources/contract';
import { KINDS } from '../private/kinds';
import { ProtonResourceBase, isMarked, markAs } from '../private/proton-resource';

const KIND = KINDS.environmentTemplateVersion;

/** A version (`major.minor`) of an AWS Proton environment template. */
export interface IEnvironmentTemplateVersion extends IProtonResource {
  /** The template the version belongs to. */
  readonly template: IEnvironmentTemplate;

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
   * The ARN of the version (`…:environment-template/<name>:<major>.<minor>`).
   * @attribute
   */
  readonly environmentTemplateVersionArn: string;
}

/** Properties of an {@link EnvironmentTemplateVersion}. */
export interface EnvironmentTemplateVersionProps extends TemplateVersionOptions {
  /** The environment template to add the version to. */
  readonly template: IEnvironmentTemplate;
}

/** Attributes of an existing environment template version. */
export interface EnvironmentTemplateVersionAttributes {
  /** The template the version belongs to. */
  readonly template: IEnvironmentTemplate;
  /** The major version number, e.g. `1`. */
  readonly majorVersion: string;
  /** The minor version number, e.g. `0`. */
  readonly minorVersion: string;
}

abstract class EnvironmentTemplateVersionBase extends ProtonResourceBase implements IEnvironmentTemplateVersion {
  /** @internal */
  public readonly _kind = KIND;
  public abstract readonly template: IEnvironmentTemplate;
  public abstract readonly majorVersion: string;
  public abstract readonly minorVersion: string;
  public abstract readonly environmentTemplateVersionArn: string;
  /** @internal */
  protected get _eventResourceArn(): string {
    return this.environmentTemplateVersionArn;
  }
}

/**
 * A version of an AWS Proton environment template, registered from a template bundle and
 * published once registered.
 *
 * Proton assigns the number: a new major version, or the next minor of `majorVersion`. Versions
 * of one template declared in one stack are registered in declaration order. A new bundle (or
 * another `majorVersion`) registers a new version and CloudFormation deletes the old one after
 * the deployment has moved everything to the new one; the description is updated in place.
 *
 * Deletion follows Proton's order: a template's recommended version (and a major version's
 * recommended minor) goes after the other versions. CloudFormation deletes the versions of a
 * template newest first, so when Proton refuses the recommended version only because older
 * versions of the same stack still exist, the version is tagged `cdk-proton:pending-deletion`
 * and deleted right after the last of them. (Removing only the newest version from a stack
 * therefore leaves it in Proton, tagged, until its older versions are deleted.) A version still
 * used by environments fails the delete with Proton's reason and how to fix it.
 *
 * @resource Custom::ProtonEnvironmentTemplateVersion
 * @see https://docs.aws.amazon.com/proton/latest/userguide/ag-template-versions.html
 */
export class EnvironmentTemplateVersion extends EnvironmentTemplateVersionBase {
  /** Whether `x` is an `EnvironmentTemplateVersion` construct (of any copy of this library). */
  public static isEnvironmentTemplateVersion(x: any): x is EnvironmentTemplateVersion {
    return isMarked(x, 'EnvironmentTemplateVersion');
  }

  /** References an existing version of an environment template. */
  public static fromEnvironmentTemplateVersionAttributes(
    scope: Construct, id: string, attrs: EnvironmentTemplateVersionAttributes): IEnvironmentTemplateVersion {
    validateVersionPart('majorVersion', attrs.majorVersion);
    validateVersionPart('minorVersion', attrs.minorVersion);
    const arn = `${attrs.template.environmentTemplateArn}:${attrs.majorVersion}.${attrs.minorVersion}`;
    class Import extends EnvironmentTemplateVersionBase {
      public readonly template = attrs.template;
      public readonly majorVersion = attrs.majorVersion;
      public readonly minorVersion = attrs.minorVersion;
      public readonly environmentTemplateVersionArn = arn;
    }
    return new Import(scope, id, { environmentFromArn: arn });
  }

  /**
   * References an existing version by its ARN (`…:environment-template/<name>:<major>.<minor>`, in
   * the ARN's account and region).
   */
  public static fromEnvironmentTemplateVersionArn(scope: Construct, id: string, environmentTemplateVersionArn: string): IEnvironmentTemplateVersion {
    const parts = parseTemplateVersionArn(environmentTemplateVersionArn, KIND, 'environmentTemplateVersionArn');
    const template = EnvironmentTemplate.fromEnvironmentTemplateArn(scope, `${id}Template`, parts.templateArn);
    return EnvironmentTemplateVersion.fromEnvironmentTemplateVersionAttributes(scope, id, { template, ...parts });
  }

  public readonly template: IEnvironmentTemplate;
  public readonly majorVersion: string;
  public readonly minorVersion: string;
  public readonly environmentTemplateVersionArn: string;

  /**
   * The template's recommended version (`major.minor`) right after this version was registered
   * and published (it is this version when it is the template's highest published version).
   * @attribute
   */
  public readonly templateRecommendedVersion: string;

  /**
   * The bundle's schema, checked at synth time.
   * @default - unknown (a bundle from S3)
   */
  public readonly schema?: TemplateSchema;

  constructor(scope: Construct, id: string, props: EnvironmentTemplateVersionProps) {
    super(scope, id);
    markAs(this, 'EnvironmentTemplateVersion');
    this.template = props.template;
    const { resource, bundle } = createTemplateVersionResource(this, {
      kind: KIND,
      template: props.template,
      templateName: props.template.environmentTemplateName,
      bind: { templateType: TemplateType.ENVIRONMENT, customerManaged: provisioningOf(props.template) === CUSTOMER_MANAGED_PROVISIONING },
      options: props,
    });
    this.schema = bundle.schema;
    this.majorVersion = resource.attr('MajorVersion');
    this.minorVersion = resource.attr('MinorVersion');
    this.environmentTemplateVersionArn = resource.attr('Arn');
    this.templateRecommendedVersion = resource.attr('TemplateRecommendedVersion');
  }
}

/** The provisioning an `EnvironmentTemplate` (or an import given it) declares; an interface alone is taken as standard. */
function provisioningOf(template: IEnvironmentTemplate): string | undefined {
  return (template as { readonly provisioning?: string }).provisioning;
}
