import { Arn, ArnComponents, ArnFormat, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Proton's ARNs, built and read in one place: `arn:<partition>:proton:<region>:<account>:<type>/<name>`.
 * Each kind's ARN resource type is in the kinds table (`kinds.ts`); the two below are there too,
 * from here, because the ARN builders of their kinds need them.
 */

/** ARN resource type of connections (`…:<environment account>:environment-account-connection/<id>`). */
export const CONNECTION_ARN_RESOURCE_TYPE = 'environment-account-connection';

/** ARN resource type of repository links (`…:repository/<provider lower-case>:<owner/name>`). */
export const REPOSITORY_ARN_RESOURCE_TYPE = 'repository';

/**
 * The components of the Proton ARN `<resourceType>/<resourceName>` (account and region: the
 * stack's), e.g. for `Resource.getResourceArnAttribute`.
 */
export function protonArnComponents(resourceType: string, resourceName: string): ArnComponents {
  return { service: 'proton', resource: resourceType, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME };
}

/**
 * The ARN of Proton resource `<resourceType>/<resourceName>` in `scope`'s region and in `account`
 * (default: `scope`'s account; a connection's ARN carries its environment account).
 */
export function protonArn(scope: IConstruct, resourceType: string, resourceName: string, account?: string): string {
  return Stack.of(scope).formatArn({ ...protonArnComponents(resourceType, resourceName), account });
}

/** What a `from<Resource>Arn` expects of the ARN it is given, and how its error names it. */
export interface ProtonArnExpectation {
  /** The ARN resource type, e.g. `environment`. */
  readonly resourceType: string;
  /** The property or parameter holding the ARN, e.g. `environmentArn`. */
  readonly property: string;
  /** What the resource is called in the error, without article, e.g. `environment template`. */
  readonly kind: string;
  /** The account placeholder of the expected form. @default '<account>' */
  readonly accountPlaceholder?: string;
  /** The name placeholder of the expected form. @default '<name>' */
  readonly namePlaceholder?: string;
}

/**
 * The resource name of a Proton ARN `arn:<partition>:proton:<region>:<account>:<type>/<name>`
 * (`<name>` without `/`: child ARNs such as a service instance's are refused). An unresolved ARN
 * (a token) is not checked: its name is returned as a token too.
 *
 * @throws when a literal ARN is not of Proton, of another resource type or without a single-segment name
 */
export function protonArnName(arn: string, expected: ProtonArnExpectation): string {
  const parts = Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME);
  if (Token.isUnresolved(arn)) {
    return parts.resourceName!;
  }
  if (parts.service !== 'proton' || parts.resource !== expected.resourceType || !parts.resourceName || parts.resourceName.includes('/')) {
    throw new Error(`${expected.property} '${arn}' is not ${withArticle(expected.kind)} ARN: expected `
      + `arn:<partition>:proton:<region>:${expected.accountPlaceholder ?? '<account>'}:${expected.resourceType}/${expected.namePlaceholder ?? '<name>'}.`);
  }
  return parts.resourceName;
}

function withArticle(text: string): string {
  return `${/^[aeiou]/.test(text) ? 'an' : 'a'} ${text}`;
}

/** The ARN of connection `id` requested by `environmentAccountId`, in `scope`'s region. */
export function connectionArnOf(scope: IConstruct, environmentAccountId: string, id: string): string {
  return protonArn(scope, CONNECTION_ARN_RESOURCE_TYPE, id, environmentAccountId);
}

/** The ARN of the link to repository `owner/name` of `provider`: the provider is lower-case in Proton's ARNs. */
export function repositoryArnOf(scope: IConstruct, provider: string, repositoryName: string): string {
  return protonArn(scope, REPOSITORY_ARN_RESOURCE_TYPE, `${provider.toLowerCase()}:${repositoryName}`);
}

/**
 * The name of a resource as known at synth time, for IAM policies of the stack's handler: the
 * resource's `Name` attribute would make the handler's policy depend on the resource, which
 * itself needs the policy (a dependency cycle). A construct of this library carries it as
 * `_nameAtSynth`; an import's name attribute is the name itself.
 */
export function nameAtSynth(resource: IConstruct, name: string): string {
  return (resource as Partial<{ readonly _nameAtSynth: string }>)._nameAtSynth ?? name;
}

/** The ARN of a repository link as known at synth time, for the handler's IAM policy. */
export function repositoryArnForPolicy(repository: IConstruct & { readonly repositoryProvider: string; readonly repositoryName: string }): string {
  return repositoryArnOf(repository, repository.repositoryProvider, nameAtSynth(repository, repository.repositoryName));
}
