import { ITaggable, RemovalPolicy, Stack, TagManager, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { IProtonResource } from './proton-resource';
import { validateAccountId, validateResourceName } from './validation-util';
import { ProtonProvider } from '../custom-resources/proton-provider';
import { usesCloudFormationBackend } from '../private/cfn-backend/backend';
import { KINDS } from '../private/kinds';
import { CONNECTION_ARN_RESOURCE_TYPE, connectionArnOf, protonArnName } from '../private/proton-arns';
import { ProtonCustomResource, ProtonResourceBase, isMarked, markAs, protonTags } from '../private/proton-resource';

const KIND = KINDS.environmentAccountConnection;

/** Proton's connection ids: lowercase UUIDs. */
const CONNECTION_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * An AWS Proton environment account connection: an environment account's link to a management
 * account, through which the management account provisions one environment in the environment
 * account.
 */
export interface IEnvironmentAccountConnection extends IProtonResource {
  /**
   * The connection's id (a UUID).
   * @attribute
   */
  readonly environmentAccountConnectionId: string;

  /**
   * The connection's ARN (it carries the environment account).
   * @attribute
   */
  readonly environmentAccountConnectionArn: string;
}

/** Attributes of an existing connection. */
export interface EnvironmentAccountConnectionAttributes {
  /** The connection's id, e.g. the output of the environment account's stack. */
  readonly environmentAccountConnectionId: string;
  /** The environment account (that requested the connection). */
  readonly environmentAccountId: string;
}

/** Properties of an {@link EnvironmentAccountConnection}. */
export interface EnvironmentAccountConnectionProps {
  /**
   * The management account (12 digits) whose Proton will provision the environment in this
   * account. Not this stack's account. Changing it requests a new connection.
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateEnvironmentAccountConnection.html#proton-CreateEnvironmentAccountConnection-request-managementAccountId
   */
  readonly managementAccountId: string;

  /**
   * The name of the environment, in the management account, that the connection is for (one
   * connection per environment). Changing it requests a new connection.
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateEnvironmentAccountConnection.html#proton-CreateEnvironmentAccountConnection-request-environmentName
   */
  readonly environmentName: string;

  /**
   * The IAM role of this account that Proton assumes to provision the environment's
   * infrastructure (AWS-managed provisioning). Updated in place; Proton cannot remove it.
   * @default - none; `codebuildRole` is then required
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateEnvironmentAccountConnection.html#proton-CreateEnvironmentAccountConnection-request-roleArn
   */
  readonly role?: iam.IRole;

  /**
   * The IAM role of this account that Proton uses to provision directly defined components in
   * the environment. Updated in place; Proton cannot remove it.
   * @default - directly defined components cannot be attached to the environment
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateEnvironmentAccountConnection.html#proton-CreateEnvironmentAccountConnection-request-componentRoleArn
   */
  readonly componentRole?: iam.IRole;

  /**
   * The IAM role of this account that Proton's CodeBuild provisioning uses. Updated in place;
   * Proton cannot remove it.
   * @default - none; `role` is then required
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_CreateEnvironmentAccountConnection.html#proton-CreateEnvironmentAccountConnection-request-codebuildRoleArn
   */
  readonly codebuildRole?: iam.IRole;

  /**
   * What happens to the connection when it is removed from the stack. `RETAIN` keeps it (only
   * this account can delete it later).
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

abstract class EnvironmentAccountConnectionBase extends ProtonResourceBase implements IEnvironmentAccountConnection {
  /** @internal */
  public readonly _kind = KIND;
  public abstract readonly environmentAccountConnectionId: string;
  public abstract readonly environmentAccountConnectionArn: string;
  /** @internal */
  protected get _eventResourceArn(): string {
    return this.environmentAccountConnectionArn;
  }
}

/**
 * The environment account's half of the cross-account handshake: requests a connection to a
 * management account for one environment. The management account then accepts it with an
 * {@link EnvironmentAccountConnectionAcceptance}, and its `Environment` uses the accepted
 * connection to provision in this account.
 *
 * Deploy this stack first and hand the connection id (`environmentAccountConnectionId`, e.g. as a
 * stack output) to the management account's app. The request completes as soon as Proton has
 * recorded it (PENDING). Roles are updated in place; a new management account or environment
 * name requests a new connection. Only this account can delete the connection.
 *
 * @resource Custom::ProtonEnvironmentAccountConnection
 * @see https://docs.aws.amazon.com/proton/latest/userguide/ag-env-account-connections.html
 */
export class EnvironmentAccountConnection extends EnvironmentAccountConnectionBase implements ITaggable {
  /** Whether `x` is an `EnvironmentAccountConnection` construct (of any copy of this library). */
  public static isEnvironmentAccountConnection(x: any): x is EnvironmentAccountConnection {
    return isMarked(x, 'EnvironmentAccountConnection');
  }

  /** References a connection by ARN. */
  public static fromEnvironmentAccountConnectionArn(
    scope: Construct,
    id: string,
    environmentAccountConnectionArn: string,
  ): IEnvironmentAccountConnection {
    // The ARN carries the environment account (the requester's), not necessarily this stack's.
    const connectionId = protonArnName(environmentAccountConnectionArn, {
      resourceType: CONNECTION_ARN_RESOURCE_TYPE,
      property: 'environmentAccountConnectionArn',
      kind: 'environment account connection',
      accountPlaceholder: '<environment account>',
      namePlaceholder: '<id>',
    });
    return EnvironmentAccountConnection.importConnection(scope, id, connectionId, environmentAccountConnectionArn);
  }

  /** References a connection by id and the environment account that requested it. */
  public static fromEnvironmentAccountConnectionAttributes(
    scope: Construct,
    id: string,
    attrs: EnvironmentAccountConnectionAttributes,
  ): IEnvironmentAccountConnection {
    validateAccountId('environmentAccountId', attrs.environmentAccountId);
    const connectionId = attrs.environmentAccountConnectionId;
    if (!Token.isUnresolved(connectionId) && !CONNECTION_ID_PATTERN.test(connectionId)) {
      throw new Error(`environmentAccountConnectionId '${connectionId}' is not an environment account connection id: expected a lowercase UUID `
        + "such as '0b7f6a52-9d1c-4c3e-8f00-123456789abc' (the environmentAccountConnectionId output of the environment account's stack).");
    }
    return EnvironmentAccountConnection.importConnection(scope, id, connectionId, connectionArnOf(scope, attrs.environmentAccountId, connectionId));
  }

  private static importConnection(scope: Construct, id: string, connectionId: string, arn: string): IEnvironmentAccountConnection {
    class Import extends EnvironmentAccountConnectionBase {
      public readonly environmentAccountConnectionId = connectionId;
      public readonly environmentAccountConnectionArn = arn;
    }
    return new Import(scope, id, { environmentFromArn: arn });
  }

  public readonly environmentAccountConnectionId: string;
  public readonly environmentAccountConnectionArn: string;
  /** The management account the connection is requested for. */
  public readonly managementAccountId: string;

  /**
   * The connection's status once the request is recorded (`PENDING`; `CONNECTED` when it was
   * already accepted).
   * @attribute
   */
  public readonly environmentAccountConnectionStatus: string;

  /** Tags of the connection (`Tags.of(...)` works too). Updated in place. */
  public readonly tags: TagManager = protonTags(KIND);

  constructor(scope: Construct, id: string, props: EnvironmentAccountConnectionProps) {
    super(scope, id);
    markAs(this, 'EnvironmentAccountConnection');
    const stack = Stack.of(this);
    validateAccountId('managementAccountId', props.managementAccountId);
    validateResourceName('environmentName', props.environmentName);
    if (!Token.isUnresolved(props.managementAccountId) && props.managementAccountId === stack.account) {
      throw new Error(`managementAccountId '${props.managementAccountId}' is this stack's own account: an environment account connection links two accounts. `
        + 'Declare it in a stack of the environment account (env.account), naming the management account; an environment in the management account itself needs no connection.');
    }
    if (props.role === undefined && props.codebuildRole === undefined) {
      throw new Error('EnvironmentAccountConnection needs role or codebuildRole (or both): Proton provisions the environment in this account with one of them.');
    }
    const roles = { role: props.role, componentRole: props.componentRole, codebuildRole: props.codebuildRole };
    for (const [prop, role] of Object.entries(roles)) {
      const roleAccount = role?.env.account;
      if (roleAccount !== undefined && !Token.isUnresolved(roleAccount) && !Token.isUnresolved(stack.account) && roleAccount !== stack.account) {
        throw new Error(`${prop} '${role!.node.path}' belongs to account ${roleAccount}, not to this stack's account ${stack.account}: `
          + 'Proton assumes the roles of a connection in the environment account. Use a role of this account.');
      }
    }

    // The cloudformation backend omits the resource (ProtonCustomResource warns): no handler.
    if (!usesCloudFormationBackend(this)) {
      const provider = ProtonProvider.getOrCreate(this);
      const connections = connectionArnOf(this, stack.account, '*');
      provider.allowHandler(this, KIND.resourceType, {
        'environment-account-connection': [connections],
        'role': Object.values(roles).filter((r): r is iam.IRole => r !== undefined).map((r) => r.roleArn),
      }, {
        [connections]: 'The connection id is a UUID Proton assigns at create time, unknown at synth: the handler is limited to the connections of this account and region.',
      });
    }

    const resource = new ProtonCustomResource(this, {
      kind: KIND,
      properties: {
        ManagementAccountId: props.managementAccountId,
        EnvironmentName: props.environmentName,
        RoleArn: props.role?.roleArn,
        ComponentRoleArn: props.componentRole?.roleArn,
        CodebuildRoleArn: props.codebuildRole?.roleArn,
      },
      removalPolicy: props.removalPolicy,
      tags: this.tags,
      // One connection per environment of a management account, requested from this account.
      identity: {
        name: `${props.managementAccountId}/${props.environmentName}`,
        property: 'environmentName',
        importWith: 'EnvironmentAccountConnection.fromEnvironmentAccountConnectionAttributes',
      },
    });

    this.managementAccountId = props.managementAccountId;
    this.environmentAccountConnectionId = resource.attr('Id');
    this.environmentAccountConnectionArn = resource.attr('Arn');
    this.environmentAccountConnectionStatus = resource.attr('Status');
  }
}
