import { CustomResource, Resource, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EnvironmentAccountConnection, IEnvironmentAccountConnection } from './environment-account-connection';
import { allowWildcard } from './wildcard-permissions';
import { EnvironmentAccountConnectionAcceptanceProperties, ProtonResourceType } from '../custom-resources/contract';
import { ProtonProvider } from '../custom-resources/proton-provider';
import { CONNECTION_ARN_RESOURCE_TYPE, connectionArnOf } from '../private/proton-arns';

/** Proton actions the management account's handler performs on the connection. */
const HANDLER_ACTIONS = [
  'proton:GetEnvironmentAccountConnection',
  'proton:AcceptEnvironmentAccountConnection',
  'proton:RejectEnvironmentAccountConnection',
];

/** What the management account answers to a connection request. */
export enum ConnectionDecision {
  /** Accept: the connection becomes CONNECTED and environments can use it. */
  ACCEPT = 'ACCEPT',
  /** Reject: the connection becomes REJECTED, for good — it can never be accepted later. */
  REJECT = 'REJECT',
}

/** Properties of an {@link EnvironmentAccountConnectionAcceptance}. */
export interface EnvironmentAccountConnectionAcceptanceProps {
  /**
   * The connection requested by the environment account, imported by id with
   * `EnvironmentAccountConnection.fromEnvironmentAccountConnectionAttributes()` (or by ARN).
   * Another connection replaces the acceptance.
   */
  readonly connection: IEnvironmentAccountConnection;

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
export class EnvironmentAccountConnectionAcceptance extends Resource implements IEnvironmentAccountConnection {
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
  public readonly status: string;

  constructor(scope: Construct, id: string, props: EnvironmentAccountConnectionAcceptanceProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const connection = props.connection;
    if (connection instanceof EnvironmentAccountConnection) {
      throw new Error(`connection '${connection.node.path}' is the environment account's own construct: the acceptance belongs to the management account's stack, `
        + 'and CloudFormation cannot reference a resource of another account. Deploy the environment account\'s stack first, then import the connection here with '
        + 'EnvironmentAccountConnection.fromEnvironmentAccountConnectionAttributes(scope, id, { environmentAccountConnectionId, environmentAccountId }).');
    }
    const environmentAccount = connection.env.account;
    if (!Token.isUnresolved(environmentAccount) && !Token.isUnresolved(stack.account) && environmentAccount === stack.account) {
      throw new Error(`connection '${connection.environmentAccountConnectionId}' was requested by account ${environmentAccount}, this stack's own account: `
        + 'a connection is accepted in the management account it names. Declare the acceptance in a stack of the management account (env.account).');
    }

    // Exact when the import names the connection; otherwise (an id given at deploy time) the
    // environment account's connections in this region.
    const exact = !Token.isUnresolved(connection.environmentAccountConnectionId) && !Token.isUnresolved(environmentAccount);
    const resources = exact ? [connection.environmentAccountConnectionArn] : [connectionArnOf(this, environmentAccount, '*')];
    if (exact) {
      ProtonProvider.getOrCreate(this).allowManage(resources, HANDLER_ACTIONS);
    } else {
      allowWildcard(this, resources, HANDLER_ACTIONS,
        `The ${CONNECTION_ARN_RESOURCE_TYPE} id is only known at deploy time: the handler is limited to the connections of the environment account in this region.`);
    }

    const properties: EnvironmentAccountConnectionAcceptanceProperties = {
      ConnectionId: connection.environmentAccountConnectionId,
      Decision: props.decision ?? ConnectionDecision.ACCEPT,
    };
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: ProtonProvider.getOrCreate(this).serviceToken,
      resourceType: ProtonResourceType.ENVIRONMENT_ACCOUNT_CONNECTION_ACCEPTANCE,
      properties: { ...properties },
      serviceTimeout: ProtonProvider.SERVICE_TIMEOUT,
    });

    this.environmentAccountConnectionId = resource.getAttString('Id');
    this.environmentAccountConnectionArn = resource.getAttString('Arn');
    this.environmentAccountId = resource.getAttString('EnvironmentAccountId');
    this.environmentName = resource.getAttString('EnvironmentName');
    this.status = resource.getAttString('Status');
  }
}
