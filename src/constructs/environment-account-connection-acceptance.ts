import { Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EnvironmentAccountConnection, IEnvironmentAccountConnection } from './environment-account-connection';
import { validateAccountId, validateResourceName } from './validation-util';
import { EnvironmentAccountConnectionAcceptanceProperties } from '../custom-resources/contract';
import { ProtonProvider } from '../custom-resources/proton-provider';
import { KINDS } from '../private/kinds';
import { CONNECTION_ARN_RESOURCE_TYPE, connectionArnOf } from '../private/proton-arns';
import { ProtonCustomResource, ProtonResourceBase } from '../private/proton-resource';

const KIND = KINDS.environmentAccountConnectionAcceptance;

/** What the management account answers to a connection request. */
export enum ConnectionDecision {
  /** Accept: the connection becomes CONNECTED and environments can use it. */
  ACCEPT = 'ACCEPT',
  /** Reject: the connection becomes REJECTED, for good — it can never be accepted later. */
  REJECT = 'REJECT',
}

/**
 * Properties of an {@link EnvironmentAccountConnectionAcceptance}. Name the connection one way:
 * `connection` (its id), or `environmentAccountId` with `environmentName` (its request).
 */
export interface EnvironmentAccountConnectionAcceptanceProps {
  /**
   * The connection requested by the environment account, imported by id with
   * `EnvironmentAccountConnection.fromEnvironmentAccountConnectionAttributes()` (or by ARN).
   * Another connection replaces the acceptance.
   * @default - the connection is found by its request: `environmentAccountId` and `environmentName`
   */
  readonly connection?: IEnvironmentAccountConnection;

  /**
   * The account that requested the connection, with `environmentName` (instead of `connection`):
   * at deploy time the handler finds the one PENDING or CONNECTED connection this account
   * requested for the environment, so the management account's stack needs no id from the other
   * account and can be deployed right after the environment account's stack, in the same app.
   * @default - the connection is named by `connection`
   */
  readonly environmentAccountId?: string;

  /**
   * The environment (of this account) the connection was requested for, with `environmentAccountId`.
   * @default - the connection is named by `connection`
   */
  readonly environmentName?: string;

  /**
   * Accept or reject the connection. Changing ACCEPT to REJECT rejects it in place (Proton
   * refuses while an environment uses it); REJECT to ACCEPT fails: rejecting is final.
   * @default ConnectionDecision.ACCEPT
   * @see https://docs.aws.amazon.com/proton/latest/APIReference/API_RejectEnvironmentAccountConnection.html
   */
  readonly decision?: ConnectionDecision;
}

/**
 * The management account's half of the cross-account handshake: accepts (or rejects) a connection
 * an environment account requested, and completes once Proton reports it CONNECTED (or REJECTED).
 *
 * Name the connection by its id (`connection`), or by its request (`environmentAccountId` and
 * `environmentName`): then the management account's stack needs nothing from the environment
 * account's deployment, and both stacks can be deployed by one app, the management account's
 * stack depending on (deployed after) the environment account's.
 *
 * It is itself an `IEnvironmentAccountConnection`: give it to an `Environment` of this stack so
 * that the environment is provisioned in the environment account, after the acceptance.
 *
 * Removing it leaves the connection as it is: Proton has no "un-accept", and only the
 * environment account can delete a connection. To revoke access from this side, set `decision`
 * to REJECT.
 *
 * @resource Custom::ProtonEnvironmentAccountConnectionAcceptance
 * @see https://docs.aws.amazon.com/proton/latest/userguide/ag-env-account-connections.html
 */
export class EnvironmentAccountConnectionAcceptance extends ProtonResourceBase implements IEnvironmentAccountConnection {
  /** @internal */
  public readonly _kind = KIND;

  /**
   * The accepted connection's id; referencing it orders a consumer after the acceptance.
   * @attribute
   */
  public readonly environmentAccountConnectionId: string;
  /**
   * The connection's ARN (it carries the environment account).
   * @attribute
   */
  public readonly environmentAccountConnectionArn: string;
  /**
   * The environment account that requested the connection.
   * @attribute
   */
  public readonly environmentAccountId: string;
  /**
   * The environment (of this account) the connection is for.
   * @attribute
   */
  public readonly environmentName: string;
  /**
   * `CONNECTED` or `REJECTED`.
   * @attribute
   */
  public readonly environmentAccountConnectionStatus: string;

