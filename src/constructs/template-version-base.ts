import { CfnResource, CustomResource, Lazy, Stack, Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { TemplateBundleBindOptions, TemplateBundleConfig, TemplateSchema } from './template-bundle';
import { TemplateVersionOptions } from './template-version-options';
import { validateLength } from './validation-util';
import { ProtonContract, TemplateVersionData, TemplateVersionProperties } from '../custom-resources/contract';
import { ProtonProvider } from '../custom-resources/proton-provider';
import { KINDS } from '../private/kinds';
import { nameAtSynth, protonArn, protonArnName } from '../private/proton-arns';
import { ProtonCustomResource } from '../private/proton-resource';

/** Proton's `TemplateVersionPart`: a decimal string without leading zeros. */
const VERSION_PART_PATTERN = /^(0|[1-9]\d*)$/;

/** The two template version kinds. */
export type TemplateVersionKind = typeof KINDS.environmentTemplateVersion | typeof KINDS.serviceTemplateVersion;

/** What the version constructs pass to {@link createTemplateVersionResource}. */
export interface TemplateVersionResourceOptions<K extends TemplateVersionKind> {
  readonly kind: K;
  /** The parent template (its versions are chained in declaration order). */
  readonly template: IConstruct;
  readonly templateName: string;
  readonly bind: Omit<TemplateBundleBindOptions, 'grantee'>;
  readonly options: TemplateVersionOptions;
  /** Kind-specific `ResourceProperties`. */
  readonly extraProperties?: Omit<ProtonContract[K['resourceType']]['properties'], keyof TemplateVersionProperties>;
}

/** The version's custom resource and the bundle it registers. */
export interface TemplateVersionResource<K extends TemplateVersionKind> {
  readonly resource: ProtonCustomResource<K['resourceType']>;
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
export function createTemplateVersionResource<K extends TemplateVersionKind>(
  scope: Construct, props: TemplateVersionResourceOptions<K>): TemplateVersionResource<K> {
  const { options } = props;
  validateVersionPart('majorVersion', options.majorVersion);
  validateLength('description', options.description, 0, 500);

  const provider = ProtonProvider.getOrCreate(scope);
  const bundle = options.bundle.bind(scope, { ...props.bind, grantee: provider });
  // From the name known at synth: the template's name attribute would reference the template resource.
  const templateName = nameAtSynth(props.template, props.templateName);
  // The version kind's ARN resource type is its template's (`…:environment-template/<name>:<major>.<minor>`).
  const templateArnType = props.kind.arnResourceType;
  const templateArn = protonArn(scope, templateArnType, templateName);
  // Version actions are authorized on the template; only tagging names the versions themselves.
  const versionArns = `${templateArn}:*`;
  provider.allowHandler(scope, props.kind.resourceType, { [templateArnType]: [templateArn], [`${templateArnType}-version`]: [versionArns] }, {
    [versionArns]: `Proton numbers a version (major.minor) when it registers it, so the versions of template '${templateName}' can only be named '<template ARN>:*' (for tagging them): the wildcard covers this one template's versions.`,
  }, declaredInStack(props.template, scope) ? [] : [templateArnType]);

  const properties: TemplateVersionProperties = {
    TemplateName: props.templateName,
    MajorVersion: options.majorVersion,
    SourceBucket: bundle.bucketName,
    SourceKey: bundle.objectKey,
    Description: options.description,
    Publish: options.publish ?? true,
  };
  const resource = new ProtonCustomResource<K['resourceType']>(scope, {
    kind: props.kind,
    properties: { ...properties, ...props.extraProperties } as ProtonContract[K['resourceType']]['properties'],
    removalPolicy: options.removalPolicy,
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
      const attribute: keyof TemplateVersionData = 'TemplateRecommendedVersion';
      return (last.node.findChild('Resource') as CustomResource).getAttString(attribute);
    },
  });
}

/**
 * Whether `template` is declared (not imported) in `scope`'s stack: the stack's handler then
 * created it, and its ownership tag lets the handler delete its versions after they left the stack.
 */
function declaredInStack(template: IConstruct, scope: IConstruct): boolean {
  // Not instanceof: the template may come from another copy of the library (or of aws-cdk-lib).
  const resource = template.node.tryFindChild('Resource');
  return resource !== undefined && CfnResource.isCfnResource(resource.node.defaultChild) && Stack.of(template) === Stack.of(scope);
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

/** How an environment or a service names the template version it runs. */
export interface TemplateVersionChoice<T, V extends { readonly template: T; readonly majorVersion: string; readonly minorVersion: string }> {
  readonly templateVersion?: V;
  readonly template?: T;
  readonly templateMajorVersion?: string;
  readonly templateMinorVersion?: string;
}

/** The template version a choice designates (checked), and its schema when the version is declared in the app. */
export interface ResolvedTemplateVersion<T> {
  readonly template: T;
  readonly majorVersion: string;
  readonly minorVersion?: string;
  readonly schema?: TemplateSchema;
}

/**
 * The template version an environment's or a service's props designate: `templateVersion`, or
 * `template` with `templateMajorVersion` (and optionally `templateMinorVersion`), never both.
 *
 * @param what `An environment` / `A service`, for messages
 * @param schemaOf the schema of a version declared in the app
 */
export function resolveTemplateVersion<T, V extends { readonly template: T; readonly majorVersion: string; readonly minorVersion: string }>(
  what: string, props: TemplateVersionChoice<T, V>, schemaOf: (version: V) => TemplateSchema | undefined): ResolvedTemplateVersion<T> {
  if (props.templateVersion) {
    const given = (['template', 'templateMajorVersion', 'templateMinorVersion'] as const).filter((key) => props[key] !== undefined);
    if (given.length > 0) {
      throw new Error(`Give either templateVersion or template with templateMajorVersion, not both: remove ${given.join(', ')}.`);
    }
    const version = props.templateVersion;
    return { template: version.template, majorVersion: version.majorVersion, minorVersion: version.minorVersion, schema: schemaOf(version) };
  }
  if (!props.template || props.templateMajorVersion === undefined) {
    throw new Error(`${what} needs the template version it runs: give templateVersion (e.g. template.addVersion(...)), `
      + 'or template with templateMajorVersion (and optionally templateMinorVersion).');
  }
  validateVersionPart('templateMajorVersion', props.templateMajorVersion);
  validateVersionPart('templateMinorVersion', props.templateMinorVersion);
  return { template: props.template, majorVersion: props.templateMajorVersion, minorVersion: props.templateMinorVersion };
}

/** The parts of a template version's ARN (`…:<template type>/<name>:<major>.<minor>`). */
export interface TemplateVersionArnParts {
  /** The template's ARN (same partition, account and region). */
  readonly templateArn: string;
  readonly majorVersion: string;
  readonly minorVersion: string;
}

/**
 * Splits a template version's ARN, as given to `from…VersionArn`.
 * @param kind the version kind (its ARN resource type is the template's)
 * @param property the parameter, for messages
 */
export function parseTemplateVersionArn(arn: string, kind: TemplateVersionKind, property: string): TemplateVersionArnParts {
  const expected = `arn:<partition>:proton:<region>:<account>:${kind.arnResourceType}/<name>:<major>.<minor>`;
  if (Token.isUnresolved(arn)) {
    throw new Error(`${property} must be known at synth time to be split into the template and the version (expected ${expected}): `
      + 'give the template and the version numbers to the from…VersionAttributes method instead.');
  }
  const resourceName = protonArnName(arn, { resourceType: kind.arnResourceType, property, kind: kind.description, namePlaceholder: '<name>:<major>.<minor>' });
  const match = /^(.+):(0|[1-9]\d*)\.(0|[1-9]\d*)$/.exec(resourceName);
  if (!match) {
    throw new Error(`${property} '${arn}' is not ${/^[aeiou]/.test(kind.description) ? 'an' : 'a'} ${kind.description} ARN: expected ${expected}.`);
  }
  return { templateArn: arn.slice(0, arn.length - match[2].length - match[3].length - 2), majorVersion: match[2], minorVersion: match[3] };
}
