import { ArnFormat, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** ARN resource type of connections (`…:<environment account>:environment-account-connection/<id>`). */
export const CONNECTION_ARN_RESOURCE_TYPE = 'environment-account-connection';

/** ARN resource type of repository links (`…:repository/<provider lower-case>:<owner/name>`). */
export const REPOSITORY_ARN_RESOURCE_TYPE = 'repository';

/** The ARN of connection `id` requested by `environmentAccountId`, in `scope`'s region. */
export function connectionArnOf(scope: IConstruct, environmentAccountId: string, id: string): string {
  return Stack.of(scope).formatArn({
    service: 'proton',
    account: environmentAccountId,
    resource: CONNECTION_ARN_RESOURCE_TYPE,
    resourceName: id,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/** The ARN of the link to repository `owner/name` of `provider`: the provider is lower-case in Proton's ARNs. */
export function repositoryArnOf(scope: IConstruct, provider: string, repositoryName: string): string {
  return Stack.of(scope).formatArn({
    service: 'proton',
    resource: REPOSITORY_ARN_RESOURCE_TYPE,
    resourceName: `${provider.toLowerCase()}:${repositoryName}`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
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
