import { IResource, ITaggable, RemovalPolicy, Resource, TagManager, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { validateConnectionArn, validatePattern } from './validation-util';
import { KINDS } from '../private/kinds';
import { protonArnComponents, repositoryArnOf } from '../private/proton-arns';
import { ProtonCustomResource, importResource, protonTags } from '../private/proton-resource';

const KIND = KINDS.repository;

/**
 * The Git provider of a linked repository.
 *
 * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateRepository.html#proton-CreateRepository-request-provider
 */
export enum RepositoryProvider {
  GITHUB = 'GITHUB',
  GITHUB_ENTERPRISE = 'GITHUB_ENTERPRISE',
  BITBUCKET = 'BITBUCKET',
}

/** A Git repository linked to AWS Proton. */
export interface IRepository extends IResource {
  /**
   * The repository's `owner/name`.
   * @attribute
   */
  readonly repositoryName: string;

  /** The repository's provider. */
  readonly repositoryProvider: RepositoryProvider;

  /**
   * The ARN of the link.
   * @attribute
   */
  readonly repositoryArn: string;
}

/** Attributes of a repository already linked to Proton (its ARN is built in the stack's account and region). */
export interface RepositoryAttributes {
  /** The repository's provider. */
  readonly provider: RepositoryProvider;
  /** The repository's `owner/name`. */
  readonly repositoryName: string;
}

/** Properties of a {@link Repository}. */
export interface RepositoryProps {
  /**
   * The repository's provider. Proton cannot change it: changing it links another repository.
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateRepository.html#proton-CreateRepository-request-provider
   */
  readonly provider: RepositoryProvider;

  /**
   * The repository, as `owner/name` (1 to 100 characters). Changing it links another repository.
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateRepository.html#proton-CreateRepository-request-name
   */
  readonly repositoryName: string;

  /**
   * ARN of the AWS CodeStar connection through which Proton reaches the provider account
   * (`arn:<partition>:codestar-connections:<region>:<account>:connection/<id>`). Proton cannot
   * change it: to use another connection, remove the Repository, deploy, and add it back. The
   * handler may pass and use exactly this connection.
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateRepository.html#proton-CreateRepository-request-connectionArn
   */
  readonly connectionArn: string;

  /**
   * A customer managed KMS key for the data Proton stores about the repository. Same rules as
   * `connectionArn` for changes.
   * @default - an AWS owned key
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateRepository.html#proton-CreateRepository-request-encryptionKey
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * What happens to the link when the Repository is removed from the stack. `RETAIN` keeps it.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A link from AWS Proton to a Git repository, through an AWS CodeStar connection. Environments
 * provisioned through a repository (self-managed provisioning), the account's pipeline
 * provisioning repository and template/service sync configurations use it.
 *
 * Proton has no update for links: only tags are updated in place. Proton refuses to delete a
 * link still in use; declare its users in the same stack, referencing this construct, so that
 * CloudFormation deletes them first.
 *
 * @resource Custom::ProtonRepository
 * @see https://docs.aws.amazon.com/proton/latest/userguide/ag-create-repo.html
 */
export class Repository extends Resource implements IRepository, ITaggable {
  /** References a repository already linked to Proton, in the stack's account and region. */
  public static fromRepositoryAttributes(scope: Construct, id: string, attrs: RepositoryAttributes): IRepository {
    return imported(scope, id, attrs.provider, attrs.repositoryName, repositoryArnOf(scope, attrs.provider, attrs.repositoryName));
  }

  /**
   * References a repository already linked to Proton by the link's ARN
   * (`arn:<partition>:proton:<region>:<account>:repository/<provider>:<owner>/<name>`, in the ARN's
   * account and region).
   */
  public static fromRepositoryArn(scope: Construct, id: string, repositoryArn: string): IRepository {
    const expected = 'arn:<partition>:proton:<region>:<account>:repository/<provider>:<owner>/<name>, e.g. '
      + 'arn:aws:proton:us-east-1:123456789012:repository/github:my-org/templates';
    if (Token.isUnresolved(repositoryArn)) {
      throw new Error(`repositoryArn must be known at synth time to be split into the provider and the repository (expected ${expected}): `
        + 'give them to Repository.fromRepositoryAttributes instead.');
    }
    // Not protonArnName: the resource name `<provider>:<owner>/<name>` holds a '/'.
    const pattern = /^arn:[^:]+:proton:[^:]*:[^:]*:repository\/(github|github_enterprise|bitbucket):(.+)$/;
    validatePattern('repositoryArn', repositoryArn, pattern, `a repository link ARN: expected ${expected} (provider github, github_enterprise or bitbucket)`);
    const [, provider, name] = pattern.exec(repositoryArn)!;
    return imported(scope, id, provider.toUpperCase() as RepositoryProvider, name, repositoryArn);
  }

  public readonly repositoryName: string;
  public readonly repositoryProvider: RepositoryProvider;
  public readonly repositoryArn: string;
  /** @internal The name known at synth time, for IAM policies (the `Name` attribute would make the handler's policy depend on this resource: a cycle). */
  public readonly _nameAtSynth: string;
  /** Tags of the link (`Tags.of(...)` works too). Updated in place. */
  public readonly tags: TagManager = protonTags(KIND);

  constructor(scope: Construct, id: string, props: RepositoryProps) {
    super(scope, id, { physicalName: props.repositoryName });
    this._nameAtSynth = props.repositoryName;
    validateRepositoryName(props.repositoryName);
    validateConnectionArn('connectionArn', props.connectionArn);
    const arnName = `${props.provider.toLowerCase()}:${props.repositoryName}`;
    const resource = new ProtonCustomResource(this, {
      kind: KIND,
      properties: {
        Provider: props.provider, Name: props.repositoryName, ConnectionArn: props.connectionArn, EncryptionKey: props.encryptionKey?.keyArn,
      },
      removalPolicy: props.removalPolicy,
      tags: this.tags,
      identity: { name: `${props.provider}:${props.repositoryName}`, property: 'repositoryName', importWith: 'Repository.fromRepositoryAttributes' },
      // Proton reaches the repository through the connection passed on the caller's behalf.
      handlerAccess: {
        targets: { repository: [repositoryArnOf(this, props.provider, props.repositoryName)], connection: [props.connectionArn] },
        keys: [props.encryptionKey],
      },
    });
    this.repositoryProvider = props.provider;
    this.repositoryName = this.getResourceNameAttribute(resource.attr('Name'));
    this.repositoryArn = this.getResourceArnAttribute(resource.attr('Arn'), protonArnComponents(KIND.arnResourceType, arnName));
  }
}

function validateRepositoryName(value: string): void {
  validatePattern('repositoryName', value, /^[A-Za-z0-9_.-].*\/[A-Za-z0-9_.-].*$/,
    'a valid repository name: give it as \'owner/name\' (1 to 100 characters), e.g. \'my-org/proton-templates\'', 100);
}

function imported(scope: Construct, id: string, repositoryProvider: RepositoryProvider, repositoryName: string, repositoryArn: string): IRepository {
  validateRepositoryName(repositoryName);
  return importResource(scope, id, repositoryArn, { repositoryProvider, repositoryName, repositoryArn });
}