  constructor(scope: Construct, id: string, props: EnvironmentAccountConnectionAcceptanceProps) {
    super(scope, id);
    if (props.connection !== undefined && (props.environmentAccountId !== undefined || props.environmentName !== undefined)) {
      throw new Error('EnvironmentAccountConnectionAcceptance names the connection one way: connection (its id), or environmentAccountId and environmentName '
        + '(its request), not both. Remove connection to accept by request, or remove environmentAccountId and environmentName.');
    }
    const designation = props.connection !== undefined ? this.byId(props.connection) : this.byRequest(props);
    const resource = new ProtonCustomResource(this, {
      kind: KIND,
      properties: { ...designation, Decision: props.decision ?? ConnectionDecision.ACCEPT },
    });

    this.environmentAccountConnectionId = resource.attr('Id');
    this.environmentAccountConnectionArn = resource.attr('Arn');
    this.environmentAccountId = resource.attr('EnvironmentAccountId');
    this.environmentName = resource.attr('EnvironmentName');
    this.environmentAccountConnectionStatus = resource.attr('Status');
  }

  /** @internal */
  protected get _eventResourceArn(): string {
    return this.environmentAccountConnectionArn;
  }

  /** The connection named by its id: the handler acts on that connection only. */
  private byId(connection: IEnvironmentAccountConnection): Pick<EnvironmentAccountConnectionAcceptanceProperties, 'ConnectionId'> {
    if (EnvironmentAccountConnection.isEnvironmentAccountConnection(connection)) {
      throw new Error(`connection '${connection.node.path}' is the environment account's own construct: the acceptance belongs to the management account's stack, `
        + 'and CloudFormation cannot reference a resource of another account. Deploy the environment account\'s stack first, then import the connection here with '
        + 'EnvironmentAccountConnection.fromEnvironmentAccountConnectionAttributes(scope, id, { environmentAccountConnectionId, environmentAccountId }), '
        + 'or accept it by its request (environmentAccountId and environmentName instead of connection).');
    }
    const environmentAccount = connection.env.account;
    this.assertOtherAccount(environmentAccount, `connection '${connection.environmentAccountConnectionId}' was requested by account`);
    // Exact when the import names the connection; otherwise (an id given at deploy time) the
    // environment account's connections in this region.
    const exact = !Token.isUnresolved(connection.environmentAccountConnectionId) && !Token.isUnresolved(environmentAccount);
    const connections = exact ? connection.environmentAccountConnectionArn : connectionArnOf(this, environmentAccount, '*');
    ProtonProvider.getOrCreate(this).allowHandler(this, KIND.resourceType, { 'environment-account-connection': [connections] }, exact ? {} : {
      [connections]: `The ${CONNECTION_ARN_RESOURCE_TYPE} id is only known at deploy time: the handler is limited to the connections of the environment account in this region.`,
    }, ['environment-account-connection']);
    return { ConnectionId: connection.environmentAccountConnectionId };
  }

  /** The connection named by its request: found at deploy time among the requests to this account. */
  private byRequest(props: EnvironmentAccountConnectionAcceptanceProps): Pick<EnvironmentAccountConnectionAcceptanceProperties, 'EnvironmentAccountId' | 'EnvironmentName'> {
    const { environmentAccountId, environmentName } = props;
    if (environmentAccountId === undefined || environmentName === undefined) {
      const given = environmentAccountId !== undefined ? `environmentAccountId '${environmentAccountId}'` : environmentName !== undefined ? `environmentName '${environmentName}'` : 'neither';
      throw new Error(`EnvironmentAccountConnectionAcceptance needs connection, or environmentAccountId and environmentName together (the request to accept); got ${given}.`);
    }
    validateAccountId('environmentAccountId', environmentAccountId);
    validateResourceName('environmentName', environmentName);
    this.assertOtherAccount(environmentAccountId, 'environmentAccountId is account');
    const connections = connectionArnOf(this, environmentAccountId, '*');
    ProtonProvider.getOrCreate(this).allowHandler(this, KIND.resourceType, { 'environment-account-connection': [connections] }, {
      [connections]: `The ${CONNECTION_ARN_RESOURCE_TYPE} is found by its request at deploy time: the handler is limited to the connections of the environment account in this region.`,
    }, ['environment-account-connection']);
    return { EnvironmentAccountId: environmentAccountId, EnvironmentName: environmentName };
  }

  /** A connection links two accounts: the acceptance is declared in the management account, not the requesting one. */
  private assertOtherAccount(environmentAccount: string, subject: string): void {
    const account = Stack.of(this).account;
    if (!Token.isUnresolved(environmentAccount) && !Token.isUnresolved(account) && environmentAccount === account) {
      throw new Error(`${subject} ${environmentAccount}, this stack's own account: a connection is accepted in the management account it names. `
        + 'Declare the acceptance in a stack of the management account (env.account).');
    }
  }
}
