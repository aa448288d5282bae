import { CustomResource, Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { TemplateBundleBindOptions, TemplateBundleConfig } from './template-bundle';
import { TemplateVersionOptions } from './template-version-options';
import { validateLength } from './validation-util';
import { ProtonResourceTypeName, TemplateVersionProperties } from '../custom-resources/contract';
import { ProtonProvider } from '../custom-resources/proton-provider';
import { nameAtSynth, protonArn } from '../private/proton-arns';

/** Proton's `TemplateVersionPart`: a decimal string without leading zeros. */
const VERSION_PART_PATTERN = /^(0|[1-9]\d*)$/;

/** What the version constructs pass to {@link createTemplateVersionResource}. */
export interface TemplateVersionResourceOptions {
  readonly resourceType: ProtonResourceTypeName;
  /** The parent template (its versions are chained in declaration order). */
  readonly template: IConstruct;
  readonly templateName: string;
  /** The template's ARN resource type. */
  readonly templateArnType: 'environment-template' | 'service-template';
  readonly bind: Omit<TemplateBundleBindOptions, 'grantee'>;
  readonly options: TemplateVersionOptions;
  /** Kind-specific `ResourceProperties`. */
  readonly extraProperties?: object;
}

/** The version's custom resource and the bundle it registers. */
export interface TemplateVersionResource {
  readonly resource: CustomResource;
  readonly bundle: TemplateBundleConfig;
}

/** The versions of each template, in declaration order (weakly held: nothing outlives its app). */
const VERSIONS = new WeakMap<IConstruct, Construct[]>();

/**
 * Checks the options, binds the bundle (granting the handler read access), allows the handler
 * the version actions on the template's versions and creates the custom resource.
 *
 * Versions of one template in one stack are created in declaration order (each depends on the
 * one declared before it), so their numbers follow the code and a version can be a minor of a
 * major created by an earlier one. CloudFormation then deletes them newest first, the reverse of
 * what Proton requires (recommended version last): the handler defers those deletes to the
 * deletion of the older versions (see `lambda/template-version.ts`).
 */
export function createTemplateVersionResource(scope: Construct, props: TemplateVersionResourceOptions): TemplateVersionResource {
  const { options } = props;
  validateVersionPart('majorVersion', options.majorVersion);
  validateLength('description', options.description, 0, 500);

  const provider = ProtonProvider.getOrCreate(scope);
  const bundle = options.bundle.bind(scope, { ...props.bind, grantee: provider });
  // From the name known at synth: the template's name attribute would reference the template resource.
  const templateName = nameAtSynth(props.template, props.templateName);
  const templateArn = protonArn(scope, props.templateArnType, templateName);
  // Version actions are authorized on the template; only tagging names the versions themselves.
  const versionArns = `${templateArn}:*`;
  provider.allowHandler(scope, props.resourceType, { [props.templateArnType]: [templateArn], [`${props.templateArnType}-version`]: [versionArns] }, {
    [versionArns]: `Proton numbers a version (major.minor) when it registers it, so the versions of template '${templateName}' can only be named '<template ARN>:*' (for tagging them): the wildcard covers this one template's versions.`,
  }, declaredInStack(props.template, scope) ? [] : [props.templateArnType]);

  const properties: TemplateVersionProperties = {
    TemplateName: props.templateName,
    MajorVersion: options.majorVersion,
    SourceBucket: bundle.bucketName,
    SourceKey: bundle.objectKey,
    Description: options.description,
    Publish: options.publish ?? true,
  };
  const resource = new CustomResource(scope, 'Resource', {
    serviceToken: provider.serviceToken,
    resourceType: props.resourceType,
    properties: { ...properties, ...props.extraProperties },
    serviceTimeout: ProtonProvider.SERVICE_TIMEOUT,
    removalPolicy: options.removalPolicy ?? RemovalPolicy.DESTROY,
  });

  const versions = VERSIONS.get(props.template) ?? [];
  const previous = versions[versions.length - 1];
  if (previous !== undefined && Stack.of(previous) === Stack.of(scope)) {
    scope.node.addDependency(previous);
  }
  VERSIONS.set(props.template, [...versions, scope]);
  return { resource, bundle };
}

/**
 * The template's recommended version (`M.m`) as read by the last version of `template` declared
 * in the app when it was deployed. Lazy: versions are added after the template.
 */
export function recommendedVersionOf(template: IConstruct, describe: string): string {
  return Lazy.string({
    produce: () => {
      const versions = VERSIONS.get(template) ?? [];
      const last = versions[versions.length - 1];
      if (last === undefined) {
        throw new Error(`recommendedVersion of ${describe} '${template.node.path}' is used, but the template has no versions: add one with addVersion().`);
      }
      return (last.node.findChild('Resource') as CustomResource).getAttString('TemplateRecommendedVersion');
    },
  });
}

/**
 * Whether `template` is declared (not imported) in `scope`'s stack: the stack's handler then
 * created it, and its ownership tag lets the handler delete its versions after they left the stack.
 */
function declaredInStack(template: IConstruct, scope: IConstruct): boolean {
  return template.node.tryFindChild('Resource') instanceof CustomResource && Stack.of(template) === Stack.of(scope);
}

/** Checks a major or minor version number known at synth time. */
export function validateVersionPart(prop: string, value: string | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!VERSION_PART_PATTERN.test(value) || value.length > 20) {
    throw new Error(`${prop} '${value}' is not a Proton version number: use digits without leading zeros, such as '1' or '0' `
      + `(pattern ${VERSION_PART_PATTERN.source}, at most 20 digits).`);
  }
}
